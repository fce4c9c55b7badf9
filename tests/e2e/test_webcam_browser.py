"""In a real browser: a fake camera streams a face over WebRTC on loopback; the server's callback processes
the frames (proved by the test-only FER_FRAME_STATS_FILE hook) and the page shows the boxes it drew."""
from __future__ import annotations

import json
import time

import cv2
import numpy as np
import pytest

from fer.inference.draw import EMOTION_COLORS

from . import harness

pytestmark = pytest.mark.e2e
IFRAME = "iframe[title='streamlit_webrtc.component.webrtc_streamer']"
SLOW_MS = 300_000
# Records every RTCPeerConnection so the test can read which addresses ICE used.
CAPTURE_PEER_CONNECTIONS = """(() => { const O = window.RTCPeerConnection; if (!O || window.__pcs) return;
  window.__pcs = []; window.RTCPeerConnection = function (...a) { const pc = new O(...a); window.__pcs.push(pc); return pc; };
  window.RTCPeerConnection.prototype = O.prototype; Object.setPrototypeOf(window.RTCPeerConnection, O); })();"""
CANDIDATE_ADDRESSES = """async () => { const out = []; for (const pc of window.__pcs || []) {
  (await pc.getStats()).forEach(s => { if (s.type === 'local-candidate' || s.type === 'remote-candidate') out.push(s.address); }); }
  return out; }"""


def read_stats(path) -> dict:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {"frames": 0, "faces": 0, "last_faces": []}


def wait_until(condition, timeout: float, step: float = 0.25):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return condition()


def label_region(box, frame_size, shown_size):
    """Where a face's caption (drawn just above its box's top-left corner) appears in the shown video."""
    (fw, fh), (sw, sh) = frame_size, shown_size
    scale = min(sw / fw, sh / fh)
    ox, oy = (sw - fw * scale) / 2, (sh - fh * scale) / 2
    x, y = box[0], max(box[1], 26)
    return (slice(int(oy + (y - 20) * scale), int(oy + (y - 3) * scale)),
            slice(int(ox + (x + 2) * scale), int(ox + (x + 60) * scale)))


def caption_color_share(image: np.ndarray, region) -> float:
    """The largest share of `region` painted in one emotion's caption colour (tolerant of video coding)."""
    patch = image[region].astype(int)
    return max(float((np.abs(patch - np.array(color)).max(-1) < 60).mean()) for color in EMOTION_COLORS.values())


@pytest.fixture
def streamed(loopback_network, e2e_checkpoints, playwright_instance, face_video, artifacts, tmp_path):
    stats = tmp_path / "frames.json"
    with harness.app_server(e2e_checkpoints, tmp_path / "runs", artifacts / "webcam-streamlit.log",
                            FER_FRAME_STATS_FILE=str(stats)) as url:
        browser = playwright_instance.chromium.launch(executable_path=harness.CHROMIUM, headless=True,
                                                      args=harness.camera_args(face_video))
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.add_init_script(CAPTURE_PEER_CONNECTIONS)  # runs in the component's iframe too
        try:
            yield page, url, stats
        finally:
            browser.close()


def test_webcam_frames_are_processed_on_the_server_and_shown_with_boxes(streamed, artifacts):
    page, url, stats_file = streamed
    page.goto(url + "/Live_webcam")
    page.get_by_role("heading", name="Live webcam").wait_for(timeout=SLOW_MS)
    component = page.frame_locator(IFRAME)
    component.get_by_role("button", name="START").click(timeout=SLOW_MS)

    stats = wait_until(lambda: (s := read_stats(stats_file))["frames"] >= 5 and s["faces"] > 0 and s, 240)
    assert stats, f"the server-side callback did not process 5 frames with faces: {read_stats(stats_file)}"
    face = stats["last_faces"][0]

    video = component.locator("video")
    raw = harness.camera_frame()
    raw_share = caption_color_share(raw, label_region(face["box"], (640, 480), (640, 480)))

    def drawn_frame():
        shot = cv2.imdecode(np.frombuffer(video.screenshot(), np.uint8), cv2.IMREAD_COLOR)
        region = label_region(read_stats(stats_file)["last_faces"][0]["box"] if read_stats(stats_file)["last_faces"]
                              else face["box"], (640, 480), (shot.shape[1], shot.shape[0]))
        return [shot] if caption_color_share(shot, region) > 0.35 else None

    shot = (wait_until(drawn_frame, 60, 0.5) or [None])[0]
    page.screenshot(path=str(artifacts / "webcam.png"), full_page=True)
    if shot is not None:
        cv2.imwrite(str(artifacts / "webcam-video.png"), shot)
    assert raw_share < 0.15, "the caption region is already that colour in the camera picture; the check proves nothing"
    assert shot is not None, "the browser never showed a frame with the server's face caption drawn"

    frame = next(f for f in page.frames if "webrtc" in f.url)
    addresses = frame.evaluate(CANDIDATE_ADDRESSES)
    assert addresses and all(a.startswith("127.") for a in addresses), addresses

    component.get_by_role("button", name="STOP").click()
    time.sleep(2.0)
    frames_after_stop = read_stats(stats_file)["frames"]
    time.sleep(2.0)
    assert read_stats(stats_file)["frames"] == frames_after_stop, "the callback still runs after STOP"


def test_the_webcam_page_says_so_when_no_face_is_in_view(loopback_network, e2e_checkpoints, playwright_instance,
                                                         artifacts, tmp_path):
    stats, camera = tmp_path / "frames.json", harness.write_face_video(tmp_path / "room.mjpeg",
                                                                        picture=harness.empty_room_frame())
    with harness.app_server(e2e_checkpoints, tmp_path / "runs", artifacts / "webcam-no-face-streamlit.log",
                            FER_FRAME_STATS_FILE=str(stats)) as url:
        browser = playwright_instance.chromium.launch(executable_path=harness.CHROMIUM, headless=True,
                                                      args=harness.camera_args(camera))
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(url + "/Live_webcam")
            page.get_by_role("heading", name="Live webcam").wait_for(timeout=SLOW_MS)
            assert page.get_by_text("No face in view").count() == 0  # not before the camera streams
            page.frame_locator(IFRAME).get_by_role("button", name="START").click(timeout=SLOW_MS)
            processed = wait_until(lambda: (s := read_stats(stats))["frames"] >= 5 and s, 240)
            assert processed and processed["faces"] == 0, f"frames with no face were not processed: {processed}"
            page.get_by_text("No face in view").wait_for(timeout=60_000)
            page.screenshot(path=str(artifacts / "webcam-no-face.png"), full_page=True)
        finally:
            browser.close()
