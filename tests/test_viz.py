"""fer.viz: every figure carries exactly the numbers it was given."""
import numpy as np
import pytest

from fer import viz
from fer.labels import EMOTION_HEX, EMOTIONS
from fer.metrics import classification_report
from fer.version.evaluation import report_from_probs


@pytest.fixture(scope="module")
def reports():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 7, 300)
    pred_a = np.where(rng.random(300) < 0.6, y, rng.integers(0, 7, 300))
    pred_b = np.where(rng.random(300) < 0.4, y, rng.integers(0, 7, 300))
    return classification_report(y, pred_a), classification_report(y, pred_b)


def test_learning_curves_plot_every_history_column_per_epoch():
    history = [{"epoch": e, "train_loss": 2.0 / e, "val_loss": 2.1 / e, "train_acc": 0.2 * e, "val_acc": 0.19 * e,
                "lr": 0.1 / e} for e in (1, 2, 3)]
    fig = viz.learning_curves(history)
    traces = {t.name: t for t in fig.data}
    assert set(traces) == {"train loss", "val loss", "train acc", "val acc", "learning rate"}
    assert list(traces["val acc"].y) == [row["val_acc"] for row in history]
    assert list(traces["learning rate"].x) == [1, 2, 3]
    assert traces["train loss"].xaxis == "x" and traces["train acc"].xaxis == "x2" and traces["learning rate"].xaxis == "x3"


@pytest.mark.parametrize("normalized", [False, True])
def test_confusion_heatmap_shows_counts_or_row_shares(reports, normalized):
    report = reports[0]
    fig = viz.confusion_heatmap(report, normalized=normalized)
    z = np.asarray(fig.data[0].z)
    expected = report["confusion_normalized"] if normalized else report["confusion"]
    np.testing.assert_allclose(z, expected)
    assert list(fig.data[0].x) == list(EMOTIONS) and list(fig.data[0].y) == list(EMOTIONS)
    if normalized:
        np.testing.assert_allclose(z.sum(1)[z.sum(1) > 0], 1.0, atol=1e-3)


def test_per_class_bars_group_precision_recall_f1(reports):
    fig = viz.per_class_bars(reports[0])
    assert [t.name for t in fig.data] == ["precision", "recall", "f1"]
    f1 = fig.data[2]
    assert list(f1.y) == [reports[0]["per_class"][c]["f1"] for c in EMOTIONS]


def test_grouped_f1_bars_one_trace_per_version(reports):
    fig = viz.grouped_f1_bars({"a": reports[0], "b": reports[1]})
    assert [t.name for t in fig.data] == ["a", "b"]
    assert list(fig.data[1].y) == [reports[1]["per_class"][c]["f1"] for c in EMOTIONS]
    assert fig.layout.barmode == "group"


def test_class_share_bars_put_each_versions_predicted_shares_after_the_labels_own():
    y = np.array([0, 0, 3, 3, 3, 6, 6, 6, 6, 6])
    says_neutral = report_from_probs(np.eye(7)[np.full(10, 6)], y)
    right = report_from_probs(np.eye(7)[y], y)
    fig = viz.class_share_bars({"hedger": says_neutral, "right": right, "old card": {"per_class": {}}})
    assert [t.name for t in fig.data] == ["labels", "hedger", "right"]
    labels, hedger, exact = (list(t.y) for t in fig.data)
    assert labels == exact == pytest.approx([0.2, 0, 0, 0.3, 0, 0, 0.5])
    assert hedger == pytest.approx([0, 0, 0, 0, 0, 0, 1.0])


def test_confusion_difference_is_b_minus_a_centred_on_zero(reports):
    a, b = reports
    fig = viz.confusion_difference(a, b, "a", "b")
    expected = np.asarray(b["confusion_normalized"]) - np.asarray(a["confusion_normalized"])
    np.testing.assert_allclose(np.asarray(fig.data[0].z), expected)
    assert fig.data[0].zmid == 0 and fig.data[0].zmin == -fig.data[0].zmax
    assert "b minus a" in fig.layout.title.text


def test_probability_bars_highlight_the_most_likely_emotion_in_its_own_colour():
    probs = dict(zip(EMOTIONS, [0.05, 0.01, 0.04, 0.7, 0.1, 0.05, 0.05]))
    bar = viz.probability_bars(probs).data[0]
    assert list(bar.y) == list(EMOTIONS) and list(bar.x) == list(probs.values())
    opacity = list(bar.marker.opacity)
    assert opacity.count(1.0) == 1 and opacity[3] == 1.0 and bar.text[3] == "70%"
    neutral = viz.probability_bars(dict(zip(EMOTIONS, [0.05, 0.01, 0.04, 0.1, 0.1, 0.05, 0.65]))).data[0]
    top = list(neutral.marker.opacity).index(1.0)
    assert neutral.y[top] == "neutral" and neutral.marker.color[top] == EMOTION_HEX["neutral"] == "#c8c8c8"  # grey


def test_a_version_keeps_its_colour_across_the_charts_of_a_page():
    y = np.arange(70) % 7
    by_version = {"a": report_from_probs(np.eye(7)[y], y), "b": report_from_probs(np.eye(7)[(y + 1) % 7], y)}
    colors = viz.version_colors(["b", "a"])  # the page's order, whatever each chart's order
    assert len(set(colors.values())) == 2
    charts = [viz.grouped_f1_bars(by_version, colors=colors), viz.class_share_bars(by_version, colors=colors),
              viz.version_accuracy_bars(by_version, colors=colors)]
    for fig in charts:
        drawn = {t.name: t.marker.color for t in fig.data if t.name in by_version}
        assert drawn == {"a": colors["a"], "b": colors["b"]}
    defaults = [viz.grouped_f1_bars(by_version), viz.version_accuracy_bars(by_version)]
    assert defaults[0].data[0].marker.color == defaults[1].data[0].marker.color != defaults[1].data[1].marker.color


@pytest.mark.parametrize("build", [
    lambda r: viz.grouped_f1_bars({"a": r[0], "b": r[1]}), lambda r: viz.per_class_bars(r[0]),
    lambda r: viz.version_accuracy_bars({"a": r[0], "b": r[1]}),
    lambda r: viz.emotion_share_bars({"#1": dict(zip(EMOTIONS, [1 / 7] * 7))}),
    lambda r: viz.learning_curves([{"epoch": 1, "train_loss": 1, "val_loss": 1, "train_acc": 0.5, "val_acc": 0.5,
                                    "lr": 0.1}])])
def test_legends_sit_right_of_the_plot_never_over_its_axes(reports, build):
    legend = build(reports).layout.legend
    assert legend.x >= 1 and legend.xanchor == "left" and legend.orientation == "v"
