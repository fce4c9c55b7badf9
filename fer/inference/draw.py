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


LABEL_SCALE_PER_PX = 1 / 900  # font scale per pixel of the image's longer side: the same size on screen
MIN_LABEL_SCALE = 0.4


def label_scale(shape) -> float:
    """The labels' font scale for an image: proportional to its longer side, so that a label reads the same
    once the image is shown at a screen's width (not tiny on a large portrait)."""
    return max(MIN_LABEL_SCALE, max(shape[:2]) * LABEL_SCALE_PER_PX)


def _thickness(scale: float) -> int:
    return max(1, int(round(scale * 2)))


def label_size(text: str, scale: float) -> tuple[int, int]:
    """Width and height in pixels of a label's filled box."""
    (w, h), baseline = cv2.getTextSize(text, FONT, scale, _thickness(scale))
    return w + 4, h + baseline + 4


def _overlap(a, b) -> int:
    """Overlapping area of two (x, y, w, h) rectangles."""
    dx = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    dy = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(dx, 0) * max(dy, 0)


def _candidates(box, size, shape):
    """Where a face's label may go (top-left corners), in order of preference: above the box, below it, inside
    its top, then further above or below; each moved inside the image."""
    x, y, w, h = box
    lw, lh = size
    spots = [(x, y - lh), (x, y + h), (x, y), (x + w - lw, y - lh), (x + w - lw, y + h), (x - lw, y), (x + w, y)]
    spots += [(x, y - lh * k) for k in range(2, 5)] + [(x, y + h + lh * (k - 1)) for k in range(2, 5)]
    height, width = shape[:2]
    return [(int(np.clip(sx, 0, max(0, width - lw))), int(np.clip(sy, 0, max(0, height - lh)))) for sx, sy in spots]


def place_labels(boxes, sizes, shape) -> list[tuple[int, int, int, int]]:
    """A rectangle (x, y, w, h) for each face's label, next to its box, overlapping no other label where the
    candidates allow it (then the least), and covering other faces as little as possible. Faces are placed
    from the top of the image down."""
    placed: dict[int, tuple] = {}
    for i in sorted(range(len(boxes)), key=lambda k: (boxes[k][1], boxes[k][0])):
        lw, lh = sizes[i]
        def cost(spot):
            rect = (*spot, lw, lh)
            on_labels = sum(_overlap(rect, other) for other in placed.values())
            on_faces = sum(_overlap(rect, tuple(box)) for k, box in enumerate(boxes) if k != i)
            return on_labels, on_faces
        best = min(_candidates(boxes[i], sizes[i], shape), key=cost)  # min keeps the first of equal costs
        placed[i] = (*best, lw, lh)
    return [placed[i] for i in range(len(boxes))]


def draw_label_box(image: np.ndarray, text: str, rect, color, scale: float) -> None:
    """Text on a filled box `rect` (x, y, w, h, from label_size)."""
    x, y, w, h = rect
    cv2.rectangle(image, (x, y), (x + w, y + h), color, cv2.FILLED)
    baseline = cv2.getTextSize(text, FONT, scale, _thickness(scale))[1]
    text_color = (0, 0, 0) if sum(color) > 380 else (255, 255, 255)
    cv2.putText(image, text, (x + 2, y + h - baseline - 2), FONT, scale, text_color, _thickness(scale), cv2.LINE_AA)


def draw_label(image: np.ndarray, text: str, origin: tuple[int, int], color, scale: float) -> None:
    """Text on a filled box whose bottom-left corner is `origin` (moved inside the image when needed)."""
    w, h = label_size(text, scale)
    x = int(np.clip(origin[0], 0, max(0, image.shape[1] - w)))
    y = int(np.clip(origin[1] - h, 0, max(0, image.shape[0] - h)))
    draw_label_box(image, text, (x, y, w, h), color, scale)


def draw_faces(bgr: np.ndarray, faces: list[Face], landmarks: bool = False, numbered: bool = False,
               numbers_only: bool = False) -> np.ndarray:
    """A copy of `bgr` with each face's box and "#id label 87%" caption drawn on it, the captions sized to the
    image and placed so that no two overlap. `numbered`: faces are numbered 1, 2, ... in the caption;
    `numbers_only`: the caption is only that number, no wider than its face (for photos of many faces)."""
    out = np.ascontiguousarray(bgr).copy()
    if out.ndim == 2:
        out = cv2.cvtColor(out, cv2.COLOR_GRAY2BGR)
    scale = label_scale(out.shape)
    captions = [face_caption(face, number if numbered or numbers_only else None, short=numbers_only)
                for number, face in enumerate(faces, 1)]
    scales = [max(0.35, min(scale, face.box[2] / 50)) if numbers_only else scale for face in faces]
    rects = place_labels([face.box for face in faces], [label_size(c, k) for c, k in zip(captions, scales)],
                         out.shape)
    for face in faces:
        x, y, w, h = face.box
        color = EMOTION_COLORS.get(face.label, (0, 255, 0))
        cv2.rectangle(out, (x, y), (x + w, y + h), color, max(2 if not numbers_only else 1, int(round(scale * 3))))
        if landmarks and face.landmarks is not None:
            for px, py in face.landmarks:
                cv2.circle(out, (int(px), int(py)), max(2, int(scale * 3)), color, cv2.FILLED)
    for face, caption, rect, k in zip(faces, captions, rects, scales):  # labels last: no box drawn over one
        draw_label_box(out, caption, rect, EMOTION_COLORS.get(face.label, (0, 255, 0)), k)
    return out


def draw_fps(bgr: np.ndarray, fps: float) -> np.ndarray:
    """Draw "NN.N FPS" in the top-left corner, in place; returns the image."""
    scale = max(0.5, min(1.2, max(bgr.shape[:2]) / 1000))
    draw_label(bgr, f"{fps:.1f} FPS", (4, 4), (30, 30, 30), scale)
    return bgr
