"""Model registry: create_model(name) and list_models(); one file per family registers its models."""
from . import backbones, baseline, resnet, vgg  # noqa: F401  (registration side effects)
from .ensemble import Ensemble
from .profile import count_macs, count_params
from .registry import create_model, describe_models, list_models, register_model

__all__ = ["Ensemble", "create_model", "list_models", "describe_models", "register_model", "count_params", "count_macs"]
