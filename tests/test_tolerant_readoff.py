"""Reading a DFA off an oracle that is wrong on some answers, and repairing its transitions
(issue 31): the table's rows grouped by distance and judged on labelled strings, then the
transitions the labelled strings single out redirected, then every transition a wrongly answered
string takes pointed where the labelled strings want it (coordinate descent)."""

from __future__ import annotations

import numpy as np
import torch

from baselines.automata.dfa import DFA
from baselines.automata.dfa_tables import run_table
from baselines.automata.observation_table import observation_table_automaton
from baselines.automata.row_clusters import agglomerate, consensus, hamming
from baselines.automata.transition_descent import descend_transitions
from baselines.automata.transition_repair import repair_transitions
from baselines.classical.grammatical import StateMergingConfig, WorkBudget
from baselines.references.fsa import exact_automaton
from baselines.training.encoding import encode
from challenges import get_challenge


class NoisyScores:
    """A DFA's table answers as scores (1 a member, 0 not) with Gaussian noise: a stand-in for
    a network that is wrong on a few per cent of the table's strings."""

    def __init__(self, dfa: DFA, noise: float, seed: int = 0) -> None:
        self.table, self.accepting = torch.tensor(dfa.transitions), torch.tensor(dfa.accepting)
        self.noise, self.seed = noise, seed

    def __call__(self, ids: torch.Tensor) -> torch.Tensor:
        return run_table(self.table, self.accepting, ids)

    def scores(self, prefixes: torch.Tensor, suffixes: torch.Tensor) -> torch.Tensor:
        pairs = torch.cat(
            [prefixes.repeat_interleave(len(suffixes), 0), suffixes.repeat(len(prefixes), 1)], 1
        )
        order = torch.sort((pairs == self.table.shape[1]).to(torch.int8), dim=1, stable=True).indices
        truth = run_table(self.table, self.accepting, pairs.gather(1, order)).double()
        generator = torch.Generator().manual_seed(self.seed)
        jitter = torch.randn(truth.shape, generator=generator, dtype=torch.float64)
        return (truth + self.noise * jitter).view(len(prefixes), len(suffixes))

    def rows(self, prefixes: torch.Tensor, suffixes: torch.Tensor) -> torch.Tensor:
        return self.scores(prefixes, suffixes) > 0.5


def labelled(challenge_id: str, n: int, flip: float = 0.0) -> tuple[torch.Tensor, torch.Tensor, DFA]:
    """Encoded training strings, their labels (a share ``flip`` flipped) and the true DFA."""
    challenge = get_challenge(challenge_id)
    train = challenge.sample("train", n, seed=0)
    labels = torch.tensor(train.labels.astype(bool))
    flipped = np.random.default_rng(1).random(n) < flip
    ids = encode(train.texts, challenge.alphabet).ids
    return ids, labels ^ torch.tensor(flipped), exact_automaton(challenge)


def test_average_linkage_separates_two_groups_of_noisy_rows() -> None:
    base = torch.zeros(2, 40, dtype=torch.bool)
    base[0, :20] = True
    rows = base.repeat_interleave(5, 0).clone()
    rows[torch.arange(10), torch.arange(10) * 3] ^= True  # one wrong answer per row
    stages, heights = agglomerate(hamming(rows), torch.ones(10))
    two = stages[-2]
    assert two.tolist() == [0] * 5 + [1] * 5
    assert heights == sorted(heights)  # merges within a group come first, the groups last
    assert consensus(rows, two, torch.ones(10)).tolist() == base.tolist()


def test_a_tolerant_read_finds_the_residues_where_equality_finds_a_state_per_wrong_row() -> None:
    ids, labels, truth = labelled("div7-base10", 5_000)
    oracle = NoisyScores(truth, noise=0.3)  # about 5% of the table's answers wrong
    symbols = len("0123456789")
    exact = observation_table_automaton(oracle, ids, symbols, ids.shape[1])
    tolerant = observation_table_automaton(oracle, ids, symbols, ids.shape[1], labels=labels)
    assert exact is not None and tolerant is not None
    states = [DFA(t.numpy(), 0, a.numpy(), "0123456789").minimize().num_states for t, a in (exact, tolerant)]
    assert states[0] > 20
    assert DFA(tolerant[0].numpy(), 0, tolerant[1].numpy(), "0123456789").minimize().equivalent(truth) is None


def test_a_wrong_transition_is_redirected_from_noisy_labels() -> None:
    ids, labels, truth = labelled("div7-base10", 20_000, flip=0.1)
    table, accepting = torch.tensor(truth.transitions), torch.tensor(truth.accepting)
    broken = table.clone()
    broken[3, 4] = (broken[3, 4] + 1) % len(table)
    fixed, verdicts = repair_transitions(broken, accepting, ids, labels)
    assert DFA(fixed.numpy(), 0, verdicts.numpy(), "0123456789").equivalent(truth) is None
    untouched, _ = repair_transitions(table, accepting, ids, labels)  # a right DFA stays as it is
    assert untouched.tolist() == table.tolist()


def test_the_state_merging_budget_doubles_with_each_rung_the_automaton_outgrows() -> None:
    budget = WorkBudget(100, "rpni", StateMergingConfig(start_states=2))
    budget.grow(2)
    assert budget.limit == 100
    budget.grow(3)
    assert budget.limit == 200
    budget.grow(5)
    assert budget.limit == 400
    fixed = WorkBudget(100, "rpni", StateMergingConfig(start_states=2, grow=False))
    fixed.grow(50)
    assert fixed.limit == 100


def test_coordinate_descent_fixes_a_score_of_wrong_transitions_the_repair_cannot() -> None:
    ids, labels, truth = labelled("div29-base10", 20_000)
    table, accepting = torch.tensor(truth.transitions), torch.tensor(truth.accepting)
    broken = table.clone()
    generator = torch.Generator().manual_seed(0)
    cells = torch.randperm(table.numel(), generator=generator)[:20]  # 20 of the 290 transitions
    broken.view(-1)[cells] = (broken.view(-1)[cells] + 1) % len(table)
    repaired, repaired_verdicts = repair_transitions(broken, accepting, ids, labels)
    assert DFA(repaired.numpy(), 0, repaired_verdicts.numpy(), "0123456789").equivalent(truth) is not None
    fixed, verdicts, changed = descend_transitions(broken, accepting, ids, labels)
    assert DFA(fixed.numpy(), 0, verdicts.numpy(), "0123456789").equivalent(truth) is None
    assert changed >= 20
    same, _, untouched = descend_transitions(table, accepting, ids, labels)  # a right DFA stays as it is
    assert untouched == 0 and same.tolist() == table.tolist()


def test_coordinate_descent_stops_at_its_work_budget() -> None:
    ids, labels, truth = labelled("div29-base10", 5_000)
    broken = torch.tensor(truth.transitions)
    broken.view(-1)[:50] = 0
    _, _, changed = descend_transitions(
        broken, torch.tensor(truth.accepting), ids, labels, lookups_per_symbol=0
    )
    assert changed == 0
