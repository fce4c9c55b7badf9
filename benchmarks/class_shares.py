"""How often each shipped version says each emotion: its predicted class shares on PrivateTest next to the labels'
own shares, on FER+'s labels (the faces of the protocol close to the published one) and on FER2013's, from the
cards (each version as shipped: its own TTA and calibration, prior correction included).

    python benchmarks/class_shares.py [VERSION...] [--root checkpoints]   (default: every shipped version)

A version that says neutral far more often than the raters do has learned to hedge; one that never says disgust
cannot see it (the per-emotion recall in benchmarks/label_sources.py says the same per face).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from fer import version as versions
from fer.labels import EMOTIONS
from fer.metrics import label_shares

BENCHMARKS = {"FER+": "test_ferplus", "FER2013": "test"}  # card.metrics keys of PrivateTest


def row(name: str, shares: list[float]) -> str:
    return f"| {name} | " + " | ".join(f"{s:.1%}" for s in shares) + " |"


def table(cards: list, key: str) -> list[str]:
    reports = [(card.name, card.metrics.get(key)) for card in cards]
    reports = [(name, r) for name, r in reports if r and "predicted_share" in r]
    if not reports:
        return []
    lines = ["| | " + " | ".join(EMOTIONS) + " |", "|---|" + "---|" * len(EMOTIONS),
             row(f"labels ({reports[0][1]['n']} faces)", label_shares(reports[0][1]))]
    return lines + [row(f"`{name}`", [r["predicted_share"][e] for e in EMOTIONS]) for name, r in reports]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("versions", nargs="*", help="version names (default: every shipped version)")
    parser.add_argument("--root", type=Path, default=versions.checkpoints_root())
    args = parser.parse_args()
    cards = [versions.read_card(name, args.root) for name in args.versions or versions.list_versions(args.root)]
    for benchmark, key in BENCHMARKS.items():
        lines = table(cards, key)
        if lines:
            print(f"\nPrivateTest, {benchmark} labels: predicted class shares\n")
            print("\n".join(lines))


if __name__ == "__main__":
    main()
