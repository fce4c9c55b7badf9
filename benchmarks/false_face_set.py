"""A set of photos whose faces are known, built offline from what scikit-image ships and from drawings:
things that look like faces but are not people, and photos of people where each face must be boxed once.

    from false_face_set import false_face_set
    for item in false_face_set(): item.name, item.kind, item.bgr, item.faces (true face boxes, or None), item.count

Kinds (each photo is one kind; `faces` are the boxes of the true human faces, [] where there is none):
- animal: skimage's cat (chelsea) alone at four sizes, mirrored, re-lit, in grey, on backgrounds;
- cartoon: drawn faces (round heads, two eyes, a mouth, some with a nose, ears, hair or glasses), alone and in rows;
- smiley: smiley posters (yellow discs with eyes and a smile) on walls of skimage's textures;
- figurine: small doll-like heads (flat skin-coloured ovals, dot eyes, painted mouths) beside a real person;
- painting: a face photo as a painting-like copy (OpenCV's stylization / pencil sketch / a posterised oil look)
  hung in a frame on a wall; a painting of a face is not a person in the room;
- reflection: a real face with its mirror image beside it, dimmed and tinted as a window or a mirror shows it
  (only the real face counts);
- collage: 24 headshots in a grid, 900x720 to 2400x1920 px (skimage's astronaut and cameraman, the fixtures'
  faces, mirrored, re-lit, slightly rotated), each face once;
- objects: skimage's face-free photos (coffee, rocket, coins, ...).
The drawn and filtered images are synthetic: they measure the kinds of mistakes the detector makes, not the
rate on real photos of dogs, toys or paintings, which this machine does not have.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from small_faces import background, heads, picture, varied_head

COLLAGES = [(150, (6, 4)), (150, (4, 6)), (200, (6, 4)), (200, (4, 6)), (280, (6, 4)), (280, (8, 3)),
            (400, (6, 4)), (400, (4, 6))]  # (cell width px, grid): the larger ones are tiled by the detector
OBJECTS = ("coffee", "rocket", "coins", "horse", "grass", "brick", "gravel", "hubble_deep_field", "moon", "page",
           "immunohistochemistry", "china", "flower")


@dataclass
class Item:
    name: str
    kind: str
    bgr: np.ndarray
    faces: list  # boxes (x, y, w, h) of the human faces: the detector should box each of these once, nothing else


def paste(canvas: np.ndarray, image: np.ndarray, x: int, y: int, mask: np.ndarray | None = None) -> None:
    h, w = image.shape[:2]
    region = canvas[y:y + h, x:x + w].astype(np.float32)
    m = np.ones((h, w, 1), np.float32) if mask is None else mask[..., None].astype(np.float32)
    canvas[y:y + h, x:x + w] = np.clip(region * (1 - m) + image.astype(np.float32) * m, 0, 255).astype(np.uint8)


def jpeg(image: np.ndarray) -> np.ndarray:
    return cv2.imdecode(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 88])[1], cv2.IMREAD_COLOR)


# ---------------------------------------------------------------- drawn faces
def cartoon_face(size: int, rng, style: int) -> tuple[np.ndarray, np.ndarray]:
    """(BGR, mask) of a drawn face `size` px high: an oval head with eyes, brows, a mouth; style varies it."""
    w, h = int(size * 0.8), size
    image = np.zeros((h, w, 3), np.uint8)
    mask = np.zeros((h, w), np.uint8)
    skin = tuple(int(v) for v in rng.choice([(150, 190, 240), (120, 160, 210), (80, 120, 170), (200, 220, 250),
                                              (90, 200, 90), (230, 180, 120)]))
    centre, axes = (w // 2, h // 2), (w // 2 - 2, h // 2 - 2)
    cv2.ellipse(image, centre, axes, 0, 0, 360, skin, -1, cv2.LINE_AA)
    cv2.ellipse(mask, centre, axes, 0, 0, 360, 255, -1, cv2.LINE_AA)
    cv2.ellipse(image, centre, axes, 0, 0, 360, (30, 30, 30), max(1, size // 60), cv2.LINE_AA)
    eye_y, eye_dx, eye_r = int(h * 0.42), int(w * 0.2), max(2, int(size * (0.05 + 0.04 * (style % 2))))
    for side in (-1, 1):
        cx = w // 2 + side * eye_dx
        cv2.circle(image, (cx, eye_y), eye_r, (255, 255, 255), -1, cv2.LINE_AA)
        cv2.circle(image, (cx, eye_y), max(1, eye_r // 2), (20, 20, 20), -1, cv2.LINE_AA)
        cv2.line(image, (cx - eye_r, eye_y - 2 * eye_r), (cx + eye_r, eye_y - 2 * eye_r - side * (style % 3)),
                 (40, 40, 40), max(1, size // 40), cv2.LINE_AA)
    if style % 2 == 0:  # a nose
        cv2.line(image, (w // 2, int(h * 0.47)), (w // 2 - size // 20, int(h * 0.6)), (60, 60, 90), max(1, size // 50))
    mouth_y = int(h * 0.72)
    cv2.ellipse(image, (w // 2, mouth_y), (int(w * 0.18), int(h * 0.06)), 0, 0, 180, (40, 40, 160), max(1, size // 30),
                cv2.LINE_AA)
    if style % 3 == 1:  # hair
        cv2.ellipse(image, (w // 2, int(h * 0.18)), (w // 2 - 4, int(h * 0.16)), 0, 180, 360, (30, 50, 80), -1)
    if style % 4 == 3:  # glasses
        for side in (-1, 1):
            cv2.circle(image, (w // 2 + side * eye_dx, eye_y), int(eye_r * 1.8), (10, 10, 10), max(1, size // 50))
    return image, mask


def smiley(size: int, rng) -> tuple[np.ndarray, np.ndarray]:
    image = np.zeros((size, size, 3), np.uint8)
    mask = np.zeros((size, size), np.uint8)
    c, r = size // 2, size // 2 - 2
    colour = tuple(int(v) for v in rng.choice([(0, 215, 255), (0, 200, 240), (60, 220, 250), (200, 200, 255)]))
    cv2.circle(image, (c, c), r, colour, -1, cv2.LINE_AA)
    cv2.circle(mask, (c, c), r, 255, -1, cv2.LINE_AA)
    cv2.circle(image, (c, c), r, (0, 0, 0), max(1, size // 40), cv2.LINE_AA)
    for side in (-1, 1):
        cv2.ellipse(image, (c + side * size // 6, int(size * 0.38)), (max(2, size // 22), max(3, size // 10)), 0, 0, 360,
                    (0, 0, 0), -1, cv2.LINE_AA)
    cv2.ellipse(image, (c, int(size * 0.55)), (int(size * 0.26), int(size * 0.2)), 0, 10, 170, (0, 0, 0),
                max(2, size // 25), cv2.LINE_AA)
    return image, mask


def figurine(size: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """A toy's head: a glossy flat-coloured oval, dot eyes, painted cheeks and mouth, moulded hair."""
    w, h = int(size * 0.85), size
    image = np.zeros((h, w, 3), np.uint8)
    mask = np.zeros((h, w), np.uint8)
    skin = np.float32(rng.choice([(170, 200, 245), (140, 180, 230), (110, 150, 200)]))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    shade = 1.0 - 0.35 * (((xx - w * 0.35) / w) ** 2 + ((yy - h * 0.35) / h) ** 2)  # a plastic highlight
    image[:] = np.clip(skin * shade[..., None], 0, 255).astype(np.uint8)
    cv2.ellipse(mask, (w // 2, h // 2), (w // 2 - 2, h // 2 - 2), 0, 0, 360, 255, -1, cv2.LINE_AA)
    hair = tuple(int(v) for v in rng.choice([(20, 40, 90), (30, 30, 30), (60, 160, 220)]))
    cv2.ellipse(image, (w // 2, int(h * 0.25)), (w // 2, int(h * 0.25)), 0, 180, 360, hair, -1, cv2.LINE_AA)
    for side in (-1, 1):
        cv2.circle(image, (w // 2 + side * int(w * 0.18), int(h * 0.5)), max(2, size // 14), (15, 15, 15), -1,
                   cv2.LINE_AA)
        cv2.circle(image, (w // 2 + side * int(w * 0.18) + 1, int(h * 0.5) - 1), max(1, size // 45), (240, 240, 240),
                   -1)
        cv2.circle(image, (w // 2 + side * int(w * 0.28), int(h * 0.64)), max(2, size // 12), (130, 130, 230), -1,
                   cv2.LINE_AA)
    cv2.ellipse(image, (w // 2, int(h * 0.72)), (max(2, w // 10), max(2, h // 22)), 0, 0, 180, (50, 50, 180), -1)
    return cv2.GaussianBlur(image, (0, 0), 0.7), mask


def scatter(size, makers, bg: str, rng) -> np.ndarray:
    """Each maker's (image, mask) pasted at a free spot of a background `size` (width, height)."""
    canvas = background(bg, size, rng)
    taken = []
    for image, mask in makers:
        h, w = image.shape[:2]
        for _ in range(200):
            x, y = int(rng.integers(0, size[0] - w)), int(rng.integers(0, size[1] - h))
            if all(x + w <= a or c <= x or y + h <= b or d <= y for a, b, c, d in taken):
                break
        else:
            continue
        taken.append((x, y, x + w, y + h))
        paste(canvas, image, x, y, mask.astype(np.float32) / 255)
    return jpeg(canvas)


# ---------------------------------------------------------------- real faces, changed
def head_with_box(index: int, face_width: float, rng, vary: bool = True):
    """(BGR, soft mask, face box) of one of the real heads (astronaut, cameraman) at a face width."""
    pool = heads()
    head, box = pool[index % len(pool)]
    if not vary:
        k = face_width / box[2]
        image = cv2.resize(head, None, fx=k, fy=k, interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC)
        return image, np.ones(image.shape[:2], np.float32), tuple(v * k for v in box)
    return varied_head(head, box, face_width, rng)


def painting(bgr: np.ndarray, style: int) -> np.ndarray:
    if style == 0:
        return cv2.stylization(bgr, sigma_s=60, sigma_r=0.45)
    if style == 1:
        return cv2.pencilSketch(bgr, sigma_s=60, sigma_r=0.07, shade_factor=0.05)[1]
    smooth = cv2.bilateralFilter(bgr, 9, 60, 60)
    return (smooth // 48 * 48 + 24).astype(np.uint8)  # posterised: an oil-paint look


def framed_painting(style: int, rng, wall: str) -> np.ndarray:
    """A wall with a framed painting of a face (the astronaut's head), nobody in the room."""
    head = picture("astronaut")[0:300, 100:380]
    art = painting(head, style)
    art = cv2.copyMakeBorder(art, 18, 18, 18, 18, cv2.BORDER_CONSTANT, value=(30, 60, 90))
    canvas = background(wall, (800, 600), rng)
    scale = rng.uniform(0.7, 1.2)
    art = cv2.resize(art, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    paste(canvas, art, int(rng.integers(0, 800 - art.shape[1])), int(rng.integers(0, 600 - art.shape[0])))
    return jpeg(canvas)


def reflection(index: int, rng, wall: str) -> tuple[np.ndarray, list]:
    """A real face beside its mirror image as a window shows it (dimmer, tinted, blurred, low contrast)."""
    canvas = background(wall, (900, 500), rng)
    head, mask, (fx, fy, fw, fh) = head_with_box(index, rng.uniform(90, 140), rng, vary=False)
    h, w = head.shape[:2]
    x, y = 40, int(rng.integers(10, max(11, 500 - h)))
    paste(canvas, head, x, y)
    mirrored = head[:, ::-1].astype(np.float32)
    tint = np.float32(rng.choice([(1.0, 0.9, 0.8), (0.8, 0.9, 1.0), (0.9, 1.0, 0.9)]))
    mirrored = cv2.GaussianBlur(mirrored * 0.45 * tint + 70, (0, 0), 1.6)
    paste(canvas, mirrored, x + w + int(rng.integers(20, 200)), y, np.full((h, w), 0.75, np.float32))
    return jpeg(canvas), [(x + fx, y + fy, fw, fh)]


def headshot_collage(rng, cell=(150, 180), grid=(6, 4)) -> tuple[np.ndarray, list]:
    """24 headshots in a grid, as a class photo or a team page shows them: each face once."""
    sources = heads() + fixture_heads()
    cw, ch = cell
    canvas = np.full((ch * grid[1], cw * grid[0], 3), 235, np.uint8)
    boxes = []
    for i in range(grid[0] * grid[1]):
        head, box = sources[int(rng.integers(len(sources)))]
        head, mask, (fx, fy, fw, fh) = varied_head(head, box, rng.uniform(0.45, 0.6) * cw, rng)
        hh, hw = head.shape[:2]
        col, row = i % grid[0], i // grid[0]
        # the face centred in its cell; the head image cut to the cell (neighbours' hair may touch)
        x0, y0 = int(col * cw + cw / 2 - fx - fw / 2), int(row * ch + ch * 0.45 - fy - fh / 2)
        top, left = max(0, row * ch - y0), max(0, col * cw - x0)
        bottom, right = min(hh, (row + 1) * ch - y0), min(hw, (col + 1) * cw - x0)
        tile = np.full((ch, cw, 3), int(rng.integers(180, 250)), np.uint8)
        canvas[row * ch:(row + 1) * ch, col * cw:(col + 1) * cw] = tile
        paste(canvas, head[top:bottom, left:right], x0 + left, y0 + top, mask[top:bottom, left:right])
        boxes.append((x0 + fx, y0 + fy, fw, fh))
    return jpeg(canvas), boxes


def fixture_heads():
    """The three faces of tests/fixtures/three_faces.jpg (two astronauts, the cameraman) as further sources."""
    from pathlib import Path

    image = cv2.imread(str(Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "three_faces.jpg"))
    crops = [((80, 280, 20, 210), (51, 46, 86, 109)), ((150, 310, 270, 422), (36, 37, 69, 87))]
    return [(image[t:b, l:r], box) for (t, b, l, r), box in crops]


# ---------------------------------------------------------------- the set
def false_face_set(seed: int = 0) -> list[Item]:
    rng = np.random.default_rng(seed)
    items: list[Item] = []
    cat = picture("chelsea")
    for scale in (0.35, 0.7, 1.4, 2.5):
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        items.append(Item(f"cat_x{scale:g}", "animal", cv2.resize(cat, None, fx=scale, fy=scale, interpolation=interp), []))
    items.append(Item("cat_mirrored_grey", "animal", cv2.cvtColor(cv2.cvtColor(cat[:, ::-1], cv2.COLOR_BGR2GRAY),
                                                                  cv2.COLOR_GRAY2BGR), []))
    items.append(Item("cat_dark", "animal", np.clip(cat * 0.5, 0, 255).astype(np.uint8), []))
    for i, bg in enumerate(("grass", "brick", "gravel", "coffee")):
        size = int(rng.integers(100, 260))
        small = cv2.resize(cat, (size, int(size * cat.shape[0] / cat.shape[1])), interpolation=cv2.INTER_AREA)
        items.append(Item(f"cat_on_{bg}", "animal", scatter((900, 650), [(small, np.full(small.shape[:2], 255))], bg,
                                                            rng), []))
    for i in range(8):
        faces = [cartoon_face(int(rng.integers(50, 260)), rng, style) for style in rng.integers(0, 12, 1 + i % 3)]
        items.append(Item(f"cartoon_{i}", "cartoon", scatter((800, 600), faces, OBJECTS[i % 5], rng), []))
    for i in range(6):
        posters = [smiley(int(rng.integers(60, 280)), rng) for _ in range(1 + i % 3)]
        items.append(Item(f"smiley_{i}", "smiley", scatter((800, 600), posters, ("brick", "page", "gravel")[i % 3],
                                                           rng), []))
    for i in range(6):
        canvas = background(OBJECTS[(i + 3) % len(OBJECTS)], (900, 650), rng)
        head, mask, (fx, fy, fw, fh) = head_with_box(i, rng.uniform(80, 130), rng)
        paste(canvas, head, 30, 40, mask)
        truth = [(30 + fx, 40 + fy, fw, fh)]
        toys = [figurine(int(rng.integers(40, 120)), rng) for _ in range(2 + i % 2)]
        x = 30 + head.shape[1] + 40
        for toy, toy_mask in toys:
            th, tw = toy.shape[:2]
            y = int(rng.integers(250, 650 - th))
            paste(canvas, toy, x, y, toy_mask.astype(np.float32) / 255)
            x += tw + int(rng.integers(30, 120))
        items.append(Item(f"figurines_{i}", "figurine", jpeg(canvas), truth))
    for i in range(6):
        items.append(Item(f"painting_{i}", "painting", framed_painting(i % 3, rng, ("brick", "page", "coffee")[i % 3]), []))
    for i in range(6):
        image, truth = reflection(i, rng, ("brick", "gravel", "grass")[i % 3])
        items.append(Item(f"reflection_{i}", "reflection", image, truth))
    for i, (width, grid) in enumerate(COLLAGES):
        image, truth = headshot_collage(rng, (width, int(width * 1.2)), grid)
        items.append(Item(f"collage24_{i}_{image.shape[1]}x{image.shape[0]}", "collage", image, truth))
    for name in OBJECTS:
        items.append(Item(f"objects_{name}", "objects", picture(name), []))
    return items
