"""The prediction path of every backend, in numpy (ONNX Runtime needs no torch): normalise the uint8 faces,
make the TTA views, average the views' softmax, calibrate (the version's prior correction and temperature).

A backend is a function from normalised float32 faces [M,1,48,48] to logits [M,C].
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from tqdm.auto import tqdm

from ..data.faces import normalize
from ..defaults import NORMALIZATION, TENCROP_FRACTION, TTA_MODES

LogitsFn = Callable[[np.ndarray], np.ndarray]


def _linear_weights(size_in: int, size_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Source indices and weights of bilinear resizing with half-pixel centres, computed in float32 in the
    order PyTorch's interpolate (align_corners=False) computes them, so that both give the same numbers."""
    scale = np.float32(size_in) / np.float32(size_out)
    src = np.maximum((np.arange(size_out, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5), np.float32(0))
    low = np.floor(src).astype(np.int64)
    high = np.minimum(low + 1, size_in - 1)
    far = np.clip(src - low.astype(np.float32), 0, 1).astype(np.float32)
    return low, high, np.float32(1) - far, far


def resize_bilinear(x: np.ndarray, size: int) -> np.ndarray:
    """[..., h, w] -> [..., size, size]: along the width first, then the height, as PyTorch does."""
    rows, rows_next, near_r, far_r = _linear_weights(x.shape[-2], size)
    cols, cols_next, near_c, far_c = _linear_weights(x.shape[-1], size)
    across = x[..., cols] * near_c + x[..., cols_next] * far_c
    return across[..., rows, :] * near_r[:, None] + across[..., rows_next, :] * far_r[:, None]


def ten_crop(x: np.ndarray) -> list[np.ndarray]:
    """The four corners and the centre of [N,1,H,W] and of its mirror image, each resized back to H x W."""
    h, w = x.shape[-2:]
    crop = int(h * TENCROP_FRACTION)
    top, left = int(round((h - crop) / 2)), int(round((w - crop) / 2))
    corners = [(0, 0), (0, w - crop), (h - crop, 0), (h - crop, w - crop), (top, left)]
    views = [image[..., r:r + crop, c:c + crop] for image in (x, x[..., ::-1]) for r, c in corners]
    return [resize_bilinear(v, h) for v in views]


def tta_views(x: np.ndarray, mode: str) -> np.ndarray:
    """[N,1,H,W] -> [V,N,1,H,W]: the views whose softmax outputs are averaged."""
    if mode == "none":
        return x[None]
    if mode == "flip":
        return np.stack([x, x[..., ::-1]])
    if mode == "tencrop":
        return np.stack(ten_crop(x))
    raise ValueError(f"unknown TTA mode {mode!r}; use one of {', '.join(TTA_MODES)}")


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits.astype(np.float32) - logits.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


def temper(probs: np.ndarray, temperature: float, class_bias=None) -> np.ndarray:
    """p^(1/T), renormalised: T < 1 sharpens under-confident probabilities, T > 1 softens over-confident ones;
    the most likely class never changes. `class_bias` (a prior correction: one log-space number a class, added
    to log p before the temperature) does change it: it lifts the classes the network under-predicts."""
    log_p = np.log(np.clip(probs, 1e-12, None))
    if class_bias is not None:
        log_p = log_p + np.asarray(class_bias, np.float32)
    return softmax(log_p / temperature)


def predict_proba_batched(logits_fn: LogitsFn, faces: np.ndarray, tta: str = "none",
                          normalization: dict = NORMALIZATION, batch_size: int = 256, num_classes: int = 7,
                          temperature: float = 1.0, class_bias=None, *, progress: str = "") -> np.ndarray:
    """Class probabilities [N,C] for uint8 faces [N,48,48] (or one [48,48]): the softmax of `logits_fn`
    averaged over the TTA views, then calibrated (`temper`). `progress`: a progress bar's title ("": none)."""
    faces = np.asarray(faces)
    if faces.ndim == 2:
        faces = faces[None]
    out = []
    for start in tqdm(range(0, len(faces), batch_size), desc=progress, unit="batch", leave=False, disable=not progress):
        views = tta_views(normalize(faces[start:start + batch_size], normalization), tta)
        n_views, n = views.shape[:2]
        logits = np.asarray(logits_fn(np.ascontiguousarray(views.reshape(n_views * n, *views.shape[2:]))))
        probs = softmax(logits).reshape(n_views, n, -1).mean(0)
        out.append(temper(probs, temperature, class_bias) if temperature != 1.0 or class_bias is not None else probs)
    return np.concatenate(out) if out else np.zeros((0, num_classes), np.float32)


class CardClassifier:
    """`labels` and `predict_proba` of a backend that has a `card` and a `logits` function (ModelVersion,
    OnnxClassifier): every backend answers through the one prediction path above."""

    @property
    def labels(self) -> list[str]:
        return self.card.labels

    def predict_proba(self, faces: np.ndarray, tta: str | None = None, batch_size: int = 256,
                      calibrated: bool = True, progress: str = "") -> np.ndarray:
        """Class probabilities [N,7] for uint8 48x48 faces [N,48,48]: TTA views averaged (default: the version's
        own TTA), then calibrated (its prior correction and temperature; calibrated=False: the network's own
        probabilities). `progress`: a progress bar's title ("": none)."""
        return predict_proba_batched(self.logits, faces, tta or self.card.tta, self.card.normalization, batch_size,
                                     len(self.labels), *self.card.calibration_map(calibrated), progress=progress)
