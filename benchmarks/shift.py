"""The shift benchmark: each version on PrivateTest (or PublicTest) re-rendered the way real faces differ from
FER2013's (fer.data.shifts: framing, rotation, low resolution, blur, JPEG, gamma, low contrast, noise, occlusion,
a studio detector's tight crop), scored on FER2013's and FER+'s labels with each emotion's recall, through the
version's calibrated probabilities and its own TTA. Writes benchmarks/results/shift/<version>.json (and .csv).

    python benchmarks/shift.py VERSION... [--split PrivateTest] [--subset N --seed S] [--tta flip]
                               [--backend torch] [--threads 1] [--shifts clean,blur,...]
    python benchmarks/shift.py VERSION... --into-card     (the result files' figures into each version's card)

--subset scores a fixed seeded subset of the split's faces (the same faces for every shift and version with the
same seed); the JSON says so.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import shlex
import sys
import time
from pathlib import Path

import fer
from fer.data.shifts import SHIFTS
from fer.defaults import CHOOSABLE_BACKENDS, TTA_MODES, default_data
from fer.labels import EMOTIONS
from fer.version import Card
from fer.version.classifiers import load_classifier
from fer.version.robustness import card_shift_block, shift_benchmark
from fer.version.store import resolve

from record import cpu_model

RESULTS = Path(__file__).resolve().parent / "results" / "shift"


def csv_rows(result: dict) -> list[list]:
    rows = [["shift", "labels", "n", "accuracy", *(f"recall_{e}" for e in EMOTIONS)]]
    for name, figures in result["shifts"].items():
        for labels, f in figures.items():
            if labels != "disagreements":
                rows.append([name, labels, f["n"], f["accuracy"], *(f["recall"][e] for e in EMOTIONS)])
    return rows


def write(result: dict, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{result['version']}.json"
    path.write_text(json.dumps(result, indent=1))
    with open(path.with_suffix(".csv"), "w", newline="") as f:
        csv.writer(f).writerows(csv_rows(result))
    return path


def print_progress(name: str, figures: dict) -> None:
    shown = "  ".join(f"{labels} {f['accuracy']:.2%}" for labels, f in figures.items() if labels != "disagreements")
    print(f"  {name:13s} {shown}", flush=True)


def into_card(name: str, results: Path) -> None:
    """The card of version `name` gets the shift block of its result file (card_shift_block)."""
    result = json.loads((results / f"{name}.json").read_text())
    folder = resolve(name)
    card = Card.read(folder)
    card.shift = card_shift_block(result)
    card.write(folder)
    print(f"{folder / 'card.json'}: shift block from {results / f'{name}.json'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("versions", nargs="+")
    parser.add_argument("--data", default=default_data())
    parser.add_argument("--split", default="PrivateTest")
    parser.add_argument("--subset", type=int, default=None, help="score a fixed seeded subset of this many faces")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tta", choices=TTA_MODES, default=None, help="default: each version's own")
    parser.add_argument("--backend", default="torch", choices=CHOOSABLE_BACKENDS,
                        help="torch (default): batched PyTorch, the fastest on a whole split")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--shifts", default=",".join(SHIFTS), help="comma-separated (default: all)")
    parser.add_argument("--out-dir", type=Path, default=RESULTS)
    parser.add_argument("--into-card", action="store_true", help="measure nothing: write each version's result file "
                        "(from --out-dir) into its card's shift block")
    args = parser.parse_args()
    if args.into_card:
        for name in args.versions:
            into_card(name, args.out_dir)
        return
    import torch
    torch.set_num_threads(args.threads)
    data = fer.load_dataset(args.data)
    command = "python benchmarks/shift.py " + shlex.join(sys.argv[1:])
    for name in args.versions:
        classifier = load_classifier(name, args.backend, threads=args.threads)
        print(f"{classifier.name} on {args.split} ({args.subset or 'all'} faces):", flush=True)
        started = time.perf_counter()
        about = {"command": command, "backend": args.backend, "threads": args.threads, "cpu": cpu_model(),
                 "data": Path(data.source).name}
        done = {}

        def keep(shift: str, figures: dict) -> None:  # written after every shift: a stopped run keeps what it did
            print_progress(shift, figures)
            done[shift] = figures
            write({"version": classifier.name, "complete": False, "shifts": done, **about}, args.out_dir)

        result = shift_benchmark(classifier, data, args.split, args.tta, args.shifts.split(","), args.subset,
                                 args.seed, progress=keep)
        result.update({**about, "complete": True, "wall_s": round(time.perf_counter() - started, 1),
                       "measured": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")})
        print(f"  -> {write(result, args.out_dir)} ({result['wall_s']} s)", flush=True)


if __name__ == "__main__":
    main()
