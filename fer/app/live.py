"""Helpers for the live webcam page: the latest-result queue and the test-only frame statistics hook.

State that the video callback (a worker thread) shares with the page lives in objects made here, not in
the page script, which Streamlit re-executes on every rerun.
"""
from __future__ import annotations

import json
import os
import queue
import threading
import time

FRAME_STATS_ENV = "FER_FRAME_STATS_FILE"
CHART_INTERVAL_S = 0.5  # the live chart redraws twice a second: readable, and it leaves the 2 cores to the video
NO_FACE: dict = {}  # what the callback posts for a frame without a face (the page says so)


class LatestQueue:
    """A thread-safe mailbox that keeps only the newest item: the callback never blocks, the page never lags."""

    def __init__(self):
        self._queue: queue.Queue = queue.Queue(maxsize=1)

    def put(self, item) -> None:
        while True:
            try:
                self._queue.put_nowait(item)
                return
            except queue.Full:
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    pass

    def get(self, timeout: float | None = None):
        """The newest item, or None after `timeout` seconds without one."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None


def chart_updates(mailbox: LatestQueue, is_playing, interval_s: float = CHART_INTERVAL_S):
    """Yield (n, newest probabilities) from `mailbox` at most once per `interval_s` while `is_playing()`
    (NO_FACE, empty, when the newest frame has no face): each plotly redraw costs the server and the browser far
    more than a video frame's worth of CPU."""
    n = 0
    while is_playing():
        started = time.monotonic()
        probabilities = mailbox.get(timeout=1.0)
        if probabilities is None:  # no frame for a second
            continue
        n += 1
        yield n, probabilities
        time.sleep(max(0.0, interval_s - (time.monotonic() - started)))


def main_face(faces):
    """The largest face (by box area), the one the live chart follows; None when there is none."""
    return max(faces, key=lambda f: f.box[2] * f.box[3], default=None)


class FrameStats:
    """Test-only hook: counts processed frames and faces into a JSON file when FER_FRAME_STATS_FILE is set.

    Lets a browser test prove that frames went through the server-side callback. Without the variable
    it does nothing."""

    def __init__(self, path: str | None = None):
        self.path = path
        self._lock = threading.Lock()
        self._state = {"frames": 0, "faces": 0, "first_ts": None, "last_ts": None, "last_faces": []}

    @classmethod
    def from_env(cls) -> "FrameStats":
        return cls(os.environ.get(FRAME_STATS_ENV) or None)

    def record(self, faces) -> int:
        """Count one processed frame and its faces (the last frame's boxes and labels are kept)."""
        if not self.path:
            return 0
        with self._lock:
            now = time.time()
            self._state["frames"] += 1
            self._state["faces"] += len(faces)
            self._state["last_faces"] = [{"box": list(f.box), "label": f.label} for f in faces]
            self._state["first_ts"] = self._state["first_ts"] or now
            self._state["last_ts"] = now
            tmp = f"{self.path}.tmp"
            with open(tmp, "w") as f:
                json.dump(self._state, f)
            os.replace(tmp, self.path)
            return self._state["frames"]


FRAME_STATS = FrameStats.from_env()  # one per server process: the module survives reruns


def make_frame_callback(stream, mailbox: LatestQueue, stats: FrameStats = FRAME_STATS):
    """The `video_frame_callback` for streamlit-webrtc: runs the stream on each frame (in a worker thread),
    returns the annotated frame and posts the main face's probabilities to `mailbox` for the live chart."""
    import av  # only the webcam page needs PyAV

    def video_frame_callback(frame: av.VideoFrame) -> av.VideoFrame:
        annotated, faces = stream.process_frame(frame.to_ndarray(format="bgr24"))
        stats.record(faces)
        face = main_face(faces)
        mailbox.put(NO_FACE if face is None else dict(face.probabilities))
        return av.VideoFrame.from_ndarray(annotated, format="bgr24")  # streamlit-webrtc stamps its pts

    return video_frame_callback
