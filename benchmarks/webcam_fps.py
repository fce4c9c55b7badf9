"""Frames per second that the live webcam page really processes: Chromium's fake camera (a still face, ~30
frames/s) streams over WebRTC on loopback to `streamlit run`, whose video callback counts each frame it has
run through FaceStream.process_frame (the FER_FRAME_STATS_FILE hook). Needs root (a loopback-only network
namespace, as in the browser tests) and Debian's /usr/bin/chromium.

    python -m benchmarks.webcam_fps                 # shipped checkpoints, the page's defaults, 30 s
    python -m benchmarks.webcam_fps --seconds 60 --checkpoints path/to/checkpoints
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from tests.e2e import harness

REPO = Path(__file__).resolve().parents[1]

IFRAME = "iframe[title='streamlit_webrtc.component.webrtc_streamer']"


def read_stats(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {"frames": 0, "faces": 0}


def wait_for_frames(path: Path, frames: int, timeout: float) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        stats = read_stats(path)
        if stats["frames"] >= frames:
            return stats
        time.sleep(0.2)
    raise TimeoutError(f"the server processed only {read_stats(path)['frames']} frames in {timeout:.0f} s")


def measure(checkpoints: Path, seconds: float, work: Path) -> dict:
    from playwright.sync_api import sync_playwright

    stats_file, video = work / "frames.json", harness.write_face_video(work / "face.mjpeg")
    env = {"FER_CHECKPOINTS": str(checkpoints), "FER_FRAME_STATS_FILE": str(stats_file), "FER_RUNS_DIR": str(work)}
    with harness.streamlit_server(env, log_path=work / "streamlit.log") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=harness.CHROMIUM, headless=True,
                                    args=harness.camera_args(video))
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(url + "/Live_webcam")
            page.get_by_role("heading", name="Live webcam").wait_for(timeout=300_000)
            page.frame_locator(IFRAME).get_by_role("button", name="START").click(timeout=300_000)
            start = wait_for_frames(stats_file, 30, 240)  # past the connection and the model's first calls
            time.sleep(seconds)
            end = read_stats(stats_file)
        finally:
            browser.close()
    frames = end["frames"] - start["frames"]
    elapsed = end["last_ts"] - start["last_ts"]
    return {"frames": frames, "seconds": round(elapsed, 2), "fps": round(frames / elapsed, 2),
            "faces_per_frame": round((end["faces"] - start["faces"]) / max(frames, 1), 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoints", type=Path, default=REPO / "checkpoints")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long to count frames")
    args = parser.parse_args()
    harness.enter_loopback_network()
    with tempfile.TemporaryDirectory() as work:
        r = measure(args.checkpoints.resolve(), args.seconds, Path(work))
    print(f"live webcam page, default real-time model and detector settings: {r['fps']:.1f} frames/s processed "
          f"on the server ({r['frames']} frames in {r['seconds']:.1f} s, {r['faces_per_frame']:.2f} faces a frame)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
