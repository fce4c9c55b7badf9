"""The bench's side-by-side turns with PyPI fer, driven by a stand-in for its venv's python (no TensorFlow)."""
import stat

import pytest

from fer import bench

FAKE = """#!/usr/bin/env python3
import json, sys, time
assert sys.argv[2:] == ["--serve", "--threads", "1"], sys.argv
print("TensorFlow noise on stdout", flush=True)
print(json.dumps({"version": "0.test", "detector": "haar", "faces_found": 1, "threads": 1}), flush=True)
for line in sys.stdin:
    time.sleep(float(line))
    print(json.dumps({"times_ms": [40.0, 40.0, 40.0]}), flush=True)
"""


@pytest.fixture
def fake_python(tmp_path):
    path = tmp_path / "python"
    path.write_text(FAKE)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


@pytest.fixture(scope="module")
def recognizer():
    import fer

    return bench.one_thread_recognizer(fer.load(fer.default_version("realtime")), "torch", "yunet")


def test_side_by_side_alternates_turns_and_compares_medians(recognizer, fake_python):
    r = bench.side_by_side(recognizer, fake_python, rounds=2, seconds=0.2)
    assert r["pypi_fer"]["median_ms"] == 40.0 and r["pypi_fer"]["frames"] == 6
    assert r["pypi_fer"]["version"] == "0.test" and r["ours_faces_found"] == 1
    assert r["ours_frames"] > 0 and r["speedup"] == pytest.approx(40.0 / r["ours_median_ms"], rel=0.01)
    lines = bench.pypi_lines({"detector": "yunet", "model": "m", "backend": "torch", "side_by_side": r})
    assert "PyPI fer 0.test" in lines[1] and "x faster" in lines[2]


def test_a_missing_or_failing_pypi_fer_is_reported_not_raised(recognizer, tmp_path):
    assert bench.pypi_fer_python(str(tmp_path / "nope")) is None
    broken = tmp_path / "broken"
    broken.write_text("#!/bin/sh\necho 'no module named fer' >&2\nexit 3\n")
    broken.chmod(0o755)
    r = bench.side_by_side(recognizer, str(broken), rounds=1, seconds=0.1)
    assert "exit 3" in r["error"] and "no module named fer" in r["error"]
    assert "failed" in bench.pypi_lines({"side_by_side": r})[0]
    assert "not measured" in bench.pypi_lines({})[0]
