"""Ensemble versions: several trained versions whose probabilities are averaged, built and evaluated as one.

    fer.version.build_ensemble("my-ensemble", ["fernet_small-soft-v6", "fernet_small-mixed-cw-v2"], tta="flip")
    python -m fer ensemble --name my-ensemble --members fernet_small-soft-v6 fernet_small-mixed-cw-v2 --tta flip

Members are picked (optionally, `select="greedy"`) and the ensemble is judged on the validation split
(PublicTest); the test split (PrivateTest) is evaluated once, for the card.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from ..data import FaceData
from ..defaults import NORMALIZATION, TTA_VIEWS
from ..models import Ensemble
from .card import ENSEMBLE, Card
from .evaluation import as_data, evaluate_into_card
from .model import ModelVersion, load
from .store import checkpoints_root, members_sha256

SELECTIONS = ("all", "greedy")


def averaged_accuracy(member_probs: dict[str, np.ndarray], names: list[str], y: np.ndarray) -> float:
    """Accuracy of the named members' averaged probabilities."""
    return float((np.mean([member_probs[n] for n in names], 0).argmax(1) == y).mean())


def greedy_selection(member_probs: dict[str, np.ndarray], y_val: np.ndarray) -> list[str]:
    """Forward selection on validation accuracy: start from the best member, add the one that raises the
    averaged accuracy most, stop when none does (Caruana et al. 2004, without replacement)."""
    def accuracy(names):
        return averaged_accuracy(member_probs, names, y_val)

    chosen = [max(member_probs, key=lambda n: accuracy([n]))]
    while True:
        rest = [n for n in member_probs if n not in chosen]
        if not rest:
            return chosen
        best = max(rest, key=lambda n: accuracy(chosen + [n]))
        if accuracy(chosen + [best]) <= accuracy(chosen):
            return chosen
        chosen.append(best)


def choose_on_validation(val_probs: dict[str, dict[str, np.ndarray]], y_val: np.ndarray,
                         select: str = "greedy") -> tuple[list[str], str, dict]:
    """Members and TTA judged on validation only. `val_probs[tta][member]` holds each member's validation
    probabilities under that TTA; per TTA the members are all of them or a greedy pick; the TTA with the best
    averaged accuracy wins, the cheaper one on a tie. Returns (members, tta, every TTA's pick and accuracy)."""
    trials = {}
    for tta, probs in val_probs.items():
        names = greedy_selection(probs, y_val) if select == "greedy" else list(probs)
        trials[tta] = {"members": names, "accuracy": round(averaged_accuracy(probs, names, y_val), 5)}
    best = max(trials, key=lambda t: (trials[t]["accuracy"], -TTA_VIEWS[t]))
    return trials[best]["members"], best, trials


def _check_request(out: Path, members: list[str], tta: str, select: str) -> None:
    if out.exists():
        raise FileExistsError(f"{out} already exists; choose another --name")
    if len(set(members)) != len(members) or not members:
        raise ValueError("name each member version once")
    if select not in SELECTIONS:
        raise ValueError(f"unknown selection {select!r}; use all or greedy")
    if tta != "auto" and tta not in TTA_VIEWS:
        raise ValueError(f"unknown TTA {tta!r}; use {', '.join(TTA_VIEWS)} or auto")


def _load_members(members: list[str], root: Path) -> dict[str, ModelVersion]:
    loaded = {m: load(m, root) for m in members}
    for m, v in loaded.items():
        if v.card.is_ensemble:
            raise ValueError(f"{m} is an ensemble itself; name its members instead")
        if v.normalization != NORMALIZATION:
            raise ValueError(f"{m} normalises its input differently from the others")
    return loaded


def ensemble_card(name: str, members: list[ModelVersion]) -> Card:
    cards = [m.card for m in members]
    return Card(
        name=name, architecture=ENSEMBLE, weights_file=None,
        members=[{"version": m.name, "weights_sha256": c.weights_sha256, "architecture": c.architecture,
                  "params": c.params, "macs": c.macs, "test_accuracy": c.accuracy("test")} for m, c in zip(members, cards)],
        params=sum(c.params for c in cards), macs=sum(c.macs for c in cards),
        weights_sha256=members_sha256([c.weights_sha256 for c in cards]),
        protocol="members trained on train and chosen on val; the ensemble's members and TTA chosen on val, "
                 "test reported once",
        wall_time_s=round(sum(c.wall_time_s or 0.0 for c in cards), 1),
        hardware="; ".join(sorted({c.hardware or "?" for c in cards})))


def build_ensemble(name: str, members: list[str], data: str | FaceData | None = None, tta: str = "flip",
                   select: str = "all", root: str | Path | None = None, labels: str = "fer2013") -> Path:
    """Write checkpoints/<name>/card.json for the members' averaged probabilities; returns its folder.
    tta: every member's TTA, or "auto" to choose it on validation; select: "all" members or a "greedy" pick;
    labels: the validation benchmark the choices are judged on ("fer2013", or "ferplus": FER+'s protocol)."""
    root = checkpoints_root(root)
    out = root / name
    _check_request(out, members, tta, select)
    loaded = _load_members(members, root)
    data = as_data(data)
    candidates, trials = list(members), {}
    if select == "greedy" or tta == "auto":
        x_val = data.split("val")[0]
        rows, y_val = data.labelled_rows("val", labels)
        ttas = list(TTA_VIEWS) if tta == "auto" else [tta]
        # members' own probabilities, as the ensemble averages them (not their calibrated ones)
        val_probs = {t: {m: v.predict_proba(x_val, t, calibrated=False)[rows] for m, v in loaded.items()}
                     for t in ttas}
        members, tta, trials = choose_on_validation(val_probs, y_val, select)
        print(f"chosen on {data.split_names.get('val', 'val')} ({labels} labels): {', '.join(members)} with TTA {tta} "
              f"(accuracy {trials[tta]['accuracy']:.4f})")
    chosen = [loaded[m] for m in members]
    hyperparameters = {"members": members, "tta": tta, "selection": select, "selected_on": labels}
    if candidates != members or trials:  # what else was tried on validation, for the record
        hyperparameters.update(candidates=candidates, validation_trials=trials)
    version = ModelVersion(name, out, ensemble_card(name, chosen), Ensemble([m.model for m in chosen]).eval())
    out.mkdir(parents=True)
    try:
        evaluate_into_card(version, data, tta, hyperparameters=hyperparameters)
    except BaseException:  # no half-built version is left behind to be listed
        shutil.rmtree(out, ignore_errors=True)
        raise
    card = version.card
    print(f"{name}: {len(members)} members, val accuracy {card.accuracy('val_tta'):.4f}, "
          f"test accuracy {card.accuracy('test'):.4f} (macro-F1 {card.macro_f1('test'):.4f}, TTA {tta}) -> {out}")
    return out
