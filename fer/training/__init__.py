"""Training: TrainConfig + presets, and the train() loop."""
from .config import PRESETS, TrainConfig, make_config
from .trainer import train, version_dir

__all__ = ["PRESETS", "TrainConfig", "make_config", "train", "version_dir"]
