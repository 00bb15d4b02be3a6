"""Every limit on what the bench reads from a file someone else may have written, in one place.

A predictions file, an automaton, a store's line, the done-index: each is read only up to these
bounds, and a file past one is refused in one line that names the limit (:class:`LimitExceeded`),
never read until memory runs out or parsed until Python's stack does.

>>> loads_json('{"a": [1, 2]}', "x.json")
{'a': [1, 2]}
>>> try:
...     loads_json("[" * 100_000, "x.json")
... except LimitExceeded as error:
...     print(error)
x.json: nested 100,000 deep; the limit is MAX_JSON_DEPTH = 64
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any

from challenges.errors import LimitExceeded

# A predictions file (or each file of a predictions folder), or an automaton file. The full
# profile's test strings of the longest challenge, with their answers, are about 20 MB.
MAX_FILE_BYTES = 256 << 20
# One line of a predictions file or of the store. A record is a few kB; a line holding one
# 1000-digit string with its answer, about 1 kB; a CSV field is bounded by the same figure.
MAX_LINE_BYTES = 1 << 20
# Nesting of a JSON value. Records and automata nest three or four deep; json.loads recurses
# once per level, and past about a thousand levels raises RecursionError.
MAX_JSON_DEPTH = 64
# States of an automaton given to `score`. Checking that it is complete and answers as the
# predictions do costs a Python step per transition; a million states of ten symbols is minutes
# and gigabytes of parsed JSON, for an automaton no reader could follow.
MAX_AUTOMATON_STATES = 100_000
# The done-index beside a store: about 20 bytes per done key, so ten million records.
MAX_INDEX_BYTES = 256 << 20

_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(rb"[\[\]{}]")


def read_bytes(path: Path, limit: int, name: str, what: str) -> bytes:
    """The bytes of the regular file ``path``, refused with :class:`LimitExceeded` past ``limit``.

    Only a regular file is read (a link to ``/dev/zero`` or a pipe would never end), and no more
    than ``limit + 1`` bytes of it, whatever its size claims. ``name`` is the limit's name.
    """
    with open(path, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise LimitExceeded(f"{what} {path} is not a regular file")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise LimitExceeded(f"{what} {path} is larger than {name} = {limit:,} bytes")
    return data


def json_depth(text: str | bytes) -> int:
    """How deep the brackets of a JSON text nest (brackets inside strings do not count).

    >>> json_depth('{"a": [1, "]]]["]}'), json_depth("3")
    (2, 0)
    """
    data = text.encode() if isinstance(text, str) else text
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub(b"", data)):
        depth += 1 if bracket in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


def loads_json(text: str, where: str) -> Any:
    """``json.loads(text)``, refused in one line past :data:`MAX_LINE_BYTES` or :data:`MAX_JSON_DEPTH`.

    A malformed text is :class:`json.JSONDecodeError`, as from ``json.loads``.
    """
    if len(text) > MAX_LINE_BYTES:
        raise LimitExceeded(f"{where}: longer than MAX_LINE_BYTES = {MAX_LINE_BYTES:,} characters")
    depth = json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise LimitExceeded(f"{where}: nested {depth:,} deep; the limit is MAX_JSON_DEPTH = {MAX_JSON_DEPTH}")
    try:
        return json.loads(text)
    except ValueError as error:  # an integer of thousands of digits (Python's int limit)
        if isinstance(error, json.JSONDecodeError):
            raise
        raise LimitExceeded(f"{where}: {error}") from None
