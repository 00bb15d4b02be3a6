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

An entry may be registered by name only, ``"module:attribute"`` (Gymnasium's
``register(id, entry_point=...)``): the module is imported the first time the entry is asked for,
so that a registry lists what exists without loading it:

>>> reg.register_lazy("answer", "challenges.registry:ID_PATTERN")
>>> "answer" in reg, reg.get("answer").pattern[:6]
(True, '[a-z0-')

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
import importlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Generic, TypeVar

from .errors import DuplicateName, InvalidArgument, UnknownName

T = TypeVar("T")

_UNLOADED = object()  # the place of an entry registered by name, until its module is imported

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
        self._entry_points: dict[str, str] = {}  # name -> "module:attribute", for lazy entries

    def register(self, name: str, item: T, *, origin: str | None = None) -> T:
        """Add ``item`` under ``name``; a name already taken raises :class:`DuplicateName`.

        The module that an entry registered by name points to registers its item as it loads: that
        fills the entry's place (keeping its origin), and is no duplicate.
        """
        origin = origin or _CURRENT_ORIGIN.get()
        self.check_id(name, origin)
        if self._items.get(name) is _UNLOADED and _entry_point_of(item) == self._entry_points[name]:
            self._items[name] = item
            return item
        if name in self._items:
            raise DuplicateName(
                f"{self.kind} id '{name}' from {origin} collides with the one from "
                f"{self._origin[name]}; choose another id"
            )
        self._items[name] = item
        self._origin[name] = origin
        return item

    def register_lazy(self, name: str, entry_point: str, *, origin: str | None = None) -> None:
        """Add ``name``, loaded from ``entry_point`` (``"package.module:Attribute"``) on first use.

        The entry keeps its place in the registry's order; its module is imported by :meth:`get`,
        :meth:`find` or :meth:`items`, never by listing names or ``in``.
        """
        origin = origin or _CURRENT_ORIGIN.get()
        self.check_id(name, origin)
        module, colon, attribute = entry_point.partition(":")
        if not (module and colon and attribute):
            raise InvalidArgument(f"{self.kind} '{name}': entry point {entry_point!r} is not module:name")
        if name in self._items:
            raise DuplicateName(
                f"{self.kind} id '{name}' from {origin} collides with the one from "
                f"{self._origin[name]}; choose another id"
            )
        self._items[name] = _UNLOADED  # type: ignore[assignment]
        self._origin[name] = origin
        self._entry_points[name] = entry_point

    def _load(self, name: str) -> T:
        """Import the module of ``name``'s entry point (credited to the entry's origin); its item."""
        module_name, _, attribute = self._entry_points[name].partition(":")
        with registering_from(self._origin[name]):
            item: object = importlib.import_module(module_name)
        for part in attribute.split("."):
            item = getattr(item, part)
        if self._items.get(name) is _UNLOADED:  # the module did not register it itself
            self._items[name] = item  # type: ignore[assignment]
        return self._items[name]

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
        self._entry_points.pop(name, None)

    def get(self, name: str) -> T:
        """The object registered as ``name``; an unknown name raises with suggestions."""
        if name in self._items:
            item = self._items[name]
            return self._load(name) if item is _UNLOADED else item
        close = difflib.get_close_matches(name, list(self._items), n=3, cutoff=0.5)
        hint = f" Did you mean: {', '.join(repr(c) for c in close)}?" if close else ""
        raise self._unknown_error(
            f"Unknown {self.kind} '{name}'.{hint} Known: {', '.join(self._items)}"
        )

    def find(self, name: object) -> T | None:
        """The object registered as ``name``, or None (no error, no suggestions)."""
        return self.get(name) if isinstance(name, str) and name in self._items else None

    def origin(self, name: str) -> str:
        """Where ``name`` came from: 'built-in' or the plugin that added it (loads nothing)."""
        if name not in self._origin:
            self.get(name)  # raises, with suggestions
        return self._origin[name]

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def items(self) -> list[tuple[str, T]]:
        """Every (name, item), in registration order; loads the entries registered by name."""
        return [(name, self.get(name)) for name in list(self._items)]


def _entry_point_of(item: object) -> str:
    """``"module:QualifiedName"`` of a class or function (what :meth:`Registry.register_lazy` names)."""
    return f"{getattr(item, '__module__', '')}:{getattr(item, '__qualname__', '')}"
