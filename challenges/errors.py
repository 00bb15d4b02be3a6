"""One exception hierarchy for everything a user can get wrong.

The command line catches :class:`ChallengeError` and prints its message on one line with exit
code 2, so every message here is written to be read by a person, not a programmer.
"""

from __future__ import annotations


class ChallengeError(Exception):
    """Base class: a problem with what was asked, reported without a traceback."""


class UnknownName(ChallengeError, KeyError):
    """An id that no registry knows; the message suggests the closest known ids."""

    def __str__(self) -> str:  # KeyError would wrap the message in quotes
        return str(self.args[0]) if self.args else ""


class UnknownChallenge(UnknownName):
    """No challenge is registered under that id."""


class UnknownModel(UnknownName):
    """No model is registered under that id."""


class DuplicateName(ChallengeError):
    """Something tried to register an id that is already taken."""


class InvalidInput(ChallengeError, ValueError):
    """A string that is not well formed for a challenge (wrong symbol, leading zero, ...)."""


class LimitExceeded(InvalidInput):
    """A file or value past one of the limits of :mod:`hofstadter.limits`; the message names it."""


class InvalidArgument(ChallengeError, ValueError):
    """A length, count, seed, range or option that is out of bounds."""


class EmptyClass(ChallengeError):
    """A (split, length) holds no member, or no non-member, so it cannot be sampled balanced."""


class NotApplicable(ChallengeError):
    """A model that cannot be used on a challenge (an exact automaton for a non-regular one)."""


class PluginError(ChallengeError):
    """A plugin failed to import or broke the contract; the message names the plugin."""


class NonConformant(ChallengeError):
    """A challenge whose sampler and oracle disagree, or that breaks another part of the contract."""


class ChallengeWarning(UserWarning):
    """Something went wrong and was repaired (a damaged cache file redrawn); printed as one line."""
