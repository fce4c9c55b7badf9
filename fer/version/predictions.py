"""Each test face's prediction, stored once per version and data file, so that the app's "Misclassified faces"
shows them without running the model over the test split again.

    stored = find_predictions(folder, card)                   # StoredPredictions or None
    stored = compute_predictions(version, data, progress=cb)  # runs the model in chunks, cb(done, total); saved

Where they are (the first that fits the version's weights, data file and TTA):
1. <version folder>/test_predictions.npz: written with the card's evaluation (training, ensembles, calibration)
   and shipped in git with the version (about 20 KB);
2. <cache>/predictions/<weights sha256>-<data sha256[:16]>-<split>-<tta>.npz: what the app computed for a version
   that has none (<cache> is $FER_CACHE_DIR, else ~/.cache/fer); checkpoints/ is never written by the app.
Each file holds the predicted class and its probability per face (uint8, float16), and the weights' sha256,
the data's sha256, the split and the TTA it was computed with: a file of other weights or data is ignored.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..data.fer2013 import cache_dir
from .card import Card
from .layout import PREDICTIONS_FILE
SPLIT = "test"
CHUNK = 256  # faces per step of the progress bar


@dataclass
class StoredPredictions:
    predicted: np.ndarray    # int [N]: each face's predicted class
    confidence: np.ndarray   # float [N]: the probability of that class
    weights_sha256: str
    data_sha256: str
    split: str
    tta: str

    def misclassified(self, labels: np.ndarray) -> np.ndarray:
        return np.flatnonzero(self.predicted != labels)


def cache_file(card: Card, split: str = SPLIT) -> Path:
    return cache_dir() / "predictions" / f"{card.weights_sha256}-{(card.data.get('sha256') or 'unknown')[:16]}-{split}-{card.tta}.npz"


def read_predictions(path: Path, card: Card, split: str = SPLIT) -> StoredPredictions | None:
    """The file's predictions when they are of this card's weights, data, split and TTA; None otherwise."""
    try:
        with np.load(path) as f:
            stored = StoredPredictions(f["predicted"].astype(np.int64), f["confidence"].astype(np.float32),
                                       str(f["weights_sha256"]), str(f["data_sha256"]), str(f["split"]), str(f["tta"]))
    except (OSError, KeyError, ValueError):
        return None
    fits = (stored.weights_sha256 == card.weights_sha256 and stored.data_sha256 == (card.data.get("sha256") or "")
            and stored.split == split and stored.tta == card.tta)
    return stored if fits else None


def find_predictions(folder: Path, card: Card, split: str = SPLIT) -> StoredPredictions | None:
    """The version's stored predictions: shipped with it, else computed before into the cache folder."""
    for path in (Path(folder) / PREDICTIONS_FILE, cache_file(card, split)):
        if path.is_file() and (stored := read_predictions(path, card, split)) is not None:
            return stored
    return None


def write_predictions(path: Path, card: Card, probs: np.ndarray, split: str = SPLIT) -> Path:
    """Store each face's predicted class and its probability (atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    predicted = probs.argmax(1)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.npz")
    np.savez_compressed(tmp, predicted=predicted.astype(np.uint8),
                        confidence=probs[np.arange(len(probs)), predicted].astype(np.float16),
                        weights_sha256=card.weights_sha256, data_sha256=card.data.get("sha256") or "", split=split,
                        tta=card.tta)
    os.replace(tmp, path)
    return path


def predict_in_chunks(classifier, faces: np.ndarray, tta: str, progress: Callable[[int, int], None] | None = None,
                      chunk: int = CHUNK) -> np.ndarray:
    """classifier.predict_proba over `faces`, `chunk` at a time, telling `progress(done, total)` after each."""
    parts = []
    for start in range(0, len(faces), chunk):
        parts.append(classifier.predict_proba(faces[start:start + chunk], tta))
        if progress is not None:
            progress(min(start + chunk, len(faces)), len(faces))
    return np.concatenate(parts) if parts else np.zeros((0, len(classifier.labels)), np.float32)


def compute_predictions(classifier, data, split: str = SPLIT, progress=None, path: Path | None = None) -> StoredPredictions:
    """Run `classifier` (a ModelVersion or OnnxClassifier, with its card's TTA and calibration) over `split` of
    `data` (FaceData), store the result at `path` (default: the cache folder) and return it."""
    card = classifier.card
    probs = predict_in_chunks(classifier, data.split(split)[0], card.tta, progress)
    target = write_predictions(path or cache_file(card, split), card, probs, split)
    return read_predictions(target, card, split)
