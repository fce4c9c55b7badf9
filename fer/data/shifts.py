"""The shift benchmark's re-renderings: FER2013 faces changed the way real faces differ from FER2013's.

Each shift maps uint8 faces [N,48,48] (FER2013 framing) to uint8 faces of the same shape, and is deterministic:
the few that draw random numbers (sensor noise, the direction of the centre offset) draw them from a generator
seeded by the shift's name, so the same faces always give the same pixels. `render(faces, name)` is the entry
point; SHIFTS lists the names in the benchmark's order ("clean" is the identity).

Where the faces sit in FER2013's frame (the mean face of PrivateTest): eyebrows at ~30% of the height, eyes at
~39%, mouth at ~70-90%, chin at the bottom edge.
"""
from __future__ import annotations

import zlib
from collections.abc import Callable

import cv2
import numpy as np

Shift = Callable[[np.ndarray, np.random.Generator], np.ndarray]

EYE_ROWS, EYE_COLS = (0.29, 0.48), (0.08, 0.92)      # a bar over the eyes, like sunglasses
MOUTH_ROWS, MOUTH_COLS = (0.68, 0.94), (0.27, 0.73)  # a patch over the mouth, like a hand
STUDIO_BOX = (0.25, 1.0, 0.125, 0.875)              # top, bottom, left, right: eyebrows to chin


def _warp(face: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    size = face.shape[::-1]
    return cv2.warpAffine(face, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _each(faces: np.ndarray, fn) -> np.ndarray:
    return np.stack([fn(face) for face in faces]) if len(faces) else faces.copy()


def crop_scale(scale: float, dx: float = 0.0, dy: float = 0.0) -> Shift:
    """The face re-cropped with a box `scale` times FER2013's (< 1: tighter, > 1: looser, the border's pixels
    repeated), its centre moved by (dx, dy) fractions of the face."""
    def shift(faces, rng):
        h, w = faces.shape[-2:]
        cx, cy = (w - 1) / 2 + dx * w, (h - 1) / 2 + dy * h
        # source point = centre + scale * (destination - image centre)
        matrix = cv2.invertAffineTransform(np.float32([[scale, 0, cx - scale * (w - 1) / 2],
                                                       [0, scale, cy - scale * (h - 1) / 2]]))
        return _each(faces, lambda f: _warp(f, matrix))
    return shift


def centre_offset(fraction: float) -> Shift:
    """The crop's centre moved by `fraction` of the face in a direction drawn per face."""
    def shift(faces, rng):
        angles = rng.uniform(0, 2 * np.pi, len(faces))
        return np.stack([crop_scale(1.0, fraction * np.cos(a), fraction * np.sin(a))(f[None], rng)[0]
                         for f, a in zip(faces, angles)]) if len(faces) else faces.copy()
    return shift


def rotation(degrees: float) -> Shift:
    def shift(faces, rng):
        h, w = faces.shape[-2:]
        matrix = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), degrees, 1.0)
        return _each(faces, lambda f: _warp(f, matrix))
    return shift


def low_resolution(pixels: int) -> Shift:
    """A face `pixels` wide (as a detector finds it in a crowd), scaled back up to the classifier's size."""
    def shift(faces, rng):
        h, w = faces.shape[-2:]
        return _each(faces, lambda f: cv2.resize(cv2.resize(f, (pixels, pixels), interpolation=cv2.INTER_AREA),
                                                 (w, h), interpolation=cv2.INTER_LINEAR))
    return shift


def blur(sigma: float) -> Shift:
    return lambda faces, rng: _each(faces, lambda f: cv2.GaussianBlur(f, (0, 0), sigma))


def jpeg(quality: int) -> Shift:
    def once(face):
        ok, encoded = cv2.imencode(".jpg", face, [cv2.IMWRITE_JPEG_QUALITY, quality])
        return cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE)
    return lambda faces, rng: _each(faces, once)


def gamma(value: float) -> Shift:
    table = np.round(255 * (np.arange(256) / 255) ** value).astype(np.uint8)
    return lambda faces, rng: table[faces]


def low_contrast(factor: float) -> Shift:
    """Each face's pixels pulled towards its own mean grey."""
    def shift(faces, rng):
        mean = faces.reshape(len(faces), -1).mean(1).reshape(-1, 1, 1) if len(faces) else 0
        return np.clip(np.round(mean + (faces - mean) * factor), 0, 255).astype(np.uint8)
    return shift


def sensor_noise(sigma: float) -> Shift:
    def shift(faces, rng):
        return np.clip(np.round(faces + rng.normal(0, sigma, faces.shape)), 0, 255).astype(np.uint8)
    return shift


def occlusion(rows, cols, grey: int | None) -> Shift:
    """A flat rectangle (fractions of the face) of one grey; grey None: each face's own mean (a hand's tone)."""
    def shift(faces, rng):
        h, w = faces.shape[-2:]
        out = faces.copy()
        r0, r1, c0, c1 = round(rows[0] * h), round(rows[1] * h), round(cols[0] * w), round(cols[1] * w)
        fill = faces.reshape(len(faces), -1).mean(1).round() if grey is None else np.full(len(faces), grey)
        out[:, r0:r1, c0:c1] = fill.astype(np.uint8).reshape(-1, 1, 1)
        return out
    return shift


def studio_crop(faces, rng):
    """A studio detector's tight box, eyebrows to chin, resized to the classifier's size."""
    h, w = faces.shape[-2:]
    top, bottom, left, right = (round(f * n) for f, n in zip(STUDIO_BOX, (h, h, w, w)))
    return _each(faces, lambda f: cv2.resize(f[top:bottom, left:right], (w, h), interpolation=cv2.INTER_LINEAR))


SHIFTS: dict[str, Shift] = {
    "clean": lambda faces, rng: faces.copy(),
    "crop-0.75": crop_scale(0.75),
    "crop-1.3": crop_scale(1.3),
    "offset-10%": centre_offset(0.10),
    "rotate+20": rotation(20),
    "rotate-20": rotation(-20),
    "lowres-16px": low_resolution(16),
    "lowres-24px": low_resolution(24),
    "blur": blur(1.0),
    "jpeg-15": jpeg(15),
    "gamma-0.5": gamma(0.5),
    "gamma-2.0": gamma(2.0),
    "low-contrast": low_contrast(0.4),
    "noise": sensor_noise(12),
    "eyes-bar": occlusion(EYE_ROWS, EYE_COLS, grey=15),
    "mouth-patch": occlusion(MOUTH_ROWS, MOUTH_COLS, grey=None),
    "studio-crop": studio_crop,
}


def render(faces: np.ndarray, name: str, seed: int = 0) -> np.ndarray:
    """uint8 faces [N,48,48] re-rendered by the shift `name` (deterministic for a given seed)."""
    if name not in SHIFTS:
        raise ValueError(f"unknown shift {name!r}; use one of {', '.join(SHIFTS)}")
    faces = np.asarray(faces)
    if faces.dtype != np.uint8 or faces.ndim != 3:
        raise ValueError(f"shifts take uint8 faces [N,H,W], got {faces.dtype} {list(faces.shape)}")
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    return SHIFTS[name](faces, rng)
