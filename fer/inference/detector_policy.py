"""The product's detector policy: one detector setting per use, so that one use finds the same faces everywhere.

    detector_for("photo")    # uploads, `predict` on images, Recognizer.predict: YuNet, faces from 20 px, each
                             # face confirmed by MTCNN (no toys' heads, drawings, animals)
    detector_for("stream")   # the webcam page, videos (FaceStream): YuNet at reduced size, faces from 48 px

Every caller (upload page, webcam page, `python -m fer predict`, Recognizer, videos) gets its detector from
`detector_settings(use, ...)`.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from .detect import FaceDetector, create_detector

# One detector setting per use. "photo": uploads, `predict` on images, Recognizer.predict; "stream": the webcam
# page, videos (FaceStream). Streams are detected at a reduced size (their faces are large and every frame
# counts); photos look for faces from 20 px (or 1/100 of the short side on big photos), small photos upscaled.
USES = ("photo", "stream")
DEFAULT_DETECTOR = "yunet"
SMALL_FACES = ("fewer", "normal", "more")  # the app's "small faces" sensitivity: smallest face looked for
DEFAULT_SMALL_FACES = "normal"
MIN_FACE_BY_SENSITIVITY = {"photo": {"fewer": 40, "normal": 20, "more": 12},
                           "stream": {"fewer": 80, "normal": 48, "more": 24}}
SECOND_OPINION = {"photo": True, "stream": False}  # MTCNN confirms each face of a photo (streams: every ms counts)
MIN_FACE_FRACTION = {"photo": {"fewer": 0.02, "normal": 0.01, "more": 0.005},  # of a photo's short side
                     "stream": {"fewer": 0.0, "normal": 0.0, "more": 0.0}}


@dataclass(frozen=True)
class DetectorSettings:
    """What a detector is built from: name, smallest face (px), score threshold (None: the detector's own),
    whether MTCNN must agree with each face (YuNet only)."""

    detector: str = DEFAULT_DETECTOR
    min_face_size: int = MIN_FACE_BY_SENSITIVITY["photo"]["normal"]
    score_threshold: float | None = None
    min_face_fraction: float = 0.0
    second_opinion: bool = False

    def options(self) -> dict:
        """Keyword arguments for the built-in detectors (a registered one gets none)."""
        if self.detector == "yunet":
            options = {"min_face_size": self.min_face_size, "min_face_fraction": self.min_face_fraction,
                       "second_opinion": self.second_opinion}
        elif self.detector in ("mtcnn", "haar"):
            options = {"min_face_size": self.min_face_size}
        else:
            return {}
        if self.score_threshold is not None and self.detector != "haar":
            options["score_threshold"] = self.score_threshold
        return options

    def create(self) -> FaceDetector:
        return create_detector(self.detector, **self.options())


def detector_settings(use: str = "photo", detector: str | None = None, small_faces: str = DEFAULT_SMALL_FACES,
                      min_face_size: int | None = None, score_threshold: float | None = None) -> DetectorSettings:
    """The detector setting for a use ("photo" or "stream"): `detector` (default yunet), the smallest face from
    the `small_faces` sensitivity (fewer / normal / more) unless `min_face_size` is given."""
    if use not in USES:
        raise ValueError(f"unknown use {use!r}; use one of {', '.join(USES)}")
    if small_faces not in SMALL_FACES:
        raise ValueError(f"unknown small-faces sensitivity {small_faces!r}; use one of {', '.join(SMALL_FACES)}")
    detector = detector or DEFAULT_DETECTOR
    settings = DetectorSettings(detector, MIN_FACE_BY_SENSITIVITY[use][small_faces], score_threshold,
                                MIN_FACE_FRACTION[use][small_faces], SECOND_OPINION[use] and detector == "yunet")
    if min_face_size is not None:
        settings = replace(settings, min_face_size=int(min_face_size), min_face_fraction=0.0)
    return settings


def detector_for(use: str = "photo", detector: str | FaceDetector | None = None, **kwargs) -> FaceDetector:
    """A detector with the product's setting for `use` (see detector_settings); a detector object is returned
    as it is."""
    if detector is not None and not isinstance(detector, str):
        return create_detector(detector)
    return detector_settings(use, detector, **kwargs).create()
