"""The first photo after a cold server start: how long the upload page takes to answer it.

    python benchmarks/first_photo.py --label after                  # this checkout
    python benchmarks/first_photo.py --label before --code DIR      # another checkout (e.g. main), same steps
    ... --fresh-cache                                               # an empty cache folder: the export is made too

Each run is a fresh Python process (a server that has just started) serving the app with Streamlit's AppTest:
the home page is opened (a visitor arrives), `--think` seconds pass (the visitor opens the upload page and
picks a photo), then the upload page gets tests/fixtures/astronaut.jpg and the time until its results are
drawn is the figure. The versions are served from a temporary copy of the photo default and its members
(an older checkout writes its ONNX export there, not into the repository). Writes
benchmarks/results/first_photo.json (one entry per --label).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results" / "first_photo.json"

CHILD = r"""
import json, sys, time
start = time.perf_counter()
from streamlit.testing.v1 import AppTest
code, think = sys.argv[1], float(sys.argv[2])
home = AppTest.from_file(code + "/streamlit_app.py", default_timeout=600)
home.run()
home_s = time.perf_counter() - start
time.sleep(think)
page = AppTest.from_file(code + "/pages/1_Upload_photos.py", default_timeout=600)
page.run()
photo = open(code + "/tests/fixtures/astronaut.jpg", "rb").read()
page.file_uploader(key="photos").set_value([("astronaut.jpg", photo, "image/jpeg")])
t = time.perf_counter()
page.run()
first = time.perf_counter() - t
t = time.perf_counter()
page.file_uploader(key="photos").set_value([("astronaut2.jpg", photo[:-2] + b"\xff\xd9", "image/jpeg")])
page.run()
second = time.perf_counter() - t
print(json.dumps({"home_page_s": round(home_s, 2), "first_photo_s": round(first, 2), "second_photo_s": round(second, 2),
                  "errors": [e.value for e in page.error], "exceptions": [e.value for e in page.exception]}))
"""


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="current")
    parser.add_argument("--code", type=Path, default=REPO, help="the checkout whose app is served")
    parser.add_argument("--think", type=float, default=5.0, help="seconds between the home page and the upload")
    parser.add_argument("--fresh-cache", action="store_true", help="an empty cache folder (no ONNX export yet)")
    args = parser.parse_args()
    from import_cost import cpu_name

    with tempfile.TemporaryDirectory() as tmp:
        served = served_copy(Path(tmp) / "checkpoints")
        shipped = set(served.rglob("*"))
        env = {**os.environ, "FER_CHECKPOINTS": str(served), "PYTHONPATH": str(args.code.resolve())}
        if args.fresh_cache:
            env["FER_CACHE_DIR"] = str(Path(tmp) / "cache")
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", CHILD, str(args.code.resolve()), str(args.think)], env=env,
                              capture_output=True, text=True, cwd=args.code)
        if done.returncode != 0:
            print(done.stderr[-3000:], file=sys.stderr)
            return 1
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        figures["process_s"] = round(time.perf_counter() - start, 2)
        written = sorted(str(p.relative_to(served)) for p in set(served.rglob("*")) - shipped)
    entry = {"command": "python " + " ".join([f"benchmarks/{Path(sys.argv[0]).name}", *sys.argv[1:]]),
             "code": str(args.code.resolve()), "cpu": cpu_name(), "date": time.strftime("%Y-%m-%d"),
             "think_s": args.think, "fresh_cache": args.fresh_cache, "files_written_under_checkpoints": written,
             **figures}
    print(json.dumps(entry, indent=1))
    results = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    results[args.label] = entry
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
