"""The video page's processing, measured outside the browser: a generated 640x480, 30 frames/s clip of the
astronaut's face moving through `fer.app.video.analyse_video` (what the page runs: process_video with the
per-frame CSV, the H.264 annotated copy and the timelines), with the app's recognizer (default photo version,
ONNX, its TTA, the app's default detector). Prints the Grad-CAM time of one face, frames/s per setting, the
peak memory of a short and a 4x longer clip (the peak is reset between runs), and what the H.264 copy costs
per frame against OpenCV's mp4v.

    python benchmarks/video_page.py                    # 300 and 1200 frames
    python benchmarks/video_page.py --frames 150 --detect-every 1 3
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import torch

import fer
from fer import version as versions
from fer.app import video as clips
from fer.inference import Recognizer
from fer.inference.detector_policy import DEFAULT_DETECTOR
from fer.inference.video import video_writer
from tests.e2e import harness

SIZE = (640, 480)


def frames(n: int):
    head = cv2.resize(harness.astronaut_bgr()[20:260, 120:340], (200, 220), interpolation=cv2.INTER_AREA)
    for i in range(n):
        canvas = np.full((SIZE[1], SIZE[0], 3), 96, np.uint8)
        x = int(40 + (SIZE[0] - 280) * (0.5 - 0.5 * np.cos(i / 45)))
        canvas[120:340, x:x + 200] = head
        yield canvas


def write_clip(path: Path, n: int) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30, SIZE)
    for frame in frames(n):
        writer.write(frame)
    writer.release()
    return path


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # Linux: VmHWM back to the current RSS
    except OSError:
        pass


def writer_ms_per_frame(path: Path, browser: bool, n: int = 120) -> float:
    batch = list(frames(n))
    writer = video_writer(path, 30, SIZE, browser=browser)
    started = time.perf_counter()
    for frame in batch:
        writer.write(frame)
    writer.release()
    return (time.perf_counter() - started) / n * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, nargs="+", default=[300, 1200])
    parser.add_argument("--detect-every", type=int, nargs="+", default=[3, 1])
    parser.add_argument("--detector", default=DEFAULT_DETECTOR)
    args = parser.parse_args()
    name = versions.default_version("photo")
    card = versions.read_card(name)
    recognizer = Recognizer(name, detector=args.detector)  # as the app runs it: ONNX, the version's TTA
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs at the start")
    print(f"version {name} (ONNX, TTA {card.tta}), detector {args.detector}, {SIZE[0]}x{SIZE[1]} "
          "clips at 30 frames/s")
    version = fer.load(name)
    face = fer.inference.face_crops(harness.astronaut_bgr(), recognizer.detect(harness.astronaut_bgr()))[:1]
    times = []
    for _ in range(30):
        started = time.perf_counter()
        fer.explain(version, face)
        times.append((time.perf_counter() - started) * 1000)
    print(f"why this label: Grad-CAM of one face with {name} (PyTorch, {torch.get_num_threads()} threads): "
          f"median {np.median(times):.1f} ms, best {min(times):.1f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        h264 = writer_ms_per_frame(tmp / "w.mp4", True)
        vp9 = writer_ms_per_frame(tmp / "w.webm", True)
        mp4v = writer_ms_per_frame(tmp / "w_cv.mp4", False)
        print(f"annotated copy, writing only: H.264 (PyAV libx264 veryfast) {h264:.1f} ms/frame, VP9 (PyAV libvpx "
              f"realtime) {vp9:.1f} ms/frame, OpenCV mp4v (not browser-playable) {mp4v:.1f} ms/frame")
        for every in args.detect_every:
            for n in args.frames:
                clip = write_clip(tmp / f"clip{n}.mp4", n)
                reset_peak()
                before = peak_rss_mb()
                started = time.perf_counter()
                result = clips.analyse_video(recognizer, clip.name, clip, detect_every=every)
                seconds = time.perf_counter() - started
                assert result.ok, result.error
                print(f"detect every {every}, {n} frames ({n / 30:.0f} s of video): {n / seconds:.1f} frames/s, "
                      f"{len(result.tracks)} track(s), peak RSS +{peak_rss_mb() - before:.0f} MB "
                      f"(from {before:.0f} MB), annotated {result.annotated_path.stat().st_size / 2**20:.1f} MB")
                del result


if __name__ == "__main__":
    main()
