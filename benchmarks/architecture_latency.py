"""How fast each registered architecture runs before it is trained: ONNX Runtime, batch 1, one thread, random
weights, next to its parameters and MACs. A real-time student has to fit a latency budget before hours are spent
training it; this says which architectures do on the machine at hand.

    python benchmarks/architecture_latency.py [MODEL...] [--seconds 1.0] [--repeats 3]
    (default: the FerNet family, fernet_tiny fernet_small fernet_small_plus fernet_small_deep fernet_medium;
    a MODEL may carry its keyword arguments: 'fernet_small_deep:{"heads": 2, "branch": 1}')

The figure is the best of --repeats stopwatch runs (the least disturbed by anything else on the machine); run it
with nothing else running. A trained version's own figure is in its card (`python -m fer export`).
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from fer.models import create_model
from fer.models.profile import count_macs, count_params
from fer.stopwatch import stopwatch_ms_per_view
from fer.version.card import Card
from fer.version.export import write_onnx
from fer.version.runtime import OnnxClassifier
from record import append_run, new_run

FERNETS = ["fernet_tiny", "fernet_small", "fernet_small_plus", "fernet_small_deep", "fernet_medium"]
INPUT_SIZE = (1, 48, 48)


def ms_per_view(model, seconds: float, repeats: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_onnx(model.eval(), INPUT_SIZE, Path(tmp) / "model.onnx")
        onnx = OnnxClassifier(path, Card(name="probe", architecture=type(model).__name__), threads=1, verify=False)
        return min(stopwatch_ms_per_view(onnx.logits, batch=1, min_seconds=seconds) for _ in range(repeats))


def model_of(spec: str):
    """A registered model from NAME or NAME:JSON-KEYWORD-ARGUMENTS."""
    name, _, kwargs = spec.partition(":")
    return create_model(name, **(json.loads(kwargs) if kwargs else {}))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="*", default=FERNETS)
    ap.add_argument("--seconds", type=float, default=1.0, help="stopwatch time a run")
    ap.add_argument("--repeats", type=int, default=3, help="stopwatch runs; the best is reported")
    args = ap.parse_args(argv)
    print("| architecture | params | MACs a view | ms a view (ONNX, batch 1, 1 thread) |")
    print("|---|---|---|---|")
    rows = []
    for name in args.models:
        model = model_of(name)
        ms = ms_per_view(model, args.seconds, args.repeats)
        rows.append({"architecture": name, "params": count_params(model), "MACs a view": count_macs(model, INPUT_SIZE),
                     "ms a view (ONNX, batch 1, 1 thread)": round(ms, 3)})
        print(f"| {name} | {count_params(model) / 1e6:.2f} M | {count_macs(model, INPUT_SIZE) / 1e6:.1f} M | "
              f"{ms:.3f} |", flush=True)
    append_run("architecture_latency", "Architectures before training: latency", new_run(
        rows, f"random weights, best of {args.repeats} runs of {args.seconds} s"))


if __name__ == "__main__":
    main()
