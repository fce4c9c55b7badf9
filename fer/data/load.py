"""load_dataset: the one entry point that reads any supported layout into FaceData."""
from __future__ import annotations

from pathlib import Path

from ..defaults import DATA_ENV, default_data
from .dataset import FaceData
from .errors import DataError
from .fer2013 import read_fer2013_csv
from .ferplus import FERPLUS_FILE
from .folders import read_image_folders


def missing_data_message(path: Path) -> str:
    """One line for a path the user gave; where to get the data when it is the default place that is empty."""
    if path.resolve() != Path(default_data()).resolve():
        return f"{path}: no such file or folder"
    return (f"{path}: no such file or folder, and it is where FER2013 is looked for by default.\n"
            "  FER2013: download fer2013.csv from Kaggle (the 'Challenges in Representation Learning: Facial Expression "
            "Recognition Challenge' data, or a copy such as the 'fer2013' dataset), then pass --data path/to/fer2013.csv "
            f"(plain or .gz) or set {DATA_ENV}=path/to/fer2013.csv.\n"
            "  Your own images: pass --data a folder laid out as train/<class>/*.jpg and test/<class>/*.jpg (val/ is "
            "optional), with classes angry, disgust, fear, happy, sad, surprise, neutral (usual synonyms are accepted).")


def load_dataset(path: str | Path, val_fraction: float = 0.1, seed: int = 0, ferplus: str | Path | None = "auto") -> FaceData:
    """Read FER2013's csv (plain or .gz) or an image-folder tree, whichever `path` is.

    For FER2013, `ferplus` names FER+'s fer2013new.csv to join as vote counts (`FaceData.votes`); "auto" takes
    the one beside the csv when it can be joined (same row order), None skips it.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(missing_data_message(path))
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
