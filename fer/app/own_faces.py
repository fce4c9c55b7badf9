"""Compare versions on your own faces (no Streamlit here): a zip of labelled image folders (`<class>/*.jpg`,
at its top or under one folder) read in memory as a test split, each image decoded as the image-folder reader
of `python -m fer evaluate --data` does, and each version evaluated on it by `fer.evaluate` (the same metrics
code as the CLI). Entries are checked by their declared size and compression ratio before they are unpacked."""
from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath

import numpy as np
import pandas as pd
from PIL import Image

from ..data import DataError, FaceData
from ..data.folders import IMAGE_SUFFIXES, decode_face_image
from ..version.evaluation import evaluate
from ..labels import EMOTIONS, label_index

MAX_IMAGES = 20_000
MAX_UNPACKED_MB = 500   # all images together, as the zip declares them
MAX_ENTRY_MB = 20       # one image, as declared
MAX_RATIO = 100         # declared size / compressed size of one image (photos hardly compress; bombs do)
MAX_PIXELS = 25_000_000


def _is_junk(parts: Sequence[str]) -> bool:
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def _outside(name: str) -> bool:
    """An entry that would unpack outside the zip's folder: an absolute path, a drive, or a `..` part."""
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or (len(name) > 1 and name[1] == ":")


def labelled_images(archive: zipfile.ZipFile) -> list[tuple[zipfile.ZipInfo, str]]:
    """(member, class folder name) for every image of the zip: `<class>/<file>` at its top, or
    `<folder>/<class>/<file>` when everything sits in one folder (how zipping a folder lays it out)."""
    outside = [info.filename for info in archive.infolist() if _outside(info.filename)]
    if outside:
        raise DataError(f"the zip has entries outside its folder ({', '.join(outside[:3])}"
                        f"{', ...' if len(outside) > 3 else ''}): refused; zip the class folders themselves "
                        "(e.g. happy/1.jpg)")
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


def check_entry(info: zipfile.ZipInfo, max_entry_mb: float = MAX_ENTRY_MB, max_ratio: float = MAX_RATIO) -> None:
    """Refuse an entry by what the zip declares, before a byte of it is unpacked."""
    if info.file_size > max_entry_mb * 2**20:
        raise DataError(f"{info.filename}: unpacks to {info.file_size / 2**20:.0f} MB, over the {max_entry_mb:g} MB "
                        "allowed for one image")
    if info.file_size > max_ratio * max(info.compress_size, 1) and info.file_size > 2**20:
        raise DataError(f"{info.filename}: compressed {info.file_size / max(info.compress_size, 1):.0f} to 1, far "
                        "more than a photo compresses (a zip bomb?)")


def read_entry_face(archive: zipfile.ZipFile, info: zipfile.ZipInfo, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """One zip entry as a 48x48 grey face, read in memory (nothing from the zip is written to disk);
    DataError names the entry."""
    check_entry(info)
    try:
        with archive.open(info) as member:
            raw = member.read(info.file_size + 1)  # at most what the zip declares (a longer stream fails its CRC)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
        raise DataError(f"{info.filename}: damaged in the zip ({e})") from None
    except (NotImplementedError, RuntimeError) as e:  # a compression method zipfile lacks, an encrypted entry
        raise DataError(f"{info.filename}: cannot be unpacked ({e})") from None
    try:
        width, height = Image.open(io.BytesIO(raw)).size  # the header only
    except Exception:
        raise DataError(f"{info.filename}: not an image (unknown or unsupported format)") from None
    if width * height > max_pixels:
        raise DataError(f"{info.filename}: {width * height / 1e6:.0f} megapixels, over the {max_pixels / 1e6:g} "
                        "allowed for a face")
    return decode_face_image(raw, info.filename)


def read_labelled_zip(data: bytes, max_images: int = MAX_IMAGES, max_unpacked_mb: int = MAX_UNPACKED_MB) -> FaceData:
    """A zip of `<class>/*.jpg|png` folders as a FaceData with one split, `test` (each image is taken as the
    face, resized to 48x48 grey like `python -m fer evaluate --data folder/`). An image that cannot be used is
    left out, with one line naming its entry in the FaceData's `notes`; DataError says what is wrong with a zip
    that cannot be used at all."""
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
        faces, labels, left_out = [], [], []
        for info, folder in images:
            try:
                faces.append(read_entry_face(archive, info))
                labels.append(label_index(folder))
            except DataError as e:
                left_out.append(f"left out {e}")
    if not faces:
        raise DataError(f"none of its {len(images)} images could be used ({left_out[0]})")
    return FaceData("uploaded zip", "image-folders", {"test": (np.stack(faces), np.array(labels, np.int64))},
                    {"test": "your faces"}, left_out)


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
    """"#12 · happy · 1 of 3 right" for each face index: one short line under a thumbnail (which version said
    what is in disagreement_table)."""
    out = []
    for i in indices:
        truth = int(labels[i])
        right = sum(int(p[i]) == truth for p in predictions.values())
        out.append(f"#{int(i)} · {class_names[truth]} · {right} of {len(predictions)} right")
    return out


def disagreement_table(indices, labels, predictions: Mapping[str, Sequence[int]], class_names=EMOTIONS) -> pd.DataFrame:
    """One row per face index: its number, its true emotion, and each version's answer ("sad ✗", "happy ✓")."""
    rows = []
    for i in indices:
        truth = int(labels[i])
        rows.append({"face": f"#{int(i)}", "true": class_names[truth],
                     **{name: f"{class_names[int(p[i])]} {'✓' if int(p[i]) == truth else '✗'}"
                        for name, p in predictions.items()}})
    return pd.DataFrame(rows)
