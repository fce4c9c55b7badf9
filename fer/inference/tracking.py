"""Face tracking across frames: stable ids (IoU, then centroid matching), constant-velocity coasting for
frames without detection, and per-track temporal smoothing of the emotion probabilities."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .results import Detection


def iou(a, b) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    inter_w = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    inter_h = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = inter_w * inter_h
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def center(box) -> np.ndarray:
    x, y, w, h = box
    return np.array([x + w / 2, y + h / 2], np.float64)


def smooth(previous: np.ndarray | None, current: np.ndarray, smoothing: float) -> np.ndarray:
    """Exponential moving average: `smoothing` is the weight the past keeps (alpha = 1 - smoothing)."""
    if previous is None:
        return np.asarray(current, np.float64)
    return smoothing * previous + (1 - smoothing) * np.asarray(current, np.float64)


@dataclass
class Track:
    id: int
    detection: Detection            # where the face is now (detected, or coasted since)
    detected_center: np.ndarray     # centre at the last detection
    detected_frame: int
    velocity: np.ndarray            # pixels per frame, from the last two detections
    missed: int = 0                 # detection rounds in a row without this face
    probabilities: np.ndarray | None = None  # smoothed

    def coast(self) -> None:
        self.detection = self.detection.shifted(*self.velocity)


class FaceTracker:
    """Give each face a stable id across frames.

    update(detections) on frames with detection: each detection is matched to an existing track by IoU
    (>= iou_threshold), failing that by centroid distance (< max_distance x the track's box size, for fast
    moves); unmatched detections start new tracks; tracks unmatched for more than `max_missed` detection
    rounds are dropped. coast() on frames without detection moves the visible tracks by their velocity.
    """

    def __init__(self, iou_threshold: float = 0.3, max_distance: float = 0.75, max_missed: int = 5,
                 smoothing: float = 0.6):
        self.iou_threshold, self.max_distance, self.max_missed = iou_threshold, max_distance, max_missed
        self.smoothing = smoothing
        self.tracks: list[Track] = []
        self.frame = -1
        self._next_id = 1

    def update(self, detections: list[Detection]) -> list[Track]:
        """Tracks for this frame's detections, in the same order."""
        self.frame += 1
        pairs = self._match(detections)
        matched_ids = {t.id for t in pairs.values()}
        for track in self.tracks:
            if track.id not in matched_ids:
                track.missed += 1
        self.tracks = [t for t in self.tracks if t.missed <= self.max_missed]
        out = []
        for index, detection in enumerate(detections):
            track = pairs.get(index)
            if track is None:
                track = self._new_track(detection)
            else:
                self._move(track, detection)
            out.append(track)
        return out

    def coast(self) -> list[Track]:
        """The tracks seen at the last detection, moved on by one frame of their velocity."""
        self.frame += 1
        visible = [t for t in self.tracks if t.missed == 0]
        for track in visible:
            track.coast()
        return visible

    def smooth(self, track: Track, probabilities: np.ndarray) -> np.ndarray:
        track.probabilities = smooth(track.probabilities, probabilities, self.smoothing)
        return track.probabilities

    def _match(self, detections: list[Detection]) -> dict[int, Track]:
        candidates = []
        for i, d in enumerate(detections):
            for t in self.tracks:
                overlap = iou(d.box, t.detection.box)
                size = max(t.detection.box[2], t.detection.box[3], 1)
                distance = np.hypot(*(center(d.box) - center(t.detection.box))) / size
                if overlap >= self.iou_threshold or distance < self.max_distance:
                    candidates.append((-overlap, distance, i, t))
        pairs: dict[int, Track] = {}
        used: set[int] = set()
        for _, _, i, t in sorted(candidates, key=lambda c: (c[0], c[1])):  # best overlap first, then nearest
            if i not in pairs and t.id not in used:
                pairs[i] = t
                used.add(t.id)
        return pairs

    def _new_track(self, detection: Detection) -> Track:
        track = Track(self._next_id, detection, center(detection.box), self.frame, np.zeros(2))
        self._next_id += 1
        self.tracks.append(track)
        return track

    def _move(self, track: Track, detection: Detection) -> None:
        now = center(detection.box)
        frames = max(1, self.frame - track.detected_frame)
        track.velocity = (now - track.detected_center) / frames
        track.detection, track.detected_center, track.detected_frame, track.missed = detection, now, self.frame, 0
