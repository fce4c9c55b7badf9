"""Accuracy against compute for every model version, from the cards: PrivateTest accuracy (with the card's TTA),
wall time and the core-hours it took (wall time x the threads the card's hardware names; an ensemble counts its
members'; a distilled version does not count its teacher's).

    python benchmarks/accuracy_vs_cpu_hours.py [--root checkpoints]
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

from fer import version as versions
from fer.version import Card


def cores(hardware: str | None) -> int:
    """Threads x processes named by a card's hardware line (1 where it names none)."""
    threads = re.search(r"(\d+) threads\) x (\d+) process", hardware or "")
    return int(threads.group(1)) * int(threads.group(2)) if threads else 1


def core_hours(card: Card, root: Path) -> float:
    """Each sitting's wall time x its own cores (a run resumed on more threads counts each part at its own);
    a card without sittings: its wall time x the cores of its hardware line."""
    if card.is_ensemble:
        return sum(core_hours(versions.read_card(m, root), root) for m in card.member_names)
    if card.sittings:
        return sum(s["seconds"] * cores(s.get("hardware")) for s in card.sittings) / 3600
    return (card.wall_time_s or 0.0) * cores(card.hardware) / 3600


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=versions.checkpoints_root())
    args = parser.parse_args()
    print("| version | PrivateTest acc. | TTA | wall time (h) | core-hours | hardware |")
    print("|---|---|---|---|---|---|")
    rows = [versions.read_card(name, args.root) for name in versions.list_versions(args.root)]
    for card in sorted(rows, key=lambda c: c.accuracy("test") or 0.0, reverse=True):
        wall = (card.wall_time_s or 0.0) / 3600
        print(f"| `{card.name}` | {card.accuracy('test'):.2%} | {card.tta} | {wall:.2f} | "
              f"{core_hours(card, args.root):.2f} | {card.hardware or '?'} |")


if __name__ == "__main__":
    main()
