"""The dataset readers: FER2013's csv (plain, gzip, cached) and image folders, and their error messages."""
import gzip
import shutil

import cv2
import numpy as np
import pytest

import fer
from fer.data import fer2013
from fer.labels import EMOTIONS

from conftest import write_fer_csv


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Each test gets its own parsed-array cache folder (never ~/.cache/fer)."""
    monkeypatch.setenv("FER_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _first_data_row(csv_path):
    with open(csv_path) as f:
        f.readline()
        label, pixels, usage = f.readline().strip().split(",")
    return int(label), np.array(pixels.split(), dtype=np.uint8).reshape(48, 48), usage


# ---------------------------------------------------------------- FER2013 csv
def test_csv_reads_every_split(fer_small_csv):
    data = fer.load_dataset(fer_small_csv)
    assert data.layout == "fer2013-csv"
    assert data.sizes() == {"Training": 400, "PublicTest": 120, "PrivateTest": 120}
    x, y = data.split("train")
    assert x.dtype == np.uint8 and x.shape == (400, 48, 48) and y.dtype == np.int64
    assert set(np.unique(y)) <= set(range(len(EMOTIONS)))
    label, face, usage = _first_data_row(fer_small_csv)
    assert usage == "Training" and y[0] == label and np.array_equal(x[0], face)


@pytest.mark.parametrize("fer_name, role", [("Training", "train"), ("PublicTest", "val"), ("PrivateTest", "test")])
def test_split_accepts_roles_and_fer2013_names(fer_small_csv, fer_name, role):
    data = fer.load_dataset(fer_small_csv)
    by_name, by_role = data.split(fer_name), data.split(role)
    assert by_name[0] is by_role[0] and by_name[1] is by_role[1]
    with pytest.raises(fer.DataError, match="unknown split"):
        data.split("holdout")


def test_gzip_csv_equals_plain(fer_small_csv, tmp_path):
    packed = tmp_path / "fer2013.csv.gz"
    with open(fer_small_csv, "rb") as src, gzip.open(packed, "wb") as dst:
        shutil.copyfileobj(src, dst)
    plain, gz = fer.load_dataset(fer_small_csv), fer.load_dataset(packed)
    for role in ("train", "val", "test"):
        assert np.array_equal(plain.split(role)[0], gz.split(role)[0])
        assert np.array_equal(plain.split(role)[1], gz.split(role)[1])


def test_second_load_is_served_from_the_cache(fer_small_csv, private_cache, monkeypatch):
    first = fer.load_dataset(fer_small_csv)
    cached = list(private_cache.glob("fer2013-*.npz"))
    assert len(cached) == 1

    def parser_must_not_run(path):
        raise AssertionError("the csv was parsed again")

    monkeypatch.setattr(fer2013, "_parse_rows", parser_must_not_run)
    second = fer.load_dataset(fer_small_csv)
    assert np.array_equal(first.split("test")[0], second.split("test")[0])
    assert np.array_equal(first.split("train")[1], second.split("train")[1])


def test_changed_csv_is_parsed_again(tmp_path, private_cache):
    faces = np.random.default_rng(0).integers(0, 256, (3, 48, 48), dtype=np.uint8)
    path = write_fer_csv(tmp_path / "a.csv", {"Training": (faces[:2], [1, 2])})
    assert fer.load_dataset(path).sizes() == {"Training": 2}
    write_fer_csv(path, {"Training": (faces, [1, 2, 3])})
    assert fer.load_dataset(path).sizes() == {"Training": 3}
    assert len(list(private_cache.glob("fer2013-*.npz"))) == 2


def test_a_file_replaced_with_the_same_size_and_time_is_parsed_again(tmp_path, private_cache):
    """The cache is keyed by content: a replaced file keeping its name, size and mtime is never served stale."""
    import os

    faces = np.random.default_rng(1).integers(0, 256, (2, 48, 48), dtype=np.uint8)
    path = write_fer_csv(tmp_path / "fer2013.csv", {"Training": (faces, [1, 2])})
    stat = path.stat()
    assert fer.load_dataset(path).split("train")[1].tolist() == [1, 2]
    write_fer_csv(path, {"Training": (faces, [2, 1])})  # same size: only the labels swap
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    assert fer.load_dataset(path).split("train")[1].tolist() == [2, 1]


# ---------------------------------------------------------------- csv errors
def _write_text(path, text):
    path.write_text(text)
    return path


PIXELS = " ".join(["7"] * 48 * 48)


def test_missing_columns_are_named(tmp_path):
    path = _write_text(tmp_path / "no_usage.csv", f"emotion,pixels\n3,{PIXELS}\n")
    with pytest.raises(fer.DataError, match=r"no_usage\.csv.*missing column\(s\) Usage"):
        fer.load_dataset(path)


def test_wrong_pixel_count_names_the_line(tmp_path):
    short = " ".join(["7"] * 100)
    path = _write_text(tmp_path / "short.csv", f"emotion,pixels,Usage\n3,{PIXELS},Training\n4,{short},Training\n")
    with pytest.raises(fer.DataError, match=r"short\.csv, line 3: 100 pixel values, expected 2304"):
        fer.load_dataset(path)


def test_unknown_label_names_the_line(tmp_path):
    path = _write_text(tmp_path / "label.csv", f"emotion,pixels,Usage\n9,{PIXELS},Training\n")
    with pytest.raises(fer.DataError, match=r"label\.csv, line 2: unknown emotion label 9"):
        fer.load_dataset(path)


def test_unknown_usage_names_the_line(tmp_path):
    path = _write_text(tmp_path / "usage.csv", f"emotion,pixels,Usage\n1,{PIXELS},Holdout\n")
    with pytest.raises(fer.DataError, match=r"usage\.csv, line 2: Usage 'Holdout'"):
        fer.load_dataset(path)


def test_missing_path_is_named(tmp_path):
    with pytest.raises(fer.DataError, match="nowhere.csv: no such file"):
        fer.load_dataset(tmp_path / "nowhere.csv")


def test_not_a_csv_is_a_data_error(tmp_path):
    path = tmp_path / "faces.csv.gz"
    path.write_bytes(b"this is not gzip")
    with pytest.raises(fer.DataError, match=r"faces\.csv\.gz: cannot be read"):
        fer.load_dataset(path)


# ---------------------------------------------------------------- image folders
CLASS_FOLDERS = {"Happiness": "happy", "anger": "angry", "surprised": "surprise", "SAD": "sad"}


def _face(value: int, size: int = 48) -> np.ndarray:
    return np.full((size, size), value, np.uint8)


def _write_tree(root, split_counts: dict[str, int], folders=CLASS_FOLDERS):
    """root/<split>/<class folder>/<i>.png|jpg; face i of a class is a flat image of brightness 40*class + i."""
    for split, count in split_counts.items():
        for folder, emotion in folders.items():
            (root / split / folder).mkdir(parents=True)
            for i in range(count):
                value = 40 * EMOTIONS.index(emotion) + i
                suffix = ".PNG" if i % 2 else ".jpg"
                size = 64 if i == 0 else 48  # one bigger image: it must be resized to 48x48
                cv2.imwrite(str(root / split / folder / f"{i}{suffix}"), _face(value, size))
    return root


def _brightness(x):
    return x.reshape(len(x), -1).mean(1).round().astype(int)


def test_folders_map_class_synonyms_to_labels(tmp_path):
    root = _write_tree(tmp_path / "faces", {"train": 10, "test": 3})
    data = fer.load_dataset(root)
    assert data.layout == "image-folders"
    x, y = data.split("PrivateTest")
    assert x.shape == (12, 48, 48) and x.dtype == np.uint8
    assert sorted(np.bincount(y, minlength=7).tolist()) == [0, 0, 0, 3, 3, 3, 3]
    assert np.all(_brightness(x) // 40 == y), "each face carries its class label"


def test_missing_class_folders_are_allowed(tmp_path):
    data = fer.load_dataset(_write_tree(tmp_path / "faces", {"train": 10}))
    counts = data.class_counts("train")
    assert counts["disgust"] == counts["fear"] == counts["neutral"] == 0
    assert counts["happy"] > 0


def test_validation_is_carved_with_a_fixed_seed(tmp_path):
    root = _write_tree(tmp_path / "faces", {"train": 10})
    a = fer.load_dataset(root, val_fraction=0.3, seed=1)
    b = fer.load_dataset(root, val_fraction=0.3, seed=1)
    c = fer.load_dataset(root, val_fraction=0.3, seed=2)
    x_train, y_train = a.split("train")
    x_val, y_val = a.split("PublicTest")
    assert len(y_val) == 12 and len(y_train) == 28  # 30% of each class
    assert np.array_equal(x_val, b.split("val")[0])
    assert not np.array_equal(x_val, c.split("val")[0])
    train_ids = set(zip(y_train, _brightness(x_train)))
    val_ids = set(zip(y_val, _brightness(x_val)))
    assert len(train_ids) + len(val_ids) == 40 and not train_ids & val_ids
    assert any("carved" in note for note in a.notes)


@pytest.mark.parametrize("val_folder", ["val", "validation", "Validation"])
def test_val_folder_is_recognised(tmp_path, val_folder):
    root = _write_tree(tmp_path / "faces", {"train": 4, val_folder: 2})
    data = fer.load_dataset(root)
    assert len(data.split("val")[1]) == 8 and len(data.split("train")[1]) == 16
    assert not data.notes, "nothing was carved"


def test_unreadable_image_names_its_path(tmp_path):
    root = _write_tree(tmp_path / "faces", {"train": 2})
    (root / "train" / "anger" / "broken.jpg").write_bytes(b"not an image")
    with pytest.raises(fer.DataError, match=r"anger[/\\]broken\.jpg: unreadable image"):
        fer.load_dataset(root)


def test_empty_split_folder_names_the_folder(tmp_path):
    (tmp_path / "faces" / "train" / "happy").mkdir(parents=True)
    with pytest.raises(fer.DataError, match=r"faces[/\\]train: no images found"):
        fer.load_dataset(tmp_path / "faces")


def test_folder_without_splits_is_explained(tmp_path):
    (tmp_path / "faces" / "happy").mkdir(parents=True)
    with pytest.raises(fer.DataError, match="no split folders"):
        fer.load_dataset(tmp_path / "faces")


def test_unknown_class_folder_is_named(tmp_path):
    root = _write_tree(tmp_path / "faces", {"train": 2})
    (root / "train" / "bored").mkdir()
    with pytest.raises(fer.DataError, match=r"train[/\\]bored: unknown emotion 'bored'"):
        fer.load_dataset(root)


def test_a_non_numeric_pixel_names_the_file_line_and_value(tmp_path):
    bad = " ".join(["7"] * 2000 + ["x9"] + ["7"] * 303)
    path = _write_text(tmp_path / "typo.csv", f"emotion,pixels,Usage\n3,{PIXELS},Training\n4,{bad},Training\n")
    with pytest.raises(fer.DataError, match=r"typo\.csv, line 3: pixel value 'x9' is not a number 0-255"):
        fer.load_dataset(path)
