"""The contestants: fixed references, trivial baselines and learned networks, one protocol.

Importing this package registers the built-in models.
"""

# Imported for their side effect: each module registers its models, in the order tables list them.
from . import compiled, references, rnn, soft_automaton, trivial  # noqa: F401
from . import columns, transformer  # noqa: F401  # isort: skip  (listed after the others)
from .base import MODELS, FitReport, Model, create_model, get_model_class, register_model

__all__ = ["MODELS", "FitReport", "Model", "create_model", "get_model_class", "register_model"]
