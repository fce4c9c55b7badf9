"""What a hostile but fair visitor must not get: tracebacks, server paths, unbounded memory or disk. A bad card, a
refused version and a damaged zip entry each become one line while the rest of the page works (AppTest on
copies of the tiny trained version), and the helpers behind that."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import time
import zipfile

import cv2
import numpy as np
import pytest

import fer
from fer import version as versions
from fer.app import own_faces, recognition, tempfiles
from fer.app.public import hide_paths, public_card
from fer.data import DataError
from fer.labels import EMOTIONS
from tests.test_app import app_env, run_page, sidebar_model  # noqa: F401 (app_env: a fixture)

PAGES = ("home.py", "pages/4_Training_explorer.py", "pages/5_Compare_versions.py")


def page_text(at) -> list[str]:
    kinds = ("markdown", "caption", "success", "error", "info", "warning", "code")
    return [e.value for kind in kinds for e in at.get(kind)] + [e.value for e in at.sidebar.get("warning")]


def png(image: np.ndarray) -> bytes:
    return cv2.imencode(".png", image)[1].tobytes()


@pytest.fixture(scope="module")
def faces(fer_small_csv):
    """Two real test faces per class."""
    x, y = fer.load_dataset(fer_small_csv).split("test")
    keep = np.concatenate([np.flatnonzero(y == k)[:2] for k in range(len(EMOTIONS))])
    return x[keep], y[keep]


def zip_with_a_damaged_entry(x, y) -> tuple[bytes, str]:
    """A zip of my_faces/<class>/<n>.png, stored uncompressed, with one entry's bytes altered (bad CRC-32)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for n, (image, label) in enumerate(zip(x, y)):
            archive.writestr(f"my_faces/{EMOTIONS[label]}/{n}.png", png(image))
    data = bytearray(buffer.getvalue())
    damaged = f"my_faces/{EMOTIONS[y[0]]}/0.png"
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo(damaged)
    data[info.header_offset + 30 + len(damaged) + 40] ^= 0xFF  # a byte inside the PNG's data
    return bytes(data), damaged


# ---------------------------------------------------------------- messages without server paths
def test_paths_are_cut_to_what_the_visitor_knows():
    assert hide_paths("/tmp/fer-faces-x1/test/sad/000010.jpg: unreadable image") == "000010.jpg: unreadable image"
    assert hide_paths("/srv/ck/tiny/card.json: not valid JSON", ["/srv/ck"]) == "tiny/card.json: not valid JSON"
    kept = "see https://example.org/a/b, turn:host:3478 and happy/1.jpg"
    assert hide_paths(kept) == kept
    card = {"data": {"file": "/srv/data/fer2013.csv.gz"}, "hyperparameters": {"out_dir": "/srv/ck", "lr": 0.1},
            "sittings": [{"hardware": "CPU"}]}
    assert public_card(card) == {"data": {"file": "fer2013.csv.gz"}, "hyperparameters": {"out_dir": "ck", "lr": 0.1},
                                 "sittings": [{"hardware": "CPU"}]}


# ---------------------------------------------------------------- zips
def test_a_damaged_entry_is_left_out_by_its_own_name_and_the_rest_is_read(faces):
    x, y = faces
    data, damaged = zip_with_a_damaged_entry(x, y)
    read = own_faces.read_labelled_zip(data)
    assert len(read.split("test")[1]) == len(y) - 1
    assert read.notes == [f"left out {damaged}: damaged in the zip (Bad CRC-32 for file '{damaged}')"]


def test_entries_are_refused_by_declared_size_and_ratio_before_they_are_unpacked(faces, monkeypatch):
    x, y = faces
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("happy/ok.png", png(x[0]))
        archive.writestr("happy/huge.png", bytes(30 * 2**20))    # 30 MB of zeros: about 30 kB in the zip
        archive.writestr("sad/bomb.png", bytes(5 * 2**20))       # 5 MB, compressed about 1000 to 1
    assert len(buffer.getvalue()) < 100_000
    opened = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, name, *a, **k: opened.append(
        getattr(name, "filename", name)) or real_open(self, name, *a, **k))
    read = own_faces.read_labelled_zip(buffer.getvalue())
    assert opened == ["happy/ok.png"]  # the other two were never unpacked
    assert read.notes[0].startswith("left out happy/huge.png: unpacks to 30 MB, over the 20 MB")
    assert read.notes[1].startswith("left out sad/bomb.png: compressed") and "zip bomb" in read.notes[1]
    with pytest.raises(DataError, match="none of its 1 images could be used"):
        only_bad = io.BytesIO()
        with zipfile.ZipFile(only_bad, "w") as archive:
            archive.writestr("happy/text.png", b"not an image")
        own_faces.read_labelled_zip(only_bad.getvalue())


# ---------------------------------------------------------------- memory and disk
def test_an_upload_result_costs_its_shown_image_and_crops():
    result = recognition.UploadResult("a.jpg", shown=bytes(6_000_000), crops=[bytes(20_000)] * 3)
    assert recognition.result_bytes(result) >= 6_060_000


def test_stale_temporary_uploads_are_cleaned_and_live_ones_kept(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    for name in (f"fer-app-{gone.pid}", f"fer-app-{os.getpid()}", "fer-video-old", "fer-video-new", "other"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "upload.mp4").write_bytes(b"video")
    day_ago = time.time() - 2 * 24 * 3600
    os.utime(tmp_path / "fer-video-old", (day_ago, day_ago))
    removed = tempfiles.clean_stale(tmp_path)
    assert sorted(p.name for p in removed) == sorted([f"fer-app-{gone.pid}", "fer-video-old"])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"fer-app-{os.getpid()}", "fer-video-new", "other"])


def test_video_uploads_live_under_the_server_process_folder():
    folder = tempfiles.new_temp_dir("fer-video-")
    try:
        assert folder.parent == tempfiles.process_temp_root() and folder.name.startswith("fer-video-")
    finally:
        shutil.rmtree(folder)


# ---------------------------------------------------------------- pages: a bad card, a refused version, a bad zip
@pytest.fixture(scope="module")
def checkpoints(two_versions, tmp_path_factory):
    """tiny and tiny-b, plus broken (its card.json is not JSON) and tampered (weights changed after its card)."""
    root = tmp_path_factory.mktemp("troubled")
    for name in ("tiny", "tiny-b"):
        shutil.copytree(two_versions / name, root / name)
    shutil.copytree(two_versions / "tiny", root / "broken")
    (root / "broken" / "card.json").write_text('{"name": "broken", oops')
    shutil.copytree(two_versions / "tiny", root / "tampered")
    weights = bytearray((root / "tampered" / "weights.safetensors").read_bytes())
    weights[-1] ^= 1
    (root / "tampered" / "weights.safetensors").write_bytes(bytes(weights))
    (root / "tampered" / "test_predictions.npz").unlink()  # stored predictions show without the weights: run them
    return root


@pytest.fixture
def troubled(app_env):  # test_app's app_env, serving this module's checkpoints
    return app_env


@pytest.mark.parametrize("page", PAGES)
def test_a_card_that_is_not_json_is_one_line_and_the_page_works(troubled, page):
    at = run_page(page, model_version="tiny")
    assert sidebar_model(at).options == ["tampered", "tiny", "tiny-b"]
    warnings = [w.value for w in at.sidebar.warning]
    assert warnings == ["Version broken is left out: broken/card.json: not valid JSON (Expecting property name "
                        "enclosed in double quotes at line 1, column 20)"]
    assert at.get("plotly_chart") or at.dataframe  # the page's own content is there
    assert not any(str(troubled) in text for text in page_text(at))


def test_a_refused_version_is_one_line_where_it_is_used(troubled):
    at = run_page("pages/1_Upload_photos.py", model_version="tampered")
    assert [e.value for e in at.error] == ["Version tampered cannot be used: tampered/weights.safetensors: sha256 "
                                           "does not match its card; the file was changed or corrupted, refusing to "
                                           "run it. Pick another version in the sidebar."]
    at = run_page("pages/4_Training_explorer.py", model_version="tampered")
    assert len(at.get("plotly_chart")) == 3  # its curves and figures come from its files, not its weights
    at.toggle(key="show_mistakes").set_value(True).run()
    assert not at.exception
    assert [e.value for e in at.error] == [f"The faces of tampered cannot be shown: {at.error[0].value.split(': ', 1)[1]}"]
    assert "tampered/weights.safetensors: sha256 does not match" in at.error[0].value
    assert not any(str(troubled) in text for text in page_text(at))


def test_compare_page_runs_what_it_can_of_a_zip_and_of_the_versions(troubled, faces):
    x, y = faces
    data, damaged = zip_with_a_damaged_entry(x, y)
    at = run_page("pages/5_Compare_versions.py", model_version="tiny")
    at.multiselect(key="compare_versions").set_value(["tiny", "tampered", "tiny-b"]).run()
    at.file_uploader(key="own_faces_zip").set_value(("mine.zip", data, "application/zip")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [w.value for w in at.main.warning] == [f"mine.zip: left out {damaged}: damaged in the zip (Bad CRC-32 for file "
                                             f"'{damaged}')"]
    assert [e.value.split(": ")[0] for e in at.error] == ["tampered was not run on your faces"]
    scores = at.dataframe[1].value
    assert scores["version"].tolist() == ["tiny", "tiny-b"] and scores["faces"].tolist() == [len(y) - 1] * 2
    assert any(f"of your {len(y) - 1} faces" in m.value for m in at.markdown)
    assert not any(str(troubled) in text or "/tmp" in text for text in page_text(at))


def test_the_cli_names_a_card_that_is_not_json(troubled, capsys):
    from fer.cli import main

    assert main(["evaluate", "--model", "broken", "--data", "unused.csv"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: ") and error.endswith(f"{troubled / 'broken' / 'card.json'}: not valid JSON "
                                                          "(Expecting property name enclosed in double quotes at line "
                                                          "1, column 20)")
