"""Recognizer: image in, faces with their emotions out (detect -> align/crop -> classify)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..data.transforms import TTA_MODES
from .align import face_crops
from .classifiers import BACKENDS, load_classifier
from .detect import DEFAULT_MIN_FACE_SIZE, DEFAULT_SCORE_THRESHOLD, MAX_DETECT_SIDE, create_detector, detect_faces
from .io import MAX_BYTES, MAX_PIXELS, read_image
from .results import Detection, Face

DEFAULT_SMOOTHING = 0.6


class Recognizer:
    """Find faces and their emotions.

        rec = fer.Recognizer()                      # default photo model, MTCNN detector, PyTorch
        faces = rec.predict("group.jpg")            # [Face(box, label, confidence, probabilities, ...)]
        fer.inference.to_dataframe(faces)

    `image` may be a path, bytes, a file object, a PIL image (any mode; EXIF orientation honoured) or a numpy
    array: numpy arrays are BGR like OpenCV (pass color="rgb" for RGB) or 2-D grayscale.
    `version`: a version name or directory (None: fer.versions.default_version("photo")).
    `detector`: "mtcnn" (landmarks, accurate), "haar" (fast, no landmarks), a registered name, or an object
    with detect(bgr). `smoothing`: the default temporal smoothing of streams and videos made from this
    recognizer, the weight a face's past frames keep in its probabilities (0 = none).
    Images over `max_pixels` or `max_bytes` are refused (ImageError) before being decoded.
    """

    def __init__(self, version=None, detector="mtcnn", backend: str = "torch", tta: str = "none",
                 smoothing: float = DEFAULT_SMOOTHING, min_face_size: int = DEFAULT_MIN_FACE_SIZE,
                 score_threshold: float = DEFAULT_SCORE_THRESHOLD, max_pixels: int = MAX_PIXELS,
                 max_bytes: int = MAX_BYTES, max_detect_side: int | None = MAX_DETECT_SIDE):
        if tta not in TTA_MODES:
            raise ValueError(f"unknown TTA mode {tta!r}; use one of {', '.join(TTA_MODES)}")
        if not 0 <= smoothing < 1:
            raise ValueError(f"smoothing must be in [0, 1), not {smoothing}")
        self.classifier = load_classifier(version, backend)
        self.detector = create_detector(detector, **builtin_detector_options(detector, min_face_size, score_threshold))
        self.backend, self.tta, self.smoothing = backend, tta, smoothing
        self.max_pixels, self.max_bytes, self.max_detect_side = max_pixels, max_bytes, max_detect_side

    @property
    def labels(self) -> list[str]:
        return list(self.classifier.labels)

    @property
    def version(self) -> str:
        return str(getattr(self.classifier, "name", "?"))

    def read(self, image, color: str = "bgr") -> np.ndarray:
        """Any supported input -> uint8 BGR [H,W,3] (ImageError naming the input when it cannot)."""
        return read_image(image, color, max_pixels=self.max_pixels, max_bytes=self.max_bytes)

    def detect(self, bgr: np.ndarray) -> list[Detection]:
        return detect_faces(self.detector, bgr, self.max_detect_side)

    def classify(self, faces: np.ndarray) -> np.ndarray:
        """Probabilities [N,7] for uint8 48x48 faces [N,48,48]."""
        if len(faces) == 0:
            return np.zeros((0, len(self.labels)), np.float32)
        return np.asarray(self.classifier.predict_proba(faces, self.tta))

    def recognize(self, bgr: np.ndarray, detections: list[Detection]) -> list[Face]:
        """Classify already detected faces of a decoded BGR image."""
        probs = self.classify(face_crops(bgr, detections))
        return [Face.from_probabilities(d, p, self.labels) for d, p in zip(detections, probs)]

    def predict(self, image, color: str = "bgr") -> list[Face]:
        """The faces in one image, left to right; an empty list when there is none."""
        return self.predict_batch([image], color)[0]

    def predict_batch(self, images, color: str = "bgr") -> list[list[Face]]:
        """predict() for several images, classifying all their faces in one batch."""
        frames = [self.read(image, color) for image in images]
        detections = [self.detect(frame) for frame in frames]
        crops = [face_crops(frame, found) for frame, found in zip(frames, detections)]
        probs = self.classify(np.concatenate(crops)) if crops else np.zeros((0, 7))
        results, start = [], 0
        for found in detections:
            results.append([Face.from_probabilities(d, p, self.labels)
                            for d, p in zip(found, probs[start:start + len(found)])])
            start += len(found)
        return results

    def __repr__(self) -> str:
        detector = getattr(self.detector, "name", type(self.detector).__name__)
        return f"Recognizer(version={self.version!r}, detector={detector!r}, backend={self.backend!r}, tta={self.tta!r})"


def builtin_detector_options(detector, min_face_size: int, score_threshold: float) -> dict:
    if detector == "mtcnn":
        return {"min_face_size": min_face_size, "score_threshold": score_threshold}
    if detector == "haar":
        return {"min_face_size": min_face_size}
    return {}


__all__ = ["Recognizer", "BACKENDS"]
