"""What the server keeps of an upload and of a session: a 12-megapixel photo's result is what the page shows, as
JPEG bytes (the full-size annotated copy is drawn again on download); the upload page takes its files out of
Streamlit's uploader once analysed and keeps its own photo list, every session's within one byte budget
(fer.app.photo_list: upload bytes evicted first, then images, never a photo's rows); photos are decoded one at a
time however many sessions upload; and a session whose browser has gone is closed, with its temporary files, after
the reconnect window, without waiting for another visitor (fer.app.sessions)."""
from __future__ import annotations

import shutil
import threading
import time
import weakref
from dataclasses import fields
from functools import partial

import cv2
import numpy as np
import pytest

import fer
from fer.app import gallery, photo_list, recognition, tempfiles, ui
from fer.app.sessions import SessionReaper
from fer.inference.results import Detection, Face
from fer.labels import EMOTIONS
from tests.e2e import harness
from tests.test_app import run_page


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
    photos = photo_list.UploadBudget(64 * 2**20).new_list()
    photo = photos.add("big.jpg", twelve_megapixels, ANALYSED_WITH, lambda name, data: result)
    assert photo.data is twelve_megapixels and held_bytes(photo) <= photo.nbytes  # the upload's bytes, not a copy
    drawing = photo.annotated_png  # what the download button keeps until clicked: the photo, counted above
    assert drawing.__self__ is photo
    full = cv2.imdecode(np.frombuffer(drawing(), np.uint8), cv2.IMREAD_COLOR)
    assert full.shape == (3000, 4000, 3)
    annotated = result.annotated
    shown = cv2.resize(cv2.cvtColor(full, cv2.COLOR_BGR2RGB), annotated.shape[1::-1], interpolation=cv2.INTER_AREA)
    assert np.abs(shown.astype(int) - annotated).mean() < 1  # the same drawing, at the shown size


def photo(seed: int, size=(1200, 1600)) -> bytes:
    canvas = np.random.default_rng(seed).integers(90, 140, (*size, 3), dtype=np.uint8)
    canvas[100:1100, 300:1300] = cv2.resize(harness.astronaut_bgr(), (1000, 1000))
    return cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()


ANALYSED_WITH = ("tiny", "haar", "checkpoints", "normal")


def test_what_sessions_keep_after_many_uploads_stays_within_the_budget(recognizer):
    one = recognition.analyse_upload(recognizer, "one.jpg", photo(0))
    budget = photo_list.UploadBudget(int(16.5 * recognition.result_bytes(one) + 3.5 * len(photo(0))))
    sessions, downloads = [budget.new_list(), budget.new_list()], []
    for i in range(8):  # two sessions, eight photos each: room for all their results and about three uploads
        for session in sessions:
            added = session.add(f"{i}.jpg", photo(i), ANALYSED_WITH, partial(recognition.analyse_upload, recognizer))
            downloads.append(added.annotated_png)
    assert budget.nbytes <= budget.budget and all(len(session) == 8 for session in sessions)  # all still listed
    kept = [p for session in sessions for p in session]
    assert held_bytes([kept, [d.__self__ for d in downloads]]) <= budget.nbytes  # nothing held behind its back
    uploads_kept = [p.data is not None for p in sorted(kept, key=lambda p: p.number)]
    assert uploads_kept[-2:] == [True, True] and not any(uploads_kept[:-4])  # the newest uploads stay
    assert all(p.result.ok and p.result.faces for p in kept)  # every photo keeps its faces and rows


SHOWN = recognition.jpeg_bytes(np.random.default_rng(0).integers(0, 255, (60, 80, 3), dtype=np.uint8))  # ~10 kB


def one_face(name: str, data: bytes) -> recognition.UploadResult:
    """An analysis whose result has a known size: a small shown image, one face and its crop."""
    face = Face.from_probabilities(Detection((0, 0, 10, 10), 0.9), np.full(7, 1 / 7), EMOTIONS)
    return recognition.UploadResult(name, [face], shown=SHOWN, crops=[bytes(100)], pixels=1200)


def test_upload_bytes_go_first_oldest_first_across_sessions_then_images_never_rows():
    result_size = recognition.result_bytes(one_face("x.jpg", b""))
    budget = photo_list.UploadBudget(4 * result_size + 2 * 20_000)  # four results, two uploads
    a, b = budget.new_list(), budget.new_list()
    a.add("a1.jpg", bytes(20_000), ANALYSED_WITH, one_face)
    b.add("b1.jpg", b"b" * 20_000, ANALYSED_WITH, one_face)
    a.add("a2.jpg", b"a" * 20_000, ANALYSED_WITH, one_face)  # over the budget: a1's upload, the oldest, goes
    assert [p.data is not None for p in [*a, *b]] == [False, True, True]
    assert budget.nbytes == 3 * result_size + 2 * 20_000
    b.add("b2.jpg", b"c" * 20_000, ANALYSED_WITH, one_face)  # then b1's
    assert [p.data is not None for p in [*a, *b]] == [False, True, False, True]
    small = photo_list.UploadBudget(3 * result_size)  # room for the results only
    c = small.new_list()
    for i in range(4):
        c.add(f"c{i}.jpg", bytes([i]) * 20_000, ANALYSED_WITH, one_face)
    assert [p.data for p in c] == [None] * 4  # every upload went before any image
    # then the oldest photos' images: one photo's free less than a result (its rows stay), so the two oldest
    assert [p.images_dropped for p in c] == [True, True, False, False]
    assert small.nbytes <= small.budget and all(len(p.result.rows()) == 1 for p in c)  # its row stays
    first = list(c)[0]
    assert first.annotated_png() == b""  # nothing to draw from; the page shows its rows only
    assert list(c)[2].annotated_png()[:4] == b"\x89PNG"  # the image as shown, as the page says


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


# ---------------------------------------------------------------- the upload page's own photo list (AppTest)
@pytest.fixture
def upload_page(tiny_version, tmp_path, monkeypatch):
    """The upload page on a copy of the tiny version; `managers`: the UploadedFileManagers its runs used."""
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager

    shutil.copytree(tiny_version, tmp_path / "ckpt" / "tiny")
    monkeypatch.setenv("FER_CHECKPOINTS", str(tmp_path / "ckpt"))
    monkeypatch.setenv("FER_RUNS_DIR", str(tmp_path / "runs"))
    managers, init = [], MemoryUploadedFileManager.__init__
    monkeypatch.setattr(MemoryUploadedFileManager, "__init__",
                        lambda self, *args: (managers.append(self), init(self, *args))[1])
    at = run_page("pages/1_Upload_photos.py", model_version="tiny", face_detector="haar")
    return at, managers


def held_uploads(at) -> list:
    """The UploadedFile objects the session's state still refers to (a widget's last value)."""
    from streamlit.runtime.uploaded_file_manager import UploadedFile

    values = list(at.session_state._state._state._old_state.values())
    return [v for value in values for v in (value if isinstance(value, list) else [value])
            if isinstance(v, UploadedFile)]


def uploader(at):
    (widget,) = at.get("file_uploader")
    return widget


def test_analysed_photos_leave_the_uploader_and_stay_listed(upload_page, monkeypatch):
    at, managers = upload_page
    astronaut = photo(1)
    uploader(at).set_value([("astronaut.jpg", astronaut, "image/jpeg"), ("notes.png", b"not a photo", "image/png")])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [h.value for h in at.subheader] == ["astronaut.jpg", "notes.png"]
    assert any("notes.png" in e.value for e in at.error)  # a refused file is still named with the reason
    assert uploader(at).key == "photos_1" and not uploader(at).value  # a new, empty uploader
    assert not managers[-1].file_storage.get("test session id")  # Streamlit's copies are gone ...
    assert held_uploads(at) == []  # ... and nothing in the session refers to them
    (photos,) = [v for v in at.session_state._state._state._old_state.values()
                 if isinstance(v, photo_list.PhotoList)]
    assert [p.data is astronaut or p.data == astronaut for p in photos] == [True, False]  # kept for the download
    assert any("2 photos listed" in c.value for c in at.caption)

    uploader(at).set_value([("group.jpg", photo(2), "image/jpeg"), ("astronaut.jpg", astronaut, "image/jpeg"),
                            ("astronaut.jpg", photo(3), "image/jpeg")]).run()  # more, the same one, a namesake
    assert not at.exception, [e.value for e in at.exception]
    assert [h.value for h in at.subheader] == ["All photos", "astronaut.jpg", "notes.png", "group.jpg",
                                               "astronaut (2).jpg"]
    assert [i.value for i in at.info] == ["astronaut.jpg is already in the list.", "Another astronaut.jpg is "
                                          "already in the list: this one is listed as astronaut (2).jpg."]
    assert uploader(at).key == "photos_2" and held_uploads(at) == []
    assert list(at.dataframe[0].value["photo"]) == ["astronaut.jpg", "group.jpg", "astronaut (2).jpg", "all photos"]

    every_result = sum(recognition.result_bytes(p.result) for p in photos.budget._all_photos())
    monkeypatch.setattr(photos.budget, "budget", every_result)  # other sessions' photos take the uploads' room
    photos.budget.settle()
    at.run()
    assert [c.value for c in at.caption].count(gallery.FULL_SIZE_GONE) == 3  # the photos with faces say so
    downloads = [b for b in at.get("download_button") if b.proto.label == "Download the annotated image"]
    assert len(downloads) == 3  # the image as shown, still offered

    next(b for b in at.button if b.label == "Clear photos").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.subheader and any("No photo yet" in i.value for i in at.info)


def test_a_photo_whose_upload_was_evicted_says_so_and_is_redone_only_while_kept(upload_page, monkeypatch):
    at, _ = upload_page
    ui.upload_budget.clear()
    monkeypatch.setenv("FER_UPLOAD_CACHE_MB", "0")  # nothing but the faces' rows fits
    try:
        at = run_page("pages/1_Upload_photos.py", model_version="tiny", face_detector="haar")
        uploader(at).set_value([("astronaut.jpg", photo(1), "image/jpeg")]).run()
        assert not at.exception, [e.value for e in at.exception]
        assert any("image and face crops are no longer kept" in i.value for i in at.info)
        assert len(at.dataframe[0].value) >= 1  # its faces are still listed
        next(s for s in at.sidebar.selectbox if s.label == "Face detector").set_value("yunet").run()
        assert not at.exception, [e.value for e in at.exception]
        assert any("Analysed with version tiny, the haar detector" in c.value for c in at.caption)
    finally:
        ui.upload_budget.clear()


def test_a_closed_sessions_photos_are_dropped_at_once_and_the_others_kept():
    budget = photo_list.UploadBudget(2**20)
    gone, staying = budget.new_list("gone"), budget.new_list("staying")
    gone.add("a.jpg", bytes(20_000), ANALYSED_WITH, one_face)
    staying.add("b.jpg", bytes(20_000), ANALYSED_WITH, one_face)
    budget.close_session("gone")  # its session state, which holds `gone`, is freed only when the collector runs
    assert len(gone) == 0 and len(staying) == 1
    assert budget.nbytes == staying.nbytes > 20_000
    budget.close_session("never seen")  # a session that never opened the upload page
