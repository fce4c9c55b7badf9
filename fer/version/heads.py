"""How a version of several heads (model_kwargs {"heads": 2}, trained on `--labels both`: FER+'s votes, then
FER2013's intended label) gives one answer: its heads' probabilities averaged with the `head_mix` weights kept in
its weights file, then its card's class bias and temperature. Both are chosen on PublicTest
(benchmarks/combine_label_sources.py --two-head), never on PrivateTest.

    head_probabilities(version, faces)             # [heads][N,7]: each head alone, no calibration
    set_head_mix(version, [0.6, 0.4], bias, data)  # written into the version, its card evaluated again
"""
from __future__ import annotations

import contextlib

import numpy as np
import torch

from .calibration import calibrate
from .errors import VersionError
from .model import rewrite_weights


def head_count(version) -> int:
    return int(getattr(version.model, "heads", 1)) if not version.card.is_ensemble else 1


@contextlib.contextmanager
def mixed(version, mix):
    """The version's network answering with the head weights `mix` for a while."""
    kept = version.model.head_mix.clone()
    version.model.head_mix.copy_(torch.as_tensor(mix, dtype=kept.dtype))
    try:
        yield version
    finally:
        version.model.head_mix.copy_(kept)


def head_probabilities(version, faces: np.ndarray, tta: str | None = None) -> list[np.ndarray]:
    """Each head's own probabilities [N,7] of uint8 faces under `tta` (default: the version's), uncalibrated."""
    heads = head_count(version)
    if heads < 2:
        raise VersionError(f"{version.name}: one head only; head_probabilities is for a version of several heads")
    answers = []
    for k in range(heads):
        with mixed(version, np.eye(heads, dtype=np.float32)[k]):
            answers.append(version.predict_proba(faces, tta, calibrated=False))
    return answers


def set_head_mix(version, mix, class_bias=None, data=None, chosen_by: str = "") -> dict:
    """Write the head weights `mix` into the version's weights file (its card's sha256 follows, its old ONNX
    files are dropped) and the class bias (None: none) into its card, refit the temperature and evaluate the card
    again (fer.version.calibration.calibrate); returns card.calibration."""
    heads = head_count(version)
    mix = np.asarray(mix, np.float32)
    if heads < 2 or mix.shape != (heads,) or (mix < 0).any() or not np.isclose(mix.sum(), 1.0):
        raise VersionError(f"{version.name}: head weights must be {heads} non-negative numbers summing to 1, "
                           f"got {mix.tolist()}")
    version.model.head_mix.copy_(torch.from_numpy(mix))
    rewrite_weights(version)
    bias = None if class_bias is None else [float(b) for b in class_bias]
    return calibrate(version, data, class_bias=bias, chosen_by=chosen_by)
