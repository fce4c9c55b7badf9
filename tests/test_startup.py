"""The server's start-up (fer.app.startup, the lifespan of streamlit_app.py's st.App): once `streamlit run
streamlit_app.py` answers /_stcore/health, and before any page has been requested, the temporary uploads of a
killed server are gone and the photo default is exported (into the cache folder) and loaded. A broken version
never stops the server from starting."""
from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from fer import version as versions
from fer.app import startup, ui, warmup

from tests.e2e import harness

pytest.importorskip("streamlit")
pytestmark = pytest.mark.slow


def dead_pid() -> int:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    return gone.pid


@pytest.fixture(scope="module")
def started(tiny_version, tmp_path_factory):
    """A server that has just become healthy, with no page requested yet: its TMPDIR held a killed server's
    uploads, its cache folder was empty."""
    root = tmp_path_factory.mktemp("startup")
    shutil.copytree(tiny_version, root / "checkpoints" / "tiny")
    stale = root / "tmp" / f"fer-app-{dead_pid()}"
    (stale / "session-gone").mkdir(parents=True)
    (stale / "session-gone" / "upload.mp4").write_bytes(b"a visitor's video")
    env = {"FER_CHECKPOINTS": str(root / "checkpoints"), "FER_CACHE_DIR": str(root / "cache"),
           "FER_RUNS_DIR": str(root / "runs"), "TMPDIR": str(root / "tmp")}
    log = root / "server.log"
    with harness.streamlit_server(env, log_path=log):
        yield SimpleNamespace(stale=stale, exports=root / "cache" / "exports", log=log)


def test_a_killed_servers_uploads_are_gone_once_the_server_is_healthy(started):
    assert not started.stale.exists()
    assert started.stale.name in started.log.read_text()  # said in the server's output


def test_the_photo_default_is_exported_and_loaded_once_the_server_is_healthy(started):
    assert [p.name for p in started.exports.rglob("model.onnx")] == ["model.onnx"]
    output = started.log.read_text()
    assert "warming the photo default tiny" in output and "the photo default tiny is ready" in output


def test_a_broken_photo_default_is_logged_and_the_server_starts_anyway(tiny_version, tmp_path, monkeypatch):
    root = tmp_path / "checkpoints"
    shutil.copytree(tiny_version, root / "tiny")
    weights = root / "tiny" / versions.read_card("tiny", root).weights_file
    weights.write_bytes(weights.read_bytes()[:-1] + b"\0")  # one byte changed: its sha256 no longer matches
    monkeypatch.setenv("FER_CHECKPOINTS", str(root))
    monkeypatch.setenv("FER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # clean_stale looks here, not in the real one
    monkeypatch.setattr(warmup, "_thread", None)
    warnings = []
    monkeypatch.setattr(warmup.log, "warning", lambda message, *args: warnings.append(message % args))
    ui.cached_recognizer.clear()

    async def serve() -> None:
        async with startup.lifespan(None):
            pass  # the server accepts visitors here

    asyncio.run(serve())
    assert len(warnings) == 1 and "warming the photo default failed" in warnings[0] and "sha256" in warnings[0]
    assert not list((tmp_path / "cache").rglob("model.onnx"))
