"""Run profiles: how much data, training and testing one benchmark run spends.

``quick`` is the default: on 2 CPU cores its cells that are fast there in about 20 minutes,
measured from an empty cache (a whole CPU run leaves out the cells that are slow there,
:func:`hofstadter.slow_cells.slow_on_cpu`; ``--include-slow`` adds them, hours more). ``full`` has more
seeds, data and steps, and is meant for a GPU (``--device cuda``).

Seeds come in two kinds. **Development seeds** (0-99) are where defaults are tuned: a learning
rate, a stopping rule, a candidate list may be chosen by looking at them. **Report seeds** (100 and
up) are what the profiles publish; no default is ever chosen by looking at them, so a published
figure is an estimate, not the score of the cells it was tuned on. ``run --development`` runs a
profile on development seeds instead (as many as it has report seeds).

>>> PROFILES["quick"].seeds
(100, 101, 102)
>>> PROFILES["quick"].development_seeds
(0, 1, 2)
>>> seed_kind(2), seed_kind(101)
('development', 'report')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from challenges.errors import InvalidArgument

if TYPE_CHECKING:
    from challenges.core import Challenge


@dataclass(frozen=True)
class Profile:
    """Budgets of one run. Learned models read ``max_steps`` and ``max_seconds``.

    Steps are the budget (results are a function of them); ``max_seconds`` is only a safety cap,
    set far above what a run of ``max_steps`` takes on an idle machine, so that machine load never
    changes a figure. A run the cap stops is marked in its record and in the tables.
    """

    name: str
    seeds: tuple[int, ...]
    train_size: int  # examples in the fixed training set (balanced, over the training lengths)
    val_size: int  # examples for early stopping / model selection
    test_size: int  # test examples per length
    long_test_size: int  # per length beyond LONG_LENGTH digits where sampling is costly (primes)
    max_steps: int  # optimiser steps at most, per learned model
    max_seconds: float  # wall-clock safety cap per learned model (not a budget)
    # What a plan covers (not part of a cell's identity): training-set sizes to sweep (empty:
    # train_size alone) and whether only regular challenges are run.
    train_sizes: tuple[int, ...] = ()
    regular_only: bool = False
    # The shares of training and validation labels flipped (empty: clean labels), and the models
    # run when none is named (empty: every registered model).
    label_noises: tuple[float, ...] = ()
    models: tuple[str, ...] = ()
    # `explain`: about how many prefixes it records (all 4-digit numbers in base 10). Not part of
    # a cell's identity either: it decides what is read out of a trained network, not the network.
    explain_prefixes: int = 60_000

    def test_size_for(self, challenge: Challenge) -> Callable[[int], int]:
        """Test strings per length for ``challenge``: ``test_size`` everywhere, but fewer long
        ones where they are costly to draw (uniform 1000-digit primes take about a second each).

        >>> from challenges import get_challenge
        >>> quick = PROFILES["quick"]
        >>> quick.test_size_for(get_challenge("div7-base10"))(1000), quick.test_size_for(get_challenge("prime-base10"))(1000)
        (1000, 100)
        """

        def size(length: int) -> int:
            costly = challenge.costly_long_samples and length > LONG_LENGTH
            return self.long_test_size if costly else self.test_size

        return size

    def size_apart(self, train_size: int | None) -> int | None:
        """``train_size`` where it is not this profile's, else None: the one rule by which keys,
        draws, board columns and reproductions tell a one-off training size from the default.

        >>> PROFILES["quick"].size_apart(PROFILES["quick"].train_size), PROFILES["quick"].size_apart(7)
        (None, 7)
        """
        return train_size if train_size is not None and train_size != self.train_size else None

    @property
    def development_seeds(self) -> tuple[int, ...]:
        """As many development seeds as the profile has report seeds: where its defaults are tuned."""
        return tuple(range(len(self.seeds)))

    def to_dict(self) -> dict:
        return asdict(self)


REPORT_SEED_START = 100  # seeds from here on are report seeds (see the module docstring)


def seed_kind(seed: int) -> str:
    """``"report"`` for a seed no default was chosen on, ``"development"`` for one that may have been."""
    return "report" if seed >= REPORT_SEED_START else "development"


LONG_LENGTH = 100

PROFILES: dict[str, Profile] = {
    # Smoke networks train for seconds and rarely reach explain's threshold, so its sweep runs
    # k-means at every k up to 64: over 10,000 base-10 prefixes that took minutes, over 1,001 seconds.
    "smoke": Profile("smoke", (100,), 512, 256, 64, 16, 60, 60.0, explain_prefixes=6_000),
    "quick": Profile("quick", (100, 101, 102), 100_000, 2_000, 1_000, 100, 3_000, 120.0),
    "full": Profile("full", (100, 101, 102, 103, 104), 100_000, 10_000, 2_000, 200, 20_000, 3_600.0),
    # Learning curves: how many strings each learner needs (regular challenges, quick budgets).
    "curve": Profile("curve", (100, 101, 102), 100_000, 2_000, 1_000, 100, 3_000, 120.0,
                     train_sizes=(100, 300, 1_000, 3_000, 10_000, 30_000, 100_000), regular_only=True),
    # Label noise (docs/noise-and-size.md): quick budgets, some labels flipped, on the regular
    # challenges, for every learner that ends as an automaton and the three networks. Its clean
    # cells are the quick profile's (same keys). Its 450 noisy cells (5 challenges x 10 models x 3
    # noise levels x 3 seeds) took or would take about 10 hours of cell time on the shared 2-core
    # machine, 5 hours on 2 jobs: under noise the DFA learners train until their budget or the
    # 120 s cap (docs/noise-and-size.md).
    "noise": Profile("noise", (100, 101, 102), 100_000, 2_000, 1_000, 100, 3_000, 120.0,
                     regular_only=True, label_noises=(0.0, 0.01, 0.05, 0.1),
                     models=("linear-rnn", "soft-automaton", "neural-select", "sr-gru", "sr-so-gru", "rpni",
                             "edsm", "rnn", "gru", "lstm")),
}
# What a plan covers, not part of a cell's identity (a cell's own noise is in its key).
PLAN_FIELDS = (
    "name", "seeds", "train_sizes", "regular_only", "label_noises", "models", "explain_prefixes"
)


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise InvalidArgument(
            f"unknown profile '{name}': choose one of {', '.join(PROFILES)}"
        ) from None
