"""Reference figures of the PyPI package `fer` (justinshenk/fer): accuracy on FER2013 PrivateTest and time
per 640x480 frame. Run it with the venv that has that package (its import name clashes with ours):

    python3 -m venv /tmp/pypifer && /tmp/pypifer/bin/pip install fer tensorflow-cpu scikit-image
    nice -n 10 /tmp/pypifer/bin/python benchmarks/pypi_fer_reference.py [--data ../shared/data/fer2013.csv.gz]

(a) Accuracy the way `python -m fer evaluate` measures ours: the 48x48 PrivateTest faces go straight to its
    emotion classifier, prepared as its detect_emotions() prepares a face crop (resize to 64x64, x/255,
    then (x - 0.5) * 2), for both of its classifiers: the quantised TFLite model (its default) and the Keras one.
(b) Seconds per frame of FER.detect_emotions on the one-face 640x480 frame of `python -m fer bench`
    (built by our fer/bench.py, loaded by file path), with its Haar detector and with MTCNN.

`--frame-only --threads 1 --json` times (b) with Haar only, on one thread, and prints one JSON line.
`--serve --threads 1` is what `python -m fer bench` runs to time PyPI fer beside ours, in turns: it loads FER
once, prints a JSON line, then for each line "SECONDS" read from stdin times detect_emotions on the frame for
that long and prints the frame times (JSON), so that both packages are timed under the same machine load.
"""
from __future__ import annotations

import argparse
import csv
import gzip
import importlib.util
import os
import platform
import statistics
import sys
import time
import types
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "fer2013.csv.gz"
LABELS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")  # the same order in both packages


def read_private_test(path: Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """PrivateTest's faces and labels, and every row's Usage (FER+ is joined by position over the whole file)."""
    opener = gzip.open if path.suffix == ".gz" else open
    faces, labels, usages = [], [], []
    with opener(path, "rt", newline="") as f:
        for row in csv.DictReader(f):
            usages.append(row["Usage"])
            if row["Usage"] == "PrivateTest":
                faces.append(np.array(row["pixels"].split(), np.uint8).reshape(48, 48))
                labels.append(int(row["emotion"]))
    return np.stack(faces), np.array(labels), usages


def ferplus_private_test(data: Path, usages: list[str]) -> tuple[np.ndarray, np.ndarray] | None:
    """(rows of PrivateTest, FER+ labels) in our protocol (fer.data.ferplus, `python -m fer evaluate --labels
    ferplus`), or None without fer2013new.csv beside the data. Our package is loaded by file path, without its
    __init__ (this venv's `fer` is PyPI's, and ours would import torch models)."""
    if not (data.parent / "fer2013new.csv").is_file():
        return None
    for name, folder in (("fer_product", REPO / "fer"), ("fer_product.data", REPO / "fer" / "data")):
        package = types.ModuleType(name)
        package.__path__ = [str(folder)]
        sys.modules.setdefault(name, package)
    ferplus = importlib.import_module("fer_product.data.ferplus")
    votes = ferplus.read_ferplus_votes(data.parent / "fer2013new.csv", usages)
    keep, labels = ferplus.ferplus_targets(votes[np.array(usages) == "PrivateTest"], "ferplus")
    return np.flatnonzero(keep), labels


def macro_f1(y: np.ndarray, pred: np.ndarray, n_classes: int = len(LABELS)) -> float:
    scores = []
    for c in range(n_classes):
        tp = np.sum((pred == c) & (y == c))
        precision = tp / max(np.sum(pred == c), 1)
        recall = tp / max(np.sum(y == c), 1)
        scores.append(0.0 if tp == 0 else 2 * precision * recall / (precision + recall))
    return float(np.mean(scores))


def as_its_input(faces48: np.ndarray) -> np.ndarray:
    """What FER.detect_emotions hands its classifier for a face crop: 64x64, scaled to [-1, 1]."""
    faces = np.stack([cv2.resize(f, (64, 64)) for f in faces48]).astype("float32")
    return (faces / 255.0 - 0.5) * 2.0


def predict(detector, x: np.ndarray, batch: int = 256) -> np.ndarray:
    return np.concatenate([np.asarray(detector._classify_emotions(x[i:i + batch])) for i in range(0, len(x), batch)])


def bundled_cascade() -> str | None:
    """OpenCV 5 no longer ships Haar cascades (cv2.data.haarcascades is empty); the fer wheel carries its own."""
    import fer

    default = Path(cv2.data.haarcascades) / "haarcascade_frontalface_default.xml"
    return None if default.is_file() else str(Path(fer.__file__).parent / "data" / "haarcascade_frontalface_default.xml")


def our_bench_frame(n_faces: int) -> np.ndarray:
    spec = importlib.util.spec_from_file_location("fer_product_bench", REPO / "fer" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.bench_frame(n_faces)


def frame_times_ms(detector, frame: np.ndarray, warmup: int = 3, min_seconds: float = 5.0) -> list[float]:
    for _ in range(warmup):
        detector.detect_emotions(frame)
    times, start = [], time.perf_counter()
    while len(times) < 10 or time.perf_counter() - start < min_seconds:
        t = time.perf_counter()
        detector.detect_emotions(frame)
        times.append(1000 * (time.perf_counter() - t))
    return times


def describe_times(times: list[float]) -> str:
    q = np.percentile(times, [5, 50, 95])
    return (f"median {q[1]:.1f} ms/frame ({1000 / q[1]:.1f} frames/s), mean {statistics.mean(times):.1f}, "
            f"5-95% {q[0]:.1f}-{q[2]:.1f} ms, {len(times)} frames")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seconds", type=float, default=5.0, help="time each frame figure is measured over")
    parser.add_argument("--skip-mtcnn", action="store_true")
    parser.add_argument("--only-mtcnn", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--frame-only", action="store_true", help="only (b) with Haar")
    parser.add_argument("--threads", type=int, default=0, help="limit TensorFlow and OpenCV to N threads (0: theirs)")
    parser.add_argument("--json", action="store_true", help="with --frame-only: one JSON line")
    parser.add_argument("--serve", action="store_true", help="time (b) with Haar in turns, on request (stdin)")
    args = parser.parse_args()
    if args.only_mtcnn:
        return only_mtcnn(args.seconds)
    if args.frame_only or args.serve:
        return frame_only(args)

    import importlib.metadata as md

    import torch  # noqa: F401  (before tensorflow: the other order aborts with duplicate LLVM options)
    import tensorflow as tf

    if importlib.util.find_spec("fer.fer") is not None:  # fer >= 25 (it needs pkg_resources: setuptools < 81)
        from fer.fer import FER
    else:
        from fer import FER

    print(f"PyPI fer {md.version('fer')}, tensorflow {tf.__version__}, opencv {cv2.__version__}, "
          f"python {platform.python_version()}, {os.cpu_count()} CPUs")

    faces, labels, usages = read_private_test(args.data)
    plus = ferplus_private_test(args.data, usages)
    x = as_its_input(faces)
    print(f"\n(a) FER2013 PrivateTest, {len(labels)} faces fed straight to its classifier (64x64, [-1,1])"
          + ("" if plus is None else f"; FER+ = our protocol (`--labels ferplus`), {len(plus[1])} of them"))
    for name, use_tflite in (("TFLite int8 (its default)", True), ("Keras emotion_model.hdf5", False)):
        detector = FER(cascade_file=bundled_cascade(), use_tflite=use_tflite)
        start = time.perf_counter()
        pred = predict(detector, x).argmax(1)
        ms = 1000 * (time.perf_counter() - start) / len(labels)
        print(f"  {name:26s} accuracy {np.mean(pred == labels):.4f}  macro-F1 {macro_f1(labels, pred):.4f}  "
              f"({ms:.2f} ms/face batch 256)")
        if plus is not None:
            rows, plus_labels = plus
            print(f"  {'':26s} FER+ accuracy {np.mean(pred[rows] == plus_labels):.4f}  "
                  f"macro-F1 {macro_f1(plus_labels, pred[rows]):.4f}")

    frame = our_bench_frame(1)
    print("\n(b) detect_emotions on the one-face 640x480 frame of `python -m fer bench` (default TFLite classifier)")
    haar = FER(cascade_file=bundled_cascade())
    print(f"  Haar  ({len(haar.detect_emotions(frame))} face found): {describe_times(frame_times_ms(haar, frame, min_seconds=args.seconds))}")
    if not args.skip_mtcnn:
        print(mtcnn_in_child(args))
    return 0


def frame_only(args) -> int:
    import importlib.metadata as md
    import json

    if args.threads:
        cv2.setNumThreads(args.threads)
    import torch  # noqa: F401  (before tensorflow, see main)
    import tensorflow as tf

    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    from fer.fer import FER

    frame = our_bench_frame(1)
    haar = FER(cascade_file=bundled_cascade())
    found = len(haar.detect_emotions(frame))
    if args.serve:
        for _ in range(3):
            haar.detect_emotions(frame)
        print(json.dumps({"version": md.version("fer"), "detector": "haar", "faces_found": found,
                          "threads": args.threads or None}), flush=True)
        for line in sys.stdin:
            times = frame_times_ms(haar, frame, warmup=0, min_seconds=float(line))
            print(json.dumps({"times_ms": [round(t, 3) for t in times]}), flush=True)
        return 0
    times = frame_times_ms(haar, frame, min_seconds=args.seconds)
    if args.json:
        q = np.percentile(times, [5, 50, 95])
        print(json.dumps({"version": md.version("fer"), "detector": "haar", "faces_found": found,
                          "threads": args.threads or None, "median_ms": round(float(q[1]), 2),
                          "p5_ms": round(float(q[0]), 2), "p95_ms": round(float(q[2]), 2), "frames": len(times)}))
    else:
        print(f"  Haar  ({found} face found): {describe_times(times)}")
    return 0


def mtcnn_in_child(args) -> str:
    """MTCNN figures from a child process: with torch 2.15 and tensorflow 2.21 in one process, facenet-pytorch's
    MTCNN can abort the interpreter (duplicate LLVM options), which must not lose the figures above."""
    import subprocess

    child = subprocess.run([sys.executable, __file__, "--only-mtcnn", "--seconds", str(args.seconds)],
                           capture_output=True, text=True)
    if child.returncode == 0:
        return child.stdout.rstrip()
    last = [line for line in child.stderr.splitlines() if line.strip()][-2:]
    return f"  MTCNN failed (exit {child.returncode}): {' / '.join(last)}"


def only_mtcnn(seconds: float) -> int:
    import torch  # noqa: F401  (before tensorflow, see main)

    from fer.fer import FER

    frame = our_bench_frame(1)
    mtcnn = FER(mtcnn=True)
    print(f"  MTCNN ({len(mtcnn.detect_emotions(frame))} face found): "
          f"{describe_times(frame_times_ms(mtcnn, frame, min_seconds=seconds))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
