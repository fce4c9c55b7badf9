"""The video page's logic (no Streamlit here): an uploaded clip through `fer.inference.process_video` (the
code behind `python -m fer predict video.mp4`), frame by frame, into a per-frame CSV, a browser-playable
annotated copy, compact per-face timelines and a summary per person; frames read back by index for the
scrubber.

Memory stays flat in the length of the video: frames are read, recognised and written one at a time; what is
kept is, per tracked face and frame, its box, landmarks and 14 probabilities (float32 arrays, ~120 bytes).
"""
from __future__ import annotations

import shutil
import weakref
from array import array
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from ..inference import VideoError, process_video
from ..inference.results import Detection, Face
from ..inference.rows import read_face_csv
from ..inference.summary import person_summary
from .settings import MAX_UPLOAD_MB
from .tempfiles import new_temp_dir

PERSON_PICTURE = 64  # px, a person's face in the per-person table

MAX_VIDEO_MB = MAX_UPLOAD_MB  # the server's limit (server.maxUploadSize), which also caps a widget's own limit
VIDEO_TYPES = ("mp4", "mov", "webm", "avi")
LANDMARK_VALUES = 10


@dataclass(frozen=True)
class AnnotatedFormat:
    suffix: str
    mime: str
    label: str


def annotated_format() -> AnnotatedFormat:
    """What the annotated copy is written as, always something browsers play: H.264 in .mp4 where PyAV has
    libx264 (its wheels do), else VP9 in .webm (PyAV's libvpx), else (no PyAV) VP8 in .webm written by OpenCV
    (fer.inference.video.video_writer picks the writer from the suffix)."""
    try:
        import av

        available = av.codecs_available
    except ImportError:
        available = set()
    if "libx264" in available:
        return AnnotatedFormat(".mp4", "video/mp4", "MP4, H.264")
    if "libvpx-vp9" in available:
        return AnnotatedFormat(".webm", "video/webm", "WebM, VP9")
    return AnnotatedFormat(".webm", "video/webm", "WebM, VP8")


class _TrackColumns:
    """One face's per-frame values in compact typed arrays (appended frame by frame)."""

    def __init__(self):
        self.frames = array("i")
        self.probabilities = array("f")   # smoothed (what labels the face), 7 per frame
        self.raw = array("f")             # the frame's own, 7 per frame
        self.boxes = array("i")           # x, y, w, h
        self.scores = array("f")
        self.landmarks = array("f")       # 10 per frame, NaN without landmarks

    def add(self, index: int, face: Face) -> None:
        self.frames.append(index)
        self.probabilities.extend(face.probabilities.values())
        self.raw.extend((face.raw_probabilities or face.probabilities).values())
        self.boxes.extend(face.box)
        self.scores.append(face.score)
        marks = face.landmarks
        self.landmarks.extend(np.full(LANDMARK_VALUES, np.nan) if marks is None else np.asarray(marks).reshape(-1))


@dataclass
class FaceTrack:
    """One tracked face over the video: the frames it is in and, per frame, its smoothed probabilities [n,7]
    (the label is their argmax), the frame's own probabilities, its box, detector score and landmarks."""

    face_id: int
    frames: np.ndarray
    probabilities: np.ndarray
    raw: np.ndarray
    boxes: np.ndarray
    scores: np.ndarray
    landmarks: np.ndarray

    @classmethod
    def from_columns(cls, face_id: int, columns: _TrackColumns, n_labels: int) -> FaceTrack:
        n = len(columns.frames)
        return cls(face_id, np.asarray(columns.frames, np.int64),
                   np.asarray(columns.probabilities, np.float32).reshape(n, n_labels),
                   np.asarray(columns.raw, np.float32).reshape(n, n_labels),
                   np.asarray(columns.boxes, np.int64).reshape(n, 4), np.asarray(columns.scores, np.float32),
                   np.asarray(columns.landmarks, np.float32).reshape(n, LANDMARK_VALUES // 2, 2))

    def __len__(self) -> int:
        return len(self.frames)


class TimelineCollector:
    """process_video's on_frame callback: collects every face's values per track, reports progress."""

    def __init__(self, labels, on_progress=None):
        self.labels, self.on_progress = list(labels), on_progress
        self.columns: dict[int, _TrackColumns] = {}
        self.frames = 0

    def __call__(self, index: int, total: int | None, faces: list[Face]) -> None:
        for face in faces:
            self.columns.setdefault(face.face_id, _TrackColumns()).add(index, face)
        self.frames = index + 1
        if self.on_progress is not None:
            self.on_progress(index + 1, total)

    def tracks(self) -> dict[int, FaceTrack]:
        return {face_id: FaceTrack.from_columns(face_id, c, len(self.labels)) for face_id, c in self.columns.items()}


@dataclass
class VideoAnalysis:
    """One analysed clip: its files (the saved upload, the per-frame CSV, the annotated video) in `workdir`,
    which is deleted with this object; or the reason it could not be analysed (`error`)."""

    name: str
    workdir: Path | None = None
    source: Path | None = None
    csv_path: Path | None = None
    annotated_path: Path | None = None
    fps: float = 0.0
    frames: int = 0
    labels: list[str] = field(default_factory=list)
    tracks: dict[int, FaceTrack] = field(default_factory=dict)
    summary: dict = field(default_factory=dict)
    error: str | None = None
    output: AnnotatedFormat | None = None

    def __post_init__(self):
        if self.workdir is not None:
            weakref.finalize(self, shutil.rmtree, str(self.workdir), True)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def duration_s(self) -> float:
        return self.frames / self.fps if self.fps else 0.0

    def tracks_by_length(self) -> list[FaceTrack]:
        return sorted(self.tracks.values(), key=lambda t: (-len(t), t.face_id))

    def faces_at(self, frame: int) -> list[Face]:
        """The faces of one frame as recognised then (smoothed probabilities, box, landmarks, track id)."""
        faces = []
        for track in self.tracks_by_length():
            hit = np.flatnonzero(track.frames == frame)
            if not len(hit):
                continue
            i = int(hit[0])
            marks = None if np.isnan(track.landmarks[i]).any() else track.landmarks[i]
            face = Face.from_probabilities(Detection(tuple(track.boxes[i]), float(track.scores[i]), marks),
                                           track.probabilities[i], self.labels, face_id=track.face_id,
                                           raw=track.raw[i])
            faces.append(face)
        return sorted(faces, key=lambda f: f.face_id)

    @cached_property
    def people(self) -> pd.DataFrame:
        """One row per tracked person (fer.inference.summary.person_summary over the per-frame CSV)."""
        return person_summary(read_face_csv(self.csv_path), fps=self.fps)

    def person_pictures(self, size: int = PERSON_PICTURE) -> dict[int, np.ndarray]:
        """Each tracked person's face (RGB, `size` px square), from the frame where the detector was surest."""
        from .recognition import face_thumbnail

        pictures = {}
        for track in self.tracks.values():
            best = int(np.argmax(track.scores))
            frame = read_frame(self.source, int(track.frames[best]), rgb=False)
            if frame is not None:
                pictures[track.face_id] = face_thumbnail(frame, tuple(int(v) for v in track.boxes[best]), size)
        return pictures

    def people_csv(self) -> str:
        return self.people.to_csv(index=False, float_format="%.4g")

    def people_name(self) -> str:
        return f"{Path(self.name).stem}_people.csv"

    def csv_bytes(self) -> bytes:
        return self.csv_path.read_bytes()

    def annotated_bytes(self) -> bytes:
        return self.annotated_path.read_bytes()

    def annotated_name(self) -> str:
        return f"{Path(self.name).stem}_annotated{self.annotated_path.suffix}"

    def csv_name(self) -> str:
        return f"{Path(self.name).stem}_faces.csv"


def check_video_name(name: str) -> str:
    """The file's extension, or VideoError saying which types the page takes."""
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix not in VIDEO_TYPES:
        raise VideoError(f"{name}: not a supported video type (use {', '.join(VIDEO_TYPES)})")
    return suffix


def analyse_video(recognizer, name: str, upload, detect_every: int = 1, on_progress=None,
                  workdir: str | Path | None = None) -> VideoAnalysis:
    """Recognise the faces of every frame of an uploaded video (`upload`: bytes, a file object or a path).
    Never raises for a bad file: the result's `error` says what is wrong with it."""
    try:
        suffix = check_video_name(name)
    except VideoError as e:
        return VideoAnalysis(name, error=str(e))
    workdir = Path(workdir or new_temp_dir("fer-video-"))  # under fer-app-<pid>: cleaned if the server is killed
    source = workdir / f"upload.{suffix}"
    if isinstance(upload, (bytes, bytearray, memoryview)):
        source.write_bytes(upload)
    elif isinstance(upload, (str, Path)):
        shutil.copyfile(upload, source)
    else:
        upload.seek(0)
        with open(source, "wb") as f:
            shutil.copyfileobj(upload, f, 1 << 20)
    output = annotated_format()
    csv_path, annotated_path = workdir / "clip_faces.csv", workdir / f"clip_annotated{output.suffix}"
    collector = TimelineCollector(recognizer.labels, on_progress)
    try:
        summary = process_video(recognizer, source, csv_path=csv_path, annotated_path=annotated_path,
                                detect_every=detect_every, progress=False, on_frame=collector, source=name)
    except VideoError as e:
        shutil.rmtree(workdir, ignore_errors=True)
        return VideoAnalysis(name, error=str(e).replace(str(source), name))
    except Exception as e:  # a decoder error mid-file, ...: the message, not a traceback, on the page
        shutil.rmtree(workdir, ignore_errors=True)
        return VideoAnalysis(name, error=f"{name}: could not be processed ({type(e).__name__}: {e})")
    return VideoAnalysis(name, workdir, source, csv_path, annotated_path, summary["video_fps"], summary["frames"],
                         list(recognizer.labels), collector.tracks(), summary, output=output)


def read_frame(path: str | Path, index: int, rgb: bool = True) -> np.ndarray | None:
    """Frame `index` of a video file (RGB by default), or None when it cannot be read."""
    capture = cv2.VideoCapture(str(path))
    try:
        if index > 0:
            capture.set(cv2.CAP_PROP_POS_FRAMES, index)
        ok, frame = capture.read()
    finally:
        capture.release()
    if not ok:
        return None
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) if rgb else frame


def timeline_points(track: FaceTrack, fps: float, max_points: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """(times in seconds, smoothed probabilities) of a track, thinned to at most `max_points` for plotting."""
    step = max(1, int(np.ceil(len(track) / max_points)))
    return track.frames[::step] / (fps or 1.0), track.probabilities[::step]


def track_summary(track: FaceTrack, labels, fps: float) -> str:
    """"face #2: 12.3 s on screen, mostly happy (64% of its frames)"."""
    counts = np.bincount(track.probabilities.argmax(1), minlength=len(labels))
    top = int(counts.argmax())
    return (f"face #{track.face_id}: {len(track) / (fps or 1.0):.1f} s on screen ({len(track)} frames), "
            f"mostly {labels[top]} ({counts[top] / max(len(track), 1):.0%} of its frames)")
