"""Benchmarks printed by `python -m fer bench`: classifier latency, detector time, end-to-end frame rate, memory.

All figures come from the product's own code paths: fer.inference.classifiers.load_classifier for the classifier,
fer.Recognizer.detect for the detector and fer.inference.FaceStream.process_frame for a whole frame.
The test frames are 640x480: scikit-image's astronaut head pasted once or five times on a grey canvas.
"""
from __future__ import annotations

import os
import resource
import sys
import time

import cv2
import numpy as np

FRAME_SIZE = (640, 480)  # width, height
HEAD_BOX = (20, 220, 130, 320)  # rows, columns of the astronaut's head (face ~90 px) in skimage's picture
ONE_FACE_SPOT = [(225, 140)]
FIVE_FACE_SPOTS = [(10, 20), (225, 20), (440, 20), (117, 260), (332, 260)]


def astronaut_head() -> np.ndarray:
    import skimage.data

    top, bottom, left, right = HEAD_BOX
    return cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)[top:bottom, left:right]


def bench_frame(n_faces: int) -> np.ndarray:
    """A 640x480 BGR frame with the astronaut's head pasted once (n_faces=1) or five times (n_faces=5)."""
    spots = {1: ONE_FACE_SPOT, 5: FIVE_FACE_SPOTS}.get(n_faces)
    if spots is None:
        raise ValueError(f"test frames have 1 or 5 faces, not {n_faces}")
    width, height = FRAME_SIZE
    frame = np.full((height, width, 3), 128, np.uint8)
    head = astronaut_head()
    h, w = head.shape[:2]
    for x, y in spots:
        frame[y:y + h, x:x + w] = head
    return frame


def seconds_per_call(fn, warmup: int = 3, min_runs: int = 5, min_seconds: float = 1.0) -> float:
    for _ in range(warmup):
        fn()
    runs, start = 0, time.perf_counter()
    while runs < min_runs or time.perf_counter() - start < min_seconds:
        fn()
        runs += 1
    return (time.perf_counter() - start) / runs


def all_threads() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def classifier_latency(version, backend: str, min_seconds: float = 1.0) -> dict:
    """ms per face at batch 1 and 64, on one thread and on all threads, for a loaded ModelVersion."""
    from .models.profile import measure_latency_ms

    out = {}
    for batch in (1, 64):
        for threads, label in ((1, "1thread"), (all_threads(), "all_threads")):
            if backend == "torch":
                ms = measure_latency_ms(version.model, batch=batch, threads=threads,
                                        input_size=tuple(version.card.get("input_size", (1, 48, 48))),
                                        warmup=3, min_seconds=min_seconds)
            else:
                from .inference.classifiers import load_classifier, ms_per_face

                ms = ms_per_face(load_classifier(version, backend, threads=threads), batch, warmup=3, min_seconds=min_seconds)
            out[f"batch{batch}_{label}"] = round(ms, 4)
    return out


def frame_figures(recognizer, min_seconds: float = 1.0, detect_every: int = 1) -> dict:
    """Detector ms per one-face frame, and end-to-end frames per second of a camera stream (detect, crop,
    classify, track, draw), detecting on every frame and, when detect_every > 1, on every Nth frame only."""
    from .inference import FaceStream

    frames = {"1_face": bench_frame(1), "5_faces": bench_frame(5)}
    detector_ms = 1000 * seconds_per_call(lambda: recognizer.detect(frames["1_face"]), min_seconds=min_seconds)

    def stream_fps(every: int) -> tuple[dict, dict]:
        fps, found = {}, {}
        for name, frame in frames.items():
            stream = FaceStream(recognizer, detect_every=every)
            fps[name] = round(1.0 / seconds_per_call(lambda: stream.process_frame(frame), min_seconds=min_seconds,
                                                     min_runs=5 * every), 2)
            found[name] = len(stream.process_frame(frame)[1])
        return fps, found

    fps, found = stream_fps(1)
    figures = {"detector_ms_per_frame": round(detector_ms, 2), "end_to_end_fps": fps, "faces_found": found}
    if detect_every > 1:
        figures["detect_every"] = detect_every
        figures["end_to_end_fps_detect_every"] = stream_fps(detect_every)[0]
    return figures


def peak_memory_mb() -> float:
    kilobytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # bytes on macOS, KiB on Linux
    return round(kilobytes / (1 << 20 if sys.platform == "darwin" else 1 << 10), 1)


def run_bench(version=None, backend: str = "torch", detector: str = "mtcnn", min_seconds: float = 1.0,
              detect_every: int = 1) -> dict:
    from .inference.classifiers import load_classifier
    from .inference import Recognizer
    from .versions import load

    model_version = load(version)
    load_classifier(model_version, backend)  # exports now if needed, so no timing below includes it
    result = {
        "model": model_version.name, "backend": backend, "detector": detector,
        "threads_all": all_threads(), "frame_size": list(FRAME_SIZE),
        "classifier_ms_per_face": classifier_latency(model_version, backend, min_seconds),
    }
    recognizer = Recognizer(str(model_version.path), detector=detector, backend=backend)
    result.update(frame_figures(recognizer, min_seconds, detect_every))
    result["peak_memory_mb"] = peak_memory_mb()
    return result


def format_bench(r: dict) -> str:
    c, fps, found = r["classifier_ms_per_face"], r["end_to_end_fps"], r["faces_found"]
    return "\n".join([
        f"{r['model']}  backend {r['backend']}  detector {r['detector']}  ({r['threads_all']} threads available)",
        "classifier ms/face      batch 1    batch 64",
        f"  one thread         {c['batch1_1thread']:9.3f} {c['batch64_1thread']:11.3f}",
        f"  all threads        {c['batch1_all_threads']:9.3f} {c['batch64_all_threads']:11.3f}",
        f"detector  {r['detector']}: {r['detector_ms_per_frame']:.1f} ms per {r['frame_size'][0]}x{r['frame_size'][1]} frame",
        f"end to end: {fps['1_face']:.1f} frames/s with one face ({found['1_face']} found), "
        f"{fps['5_faces']:.1f} frames/s with five faces ({found['5_faces']} found)",
        *([] if "detect_every" not in r else [
            f"end to end, detecting every {r['detect_every']} frames (tracking between): "
            f"{r['end_to_end_fps_detect_every']['1_face']:.1f} frames/s with one face, "
            f"{r['end_to_end_fps_detect_every']['5_faces']:.1f} with five"]),
        f"peak memory (maxrss): {r['peak_memory_mb']:.0f} MB",
    ])
