"""The photo default is loaded (and exported, into the cache folder) in a background thread started once per server
process (at the server's start, fer.app.startup), so that the first photo does not wait for it; the real-time
default is exported after it, so that the webcam's first START does not wait either."""
from __future__ import annotations

import json
import shutil

from fer import version as versions
from fer.app import ui, warmup
from fer.inference.detector_policy import DEFAULT_DETECTOR, DEFAULT_SMALL_FACES

from tests.test_app import app_env, checkpoints  # noqa: F401  (fixtures: tiny, tiny-b, tiny-nodata served)


def test_the_warm_up_fills_the_upload_pages_recognizer_once_per_process(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("FER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(warmup, "_thread", None)
    ui.cached_recognizer.clear()  # nothing loaded yet, as on a server that has just started
    root = ui.checkpoints_root()
    thread = warmup.start(root)
    assert warmup.start(root) is thread  # a second call starts nothing
    thread.join(timeout=300)
    assert not thread.is_alive()
    name = versions.default_version("photo", root)
    calls = []
    monkeypatch.setattr(ui, "SharedRecognizer", lambda *a: calls.append(a))
    recognizer = ui.cached_recognizer(name, DEFAULT_DETECTOR, root, DEFAULT_SMALL_FACES)  # what the page asks for
    assert calls == [] and recognizer.backend == "onnx"  # already there: nothing built again
    assert list((tmp_path / "cache" / "exports").rglob("model.onnx"))  # its export, in the cache folder


def test_then_the_real_time_default_is_exported_in_a_thread_nobody_waits_for(app_env, tmp_path, monkeypatch):
    root = tmp_path / "checkpoints"
    for name in ("tiny", "tiny-b"):
        shutil.copytree(app_env / name, root / name)
    (root / "defaults.json").write_text(json.dumps({"photo": "tiny", "realtime": "tiny-b"}))
    monkeypatch.setenv("FER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(warmup, "_thread", None)
    ui.cached_recognizer.clear()
    photo = warmup.start(str(root))
    assert warmup._stream_thread is not photo
    for thread in (photo, warmup._stream_thread):
        thread.join(timeout=300)
        assert not thread.is_alive()
    exported = {path.parent.name for path in (tmp_path / "cache" / "exports").rglob("model.onnx")}
    assert exported == {versions.read_card(name, root).weights_sha256 for name in ("tiny", "tiny-b")}
