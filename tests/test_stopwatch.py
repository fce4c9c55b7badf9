"""The one stopwatch (fer.stopwatch): how many calls it makes and what it hands a logits function; the bench and
the version's latency figures use it (no timing is asserted)."""
import numpy as np

from fer import stopwatch


def test_it_warms_up_then_runs_at_least_min_runs():
    calls = []
    seconds = stopwatch.seconds_per_call(lambda: calls.append(1), warmup=2, min_runs=5, min_seconds=0.0)
    assert len(calls) == 7 and seconds >= 0


def test_ms_per_view_feeds_a_batch_of_faces_and_divides_by_it():
    shapes = []

    def logits(x):
        shapes.append((x.shape, str(x.dtype)))
        return np.zeros((len(x), 7), np.float32)

    assert stopwatch.stopwatch_ms_per_view(logits, 8, warmup=1, min_seconds=0.0) >= 0
    assert len(shapes) == 1 + 5 and set(shapes) == {((8, 1, 48, 48), "float32")}


def test_the_bench_and_the_versions_use_it():
    from fer import bench
    from fer.version import export, model

    assert bench.seconds_per_call is stopwatch.seconds_per_call
    assert bench.stopwatch_ms_per_view is model.stopwatch_ms_per_view is export.stopwatch_ms_per_view \
        is stopwatch.stopwatch_ms_per_view
