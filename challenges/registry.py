"""A generic registry of named things: challenges, models, and what plugins add.

>>> reg = Registry[int]("number")
>>> reg.register("seven", 7)
7
>>> reg.get("seven")
7
>>> reg.get("seve")
Traceback (most recent call last):
...
challenges.errors.UnknownName: Unknown number 'seve'. Did you mean: 'seven'? Known: seven

Ids name files (plots, cached samples) and table cells, so they are refused unless they match
:data:`ID_PATTERN`: lower-case letters, digits, '.', '_' and '-', starting with a letter or digit,
at most 64 characters (``../../x`` would write outside the results folder; ``a|b`` would shift
the Markdown columns):

>>> try:
...     reg.register("../../x", 8)
... except InvalidArgument as error:
...     print(str(error).partition(":")[0])
number id '../../x' from built-in is not a valid id
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Generic, TypeVar

from .errors import DuplicateName, InvalidArgument, UnknownName

T = TypeVar("T")

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")  # whole ids only (fullmatch); see docs/plugins.md

BUILT_IN = "built-in"
_CURRENT_ORIGIN: ContextVar[str] = ContextVar("registry_origin", default=BUILT_IN)


def current_origin() -> str:
    """The origin that a registration right now is credited to."""
    return _CURRENT_ORIGIN.get()


@contextmanager
def registering_from(origin: str) -> Iterator[None]:
    """Everything registered inside the block is attributed to ``origin`` (a plugin's name)."""
    token = _CURRENT_ORIGIN.set(origin)
    try:
        yield
    finally:
        _CURRENT_ORIGIN.reset(token)


class Registry(Generic[T]):
    """Name -> object, with duplicate protection and suggestions for unknown names."""

    def __init__(self, kind: str, unknown_error: type[UnknownName] = UnknownName) -> None:
        self.kind = kind
        self._unknown_error = unknown_error
        self._items: dict[str, T] = {}
        self._origin: dict[str, str] = {}

    def register(self, name: str, item: T, *, origin: str | None = None) -> T:
        """Add ``item`` under ``name``; a name already taken raises :class:`DuplicateName`."""
        origin = origin or _CURRENT_ORIGIN.get()
        self.check_id(name, origin)
        if name in self._items:
            raise DuplicateName(
                f"{self.kind} id '{name}' from {origin} collides with the one from "
                f"{self._origin[name]}; choose another id"
            )
        self._items[name] = item
        self._origin[name] = origin
        return item

    def check_id(self, name: object, origin: str | None = None) -> None:
        """Raise :class:`InvalidArgument` unless ``name`` matches :data:`ID_PATTERN`."""
        if not (isinstance(name, str) and ID_PATTERN.fullmatch(name)):
            raise InvalidArgument(
                f"{self.kind} id {name!r} from {origin or _CURRENT_ORIGIN.get()} is not a valid id: use "
                "lower-case letters, digits, '.', '_' and '-', starting with a letter or digit, at most "
                "64 characters (like 'div13-base7')"
            )

    def decorator(self, name: str) -> Callable[[T], T]:
        """``@registry.decorator("id")`` registers a class or factory under ``id``."""

        def wrap(item: T) -> T:
            return self.register(name, item)

        return wrap

    def unregister(self, name: str) -> None:
        """Remove ``name`` (tests and plugin reloads use this)."""
        self._items.pop(name, None)
        self._origin.pop(name, None)

    def get(self, name: str) -> T:
        """The object registered as ``name``; an unknown name raises with suggestions."""
        try:
            return self._items[name]
        except KeyError:
            pass
        close = difflib.get_close_matches(name, list(self._items), n=3, cutoff=0.5)
        hint = f" Did you mean: {', '.join(repr(c) for c in close)}?" if close else ""
        raise self._unknown_error(
            f"Unknown {self.kind} '{name}'.{hint} Known: {', '.join(self._items)}"
        )

    def find(self, name: object) -> T | None:
        """The object registered as ``name``, or None (no error, no suggestions)."""
        return self._items.get(name) if isinstance(name, str) else None

    def origin(self, name: str) -> str:
        """Where ``name`` came from: 'built-in' or the plugin that added it."""
        self.get(name)
        return self._origin[name]

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def items(self) -> list[tuple[str, T]]:
        return list(self._items.items())
