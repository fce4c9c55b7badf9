"""load_dataset: the one entry point that reads any supported layout into FaceData."""
from __future__ import annotations

from pathlib import Path

from .dataset import DataError, FaceData
from .fer2013 import read_fer2013_csv
from .ferplus import FERPLUS_FILE
from .folders import read_image_folders


def load_dataset(path: str | Path, val_fraction: float = 0.1, seed: int = 0, ferplus: str | Path | None = "auto") -> FaceData:
    """Read FER2013's csv (plain or .gz) or an image-folder tree, whichever `path` is.

    For FER2013, `ferplus` names FER+'s fer2013new.csv to join as vote counts (`FaceData.votes`); "auto" takes
    the one beside the csv when it can be joined (same row order), None skips it.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file or folder")
    if path.is_dir():
        return read_image_folders(path, val_fraction=val_fraction, seed=seed)
    if ferplus != "auto":
        return read_fer2013_csv(path, ferplus=ferplus)
    beside = path.parent / FERPLUS_FILE
    if beside.is_file():
        try:
            return read_fer2013_csv(path, ferplus=beside)
        except DataError as e:  # votes that cannot be joined are left out, and the reason kept
            data = read_fer2013_csv(path)
            data.notes.append(f"FER+ votes not joined: {e}")
            return data
    return read_fer2013_csv(path)
