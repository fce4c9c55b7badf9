"""The model version, a noun: its card, its files (sha256-verified), the store, loading, prediction, evaluation
into the card, export, calibration and ensembles. The verbs that need training or inference (train, recognizer)
are fer.api.Model's, a floor above this package and fer.training / fer.inference.

    layout.py      VersionFolder: the files of checkpoints/<version>/ (card, weights, history, ONNX exports,
                   and while training the resume file last.pt and the lock training.pid)
    card.py        Card (the schema, read/write, migration of schema-1 cards)
    store.py       checkpoints_root, scan_versions / list_versions, default_version, resolve, history
    predict.py     the numpy prediction path: normalise, TTA views, softmax average, temperature
    runtime.py     OnnxClassifier (ONNX Runtime; no torch), a stopwatch
    verify.py      verify_version: every file a version runs, checked against its card before anything runs
    model.py       ModelVersion (the PyTorch model) and load()
    classifiers.py load_classifier(version, backend): the one way to get a runnable classifier
    evaluation.py  evaluate() and evaluate_into_card() (training, ensembles and calibration use it)
    export.py      ONNX export and parity check (imports the runtime, never the other way)
    calibration.py temperature scaling;  ensemble.py  ensemble versions

Modules that need torch load on first use, so that running an exported version needs only onnxruntime.
"""
from importlib import import_module

from .card import ENSEMBLE, Card
from .errors import VersionError
from .layout import (CARD_FILE, HISTORY_FILE, INT8_FILE, LOCK_FILE, ONNX_FILE, RESUME_FILE, WEIGHTS_FILE,
                     VersionFolder)
from .runtime import OnnxClassifier
from .store import (DEFAULTS_FILE, VersionEntry, checkpoints_root, default_version, list_versions, read_card,
                    read_history, resolve, scan_versions, write_history)

_LAZY = {"ModelVersion": "model", "load": "model", "save_weights": "model", "load_classifier": "classifiers",
         "evaluate": "evaluation", "evaluate_into_card": "evaluation", "export_version": "export",
         "calibrate": "calibration", "build_ensemble": "ensemble"}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Card", "VersionError", "VersionEntry", "VersionFolder", "OnnxClassifier", "CARD_FILE", "WEIGHTS_FILE",
           "HISTORY_FILE", "ONNX_FILE", "INT8_FILE", "RESUME_FILE", "LOCK_FILE", "ENSEMBLE", "DEFAULTS_FILE",
           "checkpoints_root", "scan_versions", "list_versions", "default_version", "resolve", "read_card", "read_history", "write_history", *_LAZY]
