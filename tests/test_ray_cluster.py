"""python -m fer analyze on a real two-node Ray cluster, started as a user would on two hosts (`ray start --head`,
then `ray start --address` with its own resources), here both on this machine: when the worker node is killed
mid-run, the job finishes on its own on the node that is left (fer.batch.actor_pool: the task the lost actor held
runs again on a live actor), with every file recorded once as done, every task's rows in one part file, and the
rows equal to the local engine's. The cluster's processes are found by this test's own temporary folder and port,
and killed by pid at the end. The cluster runs with Ray's token authentication (RAY_AUTH_MODE=token), as a
cluster should."""
from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import fer
from fer.batch import files_table_path
from fer.cli import main
from tests.e2e.harness import free_port
from tests.processes import ON_LINUX, alive, cmdline, descendants, kill_all, matching, wait_for

pytest.importorskip("ray")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not ON_LINUX, reason="finds the cluster's processes in /proc")]

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
RAY = str(Path(sys.executable).with_name("ray"))
PHOTOS = 160  # 10 tasks of 16 photos: the worker node is killed while some are still to run
SETTINGS = ["--detector", "haar", "--no-progress"]


class Node:
    """One `ray start` of this cluster: its folder and ports, so that its processes can be found."""

    def __init__(self, tmp: Path, name: str, head_port: int | None = None):
        self.name, self.head_port = name, head_port
        self.node_manager_port, self.agent_port = free_port(), free_port()
        self.temp_dir = tmp / f"ray-{name}"  # short: Ray's socket paths must stay under 108 characters

    def start(self, port: int, env: dict) -> None:
        role = ["--head", "--port", str(port), "--include-dashboard=false"] if self.head_port is None else \
            ["--address", f"127.0.0.1:{self.head_port}", "--resources", json.dumps({self.name: 1})]
        subprocess.run([RAY, "start", *role, "--num-cpus", "1", "--node-ip-address", "127.0.0.1",
                        "--node-manager-port", str(self.node_manager_port), "--temp-dir", str(self.temp_dir),
                        "--dashboard-agent-listen-port", str(self.agent_port), "--disable-usage-stats"],
                       env=env, check=True, capture_output=True, timeout=120)

    def raylet(self) -> list[int]:
        return [pid for pid in matching(f"--node_manager_port={self.node_manager_port}")
                if cmdline(pid).split()[0].endswith("raylet")]


def cluster_processes(tmp: Path, nodes: list[Node]) -> list[int]:
    roots = set(matching(str(tmp))) | {pid for node in nodes for pid in node.raylet()}
    return sorted(roots | {d for pid in roots for d in descendants(pid)})


@pytest.fixture
def photos(tmp_path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(PHOTOS):
        shutil.copy(FIXTURES / ("three_faces.jpg" if i % 2 else "astronaut.jpg"), folder / f"{i:04d}.jpg")
    return folder


def analyze_on(address: str, photos: Path, out: Path, model: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "fer", "analyze", str(photos), "--out", str(out), "--engine", "ray",
                             "--address", address, "--workers", "2", "--model", str(model), *SETTINGS],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def done_files(out: Path) -> int:
    path = files_table_path(out)
    return len(pd.read_csv(path)) if path.is_file() and path.stat().st_size else 0


def sorted_rows(out: Path) -> pd.DataFrame:
    return fer.read_results(out).sort_values(["source", "face_id"]).reset_index(drop=True)


def test_analyze_on_a_two_node_cluster_finishes_after_losing_its_worker_node(tiny_version, photos, tmp_path):
    model = Path(shutil.copytree(tiny_version, tmp_path / "tiny"))
    local = tmp_path / "local.parquet"
    assert main(["analyze", str(photos), "--out", str(local), "--workers", "1", "--model", str(model),
                         *SETTINGS]) == 0  # also exports the ONNX file, before any node reads it

    cluster = Path(f"/tmp/fer-ray-{os.getpid()}")  # Ray's socket paths must stay short
    env = {**os.environ, "PYTHONPATH": str(REPO), "RAY_USAGE_STATS_ENABLED": "0",  # the cluster's own token:
           "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}  # nodes and driver must present it
    port = free_port()
    head, worker = Node(cluster, "head"), Node(cluster, "worker", head_port=port)
    nodes = [head, worker]
    driver = None
    try:
        head.start(port, env)
        worker.start(port, env)
        out = tmp_path / "ray.parquet"
        driver = analyze_on(f"127.0.0.1:{port}", photos, out, model, env)
        assert wait_for(lambda: done_files(out) >= 16 or driver.poll() is not None, timeout=240), "no task finished"
        assert driver.poll() is None and done_files(out) < PHOTOS, "the job ended before the node could be killed"
        node = [pid for raylet in worker.raylet() for pid in (raylet, *descendants(raylet))]
        assert node, "the worker node's raylet was not found"
        kill_all(node)  # the host is gone: its raylet, its agents and the actor it ran; no node replaces it

        output, _ = driver.communicate(timeout=300)
        print(output)  # shown with -s: the line that tells of the loss
        assert driver.returncode == 0, output  # finished on the head node alone, nothing failed
        assert "lost" in output, output  # the loss was noticed and its task run again
        lines = pd.read_csv(files_table_path(out))
        assert len(lines) == PHOTOS and lines["source"].is_unique and (lines["status"] == "ok").all(), output
        parts = sorted(p.name for p in out.glob("part-*.parquet"))
        assert parts == sorted(set(lines["part"].dropna())), "a part file no file names, or a named one missing"
        pd.testing.assert_frame_equal(sorted_rows(out), sorted_rows(local), check_exact=False, atol=1e-5)
    finally:
        if driver is not None and driver.poll() is None:
            driver.kill()
        leftovers = cluster_processes(cluster, nodes)
        kill_all(leftovers)
        assert wait_for(lambda: not any(alive(pid) for pid in leftovers), timeout=20)
        shutil.rmtree(cluster, ignore_errors=True)
