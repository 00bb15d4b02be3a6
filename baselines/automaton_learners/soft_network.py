"""The soft automaton's network: K states whose distribution each symbol moves, hardenable into a DFA.

The state is a probability vector over ``K`` states, starting in state 0. Each symbol multiplies it
by a learned row-stochastic matrix (a softmax over logits), so the state stays a distribution over
the same K states however long the string, where a GRU's state drifts into regions training never
visited. The answer is the probability of ending in an accepting state (a learned sigmoid readout
per state), trained with binary cross-entropy. Several automata (``restarts``) train side by side.

**Hardening** replaces every row of every matrix by its argmax: a deterministic automaton run by
integer table lookups (exact, and fast at 1000 digits), each reached state's verdict refitted to
the majority label of the training strings that end in it. An **observation table**
(:mod:`.observation_table`) reads off the automaton the hardened one behaves like within the
training lengths.

>>> net = SoftAutomaton("ab", states=3)
>>> net.set_hard(torch.tensor([[1, 0], [2, 1], [0, 2]]), torch.tensor([True, False, False]))
>>> ids = torch.tensor([[0, 0, 0], [0, 1, 2]])  # "aaa" and "ab" (2 is padding)
>>> (net(ids, torch.tensor([3, 2])) > 0).tolist()
[True, False]
"""

from __future__ import annotations

import torch
from torch import nn

from baselines.automata.dfa import DFA
from baselines.automata.dfa_tables import pad_table, refit_readout, run_table
from baselines.automata.observation_table import AutomatonOracle, observation_table_automaton
from baselines.automaton_learners.soft_choice import Hardened, replaces
from baselines.training.train import Classifier, LabelledBatch, accuracies

_CERTAIN = 30.0  # the logit a hard automaton answers with: sigmoid(30) is 1 in float32
_EPSILON = 1e-6  # probabilities are clamped this far from 0 and 1 before taking log-odds
# Past this many symbols, run_matrices gathers each row's matrix rather than applying all of them
# (aligned columns of base 10, 1,331 symbols and 8 states: 30 steps in 10 s all at once).
_GATHER_SYMBOLS = 64


class SoftAutomaton(Classifier):
    """``restarts`` independent soft automata with ``states`` states over ``alphabet``.

    While training, ``forward`` returns logits ``[restarts, batch]``. Once one automaton is kept
    (:meth:`keep`), it returns ``[batch]``: from the soft matrices, or from the integer table
    after :meth:`set_hard`. Padding (id ``symbols``) leaves the state unchanged.
    """

    def __init__(
        self,
        alphabet: str,
        states: int,
        restarts: int = 1,
        init: str = "random",
        temperatures: tuple[float, float] = (1.0, 1.0),
        entropy: float = 0.0,
        harden: bool = True,
        significance: float = 0.0,
    ) -> None:
        super().__init__()
        symbols = len(alphabet)
        self.alphabet, self.symbols, self.states, self.restarts = alphabet, symbols, states, restarts
        self.init, self.temperatures, self.entropy, self.harden = init, temperatures, entropy, harden
        self.significance = significance  # how a larger restart's DFA must beat a smaller (.soft_choice)
        self.logits = nn.Parameter(torch.zeros(restarts, symbols, states, states))
        self.accept = nn.Parameter(torch.zeros(restarts, states))
        # Buffers, so that checkpoints carry them: the schedule, the choice, the hard automaton.
        self.register_buffer("temperature", torch.tensor(1.0))
        self.register_buffer("kept", torch.tensor(-1))  # -1: all restarts still in play
        self.register_buffer("hardened", torch.tensor(False))
        self.register_buffer("table", torch.zeros(states, symbols, dtype=torch.int64))
        self.register_buffer("accepting", torch.zeros(states, dtype=torch.bool))

    def reset_parameters(self, generator: torch.Generator) -> None:
        with torch.no_grad():
            self.logits.normal_(generator=generator)
            self.accept.normal_(generator=generator)
            if self.init == "permutation":
                # A sharp random permutation per symbol: a state starts out meaning one prefix class.
                rows = torch.arange(self.states)
                for r in range(self.restarts):
                    for s in range(self.symbols):
                        targets = torch.randperm(self.states, generator=generator)
                        self.logits[r, s, rows, targets] += 3.0

    # --- the two ways to run ----------------------------------------------------------------
    def matrices(self) -> torch.Tensor:
        """Row-stochastic transition matrices ``[restarts, symbols, K, K]`` at the temperature."""
        return torch.softmax(self.logits / self.temperature, dim=-1)

    def acceptance(self) -> torch.Tensor:
        """Probability that each state accepts, ``[restarts, K]``."""
        return torch.sigmoid(self.accept)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if self.hardened:
            return torch.where(run_table(self.table, self.accepting, ids), _CERTAIN, -_CERTAIN)
        matrices, acceptance = self.matrices(), self.acceptance()
        if self.kept >= 0:
            matrices, acceptance = matrices[self.kept, None], acceptance[self.kept, None]
        probability = run_matrices(matrices, acceptance, ids).clamp(_EPSILON, 1 - _EPSILON)
        logits = torch.log(probability) - torch.log1p(-probability)
        return logits[0] if self.kept >= 0 else logits

    # --- training hooks ---------------------------------------------------------------------
    def anneal(self, fraction: float) -> None:
        """Geometric temperature schedule from ``temperatures[0]`` to ``temperatures[1]``."""
        start, end = self.temperatures
        self.temperature.fill_(start * (end / start) ** fraction)

    def penalty(self) -> torch.Tensor | float:
        """Mean row entropy x ``entropy``: pushes every transition towards one target state."""
        if not self.entropy:
            return 0.0
        rows = self.matrices()
        return self.entropy * -(rows * torch.log(rows + 1e-9)).sum(-1).mean(dim=(1, 2)).sum()

    def validate(self, batch: LabelledBatch) -> tuple[float, float]:
        """The better of the soft and hardened automata; among hard ones, the smaller is better."""
        soft = float(accuracies(self, batch).max())
        if self.harden:
            hard = self.hardened_candidate(batch)
            if hard.accuracy >= soft:
                return hard.accuracy, -hard.minimal_states
        return soft, -self.states

    # --- hardening --------------------------------------------------------------------------
    def hardened_candidate(
        self, val_set: LabelledBatch, train_set: LabelledBatch | None = None
    ) -> Hardened:
        """The best restart once hardened: argmax per row, readouts refitted on ``train_set``.

        Best means fewest states once minimised unless a larger one is significantly more
        accurate on ``val_set`` (:func:`~.soft_choice.replaces`); the more accurate of equal size.
        """
        tables = self.logits.detach().argmax(-1).transpose(1, 2)  # [restarts, K, symbols]
        readouts = self.accept.detach() > 0
        best = None
        for restart in range(self.restarts):
            table, accepting = tables[restart], readouts[restart]
            if train_set is not None:
                accepting = refit_readout(table, accepting, train_set.ids, train_set.labels)
            right = run_table(table, accepting, val_set.ids) == val_set.labels.bool()
            accuracy = float(right.float().mean())
            dfa = DFA(table.cpu().numpy(), 0, accepting.cpu().numpy(), self.alphabet)
            candidate = Hardened(restart, table, accepting, accuracy, dfa.minimize().num_states, right)
            if best is None or replaces(candidate, best, self.significance):
                best = candidate
        assert best is not None
        return best

    def table_candidate(
        self, hard: Hardened, train_set: LabelledBatch, val_set: LabelledBatch
    ) -> Hardened | None:
        """The automaton an observation table reads off ``hard`` (see :mod:`.observation_table`).

        The table asks ``hard`` only about strings no longer than the longest training string,
        built from the training strings' own prefixes and suffixes. None if the result has more
        states than this automaton (it would be no simplification).
        """
        oracle = AutomatonOracle(hard.table, hard.accepting)
        ids = train_set.ids.cpu()
        read = observation_table_automaton(oracle, ids, self.symbols, ids.shape[1], max_states=self.states)
        if read is None:
            return None
        table, accepting = read
        table, accepting = table.to(hard.table.device), accepting.to(hard.table.device)
        right = run_table(table, accepting, val_set.ids) == val_set.labels.bool()
        dfa = DFA(table.cpu().numpy(), 0, accepting.cpu().numpy(), self.alphabet)
        accuracy = float(right.float().mean())
        return Hardened(hard.restart, table, accepting, accuracy, dfa.minimize().num_states, right)

    def keep(self, restart: int) -> None:
        """Answer with restart ``restart`` alone, from its soft matrices."""
        self.kept.fill_(restart)

    def set_hard(self, table: torch.Tensor, accepting: torch.Tensor) -> None:
        """Answer with the deterministic automaton ``table`` ``[n, symbols]`` / ``accepting`` ``[n]``.

        ``n`` may be below K (a table's DFA): the remaining states become unreachable self-loops.
        """
        table, accepting = pad_table(table.cpu(), accepting.cpu(), self.states)
        self.table.copy_(table)
        self.accepting.copy_(accepting)
        self.hardened.fill_(True)

    def seed_transitions(self, table: torch.Tensor, accepting: torch.Tensor, sharpness: float) -> None:
        """Start every restart near the DFA ``table`` ``[n, symbols]``: each of its transitions
        gets ``sharpness`` extra logit, each verdict a logit of +-3.
        """
        n = len(table)
        with torch.no_grad():
            rows = torch.arange(n)[:, None].expand(n, self.symbols)
            symbols = torch.arange(self.symbols)[None, :].expand(n, self.symbols)
            self.logits[:, symbols, rows, table] += sharpness
            self.accept[:, :n] = torch.where(accepting, 3.0, -3.0)



def run_matrices(matrices: torch.Tensor, acceptance: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """Acceptance probability ``[R, B]`` of ``R`` soft automata on right-padded ids ``[B, T]``.

    One step multiplies every state vector by every symbol's matrix at once (a single matmul of
    ``[B, K] x [K, (symbols + 1) K]``) and gathers the symbol read: at K = 87 a training step took
    5 ms this way and 26 ms gathering a ``K x K`` matrix per row. Padding's matrix is the identity.

    >>> swap = torch.tensor([[[[0.0, 1.0], [1.0, 0.0]]]])  # one automaton, one symbol: swap
    >>> run_matrices(swap, torch.tensor([[1.0, 0.0]]), torch.tensor([[0, 0], [0, 1]])).tolist()
    [[1.0, 0.0]]
    """
    restarts, symbols, states, _ = matrices.shape
    batch = ids.shape[0]
    identity = torch.eye(states, dtype=matrices.dtype, device=matrices.device)
    identity = identity.expand(restarts, 1, states, states)
    state = torch.zeros(restarts, batch, states, dtype=matrices.dtype, device=matrices.device)
    state[..., 0] = 1.0
    if symbols > _GATHER_SYMBOLS:
        # A large alphabet (aligned columns: 1,331 symbols) makes "every symbol at once" cost
        # symbols x more than the one matrix each row needs: gather that one instead.
        padded = torch.cat([matrices, identity], dim=1)  # [R, symbols + 1, K, K]
        for column in ids.T:
            chosen = padded[:, column].reshape(restarts * batch, states, states)
            state = torch.bmm(state.reshape(restarts * batch, 1, states), chosen)
            state = state.view(restarts, batch, states)
        return (state * acceptance[:, None, :]).sum(-1)
    flat = torch.cat([matrices, identity], dim=1).transpose(1, 2).reshape(restarts, states, -1)
    rows = torch.arange(batch, device=ids.device)
    for column in ids.T:
        every = torch.bmm(state, flat).view(restarts, batch, symbols + 1, states)
        # Each row's symbol picked by indexing, not by gathering on an expanded index: the same
        # values and gradients (each picked once), a third less time forward and backward.
        state = every[:, rows, column]
    return (state * acceptance[:, None, :]).sum(-1)

