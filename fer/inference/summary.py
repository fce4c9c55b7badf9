"""What a group of faces or a tracked person looks like overall, computed from per-face tables (no Streamlit).

    group_summary(faces)                  # one photo's faces (to_dataframe): count, emotion shares, least sure
    group_summaries(faces)                # the same per photo ("source") and over all of them, one row each
    person_summary(rows)                  # a video's rows (its CSV, fer.read_results): one row per tracked person

Tables are face rows (fer.inference.rows): `label`, `confidence`, the seven probability columns named by
`fer.labels.EMOTIONS`, for photos `source` and `face` (its number), for videos `face_id`, `frame`, `time_s`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..labels import EMOTIONS

LEAST_SURE = 3          # faces named as "least sure" in a group summary
CHANGE_WINDOW_S = 1.0   # a person's emotion is compared over this much time before and after each moment
CHANGE_MOMENTS = 3      # moments of strongest change listed per person
MIN_CHANGE = 0.2        # smaller changes (half the L1 distance of mean probabilities) are not moments
ALL_PHOTOS = "all photos"


def share_columns(labels=EMOTIONS) -> list[str]:
    return [f"share {label}" for label in labels]


def emotion_shares(labels: pd.Series, names=EMOTIONS) -> dict[str, float]:
    """{"share happy": 0.4, ...}: how often each emotion is the label, over `labels` (0 for each when empty)."""
    counts = labels.value_counts()
    total = max(len(labels), 1)
    return {column: float(counts.get(name, 0)) / total for column, name in zip(share_columns(names), names)}


def dominant_emotion(shares: dict[str, float], names=EMOTIONS) -> str:
    """The emotion with the largest share (the first in label order on a tie)."""
    return max(names, key=lambda name: shares[f"share {name}"])


def group_summary(faces: pd.DataFrame, least_sure: int = LEAST_SURE) -> dict:
    """One group's faces: how many, the share of each emotion, the mean confidence, the dominant emotion and
    the faces the model is least sure of (1-based face numbers, lowest confidence first)."""
    numbers = faces["face"] if "face" in faces else pd.Series(range(1, len(faces) + 1), index=faces.index)
    unsure = numbers.loc[faces["confidence"].sort_values(kind="stable").index[:least_sure]]
    shares = emotion_shares(faces["label"])
    return {"faces": len(faces),
            "dominant": dominant_emotion(shares) if len(faces) else None,
            "mean confidence": float(faces["confidence"].mean()) if len(faces) else None,
            "least sure": ", ".join(f"#{n}" for n in unsure),
            **shares}


def group_summaries(faces: pd.DataFrame) -> pd.DataFrame:
    """One row per photo (column `source`, in order of appearance) and, for several photos, one over all of them
    (`ALL_PHOTOS`; its least-sure faces are named "photo #n")."""
    rows = [{"photo": name, **group_summary(group)} for name, group in faces.groupby("source", sort=False)]
    if len(rows) > 1:
        overall = group_summary(faces)
        unsure = faces.loc[faces["confidence"].sort_values(kind="stable").index[:LEAST_SURE]]
        overall["least sure"] = ", ".join(f"{row.source} #{row.face}" for row in unsure.itertuples())
        rows.append({"photo": ALL_PHOTOS, **overall})
    return pd.DataFrame(rows, columns=["photo", "faces", "dominant", "mean confidence", "least sure",
                                       *share_columns()])


def shares_by_group(summary: pd.DataFrame, name_column: str, prefix: str = "") -> dict[str, dict[str, float]]:
    """{group name: {emotion: share}} from a summary table (group_summaries, person_summary), for a chart."""
    columns = list(zip(EMOTIONS, share_columns()))
    return {f"{prefix}{row[name_column]}": {label: float(row[column]) for label, column in columns}
            for _, row in summary.iterrows()}


def frame_seconds(rows: pd.DataFrame) -> float:
    """The time between two frames, from the rows' frame numbers and times (0 when it cannot be told)."""
    frames = rows.drop_duplicates("frame").sort_values("frame")
    steps = np.diff(frames["frame"].to_numpy())
    if not len(steps):
        return 0.0
    return float(np.median(np.diff(frames["time_s"].to_numpy()) / steps))


def change_moments(person: pd.DataFrame, window_frames: int, moments: int = CHANGE_MOMENTS) -> list[dict]:
    """The moments a person's emotions changed most: at each frame, the mean probabilities over the window
    after it against the window before it (half their L1 distance, 0-1); the largest, at least a window
    apart and at least MIN_CHANGE, with the dominant emotion before and after."""
    probabilities = person[list(EMOTIONS)].to_numpy(np.float64)
    n = len(probabilities)
    if n < 2:
        return []
    window = max(1, min(window_frames, n // 2))
    sums = np.vstack([np.zeros(len(EMOTIONS)), np.cumsum(probabilities, axis=0)])
    centres = np.arange(window, n - window + 1)
    before = (sums[centres] - sums[centres - window]) / window
    after = (sums[centres + window] - sums[centres]) / window
    sizes = 0.5 * np.abs(after - before).sum(axis=1)
    picked = []
    for i in np.argsort(-sizes, kind="stable"):
        if sizes[i] < MIN_CHANGE or len(picked) == moments:
            break
        if all(abs(int(i) - j) >= window for j in picked):
            picked.append(int(i))
    times = person["time_s"].to_numpy()
    return [{"time_s": float(times[centres[i]]), "from": EMOTIONS[int(before[i].argmax())],
             "to": EMOTIONS[int(after[i].argmax())], "change": float(sizes[i])} for i in sorted(picked)]


def describe_moments(moments: list[dict]) -> str:
    """"3.2 s: neutral→happy (0.61); ..." ("" when there are none)."""
    return "; ".join(f"{m['time_s']:.1f} s: {m['from']}→{m['to']} ({m['change']:.2f})" for m in moments)


def person_summary(rows: pd.DataFrame, fps: float | None = None, window_s: float = CHANGE_WINDOW_S) -> pd.DataFrame:
    """One row per tracked person (`face_id`), longest on screen first: frames and seconds on screen, first
    and last seen, the share of their frames in each emotion (by `label`), the dominant emotion and its share,
    the mean confidence, and the moments of strongest change (`describe_moments`). Without `fps`, the frame
    rate is told from the rows' frame numbers and times."""
    step = 1.0 / fps if fps else frame_seconds(rows)
    window = max(1, round(window_s / step)) if step > 0 else 1
    out = []
    for face_id, person in rows.sort_values("frame", kind="stable").groupby("face_id", sort=True):
        shares = emotion_shares(person["label"])
        dominant = dominant_emotion(shares)
        out.append({"person": int(face_id), "frames": len(person), "seconds on screen": len(person) * step,
                    "first seen (s)": float(person["time_s"].iloc[0]),
                    "last seen (s)": float(person["time_s"].iloc[-1]),
                    "dominant": dominant, "dominant share": shares[f"share {dominant}"],
                    "mean confidence": float(person["confidence"].mean()),
                    "strongest changes": describe_moments(change_moments(person, window)), **shares})
    columns = ["person", "frames", "seconds on screen", "first seen (s)", "last seen (s)", "dominant",
               "dominant share", "mean confidence", "strongest changes", *share_columns()]
    table = pd.DataFrame(out, columns=columns)
    return table.sort_values(["frames", "person"], ascending=[False, True], kind="stable").reset_index(drop=True)
