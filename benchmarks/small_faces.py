"""How many small faces each detector setting finds: synthetic group photos and face-free photos, all built
here from public-domain pictures that scikit-image (and scikit-learn) ship, so anyone can rerun it offline.

    python benchmarks/small_faces.py                       # the product's photo setting and the old default
    python benchmarks/small_faces.py --settings photo,mtcnn:60,mtcnn:20,haar:20 --save /tmp/set

The measurement set (seeded, the same on every run):
- group photos: 3-9 heads per picture, each one of two real faces (skimage's astronaut, NASA, public domain;
  skimage's cameraman) mirrored or not, tilted up to ±15°, with random brightness/contrast, sometimes grey or
  slightly blurred, scaled to a face 25-60 px wide, pasted with a soft elliptical edge onto a real face-free
  photo (coffee, rocket, cat, horse, grass, brick, gravel, a Chinese temple, a flower...), saved as JPEG 85;
  picture sizes 500x375 to 2000x1500;
- mixed sizes: 4 pictures of 1600x1200 to 4000x3000 with faces 25 to 500 px (tiling and the pyramid);
- several scales: 4 group photos of 1024x768 to 2400x1800 with faces of 30 to 300 px side by side (where a
  face's parts, seen at another scale, can come back as a second, smaller box inside it);
- animals, no human face: 6 photos of 2 to 5 cat heads (skimage's chelsea, the one animal photo shipped
  offline, mirrored, re-lit, some grey, 60-300 px) on the backgrounds, the cat alone at three sizes, and 2
  photos where cats and people sit together (only the people count as faces);
- face-free photos: the backgrounds themselves at their own size (a cat, landscapes, objects; no dog).
A face counts as found when a detection's centre lies in its box and the sizes agree within 2x; a second
detection on a face already found is a duplicate; any other detection is a false face. Only two identities
and one animal: this measures size, scale, nesting and background, not the diversity of real crowds (poses,
occlusion, ages, skin tones) nor of real animals (dogs, birds...), which it cannot.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np


# (picture, head crop rows/cols, face box inside the crop measured with YuNet: x, y, w, h)
HEADS = {"astronaut": ((20, 220, 130, 320), (51, 46, 86, 109)),
         "camera": ((70, 240, 160, 300), (39, 42, 55, 83))}
BACKGROUNDS = ("coffee", "rocket", "chelsea", "horse", "grass", "brick", "gravel", "coins", "hubble_deep_field",
               "china", "flower", "moon", "page", "immunohistochemistry")


def rgb_to_bgr(image: np.ndarray) -> np.ndarray:
    if image.dtype == bool:
        image = image.astype(np.uint8) * 255
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    return cv2.cvtColor(image[..., :3], cv2.COLOR_RGB2BGR)


def picture(name: str) -> np.ndarray:
    if name in ("china", "flower"):
        from sklearn.datasets import load_sample_image

        return rgb_to_bgr(load_sample_image(f"{name}.jpg"))
    import skimage.data

    return rgb_to_bgr(getattr(skimage.data, name)())


def heads() -> list[tuple[np.ndarray, tuple[int, int, int, int]]]:
    out = []
    for name, ((top, bottom, left, right), box) in HEADS.items():
        out.append((picture(name)[top:bottom, left:right], box))
    return out


def cat_heads() -> list[tuple[np.ndarray, tuple[int, int, int, int]]]:
    """skimage's chelsea: the photo is the cat's head; its "box" (the part sized and masked) is all of it."""
    cat = picture("chelsea")
    return [(cat, (0, 0, cat.shape[1], cat.shape[0]))]


def background(name: str, size: tuple[int, int], rng) -> np.ndarray:
    """A face-free photo covering `size` (width, height): scaled to cover, then a random crop."""
    image = picture(name)
    width, height = size
    scale = max(width / image.shape[1], height / image.shape[0])
    image = cv2.resize(image, (max(width, round(image.shape[1] * scale)), max(height, round(image.shape[0] * scale))),
                       interpolation=cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA)
    y = rng.integers(0, image.shape[0] - height + 1)
    x = rng.integers(0, image.shape[1] - width + 1)
    return image[y:y + height, x:x + width].copy()


def varied_head(head: np.ndarray, box, face_width: float, rng) -> tuple[np.ndarray, np.ndarray, tuple]:
    """(head image, soft mask 0..1, face box in it) for a face `face_width` px wide, randomly varied."""
    x, y, w, h = box
    if rng.random() < 0.5:
        head, x = head[:, ::-1], head.shape[1] - x - w
    head = head.astype(np.float32) * rng.uniform(0.6, 1.3) + rng.uniform(-30, 30)
    head = np.clip(head, 0, 255).astype(np.uint8)
    if rng.random() < 0.2:
        head = cv2.cvtColor(cv2.cvtColor(head, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    angle = rng.uniform(-15, 15)
    rotation = cv2.getRotationMatrix2D((x + w / 2, y + h / 2), angle, 1.0)
    head = cv2.warpAffine(head, rotation, head.shape[1::-1], borderMode=cv2.BORDER_REPLICATE)
    mask = np.zeros(head.shape[:2], np.float32)
    cv2.ellipse(mask, (int(x + w / 2), int(y + h * 0.45)), (int(w * 0.95), int(h * 0.95)), angle, 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), w * 0.08)
    k = face_width / w
    size = (max(1, round(head.shape[1] * k)), max(1, round(head.shape[0] * k)))
    interp = cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC
    head, mask = cv2.resize(head, size, interpolation=interp), cv2.resize(mask, size, interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.2:
        head = cv2.GaussianBlur(head, (0, 0), 0.8)
    return head, mask, (x * k, y * k, w * k, h * k)


def collage(size: tuple[int, int], face_widths, bg_name: str, rng, sources=None, animals=()) -> tuple[np.ndarray, list]:
    """A photo of `size` with one face per width in `face_widths` (no two heads overlap), then one animal head
    per width in `animals` (not faces): (BGR, the human faces' boxes)."""
    sources = sources or heads()
    kinds = [(width, sources) for width in face_widths] + [(width, None) for width in animals]
    canvas = background(bg_name, size, rng).astype(np.float32)
    width, height = size
    boxes, taken = [], []
    for face_width, kind in kinds:
        pool = kind or cat_heads()
        head, box = pool[rng.integers(len(pool))]
        head, mask, (fx, fy, fw, fh) = varied_head(head, box, face_width, rng)
        hh, hw = head.shape[:2]
        for _ in range(200):
            x, y = int(rng.integers(0, max(1, width - hw))), int(rng.integers(0, max(1, height - hh)))
            rect = (x, y, x + hw, y + hh)
            if all(rect[2] <= t[0] or t[2] <= rect[0] or rect[3] <= t[1] or t[3] <= rect[1] for t in taken):
                break
        else:
            continue
        if x + hw > width or y + hh > height:
            continue
        taken.append(rect)
        region = canvas[y:y + hh, x:x + hw]
        canvas[y:y + hh, x:x + hw] = region * (1 - mask[..., None]) + head * mask[..., None]
        if kind is not None:
            boxes.append((x + fx, y + fy, fw, fh))
    image = np.clip(canvas, 0, 255).astype(np.uint8)
    image = cv2.imdecode(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])[1], cv2.IMREAD_COLOR)
    return image, boxes


def table_group(rng=None) -> tuple[np.ndarray, list]:
    """The issue's case: seven people at a table in a 500x375 photo, faces about 40 px wide, in two rows."""
    rng = rng or np.random.default_rng(7)
    sources = heads()
    canvas = background("coffee", (500, 375), rng).astype(np.float32)
    boxes = []
    spots = [(10, 40), (135, 30), (265, 42), (390, 35), (70, 200), (205, 210), (335, 202)]
    for i, (x, y) in enumerate(spots):
        head, box = sources[i % 2]
        head, mask, (fx, fy, fw, fh) = varied_head(head, box, rng.uniform(36, 44), rng)
        hh, hw = head.shape[:2]
        x, y = min(x, 500 - hw), min(y, 375 - hh)
        region = canvas[y:y + hh, x:x + hw]
        canvas[y:y + hh, x:x + hw] = region * (1 - mask[..., None]) + head * mask[..., None]
        boxes.append((x + fx, y + fy, fw, fh))
    return np.clip(canvas, 0, 255).astype(np.uint8), boxes


def measurement_set(seed: int = 0):
    """[(name, BGR image, face boxes)]: group photos, mixed sizes, several scales, animals, then face-free photos."""
    rng = np.random.default_rng(seed)
    sources = heads()
    sizes = [(500, 375), (640, 480), (800, 600), (1024, 768), (2000, 1500)]
    items = [("table_group", *table_group())]
    faces_bg = [b for b in BACKGROUNDS]
    for i in range(30):
        size = sizes[i % len(sizes)]
        widths = rng.uniform(25, 60, rng.integers(3, 10))
        image, boxes = collage(size, widths, faces_bg[i % len(faces_bg)], rng, sources)
        items.append((f"group_{i:02d}_{size[0]}x{size[1]}", image, boxes))
    for i, size in enumerate([(1600, 1200), (2400, 1800), (3200, 2400), (4000, 3000)]):
        widths = [25, 35, 50, 80, 150, 300, 500][: 5 + i % 3]
        image, boxes = collage(size, widths, faces_bg[(i * 3) % len(faces_bg)], rng, sources)
        items.append((f"mixed_{i}_{size[0]}x{size[1]}", image, boxes))
    for i, size in enumerate([(1024, 768), (1600, 1200), (2000, 1500), (2400, 1800)]):
        widths = rng.permutation([30, 45, 70, 110, 180, 300])[: 4 + i % 3]
        image, boxes = collage(size, widths, faces_bg[(i * 5 + 1) % len(faces_bg)], rng, sources)
        items.append((f"scales_{i}_{size[0]}x{size[1]}", image, boxes))
    for i, size in enumerate([(640, 480), (800, 600), (1024, 768), (1600, 1200), (2000, 1500), (1024, 768)]):
        animals = rng.uniform(60, min(300, size[1] / 2.5), rng.integers(2, 6))
        image, _ = collage(size, [], faces_bg[(i * 3 + 2) % len(faces_bg)], rng, sources, animals=animals)
        items.append((f"cats_{i}_{size[0]}x{size[1]}", image, []))
    for i, size in enumerate([(1024, 768), (1600, 1200)]):
        image, boxes = collage(size, rng.uniform(40, 120, 4), faces_bg[(i * 7 + 4) % len(faces_bg)], rng, sources,
                               animals=rng.uniform(80, 250, 3))
        items.append((f"cats_and_people_{i}_{size[0]}x{size[1]}", image, boxes))
    cat = picture("chelsea")
    for scale in (0.5, 2.0, 4.0):
        items.append((f"cat_alone_x{scale:g}", cv2.resize(cat, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC
                                                          if scale > 1 else cv2.INTER_AREA), []))
    for name in BACKGROUNDS:
        items.append((f"noface_{name}", picture(name), []))
    return items


def match(found, truth) -> tuple[int, int, int]:
    """(true faces found, duplicates, false faces) for detections `found` (boxes) against true boxes `truth`:
    a duplicate is a further detection whose centre lies in a face already found; largest detections first."""
    used, hits, duplicates = set(), 0, 0
    for fx, fy, fw, fh in sorted(found, key=lambda b: -b[2] * b[3]):
        cx, cy = fx + fw / 2, fy + fh / 2
        inside = [j for j, (x, y, w, h) in enumerate(truth) if x <= cx <= x + w and y <= cy <= y + h]
        fresh = [j for j in inside if j not in used and 0.5 <= fw / truth[j][2] <= 2]
        if fresh:
            used.add(fresh[0])
            hits += 1
        elif inside:
            duplicates += 1
    return hits, duplicates, len(found) - hits - duplicates


def evaluate(detector, items) -> dict:
    """Each photo through fer.inference.detect_faces, as the Recognizer runs it (MTCNN and Haar get photos
    over 1280 px shrunk first; YuNet does its own scaling)."""
    from fer.inference import detect_faces

    faces = found = false_group = false_free = duplicates = 0
    seconds, misses = 0.0, []
    groups = [it for it in items if it[2]]
    for name, image, truth in items:
        start = time.perf_counter()
        detections = detect_faces(detector, image)
        seconds += time.perf_counter() - start
        hits, twice, false = match([d.box for d in detections], truth)
        faces += len(truth)
        found += hits
        duplicates += twice
        if truth:
            false_group += false
        else:
            false_free += false
        if hits < len(truth) or false or twice:
            misses.append(f"{name}: {hits}/{len(truth)} found, {twice} duplicate, {false} false")
    return {"faces": faces, "found": found, "recall": found / max(faces, 1), "duplicates": duplicates,
            "photos": len(items), "group_photos": len(groups),
            "false_in_groups": false_group, "face_free_photos": len(items) - len(groups),
            "false_in_face_free": false_free, "ms_per_photo": 1000 * seconds / len(items), "misses": misses}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default="photo,mtcnn:60",
                        help="detector:min_face_size[:score] items; 'photo' (or photo:fewer, photo:more) = the "
                             "product's photo setting (with that small-faces sensitivity)")
    parser.add_argument("--save", type=Path, help="write the measurement set's pictures here")
    parser.add_argument("--verbose", action="store_true", help="list every picture with a miss or a false face")
    args = parser.parse_args()
    from fer.inference import create_detector, detector_for, detector_settings

    items = measurement_set()
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        for name, image, _ in items:
            cv2.imwrite(str(args.save / f"{name}.jpg"), image)
    n_faces = sum(len(t) for _, _, t in items)
    print(f"{len(items)} photos: {sum(1 for it in items if it[2])} with {n_faces} faces, "
          f"{sum(1 for it in items if not it[2])} face-free")
    for spec in args.settings.split(","):
        if spec.startswith("photo"):
            level = spec.split(":")[1] if ":" in spec else "normal"
            detector = detector_for("photo", small_faces=level)
            label = f"photo setting, small faces {level}: {detector_settings('photo', small_faces=level)}"
        else:
            name, size, *score = spec.split(":")
            kwargs = {"min_face_size": int(size)}
            if score:
                kwargs["score_threshold"] = float(score[0])
            detector, label = create_detector(name, **kwargs), spec
        r = evaluate(detector, items)
        false = r["false_in_groups"] + r["false_in_face_free"]
        print(f"{label}: {r['found']}/{r['faces']} faces found ({r['recall']:.1%}); {r['duplicates']} duplicate "
              f"boxes; false faces: {r['false_in_groups']} in {r['group_photos']} photos with faces, "
              f"{r['false_in_face_free']} in {r['face_free_photos']} face-free ones ({20 * false / r['photos']:.2f} "
              f"per 20 photos); {r['ms_per_photo']:.0f} ms per photo")
        if args.verbose:
            for line in r["misses"]:
                print("   ", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
