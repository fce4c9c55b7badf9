"""What each training lever gives: short runs that differ from one reference recipe by one lever each, all
with the same wall-clock budget, checkpoint chosen on PublicTest, PrivateTest reported with and without
flip and ten-crop TTA. Writes a markdown table (default benchmarks/results/ablations.md).

    python benchmarks/ablations.py --minutes 4 --teacher fernet_small-distil-rt-v4
    python benchmarks/ablations.py --only reference,mixup --minutes 1 --subset 2000     # a quick look

Short budgets favour levers that learn fast; a lever that only pays over long schedules (mixup, strong
augmentation) can look useless here. Two seeds of the reference show how much is noise.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from fer import evaluate
from fer.version import Card
from fer.data import load_dataset
from fer.training import train
from fer.defaults import default_data
from fer.training.config import make_config

REPO = Path(__file__).resolve().parents[1]

REFERENCE = dict(model="fernet_tiny", batch_size=128, optimizer="sgd", lr=0.1, scheduler="onecycle",
                 label_smoothing=0.1, augment="standard", eval_tta="none")
LEVERS = {  # name: (what changes, overrides of the reference)
    "reference": ("fernet_tiny, SGD-Nesterov onecycle, standard augmentation, label smoothing 0.1", {}),
    "reference-seed1": ("the same, another seed", {"seed": 1}),
    "no-label-smoothing": ("label smoothing 0", {"label_smoothing": 0.0}),
    "mixup": ("mixup alpha 0.2", {"mixup": 0.2}),
    "no-augmentation": ("no flip / crop / rotation / erasing", {"augment": "none"}),
    "strong-augmentation": ("wider rotation and crops, more erasing", {"augment": "strong"}),
    "cosine": ("cosine decay with warm-up instead of onecycle", {"scheduler": "cosine", "warmup_epochs": 1.0}),
    "distilled": ("distilled from --teacher (alpha 0.5, T 4)", {"teacher": "TEACHER"}),
}


def run_lever(name: str, overrides: dict, args, data, out_dir: Path) -> dict:
    if overrides.get("teacher") == "TEACHER":
        overrides = {**overrides, "teacher": args.teacher}
    started = time.time()
    config = make_config(**{**REFERENCE, "epochs": 200, "budget_minutes": args.minutes, "subset": args.subset,
                            "name": name, "out_dir": str(out_dir), "data": args.data, **overrides})
    path = train(config, data=data)
    card = Card.read(path)
    row = {"lever": name, "epochs": card.epochs_run, "minutes": round((time.time() - started) / 60, 1),
           "val": card.accuracy("val")}
    for tta in ("none", "flip", "tencrop"):
        row[f"test_{tta}"] = evaluate(str(path), data, split="test", tta=tta)["accuracy"]
    return row


def table(rows: list[dict], args) -> str:
    lines = [f"Levers on {REFERENCE['model']}, {args.minutes} min each on this machine "
             f"({'all' if not args.subset else args.subset} training faces); PublicTest picks the epoch.", "",
             "| lever | change | epochs | PublicTest | PrivateTest, no TTA | flip TTA | ten-crop TTA |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['lever']} | {LEVERS[r['lever']][0]} | {r['epochs']} | {r['val']:.2%} | "
                     f"{r['test_none']:.2%} | {r['test_flip']:.2%} | {r['test_tencrop']:.2%} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=default_data())
    parser.add_argument("--minutes", type=float, default=4.0, help="wall-clock budget of each run")
    parser.add_argument("--subset", type=int, default=0, help="train on this many faces (0: all)")
    parser.add_argument("--teacher", default="", help="model version for the 'distilled' lever (skipped without)")
    parser.add_argument("--only", default="", help="comma-separated levers (default: all)")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "ablations.md")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(LEVERS)
    unknown = [n for n in names if n not in LEVERS]
    if unknown:
        parser.error(f"unknown lever(s) {', '.join(unknown)}; choose from {', '.join(LEVERS)}")
    if not args.teacher:
        names = [n for n in names if n != "distilled"]
    data = load_dataset(args.data)
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for name in names:
            rows.append(run_lever(name, dict(LEVERS[name][1]), args, data, Path(work)))
            print(json.dumps(rows[-1]), flush=True)
            args.out.write_text(table(rows, args))  # after each run: a stopped job keeps what it measured
    print(table(rows, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
