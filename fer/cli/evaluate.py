"""python -m fer evaluate: metrics of a model version on a dataset split, run as the app runs it."""
from __future__ import annotations

import argparse
import json

from ..defaults import CHOOSABLE_BACKENDS, DEFAULT_BACKEND, TTA_MODES
from ..labels import EMOTIONS
from ..version.classifiers import load_classifier
from ..version.evaluation import EVALUATION_LABELS, evaluate

SHARED = ("model", "data", "root")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--split", default="PrivateTest", help="Training/PublicTest/PrivateTest or train/val/test")
    p.add_argument("--tta", choices=TTA_MODES, help="test-time augmentation (default: the version's own)")
    p.add_argument("--backend", default=DEFAULT_BACKEND, choices=CHOOSABLE_BACKENDS,
                   help="auto (default, as the app): ONNX Runtime, or PyTorch where the version cannot be exported")
    p.add_argument("--labels", default="fer2013", choices=EVALUATION_LABELS,
                   help="FER2013's labels; FER+'s (needs fer2013new.csv beside the csv): 'ferplus', each face's most-voted "
                        "of the ten raters' columns (contempt/unknown/not-a-face on top and ties left out, close to the "
                        "published protocol), 'ferplus-majority' (one emotion has over half of the votes), or 'agreed' "
                        "(the 'ferplus' faces whose FER2013 label is the same)")
    p.add_argument("--shift", metavar="NAMES", help="the shift benchmark instead: 'all' or comma-separated names of "
                   "fer.data.shifts.SHIFTS (the split re-rendered; FER2013 and FER+ accuracy, each emotion's recall)")
    p.add_argument("--subset", type=int, help="--shift: a fixed seeded subset of this many faces")
    p.add_argument("--seed", type=int, default=0, help="--shift: the subset's and the random shifts' seed")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def format_report(r: dict) -> str:
    lines = [f"{r['model']} on {r['data']} [{r['split']}, {r.get('labels', 'fer2013')} labels], TTA {r['tta']}, {r['n']} faces",
             f"accuracy {r['accuracy']:.4f}   macro-F1 {r['macro_f1']:.4f}   ECE {r['ece']:.4f}", "",
             f"{'class':10s} {'precision':>9s} {'recall':>7s} {'f1':>6s} {'support':>8s}"]
    for name, c in r["per_class"].items():
        lines.append(f"{name:10s} {c['precision']:9.3f} {c['recall']:7.3f} {c['f1']:6.3f} {c['support']:8d}")
    lines += ["", "confusion (rows true, columns predicted): " + " ".join(f"{e[:4]:>5s}" for e in EMOTIONS)]
    for name, row, norm in zip(EMOTIONS, r["confusion"], r["confusion_normalized"]):
        lines.append(f"{name:10s} " + " ".join(f"{v:5d}" for v in row) + "   " + " ".join(f"{v:4.2f}" for v in norm))
    lines.append(f"\n{len(r['misclassified'])} misclassified (indices into the split; --json lists them)")
    return "\n".join(lines)


def format_shifts(result: dict) -> str:
    lines = [f"{result['version']} on {result['split']} re-rendered, TTA {result['tta']}, {result['faces']} faces",
             "", f"{'shift':13s} {'FER2013':>8s} {'FER+':>7s}   FER+ recall " + " ".join(f"{e[:4]:>5s}" for e in EMOTIONS)]
    for name, f in result["shifts"].items():
        plus = f.get("ferplus", {})
        recall = " ".join("    -" if plus.get("recall", {}).get(e) is None else f"{plus['recall'][e]:5.2f}" for e in EMOTIONS)
        lines.append(f"{name:13s} {f['fer2013']['accuracy']:8.2%} {plus.get('accuracy', float('nan')):7.2%}   "
                     f"            {recall}")
    return "\n".join(lines)


def run_shifts(classifier, args) -> int:
    from ..data import load_dataset
    from ..data.shifts import SHIFTS
    from ..defaults import default_data
    from ..version.robustness import shift_benchmark

    names = list(SHIFTS) if args.shift == "all" else args.shift.split(",")
    result = shift_benchmark(classifier, load_dataset(args.data or default_data()), args.split, args.tta, names,
                             args.subset, args.seed)
    print(json.dumps(result) if args.json else format_shifts(result))
    return 0


def run(args) -> int:
    classifier = load_classifier(args.model, args.backend, root=args.root)
    if args.shift:
        return run_shifts(classifier, args)
    report = evaluate(classifier, args.data, split=args.split, tta=args.tta, labels=args.labels,
                      show_progress=not args.json)
    print(json.dumps(report) if args.json else format_report(report))
    return 0
