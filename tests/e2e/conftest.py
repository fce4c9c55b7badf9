"""Browser end-to-end fixtures: Debian Chromium through Playwright, a streamlit server on loopback serving a
copy of the tiny trained version, the face photo and fake-camera video, and a loopback-only network."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from . import harness


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


@pytest.fixture(scope="session")
def loopback_network():
    try:
        harness.enter_loopback_network()
    except PermissionError as e:
        pytest.skip(str(e))
    yield


@pytest.fixture
def playwright_instance():
    """Per test: Playwright's driver (and the Chromium it starts) must begin after loopback_network, if used."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture
def page(playwright_instance):
    """A fresh headless Chromium page (downloads allowed) on the app's usual viewport."""
    browser = playwright_instance.chromium.launch(executable_path=harness.CHROMIUM, headless=True,
                                                  args=harness.BASE_ARGS)
    yield browser.new_page(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    browser.close()
