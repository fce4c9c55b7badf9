"""A two-head net (model_kwargs {"heads": 2}, `--labels both`): one head learns FER+'s votes, the other FER2013's
intended label, and the version answers with their probabilities mixed by weights chosen on PublicTest and kept
in its weights file. Targets, the mixed answer, widening a one-head version, a branch (the second head's own copy of
the last blocks), the loss per head, distillation into the first head, the run itself, writing a chosen mix, and
ONNX parity."""
import shutil
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import fer
from fer.data.ferplus import ferplus_targets
from fer.labels import EMOTIONS, NUM_CLASSES
from fer.models import create_model
from fer.models.resnet import widen_heads
from fer.training.losses import TrainingLoss
from fer.training.trainer import offline_distillation_targets
from fer.version.calibration import calibrate, kept_prior_correction
from fer.version.heads import head_probabilities, set_head_mix
from fer.version.predict import temper

QUICK = dict(model="fernet_tiny", batch_size=32, lr=0.03, scheduler="none", label_smoothing=0.0, augment="none",
             eval_tta="none", threads=1, num_workers=0)


def _faces(n=6, seed=0):
    return torch.randn(n, 1, 48, 48, generator=torch.Generator().manual_seed(seed))


def test_both_targets_are_the_vote_shares_then_the_intended_label():
    votes = np.zeros((3, 10), np.uint8)
    votes[0, [3, 6]] = (3, 7)  # 3 happy, 7 neutral
    votes[1, 9] = 10          # not a face: no emotion vote
    votes[2, 0] = 10
    keep, targets = ferplus_targets(votes, "both", fer2013_labels=np.array([0, 1, 2]))
    assert keep.tolist() == [True, False, True]
    np.testing.assert_allclose(targets, [[0, 0, 0, .3, 0, 0, .7, 1, 0, 0, 0, 0, 0, 0],
                                         [1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]])


def test_a_two_head_net_answers_with_its_heads_probabilities_mixed():
    net = create_model("fernet_tiny", heads=2)
    net.head_mix.copy_(torch.tensor([0.3, 0.7]))
    x = _faces()
    net.train()
    every_head = net(x)
    assert every_head.shape == (6, 2 * NUM_CLASSES)  # training sees each head's logits
    net.eval()
    with torch.no_grad():
        heads = net.head_logits(x).unflatten(1, (2, NUM_CLASSES)).softmax(2)
        answer = net(x).softmax(1)
    torch.testing.assert_close(answer, 0.3 * heads[:, 0] + 0.7 * heads[:, 1])


@pytest.mark.parametrize("branch", [0, 1, 2])
def test_widened_one_head_weights_answer_as_the_one_head_net(branch):
    one = create_model("fernet_tiny").eval()
    two = create_model("fernet_tiny", heads=2, branch=branch).eval()
    two.load_state_dict(widen_heads(one.state_dict(), 2, branch))
    x = _faces(seed=1)
    with torch.no_grad():
        torch.testing.assert_close(two(x).softmax(1), one(x).softmax(1))
        torch.testing.assert_close(two.head_logits(x)[:, NUM_CLASSES:], one(x))


def test_a_branch_feeds_the_second_head_only():
    net = create_model("fernet_tiny", heads=2, branch=1).eval()
    assert len(net.branches) == 1 and len(net.branches[0]) == 1
    x = _faces(seed=3)
    with torch.no_grad():
        before = net.head_logits(x)
        net.branches[0][0].body[0][0].weight.mul_(-1)
        after = net.head_logits(x)
    torch.testing.assert_close(after[:, :NUM_CLASSES], before[:, :NUM_CLASSES])
    assert not torch.allclose(after[:, NUM_CLASSES:], before[:, NUM_CLASSES:])


@pytest.mark.parametrize("kwargs", [{"branch": 1}, {"heads": 2, "branch": 5}])
def test_a_branch_needs_a_second_head_and_enough_blocks(kwargs):
    with pytest.raises(ValueError, match="a branch is 1 to 4 last blocks"):
        create_model("fernet_tiny", **kwargs)


def test_each_head_learns_its_own_block_of_targets():
    logits = torch.randn(5, 14, generator=torch.Generator().manual_seed(2))
    votes = torch.rand(5, 7).softmax(1)
    intended = F.one_hot(torch.tensor([0, 1, 2, 3, 4]), 7).float()
    loss = TrainingLoss(label_smoothing=0.1).cross_entropy(logits, torch.cat([votes, intended], 1))
    expected = F.cross_entropy(logits[:, :7], votes, label_smoothing=0.1) + \
        F.cross_entropy(logits[:, 7:], intended, label_smoothing=0.1)
    torch.testing.assert_close(loss, expected)
    with pytest.raises(ValueError, match="--labels both"):
        TrainingLoss().cross_entropy(logits, votes)


@pytest.mark.parametrize("head", [0, 1])
def test_offline_distillation_blends_the_teacher_into_one_head_only(head):
    targets = np.hstack([np.full((2, 7), 1 / 7, np.float32), np.eye(7, dtype=np.float32)[[0, 5]]])
    answers = torch.from_numpy(np.eye(7, dtype=np.float32)[[3, 3]])
    blended = offline_distillation_targets(answers, targets, alpha=0.5, head=head)
    taught, kept = (slice(0, 7), slice(7, 14)) if head == 0 else (slice(7, 14), slice(0, 7))
    np.testing.assert_allclose(blended[:, taught], 0.5 * targets[:, taught] + 0.5 * np.eye(7)[[3, 3]], rtol=1e-6)
    np.testing.assert_array_equal(blended[:, kept], targets[:, kept])


def test_the_fer2013_head_learns_the_intended_teachers_answers(tiny_version, fer_small_csv, tmp_path, monkeypatch):
    """--intended-teacher: the second head's targets are the labels blended with that version's answers; the votes
    head's stay the vote shares."""
    from fer.training import trainer
    monkeypatch.setenv("FER_CACHE_DIR", str(tmp_path / "cache"))
    targets = []
    real_loader = trainer._make_loader
    monkeypatch.setattr(trainer, "_make_loader", lambda x, y, *a: targets.append(y) or real_loader(x, y, *a))
    config = fer.make_config("smoke", data=str(fer_small_csv), subset=0, out_dir=str(tmp_path), name="taught",
                             labels="both", model_kwargs={"heads": 2}, init_from=str(tiny_version),
                             intended_teacher=str(tiny_version), distill_alpha=0.25, epochs=1, threads=1)
    fer.train(config)
    data = fer.load_dataset(fer_small_csv)
    faces, both, _ = data.ferplus("train", "both")
    answers = fer.load(str(tiny_version)).predict_proba(faces)
    np.testing.assert_allclose(targets[0][:, :7], both[:, :7], atol=1e-6)
    np.testing.assert_allclose(targets[0][:, 7:], 0.75 * both[:, 7:] + 0.25 * answers, atol=1e-5)


def test_an_intended_teacher_needs_a_second_head(tiny_version, fer_small_csv, tmp_path):
    config = fer.make_config("smoke", data=str(fer_small_csv), subset=0, out_dir=str(tmp_path), name="one-head",
                             labels="ferplus", intended_teacher=str(tiny_version), epochs=1, threads=1)
    with pytest.raises(ValueError, match="--intended-teacher teaches the second head"):
        fer.train(config)


def test_heads_and_label_source_go_together(fer_small_csv, tmp_path):
    data = fer.load_dataset(fer_small_csv)
    with pytest.raises(ValueError, match="trains on --labels both"):
        fer.train(fer.make_config(data=str(fer_small_csv), out_dir=str(tmp_path), name="a", labels="both", epochs=1,
                                  **QUICK), data=data)
    with pytest.raises(ValueError, match="trains on --labels both"):
        fer.train(fer.make_config(data=str(fer_small_csv), out_dir=str(tmp_path), name="b", labels="fer2013", epochs=1,
                                  model_kwargs={"heads": 2}, **QUICK), data=data)


@pytest.fixture(scope="module")
def two_head_version(tiny_version, fer_small_csv, tmp_path_factory):
    """One epoch of a two-head net started from the one-head tiny version (fernet_tiny)."""
    config = fer.make_config("smoke", data=str(fer_small_csv), subset=0, out_dir=str(tmp_path_factory.mktemp("heads")),
                             name="two-head", labels="both", model_kwargs={"heads": 2}, init_from=str(tiny_version),
                             epochs=1, threads=1)
    return fer.train(config)


@pytest.fixture(scope="module")
def branch_version(tiny_version, fer_small_csv, tmp_path_factory):
    """One epoch of a two-head net with a one-block branch, started from the one-head tiny version."""
    config = fer.make_config("smoke", data=str(fer_small_csv), subset=0, out_dir=str(tmp_path_factory.mktemp("branch")),
                             name="branch", labels="both", model_kwargs={"heads": 2, "branch": 1},
                             init_from=str(tiny_version), epochs=1, threads=1)
    return fer.train(config)


def test_a_branch_starts_as_the_last_block_of_a_one_head_version_and_learns(branch_version, tiny_version):
    branched, one = fer.load(str(branch_version)), fer.load(str(tiny_version))
    assert branched.card.model_kwargs == {"heads": 2, "branch": 1}
    last_block, branch = one.model.stages[-1].body[0][0].weight, branched.model.branches[0][0].body[0][0].weight
    assert branch.shape == last_block.shape and not torch.equal(branch, last_block)
    assert not torch.equal(branch, branched.model.stages[-1].body[0][0].weight)


def test_a_frozen_trunk_stays_as_the_version_gave_it_while_the_branch_learns(tiny_version, fer_small_csv, tmp_path):
    config = fer.make_config("smoke", data=str(fer_small_csv), subset=0, out_dir=str(tmp_path), name="frozen",
                             labels="both", model_kwargs={"heads": 2, "branch": 1}, init_from=str(tiny_version),
                             freeze="stem,stages", epochs=1, threads=1)
    trained, one = fer.load(str(fer.train(config))).model.state_dict(), fer.load(str(tiny_version)).model.state_dict()
    trunk = [k for k in one if k.startswith(("stem.", "stages."))]
    assert any(k.endswith("running_mean") for k in trunk)  # BatchNorm statistics are among what stays
    for key in trunk:
        torch.testing.assert_close(trained[key], one[key], msg=key)
    assert not torch.equal(trained["branches.0.0.body.0.0.weight"], one["stages.3.body.0.0.weight"])
    assert not torch.equal(trained["head.3.weight"][NUM_CLASSES:], one["head.3.weight"])


@pytest.mark.parametrize("changes, refusal", [({"init_from": ""}, "give --init-from too"),
                                              ({"freeze": "trunk"}, "no part of the net is called so; its parts: "
                                                                    "branches, head, stages, stem")])
def test_freezing_names_parts_of_the_version_it_starts_from(changes, refusal, tiny_version, fer_small_csv, tmp_path):
    options = dict(data=str(fer_small_csv), subset=0, out_dir=str(tmp_path), name="frozen", labels="both",
                   model_kwargs={"heads": 2, "branch": 1}, init_from=str(tiny_version), freeze="stem", epochs=1)
    with pytest.raises(ValueError, match=refusal):
        fer.train(fer.make_config("smoke", **{**options, **changes}))


def test_a_two_head_run_starts_from_a_one_head_version(two_head_version, tiny_version):
    two, one = fer.load(str(two_head_version)), fer.load(str(tiny_version))
    assert two.card.model_kwargs == {"heads": 2} and two.card.hyperparameters["labels"] == "both"
    assert two.model.head_logits(torch.zeros(1, 1, 48, 48)).shape == (1, 14)
    # the trunk moved from the version it started from: it was trained, not only copied
    assert not torch.equal(two.model.stem[0].weight, one.model.stem[0].weight)


def test_a_chosen_mix_is_written_into_the_version(two_head_version, fer_small_csv, tmp_path):
    data = fer.load_dataset(fer_small_csv)
    version = fer.load(str(two_head_version))
    faces, y = data.split("PrivateTest")
    heads = head_probabilities(version, faces)
    bias = [0.5, 0.0, 1.0, -0.5, 0.0, 0.0, 0.25]
    set_head_mix(version, [0.25, 0.75], bias, data, chosen_by="a test")

    reloaded = fer.load(str(two_head_version))  # its weights verified against the card's new sha256
    torch.testing.assert_close(reloaded.model.head_mix, torch.tensor([0.25, 0.75]))
    assert reloaded.card.class_bias == bias
    expected = temper(0.25 * heads[0] + 0.75 * heads[1], reloaded.card.temperature, bias)
    np.testing.assert_allclose(reloaded.predict_proba(faces), expected, atol=1e-5)
    assert reloaded.card.accuracy("test") == pytest.approx((expected.argmax(1) == y).mean())
    # recalibrating (as halve_weights does) keeps the chosen bias
    assert kept_prior_correction(reloaded.card) == {"class_bias": bias, "chosen_by": "a test"}
    with pytest.raises(ValueError, match="not both"):
        calibrate(reloaded, data, prior_tau=0.5, class_bias=bias)


def test_one_head_alone_without_a_class_bias(two_head_version, fer_small_csv, tmp_path):
    """A mix of [0, 1] makes the version its FER2013 head alone, with no prior correction."""
    data = fer.load_dataset(fer_small_csv)
    version = fer.load(str(two_head_version))
    faces = data.split("PrivateTest")[0]
    intended = head_probabilities(version, faces)[1]
    set_head_mix(version, [0.0, 1.0], None, data)
    reloaded = fer.load(str(two_head_version))
    assert reloaded.card.class_bias is None
    np.testing.assert_allclose(reloaded.predict_proba(faces), temper(intended, reloaded.card.temperature), atol=1e-5)


def test_a_mix_must_weigh_every_head(two_head_version, fer_small_csv):
    version = fer.load(str(two_head_version))
    with pytest.raises(fer.version.VersionError, match="summing to 1"):
        set_head_mix(version, [0.5, 0.6], [0.0] * 7, fer_small_csv)


@pytest.mark.parametrize("trained", ["two_head_version", "branch_version"])
def test_the_onnx_file_gives_the_mixed_answer(trained, fer_small_csv, request):
    version = fer.load(str(request.getfixturevalue(trained)))
    fp32 = version.export(fer_small_csv)["fp32"]
    assert fp32["top1_agreement_with_torch"] == 1.0 and fp32["max_abs_prob_diff"] < 1e-4


def test_while_training_each_head_is_judged_on_its_own_labels(two_head_version, fer_small_csv):
    """The history's FER2013 accuracy is the FER2013 head's, its FER+ accuracy the votes head's (the mix is
    chosen after training)."""
    version, data = fer.load(str(two_head_version)), fer.load_dataset(fer_small_csv)
    faces, y = data.split("PublicTest")
    votes_head, intended_head = head_probabilities(version, faces, "none")
    rows, ferplus = data.labelled_rows("PublicTest", "ferplus")
    last = version.history[-1]
    assert last["val_acc"] == pytest.approx((intended_head.argmax(1) == y).mean(), abs=1e-5)
    assert last["val_ferplus_acc"] == pytest.approx((votes_head.argmax(1)[rows] == ferplus).mean(), abs=1e-5)


def test_the_benchmark_writes_the_frontier_point_it_was_asked_for(two_head_version, fer_small_csv, tmp_path,
                                                                  monkeypatch, capsys):
    """combine_label_sources.py --two-head V --write --write-floor F: the version answers with the mix and biases
    chosen at that PublicTest FER+ floor."""
    import combine_label_sources as combine  # benchmarks/ is on the tests' path (pytest.ini)
    copy = shutil.copytree(two_head_version, tmp_path / "two-head-copy")
    data = fer.load_dataset(fer_small_csv)
    heads = combine.heads_of_version(fer.load(str(copy)), data)
    votes, intended = heads["votes"]["probs"], heads["intended"]["probs"]
    weights, biases = [0.0, 0.5, 1.0], [-0.5, 0.0, 0.5]
    point = combine.frontier_point(votes, intended, data, "both-realtime", 0.2, weights, biases)
    judge = combine.FastJudge(data, "PublicTest", "both-realtime")
    rules_w, rules_bias, _ = combine.search(votes["PublicTest"], intended["PublicTest"], judge, weights, biases)
    assert (rules_w, rules_bias.tolist()) != (point["w"], [point["bias"][e] for e in EMOTIONS])  # the floor matters
    monkeypatch.setattr(sys, "argv", ["combine_label_sources.py", "--two-head", str(copy), "--data", str(fer_small_csv),
                                      "--rule", "both-realtime", "--weights", "0,0.5,1", "--biases=-0.5,0,0.5",
                                      "--write", "--write-floor", "0.2"])
    combine.main()
    written = fer.load(str(copy))
    torch.testing.assert_close(written.model.head_mix, torch.tensor([1 - point["w"], point["w"]]))
    assert written.card.class_bias == pytest.approx([point["bias"][e] for e in EMOTIONS])
    assert "frontier at FER+ >= 0.20" in kept_prior_correction(written.card)["chosen_by"]
