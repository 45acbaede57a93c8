"""The two BlazePose networks, run with a LiteRT interpreter straight from a ``.task`` bundle.

A ``.task`` bundle is a zip holding ``pose_detector.tflite`` and
``pose_landmarks_detector.tflite`` (our built bundle and Google's lite/full/heavy ones
alike). Outputs are recognised by their shapes, not their order, which differs between
model exports. Interpreters keep mutable buffers: one :class:`Networks` per engine, used
from one thread.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pose_core.errors import ModelError

DETECTOR_MEMBER = "pose_detector.tflite"
LANDMARKER_MEMBER = "pose_landmarks_detector.tflite"
# Threads per interpreter: the machines we target have 2 cores.
DEFAULT_THREADS = 2


@dataclass(frozen=True)
class DetectorOutput:
    """Raw detector outputs for one image: ``boxes`` (anchors, 12), ``scores`` (anchors,)."""

    boxes: np.ndarray
    scores: np.ndarray


@dataclass(frozen=True)
class LandmarkOutput:
    """Raw landmark-model outputs for a batch of n crops.

    Shapes: ``landmarks`` (n, 39, 5) in input pixels (x, y, z, visibility and presence
    logits); ``flag`` (n,) pose presence probability; ``heatmap`` (n, h, w, 39) logits;
    ``world`` (n, 39, 3) metres.
    """

    landmarks: np.ndarray
    flag: np.ndarray
    heatmap: np.ndarray
    world: np.ndarray


def read_bundle(path: Path) -> tuple[bytes, bytes]:
    """The detector and landmark model bytes from a ``.task`` bundle."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            missing = [m for m in (DETECTOR_MEMBER, LANDMARKER_MEMBER) if m not in names]
            if missing:
                raise ModelError(f"{path.name} is not a pose landmarker bundle (no {missing[0]})")
            return zf.read(DETECTOR_MEMBER), zf.read(LANDMARKER_MEMBER)
    except (OSError, zipfile.BadZipFile) as exc:
        raise ModelError(f"could not read the pose model {path.name}: {exc}") from None


def _interpreter(model: bytes, threads: int, name: str) -> Any:
    from ai_edge_litert.interpreter import Interpreter

    try:
        interpreter = Interpreter(model_content=model, num_threads=threads)
        interpreter.allocate_tensors()
    except (RuntimeError, ValueError) as exc:
        raise ModelError(f"could not load {name}: {str(exc).strip().splitlines()[0]}") from None
    return interpreter


class _Model:
    """One network with a batch dimension: a fixed batch-1 interpreter for single crops
    and a second one resized to the batch at hand (reallocating costs ~25 ms, so the
    batch-1 calls between two batched ones must not trigger it)."""

    def __init__(self, model: bytes, threads: int, name: str) -> None:
        self._bytes, self._threads, self._name = model, threads, name
        self._single: Any = _interpreter(model, threads, name)
        self._multi: Any = None
        self._multi_batch = 0
        detail = self._single.get_input_details()[0]
        self._input = int(detail["index"])
        self.size = int(detail["shape"][1])  # square input, pixels

    def _for_batch(self, n: int) -> Any:
        if n == 1:
            return self._single
        if self._multi is None:
            self._multi = _interpreter(self._bytes, self._threads, self._name)
        if n != self._multi_batch:
            self._multi.resize_tensor_input(self._input, [n, self.size, self.size, 3])
            self._multi.allocate_tensors()
            self._multi_batch = n
        return self._multi

    def run(self, batch: np.ndarray) -> list[np.ndarray]:
        """Outputs (copies) for an input batch of shape (n, size, size, 3) float32."""
        it = self._for_batch(batch.shape[0])
        it.set_tensor(self._input, batch)
        it.invoke()
        return [it.get_tensor(int(d["index"])).copy() for d in it.get_output_details()]


class Networks:
    """The detector and the landmark model of one bundle, for one engine."""

    def __init__(self, path: Path, threads: int = DEFAULT_THREADS) -> None:
        detector, landmarker = read_bundle(path)
        self._detector = _Model(detector, threads, f"{path.name}: {DETECTOR_MEMBER}")
        self._landmarker = _Model(landmarker, threads, f"{path.name}: {LANDMARKER_MEMBER}")
        self.detector_size = self._detector.size
        self.landmark_size = self._landmarker.size

    def detect(self, image: np.ndarray) -> DetectorOutput:
        """Run the detector on one (size, size, 3) float32 image in [-1, 1].

        One image per call: the detector accepts a larger batch, but its reshapes fold
        the batch into the anchor axis, so batched outputs come out scrambled.
        """
        outs = self._detector.run(image[None])
        boxes = next(o for o in outs if o.shape[-1] > 1)
        scores = next(o for o in outs if o.shape[-1] == 1)
        return DetectorOutput(boxes[0], scores[0, :, 0])

    def landmarks(self, crops: np.ndarray) -> LandmarkOutput:
        """Run the landmark model on (n, size, size, 3) float32 crops in [0, 1], in one call.

        The network takes a batch dimension, so n people cost one call.
        """
        outs = self._landmarker.run(crops)
        n = crops.shape[0]
        flat = [o for o in outs if o.ndim == 2]
        landmarks = max(flat, key=lambda o: o.shape[1])
        world = next(o for o in flat if o.shape[1] not in (1, landmarks.shape[1]))
        num = landmarks.shape[1] // 5
        heatmap = next(o for o in outs if o.ndim == 4 and o.shape[-1] == num)
        flag = next(o for o in flat if o.shape[1] == 1).reshape(n)
        return LandmarkOutput(landmarks.reshape(n, num, 5), flag, heatmap, world.reshape(n, num, 3))
