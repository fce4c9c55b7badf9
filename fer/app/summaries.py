"""Tables and figures-of-merit derived from model cards and predictions (no Streamlit here)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..labels import EMOTIONS
from ..version.card import Card
from .public import hide_paths

BENCHMARKS = {"fer2013": "FER2013 ", "ferplus": "FER+ "}  # label set -> the prefix of its figures' names


def headline(card: Card) -> dict:
    """The figures shown for the active version: test accuracy on both benchmarks, macro-F1, params, ms/face, TTA."""
    return {"FER2013 test accuracy": card.accuracy("test"), "FER+ test accuracy": card.accuracy("test", "ferplus"),
            "macro-F1": card.macro_f1("test"), "parameters": card.params, "ms/face": card.ms_per_face,
            "TTA": card.tta}


def format_value(name: str, value) -> str:
    """A headline figure as text: shares as percentages, parameter counts in millions."""
    if value is None:
        return "n/a"
    if name.endswith("test accuracy"):  # two decimals: 69.99% must not read as 70.0%
        return f"{value:.2%}"
    if name == "macro-F1":
        return f"{value:.1%}"
    if name == "parameters":
        return f"{value / 1e6:.2f} M"
    if name == "ms/face":
        return f"{value:.1f} ms"
    return str(value)


def weights_size_mb(version_dir: str | Path, card: Card) -> float | None:
    path = Path(version_dir) / (card.weights_file or "")
    return round(path.stat().st_size / 2**20, 2) if card.weights_file and path.is_file() else None


def data_name(card: Card) -> str:
    sizes = card.data.get("split_sizes", {})
    name = card.data_file or "?"
    return f"{name} ({sum(sizes.values())} faces)" if sizes else name


def training_data_name(card: Card) -> str:
    """The data a version learned from: its file and how many faces its training split holds."""
    sizes = card.data.get("split_sizes", {})
    trained = [n for split, n in sizes.items() if split.strip().lower() in ("training", "train")]
    name = card.data_file or "?"
    return f"{name} ({trained[0]:,} training faces)" if trained else name


def _as_text(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def benchmark_rows(card: Card) -> dict:
    """Test accuracy, macro-F1 and calibration error on FER2013's labels and on FER+'s (n/a without votes)."""
    rows = {}
    for labels, prefix in BENCHMARKS.items():
        rows.update({f"{prefix}test accuracy": card.accuracy("test", labels),
                     f"{prefix}macro-F1": card.macro_f1("test", labels),
                     f"{prefix}calibration error (ECE)": card.ece("test", labels)})
    return rows


def compare_table(cards: Mapping[str, Card], version_dirs: Mapping[str, str | Path]) -> pd.DataFrame:
    """One column per version, one row per figure: both benchmarks, calibration, per-class F1, size, speed, data.
    Values are text (the rows mix numbers and names), floats with 3 decimals."""
    columns = {}
    for name, card in cards.items():
        per_class = (card.report("test") or {}).get("per_class", {})
        column = {**benchmark_rows(card), "confidence temperature": card.calibration.get("temperature"),
                  "prior correction (tau)": card.calibration.get("prior_correction", {}).get("tau")}
        column.update({f"F1 {label}": per_class.get(label, {}).get("f1") for label in EMOTIONS})
        column.update({
            "architecture": card.architecture,
            "parameters (M)": None if card.params is None else round(card.params / 1e6, 3),
            "MACs (M)": None if card.macs is None else round(card.macs / 1e6, 1),
            "ms/face (batch 1, 1 thread)": card.ms_per_face,
            "file size (MB)": weights_size_mb(version_dirs[name], card),
            "training time (min)": None if card.wall_time_s is None else round(card.wall_time_s / 60, 1),
            "epochs": card.epochs_run,
            "data": data_name(card),
            "TTA": card.tta,
        })
        columns[name] = column
    return pd.DataFrame({name: {row: _as_text(v) for row, v in column.items()} for name, column in columns.items()})


def per_class_table(report: Mapping) -> pd.DataFrame:
    """Precision, recall, F1 and support per class, one row per class."""
    table = pd.DataFrame(report["per_class"]).T[["precision", "recall", "f1", "support"]]
    table["support"] = table["support"].astype(int)
    return table


def hyperparameters_table(card: Card) -> pd.DataFrame:
    """The card's training settings as a two-column table (values as text, since their types differ; a path of
    the machine that trained it cut to its file name)."""
    rows = {**card.hyperparameters, "seed": card.seed, "best epoch": card.best_epoch, "epochs run": card.epochs_run,
            "hardware": card.hardware, "wall time (s)": card.wall_time_s}
    return pd.DataFrame({"setting": list(rows), "value": [hide_paths(str(v)) for v in rows.values()]})


def same_test_data(cards: Sequence[Card]) -> bool:
    """Whether all versions were tested on the same data (same file hash, else the same file name)."""
    keys = {card.data.get("sha256") or card.data_file for card in cards}
    return len(keys) == 1 and None not in keys
def confusion_cell(labels: np.ndarray, predictions: np.ndarray, true_class: int, predicted_class: int) -> np.ndarray:
    """Indices of the faces of `true_class` predicted as `predicted_class`."""
    return np.flatnonzero((np.asarray(labels) == true_class) & (np.asarray(predictions) == predicted_class))


def largest_confusion(report: Mapping) -> tuple[int, int]:
    """The (true, predicted) off-diagonal cell with the most faces: the version's commonest mistake."""
    cm = np.asarray(report["confusion"], dtype=float)
    np.fill_diagonal(cm, -1)
    true_class, predicted = np.unravel_index(int(np.argmax(cm)), cm.shape)
    return int(true_class), int(predicted)


def agreement(labels: np.ndarray, predictions_a: np.ndarray, predictions_b: np.ndarray) -> dict:
    """How often two versions agree, and how often exactly one of them is right."""
    y, a, b = map(np.asarray, (labels, predictions_a, predictions_b))
    right_a, right_b = a == y, b == y
    return {"n": int(len(y)), "agree": float((a == b).mean()) if len(y) else 0.0,
            "both right": int((right_a & right_b).sum()), "only A right": int((right_a & ~right_b).sum()),
            "only B right": int((~right_a & right_b).sum()), "both wrong": int((~right_a & ~right_b).sum())}


def disagreement_by_class(labels: np.ndarray, predictions_a: np.ndarray, predictions_b: np.ndarray,
                          name_a: str = "A", name_b: str = "B", class_names: Sequence[str] = EMOTIONS) -> pd.DataFrame:
    """Per true class: faces where only A is right and where only B is right."""
    y, a, b = map(np.asarray, (labels, predictions_a, predictions_b))
    only_a, only_b = (a == y) & (b != y), (a != y) & (b == y)
    rows = [{"true class": name, "faces": int((y == i).sum()), f"only {name_a} right": int(only_a[y == i].sum()),
             f"only {name_b} right": int(only_b[y == i].sum()), "agree": int((a == b)[y == i].sum())}
            for i, name in enumerate(class_names)]
    return pd.DataFrame(rows)
