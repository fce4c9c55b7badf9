"""python -m fer predict PATH...: faces and their emotions in images and videos.

Images: one line per face, or --json (one document for all inputs), or --csv FILE (one row per face).
Rows, in the CSVs and the JSON, have the columns of every face table (fer.inference.rows, docs/face-rows.md).
Videos (.mp4 .avi .mov .mkv .webm): faces tracked over the frames; --csv FILE gets one row per face per
frame (with several videos, or videos and images together, each video gets FILE_<video name>.csv);
--summary FILE one row per tracked person (time on screen, share of time in each emotion, dominant emotion,
moments of strongest change), named the same way.
--save-annotated: a directory for annotated copies, or the output file when there is a single input.
A bad input prints a one-line error naming it and makes the exit status 1; the other inputs still run.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2

from ..defaults import CHOOSABLE_BACKENDS, DEFAULT_BACKEND, TTA_MODES
from ..inference import ImageError, Recognizer, VideoError, draw_faces, is_video, list_detectors, process_video
from ..inference.detect import DEFAULT_SCORE_THRESHOLD, YUNET_SCORE_THRESHOLD
from ..inference.detector_policy import DEFAULT_DETECTOR, DEFAULT_SMALL_FACES, MIN_FACE_BY_SENSITIVITY, SMALL_FACES
from ..inference.recognizer import DEFAULT_SMOOTHING
from ..inference.rows import FaceCsv, face_rows, made_by
from ..inference.summary import person_summary
from ..inference.video import FaceRows
from ..version import resolve

SHARED = ("model", "root")
IMAGE_OUTPUT_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="images and/or videos")
    p.add_argument("--detector", default=DEFAULT_DETECTOR, choices=list_detectors(),
                   help="yunet: fast, small faces, landmarks (default); mtcnn: slower, landmarks; haar: no landmarks")
    p.add_argument("--backend", default=DEFAULT_BACKEND, choices=CHOOSABLE_BACKENDS,
                   help="auto (default, as the app): ONNX Runtime, or PyTorch where the version cannot be exported")
    p.add_argument("--tta", choices=TTA_MODES, help="test-time augmentation of each face (default: the version's own)")
    output = p.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON document for all inputs")
    output.add_argument("--csv", metavar="FILE", help="write one row per face (per frame, for videos)")
    p.add_argument("--summary", metavar="FILE", help="videos: write one row per tracked person (CSV)")
    p.add_argument("--save-annotated", metavar="DIR|FILE", help="write copies with the faces drawn on them")
    photo, stream = MIN_FACE_BY_SENSITIVITY["photo"], MIN_FACE_BY_SENSITIVITY["stream"]
    p.add_argument("--small-faces", default=DEFAULT_SMALL_FACES, choices=SMALL_FACES,
                   help="smallest face looked for, as in the app's sidebar: images " +
                        ", ".join(f"{k} {v} px" for k, v in photo.items()) + "; videos " +
                        ", ".join(f"{k} {v} px" for k, v in stream.items()) + " (default %(default)s)")
    p.add_argument("--min-face-size", type=int, help="pixels, for images and videos (default: from --small-faces)")
    p.add_argument("--score-threshold", type=float,
                   help="detector score to keep a face (default: the detector's own, "
                        f"yunet {YUNET_SCORE_THRESHOLD}, mtcnn {DEFAULT_SCORE_THRESHOLD})")
    p.add_argument("--detect-every", type=int, default=1, metavar="N",
                   help="videos: detect faces every N frames, track them in between (default 1)")
    p.add_argument("--smoothing", type=float, default=DEFAULT_SMOOTHING,
                   help="videos: weight of a face's past frames in its probabilities, 0-1 (default %(default)s)")
    p.add_argument("--no-progress", action="store_true", help="videos: no progress bar")


def run(args) -> int:
    if args.detect_every < 1:
        raise ValueError(f"--detect-every must be at least 1, not {args.detect_every}")
    recognizer = Recognizer(resolve(args.model, args.root), detector=args.detector, backend=args.backend, tta=args.tta,
                            smoothing=args.smoothing, min_face_size=args.min_face_size,
                            score_threshold=args.score_threshold, small_faces=args.small_faces)
    image_rows = FaceCsv(args.csv) if args.csv and not all(is_video(p) for p in args.paths) else None
    entries, failures = [], 0
    try:
        for path in args.paths:
            try:
                if is_video(path):
                    entry = predict_video(recognizer, path, args)
                else:
                    entry = predict_image(recognizer, path, args, image_rows)
            except (ImageError, VideoError, OSError) as e:
                message = str(e) if str(path) in str(e) else f"{path}: {e}"
                print(f"error: {message}", file=sys.stderr)
                failures += 1
                entry = {"input": str(path), "error": message}
            entries.append(entry)
    finally:
        if image_rows:
            image_rows.close()
    if args.json:
        print(json.dumps({"model": recognizer.version, "detector": args.detector, "backend": args.backend,
                          "tta": recognizer.tta, "results": entries}, indent=2))
    return 1 if failures else 0


def predict_image(recognizer: Recognizer, path: str, args, image_rows) -> dict:
    bgr = recognizer.read(path)
    faces = recognizer.predict(bgr)
    rows = face_rows(faces, source=str(path), **made_by(recognizer))
    entry = {"input": str(path), "faces": rows}
    if args.save_annotated:
        target = annotated_path(path, args.save_annotated, len(args.paths))
        if not cv2.imwrite(str(target), draw_faces(bgr, faces)):
            raise OSError(f"cannot write {target}")
        entry["annotated"] = str(target)
    if image_rows:
        image_rows.write(rows)
    if not args.json and not args.csv:
        print(f"{path}: {len(faces)} face{'s' if len(faces) != 1 else ''}")
        for index, face in enumerate(faces, 1):
            print(f"  {index}. {face.label:8s} {face.confidence:6.1%}  box x={face.box[0]} y={face.box[1]} "
                  f"w={face.box[2]} h={face.box[3]}")
    return entry


def predict_video(recognizer: Recognizer, path: str, args) -> dict:
    csv_path = video_csv_path(args.csv, path, args.paths) if args.csv else None
    target = annotated_path(path, args.save_annotated, len(args.paths)) if args.save_annotated else None
    rows = FaceRows(source=str(path), **made_by(recognizer, args.detect_every)) if args.summary else None
    summary = process_video(recognizer, path, csv_path=csv_path, annotated_path=target,
                            detect_every=args.detect_every, progress=not args.no_progress and not args.json,
                            on_frame=rows)
    if rows is not None:
        summary["summary"] = str(video_csv_path(args.summary, path, args.paths))
        people = person_summary(rows.table(summary["video_fps"]), fps=summary["video_fps"])
        people.to_csv(summary["summary"], index=False, float_format="%.4g")
    if not args.json:
        where = f", rows in {csv_path}" if csv_path else ""
        where += f", per-person summary in {summary['summary']}" if rows is not None else ""
        print(f"{path}: {summary['frames']} frames, {summary['rows']} face rows, {summary['tracks']} tracked "
              f"face(s), {summary['processing_fps']} frames/s{where}")
    return summary


def video_csv_path(csv_arg: str, video: str, paths: list[str]) -> Path:
    if len(paths) == 1:
        return Path(csv_arg)
    base = Path(csv_arg)
    return base.with_name(f"{base.stem}_{Path(video).stem}.csv")


def annotated_path(source: str, target: str, n_inputs: int) -> Path:
    """The single-input output file when `target` names one of the input's kind, else a file in dir `target`."""
    target = Path(target)
    video = is_video(source)
    if n_inputs == 1 and (is_video(target) if video else target.suffix.lower() in IMAGE_OUTPUT_SUFFIXES):
        target.parent.mkdir(parents=True, exist_ok=True)
        return target
    target.mkdir(parents=True, exist_ok=True)
    source = Path(source)
    suffix = ".mp4" if video else (source.suffix.lower() if source.suffix.lower() in IMAGE_OUTPUT_SUFFIXES else ".png")
    return target / f"{source.stem}.annotated{suffix}"
