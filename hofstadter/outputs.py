"""Write a folder of outputs (a site, an export) without touching anything this package did not write.

:func:`publish` builds the new files in a hidden staging folder inside the target, then moves
each into place with ``os.replace``, which replaces a link rather than writing through it. Before
anything is written it refuses a folder holding files that the previous output's list (``owned``)
does not name -- the user's own ``index.html``, plots, notes, a link to a folder elsewhere -- and
after, it removes the files of the previous output that the new one no longer has, so that no
stale page or split is left behind. Every failure (a full disk, a path that is a folder, an
immutable file) is one line, :class:`~challenges.errors.InvalidArgument`, naming the folder.

>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "site"
>>> publish(out, lambda d: (d / "a.txt").write_text("a"), lambda d: set(), "--html")
['a.txt']
>>> (out / "mine.txt").write_text("the user's")
10
>>> try:
...     publish(out, lambda d: (d / "a.txt").write_text("b"), lambda d: {"a.txt"}, "--html")
... except InvalidArgument as error:
...     print(str(error)[-93:])
files this command did not write (mine.txt); choose an empty or new folder, or move them away
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from challenges.errors import InvalidArgument

STAGING_PREFIX = ".staging-"
_SHOWN = 3


def publish(
    out: Path, build: Callable[[Path], None], owned: Callable[[Path], set[str] | None], what: str
) -> list[str]:
    """Write what ``build(staging)`` writes into ``out``; returns the files, relative, sorted.

    ``owned(out)`` names (relative paths) the files the previous output wrote there, as its
    manifest lists them (None: it left no list); anything else found in ``out`` is refused.
    """
    try:
        if out.exists() and not out.is_dir():
            raise InvalidArgument(f"{what} {out} is a file, not a folder")
        out.mkdir(parents=True, exist_ok=True)
        present, before = refuse_foreign(out, owned, what)
        staging = Path(tempfile.mkdtemp(dir=out, prefix=STAGING_PREFIX))
        try:
            build(staging)
            written = sorted(_files(staging))
            for name in written:
                target = out / name
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / name, target)  # a link there is replaced, its target untouched
            for name in sorted(before & present - set(written)):  # the previous output's, now stale
                (out / name).unlink(missing_ok=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    except OSError as error:
        where = f" ({error.filename})" if error.filename else ""
        raise InvalidArgument(f"cannot write {what} {out}: {error.strerror or error}{where}") from None
    return written


def refuse_foreign(
    out: Path, owned: Callable[[Path], set[str] | None], what: str
) -> tuple[set[str], set[str]]:
    """(the files in ``out``, those the previous output wrote); :class:`InvalidArgument` if any
    other file is there. Commands call it before their work, so that nothing is done in vain."""
    present = _files(out) if out.is_dir() else set()
    before = _readable_list(owned, out)
    foreign = sorted(present - before)
    if foreign:
        more = ", ..." if len(foreign) > _SHOWN else ""
        raise InvalidArgument(
            f"{what} {out} holds files this command did not write ({', '.join(foreign[:_SHOWN])}{more}); "
            "choose an empty or new folder, or move them away"
        )
    return present, before


def _files(folder: Path) -> set[str]:
    """Every file and link under ``folder`` (a link to a folder is not followed), relative; staging
    folders left by an interrupted run are skipped."""
    found = set()
    for root, folders, files in os.walk(folder):
        here = Path(root)
        if here == folder:
            folders[:] = [f for f in folders if not f.startswith(STAGING_PREFIX)]
        for name in files + [f for f in folders if (here / f).is_symlink()]:
            found.add((here / name).relative_to(folder).as_posix())
    return found


def _readable_list(owned: Callable[[Path], set[str] | None], out: Path) -> set[str]:
    """The previous output's files, as plain relative paths (nothing that climbs out of ``out``)."""
    listed = owned(out) or set()
    return {name for name in listed if isinstance(name, str) and name and not name.startswith("/")
            and ".." not in Path(name).parts}  # fmt: skip
