"""Load and memory test of the upload page: N concurrent browser sessions (Playwright contexts in one Chromium)
each open the upload page and upload M large photos (12 megapixels by default); prints each session's time to
result, the failures, and the server's resident memory (RSS): fresh (model loaded, after a warm-up session),
peak while the sessions run, and settled (after the sessions closed and the server's reconnect window,
server.disconnectedSessionTTL, passed); writes them as JSON to benchmarks/results/.

    python -m benchmarks.load_upload                                   # 3 sessions x 4 photos of 12 MP
    FER_UPLOAD_CACHE_MB=0 python -m benchmarks.load_upload --tag budget0
    python -m benchmarks.load_upload --sessions 8 --photos 1 --megapixels 0.26   # many sessions, small photos
    python -m benchmarks.load_upload --sessions 2 --photos 16 --drop 4        # 16 photos, dropped 4 at a time
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from benchmarks.record import cpu_model, this_command
from tests.e2e import harness

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"


def write_photos(folder: Path, count: int, megapixels: float) -> list[Path]:
    """`count` different JPEGs of `megapixels` (4:3): the astronaut's portrait enlarged on a noisy canvas."""
    import cv2
    import numpy as np

    width = int(round((megapixels * 1e6 * 4 / 3) ** 0.5))
    height = int(round(width * 3 / 4))
    face = harness.astronaut_bgr()
    side = int(height * 0.8)
    paths = []
    for i in range(count):
        rng = np.random.default_rng(i)
        canvas = rng.integers(90, 140, (height, width, 3), dtype=np.uint8)
        x = int(rng.integers(0, max(1, width - side)))
        canvas[height // 10:height // 10 + side, x:x + side] = cv2.resize(face, (side, side))
        path = folder / f"photo{i:02d}.jpg"
        cv2.imwrite(str(path), canvas, [cv2.IMWRITE_JPEG_QUALITY, 90])
        paths.append(path)
    return paths


class RssSampler:
    """The server process's resident memory, sampled every `every_s` seconds in a thread."""

    def __init__(self, pid: int, every_s: float = 0.25):
        self.pid, self.every_s, self.samples = pid, every_s, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError(f"no VmRSS for process {self.pid}")

    def _run(self):
        while not self._stop.is_set():
            self.samples.append((time.monotonic(), self.rss_mb()))
            self._stop.wait(self.every_s)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def peak_since(self, start: float) -> float:
        return max(mb for t, mb in self.samples if t >= start)

    def timeline(self, start: float, every_s: float = 2.0) -> list[list[float]]:
        """[seconds since `start`, the highest MB in that step] per `every_s`: when the peak came."""
        steps: dict[int, float] = {}
        for t, mb in self.samples:
            if t >= start:
                step = int((t - start) // every_s)
                steps[step] = max(steps.get(step, 0.0), mb)
        return [[step * every_s, round(mb, 1)] for step, mb in sorted(steps.items())]


def server_pid(url: str) -> int:
    """The pid of the streamlit process listening on `url`'s port (started by this benchmark)."""
    port = url.rsplit(":", 1)[1]
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                args = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"streamlit" in b" ".join(args) and port.encode() in args:
                return int(proc.name)
    raise RuntimeError(f"no streamlit process on port {port}")


async def one_session(browser, url: str, photos: list[Path], index: int, timeout_ms: int,
                      drop: int | None = None) -> tuple[dict, object]:
    """Open the upload page, upload the photos (`drop` at a time, each drop once the page lists the ones before;
    default: all at once), wait until each has its results; the context is left open (the caller closes it), as a
    visitor who keeps the tab."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    started = time.perf_counter()
    try:
        await page.goto(url + "/Upload_photos", timeout=timeout_ms)
        await page.get_by_role("heading", name="Upload photos").wait_for(timeout=timeout_ms)
        loaded = time.perf_counter()
        drop = drop or len(photos)
        for end in range(drop, len(photos) + drop, drop):
            files = [str(p) for p in photos[end - drop:end]]
            # the photo uploader comes first (a listed photo's panel may hold another file input)
            await page.locator("input[type='file']").first.set_input_files(files, timeout=timeout_ms)
            # the page lists them once all are analysed (its uploader emptied), whatever it still keeps of each
            listed = min(end, len(photos))
            await page.get_by_text(re.compile(rf"^{listed} photos? listed")).wait_for(timeout=timeout_ms)
        done = time.perf_counter()
        errors = await page.get_by_test_id("stException").count()
        if errors:
            return {"session": index, "ok": False, "error": f"the page shows {errors} exception(s)"}, context
        return {"session": index, "ok": True, "page_s": loaded - started, "result_s": done - loaded}, context
    except Exception as e:  # a failed session is a figure, not a crash of the benchmark
        return {"session": index, "ok": False, "error": f"{type(e).__name__}: {str(e).splitlines()[0]}"}, context


async def run_sessions(url: str, photos: list[Path], warm_up_photo: Path, sessions: int, timeout_ms: int,
                       sampler: RssSampler, settle_s: float, drop: int | None = None) -> tuple[list[dict], dict]:
    from playwright.async_api import async_playwright

    memory = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=harness.CHROMIUM, headless=True, args=harness.BASE_ARGS)
        try:
            first, context = await one_session(browser, url, [warm_up_photo], -1, timeout_ms)
            await context.close()
            print(f"warm-up session: {'ok' if first['ok'] else first['error']}")
            await asyncio.sleep(5)
            memory["fresh_mb"] = sampler.rss_mb()
            started = time.monotonic()
            outcomes = await asyncio.gather(*(one_session(browser, url, photos, i, timeout_ms, drop)
                                              for i in range(sessions)))
            memory["sessions_s"] = round(time.monotonic() - started, 1)
            memory["open_mb"] = sampler.rss_mb()
            for _, context in outcomes:
                await context.close()
            closed = time.monotonic()
            print(f"{sessions} sessions done in {memory['sessions_s']} s; closed; waiting {settle_s:.0f} s to settle")
            await asyncio.sleep(settle_s)
            memory["peak_mb"] = sampler.peak_since(started)
            memory["rss_timeline"] = sampler.timeline(started)
            memory["settled_mb"] = sampler.rss_mb()
            memory["settle_s"] = round(time.monotonic() - closed, 1)
            return [r for r, _ in outcomes], memory
        finally:
            await browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=3)
    parser.add_argument("--photos", type=int, default=4, help="photos each session uploads")
    parser.add_argument("--drop", type=int, help="photos a session drops on the uploader at a time, each drop once "
                        "the page lists the ones before (default: all at once)")
    parser.add_argument("--megapixels", type=float, default=12.0)
    parser.add_argument("--timeout", type=float, default=900, help="seconds each session may wait for its results")
    parser.add_argument("--settle", type=float, help="seconds to wait after the sessions close (default: the "
                                                     "server's disconnectedSessionTTL + 30)")
    parser.add_argument("--ttl", type=int, default=120, help="the server's server.disconnectedSessionTTL (s)")
    parser.add_argument("--tag", default="", help="added to the results file's name")
    parser.add_argument("--log", default=str(harness.ARTIFACTS / "load-streamlit.log"))
    args = parser.parse_args()
    if not Path(harness.CHROMIUM).exists():
        print(f"{harness.CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 2
    harness.ARTIFACTS.mkdir(exist_ok=True)
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        photos = write_photos(Path(tmp), args.photos, args.megapixels)
        photo_mb = statistics.mean(p.stat().st_size for p in photos) / 2**20
        warm_up = harness.write_face_photo(Path(tmp) / "astronaut.jpg")
        env = {"STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": str(args.ttl)}
        with harness.streamlit_server(env, log_path=args.log, timeout=300) as url, \
                RssSampler(server_pid(url)) as sampler:
            results, memory = asyncio.run(run_sessions(url, photos, warm_up, args.sessions, int(args.timeout * 1000),
                                                       sampler, args.settle or args.ttl + 30, args.drop))
            up = server_up(url)
    record = {"command": this_command(), "cpu": cpu_model(),
              "cores": os.cpu_count(), "load_average_start": load_start, "load_average_end": os.getloadavg(),
              "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "upload_cache_mb": os.environ.get("FER_UPLOAD_CACHE_MB", "256 (default)"),
              "sessions": args.sessions, "photos_per_session": args.photos, "photos_per_drop": args.drop or args.photos, "megapixels": args.megapixels,
              "photo_mb": round(photo_mb, 2),
              "disconnected_session_ttl_s": args.ttl,
              **{k: round(v, 1) if isinstance(v, float) else v for k, v in memory.items()},
              "settled_minus_fresh_mb": round(memory["settled_mb"] - memory["fresh_mb"], 1),
              "peak_minus_fresh_mb": round(memory["peak_mb"] - memory["fresh_mb"], 1),
              "failures": sum(not r["ok"] for r in results), "server_up": up, "sessions_detail": results}
    report(results, record)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"load_upload{'_' + args.tag if args.tag else ''}.json"
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"written {out.relative_to(REPO)}")
    return 0 if all(r["ok"] for r in results) and up else 1


def server_up(url: str, attempts: int = 3) -> bool:
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=30) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(2)
    return False


def report(results: list[dict], record: dict) -> None:
    for r in sorted(results, key=lambda r: r["session"]):
        if r["ok"]:
            print(f"session {r['session']}: page {r['page_s']:6.1f} s, upload -> results {r['result_s']:6.1f} s")
        else:
            print(f"session {r['session']}: FAILED {r['error']}")
    times = [r["result_s"] for r in results if r["ok"]]
    if times:
        print(f"time to results: min {min(times):.1f} s, median {statistics.median(times):.1f} s, "
              f"max {max(times):.1f} s")
    print(f"server RSS: fresh {record['fresh_mb']} MB, peak {record['peak_mb']} MB, with the sessions open "
          f"{record['open_mb']} MB, settled {record['settled_mb']} MB ({record['settled_minus_fresh_mb']:+} MB) "
          f"{record['settle_s']} s after they closed; upload cache {record['upload_cache_mb']} MB")
    print(f"failures: {record['failures']}/{len(results)}; server {'still up' if record['server_up'] else 'DOWN'}; "
          f"CPU {record['cpu']} ({record['cores']} cores), load {record['load_average_start']} -> "
          f"{record['load_average_end']}")


if __name__ == "__main__":
    sys.exit(main())
