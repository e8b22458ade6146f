"""Resampling: ``interpolate`` (nearest, nearest-exact, linear, bilinear, area), adaptive average
and max pooling, and ``pixel_shuffle``/``pixel_unshuffle``, with PyTorch's semantics.

All are compositions of other gates, so they have no rule of their own and their gradients (of
any order) are those gates': linear and bilinear interpolation and adaptive averaging are
separable linear maps, applied as ``matmul`` with a constant (out, in) matrix per axis (one BLAS
call each; the gradient is the transposed matrix, again a matmul); nearest interpolation and
adaptive max pooling pick elements with ``getitem`` (the gradient scatters back and adds where an
element was picked twice); the shuffles are ``reshape`` and ``permute``. When the windows of an
adaptive pool tile the input (size divisible by the output size) it is the ordinary pooling gate.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor
from ._common import _t
from .conv import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from .elementwise import clone
from .linalg import matmul
from .shape import getitem, permute, reshape

# --- arguments ---------------------------------------------------------------------------------


def _batched(op: str, x: Any, nd: int, *, unbatched_ok: bool = True) -> tuple[Tensor, bool]:
    """x as (N, C, *spatial) with ``nd`` spatial axes (a single (C, *spatial) sample gains a
    batch axis when ``unbatched_ok``), and whether it was unbatched."""
    x = _t(x)
    if x.ndim == nd + 1 and unbatched_ok:
        return x.reshape((1, *x.shape)), True
    if x.ndim != nd + 2:
        layout = "(N, C, L)" if nd == 1 else "(N, C, H, W)"
        alt = f" or {layout.replace('N, ', '')}" if unbatched_ok else ""
        raise ValueError(f"{op}: expects a {nd + 2}-D input {layout}{alt}, got shape {x.shape}")
    return x, False


def _check_float(op: str, x: Tensor) -> None:
    if x.data.dtype.kind != "f":
        raise TypeError(f"{op}: expects a floating-point input, got dtype {x.dtype}")


def _sizes(op: str, value: Any, nd: int, spatial: tuple, what: str) -> tuple[int, ...]:
    """An output size: an int or ``nd`` ints (None keeps that input size), each positive."""
    items = (value,) * nd if value is None or isinstance(value, (int, np.integer)) else value
    items = tuple(items)
    if len(items) != nd or not all(v is None or isinstance(v, (int, np.integer)) for v in items):
        raise ValueError(f"{op}: {what} must be an int or {nd} ints, got {value!r}")
    out = tuple(int(n if v is None else v) for v, n in zip(items, spatial))
    if any(v <= 0 for v in out):
        raise ValueError(f"{op}: {what} must be positive, got {value!r}")
    return out


def _restore(out: Tensor, unbatched: bool) -> Tensor:
    return out.reshape(out.shape[1:]) if unbatched else out


# --- adaptive pooling --------------------------------------------------------------------------


def _bins(n: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's adaptive windows: bin i covers [floor(i n / out), ceil((i + 1) n / out)), so
    neighbouring bins may share an element when out does not divide n."""
    i = np.arange(out)
    return (i * n) // out, -((-(i + 1) * n) // out)


def _average_matrix(n: int, out: int, dtype: Any) -> np.ndarray:
    """The (out, n) matrix whose row i averages bin i."""
    start, end = _bins(n, out)
    cols = np.arange(n)
    inside = (cols >= start[:, None]) & (cols < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def _along(x: Tensor, mat: np.ndarray, axis: int) -> Tensor:
    """The linear map ``mat`` (out, n) applied along spatial ``axis`` (-1 or -2) of x."""
    return matmul(x, mat.T) if axis == -1 else matmul(mat, x)


def _adaptive_avg(op: str, nd: int, x: Any, output_size: Any) -> Tensor:
    x, unbatched = _batched(op, x, nd)
    _check_float(op, x)
    spatial = x.shape[2:]
    out = _sizes(op, output_size, nd, spatial, "output_size")
    if all(n % o == 0 for n, o in zip(spatial, out)):  # the windows tile: one avg-pool gate
        k = tuple(n // o for n, o in zip(spatial, out))
        res = avg_pool1d(x, k, k) if nd == 1 else avg_pool2d(x, k, k)
        return _restore(res, unbatched)
    res = x
    for axis, (n, o) in zip(range(-nd, 0), zip(spatial, out)):
        if n != o:
            res = _along(res, _average_matrix(n, o, x.dtype), axis)  # z = A x along the axis
    return _restore(res, unbatched)


def adaptive_avg_pool1d(x: Any, output_size: Any) -> Tensor:
    """(N, C, L) -> (N, C, output_size): the mean of each of ``output_size`` windows that
    cover the input as evenly as possible (PyTorch's windows; see ``adaptive_avg_pool2d``)."""
    return _adaptive_avg("adaptive_avg_pool1d", 1, x, output_size)


def adaptive_avg_pool2d(x: Any, output_size: Any) -> Tensor:
    """(N, C, H, W) -> (N, C, Ho, Wo) for ``output_size`` Ho or (Ho, Wo) (None keeps that input
    size): window i of an axis of n covers ``[floor(i n / o), ceil((i + 1) n / o))``, as in
    PyTorch, so windows differ in size by at most one and may overlap by one. ``(1, 1)`` is
    global average pooling. Average pooling when o divides n; else one matmul per axis."""
    return _adaptive_avg("adaptive_avg_pool2d", 2, x, output_size)


def _max_windows(n: int, out: int) -> np.ndarray:
    """(out, k) indices of each bin's elements, short bins padded with their last index (a
    repeated element changes neither the maximum nor which element is first to reach it)."""
    start, end = _bins(n, out)
    k = int((end - start).max())
    return np.minimum(start[:, None] + np.arange(k), (end - 1)[:, None])


def _adaptive_max(op: str, nd: int, x: Any, output_size: Any, return_indices: bool) -> Any:
    x, unbatched = _batched(op, x, nd)
    _check_float(op, x)
    spatial = x.shape[2:]
    out = _sizes(op, output_size, nd, spatial, "output_size")
    if all(n % o == 0 for n, o in zip(spatial, out)):  # the windows tile: one max-pool gate
        k = tuple(n // o for n, o in zip(spatial, out))
        pool = max_pool1d if nd == 1 else max_pool2d
        res = pool(x, k, k, return_indices=return_indices)
    else:
        h, w = (1, *spatial) if nd == 1 else spatial
        ho, wo = (1, *out) if nd == 1 else out
        rows, cols = _max_windows(h, ho), _max_windows(w, wo)
        x4 = x.data[:, :, None, :] if nd == 1 else x.data
        # every window, (N, C, Ho, Wo, kh * kw); the first maximum (NaN counts as largest)
        win = x4[:, :, rows[:, None, :, None], cols[None, :, None, :]]
        first = np.argmax(win.reshape(*win.shape[:4], -1), axis=-1)
        i, j = np.divmod(first, cols.shape[1])
        r = rows[np.arange(ho)[:, None], i]  # (N, C, Ho, Wo): the winners' positions
        c = cols[np.arange(wo), j]
        n_idx = np.arange(x.shape[0])[:, None, None, None]
        c_idx = np.arange(x.shape[1])[None, :, None, None]
        if nd == 1:
            res = getitem(x, (n_idx[..., 0], c_idx[..., 0], c[:, :, 0]))  # z = x[winner]
            flat = c[:, :, 0]
        else:
            res = getitem(x, (n_idx, c_idx, r, c))  # z = x[winner]
            flat = r * w + c
        if return_indices:
            res = (res, Tensor(flat.astype(np.int64)))
    if not return_indices:
        return _restore(res, unbatched)
    values, indices = res
    return _restore(values, unbatched), _restore(indices, unbatched)


def adaptive_max_pool1d(x: Any, output_size: Any, return_indices: bool = False) -> Any:
    """(N, C, L) -> (N, C, output_size): the maximum of each adaptive window (see
    ``adaptive_max_pool2d``)."""
    return _adaptive_max("adaptive_max_pool1d", 1, x, output_size, return_indices)


def adaptive_max_pool2d(x: Any, output_size: Any, return_indices: bool = False) -> Any:
    """(N, C, H, W) -> (N, C, Ho, Wo): the maximum of each window of ``adaptive_avg_pool2d``.
    The gradient goes to the first maximum of each window (row-major order; a NaN counts as the
    largest), an element two windows share receives both windows' gradients.
    ``return_indices`` also gives each maximum's position in the flattened input plane (int64),
    as PyTorch does. The max-pool gate when the windows tile the input, else a ``getitem``."""
    return _adaptive_max("adaptive_max_pool2d", 2, x, output_size, return_indices)


# --- interpolation -----------------------------------------------------------------------------

_MODES = {"nearest": (1, 2), "nearest-exact": (1, 2), "linear": (1,), "bilinear": (2,)}
_MODES["area"] = (1, 2)
_LINEAR = ("linear", "bilinear")


def _out_sizes(
    x: Tensor, nd: int, size: Any, scale_factor: Any, recompute: Any
) -> tuple[tuple[int, ...], list[float | None]]:
    """Output sizes, and the scale factors (None: use in/out) for the source coordinates."""
    op = "interpolate"
    spatial = x.shape[2:]
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size and scale_factor, got {size!r} and "
                         f"{scale_factor!r}")  # fmt: skip
    if size is not None:
        return _sizes(op, size, nd, spatial, "size"), [None] * nd
    factors = scale_factor if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * nd
    if len(factors) != nd or not all(
        isinstance(f, (int, float, np.integer, np.floating)) and not isinstance(f, bool)
        for f in factors
    ):
        raise ValueError(f"{op}: scale_factor must be a number or {nd} numbers, got "
                         f"{scale_factor!r}")  # fmt: skip
    out = tuple(int(math.floor(n * float(f))) for n, f in zip(spatial, factors))
    if any(f <= 0 for f in factors) or any(o <= 0 for o in out):
        raise ValueError(
            f"{op}: scale_factor {scale_factor!r} gives output size {out} for input shape "
            f"{x.shape}; every output size must be positive"
        )
    return out, [None if recompute else float(f) for f in factors]


def _scale(n: int, out: int, factor: float | None, align_corners: bool, dtype: Any) -> Any:
    """PyTorch's coordinate scale (output index -> input coordinate), in the input's float
    dtype as its kernels compute it."""
    if align_corners:
        return dtype.type((n - 1) / (out - 1) if out > 1 else 0.0)
    return dtype.type(1.0 / factor if factor else n / out)


def _nearest_index(n: int, out: int, factor: float | None, exact: bool) -> np.ndarray:
    """The source index of each output position: floor(dst * scale), or with ``exact``
    floor((dst + 0.5) * scale) (PyTorch's 'nearest-exact'), clipped to the input; in float32
    as PyTorch computes it."""
    scale = np.float32(1.0 / factor if factor else n / out)
    dst = np.arange(out, dtype=np.float32) + (np.float32(0.5) if exact else np.float32(0.0))
    return np.minimum(np.floor(dst * scale).astype(np.int64), n - 1)


def _linear_matrix(
    n: int, out: int, factor: float | None, align_corners: bool, dtype: Any
) -> np.ndarray:
    """The (out, n) matrix of linear interpolation: each row holds the weights of the two
    source elements around the output position's source coordinate (PyTorch's coordinates)."""
    scale = _scale(n, out, factor, align_corners, dtype)
    dst = np.arange(out, dtype=dtype)
    if align_corners:
        src = scale * dst
    else:  # pixel centres: src = (dst + 1/2) scale - 1/2, clamped at 0
        src = np.maximum(scale * (dst + dtype.type(0.5)) - dtype.type(0.5), dtype.type(0.0))
    i0 = np.minimum(np.floor(src).astype(np.int64), n - 1)
    lam = np.clip(src - i0, 0.0, 1.0).astype(dtype)
    i1 = np.minimum(i0 + 1, n - 1)
    mat = np.zeros((out, n), dtype=dtype)
    rows = np.arange(out)
    np.add.at(mat, (rows, i0), dtype.type(1.0) - lam)  # (i1 == i0 at the last element)
    np.add.at(mat, (rows, i1), lam)
    return mat


def interpolate(
    x: Any,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
) -> Tensor:
    """Resize (N, C, L) or (N, C, H, W) to ``size`` (an int or one per spatial axis) or by
    ``scale_factor`` (output size floor(n * factor)), PyTorch's ``interpolate``:

    - ``"nearest"``: output position i takes input floor(i * scale), scale = 1/scale_factor (or
      n/size); ``"nearest-exact"``: floor((i + 1/2) * scale);
    - ``"linear"`` (3-D) and ``"bilinear"`` (4-D): the two (four) neighbours weighted by
      distance, at source coordinate (i + 1/2) * scale - 1/2 (pixel centres, the default
      ``align_corners=False``) or i * (n - 1)/(size - 1) (``align_corners=True``: corner pixels
      align);
    - ``"area"``: ``adaptive_avg_pool`` to the output size.

    As PyTorch's kernels do, the linear modes (and ``"nearest"`` on a 4-D input) leave an axis
    whose size does not change as it is, even when a scale_factor such as 1.1 would map it.

    ``recompute_scale_factor=True`` derives the scale from the sizes instead of scale_factor.
    Gradients: through matmul (linear modes) and getitem (nearest: each input element receives
    the sum of the gradients of the outputs that copied it).
    """
    x = _t(x)
    op = "interpolate"
    if mode not in _MODES:
        raise ValueError(f"{op}: mode must be one of {', '.join(map(repr, _MODES))}, got {mode!r}")
    nd = x.ndim - 2
    if nd not in _MODES[mode]:
        want = " or ".join(f"{d + 2}-D" for d in _MODES[mode])
        raise ValueError(
            f"{op}: mode {mode!r} expects a {want} input (N, C, spatial...), got shape {x.shape}"
        )
    if align_corners is not None and mode not in _LINEAR:
        raise ValueError(
            f"{op}: align_corners can only be set with the interpolating modes (linear, "
            f"bilinear), not with mode {mode!r}"
        )
    out, factors = _out_sizes(x, nd, size, scale_factor, recompute_scale_factor)
    if mode == "area":
        return (adaptive_avg_pool1d if nd == 1 else adaptive_avg_pool2d)(x, out)
    if mode.startswith("nearest"):
        exact = mode == "nearest-exact"
        idx = [_nearest_index(n, o, f, exact) for n, o, f in zip(x.shape[2:], out, factors)]
        if nd == 2 and not exact:  # PyTorch's 2-D kernel copies an axis whose size is kept
            idx = [np.arange(n) if n == o else i for n, o, i in zip(x.shape[2:], out, idx)]
        if nd == 1:
            return getitem(x, (slice(None), slice(None), idx[0]))  # z[i] = x[src(i)]
        return getitem(x, (slice(None), slice(None), idx[0][:, None], idx[1][None, :]))
    _check_float(op, x)
    res = x
    for axis, n, o, f in zip(range(-nd, 0), x.shape[2:], out, factors):
        if n != o:  # (PyTorch leaves an axis whose size is kept as it is, whatever the scale)
            res = _along(res, _linear_matrix(n, o, f, bool(align_corners), x.dtype), axis)
    return clone(res) if res is x else res


# --- pixel shuffle -----------------------------------------------------------------------------


def _factor(op: str, r: Any, what: str) -> int:
    if isinstance(r, bool) or not isinstance(r, (int, np.integer)) or r < 1:
        raise ValueError(f"{op}: {what} must be a positive int, got {r!r}")
    return int(r)


def pixel_shuffle(x: Any, upscale_factor: int) -> Tensor:
    """(*, C r^2, H, W) -> (*, C, H r, W r): each group of r^2 channels becomes an r x r block
    of pixels (sub-pixel convolution's upsampling). A reshape, a permute and a reshape."""
    x, op = _t(x), "pixel_shuffle"
    r = _factor(op, upscale_factor, "upscale_factor")
    if x.ndim < 3 or x.shape[-3] % (r * r):
        raise ValueError(
            f"{op}: expects (*, C * r^2, H, W) with channels divisible by r^2 = {r * r}, got "
            f"shape {x.shape}"
        )
    *lead, c, h, w = x.shape
    k = len(lead)
    y = reshape(x, (*lead, c // (r * r), r, r, h, w))
    y = permute(y, (*range(k), k, k + 3, k + 1, k + 4, k + 2))  # (*, C, H, r, W, r)
    return reshape(y, (*lead, c // (r * r), h * r, w * r))


def pixel_unshuffle(x: Any, downscale_factor: int) -> Tensor:
    """(*, C, H r, W r) -> (*, C r^2, H, W), the inverse of ``pixel_shuffle``."""
    x, op = _t(x), "pixel_unshuffle"
    r = _factor(op, downscale_factor, "downscale_factor")
    if x.ndim < 3 or x.shape[-2] % r or x.shape[-1] % r:
        raise ValueError(
            f"{op}: expects (*, C, H, W) with H and W divisible by {r}, got shape {x.shape}"
        )
    *lead, c, h, w = x.shape
    k = len(lead)
    y = reshape(x, (*lead, c, h // r, r, w // r, r))
    y = permute(y, (*range(k), k, k + 2, k + 4, k + 1, k + 3))  # (*, C, r, r, H, W)
    return reshape(y, (*lead, c * r * r, h // r, w // r))
