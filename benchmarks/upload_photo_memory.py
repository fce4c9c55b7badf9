"""What one photo costs the upload page's server, step by step, in one process: for each step the rise of the resident
memory's high-water mark above where it started (VmHWM, reset before the step: decoders and OpenCV allocate outside
Python) and tracemalloc's peak (numpy and Python objects), and what is kept afterwards (the result the page keeps in
its photo list, the image Streamlit stores to show it, the full-size download's PNG). Appends a run to
benchmarks/results/upload_photo_memory.json.

    python -m benchmarks.upload_photo_memory --label after          # 2 photos of 12 megapixels, the default model
    python -m benchmarks.upload_photo_memory --label before --megapixels 24
"""
from __future__ import annotations

import argparse
import gc
import tempfile
import tracemalloc
from pathlib import Path

from benchmarks.load_upload import write_photos
from benchmarks.record import append_run, new_run

def status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {key} in /proc/self/status (Linux only)")


class Step:
    """Memory of the code run inside `with Step(...)`; `row` holds the figures once it ends."""

    def __init__(self, name: str, release):
        self.name, self.release, self.row = name, release, {}

    def __enter__(self):
        gc.collect()
        self.release()
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
        self.rss = status_mb("VmRSS:")
        tracemalloc.reset_peak()
        self.traced = tracemalloc.get_traced_memory()[0]
        return self

    def __exit__(self, *exc):
        current, peak = tracemalloc.get_traced_memory()
        self.row = {"step": self.name, "rss_high_water_rise_mb": round(status_mb("VmHWM:") - self.rss, 1),
                    "traced_peak_mb": round((peak - self.traced) / 2**20, 1),
                    "traced_kept_mb": round((current - self.traced) / 2**20, 1)}


def shown_by_streamlit(result) -> bytes:
    """The bytes Streamlit's media file manager stores for st.image(<the result's image>, width="stretch")."""
    from streamlit.elements.lib import image_utils
    from streamlit.elements.lib.layout_utils import LayoutConfig

    image = getattr(result, "shown", None)
    if image is None:  # a result that keeps the decoded image
        image = image_utils._np_array_to_bytes(result.annotated, "auto")
    return image_utils._ensure_image_size_and_format(image, LayoutConfig(width="stretch"), "JPEG")


def measure(recognizer, data: bytes) -> list[dict]:
    from fer.app import recognition
    from fer.inference import read_image

    steps, release = [], recognition.release_memory

    def step(name):
        steps.append(Step(name, release))
        return steps[-1]

    with step("decode"):
        bgr = read_image(data, name="photo.jpg", max_pixels=recognizer.max_pixels)
    with step("detect"):
        detections = recognizer.detect(bgr)
    with step("classify"):
        faces = recognizer.recognize(bgr, detections)
    with step("annotate at the shown size"):
        shown = recognition.shown_size(recognition.annotate(bgr, faces))
    with step("face crops"):
        crops = [recognition.face_thumbnail(bgr, face.box) for face in faces]
    del bgr, shown, crops
    with step("the whole analysis"):
        result = recognition.analyse_upload(recognizer, "photo.jpg", data)
    with step("st.image of the kept result"):
        media = shown_by_streamlit(result)
    with step("download PNG"):
        png = recognition.annotated_png(result, data)
    kept = {"faces": len(result.faces), "result_mb": round(recognition.result_bytes(result) / 2**20, 2),
            "streamlit_image_mb": round(len(media) / 2**20, 2), "download_png_mb": round(len(png) / 2**20, 2)}
    return [{**s.row, **kept} for s in steps]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", required=True, help="which code was measured (before, after)")
    parser.add_argument("--megapixels", type=float, default=12.0)
    parser.add_argument("--photos", type=int, default=2, help="photos measured one after another (the first warms)")
    args = parser.parse_args()
    import fer
    from fer.app import recognition
    from fer.inference.detector_policy import DEFAULT_DETECTOR

    recognizer = recognition.SharedRecognizer(fer.Recognizer(detector=DEFAULT_DETECTOR))  # as the app runs it
    with tempfile.TemporaryDirectory() as tmp:
        photos = [path.read_bytes() for path in write_photos(Path(tmp), args.photos + 1, args.megapixels)]
    recognition.analyse_upload(recognizer, "warm-up.jpg", photos[0])  # the detector's buffers for this size
    tracemalloc.start()
    rows = []
    for index, data in enumerate(photos[1:]):
        for row in measure(recognizer, data):
            rows.append({"label": args.label, "photo": index, "megapixels": args.megapixels,
                         "jpeg_mb": round(len(data) / 2**20, 2), **row})
            print(f"{args.label} photo {index}: {row['step']:28s} RSS high water +{row['rss_high_water_rise_mb']:6.1f} "
                  f"MB, traced peak +{row['traced_peak_mb']:6.1f} MB, kept {row['traced_kept_mb']:5.1f} MB")
    print({k: v for k, v in rows[-1].items() if k in ("faces", "result_mb", "streamlit_image_mb", "download_png_mb")})
    path = append_run("upload_photo_memory", "What one photo costs the upload page's server, step by step",
                      new_run(rows, conditions="one process, photos one after another; RSS rises include the "
                                            "allocator's own overhead"),
                      about=__doc__.splitlines()[0])
    print(f"written {path}")


if __name__ == "__main__":
    main()
