"""Videos, frame by frame (never all frames in memory): faces tracked and smoothed by a FaceStream, one CSV
row per face per frame (fer.inference.rows), optionally an annotated copy of the video."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from .rows import FaceCsv, face_rows, face_table, made_by
from .stream import FaceStream

VIDEO_EXTENSIONS = (".mp4", ".avi", ".mov", ".mkv", ".webm")
FOURCC = {".avi": "MJPG", ".webm": "VP80"}  # anything else: mp4v, which opencv-python-headless writes
# Browsers play H.264 in .mp4/.mov and VP9 in .webm; opencv-python-headless writes neither quickly (no H.264
# encoder, VP9 at ~50 ms a 640x480 frame), PyAV's wheel (a streamlit-webrtc dependency) has both encoders.
BROWSER_CODECS = {".mp4": "libx264", ".mov": "libx264", ".m4v": "libx264", ".mkv": "libx264", ".webm": "libvpx-vp9"}
FALLBACK_FPS = 30.0


class VideoError(ValueError):
    """A video that cannot be opened or read, or an annotated output that cannot be written."""


def is_video(path) -> bool:
    return Path(str(path)).suffix.lower() in VIDEO_EXTENSIONS


def open_video(path) -> cv2.VideoCapture:
    path = Path(path)
    if not path.is_file():
        raise VideoError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise VideoError(f"{path}: cannot open the video (unsupported format or corrupt file)")
    return capture


def video_fps(capture: cv2.VideoCapture) -> float:
    fps = capture.get(cv2.CAP_PROP_FPS)
    return float(fps) if fps and np.isfinite(fps) and fps > 0 else FALLBACK_FPS


def iter_frames(capture: cv2.VideoCapture) -> Iterator[np.ndarray]:
    """The BGR frames of an open video, one at a time."""
    while True:
        ok, frame = capture.read()
        if not ok:
            return
        yield frame


class BrowserVideoWriter:
    """Writes BGR frames as H.264 (.mp4, .mov, .mkv) or VP9 (.webm), yuv420p, streamed to disk frame by frame,
    with the index up front (+faststart) so that a browser plays the file while it downloads. Odd frame
    sides are padded by one pixel (yuv420p needs even ones). Same write/release as cv2.VideoWriter."""

    def __init__(self, path, fps: float, size: tuple[int, int]):
        import av
        from fractions import Fraction

        path = Path(path)
        codec = BROWSER_CODECS.get(path.suffix.lower())
        if codec is None or codec not in av.codecs_available:
            raise VideoError(f"{path}: no {codec or 'browser'} encoder here (PyAV without it)")
        self.size = size
        self.padded = (size[0] + size[0] % 2, size[1] + size[1] % 2)
        options = {"movflags": "+faststart"} if codec == "libx264" else {}
        self.container = av.open(str(path), "w", options=options)
        try:
            self.stream = self.container.add_stream(codec, rate=Fraction(fps).limit_denominator(1001))
            self.stream.width, self.stream.height = self.padded
            self.stream.pix_fmt = "yuv420p"
            self.stream.options = ({"preset": "veryfast", "crf": "23"} if codec == "libx264"
                                   else {"deadline": "realtime", "cpu-used": "8", "crf": "32", "b": "0"})
        except Exception:
            self.container.close()
            raise
        self._av = av

    def isOpened(self) -> bool:  # noqa: N802  cv2.VideoWriter's name
        return self.container is not None

    def write(self, bgr: np.ndarray) -> None:
        if bgr.shape[1::-1] != self.padded:
            bgr = cv2.copyMakeBorder(bgr, 0, self.padded[1] - bgr.shape[0], 0, self.padded[0] - bgr.shape[1],
                                     cv2.BORDER_REPLICATE)
        for packet in self.stream.encode(self._av.VideoFrame.from_ndarray(np.ascontiguousarray(bgr), format="bgr24")):
            self.container.mux(packet)

    def release(self) -> None:
        if self.container is None:
            return
        try:
            for packet in self.stream.encode():
                self.container.mux(packet)
        finally:
            self.container.close()
            self.container = None


def video_writer(path, fps: float, size: tuple[int, int], browser: bool = True):
    """A writer for `path`: browser-playable H.264 / VP9 (BrowserVideoWriter) for .mp4 .mov .mkv .webm where
    PyAV has the encoder (`browser`), else OpenCV's (MJPG for .avi, mp4v otherwise)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if browser and path.suffix.lower() in BROWSER_CODECS:
        try:
            return BrowserVideoWriter(path, fps, size)
        except (ImportError, VideoError):
            pass  # OpenCV's mp4v below: plays in desktop players, not in browsers
    fourcc = cv2.VideoWriter_fourcc(*FOURCC.get(path.suffix.lower(), "mp4v"))
    writer = cv2.VideoWriter(str(path), fourcc, fps, size)
    if not writer.isOpened():
        raise VideoError(f"{path}: cannot write a video there (use .mp4 or .avi)")
    return writer


class FaceRows:
    """process_video's on_frame callback keeping every face's row (fer.inference.rows): the video's per-face
    table without writing the CSV, e.g. for fer.inference.summary.person_summary."""

    def __init__(self, **where):
        self.where, self.rows = where, []

    def __call__(self, index: int, total: int | None, faces) -> None:
        self.rows.extend(face_rows(faces, kind="video", frame=index, **self.where))

    def table(self, fps: float):
        """The rows as a DataFrame, `time_s` from the frame numbers at `fps`."""
        table = face_table(self.rows)
        table["time_s"] = (table["frame"].astype("float64") / fps).round(4)
        return table


def process_video(recognizer, path, csv_path=None, annotated_path=None, detect_every: int = 1,
                  smoothing: float | None = None, progress: bool = True, on_frame=None, source=None) -> dict:
    """Recognise the faces of every frame of a video; returns a summary (frames, rows, tracks, speed).
    `source`: the video's name in the CSV's rows (default: `path`).
    `on_frame(index, total, faces)`, when given, is called after each frame (total: the container's frame
    count, None when unknown), e.g. to collect the faces or move a progress bar."""
    from tqdm import tqdm

    capture = open_video(path)
    fps = video_fps(capture)
    total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) or None
    stream = FaceStream(recognizer, detect_every=detect_every, smoothing=smoothing, show_fps=False)
    table = FaceCsv(csv_path) if csv_path else None
    where = {"source": str(source or path), "kind": "video", **made_by(recognizer, detect_every)}
    writer, frames, rows, ids, labels = None, 0, 0, set(), {}
    started = time.perf_counter()
    try:
        for frame in tqdm(iter_frames(capture), total=total, unit="frame", desc=Path(path).name, disable=not progress):
            if annotated_path:
                annotated, faces = stream.process_frame(frame)
                writer = writer or video_writer(annotated_path, fps, (frame.shape[1], frame.shape[0]))
                writer.write(annotated)
            else:
                faces = stream.recognize_frame(frame)
            if table:
                table.write(face_rows(faces, frame=frames, time_s=frames / fps, **where))
            for face in faces:
                ids.add(face.face_id)
                labels[face.label] = labels.get(face.label, 0) + 1
            rows += len(faces)
            frames += 1
            if on_frame is not None:
                on_frame(frames - 1, total, faces)
    finally:
        capture.release()
        if writer is not None:
            writer.release()
        if table:
            table.close()
    if frames == 0:
        raise VideoError(f"{path}: no frame could be read (empty, truncated or unsupported video)")
    seconds = time.perf_counter() - started
    return {"input": str(path), "frames": frames, "rows": rows, "tracks": len(ids), "video_fps": round(fps, 3),
            "processing_fps": round(frames / max(seconds, 1e-9), 2), "labels": labels,
            "csv": str(csv_path) if csv_path else None, "annotated": str(annotated_path) if annotated_path else None}
