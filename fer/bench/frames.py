"""The bench's test frames: 640x480, scikit-image's astronaut head pasted once or five times on a grey canvas
(the frames `python -m fer bench` times, and the one PyPI's fer is timed on beside this package)."""
from __future__ import annotations

import cv2
import numpy as np

FRAME_SIZE = (640, 480)  # width, height
HEAD_BOX = (20, 220, 130, 320)  # rows, columns of the astronaut's head (face ~90 px) in skimage's picture
ONE_FACE_SPOT = [(225, 140)]
FIVE_FACE_SPOTS = [(10, 20), (225, 20), (440, 20), (117, 260), (332, 260)]


def astronaut_head() -> np.ndarray:
    import skimage.data

    top, bottom, left, right = HEAD_BOX
    return cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)[top:bottom, left:right]


def bench_frame(n_faces: int) -> np.ndarray:
    """A 640x480 BGR frame with the astronaut's head pasted once (n_faces=1) or five times (n_faces=5)."""
    spots = {1: ONE_FACE_SPOT, 5: FIVE_FACE_SPOTS}.get(n_faces)
    if spots is None:
        raise ValueError(f"test frames have 1 or 5 faces, not {n_faces}")
    width, height = FRAME_SIZE
    frame = np.full((height, width, 3), 128, np.uint8)
    head = astronaut_head()
    h, w = head.shape[:2]
    for x, y in spots:
        frame[y:y + h, x:x + w] = head
    return frame
