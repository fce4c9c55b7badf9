"""Training: TrainConfig + presets, and the train() loop."""
from .config import PRESETS, TrainConfig, make_config
from .trainer import train

__all__ = ["PRESETS", "TrainConfig", "make_config", "train"]
