"""Labels on photos: sized to the image, and never over another face's label."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from fer.inference import Detection, Face
from fer.inference import draw
from fer.labels import EMOTIONS


def face(box, label="happy", confidence=0.87) -> Face:
    probs = np.full(len(EMOTIONS), (1 - confidence) / (len(EMOTIONS) - 1))
    probs[EMOTIONS.index(label)] = confidence
    return Face.from_probabilities(Detection(box, 0.9, None), probs, EMOTIONS)


def label_rects(faces, shape, numbers_only=False):
    """The label rectangles draw_faces uses (the same calls)."""
    scale = draw.label_scale(shape)
    captions = [draw.face_caption(f, n, short=numbers_only) for n, f in enumerate(faces, 1)]
    scales = [max(0.35, min(scale, f.box[2] / 50)) if numbers_only else scale for f in faces]
    return draw.place_labels([f.box for f in faces], [draw.label_size(c, k) for c, k in zip(captions, scales)],
                             shape)


def side_by_side(count: int, width: int, gap: int, top: int = 200):
    """A row of faces `width` px wide, `gap` px apart (a group photo's front row)."""
    return [face((40 + i * (width + gap), top + (i % 2) * width // 3, width, width), EMOTIONS[i % 7])
            for i in range(count)]


@pytest.mark.parametrize("count,width,gap,shape", [(7, 60, 6, (600, 800, 3)), (6, 120, 4, (900, 1400, 3)),
                                                   (12, 40, 2, (500, 900, 3)), (2, 50, 0, (300, 300, 3))])
def test_labels_of_neighbouring_faces_never_overlap(count, width, gap, shape):
    faces = side_by_side(count, width, gap)
    rects = label_rects(faces, shape)
    for a, b in itertools.combinations(rects, 2):
        assert draw._overlap(a, b) == 0, (a, b)
    for x, y, w, h in rects:
        assert 0 <= x and x + w <= shape[1] and 0 <= y and y + h <= shape[0]


def test_the_naive_spot_above_each_box_would_have_overlapped_here():
    """The case above is a real one: every label drawn at its box's corner collides with its neighbour's."""
    faces = side_by_side(7, 60, 6)
    scale = draw.label_scale((600, 800))
    naive = [(f.box[0], f.box[1] - draw.label_size(draw.face_caption(f, n), scale)[1],
              *draw.label_size(draw.face_caption(f, n), scale)) for n, f in enumerate(faces, 1)]
    assert any(draw._overlap(a, b) for a, b in itertools.combinations(naive, 2))


def test_a_label_is_sized_to_the_image_not_tiny_on_a_large_portrait():
    small, large = (480, 360, 3), (4000, 3000, 3)
    for shape in (small, large):
        (x, y, w, h), = label_rects([face((shape[1] // 4, shape[0] // 4, shape[1] // 2, shape[1] // 2))], shape)
        assert 0.025 <= h / shape[0] <= 0.08  # shown 700 px tall, the label is 17-56 px: readable, not a banner


def test_labels_are_drawn_where_placed_in_each_faces_colour():
    shape = (600, 800, 3)
    faces = side_by_side(7, 60, 6)
    out = draw.draw_faces(np.zeros(shape, np.uint8), faces, numbered=True)
    for f, (x, y, w, h) in zip(faces, label_rects(faces, shape)):
        patch = out[y:y + h, x:x + w].reshape(-1, 3)
        share = (np.abs(patch.astype(int) - draw.EMOTION_COLORS[f.label]).max(1) < 10).mean()
        assert share > 0.5, (f.label, share)  # the label's own fill: not painted over by a neighbour's
