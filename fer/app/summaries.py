"""Tables and figures-of-merit derived from model cards and predictions (no Streamlit here)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..labels import EMOTIONS


def test_report(card: Mapping) -> dict | None:
    """The card's test report, or None when the version has none (e.g. a folder dataset without test)."""
    report = card.get("metrics", {}).get("test")
    return report if report and "accuracy" in report else None


def ms_per_face(card: Mapping) -> float | None:
    """Milliseconds per face at batch 1 on one thread as the app classifies it: ONNX Runtime fp32 where the
    version has been exported (else PyTorch), times the views of the TTA the version declares."""
    latency = card.get("latency", {})
    onnx = card.get("onnx", {}).get("fp32", {}).get("ms_per_face_batch1_1thread")
    per_view = onnx if onnx is not None else latency.get("ms_per_face_batch1_1thread")
    return None if per_view is None else round(per_view * latency.get("tta_views", 1), 3)


def headline(card: Mapping) -> dict:
    """The figures shown for the active version: test accuracy, macro-F1, params, ms/face, TTA."""
    report = test_report(card) or {}
    return {"test accuracy": report.get("accuracy"), "macro-F1": report.get("macro_f1"),
            "parameters": card.get("params"), "ms/face": ms_per_face(card), "TTA": card.get("tta", "none")}


def format_value(name: str, value) -> str:
    """A headline figure as text: shares as percentages, parameter counts in millions."""
    if value is None:
        return "n/a"
    if name == "test accuracy":  # two decimals: 69.99% must not read as 70.0%
        return f"{value:.2%}"
    if name == "macro-F1":
        return f"{value:.1%}"
    if name == "parameters":
        return f"{value / 1e6:.2f} M"
    if name == "ms/face":
        return f"{value:.1f} ms"
    return str(value)


def ensemble_members(card: Mapping) -> list[str]:
    """The member versions of an ensemble version's card ([] for a single model)."""
    return [m["version"] for m in card.get("members", [])]


def weights_size_mb(version_dir: str | Path, card: Mapping) -> float | None:
    path = Path(version_dir) / card.get("weights_file", "weights.safetensors")
    return round(path.stat().st_size / 2**20, 2) if path.is_file() else None


def data_name(card: Mapping) -> str:
    data = card.get("data", {})
    sizes = data.get("split_sizes", {})
    return f"{Path(str(data.get('file', '?'))).name} ({sum(sizes.values())} faces)" if sizes else str(data.get("file", "?"))


def _as_text(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def compare_table(cards: Mapping[str, Mapping], version_dirs: Mapping[str, str | Path]) -> pd.DataFrame:
    """One column per version, one row per figure: accuracy, macro-F1, calibration, per-class F1, size, speed, data.
    Values are text (the rows mix numbers and names), floats with 3 decimals."""
    columns = {}
    for name, card in cards.items():
        report = test_report(card) or {}
        per_class = report.get("per_class", {})
        column = {"test accuracy": report.get("accuracy"), "macro-F1": report.get("macro_f1"),
                  "calibration error (ECE)": report.get("ece"),
                  "confidence temperature": card.get("calibration", {}).get("temperature")}
        column.update({f"F1 {label}": per_class.get(label, {}).get("f1") for label in EMOTIONS})
        column.update({
            "architecture": card.get("architecture"),
            "parameters (M)": None if card.get("params") is None else round(card["params"] / 1e6, 3),
            "MACs (M)": None if card.get("macs") is None else round(card["macs"] / 1e6, 1),
            "ms/face (batch 1, 1 thread)": ms_per_face(card),
            "file size (MB)": weights_size_mb(version_dirs[name], card),
            "training time (min)": None if card.get("wall_time_s") is None else round(card["wall_time_s"] / 60, 1),
            "epochs": card.get("epochs_run"),
            "data": data_name(card),
            "TTA": card.get("tta", "none"),
        })
        columns[name] = column
    return pd.DataFrame({name: {row: _as_text(v) for row, v in column.items()} for name, column in columns.items()})


def per_class_table(report: Mapping) -> pd.DataFrame:
    """Precision, recall, F1 and support per class, one row per class."""
    table = pd.DataFrame(report["per_class"]).T[["precision", "recall", "f1", "support"]]
    table["support"] = table["support"].astype(int)
    return table


def hyperparameters_table(card: Mapping) -> pd.DataFrame:
    """The card's training settings as a two-column table (values as text, since their types differ)."""
    rows = {**card.get("hyperparameters", {}), "seed": card.get("seed"), "best epoch": card.get("best_epoch"),
            "epochs run": card.get("epochs_run"), "hardware": card.get("hardware"),
            "wall time (s)": card.get("wall_time_s")}
    return pd.DataFrame({"setting": list(rows), "value": [str(v) for v in rows.values()]})


def data_file(card: Mapping) -> Path | None:
    """The data file the version was trained and tested on, if it exists on this machine."""
    name = card.get("data", {}).get("file")
    return Path(name) if name and Path(name).is_file() else None


def data_file_name(card: Mapping) -> str:
    """The name of the data file the version was trained and tested on (never the server's folders)."""
    return Path(str(card.get("data", {}).get("file", "unknown"))).name


def same_test_data(cards: Sequence[Mapping]) -> bool:
    """Whether all versions were tested on the same data (same file hash, else the same file name)."""
    keys = {card.get("data", {}).get("sha256") or card.get("data", {}).get("file") for card in cards}
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
