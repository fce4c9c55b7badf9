"""Same file, same verdict, everywhere, before anything runs: a version whose ONNX export or weights were changed
after its card is refused in one line by the app's pages, the CLI and the API alike (fer.version.verify)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import fer
from fer.checksum import FileCheckError, sha256_of, verify_file
from fer.inference import ModelFileError
from fer.inference import detect as detect_module
from fer.version import ONNX_FILE, VersionError
from fer.version.classifiers import load_classifier
from tests.test_app import run_page
from tests.test_app_video import app_env, clip  # noqa: F401 (fixtures, serving this module's checkpoints)

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def flip_a_byte(path: Path, at: int = -1) -> Path:
    data = bytearray(path.read_bytes())
    data[at] ^= 1
    path.write_bytes(bytes(data))
    return path


@pytest.fixture(scope="module")
def checkpoints(tiny_version, tmp_path_factory) -> Path:
    """tiny (exported to ONNX, recorded in its card), altered-onnx (one byte of model.onnx changed) and
    altered-weights (one byte of the weights changed, model.onnx intact)."""
    root = tmp_path_factory.mktemp("altered")
    shutil.copytree(tiny_version, root / "tiny")
    load_classifier(str(root / "tiny"), "onnx")  # exports on first use and records the file's sha256
    assert (root / "tiny" / ONNX_FILE).is_file()
    for name in ("altered-onnx", "altered-weights", "later-altered"):
        shutil.copytree(root / "tiny", root / name)
    flip_a_byte(root / "altered-onnx" / ONNX_FILE, 200)
    flip_a_byte(root / "altered-weights" / "weights.safetensors")
    return root


ONNX_REFUSED = "altered-onnx/model.onnx: sha256 does not match its card; the file was changed or corrupted"


# ---------------------------------------------------------------- the one check
def test_verify_file_names_the_file_and_says_what_is_wrong(tmp_path):
    path = tmp_path / "f.bin"
    with pytest.raises(FileCheckError, match=f"^{path}: missing$"):
        verify_file(path, "0" * 64)
    path.write_bytes(b"abc")
    assert verify_file(path, sha256_of(path)) == path
    with pytest.raises(FileCheckError, match="no sha256 for it in its card"):
        verify_file(path, None)
    with pytest.raises(VersionError, match=f"^{path}: sha256 does not match its card; .*run it. Restore it$"):
        verify_file(path, "0" * 64, VersionError, advice="Restore it")


# ---------------------------------------------------------------- the app: the version check refuses it
@pytest.mark.parametrize("page", ["pages/1_Upload_photos.py", "pages/2_Video.py"])
def test_a_changed_onnx_export_is_one_line_on_the_upload_and_video_pages(app_env, page):
    at = run_page(page, model_version="altered-onnx", face_detector="haar")
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and ONNX_REFUSED in errors[0] and errors[0].startswith("Version altered-onnx cannot be")
    assert str(app_env) not in errors[0]  # no server path


def test_changed_weights_with_an_intact_onnx_export_are_refused_by_the_app(app_env):
    at = run_page("pages/1_Upload_photos.py", model_version="altered-weights")
    assert ["altered-weights/weights.safetensors: sha256 does not match" in e.value for e in at.error] == [True]


# ---------------------------------------------------------------- the app: a file changed while the server runs
def test_an_onnx_export_changed_after_the_version_check_is_one_line_on_the_upload_page(app_env, checkpoints):
    at = run_page("pages/1_Upload_photos.py", model_version="later-altered", face_detector="haar")
    assert not at.error  # the version was checked (and cached) while its files were intact
    flip_a_byte(checkpoints / "later-altered" / ONNX_FILE, 300)
    photo = (FIXTURES / "astronaut.jpg").read_bytes()
    at.file_uploader(key="photos").set_value(("astronaut.jpg", photo, "image/jpeg")).run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "later-altered/model.onnx: sha256 does not match" in errors[0]


def test_a_changed_detector_file_is_one_line_on_the_video_page(app_env, clip, tmp_path, monkeypatch):
    tampered = flip_a_byte(Path(shutil.copy(detect_module.YUNET_MODEL, tmp_path / "yunet.onnx")), 1000)
    monkeypatch.setattr(detect_module, "YUNET_MODEL", tampered)
    at = run_page("pages/2_Video.py", model_version="tiny", face_detector="yunet", small_faces="more")
    at.file_uploader(key="video").set_value(("walk.avi", clip.read_bytes(), "video/x-msvideo")).run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "yunet.onnx: sha256 does not match" in errors[0]


# ---------------------------------------------------------------- the CLI and the API give the same verdict
@pytest.mark.parametrize("backend", ["auto", "onnx", "torch"])
def test_changed_weights_with_an_intact_onnx_export_are_refused_by_the_cli(checkpoints, capsys, backend):
    from fer.cli import main

    path = checkpoints / "altered-weights"
    assert main(["predict", str(FIXTURES / "astronaut.jpg"), "--model", str(path), "--backend", backend]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: {path / 'weights.safetensors'}: sha256 does not match its card; the file was changed or "
                   "corrupted, refusing to run it"]


@pytest.mark.parametrize("altered, file", [("altered-onnx", ONNX_FILE), ("altered-weights", "weights.safetensors")])
def test_every_entry_point_refuses_the_same_file(checkpoints, altered, file):
    path = str(checkpoints / altered)
    for attempt in (lambda: fer.load(path), lambda: fer.Recognizer(path), lambda: load_classifier(path, "onnx"),
                    lambda: load_classifier(path, "torch")):
        with pytest.raises(VersionError, match=f"{altered}/{file}: sha256 does not match"):
            attempt()
    assert fer.Recognizer(str(checkpoints / "tiny")).backend == "onnx"  # the intact one runs


def test_the_detector_check_is_the_same_function(tmp_path):
    tampered = flip_a_byte(Path(shutil.copy(detect_module.YUNET_MODEL, tmp_path / "yunet.onnx")), 1000)
    with pytest.raises(ModelFileError, match=f"^{tampered}: sha256 does not match the bundled file's .*git checkout"):
        detect_module.verify_model_file(tampered, detect_module.YUNET_SHA256, "YuNet model file")
