"""FER2013 in Kaggle's csv layout (`emotion,pixels,Usage`), plain or gzip, with a parsed-array cache."""
from __future__ import annotations

import csv
import gzip
import io
import os
from pathlib import Path

import numpy as np

from ..labels import NUM_CLASSES
from .dataset import FACE_SIZE, DataError, FaceData, file_sha256, split_role
from .ferplus import check_alignment, read_ferplus_votes

REQUIRED_COLUMNS = ("emotion", "pixels", "Usage")
USAGE_ORDER = ("Training", "PublicTest", "PrivateTest")
CACHE_VERSION = 1


def cache_dir() -> Path:
    return Path(os.environ.get("FER_CACHE_DIR", Path.home() / ".cache" / "fer"))


def _cache_path(path: Path) -> Path:
    """Keyed by the file's content, so a file replaced in place (same name, size or time) is parsed again."""
    return cache_dir() / f"fer2013-{file_sha256(path)[:16]}-v{CACHE_VERSION}.npz"


def _open_text(path: Path):
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def _first_bad_pixel(values: list[str]) -> str:
    for value in values:
        try:
            if 0 <= int(value) <= 255:
                continue
        except ValueError:
            pass
        return value[:20]
    return values[0][:20]


def _parse_rows(path: Path):
    images, labels, usages = [], [], []
    n_pixels = FACE_SIZE * FACE_SIZE
    try:
        with _open_text(path) as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                raise DataError(f"{path}: the file is empty")
            header = [h.strip() for h in header]
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            if missing:
                raise DataError(f"{path}: missing column(s) {', '.join(missing)}; expected a header 'emotion,pixels,Usage'")
            ie, ip, iu = (header.index(c) for c in REQUIRED_COLUMNS)
            for line_no, row in enumerate(reader, start=2):
                if not row:
                    continue
                where = f"{path}, line {line_no}"
                try:
                    label = int(row[ie])
                except (ValueError, IndexError):
                    raise DataError(f"{where}: emotion {row[ie] if len(row) > ie else ''!r} is not a label 0-6") from None
                if not 0 <= label < NUM_CLASSES:
                    raise DataError(f"{where}: unknown emotion label {label}; labels are 0-6")
                try:
                    pixels = np.array(row[ip].split(), dtype=np.int32) if len(row) > ip else np.array([])
                except (ValueError, OverflowError):
                    raise DataError(f"{where}: pixel value {_first_bad_pixel(row[ip].split())!r} is not a "
                                    "number 0-255") from None
                if pixels.size != n_pixels:
                    raise DataError(f"{where}: {pixels.size} pixel values, expected {n_pixels} (48x48)")
                if pixels.min() < 0 or pixels.max() > 255:
                    raise DataError(f"{where}: pixel values must be 0-255")
                usage = row[iu].strip() if len(row) > iu else ""
                if usage not in USAGE_ORDER:
                    raise DataError(f"{where}: Usage {usage!r} is not one of {', '.join(USAGE_ORDER)}")
                images.append(pixels.astype(np.uint8))
                labels.append(label)
                usages.append(USAGE_ORDER.index(usage))
    except (OSError, EOFError, UnicodeDecodeError, csv.Error) as e:
        raise DataError(f"{path}: cannot be read as a csv file ({e})") from None
    if not labels:
        raise DataError(f"{path}: has a header but no rows")
    return (np.stack(images).reshape(-1, FACE_SIZE, FACE_SIZE), np.array(labels, np.int64), np.array(usages, np.int8))


def read_fer2013_csv(path: str | Path, use_cache: bool = True, ferplus: str | Path | None = None) -> FaceData:
    """FER2013's rows per split; with `ferplus` (FER+'s fer2013new.csv), its votes joined row for row."""
    path = Path(path)
    cache = _cache_path(path)
    if use_cache and cache.exists():
        with np.load(cache) as z:
            images, labels, usages = z["images"], z["labels"], z["usages"]
    else:
        images, labels, usages = _parse_rows(path)
        if use_cache:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(f".{os.getpid()}.tmp.npz")  # DDP ranks may parse at the same time
            np.savez(tmp, images=images, labels=labels, usages=usages)
            os.replace(tmp, cache)
    votes = None
    if ferplus:
        votes = read_ferplus_votes(ferplus, [USAGE_ORDER[u] for u in usages])
        share = check_alignment(ferplus, labels, votes)
    splits, names, split_votes = {}, {}, {}
    for code, usage in enumerate(USAGE_ORDER):
        mask = usages == code
        if mask.any():
            role = split_role(usage)
            splits[role] = (images[mask], labels[mask])
            names[role] = usage
            if votes is not None:
                split_votes[role] = votes[mask]
    notes = [f"FER+ votes from {Path(ferplus).name}: FER2013's label is FER+'s majority on {share:.0%} of faces"] \
        if ferplus else []
    return FaceData(str(path), "fer2013-csv", splits, names, notes, split_votes)
