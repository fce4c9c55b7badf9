"""benchmarks/label_disagreement.py: the FER+ errors that FER2013-label recall targets force, on made-up labels."""
import numpy as np

import label_disagreement  # benchmarks/ is on the tests' path (pytest.ini)
from fer.labels import EMOTIONS

ANGRY, SAD, NEUTRAL, HAPPY = (EMOTIONS.index(e) for e in ("angry", "sad", "neutral", "happy"))


def test_each_hit_beyond_the_raters_reading_is_a_ferplus_error_taken_from_other_emotions_before_neutral():
    # ten faces meant angry: the raters call six angry, three neutral, one sad; two happy faces nobody disputes;
    # one angry face FER+ does not score (a tie), which a model may call angry for free
    y = np.array([ANGRY] * 10 + [HAPPY] * 2 + [ANGRY])
    rows = np.arange(12)
    ferplus = np.array([ANGRY] * 6 + [NEUTRAL] * 3 + [SAD] + [HAPPY] * 2)
    f = label_disagreement.forced_errors(y, rows, ferplus, {"angry": 0.8})
    angry = f["per_emotion"]["angry"]
    assert angry["reader_recall"] == round(7 / 11, 3)         # six agreed faces and the unscored one
    assert angry["extra_hits_needed"] == 2                    # ceil(0.8 * 11) = 9 hits
    assert angry["raters_say"] == {"angry": 7, "sad": 1, "neutral": 3}
    assert f["forced_ferplus_errors"] == 2 and f["best_ferplus"] == round(1 - 2 / 12, 4)
    assert f["best_ferplus_neutral_recall"] == round(1 - 1 / 3, 4)   # the sad face first, then one neutral face


def test_a_target_the_raters_reading_already_meets_forces_nothing():
    y = np.array([ANGRY] * 4 + [SAD] * 4)
    ferplus = y.copy()
    f = label_disagreement.forced_errors(y, np.arange(8), ferplus, {"angry": 0.65, "sad": 0.55})
    assert f["forced_ferplus_errors"] == 0 and f["best_ferplus"] == 1.0
