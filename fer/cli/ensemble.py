"""python -m fer ensemble: build an ensemble version from trained versions (probabilities averaged)."""
from __future__ import annotations

import argparse

from ..defaults import TTA_MODES
from ..version.ensemble import SELECTIONS

SHARED = ("data", "root")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--name", required=True, help="the ensemble version's name")
    p.add_argument("--members", nargs="+", required=True, help="member versions (in the same checkpoints folder)")
    p.add_argument("--tta", default="flip", choices=[*TTA_MODES, "auto"],
                   help="TTA of every member; auto: the one with the best accuracy on the validation split")
    p.add_argument("--select", default="all", choices=SELECTIONS,
                   help="all: every member; greedy: forward selection on the validation split (PublicTest)")
    p.add_argument("--labels", default="fer2013", choices=["fer2013", "ferplus"],
                   help="the validation labels members and TTA are judged on: FER2013's, or FER+'s (the published "
                        "protocol, as `evaluate --labels ferplus`)")


def run(args) -> int:
    from ..version.ensemble import build_ensemble

    build_ensemble(args.name, args.members, args.data, tta=args.tta, select=args.select, root=args.root,
                   labels=args.labels)
    return 0
