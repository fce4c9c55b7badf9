"""benchmarks/label_sources.py's figures on both label sets: each emotion's recall is what `evaluate` reports on
that label set, and the FER2013-angry / FER+-neutral faces are counted from the data."""
import label_sources  # benchmarks/ is on the tests' path (pytest.ini)
import numpy as np
import pytest

import fer
from fer.labels import EMOTIONS
from fer.version.evaluation import benchmark_reports, evaluate, reports_by_labels


def test_each_emotions_recall_on_both_label_sets_and_the_angry_neutral_faces(fer_small_csv):
    data = fer.load_dataset(fer_small_csv)
    version = fer.load(fer.default_version("realtime"))
    private = version.predict_proba(data.split("PrivateTest")[0])
    test = reports_by_labels(private, data, "PrivateTest", "none")
    figures = label_sources.both_label_sets(private, data, "none", benchmark_reports(version, data, "PublicTest"), test)
    for labels in ("fer2013", "ferplus"):
        report = evaluate(version, data, "PrivateTest", labels=labels, backend="torch")
        assert figures[f"PrivateTest_{labels}"]["accuracy"] == round(report["accuracy"], 4)
        assert figures[f"PrivateTest_{labels}"]["recall"] == {e: round(report["per_class"][e]["recall"], 4) for e in EMOTIONS}
    y = data.split("PrivateTest")[1]
    rows, plus = data.labelled_rows("PrivateTest", "ferplus")
    chosen = rows[(y[rows] == EMOTIONS.index("angry")) & (plus == EMOTIONS.index("neutral"))]
    trace = figures["disagreements"]["fer2013_angry_ferplus_neutral"]
    assert trace["n"] == len(chosen)
    if len(chosen):
        called_neutral = float(np.mean(private[chosen].argmax(1) == EMOTIONS.index("neutral")))
        assert trace["called"]["neutral"] == pytest.approx(called_neutral, abs=1e-4)


def test_a_rerun_keeps_the_versions_measured_on_the_same_data_and_only_those(tmp_path, fer_small_csv):
    data = fer.load_dataset(fer_small_csv)
    path = tmp_path / "label_sources.json"
    label_sources.write_json(path, {"v1": {"tta": "none"}}, data)
    assert label_sources.measured_before(path, data) == {"v1": {"tta": "none"}}
    other = tmp_path / "other.csv"
    other.write_bytes(open(fer_small_csv, "rb").read())
    assert label_sources.measured_before(path, fer.load_dataset(other)) == {}  # figures of another file are not kept
    assert label_sources.measured_before(tmp_path / "none.json", data) == {}
