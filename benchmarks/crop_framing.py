"""Is the crop the pipeline feeds the model framed like the faces it learned from? FER2013 faces are put back
into a larger picture (upscaled x4, edges repeated around them, so the true 48x48 frame is known), the photo
pipeline's detector finds them, and its crop (fer.inference.align) is compared with the true frame: crop side
over true side, centre offset (in true sides), pixel difference, and the model's accuracy on the originals
against on the pipeline's crops of the same faces.

    python benchmarks/crop_framing.py [--faces 600] [--detector yunet] [--model VERSION] [--split PrivateTest]
"""
from __future__ import annotations

import argparse

import cv2
import numpy as np

import fer
from fer.defaults import default_data
from fer.inference.align import FACE_SIZE, alignment_matrix, face_crop
from fer.inference.detect import create_detector

UPSCALE, MARGIN = 4, 96  # the face is 192 px at (96, 96) in a 384 px picture


def embed(face: np.ndarray) -> np.ndarray:
    big = cv2.resize(face, None, fx=UPSCALE, fy=UPSCALE, interpolation=cv2.INTER_CUBIC)
    return cv2.cvtColor(cv2.copyMakeBorder(big, *[MARGIN] * 4, cv2.BORDER_REPLICATE), cv2.COLOR_GRAY2BGR)


def best_match(detections, side: float):
    """The detection whose box centre is nearest the true face's centre."""
    centre = MARGIN + side / 2
    return min(detections, key=lambda d: np.hypot(d.box[0] + d.box[2] / 2 - centre, d.box[1] + d.box[3] / 2 - centre),
               default=None)


def crop_geometry(detection) -> tuple[float, float, float]:
    """(crop side / true side, centre offset x, y in true sides) of the pipeline's crop in the picture."""
    matrix = np.vstack([alignment_matrix(detection, FACE_SIZE), [0, 0, 1]])
    inverse = np.linalg.inv(matrix)
    corners = inverse @ np.array([[0, FACE_SIZE, 0, FACE_SIZE], [0, 0, FACE_SIZE, FACE_SIZE], [1, 1, 1, 1]], float)
    side = np.hypot(*(corners[:2, 1] - corners[:2, 0]))
    centre = (inverse @ np.array([FACE_SIZE / 2, FACE_SIZE / 2, 1]))[:2]
    true_side = FACE_SIZE * UPSCALE
    return side / true_side, *((centre - (MARGIN + true_side / 2)) / true_side)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--faces", type=int, default=600)
    parser.add_argument("--detector", default="yunet")
    parser.add_argument("--model", default=None, help="model version (default: the photo default)")
    parser.add_argument("--split", default="PrivateTest")
    parser.add_argument("--data", default=default_data())
    args = parser.parse_args()
    x, y = fer.load_dataset(args.data, ferplus=None).split(args.split)
    pick = np.random.default_rng(0).permutation(len(y))[:args.faces]
    detector = create_detector(args.detector)
    geometry, crops, originals, labels = [], [], [], []
    for i in pick:
        picture = embed(x[i])
        found = best_match(detector.detect(picture), FACE_SIZE * UPSCALE)
        if found is None:
            continue
        geometry.append(crop_geometry(found))
        crops.append(face_crop(picture, found))
        originals.append(x[i])
        labels.append(y[i])
    geometry, crops, originals, labels = np.array(geometry), np.stack(crops), np.stack(originals), np.array(labels)
    found_share = len(labels) / len(pick)
    print(f"{args.detector}: found {len(labels)} of {len(pick)} {args.split} faces ({found_share:.1%})")
    for name, column in zip(("crop side / true side", "centre offset x (sides)", "centre offset y (sides)"), geometry.T):
        q1, median, q3 = np.percentile(column, [25, 50, 75])
        print(f"  {name:26s} median {median:+.3f}  (quartiles {q1:+.3f} .. {q3:+.3f})")
    difference = np.abs(crops.astype(float) - originals.astype(float)).mean((1, 2))
    print(f"  mean absolute pixel difference, crop vs original: median {np.median(difference):.1f} of 255")
    version = fer.load(args.model) if args.model else fer.load()
    tta = version.card.tta
    on_originals = (version.predict_proba(originals, tta=tta).argmax(1) == labels).mean()
    on_crops = (version.predict_proba(crops, tta=tta).argmax(1) == labels).mean()
    print(f"  {version.name} (TTA {tta}) FER2013 accuracy on these faces: originals {on_originals:.2%}, "
          f"pipeline crops {on_crops:.2%}")


if __name__ == "__main__":
    main()
