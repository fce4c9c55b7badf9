"""python -m fer ensemble: build an ensemble version from trained versions (probabilities averaged)."""
from __future__ import annotations

import argparse

from ..training.config import DEFAULT_DATA


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--name", required=True, help="the ensemble version's name")
    p.add_argument("--members", nargs="+", required=True, help="member versions (in the same checkpoints folder)")
    p.add_argument("--tta", default="flip", choices=["none", "flip", "tencrop", "auto"],
                   help="TTA of every member; auto: the one with the best accuracy on the validation split")
    p.add_argument("--select", default="all", choices=["all", "greedy"],
                   help="all: every member; greedy: forward selection on the validation split (PublicTest)")
    p.add_argument("--data", default=DEFAULT_DATA, help="fer2013.csv(.gz) or an image-folder root")
    p.add_argument("--root", help="checkpoints folder (default checkpoints/)")


def run(args) -> int:
    from ..ensemble import build_ensemble

    build_ensemble(args.name, args.members, args.data, tta=args.tta, select=args.select, root=args.root)
    return 0
