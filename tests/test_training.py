"""The training loop: a short real run writes a complete version, resume is exact, DDP ranks agree,
and each training option (early stopping, plateau, mixup/cutmix, class weights, balanced sampler,
torchvision v2 augmentation) does what it says."""
import csv
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

import fer
from fer.data import FaceData
from fer.data.transforms import to_tensor
from fer.training import trainer
from fer.training.optim import mix_batch
from fer.checksum import sha256_of
from fer.cli import main
from fer.version import CARD_FILE, LOCK_FILE, RESUME_FILE, read_card, read_history
from fer.version.model import ModelVersion

REPO = Path(__file__).resolve().parents[1]
# as listed in docs/ARCHITECTURE.md
CARD_KEYS = {"name", "architecture", "model_kwargs", "params", "macs", "input_size", "normalization", "labels", "data",
             "hyperparameters", "seed", "wall_time_s", "hardware", "best_epoch", "metrics", "tta", "weights_file",
             "weights_sha256", "latency"}
REPORT_KEYS = {"accuracy", "macro_f1", "per_class", "confusion", "confusion_normalized", "n"}
HISTORY_COLUMNS = ["epoch", "train_loss", "train_acc", "val_loss", "val_acc", "val_ferplus_acc", "lr", "seconds"]
QUICK = dict(model="fernet_tiny", batch_size=32, lr=0.03, scheduler="none", label_smoothing=0.0, augment="none",
             eval_tta="none", threads=1, num_workers=0)


@pytest.fixture(scope="module")
def small_data(fer_small_csv):
    return fer.load_dataset(fer_small_csv)


@pytest.fixture
def quick_card(monkeypatch):
    """Skip the card's latency measurement (a second or more of timing per run) in option tests."""
    monkeypatch.setattr(ModelVersion, "measure_ms_per_view", lambda *args, **kwargs: 0.0)


@pytest.fixture
def built_models(monkeypatch):
    """The model objects train() builds, in order, so a test can read their final weights."""
    models = []
    real = trainer.create_model

    def capture(*args, **kwargs):
        models.append(real(*args, **kwargs))
        return models[-1]

    monkeypatch.setattr(trainer, "create_model", capture)
    return models


@pytest.fixture
def built_losses(monkeypatch):
    """The TrainingLoss objects train() builds, in order, so a test can read their class weights and teacher."""
    losses = []
    real = trainer.TrainingLoss
    monkeypatch.setattr(trainer, "TrainingLoss", lambda *a, **k: losses.append(real(*a, **k)) or losses[-1])
    return losses


def _tiny(data: FaceData, train: int, val: int = 32, test: int = 32) -> FaceData:
    x, y = data.split("train")
    splits = {"train": (x[:train], y[:train]), "val": tuple(a[:val] for a in data.split("val")),
              "test": tuple(a[:test] for a in data.split("test"))}
    return FaceData(data.source, data.layout, splits, dict(data.split_names))


# ---------------------------------------------------------------- a real run
@pytest.fixture(scope="module")
def two_epoch_version(fer_small_csv, tmp_path_factory):
    config = fer.make_config(data=str(fer_small_csv), epochs=2, out_dir=str(tmp_path_factory.mktemp("runs")), name="two", **QUICK)
    return fer.train(config)


def test_two_epochs_lower_the_training_loss(two_epoch_version):
    history = read_history(two_epoch_version)
    assert [row["epoch"] for row in history] == [1, 2]
    assert history[1]["train_loss"] < history[0]["train_loss"]


def test_version_directory_is_complete(two_epoch_version, fer_small_csv):
    assert {p.name for p in two_epoch_version.iterdir()} == {"weights.safetensors", "card.json", "history.csv",
                                                            "test_predictions.npz"}  # each test face's prediction
    card = fer.load(str(two_epoch_version)).card
    assert CARD_KEYS <= set(card.to_dict())
    assert set(card.normalization) == {"mean", "std"}
    assert card.data_file == fer_small_csv.name and card.data["sha256"] == sha256_of(fer_small_csv)  # no path
    assert card.data["split_sizes"] == {"Training": 400, "PublicTest": 120, "PrivateTest": 120}
    for split in ("val", "test", "val_ferplus", "test_ferplus", "test_ferplus_majority", "test_agreed"):
        assert REPORT_KEYS <= set(card.metrics[split])
    assert card.weights_sha256 == sha256_of(two_epoch_version / "weights.safetensors")
    assert card.params == fer.count_params(fer.create_model("fernet_tiny")) and card.macs > 0
    assert card.latency["ms_per_view_batch1_1thread"] > 0
    with open(two_epoch_version / "history.csv", newline="") as f:
        assert next(csv.reader(f)) == HISTORY_COLUMNS


def test_card_test_metrics_agree_with_evaluate(two_epoch_version, fer_small_csv):
    card = fer.load(str(two_epoch_version)).card
    for labels in ("fer2013", "ferplus"):
        report = fer.evaluate(str(two_epoch_version), str(fer_small_csv), split="PrivateTest", labels=labels)
        assert report["n"] == card.report("test", labels)["n"]
        assert report["accuracy"] == pytest.approx(card.accuracy("test", labels))
        assert report["macro_f1"] == pytest.approx(card.macro_f1("test", labels))
        assert report["confusion"] == card.report("test", labels)["confusion"]
        assert report["ece"] == card.ece("test", labels)
    assert card.report("test")["n"] == 120


def test_existing_version_is_not_overwritten(two_epoch_version, fer_small_csv):
    config = fer.make_config(data=str(fer_small_csv), epochs=1, out_dir=str(two_epoch_version.parent), name="two", **QUICK)
    with pytest.raises(FileExistsError, match="--resume"):
        fer.train(config)


# ---------------------------------------------------------------- resume
def test_resume_after_a_kill_equals_the_uninterrupted_run(small_data, tmp_path, quick_card, built_models, monkeypatch):
    data = _tiny(small_data, train=96)
    # augmentation, mixup and dropout draw random numbers and the cosine schedule follows the step count:
    # a resumed run must draw the same numbers and continue the schedule where it stopped
    options = {**QUICK, "augment": "standard", "mixup": 0.2, "scheduler": "cosine"}
    config = fer.make_config(data=data.source, out_dir=str(tmp_path), epochs=3, **options)
    whole = fer.train(config, data=data, name="whole")

    real_loader = trainer._make_loader

    def killed_in_epoch_2(x, y, config, device, world, rank, epoch):
        if epoch == 1:
            raise KeyboardInterrupt
        return real_loader(x, y, config, device, world, rank, epoch)

    with monkeypatch.context() as patch:
        patch.setattr(trainer, "_make_loader", killed_in_epoch_2)
        with pytest.raises(KeyboardInterrupt):
            fer.train(config, data=data, name="killed")
    assert (tmp_path / "killed" / RESUME_FILE).is_file()
    assert len(read_history(tmp_path / "killed")) == 1
    resumed = fer.train(config, data=data, name="killed", resume=True)

    final_whole, final_resumed = built_models[0].state_dict(), built_models[2].state_dict()
    assert all(torch.equal(final_whole[k], final_resumed[k]) for k in final_whole)
    without_time = [{k: v for k, v in row.items() if k != "seconds"} for row in read_history(whole)]
    assert without_time == [{k: v for k, v in row.items() if k != "seconds"} for row in read_history(resumed)]
    best_whole, best_resumed = load_file(str(whole / "weights.safetensors")), load_file(str(resumed / "weights.safetensors"))
    assert all(torch.equal(best_whole[k], best_resumed[k]) for k in best_whole)
    assert not (resumed / RESUME_FILE).exists()


def test_resume_without_a_saved_epoch_is_explained(small_data, tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing to resume"):
        fer.train(fer.make_config(out_dir=str(tmp_path), name="never", resume=True, **QUICK), data=_tiny(small_data, 64))
    assert not (tmp_path / "never").exists()  # nothing left behind that would block a new run of that name


# ---------------------------------------------------------------- options driven by validation accuracy
@pytest.fixture
def flat_validation(monkeypatch):
    """Validation logits that never change: the first epoch is the best one, and no later epoch improves."""
    monkeypatch.setattr(trainer, "predict_logits", lambda model, x, device: torch.zeros(len(x), 1, 7))


def test_early_stopping_stops_after_patience(small_data, tmp_path, quick_card, flat_validation):
    out = fer.train(fer.make_config(out_dir=str(tmp_path), name="early", epochs=6, early_stopping=2, **QUICK),
                    data=_tiny(small_data, 64))
    card = fer.load(str(out)).card
    assert card.epochs_run == 3 and card.best_epoch == 1


def test_plateau_scheduler_halves_the_lr(small_data, tmp_path, quick_card, flat_validation):
    out = fer.train(fer.make_config(out_dir=str(tmp_path), name="plateau", epochs=5, **{**QUICK, "scheduler": "plateau"}),
                    data=_tiny(small_data, 64))
    lrs = [row["lr"] for row in read_history(out)]
    assert lrs[:4] == [QUICK["lr"]] * 4  # patience 3: the 4th epoch without improvement halves it
    assert lrs[4] == pytest.approx(QUICK["lr"] / 2)


# ---------------------------------------------------------------- mixup / cutmix
def _batch(seed=0):
    torch.manual_seed(seed)
    return torch.randn(7, 1, 48, 48), torch.arange(7)


def test_mixup_blends_images_and_targets_alike():
    x, y = _batch()
    mixed, target = mix_batch(x, y, fer.make_config(mixup=0.4))
    assert torch.allclose(target.sum(1), torch.ones(7))
    lam = target[torch.arange(7), y]  # own-label weight; the partner's is 1 - lam
    partner = target.clone()
    partner[torch.arange(7), y] = 0
    other = partner.argmax(1)
    blended = lam.view(-1, 1, 1, 1) * x + (1 - lam).view(-1, 1, 1, 1) * x[other]
    moved = lam < 1
    assert moved.any()
    assert torch.allclose(mixed[moved], blended[moved], atol=1e-5)


def test_cutmix_pastes_a_patch_sized_by_the_target():
    x, y = _batch(1)
    mixed, target = mix_batch(x, y, fer.make_config(cutmix=1.0))
    own = target[torch.arange(7), y]
    changed = (mixed != x).flatten(1).float().mean(1)
    moved = own < 1
    assert moved.any()
    assert torch.allclose(changed[moved], 1 - own[moved], atol=1e-6)  # pasted area = the partner's label weight


def test_no_mixing_leaves_the_batch_alone():
    x, y = _batch()
    mixed, target = mix_batch(x, y, fer.make_config())
    assert mixed is x and target is y


def test_training_with_mixup_and_cutmix(small_data, tmp_path, quick_card):
    out = fer.train(fer.make_config(out_dir=str(tmp_path), name="mix", epochs=1, **{**QUICK, "mixup": 0.2, "cutmix": 1.0}),
                    data=_tiny(small_data, 64))
    row = read_history(out)[0]
    assert np.isfinite(row["train_loss"]) and row["train_loss"] > 0


# ---------------------------------------------------------------- class balance
def test_class_weighted_loss_uses_inverse_frequency(small_data, tmp_path, quick_card, built_losses):
    data = _tiny(small_data, 96)
    fer.train(fer.make_config(out_dir=str(tmp_path), name="weighted", epochs=1, class_weighted=True, **QUICK), data=data)
    weights = built_losses[0].class_weights.cpu().numpy()
    counts = np.bincount(data.split("train")[1], minlength=7)
    present = counts > 0
    assert np.allclose(weights[present] * counts[present], len(data.split("train")[1]) / 7)
    assert weights[counts.argmin()] > weights[counts.argmax()]


# ---------------------------------------------------------------- distillation
def test_the_distillation_target_is_the_teachers_prior_corrected_answer():
    torch.manual_seed(0)
    teacher = torch.nn.Linear(4, 7)
    x, bias = torch.randn(16, 4), torch.randn(7)
    labels, student_logits = torch.randint(0, 7, (16,)), torch.randn(16, 7)
    loss = trainer.TrainingLoss(teacher=teacher, alpha=1.0, temperature=2.0, teacher_bias=bias)
    target = ((teacher(x).log_softmax(1) + bias) / 2.0).softmax(1)
    expected = (target * (target.log() - (student_logits / 2.0).log_softmax(1))).sum(1).mean() * 4
    assert torch.allclose(loss(student_logits, labels, x), expected, atol=1e-5)
    uncorrected = trainer.TrainingLoss(teacher=teacher, alpha=1.0, temperature=2.0)
    assert not torch.allclose(uncorrected(student_logits, labels, x), expected, atol=1e-3)


@pytest.fixture
def calibrated_teacher(tiny_version, fer_small_csv, tmp_path, monkeypatch) -> Path:
    """A copy of tiny_version with a prior correction in its card (and a cache of its own for its answers)."""
    monkeypatch.setenv("FER_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "ckpt"
    shutil.copytree(tiny_version, root / "teacher")
    assert main(["calibrate", "--model", "teacher", "--data", str(fer_small_csv), "--root", str(root),
                 "--prior-tau", "1.0"]) == 0
    return root / "teacher"


def test_a_student_learns_from_the_teacher_version_as_calibrated(calibrated_teacher, small_data, tmp_path,
                                                                 quick_card, built_losses):
    fer.train(fer.make_config(out_dir=str(tmp_path), name="student", epochs=1, teacher=str(calibrated_teacher),
                              **QUICK), data=_tiny(small_data, 64))
    bias = read_card(calibrated_teacher.name, calibrated_teacher.parent).class_bias
    np.testing.assert_allclose(built_losses[0].teacher_bias.cpu().numpy(), bias, atol=1e-6)


def test_offline_distillation_trains_on_the_teachers_answers_mixed_with_the_labels(calibrated_teacher, small_data,
                                                                                   tmp_path, quick_card, built_losses,
                                                                                   monkeypatch, capsys):
    targets = []
    real_loader = trainer._make_loader
    monkeypatch.setattr(trainer, "_make_loader", lambda x, y, *a: targets.append(y) or real_loader(x, y, *a))
    data = _tiny(small_data, 64)
    fer.train(fer.make_config(out_dir=str(tmp_path), name="student", epochs=1, teacher=str(calibrated_teacher),
                              distill_mode="offline", distill_alpha=0.25, **QUICK), data=data)
    faces, labels = data.split("train")
    answers = fer.load(str(calibrated_teacher)).predict_proba(faces)  # declared TTA, calibrated
    np.testing.assert_allclose(targets[0], 0.75 * np.eye(7)[labels] + 0.25 * answers, atol=1e-5)
    assert built_losses[0].teacher is None  # no teacher pass per batch
    assert "teacher's answers" in capsys.readouterr().err  # minutes on the full set: a progress bar says so


def test_the_teachers_answers_are_computed_once_for_its_resumed_parts_and_its_other_students(
        calibrated_teacher, small_data, tmp_path, quick_card, monkeypatch):
    targets, asked = [], []
    real_loader = trainer._make_loader
    monkeypatch.setattr(trainer, "_make_loader", lambda x, y, *a: targets.append(y) or real_loader(x, y, *a))
    monkeypatch.setattr(trainer, "_part_over", lambda *args: True)  # each part of the run ends after one epoch
    data = _tiny(small_data, 64)
    config = fer.make_config(out_dir=str(tmp_path), name="student", epochs=4, max_minutes=1, distill_mode="offline",
                             teacher=str(calibrated_teacher), distill_alpha=0.5, **QUICK)
    fer.train(config, data=data)
    first = targets[0]
    monkeypatch.setattr("fer.version.model.ModelVersion.predict_proba",
                        lambda *a, **k: asked.append(1) or pytest.fail("the teacher was asked again"))
    fer.train(config, data=data, resume=True)
    fer.train(config.update(name="second-student", seed=1), data=data)
    assert not asked
    for reused in targets[1:]:  # the same targets, from the kept answers
        np.testing.assert_array_equal(reused, first)

    card = read_card(calibrated_teacher.name, calibrated_teacher.parent)  # another teacher card: asked afresh
    card.calibration["temperature"] = card.temperature * 2
    card.write(calibrated_teacher)
    with pytest.raises(pytest.fail.Exception, match="asked again"):
        fer.train(config, data=data, resume=True)
    assert asked


def test_an_unknown_distillation_mode_is_refused(calibrated_teacher, small_data, tmp_path):
    with pytest.raises(ValueError, match="distill_mode"):
        fer.train(fer.make_config(out_dir=str(tmp_path), name="student", epochs=1, teacher=str(calibrated_teacher),
                                  distill_mode="sideways", **QUICK), data=_tiny(small_data, 64))


def _imbalanced_labels():
    return np.repeat(np.arange(7), [900, 50, 100, 100, 100, 100, 100])


def test_balanced_sampler_draws_classes_equally():
    y = _imbalanced_labels()
    x = np.zeros((len(y), 48, 48), np.uint8)
    shares = {}
    for balanced in (False, True):
        config = fer.make_config(batch_size=100, balanced_sampler=balanced, num_workers=0)
        loader = trainer._make_loader(x, y, config, torch.device("cpu"), 1, 0, epoch=0)
        drawn = torch.cat([labels for _, labels in loader]).numpy()
        shares[balanced] = np.bincount(drawn, minlength=7) / len(drawn)
    assert shares[False][0] > 0.5
    assert np.all(np.abs(shares[True] - 1 / 7) < 0.05)


# ---------------------------------------------------------------- torchvision v2 augmentation
def test_v2_backend_augments_each_face():
    face = np.random.default_rng(0).integers(0, 256, (48, 48), dtype=np.uint8)
    x, y = np.repeat(face[None], 64, 0), np.zeros(64, np.int64)
    clean = to_tensor(face[None])[0]
    batches = {}
    for augment in ("none", "standard"):
        config = fer.make_config(batch_size=64, aug_backend="v2", augment=augment, num_workers=0)
        batches[augment], _ = next(iter(trainer._make_loader(x, y, config, torch.device("cpu"), 1, 0, epoch=0)))
    assert batches["none"].dtype == torch.float32 and batches["none"].shape == (64, 1, 48, 48)
    assert torch.allclose(batches["none"], clean.expand(64, 1, 48, 48), atol=1e-6)
    differs = (batches["standard"] - clean).abs().flatten(1).amax(1) > 1e-3
    assert differs.float().mean() > 0.9
    assert len({tuple(b.flatten()[:50].tolist()) for b in batches["standard"]}) > 32, "drawn per face"


def test_training_with_v2_backend_and_a_worker_trains_on_augmented_faces(small_data, tmp_path, quick_card):
    """The worker process applies the per-sample v2 augmentation: the same seed without it sees other pixels,
    so it ends with other weights and another training loss."""
    runs = {}
    for augment in ("standard", "none"):
        options = {**QUICK, "aug_backend": "v2", "augment": augment, "num_workers": -1}
        out = fer.train(fer.make_config(out_dir=str(tmp_path), name=augment, epochs=1, **options), data=_tiny(small_data, 64))
        runs[augment] = (read_history(out)[0]["train_loss"], load_file(str(out / "weights.safetensors")))
    (loss_aug, weights_aug), (loss_plain, weights_plain) = runs["standard"], runs["none"]
    assert np.isfinite(loss_aug) and loss_aug != loss_plain
    assert any(not torch.equal(weights_aug[k], weights_plain[k]) for k in weights_aug)


# ---------------------------------------------------------------- DDP
DDP_WORKER = """
    import os, sys
    import torch
    import fer
    from fer.training import trainer

    models = []
    real = trainer.create_model
    trainer.create_model = lambda *a, **k: models.append(real(*a, **k)) or models[-1]
    from fer.version.model import ModelVersion
    ModelVersion.measure_ms_per_view = lambda *a, **k: 0.0
    data_path, out_dir = sys.argv[1], sys.argv[2]
    config = fer.make_config(data=data_path, out_dir=out_dir, name="ddp", epochs=2, model="fernet_tiny", batch_size=16,
                             lr=0.03, scheduler="cosine", augment="standard", subset=96, threads=1, num_workers=0, device="cpu")
    fer.train(config)
    torch.save(models[0].state_dict(), os.path.join(out_dir, f"rank{os.environ['RANK']}.pt"))
"""


@pytest.mark.slow
def test_ddp_ranks_train_the_same_weights(fer_small_csv, tmp_path):
    script = tmp_path / "ddp_worker.py"
    script.write_text(textwrap.dedent(DDP_WORKER))
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", str(script),
               str(fer_small_csv), str(tmp_path)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr[-3000:]
    rank0, rank1 = torch.load(tmp_path / "rank0.pt"), torch.load(tmp_path / "rank1.pt")
    assert rank0.keys() == rank1.keys()
    assert all(torch.equal(rank0[k], rank1[k]) for k in rank0)
    card = fer.load(str(tmp_path / "ddp")).card
    assert "x 2 process(es)" in card.hardware and card.epochs_run == 2


# ---------------------------------------------------------------- runs in parts (--max-minutes) and bf16
def test_parts_end_cleanly_and_resume_to_the_uninterrupted_run(small_data, tmp_path, quick_card, built_models, monkeypatch):
    data = _tiny(small_data, train=96)
    options = {**QUICK, "augment": "standard", "scheduler": "onecycle"}
    config = fer.make_config(data=data.source, out_dir=str(tmp_path), epochs=3, **options)
    whole = fer.train(config, data=data, name="whole")

    monkeypatch.setattr(trainer, "_part_over", lambda *args: True)  # every part's limit is hit after one epoch
    sat = fer.make_config(data=data.source, out_dir=str(tmp_path), epochs=3, max_minutes=1, name="sat", **options)
    out = fer.train(sat, data=data)
    assert len(read_history(out)) == 1 and not (out / CARD_FILE).exists()
    assert (out / RESUME_FILE).is_file()
    fer.train(sat, data=data, resume=True)
    assert len(read_history(out)) == 2 and not (out / CARD_FILE).exists()
    fer.train(sat, data=data, resume=True)

    card = fer.load(str(out)).card
    assert [s["first_epoch"] for s in card.sittings] == [1, 2, 3]
    assert [s["epochs"] for s in card.sittings] == [1, 1, 1]
    assert card.wall_time_s == pytest.approx(sum(s["seconds"] for s in card.sittings), abs=0.15)  # their sum
    # the schedule ran by epochs across the parts, exactly as in one go
    final_whole, final_sat = built_models[0].state_dict(), built_models[-1].state_dict()
    assert all(torch.equal(final_whole[k], final_sat[k]) for k in final_whole)
    assert [r["lr"] for r in read_history(whole)] == [r["lr"] for r in read_history(out)]


def test_a_part_stops_before_an_epoch_that_would_overrun_it():
    import time

    assert not trainer._part_over(0, time.time() - 3600, 60)  # no limit
    assert not trainer._part_over(2, time.time() - 60, 30)     # 60 s + a 30 s epoch fits in 2 minutes
    assert trainer._part_over(2, time.time() - 60, 90)         # 60 s + a 90 s epoch does not


def test_bf16_autocast_on_cpus_that_have_it(monkeypatch):
    layer = torch.nn.Linear(4, 2)
    monkeypatch.setattr(trainer, "cpu_has_fast_bf16", lambda: True)
    with trainer.autocast_for(torch.device("cpu"), enabled=True):
        assert layer(torch.ones(1, 4)).dtype == torch.bfloat16
    with trainer.autocast_for(torch.device("cpu"), enabled=False):  # --no-amp
        assert layer(torch.ones(1, 4)).dtype == torch.float32
    monkeypatch.setattr(trainer, "cpu_has_fast_bf16", lambda: False)  # emulated bf16 would be slower: fp32
    with trainer.autocast_for(torch.device("cpu"), enabled=True):
        assert layer(torch.ones(1, 4)).dtype == torch.float32


def test_a_budget_drives_the_schedule_by_time(small_data, tmp_path, quick_card, monkeypatch):
    clock = iter(range(0, 10_000, 7))  # every call to time.time() advances 7 s: the 1-minute budget runs out
    monkeypatch.setattr(trainer.time, "time", lambda: float(next(clock)))
    out = fer.train(fer.make_config(out_dir=str(tmp_path), name="budget", epochs=50, budget_minutes=1,
                                    **{**QUICK, "scheduler": "onecycle"}), data=_tiny(small_data, 64))
    card = fer.load(str(out)).card
    history = read_history(out)
    assert card.epochs_run == len(history) < 50 and (out / CARD_FILE).is_file()
    lrs = [row["lr"] for row in history]
    # by time, one epoch of 50 is already past the one-cycle warm-up (by steps the LR would still be near lr/25),
    # and the LR anneals within the budget
    assert lrs[0] > 0.5 * QUICK["lr"] and lrs[-1] < lrs[0]


def test_a_run_that_another_living_process_trains_is_refused(small_data, tmp_path, quick_card):
    import subprocess as sp

    data = _tiny(small_data, train=64)
    config = fer.make_config(data=data.source, out_dir=str(tmp_path), epochs=2, name="busy", **QUICK)
    other = sp.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / "busy").mkdir()
        (tmp_path / "busy" / LOCK_FILE).write_text(str(other.pid))
        (tmp_path / "busy" / RESUME_FILE).write_bytes(b"being written by the other process")
        with pytest.raises(FileExistsError, match=f"being trained now by process {other.pid}"):
            fer.train(config, data=data, resume=True)
        with pytest.raises(FileExistsError, match="being trained now"):  # not "already exists": it is in training
            fer.train(config, data=data)
    finally:
        other.kill()
        other.wait()
    # the process is gone: its lock is stale, and a new run of the same name goes ahead
    (tmp_path / "busy" / RESUME_FILE).unlink()
    (tmp_path / "busy" / LOCK_FILE).unlink()
    out = fer.train(config, data=data)
    assert not (out / LOCK_FILE).exists() and (out / CARD_FILE).is_file()


# ---------------------------------------------------------------- fine-tuning a version
def _parameters(model: torch.nn.Module) -> dict:
    return {k: v.detach().clone() for k, v in model.named_parameters()}


def test_fine_tuning_starts_from_the_versions_weights(tiny_version, small_data, tmp_path, quick_card, built_models):
    """With a learning rate of 0 nothing moves the parameters, so the fine-tuned network is the version's."""
    fer.train(fer.make_config(out_dir=str(tmp_path), name="tuned", epochs=1, init_from=str(tiny_version),
                              **{**QUICK, "lr": 0.0}), data=_tiny(small_data, 64))
    start = _parameters(fer.load(tiny_version).model)
    tuned = _parameters(built_models[0])
    assert tuned.keys() == start.keys()
    for name in start:
        torch.testing.assert_close(tuned[name], start[name], msg=name)
    assert read_card("tuned", tmp_path).hyperparameters["init_from"] == tiny_version.name  # a name, not a path


def test_fine_tuning_another_architecture_is_refused_with_both_named(tiny_version, small_data, tmp_path):
    config = fer.make_config(out_dir=str(tmp_path), name="tuned", epochs=1, init_from=str(tiny_version),
                             **{**QUICK, "model": "fernet_small"})
    with pytest.raises(ValueError, match="fernet_tiny.*fernet_small"):
        fer.train(config, data=_tiny(small_data, 64))


def test_the_cli_fine_tunes_a_version_in_its_own_architecture(tiny_version, fer_small_csv, tmp_path, quick_card):
    assert main(["train", "--init-from", str(tiny_version), "--data", str(fer_small_csv), "--subset", "64",
                 "--epochs", "1", "--batch-size", "32", "--threads", "1", "--num-workers", "0", "--eval-tta", "none",
                 "--out-dir", str(tmp_path), "--name", "tuned"]) == 0
    card = read_card("tuned", tmp_path)
    assert card.architecture == "fernet_tiny" and card.hyperparameters["init_from"] == tiny_version.name


def test_a_version_fine_tunes_itself_into_a_new_version(tiny_version, fer_small_csv, tmp_path, quick_card):
    tuned = fer.load(tiny_version).train(data=str(fer_small_csv), subset=64, out_dir=str(tmp_path), name="tuned",
                                         epochs=1, **{k: v for k, v in QUICK.items() if k != "model"})
    assert tuned.name == "tuned" and tuned.path.parent == tmp_path
    assert tuned.card.architecture == "fernet_tiny" and tuned.card.hyperparameters["init_from"] == tiny_version.name
