"""The one preprocessing path from a detected face to the classifier's input: a 48x48 uint8 grayscale crop
framed like FER2013. Used by prediction, streams, videos and any import of faces into a training set.

FER2013's framing, measured by running MTCNN on 2,000 random FER2013 faces (upscaled x4, edge-padded;
it found 1,650; medians in the 48 px frame): the eye centre sits at x = 24.0, y = 18.6; the eyes are
17.6 px apart; the mouth centre is 19.1 px below the eye centre. So FER2013 faces are tight crops, from
just above the brows to just below the chin. The crop below reproduces that geometry from the 5 MTCNN
landmarks after rotating the eyes level. Without landmarks (Haar, or a user's detector) the framing comes
from the box: MTCNN's box (longer side 50.1 px, centre 23.6, 24.5) and Haar's square box (47.2 px,
centre 24.0, 24.0) both nearly fill FER2013's frame and are centred in it, so the crop is the square of
the box's longer side about its centre (margin 0: a margin would add background FER2013 faces lack).
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from ..defaults import FACE_SIZE
from .results import Detection

EYE_CENTER = (0.5, 18.6 / 48)   # where the midpoint of the eyes lands, as a fraction of the crop
EYE_DISTANCE = 17.6 / 48        # distance between the eyes, as a fraction of the crop's side
EYE_TO_MOUTH = 19.1 / 48        # distance from the eyes' midpoint to the mouth's midpoint, same unit
BOX_SCALE = 1.0                 # crop side / longer side of the detector's box (see the module docstring)


def eye_angle(landmarks: np.ndarray) -> float:
    """Angle in degrees of the line from the image-left eye to the image-right eye (0 = level)."""
    (lx, ly), (rx, ry) = np.asarray(landmarks, np.float64)[:2]
    return math.degrees(math.atan2(ry - ly, rx - lx))


def landmark_side(landmarks: np.ndarray) -> float:
    """The crop side, in image pixels, implied by the eye distance and the eye-to-mouth distance (their mean
    is steadier than either alone: turning the head shrinks the first, nodding the second)."""
    marks = np.asarray(landmarks, np.float64)
    eyes = marks[1] - marks[0]
    eye_mid, mouth_mid = marks[:2].mean(0), marks[3:5].mean(0)
    return float(np.mean([np.hypot(*eyes) / EYE_DISTANCE, np.hypot(*(mouth_mid - eye_mid)) / EYE_TO_MOUTH]))


def crop_side(detection: Detection) -> float:
    """The side, in image pixels, of the square the face's crop covers."""
    if detection.landmarks is not None:
        return max(landmark_side(detection.landmarks), 1.0)
    return max(detection.box[2], detection.box[3], 1) * BOX_SCALE


def alignment_matrix(detection: Detection, size: int = FACE_SIZE) -> np.ndarray:
    """The 2x3 affine map from image pixels to a `size` x `size` FER-framed crop of the face."""
    scale = size / crop_side(detection)
    if detection.landmarks is not None:
        marks = np.asarray(detection.landmarks, np.float64)
        eye_mid = marks[:2].mean(0)
        matrix = cv2.getRotationMatrix2D((float(eye_mid[0]), float(eye_mid[1])), eye_angle(marks), scale)
        matrix[:, 2] += np.array(EYE_CENTER) * size - eye_mid
        return matrix
    x, y, w, h = detection.box
    return np.array([[scale, 0, size / 2 - scale * (x + w / 2)], [0, scale, size / 2 - scale * (y + h / 2)]])


def aligned_crop(image: np.ndarray, detection: Detection, size: int = FACE_SIZE) -> np.ndarray:
    """The face, eyes level and FER-framed, as a `size` x `size` image with the channels of `image`. Large
    faces are warped at their own resolution and then area-averaged down (no aliasing); borders outside
    the image repeat the edge pixels."""
    native = max(size, int(round(crop_side(detection))))
    warped = cv2.warpAffine(image, alignment_matrix(detection, native), (native, native),
                            flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    if native == size:
        return warped
    return cv2.resize(warped, (size, size), interpolation=cv2.INTER_AREA)


def face_crop(image: np.ndarray, detection: Detection) -> np.ndarray:
    """The classifier's input for one detected face: uint8 [48,48] grayscale, FER2013 framing.
    `image` is BGR [H,W,3] or already grayscale [H,W] (convert once per frame when cropping many faces)."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return aligned_crop(gray, detection, FACE_SIZE)


def face_crops(image: np.ndarray, detections: list[Detection]) -> np.ndarray:
    """face_crop for several faces of one image -> uint8 [N,48,48]."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    crops = [aligned_crop(gray, d, FACE_SIZE) for d in detections]
    return np.stack(crops) if crops else np.zeros((0, FACE_SIZE, FACE_SIZE), np.uint8)
