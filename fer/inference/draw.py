"""Drawing faces (box, label, confidence, track id) and an FPS counter on BGR images."""
from __future__ import annotations

import cv2
import numpy as np

from ..labels import EMOTION_HEX
from .results import Face


def _bgr(hex_color: str) -> tuple[int, int, int]:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return b, g, r


EMOTION_COLORS = {label: _bgr(color) for label, color in EMOTION_HEX.items()}  # BGR, for OpenCV
FONT = cv2.FONT_HERSHEY_SIMPLEX


def emotion_hex(label: str) -> str:
    """The emotion's colour on annotated images, as #rrggbb for charts."""
    return EMOTION_HEX.get(label, "#00ff00")


def face_caption(face: Face, number: int | None = None, short: bool = False) -> str:
    """"#2 happy 87%" (a tracked face), "3 happy 87%" (face number 3 of a photo), or only the number (`short`)."""
    prefix = f"#{face.face_id}" if face.face_id is not None else ("" if number is None else str(number))
    if short and prefix:
        return prefix
    return f"{prefix} {face.label} {face.confidence:.0%}".strip()


def draw_label(image: np.ndarray, text: str, origin: tuple[int, int], color, scale: float) -> None:
    """Text on a filled box whose bottom-left corner is `origin` (moved inside the image when needed)."""
    thickness = max(1, int(round(scale * 2)))
    (w, h), baseline = cv2.getTextSize(text, FONT, scale, thickness)
    x = int(np.clip(origin[0], 0, max(0, image.shape[1] - w - 4)))
    y = int(np.clip(origin[1], h + baseline + 4, image.shape[0]))
    cv2.rectangle(image, (x, y - h - baseline - 4), (x + w + 4, y), color, cv2.FILLED)
    text_color = (0, 0, 0) if sum(color) > 380 else (255, 255, 255)
    cv2.putText(image, text, (x + 2, y - baseline - 2), FONT, scale, text_color, thickness, cv2.LINE_AA)


def draw_faces(bgr: np.ndarray, faces: list[Face], landmarks: bool = False, numbered: bool = False,
               numbers_only: bool = False) -> np.ndarray:
    """A copy of `bgr` with each face's box and "#id label 87%" caption drawn on it. `numbered`: faces are
    numbered 1, 2, ... in the caption; `numbers_only`: the caption is only that number, small (for photos of
    many faces, whose long captions would overlap)."""
    out = np.ascontiguousarray(bgr).copy()
    if out.ndim == 2:
        out = cv2.cvtColor(out, cv2.COLOR_GRAY2BGR)
    scale = max(0.4, min(1.2, max(out.shape[:2]) / 1000))
    for number, face in enumerate(faces, 1):
        x, y, w, h = face.box
        color = EMOTION_COLORS.get(face.label, (0, 255, 0))
        cv2.rectangle(out, (x, y), (x + w, y + h), color, max(2 if not numbers_only else 1, int(round(scale * 3))))
        caption = face_caption(face, number if numbered or numbers_only else None, short=numbers_only)
        draw_label(out, caption, (x, y), color, max(0.35, min(scale, w / 50)) if numbers_only else scale)
        if landmarks and face.landmarks is not None:
            for px, py in face.landmarks:
                cv2.circle(out, (int(px), int(py)), max(2, int(scale * 3)), color, cv2.FILLED)
    return out


def draw_fps(bgr: np.ndarray, fps: float) -> np.ndarray:
    """Draw "NN.N FPS" in the top-left corner, in place; returns the image."""
    scale = max(0.5, min(1.2, max(bgr.shape[:2]) / 1000))
    draw_label(bgr, f"{fps:.1f} FPS", (4, 4), (30, 30, 30), scale)
    return bgr
