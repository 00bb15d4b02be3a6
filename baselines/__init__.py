"""The contestants: fixed references, trivial baselines and learned networks, one protocol.

Each built-in model is registered by name (Gymnasium's ``register(id, entry_point=...)``): its
module is imported the first time the model is asked for, so ``import baselines`` loads no
network and no torch, and listing the models loads none of them.

>>> import sys, baselines
>>> "gru" in baselines.MODELS, "baselines.rnn" in sys.modules or "not loaded by listing"
(True, 'not loaded by listing')
>>> baselines.get_model_class("gru").__name__
'GRUModel'
"""

from challenges.registry import BUILT_IN, registering_from

from .base import (
    MODELS,
    FitReport,
    Model,
    create_model,
    get_model_class,
    register_model,
    register_model_by_name,
    task_for,
)

# In the order tables list them: networks, state-merging learners, trivial baselines; references,
# shown apart, last.
BUILT_IN_MODELS = (
    ("rnn", "baselines.rnn:ElmanModel"),
    ("gru", "baselines.rnn:GRUModel"),
    ("lstm", "baselines.rnn:LSTMModel"),
    ("soft-automaton", "baselines.soft_automaton:SoftAutomatonModel"),
    ("sr-gru", "baselines.state_regularised_gru:StateRegularisedGRUModel"),
    ("sr-so-gru", "baselines.state_regularised_gru:StateRegularisedSecondOrderGRUModel"),
    ("stack-rnn", "baselines.augmented_rnn:StackRNNModel"),
    ("tape-rnn", "baselines.augmented_rnn:TapeRNNModel"),
    ("linear-rnn", "baselines.linear_rnn:LinearRNNModel"),
    ("neural-select", "baselines.selection:NeuralSelect"),
    ("transformer", "baselines.transformer:TransformerModel"),
    ("place-attention", "baselines.place_attention:PlaceAttentionModel"),
    ("fsa", "baselines.references:ExactAutomaton"),
    ("fsa-approx", "baselines.references:ApproximateAutomaton"),
    ("column-automaton", "baselines.column_automaton:ColumnAutomatonModel"),
    ("rpni", "baselines.grammatical:RPNI"),
    ("edsm", "baselines.grammatical:EDSM"),
    ("majority", "baselines.trivial:Majority"),
    ("last-digits", "baselines.trivial:LastDigits"),
    ("length-only", "baselines.trivial:LengthOnly"),
    ("rnn-compiled", "baselines.compiled:CompiledRNN"),
)

# Credited to this package even when the first import of it comes from inside a plugin's registration.
with registering_from(BUILT_IN):
    for _model_id, _entry_point in BUILT_IN_MODELS:
        register_model_by_name(_model_id, _entry_point)

__all__ = [
    "BUILT_IN_MODELS",
    "MODELS",
    "FitReport",
    "Model",
    "create_model",
    "get_model_class",
    "register_model",
    "register_model_by_name",
    "task_for",
]
