"""Group summaries of a photo's faces and per-person summaries of a video, from per-face tables."""
import numpy as np
import pandas as pd
import pytest

from fer.inference.summary import (ALL_PHOTOS, change_moments, group_summaries, group_summary, person_summary,
                                   shares_by_group)
from fer.labels import EMOTIONS


def faces_table(photo: str, labels, confidences) -> pd.DataFrame:
    rows = []
    for face, (label, confidence) in enumerate(zip(labels, confidences), 1):
        probabilities = dict.fromkeys(EMOTIONS, (1 - confidence) / 6)
        probabilities[label] = confidence
        rows.append({"source": photo, "face": face, "label": label, "confidence": confidence, **probabilities})
    return pd.DataFrame(rows, columns=["source", "face", "label", "confidence", *EMOTIONS])


def test_a_group_summary_counts_shares_and_names_the_least_sure_faces():
    table = faces_table("crowd.jpg", ["happy", "happy", "sad", "neutral", "happy"], [0.9, 0.4, 0.7, 0.3, 0.8])
    summary = group_summary(table)
    assert summary["faces"] == 5 and summary["dominant"] == "happy"
    assert summary["mean confidence"] == pytest.approx(0.62)
    assert summary["least sure"] == "#4, #2, #3"  # face numbers (1-based), lowest confidence first
    assert summary["share happy"] == pytest.approx(0.6) and summary["share sad"] == pytest.approx(0.2)
    assert summary["share angry"] == 0 and sum(summary[f"share {e}"] for e in EMOTIONS) == pytest.approx(1)


def test_several_photos_get_a_row_each_and_one_over_all():
    table = pd.concat([faces_table("a.jpg", ["happy", "sad"], [0.9, 0.5]),
                       faces_table("b.jpg", ["sad", "sad", "fear"], [0.6, 0.2, 0.8])], ignore_index=True)
    summaries = group_summaries(table)
    assert list(summaries["photo"]) == ["a.jpg", "b.jpg", ALL_PHOTOS]
    assert list(summaries["faces"]) == [2, 3, 5]
    assert list(summaries["dominant"]) == ["happy", "sad", "sad"]  # a.jpg's tie goes to the first in label order
    assert summaries.loc[2, "share sad"] == pytest.approx(0.6)
    assert summaries.loc[2, "least sure"] == "b.jpg #2, a.jpg #2, b.jpg #1"
    assert shares_by_group(summaries, "photo")["b.jpg"]["fear"] == pytest.approx(1 / 3)


def test_one_photo_has_no_overall_row_and_no_faces_give_an_empty_summary():
    assert list(group_summaries(faces_table("a.jpg", ["happy"], [0.9]))["photo"]) == ["a.jpg"]
    assert group_summaries(faces_table("a.jpg", [], [])).empty


def video_rows(fps: float = 10.0) -> pd.DataFrame:
    """Person 1 on screen 6 s: neutral for 3 s, then happy; person 2 for 2 s from 1 s, sad throughout."""
    rows = []
    for frame in range(60):
        first = "neutral" if frame < 30 else "happy"
        rows.append((frame, 1, first))
        if 10 <= frame < 30:
            rows.append((frame, 2, "sad"))
    table = []
    for frame, face_id, label in rows:
        probabilities = dict.fromkeys(EMOTIONS, 0.05)
        probabilities[label] = 0.7
        table.append({"frame": frame, "time_s": frame / fps, "face_id": face_id, "label": label, "confidence": 0.7,
                      **probabilities})
    return pd.DataFrame(table)


def test_a_person_summary_gives_time_shares_dominant_emotion_and_the_moment_it_changed():
    summary = person_summary(video_rows())
    assert list(summary["person"]) == [1, 2]  # longest on screen first
    first, second = summary.iloc[0], summary.iloc[1]
    assert first["frames"] == 60 and first["seconds on screen"] == pytest.approx(6.0)  # fps told from the rows
    assert first["share neutral"] == pytest.approx(0.5) and first["share happy"] == pytest.approx(0.5)
    assert first["dominant"] == "happy"  # a tie goes to the first in label order (happy before neutral)
    assert first["strongest changes"].startswith("3.0 s: neutral→happy")
    assert second["seconds on screen"] == pytest.approx(2.0) and second["first seen (s)"] == pytest.approx(1.0)
    assert second["dominant"] == "sad" and second["dominant share"] == 1.0 and second["strongest changes"] == ""


def test_the_frame_rate_given_overrides_the_one_told_from_the_rows():
    assert person_summary(video_rows(), fps=20.0).iloc[0]["seconds on screen"] == pytest.approx(3.0)


def test_change_moments_are_the_largest_changes_a_window_apart():
    labels = ["neutral"] * 20 + ["happy"] * 20 + ["angry"] * 20
    rows = []
    for frame, label in enumerate(labels):
        probabilities = dict.fromkeys(EMOTIONS, 0.0)
        probabilities[label] = 1.0
        rows.append({"frame": frame, "time_s": frame / 10, **probabilities})
    moments = change_moments(pd.DataFrame(rows), window_frames=5)
    assert [(m["time_s"], m["from"], m["to"]) for m in moments] == [(2.0, "neutral", "happy"), (4.0, "happy", "angry")]
    assert all(m["change"] == pytest.approx(1.0) for m in moments)


def test_a_video_csv_read_back_gives_the_same_summary(tmp_path):
    rows = video_rows()
    path = tmp_path / "clip_faces.csv"
    rows.to_csv(path, index=False)
    pd.testing.assert_frame_equal(person_summary(pd.read_csv(path)), person_summary(rows))
    assert np.isfinite(person_summary(pd.read_csv(path))["mean confidence"]).all()
