"""The ONNX runtime classifier: an exported version on ONNX Runtime, with no torch anywhere on its path.

An exported file takes float32 faces [N,1,48,48] normalised as in training and returns logits [N,7] (the batch
axis is dynamic). The file is run only when its sha256 is the one its card records (VersionError otherwise).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..checksum import verify_file
from .card import Card
from .errors import VersionError
from .layout import INT8_FILE
from .predict import CardClassifier

INPUT_NAME, OUTPUT_NAME = "faces", "logits"


class OnnxClassifier(CardClassifier):
    """An .onnx classifier on onnxruntime's CPUExecutionProvider, with the model version's predict_proba."""

    def __init__(self, path: str | Path, card: Card, name: str | None = None, threads: int = 0,
                 verify: bool = True):
        import onnxruntime as ort

        self.path, self.card, self.name, self.threads = Path(path), card, name or card.name, threads
        if verify:
            verify_file(self.path, card.onnx_sha256(self.path.name), VersionError)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads  # 0: onnxruntime's default (one per physical core)
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])

    @property
    def backend(self) -> str:
        return "onnx-int8" if self.path.name == INT8_FILE else "onnx"

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Raw outputs for normalised float inputs [N,1,48,48]."""
        return self.session.run([OUTPUT_NAME], {INPUT_NAME: np.ascontiguousarray(x, dtype=np.float32)})[0]
