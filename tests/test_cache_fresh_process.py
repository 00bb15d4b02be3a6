"""Every built-in challenge's cached test sets load from disk in a new process (issue 19).

The suite's other cache tests write and read in one process, where the in-memory copy answers;
a fresh machine meets the file itself. A test set beyond the training lengths once crashed its
own check (``assign_split`` on no strings), failing every equation cell on a second run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from challenges import get_challenge, list_challenges
from challenges.evaluate import scored_lengths

N = 4  # strings per test set: enough to be balanced, cheap at 1000 digits too

# Writes every wanted set to disk, however fast it was to draw.
_WRITE = """
import json, sys
from challenges import cache, get_challenge
from challenges.evaluate import evaluation_set
cache._SLOW_SECONDS = -1.0
for challenge_id, length in json.loads(sys.argv[1]):
    evaluation_set(get_challenge(challenge_id), length, {n})
"""

# Loads them with sampling forbidden and a discarded file an error: only the file may answer.
_LOAD = """
import json, sys, warnings
from challenges import cache, core, get_challenge
from challenges.evaluate import evaluation_set
warnings.simplefilter("error", cache.CacheWarning)
def refuse(*args, **kwargs):
    raise AssertionError("drawn again instead of loaded from disk")
core.Challenge.sample = refuse
for challenge_id, length in json.loads(sys.argv[1]):
    examples = evaluation_set(get_challenge(challenge_id), length, {n})
    assert len(examples) == {n} and set(examples.lengths) == {{length}}, (challenge_id, length)
print("loaded", len(json.loads(sys.argv[1])))
"""


def wanted() -> list[tuple[str, int]]:
    """(challenge, length): the longest training length and the first beyond it, of each built-in."""
    pairs = []
    for challenge_id in list_challenges():
        challenge = get_challenge(challenge_id)
        lengths = scored_lengths(challenge)
        pairs.append((challenge_id, max(L for L in lengths if L <= challenge.max_train_length)))
        pairs.append((challenge_id, min(L for L in lengths if L > challenge.max_train_length)))
    return pairs


def test_every_builtin_test_set_loads_from_disk_in_a_new_process(tmp_path):
    pairs = wanted()
    assert len(pairs) == 2 * len(list_challenges()) >= 26
    env = {**os.environ, "HOFSTADTER_CACHE": str(tmp_path / "cache")}

    def child(script: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", script.format(n=N), json.dumps(pairs)],
                              env=env, capture_output=True, text=True, timeout=600)  # fmt: skip

    written = child(_WRITE)
    assert written.returncode == 0, written.stderr[-2000:]
    files = list((tmp_path / "cache").rglob("*.npz"))
    assert len(files) == len(pairs)
    loaded = child(_LOAD)
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert loaded.stdout.split() == ["loaded", str(len(pairs))]
