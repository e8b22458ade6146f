"""Stateless forms of every layer and loss (PyTorch's ``torch.nn.functional``).

Everything here composes ``autograd`` gates: nn never states a gradient rule of its own. Losses
that need numerical care use the engine's fused gates (``log_softmax``, ``softplus``), so logits
of magnitude 1e4 give finite, exact values and gradients. Shapes: N batch, C classes/channels.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import numpy as np

import autograd
from autograd import Tensor, log, where
from autograd import log_softmax as _log_softmax

from ._checks import check_float
from ._random import GeneratorLike, resolve_rng

__all__ = [
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d",
    "avg_pool1d", "avg_pool2d", "batch_norm", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "celu", "conv1d", "conv2d", "conv_transpose1d",
    "conv_transpose2d", "cosine_embedding_loss", "cosine_similarity", "cross_entropy",
    "dropout", "elu", "embedding", "fold", "gaussian_nll_loss", "gelu", "glu", "group_norm",
    "hardshrink", "hardsigmoid", "hardswish", "hardtanh", "hinge_embedding_loss", "huber_loss",
    "instance_norm", "interpolate", "kl_div", "l1_loss", "l2_penalty", "layer_norm",
    "leaky_relu", "linear", "log_softmax", "logsigmoid", "lp_pool1d", "lp_pool2d",
    "margin_ranking_loss", "max_pool1d", "max_pool2d", "mish", "mse_loss", "multi_margin_loss",
    "nll_loss", "normalize", "one_hot", "pad", "pairwise_distance", "pixel_shuffle",
    "pixel_unshuffle", "poisson_nll_loss", "prelu", "relu", "relu6", "selu", "sigmoid", "silu",
    "smooth_l1_loss", "soft_margin_loss", "softmax", "softmin", "softplus", "softshrink",
    "softsign", "svm_loss", "tanh", "tanhshrink", "threshold", "triplet_margin_loss", "unfold",
    "upsample", "upsample_bilinear", "upsample_nearest",
]  # fmt: skip

_REDUCTIONS = ("mean", "sum", "none")
_T2 = (1, 0)


_Fn = TypeVar("_Fn", bound=Callable[..., Any])


def _drawn_as_one(fn: _Fn) -> _Fn:
    """Record a loss's gates in a scope of its own, ``<caller's scope>.cross_entropy()``, so that
    ``autograd.viz.draw`` shows the whole loss as one node (``expand="cross_entropy()"`` opens
    it). A loss called inside another (cross_entropy -> its 2-D self) stays in the outer one."""
    scope_name = fn.__name__ + "()"

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        outer = autograd.current_scope()
        if outer is not None and outer.endswith("()"):
            return fn(*args, **kwargs)
        token = autograd.enter_scope(scope_name if outer is None else f"{outer}.{scope_name}")
        try:
            return fn(*args, **kwargs)
        finally:
            autograd.exit_scope(token)

    return wrapper  # type: ignore[return-value]


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else autograd.as_tensor(x)


def _check_reduction(reduction: str, op: str, allowed: Sequence[str] = _REDUCTIONS) -> None:
    if reduction not in allowed:
        raise ValueError(
            f"{op}: reduction must be one of {', '.join(map(repr, allowed))}, got {reduction!r}"
        )


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _check_same_shape(op: str, **tensors: Tensor) -> None:
    """Refuse tensors of different shapes, naming each: ``input of shape (3,) and target of
    shape (3, 1) differ``."""
    shapes = {name: t.shape for name, t in tensors.items()}
    if len(set(shapes.values())) > 1:
        named = [f"{name} of shape {shape}" for name, shape in shapes.items()]
        raise ValueError(
            f"{op}: {', '.join(named[:-1])} and {named[-1]} differ "
            "(they would broadcast silently; reshape one of them)"
        )


def _loss_inputs(op: str, reduction: str, **tensors: Any) -> tuple[Tensor, ...]:
    """The common prologue of an elementwise loss: a valid ``reduction``, and the named inputs
    as tensors of one shape (in the order given)."""
    _check_reduction(reduction, op)
    out = {name: _tensor(t) for name, t in tensors.items()}
    _check_same_shape(op, **out)
    return tuple(out.values())


def _hinge(z: Tensor) -> Tensor:
    """max(z, 0) with the gradient passed at z = 0: PyTorch's ``clamp_min`` in its margin
    losses (``clip`` passes the gradient at its bound; ``relu'(0)`` would be 0)."""
    return autograd.clip(z, min=0.0)


def _values(x: Any) -> np.ndarray:
    """The array behind a tensor or array-like (for masks and checks, outside the graph)."""
    return x.data if isinstance(x, Tensor) else np.asarray(x)


# --- activations -------------------------------------------------------------------------------


def relu(x: Tensor) -> Tensor:
    """max(x, 0) elementwise; relu'(0) = 0."""
    return autograd.relu(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, negative_slope * x elsewhere."""
    return autograd.leaky_relu(x, negative_slope)


def sigmoid(x: Tensor) -> Tensor:
    return autograd.sigmoid(x)


def tanh(x: Tensor) -> Tensor:
    return autograd.tanh(x)


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """ln(1 + e^(beta x)) / beta (the fused, stable ``softplus`` gate); where beta x exceeds
    ``threshold`` it is x itself, as in PyTorch (the two agree there to float32 precision)."""
    x = _tensor(x)
    if beta == 1.0:
        smooth = autograd.softplus(x)
        over = x.data > threshold
    else:
        smooth = autograd.softplus(x * beta) * (1.0 / beta)
        over = x.data * beta > threshold
    return where(over, x, smooth) if over.any() else smooth


def _implicit_softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    """PyTorch's deprecated choice when ``dim`` is not given: 0 for 0-, 1- and 3-D input (a
    vector; an unbatched (C, H, W) image), else 1 (the channels of (N, C, ...))."""
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. "
        "Change the call to include dim=X as an argument.",
        UserWarning,
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_family(
    gate: Callable[[Tensor, int], Tensor],
    name: str,
    x: Any,
    dim: int | None,
    stacklevel: int,
    dtype: Any,
) -> Tensor:
    """``gate`` along ``dim`` (PyTorch's implicit choice when None), after the optional cast."""
    x = _tensor(x)
    if dim is None:
        dim = _implicit_softmax_dim(name, x.ndim, stacklevel + 1)
    if dtype is not None:  # cast first, as PyTorch does (its use: float16 in, float32 sums)
        x = autograd.cast(x, dtype)
    if x.ndim == 0:  # one element: the gates want an axis, so go through shape (1,)
        return gate(x.reshape(1), dim).reshape(())
    return gate(x, dim)


def softmax(x: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """e^x / sum(e^x) along ``dim`` (fused, never overflows). Without ``dim``, PyTorch's
    deprecated implicit choice, with its warning: dim 0 for 0-, 1- and 3-D input, else dim 1
    (the channels of (N, C, H, W)). ``dtype`` casts the input first."""
    return _softmax_family(autograd.softmax, "softmax", x, dim, _stacklevel, dtype)


def softmin(x: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """softmax(-x) along ``dim`` (the implicit ``dim`` and ``dtype`` as in ``softmax``)."""
    return _softmax_family(autograd.softmax, "softmin", -_tensor(x), dim, _stacklevel, dtype)


def log_softmax(
    x: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """x - logsumexp(x) along ``dim`` (fused, exact for logits of any size); the implicit
    ``dim`` and ``dtype`` as in ``softmax``."""
    return _softmax_family(_log_softmax, "log_softmax", x, dim, _stacklevel, dtype)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """GELU, x Phi(x) with Phi the standard normal CDF (exact, through erf: PyTorch's default),
    or with ``approximate="tanh"`` 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). One fused
    engine gate (``autograd.gelu``)."""
    return autograd.gelu(x, approximate)


def silu(x: Tensor) -> Tensor:
    """x * sigmoid(x) (also called swish)."""
    x = _tensor(x)
    return x * autograd.sigmoid(x)


def mish(x: Tensor) -> Tensor:
    """x * tanh(softplus(x))."""
    x = _tensor(x)
    return x * autograd.tanh(autograd.softplus(x))


def _negative_part(x: Tensor) -> Tensor:
    """min(x, 0), whose gradient is 1 at x = 0 (``clip`` passes its bound): e^min(x, 0) never
    overflows on the branch ``where`` does not take, and elu'(0) is alpha, as in PyTorch."""
    return autograd.clip(x, max=0.0)


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x where x > 0, alpha (e^x - 1) elsewhere; elu'(0) = alpha (PyTorch's convention)."""
    x = _tensor(x)
    return where(x > 0, x, (autograd.exp(_negative_part(x)) - 1.0) * alpha)


def celu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x where x > 0, alpha (e^(x / alpha) - 1) elsewhere."""
    x = _tensor(x)
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0")
    return where(x > 0, x, (autograd.exp(_negative_part(x) / alpha) - 1.0) * alpha)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(x: Tensor) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants (alpha ~ 1.6733,
    scale ~ 1.0507)."""
    return elu(x, _SELU_ALPHA) * _SELU_SCALE


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """x clipped to [min_val, max_val]. The gradient passes only strictly inside (PyTorch's
    convention: 0 at the bounds themselves)."""
    x = _tensor(x)
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val {min_val} is greater than max_val {max_val}")
    inside = (x > min_val) & (x < max_val)
    return where(inside, x, Tensor(np.clip(x.data, min_val, max_val)))


def relu6(x: Tensor) -> Tensor:
    """min(max(x, 0), 6): ``hardtanh(x, 0, 6)``."""
    return hardtanh(x, 0.0, 6.0)


def hardsigmoid(x: Tensor) -> Tensor:
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between (gradient 1/6 strictly inside)."""
    x = _tensor(x)
    return hardtanh(x + 3.0, 0.0, 6.0) * (1.0 / 6.0)


def hardswish(x: Tensor) -> Tensor:
    """x * hardsigmoid(x)."""
    x = _tensor(x)
    return x * hardsigmoid(x)


def softsign(x: Tensor) -> Tensor:
    """x / (1 + |x|) (|.|'(0) = 0)."""
    x = _tensor(x)
    return x / (autograd.abs(x) + 1.0)


def logsigmoid(x: Tensor) -> Tensor:
    """ln sigmoid(x) = -softplus(-x): finite for any x (the fused softplus)."""
    x = _tensor(x)
    return -autograd.softplus(-x)


def prelu(x: Tensor, weight: Tensor) -> Tensor:
    """x where x > 0, weight * x elsewhere; weight has one value (shared) or one per channel
    (axis 1 of x). prelu'(0) is the weight, as in PyTorch."""
    x, weight = _tensor(x), _tensor(weight)
    if weight.ndim != 1 or weight.shape[0] not in (1, x.shape[1] if x.ndim > 1 else 1):
        channels = x.shape[1] if x.ndim > 1 else 1
        raise ValueError(
            f"prelu: weight must have 1 or {channels} (channels) values, got shape "
            f"{weight.shape} for input of shape {x.shape}"
        )
    w = weight.reshape((-1,) + (1,) * (x.ndim - 2)) if x.ndim > 1 else weight
    return where(x > 0, x, x * w)


def threshold(x: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, ``value`` elsewhere (the gradient is 0 there, at the threshold
    too). ``inplace`` is accepted and computed out of place."""
    x = _tensor(x)
    return where(x.data <= threshold, value, x)  # (NaN is not <= anything: it stays)


def hardshrink(x: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, 0 elsewhere (gradient 0 at |x| = lambd, as in PyTorch)."""
    x = _tensor(x)
    return where(np.abs(x.data) <= lambd, 0.0, x)  # (NaN stays NaN, as in PyTorch)


def softshrink(x: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd where x > lambd, x + lambd where x < -lambd, 0 between (gradient 0 at
    |x| = lambd, as in PyTorch)."""
    x = _tensor(x)
    if not lambd >= 0:
        raise ValueError(f"softshrink: lambd must be >= 0, got {lambd}")
    inside = np.abs(x.data) <= lambd  # (NaN is not inside: it stays NaN, as in PyTorch)
    return where(inside, 0.0, where(x.data > lambd, x - lambd, x + lambd))


def tanhshrink(x: Tensor) -> Tensor:
    """x - tanh(x)."""
    x = _tensor(x)
    return x - autograd.tanh(x)


def glu(x: Tensor, dim: int = -1) -> Tensor:
    """The gated linear unit: a * sigmoid(b), a and b the two halves of x along ``dim``
    (which must have an even size): (*, 2n, *) -> (*, n, *)."""
    x = _tensor(x)
    if x.ndim == 0:
        raise ValueError("glu: a 0-d input has no dimension to halve")
    size = x.shape[dim]
    if size % 2:
        raise ValueError(
            f"glu: dimension {dim} of input of shape {x.shape} must have an even size to be "
            f"halved, got {size}"
        )
    a, b = x.chunk(2, dim)
    return a * autograd.sigmoid(b)


# --- linear, convolution, pooling --------------------------------------------------------------


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x @ weight^T + bias. x (..., in_features), weight (out_features, in_features),
    bias (out_features,) -> (..., out_features)."""
    if x.shape[-1:] != weight.shape[1:2]:
        raise ValueError(
            f"linear: input of shape {x.shape} has {x.shape[-1] if x.ndim else 0} features but "
            f"weight of shape {weight.shape} expects {weight.shape[1] if weight.ndim > 1 else '?'}"
        )
    return autograd.linear(x, weight, bias)  # one fused gate: z = x W^T + b


def _check_conv_weight(weight: Tensor, op: str) -> None:
    """An empty kernel or channel count is refused: a 0-wide kernel would grow the input by one
    in each dimension (5x5 -> 6x6), silently."""
    if 0 in weight.shape:
        raise ValueError(
            f"{op}: weight of shape {weight.shape} has a zero dimension (out_channels, "
            "in_channels and every kernel size must be positive)"
        )


def conv1d(
    x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
    dilation: Any = 1, groups: int = 1,
) -> Tensor:  # fmt: skip
    """x (N, C_in, L), weight (C_out, C_in / groups, K), bias (C_out,) -> (N, C_out, L_out) with
    L_out = floor((L + 2 padding - dilation (K - 1) - 1) / stride) + 1."""
    _check_conv_weight(weight, "conv1d")
    return autograd.conv1d(x, weight, bias, stride, padding, dilation, groups)


def conv2d(
    x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
    dilation: Any = 1, groups: int = 1,
) -> Tensor:  # fmt: skip
    """x (N, C_in, H, W), weight (C_out, C_in / groups, kH, kW), bias (C_out,) ->
    (N, C_out, H_out, W_out), each output size floor((size + 2 padding - dilation (k - 1) - 1) /
    stride) + 1. ``groups`` splits the channels into independent blocks (``groups = C_in``:
    depthwise)."""
    _check_conv_weight(weight, "conv2d")
    return autograd.conv2d(x, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(
    x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
    output_padding: Any = 0, groups: int = 1, dilation: Any = 1,
) -> Tensor:  # fmt: skip
    """x (N, C_in, L), weight (C_in, C_out / groups, K), bias (C_out,) -> (N, C_out, L_out),
    L_out = (L - 1) stride - 2 padding + dilation (K - 1) + output_padding + 1."""
    _check_conv_weight(weight, "conv_transpose1d")
    return autograd.conv_transpose1d(
        x, weight, bias, stride, padding, output_padding, groups, dilation
    )


def conv_transpose2d(
    x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
    output_padding: Any = 0, groups: int = 1, dilation: Any = 1,
) -> Tensor:  # fmt: skip
    """x (N, C_in, H, W), weight (C_in, C_out / groups, kH, kW), bias (C_out,) ->
    (N, C_out, H_out, W_out), each output size (size - 1) stride - 2 padding +
    dilation (k - 1) + output_padding + 1: the adjoint of conv2d (stride 2 upsamples by 2)."""
    _check_conv_weight(weight, "conv_transpose2d")
    return autograd.conv_transpose2d(
        x, weight, bias, stride, padding, output_padding, groups, dilation
    )


def max_pool1d(
    x: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
    ceil_mode: bool = False, return_indices: bool = False,
) -> Any:  # fmt: skip
    """(N, C, L) -> (N, C, L_out): the largest value of each window (stride defaults to the
    kernel size); see ``max_pool2d``."""
    return autograd.max_pool1d(x, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(
    x: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
    ceil_mode: bool = False, return_indices: bool = False,
) -> Any:  # fmt: skip
    """(N, C, H, W) -> (N, C, H_out, W_out): the largest value of each window (the gradient
    goes to the first maximum). ``ceil_mode`` keeps a last, partial window; ``return_indices``
    also returns each maximum's flat position in its input plane."""
    return autograd.max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def avg_pool1d(
    x: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:  # fmt: skip
    """(N, C, L) -> (N, C, L_out): the mean of each window; see ``avg_pool2d``."""
    return autograd.avg_pool1d(x, kernel_size, stride, padding, ceil_mode, count_include_pad)


def avg_pool2d(
    x: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
    count_include_pad: bool = True, divisor_override: int | None = None,
) -> Tensor:  # fmt: skip
    """(N, C, H, W) -> (N, C, H_out, W_out): the mean of each window; zero padding counts in
    the mean unless ``count_include_pad=False``; ``ceil_mode`` keeps a last, partial window;
    ``divisor_override`` divides every window's sum by that number instead."""
    return autograd.avg_pool2d(
        x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    )


def lp_pool1d(
    x: Tensor, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False
) -> Tensor:
    """(N, C, L) -> (N, C, L_out): (sum of x^p over each window)^(1/p)."""
    return autograd.lp_pool1d(x, norm_type, kernel_size, stride, ceil_mode=ceil_mode)


def lp_pool2d(
    x: Tensor, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False
) -> Tensor:
    """(N, C, H, W) -> (N, C, H_out, W_out): (sum of x^p over each window)^(1/p); p = 2 is L2
    pooling."""
    return autograd.lp_pool2d(x, norm_type, kernel_size, stride, ceil_mode=ceil_mode)


def adaptive_avg_pool1d(x: Tensor, output_size: Any) -> Tensor:
    """(N, C, L) -> (N, C, output_size): the mean of each adaptive window."""
    return autograd.adaptive_avg_pool1d(x, output_size)


def adaptive_avg_pool2d(x: Tensor, output_size: Any) -> Tensor:
    """(N, C, H, W) -> (N, C, Ho, Wo): the mean of each of Ho x Wo windows covering the input
    as evenly as possible (PyTorch's windows); ``(1, 1)`` is global average pooling."""
    return autograd.adaptive_avg_pool2d(x, output_size)


def adaptive_max_pool1d(x: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """(N, C, L) -> (N, C, output_size): the maximum of each adaptive window."""
    return autograd.adaptive_max_pool1d(x, output_size, return_indices)


def adaptive_max_pool2d(x: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """(N, C, H, W) -> (N, C, Ho, Wo): the maximum of each adaptive window (the gradient goes
    to the first maximum)."""
    return autograd.adaptive_max_pool2d(x, output_size, return_indices)


# --- resampling, padding, blocks ---------------------------------------------------------------


def interpolate(
    x: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
    align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
) -> Tensor:  # fmt: skip
    """Resize (N, C, L) or (N, C, H, W) to ``size`` or by ``scale_factor``: modes
    ``"nearest"``, ``"nearest-exact"``, ``"linear"`` (3-D), ``"bilinear"`` (4-D, with
    ``align_corners``) and ``"area"`` (see ``autograd.interpolate``)."""
    return autograd.interpolate(x, size, scale_factor, mode, align_corners, recompute_scale_factor)


def upsample(
    x: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
    align_corners: bool | None = None,
) -> Tensor:  # fmt: skip
    """``interpolate`` under its older name (PyTorch keeps it, deprecated)."""
    return interpolate(x, size, scale_factor, mode, align_corners)


def upsample_nearest(x: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """``interpolate(x, size, scale_factor, mode="nearest")``."""
    return interpolate(x, size, scale_factor, "nearest")


def upsample_bilinear(x: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """``interpolate(x, size, scale_factor, mode="bilinear", align_corners=True)``, as
    PyTorch's (deprecated) ``upsample_bilinear``."""
    return interpolate(x, size, scale_factor, "bilinear", True)


def pad(
    x: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None
) -> Tensor:
    """PyTorch's padding: ``pad`` lists (before, after) pairs starting from the LAST axis:
    ``(left, right)`` pads the last axis, ``(left, right, top, bottom)`` the last two. ``mode``:
    ``"constant"`` (``value``, default 0; a negative width crops), ``"reflect"`` (mirrored
    without repeating the edge), ``"replicate"`` (the edge repeated) or ``"circular"`` (wrapped
    around). ``autograd.pad`` takes NumPy's ((before, after), ...) per axis instead."""
    x = _tensor(x)
    pads = [int(v) for v in pad]
    if len(pads) % 2 or len(pads) // 2 > x.ndim:
        raise ValueError(
            f"pad: pad must hold (before, after) pairs for at most {x.ndim} dimensions (starting "
            f"from the last), got {tuple(pad)} for input of shape {x.shape}"
        )
    if mode != "constant" and value not in (None, 0, 0.0):
        raise ValueError(f"pad: value can only be given with mode 'constant', not {mode!r}")
    k = len(pads) // 2
    widths = [(0, 0)] * (x.ndim - k) + [(pads[2 * i], pads[2 * i + 1]) for i in reversed(range(k))]
    grow = [(max(b, 0), max(a, 0)) for b, a in widths]
    out = autograd.pad(x, grow, 0.0 if value is None else value, mode=mode)
    if any(b < 0 or a < 0 for b, a in widths):  # negative widths crop (after padding)
        if mode != "constant":
            raise ValueError(
                f"pad: negative padding {tuple(pad)} is only allowed in mode 'constant'"
            )
        out = out[tuple(slice(-min(b, 0), n + min(a, 0)) for (b, a), n in zip(widths, out.shape))]
    return out


def pixel_shuffle(x: Tensor, upscale_factor: int) -> Tensor:
    """(*, C r^2, H, W) -> (*, C, H r, W r)."""
    return autograd.pixel_shuffle(x, upscale_factor)


def pixel_unshuffle(x: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H r, W r) -> (*, C r^2, H, W)."""
    return autograd.pixel_unshuffle(x, downscale_factor)


def unfold(
    x: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
) -> Tensor:
    """Sliding blocks (im2col): (N, C, H, W) -> (N, C kH kW, L)."""
    return autograd.unfold(x, kernel_size, dilation, padding, stride)


def fold(
    x: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
    stride: Any = 1,
) -> Tensor:  # fmt: skip
    """Blocks back into an image (col2im, overlaps add): (N, C kH kW, L) -> (N, C, H, W)."""
    return autograd.fold(x, output_size, kernel_size, dilation, padding, stride)


# --- distances ---------------------------------------------------------------------------------


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """cos of the angle between x1 and x2 along ``dim`` (norms clamped at eps)."""
    return autograd.cosine_similarity(x1, x2, dim, eps)


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """|x1 - x2 + eps|_p along the last axis."""
    return autograd.pairwise_distance(x1, x2, p, eps, keepdim)


def normalize(x: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """x / max(|x|_p, eps) along ``dim``: unit vectors."""
    return autograd.normalize(x, p, dim, eps)


# --- regularisation and normalisation ----------------------------------------------------------


def dropout(
    x: Tensor,
    p: float = 0.5,
    training: bool = True,
    generator: GeneratorLike = None,
    *,
    inplace: bool = False,
) -> Tensor:
    """Inverted dropout: zero each element with probability ``p`` and scale the survivors by
    1 / (1 - p), so the expected value is unchanged and evaluation needs no rescaling.
    The identity when ``training`` is False or ``p`` is 0.

    ``inplace`` is accepted for PyTorch's signature and computed out of place (as for the
    activations); a bool in ``generator``'s place is PyTorch's positional ``inplace``."""
    if isinstance(generator, bool):  # F.dropout(x, p, training, inplace): PyTorch's order
        generator = None
    if isinstance(p, bool) or not isinstance(p, (int, float, np.floating, np.integer)):
        raise TypeError(f"dropout: p must be a number, got {p!r} ({type(p).__name__})")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability must be between 0 and 1, got {p}")
    if not training or p == 0.0:
        return x
    x = _tensor(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
    if p == 1.0:
        return x * Tensor(np.zeros(x.shape, dtype=dtype))
    keep = resolve_rng(generator).random(x.shape) >= p
    return x * Tensor(keep * dtype.type(1.0 / (1.0 - p)))  # a constant mask: z = x * m / (1-p)


def batch_norm(
    x: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of x (N, C) or (N, C, *spatial) to zero mean and unit variance.

    Training: batch statistics (biased variance) normalise; running statistics (if given) move
    ``momentum`` of the way towards the batch mean and the *unbiased* batch variance. Evaluation:
    the running statistics normalise. Then ``* weight + bias`` per channel.
    """
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expects input of shape (N, C, ...), got {x.shape}")
    c = x.shape[1]
    bshape = (1, c) + (1,) * (x.ndim - 2)
    if training:
        n = x.numel() // c if c else 0
        if n <= 1:
            raise ValueError(
                "batch_norm: expected more than 1 value per channel when training, got input of "
                f"shape {x.shape} (use eval() for single examples, or a bigger batch)"
            )
        # one fused gate (autograd.batch_norm_composed is the same computation, gate by gate)
        out, mean, var = autograd.batch_norm_train(x, weight, bias, eps)
        if running_mean is not None and running_var is not None:
            # state, not the gradient path: in-place updates of the buffers (counted, unrecorded)
            with autograd.no_grad():
                running_mean.mul_(1.0 - momentum).add_(mean, alpha=momentum)
                running_var.mul_(1.0 - momentum).add_(var, alpha=momentum * n / (n - 1))
        return out
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm: evaluation needs running_mean and running_var")
    xhat = (x - running_mean.reshape(bshape)) * (running_var.reshape(bshape) + eps) ** -0.5
    if weight is not None:
        xhat = xhat * weight.reshape(bshape)
    if bias is not None:
        xhat = xhat + bias.reshape(bshape)
    return xhat


@autograd.half_in_float32
def layer_norm(
    x: Tensor,
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` axes of x (..., *normalized_shape) to
    zero mean and unit (biased) variance, then ``* weight + bias`` (both normalized_shape)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if x.shape[x.ndim - k :] != shape or x.ndim < k:
        raise ValueError(
            f"layer_norm: input of shape {x.shape} does not end with normalized_shape {shape}"
        )
    axes = tuple(range(x.ndim - k, x.ndim))
    xc = x - x.mean(axes, keepdims=True)
    out = xc * ((xc * xc).mean(axes, keepdims=True) + eps) ** -0.5
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def _normalize_rows(x: Tensor, rows: int, eps: float) -> Tensor:
    """x normalised within each of ``rows`` consecutive equal slices of its elements (mean 0,
    biased variance 1). The fused batch-norm gate does it when a slice has several elements:
    viewed as (1, rows, M), its "channels" are the slices."""
    flat = x.reshape((1, rows, -1))
    if flat.shape[2] > 1:
        out = autograd.batch_norm_train(flat, None, None, eps)[0]
    else:  # one element per slice: x - mean is 0 (and so is its gradient)
        xc = flat - flat.mean(2, keepdims=True)
        out = xc * ((xc * xc).mean(2, keepdims=True) + eps) ** -0.5
    return out.reshape(x.shape)


def _affine(out: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    """``out * weight + bias``, weight and bias per channel (axis 1)."""
    bshape = (1, out.shape[1]) + (1,) * (out.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(bshape)
    if bias is not None:
        out = out + bias.reshape(bshape)
    return out


def group_norm(
    x: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Split the C channels of x (N, C, *) into ``num_groups`` groups and normalise each
    example's group (its channels and positions together) to mean 0 and biased variance 1,
    then ``* weight + bias`` per channel (C,). Independent of the batch: the same in training
    and evaluation."""
    x = _tensor(x)
    if x.ndim < 2:
        raise ValueError(f"group_norm: expects input of shape (N, C, ...), got {x.shape}")
    if isinstance(num_groups, bool) or not isinstance(num_groups, int) or num_groups < 1:
        raise ValueError(f"group_norm: num_groups must be a positive int, got {num_groups!r}")
    n, c = x.shape[:2]
    if c % num_groups:
        raise ValueError(
            f"group_norm: num_groups {num_groups} does not divide the {c} channels of input "
            f"{x.shape}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.shape != (c,):
            raise ValueError(f"group_norm: {name} must have shape ({c},), got {t.shape}")
    return _affine(_normalize_rows(x, n * num_groups, eps), weight, bias)


def instance_norm(
    x: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each example's each channel of x (N, C, *spatial) over its positions (mean 0,
    biased variance 1), then ``* weight + bias`` per channel. With ``use_input_stats=False`` the
    running statistics normalise instead; with running statistics given and
    ``use_input_stats``, they move ``momentum`` of the way towards the batch's average instance
    mean and unbiased variance (PyTorch's rule)."""
    x = _tensor(x)
    if x.ndim < 3:
        raise ValueError(f"instance_norm: expects input of shape (N, C, *spatial), got {x.shape}")
    n, c = x.shape[:2]
    for name, t in (
        ("weight", weight), ("bias", bias), ("running_mean", running_mean),
        ("running_var", running_var),
    ):  # fmt: skip
        if t is not None and t.shape != (c,):
            raise ValueError(
                f"instance_norm: {name} of shape {t.shape} does not match the {c} channels of "
                f"input {x.shape}"
            )
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError("instance_norm: use_input_stats=False needs the running statistics")
        bshape = (1, c) + (1,) * (x.ndim - 2)
        out = (x - running_mean.reshape(bshape)) * (running_var.reshape(bshape) + eps) ** -0.5
        return _affine(out, weight, bias)
    m = x.numel() // (n * c) if n * c else 0
    if m <= 1:
        raise ValueError(
            f"instance_norm: expected more than 1 spatial element when training, got input of "
            f"shape {x.shape}"
        )
    flat = x.reshape((1, n * c, -1))
    out, mean, var = autograd.batch_norm_train(flat, None, None, eps)
    if running_mean is not None and running_var is not None:
        with autograd.no_grad():  # state, not the gradient path
            running_mean.mul_(1.0 - momentum).add_(
                mean.reshape(n, c).mean(0).astype(running_mean.dtype), alpha=momentum
            )
            unbiased = (var * (m / (m - 1))).reshape(n, c).mean(0)
            running_var.mul_(1.0 - momentum).add_(
                unbiased.astype(running_var.dtype), alpha=momentum
            )
    return _affine(out.reshape(x.shape), weight, bias)


def embedding(indices: Any, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of weight (num_embeddings, dim) at integer ``indices`` (any shape) ->
    (*indices.shape, dim). The row at ``padding_idx`` receives no gradient. Indices must lie in
    [0, num_embeddings): a negative one raises, as in PyTorch, instead of counting from the end."""
    idx = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    if idx.dtype.kind == "i" and idx.size and idx.min() < 0:
        raise IndexError(
            f"embedding: index {idx.min()} is negative; indices must be in [0, {weight.shape[0]}) "
            f"(weight shape {weight.shape}, indices shape {idx.shape})"
        )
    out = autograd.embedding(indices, weight)
    if padding_idx is not None and out.requires_grad:
        pad = idx == (padding_idx % weight.shape[0])
        if pad.any():  # same values, but the padding positions pass no gradient back
            out = where(Tensor(pad[..., None]), Tensor(out.data), out)
    return out


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """Integer indices (any shape) -> int64 (*shape, num_classes) with a 1 at each index;
    ``num_classes=-1`` takes one more than the largest index."""
    idx = tensor.data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"one_hot: indices must be integers, got dtype {idx.dtype}")
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)):
        raise TypeError(f"one_hot: num_classes must be an int, got {num_classes!r}")
    if num_classes < -1:
        raise ValueError(
            f"one_hot: num_classes must be -1 (from the data) or >= 0, got {num_classes}"
        )
    if num_classes == -1 and not idx.size:
        raise ValueError("one_hot: num_classes=-1 needs at least one index to count the classes")
    n = int(idx.max()) + 1 if num_classes < 0 else num_classes
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ValueError(f"one_hot: indices must be in [0, {n}), got [{idx.min()}, {idx.max()}]")
    return Tensor((idx[..., None] == np.arange(n)).astype(np.int64))


# --- classification losses ---------------------------------------------------------------------


def _class_targets(x: Tensor, target: Any, ignore_index: int | None, op: str) -> np.ndarray:
    """Validate integer class targets for input x (N, C, *d): shape (N, *d), values in [0, C)."""
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    expected = (x.shape[0],) + x.shape[2:]
    if t.dtype.kind not in "iu":
        raise TypeError(
            f"{op}: target must hold integer class indices (or, for cross_entropy, float class "
            f"probabilities shaped like the input), got dtype {t.dtype} with shape {t.shape} "
            f"for input of shape {x.shape}"
        )
    if t.shape != expected:
        raise ValueError(
            f"{op}: target of shape {t.shape} does not fit input of shape {x.shape}: expected "
            f"class indices of shape {expected}"
        )
    c = x.shape[1]
    used = t if ignore_index is None else t[t != ignore_index]
    if used.size and (used.min() < 0 or used.max() >= c):
        bad = used.min() if used.min() < 0 else used.max()
        raise IndexError(
            f"{op}: class index {bad} is out of range for {c} classes (input shape {x.shape}, "
            f"target shape {t.shape})"
        )
    return t


def _pick(x: Tensor, t: np.ndarray) -> Tensor:
    """x[n, t[n, ...], ...]: the entry of the target class, shaped like t (a getitem gate)."""
    if x.ndim == 2:
        return x[np.arange(x.shape[0]), t]
    grid = np.indices(t.shape, sparse=True)
    return x[(grid[0], t, *grid[1:])]


def _unbatch(x: Tensor, target: Any) -> tuple[Tensor, Any]:
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    return x.reshape((1,) + x.shape), t.reshape((1,) + t.shape)


def _weighted_nll(
    logp: Tensor,
    target: Any,
    weight: Tensor | None,
    ignore_index: int,
    reduction: str,
    label_smoothing: float,
    op: str,
) -> Tensor:
    """-w[y] logp[y] per element (and PyTorch's label-smoothing term), with the mean taken over
    the summed weights of the targets that are not ignored."""
    t = _class_targets(logp, target, ignore_index, op)
    c = logp.shape[1]
    valid = t != ignore_index
    all_valid = bool(valid.all())
    safe = t if all_valid else np.where(valid, t, 0)
    w = None
    if weight is not None:
        w = weight.data if isinstance(weight, Tensor) else np.asarray(weight)
        if w.shape != (c,):
            raise ValueError(f"{op}: weight must have shape ({c},), got {w.shape}")
    dtype = logp.dtype
    if w is None:
        wt = None if all_valid else valid.astype(dtype)
        denom = float(valid.sum())
    else:
        wt = (w[safe] * valid).astype(dtype)
        denom = float(wt.sum())
    picked = _pick(logp, safe)
    terms = picked if wt is None else picked * Tensor(wt)  # w[y_n] logp[n, y_n]

    def reduce(terms: Tensor) -> Tensor:  # the loss is the negated terms
        if reduction == "none":
            return -terms
        if reduction == "sum":
            return terms.sum() * -1.0
        if not denom and not valid.any():
            # every target ignored: the mean is 0/0 = nan, but no term carries a gradient, so
            # the gradient is 0 (as in PyTorch: one all-padding batch must not poison training)
            return terms.sum() * 0.0 + float("nan")
        return terms.sum() * (-1.0 / denom if denom else float("nan"))  # 0/0 -> nan (PyTorch)

    out = reduce(terms)
    if label_smoothing:
        bshape = (1, c) + (1,) * (logp.ndim - 2)
        every = logp if w is None else logp * Tensor(w.astype(dtype).reshape(bshape))
        smooth = every.sum(1)  # sum_c w[c] logp[n, c]
        if not all_valid:
            smooth = smooth * Tensor(valid.astype(dtype))
        out = out * (1.0 - label_smoothing) + reduce(smooth) * (label_smoothing / c)
    return out


@_drawn_as_one
def nll_loss(
    input: Tensor,
    target: Any,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log likelihood of log-probabilities input (N, C) or (N, C, *d) at integer target
    (N,) or (N, *d): -weight[y] input[n, y]. 'mean' divides by the summed weights of the
    non-ignored targets (their count without ``weight``)."""
    _check_reduction(reduction, "nll_loss")
    x = _tensor(input)
    if x.ndim == 0:
        raise ValueError("nll_loss: input must be (C,), (N, C) or (N, C, ...), got a scalar")
    if x.ndim == 1:
        x, target = _unbatch(x, target)
        out = _weighted_nll(x, target, weight, ignore_index, reduction, 0.0, "nll_loss")
        return out.reshape(()) if reduction == "none" else out
    return _weighted_nll(x, target, weight, ignore_index, reduction, 0.0, "nll_loss")


@_drawn_as_one
def cross_entropy(
    input: Tensor,
    target: Any,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Softmax cross-entropy of logits input (N, C), (N, C, *d) or (C,).

    ``target`` is either integer class indices (N,) / (N, *d) — ``ignore_index`` entries are
    excluded from the loss and from the mean — or class probabilities shaped like ``input``.
    With ``label_smoothing`` eps the target becomes (1 - eps) one_hot + eps / C, exactly as in
    PyTorch (including how ``weight`` enters). Computed through the fused ``log_softmax``.
    """
    op = "cross_entropy"
    _check_reduction(reduction, op)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be in [0, 1], got {label_smoothing}")
    x = _tensor(input)
    if x.ndim == 0:
        raise ValueError(f"{op}: input must be (C,), (N, C) or (N, C, ...), got a scalar")
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    index_shape = () if x.ndim == 1 else x.shape[:1] + x.shape[2:]
    if t.dtype.kind == "f" and t.shape == index_shape and t.shape != x.shape:
        raise TypeError(
            f"{op}: target holds floats (dtype {t.dtype}) of shape {t.shape}: class indices "
            f"must be integers (cast with .astype('int64')); float targets are read as class "
            f"probabilities and need the input's shape {x.shape}"
        )
    if x.ndim == 1:
        if t.dtype.kind == "f":
            x, target = x.reshape((1,) + x.shape), _tensor(target).reshape((1,) + t.shape)
        else:
            x, target = _unbatch(x, target)
        out = cross_entropy(x, target, weight, ignore_index, reduction, label_smoothing)
        return out.reshape(()) if reduction == "none" else out
    logp = _log_softmax(x, 1)
    if t.dtype.kind != "f":
        return _weighted_nll(logp, t, weight, ignore_index, reduction, label_smoothing, op)
    # class probabilities
    if t.shape != x.shape:
        raise ValueError(
            f"{op}: target of shape {t.shape} does not fit input of shape {x.shape}: expected "
            f"class indices of shape {(x.shape[0],) + x.shape[2:]} or class probabilities of "
            f"shape {x.shape}"
        )
    c = x.shape[1]
    probs = _tensor(target)
    if label_smoothing:
        probs = probs * (1.0 - label_smoothing) + label_smoothing / c
    terms = logp * probs
    if weight is not None:
        w = weight.data if isinstance(weight, Tensor) else np.asarray(weight)
        if w.shape != (c,):
            raise ValueError(f"{op}: weight must have shape ({c},), got {w.shape}")
        terms = terms * Tensor(w.astype(x.dtype).reshape((1, c) + (1,) * (x.ndim - 2)))
    return _reduce(-terms.sum(1), reduction)  # mean: over the N * prod(d) positions


@_drawn_as_one
def multi_margin_loss(
    input: Tensor,
    target: Any,
    p: int = 1,
    margin: float = 1.0,
    weight: Tensor | None = None,
    reduction: str = "mean",
) -> Tensor:
    """PyTorch's multi-class hinge loss: for input (N, C) and target (N,),
    loss_n = sum_{j != y} w[y] max(0, margin - x[y] + x[j])^p / C (note the division by C)."""
    op = "multi_margin_loss"
    _check_reduction(reduction, op)
    if p not in (1, 2):
        raise ValueError(f"{op}: only p = 1 and p = 2 are supported, got {p}")
    x = _tensor(input)
    if x.ndim == 1:
        x, target = _unbatch(x, target)
        out = multi_margin_loss(x, target, p, margin, weight, reduction)
        return out.reshape(()) if reduction == "none" else out
    if x.ndim != 2:
        raise ValueError(f"{op}: input must be (N, C) or (C,), got shape {x.shape}")
    t = _class_targets(x, target, None, op)
    n, c = x.shape
    z = autograd.relu((x - _pick(x, t).reshape((n, 1))) + margin)  # max(0, margin - x_y + x_j)
    if p == 2:
        z = z * z
    others = np.ones((n, c), dtype=x.dtype)
    others[np.arange(n), t] = 0  # j == y is not a margin
    if weight is not None:
        w = weight.data if isinstance(weight, Tensor) else np.asarray(weight)
        if w.shape != (c,):
            raise ValueError(f"{op}: weight must have shape ({c},), got {w.shape}")
        others *= w[t].astype(x.dtype)[:, None]
    return _reduce((z * Tensor(others)).sum(1) * (1.0 / c), reduction)


@_drawn_as_one
def svm_loss(scores: Tensor, target: Any, delta: float = 1.0, reduction: str = "mean") -> Tensor:
    """The course's multiclass SVM (hinge) loss: for scores (N, C) and target (N,),
    L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + delta), averaged over the batch for 'mean'
    (no division by the number of classes, unlike ``multi_margin_loss``)."""
    op = "svm_loss"
    _check_reduction(reduction, op)
    s = _tensor(scores)
    if s.ndim != 2:
        raise ValueError(f"{op}: scores must be (N, C), got shape {s.shape}")
    t = _class_targets(s, target, None, op)
    n, c = s.shape
    margins = autograd.relu((s - _pick(s, t).reshape((n, 1))) + delta)
    others = np.ones((n, c), dtype=s.dtype)
    others[np.arange(n), t] = 0  # the correct class contributes no margin
    return _reduce((margins * Tensor(others)).sum(1), reduction)


# --- binary and regression losses --------------------------------------------------------------


@_drawn_as_one
def binary_cross_entropy(
    input: Tensor, target: Any, weight: Tensor | None = None, reduction: str = "mean"
) -> Tensor:
    """-w (y ln p + (1 - y) ln(1 - p)) for probabilities p in [0, 1], each log clamped at -100
    so that p exactly 0 or 1 gives a finite loss and gradient. Prefer
    ``binary_cross_entropy_with_logits`` on raw scores."""
    op = "binary_cross_entropy"
    x, t = _loss_inputs(op, reduction, input=input, target=target)
    if x.data.size and (x.data.min() < 0 or x.data.max() > 1):
        raise ValueError(
            f"{op}: input must hold probabilities in [0, 1], got values in "
            f"[{x.data.min():.4g}, {x.data.max():.4g}] (shape {x.shape}); for raw scores use "
            "binary_cross_entropy_with_logits"
        )
    loss = autograd.binary_cross_entropy(x, t)  # one fused gate: finite at p = 0 and 1
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


@_drawn_as_one
def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Any,
    weight: Tensor | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Sigmoid + binary cross-entropy in one stable expression on logits x:
    softplus(x) - y x, or with ``pos_weight`` pw: (1 - y) x + (1 + (pw - 1) y) softplus(-x).
    Exact for |x| = 1e4; the gradient is sigmoid(x) - y."""
    op = "binary_cross_entropy_with_logits"
    x, t = _loss_inputs(op, reduction, input=input, target=target)
    if pos_weight is None:
        loss = autograd.softplus(x) - x * t  # ln(1 + e^x) - y x
    else:
        lw = (pos_weight - 1.0) * t + 1.0
        loss = (1.0 - t) * x + lw * autograd.softplus(-x)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


@_drawn_as_one
def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """(input - target)^2, input and target of the same shape."""
    x, t = _loss_inputs("mse_loss", reduction, input=input, target=target)
    d = x - t
    return _reduce(d * d, reduction)


@_drawn_as_one
def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """|input - target|, input and target of the same shape (|.|'(0) = 0)."""
    x, t = _loss_inputs("l1_loss", reduction, input=input, target=target)
    return _reduce(autograd.abs(x - t), reduction)


def _huber(d: Tensor, delta: float) -> Tensor:
    """0.5 d^2 where |d| < delta, delta (|d| - 0.5 delta) elsewhere: gradient d, then
    delta sign(d) (they meet at |d| = delta; 0 at d = 0)."""
    n = autograd.abs(d)
    return where(n.data < delta, d * d * 0.5, (n - 0.5 * delta) * delta)


@_drawn_as_one
def smooth_l1_loss(
    input: Tensor, target: Any, reduction: str = "mean", beta: float = 1.0
) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, |d| - 0.5 beta elsewhere (d = input - target, of one
    shape): ``huber_loss / beta``. ``beta=0`` is ``l1_loss`` (gradient 0 at d = 0)."""
    op = "smooth_l1_loss"
    beta = check_float(beta, "beta", op, 0.0)
    x, t = _loss_inputs(op, reduction, input=input, target=target)
    if beta == 0.0:
        return _reduce(autograd.abs(x - t), reduction)
    return _reduce(_huber(x - t, beta) * (1.0 / beta), reduction)


@_drawn_as_one
def huber_loss(
    input: Tensor,
    target: Any,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """0.5 d^2 where |d| < delta, delta (|d| - 0.5 delta) elsewhere (d = input - target, of one
    shape), times ``weight`` (the input's shape) if given: ``delta * smooth_l1_loss`` with
    beta = delta. delta must be > 0."""
    op = "huber_loss"
    delta = check_float(delta, "delta", op, 0.0, open_low=True)
    x, t = _loss_inputs(op, reduction, input=input, target=target)
    loss = _huber(x - t, delta)
    if weight is not None:
        w = _tensor(weight)
        _check_same_shape(op, input=x, weight=w)
        loss = loss * w
    return _reduce(loss, reduction)


@_drawn_as_one
def soft_margin_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """ln(1 + e^(-y x)) for labels y = 1 or -1 of the input's shape (the stable softplus)."""
    x, y = _loss_inputs("soft_margin_loss", reduction, input=input, target=target)
    return _reduce(autograd.softplus(-(y * x)), reduction)


@_drawn_as_one
def poisson_nll_loss(
    input: Tensor,
    target: Any,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
    reduction: str = "mean",
) -> Tensor:
    """Negative log likelihood of counts ``target`` under Poisson(rate), up to ln(target!):
    e^x - target x for ``log_input`` (x = ln rate), else x - target ln(x + eps). ``full`` adds
    Stirling's target ln(target) - target + 0.5 ln(2 pi target) where target > 1."""
    x, t = _loss_inputs("poisson_nll_loss", reduction, input=input, target=target)
    loss = autograd.exp(x) - t * x if log_input else x - t * log(x + eps)
    if full:
        big = _values(t) > 1
        tt = where(big, t, 1.0)  # logs only where they count (ln 0 would be -inf)
        stirling = tt * log(tt) - tt + log(tt * (2.0 * math.pi)) * 0.5
        loss = loss + where(big, stirling, 0.0)
    return _reduce(loss, reduction)


@_drawn_as_one
def gaussian_nll_loss(
    input: Tensor,
    target: Any,
    var: Tensor | float,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """Negative log likelihood of ``target`` under N(input, var), up to a constant:
    0.5 (ln var + (input - target)^2 / var) (+ 0.5 ln(2 pi) with ``full``). ``var`` is shaped
    like input, or like it without its last axis or with one axis of size 1 (one variance
    shared), or a number. Values below ``eps`` count as eps, but their gradient passes as if
    unclamped (PyTorch clamps under no_grad)."""
    op = "gaussian_nll_loss"
    x, t = _loss_inputs(op, reduction, input=input, target=target)
    if isinstance(var, (int, float)):  # one variance for every element
        v = Tensor(np.full(x.shape, var, dtype=x.dtype))
    else:
        v = _tensor(var)
    if v.dtype.kind != "f":
        v = autograd.cast(v, x.dtype)
    if v.data.size and v.data.min() < 0:
        raise ValueError(f"{op}: var has negative entries (the smallest is {v.data.min()})")
    if v.shape != x.shape:
        if v.shape == x.shape[:-1]:
            v = v.reshape(v.shape + (1,))
        elif v.ndim != x.ndim or [b for a, b in zip(x.shape, v.shape) if a != b] != [1]:
            raise ValueError(
                f"{op}: var of shape {v.shape} does not fit input of shape {x.shape}: expected "
                "the input's shape, that shape without its last axis, or with one axis of size 1"
            )
    # v - v.detach() is exactly 0 with v's gradient: the clamped value, the unclamped gradient
    v = v - v.detach() + Tensor(np.maximum(v.data, eps).astype(v.dtype))
    d = x - t
    loss = (log(v) + d * d / v) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2.0 * math.pi)
    return _reduce(loss, reduction)


# --- ranking and embedding losses --------------------------------------------------------------


@_drawn_as_one
def margin_ranking_loss(
    input1: Tensor, input2: Tensor, target: Any, margin: float = 0.0, reduction: str = "mean"
) -> Tensor:
    """max(0, -y (x1 - x2) + margin): y = 1 asks for x1 to rank above x2 by ``margin``, y = -1
    for the reverse. All three of one shape; the gradient passes at the kink (PyTorch's)."""
    x1, x2, y = _loss_inputs(
        "margin_ranking_loss", reduction, input1=input1, input2=input2, target=target
    )
    return _reduce(_hinge(-y * (x1 - x2) + margin), reduction)


@_drawn_as_one
def hinge_embedding_loss(
    input: Tensor, target: Any, margin: float = 1.0, reduction: str = "mean"
) -> Tensor:
    """x where y = 1, max(0, margin - x) where y = -1 (x usually a distance); labels of the
    input's shape. Other labels get both terms, as in PyTorch; the gradient passes at the kink."""
    x, t = _loss_inputs("hinge_embedding_loss", reduction, input=input, target=target)
    y = _values(t)
    return _reduce(where(y != 1, _hinge(margin - x), 0.0) + where(y != -1, x, 0.0), reduction)


_COSINE_EPS = 1e-12  # PyTorch's: added to each squared norm, so a zero vector has cos 0


@_drawn_as_one
def cosine_embedding_loss(
    input1: Tensor, input2: Tensor, target: Any, margin: float = 0.0, reduction: str = "mean"
) -> Tensor:
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1 (0 for other
    labels): inputs (N, D) with target (N,), or (D,) with a 0-d target. cos is PyTorch's
    x1.x2 / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12)); the gradient passes at the kink."""
    op = "cosine_embedding_loss"
    _check_reduction(reduction, op)
    x1, x2 = _tensor(input1), _tensor(input2)
    y = _values(target)
    if x1.shape != x2.shape or x1.ndim not in (1, 2) or y.shape != x1.shape[:-1]:
        raise ValueError(
            f"{op}: expects input1 and input2 of one shape (N, D) with target (N,), or (D,) with "
            f"a 0-d target; got input1 {x1.shape}, input2 {x2.shape} and target {y.shape}"
        )
    sq1 = (x1 * x1).sum(-1) + _COSINE_EPS
    sq2 = (x2 * x2).sum(-1) + _COSINE_EPS
    cos = (x1 * x2).sum(-1) / autograd.sqrt(sq1 * sq2)
    loss = where(y == 1, 1.0 - cos, 0.0) + where(y == -1, _hinge(cos - margin), 0.0)
    return _reduce(loss, reduction)


@_drawn_as_one
def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2.0,
    eps: float = 1e-6,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """max(0, d(a, p) - d(a, n) + margin), d = ``pairwise_distance`` (the p-norm of the
    difference + eps along the last axis) of anchor, positive and negative of one shape (D,) or
    (N, D). ``swap`` uses min(d(a, n), d(p, n)) (ties split the gradient); margin must be > 0;
    the gradient passes at the kink (PyTorch's)."""
    op = "triplet_margin_loss"
    margin = check_float(margin, "margin", op, 0.0, open_low=True)
    a, pos, neg = _loss_inputs(op, reduction, anchor=anchor, positive=positive, negative=negative)
    d_pos = pairwise_distance(a, pos, p, eps)
    d_neg = pairwise_distance(a, neg, p, eps)
    if swap:
        d_neg = autograd.minimum(d_neg, pairwise_distance(pos, neg, p, eps))
    return _reduce(_hinge(d_pos - d_neg + margin), reduction)


@_drawn_as_one
def kl_div(input: Tensor, target: Any, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL(target || exp(input)) pointwise, PyTorch's semantics: ``input`` holds log-probabilities;
    target * (ln target - input) (0 where target = 0), or with ``log_target``
    exp(target) * (target - input). 'batchmean' divides the sum by N = input.shape[0] (the true
    KL divergence per example); 'mean' divides by the number of elements."""
    op = "kl_div"
    _check_reduction(reduction, op, (*_REDUCTIONS, "batchmean"))
    x, t = _tensor(input), _tensor(target)
    _check_same_shape(op, input=x, target=t)
    if log_target:
        loss = autograd.exp(t) * (t - x)
    else:
        positive = Tensor(t.data > 0)
        t_log_t = where(positive, t * log(where(positive, t, 1.0)), 0.0)  # xlogy(t, t)
        loss = t_log_t - t * x
    if reduction == "batchmean":
        return loss.sum() * (1.0 / (x.shape[0] if x.ndim else 1))
    return _reduce(loss, reduction)


def l2_penalty(params: Iterable[Tensor], lam: float) -> Tensor:
    """lam * sum over the given tensors of sum(W^2) (add it to the loss; usually the weights only).

    >>> loss = cross_entropy(model(x), y) + l2_penalty([model.fc.weight], 1e-3)
    """
    total: Tensor | None = None
    for w in params:
        sq = (w * w).sum()
        total = sq if total is None else total + sq
    if total is None:
        raise ValueError("l2_penalty: no tensors given")
    return total * lam
