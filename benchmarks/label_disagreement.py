"""What issue 40's targets ask of any model, from the labels alone: a reader that agrees with FER+'s raters on every
face (FER+ accuracy 100%) still reaches only some FER2013-label recall of anger, disgust, fear and sadness, because
the raters read many of those faces otherwise (mostly neutral). Each FER2013-label hit beyond that reader's is a face
whose FER+ label is another emotion, so it is a FER+ error: the targets force at least that many, and what is left
of the FER+ accuracy target is all a model may spend on every other mistake.

    python benchmarks/label_disagreement.py [--data fer2013.csv.gz]   -> benchmarks/results/label_disagreement.json

Per split and slot (`both`: the photo default's targets, `both-realtime`: the real-time default's): the FER+ reader's
FER2013-label recalls, the FER+ errors the recall targets force, the FER+ accuracy and neutral recall left at best,
and the room for other errors under the slot's FER+ target.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

import fer
from fer.defaults import default_data
from fer.labels import EMOTIONS

from choose_default import BOTH_TARGETS
from record import append_run, new_run

NEUTRAL = EMOTIONS.index("neutral")


def ferplus_reader(y: np.ndarray, rows: np.ndarray, ferplus: np.ndarray) -> np.ndarray:
    """The answers of a reader that agrees with FER+ on every face FER+ scores (FER2013's label on the rest, which
    FER+'s accuracy does not count)."""
    answers = y.copy()
    answers[rows] = ferplus
    return answers


def forced_errors(y: np.ndarray, rows: np.ndarray, ferplus: np.ndarray, targets: dict[str, float]) -> dict:
    """The FER+ errors a model must make to reach `targets` (FER2013-label recall per emotion), and how few of them
    need fall on faces the raters call neutral (switching, where it can, faces they call another emotion)."""
    answers = ferplus_reader(y, rows, ferplus)
    label_of_row = np.full(len(y), -1)
    label_of_row[rows] = ferplus
    per_emotion, neutral_cost = {}, 0
    for emotion, target in targets.items():
        c = EMOTIONS.index(emotion)
        faces = y == c
        reader_hits = int((answers[faces] == c).sum())
        needed = max(0, math.ceil(target * faces.sum() - 1e-9) - reader_hits)
        other_emotion = int((faces & (label_of_row >= 0) & (label_of_row != c) & (label_of_row != NEUTRAL)).sum())
        neutral_cost += max(0, needed - other_emotion)
        per_emotion[emotion] = {"faces": int(faces.sum()), "reader_recall": round(reader_hits / faces.sum(), 3),
                                "target": target, "extra_hits_needed": needed,
                                "raters_say": {EMOTIONS[k]: int((answers[faces] == k).sum())
                                               for k in range(len(EMOTIONS)) if (answers[faces] == k).any()}}
    errors = sum(e["extra_hits_needed"] for e in per_emotion.values())
    neutral_faces = int((ferplus == NEUTRAL).sum())
    return {"per_emotion": per_emotion, "forced_ferplus_errors": errors, "ferplus_faces": len(rows),
            "best_ferplus": round(1 - errors / len(rows), 4),
            "best_ferplus_neutral_recall": round(1 - neutral_cost / neutral_faces, 4) if neutral_faces else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=default_data())
    args = parser.parse_args()
    data = fer.load_dataset(args.data)
    rows_out = []
    for split in ("PublicTest", "PrivateTest"):
        y = data.split(split)[1]
        rows, ferplus = data.labelled_rows(split, "ferplus")
        for slot, targets in BOTH_TARGETS.items():
            f = forced_errors(y, rows, ferplus, targets["fer2013_recall"])
            room = round(1 - targets["ferplus"] - f["forced_ferplus_errors"] / f["ferplus_faces"], 4)
            print(f"{split} {slot}: a FER+ reader's FER2013 recall " +
                  ", ".join(f"{e} {v['reader_recall']:.2f}" for e, v in f["per_emotion"].items()) +
                  f"; the targets force {f['forced_ferplus_errors']} FER+ errors of {f['ferplus_faces']} faces "
                  f"(FER+ at best {f['best_ferplus']:.1%}, neutral recall at best {f['best_ferplus_neutral_recall']:.3f});"
                  f" under FER+ >= {targets['ferplus']:.0%} that leaves {room:.1%} for every other error")
            rows_out.append({"split": split, "slot": slot, **{f"reader_recall_{e}": v["reader_recall"]
                                                              for e, v in f["per_emotion"].items()},
                             "forced_ferplus_errors": f["forced_ferplus_errors"], "ferplus_faces": f["ferplus_faces"],
                             "best_ferplus": f["best_ferplus"],
                             "best_ferplus_neutral_recall": f["best_ferplus_neutral_recall"],
                             "ferplus_target": targets["ferplus"], "room_for_other_errors": room})
    append_run("label_disagreement", "What the two label sets' disagreement asks of one model (issue 40)",
               new_run(rows_out, conditions=f"labels only ({Path(args.data).name} and FER+'s votes); no model"),
               about=__doc__.split("\n\n")[0].replace("\n", " "))


if __name__ == "__main__":
    main()
