"""Benchmarks printed by `python -m fer bench`: classifier latency, detector time, end-to-end frame rate, memory.

All figures come from the product's own code paths: fer.version.load_classifier for the classifier,
fer.Recognizer.detect(frame, "stream") for the detector (the setting webcam and videos use) and
fer.inference.FaceStream.process_frame for a whole frame (detect, align, classify, track, draw). The detector
and whole-frame figures run on one thread (OpenCV, PyTorch and ONNX Runtime each limited to one).
The test frames are 640x480: scikit-image's astronaut head pasted once or five times on a grey canvas.
When PyPI's `fer` is installed in another venv (benchmarks/pypi_fer_reference.py says how), its
detect_emotions is timed on the same one-face frame in a child process, also on one thread, side by side.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np

FRAME_SIZE = (640, 480)  # width, height
HEAD_BOX = (20, 220, 130, 320)  # rows, columns of the astronaut's head (face ~90 px) in skimage's picture
ONE_FACE_SPOT = [(225, 140)]
FIVE_FACE_SPOTS = [(10, 20), (225, 20), (440, 20), (117, 260), (332, 260)]
PYPI_FER_SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "pypi_fer_reference.py"
PYPI_FER_ENV = "FER_PYPI_PYTHON"          # the python of a venv with PyPI's fer, e.g. /tmp/pypifer/bin/python
PYPI_FER_DEFAULT = "/tmp/pypifer/bin/python"


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
    from .version import load_classifier
    from .version.runtime import stopwatch_ms_per_view

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
    from .inference import FaceStream

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

    from .inference import Recognizer
    from .version import load_classifier

    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    recognizer = Recognizer(str(model_version.path), detector=detector, backend=backend)
    if backend != "torch":
        recognizer.classifier = load_classifier(model_version, backend, threads=1)
    return recognizer


def pypi_fer_python(python: str | None = None) -> str | None:
    """The python of a venv with PyPI's fer: `python`, else $FER_PYPI_PYTHON, else /tmp/pypifer/bin/python if any."""
    python = python or os.environ.get(PYPI_FER_ENV) or PYPI_FER_DEFAULT
    return python if Path(python).is_file() else None


def _json_line(stream) -> dict | None:
    for line in stream:
        if line.startswith("{"):
            return json.loads(line)
    return None


def side_by_side(recognizer, python: str, rounds: int = 6, seconds: float = 1.0) -> dict:
    """Milliseconds per one-face 640x480 frame, detecting on every frame: this package's FaceStream.process_frame
    (in this process, one thread) and PyPI fer's detect_emotions (its default: Haar cascade, TFLite classifier;
    in `python`, one thread, by benchmarks/pypi_fer_reference.py --serve), in alternating turns of `seconds`,
    so that both see the same machine load. {"error": ...} when PyPI fer cannot run."""
    from .inference import FaceStream

    env = {**os.environ, "OMP_NUM_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    try:
        child = subprocess.Popen([python, str(PYPI_FER_SCRIPT), "--serve", "--threads", "1"], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    except OSError as e:
        return {"error": f"{type(e).__name__}: {e}"}
    try:
        info = _json_line(child.stdout)
        if info is None:
            tail = [line for line in child.stderr.read().splitlines() if line.strip()][-1:]
            return {"error": f"exit {child.wait()}: {' '.join(tail)}"}
        frame, stream = bench_frame(1), FaceStream(recognizer, detect_every=1)
        for _ in range(3):
            stream.process_frame(frame)
        ours, theirs = [], []
        for _ in range(rounds):
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                start = time.perf_counter()
                stream.process_frame(frame)
                ours.append(1000 * (time.perf_counter() - start))
            child.stdin.write(f"{seconds}\n")
            child.stdin.flush()
            theirs += _json_line(child.stdout)["times_ms"]
    finally:
        if child.stdin:
            child.stdin.close()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
    ours_ms, theirs_ms = float(np.median(ours)), float(np.median(theirs))
    return {"pypi_fer": {**info, "median_ms": round(theirs_ms, 2), "frames": len(theirs)},
            "ours_median_ms": round(ours_ms, 2), "ours_frames": len(ours),
            "ours_faces_found": len(stream.recognize_frame(frame)),
            "speedup": round(theirs_ms / ours_ms, 2), "rounds": rounds}


def run_bench(version=None, backend: str = "torch", detector: str = "yunet", min_seconds: float = 1.0,
              detect_every: int = 1, pypi_fer: str | None = None) -> dict:
    """Every figure of `python -m fer bench`; `pypi_fer`: the python of a venv with PyPI's fer to time
    side by side (None: $FER_PYPI_PYTHON or /tmp/pypifer/bin/python when present; "" to skip)."""
    from .version import load, load_classifier

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


def pypi_lines(r: dict) -> list[str]:
    s = r.get("side_by_side")
    if s is None:
        return [f"PyPI fer: not measured (no venv with it: set {PYPI_FER_ENV} or pass --pypi-fer PYTHON)"]
    if "error" in s:
        return [f"PyPI fer: failed ({s['error']})"]
    reference = s["pypi_fer"]
    return [f"side by side, one-face 640x480 frame, detecting on every frame, one thread, {s['rounds']} turns each:",
            f"  PyPI fer {reference.get('version', '?')} detect_emotions (Haar + TFLite): "
            f"{reference['median_ms']:.1f} ms/frame (median of {reference['frames']} frames, "
            f"{reference['faces_found']} face found)",
            f"  this package ({r['detector']}, {r['model']}, {r['backend']}): {s['ours_median_ms']:.1f} ms/frame "
            f"(median of {s['ours_frames']}, {s['ours_faces_found']} face found) -> {s['speedup']:.1f}x faster, "
            f"{s['ours_median_ms'] / reference['median_ms']:.2f} of its time"]
