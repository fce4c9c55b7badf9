"""The bench's side-by-side turns with PyPI fer, driven by a stand-in for its venv's python (no TensorFlow), and
the reference command's inputs."""
import subprocess
import sys

import numpy as np
import pytest

from fer import bench
from fer.bench import pypi_fer
from fer.bench.frames import bench_frame

FAKE = f"""#!{sys.executable}
import json, sys, time
import numpy as np
flag, script, _, inputs, *rest = sys.argv[1:]
assert flag == "-I" and script.endswith("pypi_fer.py") and rest == ["--serve", "--threads", "1"], sys.argv
assert np.load(inputs)["frame"].shape == (480, 640, 3)
print("TensorFlow noise on stdout", flush=True)
print(json.dumps({{"version": "0.test", "detector": "haar", "faces_found": 1, "threads": 1}}), flush=True)
for line in sys.stdin:
    time.sleep(float(line))
    print(json.dumps({{"times_ms": [40.0, 40.0, 40.0]}}), flush=True)
"""


@pytest.fixture
def fake_python(tmp_path):
    path = tmp_path / "python"
    path.write_text(FAKE)
    path.chmod(0o755)
    return str(path)


@pytest.fixture(scope="module")
def recognizer():
    import fer

    return bench.one_thread_recognizer(fer.load(fer.default_version("realtime")), "torch", "yunet")


def test_side_by_side_alternates_turns_and_compares_medians(recognizer, fake_python):
    r = pypi_fer.side_by_side(recognizer, fake_python, rounds=2, seconds=0.2)
    assert r["pypi_fer"]["median_ms"] == 40.0 and r["pypi_fer"]["frames"] == 6
    assert r["pypi_fer"]["version"] == "0.test" and r["ours_faces_found"] == 1
    assert r["ours_frames"] > 0 and r["speedup"] == pytest.approx(40.0 / r["ours_median_ms"], rel=0.01)
    lines = pypi_fer.pypi_lines({"detector": "yunet", "model": "m", "backend": "torch", "side_by_side": r})
    assert "PyPI fer 0.test" in lines[1] and "x faster" in lines[2]


def test_a_missing_or_failing_pypi_fer_is_reported_not_raised(recognizer, tmp_path, monkeypatch):
    monkeypatch.delenv(pypi_fer.PYPI_FER_ENV, raising=False)
    monkeypatch.setattr(pypi_fer.tempfile, "tempdir", str(tmp_path))  # the default venv folder is tempfile's
    assert pypi_fer.default_python() == tmp_path / "pypifer" / "bin" / "python"
    assert pypi_fer.pypi_fer_python(str(tmp_path / "nope")) is None and pypi_fer.pypi_fer_python() is None
    broken = tmp_path / "broken"
    broken.write_text("#!/bin/sh\necho 'no module named fer' >&2\nexit 3\n")
    broken.chmod(0o755)
    r = pypi_fer.side_by_side(recognizer, str(broken), rounds=1, seconds=0.1)
    assert "exit 3" in r["error"] and "no module named fer" in r["error"]
    assert "failed" in pypi_fer.pypi_lines({"side_by_side": r})[0]
    assert "not measured" in pypi_fer.pypi_lines({})[0]


def test_the_reference_inputs_hold_the_bench_frame_and_privatetest(fer_small_csv, tmp_path):
    import fer

    inputs = np.load(pypi_fer.write_inputs(tmp_path / "inputs.npz", str(fer_small_csv)))
    faces, labels = fer.load_dataset(fer_small_csv).split("PrivateTest")
    assert np.array_equal(inputs["frame"], bench_frame(1))
    assert np.array_equal(inputs["faces"], faces) and np.array_equal(inputs["labels"], labels)


def test_the_pypi_side_imports_nothing_of_this_package(tmp_path):
    """Run isolated, as the other venv runs it: only --help here (no TensorFlow), but its imports all happen."""
    done = subprocess.run(pypi_fer.pypi_side(sys.executable, "--help"), capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0 and "--inputs" in done.stdout
    source = open(pypi_fer.__file__).read()
    pypi_side = source[source.index("# ---- PyPI fer's side"):]
    assert "from .." not in pypi_side and "from . " not in pypi_side and "import fer." not in pypi_side
