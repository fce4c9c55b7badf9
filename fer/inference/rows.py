"""The face row: one schema for every table of faces, so that the same face gives the same columns and values
in each of them: the image and video CSVs and the JSON of `python -m fer predict`, the Parquet store of
`python -m fer analyze` (fer.read_results), the app's tables and downloads, fer.inference.to_dataframe.

    face_row(face, number, source="a.jpg", kind="photo", model=..., detector=...)  # one face -> one dict
    face_table(rows)                                                                 # dicts -> typed DataFrame

docs/face-rows.md is this schema as a table, written by markdown() (the command is in that file).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass

from ..labels import EMOTIONS

KINDS = ("photo", "video")
LANDMARK_NAMES = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")  # left/right as seen in the image
LANDMARK_AXES = [(mark, axis) for mark in LANDMARK_NAMES for axis in "xy"]  # a Detection's landmarks, flattened


@dataclass(frozen=True)
class Column:
    """One column: its name, its type (as stored in Parquet), what it holds, and the decimals kept."""

    name: str
    type: str  # string | int32 | int64 | float32 | float64
    meaning: str
    decimals: int | None = None


COLUMNS: tuple[Column, ...] = (
    Column("source", "string", "the photo or video: its path as given, or the uploaded file's name"),
    Column("kind", "string", "`photo` or `video`"),
    Column("frame", "int64", "videos: the frame's number from 0; empty for a photo"),
    Column("time_s", "float64", "videos: the frame's time in seconds; empty for a photo", 4),
    Column("face", "int32", "the face's number in its photo or frame, from 1 (as drawn on an annotated photo)"),
    Column("face_id", "int64", "videos: the tracked face, the same in every frame it is followed; empty for a photo"),
    *(Column(side, "int32", f"the face's box in pixels: {meaning}") for side, meaning in
      (("x", "left"), ("y", "top"), ("w", "width"), ("h", "height"))),
    Column("score", "float32", "the detector's score", 4),
    Column("label", "string", "the emotion with the highest probability"),
    Column("confidence", "float32", "the label's probability", 5),
    *(Column(e, "float32", f"probability of {e} (in a video smoothed over the track's past frames)", 5)
      for e in EMOTIONS),
    *(Column(f"raw_{e}", "float32", f"probability of {e} from this photo or frame alone", 5) for e in EMOTIONS),
    *(Column(f"{mark}_{axis}", "float32", f"landmark {mark.replace('_', ' ')}, {axis} in pixels; empty without "
             "landmarks (the Haar detector)", 1) for mark, axis in LANDMARK_AXES),
    Column("model", "string", "the model version that labelled the face"),
    Column("detector", "string", "the detector setting, e.g. `yunet min_face=20px fraction=0.01`; videos add "
           "`every=N` (detection every N frames, tracking between)"),
)
NAMES: list[str] = [c.name for c in COLUMNS]
_DECIMALS = {c.name: c.decimals for c in COLUMNS if c.decimals is not None}
_PANDAS_TYPES = {"string": "object", "int32": "Int32", "int64": "Int64", "float32": "float32", "float64": "float64"}


def _round(name: str, value):
    return None if value is None else round(float(value), _DECIMALS[name])


def face_row(face, number: int, source: str | None = None, kind: str = "photo", frame: int | None = None,
             time_s: float | None = None, model: str | None = None, detector: str | None = None) -> dict:
    """One face (fer.inference.Face) as a row: a dict with NAMES as keys, in order, plain Python values (None
    where a field does not apply). `number`: the face's place in its photo or frame, from 1."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    raw = face.raw_probabilities or face.probabilities
    marks = [None] * len(LANDMARK_AXES) if face.landmarks is None else face.landmarks.reshape(-1).tolist()
    values = {"source": None if source is None else str(source), "kind": kind,
              "frame": None if frame is None else int(frame), "time_s": time_s, "face": int(number),
              "face_id": None if face.face_id is None else int(face.face_id),
              **dict(zip("xywh", map(int, face.box))), "score": face.score, "label": face.label,
              "confidence": face.confidence, **{e: face.probabilities[e] for e in EMOTIONS},
              **{f"raw_{e}": raw[e] for e in EMOTIONS},
              **{f"{mark}_{axis}": value for (mark, axis), value in zip(LANDMARK_AXES, marks)},
              "model": model, "detector": detector}
    return {name: _round(name, values[name]) if name in _DECIMALS else values[name] for name in NAMES}


def face_rows(faces, **where) -> list[dict]:
    """The rows of one photo's or frame's faces, numbered from 1 in their order (face_row's keywords)."""
    return [face_row(face, number, **where) for number, face in enumerate(faces, 1)]


def face_table(rows, columns: list[str] | None = None):
    """Rows (dicts, or a DataFrame such as a face CSV read back) as a DataFrame with the schema's columns in
    order and their types (empty fields: None, <NA>, NaN); `columns`: only these."""
    import pandas as pd

    table = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows), columns=NAMES)
    missing = [name for name in (columns or NAMES) if name not in table.columns]
    if missing:
        raise ValueError(f"not a table of face rows: no column {', '.join(missing)}")
    table = table[columns or NAMES]
    types = {c.name: _PANDAS_TYPES[c.type] for c in COLUMNS if c.name in table.columns}
    table = table.astype(types)
    for name in table.columns:
        if types[name] == "object":
            table[name] = table[name].where(table[name].notna(), None)
    return table


def read_face_csv(path):
    """A face CSV (predict --csv, the app's downloads) as a typed DataFrame (face_table)."""
    import pandas as pd

    text = {c.name: "string" for c in COLUMNS if c.type == "string"}
    table = pd.read_csv(path, dtype=text, keep_default_na=False, na_values={c.name: [""] for c in COLUMNS})
    try:
        return face_table(table)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None


class FaceCsv:
    """A CSV file of face rows: the header, then one line per row (empty fields where a value does not apply)."""

    def __init__(self, path):
        self.file = open(path, "w", newline="")
        self.writer = csv.DictWriter(self.file, NAMES)
        self.writer.writeheader()

    def write(self, rows) -> None:
        self.writer.writerows(rows)

    def close(self) -> None:
        self.file.close()


def detector_text(setting, detect_every: int | None = None) -> str:
    """The detector column: "yunet min_face=20px fraction=0.01" (photos), "yunet min_face=48px every=1" (videos),
    from a DetectorSettings ("custom" for a detector object given by the caller)."""
    if setting is None:
        return "custom"
    text = f"{setting.detector} min_face={setting.min_face_size}px"
    if setting.min_face_fraction:
        text += f" fraction={setting.min_face_fraction:g}"
    if setting.score_threshold is not None:
        text += f" score>={setting.score_threshold:g}"
    return text if detect_every is None else f"{text} every={detect_every}"


def made_by(recognizer, detect_every: int | None = None) -> dict:
    """The model and detector fields of the rows a recognizer makes: of photos, or of videos (`detect_every`
    given: the stream setting)."""
    use = "photo" if detect_every is None else "stream"
    return {"model": recognizer.version, "detector": detector_text(recognizer.detector_setting(use), detect_every)}


def markdown() -> str:
    """docs/face-rows.md: the schema as a Markdown table."""
    lines = ["# Face rows", "",
             "Every table of faces has these columns, in this order: the CSVs and the JSON of `python -m fer predict`,",
             "the Parquet store of `python -m fer analyze` (`fer.read_results`), the app's tables and downloads,",
             "`fer.inference.to_dataframe`. A field that does not apply is empty (`null` in JSON and Parquet).",
             "Generated from `COLUMNS` in `fer/inference/rows.py` by", "",
             "    python -c \"from fer.inference.rows import markdown; print(markdown(), end='')\" > docs/face-rows.md",
             "",
             "| column | type | decimals | meaning |", "|---|---|---|---|"]
    lines += [f"| `{c.name}` | {c.type} | {'' if c.decimals is None else c.decimals} | {c.meaning} |" for c in COLUMNS]
    return "\n".join(lines) + "\n"

