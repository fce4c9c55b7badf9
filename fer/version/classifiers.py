"""load_classifier: the one way to get a runnable classifier of a version for a backend.

    clf = load_classifier("V", backend="auto")   # ONNX Runtime (exported first when needed), else PyTorch
    clf.predict_proba(faces_uint8)               # the version's own TTA and calibration

"torch" gives the ModelVersion itself; "onnx" / "onnx-int8" an OnnxClassifier of the file the card vouches for
(exported from the verified weights, with the parity check, when it is missing or from other weights); "auto"
(the default of the app, the CLI and the API) is "onnx", or "torch" where the version cannot be exported.
A file that fails its checksum is refused (VersionError), never replaced behind the user's back.
"""
from __future__ import annotations

import logging
from pathlib import Path

from ..defaults import BACKENDS, CHOOSABLE_BACKENDS, DEFAULT_BACKEND
from .card import Card
from .errors import VersionError
from .layout import current_export
from .predict import CardClassifier
from .runtime import OnnxClassifier
from .store import resolve
from .verify import verify_version

log = logging.getLogger(__name__)


def load_classifier(version=None, backend: str = DEFAULT_BACKEND, threads: int = 0, root: str | Path | None = None):
    """A classifier of `version` (a name, a folder, a loaded ModelVersion; None: the photo default); a
    classifier given as `version` is returned as it is."""
    if isinstance(version, OnnxClassifier):
        return version
    if backend not in CHOOSABLE_BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; use one of {', '.join(CHOOSABLE_BACKENDS)}")
    loaded = isinstance(version, CardClassifier) and version.backend == "torch"  # a ModelVersion, without torch
    if backend == DEFAULT_BACKEND:
        try:
            return load_classifier(version, "onnx", threads, root)
        except VersionError:
            raise  # a file that fails its checksum is refused, not worked around
        except Exception as e:  # an architecture the exporter cannot handle, a read-only folder, ...
            log.warning("ONNX export unavailable for %s (%s); classifying with PyTorch", version, e)
            backend = "torch"
    if backend == "torch":
        return version if loaded else load_version(version, root)
    int8 = backend == "onnx-int8"
    if not loaded:
        directory = resolve(version, root)
        card = Card.read(directory)
        verify_version(directory, card)  # every file of the version, before anything runs
        path = current_export(directory, card, int8)
        if path is not None:
            return OnnxClassifier(path, card, directory.name, threads=threads, verify=False)
        version = load_version(directory)
    from .export import ensure_exported  # exporting needs torch.onnx and onnx; running needs only onnxruntime

    return OnnxClassifier(ensure_exported(version, int8=int8), version.card, version.name, threads=threads)


def load_version(version, root=None):
    from .model import load  # torch: only where the weights are run or exported

    return load(version, root)


__all__ = ["load_classifier", "BACKENDS", "OnnxClassifier"]
