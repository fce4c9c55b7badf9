"""python -m fer calibrate: fit a version's confidence to its accuracy (temperature scaling on PublicTest)."""
from __future__ import annotations

import argparse

from ..training.config import DEFAULT_DATA


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, help="model version name or directory")
    p.add_argument("--data", default=DEFAULT_DATA, help="fer2013.csv(.gz) or an image-folder root")
    p.add_argument("--root", help="checkpoints folder (default checkpoints/)")


def run(args) -> int:
    from ..calibration import calibrate

    c = calibrate(args.model, args.data, args.root)
    before, after = c["before"], c["after"]
    print(f"{args.model}: temperature {c['temperature']:.3f} (fitted on {c['fitted_on']}, TTA {c['tta']})")
    for key in after:
        print(f"  {key:8s} ECE {before[key]['ece']:.4f} -> {after[key]['ece']:.4f}   NLL {before[key]['nll']:.4f} -> "
              f"{after[key]['nll']:.4f}   mean confidence {before[key]['mean_confidence']:.3f} -> "
              f"{after[key]['mean_confidence']:.3f}")
    return 0
