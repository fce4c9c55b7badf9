"""The photo default is loaded (and exported, into the cache folder) in a background thread started once per server
process (at the server's start, fer.app.startup), so that the first photo does not wait for it."""
from __future__ import annotations

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
