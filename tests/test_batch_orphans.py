"""python -m fer analyze killed with SIGKILL: its local worker processes (and multiprocessing's resource tracker)
end with it instead of waiting for tasks forever (fer.batch.engines.end_with_parent)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import ON_LINUX, alive, cmdline, descendants, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not ON_LINUX, reason="reads processes from /proc (Linux)")]

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
PHOTOS = 300  # enough that the job is still running when it is killed


@pytest.fixture
def many_photos(tmp_path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(PHOTOS):
        shutil.copy(FIXTURES / "three_faces.jpg", folder / f"{i:04d}.jpg")
    return folder


def test_killing_the_driver_ends_its_workers(tiny_version, many_photos, tmp_path):
    model = shutil.copytree(tiny_version, tmp_path / "tiny")
    out = tmp_path / "out.parquet"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    driver = subprocess.Popen([sys.executable, "-m", "fer", "analyze", str(many_photos), "--out", str(out),
                               "--workers", "2", "--model", str(model), "--detector", "haar", "--no-progress"],
                              cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    started_here: list[int] = []
    try:
        workers = lambda: [p for p in descendants(driver.pid) if "spawn_main" in cmdline(p)]
        started = wait_for(lambda: len(workers()) == 2 and list(out.glob("part-*.parquet")), timeout=240)
        assert started, driver.stderr.read().decode() if driver.poll() is not None else "no worker started"
        started_here = descendants(driver.pid)  # the workers and multiprocessing's resource tracker
        assert driver.poll() is None, "the job ended before it could be killed: give it more photos"
        driver.send_signal(signal.SIGKILL)
        driver.wait()
        assert wait_for(lambda: not any(alive(p) for p in started_here), timeout=10), \
            [(p, cmdline(p)) for p in started_here if alive(p)]
    finally:  # what this test started, by pid, whatever happened
        if driver.poll() is None:
            started_here = started_here or descendants(driver.pid)
            driver.kill()
        for pid in started_here:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
