"""The shift benchmark of a version: a split re-rendered by each shift of fer.data.shifts, scored on FER2013's and
FER+'s labels (accuracy and each emotion's recall), and the faces whose two label sets disagree in the way that
matters to a user (FER2013 says angry, FER+'s raters say neutral): what share the version calls each.

    shift_benchmark(classifier, data, "PrivateTest") -> {"shifts": {name: figures}, ...}
"""
from __future__ import annotations

import numpy as np

from ..data import FaceData
from ..data.shifts import SHIFTS, render
from ..labels import EMOTIONS
from .evaluation import report_from_probs

SCORED_LABELS = ("fer2013", "ferplus", "agreed")
# FER2013 says the first, FER+'s most-voted column the second (PrivateTest: 126 angry faces FER+ calls neutral)
DISAGREEMENTS = (("angry", "neutral"),)


def subset_rows(n: int, size: int | None, seed: int = 0) -> np.ndarray:
    """A fixed, seeded, sorted subset of a split's rows (all of them when size is None or not smaller)."""
    if size is None or size >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


def scored_faces(data: FaceData, split: str, rows: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per label set: (positions into `rows`, targets) of the faces of `rows` that the label set scores."""
    position = np.full(len(data.split(split)[1]), -1)
    position[rows] = np.arange(len(rows))
    out = {}
    for labels in SCORED_LABELS:
        if labels != "fer2013" and not data.votes:
            continue
        label_rows, targets = data.labelled_rows(split, labels)
        inside = position[label_rows] >= 0
        out[labels] = position[label_rows[inside]], targets[inside]
    return out


def disagreement_shares(probs: np.ndarray, data: FaceData, split: str, rows: np.ndarray) -> dict[str, dict]:
    """For each DISAGREEMENTS pair: how many faces of `rows` FER2013 labels A and FER+ labels B, and the share of
    them the version calls A, B, and each emotion."""
    scored = scored_faces(data, split, rows)
    if "ferplus" not in scored:
        return {}
    y2013 = data.split(split)[1][rows]
    positions, plus = scored["ferplus"]
    pred = probs.argmax(1)
    out = {}
    for a, b in DISAGREEMENTS:
        chosen = positions[(y2013[positions] == EMOTIONS.index(a)) & (plus == EMOTIONS.index(b))]
        shares = np.bincount(pred[chosen], minlength=len(EMOTIONS)) / max(len(chosen), 1)
        out[f"fer2013_{a}_ferplus_{b}"] = {"n": int(len(chosen)), "called": dict(zip(EMOTIONS, shares.round(4).tolist()))}
    return out


def shift_figures(probs: np.ndarray, scored: dict, tta: str) -> dict[str, dict]:
    """Per label set: accuracy, n, each emotion's recall and the predicted shares."""
    out = {}
    for labels, (positions, targets) in scored.items():
        report = report_from_probs(probs[positions], targets, tta)
        out[labels] = {"accuracy": round(report["accuracy"], 4), "n": report["n"],
                       "recall": {e: round(c["recall"], 4) if c["support"] else None  # no face of it: no recall
                                  for e, c in report["per_class"].items()},
                       "predicted_share": report["predicted_share"]}
    return out


def shift_benchmark(classifier, data: FaceData, split: str = "PrivateTest", tta: str | None = None,
                    shifts=tuple(SHIFTS), subset: int | None = None, seed: int = 0, progress=None) -> dict:
    """Every shift of `shifts` applied to a split's faces (or a fixed seeded subset of `subset` of them), each
    scored with the version's calibrated probabilities and TTA (default: the card's). `progress(name, figures)`
    is called after each shift."""
    unknown = [name for name in shifts if name not in SHIFTS]
    if unknown:  # refused before minutes are spent on the others
        raise ValueError(f"unknown shift {unknown[0]!r}; use one of {', '.join(SHIFTS)}")
    tta = tta or classifier.card.tta
    faces = data.split(split)[0]
    rows = subset_rows(len(faces), subset, seed)
    scored = scored_faces(data, split, rows)
    results = {}
    for name in shifts:
        probs = classifier.predict_proba(render(faces[rows], name, seed), tta)
        results[name] = {**shift_figures(probs, scored, tta),
                         "disagreements": disagreement_shares(probs, data, split, rows)}
        if progress:
            progress(name, results[name])
    return {"version": classifier.name, "split": split, "tta": tta, "faces": int(len(rows)),
            "subset": None if len(rows) == len(faces) else {"size": int(len(rows)), "seed": seed},
            "shifts": results, "summary": shift_summary(results)}


def shift_summary(results: dict) -> dict:
    """What the shifts cost against clean, per label set: the mean drop in accuracy, the worst shift and its drop,
    and the lowest recall of any emotion under any shift (with where)."""
    if "clean" not in results:
        return {}
    out = {}
    for labels in results["clean"]:
        if labels == "disagreements":
            continue
        clean = results["clean"][labels]["accuracy"]
        drops = {name: round(clean - r[labels]["accuracy"], 4) for name, r in results.items() if name != "clean"}
        lowest = min(((r[labels]["recall"][e], name, e) for name, r in results.items() for e in EMOTIONS
                      if r[labels]["recall"][e] is not None), default=None)
        worst = max(drops, key=drops.get) if drops else None
        out[labels] = {"clean": clean, "mean_drop": round(float(np.mean(list(drops.values()))), 4) if drops else 0.0,
                       "worst_shift": worst, "worst_drop": drops.get(worst),
                       "lowest_recall": None if lowest is None else {"recall": lowest[0], "shift": lowest[1],
                                                                      "emotion": lowest[2]}}
    return out


def card_shift_block(result: dict) -> dict:
    """What a card keeps of a shift benchmark result: per shift, the accuracy on each label set; the summary
    (mean and worst drop, lowest recall); how it was measured. The full per-emotion figures stay in the result file."""
    keep = ("split", "tta", "faces", "subset", "complete", "command", "cpu", "measured")
    accuracy = {name: {labels: f[labels]["accuracy"] for labels in ("fer2013", "ferplus") if labels in f}
                for name, f in result["shifts"].items()}
    return {**{k: result[k] for k in keep if k in result}, "accuracy": accuracy,
            "summary": result.get("summary") or shift_summary(result["shifts"])}
