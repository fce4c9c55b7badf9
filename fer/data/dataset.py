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
    votes: dict[str, np.ndarray] = field(default_factory=dict)  # role -> FER+ votes uint8[N,10], row for row

    def ferplus(self, name: str, source: str = "ferplus-majority") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(images, FER+ targets, keep mask) of a split, for a label source or benchmark of fer.data.ferplus."""
        from .ferplus import ferplus_targets

        role = split_role(name)
        if role not in self.votes:
            raise DataError(f"{self.source}: no FER+ votes (put FER+'s fer2013new.csv beside the FER2013 csv)")
        x, y = self.split(name)
        keep, targets = ferplus_targets(self.votes[role], source, y)
        return x[keep], targets, keep

    def labelled(self, name: str, labels: str = "fer2013") -> tuple[np.ndarray, np.ndarray]:
        """(images, labels) of a split under a benchmark: FER2013's labels, `ferplus` (the published protocol's
        most-voted emotion), `ferplus-majority`, or `agreed` (the `ferplus` faces whose two labels agree)."""
        rows, targets = self.labelled_rows(name, labels)
        return self.split(name)[0][rows], targets

    def labelled_rows(self, name: str, labels: str = "fer2013") -> tuple[np.ndarray, np.ndarray]:
        """(row indices into the split, labels) of the faces a benchmark scores (see `labelled`)."""
        y = self.split(name)[1]
        if labels == "fer2013":
            return np.arange(len(y)), y
        source = "ferplus" if labels == "agreed" else labels
        _, targets, keep = self.ferplus(name, source)
        rows = np.flatnonzero(keep)
        if labels == "agreed":
            same = y[rows] == targets
            rows, targets = rows[same], targets[same]
        return rows, targets

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
        small, votes = {}, {}
        for role, (x, y) in self.splits.items():
            idx = np.sort(rng.permutation(len(y))[:per_split])
            small[role] = (x[idx], y[idx])
            if role in self.votes:
                votes[role] = self.votes[role][idx]
        return FaceData(self.source, self.layout, small, dict(self.split_names),
                        self.notes + [f"subset of {per_split} per split, seed {seed}"], votes)


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()
