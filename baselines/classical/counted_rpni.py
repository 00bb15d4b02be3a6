"""AALpy's RPNI (the GSM variant) with every merge check charged to a work budget.

The class is built on first use (:func:`counted_rpni_class`), so that AALpy loads with RPNI's
cells only. The learner is AALpy's: its prefix tree, its
merge check (:meth:`GsmRPNI._partition_from_merge`) and its order of merges. Two things are ours:

* each merge check is charged to a :class:`~baselines.classical.grammatical.WorkBudget`, as if
  it went through the whole subtree under the blue state;
* its ``run_rpni`` is AALpy's loop step for step, but for how it finds the blue
  states. AALpy asks ``child not in red_states`` of a list, which compares the child with every
  red state by prefix (``RpniNode.__eq__``): on prime-base10's 460 red states that was 207 million
  comparisons, 82 of the 90 s a profile ran. A set of the red states' prefixes gives the same
  answer. ``tests/test_wall.py`` holds the two loops to the same log of merges and promotions.

>>> from baselines.classical.grammatical import PrefixTreeSizes, WorkBudget
>>> data = [(tuple(str(n)), n % 3 == 0) for n in range(300)]
>>> sizes = PrefixTreeSizes(str(n) for n in range(300))
>>> learner = counted_rpni_class()(data, WorkBudget(10**6, "rpni"), sizes)
>>> len(learner.run_rpni().states)  # the three residues mod 3
3
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from baselines.classical.grammatical import PrefixTreeSizes, WorkBudget


@lru_cache(maxsize=1)
def counted_rpni_class() -> type:
    """``CountedRPNI(data, budget, sizes)``: AALpy's ``run_RPNI(data, "dfa", algorithm="gsm")``,
    each merge check spent from ``budget`` (a ``WorkBudget``), subtree sizes from ``sizes``."""
    from aalpy.learning_algs.deterministic_passive.GsmRPNI import GsmRPNI  # aalpy: rpni's cells only
    from aalpy.learning_algs.deterministic_passive.rpni_helper_functions import (  # aalpy: as above
        to_automaton,
    )

    class CountedRPNI(GsmRPNI):
        def __init__(self, data: list, budget: WorkBudget, sizes: PrefixTreeSizes) -> None:
            super().__init__(data, "dfa", print_info=False)
            self.budget, self.sizes, self.reds_tried = budget, sizes, set()

        def _partition_from_merge(self, red: Any, blue: Any) -> Any:
            # A check pairs each state under the blue one (a tree of the prefix tree) with one
            # state at most, and stops at the first conflict: charged as if it went through.
            self.reds_tried.add(id(red))  # every red state is tried before a blue one is promoted
            self.budget.grow(len(self.reds_tried))
            self.budget.spend(self.sizes.size("".join(blue.prefix)))
            return super()._partition_from_merge(red, blue)

        def run_rpni(self) -> Any:
            """AALpy's ``GsmRPNI.run_rpni`` (aalpy 2.0), the blue states found through a set."""
            red_states = [self.root_node]
            red_prefixes = {self.root_node.prefix}
            blue_states = list(red_states[0].children.values())
            while blue_states:
                blue_state = min(blue_states)  # the first of the shortest prefixes, as AALpy's
                partition, red_state = None, None
                for red_state in red_states:
                    partition = self._partition_from_merge(red_state, blue_state)
                    if partition is not None:
                        break
                if partition is None:
                    self.log.append(["promote", (blue_state.prefix,)])
                    red_states.append(blue_state)
                    red_prefixes.add(blue_state.prefix)
                else:
                    self.log.append(["merge", (red_state.prefix, blue_state.prefix)])
                    for node, block in partition.items():
                        node.output = block.output
                        node.children = block.children
                    parent = self.root_node.get_child_by_prefix(blue_state.prefix[:-1])
                    parent.children[blue_state.prefix[-1]] = red_state
                # AALpy: `c not in red_states`, a test of equal prefixes (RpniNode.__eq__).
                blue_states = [
                    child
                    for red in red_states
                    for child in red.children.values()
                    if child.prefix not in red_prefixes
                ]
            return to_automaton(red_states, self.final_automaton_type)

    return CountedRPNI
