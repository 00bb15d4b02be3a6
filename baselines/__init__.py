"""The contestants: fixed references, trivial baselines and learned networks, one protocol.

Importing this package registers the built-in models.
"""

from challenges.registry import BUILT_IN, registering_from

from .base import MODELS, FitReport, Model, create_model, get_model_class, register_model, task_for

# Imported for their side effect: each module registers its models, in the order tables list them
# (networks, state-merging learners, trivial baselines; references, shown apart, last). Credited
# to this package even when the first import of it comes from inside a plugin's registration.
with registering_from(BUILT_IN):
    from . import rnn, state_regularised_gru, augmented_rnn, linear_rnn, soft_automaton, selection, transformer  # noqa: F401  # isort: skip
    from . import place_attention  # noqa: F401  # isort: skip
    from . import column_automaton  # noqa: F401  # isort: skip
    from . import grammatical, trivial, references, compiled  # noqa: F401  # isort: skip

__all__ = ["MODELS", "FitReport", "Model", "create_model", "get_model_class", "register_model", "task_for"]
