"""The contestants: fixed references, trivial baselines and learned networks, one protocol.

Each built-in model is registered by name (Gymnasium's ``register(id, entry_point=...)``): its
module is imported the first time the model is asked for, so ``import baselines`` loads no
network and no torch, and listing the models loads none of them.

>>> import baselines
>>> "gru" in baselines.MODELS, baselines.get_model_class("gru").__name__
(True, 'GRUModel')
"""

# First, before any module here imports torch: the same CPU kernels on every x86 machine.
from baselines.cpu_kernels import pin_cpu_kernels

pin_cpu_kernels()

from baselines.base import (  # noqa: E402
    MODELS,
    FitReport,
    Model,
    create_model,
    get_model_class,
    register_model,
    register_model_by_name,
    task_for,
)
from challenges.registry import BUILT_IN, registering_from  # noqa: E402

# In the order tables list them: networks, state-merging learners, trivial baselines; references,
# shown apart, last.
BUILT_IN_MODELS = (
    ("rnn", "baselines.networks.rnn:ElmanModel"),
    ("gru", "baselines.networks.rnn:GRUModel"),
    ("lstm", "baselines.networks.rnn:LSTMModel"),
    ("soft-automaton", "baselines.automaton_learners.soft_automaton:SoftAutomatonModel"),
    ("sr-gru", "baselines.automaton_learners.state_regularised_gru:StateRegularisedGRUModel"),
    ("sr-so-gru", "baselines.automaton_learners.state_regularised_gru:StateRegularisedSecondOrderGRUModel"),
    ("stack-rnn", "baselines.networks.augmented_rnn:StackRNNModel"),
    ("tape-rnn", "baselines.networks.augmented_rnn:TapeRNNModel"),
    ("linear-rnn", "baselines.automaton_learners.linear_rnn:LinearRNNModel"),
    ("neural-select", "baselines.automaton_learners.selection:NeuralSelect"),
    ("transformer", "baselines.networks.transformer:TransformerModel"),
    ("place-attention", "baselines.networks.place_attention:PlaceAttentionModel"),
    ("fsa", "baselines.references.fsa:ExactAutomaton"),
    ("fsa-approx", "baselines.references.fsa:ApproximateAutomaton"),
    ("column-automaton", "baselines.structured.column_automaton:ColumnAutomatonModel"),
    ("rpni", "baselines.classical.grammatical:RPNI"),
    ("edsm", "baselines.classical.grammatical:EDSM"),
    ("majority", "baselines.references.trivial:Majority"),
    ("last-digits", "baselines.references.trivial:LastDigits"),
    ("length-only", "baselines.references.trivial:LengthOnly"),
    ("rnn-compiled", "baselines.references.compiled:CompiledRNN"),
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
