"""fer.metrics against scikit-learn, and the calibration error on cases whose answer is known."""
import numpy as np
import pytest
from sklearn import metrics as skm

from fer.labels import EMOTIONS
from fer.metrics import classification_report, confusion_matrix, expected_calibration_error

CLASSES = list(range(len(EMOTIONS)))


@pytest.fixture(params=[0, 1, 2])
def labels_with_an_absent_class(request):
    """Random true/predicted labels; class 1 (disgust) appears in neither, class 5 only in y_pred."""
    rng = np.random.default_rng(request.param)
    present_true = np.array([0, 2, 3, 4, 6])
    y_true = rng.choice(present_true, 300)
    y_pred = np.where(rng.random(300) < 0.5, y_true, rng.choice([0, 2, 3, 4, 5, 6], 300))
    return y_true, y_pred


def test_report_matches_sklearn(labels_with_an_absent_class):
    y_true, y_pred = labels_with_an_absent_class
    report = classification_report(y_true, y_pred)
    assert report["n"] == len(y_true)
    assert report["accuracy"] == pytest.approx(skm.accuracy_score(y_true, y_pred), abs=1e-12)
    assert report["macro_f1"] == pytest.approx(skm.f1_score(y_true, y_pred, average="macro", zero_division=0), abs=1e-12)
    precision, recall, f1, support = skm.precision_recall_fscore_support(y_true, y_pred, labels=CLASSES, zero_division=0)
    for i, name in enumerate(EMOTIONS):
        row = report["per_class"][name]
        assert row["precision"] == pytest.approx(precision[i], abs=1e-12), name
        assert row["recall"] == pytest.approx(recall[i], abs=1e-12), name
        assert row["f1"] == pytest.approx(f1[i], abs=1e-12), name
        assert row["support"] == support[i], name
    assert report["confusion"] == skm.confusion_matrix(y_true, y_pred, labels=CLASSES).tolist()


def test_confusion_normalized_rows_are_recall(labels_with_an_absent_class):
    y_true, y_pred = labels_with_an_absent_class
    report = classification_report(y_true, y_pred)
    normalized = np.array(report["confusion_normalized"])
    expected = skm.confusion_matrix(y_true, y_pred, labels=CLASSES, normalize="true")
    np.testing.assert_allclose(np.nan_to_num(expected), normalized, atol=1e-4)
    assert normalized[1].sum() == 0  # the absent class: a zero row, not NaN


def test_confusion_matrix_counts_rows_true():
    cm = confusion_matrix([0, 0, 3], [0, 3, 3])
    assert cm[0, 0] == 1 and cm[0, 3] == 1 and cm[3, 3] == 1 and cm.sum() == 3


def test_calibration_error_known_cases():
    y = np.array([0, 1, 2, 3])
    confident_right = np.eye(len(EMOTIONS))[y]
    assert expected_calibration_error(confident_right, y) == pytest.approx(0.0)
    confident_wrong = np.eye(len(EMOTIONS))[(y + 1) % len(EMOTIONS)]
    assert expected_calibration_error(confident_wrong, y) == pytest.approx(1.0)
    half = np.full((4, len(EMOTIONS)), 0.5 / (len(EMOTIONS) - 1))
    half[np.arange(4), [0, 1, 5, 5]] = 0.5  # 50% confident, right half of the time: calibrated
    assert expected_calibration_error(half, y) == pytest.approx(0.0)
