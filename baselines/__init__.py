"""The contestants: fixed references, trivial baselines and learned networks, one protocol.

Importing this package registers the built-in models.
"""

from .base import MODELS, FitReport, Model, create_model, get_model_class, register_model

__all__ = ["MODELS", "FitReport", "Model", "create_model", "get_model_class", "register_model"]
