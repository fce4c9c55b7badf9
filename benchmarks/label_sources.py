"""Label sources compared: each version on FER2013's and FER+'s PrivateTest (and PublicTest, where choices are
made), the per-emotion recall over the PrivateTest faces whose two label sets agree, and calibration (ECE) on both.

    python benchmarks/label_sources.py VERSION_OR_PATH... [--data fer2013.csv.gz] [--tta flip]

FER+ here is the protocol close to the published one (each face's most-voted of the ten raters' columns;
contempt, unknown or not-a-face on top, ties and non-faces left out): `python -m fer evaluate --labels ferplus`.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import fer  # noqa: E402
from fer.data.load import default_data  # noqa: E402
from fer.evaluate import benchmark_reports  # noqa: E402
from fer.labels import EMOTIONS  # noqa: E402


def recall_line(report: dict) -> str:
    recalls = {e: report["per_class"][e]["recall"] for e in EMOTIONS}
    return " ".join(f"{recalls[e]:.2f}" for e in EMOTIONS), sum(recalls.values()) / len(EMOTIONS), min(recalls.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("versions", nargs="+")
    parser.add_argument("--data", default=default_data())
    parser.add_argument("--tta", default="flip", choices=["none", "flip", "tencrop"])
    args = parser.parse_args()
    data = fer.load_dataset(args.data)
    print(f"TTA {args.tta}; FER+ = most-voted of ten columns; agreed = PrivateTest faces whose FER+ and FER2013 "
          "labels agree\n")
    print("| version | learned from | FER2013 Pub / Priv | FER+ Pub / Priv (macro-F1) | agreed: mean recall (min) | "
          "agreed recall " + " ".join(e[:3] for e in EMOTIONS) + " | ECE FER2013 / FER+ |")
    print("|---|---|---|---|---|---|---|")
    for name in args.versions:
        version = fer.load(name)
        labels = version.card.get("hyperparameters", {}).get("labels", "fer2013")
        val, test = (benchmark_reports(version, data, split, args.tta) for split in ("PublicTest", "PrivateTest"))
        per_class, mean_recall, min_recall = recall_line(test["agreed"])
        print(f"| `{version.name}` | {labels} | {val['fer2013']['accuracy']:.2%} / {test['fer2013']['accuracy']:.2%} | "
              f"{val['ferplus']['accuracy']:.2%} / {test['ferplus']['accuracy']:.2%} ({test['ferplus']['macro_f1']:.3f}) | "
              f"{mean_recall:.3f} ({min_recall:.2f}) | {per_class} | "
              f"{test['fer2013']['ece']:.3f} / {test['ferplus']['ece']:.3f} |", flush=True)


if __name__ == "__main__":
    main()
