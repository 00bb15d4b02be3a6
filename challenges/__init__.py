"""Hofstadter's number challenges for neural networks.

>>> from challenges import get_challenge, list_challenges
>>> get_challenge("div7-base10").is_member("343")
True
>>> "prime-base10-hard" in list_challenges()
True
"""

from __future__ import annotations

from .builtin import BUILTIN_CHALLENGES
from .conformance import require_conformance
from .core import Challenge, Examples, Language, LearnerView, Verdict
from .errors import ChallengeError, InvalidArgument, UnknownChallenge
from .registry import BUILT_IN, Registry, current_origin, registering_from

__version__ = "0.1.0"

CHALLENGES: Registry[Challenge] = Registry("challenge", UnknownChallenge)


def register_challenge(challenge: Challenge, *, origin: str | None = None) -> Challenge:
    """Add a challenge to the registry (plugins call this, or expose it via an entry point).

    Anything that breaks the contract is refused here, with what is wrong, rather than failing
    later in the middle of a benchmark run: a challenge from anywhere but this package must also
    pass the conformance checks of :mod:`challenges.conformance` (its sampler's labels against its
    oracle, lengths, splits, balance, determinism) on a small seeded sample.
    """

    if not isinstance(challenge, Challenge):
        raise InvalidArgument(f"expected a Challenge, got {type(challenge).__name__}")
    if not isinstance(challenge.language, Language):
        raise InvalidArgument(f"challenge '{challenge.id}': language must subclass Language")
    CHALLENGES.check_id(challenge.id)  # before any check draws a sample (cached under the id)
    low, high = challenge.train_lengths
    if not (isinstance(challenge.id, str) and challenge.id and 1 <= low <= high):
        raise InvalidArgument(f"challenge '{challenge.id}': needs an id and 1 <= train lengths")
    if any(length <= high for length in challenge.extrapolation_lengths):
        raise InvalidArgument(
            f"challenge '{challenge.id}': extrapolation lengths must exceed the training range"
        )
    if challenge.id in CHALLENGES:  # the registry's message names both origins
        return CHALLENGES.register(challenge.id, challenge, origin=origin)
    if (origin or current_origin()) != BUILT_IN:  # built-ins are checked in depth by the test suite

        require_conformance(challenge)
    return CHALLENGES.register(challenge.id, challenge, origin=origin)


def get_challenge(challenge_id: str) -> Challenge:
    """The challenge registered as ``challenge_id``; unknown ids raise with suggestions."""
    return CHALLENGES.get(challenge_id)


def list_challenges() -> list[str]:
    """Ids of every registered challenge, built-ins first."""
    return list(CHALLENGES)


def _register_builtins() -> None:
    with registering_from(BUILT_IN):  # even when a plugin's import is what imports this package
        for challenge in BUILTIN_CHALLENGES:
            register_challenge(challenge)


_register_builtins()

__all__ = [
    "CHALLENGES",
    "Challenge",
    "ChallengeError",
    "Examples",
    "Language",
    "LearnerView",
    "Verdict",
    "get_challenge",
    "list_challenges",
    "register_challenge",
]
