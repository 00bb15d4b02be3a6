"""What a record says about where its figures came from, beyond its key.

A key names the experiment (challenge version, model version and config, seed, budgets). Two
things outside it can still change a figure, and a record names both, so that ``reproduce`` can
tell which one differs:

* the strings the model saw: :func:`data_fingerprint` of the training and validation examples (a
  sample cache shared by working trees whose sampling code differs serves other strings under the
  same key);
* the code that ran: the commit, and whether tracked files differed from it (:func:`tree_dirty`).

>>> import numpy as np
>>> from challenges.core import Examples
>>> a = Examples(np.array(["12", "3"]), np.array([True, False]), np.array([2, 1]), "train")
>>> data_fingerprint(a, a) == data_fingerprint(a, a), len(data_fingerprint(a, a))
(True, 16)
>>> data_fingerprint(a, a) == data_fingerprint(a, Examples(a.texts, np.array([True, True]), a.lengths, "val"))
False
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from challenges.core import Examples


def data_fingerprint(train: Examples, val: Examples) -> str:
    """sha256 (16 hex digits) of the training and validation strings and labels, in order."""
    digest = hashlib.sha256()
    for part in (train, val):
        digest.update("\n".join(part.texts.tolist()).encode() + b"\0")
        digest.update(part.labels.astype(bool).tobytes() + b"\0")
    return digest.hexdigest()[:16]


def tree_dirty(where: Path) -> bool | None:
    """Whether tracked files under git at ``where`` differ from the commit (None: not known)."""
    try:
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=5, cwd=where,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return bool(changed.stdout.strip()) if changed.returncode == 0 else None
