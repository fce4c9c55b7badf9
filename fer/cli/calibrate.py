"""python -m fer calibrate: fit a version's confidence to its accuracy (temperature scaling on PublicTest)."""
from __future__ import annotations

import argparse

SHARED = ("model", "data", "root")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--prior-tau", type=float, default=0.0,
                   help="prior correction before the temperature: lifts the emotions the network under-predicts "
                        "(0 = none; choose it on PublicTest with benchmarks/choose_default.py)")


def run(args) -> int:
    from ..api import load

    version = load(args.model, args.root)
    c = version.calibrate(args.data, prior_tau=args.prior_tau)
    before, after = c["before"], c["after"]
    print(f"{version.name}: temperature {c['temperature']:.3f} (fitted on {c['fitted_on']}, TTA {c['tta']})")
    if "prior_correction" in c:
        print(f"  prior correction tau {args.prior_tau:g}: class bias "
              + ", ".join(f"{e} {b:+.2f}" for e, b in zip(version.labels, c["prior_correction"]["class_bias"])))
    for key in after:
        print(f"  {key:8s} ECE {before[key]['ece']:.4f} -> {after[key]['ece']:.4f}   NLL {before[key]['nll']:.4f} -> "
              f"{after[key]['nll']:.4f}   mean confidence {before[key]['mean_confidence']:.3f} -> "
              f"{after[key]['mean_confidence']:.3f}")
    return 0
