"""Training configuration: one plain dataclass and named presets (nanoGPT-style: read it top to bottom). Each
field carries its help and choices, from which `python -m fer train` derives its flags (fer/cli/train.py)."""
from __future__ import annotations

import dataclasses
from dataclasses import MISSING, dataclass, field

from ..data.ferplus import LABEL_SOURCES
from ..defaults import AUGMENT_PRESETS, TTA_MODES, default_data


def option(default=MISSING, help: str = "", choices=None, factory=MISSING):
    """A TrainConfig field with its help (and choices): `python -m fer train` derives its flags from these."""
    metadata = {"help": help} if choices is None else {"help": help, "choices": tuple(choices)}
    return field(default=default, default_factory=factory, metadata=metadata)


@dataclass
class TrainConfig:
    # data
    data: str = option(factory=default_data, help="FER2013's csv or an image-folder root "
                       "(default: $FER_DATA, else FER2013 in shared/data)")
    subset: int = option(0, "use this many random faces per split (smoke runs, tests); 0 = all")
    labels: str = option("fer2013", "training targets: FER2013's labels, or FER+'s majority or soft vote shares, or "
                         "mixed, or both (the vote shares and FER2013's label, one for each head of a net with "
                         "--model-kwargs '{\"heads\": 2}'); all but fer2013 need FER+'s fer2013new.csv beside the "
                         "FER2013 csv; val/test stay FER2013's", LABEL_SOURCES)
    # model
    model: str = option("fernet_small", "registered model name (python -m fer versions --models lists them)")
    model_kwargs: dict = option(factory=dict, help='the model\'s keyword arguments, JSON, e.g. \'{"dropout": 0.3}\'')
    pretrained: bool = option(False, "torchvision backbones: load ImageNet weights the user has")
    init_from: str = option("", "fine-tune: start from this version's weights (name or path); --model defaults to "
                            "its architecture")
    freeze: str = option("", "with --init-from: keep these parts of the net as the version gave them (comma-separated "
                         "prefixes of its parameter names, BatchNorm statistics included), e.g. stem,stages to train "
                         "only a FerNet's branch and heads")
    # optimisation
    epochs: int = option(30, "epochs of the schedule")
    batch_size: int = option(64, "faces per batch")
    optimizer: str = option("sgd", "sgd (Nesterov) or adamw", ("sgd", "adamw"))
    lr: float = option(0.05, "peak learning rate")
    momentum: float = option(0.9, "SGD's momentum")
    weight_decay: float = option(5e-4, "weight decay")
    scheduler: str = option("onecycle", "learning-rate schedule", ("onecycle", "cosine", "plateau", "none"))
    warmup_epochs: float = option(1.0, "cosine only: epochs of linear warm-up")
    label_smoothing: float = option(0.1, "label smoothing of the loss")
    mixup: float = option(0.0, "Beta(alpha) for mixup; 0 = off")
    cutmix: float = option(0.0, "Beta(alpha) for cutmix; 0 = off")
    augment: str = option("standard", "augmentation strength (shift: the shift benchmark's kinds of change, "
                          "fer.data.transforms.shift_augment)", AUGMENT_PRESETS)
    aug_backend: str = option("batch", "batch: per-sample draws applied batch-wise on device; v2: torchvision per "
                              "sample", ("batch", "v2"))
    class_weighted: bool = option(False, "loss weighted by inverse class frequency")
    balanced_sampler: bool = option(False, "sample classes equally often")
    teacher: str = option("", "distil from this model version (name or path); \"\" = off")
    distill_alpha: float = option(0.5, "weight of the distillation term")
    distill_temperature: float = option(4.0, "online distillation's softening temperature")
    distill_mode: str = option("online", "online: the teacher sees every augmented batch; offline: its answers on the "
                               "training faces, computed once, become soft targets (a plain epoch's cost)",
                               ("online", "offline"))
    intended_teacher: str = option("", "--labels both: the second head (FER2013's label) also learns this version's "
                                   "answers on the training faces, weighted by --distill-alpha (offline); \"\" = off")
    consistency: float = option(0.0, "AugMix-style consistency: each batch is also seen in two views changed as the "
                                "shift benchmark changes faces, and the loss adds this weight x the Jensen-Shannon "
                                "divergence between the three answers (about 2.5x an epoch's cost); 0 = off")
    consistency_anchor: bool = option(False, "--consistency pulls the two changed views' answers toward the first "
                                      "view's, which it leaves alone (KL), instead of all three toward their mean (JS)")
    early_stopping: int = option(0, "stop after this many epochs without a better val accuracy; 0 = off")
    # evaluation
    eval_tta: str = option("none", "TTA used for the test report in the card", TTA_MODES)
    # run
    name: str = option("", "version name (default <model>-<date>)")
    out_dir: str = option("", "where versions are written (default: the checkpoints folder)")
    seed: int = option(0, "random seed")
    device: str = option("auto", "where to train", ("auto", "cpu", "cuda"))
    amp: bool = option(True, "bfloat16 autocast on GPU and on CPUs with native bf16 (AVX-512 BF16, AMX); "
                       "fp32 elsewhere")
    channels_last: bool = option(True, "channels-last memory layout (faster on GPU and on CPU)")
    num_workers: int = option(-1, "data-loading workers; -1: 1 on CPU (augments while the main process trains), "
                              "4 on GPU")
    threads: int = option(0, "torch CPU threads; 0 = all cores")
    resume: bool = option(False, "continue an interrupted run of --name")
    budget_minutes: float = option(0.0, "wall-clock budget: the LR schedule runs on time and ends within it; "
                                   "0 = by epochs")
    max_minutes: float = option(0.0, "pause the run before it goes past this many minutes; the same command "
                                "with --resume continues the schedule where it stopped; 0 = no limit")

    def update(self, **changes) -> "TrainConfig":
        known = {f.name for f in dataclasses.fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown training option(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


PRESETS: dict[str, dict] = {
    # What trains best in about an hour on 2 CPU cores (measured: see README).
    "cpu": dict(model="fernet_small", epochs=40, batch_size=128, optimizer="sgd", lr=0.1, scheduler="onecycle",
                label_smoothing=0.1, augment="standard", budget_minutes=54, eval_tta="flip"),
    # A larger net, long schedule, mixup: for a GPU.
    "gpu": dict(model="fernet_medium", epochs=120, batch_size=128, optimizer="sgd", lr=0.05, scheduler="cosine",
                warmup_epochs=3, label_smoothing=0.1, mixup=0.2, augment="strong", eval_tta="tencrop"),
    # Seconds, for checking that everything runs.
    "smoke": dict(model="fernet_tiny", epochs=2, batch_size=32, subset=256, lr=0.02, scheduler="cosine"),
}


def make_config(preset: str | None = None, **overrides) -> TrainConfig:
    """The defaults, then the preset's values, then the overrides (None = not given); a fine-tuning run
    (init_from) trains the version's architecture unless a model is given."""
    config = TrainConfig()
    if preset:
        if preset not in PRESETS:
            raise ValueError(f"unknown preset {preset!r}; available: {', '.join(PRESETS)}")
        config = config.update(**PRESETS[preset])
    config = config.update(**{k: v for k, v in overrides.items() if v is not None})
    if config.init_from and overrides.get("model") is None:  # fine-tuning a version: its architecture is the run's
        from ..version import read_card

        card = read_card(config.init_from)
        config = config.update(model=card.architecture, model_kwargs=overrides.get("model_kwargs") or card.model_kwargs)
    return config
