"""Parametric families of challenges: one file per family, one factory per family.

>>> from challenges.families import divisibility
>>> divisibility(13, 7).id
'div13-base7'
"""

from .arithmetic import addition, multiplication
from .divisibility import divisibility
from .primes import primes

__all__ = ["addition", "divisibility", "multiplication", "primes"]
