"""Model settings from the command line: ``--model gru:hidden_size=128,lr=0.003``.

The habit of lm-evaluation-harness's ``--model_args``: a model id, a colon, and ``key=value``
pairs separated by commas. Keys are checked against the model's config dataclass (``Config`` of a
:class:`baselines.configured.ConfiguredModel`; the keyword parameters of ``__init__`` otherwise)
and values converted to the field's type: ``int``, ``float``, ``bool`` (true/false, yes/no, 1/0),
``str``, ``Literal[...]``, ``X | None`` (``none``), and tuples of those written with ``/``
(``wheel_primes=2/3/5``). Anything else is an :class:`InvalidArgument` that names the valid keys.

>>> spec = parse_model_spec("gru:lr=0.003,hidden_size=16")
>>> spec.model, spec.options
('gru', (('hidden_size', 16), ('lr', 0.003)))
>>> spec.label
'gru[hidden_size=16,lr=0.003]'
>>> parse_model_spec("gru:hidden=16")
Traceback (most recent call last):
...
challenges.errors.InvalidArgument: unknown option 'hidden' in 'gru:hidden=16': gru takes batch_size, cell, device, eval_every, hidden_size, layers, lr, max_seconds, max_steps, patience, target_accuracy
"""

from __future__ import annotations

import inspect
import math
import re
import types
import typing
from dataclasses import dataclass, fields, is_dataclass
from typing import Any, Literal, Union

from baselines.base import get_model_class
from challenges.errors import ChallengeError, InvalidArgument

_TRUE, _FALSE = ("true", "yes", "1", "on"), ("false", "no", "0", "off")
_NONE = ("none", "null")
# int() and float() also take '１２', '٣' and '1_000': numbers on the command line are ASCII.
_INT = re.compile(r"[+-]?[0-9]{1,4000}")
_FLOAT = re.compile(r"[+-]?([0-9]{1,400}\.?[0-9]{0,400}|\.[0-9]{1,400})([eE][+-]?[0-9]{1,4})?")


@dataclass(frozen=True)
class ModelSpec:
    """A model id with the options given on the command line (sorted by key)."""

    model: str
    options: tuple[tuple[str, Any], ...] = ()

    @property
    def label(self) -> str:
        """How tables name the variant: ``gru`` or ``gru[hidden_size=16]``."""
        return model_label(self.model, self.options)


def model_label(model: str, options: Any = ()) -> str:
    """``gru`` with no options, else ``gru[k=v,...]`` (keys sorted, so order never matters).

    >>> model_label("gru", {"lr": 0.003, "hidden_size": 16})
    'gru[hidden_size=16,lr=0.003]'
    >>> model_label("fsa-approx", [("wheel_primes", (2, 3))])
    'fsa-approx[wheel_primes=2/3]'
    """
    items = sorted(dict(options or ()).items())
    if not items:
        return model
    return f"{model}[{','.join(f'{k}={_show(v)}' for k, v in items)}]"


def _show(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return "/".join(map(_show, value))
    return "none" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def option_types(cls: type) -> dict[str, Any]:
    """Option name -> type of a model class: its ``Config`` fields, else ``__init__``'s keywords."""
    config = getattr(cls, "Config", None)
    if config is not None and is_dataclass(config):
        hints = typing.get_type_hints(config)
        return {f.name: hints.get(f.name, str) for f in fields(config) if f.init}
    hints = typing.get_type_hints(cls.__init__) if cls.__init__ is not object.__init__ else {}
    out = {}
    for name, parameter in inspect.signature(cls).parameters.items():
        if parameter.kind in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL) or name == "config":
            continue
        default = parameter.default
        out[name] = hints.get(name, type(default) if default not in (None, parameter.empty) else str)
    return out


def parse_model_spec(text: str) -> ModelSpec:
    """``MODEL`` or ``MODEL:key=value,...`` -> :class:`ModelSpec`, checked against the model.

    Raises :class:`InvalidArgument` (unknown key, bad value, malformed pair) or
    :class:`UnknownModel` (unknown id, with suggestions).
    """
    model_id, colon, rest = text.partition(":")
    cls = get_model_class(model_id.strip())
    model_id = model_id.strip()
    if not colon:
        return ModelSpec(model_id)
    types_by_name = option_types(cls)
    takes = f"{model_id} takes {', '.join(sorted(types_by_name))}" if types_by_name else (
        f"{model_id} takes no options"
    )
    options: dict[str, Any] = {}
    for item in rest.split(","):
        key, equals, value = (part.strip() for part in item.partition("="))
        if not (key and equals):
            raise InvalidArgument(f"option {item!r} in {text!r} must look like key=value; {takes}")
        if key not in types_by_name:
            raise InvalidArgument(f"unknown option {key!r} in {text!r}: {takes}")
        if key in options:
            raise InvalidArgument(f"option {key!r} is given twice in {text!r}")
        try:
            options[key] = coerce(value, types_by_name[key])
        except ValueError as error:
            raise InvalidArgument(f"bad value for {key} in {text!r}: {error}; {takes}") from None
    spec = ModelSpec(model_id, tuple(sorted(options.items())))
    try:  # the config's own checks (ranges, known cells) speak now, not in the middle of a run
        cls(**options)
    except ChallengeError as error:
        raise InvalidArgument(f"{text!r}: {error}") from None
    except (TypeError, ValueError) as error:
        raise InvalidArgument(f"{text!r}: {error}; {takes}") from None
    return spec


def _coerce_union(value: str, arguments: tuple) -> Any:
    """``value`` as the first of the union's types that takes it; None for 'none' where allowed."""
    if value.lower() in _NONE and type(None) in arguments:
        return None
    errors = []
    for kind in (a for a in arguments if a is not type(None)):
        try:
            return coerce(value, kind)
        except ValueError as error:
            errors.append(str(error))
    raise ValueError("; ".join(errors) + (" (or none)" if type(None) in arguments else ""))


def coerce(value: str, annotation: Any) -> Any:
    """``value`` as an instance of ``annotation``; ``ValueError`` says what was expected.

    >>> coerce("none", int | None), coerce("7", int | None), coerce("yes", bool)
    (None, 7, True)
    >>> coerce("2/3/5", tuple[int, ...])
    (2, 3, 5)
    >>> coerce("gru", Literal["rnn", "gru"])
    'gru'
    >>> coerce("1.5", int)
    Traceback (most recent call last):
    ...
    ValueError: expected a whole number (int) in ASCII digits, got '1.5'
    >>> coerce("１２", int)
    Traceback (most recent call last):
    ...
    ValueError: expected a whole number (int) in ASCII digits, got '１２'
    """
    origin, arguments = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (Union, types.UnionType):
        return _coerce_union(value, arguments)
    if origin is Literal:
        for choice in arguments:
            if str(choice) == value:
                return choice
        raise ValueError(f"expected one of {', '.join(map(str, arguments))}, got {value!r}")
    if origin in (tuple, list):
        item = arguments[0] if arguments else str
        parts = tuple(coerce(part, item) for part in value.split("/"))
        return parts if origin is tuple else list(parts)
    if annotation is bool:
        if value.lower() in _TRUE + _FALSE:
            return value.lower() in _TRUE
        raise ValueError(f"expected true or false, got {value!r}")
    if annotation is int:
        if not _INT.fullmatch(value):
            raise ValueError(f"expected a whole number (int) in ASCII digits, got {value!r}")
        return int(value)
    if annotation is float:
        if value.lower() in ("nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"):
            raise ValueError(f"expected a finite number, got {value!r}")
        if not _FLOAT.fullmatch(value):
            raise ValueError(f"expected a number (float) in ASCII digits, got {value!r}")
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"expected a finite number, got {value!r}")
        return number
    if annotation is str or annotation is Any:
        if not value:
            raise ValueError("expected a non-empty string")
        return value
    raise ValueError(f"options of type {annotation!r} cannot be set from the command line")
