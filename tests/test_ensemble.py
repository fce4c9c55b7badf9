"""Ensemble versions: members' probabilities averaged, built and judged on validation, loaded, listed,
exported and run like any version; a member retrained since the build is refused."""
import json
import shutil

import numpy as np
import pytest

import fer
from fer.checksum import sha256_of
from fer.cli import main
from fer.version import OnnxClassifier, export_cache, list_versions, load_classifier, read_card
from fer.version.ensemble import build_ensemble, choose_on_validation, greedy_selection


@pytest.fixture(scope="module")
def root(tmp_path_factory, fer_small_csv):
    """A checkpoints folder with two members trained with different seeds and an ensemble of them."""
    out = tmp_path_factory.mktemp("ensemble_root")
    for seed in (1, 2):
        config = fer.make_config("smoke", data=str(fer_small_csv), subset=0, out_dir=str(out), name=f"m{seed}",
                                 seed=seed, epochs=1, threads=1)
        fer.train(config)
    build_ensemble("ens", ["m1", "m2"], fer_small_csv, tta="flip", root=out)
    return out


def test_probabilities_are_the_members_average(root, fer_small_csv):
    faces, _ = fer.load_dataset(fer_small_csv).split("PrivateTest")
    ensemble = fer.load("ens", root)
    members = [fer.load(m, root).predict_proba(faces, tta="flip") for m in ("m1", "m2")]
    np.testing.assert_allclose(ensemble.predict_proba(faces, tta="flip"), np.mean(members, 0), atol=1e-5)


def test_card_lists_members_and_its_metrics_come_from_evaluate(root, fer_small_csv):
    card = read_card("ens", root)
    assert card.member_names == ["m1", "m2"] and card.weights_file is None
    assert card.params == sum(read_card(m, root).params for m in ("m1", "m2"))
    assert card.tta == "flip" and card.ms_per_face == 2 * card.latency["ms_per_view_batch1_1thread"] > 0
    for labels in ("fer2013", "ferplus"):  # both benchmarks, as `python -m fer evaluate` computes them
        report = fer.evaluate(fer.load("ens", root), str(fer_small_csv), split="PrivateTest", labels=labels)
        assert report["accuracy"] == pytest.approx(card.accuracy("test", labels))
        assert report["confusion"] == card.report("test", labels)["confusion"]
        assert report["ece"] == card.ece("test", labels)
    assert "ens" in list_versions(root)


def test_a_member_with_other_weights_is_refused(root, tmp_path):
    copy = tmp_path / "ckpt"
    shutil.copytree(root, copy)
    card = json.loads((copy / "m2" / "card.json").read_text())
    shutil.copy(copy / "m1" / "weights.safetensors", copy / "m2" / "weights.safetensors")  # m2 "retrained"
    card["weights_sha256"] = sha256_of(copy / "m2" / "weights.safetensors")
    (copy / "m2" / "card.json").write_text(json.dumps(card))
    with pytest.raises(fer.VersionError, match="other weights than the ensemble was built"):
        fer.load("ens", copy)
    shutil.rmtree(copy / "m1")
    with pytest.raises(fer.VersionError, match="member 'm1' cannot be loaded"):
        fer.load("ens", copy)


def test_onnx_export_is_one_merged_graph_that_agrees(root, fer_small_csv, tmp_path):
    copy = tmp_path / "ckpt"
    shutil.copytree(root, copy)
    faces, _ = fer.load_dataset(fer_small_csv).split("PrivateTest")
    onnx = load_classifier(fer.load("ens", copy), "onnx")
    assert isinstance(onnx, OnnxClassifier) and onnx.path.parent == export_cache.exports_dir(read_card(copy / "ens"))
    np.testing.assert_allclose(onnx.predict_proba(faces, tta="flip"), fer.load("ens", copy).predict_proba(faces, tta="flip"),
                               atol=1e-4)


def test_recognizer_runs_an_ensemble(root):
    from fer.inference.io import read_image
    from conftest import REPO

    recognizer = fer.Recognizer(str(root / "ens"))
    faces = recognizer.predict(read_image(REPO / "tests" / "fixtures" / "astronaut.jpg"))
    assert len(faces) == 1 and abs(sum(faces[0].probabilities.values()) - 1) < 1e-4


def test_greedy_selection_stops_when_no_member_helps():
    y = np.array([0, 1, 2, 3])
    good = np.eye(7)[[0, 1, 2, 0]] * [[.9], [.9], [.9], [.5]]     # 3 of 4 right, unsure of the wrong one
    complement = np.eye(7)[[5, 5, 5, 3]] * [[.3], [.3], [.3], [.9]]  # sure only where `good` is wrong
    noise = np.eye(7)[[6, 6, 6, 6]]                                  # never right
    chosen = greedy_selection({"noise": noise, "good": good, "complement": complement}, y)
    assert chosen == ["good", "complement"]


def test_validation_chooses_the_tta_and_the_cheaper_one_on_a_tie():
    y = np.array([0, 1, 2, 3])
    right, wrong_last = np.eye(7)[[0, 1, 2, 3]], np.eye(7)[[0, 1, 2, 6]]
    sure_and_wrong_twice = np.eye(7)[[6, 6, 2, 3]] * 0.9
    probs = {"none": {"a": wrong_last, "b": wrong_last}, "flip": {"a": right * 0.6, "b": sure_and_wrong_twice},
             "tencrop": {"a": right, "b": right}}
    members, tta, trials = choose_on_validation(probs, y, select="greedy")
    assert (members, tta) == (["a"], "flip")  # flip and tencrop both reach 100%: the cheaper wins
    assert trials["none"]["accuracy"] == 0.75 and trials["tencrop"]["members"] == ["a"]
    members, tta, trials = choose_on_validation(probs, y, select="all")
    assert (members, tta) == (["a", "b"], "tencrop") and trials["flip"]["accuracy"] == 0.5


def test_cli_chooses_tta_on_validation_and_records_what_it_tried(root, fer_small_csv):
    assert main(["ensemble", "--name", "auto-ens", "--members", "m1", "m2", "--tta", "auto", "--select", "greedy",
                 "--data", str(fer_small_csv), "--root", str(root)]) == 0
    card = read_card("auto-ens", root)
    hp = card.hyperparameters
    assert hp["candidates"] == ["m1", "m2"] and set(hp["validation_trials"]) == {"none", "flip", "tencrop"}
    chosen = hp["validation_trials"][card.tta]
    assert chosen["members"] == card.member_names
    assert chosen["accuracy"] == max(t["accuracy"] for t in hp["validation_trials"].values())
    assert card.accuracy("val_tta") == pytest.approx(chosen["accuracy"], abs=1e-4)


def test_choices_judged_on_ferplus_labels_record_the_ferplus_validation_accuracy(root, fer_small_csv):
    """--labels ferplus: members and TTA are judged on PublicTest's FER+ labels (the published protocol's faces),
    so the winning trial's accuracy is the card's FER+ validation accuracy, not its FER2013 one."""
    assert main(["ensemble", "--name", "plus-ens", "--members", "m1", "m2", "--tta", "auto", "--select", "greedy",
                 "--labels", "ferplus", "--data", str(fer_small_csv), "--root", str(root)]) == 0
    card = read_card("plus-ens", root)
    chosen = card.hyperparameters["validation_trials"][card.tta]
    assert card.hyperparameters["selected_on"] == "ferplus"
    assert chosen["accuracy"] == pytest.approx(card.accuracy("val", labels="ferplus"), abs=1e-4)  # with its TTA
    n_ferplus = card.report("val", labels="ferplus")["n"]
    assert n_ferplus < card.report("val_tta")["n"]  # a subset of the faces: the protocol leaves some out


def test_cli_builds_an_ensemble(root, fer_small_csv, capsys):
    code = main(["ensemble", "--name", "cli-ens", "--members", "m1", "m2", "--tta", "none", "--select", "greedy",
                 "--data", str(fer_small_csv), "--root", str(root)])
    assert code == 0 and "test accuracy" in capsys.readouterr().out
    card = read_card("cli-ens", root)
    assert 1 <= len(card.members) <= 2 and card.hyperparameters["selection"] == "greedy"
    assert main(["ensemble", "--name", "bad", "--members", "m1", "nowhere", "--root", str(root),
                 "--data", str(fer_small_csv)]) == 2


def test_app_pages_show_an_ensemble(root, monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest
    from conftest import REPO

    monkeypatch.setenv("FER_CHECKPOINTS", str(root))
    monkeypatch.setenv("FER_RUNS_DIR", str(tmp_path / "runs"))
    card = read_card("ens", root)
    for page in ("home.py", "pages/4_Training_explorer.py", "pages/5_Compare_versions.py"):
        at = AppTest.from_file(str(REPO / page), default_timeout=300)
        at.session_state["model_version"] = "ens"
        at.run()
        assert not at.exception, (page, [e.value for e in at.exception])
        if page == "home.py":
            assert "Active model: ens" in [h.value for h in at.subheader]
            assert {m.label: m.value for m in at.metric}["FER2013 test accuracy"] == f"{card.accuracy('test'):.2%}"
        if page.startswith("pages/3"):
            assert any("m1, m2" in i.value for i in at.info)
            curves = [c for c in at.get("plotly_chart") if "Learning curves of m" in c.proto.spec]
            assert len(curves) == 2  # one per member


def test_a_failed_build_leaves_no_half_built_version(root, fer_small_csv, monkeypatch):
    import fer.version.ensemble

    def broken(*args, **kwargs):
        raise MemoryError("out of memory while evaluating")

    monkeypatch.setattr(fer.version.ensemble, "evaluate_into_card", broken)
    with pytest.raises(MemoryError):
        build_ensemble("half", ["m1", "m2"], fer_small_csv, root=root)
    assert not (root / "half").exists() and "half" not in list_versions(root)
