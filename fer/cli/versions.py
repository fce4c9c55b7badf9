"""python -m fer versions: the model versions and their headline metrics (and --models: the architectures)."""
from __future__ import annotations

import argparse
import json

from .. import versions
from ..models import describe_models


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--models", action="store_true", help="list the registered architectures instead")
    p.add_argument("--json", action="store_true")
    p.add_argument("--markdown", action="store_true", help="a results table for the README, with the evaluate commands")


def version_summary(name: str) -> dict:
    card = versions.read_card(name)
    test = card.get("metrics", {}).get("test", {})
    return {"version": name, "architecture": card.get("architecture"), "params": card.get("params"),
            "macs": card.get("macs"), "test_accuracy": test.get("accuracy"), "test_macro_f1": test.get("macro_f1"),
            "tta": card.get("tta"), "ms_per_face": card.get("latency", {}).get("ms_per_face_batch1_1thread")}


def markdown_table(rows: list[dict]) -> str:
    lines = ["| version | PrivateTest acc. | macro-F1 | TTA | params | MACs | ms/face (batch 1, 1 thread) | reproduce |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r["test_accuracy"] is None:
            continue
        lines.append(f"| `{r['version']}` | {r['test_accuracy']:.2%} | {r['test_macro_f1']:.3f} | {r['tta']} | "
                     f"{r['params'] / 1e6:.2f} M | {r['macs'] / 1e6:.1f} M | {r['ms_per_face']} | "
                     f"`python -m fer evaluate --model {r['version']} --tta {r['tta']}` |")
    return "\n".join(lines)


def run(args) -> int:
    if args.models:
        rows = describe_models()
        print(json.dumps(rows, indent=1) if args.json else "\n".join(f"{k:22s} {v}" for k, v in rows.items()))
        return 0
    rows = [version_summary(v) for v in versions.list_versions()]
    if args.markdown:
        print(markdown_table(rows))
        return 0
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    if not rows:
        print(f"no versions in {versions.checkpoints_root()}")
    for r in rows:
        acc = f"{r['test_accuracy']:.4f}" if r["test_accuracy"] is not None else "   -  "
        print(f"{r['version']:28s} {r['architecture']:16s} test acc {acc}  TTA {r['tta']}  "
              f"{(r['params'] or 0) / 1e6:5.2f} M params  {(r['macs'] or 0) / 1e6:7.1f} M MACs  {r['ms_per_face']} ms/face")
    return 0
