"""The first photo after a server start: how long the server takes to answer /_stcore/health, and then how long
the upload page takes to answer a visitor's first photo, in Chromium.

    python -m benchmarks.first_photo --label startup                        # this checkout
    python -m benchmarks.first_photo --label before --code DIR              # another checkout (e.g. main)
    ... --fresh-cache                                                       # an empty cache folder: export too

Each run starts `streamlit run streamlit_app.py` (the README's command) and times it until healthy; a visitor
then opens the home page (timed until it is drawn), `--think` seconds pass (the visitor picks a photo), the upload
page is opened and gets tests/fixtures/astronaut.jpg, and the time until its first face's caption is drawn is the
figure; a second visitor's photo then shows what a warm server takes. The versions are served from a temporary
copy of the photo default and its members (an older checkout writes its ONNX export there, not into the
repository). Writes benchmarks/results/first_photo.json (one entry per --label), with the server's warm-up line
when it logged one.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.record import cpu_model
from fer.labels import EMOTIONS
from tests.e2e import harness

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "first_photo.json"
PHOTO = REPO / "tests" / "fixtures" / "astronaut.jpg"
FACE_CAPTION = re.compile(rf"^1 ({'|'.join(EMOTIONS)}) \d+%$")  # the upload gallery's caption of face 1
WAIT_MS = 600_000
READY_LINE = re.compile(r"the photo default (\S+) is ready \(([\d.]+) s\)")


def served_copy(target: Path) -> Path:
    """The photo default, its members and defaults.json copied into `target` (a checkpoints folder)."""
    from fer.version import default_version, read_card

    root = REPO / "checkpoints"
    name = default_version("photo", root)
    target.mkdir(parents=True)
    shutil.copy2(root / "defaults.json", target / "defaults.json")
    for version in [name, *read_card(name, root).member_names]:
        shutil.copytree(root / version, target / version)
    return target


def photo_seconds(page, url: str, photo: Path) -> tuple[float, int]:
    """The upload page opened (a new session), `photo` uploaded: seconds until its first face's caption is drawn,
    and the errors the page shows."""
    page.goto(f"{url}/Upload_photos")
    page.get_by_role("heading", name="Upload photos").wait_for(timeout=WAIT_MS)
    start = time.perf_counter()
    page.locator("input[type='file']").set_input_files(str(photo), timeout=WAIT_MS)
    page.get_by_text(FACE_CAPTION).first.wait_for(timeout=WAIT_MS)
    seconds = time.perf_counter() - start
    return seconds, page.get_by_test_id("stException").count() + page.get_by_test_id("stAlertContentError").count()


def visit(url: str, think_s: float, folder: Path) -> dict:
    """A visitor's home page, then after `think_s` the upload page and its first photo; then a second visitor's
    photo (other bytes: not a cached result), what a warm server takes. Seconds of each."""
    from playwright.sync_api import sync_playwright

    other = folder / "astronaut-other.jpg"
    other.write_bytes(PHOTO.read_bytes() + b"\0")  # the same picture, other bytes (after its end marker)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=harness.CHROMIUM, headless=True, args=harness.BASE_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        start = time.perf_counter()
        page.goto(url)
        page.get_by_role("heading", name="Facial emotion recognition").wait_for(timeout=WAIT_MS)
        home_s = time.perf_counter() - start
        time.sleep(think_s)
        first_s, first_errors = photo_seconds(page, url, PHOTO)
        second_s, second_errors = photo_seconds(page, url, other)
        browser.close()
    return {"home_page_s": round(home_s, 2), "first_photo_s": round(first_s, 2),
            "second_visitor_photo_s": round(second_s, 2), "errors_on_page": first_errors + second_errors}


def measure(code: Path, think_s: float, fresh_cache: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        served = served_copy(Path(tmp) / "checkpoints")
        shipped = set(served.rglob("*"))
        log = Path(tmp) / "server.log"
        env = {"FER_CHECKPOINTS": str(served), "PYTHONPATH": str(code)}
        if fresh_cache:
            env["FER_CACHE_DIR"] = str(Path(tmp) / "cache")
        start = time.perf_counter()
        with harness.streamlit_server(env, log_path=log, timeout=600, checkout=code) as url:
            figures = {"start_to_healthy_s": round(time.perf_counter() - start, 2), **visit(url, think_s, Path(tmp))}
        ready = READY_LINE.search(log.read_text())
        figures["warm_up_logged_s"] = float(ready.group(2)) if ready else None
        figures["files_written_under_checkpoints"] = sorted(
            str(p.relative_to(served)) for p in set(served.rglob("*")) - shipped)
    return figures


def commit_of(checkout: Path) -> str:
    """The checkout's commit, "+changes" when its tracked files (other than benchmark results) differ from it."""
    def git(*words: str) -> str:
        return subprocess.run(["git", "-C", str(checkout), *words], capture_output=True, text=True).stdout.strip()

    return git("rev-parse", "--short", "HEAD") + ("+changes" if git("status", "--short", "--untracked-files=no", "--", ".",
                                                            ":!benchmarks/results") else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="current")
    parser.add_argument("--code", type=Path, default=REPO, help="the checkout whose app is served")
    parser.add_argument("--think", type=float, default=5.0, help="seconds between the home page and the upload")
    parser.add_argument("--fresh-cache", action="store_true", help="an empty cache folder (no ONNX export yet)")
    args = parser.parse_args()
    if not os.path.exists(harness.CHROMIUM):
        print(f"{harness.CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 1
    figures = measure(args.code.resolve(), args.think, args.fresh_cache)
    entry = {"command": " ".join(["python -m benchmarks.first_photo", *sys.argv[1:]]),
             "code_commit": commit_of(args.code.resolve()), "cpu": cpu_model(), "cores": os.cpu_count(),
             "load_average_1min": round(os.getloadavg()[0], 2), "date": time.strftime("%Y-%m-%d"),
             "think_s": args.think, "fresh_cache": args.fresh_cache, **figures}
    print(json.dumps(entry, indent=1))
    results = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    results[args.label] = entry
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
