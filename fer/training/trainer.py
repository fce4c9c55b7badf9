"""The training loop: train on the train split, keep the best epoch on the validation split, report test once.

Works on CPU, one GPU, or several GPUs/machines under `torchrun` (DistributedDataParallel).
Every completed epoch is saved to <version>/last.pt, so `--resume` continues an interrupted run.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import signal
import time
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, DistributedSampler, RandomSampler, WeightedRandomSampler
from tqdm.auto import tqdm

from ..data import FaceData, load_dataset
from ..data.fer2013 import cache_dir
from ..data.transforms import AugmentedFaces, batch_augment, to_tensor, train_augmentation
from ..labels import EMOTIONS
from ..models import count_macs, count_params, create_model
from ..models.resnet import widen_heads
from ..version import Card, VersionFolder, checkpoints_root, write_history
from ..version.card import portable_hyperparameters
from ..version.evaluation import finish_training
from ..version.model import load, save_weights
from .config import TrainConfig
from .losses import TrainingLoss, jensen_shannon, pull_to_first
from .optim import make_optimizer, make_scheduler, mix_batch


class TrainingClock:
    """How far the run is, as a fraction: of all its steps, or of its wall-clock budget if that comes first."""

    def __init__(self, total_steps: int, budget_s: float, steps_done: int = 0, seconds_done: float = 0.0):
        self.total_steps, self.budget_s = max(total_steps, 1), budget_s
        self.steps, self.offset, self.started = steps_done, seconds_done, time.time()

    def step(self) -> None:
        self.steps += 1

    def seconds(self) -> float:
        return self.offset + time.time() - self.started

    def progress(self) -> float:
        by_steps = self.steps / self.total_steps
        return max(by_steps, self.seconds() / self.budget_s) if self.budget_s else by_steps


# ---------------------------------------------------------------- distributed helpers
def _dist_setup(device_kind: str) -> tuple[int, int, int]:
    """(rank, world_size, local_rank); initialises the process group when launched by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if device_kind == "cuda" else "gloo")
    if dist.is_initialized():
        return dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0"))
    return 0, 1, 0


def _pick_device(config: TrainConfig, local_rank: int) -> torch.device:
    kind = config.device
    if kind == "auto":
        kind = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(f"cuda:{local_rank}" if kind == "cuda" else "cpu")


def cpu_has_fast_bf16() -> bool:
    """Native bf16 matrix units (AVX-512 BF16 or AMX): bf16 autocast trains 1.5-1.7x faster there; elsewhere
    it is emulated and slower than fp32."""
    for probe in ("_is_avx512_bf16_supported", "_is_amx_tile_supported"):
        check = getattr(torch.cpu, probe, None)
        try:
            if check is not None and check():
                return True
        except RuntimeError:
            pass
    return False


def autocast_for(device: torch.device, enabled: bool) -> torch.autocast:
    """bf16 autocast on GPU and on CPUs with native bf16; fp32 otherwise or when turned off (--no-amp)."""
    use = enabled and (device.type == "cuda" or (device.type == "cpu" and cpu_has_fast_bf16()))
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=use)


def hardware_description(device: torch.device, world: int) -> str:
    if device.type == "cuda":
        return f"{world} x {torch.cuda.get_device_name(device)}"
    return f"CPU ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads) x {world} process(es)"


# ---------------------------------------------------------------- data
def training_targets(data: FaceData, source: str) -> tuple[np.ndarray, np.ndarray]:
    """Training faces and their targets: FER2013's labels, or FER+'s (majority labels, or soft vote shares)."""
    if source == "fer2013":
        return data.split("train")
    x, targets, _ = data.ferplus("train", source)
    return x, targets


SELECTION = {"fer2013": "FER2013 accuracy", "ferplus-majority": "FER+ accuracy", "ferplus-soft": "FER+ accuracy",
             "mixed": "mean of FER2013 and FER+ accuracy",
             "both": "mean of the votes head's FER+ accuracy and the FER2013 head's FER2013 accuracy"}


def selection_score(labels: str, val_acc: float, val_ferplus_acc: float | None) -> float:
    """The PublicTest figure that picks the best epoch: the accuracy on the labels being learned (both label
    sets' mean for `mixed` and `both`); FER2013's when the data has no FER+ votes."""
    if val_ferplus_acc is None or labels == "fer2013":
        return val_acc
    return (val_acc + val_ferplus_acc) / 2 if labels in ("mixed", "both") else val_ferplus_acc


def hard_labels(targets: np.ndarray | torch.Tensor):
    """Class indices of targets (or logits) that may be soft [N,C], or one block per head [N,heads*C]: the first's."""
    return targets[:, :len(EMOTIONS)].argmax(1) if targets.ndim == 2 else targets


def teacher_answers(teacher, faces: np.ndarray, show_progress: bool = False) -> tuple[torch.Tensor, Path, bool]:
    """The teacher version's answers [N,C] on the training faces as the product gives them (its declared TTA
    and calibration), the cache file that keeps them and whether they were read from it. The file is named by
    the sha256 of the teacher's card and the faces, so a resumed run, or another student of the same teacher
    on the same faces, reads them rather than spending minutes again (half an hour for a four-member teacher
    on one thread); a changed teacher or data is asked afresh."""
    card = json.dumps(teacher.card.to_dict(), sort_keys=True).encode()
    key = hashlib.sha256(card + np.ascontiguousarray(faces).tobytes()).hexdigest()
    path = cache_dir() / "teacher-answers" / f"{key}.pt"
    if path.is_file():
        return torch.load(path, weights_only=True), path, True
    answers = teacher.predict_proba(faces, progress="teacher's answers" if show_progress else "")
    answers = torch.from_numpy(answers.astype(np.float32))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    torch.save(answers, tmp)
    os.replace(tmp, path)  # a reader never sees a half-written file
    return answers, path, False


def offline_distillation_targets(answers: torch.Tensor, targets: np.ndarray, alpha: float, head: int = 0) -> np.ndarray:
    """Soft targets [N,C]: (1 - alpha) x the labels + alpha x the teacher's answer on each training face
    (teacher_answers); augmented views keep their face's. Targets of several heads [N,heads*C]: that head's block."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"distill_alpha must be within [0, 1], got {alpha}")
    labels = targets.astype(np.float32) if targets.ndim == 2 else np.eye(len(EMOTIONS), dtype=np.float32)[targets]
    block = slice(head * len(EMOTIONS), (head + 1) * len(EMOTIONS))
    labels[:, block] = (1 - alpha) * labels[:, block] + alpha * answers.numpy()
    return labels


def _intended_distillation(config: TrainConfig, x_train, y_train, main: bool):
    """--intended-teacher: the second head's targets carry that version's answers (a FER2013-label reader's)."""
    if not config.intended_teacher:
        return y_train
    answers, path, cached = teacher_answers(load(config.intended_teacher), x_train, show_progress=main)
    if main:
        print(f"the FER2013 head also learns {config.intended_teacher}'s answers (alpha {config.distill_alpha}), "
              f"{'read from' if cached else 'computed once and kept in'} {path}", flush=True)
    return offline_distillation_targets(answers, y_train, config.distill_alpha, head=1)


def _distillation(config: TrainConfig, device: torch.device, x_train, y_train, main: bool):
    """(training targets, teacher network, its prior correction) for the run: offline, the targets carry the
    teacher's answers and no network is kept; online, the network and its prior correction go to the loss."""
    if not config.teacher:
        return y_train, None, None
    if config.distill_mode not in ("online", "offline"):
        raise ValueError(f"unknown distill_mode {config.distill_mode!r}; use online or offline")
    teacher_version = load(config.teacher, device=str(device))
    if config.distill_mode == "offline":
        answers, path, cached = teacher_answers(teacher_version, x_train, show_progress=main)
        if main:
            how = f"{'read from' if cached else 'computed once and kept in'} {path}"
            print(f"distilling from {config.teacher} offline (alpha {config.distill_alpha}): its answers on the "
                  f"{len(x_train)} training faces ({teacher_version.card.tta} TTA, calibrated), {how}", flush=True)
        return offline_distillation_targets(answers, y_train, config.distill_alpha), None, None
    bias = teacher_version.card.class_bias
    if main:
        corrected = ", after its prior correction" if bias is not None else ""
        print(f"distilling from {config.teacher} online (alpha {config.distill_alpha}, temperature "
              f"{config.distill_temperature}{corrected})", flush=True)
    bias = None if bias is None else torch.tensor(bias, dtype=torch.float32, device=device)
    return y_train, teacher_version.model, bias


def start_from_version(model: nn.Module, config: TrainConfig, main: bool = True) -> None:
    """Fine-tuning: the network starts from the weights of the version `config.init_from`, which must be the
    run's architecture with the same model kwargs (an ensemble has no single network to start from); a one-head
    version may start a net of several heads, each head starting as its head (and each branch as the blocks it
    copies)."""
    version = load(config.init_from)
    card = version.card
    widening = card.model_kwargs == {k: v for k, v in config.model_kwargs.items() if k not in ("heads", "branch")} \
        and card.model_kwargs.get("heads", 1) == 1 < config.model_kwargs.get("heads", 1)
    if card.is_ensemble or card.architecture != config.model or (card.model_kwargs != config.model_kwargs and not widening):
        given = "an ensemble" if card.is_ensemble else f"a {card.architecture} {card.model_kwargs or ''}".rstrip()
        raise ValueError(f"--init-from {config.init_from}: it is {given}, but this run trains a {config.model} "
                         f"{config.model_kwargs or ''}".rstrip() + "; fine-tune a version of the same architecture")
    state = version.model.state_dict()
    kwargs = config.model_kwargs
    model.load_state_dict(widen_heads(state, kwargs["heads"], kwargs.get("branch", 0)) if widening else state)
    if main:
        print(f"starting from {card.name}'s weights (fine-tuning)", flush=True)


def freeze_parts(model: nn.Module, prefixes: str) -> list[nn.Module]:
    """--freeze: the parameters whose names start with one of the comma-separated prefixes stop learning; returns
    the BatchNorm layers among them, which the epochs keep in eval mode so that their statistics stay too."""
    wanted = tuple(p.strip() for p in prefixes.split(",") if p.strip())
    if not wanted:
        return []
    names = [name for name, _ in model.named_parameters()]
    for prefix in wanted:
        if not any(name.startswith(prefix) for name in names):
            parts = sorted({name.split(".")[0] for name in names})
            raise ValueError(f"--freeze {prefix}: no part of the net is called so; its parts: {', '.join(parts)}")
    for name, parameter in model.named_parameters():
        if name.startswith(wanted):
            parameter.requires_grad_(False)
    return [m for name, m in model.named_modules()
            if name.startswith(wanted) and isinstance(m, nn.modules.batchnorm._BatchNorm)]


def _make_loader(x, y, config: TrainConfig, device: torch.device, world: int, rank: int, epoch: int) -> DataLoader:
    per_sample = train_augmentation(config.augment) if config.aug_backend == "v2" else None
    dataset = AugmentedFaces(x, y, per_sample)
    generator = torch.Generator().manual_seed(config.seed * 1000 + epoch)  # same order when resumed
    if world > 1:
        sampler = DistributedSampler(dataset, world, rank, shuffle=True, seed=config.seed, drop_last=True)
        sampler.set_epoch(epoch)
    elif config.balanced_sampler:
        classes = hard_labels(y)
        counts = np.bincount(classes, minlength=len(EMOTIONS)).astype(float)
        weights = torch.as_tensor(1.0 / counts[classes], dtype=torch.double)
        sampler = WeightedRandomSampler(weights, len(y), replacement=True, generator=generator)
    else:
        sampler = RandomSampler(dataset, generator=generator)
    workers = config.num_workers if config.num_workers >= 0 else (4 if device.type == "cuda" else int(per_sample is not None))
    return DataLoader(dataset, config.batch_size, sampler=sampler, num_workers=workers, drop_last=True,
                      pin_memory=device.type == "cuda", generator=generator, persistent_workers=False)


@torch.no_grad()
def predict_logits(model: nn.Module, x: np.ndarray, device: torch.device, batch_size: int = 512) -> torch.Tensor:
    """Logits [N, heads, C] of uint8 faces: every head's own (a net of several heads is judged head by head while
    it trains; how their answers mix is chosen afterwards)."""
    model.eval()
    forward = model.head_logits if getattr(model, "heads", 1) > 1 else model
    out = []
    for start in range(0, len(x), batch_size):
        batch = to_tensor(x[start:start + batch_size]).to(device)
        batch = batch.contiguous(memory_format=torch.channels_last)
        out.append(forward(batch).float().cpu())
    return torch.cat(out).unflatten(1, (-1, len(EMOTIONS)))


def seed_epoch(seed: int, epoch: int, rank: int) -> None:
    """Seed the global RNG (augmentation draws, mixup, dropout) from (seed, epoch, rank), so a resumed run
    draws exactly what the uninterrupted run would have drawn."""
    torch.manual_seed(int(np.random.SeedSequence([seed, epoch, rank]).generate_state(1)[0]))


def average_buffers(model: nn.Module, world: int) -> None:
    """Average the BatchNorm running statistics over the ranks: each rank updates them from its own last
    batches, and ranks that validate different models could disagree on early stopping and deadlock."""
    for buffer in model.buffers():
        if buffer.is_floating_point():
            dist.all_reduce(buffer)
            buffer.div_(world)


# ---------------------------------------------------------------- one epoch
def training_views(x: torch.Tensor, y: torch.Tensor, config) -> tuple[list[torch.Tensor], torch.Tensor]:
    """The views of a batch of uint8 faces that the net learns from, and their targets: the faces augmented (by
    the batch backend; the v2 backend's loader did it already) and mixed (mixup / cutmix). With --consistency, two
    more views of each face, changed by fer.data.transforms.shift_augment, which the targets do not cover."""
    views = [batch_augment(x, config.augment) if config.aug_backend == "batch" else x]
    if config.consistency:
        views += [batch_augment(x, "shift") for _ in range(2)]
    if config.channels_last:
        views = [v.contiguous(memory_format=torch.channels_last) for v in views]
    views[0], target = mix_batch(views[0], y, config)  # --consistency refuses mixup and cutmix
    return views, target


def batch_loss(model, views: list[torch.Tensor], target: torch.Tensor, criterion, consistency: float,
               anchored: bool = False):
    """The first view's logits, and the loss: the criterion's on the first view, plus, for several views (one
    forward pass for all), `consistency` x how much their answers disagree: the Jensen-Shannon divergence, or,
    `anchored`, the later views' distance from the first view's answer (losses.pull_to_first)."""
    every_view = model(torch.cat(views)) if len(views) > 1 else model(views[0])
    logits = every_view[:len(views[0])]
    loss = criterion(logits.float(), target, views[0])
    if len(views) > 1:
        disagreement = pull_to_first if anchored else jensen_shannon
        loss = loss + consistency * disagreement(every_view.float().chunk(len(views)))
    return logits, loss


def _train_one_epoch(model, loader, optimizer, scheduler, criterion, config, device, epoch, show_progress, clock,
                     frozen_norms=()):
    model.train()
    for norm in frozen_norms:
        norm.eval()
    autocast = autocast_for(device, config.amp)
    total_loss, correct, seen = 0.0, 0, 0
    bar = tqdm(loader, desc=f"epoch {epoch + 1}/{config.epochs}", leave=False, disable=not show_progress, unit="batch")
    for x, y in bar:
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        views, target = training_views(x, y, config)
        with autocast:
            logits, loss = batch_loss(model, views, target, criterion, config.consistency, config.consistency_anchor)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        clock.step()
        if hasattr(scheduler, "set_progress"):
            scheduler.set_progress(clock.progress())
        total_loss += loss.item() * len(y)
        correct += (hard_labels(logits) == hard_labels(y)).sum().item()
        seen += len(y)
        bar.set_postfix(loss=f"{total_loss / seen:.3f}", acc=f"{correct / seen:.3f}")
    return total_loss / max(seen, 1), correct / max(seen, 1)


# ---------------------------------------------------------------- the run
def version_dir(config: TrainConfig) -> Path:
    """Where the run writes its version (a run without --name is named after its model and start time)."""
    root = Path(config.out_dir) if config.out_dir else checkpoints_root()
    name = config.name or f"{config.model}-{dt.datetime.now():%Y%m%d-%H%M%S}"
    return root / name


@contextlib.contextmanager
def _signals_held():
    """SIGTERM and SIGINT wait until an epoch's files are all written, and arrive right after."""
    held = {signal.SIGTERM, signal.SIGINT}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _save_resume_state(path: Path, model, optimizer, scheduler, epoch, history, best, clock, parts):
    state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
             "scheduler": scheduler.state_dict(), "epoch": epoch, "history": history, "best": best,
             "steps": clock.steps, "seconds": clock.seconds(), "sittings": parts}
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)  # an interruption mid-write never leaves a broken state behind


def train(config: TrainConfig | None = None, data: FaceData | None = None, **overrides) -> Path:
    """Train a model version; returns its directory (checkpoints/<version>/)."""
    config = (config or TrainConfig()).update(**overrides)
    started = time.time()
    rank, world, local_rank = _dist_setup("cuda" if config.device != "cpu" and torch.cuda.is_available() else "cpu")
    device = _pick_device(config, local_rank)
    if config.threads:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    main = rank == 0

    data = data or load_dataset(config.data)
    if config.subset:
        data = data.subset(config.subset, seed=config.seed)
    x_train, y_train = training_targets(data, config.labels)
    x_val, y_val = data.split("val")
    val_plus = data.ferplus("val", "ferplus")[1:] if "val" in data.votes else None  # (FER+ labels, their rows)

    model_kwargs = {**config.model_kwargs, **({"pretrained": True} if config.pretrained else {})}
    model = create_model(config.model, num_classes=len(EMOTIONS), **model_kwargs)
    if (getattr(model, "heads", 1) > 1) != (config.labels == "both"):
        raise ValueError(f"--labels {config.labels} with {getattr(model, 'heads', 1)} head(s): a net of several heads "
                         "(--model-kwargs '{\"heads\": 2}') trains on --labels both, and --labels both needs one")
    if config.intended_teacher and config.labels != "both":
        raise ValueError(f"--intended-teacher teaches the second head, which learns FER2013's label: it needs "
                         f"--labels both and a two-head net, not --labels {config.labels}")
    if config.consistency_anchor and not config.consistency:
        raise ValueError("--consistency-anchor says how --consistency compares the views: give --consistency W too")
    if config.consistency and (config.mixup or config.cutmix or config.aug_backend != "batch"):
        raise ValueError("--consistency compares views of the same faces: it needs --aug-backend batch and no "
                         "--mixup or --cutmix")
    if config.freeze and not config.init_from:
        raise ValueError("--freeze keeps parts of the version the run starts from: give --init-from too")
    if config.init_from and not config.resume:  # a resumed run continues from its own last epoch
        start_from_version(model, config, main)
    frozen_norms = freeze_parts(model, config.freeze)
    params, macs = count_params(model), count_macs(model)
    model.to(device)
    if config.channels_last:  # 1.2-1.7x faster training on CPU too (measured on fernet_small, 2 threads)
        model = model.to(memory_format=torch.channels_last)
    net = nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None) \
        if world > 1 else model

    steps_per_epoch = len(y_train) // (config.batch_size * world)
    optimizer = make_optimizer(model, config)
    scheduler = make_scheduler(optimizer, config, steps_per_epoch)
    class_weights = None
    if config.class_weighted:
        counts = np.bincount(hard_labels(y_train), minlength=len(EMOTIONS)).astype(float)
        class_weights = torch.tensor(len(y_train) / (len(EMOTIONS) * np.maximum(counts, 1)), dtype=torch.float32, device=device)
    out = version_dir(config)
    folder = VersionFolder(out)
    resume_path = folder.resume
    if main:
        folder.refuse_if_in_training()  # before the checks below: a second start says the run is in training now
    if config.resume and not resume_path.is_file():
        raise FileNotFoundError(f"{resume_path}: nothing to resume (no completed epoch saved for {out.name})")
    if main and not config.resume and out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} already exists; choose another --name, or pass --resume to continue it")
    y_train = _intended_distillation(config, x_train, y_train, main)
    y_train, teacher, teacher_bias = _distillation(config, device, x_train, y_train, main)
    criterion = TrainingLoss(class_weights, config.label_smoothing, teacher, config.distill_alpha,
                             config.distill_temperature, teacher_bias)

    history, best, start_epoch = [], {"accuracy": -1.0, "epoch": -1}, 0
    steps_done, seconds_done, parts = 0, 0.0, []
    if main:
        out.mkdir(parents=True, exist_ok=True)
        folder.claim()
    if config.resume:
        state = torch.load(resume_path, map_location=device, weights_only=True)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        history, best, start_epoch = state["history"], state["best"], state["epoch"] + 1
        steps_done, seconds_done, parts = state["steps"], state["seconds"], state.get("sittings", [])
        if main:
            print(f"resuming {out.name} after epoch {start_epoch} (best val accuracy {best['accuracy']:.4f})")
    if main:
        print(f"training {config.model} ({params / 1e6:.2f} M params, {macs / 1e6:.1f} M MACs) on {len(y_train)} faces, "
              f"validating on {len(y_val)}; device {device}, {world} process(es) -> {out}")

    # under DDP every rank must see the same schedule, so only the step count drives it there
    budget_s = config.budget_minutes * 60 if world == 1 else 0.0
    clock = TrainingClock(config.epochs * steps_per_epoch, budget_s, steps_done, seconds_done)
    part = {"started": dt.datetime.now().isoformat(timespec="seconds"), "first_epoch": start_epoch + 1,
               "epochs": 0, "seconds": 0.0, "hardware": hardware_description(device, world)}
    parts = [*parts, part]  # this part of the run (a --max-minutes limit or a stop splits a run into parts)
    limit_reached = False
    for epoch in range(start_epoch, config.epochs):
        if part["epochs"] and _agreed(_part_over(config.max_minutes, started, history[-1]["seconds"]), world):
            limit_reached = True
            break
        epoch_start = time.time()
        seed_epoch(config.seed, epoch, rank)
        loader = _make_loader(x_train, y_train, config, device, world, rank, epoch)
        train_loss, train_acc = _train_one_epoch(net, loader, optimizer, scheduler, criterion, config, device, epoch, main,
                                                 clock, frozen_norms)
        if world > 1:
            average_buffers(model, world)
        val_logits = predict_logits(model, x_val, device)  # FER2013's labels are the last head's, FER+'s the first's
        val_loss = F.cross_entropy(val_logits[:, -1], torch.from_numpy(y_val)).item()
        val_acc = (val_logits[:, -1].argmax(1).numpy() == y_val).mean().item()
        val_plus_pred = val_logits[:, 0].argmax(1).numpy()
        val_plus_acc = None if val_plus is None else (val_plus_pred[val_plus[1]] == val_plus[0]).mean().item()
        score = selection_score(config.labels, val_acc, val_plus_acc)
        if config.scheduler == "plateau":
            scheduler.step(score)
        row = {"epoch": epoch + 1, "train_loss": round(train_loss, 5), "train_acc": round(train_acc, 5),
               "val_loss": round(val_loss, 5), "val_acc": round(val_acc, 5),
               **({} if val_plus_acc is None else {"val_ferplus_acc": round(val_plus_acc, 5)}),
               "lr": optimizer.param_groups[0]["lr"], "seconds": round(time.time() - epoch_start, 2)}
        history.append(row)
        improved = score > best["accuracy"]
        if improved:
            best = {"accuracy": score, "epoch": epoch + 1}
        part.update(epochs=part["epochs"] + 1, seconds=round(time.time() - started, 1))
        if main:
            with _signals_held():
                if improved:
                    save_weights(out, model)
                _save_resume_state(resume_path, model, optimizer, scheduler, epoch, history, best, clock, parts)
                write_history(out, history)
            print(f"epoch {epoch + 1:3d}/{config.epochs}  train loss {train_loss:.4f} acc {train_acc:.4f}  "
                  f"val loss {val_loss:.4f} acc {val_acc:.4f}"
                  f"{'' if val_plus_acc is None else f' FER+ {val_plus_acc:.4f}'}{'  *best' if improved else ''}  ({row['seconds']:.0f}s)", flush=True)
        if config.early_stopping and epoch + 1 - best["epoch"] >= config.early_stopping:
            if main:
                print(f"early stop: no better validation accuracy for {config.early_stopping} epochs")
            break
        if clock.progress() >= 1.0 and epoch + 1 < config.epochs:
            if main:
                print(f"stopping after epoch {epoch + 1}: the {config.budget_minutes:g}-minute budget is spent")
            break

    if world > 1:
        dist.barrier()
    if main:
        folder.release()
    if limit_reached:
        if main:
            print(f"paused after epoch {len(history)}/{config.epochs} (the {config.max_minutes:g}-minute limit); "
                  f"the run is saved in {resume_path}: continue it with the same command and --resume")
    elif main:
        part["seconds"] = round(time.time() - started, 1)
        wall_time = sum(p["seconds"] for p in parts)  # a resumed run counts its earlier parts too
        finish_version(folder, config, data, params, macs, best, history, wall_time,
                       hardware_description(device, world), parts)
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()
    return out


def _agreed(flag: bool, world: int) -> bool:
    """Rank 0's decision, on every rank (their clocks differ; a split decision would deadlock DDP)."""
    if world == 1:
        return flag
    decision = torch.tensor([float(flag)])
    dist.broadcast(decision, src=0)
    return bool(decision.item())


def _part_over(max_minutes: float, started: float, last_epoch_s: float) -> bool:
    """Would one more epoch (as long as the last one) run past this part's --max-minutes limit?"""
    return bool(max_minutes) and time.time() - started + last_epoch_s > max_minutes * 60


def finish_version(folder: VersionFolder, config: TrainConfig, data: FaceData, params: int, macs: int, best: dict,
                   history: list[dict], wall_time: float, hardware: str, parts: list[dict] | None = None) -> Card:
    """The best epoch's weights as a model version: the run's card, handed to the version's side in one piece
    (fer.version.evaluation.finish_training evaluates it on validation and once on test, and writes it)."""
    out = folder.path
    card = Card(name=out.name, architecture=config.model, model_kwargs=config.model_kwargs, params=params, macs=macs,
                tta=config.eval_tta,
                protocol=f"trained on train, best epoch chosen on val ({SELECTION[config.labels]}), test reported once",
                hyperparameters=portable_hyperparameters(config.to_dict()), seed=config.seed,
                wall_time_s=round(wall_time, 1), hardware=hardware, sittings=parts or [], best_epoch=best["epoch"],
                epochs_run=len(history))
    finish_training(folder, card, data)
    if card.accuracy("test") is not None:
        print(f"{out.name}: val accuracy {card.accuracy('val'):.4f}, test accuracy {card.accuracy('test'):.4f} "
              f"(macro-F1 {card.macro_f1('test'):.4f}, TTA {config.eval_tta}) -> {out}")
    shutil.rmtree(out / "__pycache__", ignore_errors=True)
    return card
