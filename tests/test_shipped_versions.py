"""The shipped versions after the model-version refactor (issue 17): every card loads (schema-1 cards migrated
one way, on a copy), every file a version runs from is covered by its card's sha256, and every version gives
the probabilities it gave before (tests/fixtures/shipped_probabilities.npz, made with the code before; the
versions removed since, with the equalised copy of FER2013 they learned from, are dropped from it)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import fer
from fer.checksum import sha256_of
from fer.version import Card, scan_versions
from fer.version.card import SCHEMA

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "checkpoints"
FIXTURE = REPO / "tests" / "fixtures" / "shipped_probabilities.npz"


@pytest.fixture(scope="module")
def shipped_copy(tmp_path_factory) -> Path:
    """A copy of checkpoints/ of its own (its cards are rewritten here)."""
    root = tmp_path_factory.mktemp("shipped_own") / "checkpoints"
    shutil.copytree(SHIPPED, root, ignore=shutil.ignore_patterns("last.pt", "*.onnx"), dirs_exist_ok=False)
    for onnx in SHIPPED.glob("*/*.onnx"):
        if _tracked(onnx):  # the shipped exports; none made on this machine
            shutil.copy(onnx, root / onnx.parent.name / onnx.name)
    return root


def test_every_shipped_card_migrates_to_the_typed_card_one_way(shipped_copy):
    entries = scan_versions(shipped_copy)
    assert [e.name for e in entries] == fer.list_versions(SHIPPED) and all(e.error is None for e in entries)
    for entry in entries:
        raw = json.loads((shipped_copy / entry.name / "card.json").read_text())
        card = entry.card
        assert card.schema == SCHEMA and card.name == entry.name
        assert card.data_file == Path(raw["data"]["file"]).name and "/" not in card.data_file  # a name, not a path
        options = card.hyperparameters or {}
        assert "out_dir" not in options and "/" not in str(options.get("data", "")) + str(options.get("teacher", ""))
        assert card.accuracy("test") == raw["metrics"]["test"]["accuracy"]
        assert card.tta == raw["tta"] and card.temperature == raw.get("calibration", {}).get("temperature", 1.0)
        if raw.get("schema", 1) < SCHEMA:  # a schema-1 card, migrated
            per_view = raw.get("onnx", {}).get("fp32", {}).get("ms_per_face_batch1_1thread",
                                                                raw["latency"]["ms_per_face_batch1_1thread"])
            assert card.ms_per_face == round(per_view * raw["latency"]["tta_views"], 3)
            if "test_ferplus" in raw["metrics"]:  # schema 1 reported FER+'s strict majority under this key
                assert card.report("test", "ferplus") is None
                assert card.metrics["test_ferplus_majority"] == raw["metrics"]["test_ferplus"]
        card.write(shipped_copy / entry.name)  # written back in schema 2, it reads the same
        assert Card.read(shipped_copy / entry.name) == card


def test_every_shipped_file_a_version_runs_from_has_its_sha256_in_the_card():
    for entry in scan_versions(SHIPPED):
        folder, card = SHIPPED / entry.name, entry.card
        assert card.weights_sha256
        if card.weights_file:
            assert sha256_of(folder / card.weights_file) == card.weights_sha256
        for onnx in folder.glob("*.onnx"):
            if onnx.name in {"model.onnx", "model.int8.onnx"} and _tracked(onnx):
                assert card.onnx_sha256(onnx.name) == sha256_of(onnx), onnx


def _tracked(path: Path) -> bool:
    """Shipped (in git), not exported here on first use."""
    import subprocess

    return subprocess.run(["git", "ls-files", "--error-unmatch", str(path)], cwd=REPO, capture_output=True).returncode == 0


def test_every_shipped_version_gives_the_probabilities_it_gave_before(shipped_copy, monkeypatch):
    monkeypatch.setenv("FER_CHECKPOINTS", str(shipped_copy))
    expected = np.load(FIXTURE)
    faces = expected["faces"]
    keys = [k for k in expected.files if k != "faces"]
    before = {k.split("|")[0] for k in keys}  # the versions shipped before the refactor and still shipped
    assert before and before <= set(fer.list_versions(SHIPPED))
    for key in keys:
        name, backend, tta = key.split("|")
        probs = fer.Recognizer(name, detector="haar", backend=backend, tta=tta).classify(faces)
        np.testing.assert_allclose(probs, expected[key], atol=tolerance(backend, tta), err_msg=key)


def tolerance(backend: str, tta: str) -> float:
    """The ten-crop views are resized in numpy now (PyTorch before): pixels differ by up to 4e-7, which the
    int8 export's quantised input can move by one quantisation step; everything else agrees to float rounding."""
    return 2e-3 if backend == "onnx-int8" and tta == "tencrop" else 2e-5


def test_a_schema_1_card_migrates_one_way_without_a_machine_path():
    """The shipped cards are all schema 2 now; a schema-1 card as earlier sessions wrote it still reads."""
    from fer.version.card import migrate

    old = {"name": "v", "data": {"file": "/srv/data/fer2013.csv.gz", "layout": "fer2013-csv"},
           "hyperparameters": {"data": "../shared/data/fer2013.csv.gz", "out_dir": "/root/.cache/fer/runs",
                               "teacher": "/root/ck/teacher-v1", "lr": 0.1},
           "latency": {"ms_per_face_batch1_1thread": 0.4, "tta_views": 2},
           "onnx": {"data": {"file": "/work/shared/data/fer2013.csv.gz", "split": "PrivateTest"},
                    "fp32": {"file": "model.onnx", "ms_per_face_batch1_1thread": 0.3},
                    "int8": {"file": "model.int8.onnx", "calibration": 500}},
           "metrics": {"test": {"accuracy": 0.7}, "test_ferplus": {"accuracy": 0.8}}}
    new = migrate(old)
    assert new["schema"] == SCHEMA and old.get("schema") is None  # a copy: the old dict is untouched
    assert new["data"]["file"] == new["onnx"]["data"]["file"] == new["hyperparameters"]["data"] == "fer2013.csv.gz"
    assert new["hyperparameters"] == {"data": "fer2013.csv.gz", "teacher": "teacher-v1", "lr": 0.1}
    assert new["latency"] == {"ms_per_view_batch1_1thread": 0.4}
    assert new["onnx"]["fp32"]["ms_per_view_batch1_1thread"] == 0.3
    assert new["onnx"]["int8"]["quantization_faces"] == 500
    assert new["metrics"]["test_ferplus_majority"] == {"accuracy": 0.8} and "test_ferplus" not in new["metrics"]
    assert "/" not in json.dumps(new).replace("\\/", "")
