"""Static vs dynamic int8 quantisation of a model version: accuracy against PyTorch, size and speed.

    nice -n 10 .venv/bin/python benchmarks/onnx_quantization.py [--model VERSION] [--data ...]

Works on a temporary copy of the version, so the version's own files and card are left as they are.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path


import fer
from fer.defaults import default_data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="version name or directory (default: the shipped default)")
    parser.add_argument("--data", default=default_data())
    parser.add_argument("--quantization-faces", type=int, default=500)
    args = parser.parse_args()

    source = fer.load(args.model).path
    data = fer.load_dataset(args.data)
    print(f"{source.name} on {data.source} PrivateTest")
    print(f"{'file':22s} {'MB':>6s} {'agree':>7s} {'accuracy':>8s} {'diff pt':>8s} {'ms b1 1t':>9s} {'ms b64 all':>10s}")
    with tempfile.TemporaryDirectory() as tmp:
        for quantization in ("static", "dynamic"):
            copy = Path(tmp) / quantization / source.name
            shutil.copytree(source, copy, ignore=shutil.ignore_patterns("*.onnx", "last.pt"))
            entry = fer.load(str(copy)).export(data, int8=True, quantization=quantization,
                                               quantization_size=args.quantization_faces)
            rows = [("PyTorch", None)] if quantization == "static" else []
            rows += [("fp32", entry["fp32"])] if quantization == "static" else []
            rows += [(f"int8 {quantization}", entry["int8"])]
            for name, r in rows:
                if r is None:
                    print(f"{name:22s} {entry['torch_weights_size_bytes'] / 1e6:6.2f} {'':>7s} {entry['torch_accuracy']:8.4f}")
                    continue
                print(f"{name:22s} {r['size_bytes'] / 1e6:6.2f} {r['top1_agreement_with_torch']:7.2%} {r['accuracy']:8.4f} "
                      f"{r['accuracy_diff_pt']:+8.2f} {r['ms_per_view_batch1_1thread']:9.3f} {r['ms_per_view_batch64_all_threads']:10.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
