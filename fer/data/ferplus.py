"""FER+ (Microsoft FERPlus): ten raters' votes for every FER2013 row, a second, cleaner label source.

`fer2013new.csv` lists the FER2013 rows in the same order, so it is joined by position, and every row's
Usage must equal FER2013's (the image names are never parsed). A row with an empty image name is not a
face. Votes are kept as uint8[N,10]: the seven emotions in EMOTIONS order, then contempt, unknown and
not-a-face, which have no FER2013 class (training targets use the first seven; the benchmark protocol
uses all ten to leave out faces whose top vote is one of them).
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ..labels import EMOTIONS, NUM_CLASSES
from .errors import DataError

FERPLUS_FILE = "fer2013new.csv"
# The shared data's list of rows that are not Kaggle's originals; rows whose FER+ votes may belong to another
# image are left out of every FER+ join.
ROWS_NOT_ORIGINAL_FILE = "fer2013_rows_not_original.csv"
VOTES_OF_ANOTHER_IMAGE = "may belong to another image"
VOTE_COLUMNS = {"angry": "anger", "disgust": "disgust", "fear": "fear", "happy": "happiness",
                "sad": "sadness", "surprise": "surprise", "neutral": "neutral"}  # ours -> FER+'s column
OTHER_COLUMNS = ("contempt", "unknown", "NF")
# Training targets. `mixed`: half FER2013's one-hot label, half FER+'s vote shares (a face keeps the label its
# one rater gave and the spread of ten raters). `both`: the vote shares and the one-hot label side by side, one
# for each head of a two-head net (model_kwargs {"heads": 2}).
LABEL_SOURCES = ("fer2013", "ferplus-majority", "ferplus-soft", "mixed", "both")
# How a split is scored with FER+: `ferplus` is close to the published protocol (each face's most-voted of the
# ten columns; contempt/unknown/not-a-face on top, ties and non-faces out); `ferplus-majority` keeps only faces
# where one emotion has more than half of the votes.
BENCHMARK_LABELS = ("fer2013", "ferplus", "ferplus-majority")
# FER2013's label is FER+'s majority on most faces (63%); rows joined out of order agree at chance level (~18%).
MIN_AGREEMENT = 0.4


def read_ferplus_votes(path: str | Path, usages: list[str]) -> np.ndarray:
    """Votes uint8[N,10] (EMOTIONS order, then contempt, unknown, not-a-face) for FER2013's rows, whose Usage
    values are `usages` (file order). Rows that are not faces, or whose votes may be another image's, get none."""
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
        columns = [header.index(VOTE_COLUMNS[e]) for e in EMOTIONS] + [header.index(c) for c in OTHER_COLUMNS]
    except ValueError:
        expected = ", ".join([*VOTE_COLUMNS.values(), *OTHER_COLUMNS])
        raise DataError(f"{path}: missing vote columns; expected {expected}") from None
    usage_col, name_col = header.index("Usage"), header.index("Image name")
    votes = np.zeros((len(rows), len(columns)), np.uint8)
    for i, (row, usage) in enumerate(zip(rows, usages)):
        if row[usage_col].strip() != usage:
            raise DataError(f"{path}, line {i + 2}: Usage {row[usage_col]!r} but FER2013's row {i + 1} is {usage!r}; "
                            "the two files are not in the same row order")
        if row[name_col].strip():
            try:
                votes[i] = [int(row[c]) for c in columns]
            except (ValueError, IndexError):
                raise DataError(f"{path}, line {i + 2}: votes must be whole numbers") from None
    votes[rows_with_foreign_votes(path.parent / ROWS_NOT_ORIGINAL_FILE, len(rows))] = 0
    return votes


def rows_with_foreign_votes(path: Path, n_rows: int) -> list[int]:
    """Rows (0-based, as in the shared data's list) whose FER+ votes may belong to another image; [] without the list."""
    if not path.is_file():
        return []
    with open(path, encoding="utf-8", newline="") as f:
        rows = [int(r["row"]) for r in csv.DictReader(f) if VOTES_OF_ANOTHER_IMAGE in r.get("note", "")]
    return [r for r in rows if 0 <= r < n_rows]


def ferplus_targets(votes: np.ndarray, source: str, fer2013_labels: np.ndarray | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(keep mask [N], targets) for a label source or benchmark (see LABEL_SOURCES and BENCHMARK_LABELS):
    `ferplus-majority` and `ferplus` -> int64 labels; `ferplus-soft` -> float32 vote shares [N,7] of every face
    with an emotion vote; `mixed` -> float32 [N,7], half FER2013's one-hot label, half the vote shares; `both` ->
    float32 [N,14], the vote shares, then FER2013's one-hot label."""
    emotion_votes = votes[:, :NUM_CLASSES]
    totals = emotion_votes.sum(1)
    if source in ("ferplus-soft", "mixed", "both"):
        keep = totals > 0
        shares = (emotion_votes[keep] / totals[keep, None]).astype(np.float32)
        if source == "ferplus-soft":
            return keep, shares
        if fer2013_labels is None:
            raise ValueError(f"{source} targets need FER2013's labels")
        one_hot = np.eye(NUM_CLASSES, dtype=np.float32)[fer2013_labels[keep]]
        return keep, (0.5 * one_hot + 0.5 * shares) if source == "mixed" else np.hstack([shares, one_hot])
    if source == "ferplus-majority":
        keep = (emotion_votes.max(1) * 2 > totals) & (totals > 0)
        return keep, emotion_votes[keep].argmax(1).astype(np.int64)
    if source == "ferplus":
        top = votes.argmax(1)
        tied = (votes == votes.max(1, keepdims=True)).sum(1) > 1
        keep = (votes.sum(1) > 0) & (top < NUM_CLASSES) & ~tied
        return keep, top[keep].astype(np.int64)
    raise ValueError(f"unknown label source {source!r}; use one of {', '.join(LABEL_SOURCES + BENCHMARK_LABELS[1:])}")


def agreement(labels: np.ndarray, votes: np.ndarray) -> float:
    """Share of faces with a FER+ majority where FER2013's label is that majority."""
    keep, majority = ferplus_targets(votes, "ferplus-majority")
    return float((labels[keep] == majority).mean()) if keep.any() else 0.0


def rater_agreement(votes: np.ndarray) -> dict:
    """How often the ten raters agree with each other on the faces of `votes` (uint8[N,10]) kept by the `ferplus`
    benchmark: `rater_vs_rest`, the share of single votes equal to the most-voted of the face's other nine votes
    (a tie shared: 1/k when the vote is among k tied), what a model's FER+ accuracy is compared with; and
    `pairwise`, the chance that two of a face's raters give the same answer."""
    keep, _ = ferplus_targets(votes, "ferplus")
    votes = votes[keep].astype(np.int64)
    totals = votes.sum(1)
    credit = np.zeros(len(votes))
    for column in range(votes.shape[1]):  # every vote cast in this column, against the others' top
        rest = votes.copy()
        rest[:, column] -= 1
        top = rest.max(1, keepdims=True)
        tied = (rest == top).sum(1)
        credit += votes[:, column] * np.where(rest[:, column] == top[:, 0], 1.0 / tied, 0.0) * (votes[:, column] > 0)
    pairs = (votes * (votes - 1)).sum(1) / np.maximum(totals * (totals - 1), 1)
    return {"faces": int(len(votes)), "votes": int(totals.sum()),
            "rater_vs_rest": float(credit.sum() / totals.sum()), "pairwise": float(pairs.mean())}


def check_alignment(path: str | Path, labels: np.ndarray, votes: np.ndarray) -> float:
    """The agreement of the two label sets; a DataError when it is at chance level, which means the two files
    are not in the same row order (a FER2013 rebuilt from image folders is not)."""
    share = agreement(labels, votes)
    if share < MIN_AGREEMENT:
        raise DataError(f"{path}: FER2013's labels agree with FER+'s majority on only {share:.0%} of faces "
                        f"(chance level): the FER2013 file is not in Kaggle's original row order, so FER+ cannot be "
                        "joined by position. Use Kaggle's original fer2013.csv, or load without FER+ (ferplus=None).")
    return share
