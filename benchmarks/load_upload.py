"""Load test of the upload page: N concurrent browser sessions (Playwright contexts in one Chromium) each open
the upload page and upload a face photo; prints each session's time to result, the failures, and whether
the server is still up.

    python benchmarks/load_upload.py                      # 8 sessions, checkpoints from FER_CHECKPOINTS
    python benchmarks/load_upload.py --sessions 4 --url http://127.0.0.1:8501   # against a running app
"""
from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
import urllib.request
from contextlib import nullcontext
from pathlib import Path

from fer.labels import EMOTIONS
from tests.e2e import harness

FACE_TITLE = re.compile(rf"Face 1: ({'|'.join(EMOTIONS)}) \(\d+%\)")


async def one_session(browser, url: str, photo: Path, index: int, timeout_ms: int) -> dict:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    started = time.perf_counter()
    try:
        await page.goto(url + "/Upload_photos", timeout=timeout_ms)
        await page.get_by_role("heading", name="Upload photos").wait_for(timeout=timeout_ms)
        loaded = time.perf_counter()
        await page.locator("input[type='file']").set_input_files(str(photo), timeout=timeout_ms)
        title = page.get_by_text(FACE_TITLE).first
        await title.wait_for(timeout=timeout_ms)
        done = time.perf_counter()
        await page.wait_for_load_state("networkidle", timeout=timeout_ms)
        errors = await page.get_by_test_id("stException").count()
        if errors:
            return {"session": index, "ok": False, "error": f"the page shows {errors} exception(s)"}
        return {"session": index, "ok": True, "page_s": loaded - started, "result_s": done - loaded,
                "label": FACE_TITLE.search(await title.inner_text()).group(1)}
    except Exception as e:  # a failed session is a figure, not a crash of the benchmark
        return {"session": index, "ok": False, "error": f"{type(e).__name__}: {str(e).splitlines()[0]}"}
    finally:
        await context.close()


async def run_sessions(url: str, photo: Path, sessions: int, timeout_ms: int, warm_up: bool) -> list[dict]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=harness.CHROMIUM, headless=True, args=harness.BASE_ARGS)
        try:
            if warm_up:  # one session first, so the figures are for a server that has its model loaded
                first = await one_session(browser, url, photo, -1, timeout_ms)
                print(f"warm-up session: {'ok' if first['ok'] else first['error']}"
                      + (f", page {first['page_s']:.1f} s, result {first['result_s']:.1f} s" if first["ok"] else ""))
            started = time.perf_counter()
            results = await asyncio.gather(*(one_session(browser, url, photo, i, timeout_ms) for i in range(sessions)))
            print(f"{sessions} concurrent sessions took {time.perf_counter() - started:.1f} s in all")
            return results
        finally:
            await browser.close()


def server_up(url: str, attempts: int = 3) -> bool:
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=30) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(2)
    return False


def report(results: list[dict], wall_s: float, up: bool) -> None:
    for r in sorted(results, key=lambda r: r["session"]):
        if r["ok"]:
            print(f"session {r['session']}: page {r['page_s']:6.1f} s, upload -> result {r['result_s']:6.1f} s ({r['label']})")
        else:
            print(f"session {r['session']}: FAILED {r['error']}")
    times = [r["result_s"] for r in results if r["ok"]]
    if times:
        print(f"time to result: min {min(times):.1f} s, median {statistics.median(times):.1f} s, max {max(times):.1f} s")
    print(f"failures: {sum(not r['ok'] for r in results)}/{len(results)}; wall {wall_s:.1f} s; "
          f"server {'still up' if up else 'DOWN'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--url", help="an app already running (default: start one on a free loopback port)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds each session may wait for its result")
    parser.add_argument("--no-warm-up", dest="warm_up", action="store_false",
                        help="measure from a cold server (the first page load imports torch and loads the model)")
    parser.add_argument("--log", default=str(harness.ARTIFACTS / "load-streamlit.log"))
    args = parser.parse_args()
    if not Path(harness.CHROMIUM).exists():
        print(f"{harness.CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 2
    harness.ARTIFACTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        photo = harness.write_face_photo(Path(tmp) / "astronaut.jpg")
        server = nullcontext(args.url) if args.url else harness.streamlit_server(log_path=args.log, timeout=300)
        with server as url:
            started = time.perf_counter()
            results = asyncio.run(run_sessions(url, photo, args.sessions, int(args.timeout * 1000), args.warm_up))
            report(results, time.perf_counter() - started, server_up(url))
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
