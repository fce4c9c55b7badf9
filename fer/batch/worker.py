"""The worker: one task (a batch of photos, or one video) into rows of its part file and a line per file for the
per-file table. The same code runs in a local worker process and in a Ray actor."""
from __future__ import annotations

import time

from ..inference import process_video
from ..inference.rows import face_rows, made_by
from ..inference.video import open_video, video_fps
from .collection import Task
from .settings import JobSettings
from .store import SCHEMA, PartWriter

FLUSH_ROWS = 8192


class Rows:
    """Column lists of face rows, handed to a PartWriter every FLUSH_ROWS rows."""

    def __init__(self, writer: PartWriter):
        self.writer = writer
        self.clear()

    def add(self, faces, **where) -> None:
        """One photo's or frame's faces (`where`: fer.inference.rows.face_row's keywords)."""
        for row in face_rows(faces, **where):
            for name, column in self.columns.items():
                column.append(row[name])
        if len(self.columns["source"]) >= FLUSH_ROWS:
            self.flush()

    @property
    def count(self) -> int:
        """Rows added so far (written or waiting)."""
        return self.writer.rows + len(self.columns["source"])

    def flush(self) -> None:
        self.writer.write(self.columns)
        self.clear()

    def clear(self) -> None:
        self.columns = {name: [] for name in SCHEMA.names}


def one_line_error(error: Exception, source: str) -> str:
    message = " ".join(str(error).split()) or type(error).__name__
    return message if source in message else f"{source}: {type(error).__name__}: {message}"


class TaskRunner:
    """Holds one Recognizer (loaded once per worker) and runs tasks with it."""

    def __init__(self, settings: JobSettings, recognizer=None, threads: int = 0):
        self.settings = settings
        self.recognizer = recognizer or settings.recognizer(threads)
        self.made_by = {"photo": made_by(self.recognizer), "video": made_by(self.recognizer, settings.detect_every)}

    def run(self, task: Task, out) -> list[dict]:
        """Analyses the task's files into OUT/part-<key>.parquet; one record per file (status ok or failed,
        faces, frames, seconds, error, part). A failing file is recorded and the others go on."""
        writer = PartWriter(out, task.key)
        rows = Rows(writer)
        records = []
        try:
            for file in task.files:
                records.append(self.analyze_file(file, rows))
                if file.kind == "video" and records[-1]["status"] == "failed":
                    rows.clear()  # a task holds one video: nothing of a failed one is kept
                    writer.abort()
            rows.flush()
            part = writer.close()
        except BaseException:
            writer.abort()
            raise
        return [dict(r, part=part if r["status"] == "ok" and r["faces"] else "") for r in records]

    def analyze_file(self, file, rows: Rows) -> dict:
        started = time.perf_counter()
        record = {"source": file.source, "kind": file.kind, "status": "ok", "error": "", "frames": 0, "faces": 0}
        before = rows.count
        try:
            analyze = self.video if file.kind == "video" else self.photo
            record["frames"] = analyze(file.source, rows)
        except Exception as error:  # any file the decoders or the model choke on: recorded, the job goes on
            record.update(status="failed", error=one_line_error(error, file.source))
        else:
            record["faces"] = rows.count - before
        record["seconds"] = round(time.perf_counter() - started, 3)
        return record

    def photo(self, source: str, rows: Rows) -> int:
        rows.add(self.recognizer.predict(source), source=source, kind="photo", **self.made_by["photo"])
        return 1

    def video(self, source: str, rows: Rows) -> int:
        capture = open_video(source)
        fps = video_fps(capture)
        capture.release()

        def on_frame(index, total, faces):
            rows.add(faces, source=source, kind="video", frame=index, time_s=index / fps, **self.made_by["video"])

        summary = process_video(self.recognizer, source, detect_every=self.settings.detect_every,
                                smoothing=self.settings.smoothing, progress=False, on_frame=on_frame)
        return summary["frames"]
