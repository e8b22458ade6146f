"""Tensor, the data type: a NumPy array, whether it requires grad, its gradient, and (when a gate
recorded it) the node that made it, ``grad_fn``.

This module knows arrays, dtypes and nodes, and nothing about operations: every operator and
math method is given to Tensor by ``autograd.ops``, which lists them all in one place.
"""

from __future__ import annotations

import builtins
import weakref
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .graph import (
    EPOCH,
    Node,
    RemovableHandle,
    VersionCounter,
    check_forward,
    modes,
    next_seq,
    stack_here,
)

DTypeLike = Any
DEFAULT_FLOAT = np.dtype(np.float32)  # PyTorch's default: Python floats become float32


class Device(NamedTuple):
    """Where a tensor's data lives. gategrad computes on the CPU only (``Device("cpu")``)."""

    type: str

    def __str__(self) -> str:
        return self.type

    def __repr__(self) -> str:
        return f"device(type={self.type!r})"


CPU = Device("cpu")


def device(spec: Any = "cpu") -> Device:
    """``autograd.device("cpu")``; any other device raises (there is no GPU backend)."""
    if isinstance(spec, Device):
        return spec
    name = str(spec)
    if name == "cpu" or name.startswith("cpu:"):
        return CPU
    raise RuntimeError(
        f"device: gategrad computes on the CPU only; device {name!r} is not available "
        "(use 'cpu', or leave the device out)"
    )


# --- converting user data ----------------------------------------------------------------------

_REFUSED_KINDS = {
    "O": "Python objects",
    "U": "strings",
    "S": "bytes",
    "c": "complex numbers",
    "M": "datetimes",
    "m": "timedeltas",
    "V": "raw records",
}


def check_dtype(dtype: np.dtype, op: str = "tensor") -> np.dtype:
    """Refuse dtypes the engine cannot compute with (strings, objects, complex...)."""
    what = _REFUSED_KINDS.get(dtype.kind)
    if what is not None:
        raise TypeError(
            f"{op}: cannot make a tensor of {what} (dtype {dtype}); gategrad tensors hold "
            "booleans, integers or floating-point numbers"
        )
    return dtype


def as_array(data: Any, dtype: DTypeLike = None, op: str = "tensor") -> np.ndarray:
    """Convert user data to an array. Python floats become float32 (PyTorch's default); NumPy
    arrays keep their dtype unless ``dtype`` is given. Strings, objects, complex numbers and
    ragged nested lists are refused with an error naming ``op``."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        dtype = check_dtype(np.dtype(dtype), op)
        if isinstance(data, np.ndarray) and data.dtype == dtype:
            return data
        try:
            return np.array(data, dtype=dtype)
        except (TypeError, ValueError) as err:
            raise TypeError(
                f"{op}: cannot convert {type(data).__name__} to {dtype}: {err}"
            ) from None
    if isinstance(data, np.ndarray):
        check_dtype(data.dtype, op)
        return data
    try:
        arr = np.asarray(data)
    except ValueError as err:  # ragged nested sequences
        raise ValueError(f"{op}: cannot convert {type(data).__name__} to an array: {err}") from None
    check_dtype(arr.dtype, op)
    if arr.dtype == np.float64 and not isinstance(data, np.generic):
        arr = arr.astype(DEFAULT_FLOAT)  # Python floats (and lists of them) -> float32
    return arr


def check_requires_grad(arr: np.ndarray, op: str = "requires_grad") -> None:
    if arr.dtype.kind != "f":
        raise TypeError(
            f"{op}: only floating-point tensors can require grad, got dtype {arr.dtype} "
            "(convert with .float() first)"
        )


# --- the rarely used parts of a tensor, kept out of the hot slots ------------------------------


class _Extra:
    """What most tensors never need: the version counter of their storage (shared with views),
    the base a view looks into, a leaf's hooks, and whether a non-leaf retains its gradient."""

    __slots__ = ("counter", "base", "hooks", "post_hooks", "retains")

    def __init__(self, counter: VersionCounter | None = None, base: Tensor | None = None) -> None:
        self.counter = counter
        self.base = base
        self.hooks: list | None = None
        self.post_hooks: list | None = None
        self.retains = False


def extra(t: Tensor) -> _Extra:
    """``t``'s rarely used parts, made on first need."""
    e = t._extra
    if e is None:
        e = t._extra = _Extra()
    return e


def counter(t: Tensor) -> VersionCounter:
    """The version counter of ``t``'s storage, made on first need."""
    e = extra(t)
    if e.counter is None:
        e.counter = VersionCounter()
    return e.counter


def version(t: Any) -> int:
    e = getattr(t, "_extra", None)
    return 0 if e is None or e.counter is None else e.counter.value


# --- the type ----------------------------------------------------------------------------------


class Tensor:
    """An n-dimensional array that records the gates applied to it.

    >>> x = tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4.])
    """

    __slots__ = ("data", "requires_grad", "grad", "grad_fn", "_extra", "__weakref__")
    __array_ufunc__ = None  # NumPy defers to our reflected operators: ndarray * Tensor -> Tensor

    def __init__(
        self, data: Any, dtype: DTypeLike = None, requires_grad: builtins.bool = False
    ) -> None:
        if type(data) is not np.ndarray or dtype is not None:
            arr = as_array(data, dtype, "Tensor")
            if isinstance(data, Tensor) and arr is data.data:
                arr = arr.copy()  # a new tensor never shares storage with the one it came from
            data = arr
        else:
            check_dtype(data.dtype, "Tensor")
        if requires_grad:
            check_requires_grad(data)
        self.data: np.ndarray = data
        self.requires_grad: builtins.bool = bool(requires_grad)
        self.grad: Tensor | None = None
        self.grad_fn: Node | None = None
        self._extra: _Extra | None = None

    if TYPE_CHECKING:  # what ``autograd.ops`` gives Tensor, declared for type checkers and readers
        # arithmetic and comparison (the comparisons give bool tensors)
        def __add__(self, other: Any) -> Tensor: ...
        def __radd__(self, other: Any) -> Tensor: ...
        def __sub__(self, other: Any) -> Tensor: ...
        def __rsub__(self, other: Any) -> Tensor: ...
        def __mul__(self, other: Any) -> Tensor: ...
        def __rmul__(self, other: Any) -> Tensor: ...
        def __truediv__(self, other: Any) -> Tensor: ...
        def __rtruediv__(self, other: Any) -> Tensor: ...
        def __pow__(self, other: Any) -> Tensor: ...
        def __rpow__(self, other: Any) -> Tensor: ...
        def __matmul__(self, other: Any) -> Tensor: ...
        def __rmatmul__(self, other: Any) -> Tensor: ...
        def __neg__(self) -> Tensor: ...
        def __pos__(self) -> Tensor: ...
        def __abs__(self) -> Tensor: ...
        def __invert__(self) -> Tensor: ...
        def __eq__(self, other: Any) -> Tensor: ...  # type: ignore[override]
        def __ne__(self, other: Any) -> Tensor: ...  # type: ignore[override]
        def __lt__(self, other: Any) -> Tensor: ...
        def __le__(self, other: Any) -> Tensor: ...
        def __gt__(self, other: Any) -> Tensor: ...
        def __ge__(self, other: Any) -> Tensor: ...
        def __and__(self, other: Any) -> Tensor: ...
        def __or__(self, other: Any) -> Tensor: ...
        def __xor__(self, other: Any) -> Tensor: ...
        def __floordiv__(self, other: Any) -> Tensor: ...
        def __rfloordiv__(self, other: Any) -> Tensor: ...
        def __mod__(self, other: Any) -> Tensor: ...
        def __rmod__(self, other: Any) -> Tensor: ...
        def __ifloordiv__(self, other: Any) -> Tensor: ...
        def __imod__(self, other: Any) -> Tensor: ...
        def __getitem__(self, index: Any) -> Tensor: ...
        def __setitem__(self, index: Any, value: Any) -> None: ...
        def __iter__(self) -> Iterator[Tensor]: ...
        def __iadd__(self, other: Any) -> Tensor: ...
        def __isub__(self, other: Any) -> Tensor: ...
        def __imul__(self, other: Any) -> Tensor: ...
        def __itruediv__(self, other: Any) -> Tensor: ...
        def __ipow__(self, other: Any) -> Tensor: ...
        # elementwise
        def exp(self) -> Tensor: ...
        def log(self) -> Tensor: ...
        def sqrt(self) -> Tensor: ...
        def abs(self) -> Tensor: ...
        def neg(self) -> Tensor: ...
        def relu(self) -> Tensor: ...
        def tanh(self) -> Tensor: ...
        def sigmoid(self) -> Tensor: ...
        def softplus(self) -> Tensor: ...
        def add(self, other: Any) -> Tensor: ...
        def sub(self, other: Any) -> Tensor: ...
        def mul(self, other: Any) -> Tensor: ...
        def div(self, other: Any) -> Tensor: ...
        def pow(self, other: Any) -> Tensor: ...
        def maximum(self, other: Any) -> Tensor: ...
        def minimum(self, other: Any) -> Tensor: ...
        def clip(self, min: Any = None, max: Any = None) -> Tensor: ...
        def clamp(self, min: Any = None, max: Any = None) -> Tensor: ...
        def matmul(self, other: Any) -> Tensor: ...
        def dot(self, other: Any) -> Tensor: ...
        def clone(self) -> Tensor: ...
        # elementary functions, rounding, remainders, predicates (gates/elementary, rounding)
        def sin(self) -> Tensor: ...
        def cos(self) -> Tensor: ...
        def tan(self) -> Tensor: ...
        def asin(self) -> Tensor: ...
        def acos(self) -> Tensor: ...
        def atan(self) -> Tensor: ...
        def arcsin(self) -> Tensor: ...
        def arccos(self) -> Tensor: ...
        def arctan(self) -> Tensor: ...
        def sinh(self) -> Tensor: ...
        def cosh(self) -> Tensor: ...
        def asinh(self) -> Tensor: ...
        def acosh(self) -> Tensor: ...
        def atanh(self) -> Tensor: ...
        def arcsinh(self) -> Tensor: ...
        def arccosh(self) -> Tensor: ...
        def arctanh(self) -> Tensor: ...
        def log1p(self) -> Tensor: ...
        def expm1(self) -> Tensor: ...
        def log2(self) -> Tensor: ...
        def log10(self) -> Tensor: ...
        def erf(self) -> Tensor: ...
        def rsqrt(self) -> Tensor: ...
        def square(self) -> Tensor: ...
        def reciprocal(self) -> Tensor: ...
        def lerp(self, end: Any, weight: Any) -> Tensor: ...
        def sign(self) -> Tensor: ...
        def floor(self) -> Tensor: ...
        def ceil(self) -> Tensor: ...
        def round(self, decimals: builtins.int = 0) -> Tensor: ...
        def trunc(self) -> Tensor: ...
        def fmod(self, other: Any) -> Tensor: ...
        def remainder(self, other: Any) -> Tensor: ...
        def floor_divide(self, other: Any) -> Tensor: ...
        def nan_to_num(
            self,
            nan: builtins.float = 0.0,
            posinf: builtins.float | None = None,
            neginf: builtins.float | None = None,
        ) -> Tensor: ...
        def isnan(self) -> Tensor: ...
        def isinf(self) -> Tensor: ...
        def isfinite(self) -> Tensor: ...
        def logical_and(self, other: Any) -> Tensor: ...
        def logical_or(self, other: Any) -> Tensor: ...
        def logical_xor(self, other: Any) -> Tensor: ...
        def logical_not(self) -> Tensor: ...
        # reductions: NumPy's axis/keepdims or PyTorch's dim/keepdim
        def sum(
            self,
            axis: Any = None,
            keepdims: builtins.bool = False,
            *,
            dim: Any = None,
            keepdim: builtins.bool = False,
        ) -> Tensor: ...  # noqa: E501
        def mean(
            self,
            axis: Any = None,
            keepdims: builtins.bool = False,
            *,
            dim: Any = None,
            keepdim: builtins.bool = False,
        ) -> Tensor: ...  # noqa: E501
        def nansum(
            self,
            axis: Any = None,
            keepdims: builtins.bool = False,
            *,
            dim: Any = None,
            keepdim: builtins.bool = False,
        ) -> Tensor: ...  # noqa: E501
        def nanmean(
            self,
            axis: Any = None,
            keepdims: builtins.bool = False,
            *,
            dim: Any = None,
            keepdim: builtins.bool = False,
        ) -> Tensor: ...  # noqa: E501
        def var(
            self,
            axis: Any = None,
            keepdims: builtins.bool = False,
            *,
            dim: Any = None,
            keepdim: builtins.bool = False,
            correction: builtins.float | None = None,
            ddof: builtins.float | None = None,
            unbiased: builtins.bool | None = None,
        ) -> Tensor: ...  # noqa: E501
        def std(
            self,
            axis: Any = None,
            keepdims: builtins.bool = False,
            *,
            dim: Any = None,
            keepdim: builtins.bool = False,
            correction: builtins.float | None = None,
            ddof: builtins.float | None = None,
            unbiased: builtins.bool | None = None,
        ) -> Tensor: ...  # noqa: E501
        def max(
            self, dim: Any = None, keepdim: builtins.bool = False, *, axis: Any = None
        ) -> Any: ...
        def min(
            self, dim: Any = None, keepdim: builtins.bool = False, *, axis: Any = None
        ) -> Any: ...
        def amax(
            self,
            axis: Any = None,
            keepdims: builtins.bool = False,
            *,
            dim: Any = None,
            keepdim: builtins.bool = False,
        ) -> Tensor: ...  # noqa: E501
        def amin(
            self,
            axis: Any = None,
            keepdims: builtins.bool = False,
            *,
            dim: Any = None,
            keepdim: builtins.bool = False,
        ) -> Tensor: ...  # noqa: E501
        def logsumexp(
            self,
            axis: Any = None,
            keepdims: builtins.bool = False,
            *,
            dim: Any = None,
            keepdim: builtins.bool = False,
        ) -> Tensor: ...  # noqa: E501
        def argmax(
            self,
            axis: Any = None,
            keepdims: builtins.bool = False,
            *,
            dim: Any = None,
            keepdim: builtins.bool = False,
        ) -> Tensor: ...  # noqa: E501
        def argmin(
            self,
            axis: Any = None,
            keepdims: builtins.bool = False,
            *,
            dim: Any = None,
            keepdim: builtins.bool = False,
        ) -> Tensor: ...  # noqa: E501
        def any(
            self,
            axis: Any = None,
            keepdims: builtins.bool = False,
            *,
            dim: Any = None,
            keepdim: builtins.bool = False,
        ) -> Tensor: ...  # noqa: E501
        def all(
            self,
            axis: Any = None,
            keepdims: builtins.bool = False,
            *,
            dim: Any = None,
            keepdim: builtins.bool = False,
        ) -> Tensor: ...  # noqa: E501
        def prod(
            self,
            axis: Any = None,
            keepdims: builtins.bool = False,
            *,
            dim: Any = None,
            keepdim: builtins.bool = False,
            dtype: Any = None,
        ) -> Tensor: ...
        def norm(
            self,
            p: Any = "fro",
            dim: Any = None,
            keepdim: builtins.bool = False,
            *,
            axis: Any = None,
            keepdims: builtins.bool = False,
        ) -> Tensor: ...
        def cumsum(self, dim: Any = None, *, dtype: Any = None, axis: Any = None) -> Tensor: ...
        def cumprod(self, dim: Any = None, *, dtype: Any = None, axis: Any = None) -> Tensor: ...
        def logcumsumexp(self, dim: Any = None, *, axis: Any = None) -> Tensor: ...
        def sort(
            self,
            dim: builtins.int = -1,
            descending: builtins.bool = False,
            stable: builtins.bool = False,
            *,
            axis: Any = None,
        ) -> Any: ...
        def argsort(
            self,
            dim: builtins.int = -1,
            descending: builtins.bool = False,
            stable: builtins.bool = False,
            *,
            axis: Any = None,
        ) -> Tensor: ...
        def topk(
            self,
            k: builtins.int,
            dim: builtins.int = -1,
            largest: builtins.bool = True,
            sorted: builtins.bool = True,
        ) -> Any: ...
        def softmax(
            self, dim: builtins.int | None = None, *, axis: builtins.int | None = None
        ) -> Tensor: ...
        def log_softmax(
            self, dim: builtins.int | None = None, *, axis: builtins.int | None = None
        ) -> Tensor: ...
        # shape
        def reshape(self, *shape: Any) -> Tensor: ...
        def view(self, *shape: Any) -> Tensor: ...
        def permute(self, *axes: Any) -> Tensor: ...
        def transpose(self, *axes: Any) -> Tensor: ...
        def swapaxes(self, a: builtins.int, b: builtins.int) -> Tensor: ...
        def swapdims(self, a: builtins.int, b: builtins.int) -> Tensor: ...
        def expand(self, *shape: Any) -> Tensor: ...
        def broadcast_to(self, shape: Any) -> Tensor: ...
        def repeat(self, *reps: Any) -> Tensor: ...
        def tile(self, reps: Any) -> Tensor: ...
        def squeeze(self, axis: Any = None, *, dim: Any = None) -> Tensor: ...
        def unsqueeze(
            self, axis: builtins.int | None = None, *, dim: builtins.int | None = None
        ) -> Tensor: ...
        def flatten(self, start_dim: builtins.int = 0, end_dim: builtins.int = -1) -> Tensor: ...
        def flip(self, axis: Any = None, *, dim: Any = None) -> Tensor: ...
        def repeat_interleave(
            self, repeats: builtins.int, axis: builtins.int | None = None
        ) -> Tensor: ...
        def split(
            self,
            split_size_or_sections: Any,
            axis: builtins.int | None = None,
            *,
            dim: builtins.int | None = None,
        ) -> tuple[Tensor, ...]: ...
        def chunk(
            self, chunks: builtins.int, dim: builtins.int | None = None, *, axis: Any = None
        ) -> tuple[Tensor, ...]: ...
        def unbind(self, dim: builtins.int = 0, *, axis: Any = None) -> tuple[Tensor, ...]: ...
        def narrow(
            self, dim: builtins.int, start: builtins.int, length: builtins.int
        ) -> Tensor: ...
        def movedim(self, source: Any, destination: Any) -> Tensor: ...
        def moveaxis(self, source: Any, destination: Any) -> Tensor: ...
        def t(self) -> Tensor: ...
        def unflatten(self, dim: builtins.int, sizes: Any) -> Tensor: ...
        def roll(self, shifts: Any, dims: Any = None) -> Tensor: ...
        def rot90(self, k: builtins.int = 1, dims: Any = (0, 1)) -> Tensor: ...
        def diagonal(
            self, offset: builtins.int = 0, dim1: builtins.int = 0, dim2: builtins.int = 1
        ) -> Tensor: ...
        def diag(self, diagonal: builtins.int = 0) -> Tensor: ...
        def trace(self) -> Tensor: ...
        def tril(self, diagonal: builtins.int = 0) -> Tensor: ...
        def triu(self, diagonal: builtins.int = 0) -> Tensor: ...
        def expand_as(self, other: Tensor) -> Tensor: ...
        def view_as(self, other: Tensor) -> Tensor: ...
        def reshape_as(self, other: Tensor) -> Tensor: ...
        def mm(self, other: Any) -> Tensor: ...
        def bmm(self, other: Any) -> Tensor: ...
        def mv(self, other: Any) -> Tensor: ...
        def outer(self, other: Any) -> Tensor: ...
        # indexing along a dimension (gates/indexing)
        def gather(self, dim: builtins.int, index: Any) -> Tensor: ...
        def scatter(self, dim: builtins.int, index: Any, src: Any) -> Tensor: ...
        def scatter_add(self, dim: builtins.int, index: Any, src: Any) -> Tensor: ...
        def index_select(self, dim: builtins.int, index: Any) -> Tensor: ...
        def index_add(
            self, dim: builtins.int, index: Any, source: Any, *, alpha: builtins.float = 1
        ) -> Tensor: ...
        def masked_fill(self, mask: Any, value: Any) -> Tensor: ...
        def masked_select(self, mask: Any) -> Tensor: ...
        def take_along_dim(self, indices: Any, dim: builtins.int | None = None) -> Tensor: ...
        @property
        def T(self) -> Tensor: ...
        @property
        def mT(self) -> Tensor: ...
        # dtype and device
        def to(
            self, *args: Any, dtype: Any = None, device: Any = None, copy: builtins.bool = False
        ) -> Tensor: ...  # noqa: E501
        def astype(self, dtype: Any) -> Tensor: ...
        def type(self, dtype: Any) -> Tensor: ...
        def float(self) -> Tensor: ...
        def double(self) -> Tensor: ...
        def half(self) -> Tensor: ...
        def long(self) -> Tensor: ...
        def int(self) -> Tensor: ...
        def short(self) -> Tensor: ...
        def bool(self) -> Tensor: ...
        def type_as(self, other: Tensor) -> Tensor: ...
        # new tensors of this one's dtype (autograd.creation)
        def new_tensor(
            self, data: Any, dtype: Any = None, requires_grad: builtins.bool = False
        ) -> Tensor: ...
        def new_zeros(
            self, *size: Any, dtype: Any = None, requires_grad: builtins.bool = False
        ) -> Tensor: ...
        def new_ones(
            self, *size: Any, dtype: Any = None, requires_grad: builtins.bool = False
        ) -> Tensor: ...
        def new_empty(
            self, *size: Any, dtype: Any = None, requires_grad: builtins.bool = False
        ) -> Tensor: ...
        def new_full(
            self,
            size: Any,
            fill_value: Any,
            dtype: Any = None,
            requires_grad: builtins.bool = False,
        ) -> Tensor: ...
        # autograd
        def backward(
            self,
            gradient: Any = None,
            retain_graph: builtins.bool | None = None,
            create_graph: builtins.bool = False,
            inputs: Any = None,
        ) -> None: ...  # noqa: E501
        # in place (see autograd.inplace)
        def add_(self, other: Any, *, alpha: Any = None) -> Tensor: ...
        def sub_(self, other: Any, *, alpha: Any = None) -> Tensor: ...
        def mul_(self, other: Any, *, alpha: Any = None) -> Tensor: ...
        def div_(self, other: Any, *, alpha: Any = None) -> Tensor: ...
        def pow_(self, other: Any, *, alpha: Any = None) -> Tensor: ...
        def neg_(self) -> Tensor: ...
        def exp_(self) -> Tensor: ...
        def log_(self) -> Tensor: ...
        def sqrt_(self) -> Tensor: ...
        def abs_(self) -> Tensor: ...
        def tanh_(self) -> Tensor: ...
        def sigmoid_(self) -> Tensor: ...
        def relu_(self) -> Tensor: ...
        def clip_(self, min: Any = None, max: Any = None) -> Tensor: ...
        def clamp_(self, min: Any = None, max: Any = None) -> Tensor: ...
        def fill_(self, value: Any) -> Tensor: ...
        def zero_(self) -> Tensor: ...
        def copy_(self, src: Any) -> Tensor: ...
        def masked_fill_(self, mask: Any, value: Any) -> Tensor: ...
        def scatter_(self, dim: builtins.int, index: Any, src: Any) -> Tensor: ...
        def scatter_add_(self, dim: builtins.int, index: Any, src: Any) -> Tensor: ...
        def index_add_(
            self, dim: builtins.int, index: Any, source: Any, *, alpha: builtins.float = 1
        ) -> Tensor: ...
        def floor_(self) -> Tensor: ...
        def ceil_(self) -> Tensor: ...
        def round_(self, decimals: builtins.int = 0) -> Tensor: ...
        def trunc_(self) -> Tensor: ...
        def sign_(self) -> Tensor: ...
        def fmod_(self, other: Any) -> Tensor: ...
        def remainder_(self, other: Any) -> Tensor: ...
        def floor_divide_(self, other: Any) -> Tensor: ...
        def uniform_(
            self, a: builtins.float = 0.0, b: builtins.float = 1.0, *, generator: Any = None
        ) -> Tensor: ...
        def normal_(
            self, mean: builtins.float = 0.0, std: builtins.float = 1.0, *, generator: Any = None
        ) -> Tensor: ...  # noqa: E501

    # --- properties -----------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[builtins.int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> builtins.int:
        return self.data.ndim

    @property
    def device(self) -> Device:
        return CPU

    @property
    def is_leaf(self) -> builtins.bool:
        return self.grad_fn is None

    @property
    def _version(self) -> builtins.int:
        """How many in-place changes this tensor's storage has seen (shared with its views)."""
        return version(self)

    @property
    def _base(self) -> Tensor | None:
        """The tensor this one is a view of (None when it owns its storage)."""
        return None if self._extra is None else self._extra.base

    def size(self, dim: builtins.int | None = None) -> Any:
        """The shape (PyTorch's ``size()``), or the length of dimension ``dim``."""
        if dim is None:
            return self.data.shape
        try:
            return self.data.shape[dim]
        except IndexError:
            raise IndexError(
                f"size: dimension {dim} is out of range for a tensor of shape {self.shape}"
            ) from None

    def numel(self) -> builtins.int:
        return self.data.size

    def dim(self) -> builtins.int:
        return self.data.ndim

    def element_size(self) -> builtins.int:
        return self.data.itemsize

    def is_floating_point(self) -> builtins.bool:
        return self.data.dtype.kind == "f"

    # --- conversion -----------------------------------------------------------------------------
    def item(self) -> builtins.float | builtins.int | builtins.bool:
        if self.data.size != 1:
            raise ValueError(
                f"item: only one-element tensors convert to a number, got shape {self.shape}"
            )
        return self.data.item()

    def numpy(self) -> np.ndarray:
        if self.requires_grad:
            raise RuntimeError("numpy: this tensor requires grad; call .detach().numpy() instead")
        return self.data

    def tolist(self) -> Any:
        return self.data.tolist()

    def __array__(self, dtype: DTypeLike = None, copy: builtins.bool | None = None) -> np.ndarray:
        if copy:  # NumPy 2 trusts __array__ to honour copy=True (np.array(t) must not alias t)
            return np.array(self.data, dtype=dtype, copy=True)
        return self.data if dtype is None else self.data.astype(dtype)

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data and version counter, cut from the graph: an
        in-place change of either is seen by gates that saved the other (as in PyTorch)."""
        out = _wrap(self.data)
        c = extra(out).counter = counter(self)
        e = self._extra
        owner = self if e.base is None else e.base  # (the base of a view made the storage)
        gf = owner.grad_fn
        if gf is not None and gf.gate.saves_output and c.output_of is None:
            c.output_of = weakref.ref(gf)  # (bump finds that gate through the shared counter)
        return out

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph in place: it becomes a leaf that does not require grad."""
        if self._extra is not None and self._extra.base is not None:
            raise RuntimeError("detach_: cannot detach a view in place; use detach()")
        self.grad_fn = None
        self.requires_grad = False
        return self

    def requires_grad_(self, requires_grad: builtins.bool = True) -> Tensor:
        if requires_grad:
            check_requires_grad(self.data, "requires_grad_")
        if not self.is_leaf and not requires_grad:
            raise RuntimeError("requires_grad_: only a leaf's flag can be turned off; use detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def cpu(self) -> Tensor:
        return self

    def __deepcopy__(self, memo: dict) -> Tensor:
        """A leaf with its own copy of the data (and of ``.grad``), as PyTorch's deepcopy."""
        if self.grad_fn is not None:
            raise RuntimeError(
                "deepcopy: only leaf tensors (those created by the user, such as parameters) "
                "support deepcopy; detach() a recorded tensor first"
            )
        out = _new(type(self))
        out.data = self.data.copy()
        out.requires_grad, out.grad, out.grad_fn, out._extra = self.requires_grad, None, None, None
        if self.grad is not None:
            out.grad = self.grad.__deepcopy__(memo)
        memo[id(self)] = out
        return out

    # --- hooks ----------------------------------------------------------------------------------
    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned Tensor (of the
        same shape) replaces the gradient. Returns a handle: ``handle.remove()``."""
        if not self.requires_grad:
            raise RuntimeError(
                "register_hook: cannot register a hook on a tensor that doesn't require grad"
            )
        if self.grad_fn is not None:
            return self.grad_fn.register_prehook(hook)
        e = extra(self)
        if e.hooks is None:
            e.hooks = []
        e.hooks.append(hook)
        return RemovableHandle(e.hooks, hook)

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> RemovableHandle:
        """Call ``hook(self)`` once this leaf's ``.grad`` is complete in a ``backward()``: during
        the pass, as soon as every gradient the leaf will receive has arrived (what
        data-parallel training starts its communication from). Leaves only, as in PyTorch."""
        if self.grad_fn is not None:
            raise RuntimeError(
                "register_post_accumulate_grad_hook: only leaf tensors (parameters) have one"
            )
        if not self.requires_grad:
            raise RuntimeError(
                "register_post_accumulate_grad_hook: this tensor does not require grad"
            )
        e = extra(self)
        if e.post_hooks is None:
            e.post_hooks = []
        e.post_hooks.append(hook)
        POST_HOOKS.live += 1

        def forget() -> None:
            POST_HOOKS.live -= 1

        return RemovableHandle(e.post_hooks, hook, forget)

    @property
    def retains_grad(self) -> builtins.bool:
        """Whether this non-leaf tensor keeps its gradient (``retain_grad()`` was called)."""
        return self.grad_fn is not None and self._extra is not None and self._extra.retains

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward (idempotent)."""
        if self.grad_fn is None or self.retains_grad:
            return  # leaves keep their gradient anyway; a second call must not add it twice
        extra(self).retains = True
        attach_retain_hook(self, self.grad_fn)

    # --- printing and identity ------------------------------------------------------------------
    def __repr__(self) -> str:
        body = np.array2string(
            self.data, separator=", ", precision=4, threshold=50, prefix="tensor("
        )
        extras = []
        if self.data.dtype not in (np.float32, np.int64, np.bool_):
            extras.append(f"dtype={self.data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.gate.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    # Identity hashing (graphs and dicts never use elementwise ==), object's own: no Python call.
    __hash__ = object.__hash__

    def __len__(self) -> builtins.int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __bool__(self) -> builtins.bool:
        if self.data.size != 1:
            raise ValueError(
                f"bool: the truth value of a tensor of shape {self.shape} is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self.data)

    def __float__(self) -> builtins.float:
        return float(self.item())

    def __int__(self) -> builtins.int:
        return int(self.item())

    def __index__(self) -> builtins.int:
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError("only integer tensors of one element can be used as an index")
        return int(self.data)


KEEP_VALUES = 16  # a retained tensor this small keeps its values on its node, for drawing


class _PostHooks:
    """How many post-accumulate-grad hooks exist: while none do, ``backward`` skips the pass that
    finds when each leaf is complete."""

    __slots__ = ("live",)

    def __init__(self) -> None:
        self.live = 0


POST_HOOKS = _PostHooks()


def attach_retain_hook(t: Tensor, node: Node) -> None:
    """The hook behind ``retain_grad``: store the gradient into ``t.grad`` (held weakly: a
    retained gradient must not keep its tensor alive) and on the node (for drawing)."""
    ref = weakref.ref(t)

    node.value = t.data if t.data.size <= KEEP_VALUES else None  # small: drawn after backward

    def store(g: Tensor) -> None:
        keep = g if g.requires_grad else _wrap(g.data.copy())
        node.retained = keep
        owner = ref()
        if owner is not None:
            owner.grad = keep if owner.grad is None else owner.grad + keep

    store.retains_grad = True  # type: ignore[attr-defined]
    node.register_prehook(store)


# --- building tensors (every tensor the engine makes comes from one of these two) --------------

_new = object.__new__


def _wrap(data: np.ndarray) -> Tensor:
    """An unrecorded result (``data`` already an ndarray of the right dtype): the five slot stores
    of ``__init__`` without its checks, about half the cost."""
    if type(data) is not np.ndarray:  # ufuncs on 0-d arrays return NumPy scalars
        data = np.asarray(data)
    t = _new(Tensor)
    t.data = data
    t.requires_grad = False
    t.grad = None
    t.grad_fn = None
    t._extra = None
    return t


def _recorded(
    gate: Any, data: np.ndarray, inputs: tuple, saved: Any = None, attrs: Any = None
) -> Tensor:
    """The output of ``gate`` when some input requires grad: under grad mode, a new node and the
    tensor it made; otherwise a plain tensor (callers check ``requires_grad``, this the mode).

    Every recorded operation runs this, so it is written slot by slot. When the rule reads
    saved values, the node keeps the in-place epoch it was recorded in (see ``check_versions``).
    """
    if type(data) is not np.ndarray:  # ufuncs on 0-d arrays return NumPy scalars
        data = np.asarray(data)
    m = modes()
    if not m.enabled:
        return _wrap(data)
    node = Node()  # (Node has no __init__: cheaper than object.__new__(Node))
    node.gate = gate
    node.inputs = inputs
    n = len(inputs)
    if n == 1:  # the edges (see Node): the common cases without a loop
        a = inputs[0]
        node.next = (a.grad_fn or (a if a.requires_grad else None),)
    elif n == 2:
        a, b = inputs
        node.next = (
            a.grad_fn or (a if a.requires_grad else None),
            b.grad_fn or (b if b.requires_grad else None),
        )
    else:
        node.next = tuple([x.grad_fn or (x if x.requires_grad else None) for x in inputs])
    node.saved = saved
    node.attrs = attrs
    node.seq = next_seq()
    node.scope = m.scope
    node.hooks = None
    node.epoch = EPOCH.value if gate.versioned else None  # (None: its rule reads no value)
    if m.anomaly:
        node.trace = stack_here()
        if m.anomaly == "check":
            check_forward(node, data)
    t = _new(Tensor)
    t.data = data
    t.requires_grad = True
    t.grad = None
    t.grad_fn = node
    t._extra = None
    return t


# The hottest gates (arithmetic, relu, tanh...) record through these two: the same steps as
# `_recorded`, for one and for two inputs, without its generic parts (about 10% of an
# elementwise operation's cost). Tested equal to it in tests/autograd/test_backward.py.


def _recorded1(
    gate: Any, data: np.ndarray, x: Tensor, saved: Any = None, attrs: Any = None
) -> Tensor:
    m = modes()
    if not m.fast:
        return _recorded(gate, data, (x,), saved, attrs)
    node = Node()
    node.gate = gate
    node.inputs = (x,)
    node.next = (x.grad_fn or (x if x.requires_grad else None),)
    node.saved = saved
    node.attrs = attrs
    node.seq = next_seq()
    node.scope = m.scope
    node.hooks = None
    node.epoch = EPOCH.value if gate.versioned else None
    t = _new(Tensor)
    t.data = data
    t.requires_grad = True
    t.grad = None
    t.grad_fn = node
    t._extra = None
    return t


def _recorded2(gate: Any, data: np.ndarray, a: Tensor, b: Tensor) -> Tensor:
    m = modes()
    if not m.fast:
        return _recorded(gate, data, (a, b))
    node = Node()
    node.gate = gate
    node.inputs = (a, b)
    node.next = (
        a.grad_fn or (a if a.requires_grad else None),
        b.grad_fn or (b if b.requires_grad else None),
    )
    node.saved = None
    node.attrs = None
    node.seq = next_seq()
    node.scope = m.scope
    node.hooks = None
    node.epoch = EPOCH.value if gate.versioned else None
    t = _new(Tensor)
    t.data = data
    t.requires_grad = True
    t.grad = None
    t.grad_fn = node
    t._extra = None
    return t


def _from_node(data: np.ndarray, node: Node) -> Tensor:
    """A gate's output as a Tensor again, from the array the gate saved: what a rule that reads
    its own output uses under ``create_graph`` (differentiable through the same node)."""
    t = _wrap(data)
    t.requires_grad = True
    t.grad_fn = node
    return t
