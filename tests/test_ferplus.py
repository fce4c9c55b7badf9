"""FER+ votes joined to FER2013 by position: checked row for row, non-faces left out, majority and soft
targets, a misordered FER2013 refused, and a training run on soft targets."""
import csv

import numpy as np
import pytest

import fer
from fer.data import DataError
from fer.data.ferplus import FERPLUS_FILE, ferplus_targets
from fer.labels import EMOTIONS
from conftest import write_fer_csv

FERPLUS_HEADER = ["Usage", "Image name", "neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear",
                  "contempt", "unknown", "NF"]
OURS_TO_COLUMN = {"angry": "anger", "disgust": "disgust", "fear": "fear", "happy": "happiness", "sad": "sadness",
                  "surprise": "surprise", "neutral": "neutral"}


def _votes_row(label: int, rng) -> list[int]:
    """Ten votes: most for `label`, the rest spread (some on contempt / unknown)."""
    votes = dict.fromkeys(FERPLUS_HEADER[2:], 0)
    votes[OURS_TO_COLUMN[EMOTIONS[label]]] = 7
    for column in rng.choice(FERPLUS_HEADER[2:11], 3):
        votes[column] += 1
    return [votes[c] for c in FERPLUS_HEADER[2:]]


def write_ferplus(path, usages, labels, not_faces=(), seed=0):
    rng = np.random.default_rng(seed)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(FERPLUS_HEADER)
        for i, (usage, label) in enumerate(zip(usages, labels)):
            if i in not_faces:
                w.writerow([usage, "", 0, 0, 0, 0, 0, 0, 0, 0, 0, 10])
            else:
                w.writerow([usage, f"fer{i:07d}.png", *_votes_row(int(label), rng)])
    return path


@pytest.fixture
def aligned(tmp_path, fer_small_csv):
    """A FER2013 csv with FER+'s file beside it, in the same row order; rows 3 and 401 are not faces."""
    data = fer.load_dataset(fer_small_csv, ferplus=None)
    splits = {name: data.split(name) for name in ("Training", "PublicTest", "PrivateTest")}
    csv_path = write_fer_csv(tmp_path / "fer2013.csv", splits)
    usages = [name for name, (_, y) in splits.items() for _ in y]
    labels = np.concatenate([y for _, y in splits.values()])
    write_ferplus(tmp_path / FERPLUS_FILE, usages, labels, not_faces={3, 401})
    return csv_path, labels


def test_votes_are_joined_row_for_row(aligned):
    csv_path, labels = aligned
    data = fer.load_dataset(csv_path)
    assert set(data.votes) == {"train", "val", "test"}
    train_votes = data.votes["train"]
    assert train_votes.shape == (400, 10)  # the seven emotions, then contempt, unknown, not-a-face
    assert train_votes[3].sum() == 0                       # an empty image name: not a face
    assert data.votes["val"][1].sum() == 0                 # row 401 of the file is the second PublicTest row
    faces = train_votes.sum(1) > 0
    assert (train_votes[faces].argmax(1) == labels[:400][faces]).all()
    assert any("FER+'s majority on 100% of faces" in note for note in data.notes)  # the agreement is reported


def test_rows_whose_votes_may_be_another_images_are_left_out(aligned):
    """The shared data's list of rows that are not original marks rows whose FER+ votes may belong to another
    image: those rows get no votes (0-based data rows, as in the list)."""
    csv_path, _ = aligned
    (csv_path.parent / "fer2013_rows_not_original.csv").write_text(
        "row,Usage,ferplus_image_name,note\n"
        "5,Training,fer0000005.png,position unknown; FER+ votes here may belong to another image\n"
        "6,Training,fer0000006.png,position inferred from an identical image with identical FER+ votes\n")
    votes = fer.load_dataset(csv_path).votes["train"]
    assert votes[5].sum() == 0 and votes[6].sum() == 10 and votes[4].sum() == 10


def _ten(emotions, contempt=0, unknown=0, not_face=0):
    return [*emotions, contempt, unknown, not_face]


def test_majority_and_soft_targets():
    votes = np.array([_ten([0, 0, 0, 6, 0, 0, 4]),    # happy has a majority
                      _ten([0, 0, 0, 5, 0, 0, 5]),    # a tie: no majority
                      _ten([0] * 7, contempt=10)])    # no emotion votes
    keep, labels = ferplus_targets(votes, "ferplus-majority")
    assert keep.tolist() == [True, False, False] and labels.tolist() == [3]
    keep, soft = ferplus_targets(votes, "ferplus-soft")
    assert keep.tolist() == [True, True, False]
    np.testing.assert_allclose(soft, [[0, 0, 0, .6, 0, 0, .4], [0, 0, 0, .5, 0, 0, .5]])
    keep, mixed = ferplus_targets(votes, "mixed", fer2013_labels=np.array([6, 0, 0]))
    np.testing.assert_allclose(mixed, [[0, 0, 0, .3, 0, 0, .7], [.5, 0, 0, .25, 0, 0, .25]])


def test_published_protocol_takes_the_most_voted_of_ten_columns():
    """`ferplus`: plurality over all ten columns, so a face whose top vote is contempt, unknown or not-a-face
    is out, as are ties and non-faces; a plurality without a majority is in."""
    votes = np.array([_ten([0, 0, 4, 3, 0, 0, 3]),           # fear 4 of 10: in (no majority needed)
                      _ten([0, 0, 0, 3, 0, 0, 3], contempt=4),  # contempt on top: out
                      _ten([0, 0, 0, 4, 0, 0, 4], unknown=2),   # a tie: out
                      _ten([0, 0, 0, 4, 0, 0, 0], not_face=6),  # not a face on top: out
                      _ten([0] * 7),                           # no votes: out
                      _ten([1, 0, 0, 0, 0, 0, 0], unknown=0)])  # one vote: in
    keep, labels = ferplus_targets(votes, "ferplus")
    assert keep.tolist() == [True, False, False, False, False, True]
    assert labels.tolist() == [2, 0]


def test_agreed_faces_are_the_protocols_faces_whose_two_labels_agree(aligned):
    csv_path, labels = aligned
    data = fer.load_dataset(csv_path)
    x_plus, y_plus = data.labelled("PrivateTest", "ferplus")
    x_agreed, y_agreed = data.labelled("PrivateTest", "agreed")
    test_labels = labels[-120:]
    _, _, keep = data.ferplus("PrivateTest", "ferplus")
    assert len(y_agreed) == int((test_labels[keep] == y_plus).sum()) > 0
    assert (y_agreed == test_labels[keep][test_labels[keep] == y_plus]).all()


def test_usage_mismatch_is_refused(aligned, tmp_path):
    csv_path, labels = aligned
    usages = ["Training"] * 401 + ["PublicTest"] * 119 + ["PrivateTest"] * 120  # one row shifted
    write_ferplus(tmp_path / "shifted.csv", usages, labels)
    with pytest.raises(DataError, match="line 402.*not in the same row order"):
        fer.load_dataset(csv_path, ferplus=tmp_path / "shifted.csv")


def test_a_fer2013_in_another_row_order_is_refused(aligned, tmp_path):
    csv_path, labels = aligned
    usages = ["Training"] * 400 + ["PublicTest"] * 120 + ["PrivateTest"] * 120
    shuffled = (labels + 1) % 7  # votes that do not belong to these faces
    write_ferplus(tmp_path / "misordered.csv", usages, shuffled)
    with pytest.raises(DataError, match="original row order"):
        fer.load_dataset(csv_path, ferplus=tmp_path / "misordered.csv")
    # loading with the default ("auto") keeps going without votes, and says why
    (tmp_path / FERPLUS_FILE).write_bytes((tmp_path / "misordered.csv").read_bytes())
    data = fer.load_dataset(csv_path)
    assert data.votes == {} and any("not joined" in note for note in data.notes)


def test_training_on_soft_ferplus_targets(aligned, tmp_path):
    csv_path, _ = aligned
    config = fer.make_config("smoke", data=str(csv_path), subset=0, out_dir=str(tmp_path / "out"), name="soft",
                             labels="ferplus-soft", epochs=1, threads=1)
    card = fer.load(str(fer.train(config))).card
    assert card["hyperparameters"]["labels"] == "ferplus-soft"
    assert card["metrics"]["test"]["n"] == 120  # reported on FER2013's PrivateTest labels
    # and on FER+'s majority labels of the same faces, as `python -m fer evaluate --labels ferplus` computes it
    ferplus = card["metrics"]["test_ferplus"]
    report = fer.evaluate(str(tmp_path / "out" / "soft"), str(csv_path), split="PrivateTest", tta=card["tta"], labels="ferplus")
    assert report["n"] == ferplus["n"] == 120 and report["accuracy"] == pytest.approx(ferplus["accuracy"])


def test_ferplus_without_votes_is_explained(fer_small_csv):
    data = fer.load_dataset(fer_small_csv, ferplus=None)
    with pytest.raises(DataError, match="fer2013new.csv"):
        data.ferplus("train")
