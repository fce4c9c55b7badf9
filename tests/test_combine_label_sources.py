"""benchmarks/combine_label_sources.py: its fast ranking agrees with the chooser's, and its search finds the
combination that made-up heads call for."""
import numpy as np

import choose_default  # benchmarks/ is on the tests' path (pytest.ini)
import combine_label_sources as combine
from fer.data import FaceData
from fer.labels import EMOTIONS

ANGRY, NEUTRAL = EMOTIONS.index("angry"), EMOTIONS.index("neutral")


def made_up_data(n: int = 400, seed: int = 0) -> FaceData:
    """A PublicTest whose FER+ votes mostly agree with FER2013's label; a fifth of the faces FER2013 calls
    angry get the raters' neutral instead (the disagreement issue 40 is about)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, len(EMOTIONS), n)
    seen = y.copy()
    contested = (y == ANGRY) & (rng.random(n) < 0.2)
    seen[contested] = NEUTRAL
    votes = np.zeros((n, 10), np.uint8)
    votes[np.arange(n), seen] = 7
    votes[np.arange(n), rng.integers(0, len(EMOTIONS), n)] += 3
    images = np.zeros((n, 48, 48), np.uint8)
    return FaceData("made-up", "fer2013-csv", {"val": (images, y)}, {"val": "PublicTest"}, votes={"val": votes})


def noisy_probs(answers: np.ndarray, right: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.ones(len(EMOTIONS)), len(answers)).astype(np.float32)
    hit = rng.random(len(answers)) < right
    probs[hit, answers[hit]] += 1.0
    return probs / probs.sum(1, keepdims=True)


def test_the_fast_ranking_equals_the_choosers_ranking_of_the_same_probabilities():
    data = made_up_data()
    judge = combine.FastJudge(data, "PublicTest", "both")
    for seed in range(5):
        probs = noisy_probs(data.split("PublicTest")[1], 0.6, seed)
        assert judge.rank(probs) == choose_default.rank(choose_default.figures(probs, data, "PublicTest"), "both")


def test_the_search_leans_on_the_intended_head_where_the_votes_head_misses_anger():
    data = made_up_data()
    y = data.split("PublicTest")[1]
    rows, seen = data.labelled_rows("PublicTest", "ferplus")
    votes_answer = y.copy()
    votes_answer[rows] = seen
    votes_answer[(y == ANGRY)] = NEUTRAL               # reads every scowl as a resting face
    votes = noisy_probs(votes_answer, 0.9, 1)
    intended = noisy_probs(y, 0.9, 2)
    judge = combine.FastJudge(data, "PublicTest", "both")
    w, bias, rank = combine.search(votes, intended, judge, [0.0, 0.5, 1.0], [-0.5, 0.0, 0.5], passes=2)
    assert rank > judge.rank(votes)
    assert w > 0
    assert rank == judge.rank(combine.combined(votes, intended, w, bias))



def test_a_frontier_point_keeps_its_ferplus_floor_before_the_recalls():
    """Past the floor, less shortfall wins; under it, a candidate ranks below every one that keeps it."""
    data = made_up_data()
    y = data.split("PublicTest")[1]
    rows, seen = data.labelled_rows("PublicTest", "ferplus")
    reads_votes = y.copy()
    reads_votes[rows] = seen                           # the raters' answer: misses the contested anger
    votes, intended = noisy_probs(reads_votes, 0.6, 3), noisy_probs(y, 0.6, 4)
    ferplus = {name: choose_default.figures(p, data, "PublicTest")["ferplus"] for name, p in
               (("votes", votes), ("intended", intended))}
    assert ferplus["intended"] < ferplus["votes"]
    judges = {floor: combine.FastJudge(data, "PublicTest", "both", ferplus_floor=floor)
              for floor in (0.0, ferplus["votes"])}
    for judge in judges.values():
        judge.targets = {**judge.targets, "ferplus_neutral": 0.0}  # the floor alone decides what is kept
    assert judges[0.0].rank(intended) > judges[0.0].rank(votes)  # less shortfall of the FER2013-label recalls
    assert judges[ferplus["votes"]].rank(votes) > judges[ferplus["votes"]].rank(intended)
    assert judges[ferplus["votes"]].rank(intended)[0] is False
