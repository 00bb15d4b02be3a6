"""The named, verbose conformance report of ``python -m challenges [--plugin X] conform ID``.

Eight checks, each with a name and a one-line detail, for a plugin author reading a terminal:
labels against the oracle, well-formed strings, balance at every length, splits, determinism,
test-only extrapolation lengths and 1000-symbol strings. The checks registration runs
(:mod:`challenges.conformance`, small samples, silent) serve here on larger samples, with a name
and a detail each; this report adds the split keys, the test-only lengths and 1000-symbol
strings, and never raises, reporting a plugin's exception as a failed check.

>>> from challenges import get_challenge
>>> results = run_conformance(get_challenge("even-base3"))
>>> all(passed for _, passed, _ in results), len(results)
(True, 8)
"""

from __future__ import annotations

import time
from collections.abc import Callable

from challenges.conformance import check_balance, check_determinism, check_labels, check_splits
from challenges.core import SPLITS, Challenge
from challenges.errors import ChallengeError, InvalidArgument
from challenges.splits import sample_lengths


class Nonconforming(AssertionError):
    """A check found the challenge breaking the contract; the message says how."""


def _require(condition: bool, detail: str) -> None:
    if not condition:
        raise Nonconforming(detail)


def _passed(problems: list[str], detail: str) -> str:
    """``detail`` if the shared check found no problem, else :class:`Nonconforming` naming them."""
    more = f" (and {len(problems) - 2} more)" if len(problems) > 2 else ""
    _require(not problems, "; ".join(problems[:2]) + more)
    return detail


def labels_are_the_oracles_verdict(challenge: Challenge) -> str:
    """labels are the oracle's verdict"""
    problems = [p for split in SPLITS for p in check_labels(challenge, split, n=400, seed=3)]
    return _passed(problems, "400 strings per split, every label the oracle's")


def strings_are_well_formed(challenge: Challenge) -> str:
    """strings well formed and of their length"""
    return _passed(check_labels(challenge, "train", n=300, seed=5),
                   "300 training strings: in the alphabet, of their stated length")  # fmt: skip


def balanced_at_every_length(challenge: Challenge) -> str:
    """balanced at every training length"""
    lengths = sample_lengths(challenge, "train")
    _require(bool(lengths), "no training length holds both members and non-members")
    return _passed(check_balance(challenge, tuple(lengths), n=51, seed=0),
                   f"25 members of 51 at each of {len(lengths)} training lengths")  # fmt: skip


def each_string_in_its_split(challenge: Challenge) -> str:
    """each string in its split"""
    return _passed(check_splits(challenge, n=300, seed=1),
                   "300 strings per split, each in the split it was drawn from")  # fmt: skip


def splits_are_disjoint(challenge: Challenge) -> str:
    """splits disjoint"""
    keys = {
        split: set(challenge.language.split_keys(challenge.sample(split, n=2000, seed=9).texts).tolist())
        for split in SPLITS
    }
    for a, b in (("train", "val"), ("train", "test"), ("val", "test")):
        shared = sorted(keys[a] & keys[b])
        _require(not shared, f"'{a}' and '{b}' share split keys, e.g. {shared[:1]}")
    return "2000 strings per split, no split key in two splits"


def same_arguments_same_bytes(challenge: Challenge) -> str:
    """same arguments, same bytes"""
    problems = check_determinism(challenge, n=200, seed=11)
    for length in challenge.extrapolation_lengths:  # a sampler may turn nondeterministic at 1000 digits
        problems += check_determinism(challenge, 2, 11, "test", length)
    return _passed(problems, "seed 11 twice: same bytes, at every extrapolation length too; seed 12: "
                   "different")  # fmt: skip


def extrapolation_is_test_only(challenge: Challenge) -> str:
    """extrapolation lengths test-only"""
    shortest = challenge.extrapolation_lengths[0]
    _require(shortest > challenge.max_train_length, "an extrapolation length is in the training range")
    try:
        challenge.sample("train", n=2, length=shortest)
    except InvalidArgument as error:
        _require("test split only" in str(error), f"unexpected refusal: {error}")
    else:
        raise Nonconforming(f"the train split gave strings of length {shortest}")
    examples = challenge.sample("test", n=6, seed=0, length=100)
    _require(bool((challenge.label(examples.texts) == examples.labels).all()),
             "labels at length 100 differ from the oracle")  # fmt: skip
    return f"length {shortest} is test-only; 100-symbol strings are labelled right"


def thousand_symbol_strings(challenge: Challenge) -> str:
    """1000-symbol strings work"""
    examples = challenge.sample("test", n=2, seed=0, length=1000)
    _require(sorted(examples.labels.tolist()) == [False, True], "not one member and one non-member")
    lengths = [challenge.check(t).length for t in examples.texts.tolist()]
    _require(lengths == [1000, 1000], f"lengths {lengths}, not 1000")
    _require(bool((challenge.label(examples.texts) == examples.labels).all()),
             "labels at length 1000 differ from the oracle")  # fmt: skip
    return "a member and a non-member of length 1000, labelled right"


CHECKS: tuple[Callable[[Challenge], str], ...] = (
    labels_are_the_oracles_verdict,
    strings_are_well_formed,
    balanced_at_every_length,
    each_string_in_its_split,
    splits_are_disjoint,
    same_arguments_same_bytes,
    extrapolation_is_test_only,
    thousand_symbol_strings,
)


def check_name(check: Callable) -> str:
    """A check's name as printed: the first line of its docstring.

    >>> check_name(splits_are_disjoint)
    'splits disjoint'
    """
    return (check.__doc__ or check.__name__).strip().splitlines()[0]


def run_conformance(
    challenge: Challenge, on_check: Callable[[str, bool, str, float], None] | None = None
) -> list[tuple[str, bool, str]]:
    """Every check on ``challenge``: (check name, passed, detail). Never raises for a failure.

    A check fails on a broken contract, and also on any exception the challenge's code raises
    (reported as its type and message, since a plugin author needs to see it). ``on_check``
    hears each result as it comes, with the seconds it took.
    """
    results = []
    for check in CHECKS:
        started = time.perf_counter()
        try:
            passed, detail = True, check(challenge)
        except Nonconforming as problem:
            passed, detail = False, str(problem)
        except ChallengeError as error:
            passed, detail = False, f"{type(error).__name__}: {error}"
        except Exception as error:  # noqa: BLE001 - foreign code: report it, go on to the next check
            passed, detail = False, f"raised {type(error).__name__}: {error}"
        results.append((check_name(check), passed, detail))
        if on_check is not None:
            on_check(check_name(check), passed, detail, time.perf_counter() - started)
    return results
