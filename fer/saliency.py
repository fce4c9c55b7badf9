"""Why a face got its label: Grad-CAM saliency maps computed on a version's PyTorch model.

    import fer
    version = fer.load()
    maps = fer.explain(version, faces_uint8)             # [N,48,48] in [0,1], for each face's predicted class
    rec = fer.Recognizer()
    bgr = rec.read("photo.jpg")
    explained = fer.explain_faces(version, bgr, rec.predict(bgr))   # per face: crop, 48x48 map, map over its box
    overlay = fer.saliency.overlay(bgr, explained)        # the photo with every face's map blended over it

Grad-CAM (Selvaraju et al., 2017): the gradient of the class score with respect to the last spatial feature
map, averaged over space, weighs that map's channels; their weighted sum, rectified, says which regions of
the face raised the score. The feature map is found generically: the output of the last module, in the
order the forward pass runs them, that is a [N,C,H,W] map with H,W > 1 (for the FerNets, the last residual
stage; for a plain CNN, its last convolution block). An ensemble (a model with `.members`) gets the mean of
its members' normalised maps, each for the class the ensemble predicts.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from .data.transforms import to_tensor
from .defaults import NORMALIZATION
from .inference.align import FACE_SIZE, alignment_matrix, face_crops
from .inference.results import Detection, Face


def last_feature_map(model: torch.nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(logits, the last spatial feature map of the forward pass of `x`), both in the autograd graph."""
    thread = threading.get_ident()  # a version shared by app sessions may run forward in other threads
    seen: list[torch.Tensor] = []

    def record(module, inputs, output):
        if threading.get_ident() == thread and isinstance(output, torch.Tensor) and output.dim() == 4 \
                and min(output.shape[-2:]) > 1:
            seen.append(output)

    handles = [m.register_forward_hook(record) for m in model.modules() if m is not model]
    try:
        logits = model(x)
    finally:
        for handle in handles:
            handle.remove()
    if not seen:
        raise ValueError(f"{type(model).__name__} has no spatial feature map to explain (no [N,C,H,W] output)")
    return logits, seen[-1]


def grad_cam(model: torch.nn.Module, x: torch.Tensor,
             target: torch.Tensor | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Grad-CAM of one network for a normalised batch [N,1,H,W]: (maps [N,H,W] in [0,1], the explained classes [N]).

    `target`: the class to explain per face (default: the class the network predicts)."""
    with torch.enable_grad():
        x = x.detach().clone().requires_grad_(True)  # a graph even if the weights are frozen
        logits, features = last_feature_map(model, x)
        classes = logits.argmax(1) if target is None else target.to(logits.device)
        score = logits.gather(1, classes[:, None]).sum()
        grads, = torch.autograd.grad(score, features)
    weights = grads.mean((2, 3), keepdim=True)
    cam = F.relu((weights * features).sum(1, keepdim=True)).detach()
    cam = F.interpolate(cam, size=x.shape[-2:], mode="bilinear", align_corners=False)[:, 0]
    peak = cam.flatten(1).amax(1).clamp_min(1e-12)[:, None, None]
    return (cam / peak).cpu().numpy().astype(np.float32), classes.detach().cpu().numpy()


def saliency_maps(model: torch.nn.Module, x: torch.Tensor, target: torch.Tensor | None = None):
    """grad_cam for a model, or the mean of its members' maps for an ensemble (a module with `.members`)."""
    members = getattr(model, "members", None)
    if members is None:
        return grad_cam(model, x, target)
    if target is None:
        with torch.no_grad():
            target = model(x).argmax(1)
    maps = [grad_cam(member, x, target)[0] for member in members]
    return np.mean(maps, axis=0).astype(np.float32), target.cpu().numpy()


def _loaded(version):
    if version is None or isinstance(version, str):
        from .version import load

        return load(version)
    return version


def _explain(version, faces: np.ndarray, target=None, batch_size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    faces = np.asarray(faces)
    if faces.ndim == 2:
        faces = faces[None]
    labels = list(getattr(version, "labels", []))
    if target is not None:
        target = np.broadcast_to(np.asarray([labels.index(t) if isinstance(t, str) else int(t)
                                             for t in np.atleast_1d(np.asarray(target, dtype=object))]), (len(faces),))
    model, device = version.model, getattr(version, "device", "cpu")
    normalization = getattr(version, "normalization", NORMALIZATION)
    maps, classes = [np.zeros((0, *faces.shape[1:]), np.float32)], [np.zeros(0, np.int64)]
    for start in range(0, len(faces), batch_size):
        x = to_tensor(faces[start:start + batch_size], normalization).to(device)
        chunk = None if target is None else torch.tensor(np.array(target[start:start + batch_size]), dtype=torch.long)
        m, c = saliency_maps(model, x, chunk)
        maps.append(m)
        classes.append(c.astype(np.int64))
    return np.concatenate(maps), np.concatenate(classes)


def explain(version, faces: np.ndarray, target=None, batch_size: int = 64) -> np.ndarray:
    """Saliency maps [N,48,48] in [0,1] (1 = the region that raised the class score most) for uint8 faces
    [N,48,48] (or one [48,48]), for each face's predicted class or `target` (a class index or name, or one
    per face). `version`: a loaded ModelVersion (fer.load), a version name, or None for the default."""
    return _explain(_loaded(version), faces, target, batch_size)[0]


@dataclass
class FaceSaliency:
    """One face explained: its 48x48 classifier input, the saliency map on it, and that map over the image."""

    face: Face
    crop: np.ndarray            # uint8 [48,48]: what the classifier saw
    saliency: np.ndarray        # float [48,48] in [0,1]
    label: str                  # the class explained
    matrix: np.ndarray          # 2x3 affine map from image pixels to the crop

    def in_image(self, shape: tuple[int, ...]) -> np.ndarray:
        """The map in image coordinates, float [H,W] (0 outside the region the crop covers)."""
        height, width = shape[:2]
        return cv2.warpAffine(self.saliency, self.matrix, (width, height),
                              flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_CONSTANT,
                              borderValue=0)

    def box_map(self, shape: tuple[int, ...]) -> np.ndarray:
        """The map over the face's box: float [h,w] for a box (x, y, w, h) inside an image of `shape`."""
        x, y, w, h = self.face.box
        return self.in_image(shape)[y:y + h, x:x + w]

    def crop_overlay(self, size: int = 144, alpha: float = 0.5) -> np.ndarray:
        """The 48x48 face and its map blended, enlarged to `size` px, RGB uint8 (for a thumbnail)."""
        gray = cv2.cvtColor(self.crop, cv2.COLOR_GRAY2BGR)
        blended = blend(gray, self.saliency, alpha)
        return cv2.cvtColor(cv2.resize(blended, (size, size), interpolation=cv2.INTER_NEAREST), cv2.COLOR_BGR2RGB)


def detection_of(face: Face) -> Detection:
    return Detection(face.box, face.score, face.landmarks)


def explain_faces(version, bgr: np.ndarray, faces: list[Face], target=None) -> list[FaceSaliency]:
    """Why each recognised face of a BGR image got its label: Grad-CAM with the PyTorch model of `version`
    (a ModelVersion, a name, or None for the default) for the label the face was given (or `target`). The
    crops are made the way the recognizer made them (same alignment), so the maps are of what it saw."""
    version = _loaded(version)
    detections = [detection_of(face) for face in faces]
    crops = face_crops(bgr, detections)
    if target is None:
        target = [face.label for face in faces]
    maps, classes = _explain(version, crops, target) if len(crops) else (crops.astype(np.float32), [])
    labels = list(version.labels)
    return [FaceSaliency(face, crop, m, labels[int(c)], alignment_matrix(d)) for face, crop, m, c, d
            in zip(faces, crops, maps, classes, detections)]


def blend(bgr: np.ndarray, saliency: np.ndarray, alpha: float = 0.5, mask: np.ndarray | None = None) -> np.ndarray:
    """`bgr` with the map drawn over it as a JET heat map, weighted by the map itself (cold regions stay clear)."""
    heat = cv2.applyColorMap(np.uint8(np.clip(saliency, 0, 1) * 255), cv2.COLORMAP_JET)
    weight = (alpha * np.clip(saliency, 0, 1) ** 0.5)[..., None]
    if mask is not None:
        weight = weight * mask[..., None]
    return np.uint8(np.clip(bgr * (1 - weight) + heat * weight, 0, 255))


def overlay(bgr: np.ndarray, explained: list[FaceSaliency], alpha: float = 0.5) -> np.ndarray:
    """A copy of the image with every explained face's map blended over the region its crop covers."""
    if not explained:
        return bgr.copy()
    combined = np.max([e.in_image(bgr.shape) for e in explained], axis=0)
    ones = np.ones((FACE_SIZE, FACE_SIZE), np.float32)
    covered = np.max([cv2.warpAffine(ones, e.matrix, (bgr.shape[1], bgr.shape[0]), flags=cv2.WARP_INVERSE_MAP)
                      for e in explained], axis=0)
    return blend(bgr, combined, alpha, covered)


__all__ = ["explain", "explain_faces", "FaceSaliency", "grad_cam", "saliency_maps", "overlay", "blend"]
