"""Image folders: `<root>/<split>/<class>/*.jpg|png`, splits train / val (or validation) / test."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ..labels import label_index
from .dataset import FACE_SIZE, SPLIT_ALIASES, DataError, FaceData

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}


def read_face_image(path: Path) -> np.ndarray:
    """One image file as a 48x48 uint8 grayscale face crop (the whole image is taken as the face)."""
    return decode_face_image(np.fromfile(path, dtype=np.uint8), str(path))


def decode_face_image(data: np.ndarray | bytes, name: str) -> np.ndarray:
    """An encoded image (the bytes of a file named `name`) as a 48x48 uint8 grayscale face crop."""
    data = np.frombuffer(data, np.uint8) if isinstance(data, bytes) else data
    image = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE) if data.size else None
    if image is None:
        raise DataError(f"{name}: unreadable image (not a valid jpg/png/bmp/webp file)")
    if image.shape != (FACE_SIZE, FACE_SIZE):
        image = cv2.resize(image, (FACE_SIZE, FACE_SIZE), interpolation=cv2.INTER_AREA)
    return image


def _read_split(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    images, labels = [], []
    for class_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        try:
            label = label_index(class_dir.name)
        except ValueError as e:
            raise DataError(f"{class_dir}: {e}") from None
        for file in sorted(class_dir.iterdir()):
            if file.suffix.lower() in IMAGE_SUFFIXES:
                images.append(read_face_image(file))
                labels.append(label)
    if not labels:
        raise DataError(f"{folder}: no images found (expected {folder}/<class>/*.jpg or *.png)")
    return np.stack(images), np.array(labels, np.int64)


def carve_validation(x: np.ndarray, y: np.ndarray, fraction: float, seed: int):
    """Split a stratified validation set off the training set with a fixed seed."""
    rng = np.random.default_rng(seed)
    val_idx = []
    for label in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == label))
        val_idx.extend(idx[: int(round(len(idx) * fraction))])
    val_mask = np.zeros(len(y), bool)
    val_mask[val_idx] = True
    return (x[~val_mask], y[~val_mask]), (x[val_mask], y[val_mask])


def read_image_folders(root: str | Path, val_fraction: float = 0.1, seed: int = 0) -> FaceData:
    root = Path(root)
    split_dirs = {}
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        role = SPLIT_ALIASES.get(sub.name.lower())
        if role is not None and role not in split_dirs:
            split_dirs[role] = sub
    if "train" not in split_dirs and "test" not in split_dirs:
        raise DataError(f"{root}: no split folders; expected {root}/train/<class>/*.jpg (and test/, optionally val/)")
    splits = {role: _read_split(folder) for role, folder in split_dirs.items()}
    names = {role: folder.name for role, folder in split_dirs.items()}
    notes = []
    if "train" in splits and "val" not in splits:
        splits["train"], splits["val"] = carve_validation(*splits["train"], val_fraction, seed)
        names["val"] = f"val (carved from {names['train']}, {val_fraction:.0%}, seed {seed})"
        notes.append(names["val"])
    return FaceData(str(root), "image-folders", {r: splits[r] for r in ("train", "val", "test") if r in splits}, names, notes)
