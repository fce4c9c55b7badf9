"""Recognizer: image in, faces with their emotions out (detect -> align/crop -> classify)."""
from __future__ import annotations


import numpy as np

from ..defaults import BACKENDS, DEFAULT_BACKEND, TTA_MODES
from ..version.classifiers import load_classifier
from .align import face_crops
from .detect import MAX_DETECT_SIDE, create_detector, detect_faces
from .detector_policy import USES, DetectorSettings, detector_settings
from .io import MAX_BYTES, MAX_PIXELS, read_image
from .results import Detection, Face

DEFAULT_SMOOTHING = 0.6


class Recognizer:
    """Find faces and their emotions.

        rec = fer.Recognizer()                      # default photo model, YuNet detector, ONNX Runtime
        faces = rec.predict("group.jpg")            # [Face(box, label, confidence, probabilities, ...)]
        fer.inference.to_dataframe(faces)

    `image` may be a path, bytes, a file object, a PIL image (any mode; EXIF orientation honoured) or a numpy
    array: numpy arrays are BGR like OpenCV (pass color="rgb" for RGB) or 2-D grayscale.
    `version`: a version name or directory, or a loaded ModelVersion (None: the photo default). It runs as the
    app runs it: `backend` "auto" (ONNX Runtime, or PyTorch where the version cannot be exported) and `tta`
    None (the version's own TTA), with the version's calibration; both may be overridden.
    `detector`: "yunet" (default: landmarks, fast, small faces), "mtcnn" (landmarks, slower), "haar" (no
    landmarks), a registered name, or an object with detect(bgr). Photos (predict) and streams (FaceStream,
    videos) each get the product's detector setting for that use (fer.inference.detector_policy.detector_settings):
    photos look for faces from 20 px (`small_faces`: "fewer" 40 px, "normal" 20 px, "more" 12 px), streams
    detect at reduced size (faces from 48 px; 80 / 48 / 24). `min_face_size` and `score_threshold`, when
    given, override both uses. `smoothing`: the default temporal smoothing of streams and videos made from this
    recognizer, the weight a face's past frames keep in its probabilities (0 = none).
    Images over `max_pixels` or `max_bytes` are refused (ImageError) before being decoded.
    """

    def __init__(self, version=None, detector=None, backend: str = DEFAULT_BACKEND, tta: str | None = None,
                 smoothing: float = DEFAULT_SMOOTHING, min_face_size: int | None = None,
                 score_threshold: float | None = None, max_pixels: int = MAX_PIXELS,
                 max_bytes: int = MAX_BYTES, max_detect_side: int | None = MAX_DETECT_SIDE,
                 small_faces: str = "normal"):
        if tta is not None and tta not in TTA_MODES:
            raise ValueError(f"unknown TTA mode {tta!r}; use one of {', '.join(TTA_MODES)}")
        if not 0 <= smoothing < 1:
            raise ValueError(f"smoothing must be in [0, 1), not {smoothing}")
        self.classifier = load_classifier(version, backend)
        if detector is None or isinstance(detector, str):
            self.settings = {use: detector_settings(use, detector, small_faces, min_face_size, score_threshold)
                             for use in USES}
            self.detectors = {"photo": self.settings["photo"].create()}  # the stream one on first use
        else:  # a detector object serves both uses
            self.settings = {}
            self.detectors = dict.fromkeys(USES, create_detector(detector))
        self.backend = self.classifier.backend  # the one it runs on ("auto" resolved)
        self.tta, self.smoothing = tta or self.classifier.card.tta, smoothing
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

    @property
    def detector(self):
        """The photo detector (detector_for_use("stream") is the one streams and videos use)."""
        return self.detectors["photo"]

    def detector_for_use(self, use: str = "photo"):
        if use not in USES:
            raise ValueError(f"unknown use {use!r}; use one of {', '.join(USES)}")
        if use not in self.detectors:
            self.detectors[use] = self.settings[use].create()
        return self.detectors[use]

    def detector_setting(self, use: str = "photo") -> DetectorSettings | None:
        """The setting a use's detector was built from (None for a detector object given by the caller)."""
        return self.settings.get(use)

    def detect(self, bgr: np.ndarray, use: str = "photo") -> list[Detection]:
        """Faces in a BGR image with the detector setting of `use`: "photo" or "stream" (camera frames, videos)."""
        return detect_faces(self.detector_for_use(use), bgr, self.max_detect_side)

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


__all__ = ["Recognizer", "BACKENDS"]
