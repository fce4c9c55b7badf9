"""Model versions on disk: loading by name or path, the default choice, and refusing tampered or broken files."""
import json
import shutil

import numpy as np
import pytest
import torch

import fer
from fer.cli import main
from fer.version import DEFAULTS_FILE, scan_versions


@pytest.fixture
def checkpoints(tiny_version, tmp_path, monkeypatch):
    """A private checkpoints folder holding two copies of the tiny version, found through FER_CHECKPOINTS."""
    root = tmp_path / "checkpoints"
    for name in ("alpha", "beta"):
        shutil.copytree(tiny_version, root / name)
    monkeypatch.setenv("FER_CHECKPOINTS", str(root))
    return root


def _edit_card(directory, **changes):
    card = json.loads((directory / "card.json").read_text())
    card.update(changes)
    (directory / "card.json").write_text(json.dumps(card))


def test_load_by_name_and_by_path(checkpoints):
    by_name = fer.load("alpha")
    by_path = fer.load(str(checkpoints / "beta"))
    assert by_name.name == "alpha" and by_path.name == "beta"
    assert not by_name.model.training
    assert [row["epoch"] for row in by_name.history] == [1, 2]
    a, b = by_name.model.state_dict(), by_path.model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_list_versions_skips_incomplete_folders(checkpoints):
    (checkpoints / "beta" / "weights.safetensors").unlink()
    (checkpoints / "empty").mkdir()
    assert fer.list_versions() == ["alpha"]


def test_default_version_is_the_best_on_validation_unless_chosen(checkpoints):
    for name, accuracy in (("alpha", 0.3), ("beta", 0.4)):
        card = json.loads((checkpoints / name / "card.json").read_text())
        card["metrics"]["val"]["accuracy"] = accuracy
        (checkpoints / name / "card.json").write_text(json.dumps(card))
    assert fer.default_version() == "beta"
    (checkpoints / DEFAULTS_FILE).write_text(json.dumps({"photo": "alpha", "realtime": "beta"}))
    assert fer.default_version("photo") == "alpha" and fer.default_version("realtime") == "beta"
    assert fer.load().name == "alpha"


def test_no_versions_is_explained(tmp_path, monkeypatch):
    monkeypatch.setenv("FER_CHECKPOINTS", str(tmp_path / "none"))
    with pytest.raises(fer.VersionError, match="no model versions"):
        fer.load()


def test_unknown_version_lists_the_known_ones(checkpoints):
    with pytest.raises(fer.VersionError, match="'gamma' not found.*alpha, beta"):
        fer.load("gamma")


def test_tampered_weights_are_refused(checkpoints):
    weights = checkpoints / "alpha" / "weights.safetensors"
    raw = bytearray(weights.read_bytes())
    raw[-10] ^= 0xFF
    weights.write_bytes(bytes(raw))
    with pytest.raises(fer.VersionError, match="sha256"):
        fer.load("alpha")


def test_weights_of_another_architecture_are_refused(checkpoints):
    _edit_card(checkpoints / "alpha", architecture="baseline")
    with pytest.raises(fer.VersionError, match="cannot load weights into baseline"):
        fer.load("alpha")


def test_predict_proba_averages_flip_views(tiny_version):
    version = fer.load(str(tiny_version))
    faces = np.random.default_rng(0).integers(0, 256, (5, 48, 48), dtype=np.uint8)
    plain = version.predict_proba(faces)
    flipped = version.predict_proba(faces[:, :, ::-1])
    assert plain.shape == (5, 7) and np.allclose(plain.sum(1), 1, atol=1e-5)
    assert np.allclose(version.predict_proba(faces, tta="flip"), (plain + flipped) / 2, atol=1e-5)
    assert np.allclose(version.predict_proba(faces[0]), plain[:1], atol=1e-5)
    tencrop = version.predict_proba(faces, tta="tencrop")
    assert tencrop.shape == (5, 7) and not np.allclose(tencrop, plain)


def test_a_card_that_is_not_json_is_named_in_one_line_and_the_other_versions_still_list(checkpoints, capsys):
    card = checkpoints / "beta" / "card.json"
    card.write_text('{"name": "beta", ')
    with pytest.raises(fer.VersionError) as refused:
        fer.load("beta")
    assert str(refused.value).startswith(f"{card}: not valid JSON") and "\n" not in str(refused.value)
    assert fer.list_versions() == ["alpha"] and fer.default_version() == "alpha"
    assert [(e.name, e.error is None) for e in scan_versions()] == [("alpha", True), ("beta", False)]
    for verb in (["versions"], ["evaluate", "--model", "beta"], ["predict", "--model", "beta", "x.jpg"]):
        assert main(verb) in (1, 2)
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [f"error: {card}: not valid JSON (Expecting property name enclosed in double quotes at line 1, column 18)"], verb


def test_a_card_that_is_json_but_no_card_is_refused(checkpoints):
    (checkpoints / "beta" / "card.json").write_text("[1, 2]")
    with pytest.raises(fer.VersionError, match="beta/card.json: not a model card"):
        fer.load("beta")


def test_a_schema_1_card_is_read_with_its_data_named_by_file_name(checkpoints):
    raw = json.loads((checkpoints / "alpha" / "card.json").read_text())
    raw.pop("schema")
    raw["data"]["file"] = "/home/someone/data/fer2013.csv"
    raw["latency"] = {"ms_per_face_batch1_1thread": 0.5, "tta_views": 2}
    (checkpoints / "alpha" / "card.json").write_text(json.dumps(raw))
    card = fer.load("alpha").card
    assert card.data_file == "fer2013.csv" and card.latency == {"ms_per_view_batch1_1thread": 0.5}
    assert card.ms_per_face == 0.5 * {"none": 1, "flip": 2, "tencrop": 10}[card.tta]
