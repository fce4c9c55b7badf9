"""fer.analyze: a collection of photos and videos into a Parquet dataset of faces, resumable, on local worker
processes or on Ray."""
from __future__ import annotations

import os
from pathlib import Path

from .collection import PHOTOS_PER_TASK, describe, list_inputs, make_tasks
from .engines import ENGINES, run_local, run_ray
from .settings import JobSettings
from .store import FileTable, prepare, read_files


def analyze(paths, out, workers: int | None = None, engine: str = "local", address: str | None = None,
            retry_failed: bool = False, progress: bool = False, photos_per_task: int = PHOTOS_PER_TASK,
            **options):
    """Every face of every photo and video frame under `paths` (files, folders searched recursively, globs) into
    the Parquet dataset `out` (read it back with fer.read_results(out)); returns the per-file table (source,
    kind, status, faces, frames, seconds, error, part) of the collection, as a DataFrame.

    A second call with the same `out` skips the files the table records as done (failed ones too, unless
    `retry_failed`). `workers`: processes (local engine; default: the CPU cores) or Ray actors (default: the
    cluster's CPUs). `engine`: "local" or "ray" (`address` of a running cluster, or None for a local Ray).
    `options`: the recognizer's, as fer.batch.JobSettings takes them (model, detector, backend, tta,
    small_faces, min_face_size, score_threshold, detect_every, smoothing)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    out = os.path.abspath(out)
    sources = list_inputs(paths)
    settings = JobSettings(**options)
    workers = workers or (None if engine == "ray" else os.cpu_count() or 1)
    # built here first: a bad option fails once, the default model is resolved, the ONNX file exported once
    recognizer = settings.recognizer(threads=max(1, (os.cpu_count() or 1) // (workers or 1)))
    settings = settings.resolved(recognizer)
    done = prepare(out, settings.as_dict())
    pending = [s for s in sources if s not in done or (retry_failed and done[s]["status"] == "failed")]
    tasks = make_tasks(describe(pending), photos_per_task)
    if engine == "ray":
        finished = run_ray(settings, tasks, out, workers, address)
    else:
        finished = run_local(settings, tasks, out, workers, recognizer)
    record(finished, out, tasks, len(sources) - len(pending), len(sources), progress)
    table = read_files(out)
    return table[table["source"].isin(set(sources))].set_index("source").loc[sources].reset_index()


def record(finished, out, tasks, already: int, total: int, progress: bool) -> None:
    """Appends each finished task's files to the per-file table; the bar counts frames (a photo is one)."""
    from tqdm import tqdm

    table = FileTable(out)
    bar = tqdm(total=sum(t.frames for t in tasks), unit="frame", disable=not progress, dynamic_ncols=True,
               desc=f"{Path(out).name}: files {already}/{total}")
    files, failed = already, 0
    try:
        for task, records in finished:
            for entry in records:
                table.add(entry)
            files += len(records)
            failed += sum(entry["status"] == "failed" for entry in records)
            bar.set_description(f"{Path(out).name}: files {files}/{total}" + (f", {failed} failed" if failed else ""),
                                refresh=False)
            bar.update(max(task.frames, sum(int(entry["frames"]) for entry in records)))
    finally:
        bar.close()
        table.close()

