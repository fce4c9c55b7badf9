"""What the pipeline returns: detector output (Detection) and recognised faces (Face), plus a DataFrame view
(the face rows of fer.inference.rows)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .rows import LANDMARK_NAMES, face_row, face_rows, face_table


@dataclass
class Detection:
    """A face found by a detector: box (x, y, w, h) in pixels, a score, and 5 landmarks [5,2] (x, y) or None."""

    box: tuple[int, int, int, int]
    score: float
    landmarks: np.ndarray | None = None

    def __post_init__(self):
        self.box = tuple(int(round(v)) for v in self.box)
        self.score = float(self.score)
        if self.landmarks is not None:
            self.landmarks = np.asarray(self.landmarks, np.float32).reshape(len(LANDMARK_NAMES), 2)

    def scaled(self, factor: float) -> Detection:
        """The same detection in an image resized by `factor`."""
        marks = None if self.landmarks is None else self.landmarks * factor
        return Detection(tuple(v * factor for v in self.box), self.score, marks)

    def shifted(self, dx: float, dy: float) -> Detection:
        x, y, w, h = self.box
        marks = None if self.landmarks is None else self.landmarks + np.float32([dx, dy])
        return Detection((x + dx, y + dy, w, h), self.score, marks)


@dataclass
class Face:
    """A recognised face. `probabilities` maps each emotion to its probability (smoothed over time in
    streams and videos, where `raw_probabilities` keeps this frame's own values and `face_id` the track)."""

    box: tuple[int, int, int, int]
    score: float
    label: str
    confidence: float
    probabilities: dict[str, float]
    landmarks: np.ndarray | None = None
    face_id: int | None = None
    raw_probabilities: dict[str, float] | None = field(default=None, repr=False)

    @classmethod
    def from_probabilities(cls, detection: Detection, probs: np.ndarray, labels, face_id=None, raw=None) -> Face:
        best = int(np.argmax(probs))
        as_dict = lambda p: {name: float(v) for name, v in zip(labels, p)}  # noqa: E731
        return cls(detection.box, detection.score, labels[best], float(probs[best]), as_dict(probs),
                   detection.landmarks, face_id, None if raw is None else as_dict(raw))

    def to_dict(self, number: int = 1, **where) -> dict:
        """The face's row (fer.inference.rows.face_row: JSON-ready, the columns of every face table)."""
        return face_row(self, number, **where)


def to_dataframe(results, inputs=None, model: str | None = None, detector: str | None = None):
    """The face rows (fer.inference.rows) of photos as a DataFrame, one row per face. `results` is a list of
    Face (one photo) or a list of such lists (several; `inputs` names them, default their index)."""
    if results and all(isinstance(r, Face) for r in results):
        results = [results]
    inputs = list(range(len(results))) if inputs is None else list(inputs)
    return face_table([row for name, faces in zip(inputs, results)
                       for row in face_rows(faces, source=name, model=model, detector=detector)])
