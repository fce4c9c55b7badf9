"""'Why this label' for the app's pages (no Streamlit here): Grad-CAM overlays (fer.saliency) for the faces
of an uploaded photo or of a video frame, computed with the version's PyTorch model."""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .. import saliency
from ..inference import ImageError, read_image
from ..inference.results import Face

CAPTION = ("Where the model looked: red regions raised the score of the face's label most, blue ones little "
           "(Grad-CAM on the PyTorch model, for the label shown).")


@dataclass
class Explained:
    """An image with every face's saliency map over it (RGB), and per face an enlarged 48x48 thumbnail."""

    overlay: np.ndarray
    thumbnails: list[np.ndarray]
    captions: list[str]
    maps: list[saliency.FaceSaliency]


def explain_bgr(version, bgr: np.ndarray, faces: list[Face]) -> Explained:
    explained = saliency.explain_faces(version, bgr, faces)
    overlay = cv2.cvtColor(saliency.overlay(bgr, explained), cv2.COLOR_BGR2RGB)
    captions = [f"{'#' + str(e.face.face_id) if e.face.face_id is not None else 'Face ' + str(i + 1)}: "
                f"why {e.label}" for i, e in enumerate(explained)]
    return Explained(overlay, [e.crop_overlay() for e in explained], captions, explained)


def explain_upload(version, name: str, data: bytes, faces: list[Face],
                   max_pixels: int | None = None) -> Explained | None:
    """The saliency of the faces found in an uploaded photo (None when the file cannot be decoded again)."""
    try:
        limits = {"max_pixels": max_pixels} if max_pixels else {}
        bgr = read_image(data, name=name, max_bytes=len(data) + 1, **limits)  # read once already: no new limit
    except ImageError:
        return None
    return explain_bgr(version, bgr, faces)
