"""How often people agree with each other on FER2013's test faces, from FER+'s ten votes a face: the yardstick
for the app's accuracy figures (a model that matches the raters' verdict as often as one rater does is as good
as a person at this).

    python benchmarks/human_agreement.py [--data ../shared/data/fer2013.csv.gz]   (with the package installed)

Writes benchmarks/results/human_agreement.json.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import fer
from fer.data.ferplus import agreement, rater_agreement
from fer.defaults import default_data

RESULTS = Path(__file__).resolve().parent / "results" / "human_agreement.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(default_data()))
    parser.add_argument("--split", default="test")
    args = parser.parse_args()
    data = fer.load_dataset(args.data)
    role = "test" if args.split == "test" else args.split
    _, labels = data.split(role)
    figures = {"split": args.split, "data": Path(args.data).name, **rater_agreement(data.votes[role]),
               "fer2013_label_vs_ferplus_majority": agreement(labels, data.votes[role]),
               "command": "python benchmarks/human_agreement.py",
               "measured": time.strftime("%Y-%m-%d")}
    print(f"{args.split}: {figures['faces']} faces kept by the FER+ benchmark, {figures['votes']} votes")
    print(f"  one rater's vote = the other nine's most-voted emotion: {figures['rater_vs_rest']:.2%}")
    print(f"  two raters of a face give the same answer: {figures['pairwise']:.2%}")
    print(f"  FER2013's label = FER+'s majority (faces with one): {figures['fer2013_label_vs_ferplus_majority']:.2%}")
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
