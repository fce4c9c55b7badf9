"""Evaluate a model version on a dataset split: metrics, confusion, calibration, misclassified faces."""
from __future__ import annotations

import numpy as np

from .data import FaceData, load_dataset, split_role
from .labels import EMOTIONS
from .metrics import classification_report, expected_calibration_error


def evaluate_arrays(version, x: np.ndarray, y: np.ndarray, tta: str = "none", keep_predictions: bool = False) -> dict:
    return report_from_probs(version.predict_proba(x, tta=tta), y, tta, keep_predictions)


def report_from_probs(probs: np.ndarray, y: np.ndarray, tta: str = "none", keep_predictions: bool = False) -> dict:
    """Accuracy, macro-F1, per-class scores, confusion, calibration and class shares of predicted probabilities."""
    pred = probs.argmax(1)
    report = classification_report(y, pred)
    report["tta"] = tta
    report["ece"] = round(expected_calibration_error(probs, y), 4)
    report["mean_confidence"] = round(float(probs.max(1).mean()), 4)
    report["predicted_share"] = dict(zip(EMOTIONS, np.round(np.bincount(pred, minlength=len(EMOTIONS)) / max(len(pred), 1), 4).tolist()))
    report["misclassified"] = np.flatnonzero(pred != y).tolist()
    if keep_predictions:
        report["predictions"] = pred.tolist()
        report["probabilities"] = probs.round(5).tolist()
    return report


def benchmark_reports(version, data: FaceData, split: str, tta: str = "none") -> dict[str, dict]:
    """Reports of one split under every benchmark its data has (FER2013's labels; with FER+ votes also `ferplus`,
    `ferplus-majority` and `agreed`, see FaceData.labelled), from one pass of the model over the split's faces."""
    x, y = data.split(split)
    probs = version.predict_proba(x, tta=tta)
    reports = {"fer2013": report_from_probs(probs, y, tta)}
    if split_role(split) in data.votes:
        for labels in ("ferplus", "ferplus-majority", "agreed"):
            rows, targets = data.labelled_rows(split, labels)
            reports[labels] = report_from_probs(probs[rows], targets, tta)
    return reports


def evaluate(version, data: str | FaceData, split: str = "PrivateTest", tta: str = "none", keep_predictions: bool = False,
             labels: str = "fer2013") -> dict:
    """`version`: a name, a path or a loaded ModelVersion; `data`: a path or a FaceData; `labels`: a benchmark
    of fer.data.ferplus.BENCHMARK_LABELS ("fer2013"; "ferplus": each face's most-voted of FER+'s ten columns,
    close to the published protocol; "ferplus-majority"), or "agreed" (the "ferplus" faces whose FER2013 label
    is the same)."""
    from .versions import ModelVersion, load

    if not isinstance(version, ModelVersion):
        version = load(version)
    if not isinstance(data, FaceData):
        data = load_dataset(data)
    x, y = data.labelled(split, labels)
    report = evaluate_arrays(version, x, y, tta=tta, keep_predictions=keep_predictions)
    report.update({"model": version.name, "data": data.source, "split": split, "labels": labels})
    return report
