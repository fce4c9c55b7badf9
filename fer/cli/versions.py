"""python -m fer versions: the model versions and their headline metrics (and --models: the architectures).
A version whose card cannot be read gets one line naming the file (exit status 1); the others are listed."""
from __future__ import annotations

import argparse
import json
import sys

from ..models import describe_models
from ..version import Card, checkpoints_root, scan_versions

SHARED = ("root",)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--models", action="store_true", help="list the registered architectures instead")
    p.add_argument("--json", action="store_true")
    p.add_argument("--markdown", action="store_true", help="a results table for the README, with the evaluate commands")


def version_summary(name: str, card: Card) -> dict:
    return {"version": name, "architecture": card.architecture, "params": card.params, "macs": card.macs,
            "test_accuracy": card.accuracy("test"), "test_macro_f1": card.macro_f1("test"),
            "test_ferplus_accuracy": card.accuracy("test", "ferplus"),
            "test_ferplus_macro_f1": card.macro_f1("test", "ferplus"),
            "tta": card.tta, "ms_per_face": card.ms_per_face}


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def markdown_table(rows: list[dict]) -> str:
    lines = ["| version | PrivateTest acc. | macro-F1 | FER+ PrivateTest acc. | FER+ macro-F1 | TTA | params | MACs | "
             "ms/face (batch 1, 1 thread) | reproduce |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r["test_accuracy"] is None:
            continue
        plus_f1 = "-" if r["test_ferplus_macro_f1"] is None else f"{r['test_ferplus_macro_f1']:.3f}"
        lines.append(f"| `{r['version']}` | {r['test_accuracy']:.2%} | {r['test_macro_f1']:.3f} | "
                     f"{_share(r['test_ferplus_accuracy'])} | {plus_f1} | {r['tta']} | "
                     f"{r['params'] / 1e6:.2f} M | {r['macs'] / 1e6:.1f} M | {r['ms_per_face']} | "
                     f"`python -m fer evaluate --model {r['version']}` |")
    return "\n".join(lines)


def run(args) -> int:
    if args.models:
        rows = describe_models()
        print(json.dumps(rows, indent=1) if args.json else "\n".join(f"{k:22s} {v}" for k, v in rows.items()))
        return 0
    entries = scan_versions(args.root)
    for entry in entries:
        if entry.error:
            print(f"error: {entry.error}", file=sys.stderr)
    rows = [version_summary(e.name, e.card) for e in entries if e.error is None]
    if args.markdown:
        print(markdown_table(rows))
    elif args.json:
        print(json.dumps(rows, indent=1))
    elif not entries:
        print(f"no versions in {checkpoints_root(args.root)}")
    if not (args.markdown or args.json):
        print("\n".join(plain_lines(rows)))
    return 1 if any(e.error for e in entries) else 0


def plain_lines(rows: list[dict]) -> list[str]:
    """One line a version, its columns as wide as the longest name and architecture."""
    name_width = max((len(r["version"]) for r in rows), default=0)
    arch_width = max((len(r["architecture"]) for r in rows), default=0)
    lines = []
    for r in rows:
        acc = f"{r['test_accuracy']:.4f}" if r["test_accuracy"] is not None else "   -  "
        lines.append(f"{r['version']:{name_width}s}  {r['architecture']:{arch_width}s}  test acc {acc}  "
                     f"FER+ {_share(r['test_ferplus_accuracy']):>6s}  TTA {r['tta']:6s}  "
                     f"{(r['params'] or 0) / 1e6:5.2f} M params  {(r['macs'] or 0) / 1e6:7.1f} M MACs  "
                     f"{r['ms_per_face']} ms/face")
    return lines
