"""FaceData: a face dataset as 48x48 uint8 arrays per split, whatever layout it was read from."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..labels import EMOTIONS

FACE_SIZE = 48
ROLES = ("train", "val", "test")
# FER2013's split names, and the other usual spellings, mapped to the three roles.
SPLIT_ALIASES = {
    "train": "train", "training": "train",
    "val": "val", "valid": "val", "validation": "val", "publictest": "val",
    "test": "test", "testing": "test", "privatetest": "test",
}


class DataError(ValueError):
    """A dataset that cannot be read; the message names the file and the row or path."""


def split_role(name: str) -> str:
    role = SPLIT_ALIASES.get(name.strip().lower())
    if role is None:
        raise DataError(f"unknown split {name!r}; use one of train/val/test or Training/PublicTest/PrivateTest")
    return role


@dataclass
class FaceData:
    source: str
    layout: str  # "fer2013-csv" or "image-folders"
    splits: dict[str, tuple[np.ndarray, np.ndarray]]  # role -> (images uint8[N,48,48], labels int64[N])
    split_names: dict[str, str] = field(default_factory=dict)  # role -> name in the source ("PublicTest")
    notes: list[str] = field(default_factory=list)

    def split(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        role = split_role(name)
        if role not in self.splits:
            raise DataError(f"{self.source}: has no {name!r} split (it has {', '.join(self.splits)})")
        return self.splits[role]

    def sizes(self) -> dict[str, int]:
        return {self.split_names.get(role, role): len(y) for role, (_, y) in self.splits.items()}

    def class_counts(self, name: str) -> dict[str, int]:
        _, y = self.split(name)
        counts = np.bincount(y, minlength=len(EMOTIONS))
        return dict(zip(EMOTIONS, counts.tolist()))

    def subset(self, per_split: int, seed: int = 0) -> "FaceData":
        """A small random subset of every split (tests, smoke runs)."""
        rng = np.random.default_rng(seed)
        small = {}
        for role, (x, y) in self.splits.items():
            idx = np.sort(rng.permutation(len(y))[:per_split])
            small[role] = (x[idx], y[idx])
        return FaceData(self.source, self.layout, small, dict(self.split_names), self.notes + [f"subset of {per_split} per split, seed {seed}"])


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def load_dataset(path: str | Path, val_fraction: float = 0.1, seed: int = 0) -> FaceData:
    """Read FER2013's csv (plain or .gz) or an image-folder tree, whichever `path` is."""
    from .fer2013 import read_fer2013_csv
    from .folders import read_image_folders

    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file or folder")
    if path.is_dir():
        return read_image_folders(path, val_fraction=val_fraction, seed=seed)
    return read_fer2013_csv(path)
