"""Generated test media for the video page and the compare page (nothing binary is committed): a short clip
of a face moving across the frame, and a zip of labelled face folders."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import cv2
import numpy as np

from . import harness

CLIP_SIZE = (320, 240)
FOURCC = {".avi": "MJPG", ".mp4": "mp4v"}


def face_clip_frames(frames: int = 24, step: int = 4):
    """The astronaut's head (190x200 px) sliding right by `step` px a frame on a grey 320x240 canvas."""
    head = harness.astronaut_bgr()[20:220, 130:320]
    h, w = head.shape[:2]
    for i in range(frames):
        canvas = np.full((CLIP_SIZE[1], CLIP_SIZE[0], 3), 110, np.uint8)
        x = 10 + step * i
        canvas[20:20 + h, x:x + w] = head
        yield canvas


def write_face_clip(path: str | Path, frames: int = 24, fps: float = 8.0) -> Path:
    """The clip as .avi (MJPG) or .mp4 (mp4v), written by OpenCV."""
    path = Path(path)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*FOURCC[path.suffix.lower()]), fps, CLIP_SIZE)
    assert writer.isOpened(), f"OpenCV cannot write {path}"
    for frame in face_clip_frames(frames):
        writer.write(frame)
    writer.release()
    return path


def labelled_zip(images: np.ndarray, labels: np.ndarray, class_names, folder: str = "my_faces") -> bytes:
    """A zip of `<folder>/<class>/<n>.png`, the way zipping a folder of class folders lays it out (no folder:
    `<class>/<n>.png`)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n, (image, label) in enumerate(zip(images, labels)):
            prefix = f"{folder}/" if folder else ""
            archive.writestr(f"{prefix}{class_names[int(label)]}/{n}.png", cv2.imencode(".png", image)[1].tobytes())
    return buffer.getvalue()
