"""Faces as the networks take them: uint8 48x48 grey, normalised to float32 [N,1,48,48]."""
from __future__ import annotations

import numpy as np

from ..defaults import NORMALIZATION


def normalize(faces: np.ndarray, normalization: dict = NORMALIZATION) -> np.ndarray:
    """uint8 faces [N,48,48] (or one [48,48]) -> normalised float32 [N,1,48,48]."""
    faces = np.asarray(faces)
    if faces.ndim == 2:
        faces = faces[None]
    x = faces.astype(np.float32)[:, None] / np.float32(255.0)
    return (x - np.float32(normalization["mean"])) / np.float32(normalization["std"])
