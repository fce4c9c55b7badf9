"""FaceStream: per-frame recognition for a camera or a video, with tracking, smoothing and an FPS counter."""
from __future__ import annotations

import time

import numpy as np

from .align import face_crops
from .detect import clip_box
from .draw import draw_faces, draw_fps
from .results import Detection, Face
from .tracking import FaceTracker

# What live camera views (the webcam page, the bench's stream figure) use: a detection costs a few ms (YuNet
# at reduced size; MTCNN ~20 ms), a tracked frame ~1 ms, and faces move little in a tenth of a second.
LIVE_DETECT_EVERY = 3


class FaceStream:
    """Stateful recognition of consecutive frames of one source (one stream per camera or video).

        stream = FaceStream(fer.Recognizer(), detect_every=2, smoothing=0.6)
        annotated, faces = stream.process_frame(bgr)       # faces carry face_id and smoothed probabilities

    Faces are detected with the recognizer's "stream" detector setting (every use of frames, webcam or
    video, finds the same faces) every `detect_every` frames; in between, the tracked faces move on at their last
    velocity and are classified again where they are predicted to be. `smoothing` (default: the
    recognizer's) is the weight a face's past keeps in its probabilities: p = s * p_past + (1 - s) * p_now.
    """

    def __init__(self, recognizer, detect_every: int = 1, smoothing: float | None = None, show_fps: bool = True,
                 max_missed: int = 5):
        if detect_every < 1:
            raise ValueError(f"detect_every must be at least 1, not {detect_every}")
        smoothing = recognizer.smoothing if smoothing is None else smoothing
        if not 0 <= smoothing < 1:
            raise ValueError(f"smoothing must be in [0, 1), not {smoothing}")
        self.recognizer, self.detect_every, self.show_fps = recognizer, detect_every, show_fps
        self.tracker = FaceTracker(smoothing=smoothing, max_missed=max_missed)
        self.frame_index = -1
        self.fps = 0.0
        self._last_time: float | None = None

    def process_frame(self, bgr: np.ndarray) -> tuple[np.ndarray, list[Face]]:
        """(a copy of the frame with boxes, labels, confidences and FPS drawn on it, the faces in it)."""
        faces = self.recognize_frame(bgr)
        annotated = draw_faces(bgr, faces)
        if self.show_fps:
            draw_fps(annotated, self.fps)
        return annotated, faces

    def recognize_frame(self, bgr: np.ndarray) -> list[Face]:
        """The faces of the next frame (no drawing)."""
        self.frame_index += 1
        if self.frame_index % self.detect_every == 0:
            tracks = self.tracker.update(self.recognizer.detect(bgr, use="stream"))
        else:
            tracks = self.tracker.coast()
        height, width = bgr.shape[:2]
        tracks = [t for t in tracks if min(clip_box(t.detection.box, width, height)[2:]) > 1]  # coasted out of view
        detections = [t.detection for t in tracks]
        probs = self.recognizer.classify(face_crops(bgr, detections))
        labels = self.recognizer.labels
        faces = [Face.from_probabilities(in_frame(t.detection, width, height), self.tracker.smooth(t, p), labels,
                                         face_id=t.id, raw=p) for t, p in zip(tracks, probs)]
        self._tick()
        return faces

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last_time is not None:
            instant = 1.0 / max(now - self._last_time, 1e-6)
            self.fps = instant if self.fps == 0 else 0.9 * self.fps + 0.1 * instant
        self._last_time = now


def in_frame(detection: Detection, width: int, height: int) -> Detection:
    return Detection(clip_box(detection.box, width, height), detection.score, detection.landmarks)
