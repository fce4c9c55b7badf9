"""Compare versions on your own faces (no Streamlit here): a zip of labelled image folders (`<class>/*.jpg`,
at its top or under one folder) read as a test split by the image-folder reader of `python -m fer evaluate
--data`, and each version evaluated on it by `fer.evaluate` (the same metrics code as the CLI)."""
from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from ..data import DataError, FaceData, load_dataset
from ..data.folders import IMAGE_SUFFIXES
from ..version.evaluation import evaluate
from ..labels import EMOTIONS, label_index

MAX_IMAGES = 20_000
MAX_UNPACKED_MB = 500   # a zip bomb stops here


def _is_junk(parts: Sequence[str]) -> bool:
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def labelled_images(archive: zipfile.ZipFile) -> list[tuple[zipfile.ZipInfo, str]]:
    """(member, class folder name) for every image of the zip: `<class>/<file>` at its top, or
    `<folder>/<class>/<file>` when everything sits in one folder (how zipping a folder lays it out)."""
    images = []
    for info in archive.infolist():
        parts = PurePosixPath(info.filename).parts
        if info.is_dir() or _is_junk(parts) or PurePosixPath(info.filename).suffix.lower() not in IMAGE_SUFFIXES:
            continue
        images.append((info, parts))
    if not images:
        raise DataError("no images in the zip (expected <class>/*.jpg folders, e.g. happy/1.jpg, sad/2.png)")
    tops = {parts[0] for _, parts in images}
    one_folder = len(tops) == 1 and all(len(parts) >= 3 for _, parts in images) and not _known_class(next(iter(tops)))
    depth = 1 if one_folder else 0
    out = []
    for info, parts in images:
        if len(parts) != depth + 2:
            raise DataError(f"{info.filename}: not in a class folder (expected <class>/<image>, e.g. happy/1.jpg)")
        out.append((info, parts[depth]))
    return out


def _known_class(name: str) -> bool:
    try:
        label_index(name)
        return True
    except ValueError:
        return False


def read_labelled_zip(data: bytes, max_images: int = MAX_IMAGES, max_unpacked_mb: int = MAX_UNPACKED_MB) -> FaceData:
    """A zip of `<class>/*.jpg|png` folders as a FaceData with one split, `test` (each image is taken as the
    face, resized to 48x48 grey like `python -m fer evaluate --data folder/`). DataError says what is wrong."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise DataError("not a zip file") from None
    with archive:
        images = labelled_images(archive)
        if len(images) > max_images:
            raise DataError(f"{len(images)} images: more than the {max_images} this page evaluates")
        if sum(info.file_size for info, _ in images) > max_unpacked_mb * 2**20:
            raise DataError(f"the images unpack to more than {max_unpacked_mb} MB")
        for _, folder in images:
            try:
                label_index(folder)
            except ValueError as e:
                raise DataError(f"class folder {folder!r}: {e}") from None
        with tempfile.TemporaryDirectory(prefix="fer-faces-") as tmp:
            for n, (info, folder) in enumerate(images):  # our own file names: nothing from the zip becomes a path
                target = Path(tmp) / "test" / folder.lower() / f"{n:06d}{PurePosixPath(info.filename).suffix.lower()}"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(info))
            faces = load_dataset(tmp)
    faces.source = "uploaded zip"
    return faces


def evaluate_on(version, faces: FaceData, tta: str = "none") -> dict:
    """`fer.evaluate` on the zip's faces, with per-face predictions."""
    return evaluate(version, faces, split="test", tta=tta, keep_predictions=True)


def scores_table(reports: Mapping[str, Mapping]) -> pd.DataFrame:
    """One row per version: faces, accuracy, macro-F1, TTA."""
    return pd.DataFrame([{"version": name, "faces": r["n"], "accuracy": round(r["accuracy"], 4),
                          "macro-F1": round(r["macro_f1"], 4), "TTA": r.get("tta", "none")}
                         for name, r in reports.items()])


def disagreements(predictions: Mapping[str, Sequence[int]]) -> np.ndarray:
    """Indices of the faces on which the versions do not all predict the same class."""
    stacked = np.asarray(list(predictions.values()))
    return np.flatnonzero((stacked != stacked[:1]).any(0)) if len(stacked) else np.zeros(0, int)


def disagreement_captions(indices, labels, predictions: Mapping[str, Sequence[int]], class_names=EMOTIONS) -> list[str]:
    """"true happy · v1: sad ✗ · v2: happy ✓" for each face index."""
    out = []
    for i in indices:
        truth = int(labels[i])
        parts = [f"{name}: {class_names[int(p[i])]} {'✓' if int(p[i]) == truth else '✗'}"
                 for name, p in predictions.items()]
        out.append(" · ".join([f"true {class_names[truth]}", *parts]))
    return out
