"""Accuracy against compute for every model version, from the cards: PrivateTest accuracy (with the card's TTA),
wall time and the core-hours it took (wall time x the threads the card's hardware names; an ensemble counts its
members'; a distilled version does not count its teacher's).

    python benchmarks/accuracy_vs_cpu_hours.py [--root checkpoints]
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fer import versions  # noqa: E402


def core_hours(card: dict, root: Path) -> float:
    if versions.is_ensemble(card):
        return sum(core_hours(versions.read_card(m["version"], root), root) for m in card["members"])
    threads = re.search(r"(\d+) threads\) x (\d+) process", card.get("hardware", ""))
    cores = int(threads.group(1)) * int(threads.group(2)) if threads else 1
    return card.get("wall_time_s", 0.0) * cores / 3600


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=versions.checkpoints_root())
    args = parser.parse_args()
    print("| version | PrivateTest acc. | TTA | wall time (h) | core-hours | hardware |")
    print("|---|---|---|---|---|---|")
    rows = [versions.read_card(name, args.root) for name in versions.list_versions(args.root)]
    for card in sorted(rows, key=lambda c: c["metrics"]["test"]["accuracy"], reverse=True):
        wall = card.get("wall_time_s", 0.0) / 3600
        print(f"| `{card['name']}` | {card['metrics']['test']['accuracy']:.2%} | {card.get('tta', 'none')} | {wall:.2f} | "
              f"{core_hours(card, args.root):.2f} | {card.get('hardware', '?')} |")


if __name__ == "__main__":
    main()
