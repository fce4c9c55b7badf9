"""FER+ (Microsoft FERPlus): ten raters' votes for every FER2013 row, a second, cleaner label source.

`fer2013new.csv` lists the FER2013 rows in the same order, so it is joined by position, and every row's
Usage must equal FER2013's (the image names are never parsed). A row with an empty image name is not a
face. Of its vote columns, contempt, unknown and NF (not a face) have no FER2013 class and are dropped.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ..labels import EMOTIONS
from .dataset import DataError

FERPLUS_FILE = "fer2013new.csv"
VOTE_COLUMNS = {"angry": "anger", "disgust": "disgust", "fear": "fear", "happy": "happiness",
                "sad": "sadness", "surprise": "surprise", "neutral": "neutral"}  # ours -> FER+'s column
LABEL_SOURCES = ("fer2013", "ferplus-majority", "ferplus-soft")
# FER2013's label is FER+'s majority on most faces; rows joined out of order agree at chance level (~18%).
MIN_AGREEMENT = 0.4


def read_ferplus_votes(path: str | Path, usages: list[str]) -> np.ndarray:
    """Votes uint8[N,7] in EMOTIONS order for FER2013's rows, whose Usage values are `usages` (file order).
    Rows that are not faces get no votes."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise DataError(f"{path}: cannot be read as FER+ votes ({e})") from None
    if not rows or "Usage" not in rows[0] or "Image name" not in rows[0]:
        raise DataError(f"{path}: not FER+'s fer2013new.csv (expected a header 'Usage,Image name,neutral,...')")
    header, rows = rows[0], [r for r in rows[1:] if r]
    if len(rows) != len(usages):
        raise DataError(f"{path}: {len(rows)} rows, but the FER2013 file has {len(usages)}; FER+ is joined by "
                        "position, so both must be the complete files")
    try:
        columns = [header.index(VOTE_COLUMNS[e]) for e in EMOTIONS]
    except ValueError:
        raise DataError(f"{path}: missing vote columns; expected {', '.join(VOTE_COLUMNS.values())}") from None
    usage_col, name_col = header.index("Usage"), header.index("Image name")
    votes = np.zeros((len(rows), len(EMOTIONS)), np.uint8)
    for i, (row, usage) in enumerate(zip(rows, usages)):
        if row[usage_col].strip() != usage:
            raise DataError(f"{path}, line {i + 2}: Usage {row[usage_col]!r} but FER2013's row {i + 1} is {usage!r}; "
                            "the two files are not in the same row order")
        if row[name_col].strip():
            try:
                votes[i] = [int(row[c]) for c in columns]
            except (ValueError, IndexError):
                raise DataError(f"{path}, line {i + 2}: votes must be whole numbers") from None
    return votes


def ferplus_targets(votes: np.ndarray, source: str) -> tuple[np.ndarray, np.ndarray]:
    """(keep mask [N], targets) for a label source: `ferplus-majority` -> int64 labels of the faces where one
    emotion has more than half of the votes; `ferplus-soft` -> float32 vote shares [N,7] of every face with a vote."""
    totals = votes.sum(1)
    if source == "ferplus-soft":
        keep = totals > 0
        return keep, (votes[keep] / totals[keep, None]).astype(np.float32)
    if source == "ferplus-majority":
        keep = votes.max(1) * 2 > totals
        keep &= totals > 0
        return keep, votes[keep].argmax(1).astype(np.int64)
    raise ValueError(f"unknown label source {source!r}; use one of {', '.join(LABEL_SOURCES)}")


def check_alignment(path: str | Path, labels: np.ndarray, votes: np.ndarray) -> float:
    """Share of faces where FER2013's label is FER+'s majority; a DataError when it is at chance level,
    which means the two files are not in the same row order (a FER2013 rebuilt from image folders is not)."""
    keep, majority = ferplus_targets(votes, "ferplus-majority")
    agreement = float((labels[keep] == majority).mean()) if keep.any() else 0.0
    if agreement < MIN_AGREEMENT:
        raise DataError(f"{path}: FER2013's labels agree with FER+'s majority on only {agreement:.0%} of faces "
                        f"(chance level): the FER2013 file is not in Kaggle's original row order, so FER+ cannot be "
                        "joined by position. Use Kaggle's original fer2013.csv, or load without FER+ (ferplus=None).")
    return agreement
