"""How long the training explorer's "Misclassified faces" tab takes to open, for every shipped version.

    python benchmarks/misclassified_tab.py --write-shipped   # compute the versions' missing test predictions
                                                             # into their folders (to ship them), timing each
    python benchmarks/misclassified_tab.py                   # open the tab for every version (Streamlit AppTest)

The tab shows the test faces of one confusion cell. It used to run the version over the whole test split
first (behind a spinner); now it reads each face's stored prediction (fer.version.predictions). --write-shipped
times the run the tab used to make a visitor wait through (PyTorch, the card's TTA and calibration, as the
card's evaluation) and checks that its misclassified faces are the card's. The default run opens the page in
a fresh AppTest per version, turns on "Show these faces" and times that rerun (the dataset already read, as
on a server that showed any test-split page before; the first version opened also reads the dataset). Writes
benchmarks/results/misclassified_tab.json.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results" / "misclassified_tab.json"


def write_shipped(root: Path, only: list[str] | None = None) -> dict:
    from fer.data import load_dataset
    from fer.version import load, scan_versions
    from fer.version.card import locate_data
    from fer.version.predictions import PREDICTIONS_FILE, compute_predictions, find_predictions

    out = {}
    entries = [e for e in scan_versions(root) if e.card is not None and (not only or e.name in only)]
    for entry in sorted(entries, key=lambda e: e.card.ms_per_face or 0):  # the quickest first
        folder, card = root / entry.name, entry.card
        if find_predictions(folder, card) is not None:
            continue
        data_path = locate_data(card)
        if data_path is None:
            out[entry.name] = {"skipped": f"data file {card.data_file} not on this machine"}
            continue
        data = load_dataset(data_path)
        start = time.perf_counter()
        stored = compute_predictions(load(folder), data, path=folder / PREDICTIONS_FILE)
        seconds = time.perf_counter() - start
        labels = data.split("test")[1]
        same = stored.misclassified(labels).tolist() == card.report("test")["misclassified"]
        out[entry.name] = {"seconds_to_compute": round(seconds, 1), "faces": int(len(labels)),
                           "misclassified_as_card": same}
        print(entry.name, out[entry.name], flush=True)
    return out


def open_times(root: Path, compute_missing: bool) -> dict:
    from streamlit.testing.v1 import AppTest

    from fer.version import scan_versions
    from fer.version.predictions import find_predictions

    out = {}
    for entry in scan_versions(root):
        stored = entry.card is not None and find_predictions(root / entry.name, entry.card) is not None
        if not stored and not compute_missing:
            out[entry.name] = {"stored": False, "not_opened": "no stored predictions (the tab would compute them "
                                                              "once, with a progress bar); --compute-missing opens it"}
            print(entry.name, out[entry.name], flush=True)
            continue
        at = AppTest.from_file(str(REPO / "pages" / "4_Training_explorer.py"), default_timeout=600)
        at.session_state["model_version"] = entry.name
        at.run()
        start = time.perf_counter()
        at.toggle(key="show_mistakes").set_value(True).run()
        seconds = time.perf_counter() - start
        images = at.get("image")
        out[entry.name] = {"stored": stored, "seconds_to_open": round(seconds, 2), "faces_shown": len(images[0].proto.imgs) if images else 0,
                           "errors": [e.value for e in at.error], "exceptions": [e.value for e in at.exception]}
        print(entry.name, out[entry.name], flush=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-shipped", action="store_true")
    parser.add_argument("--compute-missing", action="store_true", help="open the tab of versions without stored "
                                                                       "predictions too (it computes them)")
    parser.add_argument("--root", type=Path, default=REPO / "checkpoints")
    parser.add_argument("--versions", nargs="*", help="with --write-shipped: only these versions")
    args = parser.parse_args()
    from import_cost import cpu_name

    key = ("computed" + (f" {' '.join(args.versions)}" if args.versions else "")) if args.write_shipped else "opened"
    entry = {"command": "python " + " ".join([f"benchmarks/{Path(sys.argv[0]).name}", *sys.argv[1:]]),
             "cpu": cpu_name(), "date": time.strftime("%Y-%m-%d"),
             "versions": write_shipped(args.root, args.versions) if args.write_shipped else open_times(args.root, args.compute_missing)}
    results = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}  # read now: other runs may have written
    results[key] = entry
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
