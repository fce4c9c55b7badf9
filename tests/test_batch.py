"""python -m fer analyze / fer.analyze: a mixed collection (photos, a generated clip, corrupt files) into Parquet;
the same rows with 1 worker, 2 workers and Ray; interrupted runs resume without duplicates; bad files recorded."""
import shutil
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

import fer
from fer.batch import files_table_path, list_inputs, read_files
from fer.batch.collection import InputFile, Task
from fer.batch.engines import windowed
from fer.batch.worker import TaskRunner
from fer.cli import main
from fer.inference.rows import NAMES
from test_video import FRAMES, moving_faces_frames

FIXTURES = Path(__file__).parent / "fixtures"
PHOTO_FACES = {"three_faces.jpg": 3, "astronaut.jpg": 1, "no_face.jpg": 0}


@pytest.fixture(scope="module")
def collection(tmp_path_factory) -> Path:
    """photos/ (3 photos, a corrupt png), videos/clip.avi (10 frames, two moving faces), videos/broken.mp4."""
    root = tmp_path_factory.mktemp("collection")
    (root / "photos").mkdir()
    (root / "videos").mkdir()
    for name in PHOTO_FACES:
        shutil.copy(FIXTURES / name, root / "photos" / name)
    (root / "photos" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n cut short")
    (root / "photos" / "notes.txt").write_text("not a photo: left out of a folder's listing")
    writer = cv2.VideoWriter(str(root / "videos" / "clip.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 10, (480, 240))
    for frame in moving_faces_frames():
        writer.write(frame)
    writer.release()
    (root / "videos" / "broken.mp4").write_bytes(b"not a video at all")
    return root


@pytest.fixture(scope="module")
def tiny_copy(tiny_version, tmp_path_factory) -> Path:
    """The tiny version in a folder of its own: the ONNX file analyze exports there stays out of other tests'."""
    return Path(shutil.copytree(tiny_version, tmp_path_factory.mktemp("models") / "tiny"))


def analyze(collection, out, tiny_copy, **kw):
    return fer.analyze([collection], out=out, model=str(tiny_copy), progress=False, **kw)


@pytest.fixture(scope="module")
def one_worker(collection, tiny_copy, tmp_path_factory):
    out = tmp_path_factory.mktemp("one") / "results.parquet"
    return analyze(collection, out, tiny_copy, workers=1), fer.read_results(out)


def test_one_row_per_face_per_photo_and_video_frame(one_worker, collection):
    table, faces = one_worker
    assert faces.columns.tolist() == NAMES
    by_name = faces.groupby(faces["source"].map(lambda s: Path(s).name)).size().to_dict()
    assert by_name == {"three_faces.jpg": 3, "astronaut.jpg": 1, "clip.avi": 2 * FRAMES}
    clip = faces[faces["kind"] == "video"]
    assert sorted(clip["frame"].unique()) == list(range(FRAMES))
    assert set(clip["face_id"]) == {1, 2} and (clip.groupby("face_id").size() == FRAMES).all()
    assert np.allclose(clip["time_s"], clip["frame"] / 10)
    photo = faces[faces["kind"] == "photo"]
    assert photo["time_s"].isna().all() and photo["frame"].isna().all() and photo["face_id"].isna().all()
    assert list(photo[photo["source"].str.endswith("three_faces.jpg")]["face"]) == [1, 2, 3]
    probabilities = faces[list(fer.EMOTIONS)].to_numpy()
    assert np.allclose(probabilities.sum(1), 1, atol=1e-4)
    assert (np.asarray(fer.EMOTIONS)[probabilities.argmax(1)] == faces["label"]).all()
    assert np.allclose(probabilities.max(1), faces["confidence"])
    assert set(faces["model"]) == {"tiny"}
    assert set(photo["detector"]) == {"yunet min_face=20px fraction=0.01"}
    assert set(clip["detector"]) == {"yunet min_face=48px every=1"}
    assert (table.set_index("source").loc[[str(collection / "videos" / "clip.avi")], "frames"] == FRAMES).all()


def test_bad_files_are_recorded_with_their_error_and_the_rest_runs(one_worker, collection):
    table, _ = one_worker
    assert len(table) == 6  # the .txt in the photo folder is not listed
    failed = table[table["status"] == "failed"].set_index("source")
    assert sorted(Path(s).name for s in failed.index) == ["broken.mp4", "broken.png"]
    for source, error in failed["error"].items():
        assert source in error and "\n" not in error
    ok = table[table["status"] == "ok"]
    assert (ok["faces"] == ok["source"].map(lambda s: PHOTO_FACES.get(Path(s).name, 2 * FRAMES))).all()
    assert (ok["part"] != "").sum() == 3  # no_face.jpg has no rows, so no part


def test_the_command_reports_failures_in_its_exit_status(collection, tiny_copy, tmp_path, capsys):
    out = tmp_path / "cli.parquet"
    photos = str(collection / "photos" / "*.jpg")
    assert main(["analyze", photos, "--out", str(out), "--model", str(tiny_copy), "--no-progress"]) == 0
    assert main(["analyze", str(collection), "--out", str(out), "--model", str(tiny_copy), "--no-progress",
                 "--workers", "1"]) == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(errors) == 2 and any("broken.mp4" in e for e in errors) and any("broken.png" in e for e in errors)
    assert files_table_path(out) == tmp_path / "cli.files.csv"
    assert len(read_files(out)) == 6 and len(files_table_path(out).read_text().splitlines()) == 1 + 6  # photos once
    assert main(["analyze", photos, "--out", str(out), "--model", str(tiny_copy), "--no-progress",
                 "--detect-every", "3"]) == 2
    assert "other settings (detect_every: 1)" in capsys.readouterr().err


def test_same_rows_with_two_workers(one_worker, collection, tiny_copy, tmp_path):
    table = analyze(collection, tmp_path / "two.parquet", tiny_copy, workers=2, photos_per_task=1)
    assert_same_results(one_worker, table, fer.read_results(tmp_path / "two.parquet"))


def test_same_rows_on_a_local_ray(one_worker, collection, tiny_copy, tmp_path):
    pytest.importorskip("ray")
    table = analyze(collection, tmp_path / "ray.parquet", tiny_copy, workers=2, engine="ray")
    assert_same_results(one_worker, table, fer.read_results(tmp_path / "ray.parquet"))


def assert_same_results(expected, table, faces):
    expected_table, expected_faces = expected
    columns = ["source", "kind", "status", "faces", "frames", "error"]
    pd.testing.assert_frame_equal(table[columns], expected_table[columns])
    pd.testing.assert_frame_equal(faces, expected_faces, check_exact=False, atol=1e-5)


def test_an_interrupted_run_resumes_without_duplicate_rows(one_worker, collection, tiny_copy, tmp_path,
                                                           monkeypatch):
    out = tmp_path / "resumed.parquet"
    analyze_file, calls = TaskRunner.analyze_file, []

    def killed_on_the_fourth_file(self, file, rows):
        calls.append(file.source)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return analyze_file(self, file, rows)

    monkeypatch.setattr(TaskRunner, "analyze_file", killed_on_the_fourth_file)
    with pytest.raises(KeyboardInterrupt):
        analyze(collection, out, tiny_copy, workers=1, photos_per_task=1)
    monkeypatch.undo()
    finished = read_files(out)
    assert len(finished) == 3 and set(finished["source"]) == set(calls[:3])
    assert set(fer.read_results(out)["source"]) <= set(calls[:3])
    # what a run killed between writing a part and recording it leaves: a part no table line names, a temporary
    shutil.copy(next(out.glob("part-*.parquet")), out / "part-0123456789abcdef.parquet")
    (out / ".part-fedcba9876543210.parquet.tmp").write_bytes(b"half written")

    table = analyze(collection, out, tiny_copy, workers=1, photos_per_task=1)
    assert_same_results(one_worker, table, fer.read_results(out))
    lines = pd.read_csv(files_table_path(out))
    assert len(lines) == 6 and lines["source"].is_unique  # the first three were not analysed again
    assert not (out / "part-0123456789abcdef.parquet").exists() and not list(out.glob(".part-*"))


def test_failed_files_are_tried_again_only_when_asked(one_worker, collection, tiny_copy, tmp_path):
    out = tmp_path / "retry.parquet"
    analyze(collection, out, tiny_copy, workers=1)
    analyze(collection, out, tiny_copy, workers=1)
    assert len(pd.read_csv(files_table_path(out))) == 6
    table = analyze(collection, out, tiny_copy, workers=1, retry_failed=True)
    assert len(pd.read_csv(files_table_path(out))) == 8 and (table["status"] == "failed").sum() == 2
    assert_same_results(one_worker, table, fer.read_results(out))


def test_folders_globs_and_files_are_listed_once_in_order(collection):
    photos = collection / "photos"
    listed = list_inputs([str(photos / "three_faces.jpg"), str(collection), str(collection / "**" / "*.avi")])
    names = [Path(p).name for p in listed]
    assert names[0] == "three_faces.jpg" and sorted(names) == sorted(
        ["three_faces.jpg", "astronaut.jpg", "no_face.jpg", "broken.png", "clip.avi", "broken.mp4"])
    assert all(Path(p).is_absolute() for p in listed)
    with pytest.raises(FileNotFoundError, match="nothing-here"):
        list_inputs([str(collection / "nothing-here")])
    with pytest.raises(FileNotFoundError, match="no file matches"):
        list_inputs([str(collection / "*.nothing")])


def test_a_task_whose_worker_died_comes_back_failed_and_the_rest_go_on():
    tasks = [Task((InputFile(f"/data/{i}.jpg", "photo"),)) for i in range(4)]
    results = {0: [{"source": "/data/0.jpg", "status": "ok"}], 1: RuntimeError("worker killed by signal 9")}

    def wait_one(handles):
        return handles[0], results.get(handles[0], [{"source": f"/data/{handles[0]}.jpg", "status": "ok"}])

    finished = list(windowed(tasks, lambda task: int(Path(task.files[0].source).stem), wait_one, window=2))
    assert [task.key for task, _ in finished] == [task.key for task in tasks]
    died = finished[1][1]
    assert died[0]["status"] == "failed" and "/data/1.jpg" in died[0]["error"] and "signal 9" in died[0]["error"]
