"""Which test strings a run is scored on: an evaluation seed per kind of training seed.

Defaults are chosen by looking at development-seed figures (:mod:`hofstadter.profiles`). Were
those figures scored on the very test strings the published figures use, every such choice would
have been made on the published test set. So the test strings come from an evaluation seed chosen
by the kind of the run's seed:

* development seeds (0-99) are scored on :data:`DEVELOPMENT_EVAL_SEED`, the strings every run was
  scored on before evaluation seeds had kinds (their keys and records hold);
* report seeds (100 and up) are scored on :data:`REPORT_EVAL_SEED`, which no development run uses.

Every model and every seed of one kind is scored on the same strings, and neither set ever meets
a training string: the test split is decided by a keyed hash of each string, whatever the seed
(see ``docs/data.md``).

>>> evaluation_seed(2), evaluation_seed(101)
(0, 1)
>>> evaluation_identity(2), evaluation_identity(101)
({}, {'eval_seed': 1})
"""

from __future__ import annotations

from challenges.evaluate import EVAL_SEED
from hofstadter.profiles import seed_kind

DEVELOPMENT_EVAL_SEED = EVAL_SEED  # 0: what `eval`, `export` and `score` use unless told otherwise
REPORT_EVAL_SEED = 1  # the published figures' test strings; no development run is scored on them


def evaluation_seed(seed: int) -> int:
    """The seed of the test strings a run of training seed ``seed`` is scored on."""
    return REPORT_EVAL_SEED if seed_kind(seed) == "report" else DEVELOPMENT_EVAL_SEED


def evaluation_identity(seed: int) -> dict[str, int]:
    """What a run key adds for the test strings: nothing for the development evaluation seed (the
    keys of earlier runs hold), the seed otherwise (report runs are new experiments)."""
    chosen = evaluation_seed(seed)
    return {} if chosen == DEVELOPMENT_EVAL_SEED else {"eval_seed": chosen}
