"""The contestants: fixed references, trivial baselines and learned networks, one protocol.

Importing this package registers the built-in models.
"""

# Imported for their side effect: each module registers its models.
from . import columns, compiled, references, rnn, soft_automaton, transformer, trivial  # noqa: F401
from .base import MODELS, FitReport, Model, create_model, get_model_class, register_model

__all__ = ["MODELS", "FitReport", "Model", "create_model", "get_model_class", "register_model"]
