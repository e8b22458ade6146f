"""Image transforms, torchvision-shaped. ``ToTensor`` turns an HWC uint8 image into a CHW
float32 Tensor in [0, 1]; the others act on CHW images (the last two axes are height, width),
given as Tensors or arrays, and return the same kind. Random ones take a ``generator``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd import Generator, Tensor
from autograd.random import resolve_generator as _rng

Image = Tensor | np.ndarray


def _unwrap(img: Image) -> tuple[np.ndarray, bool]:
    return (img.data, True) if isinstance(img, Tensor) else (np.asarray(img), False)


def _wrap(arr: np.ndarray, was_tensor: bool) -> Image:
    return Tensor(arr) if was_tensor else arr


class Compose:
    """Apply transforms in order: ``Compose([ToTensor(), Normalize(mean, std)])``."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        return "Compose(" + ", ".join(repr(t) for t in self.transforms) + ")"


class ToTensor:
    """HWC (or HW) image -> CHW float32 Tensor. uint8 values are scaled by 1/255 into [0, 1];
    float images are only transposed (as torchvision does for non-uint8 arrays)."""

    def __call__(self, img: Image) -> Tensor:
        arr, _ = _unwrap(img)
        if arr.ndim == 2:
            arr = arr[:, :, None]
        if arr.ndim != 3:
            raise ValueError(f"ToTensor: expected an HWC or HW image, got shape {arr.shape}")
        chw = np.ascontiguousarray(arr.transpose(2, 0, 1))
        if arr.dtype == np.uint8:
            out = chw.astype(np.float32)
            out *= np.float32(1.0 / 255.0)
            return Tensor(out)
        return Tensor(chw.astype(np.float32, copy=False))

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """``(img - mean[c]) / std[c]`` for each channel c of a CHW image."""

    def __init__(self, mean: Sequence[float], std: Sequence[float]) -> None:
        self.mean = np.asarray(mean, dtype=np.float32).reshape(-1, 1, 1)
        self.std = np.asarray(std, dtype=np.float32).reshape(-1, 1, 1)
        if np.any(self.std == 0):
            raise ValueError(f"Normalize: std has a zero entry ({list(std)})")

    def __call__(self, img: Image) -> Image:
        arr, t = _unwrap(img)
        if arr.ndim < 3 or self.mean.shape[0] not in (1, arr.shape[-3]):
            raise ValueError(
                f"Normalize: {self.mean.shape[0]} channel means for an image of shape {arr.shape} (CHW expected)"
            )
        out = arr - self.mean
        out /= self.std
        return _wrap(out.astype(np.result_type(arr.dtype, np.float32), copy=False), t)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.ravel().tolist()}, std={self.std.ravel().tolist()})"


class RandomHorizontalFlip:
    """Mirror the image left-right (last axis) with probability ``p``."""

    def __init__(self, p: float = 0.5, generator: Generator | None = None) -> None:
        self.p = p
        self.generator = generator

    def __call__(self, img: Image) -> Image:
        if _rng(self.generator).random() < self.p:
            arr, t = _unwrap(img)
            return _wrap(np.ascontiguousarray(arr[..., ::-1]), t)
        return img

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


class RandomCrop:
    """Zero-pad the two spatial sides by ``padding`` pixels, then crop a random ``size`` window
    (``size`` an int for a square, or ``(h, w)``) — the classic CIFAR-10 augmentation."""

    def __init__(
        self,
        size: int | tuple[int, int],
        padding: int | Sequence[int] = 0,
        generator: Generator | None = None,
    ) -> None:
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        if isinstance(padding, int):
            padding = (padding,) * 4
        elif len(padding) == 2:
            padding = (padding[0], padding[1], padding[0], padding[1])
        self.padding = tuple(int(p) for p in padding)  # left, top, right, bottom (torchvision)
        self.generator = generator

    def __call__(self, img: Image) -> Image:
        arr, t = _unwrap(img)
        left, top, right, bottom = self.padding
        if any(self.padding):
            pad = [(0, 0)] * (arr.ndim - 2) + [(top, bottom), (left, right)]
            arr = np.pad(arr, pad)
        h, w = arr.shape[-2:]
        th, tw = self.size
        if th > h or tw > w:
            raise ValueError(
                f"RandomCrop: crop {self.size} is larger than the padded image {(h, w)}"
            )
        rng = _rng(self.generator)
        i = int(rng.integers(0, h - th + 1))
        j = int(rng.integers(0, w - tw + 1))
        return _wrap(np.ascontiguousarray(arr[..., i : i + th, j : j + tw]), t)

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"
