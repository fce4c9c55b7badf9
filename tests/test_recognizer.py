"""Recognizer: every input kind, EXIF, limits and clear errors, batch == one by one, DataFrame/JSON."""
import io
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

import fer
from fer.inference import ImageError, Recognizer, read_image, to_dataframe
from fer.inference.rows import NAMES

FIXTURES = Path(__file__).parent / "fixtures"
ASTRONAUT = FIXTURES / "astronaut.jpg"


@pytest.fixture(scope="module")
def recognizer(tiny_version):
    return Recognizer(str(tiny_version))


@pytest.fixture(scope="module")
def astronaut_bgr():
    return cv2.imread(str(ASTRONAUT))


def test_predict_a_path_gives_one_face_with_all_probabilities(recognizer):
    (face,) = recognizer.predict(ASTRONAUT)
    assert set(face.probabilities) == set(fer.EMOTIONS)
    assert sum(face.probabilities.values()) == pytest.approx(1.0, abs=1e-4)
    assert face.label == max(face.probabilities, key=face.probabilities.get)
    assert face.confidence == pytest.approx(face.probabilities[face.label])
    assert face.landmarks.shape == (5, 2)
    x, y, w, h = face.box
    assert 150 < x + w / 2 < 300 and 50 < y + h / 2 < 200


def test_no_face_is_an_empty_list(recognizer):
    assert recognizer.predict(FIXTURES / "no_face.jpg") == []
    assert recognizer.predict_batch([FIXTURES / "no_face.jpg"]) == [[]]


def test_every_input_kind_gives_the_same_faces(recognizer, astronaut_bgr):
    expected = recognizer.predict(str(ASTRONAUT))
    rgb = astronaut_bgr[..., ::-1].copy()
    inputs = [ASTRONAUT, ASTRONAUT.read_bytes(), io.BytesIO(ASTRONAUT.read_bytes()), Image.open(ASTRONAUT),
              astronaut_bgr]
    for source in inputs:
        (face,) = recognizer.predict(source)
        assert face.box == expected[0].box
        assert face.probabilities == pytest.approx(expected[0].probabilities, abs=1e-5)
    (from_rgb,) = recognizer.predict(rgb, color="rgb")
    assert from_rgb.box == expected[0].box


def test_numpy_arrays_are_bgr_unless_told_otherwise(astronaut_bgr):
    rgb = astronaut_bgr[..., ::-1]
    assert np.array_equal(read_image(rgb, color="rgb"), astronaut_bgr)
    assert np.array_equal(read_image(astronaut_bgr), astronaut_bgr)
    gray = cv2.cvtColor(astronaut_bgr, cv2.COLOR_BGR2GRAY)
    assert np.array_equal(read_image(gray)[..., 0], gray)


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "CMYK", "I;16", "P"])
def test_every_pil_mode_is_read_and_its_face_found(recognizer, astronaut_bgr, mode):
    rgb = Image.fromarray(np.ascontiguousarray(astronaut_bgr[..., ::-1]))
    if mode == "I;16":
        image = Image.fromarray(np.asarray(rgb.convert("L")).astype(np.uint16) * 257)
        assert image.mode == "I;16"
    else:
        image = rgb.convert(mode)
    bgr = read_image(image)
    assert bgr.shape == astronaut_bgr.shape and bgr.dtype == np.uint8
    reference = cv2.cvtColor(astronaut_bgr, cv2.COLOR_BGR2GRAY).astype(float)
    assert np.corrcoef(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY).astype(float).ravel(), reference.ravel())[0, 1] > 0.95
    assert len(recognizer.predict(image)) == 1


def test_transparent_pixels_become_white():
    rgba = np.zeros((10, 10, 4), np.uint8)  # black, fully transparent
    assert (read_image(Image.fromarray(rgba, "RGBA")) == 255).all()


def test_exif_orientation_is_honoured(astronaut_bgr):
    upright = np.ascontiguousarray(astronaut_bgr[:, :400, ::-1])  # 512 high, 400 wide, RGB
    stored = Image.fromarray(upright).transpose(Image.Transpose.ROTATE_90)  # as a sideways camera stores it
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", quality=95, exif=exif)
    bgr = read_image(buffer.getvalue())
    assert bgr.shape == (512, 400, 3)
    assert np.abs(bgr.astype(int) - upright[..., ::-1]).mean() < 6


def png_bytes(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (width, height)).save(buffer, "PNG")
    return buffer.getvalue()


def test_bad_inputs_give_clear_errors_naming_them(tmp_path, recognizer):
    not_image = tmp_path / "notes.jpg"
    not_image.write_text("this is not an image")
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes(ASTRONAUT.read_bytes()[:3000])
    cases = {
        not_image: "not an image",
        truncated: "truncated or corrupt",
        tmp_path / "missing.png": "no such file",
    }
    for path, message in cases.items():
        with pytest.raises(ImageError, match=message) as err:
            recognizer.predict(path)
        assert str(path) in str(err.value)
    with pytest.raises(ImageError, match="not an image"):
        recognizer.predict(b"GIF89a nonsense")


def test_huge_pixel_counts_are_refused_from_the_header(tmp_path):
    # a tiny PNG whose header claims 60 megapixels (a decompression bomb): refused before decoding
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_bytes(10_000, 6_000))
    assert bomb.stat().st_size < 200_000
    with pytest.raises(ImageError, match=r"bomb\.png.*60\.0 megapixels.*50 MP"):
        read_image(bomb)
    with pytest.raises(ImageError, match="megapixels"):
        read_image(png_bytes(300, 300), max_pixels=50_000)
    with pytest.raises(ImageError, match="megapixels"):
        read_image(np.zeros((300, 300), np.uint8), max_pixels=50_000)


def test_too_many_bytes_are_refused_before_reading(tmp_path):
    size = ASTRONAUT.stat().st_size
    with pytest.raises(ImageError, match=rf"astronaut\.jpg: the file has {size:,} bytes, over the .* MB limit"):
        read_image(ASTRONAUT, max_bytes=size - 1)
    assert read_image(ASTRONAUT, max_bytes=size).shape == (512, 512, 3)
    with pytest.raises(ImageError, match="MB limit"):
        read_image(ASTRONAUT.read_bytes(), max_bytes=1000)


def test_predict_batch_equals_one_by_one_in_one_classifier_call(recognizer):
    images = [FIXTURES / "three_faces.jpg", FIXTURES / "no_face.jpg", ASTRONAUT]
    one_by_one = [recognizer.predict(image) for image in images]
    calls = []
    original = recognizer.classifier.predict_proba

    def counting(faces, tta="none"):
        calls.append(len(faces))
        return original(faces, tta)

    recognizer.classifier.predict_proba = counting
    try:
        batched = recognizer.predict_batch(images)
    finally:
        del recognizer.classifier.predict_proba
    assert calls == [4]
    assert [len(faces) for faces in batched] == [3, 0, 1]
    for single, batch in zip(one_by_one, batched):
        for a, b in zip(single, batch):
            assert a.box == b.box and a.label == b.label
            assert a.probabilities == pytest.approx(b.probabilities, abs=1e-5)


def test_results_convert_to_a_dataframe_and_json(recognizer):
    results = recognizer.predict_batch([FIXTURES / "three_faces.jpg", ASTRONAUT])
    frame = to_dataframe(results, inputs=["three", "astro"])
    assert len(frame) == 4
    assert list(frame["source"]) == ["three"] * 3 + ["astro"] and list(frame["face"]) == [1, 2, 3, 1]
    assert list(frame.columns) == NAMES and frame["frame"].isna().all() and frame["face_id"].isna().all()
    assert np.allclose(frame[list(fer.EMOTIONS)].sum(axis=1), 1.0, atol=1e-3)
    assert len(to_dataframe(results[1])) == 1 and len(to_dataframe([])) == 0
    document = json.loads(json.dumps([f.to_dict(n) for n, f in enumerate(results[0], 1)]))
    assert [list(d) for d in document] == [NAMES] * 3 and [d["face"] for d in document] == [1, 2, 3]
    assert [d["x"] for d in document] == [f.box[0] for f in results[0]]
    assert document[0]["label"] == results[0][0].label and document[0]["time_s"] is None


def test_haar_recognizer_and_invalid_options(tiny_version):
    faces = Recognizer(str(tiny_version), detector="haar").predict(ASTRONAUT)
    assert len(faces) == 1 and faces[0].landmarks is None
    with pytest.raises(ValueError, match="TTA mode"):
        Recognizer(str(tiny_version), tta="sideways")
    with pytest.raises(ValueError, match="backend"):
        Recognizer(str(tiny_version), backend="tensorrt")
