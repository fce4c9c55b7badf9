"""python -m fer export: ONNX files of a model version (fp32, optionally int8), checked against PyTorch;
--half-weights first stores the version's own weights in fp16."""
from __future__ import annotations

import argparse
import json
import sys

SHARED = ("model", "data", "root")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", default="onnx", choices=["onnx"], help="export format")
    p.add_argument("--int8", action="store_true", help="also write model.int8.onnx")
    p.add_argument("--quantization", default="static", choices=["static", "dynamic"],
                   help="int8 scheme: static (activation ranges measured on Training faces) or dynamic")
    p.add_argument("--quantization-faces", type=int, default=500,
                   help="Training faces whose activation ranges set static int8 quantisation")
    p.add_argument("--half-weights", action="store_true",
                   help="first store the version's weights in fp16 (half the file; it still runs in fp32) and "
                        "re-measure its card with them (calibration under the same prior correction, every metric)")
    p.add_argument("--split", default="PrivateTest", help="split on which parity and accuracy are measured")
    p.add_argument("--json", action="store_true", help="print the card's onnx entry as JSON")


def format_entry(entry: dict) -> str:
    lines = [f"PyTorch accuracy {entry['torch_accuracy']:.4f} on {entry['data']['n']} {entry['data']['split']} faces, "
             f"weights {entry['torch_weights_size_bytes'] / 1e6:.2f} MB"]
    for kind in ("fp32", "int8"):
        r = entry.get(kind)
        if not r:
            continue
        extra = f" ({r['quantization']})" if kind == "int8" else ""
        lines.append(f"{kind}{extra}: {r['file']} {r['size_bytes'] / 1e6:.2f} MB, top-1 agreement {r['top1_agreement_with_torch']:.2%}, "
                     f"accuracy {r['accuracy']:.4f} ({r['accuracy_diff_pt']:+.2f} pt), "
                     f"{r['ms_per_view_batch1_1thread']:.3f} ms a view batch 1 one thread, "
                     f"{r['ms_per_view_batch64_all_threads']:.3f} ms a view batch 64 all threads")
        if kind == "int8" and not r["within_tolerance"]:
            lines.append("warning: int8 loses more than 0.5 accuracy points; prefer the fp32 file "
                         "(or try --quantization dynamic)")
    return "\n".join(lines)


def run(args) -> int:
    from ..data import load_dataset
    from ..api import load

    if args.quantization_faces < 1:
        raise ValueError(f"--quantization-faces must be positive, got {args.quantization_faces}")
    version, data = load(args.model, args.root), load_dataset(args.data)
    if args.half_weights:
        version.halve_weights(data)
        size_mb = (version.path / version.card.weights_file).stat().st_size / 1e6
        print(f"{version.name}: weights stored in fp16 ({size_mb:.1f} MB), card re-measured; ensembles built with "
              "it must be rebuilt (python -m fer ensemble)", file=sys.stderr)
    entry = version.export(data, int8=args.int8, quantization=args.quantization, split=args.split,
                           quantization_size=args.quantization_faces)
    print(json.dumps(entry, indent=2) if args.json else format_entry(entry))
    return 0
