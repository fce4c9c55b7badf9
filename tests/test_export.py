"""ONNX export: parity with PyTorch, int8 accounting in the card, the ONNX Runtime classifier, integrity (every
exported file's sha256 in the card, checked before it runs)."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

import fer
from fer.checksum import sha256_of
from fer.cli import main
from fer.version import INT8_FILE, ONNX_FILE, OnnxClassifier, load_classifier, read_card
from fer.version import VersionError, export, export_cache
from fer.version.ensemble import build_ensemble


def copy_version(src, dst):
    """A copy of a version without its ONNX exports (made, if at all, by the test)."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.onnx"))
    return dst


@pytest.fixture(scope="module")
def exported(tiny_version, fer_small_csv, tmp_path_factory):
    """A copy of the tiny version exported to fp32 and static int8, with its card entry."""
    path = copy_version(tiny_version, tmp_path_factory.mktemp("exported") / "tiny")
    entry = fer.load(str(path)).export(fer_small_csv, int8=True, min_seconds=0.02)
    return path, entry


@pytest.fixture(scope="module")
def private_test(fer_small_csv):
    return fer.load_dataset(fer_small_csv).split("PrivateTest")


def test_fp32_onnx_agrees_with_pytorch_on_private_test(exported, private_test, fer_small_csv):
    path, entry = exported
    faces, _ = private_test
    torch_probs = fer.load(str(path)).predict_proba(faces)
    onnx_probs = OnnxClassifier(path / ONNX_FILE, read_card(path)).predict_proba(faces)
    np.testing.assert_array_equal(onnx_probs.argmax(1), torch_probs.argmax(1))
    np.testing.assert_allclose(onnx_probs, torch_probs, atol=1e-4)
    assert entry["fp32"]["top1_agreement_with_torch"] >= export.MIN_FP32_AGREEMENT
    assert entry["data"] == {"file": fer_small_csv.name, "split": "PrivateTest", "n": len(faces)}


def test_export_records_onnx_entry_without_touching_the_weights(exported, tiny_version):
    path, entry = exported
    card = read_card(path)
    original = read_card(tiny_version)
    assert card.onnx == json.loads(json.dumps(entry))
    assert card.weights_sha256 == original.weights_sha256 == sha256_of(path / "weights.safetensors")
    assert card.onnx["weights_sha256"] == card.weights_sha256
    for kind, name in (("fp32", ONNX_FILE), ("int8", INT8_FILE)):
        assert entry[kind]["file"] == name and entry[kind]["sha256"] == sha256_of(path / name)
        assert entry[kind]["size_bytes"] == (path / name).stat().st_size
    assert entry["int8"]["size_bytes"] < entry["fp32"]["size_bytes"] / 2
    assert entry["fp32"]["ms_per_view_batch1_1thread"] > 0 and entry["int8"]["ms_per_view_batch64_all_threads"] > 0


def test_int8_accuracy_difference_is_the_measured_one(exported, private_test):
    path, entry = exported
    faces, labels = private_test
    int8 = load_classifier(str(path), "onnx-int8")
    accuracy = float((int8.predict_proba(faces, "none").argmax(1) == labels).mean())
    assert entry["int8"]["accuracy"] == pytest.approx(accuracy, abs=1e-5)
    assert entry["int8"]["accuracy_diff_pt"] == pytest.approx(100 * (accuracy - entry["torch_accuracy"]), abs=1e-2)
    assert entry["int8"]["within_tolerance"] == (entry["int8"]["accuracy_diff_pt"] >= -0.5)
    assert entry["int8"]["quantization"] == "static" and entry["int8"]["quantization_faces"]["split"] == "Training"


@pytest.mark.parametrize("backend", ["onnx", "onnx-int8"])
def test_load_classifier_predict_proba(exported, private_test, backend):
    path, _ = exported
    clf = load_classifier(str(path), backend, threads=1)
    probs = clf.predict_proba(private_test[0][:17])
    assert isinstance(clf, OnnxClassifier)
    assert probs.shape == (17, 7) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-5)
    assert clf.labels == list(fer.EMOTIONS) and clf.name == "tiny" and clf.card.name == "tiny"
    assert clf.predict_proba(private_test[0][0]).shape == (1, 7)  # one face [48,48]


def test_load_classifier_torch_is_the_model_version(exported):
    path, _ = exported
    assert isinstance(load_classifier(str(path), "torch"), fer.ModelVersion)
    with pytest.raises(ValueError, match="backend"):
        load_classifier(str(path), "tensorrt")


@pytest.mark.parametrize("tta", ["flip", "tencrop"])
def test_tta_modes_with_onnx_match_pytorch(exported, private_test, tta):
    path, _ = exported
    faces = private_test[0][:8]
    torch_probs = fer.load(str(path)).predict_proba(faces, tta=tta)
    onnx_probs = load_classifier(str(path), "onnx").predict_proba(faces, tta=tta)
    plain = load_classifier(str(path), "onnx").predict_proba(faces, tta="none")
    np.testing.assert_allclose(onnx_probs, torch_probs, atol=1e-4)
    assert not np.allclose(onnx_probs, plain, atol=1e-4)  # the views really were averaged


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache folder (FER_CACHE_DIR, the one cache-folder setting)."""
    monkeypatch.setenv("FER_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def files_of(folder):
    """Every file under `folder` with its size and modification time."""
    return {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_first_use_exports_into_the_cache_folder_keyed_by_the_weights_never_into_the_version(tiny_version,
                                                                                               tmp_path, cache):
    path = copy_version(tiny_version, tmp_path / "tiny")
    before = files_of(path)
    classifier = load_classifier(str(path), "onnx")
    card = read_card(path)
    folder = cache / "exports" / card.weights_sha256
    assert classifier.path == folder / ONNX_FILE
    assert files_of(path) == before  # no model.onnx, the card as it was
    record = json.loads((folder / export_cache.RECORD_FILE).read_text())
    assert record["weights_sha256"] == card.weights_sha256
    assert record["fp32"]["sha256"] == sha256_of(folder / ONNX_FILE)
    assert record["fp32"]["max_abs_prob_diff"] <= export.MAX_FP32_PROB_DIFF
    exported_once = files_of(folder)
    assert load_classifier(str(path), "onnx").path == classifier.path
    assert files_of(folder) == exported_once  # found again, not exported again


def test_a_changed_export_in_the_cache_is_refused_naming_it(tiny_version, tmp_path, cache):
    path = copy_version(tiny_version, tmp_path / "tiny")
    exported = load_classifier(str(path), "onnx").path
    swap_last_layer_rows(exported)
    with pytest.raises(VersionError, match="sha256 does not match") as refused:
        load_classifier(str(path), "onnx")
    assert str(exported) in str(refused.value)


def test_a_read_only_checkpoints_folder_runs_every_backend_and_nothing_is_written_under_it(tiny_version, tmp_path,
                                                                                          cache):
    root = tmp_path / "checkpoints"
    copy_version(tiny_version, root / "tiny")
    before = files_of(root)
    for folder in [root, *root.rglob("*")]:
        folder.chmod(0o555 if folder.is_dir() else 0o444)
    try:
        recognizer = fer.Recognizer(str(root / "tiny"), detector="haar")
        assert recognizer.backend == "onnx"
        assert load_classifier("tiny", "onnx-int8", root=root).path.parent == cache / "exports" / read_card(
            root / "tiny").weights_sha256
    finally:
        for folder in [root, *root.rglob("*")]:
            folder.chmod(0o755 if folder.is_dir() else 0o644)
    assert files_of(root) == before


def test_a_version_shipped_with_its_onnx_file_runs_it_from_its_folder(exported, tmp_path, cache):
    path = shutil.copytree(exported[0], tmp_path / "tiny")
    assert load_classifier(str(path), "onnx").path == path / ONNX_FILE
    assert load_classifier(str(path), "onnx-int8").path == path / INT8_FILE
    assert not cache.exists()


def test_a_version_shipped_without_its_onnx_file_keeps_its_folder_as_shipped(exported, tmp_path, cache):
    """The photo default ships without its .onnx file (too big for git); the first use exports it into the
    cache folder, and the version's folder (its card with the latency measured at the export) stays as shipped."""
    path = tmp_path / "tiny"
    shutil.copytree(exported[0], path)
    (path / ONNX_FILE).unlink()
    before = files_of(path)
    assert load_classifier(str(path), "onnx").path.parent == cache / "exports" / read_card(path).weights_sha256
    assert files_of(path) == before
    assert read_card(path).onnx["fp32"]["ms_per_view_batch1_1thread"] > 0


def swap_last_layer_rows(onnx_path):
    """Swap two rows of the last layer's weights, as a tamperer would (issue 19)."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(onnx_path))
    last = [t for t in model.graph.initializer if len(t.dims) == 2][-1]
    weights = numpy_helper.to_array(last).copy()
    weights[[0, 3]] = weights[[3, 0]]
    last.CopyFrom(numpy_helper.from_array(weights, last.name))
    onnx.save(model, str(onnx_path))


@pytest.mark.parametrize("backend", ["onnx", "onnx-int8", "auto"])
def test_an_altered_onnx_file_is_refused_in_one_line_naming_it(exported, fer_small_csv, tmp_path, capsys, backend):
    path = shutil.copytree(exported[0], tmp_path / "tiny")
    altered = path / (INT8_FILE if backend == "onnx-int8" else ONNX_FILE)
    swap_last_layer_rows(altered)
    message = f"{altered}: sha256 does not match its card; the file was changed or corrupted, refusing to run it"
    with pytest.raises(fer.VersionError) as refused:
        fer.Recognizer(str(path), backend=backend)
    assert str(refused.value) == message
    with pytest.raises(fer.VersionError, match="sha256 does not match"):
        fer.evaluate(str(path), fer_small_csv, backend=backend)
    for verb in (["predict", "x.jpg", "--backend", backend], ["evaluate", "--data", str(fer_small_csv), "--backend", backend]):
        assert main([*verb, "--model", str(path)]) == 2
        assert capsys.readouterr().err.strip() == f"error: {message}"


def test_export_refuses_tampered_weights(tiny_version, fer_small_csv, tmp_path, capsys):
    path = copy_version(tiny_version, tmp_path / "tiny")
    weights = path / "weights.safetensors"
    blob = bytearray(weights.read_bytes())
    blob[-1] ^= 0xFF
    weights.write_bytes(bytes(blob))
    with pytest.raises(fer.VersionError, match="sha256"):
        export.export_version(str(path), fer_small_csv)
    assert main(["export", "--model", str(path), "--data", str(fer_small_csv)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "sha256" in err and len(err.splitlines()) == 1
    assert not (path / ONNX_FILE).exists()


def test_cli_export_prints_figures_and_json(tiny_version, fer_small_csv, tmp_path, capsys):
    path = copy_version(tiny_version, tmp_path / "tiny")
    assert main(["export", "--model", str(path), "--data", str(fer_small_csv), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["fp32"]["top1_agreement_with_torch"] >= 0.995 and "int8" not in printed
    assert (path / ONNX_FILE).is_file() and not (path / INT8_FILE).exists()
    assert read_card(path).onnx == printed


def test_cli_export_rejects_a_missing_data_file(tiny_version, tmp_path, capsys):
    path = copy_version(tiny_version, tmp_path / "tiny")
    assert main(["export", "--model", str(path), "--data", str(tmp_path / "nope.csv")]) == 2
    assert "nope.csv" in capsys.readouterr().err


def test_half_weights_store_the_parameters_in_fp16_and_the_card_is_measured_with_them(tiny_version, fer_small_csv,
                                                                                     tmp_path, capsys):
    from safetensors.torch import load_file

    from fer.version.calibration import negative_log_likelihood

    path = copy_version(tiny_version, tmp_path / "tiny")
    fer.load(str(path)).calibrate(fer_small_csv, prior_tau=0.5)
    data = fer.load_dataset(fer_small_csv)
    faces, y = data.split("PublicTest")
    full = fer.load(str(path))
    full_probs, full_size = full.predict_proba(faces, calibrated=False), (path / full.card.weights_file).stat().st_size

    assert main(["export", "--model", str(path), "--data", str(fer_small_csv), "--half-weights"]) == 0
    assert "fp16" in capsys.readouterr().err
    halved = fer.load(str(path))  # its new sha256 is in the card, or this refuses it
    stored = load_file(str(path / halved.card.weights_file))
    learned = {name for name, _ in halved.model.named_parameters()}
    assert {k for k, t in stored.items() if t.dtype.is_floating_point and k in learned} == learned
    assert all(str(t.dtype) == "torch.float16" for k, t in stored.items() if k in learned)
    assert not any(str(t.dtype) == "torch.float16" for k, t in stored.items() if k not in learned)  # BatchNorm stats
    assert (path / halved.card.weights_file).stat().st_size < 0.6 * full_size
    probs = halved.predict_proba(faces, calibrated=False)
    assert 0 < np.abs(probs - full_probs).max() < 1e-2  # rounded, not retrained
    card = halved.card
    assert card.calibration["prior_correction"]["tau"] == 0.5  # refitted under the same correction
    assert card.calibration["before"]["val_tta"]["nll"] == round(negative_log_likelihood(probs, y), 4)
    assert card.accuracy("test") == halved.evaluate(data, "PrivateTest")["accuracy"]
    assert card.onnx["weights_sha256"] == card.weights_sha256  # exported again, from the fp16 weights


def test_an_ensemble_has_no_weights_to_halve(two_versions, fer_small_csv, tmp_path):
    root = tmp_path / "checkpoints"
    shutil.copytree(two_versions, root)
    build_ensemble("pair", ["tiny", "tiny-b"], fer_small_csv, root=root)
    with pytest.raises(VersionError, match="halve its members"):
        fer.load("pair", root).halve_weights(fer_small_csv)
