"""A version's plain-words line (card.summary) and shift block (card.shift): kept by the card, old cards still read,
and the app's version picker shows the line."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fer.labels import EMOTIONS
from fer.version import Card
from fer.version.card import migrate
from fer.version.robustness import card_shift_block

REPO = Path(__file__).resolve().parents[1]
SHIPPED = sorted(p.parent.name for p in (REPO / "checkpoints").glob("*/card.json"))


def test_a_card_keeps_its_summary_and_shift_block(tmp_path):
    card = Card(name="v", architecture="fernet_small", summary="reads candid faces; misses closed-mouth anger",
                shift={"faces": 10, "accuracy": {"clean": {"ferplus": 0.9}}})
    card.write(tmp_path)
    again = Card.read(tmp_path)
    assert again.summary == card.summary and again.shift == card.shift and not again.extra


def test_a_card_written_before_the_fields_reads_with_empty_ones(tmp_path):
    raw = {"architecture": "fernet_small", "schema": 1, "metrics": {"test_ferplus": {"accuracy": 0.8}}}
    (tmp_path / "card.json").write_text(json.dumps(raw))
    card = Card.read(tmp_path)
    assert card.summary == "" and card.shift == {} and card.schema == 2
    assert "test_ferplus_majority" in migrate(raw)["metrics"]


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_card_reads_and_says_in_one_line_what_it_is_good_and_bad_at(name):
    card = Card.read(REPO / "checkpoints" / name)
    assert card.summary and "\n" not in card.summary and len(card.summary) < 200


def test_the_card_block_keeps_each_shifts_accuracy_and_the_summary():
    result = {"split": "PrivateTest", "tta": "flip", "faces": 3, "subset": None, "complete": True, "command": "c",
              "shifts": {name: {"fer2013": {"accuracy": a, "recall": dict.fromkeys(EMOTIONS, a)},
                                "ferplus": {"accuracy": b, "recall": {**dict.fromkeys(EMOTIONS, b), "disgust": None}},
                                "disagreements": {}} for name, a, b in (("clean", 0.7, 0.9), ("blur", 0.5, 0.6))}}
    block = card_shift_block(result)
    assert block["accuracy"] == {"clean": {"fer2013": 0.7, "ferplus": 0.9}, "blur": {"fer2013": 0.5, "ferplus": 0.6}}
    assert block["command"] == "c" and block["faces"] == 3
    assert block["summary"]["ferplus"] == {"clean": 0.9, "mean_drop": 0.3, "worst_shift": "blur", "worst_drop": 0.3,
                                           "lowest_recall": {"recall": 0.6, "shift": "blur", "emotion": "angry"}}


def test_the_version_picker_shows_each_versions_line(tiny_version, fer_small_csv, tmp_path, monkeypatch):
    pytest.importorskip("streamlit")
    from streamlit.testing.v1 import AppTest

    root = tmp_path / "checkpoints"
    shutil.copytree(tiny_version, root / "tiny")
    card = Card.read(root / "tiny")
    card.summary = "good at smoke tests; bad at everything else"
    card.write(root / "tiny")
    monkeypatch.setenv("FER_CHECKPOINTS", str(root))
    monkeypatch.setenv("FER_DATA", str(fer_small_csv))
    monkeypatch.setenv("FER_RUNS_DIR", str(tmp_path / "runs"))
    at = AppTest.from_file(str(REPO / "home.py"), default_timeout=300)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    picker = next(s for s in at.sidebar.selectbox if s.label == "Model version")
    assert picker.options == ["tiny: good at smoke tests; bad at everything else"] and picker.value == "tiny"
    assert "good at smoke tests" in picker.help
