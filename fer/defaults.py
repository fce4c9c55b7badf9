"""The product's defaults in one place: where the data is, how faces are normalised and sized, the TTA modes
and their view counts, the classifier backends and the one the app (and the CLI and API) run by default."""
from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "FER_DATA"  # where FER2013 (or an image-folder root) is, when not given with --data
SHARED_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"  # beside the repository
FER2013_FILE = "fer2013.csv.gz"

FACE_SIZE = 48                                  # faces are FACE_SIZE x FACE_SIZE uint8 grey, FER2013 framing
AUGMENT_PRESETS = ("none", "standard", "strong", "shift")  # training; shift: the shift benchmark's kinds of change
SMALL_FACE_PX = 40                              # a face narrower or shorter is read less reliably (shift benchmark)
NORMALIZATION = {"mean": 0.5, "std": 0.25}      # (pixel / 255 - mean) / std
TTA_VIEWS = {"none": 1, "flip": 2, "tencrop": 10}  # test-time augmentation -> views averaged per face
TTA_MODES = tuple(TTA_VIEWS)
TENCROP_FRACTION = 0.9                          # ten-crop: crops of 90% of the side, resized back

BACKENDS = ("torch", "onnx", "onnx-int8")
DEFAULT_BACKEND = "auto"  # ONNX Runtime fp32, or PyTorch where the version cannot be exported
CHOOSABLE_BACKENDS = (DEFAULT_BACKEND, *BACKENDS)


def default_data() -> str:
    """$FER_DATA, else FER2013 in shared/data beside the repository."""
    return os.environ.get(DATA_ENV) or str(SHARED_DATA_DIR / FER2013_FILE)


def data_dirs() -> list[Path]:
    """Where a data file named in a model card is looked for: beside the default data, then shared/data."""
    default = Path(default_data())
    folders = [default if default.is_dir() else default.parent, SHARED_DATA_DIR]
    return list(dict.fromkeys(folders))
