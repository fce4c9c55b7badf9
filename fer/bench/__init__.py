"""Benchmarks printed by `python -m fer bench`: classifier latency, detector time, end-to-end frame rate, memory.

All figures come from the product's own code paths: fer.version.load_classifier for the classifier,
fer.Recognizer.detect(frame, "stream") for the detector (the setting webcam and videos use) and
fer.inference.FaceStream.process_frame for a whole frame (detect, align, classify, track, draw). The detector
and whole-frame figures run on one thread (OpenCV, PyTorch and ONNX Runtime each limited to one).
The test frames are fer.bench.frames. When PyPI's `fer` is installed in another venv (fer.bench.pypi_fer says
how), its detect_emotions is timed on the same one-face frame in a child process, also on one thread, side by side.
"""
from __future__ import annotations

import os
import resource
import sys

import cv2

from ..stopwatch import seconds_per_call, stopwatch_ms_per_view
from .frames import FRAME_SIZE, bench_frame
from .pypi_fer import pypi_fer_python, pypi_lines, side_by_side


def all_threads() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def classifier_latency(version, backend: str, min_seconds: float = 1.0) -> dict:
    """ms per face at batch 1 and 64, on one thread and on all threads, for a loaded ModelVersion."""
    from ..version import load_classifier

    out = {}
    for batch in (1, 64):
        for threads, label in ((1, "1thread"), (all_threads(), "all_threads")):
            if backend == "torch":
                ms = version.measure_ms_per_view(batch, threads, min_seconds=min_seconds)
            else:
                onnx = load_classifier(version, backend, threads=threads)
                ms = stopwatch_ms_per_view(onnx.logits, batch, warmup=3, min_seconds=min_seconds)
            out[f"batch{batch}_{label}"] = round(ms, 4)
    return out


def frame_figures(recognizer, min_seconds: float = 1.0, detect_every: int = 1) -> dict:
    """Detector ms per one-face frame, and end-to-end frames per second of a camera stream (detect, crop,
    classify, track, draw), detecting on every frame and, when detect_every > 1, on every Nth frame only."""
    from ..inference import FaceStream

    frames = {"1_face": bench_frame(1), "5_faces": bench_frame(5)}
    detector_ms = 1000 * seconds_per_call(lambda: recognizer.detect(frames["1_face"], use="stream"),
                                          min_seconds=min_seconds)

    def stream_fps(every: int) -> tuple[dict, dict]:
        fps, found = {}, {}
        for name, frame in frames.items():
            stream = FaceStream(recognizer, detect_every=every)
            fps[name] = round(1.0 / seconds_per_call(lambda: stream.process_frame(frame), min_seconds=min_seconds,
                                                     min_runs=5 * every), 2)
            found[name] = len(stream.process_frame(frame)[1])
        return fps, found

    fps, found = stream_fps(1)
    figures = {"detector_ms_per_frame": round(detector_ms, 2), "end_to_end_fps": fps, "faces_found": found,
               "end_to_end_ms_per_frame_1_face": round(1000 / fps["1_face"], 2)}
    if detect_every > 1:
        figures["detect_every"] = detect_every
        figures["end_to_end_fps_detect_every"] = stream_fps(detect_every)[0]
    return figures


def peak_memory_mb() -> float:
    kilobytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # bytes on macOS, KiB on Linux
    return round(kilobytes / (1 << 20 if sys.platform == "darwin" else 1 << 10), 1)


def one_thread_recognizer(model_version, backend: str, detector: str):
    """A Recognizer whose classifier, OpenCV (the detectors) and PyTorch each use one thread."""
    import torch

    from ..inference import Recognizer
    from ..version import load_classifier

    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    recognizer = Recognizer(str(model_version.path), detector=detector, backend=backend)
    if backend != "torch":
        recognizer.classifier = load_classifier(model_version, backend, threads=1)
    return recognizer


def run_bench(version=None, backend: str = "torch", detector: str = "yunet", min_seconds: float = 1.0,
              detect_every: int = 1, pypi_fer: str | None = None) -> dict:
    """Every figure of `python -m fer bench`; `pypi_fer`: the python of a venv with PyPI's fer to time
    side by side (None: $FER_PYPI_PYTHON or fer.bench.pypi_fer.default_python() when present; "" to skip)."""
    from ..version import load, load_classifier

    model_version = load(version)
    load_classifier(model_version, backend)  # exports now if needed, so no timing below includes it
    result = {
        "model": model_version.name, "backend": backend, "detector": detector,
        "threads_all": all_threads(), "frame_size": list(FRAME_SIZE),
        "classifier_ms_per_face": classifier_latency(model_version, backend, min_seconds),
    }
    recognizer = one_thread_recognizer(model_version, backend, detector)
    setting = recognizer.detector_setting("stream")
    if setting is not None:
        result["detector_setting"] = {"detector": setting.detector, "min_face_size": setting.min_face_size}
    result.update(frame_figures(recognizer, min_seconds, detect_every))
    result["peak_memory_mb"] = peak_memory_mb()
    python = pypi_fer_python(pypi_fer) if pypi_fer != "" else None
    if python:
        result["side_by_side"] = side_by_side(recognizer, python, seconds=max(min_seconds, 0.5))
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
        *pypi_lines(r),
    ])
