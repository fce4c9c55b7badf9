"""The home page's figures explained: how often raters agree (from FER+'s votes), PyPI fer's figures read from
their measurement, and the active version described without jargon."""
from __future__ import annotations

import numpy as np
import pytest

from fer.app import yardsticks
from fer.data.ferplus import rater_agreement
from fer.labels import EMOTIONS
from tests.test_app import run_page
from tests.test_hardening import page_text


def votes_row(**counts) -> list[int]:
    columns = [*EMOTIONS, "contempt", "unknown", "NF"]
    return [counts.get(c, 0) for c in columns]


def test_rater_agreement_counts_each_vote_against_the_other_nine():
    votes = np.array([votes_row(happy=10), votes_row(happy=6, sad=4), votes_row(sad=5, fear=5),  # a tie: left out
                      votes_row(NF=10), votes_row()], np.uint8)  # not a face, no votes: left out
    figures = rater_agreement(votes)
    assert figures["faces"] == 2 and figures["votes"] == 20
    assert figures["rater_vs_rest"] == pytest.approx((10 + 6) / 20)  # a sad vote loses to the other nine's happy
    assert figures["pairwise"] == pytest.approx((1 + (6 * 5 + 4 * 3) / 90) / 2)
    tied = rater_agreement(np.array([votes_row(happy=6, sad=4), votes_row(happy=5, sad=4, fear=1)], np.uint8))
    # second face: a happy vote leaves happy 4 = sad 4 (half credit), a sad vote leaves happy 5 (none)
    assert tied["rater_vs_rest"] == pytest.approx((6 + 5 * 0.5) / 20)


def test_pypi_fers_figures_are_read_from_its_measurement(tmp_path):
    import json

    def run(default_fer2013):
        return {"command": "x", "rows": [
            {"classifier": "Keras emotion_model.hdf5", "FER2013 PrivateTest accuracy": 0.1,
             "FER+ PrivateTest accuracy": 0.2},
            {"classifier": "TFLite int8 (its default)", "FER2013 PrivateTest accuracy": default_fer2013,
             "FER+ PrivateTest accuracy": 0.5987}]}

    measured = tmp_path / "pypi.json"
    measured.write_text(json.dumps({"title": "t", "runs": [run(0.5), run(0.6123)]}))  # the latest run counts
    assert yardsticks.pypi_fer(measured) == {"fer2013": 0.6123, "ferplus": 0.5987}
    assert yardsticks.pypi_fer(tmp_path / "absent.json") is None
    shipped = yardsticks.pypi_fer(yardsticks.PYPI_FER)  # the file the benchmark writes is the one read
    assert shipped is not None and all(0 < value < 1 for value in shipped.values())
    text = yardsticks.meaning({"rater_vs_rest": 0.7419, "pairwise": 0.6307, "fer2013_label_vs_ferplus_majority": 0.6778},
                              yardsticks.pypi_fer(measured))
    assert "61.23% (FER2013) and 59.87% (FER+)" in text and "on 74% of these faces" in text and "32%" in text


def test_the_home_page_says_what_its_figures_mean_in_plain_words(tiny_version, tmp_path, monkeypatch):
    import shutil

    shutil.copytree(tiny_version, tmp_path / "ckpt" / "tiny")
    monkeypatch.setenv("FER_CHECKPOINTS", str(tmp_path / "ckpt"))
    at = run_page("home.py")
    text = " ".join(page_text(at))
    assert "What these figures mean" in text and "macro-F1" in text
    agreement, pypi = yardsticks.human_agreement(), yardsticks.pypi_fer()
    if agreement:
        assert f"on {agreement['rater_vs_rest']:.0%} of these faces" in text
    if pypi:
        assert f"{pypi['fer2013']:.2%} (FER2013)" in text
    caption = next(c.value for c in at.caption if "trained on" in c.value)
    assert "process(es)" not in caption and "threads" not in caption and "million parameters" in caption
    assert "the live webcam a faster one" in text  # the model choice as it really works


def test_the_home_page_counts_the_faces_a_version_learned_from_not_the_whole_file():
    from fer.app import summaries
    from fer.version import Card

    card = Card(name="v", architecture="fernet_tiny")
    card.data = {"file": "fer2013.csv.gz", "split_sizes": {"Training": 28709, "PublicTest": 3589, "PrivateTest": 3589}}
    assert summaries.training_data_name(card) == "fer2013.csv.gz (28,709 training faces)"
    card.data = {"file": "my_faces", "split_sizes": {"test": 40}}
    assert summaries.training_data_name(card) == "my_faces"
