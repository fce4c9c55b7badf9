"""`python -m fer bench`: its test frames and its JSON report (figures are printed, never asserted as targets)."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from fer.bench import frames
from fer.cli import main


@pytest.mark.parametrize("n_faces", [1, 5])
def test_bench_frames_hold_the_astronaut_head_n_times(n_faces):
    frame = frames.bench_frame(n_faces)
    head = frames.astronaut_head()
    h, w = head.shape[:2]
    assert frame.shape == (480, 640, 3) and frame.dtype == np.uint8
    spots = frames.ONE_FACE_SPOT if n_faces == 1 else frames.FIVE_FACE_SPOTS
    assert len(spots) == n_faces
    for x, y in spots:
        np.testing.assert_array_equal(frame[y:y + h, x:x + w], head)
    assert (frame == 128).all(axis=2).mean() > 0.3  # the rest is the neutral canvas


def test_bench_frame_refuses_other_face_counts():
    with pytest.raises(ValueError, match="1 or 5"):
        frames.bench_frame(3)


def test_haar_finds_the_faces_of_the_bench_frames():
    from fer.inference import create_detector

    haar = create_detector("haar")
    assert len(haar.detect(frames.bench_frame(1))) == 1
    assert len(haar.detect(frames.bench_frame(5))) == 5


@pytest.fixture(scope="module")
def bench_report(tiny_version, tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "tiny"
    shutil.copytree(tiny_version, path)
    return path, ["bench", "--model", str(path), "--backend", "onnx", "--detector", "haar", "--quick", "--json"]


def test_bench_json_has_every_figure(bench_report, capsys):
    path, argv = bench_report
    assert main(argv) == 0
    r = json.loads(capsys.readouterr().out)
    assert (r["model"], r["backend"], r["detector"], r["frame_size"]) == ("tiny", "onnx", "haar", [640, 480])
    assert set(r["classifier_ms_per_face"]) == {"batch1_1thread", "batch1_all_threads", "batch64_1thread", "batch64_all_threads"}
    assert all(v > 0 for v in r["classifier_ms_per_face"].values())
    assert r["detector_ms_per_frame"] > 0
    assert set(r["end_to_end_fps"]) == {"1_face", "5_faces"} and all(v > 0 for v in r["end_to_end_fps"].values())
    assert r["faces_found"] == {"1_face": 1, "5_faces": 5}
    assert r["detect_every"] == 3  # the default: the stream also measured detecting every third frame
    assert set(r["end_to_end_fps_detect_every"]) == {"1_face", "5_faces"}
    assert r["peak_memory_mb"] > 10
    assert (path / "model.onnx").is_file()  # the onnx backend exported the version on the fly


def test_bench_text_report_and_bad_model(tiny_version, tmp_path, capsys):
    path = tmp_path / "tiny"
    shutil.copytree(tiny_version, path)
    assert main(["bench", "--model", str(path), "--detector", "haar", "--quick"]) == 0
    out = capsys.readouterr().out
    assert "classifier ms/face" in out and "frames/s with five faces (5 found)" in out and "peak memory" in out
    assert main(["bench", "--model", str(tmp_path / "missing"), "--quick"]) == 2
    err = capsys.readouterr().err
    assert "missing" in err and len(err.strip().splitlines()) == 1
