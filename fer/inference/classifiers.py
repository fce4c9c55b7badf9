"""The runtime classifiers: the PyTorch ModelVersion itself, or its ONNX export on ONNX Runtime. Both have
.predict_proba(faces_uint8, tta), .labels, .name and .card.

    clf = load_classifier("V", backend="onnx")   # exports the version first when its .onnx is missing or stale

An exported file takes a float [N,1,48,48] normalised as in training (fer.data.transforms.to_tensor) and
returns logits [N,7]; the batch axis is dynamic.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from ..data.transforms import NORMALIZATION, predict_proba_batched
from ..versions import ModelVersion, load, temperature_of

BACKENDS = ("torch", "onnx", "onnx-int8")
INPUT_NAME, OUTPUT_NAME = "faces", "logits"


class OnnxClassifier:
    """An .onnx classifier on onnxruntime's CPUExecutionProvider, with ModelVersion's predict_proba."""

    def __init__(self, path: str | Path, card: dict, name: str, threads: int = 0):
        import onnxruntime as ort

        self.path = Path(path)
        self.card = card
        self.name = name
        self.threads = threads
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads  # 0: onnxruntime's default (one per physical core)
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])

    @property
    def labels(self) -> list[str]:
        return self.card["labels"]

    @property
    def normalization(self) -> dict:
        return self.card.get("normalization", NORMALIZATION)

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Raw outputs for normalised float inputs [N,1,48,48]."""
        return self.session.run([OUTPUT_NAME], {INPUT_NAME: np.ascontiguousarray(x, dtype=np.float32)})[0]

    def predict_proba(self, faces: np.ndarray, tta: str = "none", batch_size: int = 256) -> np.ndarray:
        """Class probabilities [N,7] for uint8 48x48 faces [N,48,48]; TTA views are averaged."""
        return predict_proba_batched(lambda x: torch.from_numpy(self.logits(x.numpy())), faces, tta,
                                     self.normalization, batch_size, len(self.labels), temperature_of(self.card))


def load_classifier(version: str | Path | ModelVersion | None = None, backend: str = "torch", threads: int = 0):
    """The ModelVersion itself for "torch" (default: the photo default), an OnnxClassifier for "onnx" /
    "onnx-int8" (exporting the version first when needed)."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
    if not isinstance(version, ModelVersion):
        version = load(str(version) if version else None)
    if backend == "torch":
        return version
    from ..export import ensure_exported  # exporting needs torch.onnx and onnx; running needs only onnxruntime

    path = ensure_exported(version, int8=backend == "onnx-int8")
    return OnnxClassifier(path, version.card, version.name, threads=threads)


def ms_per_face(classifier: OnnxClassifier, batch: int, warmup: int = 5, min_seconds: float = 0.5) -> float:
    """Milliseconds per face of classifier.logits at a batch size (threads: those of its session)."""
    x = np.random.default_rng(0).standard_normal((batch, 1, 48, 48)).astype(np.float32)
    for _ in range(warmup):
        classifier.logits(x)
    runs, start = 0, time.perf_counter()
    while runs < 5 or time.perf_counter() - start < min_seconds:
        classifier.logits(x)
        runs += 1
    return 1000 * (time.perf_counter() - start) / (runs * batch)
