"""Where tasks run: in this process (1 worker), in local worker processes, or on a Ray cluster. Every engine
yields, as tasks finish (in any order), each task with its per-file records; a task whose local worker process died
is returned as failed records, and the job goes on (on Ray, the task of a lost actor runs again on another first:
fer.batch.actor_pool). At most `window` tasks are in flight, so a million files cost no memory."""
from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .actor_pool import ActorPool, one_line
from .collection import Task
from .settings import JobSettings
from .worker import TaskRunner

ENGINES = ("local", "ray")
REPO_ROOT = Path(__file__).resolve().parents[2]
Finished = Iterator[tuple[Task, list[dict]]]  # each finished task with its per-file records


def died(task: Task, error: BaseException) -> list[dict]:
    return [{"source": f.source, "kind": f.kind, "status": "failed", "faces": 0, "frames": 0, "seconds": 0.0,
             "part": "", "error": f"{f.source}: the worker analysing it died ({one_line(error)})"}
            for f in task.files]


def windowed(tasks: Iterable[Task], submit: Callable, wait_one: Callable, window: int) -> Finished:
    """(task, records) as tasks finish. submit(task) -> handle; wait_one(handles) -> (a finished handle, its
    records or the exception it raised)."""
    pending, queue = {}, iter(tasks)
    while True:
        for task in queue:
            pending[submit(task)] = task
            if len(pending) >= window:
                break
        if not pending:
            return
        handle, result = wait_one(list(pending))
        task = pending.pop(handle)
        yield task, died(task, result) if isinstance(result, BaseException) else result


def set_threads(threads: int) -> None:
    """OpenCV's threads, and torch's where the model runs on PyTorch (the ONNX backend never loads torch)."""
    import cv2

    cv2.setNumThreads(threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


# --- local processes ---------------------------------------------------------------------------------------

_runner: TaskRunner | None = None


PARENT_CHECK_S = 0.5  # how often a worker process looks whether its driver is still there


def end_with_parent(parent: int, every_s: float = PARENT_CHECK_S) -> threading.Thread:
    """A worker process's watchdog: the process exits as soon as `parent` (the driver) is no longer its parent.
    A driver killed by SIGKILL cannot stop its workers, and they would otherwise wait for tasks forever (and keep
    multiprocessing's resource tracker alive with them)."""
    def watch():
        while os.getppid() == parent:
            time.sleep(every_s)
        os._exit(1)

    thread = threading.Thread(target=watch, name="fer-parent-watchdog", daemon=True)
    thread.start()
    return thread


def _start_worker(settings: JobSettings, threads: int, parent: int | None = None) -> None:
    """A worker process's start: the watchdog on its driver (`parent`), then the model, loaded once."""
    global _runner
    if parent is not None:
        end_with_parent(parent)
    _runner = TaskRunner(settings, threads=threads)
    set_threads(threads)


def _run_task(task: Task, out: str) -> list[dict]:
    return _runner.run(task, out)


def run_local(settings: JobSettings, tasks: list[Task], out: str, workers: int, recognizer=None) -> Finished:
    """1 worker: this process (with `recognizer` when given). More: that many spawned processes, one thread each
    (torch and OpenCV), each loading the model once."""
    if workers <= 1:
        runner = TaskRunner(settings, recognizer)
        for task in tasks:
            yield task, runner.run(task, out)
        return
    threads = max(1, (os.cpu_count() or 1) // workers)
    pools = ProcessPools(workers, settings, threads)
    try:
        yield from windowed(tasks, lambda task: pools.submit(task, out), pools.wait_one, 2 * workers)
    finally:
        pools.close()


class ProcessPools:
    """Spawned worker processes; when one dies (crash, out of memory) its pool breaks, the tasks in flight come
    back failed, and a fresh pool takes the next tasks."""

    def __init__(self, workers: int, settings: JobSettings, threads: int):
        self.context = multiprocessing.get_context("spawn")  # fork would copy torch's thread pools in any state
        self.options = dict(max_workers=workers, mp_context=self.context, initializer=_start_worker,
                            initargs=(settings, threads, os.getpid()))
        self.pool = cf.ProcessPoolExecutor(**self.options)
        self.owner: dict[cf.Future, cf.ProcessPoolExecutor] = {}

    def submit(self, task: Task, out: str) -> cf.Future:
        future = self.pool.submit(_run_task, task, out)
        self.owner[future] = self.pool
        return future

    def wait_one(self, futures):
        done = next(cf.as_completed(futures))
        error = done.exception()
        if isinstance(error, cf.process.BrokenProcessPool) and self.owner[done] is self.pool:
            self.pool.shutdown(cancel_futures=True)
            self.pool = cf.ProcessPoolExecutor(**self.options)
        del self.owner[done]
        return done, error if error is not None else done.result()

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)


# --- Ray ---------------------------------------------------------------------------------------------------

class RayWorker:
    """A Ray actor: one TaskRunner (the model loaded once) per CPU it holds."""

    def __init__(self, settings: JobSettings):
        self.runner = TaskRunner(settings, threads=1)
        set_threads(1)

    def ready(self) -> bool:
        return True

    def run(self, task: Task, out: str) -> list[dict]:
        return self.runner.run(task, out)


class RayActors:
    """fer.batch.actor_pool.Actors on Ray: RayWorker actors of one CPU each. Ray neither restarts them nor retries
    their tasks: a restart waits for room on the cluster, where the pool gives a lost actor's task to a live one."""

    def __init__(self, ray, settings: JobSettings, out: str):
        self.ray, self.settings, self.out = ray, settings, out
        self.actor_class = ray.remote(num_cpus=1, max_restarts=0, max_task_retries=0)(RayWorker)
        errors = ray.exceptions
        self.lost_errors = (errors.RayActorError, errors.ActorUnschedulableError, errors.NodeDiedError,
                            errors.WorkerCrashedError, errors.ObjectLostError)

    def start(self):
        actor = self.actor_class.remote(self.settings)
        return actor, actor.ready.remote()

    def run(self, actor, task: Task):
        return actor.run.remote(task, self.out)

    def wait(self, handles: list, timeout: float):
        ready, _ = self.ray.wait(handles, num_returns=1, timeout=timeout)
        return ready[0] if ready else None

    def result(self, handle):
        return self.ray.get(handle)

    def lost(self, error: BaseException) -> bool:
        return isinstance(error, self.lost_errors)

    def stop(self, actor) -> None:
        try:
            self.ray.kill(actor, no_restart=True)
        except Exception:  # gone with its node already: nothing left to stop
            pass


def import_ray():
    try:
        import ray
    except ImportError:
        raise ValueError("--engine ray needs Ray: pip install -r requirements-ray.txt") from None
    return ray


def run_ray(settings: JobSettings, tasks: list[Task], out: str, workers: int | None,
            address: str | None = None) -> Finished:
    """Tasks on Ray actors, one CPU each: `workers` of them (default: the cluster's CPUs). Without `address`, a
    local Ray is started (and stopped afterwards) with `workers` CPUs; "auto" or "HOST:6379" joins a running
    cluster, whose nodes must see the inputs and OUT at the same paths and have this repository (code and
    checkpoints) at the same path as here. A node lost mid-run costs no file: its tasks run again on the actors
    left (fer.batch.actor_pool)."""
    ray = import_ray()
    started = not ray.is_initialized()
    if started:
        runtime_env = {"env_vars": {"PYTHONPATH": str(REPO_ROOT), "OMP_NUM_THREADS": "1"}}
        ray.init(address=address, num_cpus=None if address else workers, include_dashboard=False,
                 log_to_driver=False, runtime_env=runtime_env)
    try:
        workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        pool = ActorPool(RayActors(ray, settings, out), workers)
        try:
            yield from windowed(tasks, pool.submit, pool.wait_one, workers)
        finally:
            pool.close()
    finally:
        if started:
            ray.shutdown()
