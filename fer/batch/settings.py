"""What a batch job is run with: the recognizer's options, picklable so that every worker (a process here or a
Ray actor on another machine) builds the same Recognizer."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class JobSettings:
    """Recognizer options (as `python -m fer predict` takes them) and the video options of a job."""

    model: str | None = None
    detector: str | None = None
    backend: str = "onnx"
    tta: str = "none"
    small_faces: str = "normal"
    min_face_size: int | None = None
    score_threshold: float | None = None
    detect_every: int = 1
    smoothing: float | None = None

    def __post_init__(self):
        if self.detect_every < 1:
            raise ValueError(f"detect_every must be at least 1, not {self.detect_every}")

    def recognizer(self, threads: int = 0):
        """The Recognizer; `threads`: its ONNX session's (0: onnxruntime's default, one per core), so that N
        workers on N cores do not each start a thread per core (torch's are set by torch.set_num_threads)."""
        from ..inference import Recognizer
        from ..version.classifiers import load_classifier

        options = {} if self.smoothing is None else {"smoothing": self.smoothing}
        # exported on first use (by the driver, before any worker starts)
        classifier = load_classifier(self.model, self.backend, threads=threads)
        return Recognizer(classifier, detector=self.detector, backend=self.backend, tta=self.tta,
                          min_face_size=self.min_face_size, score_threshold=self.score_threshold,
                          small_faces=self.small_faces, **options)

    def resolved(self, recognizer) -> JobSettings:
        """The same settings with the model named as `recognizer` loaded it (the default resolved once, in the
        driver, so that every worker loads the same version)."""
        return JobSettings(**{**asdict(self), "model": self.model or recognizer.version})

    def as_dict(self) -> dict:
        return asdict(self)
