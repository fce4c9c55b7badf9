"""How far combining a FER+-voted version with a FER2013-labelled one goes toward issue 40's `both` targets: the
averaged probabilities p = (1 - w) * p_votes + w * p_intended, then one log-space bias a class (what a card's
prior correction holds), with w and the biases chosen on PublicTest by choose_default.py's `both` / `both-realtime`
rule, and the winner reported once on PrivateTest. The two versions act as the two heads of a two-head model
(votes and intended label) with a learned way to combine them; it measures whether the trade-off between the two
label sets can be bent by combination alone, or whether the representation has to change.

    python benchmarks/combine_label_sources.py --votes fernet-soft-mixedcw-ens-v7 --intended fernet-fer2013-ens-v1 \
        --intended-tta none --rule both [--json benchmarks/results/experiments/combine_label_sources.json]

`--two-head VERSION` does the same for the two heads of one version (model_kwargs {"heads": 2}, trained on
`--labels both`), and `--write` puts the chosen weight and biases into that version (fer.version.heads.set_head_mix:
its head_mix and its card's class bias, the card evaluated again); `--write-floor F` writes the frontier's point at
the PublicTest FER+ floor F instead.

Each version's probabilities of both splits are kept in ~/.cache/fer/probabilities (a second run reads them).
The search: every w of --weights; per w, coordinate ascent over the seven biases (each from --biases, three
passes), ranked by the rule's tuple (guarded first, then the shortfall of the FER2013-label recalls, then FER+).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import fer
from fer.checksum import sha256_of
from fer.defaults import TTA_MODES, TTA_VIEWS, default_data
from fer.labels import EMOTIONS
from fer.version.heads import head_probabilities, set_head_mix
from fer.version.predict import temper
from fer.version.predictions import cache_dir

from choose_default import BOTH_TARGETS, both_recalls, both_shortfall, figures, rank
from record import cpu_model, this_command

SPLITS = ("PublicTest", "PrivateTest")
NEUTRAL = EMOTIONS.index("neutral")


def probabilities(name: str, tta: str, data, data_key: str) -> dict[str, np.ndarray]:
    """A version's probabilities of both splits under `tta`, computed once and kept in the cache folder."""
    version = fer.load(name)
    path = cache_dir() / "probabilities" / f"{version.card.weights_sha256[:16]}-{data_key}-{tta}.npz"
    if path.exists():
        return dict(np.load(path))
    probs = {split: version.predict_proba(data.split(split)[0], tta) for split in SPLITS}
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **probs)
    return probs


def pair_of_versions(args, data, data_key: str) -> dict[str, dict]:
    """The votes and intended answers of two versions, each under its TTA, with their cost."""
    heads = {}
    for role, name, tta in (("votes", args.votes, args.votes_tta), ("intended", args.intended, args.intended_tta)):
        version = fer.load(name)
        tta = tta or version.card.tta
        heads[role] = {"version": version.name, "tta": tta, "ms_per_face": (version.card.ms_per_view or 0) * TTA_VIEWS[tta],
                       "probs": probabilities(name, tta, data, data_key)}
    return heads


def heads_of_version(version, data) -> dict[str, dict]:
    """The votes and intended answers of one two-head version's heads (uncalibrated), under its TTA; the whole
    version's cost is counted on the votes head."""
    answers = {split: head_probabilities(version, data.split(split)[0]) for split in SPLITS}
    ms = (version.card.ms_per_view or 0) * TTA_VIEWS[version.card.tta]
    return {role: {"version": f"{version.name} (head {k})", "tta": version.card.tta, "ms_per_face": ms if k == 0 else 0.0,
                   "probs": {split: answers[split][k] for split in SPLITS}}
            for k, role in enumerate(("votes", "intended"))}


class FastJudge:
    """The rule's ranking of a split's probabilities, with the label sets looked up once (the search scores
    thousands of candidates); the winner is scored again with choose_default.figures. With `ferplus_floor`, a
    point of the trade-off's frontier instead: FER+ accuracy of at least the floor (and the rule's FER+ neutral
    recall) first, then the least shortfall of the FER2013-label recalls, then FER+."""

    def __init__(self, data, split: str, rule: str, ferplus_floor: float | None = None):
        self.rule, self.ferplus_floor = rule, ferplus_floor
        self.fer2013 = data.labelled_rows(split, "fer2013")
        self.ferplus = data.labelled_rows(split, "ferplus")
        self.targets = BOTH_TARGETS[rule]

    def rank(self, probs: np.ndarray) -> tuple:
        predicted = probs.argmax(1)
        rows, y = self.ferplus
        ferplus = float((predicted[rows] == y).mean())
        neutral = float((predicted[rows][y == NEUTRAL] == NEUTRAL).mean())
        rows, y = self.fer2013
        recall = {e: float((predicted[rows][y == EMOTIONS.index(e)] == EMOTIONS.index(e)).mean())
                  for e in self.targets["fer2013_recall"]}
        f = {"ferplus": ferplus, "ferplus_recall": {"neutral": neutral}, "fer2013_recall": recall}
        if self.ferplus_floor is None:
            return rank(f, self.rule)
        kept = ferplus >= self.ferplus_floor and neutral >= self.targets["ferplus_neutral"]
        return kept, -both_shortfall(f, self.rule), ferplus


def combined(votes: np.ndarray, intended: np.ndarray, w: float, bias: np.ndarray) -> np.ndarray:
    return temper((1 - w) * votes + w * intended, 1.0, bias)


def search(votes: np.ndarray, intended: np.ndarray, judge: FastJudge, weights: list[float],
           biases: list[float], passes: int = 3) -> tuple[float, np.ndarray, tuple]:
    """The (w, bias, rank) the judge ranks best: per w, coordinate ascent over the seven biases from zero."""
    best = (0.0, np.zeros(len(EMOTIONS), np.float32), judge.rank(votes))
    for w in weights:
        bias = np.zeros(len(EMOTIONS), np.float32)
        current = judge.rank(combined(votes, intended, w, bias))
        for _ in range(passes):
            moved = False
            for c in range(len(EMOTIONS)):
                for b in biases:
                    trial = bias.copy()
                    trial[c] = b
                    r = judge.rank(combined(votes, intended, w, trial))
                    if r > current:
                        bias, current, moved = trial, r, True
            if not moved:
                break
        if current > best[2]:
            best = (w, bias, current)
    return best


def summary(f: dict) -> dict:
    return {"fer2013": round(f["fer2013"], 4), "ferplus": round(f["ferplus"], 4),
            "fer2013_recall": {e: round(r, 3) for e, r in f["fer2013_recall"].items()},
            "ferplus_recall": {e: round(r, 3) for e, r in f["ferplus_recall"].items()},
            "agreed_mean_recall": round(f["recall"], 4), "agreed_min_recall": round(f["min_recall"], 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--votes", help="a version learned from FER+'s votes")
    parser.add_argument("--intended", help="a version learned from FER2013's labels")
    parser.add_argument("--two-head", help="instead of --votes and --intended: the two heads of this version")
    parser.add_argument("--write", action="store_true", help="with --two-head: put the choice into the version")
    parser.add_argument("--write-floor", type=float, help="with --write: the choice at this PublicTest FER+ floor "
                        "(as --frontier's) instead of the rule's")
    parser.add_argument("--votes-tta", choices=TTA_MODES, help="default: the version's own")
    parser.add_argument("--intended-tta", choices=TTA_MODES, help="default: the version's own")
    parser.add_argument("--rule", default="both", choices=sorted(BOTH_TARGETS))
    parser.add_argument("--weights", default="0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1")
    parser.add_argument("--biases", default="-1.5,-1,-0.75,-0.5,-0.25,0,0.25,0.5,0.75,1,1.5,2")
    parser.add_argument("--data", default=default_data())
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", type=Path, help="add this pair's result to a JSON file (keyed by the pair)")
    parser.add_argument("--frontier", default="",
                        help="also these FER+ floors (e.g. 0.80,0.82,0.84): at each, the least shortfall of the "
                             "FER2013-label recalls chosen on PublicTest, reported on PrivateTest")
    args = parser.parse_args()
    if (args.votes or args.intended) if args.two_head else not (args.votes and args.intended):
        parser.error("give --votes and --intended, or --two-head")
    if args.write and not args.two_head:
        parser.error("--write goes with --two-head")
    if args.write_floor is not None and not args.write:
        parser.error("--write-floor goes with --write")

    import torch
    torch.set_num_threads(args.threads)
    data = fer.load_dataset(args.data)
    two_head = fer.load(args.two_head) if args.two_head else None
    heads = heads_of_version(two_head, data) if two_head else pair_of_versions(args, data, sha256_of(args.data)[:16])

    weights = [float(x) for x in args.weights.split(",")]
    biases = [float(x) for x in args.biases.split(",")]
    judge = FastJudge(data, "PublicTest", args.rule)
    w, bias, best_rank = search(heads["votes"]["probs"]["PublicTest"], heads["intended"]["probs"]["PublicTest"],
                                judge, weights, biases)
    result = {"votes": {k: v for k, v in heads["votes"].items() if k != "probs"},
              "intended": {k: v for k, v in heads["intended"].items() if k != "probs"},
              "rule": args.rule, "weights_searched": weights, "biases_searched": biases,
              "chosen": {"w": w, "bias": dict(zip(EMOTIONS, [round(float(b), 3) for b in bias]))},
              "ms_per_face": round(heads["votes"]["ms_per_face"] + heads["intended"]["ms_per_face"], 2),
              "ms_per_face_from": "the cards' ms a view (ONNX, batch 1, one thread) times each TTA's views, summed",
              "cpu": cpu_model(), "command": this_command()}
    votes, intended = heads["votes"]["probs"], heads["intended"]["probs"]
    score_splits(result, data, {"votes_alone": votes, "intended_alone": intended,
                                "combined": {s: combined(votes[s], intended[s], w, bias) for s in SPLITS}})
    print(f"chosen on PublicTest: w {w}, bias {result['chosen']['bias']}, rank {best_rank}")
    if args.frontier:
        result["frontier"] = frontier(votes, intended, data, args.rule, args.frontier, weights, biases)
    if args.write:
        choice = f"the {args.rule} rule"
        if args.write_floor is not None:
            point = result.get("frontier", {}).get(f"{args.write_floor:.2f}") or \
                frontier_point(votes, intended, data, args.rule, args.write_floor, weights, biases)
            w, bias = point["w"], np.array([point["bias"][e] for e in EMOTIONS], np.float32)
            choice = f"the {args.rule} rule's frontier at FER+ >= {args.write_floor:.2f}"
            result["written"] = {"floor": args.write_floor, "w": w, "bias": point["bias"]}
        set_head_mix(two_head, [1 - w, w], bias, data,
                     chosen_by=f"{choice} on PublicTest (benchmarks/combine_label_sources.py --two-head)")
        print(f"written into {two_head.path}: head_mix {[1 - w, w]}, class bias {dict(zip(EMOTIONS, bias.tolist()))}")
    if args.json:
        key = f"{two_head.name} (two heads)" if two_head else f"{args.votes}+{args.intended}"
        keep_result(args.json, f"{key}:{args.rule}", result)


def frontier(votes: dict, intended: dict, data, rule: str, floors: str, weights: list[float],
             biases: list[float]) -> dict:
    """frontier_point at each of the comma-separated FER+ floors, keyed by the floor."""
    return {f"{floor:.2f}": frontier_point(votes, intended, data, rule, floor, weights, biases)
            for floor in [float(x) for x in floors.split(",") if x]}


def frontier_point(votes: dict, intended: dict, data, rule: str, floor: float, weights: list[float],
                   biases: list[float]) -> dict:
    """The trade-off at one FER+ floor: w and biases chosen on PublicTest (FastJudge with the floor), the figures
    of both splits."""
    w, bias, chosen_rank = search(votes["PublicTest"], intended["PublicTest"],
                                  FastJudge(data, "PublicTest", rule, ferplus_floor=floor), weights, biases)
    point = {"w": w, "bias": dict(zip(EMOTIONS, [round(float(b), 3) for b in bias])), "floor_met": chosen_rank[0]}
    print(f"FER+ floor {floor:.2f}:")
    score_splits(point, data, {"combined": {s: combined(votes[s], intended[s], w, bias) for s in SPLITS}})
    for split in SPLITS:
        point[split] = point[split]["combined"]
    return point


def score_splits(result: dict, data, answers: dict[str, dict[str, np.ndarray]]) -> None:
    """Each answer's figures (`answers[label][split]`: probabilities) printed and added to `result[split][label]`."""
    for split in SPLITS:
        for label, probs in answers.items():
            f = figures(probs[split], data, split)
            result.setdefault(split, {})[label] = summary(f)
            print(f"{split:11s} {label:14s} FER2013 {f['fer2013']:.2%}  FER+ {f['ferplus']:.2%}  "
                  f"recall ang dis fea sad, FER+ neutral: {both_recalls(f)}")


def keep_result(path: Path, key: str, result: dict) -> None:
    """Add `result` under `key` to a JSON file, keeping the others."""
    kept = json.loads(path.read_text()) if path.exists() else {}
    kept[key] = result
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(kept, indent=1) + "\n")

if __name__ == "__main__":
    main()
