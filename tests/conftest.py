"""Shared fixtures: a small real FER2013 csv (cut from ../shared/data) and a tiny trained model version."""
from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

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
    splits = {}
    for usage, n in zip(USAGES, (400, 120, 120)):
        x, y = fer2013_full.split(usage)
        idx = np.sort(rng.permutation(len(y))[:n])
        splits[usage] = (x[idx], y[idx])
    return write_fer_csv(tmp_path_factory.mktemp("fer_small") / "fer2013_small.csv", splits)


@pytest.fixture(scope="session")
def tiny_version(tmp_path_factory, fer_small_csv) -> Path:
    """A model version trained for 2 epochs on the small csv: a real, complete checkpoints/<version>/."""
    import fer

    out = tmp_path_factory.mktemp("checkpoints")
    config = fer.make_config("smoke", data=str(fer_small_csv), subset=0, out_dir=str(out), name="tiny", threads=2)
    return fer.train(config)


def perturbed_copy(source: Path, target: Path, seed: int = 1) -> Path:
    """A second, different version: the tiny weights plus noise, with its card's test report recomputed."""
    import torch

    import fer
    from fer import versions

    shutil.copytree(source, target)
    version = fer.load(str(target), verify=False)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in version.model.parameters():
            p.add_(torch.randn(p.shape, generator=generator) * p.std().nan_to_num(0.01) * 0.5)
    card = dict(version.card, name=target.name, weights_sha256=versions.save_weights(target, version.model))
    versions.write_card(target, card)
    report = fer.evaluate(str(target), card["data"]["file"], split="test", tta=card.get("tta", "none"))
    card["metrics"] = {**card["metrics"], "test": {k: v for k, v in report.items() if k not in ("model", "data", "split")}}
    versions.write_card(target, card)
    return target


@pytest.fixture(scope="session")
def two_versions(tiny_version, tmp_path_factory) -> Path:
    """A checkpoints folder with tiny and tiny-b (its weights plus noise): two versions that really differ."""
    root = tmp_path_factory.mktemp("two_versions")
    shutil.copytree(tiny_version, root / "tiny")
    perturbed_copy(root / "tiny", root / "tiny-b")
    return root
