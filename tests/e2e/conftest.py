"""Browser end-to-end fixtures: Debian Chromium through Playwright, a streamlit server on loopback serving a
copy of the tiny trained version, the face photo and fake-camera video, and a loopback-only network."""
from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import pytest

from . import harness


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Marks a test whose body failed, so the `page` fixture can keep what the browser showed."""
    report = (yield).get_result()
    if report.when == "call":
        item.body_failed = report.failed


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
def page(playwright_instance, request):
    """A fresh headless Chromium page (downloads allowed) on the app's usual viewport; when the test fails, what
    the page showed is kept as test-artifacts/e2e/<test>-failed.png."""
    browser = playwright_instance.chromium.launch(executable_path=harness.CHROMIUM, headless=True,
                                                  args=harness.BASE_ARGS)
    page = browser.new_page(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    yield page
    if getattr(request.node, "body_failed", False):
        with contextlib.suppress(Exception):  # a page that cannot be drawn any more must not hide the failure
            path = harness.ARTIFACTS / "e2e" / f"{request.node.name}-failed.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(path), full_page=True)
    browser.close()
