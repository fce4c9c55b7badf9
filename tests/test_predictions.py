"""Each test face's prediction stored once (with the card's evaluation, else in the cache folder) and reused by
the training explorer's "Misclassified faces" tab."""
from __future__ import annotations

import shutil

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import fer
from fer.version import read_card
from fer.version.predictions import PREDICTIONS_FILE, cache_file, compute_predictions, find_predictions

from conftest import REPO
from tests.test_app import app_env, checkpoints  # noqa: F401  (fixtures: tiny, tiny-b, tiny-nodata served)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FER_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_the_cards_evaluation_stores_each_test_faces_prediction_beside_it(tiny_version, fer_small_csv):
    card = read_card(tiny_version)
    stored = find_predictions(tiny_version, card)
    assert stored is not None and (tiny_version / PREDICTIONS_FILE).is_file()
    labels = fer.load_dataset(fer_small_csv).split("test")[1]
    assert stored.misclassified(labels).tolist() == card.report("test")["misclassified"]
    assert len(stored.predicted) == card.report("test")["n"] and (0 < stored.confidence).all()


def test_predictions_of_other_weights_are_ignored_and_computed_ones_go_to_the_cache(tiny_version, fer_small_csv,
                                                                                      tmp_path, cache):
    folder = shutil.copytree(tiny_version, tmp_path / "tiny")
    card = read_card(folder)
    card.weights_sha256 = "0" * 64  # as if the weights had been retrained: the shipped file is of others
    assert find_predictions(folder, card) is None
    version = fer.load(str(folder))
    steps = []
    data = fer.load_dataset(fer_small_csv)
    before = sorted(p.name for p in folder.iterdir())
    stored = compute_predictions(version, data, progress=lambda done, total: steps.append((done, total)))
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing written into the version's folder
    assert cache_file(version.card).is_file() and cache_file(version.card).parent.parent == cache
    n = len(data.split("test")[1])
    assert steps[-1] == (n, n) and [d for d, _ in steps] == sorted(d for d, _ in steps)
    again = find_predictions(tmp_path / "elsewhere", version.card)  # found in the cache, wherever the folder is
    np.testing.assert_array_equal(again.predicted, stored.predicted)


def run_explorer(version: str) -> AppTest:
    at = AppTest.from_file(str(REPO / "pages" / "4_Training_explorer.py"), default_timeout=120)
    at.session_state["model_version"] = version
    at.run()
    assert not at.exception
    return at


def test_the_misclassified_tab_shows_stored_predictions_without_running_the_model(app_env, monkeypatch):
    from fer.app import ui

    def refuse(*args, **kwargs):
        raise AssertionError("the model was run")

    monkeypatch.setattr(ui, "cached_version", refuse)
    at = run_explorer("tiny")
    at.toggle(key="show_mistakes").set_value(True).run()
    assert not at.exception and not at.error
    assert at.get("image")


def test_the_misclassified_tab_computes_missing_predictions_once_with_a_progress_bar(app_env, cache, monkeypatch):
    from fer.app import ui
    from fer.version import predictions

    at = run_explorer("tiny-b")  # its weights are not the ones of the file it carries: computed here
    assert "runs the model over the test split once" in at.toggle(key="show_mistakes").label
    steps = []
    compute = predictions.compute_predictions
    monkeypatch.setattr(predictions, "compute_predictions",
                        lambda *a, progress, **k: compute(*a, progress=lambda d, n: (steps.append(d), progress(d, n)), **k))
    at.toggle(key="show_mistakes").set_value(True).run()
    assert not at.exception and at.get("image") and steps
    assert any(cache.rglob("*.npz"))
    monkeypatch.setattr(ui, "cached_version", lambda *a: pytest.fail("computed twice"))
    again = run_explorer("tiny-b")
    assert again.toggle(key="show_mistakes").label == "Show these faces"
