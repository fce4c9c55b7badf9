"""Ensemble versions: several trained versions whose probabilities are averaged, built and evaluated as one.

    fer.ensemble.build_ensemble("my-ensemble", ["fernet_small-cpu-v3", "fernet_small-cpu-v3-s2"], tta="flip")
    python -m fer ensemble --name my-ensemble --members fernet_small-cpu-v3 fernet_small-cpu-v3-s2 --tta flip

Members are picked (optionally, `select="greedy"`) and the ensemble is judged on the validation split
(PublicTest); the test split (PrivateTest) is evaluated once, for the card.
"""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np

from . import versions
from .data import FaceData, file_sha256, load_dataset
from .data.transforms import NORMALIZATION
from .evaluate import evaluate_arrays
from .labels import EMOTIONS
from .models.profile import measure_latency_ms

TTA_VIEWS = {"none": 1, "flip": 2, "tencrop": 10}


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


def build_ensemble(name: str, members: list[str], data: str | FaceData | None = None, tta: str = "flip",
                   select: str = "all", root: str | Path | None = None) -> Path:
    """Write checkpoints/<name>/card.json for the members' averaged probabilities; returns its folder.
    tta: every member's TTA, or "auto" to choose it on validation; select: "all" members or a "greedy" pick."""
    from .training.config import DEFAULT_DATA

    root = versions.checkpoints_root(root)
    out = root / name
    if out.exists():
        raise FileExistsError(f"{out} already exists; choose another --name")
    if len(set(members)) != len(members) or not members:
        raise ValueError("name each member version once")
    loaded = {m: versions.load(m, root) for m in members}
    for m, v in loaded.items():
        if versions.is_ensemble(v.card):
            raise ValueError(f"{m} is an ensemble itself; name its members instead")
        if v.normalization != NORMALIZATION:
            raise ValueError(f"{m} normalises its input differently from the others")
    data = data if isinstance(data, FaceData) else load_dataset(data or DEFAULT_DATA)
    if select not in ("all", "greedy"):
        raise ValueError(f"unknown selection {select!r}; use all or greedy")
    if tta != "auto" and tta not in TTA_VIEWS:
        raise ValueError(f"unknown TTA {tta!r}; use {', '.join(TTA_VIEWS)} or auto")
    candidates, trials = list(members), {}
    if select == "greedy" or tta == "auto":
        x_val, y_val = data.split("val")
        ttas = list(TTA_VIEWS) if tta == "auto" else [tta]
        # members' own probabilities, as the ensemble averages them (not their calibrated ones)
        val_probs = {t: {m: v.predict_proba(x_val, tta=t, calibrated=False) for m, v in loaded.items()} for t in ttas}
        members, tta, trials = choose_on_validation(val_probs, y_val, select)
        print(f"chosen on {data.split_names.get('val', 'val')}: {', '.join(members)} with TTA {tta} "
              f"(accuracy {trials[tta]['accuracy']:.4f})")

    cards = [loaded[m].card for m in members]
    member_shas = [c["weights_sha256"] for c in cards]
    card = {
        "name": name, "architecture": versions.ENSEMBLE, "model_kwargs": {},
        "members": [{"version": m, "weights_sha256": sha, "architecture": c["architecture"], "params": c["params"],
                     "macs": c["macs"], "test_accuracy": c.get("metrics", {}).get("test", {}).get("accuracy")}
                    for m, sha, c in zip(members, member_shas, cards)],
        "params": sum(c["params"] for c in cards), "macs": sum(c["macs"] for c in cards),
        "input_size": [1, 48, 48], "normalization": NORMALIZATION, "labels": list(EMOTIONS),
        "weights_sha256": versions.members_sha256(member_shas),
    }
    out.mkdir(parents=True)
    try:
        hyperparameters = {"members": members, "tta": tta, "selection": select}
        if candidates != members or trials:  # what else was tried on validation, for the record
            hyperparameters.update(candidates=candidates, validation_trials=trials)
        _evaluate_into_card(out, card, data, tta, hyperparameters, cards, root)
    except BaseException:  # no half-built version is left behind to be listed
        shutil.rmtree(out, ignore_errors=True)
        raise
    test = card["metrics"]["test"]
    print(f"{name}: {len(members)} members, val accuracy {card['metrics']['val_tta']['accuracy']:.4f}, "
          f"test accuracy {test['accuracy']:.4f} (macro-F1 {test['macro_f1']:.4f}, TTA {tta}) -> {out}")
    return out


def _evaluate_into_card(out: Path, card: dict, data: FaceData, tta: str, hyperparameters: dict,
                        cards: list[dict], root: Path) -> None:
    """Evaluate the ensemble written as `card` in `out` (val without and with TTA, test once) and complete the card."""
    versions.write_card(out, card)
    version = versions.load(str(out), root)

    x_val, y_val = data.split("val")
    x_test, y_test = data.split("test")
    data_info = {"file": data.source, "layout": data.layout, "split_sizes": data.sizes()}
    if Path(data.source).is_file():
        data_info["sha256"] = file_sha256(data.source)
    card.update({
        "data": data_info,
        "protocol": "members trained on train and chosen on val; the ensemble's members and TTA chosen on val, "
                    "test reported once",
        "hyperparameters": hyperparameters,
        "seed": None, "best_epoch": None,
        "wall_time_s": round(sum(c.get("wall_time_s", 0.0) for c in cards), 1),
        "hardware": "; ".join(sorted({c.get("hardware", "?") for c in cards})),
        "metrics": {"val": evaluate_arrays(version, x_val, y_val, tta="none"),
                    "val_tta": evaluate_arrays(version, x_val, y_val, tta=tta),
                    "test": evaluate_arrays(version, x_test, y_test, tta=tta)},
        "tta": tta,
        "latency": {"ms_per_face_batch1_1thread": round(measure_latency_ms(version.model, batch=1, threads=1), 3),
                    "ms_per_face_batch64_1thread": round(measure_latency_ms(version.model, batch=64, threads=1), 3),
                    "tta_views": TTA_VIEWS[tta]},
        "created": dt.datetime.now().isoformat(timespec="seconds"),
    })
    if "test" in data.votes:  # FER+ majority labels of the same test faces
        x_plus, y_plus, _ = data.ferplus("test", "ferplus-majority")
        card["metrics"]["test_ferplus"] = evaluate_arrays(version, x_plus, y_plus, tta=tta)
    versions.write_card(out, card)
