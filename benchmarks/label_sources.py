"""Label sources compared: each version on FER2013's and FER+'s PrivateTest (and PublicTest, where choices are
made), the per-emotion recall over the PrivateTest faces whose two label sets agree, and calibration (ECE) on both.

    python benchmarks/label_sources.py VERSION_OR_PATH... [--data fer2013.csv.gz] [--tta flip]  (default: each version's TTA)

FER+ here is the protocol close to the published one (each face's most-voted of the ten raters' columns;
contempt, unknown or not-a-face on top, ties and non-faces left out): `python -m fer evaluate --labels ferplus`.
"""
from __future__ import annotations

import argparse

import fer
from fer.defaults import TTA_MODES, default_data
from fer.version.evaluation import benchmark_reports, per_emotion_recall
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
    args = parser.parse_args()
    data = fer.load_dataset(args.data)
    print("FER+ = most-voted of ten columns; agreed = faces whose FER+ and FER2013 labels agree; choices are made on "
          "PublicTest (Pub), PrivateTest (Priv) is reported\n")
    print("| version | learned from | TTA | FER2013 Pub / Priv | FER+ Pub / Priv (Priv macro-F1) | agreed mean recall Pub / "
          "Priv (Priv min) | Priv agreed recall " + " ".join(e[:3] for e in EMOTIONS) + " | Priv ECE FER2013 / FER+ |")
    print("|---|---|---|---|---|---|---|---|")
    for name in args.versions:
        version = fer.load(name)
        hyperparameters = version.card.hyperparameters or {}
        learned = hyperparameters.get("labels") or ("ensemble" if version.card.is_ensemble else "fer2013")
        tta = args.tta or version.card.tta
        val, test = (benchmark_reports(version, data, split, tta) for split in ("PublicTest", "PrivateTest"))
        per_class, mean_recall, min_recall = recalls(test["agreed"])
        print(f"| `{version.name}` | {learned} | {tta} | {val['fer2013']['accuracy']:.2%} / {test['fer2013']['accuracy']:.2%} | "
              f"{val['ferplus']['accuracy']:.2%} / {test['ferplus']['accuracy']:.2%} ({test['ferplus']['macro_f1']:.3f}) | "
              f"{recalls(val['agreed'])[1]:.3f} / {mean_recall:.3f} ({min_recall:.2f}) | {per_class} | "
              f"{test['fer2013']['ece']:.3f} / {test['ferplus']['ece']:.3f} |", flush=True)


if __name__ == "__main__":
    main()
