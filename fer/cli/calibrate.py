"""python -m fer calibrate: fit a version's confidence to its accuracy (temperature scaling on PublicTest)."""
from __future__ import annotations

import argparse

SHARED = ("model", "data", "root")


def add_arguments(p: argparse.ArgumentParser) -> None:
    pass


def run(args) -> int:
    from ..version.model import load

    version = load(args.model, args.root)
    c = version.calibrate(args.data)
    before, after = c["before"], c["after"]
    print(f"{version.name}: temperature {c['temperature']:.3f} (fitted on {c['fitted_on']}, TTA {c['tta']})")
    for key in after:
        print(f"  {key:8s} ECE {before[key]['ece']:.4f} -> {after[key]['ece']:.4f}   NLL {before[key]['nll']:.4f} -> "
              f"{after[key]['nll']:.4f}   mean confidence {before[key]['mean_confidence']:.3f} -> "
              f"{after[key]['mean_confidence']:.3f}")
    return 0
