"""Shared fixtures: a small real FER2013 csv (cut from ../shared/data) and a tiny trained model version."""
from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from fer.data import split_role

REPO = Path(__file__).resolve().parents[1]
FER2013 = Path(os.environ.get("FER2013_CSV", REPO.parent / "shared" / "data" / "fer2013.csv.gz"))
USAGES = ("Training", "PublicTest", "PrivateTest")


def write_fer_csv(path: Path, splits: dict[str, tuple[np.ndarray, np.ndarray]]) -> Path:
    """Write faces in Kaggle's fer2013.csv layout; splits maps Usage -> (images, labels)."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["emotion", "pixels", "Usage"])
        for usage, (x, y) in splits.items():
            for image, label in zip(x, y):
                w.writerow([int(label), " ".join(map(str, image.reshape(-1).tolist())), usage])
    return path


FERPLUS_COLUMNS = ["anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral", "contempt", "unknown", "NF"]


def write_ferplus_csv(path: Path, votes: dict[str, np.ndarray]) -> Path:
    """Write FER+ votes (FaceData.votes order: our EMOTIONS, then contempt, unknown, not-a-face) in fer2013new.csv's
    layout, row for row with write_fer_csv's; a row without votes is not a face (no image name)."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Usage", "Image name", *FERPLUS_COLUMNS])
        for usage, rows in votes.items():
            for i, row in enumerate(rows):
                w.writerow([usage, f"fer{i:07d}.png" if row.sum() else "", *row.tolist()])
    return path


@pytest.fixture(scope="session", autouse=True)
def shipped_checkpoints_copy(tmp_path_factory):
    """The shipped versions, served from a copy: a first use that exports a version to ONNX records the file's
    sha256 in the copy's card, never in the repository's."""
    copy = tmp_path_factory.mktemp("shipped") / "checkpoints"
    shutil.copytree(REPO / "checkpoints", copy, ignore=shutil.ignore_patterns("last.pt"))
    previous = os.environ.get("FER_CHECKPOINTS")
    os.environ["FER_CHECKPOINTS"] = str(copy)
    yield copy
    if previous is None:
        os.environ.pop("FER_CHECKPOINTS", None)
    else:
        os.environ["FER_CHECKPOINTS"] = previous


@pytest.fixture(scope="session")
def fer2013_full():
    """The whole FER2013 (parsed once, then cached by the loader)."""
    if not FER2013.exists():
        pytest.skip(f"{FER2013} not found")
    import fer

    return fer.load_dataset(FER2013)


@pytest.fixture(scope="session")
def fer_small_csv(tmp_path_factory, fer2013_full) -> Path:
    """A real FER2013 subset in the csv layout: 400 Training, 120 PublicTest, 120 PrivateTest faces."""
    rng = np.random.default_rng(0)
    splits, votes = {}, {}
    for usage, n in zip(USAGES, (400, 120, 120)):
        x, y = fer2013_full.split(usage)
        idx = np.sort(rng.permutation(len(y))[:n])
        splits[usage] = (x[idx], y[idx])
        if fer2013_full.votes:
            votes[usage] = fer2013_full.votes[split_role(usage)][idx]
    folder = tmp_path_factory.mktemp("fer_small")
    if votes:  # the same faces' real FER+ votes beside it, so cards get both benchmarks
        write_ferplus_csv(folder / "fer2013new.csv", votes)
    return write_fer_csv(folder / "fer2013_small.csv", splits)


@pytest.fixture(scope="session")
def tiny_version(tmp_path_factory, fer_small_csv) -> Path:
    """A model version trained for 2 epochs on the small csv: a real, complete checkpoints/<version>/."""
    import fer

    out = tmp_path_factory.mktemp("checkpoints")
    config = fer.make_config("smoke", data=str(fer_small_csv), subset=0, out_dir=str(out), name="tiny", threads=2)
    return fer.train(config)


def perturbed_copy(source: Path, target: Path, data_path: Path, seed: int = 1) -> Path:
    """A second, different version: the tiny weights plus noise, with its card's test report recomputed."""
    import torch

    import fer
    from fer.version.evaluation import split_reports
    from fer.version.model import save_weights

    shutil.copytree(source, target)
    version = fer.load(str(target), verify=False)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in version.model.parameters():
            p.add_(torch.randn(p.shape, generator=generator) * p.std().nan_to_num(0.01) * 0.5)
    version.card.name, version.card.weights_sha256 = target.name, save_weights(target, version.model)
    data = fer.load_dataset(data_path)
    version.card.metrics.update(split_reports(lambda split, tta: version.predict_proba(data.split(split)[0], tta),
                                              data, "test", version.card.tta))
    version.save_card()
    return target


@pytest.fixture(scope="session")
def two_versions(tiny_version, fer_small_csv, tmp_path_factory) -> Path:
    """A checkpoints folder with tiny and tiny-b (its weights plus noise): two versions that really differ."""
    root = tmp_path_factory.mktemp("two_versions")
    shutil.copytree(tiny_version, root / "tiny")
    perturbed_copy(root / "tiny", root / "tiny-b", fer_small_csv)
    return root
