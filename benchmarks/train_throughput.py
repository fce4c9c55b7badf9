"""Training throughput (images/s) per model: fp32 against bf16 autocast, with and without torch.compile.

One training step is what the trainer runs: batch augmentation, channels-last, forward, label-smoothed
loss, backward, SGD step. Random 48x48 faces; the figure is steps after a warm-up.

    python benchmarks/train_throughput.py [--models fernet_tiny fernet_small fernet_medium] [--threads 2]
        [--compile] [--steps 20] [--batch-size 128]
"""
from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

from fer.data.transforms import batch_augment
from fer.models import create_model
from fer.training.trainer import autocast_for, cpu_has_fast_bf16


def images_per_second(model_name: str, bf16: bool, compiled: bool, steps: int, batch_size: int) -> float:
    torch.manual_seed(0)
    model = create_model(model_name).to(memory_format=torch.channels_last).train()
    step_model = torch.compile(model) if compiled else model
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)
    x = torch.rand(batch_size, 1, 48, 48)
    y = torch.randint(0, 7, (batch_size,))
    autocast = autocast_for(torch.device("cpu"), bf16)

    def step():
        batch = batch_augment(x, "standard").contiguous(memory_format=torch.channels_last)
        with autocast:
            loss = F.cross_entropy(step_model(batch).float(), y, label_smoothing=0.1)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    for _ in range(3):  # warm-up (and compilation)
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * batch_size / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["fernet_tiny", "fernet_small", "fernet_medium"])
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: all cores)")
    parser.add_argument("--compile", action="store_true", help="also measure torch.compile")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, native bf16: {cpu_has_fast_bf16()}, "
          f"batch {args.batch_size}, {args.steps} steps")
    print("| model | fp32 img/s | bf16 img/s | bf16 / fp32 |" + (" fp32 compiled | bf16 compiled |" if args.compile else ""))
    print("|---|---|---|---|" + ("---|---|" if args.compile else ""))
    for name in args.models:
        fp32 = images_per_second(name, False, False, args.steps, args.batch_size)
        bf16 = images_per_second(name, True, False, args.steps, args.batch_size)
        row = f"| {name} | {fp32:.0f} | {bf16:.0f} | {bf16 / fp32:.2f}x |"
        if args.compile:
            row += "".join(f" {images_per_second(name, b, True, args.steps, args.batch_size):.0f} |" for b in (False, True))
        print(row, flush=True)


if __name__ == "__main__":
    main()
