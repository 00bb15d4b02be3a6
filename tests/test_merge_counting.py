"""`merge_states` judges each trial merge by counting labels per state, without running a string.

The reference below is the rule as first written: every trial quotient is built and run on the
screen strings, then on all of them. Counting must keep exactly the same merges, so the learners
that merge (the soft automaton, the linear RNN, sr-so-gru) answer as before -- on clean labels,
on noisy ones, and with a screen shorter than the data.
"""

from __future__ import annotations

import random

import pytest
import torch

from baselines.automata import dfa_tables
from baselines.automata.dfa_tables import merge_classes, merge_states, run_table


def merged_by_running(table, accepting, ids, labels, screen):
    """The partition search of ``merge_states``, judging each trial by running the strings."""
    _, table, accepting = dfa_tables._breadth_first(table, accepting)
    labels, few = labels.bool(), slice(0, screen)
    used = dfa_tables._used_transitions(table, ids)
    rows = [[t if u else None for t, u in zip(row, uses)] for row, uses in zip(table.tolist(), used.tolist())]
    parent = list(range(len(rows)))
    errors = dfa_tables.wrong_answers(table, accepting, ids, labels)
    screened = dfa_tables.wrong_answers(table, accepting, ids[few], labels[few])
    for later in range(1, len(rows)):
        if dfa_tables._find(parent, later) != later:
            continue
        for earlier in range(later):
            if dfa_tables._find(parent, earlier) != earlier:
                continue
            trial_parent, trial_rows, _ = dfa_tables._folded(parent, rows, earlier, later)
            merged = dfa_tables._quotient(trial_parent, trial_rows, table, accepting, ids[few], labels[few])
            if dfa_tables.wrong_answers(*merged, ids[few], labels[few]) > screened:
                continue
            merged = dfa_tables._quotient(trial_parent, trial_rows, table, accepting, ids, labels)
            if (found := dfa_tables.wrong_answers(*merged, ids, labels)) <= errors:
                parent, rows, errors = trial_parent, trial_rows, found
                screened = dfa_tables.wrong_answers(*merged, ids[few], labels[few])
                break
    return dfa_tables._quotient(parent, rows, table, accepting, ids, labels)


def random_case(case: int):
    """A table (half of them a modular counter with a tenth of its transitions redirected),
    right-padded strings, and labels from the table with a share flipped."""
    rng, generator = random.Random(case), torch.Generator().manual_seed(case)
    states, symbols = rng.randint(2, 24), rng.randint(2, 4)
    count, longest = rng.randint(5, 400), rng.randint(1, 7)
    if case % 2:
        modulus = rng.randint(2, states)
        table = torch.tensor([[(q * symbols + s) % modulus if rng.random() > 0.1 else rng.randrange(states)
                               for s in range(symbols)] for q in range(states)])  # fmt: skip
    else:
        table = torch.randint(0, states, (states, symbols), generator=generator)
    accepting = torch.rand(states, generator=generator) < 0.4
    lengths = torch.randint(1, longest + 1, (count,), generator=generator)
    ids = torch.randint(0, symbols, (count, longest), generator=generator)
    ids[torch.arange(longest)[None, :] >= lengths[:, None]] = symbols
    truth = run_table(table, accepting, ids).float()
    flipped = torch.rand(count, generator=generator) < rng.choice([0.0, 0.05, 0.3])
    screen = rng.choice([4096, 3, count // 2 + 1])
    return table, accepting, ids, torch.where(flipped, 1 - truth, truth), screen


@pytest.mark.parametrize("case", range(60))
def test_counting_keeps_the_merges_running_the_strings_keeps(case: int) -> None:
    table, accepting, ids, labels, screen = random_case(case)
    counted = merge_states(table, accepting, ids, labels, screen)
    ran = merged_by_running(table, accepting, ids, labels, screen)
    assert torch.equal(counted[0], ran[0]) and torch.equal(counted[1], ran[1])


def test_merge_classes_folds_states_as_merge_states_does() -> None:
    table, accepting, ids, labels, screen = random_case(7)
    classes = merge_classes(table, accepting, ids, labels, screen)
    merged, _ = merge_states(table, accepting, ids, labels, screen)
    reachable = classes[classes >= 0]
    assert set(reachable.tolist()) == set(range(len(merged)))
