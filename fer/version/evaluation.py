"""Evaluation: a report of a version on a split, and the one function that evaluates a version into its card
(used by training, ensembles and calibration, on the model in memory: no write-read-write round trip).

A *report* is fer.metrics.classification_report (accuracy, macro_f1, per_class, confusion, n) plus calibration
(ece, mean_confidence), predicted class shares and the misclassified faces' indices.
"""
from __future__ import annotations

import datetime as dt

import numpy as np

from ..checksum import sha256_of
from ..data import DataError, FaceData, load_dataset, split_role
from ..data.ferplus import BENCHMARK_LABELS
from ..defaults import DEFAULT_BACKEND, default_data
from ..labels import EMOTIONS
from ..metrics import classification_report, expected_calibration_error
from .card import FERPLUS_SUFFIX, data_identity

EVALUATION_LABELS = (*BENCHMARK_LABELS, "agreed")
# card.metrics keys per label set of the FER+ votes: "<split>_ferplus", "<split>_ferplus_majority", "<split>_agreed"
CARD_LABEL_KEYS = {"ferplus": FERPLUS_SUFFIX, "ferplus-majority": "_ferplus_majority", "agreed": "_agreed"}


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


def as_data(data: str | FaceData | None) -> FaceData:
    return data if isinstance(data, FaceData) else load_dataset(data or default_data())


def evaluate(version, data: str | FaceData | None = None, split: str = "PrivateTest", tta: str | None = None,
             keep_predictions: bool = False, labels: str = "fer2013", backend: str = DEFAULT_BACKEND,
             show_progress: bool = False) -> dict:
    """A report of `version` (a name, a folder, a ModelVersion or a classifier) on a split of `data` (a path or
    FaceData; None: the default data), with the version's own TTA and calibration unless `tta` is given, on
    the app's backend. `labels`: "fer2013"; "ferplus" (each face's most-voted of FER+'s ten columns, close to
    the published protocol); "ferplus-majority"; "agreed" (the "ferplus" faces whose FER2013 label is the same).
    `show_progress`: a progress bar over the batches."""
    from .classifiers import load_classifier

    if labels not in EVALUATION_LABELS:
        raise ValueError(f"unknown labels {labels!r}; use one of {', '.join(EVALUATION_LABELS)}")
    classifier = version if hasattr(version, "predict_proba") else load_classifier(version, backend)
    data = as_data(data)
    tta = tta or classifier.card.tta
    x, y = data.labelled(split, labels)
    probs = classifier.predict_proba(x, tta, progress=f"{classifier.name} on {split}" if show_progress else "")
    report = report_from_probs(probs, y, tta, keep_predictions)
    report.update({"model": classifier.name, "data": data.source, "split": split, "labels": labels})
    return report


def reports_by_labels(probs: np.ndarray, data: FaceData, split: str, tta: str) -> dict[str, dict]:
    """Reports of a split's probabilities under every benchmark its data has: FER2013's labels, and with FER+
    votes also each of CARD_LABEL_KEYS (FaceData.labelled_rows picks each benchmark's faces)."""
    with_votes = split_role(split) in data.votes
    return {labels: report_from_probs(probs[rows], targets, tta)
            for labels in ("fer2013", *CARD_LABEL_KEYS) if labels == "fer2013" or with_votes
            for rows, targets in [data.labelled_rows(split, labels)]}


def per_emotion_recall(report: dict) -> list[float]:
    """Each emotion's recall in a report, in EMOTIONS order (of the `agreed` faces: does it still see each one)."""
    return [report["per_class"][e]["recall"] for e in EMOTIONS]


def benchmark_reports(version, data: FaceData, split: str, tta: str | None = None) -> dict[str, dict]:
    """reports_by_labels from one pass of the version (default: its own TTA) over the split's faces."""
    return reports_by_labels(version.predict_proba(data.split(split)[0], tta), data, split, tta or version.card.tta)


def split_reports(probs_of, data: FaceData, split: str, tta: str, key: str | None = None) -> dict[str, dict]:
    """card.metrics entries of one split: FER2013's labels under `key` (default: the split's role), each FER+
    label set under "<split><suffix>". `probs_of(split, tta)` gives the probabilities of the split's faces."""
    reports = reports_by_labels(probs_of(split, tta), data, split, tta)
    return {(key or split) if labels == "fer2013" else split + CARD_LABEL_KEYS[labels]: report
            for labels, report in reports.items()}


def card_metrics(probs_of, data: FaceData, tta: str) -> dict[str, dict]:
    """Validation without TTA (the figure epochs are chosen on) and with the version's TTA, test once with it,
    each on FER2013's labels and, where the data has FER+ votes, on FER+'s (see CARD_LABEL_KEYS)."""
    metrics = {"val": report_from_probs(probs_of("val", "none"), data.split("val")[1], "none")}
    metrics.update(split_reports(probs_of, data, "val", tta, "val_tta"))
    try:
        metrics.update(split_reports(probs_of, data, "test", tta))
    except DataError as e:  # a folder dataset may have no test split
        metrics["test"] = {"missing": str(e)}
    return metrics


def network_probabilities(version, data: FaceData, calibrated: bool = True):
    """probs_of(split, tta) for card_metrics: the version's probabilities of a split, each computed once."""
    cache = {}

    def probs_of(split: str, tta: str) -> np.ndarray:
        if (split, tta) not in cache:
            cache[split, tta] = version.predict_proba(data.split(split)[0], tta, calibrated=calibrated)
        return cache[split, tta]
    return probs_of


def evaluate_into_card(version, data: FaceData, tta: str, probs_of=None, **card_fields) -> None:
    """Evaluate the version in memory on `data` with `tta` and complete its card: metrics (FER2013 and FER+),
    the data it saw (by name and sha256), PyTorch latency, `card_fields`; then write the card once.
    `probs_of` (default: the version's calibrated probabilities) lets calibration reuse what it computed."""
    card = version.card
    card.tta = tta
    card.metrics = card_metrics(probs_of or network_probabilities(version, data), data, tta)
    card.data = data_identity(data.source, data.layout, data.sizes(), data.notes)
    card.latency = {f"ms_per_view_batch{b}_1thread": round(version.measure_ms_per_view(batch=b, threads=1), 3) for b in (1, 64)}
    card.created = dt.datetime.now().isoformat(timespec="seconds")
    for name, value in card_fields.items():
        setattr(card, name, value)
    version.save_card()


def finish_training(folder, card, data: FaceData) -> None:
    """A training run's best weights (folder.weights) as a version: the run's `card` (what the run knows:
    architecture, sizes, TTA, hyperparameters, sittings, ...) completed with the weights' sha256 and the
    evaluation on validation and once on test, and written; the resume file removed (the run is finished)."""
    from .model import from_weights

    card.weights_sha256 = sha256_of(folder.weights)
    evaluate_into_card(from_weights(folder.path, card, folder.weights), data, card.tta)
    folder.resume.unlink(missing_ok=True)


__all__ = ["evaluate", "evaluate_into_card", "finish_training", "benchmark_reports", "report_from_probs",
           "card_metrics", "classification_report"]
