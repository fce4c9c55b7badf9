"""python -m fer predict: JSON for images, CSV for videos, annotated copies, one-line errors for bad inputs."""
import csv
import json
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

import fer
from fer.cli import main
from fer.inference.rows import NAMES
from tests.e2e import media

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[1]


def test_json_lists_each_input_with_its_faces(tiny_version, capsys):
    inputs = [str(FIXTURES / "three_faces.jpg"), str(FIXTURES / "no_face.jpg")]
    assert main(["predict", *inputs, "--model", str(tiny_version), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [r["input"] for r in document["results"]] == inputs
    three, none = document["results"]
    assert len(three["faces"]) == 3 and none["faces"] == []
    for number, face in enumerate(three["faces"], 1):
        assert list(face) == NAMES and face["face"] == number and face["source"] == inputs[0]
        assert face["label"] in fer.EMOTIONS and face["label"] == max(fer.EMOTIONS, key=face.get)


def test_a_bad_input_is_named_in_one_line_and_the_rest_still_run(tiny_version, tmp_path, capsys):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n broken")
    code = main(["predict", str(bad), str(FIXTURES / "astronaut.jpg"), "--model", str(tiny_version), "--json"])
    captured = capsys.readouterr()
    assert code != 0
    errors = captured.err.strip().splitlines()
    assert len(errors) == 1 and str(bad) in errors[0] and errors[0].startswith("error:")
    results = json.loads(captured.out)["results"]
    assert "error" in results[0] and len(results[1]["faces"]) == 1


def test_csv_and_annotated_copies_for_images(tiny_version, tmp_path, capsys):
    out, annotated = tmp_path / "faces.csv", tmp_path / "annotated"
    code = main(["predict", str(FIXTURES / "three_faces.jpg"), str(FIXTURES / "astronaut.jpg"), "--model",
                 str(tiny_version), "--csv", str(out), "--save-annotated", str(annotated), "--detector", "haar"])
    assert code == 0
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3  # Haar finds both astronauts of three_faces.jpg, not the cameraman, and the astronaut
    assert {Path(r["source"]).name for r in rows} == {"three_faces.jpg", "astronaut.jpg"}
    assert list(rows[0]) == NAMES and [r["face"] for r in rows] == ["1", "2", "1"]
    assert all(r["frame"] == r["time_s"] == r["face_id"] == "" and r["left_eye_x"] == "" for r in rows)  # Haar
    written = sorted(p.name for p in annotated.iterdir())
    assert written == ["astronaut.annotated.jpg", "three_faces.annotated.jpg"]
    assert cv2.imread(str(annotated / written[0])).shape == (512, 512, 3)


def test_video_csv_has_a_row_per_face_per_frame(tiny_version, tmp_path, capsys):
    video = tmp_path / "still.avi"
    frame = cv2.imread(str(FIXTURES / "astronaut.jpg"))
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 5, (512, 512))
    for _ in range(4):
        writer.write(frame)
    writer.release()
    out = tmp_path / "video.csv"
    code = main(["predict", str(video), "--model", str(tiny_version), "--csv", str(out), "--detect-every", "2",
                 "--no-progress", "--save-annotated", str(tmp_path / "out.mp4")])
    assert code == 0
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["frame"]) for r in rows] == [0, 1, 2, 3] and {r["face_id"] for r in rows} == {"1"}
    assert (tmp_path / "out.mp4").stat().st_size > 0
    assert "4 frames" in capsys.readouterr().out


def test_video_summary_has_a_row_per_person_computed_from_the_per_frame_rows(tiny_version, tmp_path, capsys):
    import pandas as pd

    from fer.inference.summary import person_summary

    video = tmp_path / "walk.avi"
    media.write_face_clip(video, frames=16, fps=8.0)
    rows, people = tmp_path / "rows.csv", tmp_path / "people.csv"
    code = main(["predict", str(video), "--model", str(tiny_version), "--csv", str(rows), "--summary", str(people),
                 "--no-progress"])
    assert code == 0 and f"per-person summary in {people}" in capsys.readouterr().out
    summary = pd.read_csv(people)
    assert list(summary["person"]) == [1] and summary.loc[0, "frames"] == 16
    assert summary.loc[0, "seconds on screen"] == 2.0  # 16 frames at 8 frames/s
    expected = person_summary(pd.read_csv(rows), fps=8.0)
    for column in ("dominant", "dominant share", *[c for c in summary.columns if c.startswith("share ")]):
        assert summary.loc[0, column] == (expected.loc[0, column] if column == "dominant"
                                          else pytest.approx(expected.loc[0, column], abs=1e-3))


def test_the_command_line_prints_no_traceback(tiny_version, tmp_path):
    missing = tmp_path / "nowhere.jpg"
    result = subprocess.run([sys.executable, "-m", "fer", "predict", str(missing), "--model", str(tiny_version)],
                            capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == f"error: {missing}: no such file"


def test_the_per_person_summary_is_computable_from_fer_read_results(tiny_version, tmp_path):
    import pandas as pd

    from fer.inference.summary import person_summary

    (tmp_path / "clips").mkdir()
    video = media.write_face_clip(tmp_path / "clips" / "walk.avi", frames=16, fps=8.0)
    people = tmp_path / "people.csv"
    assert main(["predict", str(video), "--model", str(tiny_version), "--summary", str(people), "--no-progress"]) == 0
    fer.analyze([video.parent], out=tmp_path / "faces.parquet", model=str(tiny_version), progress=False)
    rows = fer.read_results(tmp_path / "faces.parquet")
    from_parquet = person_summary(rows[rows["kind"] == "video"], fps=8.0)
    assert list(from_parquet["person"]) == list(pd.read_csv(people)["person"]) == [1]
    assert from_parquet.loc[0, "seconds on screen"] == 2.0 and from_parquet.loc[0, "dominant"] in fer.EMOTIONS
