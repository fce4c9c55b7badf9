"""The one stopwatch of the package (benchmarks, cards' latency figures): a call timed after a warm-up, over at
least `min_runs` runs and `min_seconds`."""
from __future__ import annotations

import time

import numpy as np


def seconds_per_call(fn, warmup: int = 3, min_runs: int = 5, min_seconds: float = 1.0) -> float:
    """Mean seconds of one call of `fn()`, after `warmup` calls."""
    for _ in range(warmup):
        fn()
    runs, start = 0, time.perf_counter()
    while runs < min_runs or time.perf_counter() - start < min_seconds:
        fn()
        runs += 1
    return (time.perf_counter() - start) / runs


def stopwatch_ms_per_view(logits_fn, batch: int, warmup: int = 5, min_seconds: float = 0.5) -> float:
    """Milliseconds per view of a logits function at a batch size (a measurement; the card's figure that the
    app and the CLI show is Card.ms_per_face)."""
    x = np.random.default_rng(0).standard_normal((batch, 1, 48, 48)).astype(np.float32)
    return 1000 * seconds_per_call(lambda: logits_fn(x), warmup, min_seconds=min_seconds) / batch
