"""Browser end-to-end fixtures: Debian Chromium through Playwright, a streamlit server on loopback serving a
copy of the tiny trained version, the face photo and fake-camera video, and a loopback-only network."""
from __future__ import annotations

import ctypes
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from . import harness

CLONE_NEWNET = 0x40000000


def pytest_collection_modifyitems(items):
    if not os.path.exists(harness.CHROMIUM):
        skip = pytest.mark.skip(reason=f"{harness.CHROMIUM} is absent: install Debian's chromium "
                                       "(apt-get install chromium; .ci/run does) to run the browser tests")
        for item in items:
            if "e2e" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    path = harness.ARTIFACTS / "e2e"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def e2e_checkpoints(tiny_version, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("e2e_checkpoints")
    shutil.copytree(tiny_version, root / "tiny")
    return root


@pytest.fixture(scope="session")
def face_photo(tmp_path_factory) -> Path:
    return harness.write_face_photo(tmp_path_factory.mktemp("media") / "astronaut.jpg")


@pytest.fixture(scope="session")
def face_video(tmp_path_factory) -> Path:
    return harness.write_face_video(tmp_path_factory.mktemp("media") / "face.mjpeg")


def only_loopback() -> bool:
    return [name for _, name in socket.if_nameindex()] == ["lo"]  # not /sys/class/net: sysfs shows the old netns


@pytest.fixture(scope="session")
def loopback_network():
    """Move this test process (and so streamlit and Chromium, its children) into a network namespace with
    only `lo`, plus 127.0.0.2 because aioice never offers 127.0.0.1: WebRTC then stays on loopback."""
    if not only_loopback():
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(CLONE_NEWNET) != 0:
            pytest.skip(f"cannot make a loopback-only network namespace (unshare errno {ctypes.get_errno()}; needs root)")
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    subprocess.run(["ip", "addr", "replace", "127.0.0.2/8", "dev", "lo"], check=True)
    assert only_loopback()
    yield


@pytest.fixture
def playwright_instance():
    """Per test: Playwright's driver (and the Chromium it starts) must begin after loopback_network, if used."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p
