"""Tasks on a pool of actors (Ray's: fer.batch.engines.run_ray), one task per actor at a time.

An actor is lost with the node it runs on (a host gone, its raylet killed) or with its own process (killed, out of
memory). The task it held then goes to a live actor, and is recorded as failed only after RUNS runs in all (a task
that kills every actor it is given). A replacement actor is asked for at once and joins the pool once it has
started, when the cluster has room for it (a node added by hand or by an autoscaler); until then the actors left
take every task. An actor that fails to start is not replaced (the next one would fail the same way).

A task run twice still writes its rows once: its part file has one name (the task's key), each run writes it under
a temporary name of its own and renames it whole, and only the run whose result the driver takes records the
task's files, which is what makes a part count (fer.batch.store)."""
from __future__ import annotations

import sys
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from .collection import Task

RUNS = 3  # runs of a task whose actor is lost, before its files are recorded as failed
NO_ACTOR_WAIT_S = 600.0  # how long tasks wait with no live actor (for one to start) before the job stops
POLL_S = 5.0


class Actors(Protocol):
    """What the pool needs of an actor system (Ray's in run_ray, a fake one in the tests)."""

    def start(self) -> tuple[Any, Any]: ...  # a new actor and a handle that is ready once it has started

    def run(self, actor, task: Task) -> Any: ...  # a handle of the task's result

    def wait(self, handles: list, timeout: float) -> Any | None: ...  # a ready handle, or None after `timeout`

    def result(self, handle) -> Any: ...  # the handle's value; raises what the task or the actor raised

    def lost(self, error: BaseException) -> bool: ...  # whether `error` means the actor itself is gone

    def stop(self, actor) -> None: ...


class NoActorLeft(ValueError):
    """The cluster has no actor left to run the remaining tasks (a ValueError: the CLI prints it as one line).
    Nothing of those tasks was recorded, so running the same command again resumes them."""


@dataclass(eq=False)  # a handle for fer.batch.engines.windowed: one per task, hashed by identity
class Unit:
    task: Task
    runs: int = 0


def tell(message: str) -> None:
    print(f"analyze: {message}", file=sys.stderr, flush=True)


class ActorPool:
    """submit(task) -> Unit and wait_one() -> (Unit, its records or the exception that ended it), as
    fer.batch.engines.windowed takes them. `size` actors are started; a task waits until one is free."""

    def __init__(self, actors: Actors, size: int, runs: int = RUNS, no_actor_wait_s: float = NO_ACTOR_WAIT_S,
                 notice: Callable[[str], None] = tell):
        self.actors, self.runs, self.no_actor_wait_s, self.notice = actors, runs, no_actor_wait_s, notice
        self.idle: list = []
        self.running: dict[Any, tuple[Unit, Any]] = {}  # result handle -> (its unit, the actor running it)
        self.joining: dict[Any, Any] = {}  # ready handle -> an actor that is starting
        self.waiting: deque[Unit] = deque()  # units no actor has taken yet
        self.last_live = time.monotonic()  # when an actor was last known to run or to have started
        self.start_error: BaseException | None = None
        for _ in range(size):
            self.add_actor()

    def add_actor(self) -> None:
        actor, ready = self.actors.start()
        self.joining[ready] = actor

    def submit(self, task: Task) -> Unit:
        unit = Unit(task)
        self.waiting.append(unit)
        self.dispatch()
        return unit

    def dispatch(self) -> None:
        while self.waiting and self.idle:
            unit, actor = self.waiting.popleft(), self.idle.pop()
            unit.runs += 1
            self.running[self.actors.run(actor, unit.task)] = (unit, actor)

    def wait_one(self, units=None) -> tuple[Unit, Any]:
        while True:
            self.check_live()
            handle = self.actors.wait([*self.running, *self.joining], timeout=POLL_S)
            if handle is None:
                continue
            if handle in self.joining:
                self.join(handle)
                continue
            finished = self.finish(handle)
            if finished is not None:
                return finished

    def check_live(self) -> None:
        """Raises NoActorLeft when tasks wait with no actor running, none starting, or none started in time."""
        if self.running or not self.waiting:
            self.last_live = time.monotonic()
            return
        if not self.joining:
            cause = f" (the last one failed to start: {one_line(self.start_error)})" if self.start_error else ""
            raise NoActorLeft(f"no Ray worker is left to run the remaining tasks{cause}; "
                              "run the same command again to resume them")
        waited = time.monotonic() - self.last_live
        if waited > self.no_actor_wait_s:
            raise NoActorLeft(f"no Ray worker started in {waited:.0f} s (the cluster has no free CPU?); "
                              "run the same command again to resume the remaining tasks")

    def join(self, ready) -> None:
        actor = self.joining.pop(ready)
        try:
            self.actors.result(ready)
        except Exception as error:
            self.start_error = error
            self.actors.stop(actor)
            return
        self.last_live = time.monotonic()
        self.idle.append(actor)
        self.dispatch()

    def finish(self, handle) -> tuple[Unit, Any] | None:
        """The unit and its result; None when its actor was lost and the unit goes to another one."""
        unit, actor = self.running.pop(handle)
        try:
            result = self.actors.result(handle)
        except Exception as error:
            if not self.actors.lost(error):
                result = error  # the task itself failed: its actor is fine
            else:
                self.replace(actor)
                if unit.runs < self.runs:
                    self.notice(f"a worker was lost ({one_line(error)}); its {len(unit.task.files)} files go to "
                                f"another worker (run {unit.runs + 1} of at most {self.runs})")
                    self.waiting.appendleft(unit)
                    self.dispatch()
                    return None
                return unit, error
        self.idle.append(actor)
        self.dispatch()
        return unit, result

    def replace(self, actor) -> None:
        self.actors.stop(actor)  # so that an actor only unreachable for a while does not come back with a task
        self.add_actor()

    def close(self) -> None:
        for actor in [*self.idle, *(a for _, a in self.running.values()), *self.joining.values()]:
            self.actors.stop(actor)


def one_line(error: BaseException) -> str:
    """An error as one line: its type and the first 300 characters of its message."""
    message = " ".join(str(error).split())[:300]
    return f"{type(error).__name__}: {message}" if message else type(error).__name__
