"""What the server keeps of an upload and of a session: a 12-megapixel photo's result is what the page shows, as
JPEG bytes (the full-size annotated copy is drawn again on download), counted whole against the upload budget;
photos are decoded one at a time however many sessions upload; and a session whose browser has gone is closed,
with its temporary files, after the reconnect window, without waiting for another visitor (fer.app.sessions)."""
from __future__ import annotations

import threading
import time
import weakref
from dataclasses import fields
from functools import partial

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


@pytest.fixture(scope="module")
def recognizer(tiny_version):
    return recognition.SharedRecognizer(fer.Recognizer(str(tiny_version), detector="haar"))


def held_bytes(value, seen=None) -> int:
    """Every image byte a value keeps alive: numpy arrays and bytes reachable through dataclasses, lists, dicts,
    partials (`seen`: ids of values not to count)."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return 0
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    if isinstance(value, partial):
        value = [value.args, value.keywords]
    if isinstance(value, (list, tuple)):
        return sum(held_bytes(v, seen) for v in value)
    if isinstance(value, dict):
        return sum(held_bytes(v, seen) for v in value.values())
    if hasattr(value, "__dataclass_fields__"):
        return sum(held_bytes(getattr(value, f.name), seen) for f in fields(value))
    return 0


def test_a_large_photo_keeps_only_what_the_page_shows(recognizer, twelve_megapixels):
    result = recognition.analyse_upload(recognizer, "big.jpg", twelve_megapixels)
    assert result.ok and result.faces and result.pixels == 12_000_000
    assert max(result.annotated.shape[:2]) == recognition.SHOWN_SIDE  # not 4000 x 3000 x 3 bytes (36 MB)
    assert held_bytes(result) < 2**20  # encoded: a decoded 1460 x 1095 image alone would be 4.6 MB
    assert held_bytes(result) <= recognition.result_bytes(result)  # the budget counts all it keeps
    drawing = recognition.deferred_annotated_png(result, twelve_megapixels)  # kept by the session until clicked
    assert held_bytes(drawing, seen={id(twelve_megapixels)}) == 0  # the upload's bytes are the uploader's
    full = cv2.imdecode(np.frombuffer(drawing(), np.uint8), cv2.IMREAD_COLOR)
    assert full.shape == (3000, 4000, 3)
    annotated = result.annotated
    shown = cv2.resize(cv2.cvtColor(full, cv2.COLOR_BGR2RGB), annotated.shape[1::-1], interpolation=cv2.INTER_AREA)
    assert np.abs(shown.astype(int) - annotated).mean() < 1  # the same drawing, at the shown size


def photo(seed: int, size=(1200, 1600)) -> bytes:
    canvas = np.random.default_rng(seed).integers(90, 140, (*size, 3), dtype=np.uint8)
    canvas[100:1100, 300:1300] = cv2.resize(harness.astronaut_bgr(), (1000, 1000))
    return cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()


def test_what_a_session_keeps_after_many_uploads_stays_within_the_budget(recognizer):
    one = recognition.analyse_upload(recognizer, "one.jpg", photo(0))
    budget = 3 * recognition.result_bytes(one)
    cache, uploads, downloads = recognition.ByteBudgetCache(budget), [], []
    for i in range(8):  # eight photos, room for three, as the upload page runs them
        uploads.append(data := photo(i))
        result = cache.get_or_compute(
            i, lambda i=i, data=data: recognition.analyse_upload(recognizer, f"{i}.jpg", data))
        downloads.append(recognition.deferred_annotated_png(result, data))
    kept = [value for value, _ in cache._items.values()]
    assert 2 <= len(kept) <= 3 and cache.nbytes <= budget
    # counted as what it is, and nothing decoded behind the budget's back (the uploads are the uploader's)
    assert held_bytes([kept, downloads], seen={id(data) for data in uploads}) <= budget


def test_sessions_uploading_together_decode_one_photo_at_a_time(recognizer, monkeypatch):
    alive, most = [0], [0]
    count = threading.Lock()
    read_image = recognition.read_image

    def freed():
        with count:
            alive[0] -= 1

    def counting_read_image(*args, **kwargs):
        bgr = read_image(*args, **kwargs)
        weakref.finalize(bgr, freed)
        with count:
            alive[0] += 1
            most[0] = max(most[0], alive[0])
        time.sleep(0.3)  # other sessions' photos would be decoded meanwhile
        return bgr

    monkeypatch.setattr(recognition, "read_image", counting_read_image)
    results = []
    sessions = [threading.Thread(target=lambda i=i: results.append(
        recognition.analyse_upload(recognizer, f"{i}.jpg", photo(i)))) for i in range(3)]
    for session in sessions:
        session.start()
    for session in sessions:
        session.join()
    assert len(results) == 3 and all(r.ok for r in results)
    assert most[0] == 1 and alive[0] == 0  # decoded photos alive at once, and left over


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
