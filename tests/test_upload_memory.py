"""What the server keeps of an upload and of a session: a 12-megapixel photo's result is what the page shows (the
full-size annotated copy is drawn again on download), and a session whose browser has gone is closed, with its
temporary files, after the reconnect window, without waiting for another visitor (fer.app.sessions)."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

import fer
from fer.app import recognition, tempfiles
from fer.app.sessions import SessionReaper
from tests.e2e import harness


# ---------------------------------------------------------------- a large photo's result
@pytest.fixture(scope="module")
def twelve_megapixels() -> bytes:
    canvas = np.full((3000, 4000, 3), 120, np.uint8)
    canvas[300:2700, 800:3200] = cv2.resize(harness.astronaut_bgr(), (2400, 2400))
    return cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()


def test_a_large_photo_keeps_only_what_the_page_shows(tiny_version, twelve_megapixels):
    recognizer = recognition.SharedRecognizer(fer.Recognizer(str(tiny_version), detector="haar"))
    result = recognition.analyse_upload(recognizer, "big.jpg", twelve_megapixels)
    assert result.ok and result.faces and result.pixels == 12_000_000
    assert max(result.annotated.shape[:2]) == recognition.SHOWN_SIDE  # not 4000 x 3000 x 3 bytes (36 MB)
    assert recognition.result_bytes(result) < 8 * 2**20
    full = cv2.imdecode(np.frombuffer(recognition.annotated_png(result, twelve_megapixels), np.uint8), cv2.IMREAD_COLOR)
    assert full.shape == (3000, 4000, 3)
    shown = cv2.resize(cv2.cvtColor(full, cv2.COLOR_BGR2RGB), result.annotated.shape[1::-1], interpolation=cv2.INTER_AREA)
    assert np.abs(shown.astype(int) - result.annotated).mean() < 1  # the same drawing, at the shown size


# ---------------------------------------------------------------- closed sessions
class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_a_gone_session_is_closed_after_the_reconnect_window_and_a_connected_one_never():
    clock, connected, closed = Clock(), {"a", "b"}, []
    reaper = SessionReaper(lambda s: s in connected, lambda s, handle: closed.append((s, handle)), ttl_s=120,
                           every_s=10, clock=clock)
    reaper.track("a", "session-a")
    reaper.track("b", "session-b")
    clock.now = 50
    assert reaper.sweep() == []  # both connected: "last seen" moves on
    connected.discard("a")  # a's browser leaves at about 50 s
    clock.now = 50 + 120
    assert reaper.sweep() == [] and not closed  # within the reconnect window a browser may come back
    clock.now = 50 + 131
    assert reaper.sweep() == ["a"] and closed == [("a", "session-a")]
    clock.now = 10_000
    assert reaper.sweep() == [] and len(reaper) == 1  # b is still connected


def test_a_failing_close_does_not_stop_the_others():
    def close(session_id, handle):
        if session_id == "a":
            raise RuntimeError("boom")
        closed.append(session_id)

    clock, closed = Clock(), []
    reaper = SessionReaper(lambda s: False, close, ttl_s=1, every_s=1, clock=clock)
    reaper.track("a")
    reaper.track("b")
    clock.now = 5
    assert sorted(reaper.sweep()) == ["a", "b"] and closed == ["b"]


def test_a_sessions_temporary_files_are_in_its_own_folder_removed_with_it():
    folder = tempfiles.new_temp_dir("fer-video-", "1f0c-4a2b")
    (folder / "upload.mp4").write_bytes(b"video")
    assert folder.parent == tempfiles.session_temp_dir("1f0c-4a2b")
    assert folder.parent.parent == tempfiles.process_temp_root()
    assert tempfiles.remove_session_files("1f0c-4a2b") and not folder.parent.exists()
    assert not tempfiles.remove_session_files("1f0c-4a2b")
    assert tempfiles.session_temp_dir("../x").parent == tempfiles.process_temp_root()
    assert tempfiles.session_temp_dir("test session id").name == "session-test_session_id"
