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
from .card import INT8_FILE, ONNX_FILE, Card
from .errors import VersionError
from .runtime import OnnxClassifier
from .store import resolve

log = logging.getLogger(__name__)


def onnx_file(int8: bool) -> str:
    return INT8_FILE if int8 else ONNX_FILE


def current_export(directory: Path, card: Card, int8: bool) -> Path | None:
    """The version's exported file when its card vouches for it (a sha256, and the weights it came from are
    the version's); None when it must be exported first."""
    path = directory / onnx_file(int8)
    current = card.onnx.get("weights_sha256") == card.weights_sha256 and card.onnx_sha256(path.name)
    return path if current and path.is_file() else None


def load_classifier(version=None, backend: str = DEFAULT_BACKEND, threads: int = 0, root: str | Path | None = None):
    """A classifier of `version` (a name, a folder, a loaded ModelVersion; None: the photo default); a
    classifier given as `version` is returned as it is."""
    if isinstance(version, OnnxClassifier):
        return version
    if backend not in CHOOSABLE_BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; use one of {', '.join(CHOOSABLE_BACKENDS)}")
    from .model import ModelVersion, load  # torch: only where the weights are run or exported

    if backend == DEFAULT_BACKEND:
        try:
            return load_classifier(version, "onnx", threads, root)
        except VersionError:
            raise  # a file that fails its checksum is refused, not worked around
        except Exception as e:  # an architecture the exporter cannot handle, a read-only folder, ...
            log.warning("ONNX export unavailable for %s (%s); classifying with PyTorch", version, e)
            backend = "torch"
    if backend == "torch":
        return version if isinstance(version, ModelVersion) else load(version, root)
    int8 = backend == "onnx-int8"
    if not isinstance(version, ModelVersion):
        directory = resolve(version, root)
        card = Card.read(directory)
        path = current_export(directory, card, int8)
        if path is not None:
            return OnnxClassifier(path, card, directory.name, threads=threads)
        version = load(directory)
    from .export import ensure_exported  # exporting needs torch.onnx and onnx; running needs only onnxruntime

    return OnnxClassifier(ensure_exported(version, int8=int8), version.card, version.name, threads=threads)


__all__ = ["load_classifier", "BACKENDS", "OnnxClassifier"]
