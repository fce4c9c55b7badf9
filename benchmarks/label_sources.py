"""Label sources compared: each version on FER2013's and FER+'s PrivateTest (and PublicTest, where choices are
made), the per-emotion recall over the PrivateTest faces whose two label sets agree, and calibration (ECE) on both.

    python benchmarks/label_sources.py VERSION_OR_PATH... [--data fer2013.csv.gz] [--tta flip]  (default: each version's TTA)
                                       [--json benchmarks/results/label_sources.json]

A second table gives each emotion's PrivateTest recall on both label sets and, of the faces FER2013 labels angry and
FER+'s raters call neutral (126 in PrivateTest), the share each version calls angry and neutral; --json writes them.

FER+ here is the protocol close to the published one (each face's most-voted of the ten raters' columns;
contempt, unknown or not-a-face on top, ties and non-faces left out): `python -m fer evaluate --labels ferplus`.
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

import numpy as np

import fer
from fer.defaults import TTA_MODES, default_data
from fer.version.evaluation import benchmark_reports, per_emotion_recall, reports_by_labels
from fer.version.robustness import disagreement_shares
from fer.labels import EMOTIONS


def recalls(report: dict) -> tuple[str, float, float]:
    """(each emotion's recall, their mean, their minimum) of a report."""
    per_class = per_emotion_recall(report)
    return " ".join(f"{r:.2f}" for r in per_class), sum(per_class) / len(per_class), min(per_class)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("versions", nargs="+")
    parser.add_argument("--data", default=default_data())
    parser.add_argument("--tta", default=None, choices=TTA_MODES, help="default: each version's own")
    parser.add_argument("--json", type=Path, help="also write each version's figures here (JSON); the versions it "
                        "already holds for the same data are kept, not measured again (so a stopped run resumes)")
    parser.add_argument("--again", action="store_true", help="measure the versions --json already holds again")
    args = parser.parse_args()
    data = fer.load_dataset(args.data)
    both = {} if args.again or not args.json else measured_before(args.json, data)
    print("FER+ = most-voted of ten columns; agreed = faces whose FER+ and FER2013 labels agree; choices are made on "
          "PublicTest (Pub), PrivateTest (Priv) is reported\n")
    print("| version | learned from | TTA | FER2013 Pub / Priv | FER+ Pub / Priv (Priv macro-F1) | agreed mean recall Pub / "
          "Priv (Priv min) | Priv agreed recall " + " ".join(e[:3] for e in EMOTIONS) + " | Priv ECE FER2013 / FER+ |")
    print("|---|---|---|---|---|---|---|---|")
    for name in args.versions:
        version = fer.load(name)
        if version.name in both:
            print(f"| `{version.name}` | (kept from {args.json}) |", flush=True)
            continue
        hyperparameters = version.card.hyperparameters or {}
        learned = hyperparameters.get("labels") or ("ensemble" if version.card.is_ensemble else "fer2013")
        tta = args.tta or version.card.tta
        val = benchmark_reports(version, data, "PublicTest", tta)
        private = version.predict_proba(data.split("PrivateTest")[0], tta)
        test = reports_by_labels(private, data, "PrivateTest", tta)
        both[version.name] = both_label_sets(private, data, tta, val, test)
        if args.json:  # after each version: a stopped run keeps what it measured
            write_json(args.json, both, data)
        per_class, mean_recall, min_recall = recalls(test["agreed"])
        print(f"| `{version.name}` | {learned} | {tta} | {val['fer2013']['accuracy']:.2%} / {test['fer2013']['accuracy']:.2%} | "
              f"{val['ferplus']['accuracy']:.2%} / {test['ferplus']['accuracy']:.2%} ({test['ferplus']['macro_f1']:.3f}) | "
              f"{recalls(val['agreed'])[1]:.3f} / {mean_recall:.3f} ({min_recall:.2f}) | {per_class} | "
              f"{test['fer2013']['ece']:.3f} / {test['ferplus']['ece']:.3f} |", flush=True)
    print_both(both)


def measured_before(path: Path, data) -> dict:
    """The versions an earlier run wrote to `path` for the same data file."""
    if not path.is_file():
        return {}
    earlier = json.loads(path.read_text())
    return earlier["versions"] if earlier.get("data") == Path(data.source).name else {}


def write_json(path: Path, both: dict, data) -> None:
    command = "python benchmarks/label_sources.py " + shlex.join(sys.argv[1:])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"command": command, "data": Path(data.source).name, "versions": both}, indent=1))


def both_label_sets(private: np.ndarray, data, tta: str, val: dict, test: dict) -> dict:
    """Each emotion's recall on FER2013's and FER+'s labels (PublicTest and PrivateTest), and the share of the
    PrivateTest faces FER2013 labels angry and FER+ neutral that the version (its probabilities `private`) calls
    each emotion."""
    trace = disagreement_shares(private, data, "PrivateTest", np.arange(len(private)))
    return {"tta": tta, **{f"{split}_{labels}": {"accuracy": round(reports[labels]["accuracy"], 4),
                                                 "recall": dict(zip(EMOTIONS, np.round(per_emotion_recall(reports[labels]), 4).tolist()))}
                           for split, reports in (("PublicTest", val), ("PrivateTest", test))
                           for labels in ("fer2013", "ferplus")},
            "disagreements": trace}


def print_both(both: dict) -> None:
    names = " ".join(e[:3] for e in EMOTIONS)
    print(f"\nPrivateTest recall on both label sets; of the faces FER2013 labels angry and FER+ neutral, the share "
          f"called angry / neutral\n\n| version | FER2013 {names} | FER+ {names} | FER2013-angry, FER+-neutral faces: "
          "angry / neutral |\n|---|---|---|---|")
    for name, f in both.items():
        trace = f["disagreements"].get("fer2013_angry_ferplus_neutral", {"n": 0, "called": {"angry": 0, "neutral": 0}})
        recalls = [" ".join(f"{f['PrivateTest_' + labels]['recall'][e]:.2f}" for e in EMOTIONS)
                   for labels in ("fer2013", "ferplus")]
        print(f"| `{name}` | {recalls[0]} | {recalls[1]} | {trace['called']['angry']:.0%} / "
              f"{trace['called']['neutral']:.0%} of {trace['n']} |", flush=True)


if __name__ == "__main__":
    main()
