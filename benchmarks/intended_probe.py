"""A second head for the intended label on a FER+ version's own features: does the real-time default's
representation already hold what FER2013's labels ask for? A linear head (the same shape as the version's own) is
fitted on the frozen pooled features of the Training faces with FER2013's labels, its weight decay chosen on
PublicTest's FER2013 accuracy; then the two heads are combined as combine_label_sources.py combines two versions
(weight and per-class bias chosen on PublicTest by the `both` rules) and the winner is reported on PrivateTest.
The second head costs one 256 x 7 product a face, so the pair keeps the version's latency.

`--branch`: instead of a linear head, a second copy of the version's last stage (started from its weights) and a
linear head, trained on the frozen features before that stage (Training faces and their mirror images, SGD with
a cosine schedule); the votes answer stays the version's own. It costs the last stage again (fernet_small_deep:
about 15% of its MACs).

    python benchmarks/intended_probe.py fernet_small-soft-v6 --rule both-realtime \
        [--json benchmarks/results/experiments/intended_probe.json]
"""
from __future__ import annotations

import argparse
import copy
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

import fer
from fer.data.faces import normalize
from fer.defaults import default_data
from fer.labels import EMOTIONS

from choose_default import BOTH_TARGETS
from combine_label_sources import SPLITS, FastJudge, combined, frontier, keep_result, score_splits, search
from record import cpu_model, this_command

DECAYS = (1e-4, 1e-3, 1e-2)
BRANCH_DECAYS = (5e-4, 5e-3)


@torch.no_grad()
def pooled_features(version, faces: np.ndarray, batch: int = 512) -> torch.Tensor:
    """The version's features before its last linear layer (FerNet: pooled, flattened), for uint8 faces."""
    net = version.model.eval()
    trunk = torch.nn.Sequential(net.stem, net.stages, *list(net.head)[:-1])
    return torch.cat([trunk(torch.from_numpy(normalize(faces[i:i + batch], version.card.normalization)))
                      for i in range(0, len(faces), batch)])


def fit_head(features: torch.Tensor, labels: np.ndarray, decay: float, steps: int = 300, seed: int = 0) -> torch.nn.Linear:
    """A linear head on fixed features, full-batch L-BFGS on cross-entropy with weight decay."""
    torch.manual_seed(seed)
    head = torch.nn.Linear(features.shape[1], len(EMOTIONS))
    y = torch.from_numpy(labels).long()
    optimizer = torch.optim.LBFGS(head.parameters(), max_iter=steps, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = F.cross_entropy(head(features), y) + decay * head.weight.pow(2).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    return head


@torch.no_grad()
def stage_features(version, faces: np.ndarray, batch: int = 512) -> torch.Tensor:
    """The version's feature maps before its last stage (FerNet), for uint8 faces."""
    net = version.model.eval()
    trunk = torch.nn.Sequential(net.stem, *list(net.stages)[:-1])
    return torch.cat([trunk(torch.from_numpy(normalize(faces[i:i + batch], version.card.normalization)))
                      for i in range(0, len(faces), batch)])


def fit_branch(features: torch.Tensor, labels: np.ndarray, last_stage: torch.nn.Module, decay: float,
               epochs: int = 8, batch: int = 256, lr: float = 0.02, seed: int = 0) -> torch.nn.Module:
    """A copy of `last_stage` with a new linear head, trained on fixed feature maps with FER2013's labels."""
    torch.manual_seed(seed)
    stage = copy.deepcopy(last_stage)
    width = [m for m in stage.modules() if isinstance(m, torch.nn.BatchNorm2d)][-1].num_features
    branch = torch.nn.Sequential(stage, torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
                                 torch.nn.Linear(width, len(EMOTIONS)))
    y = torch.from_numpy(labels).long()
    optimizer = torch.optim.SGD(branch.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=decay)
    steps = epochs * (len(y) // batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, lr, total_steps=steps)
    branch.train()
    for _ in range(epochs):
        order = torch.randperm(len(y))
        for start in range(0, len(y) - batch + 1, batch):
            rows = order[start:start + batch]
            loss = F.cross_entropy(branch(features[rows]), y[rows], label_smoothing=0.1)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
    return branch.eval()


def intended_from_branch(version, data, args) -> tuple[dict, dict, float]:
    """(the branch's probabilities of both splits, its PublicTest FER2013 accuracy by weight decay, the chosen decay)."""
    x_train, y_train = data.split("Training")
    features = torch.cat([stage_features(version, x_train), stage_features(version, x_train[:, :, ::-1].copy())])
    labels = np.concatenate([y_train, y_train])
    split_features = {s: stage_features(version, data.split(s)[0]) for s in SPLITS}
    y_val = data.split("PublicTest")[1]
    branches, val_accuracy = {}, {}
    for decay in BRANCH_DECAYS:
        branches[decay] = fit_branch(features, labels, version.model.stages[-1], decay, epochs=args.branch_epochs)
        with torch.no_grad():
            val_accuracy[decay] = float((branches[decay](split_features["PublicTest"]).argmax(1).numpy() == y_val).mean())
    decay = max(BRANCH_DECAYS, key=val_accuracy.get)
    with torch.no_grad():
        intended = {s: branches[decay](split_features[s]).softmax(1).numpy() for s in SPLITS}
    return intended, val_accuracy, decay


def intended_from_linear_head(version, data) -> tuple[dict, dict, float]:
    """(the linear head's probabilities of both splits, its PublicTest FER2013 accuracy by weight decay, the
    chosen decay)."""
    features = {split: pooled_features(version, data.split(split)[0]) for split in ("Training", *SPLITS)}
    y_val = data.split("PublicTest")[1]
    heads = {d: fit_head(features["Training"], data.split("Training")[1], d) for d in DECAYS}
    val_accuracy = {d: float((heads[d](features["PublicTest"]).argmax(1).numpy() == y_val).mean()) for d in DECAYS}
    decay = max(DECAYS, key=val_accuracy.get)
    with torch.no_grad():
        intended = {s: heads[decay](features[s]).softmax(1).numpy() for s in SPLITS}
    return intended, val_accuracy, decay


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("version", help="a single FerNet version learned from FER+'s votes")
    parser.add_argument("--rule", default="both-realtime", choices=sorted(BOTH_TARGETS))
    parser.add_argument("--weights", default="0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1")
    parser.add_argument("--biases", default="-1.5,-1,-0.75,-0.5,-0.25,0,0.25,0.5,0.75,1,1.5,2")
    parser.add_argument("--data", default=default_data())
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--frontier", default="", help="also these FER+ floors, as combine_label_sources.py's")
    parser.add_argument("--branch", action="store_true", help="a copy of the last stage and a head (see above)")
    parser.add_argument("--branch-epochs", type=int, default=8)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = fer.load_dataset(args.data)
    version = fer.load(args.version)
    if args.branch:
        intended, val_accuracy, decay = intended_from_branch(version, data, args)
    else:
        intended, val_accuracy, decay = intended_from_linear_head(version, data)
    print("PublicTest FER2013 accuracy of the intended head by weight decay:", val_accuracy, "-> chosen", decay)
    votes = {s: version.predict_proba(data.split(s)[0], "none") for s in SPLITS}
    judge = FastJudge(data, "PublicTest", args.rule)
    weights, biases = [float(x) for x in args.weights.split(",")], [float(x) for x in args.biases.split(",")]
    w, bias, best_rank = search(votes["PublicTest"], intended["PublicTest"], judge, weights, biases)
    kind = (f"a copy of the last stage and a linear head, {args.branch_epochs} epochs on frozen features"
            if args.branch else "linear, frozen features")
    result = {"version": version.name, "tta": "none", "rule": args.rule, "intended_head": kind,
              "weight_decay_by_publictest_fer2013": {str(d): round(a, 4) for d, a in val_accuracy.items()},
              "chosen": {"weight_decay": decay, "w": w, "bias": dict(zip(EMOTIONS, [round(float(b), 3) for b in bias]))},
              "cpu": cpu_model(), "command": this_command()}
    score_splits(result, data, {"votes_head": votes, "intended_head": intended,
                                "combined": {s: combined(votes[s], intended[s], w, bias) for s in SPLITS}})
    print(f"chosen on PublicTest: w {w}, bias {result['chosen']['bias']}, rank {best_rank}")
    if args.frontier:
        result["frontier"] = frontier(votes, intended, data, args.rule, args.frontier, weights, biases)
    if args.json:
        keep_result(args.json, f"{version.name}{' (branch)' if args.branch else ''}:{args.rule}", result)

if __name__ == "__main__":
    main()
