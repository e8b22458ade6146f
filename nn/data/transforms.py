"""Image transforms, torchvision-shaped, with one rule for layouts:

- a **NumPy array** is an image as files and PIL give it: **HWC** (height, width, channels, with
  1, 3 or 4 channels) or HW (grayscale). ``CIFAR10`` gives HWC uint8 arrays;
- a **Tensor** is **CHW** (channels first), as ``ToTensor`` makes it, or HW.

So torchvision's order works on CIFAR-10 as it comes:
``Compose([RandomCrop(32, padding=4), RandomHorizontalFlip(), ToTensor(), Normalize(mean, std)])``;
every transform also works after ``ToTensor``. Each keeps the kind it was given (an array stays an
HWC array, a Tensor a CHW Tensor), except ``ToTensor``, which turns an HWC array into a CHW
Tensor. An array that is not HWC (its last axis is not 1, 3 or 4 channels) or a Tensor that looks
HWC (channels last, not first) is refused with an error saying which layout is expected, rather
than flipped or cropped along the wrong axes. Random transforms take a ``generator``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import autograd
from autograd import Tensor

from .._random import GeneratorLike, resolve_rng

Image = Tensor | np.ndarray
_CHANNEL_COUNTS = (1, 3, 4)  # grayscale, RGB, RGBA


def _image(img: Any, op: str) -> tuple[np.ndarray, bool]:
    """(the pixels as an array, whether ``img`` was a Tensor), after checking the layout: HW or
    HWC for arrays, HW or CHW for Tensors."""
    is_tensor = isinstance(img, Tensor)
    arr = img.data if is_tensor else np.asarray(img)
    if arr.ndim == 2:
        return arr, is_tensor
    if arr.ndim != 3:
        layout = "CHW (or HW) Tensor" if is_tensor else "HWC (or HW) NumPy array"
        raise ValueError(f"{op}: expected one image, a {layout}, got shape {arr.shape}")
    channels_last, channels_first = (
        arr.shape[-1] in _CHANNEL_COUNTS,
        arr.shape[0] in _CHANNEL_COUNTS,
    )
    if not is_tensor and not channels_last:
        hint = " (it looks CHW: pass a Tensor, or transpose it to HWC)" if channels_first else ""
        raise ValueError(
            f"{op}: a NumPy image must be HWC (height, width, channels) with 1, 3 or 4 channels "
            f"last, got shape {arr.shape}{hint}"
        )
    if is_tensor and channels_last and not channels_first:
        raise ValueError(
            f"{op}: a Tensor image must be CHW (channels, height, width), got shape {arr.shape}, "
            "which looks HWC: pass the NumPy array (HWC), or permute the Tensor to CHW"
        )
    return arr, is_tensor


def _spatial_axes(arr: np.ndarray, is_tensor: bool) -> tuple[int, int]:
    """The (height, width) axes: HW -> (0, 1); HWC array -> (0, 1); CHW Tensor -> (1, 2)."""
    return (1, 2) if is_tensor and arr.ndim == 3 else (0, 1)


def _same_kind(arr: np.ndarray, is_tensor: bool) -> Image:
    return Tensor(arr) if is_tensor else arr


def _stream(generator: GeneratorLike) -> GeneratorLike:
    """An int seed becomes one generator drawn from call after call (passed on as an int, every
    call would restart the same stream and make the same choice)."""
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        return autograd.Generator(int(generator))
    return generator


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
    """HWC (or HW) NumPy image -> CHW float32 Tensor. uint8 values are scaled by 1/255 into
    [0, 1]; float images are only transposed (as torchvision does for non-uint8 arrays).
    A Tensor is refused: it is CHW already."""

    def __call__(self, img: np.ndarray) -> Tensor:
        if isinstance(img, Tensor):
            raise TypeError(
                f"ToTensor: expected an HWC NumPy image, got a Tensor of shape {img.shape} "
                "(already converted: ToTensor belongs once, after the array transforms)"
            )
        arr, _ = _image(img, "ToTensor")
        if arr.ndim == 2:
            arr = arr[:, :, None]
        chw = np.ascontiguousarray(arr.transpose(2, 0, 1))
        if arr.dtype == np.uint8:
            out = chw.astype(np.float32)
            out *= np.float32(1.0 / 255.0)
            return Tensor(out)
        return Tensor(chw.astype(np.float32, copy=False))

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """``(img - mean[c]) / std[c]`` for each channel c: the first axis of a CHW Tensor, the last
    of an HWC array. The result is float (float32, or float64 for float64 input)."""

    def __init__(self, mean: Sequence[float], std: Sequence[float]) -> None:
        self.mean = np.asarray(mean, dtype=np.float32).reshape(-1)
        self.std = np.asarray(std, dtype=np.float32).reshape(-1)
        if self.mean.shape != self.std.shape:
            raise ValueError(f"Normalize: {len(self.mean)} means but {len(self.std)} stds")
        if np.any(self.std == 0):
            raise ValueError(f"Normalize: std has a zero entry ({list(std)})")

    def __call__(self, img: Image) -> Image:
        arr, is_tensor = _image(img, "Normalize")
        channels = 1 if arr.ndim == 2 else arr.shape[0 if is_tensor else -1]
        if len(self.mean) not in (1, channels):
            layout = "CHW" if is_tensor else "HWC"
            raise ValueError(
                f"Normalize: {len(self.mean)} channel means for an image with {channels} "
                f"channels (shape {arr.shape}, read as {layout})"
            )
        mean, std = self.mean, self.std
        if arr.ndim == 3 and is_tensor:  # channels first: broadcast along axis 0
            mean, std = mean[:, None, None], std[:, None, None]
        out = arr.astype(np.result_type(arr.dtype, np.float32))
        out -= mean
        out /= std
        return _same_kind(out, is_tensor)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


class RandomHorizontalFlip:
    """Mirror the image left-right (along its width axis) with probability ``p``."""

    def __init__(self, p: float = 0.5, generator: GeneratorLike = None) -> None:
        self.p = p
        self.generator = _stream(generator)

    def __call__(self, img: Image) -> Image:
        arr, is_tensor = _image(img, "RandomHorizontalFlip")
        if resolve_rng(self.generator).random() < self.p:
            width = _spatial_axes(arr, is_tensor)[1]
            return _same_kind(np.ascontiguousarray(np.flip(arr, axis=width)), is_tensor)
        return img

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


class RandomCrop:
    """Zero-pad the two spatial sides by ``padding`` pixels, then crop a random ``size`` window
    (``size`` an int for a square, or ``(h, w)``) — the classic CIFAR-10 augmentation.
    ``padding``: one int for all sides, ``(left/right, top/bottom)`` or
    ``(left, top, right, bottom)``, as in torchvision."""

    def __init__(
        self,
        size: int | tuple[int, int],
        padding: int | Sequence[int] = 0,
        generator: GeneratorLike = None,
    ) -> None:
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        if isinstance(padding, int):
            padding = (padding,) * 4
        elif len(padding) == 2:
            padding = (padding[0], padding[1], padding[0], padding[1])
        self.padding = tuple(int(p) for p in padding)  # left, top, right, bottom (torchvision)
        self.generator = _stream(generator)

    def __call__(self, img: Image) -> Image:
        arr, is_tensor = _image(img, "RandomCrop")
        h_axis, w_axis = _spatial_axes(arr, is_tensor)
        left, top, right, bottom = self.padding
        if any(self.padding):
            pad = [(0, 0)] * arr.ndim
            pad[h_axis], pad[w_axis] = (top, bottom), (left, right)
            arr = np.pad(arr, pad)
        h, w = arr.shape[h_axis], arr.shape[w_axis]
        th, tw = self.size
        if th > h or tw > w:
            raise ValueError(
                f"RandomCrop: crop {self.size} is larger than the padded image {(h, w)} "
                f"(height x width of an image of shape {arr.shape}, "
                f"read as {'CHW' if is_tensor else 'HWC'})"
            )
        rng = resolve_rng(self.generator)
        i = int(rng.integers(0, h - th + 1))
        j = int(rng.integers(0, w - tw + 1))
        window = [slice(None)] * arr.ndim
        window[h_axis], window[w_axis] = slice(i, i + th), slice(j, j + tw)
        return _same_kind(np.ascontiguousarray(arr[tuple(window)]), is_tensor)

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"
