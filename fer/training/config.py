"""Training configuration: one plain dataclass and named presets (nanoGPT-style: read it top to bottom)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ..defaults import default_data


@dataclass
class TrainConfig:
    # data
    data: str = field(default_factory=default_data)  # $FER_DATA, else FER2013 in shared/data
    subset: int = 0                  # >0: use this many random faces per split (smoke runs, tests)
    labels: str = "fer2013"          # training targets: fer2013 | ferplus-majority | ferplus-soft (val/test stay FER2013's)
    # model
    model: str = "fernet_small"
    model_kwargs: dict = field(default_factory=dict)
    pretrained: bool = False         # torchvision backbones: load ImageNet weights the user has
    init_from: str = ""              # fine-tune: start from this version's weights (name or path); "" = from scratch
    # optimisation
    epochs: int = 30
    batch_size: int = 64
    optimizer: str = "sgd"           # sgd (Nesterov) | adamw
    lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 5e-4
    scheduler: str = "onecycle"      # onecycle | cosine | plateau | none
    warmup_epochs: float = 1.0       # cosine only
    label_smoothing: float = 0.1
    mixup: float = 0.0               # Beta(alpha) for mixup; 0 = off
    cutmix: float = 0.0              # Beta(alpha) for cutmix; 0 = off
    augment: str = "standard"        # none | standard | strong | shift (fer.data.transforms.AUGMENT_PRESETS)
    aug_backend: str = "batch"       # batch: per-sample draws applied batch-wise on device; v2: torchvision per sample
    class_weighted: bool = False     # loss weighted by inverse class frequency
    balanced_sampler: bool = False   # sample classes equally often
    teacher: str = ""                # distil from this model version (name or path); "" = off
    distill_alpha: float = 0.5       # weight of the distillation term
    distill_temperature: float = 4.0  # online only
    distill_mode: str = "online"     # online: the teacher sees every augmented batch; offline: its answers on the
                                     # training faces, computed once, become soft targets (a plain epoch's cost)
    early_stopping: int = 0          # stop after this many epochs without a better val accuracy; 0 = off
    # evaluation
    eval_tta: str = "none"           # TTA used for the test report in the card
    # run
    name: str = ""                   # version name; default: <model>-<date>
    out_dir: str = ""                # default: the checkpoints folder
    seed: int = 0
    device: str = "auto"             # auto | cpu | cuda
    amp: bool = True                 # bfloat16 autocast on GPU and on CPUs with native bf16 (AVX-512 BF16, AMX); fp32 elsewhere
    channels_last: bool = True       # faster on GPU and on CPU
    num_workers: int = -1            # -1: 1 on CPU (augments while the main process trains), 4 on GPU
    threads: int = 0                 # torch CPU threads; 0 = all cores
    resume: bool = False
    budget_minutes: float = 0.0      # wall-clock budget: the LR schedule runs on time and ends within it; 0 = by epochs
    max_minutes: float = 0.0         # end this sitting before it runs past this many minutes; --resume continues it

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
