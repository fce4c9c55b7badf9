"""Each test face's prediction for the pages (training explorer's misclassified faces, compare's agreement):
stored (fer.version.predictions), else computed now, once, under a progress bar, and stored in the cache folder."""
from __future__ import annotations

import streamlit as st

from ..version import predictions
from . import ui


def is_stored(name: str, root: str, card) -> bool:
    return predictions.find_predictions(ui.version_dir(name, root), card) is not None


def test_predictions(name: str, root: str, card, data_path) -> predictions.StoredPredictions:
    stored = predictions.find_predictions(ui.version_dir(name, root), card)
    if stored is not None:
        return stored
    data = ui.cached_dataset(str(data_path))
    total = len(data.split(predictions.SPLIT)[1])
    bar = st.progress(0.0, text=f"Running {name} over the {total} test faces (once: stored for next time)…")
    stored = predictions.compute_predictions(
        ui.cached_version(name, root), data,
        progress=lambda done, n: bar.progress(done / n, text=f"Running {name} over the test faces: {done} of {n}…"))
    bar.empty()
    return stored
