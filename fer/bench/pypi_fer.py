"""PyPI's `fer` (justinshenk/fer) beside this package: its accuracy on FER2013 PrivateTest and its time per
640x480 frame (the reference figures), and its frame time in turns with ours (`python -m fer bench`).

Both import as `fer`, so PyPI's lives in a venv of its own, made once:

    python3 -m venv /tmp/pypifer && /tmp/pypifer/bin/pip install fer tensorflow-cpu "setuptools<81"

(the folder: tempfile's, /tmp on Linux; elsewhere set $FER_PYPI_PYTHON to that venv's python). This file has two
sides. Imported, in this package's environment (`python benchmarks/pypi_fer_reference.py`, `python -m fer bench`),
it prepares the inputs (the bench frame, PrivateTest's faces and labels, FER+'s where its votes are beside the
data) in a temporary .npz file, and runs this same file with that venv's python, isolated (`python -I`: neither
package is on the other's path). Run there as a script, it imports only NumPy, OpenCV, TensorFlow and PyPI's fer:

(a) accuracy the way `python -m fer evaluate` measures ours: the 48x48 PrivateTest faces go straight to its
    emotion classifier, prepared as its detect_emotions() prepares a face crop (resize to 64x64, x/255, then
    (x - 0.5) * 2), for both of its classifiers: the quantised TFLite model (its default) and the Keras one;
(b) milliseconds per frame of FER.detect_emotions on the one-face frame, with its Haar detector and with MTCNN.

`--serve` is what `python -m fer bench` runs: it loads FER once, prints a JSON line, then for each line
"SECONDS" read from stdin times detect_emotions on the frame for that long and prints the frame times (JSON),
so that both packages are timed in turns, under the same machine load.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

PYPI_FER_ENV = "FER_PYPI_PYTHON"  # the python of a venv with PyPI's fer
LABEL_COUNT = 7  # angry, disgust, fear, happy, sad, surprise, neutral: the same order in both packages


def default_python() -> Path:
    """Where the venv of the docstring puts its python: <temporary folder>/pypifer/bin/python."""
    return Path(tempfile.gettempdir()) / "pypifer" / "bin" / "python"


def pypi_fer_python(python: str | None = None) -> str | None:
    """The python of a venv with PyPI's fer: `python`, else $FER_PYPI_PYTHON, else default_python() if any."""
    python = python or os.environ.get(PYPI_FER_ENV) or str(default_python())
    return python if Path(python).is_file() else None


def pypi_side(python: str, *args: str) -> list[str]:
    """The command that runs this file's PyPI side with `python`, isolated from this package."""
    return [python, "-I", str(Path(__file__).resolve()), *args]


# ---- this package's side ------------------------------------------------------------------------------------

def write_inputs(path: Path, data: str | None = None) -> Path:
    """The bench frame and, with `data`, PrivateTest's faces, FER2013 labels and FER+ rows and labels, as .npz."""
    from .frames import bench_frame

    arrays = {"frame": bench_frame(1)}
    if data is not None:
        from ..data import DataError, load_dataset

        dataset = load_dataset(data)
        arrays["faces"], arrays["labels"] = dataset.split("PrivateTest")
        try:
            arrays["ferplus_rows"], arrays["ferplus_labels"] = dataset.labelled_rows("PrivateTest", "ferplus")
        except DataError:
            pass  # no fer2013new.csv beside the data: FER2013's labels only
    np.savez(path, **arrays)
    return path


def _json_line(stream) -> dict | None:
    for line in stream:
        if line.startswith("{"):
            return json.loads(line)
    return None


def side_by_side(recognizer, python: str, rounds: int = 6, seconds: float = 1.0) -> dict:
    """Milliseconds per one-face 640x480 frame, detecting on every frame: this package's FaceStream.process_frame
    (in this process, one thread) and PyPI fer's detect_emotions (its default: Haar cascade, TFLite classifier;
    in `python`, one thread, by this file's --serve), in alternating turns of `seconds`, so that both see the
    same machine load. {"error": ...} when PyPI fer cannot run."""
    from ..inference import FaceStream

    env = {**os.environ, "OMP_NUM_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    with tempfile.TemporaryDirectory(prefix="fer-pypi-") as folder:
        inputs = write_inputs(Path(folder) / "inputs.npz")
        try:
            child = subprocess.Popen(pypi_side(python, "--inputs", str(inputs), "--serve", "--threads", "1"),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=env)
        except OSError as e:
            return {"error": f"{type(e).__name__}: {e}"}
        try:
            info = _json_line(child.stdout)
            if info is None:
                tail = [line for line in child.stderr.read().splitlines() if line.strip()][-1:]
                return {"error": f"exit {child.wait()}: {' '.join(tail)}"}
            frame, stream = np.load(inputs)["frame"], FaceStream(recognizer, detect_every=1)
            ours, theirs = take_turns(stream, frame, child, rounds, seconds)
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


def take_turns(stream, frame, child, rounds: int, seconds: float) -> tuple[list[float], list[float]]:
    """Frame times (ms) of ours and of the child's, `rounds` turns of `seconds` each."""
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
    return ours, theirs


def pypi_lines(r: dict) -> list[str]:
    """The side-by-side figures of a bench report, as text."""
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


def reference(argv: list[str] | None = None) -> int:
    """The reference figures (a) and (b): `python benchmarks/pypi_fer_reference.py [--pypi-python PYTHON]`."""
    from ..defaults import default_data

    parser = argparse.ArgumentParser(description="PyPI fer's reference figures: (a) accuracy on FER2013 "
                                     "PrivateTest, (b) ms per 640x480 frame (see fer/bench/pypi_fer.py)")
    parser.add_argument("--pypi-python", help=f"the python of a venv with PyPI's fer (default: ${PYPI_FER_ENV}, "
                        f"else {default_python()})")
    parser.add_argument("--data", default=default_data(), help="FER2013's csv (FER+'s fer2013new.csv beside it)")
    parser.add_argument("--seconds", type=float, default=5.0, help="time each frame figure is measured over")
    parser.add_argument("--skip-mtcnn", action="store_true")
    args = parser.parse_args(argv)
    python = pypi_fer_python(args.pypi_python)
    if python is None:
        print(f"error: no venv with PyPI's fer (pass --pypi-python or set {PYPI_FER_ENV}; how to make one: "
              "fer/bench/pypi_fer.py)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="fer-pypi-") as folder:
        inputs = write_inputs(Path(folder) / "inputs.npz", args.data)
        flags = ["--seconds", str(args.seconds)] + (["--skip-mtcnn"] if args.skip_mtcnn else [])
        return subprocess.run(pypi_side(python, "--inputs", str(inputs), *flags)).returncode


# ---- PyPI fer's side (run in its venv: nothing of this package is importable there) -------------------------

def load_fer(tflite: bool = True, mtcnn: bool = False):
    import importlib.util

    import cv2
    import torch  # noqa: F401  (before tensorflow: the other order aborts with duplicate LLVM options)

    if importlib.util.find_spec("fer.fer") is not None:  # fer >= 25 (it needs pkg_resources: setuptools < 81)
        from fer.fer import FER
    else:
        from fer import FER
    import fer

    # OpenCV 5 no longer ships Haar cascades (cv2.data.haarcascades is empty); the fer wheel carries its own
    default = Path(cv2.data.haarcascades) / "haarcascade_frontalface_default.xml"
    cascade = None if default.is_file() else str(Path(fer.__file__).parent / "data" / "haarcascade_frontalface_default.xml")
    return FER(mtcnn=True) if mtcnn else FER(cascade_file=cascade, use_tflite=tflite)


def macro_f1(y: np.ndarray, pred: np.ndarray, n_classes: int = LABEL_COUNT) -> float:
    scores = []
    for c in range(n_classes):
        tp = np.sum((pred == c) & (y == c))
        precision = tp / max(np.sum(pred == c), 1)
        recall = tp / max(np.sum(y == c), 1)
        scores.append(0.0 if tp == 0 else 2 * precision * recall / (precision + recall))
    return float(np.mean(scores))


def as_its_input(faces48: np.ndarray) -> np.ndarray:
    """What FER.detect_emotions hands its classifier for a face crop: 64x64, scaled to [-1, 1]."""
    import cv2

    faces = np.stack([cv2.resize(f, (64, 64)) for f in faces48]).astype("float32")
    return (faces / 255.0 - 0.5) * 2.0


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


def accuracy(inputs) -> None:
    """(a): both of its classifiers on PrivateTest's faces."""
    labels, x = inputs["labels"], as_its_input(inputs["faces"])
    plus = "ferplus_rows" in inputs
    print(f"\n(a) FER2013 PrivateTest, {len(labels)} faces fed straight to its classifier (64x64, [-1,1])"
          + (f"; FER+ = our protocol (`--labels ferplus`), {len(inputs['ferplus_labels'])} of them" if plus else ""))
    for name, tflite in (("TFLite int8 (its default)", True), ("Keras emotion_model.hdf5", False)):
        detector = load_fer(tflite)
        start = time.perf_counter()
        pred = np.concatenate([np.asarray(detector._classify_emotions(x[i:i + 256]))
                               for i in range(0, len(x), 256)]).argmax(1)
        ms = 1000 * (time.perf_counter() - start) / len(labels)
        print(f"  {name:26s} accuracy {np.mean(pred == labels):.4f}  macro-F1 {macro_f1(labels, pred):.4f}  "
              f"({ms:.2f} ms/face batch 256)")
        if plus:
            rows, plus_labels = inputs["ferplus_rows"], inputs["ferplus_labels"]
            print(f"  {'':26s} FER+ accuracy {np.mean(pred[rows] == plus_labels):.4f}  "
                  f"macro-F1 {macro_f1(plus_labels, pred[rows]):.4f}")


def serve(frame: np.ndarray, threads: int) -> int:
    """Loads FER (Haar) once, prints a JSON line, then times the frame for each SECONDS line of stdin."""
    import importlib.metadata as md

    haar = load_fer()
    found = len(haar.detect_emotions(frame))
    for _ in range(3):
        haar.detect_emotions(frame)
    print(json.dumps({"version": md.version("fer"), "detector": "haar", "faces_found": found,
                      "threads": threads or None}), flush=True)
    for line in sys.stdin:
        times = frame_times_ms(haar, frame, warmup=0, min_seconds=float(line))
        print(json.dumps({"times_ms": [round(t, 3) for t in times]}), flush=True)
    return 0


def mtcnn_in_child(inputs_path: str, seconds: float) -> str:
    """MTCNN figures from a child process: with torch and tensorflow in one process, facenet-pytorch's MTCNN can
    abort the interpreter (duplicate LLVM options), which must not lose the figures above."""
    child = subprocess.run(pypi_side(sys.executable, "--inputs", inputs_path, "--only-mtcnn", "--seconds",
                                     str(seconds)), capture_output=True, text=True)
    if child.returncode == 0:
        return child.stdout.rstrip()
    last = [line for line in child.stderr.splitlines() if line.strip()][-2:]
    return f"  MTCNN failed (exit {child.returncode}): {' / '.join(last)}"


def pypi_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="PyPI fer's side (see the docstring)")
    parser.add_argument("--inputs", required=True, help=".npz written by write_inputs")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--skip-mtcnn", action="store_true")
    parser.add_argument("--only-mtcnn", action="store_true")
    parser.add_argument("--threads", type=int, default=0, help="limit TensorFlow and OpenCV to N threads (0: theirs)")
    parser.add_argument("--serve", action="store_true")
    args = parser.parse_args(argv)
    inputs = np.load(args.inputs)
    if args.threads:
        import cv2
        import torch  # noqa: F401  (before tensorflow, see load_fer)
        import tensorflow as tf

        cv2.setNumThreads(args.threads)
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    if args.serve:
        return serve(inputs["frame"], args.threads)
    if args.only_mtcnn:
        mtcnn = load_fer(mtcnn=True)
        frame = inputs["frame"]
        print(f"  MTCNN ({len(mtcnn.detect_emotions(frame))} face found): "
              f"{describe_times(frame_times_ms(mtcnn, frame, min_seconds=args.seconds))}")
        return 0
    return figures(args, inputs)


def figures(args, inputs) -> int:
    import importlib.metadata as md
    import platform

    import cv2
    import torch  # noqa: F401  (before tensorflow, see load_fer)
    import tensorflow as tf

    print(f"PyPI fer {md.version('fer')}, tensorflow {tf.__version__}, opencv {cv2.__version__}, "
          f"python {platform.python_version()}, {os.cpu_count()} CPUs")
    if "faces" in inputs:
        accuracy(inputs)
    frame = inputs["frame"]
    print("\n(b) detect_emotions on the one-face 640x480 frame of `python -m fer bench` (default TFLite classifier)")
    haar = load_fer()
    print(f"  Haar  ({len(haar.detect_emotions(frame))} face found): "
          f"{describe_times(frame_times_ms(haar, frame, min_seconds=args.seconds))}")
    if not args.skip_mtcnn:
        print(mtcnn_in_child(args.inputs, args.seconds))
    return 0


if __name__ == "__main__":
    sys.exit(pypi_main())
