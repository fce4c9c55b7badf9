"""One face-row schema (fer.inference.rows): the same faces give the same columns and values in the image CSV,
the JSON and the video CSV of `predict`, the Parquet store of `analyze` and the app's tables and downloads;
docs/face-rows.md lists exactly the schema's columns; stores written before the schema are migrated."""
import io
import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import fer
from fer.app import recognition
from fer.app.video import analyse_video
from fer.batch.store import SCHEMA
from fer.cli import main
from fer.inference import Recognizer
from fer.inference.results import Detection, Face
from fer.inference.rows import COLUMNS, NAMES, face_row, face_table, markdown, read_face_csv
from test_video import moving_faces_frames

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
SETTINGS = ["--backend", "onnx", "--tta", "none"]  # analyze's defaults, given to predict and the app too


def test_the_doc_lists_exactly_the_schemas_columns():
    doc = (ROOT / "docs" / "face-rows.md").read_text()
    assert doc == markdown(), "regenerate docs/face-rows.md with the command it names"
    listed = [line.split("`")[1] for line in doc.splitlines() if line.startswith("| `")]
    assert listed == NAMES == [c.name for c in COLUMNS] and len(set(NAMES)) == len(NAMES)
    assert SCHEMA.names == NAMES


def a_face(face_id=None, landmarks=True) -> Face:
    probabilities = np.float32([0.05, 0.01, 0.04, 0.7, 0.1, 0.03, 0.07])
    raw = np.float32([0.1, 0.0, 0.1, 0.5, 0.2, 0.0, 0.1])
    marks = np.float32([[10, 20], [30, 20], [20, 30], [12, 40], [28, 40]]) if landmarks else None
    return Face.from_probabilities(Detection((5, 6, 40, 50), 0.912345, marks), probabilities, fer.EMOTIONS,
                                   face_id=face_id, raw=raw)


def test_a_face_as_a_photo_row_and_as_a_video_row_differs_only_where_it_was_seen():
    photo = face_row(a_face(), 2, source="a.jpg", model="m", detector="d")
    video = face_row(a_face(face_id=7), 2, source="a.mp4", kind="video", frame=3, time_s=0.123456, model="m",
                     detector="d")
    assert list(photo) == list(video) == NAMES
    assert {k for k in NAMES if photo[k] != video[k]} == {"source", "kind", "frame", "time_s", "face_id"}
    assert (photo["frame"], photo["time_s"], photo["face_id"]) == (None, None, None)
    assert (video["frame"], video["time_s"], video["face_id"], video["face"]) == (3, 0.1235, 7, 2)
    assert photo["happy"] == 0.7 and photo["raw_happy"] == 0.5 and photo["label"] == "happy"
    assert photo["score"] == 0.9123 and photo["nose_x"] == 20.0 and photo["mouth_right_y"] == 40.0
    assert face_row(a_face(landmarks=False), 1)["left_eye_x"] is None
    with pytest.raises(ValueError, match="kind"):
        face_row(a_face(), 1, kind="frame")


def test_a_face_table_keeps_its_types_through_a_csv(tmp_path):
    table = face_table([face_row(a_face(), 1, source="a.jpg"), face_row(a_face(3), 1, source="b.mp4", kind="video",
                                                                       frame=0, time_s=0.0)])
    table.to_csv(tmp_path / "rows.csv", index=False)
    back = read_face_csv(tmp_path / "rows.csv")
    pd.testing.assert_frame_equal(back, table)
    assert str(table["frame"].dtype) == "Int64" and str(table["happy"].dtype) == "float32"
    assert table.loc[0, "model"] is None and pd.isna(table.loc[0, "frame"])
    table.drop(columns="face").to_csv(tmp_path / "cut.csv", index=False)
    with pytest.raises(ValueError, match=r"cut\.csv: not a table of face rows: no column face$"):
        read_face_csv(tmp_path / "cut.csv")


@pytest.fixture(scope="module")
def media(tmp_path_factory, tiny_version):
    """A photo and a clip (two moving faces, MJPG) in a folder, and the tiny version in a folder of its own."""
    root = tmp_path_factory.mktemp("media")
    shutil.copy(FIXTURES / "three_faces.jpg", root / "three_faces.jpg")
    writer = cv2.VideoWriter(str(root / "clip.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 10, (480, 240))
    for frame in moving_faces_frames():
        writer.write(frame)
    writer.release()
    model = Path(shutil.copytree(tiny_version, tmp_path_factory.mktemp("model") / "tiny"))
    return root / "three_faces.jpg", root / "clip.avi", model


@pytest.fixture(scope="module")
def parquet(media, tmp_path_factory):
    photo, clip, model = media
    out = tmp_path_factory.mktemp("store") / "faces.parquet"
    fer.analyze([photo, clip], out=out, model=str(model), workers=1, progress=False)
    return out


def assert_same_rows(table, expected):
    table, expected = table.reset_index(drop=True), expected.reset_index(drop=True)
    assert list(table.columns) == list(expected.columns) and len(table) == len(expected) > 0
    pd.testing.assert_frame_equal(table, expected)


def test_the_same_photo_gives_the_same_rows_in_every_output(media, parquet, tmp_path, capsys):
    photo, _, model = media
    stored = fer.read_results(parquet)
    assert list(stored.columns) == NAMES
    stored = stored[stored["kind"] == "photo"]
    assert list(stored["face"]) == [1, 2, 3] and stored["left_eye_x"].notna().all()

    assert main(["predict", str(photo), "--model", str(model), *SETTINGS, "--csv", str(tmp_path / "f.csv")]) == 0
    assert_same_rows(read_face_csv(tmp_path / "f.csv"), stored)
    assert main(["predict", str(photo), "--model", str(model), *SETTINGS, "--json"]) == 0
    assert_same_rows(face_table(json.loads(capsys.readouterr().out)["results"][0]["faces"]), stored)

    app = recognition.SharedRecognizer(Recognizer(str(model), backend="onnx", tta="none"))
    results = [recognition.analyse_upload(app, str(photo), photo.read_bytes())]
    assert_same_rows(recognition.results_table(results), stored)
    assert_same_rows(read_face_csv(io.StringIO(recognition.results_csv(results))), stored)
    assert_same_rows(face_table(json.loads(recognition.results_json(results))[0]["faces"]), stored)
    assert_same_rows(fer.inference.to_dataframe([r.faces for r in results], inputs=[str(photo)],
                                                model="tiny", detector=stored["detector"].iloc[0]), stored)


def test_the_same_video_gives_the_same_rows_in_every_output(media, parquet, tmp_path):
    _, clip, model = media
    stored = fer.read_results(parquet)
    stored = stored[stored["kind"] == "video"]
    assert len(stored) == 20 and set(stored["face_id"]) == {1, 2} and set(stored["face"]) == {1, 2}

    out = tmp_path / "clip.csv"
    assert main(["predict", str(clip), "--model", str(model), *SETTINGS, "--csv", str(out), "--no-progress"]) == 0
    assert_same_rows(read_face_csv(out), stored)

    app = Recognizer(str(model), backend="onnx", tta="none")
    analysis = analyse_video(app, str(clip), clip, workdir=tmp_path)
    assert analysis.ok, analysis.error
    assert_same_rows(read_face_csv(io.BytesIO(analysis.csv_bytes())), stored)


OLD_SCHEMA = pa.schema([  # the store's rows before the face-row schema (face_id: a photo face's place)
    ("source", pa.string()), ("kind", pa.string()), ("frame", pa.int64()), ("time_s", pa.float64()),
    ("face_id", pa.int64()), *[(c, pa.int32()) for c in "xywh"], ("score", pa.float32()), ("label", pa.string()),
    ("confidence", pa.float32()), *[(e, pa.float32()) for e in fer.EMOTIONS],
    *[(f"raw_{e}", pa.float32()) for e in fer.EMOTIONS], ("model", pa.string()), ("detector", pa.string())])


def as_old_part(table: pd.DataFrame) -> pa.Table:
    old = table.copy()
    photo = old["kind"] == "photo"
    old.loc[photo, "face_id"] = old.loc[photo, "face"]
    old.loc[photo, "frame"] = 0
    return pa.Table.from_pandas(old[OLD_SCHEMA.names], schema=OLD_SCHEMA, preserve_index=False)


def test_a_store_written_before_the_schema_is_read_and_resumed_in_todays_columns(media, parquet, tmp_path):
    photo, clip, model = media
    out = Path(shutil.copytree(parquet, tmp_path / "old.parquet"))
    shutil.copy(fer.batch.files_table_path(parquet), fer.batch.files_table_path(out))
    expected = fer.read_results(parquet)
    for part in out.glob("part-*.parquet"):
        pq.write_table(as_old_part(pq.read_table(part).to_pandas()), part)
    expected.loc[:, [n for n in NAMES if n.endswith(("_x", "_y"))]] = np.nan  # not recorded then
    assert_same_rows(fer.read_results(out), expected)
    assert all(not pq.read_schema(p).equals(SCHEMA) for p in out.glob("part-*.parquet"))  # reading writes nothing

    fer.analyze([photo, clip], out=out, model=str(model), workers=1, progress=False)  # resume: nothing left to do
    assert all(pq.read_schema(p).equals(SCHEMA) for p in out.glob("part-*.parquet"))
    assert_same_rows(fer.read_results(out), expected)
    assert_same_rows(fer.read_results(out, columns=["face", "label"]), expected[["face", "label"]])
