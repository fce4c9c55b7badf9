"""The Streamlit app: every page under AppTest (on a copy of the tiny trained version), and its helpers."""
from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import perturbed_copy

import fer
from fer import version as versions
from fer.version import Card
from fer.app import live, recognition, settings, summaries
from fer.labels import EMOTIONS

REPO = Path(__file__).resolve().parents[1]
pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

TIMEOUT = 300  # AppTest seconds per run; generous because CI machines may be busy


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def checkpoints(tiny_version, fer_small_csv, tmp_path_factory) -> Path:
    """tiny (the fixture's version), tiny-b (perturbed) and tiny-nodata (its data file is gone)."""
    root = tmp_path_factory.mktemp("app_checkpoints")
    shutil.copytree(tiny_version, root / "tiny")
    perturbed_copy(root / "tiny", root / "tiny-b", fer_small_csv)
    shutil.copytree(tiny_version, root / "tiny-nodata")
    card = versions.read_card("tiny-nodata", root)
    card.data.update(file="gone.csv", sha256="0" * 64)
    card.write(root / "tiny-nodata")
    return root


@pytest.fixture
def app_env(checkpoints, fer_small_csv, tmp_path, monkeypatch):
    monkeypatch.setenv("FER_CHECKPOINTS", str(checkpoints))
    monkeypatch.setenv("FER_DATA", str(fer_small_csv))  # where the cards' data file (named, not a path) is found
    monkeypatch.setenv("FER_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.delenv("FER_ICE_SERVERS", raising=False)
    return checkpoints


def run_page(path: str, **session) -> AppTest:
    at = AppTest.from_file(str(REPO / path), default_timeout=TIMEOUT)
    for key, value in session.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def sidebar_model(at: AppTest):
    return next(s for s in at.sidebar.selectbox if s.label == "Model version")


def encoded(image_rgb: np.ndarray, ext: str = ".jpg") -> bytes:
    return cv2.imencode(ext, cv2.cvtColor(image_rgb, cv2.COLOR_RGB2BGR))[1].tobytes()


@pytest.fixture(scope="module")
def astronaut_jpg() -> bytes:
    from skimage import data

    return encoded(data.astronaut())


# ---------------------------------------------------------------- pages
def test_home_shows_the_active_version_and_its_headline_figures(app_env):
    at = run_page("home.py")
    default = versions.default_version("photo", app_env)
    card = versions.read_card(default, app_env)
    assert sidebar_model(at).options == versions.list_versions(app_env)
    assert sidebar_model(at).value == default
    assert f"Active model: {default}" in [h.value for h in at.subheader]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["FER2013 test accuracy"] == f"{card.accuracy('test'):.2%}"
    assert metrics["FER+ test accuracy"] == f"{card.accuracy('test', 'ferplus'):.2%}"  # the second benchmark
    assert metrics["macro-F1"] == f"{card.macro_f1('test'):.1%}"
    assert metrics["parameters"] == f"{card.params / 1e6:.2f} M"
    assert metrics["TTA"] == card.tta
    assert list(at.dataframe[0].value.index) == versions.list_versions(app_env)


def test_model_picked_on_one_page_holds_on_the_others(app_env):
    at = run_page("home.py")
    sidebar_model(at).set_value("tiny-b").run()
    assert "Active model: tiny-b" in [h.value for h in at.subheader]
    at.switch_page("pages/4_Training_explorer.py").run()
    assert not at.exception
    assert sidebar_model(at).value == "tiny-b"
    assert any("**tiny-b**" in c.value for c in at.caption)


def test_training_page_curves_confusion_and_misclassified_faces(app_env):
    at = run_page("pages/4_Training_explorer.py", model_version="tiny")
    card = versions.read_card("tiny", app_env)
    charts = at.get("plotly_chart")
    assert len(charts) == 3  # learning curves, confusion heat map, per-class bars
    curves = json.loads(charts[0].proto.spec)
    assert [t["y"] for t in curves["data"] if t["name"] == "val acc"][0] == [r["val_acc"] for r in
                                                                              versions.read_history(app_env / "tiny")]
    confusion = json.loads(charts[1].proto.spec)["data"][0]["z"]
    assert confusion == card.report("test")["confusion"]
    assert any(c.value == f"FER2013 test accuracy {card.accuracy('test'):.2%} · FER+ test accuracy "
                          f"{card.accuracy('test', 'ferplus'):.2%}" for c in at.caption)
    at.radio(key="confusion_mode").set_value("row-normalised").run()
    assert json.loads(at.get("plotly_chart")[1].proto.spec)["data"][0]["z"] == card.report("test")["confusion_normalized"]

    true_class, predicted = summaries.largest_confusion(card.report("test"))
    assert at.selectbox(key="mistake_true").value == EMOTIONS[true_class]
    at.toggle(key="show_mistakes").set_value(True).run()
    assert not at.exception
    expected = card.report("test")["confusion"][true_class][predicted]
    images = at.get("image")
    assert expected > 0 and len(images) == 1 and len(images[0].proto.imgs) == min(expected, 60)
    hyper = at.dataframe[-1].value
    assert dict(zip(hyper["setting"], hyper["value"]))["lr"] == str(card.hyperparameters["lr"])


def test_training_page_explains_a_missing_data_file(app_env):
    at = run_page("pages/4_Training_explorer.py", model_version="tiny-nodata")
    assert any("gone.csv" in i.value and "not on this machine" in i.value for i in at.info)
    assert not at.toggle


def test_compare_page_table_and_agreement_match_the_predictions(app_env, fer_small_csv):
    at = run_page("pages/5_Compare_versions.py", model_version="tiny")
    assert at.multiselect(key="compare_versions").value == ["tiny", "tiny-b"]
    table = at.dataframe[0].value
    assert list(table.columns) == ["tiny", "tiny-b"]
    card_b = versions.read_card("tiny-b", app_env)
    assert table.loc["FER2013 test accuracy", "tiny-b"] == f"{card_b.accuracy('test'):.3f}"
    assert table.loc["FER+ test accuracy", "tiny-b"] == f"{card_b.accuracy('test', 'ferplus'):.3f}"
    assert table.loc["F1 happy", "tiny"] == f"{versions.read_card('tiny', app_env).report('test')['per_class']['happy']['f1']:.3f}"
    charts = at.get("plotly_chart")
    assert len(charts) == 3  # grouped F1 bars, predicted class shares, the confusion difference
    shares = json.loads(charts[1].proto.spec)
    assert [t["name"] for t in shares["data"]] == ["labels", "tiny", "tiny-b"]
    tiny_on_ferplus = versions.read_card("tiny", app_env).report("test", "ferplus")
    assert shares["data"][1]["y"] == pytest.approx([tiny_on_ferplus["predicted_share"][e] for e in EMOTIONS])

    at.toggle(key="compare_predictions").set_value(True).run()
    assert not at.exception
    data = fer_small_csv
    pred_a = fer.evaluate("tiny", data, split="test", keep_predictions=True)["predictions"]
    pred_b = fer.evaluate("tiny-b", data, split="test", keep_predictions=True)["predictions"]
    _, labels = fer.load_dataset(data).split("test")
    expected = summaries.agreement(labels, pred_a, pred_b)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["They agree on"] == f"{expected['agree']:.1%}"
    assert metrics["Only tiny-b right"] == str(expected["only B right"])
    assert expected["agree"] < 1.0  # the two versions really differ


def test_upload_page_renders_good_photos_and_explains_bad_files(app_env, astronaut_jpg):
    truncated = astronaut_jpg[: len(astronaut_jpg) // 3]
    huge = cv2.imencode(".png", np.zeros((8000, 8000), np.uint8))[1].tobytes()  # 64 MP, a few kB
    blank = encoded(np.full((200, 300, 3), 128, np.uint8), ".png")
    at = run_page("pages/1_Upload_photos.py", model_version="tiny")
    at.file_uploader(key="photos").set_value([
        ("astronaut.jpg", astronaut_jpg, "image/jpeg"), ("notes.png", b"not an image at all", "image/png"),
        ("cut.jpg", truncated, "image/jpeg"), ("huge.png", huge, "image/png"), ("blank.png", blank, "image/png"),
    ]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [h.value for h in at.subheader] == ["astronaut.jpg", "notes.png", "cut.jpg", "huge.png", "blank.png"]
    errors = [e.value for e in at.error]
    assert len(errors) == 3
    assert "notes.png" in errors[0] and "not an image" in errors[0]
    assert "cut.jpg" in errors[1] and "truncated" in errors[1]
    assert "huge.png" in errors[2] and "megapixels" in errors[2]
    assert any("No face found in blank.png" in w.value for w in at.warning)

    titles = [img.caption for image in at.get("image") for img in image.proto.imgs if img.caption]  # the gallery
    assert titles and all(t.split(" ")[1] in EMOTIONS for t in titles)
    table = at.dataframe[0].value  # the astronaut's faces as a table
    assert list(table["face"]) == list(range(1, len(titles) + 1))
    assert len(at.get("download_button")) == 2 + 3  # annotated astronaut and blank, faces CSV, summary CSV, JSON


def test_webcam_page_renders_with_an_empty_ice_server_list(app_env, monkeypatch):
    import streamlit_webrtc.component

    # AppTest's mocked runtime has no session manager, which streamlit-webrtc looks up
    monkeypatch.setattr(streamlit_webrtc.component, "get_this_session_info", lambda: None)
    at = run_page("pages/3_Live_webcam.py")
    assert sidebar_model(at).value == versions.default_version("realtime", app_env)
    assert any("ICE servers: none" in c.value for c in at.caption)
    assert any("appears here while the camera streams" in i.value for i in at.info)
    monkeypatch.setenv("FER_ICE_SERVERS", "{not json")
    at = run_page("pages/3_Live_webcam.py")
    assert any("FER_ICE_SERVERS" in e.value for e in at.error)


def test_app_classifies_with_onnx_and_falls_back_to_torch(checkpoints, tmp_path, monkeypatch):
    from fer.app import ui
    from fer.version import export_cache

    root = tmp_path / "ckpt"
    shutil.copytree(checkpoints / "tiny", root / "tiny")
    recognizer = ui.cached_recognizer("tiny", "haar", str(root))
    assert recognizer.backend == "onnx" and recognizer.tta == versions.read_card("tiny", root).tta
    assert recognizer.classifier.path.parent == export_cache.exports_dir(versions.read_card("tiny", root))
    assert not (root / "tiny" / "model.onnx").exists()  # exported on first use into the cache folder, not the version

    def refuse(*args, **kwargs):
        raise RuntimeError("no exporter for this architecture")

    monkeypatch.setattr("fer.version.export.ensure_exported", refuse)
    assert ui.cached_recognizer("tiny", "mtcnn", str(root)).backend == "torch"


# ---------------------------------------------------------------- helpers
def test_ms_per_face_is_what_the_app_runs_onnx_first_times_the_tta_views():
    card = Card("v", "fernet_tiny", tta="flip", latency={"ms_per_view_batch1_1thread": 5.0})
    assert card.ms_per_face == 10.0  # not exported: PyTorch
    card.onnx = {"fp32": {"ms_per_view_batch1_1thread": 1.5}}
    assert card.ms_per_face == 3.0
    assert Card("v", "fernet_tiny").ms_per_face is None


def test_compare_table_shows_calibration_error_and_temperature(tmp_path):
    report = {"accuracy": 0.7, "macro_f1": 0.68, "ece": 0.0747, "per_class": {}}
    cards = {"plain": Card("plain", "fernet_tiny", metrics={"test": report}),
             "calibrated": Card("calibrated", "fernet_tiny", metrics={"test": {**report, "ece": 0.0216},
                                                                      "test_ferplus": {**report, "accuracy": 0.8}},
                                calibration={"temperature": 0.8125, "prior_correction": {"tau": 0.4}})}
    table = summaries.compare_table(cards, {"plain": tmp_path, "calibrated": tmp_path})
    assert table.loc["prior correction (tau)"].tolist() == ["n/a", "0.400"]
    assert table.loc["FER2013 calibration error (ECE)"].tolist() == ["0.075", "0.022"]
    assert table.loc["confidence temperature"].tolist() == ["n/a", "0.812"]
    assert table.loc["FER+ test accuracy"].tolist() == ["n/a", "0.800"]


def test_upload_limit_matches_the_server_config():
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == settings.MAX_UPLOAD_MB
    assert config["server"]["headless"] is True


def test_ice_servers_from_env_then_secrets_else_none():
    turn = [{"urls": "turn:turn.example.com:3478", "username": "u", "credential": "p"}]
    assert settings.ice_servers({}, None) == []
    assert settings.ice_servers({"FER_ICE_SERVERS": json.dumps(turn)}, {"ice_servers": []}) == turn
    assert settings.ice_servers({}, {"ice_servers": turn}) == turn
    with pytest.raises(settings.SettingError, match="FER_ICE_SERVERS: not valid JSON"):
        settings.ice_servers({"FER_ICE_SERVERS": "[{"})
    with pytest.raises(settings.SettingError, match="expected a list of ICE servers"):
        settings.ice_servers({"FER_ICE_SERVERS": '[{"url": "stun:x"}]'})


def test_latest_queue_keeps_only_the_newest_item():
    mailbox = live.LatestQueue()
    for i in range(5):
        mailbox.put(i)
    assert mailbox.get(timeout=0.1) == 4
    assert mailbox.get(timeout=0.05) is None


def test_chart_updates_say_when_no_face_is_in_view_wait_between_redraws_and_stop_with_the_stream(monkeypatch):
    mailbox, sleeps = live.LatestQueue(), []
    monkeypatch.setattr(live.time, "sleep", sleeps.append)
    items = iter([{"happy": 1.0}, live.NO_FACE, {"sad": 1.0}])
    playing = iter([True, True, True, False])

    def is_playing():
        playing_now = next(playing)
        if playing_now:
            mailbox.put(next(items))
        return playing_now

    updates = list(live.chart_updates(mailbox, is_playing, interval_s=0.25))
    assert updates == [(1, {"happy": 1.0}), (2, live.NO_FACE), (3, {"sad": 1.0})]
    assert len(sleeps) == 3 and all(0 < s <= 0.25 for s in sleeps)


def test_frame_callback_draws_faces_posts_probabilities_and_counts_frames(tiny_version, tmp_path):
    import av
    from skimage import data

    recognizer = recognition.SharedRecognizer(fer.Recognizer(str(tiny_version), detector="haar"))
    stream = fer.inference.FaceStream(recognizer, show_fps=True)
    mailbox, stats = live.LatestQueue(), live.FrameStats(str(tmp_path / "stats.json"))
    callback = live.make_frame_callback(stream, mailbox, stats)
    bgr = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    for _ in range(2):
        out = callback(av.VideoFrame.from_ndarray(bgr, format="bgr24")).to_ndarray(format="bgr24")
    assert out.shape == bgr.shape and (out != bgr).any()
    probabilities = mailbox.get(timeout=1)
    assert set(probabilities) == set(EMOTIONS) and abs(sum(probabilities.values()) - 1) < 1e-3
    recorded = json.loads((tmp_path / "stats.json").read_text())
    assert recorded["frames"] == 2 and recorded["faces"] >= 2
    assert recorded["last_faces"][0]["label"] in EMOTIONS and len(recorded["last_faces"][0]["box"]) == 4
    callback(av.VideoFrame.from_ndarray(np.full_like(bgr, 90), format="bgr24"))  # nobody in view
    assert mailbox.get(timeout=1) == live.NO_FACE


def test_frame_stats_hook_is_off_without_its_variable(tmp_path):
    assert live.FrameStats(None).record([]) == 0
    assert not list(tmp_path.iterdir())


def test_upload_exports_list_every_face_and_every_error(tiny_version, astronaut_jpg):
    recognizer = recognition.SharedRecognizer(fer.Recognizer(str(tiny_version), detector="haar"))
    results = [recognition.analyse_upload(recognizer, "a.jpg", astronaut_jpg),
               recognition.analyse_upload(recognizer, "b.png", b"\x89PNG broken")]
    assert results[0].ok and results[0].faces and results[0].annotated.shape[2] == 3
    assert not results[1].ok and results[1].error.startswith("b.png")
    rows = recognition.results_csv(results).strip().splitlines()
    assert len(rows) == 1 + len(results[0].faces) and rows[1].startswith("a.jpg")
    records = json.loads(recognition.results_json(results))
    assert records[0]["faces"][0]["label"] in EMOTIONS and records[1] == {"file": "b.png", "error": results[1].error}
    png = recognition.png_bytes(results[0].annotated)
    assert cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR).shape == results[0].annotated.shape


def test_summaries_agreement_and_confusion_cells():
    y = np.array([0, 0, 1, 1, 2, 2])
    a = np.array([0, 1, 1, 1, 0, 2])
    b = np.array([0, 0, 1, 2, 0, 1])
    agree = summaries.agreement(y, a, b)
    assert agree == {"n": 6, "agree": 3 / 6, "both right": 2, "only A right": 2, "only B right": 1, "both wrong": 1}
    assert summaries.confusion_cell(y, a, 0, 1).tolist() == [1]
    by_class = summaries.disagreement_by_class(y, a, b, "a", "b")
    assert by_class["only a right"].tolist()[:3] == [0, 1, 1] and by_class["only b right"].tolist()[:3] == [1, 0, 0]
