"""Starting `streamlit run` on a free loopback port, Chromium flags, and the test media (also used by
benchmarks/load_upload.py). Debian's /usr/bin/chromium is driven by Playwright; never `playwright install`."""
from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import cv2
import numpy as np
from playwright.sync_api import TimeoutError as PlaywrightTimeout

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts"
BASE_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


CLONE_NEWNET = 0x40000000


def only_loopback() -> bool:
    return [name for _, name in socket.if_nameindex()] == ["lo"]  # not /sys/class/net: sysfs shows the old netns


def enter_loopback_network() -> None:
    """Move this process (and so streamlit and Chromium, its children) into a network namespace with only
    `lo`, plus 127.0.0.2 because aioice never offers 127.0.0.1: WebRTC then stays on loopback.
    Raises PermissionError where that needs a privilege this process lacks."""
    if not only_loopback():
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(CLONE_NEWNET) != 0:
            raise PermissionError(f"cannot make a loopback-only network namespace "
                                  f"(unshare errno {ctypes.get_errno()}; needs root)")
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    subprocess.run(["ip", "addr", "replace", "127.0.0.2/8", "dev", "lo"], check=True)
    if not only_loopback():
        raise RuntimeError("the network namespace still has interfaces other than lo")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(port: int, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {process.returncode} before becoming healthy")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"streamlit on port {port} not healthy after {timeout:.0f} s")


@contextlib.contextmanager
def streamlit_server(env: dict | None = None, log_path: str | Path | None = None, timeout: float = 300,
                     checkout: Path = REPO):
    """`streamlit run streamlit_app.py` (of `checkout`) on 127.0.0.1:<free port> in its own process group, once
    it answers /_stcore/health; yields its URL."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port), "--server.fileWatcherType", "none",
               "--browser.gatherUsageStats", "false", "--global.developmentMode", "false"]
    log = open(log_path or os.devnull, "w")
    process = subprocess.Popen(command, cwd=checkout, env={**os.environ, **(env or {})}, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_healthy(port, process, timeout)
        yield f"http://127.0.0.1:{port}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)  # only the group we started
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


@contextlib.contextmanager
def app_server(checkpoints: str | Path, runs_dir: str | Path, log_path: str | Path, **more_env: str):
    """The app serving the versions in `checkpoints`, training runs kept in `runs_dir`; yields its URL."""
    env = {"FER_CHECKPOINTS": str(checkpoints), "FER_RUNS_DIR": str(runs_dir), **more_env}
    with streamlit_server(env, log_path=log_path) as url:
        yield url


def camera_args(video_file: str | Path) -> list[str]:
    """A fake camera that plays `video_file`, auto-granted, with WebRTC allowed on loopback interfaces."""
    return BASE_ARGS + ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                        f"--use-file-for-fake-video-capture={video_file}", "--allow-loopback-in-peer-connection",
                        "--autoplay-policy=no-user-gesture-required"]


def astronaut_bgr() -> np.ndarray:
    """scikit-image's astronaut (a public-domain NASA portrait, shipped inside the wheel), as BGR."""
    from skimage import data

    return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)


def write_face_photo(path: str | Path) -> Path:
    cv2.imwrite(str(path), astronaut_bgr(), [cv2.IMWRITE_JPEG_QUALITY, 90])
    return Path(path)


def camera_frame(size: tuple[int, int] = (640, 480)) -> np.ndarray:
    """The fake camera's picture: the astronaut, 400x400, on a grey background (still, so boxes hold still)."""
    width, height = size
    frame = np.full((height, width, 3), 64, np.uint8)
    frame[40:440, 120:520] = cv2.resize(astronaut_bgr(), (400, 400), interpolation=cv2.INTER_AREA)
    return frame


def empty_room_frame(size: tuple[int, int] = (640, 480)) -> np.ndarray:
    """A camera picture with no face in it: a lit wall with a door-like dark rectangle and sensor noise."""
    width, height = size
    frame = np.full((height, width, 3), 150, np.uint8)
    frame[120:480, 380:540] = 70
    noise = np.random.default_rng(0).normal(0, 6, frame.shape)
    return np.clip(frame + noise, 0, 255).astype(np.uint8)


def write_face_video(path: str | Path, frames: int = 60, picture: np.ndarray | None = None) -> Path:
    """MJPEG for Chromium's fake camera: JPEG images simply concatenated (Chromium loops the file); the still
    `picture` (default: the astronaut's camera_frame)."""
    picture = camera_frame() if picture is None else picture
    jpeg = cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()
    Path(path).write_bytes(jpeg * frames)
    return Path(path)


def open_face(page, number: int, timeout_ms: float) -> None:
    """On the upload page: choose face `number` in "Open a face" and wait until it is open (its saliency toggle
    exists only then; a chart that finished rendering late must not pass for the opened face's). On a busy machine
    a rerun still drawing the page can replace the box while it is typed into, so the choice is made again until
    the face opens."""
    choice = page.get_by_test_id("stSelectbox").filter(has_text="Open a face").locator("input")
    opened = page.get_by_text("Why this label? (saliency)")
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        page.get_by_test_id("stStatusWidget").filter(has_text="Running").wait_for(state="hidden", timeout=timeout_ms)
        choice.click(timeout=timeout_ms)
        choice.fill("")  # a failed try leaves its text in the box, and "1 1 " matches no option
        choice.press_sequentially(f"{number} ")  # options read "3 happy 87%": the first match is face `number`
        choice.press("Enter")
        try:
            opened.wait_for(timeout=min(30_000, max(1.0, deadline - time.monotonic()) * 1000))
            return
        except PlaywrightTimeout:
            if time.monotonic() >= deadline:
                raise
