"""The chooser's three ranking rules (benchmarks/choose_default.py), on made-up PublicTest figures."""
import pytest

import choose_default  # benchmarks/ is on the tests' path (pytest.ini)


def candidate(ferplus: float, mean_recall: float, min_recall: float, fer2013: float = 0.6) -> dict:
    """The fields `figures` gives a candidate, from its FER+ and FER2013 accuracy and its agreed faces' recall."""
    return {"ferplus": ferplus, "fer2013": fer2013, "recall": mean_recall, "min_recall": min_recall, "score": (ferplus + mean_recall) / 2,
            **choose_default.recall_marks(mean_recall, min_recall)}


def best(candidates: dict, rule: str) -> str:
    return max(candidates, key=lambda name: choose_default.rank(candidates[name], rule))


@pytest.mark.parametrize("rule, chosen", [("margin", "more FER+, recall with margin"), ("score", "more recall")])
def test_the_margin_rule_takes_the_most_ferplus_among_candidates_with_margin_the_score_rule_the_best_mean(rule, chosen):
    candidates = {"more FER+, recall with margin": candidate(0.870, 0.86, 0.70),
                  "more recall": candidate(0.860, 0.90, 0.84),
                  "most FER+, recall met by a hair": candidate(0.880, 0.81, 0.55),
                  "highest FER+, recall not met": candidate(0.890, 0.78, 0.40)}
    assert best(candidates, rule) == chosen


def test_below_the_margin_the_margin_rule_ranks_as_the_score_rule_does():
    candidates = {"most FER+, by a hair": candidate(0.880, 0.81, 0.55),
                  "better mean": candidate(0.860, 0.84, 0.60),
                  "recall not met": candidate(0.900, 0.79, 0.70)}
    assert best(candidates, "margin") == best(candidates, "score") == "better mean"


def test_the_table_marks_the_recall_condition_and_its_margin():
    assert [choose_default.stars(candidate(0.86, r, m)) for r, m in ((0.79, 0.6), (0.81, 0.55), (0.86, 0.7))] == \
        ["", " *", " **"]


def test_the_fer2013_rule_takes_the_best_fer2013_accuracy_whatever_its_ferplus_and_recall():
    candidates = {"FER+ default": candidate(0.870, 0.86, 0.70, fer2013=0.63),
                  "FER2013 sibling, rare emotions missed": candidate(0.700, 0.74, 0.25, fer2013=0.68),
                  "mixed": candidate(0.780, 0.87, 0.67, fer2013=0.66)}
    assert best(candidates, "fer2013") == "FER2013 sibling, rare emotions missed"
    assert best(candidates, "margin") == "FER+ default"
