"""Files the upload and compare pages refuse say so on the page, naming the file: an SVG or an animated GIF (the
uploader takes any file, so the browser does not refuse it behind a tooltip while the page says "No photo yet"),
and a zip whose entries would unpack outside its folder."""
from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from fer.app import own_faces
from fer.data import DataError
from tests.test_app import app_env, checkpoints, run_page  # noqa: F401 (fixtures)

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle cx="5" cy="5" r="4"/></svg>'


def animated_gif() -> bytes:
    frames = [Image.fromarray(np.full((40, 40, 3), shade, np.uint8)) for shade in (0, 128, 255)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


def test_the_uploader_takes_any_file_and_the_page_names_what_it_refuses(app_env):
    at = run_page("pages/1_Upload_photos.py", model_version="tiny", face_detector="haar")
    assert list(at.file_uploader(key="photos").proto.type) == []  # no file refused by the browser alone
    at.file_uploader(key="photos").set_value([("drawing.svg", SVG, "image/svg+xml"),
                                              ("wave.gif", animated_gif(), "image/gif")]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not any("No photo yet" in i.value for i in at.info)
    errors = [e.value for e in at.error]
    assert len(errors) == 2
    assert "drawing.svg: an SVG drawing, not a photo this page reads" in errors[0]
    assert "wave.gif: a GIF (often an animation), not a photo this page reads" in errors[1]


def zip_with(names: list[str]) -> bytes:
    png = io.BytesIO()
    Image.fromarray(np.zeros((48, 48), np.uint8)).save(png, format="PNG")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(zipfile.ZipInfo(name), png.getvalue())
    return buffer.getvalue()


@pytest.mark.parametrize("entry", ["../x.jpg", "/abs.jpg", "happy/../../x.jpg", "C:\\faces\\happy\\1.jpg"])
def test_a_zip_with_entries_outside_its_folder_is_refused_saying_so(entry):
    with pytest.raises(DataError, match=r"^the zip has entries outside its folder \(") as refused:
        own_faces.read_labelled_zip(zip_with(["happy/1.png", entry]))
    assert entry in str(refused.value)
    assert len(own_faces.read_labelled_zip(zip_with(["happy/1.png", "sad/2.png"])).split("test")[1]) == 2
