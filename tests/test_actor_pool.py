"""fer.batch.actor_pool without a cluster: a fake actor system whose actors die on cue. A task whose actor is lost
runs again on a live actor and finishes once; one that kills every actor it is given is recorded failed after
three runs; an error of the task itself is not run again; with no actor left the job stops with one line. Two
runs of one task write its part file once (fer.batch.store.PartWriter)."""
from __future__ import annotations

import time
from collections import deque

import pyarrow.parquet as pq
import pytest

from fer.batch.actor_pool import ActorPool, NoActorLeft
from fer.batch.collection import InputFile, Task
from fer.batch.engines import windowed
from fer.batch.store import SCHEMA, PartWriter


class Lost(Exception):
    """A fake actor's death (Ray's ActorDiedError)."""


class FakeActors:
    """Actors numbered from 0; handles become ready in the order they were made. `spare`: whether replacement
    actors can start (a node with room joins the cluster); `kills(actor, task)`: whether running `task` kills
    `actor`; a task over a file named `*.disk-full` fails by itself."""

    def __init__(self, spare: bool, kills=lambda actor, task: False, start_error: Exception | None = None):
        self.spare, self.kills, self.start_error = spare, kills, start_error
        self.started, self.dead, self.stopped, self.runs = 0, set(), [], []
        self.ready, self.outcomes = deque(), {}

    def start(self):
        actor, first = self.started, self.started < 2
        self.started += 1
        handle = ("ready", actor)
        self.outcomes[handle] = self.start_error or True
        if first or self.spare:
            self.ready.append(handle)
        return actor, handle

    def run(self, actor, task):
        handle = ("run", len(self.runs))
        self.runs.append((actor, task.files[0].source))
        if actor in self.dead or self.kills(actor, task):
            self.dead.add(actor)
            outcome = Lost(f"actor {actor} died")
        elif task.files[0].source.endswith(".disk-full"):
            outcome = OSError("No space left on device")
        else:
            outcome = [{"source": f.source, "status": "ok"} for f in task.files]
        self.outcomes[handle] = outcome
        self.ready.append(handle)
        return handle

    def wait(self, handles, timeout):
        for handle in list(self.ready):
            if handle in handles:
                self.ready.remove(handle)
                return handle
        time.sleep(0.01)  # nothing will come: as a timeout would
        return None

    def result(self, handle):
        outcome = self.outcomes.pop(handle)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def lost(self, error):
        return isinstance(error, Lost)

    def stop(self, actor):
        self.stopped.append(actor)


def photo_tasks(*names) -> list[Task]:
    return [Task((InputFile(f"/data/{name}", "photo"),)) for name in names]


def run_all(pool: ActorPool, tasks: list[Task]) -> dict[str, object]:
    """Each task's first file -> its records (a failed task's as fer.batch.engines.died makes them); a task
    finished twice fails here."""
    finished = {}
    for task, records in windowed(tasks, pool.submit, pool.wait_one, window=2):
        source = task.files[0].source
        assert source not in finished, f"{source} finished twice"
        finished[source] = records
    pool.close()
    return finished


def test_the_task_of_a_lost_actor_runs_again_on_a_live_one_and_finishes_once():
    tasks = photo_tasks(*(f"{i}.jpg" for i in range(6)))
    lost_once = FakeActors(spare=False, kills=lambda actor, task: actor == 0)  # a node gone; none replaces it
    notices = []
    finished = run_all(ActorPool(lost_once, size=2, notice=notices.append), tasks)

    assert set(finished) == {t.files[0].source for t in tasks}
    assert all(records[0]["status"] == "ok" for records in finished.values())
    lost_task = lost_once.runs[0][1] if lost_once.runs[0][0] == 0 else lost_once.runs[1][1]
    assert [actor for actor, source in lost_once.runs if source == lost_task] == [0, 1]  # again, on the live one
    assert len(notices) == 1 and "actor 0 died" in notices[0] and "run 2 of at most 3" in notices[0]
    assert lost_once.started == 3 and 2 in lost_once.stopped  # a replacement was asked for, and stopped at the end


def test_a_task_that_kills_every_actor_it_is_given_fails_after_three_runs():
    tasks = photo_tasks("0.jpg", "poison.jpg", "2.jpg", "3.jpg")
    poisoned = FakeActors(spare=True, kills=lambda actor, task: "poison" in task.files[0].source)
    finished = run_all(ActorPool(poisoned, size=2, notice=lambda message: None), tasks)

    [poison] = finished["/data/poison.jpg"]
    assert poison["status"] == "failed" and "the worker analysing it died (Lost: actor" in poison["error"]
    assert sum(source == "/data/poison.jpg" for _, source in poisoned.runs) == 3
    assert all(finished[f"/data/{name}"][0]["status"] == "ok" for name in ("0.jpg", "2.jpg", "3.jpg"))


def test_an_error_of_the_task_itself_is_not_run_again():
    full = FakeActors(spare=False)
    finished = run_all(ActorPool(full, size=2), photo_tasks("a.disk-full", "b.jpg", "c.jpg"))
    [full_disk] = finished["/data/a.disk-full"]
    assert full_disk["status"] == "failed" and "No space left on device" in full_disk["error"]
    assert [source for _, source in full.runs].count("/data/a.disk-full") == 1 and full.started == 2


def test_with_no_actor_left_the_job_stops_with_one_line():
    every_actor_lost = FakeActors(spare=False, kills=lambda actor, task: True)
    pool = ActorPool(every_actor_lost, size=2, no_actor_wait_s=0.1, notice=lambda message: None)
    with pytest.raises(NoActorLeft, match="no Ray worker started in .* run the same command again"):
        run_all(pool, photo_tasks("0.jpg", "1.jpg", "2.jpg"))

    cannot_start = FakeActors(spare=True, start_error=RuntimeError("no module named fer"))
    with pytest.raises(NoActorLeft, match="failed to start: RuntimeError: no module named fer"):
        run_all(ActorPool(cannot_start, size=2), photo_tasks("0.jpg"))
    assert cannot_start.started == 2  # an actor that cannot start is not replaced


def test_two_runs_of_one_task_write_its_part_file_once(tmp_path):
    row = {name: [None] for name in SCHEMA.names} | {"source": ["/data/0.jpg"], "kind": ["photo"]}
    lost_run, second_run = PartWriter(tmp_path, "0123456789abcdef"), PartWriter(tmp_path, "0123456789abcdef")
    lost_run.write(row)
    second_run.write(row)  # the second run starts while the first is still writing (an unreachable actor)
    second_run.close()
    lost_run.close()
    assert [p.name for p in tmp_path.iterdir()] == ["part-0123456789abcdef.parquet"]
    assert pq.read_table(tmp_path / "part-0123456789abcdef.parquet").num_rows == 1
