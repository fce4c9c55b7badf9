"""What the pipeline returns: detector output (Detection) and recognised faces (Face), plus a DataFrame view."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..defaults import SMALL_FACE_PX

LANDMARK_NAMES = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")  # left/right as seen in the image


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

    @property
    def small_face(self) -> bool:
        """Under SMALL_FACE_PX in the photo: its emotion is read less reliably (the shift benchmark's low-resolution
        rows, benchmarks/results/shift/)."""
        return min(self.box[2], self.box[3]) < SMALL_FACE_PX

    def to_dict(self) -> dict:
        """A JSON-ready dict (plain ints, floats, lists)."""
        out = {"box": {"x": self.box[0], "y": self.box[1], "w": self.box[2], "h": self.box[3]},
               "score": round(self.score, 4), "label": self.label, "confidence": round(self.confidence, 4),
               "small_face": self.small_face,
               "probabilities": {k: round(v, 4) for k, v in self.probabilities.items()}}
        if self.landmarks is not None:
            out["landmarks"] = {name: [round(float(x), 1), round(float(y), 1)]
                                for name, (x, y) in zip(LANDMARK_NAMES, self.landmarks)}
        if self.face_id is not None:
            out["face_id"] = self.face_id
        if self.raw_probabilities is not None:
            out["raw_probabilities"] = {k: round(v, 4) for k, v in self.raw_probabilities.items()}
        return out


def to_dataframe(results, inputs=None):
    """A pandas DataFrame with one row per face. `results` is a list of Face (one image) or a list of such
    lists (several images; `inputs` names them, default their index)."""
    import pandas as pd

    if results and all(isinstance(r, Face) for r in results):
        results = [results]
    inputs = list(range(len(results))) if inputs is None else list(inputs)
    rows = []
    for name, faces in zip(inputs, results):
        for index, face in enumerate(faces):
            x, y, w, h = face.box
            rows.append({"input": name, "face": index, "face_id": face.face_id, "x": x, "y": y, "w": w, "h": h,
                         "score": face.score, "label": face.label, "confidence": face.confidence,
                         **face.probabilities})
    columns = ["input", "face", "face_id", "x", "y", "w", "h", "score", "label", "confidence"]
    emotions = next((list(face.probabilities) for faces in results for face in faces), [])
    frame = pd.DataFrame(rows, columns=columns + emotions)
    if rows and frame["face_id"].isna().all():
        frame = frame.drop(columns="face_id")
    return frame
