"""Classification metrics from labels and predictions (equal to scikit-learn's; a test checks it)."""
from __future__ import annotations

import numpy as np

from .labels import EMOTIONS


def confusion_matrix(y_true, y_pred, num_classes: int = len(EMOTIONS)) -> np.ndarray:
    """Counts, rows = true class, columns = predicted class."""
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return cm


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.divide(a, b, out=np.zeros_like(a, dtype=float), where=b > 0)


def label_shares(report: dict, labels=EMOTIONS) -> list[float]:
    """Each class's share of a report's true labels (its support over the faces), in `labels` order: what a
    report's predicted class shares are read against."""
    return [report["per_class"][label]["support"] / report["n"] for label in labels]


def classification_report(y_true, y_pred, labels=EMOTIONS) -> dict:
    """accuracy, macro-F1, per-class precision/recall/F1/support, confusion (counts and row-normalised)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    cm = confusion_matrix(y_true, y_pred, len(labels))
    tp = np.diag(cm).astype(float)
    support = cm.sum(1).astype(float)
    precision = _safe_div(tp, cm.sum(0).astype(float))
    recall = _safe_div(tp, support)
    f1 = _safe_div(2 * precision * recall, precision + recall)
    present = (support + cm.sum(0)) > 0  # scikit-learn averages over classes seen in y_true or y_pred
    return {
        "n": int(len(y_true)),
        "accuracy": float((y_true == y_pred).mean()) if len(y_true) else 0.0,
        "macro_f1": float(f1[present].mean()) if present.any() else 0.0,
        "per_class": {
            name: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]), "support": int(support[i])}
            for i, name in enumerate(labels)
        },
        "confusion": cm.tolist(),
        "confusion_normalized": _safe_div(cm.astype(float), support[:, None]).round(4).tolist(),
    }


def expected_calibration_error(probs: np.ndarray, y_true, bins: int = 15) -> float:
    """ECE of the top-1 confidence: how far confidence is from accuracy, averaged over confidence bins."""
    conf = probs.max(1)
    correct = probs.argmax(1) == np.asarray(y_true)
    edges = np.linspace(0, 1, bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            ece += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return float(ece)
