"""Tensor: a NumPy array, whether it requires grad, its gradient, and (when an operation recorded
it) its own node of the graph: the gate, its inputs and what the rule saved.

No math lives here: every operator and method delegates to a gate function in ``autograd.gates``.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import graph
from .graph import Gate, Node, _state, run_backward

DTypeLike = Any
_FLOAT_KINDS = "f"


def _as_array(data: Any, dtype: DTypeLike = None) -> np.ndarray:
    """Convert user data to an array. Python floats become float32 (PyTorch's default);
    NumPy arrays keep their dtype unless ``dtype`` is given."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        dtype = np.dtype(dtype)
        if isinstance(data, np.ndarray) and data.dtype == dtype:
            return data
        return np.array(data, dtype=dtype)
    if isinstance(data, np.ndarray):
        return data
    arr = np.asarray(data)
    if arr.dtype == np.float64 and not isinstance(data, np.generic):
        arr = arr.astype(np.float32)
    elif arr.dtype.kind == "O":
        raise TypeError(f"tensor: cannot convert {type(data).__name__} to a numeric array")
    return arr


def _check_requires_grad(arr: np.ndarray, op: str = "requires_grad") -> None:
    if arr.dtype.kind not in _FLOAT_KINDS:
        raise TypeError(
            f"{op}: only floating-point tensors can require grad, got dtype {arr.dtype} "
            "(convert with .float() first)"
        )


def _reduction_method(name: str) -> Callable[..., Tensor]:
    """The Tensor method for the reduction gate ``name`` (looked up when called: the gate modules
    are imported at the bottom of this one), taking NumPy's axis/keepdims or PyTorch's dim/keepdim."""

    def method(
        self: Tensor,
        axis: Any = None,
        keepdims: bool = False,
        *,
        dim: Any = None,
        keepdim: bool = False,
    ) -> Tensor:
        return getattr(_reduce, name)(self, _axis(axis, dim), keepdims or keepdim)

    method.__name__ = method.__qualname__ = name
    return method


class Tensor:
    """An n-dimensional array that records the gates applied to it.

    >>> x = tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4.])
    """

    # A recorded tensor is its own node (see ``graph.Node``): ``gate`` is None for leaves and
    # constants; ``inputs``, ``saved``, ``attrs``, ``scope``, ``trace`` and ``seq`` are set (by
    # ``graph.recorded``) only when it is not.
    __slots__ = (
        "data", "grad", "requires_grad", "_hooks",
        "gate", "inputs", "saved", "attrs", "scope", "trace", "seq", "_grad_fn", "__weakref__",
    )  # fmt: skip
    __array_ufunc__ = None  # NumPy defers to our reflected operators: ndarray * Tensor -> Tensor

    def __init__(
        self,
        data: Any,
        dtype: DTypeLike = None,
        requires_grad: bool = False,
    ) -> None:
        if type(data) is not np.ndarray or dtype is not None:
            arr = _as_array(data, dtype)
            if isinstance(data, Tensor) and arr is data.data:
                arr = arr.copy()  # a new tensor never shares storage with the one it came from
            data = arr
        if requires_grad:
            _check_requires_grad(data)
        self.data: np.ndarray = data
        self.grad: Tensor | None = None
        self.requires_grad: bool = bool(requires_grad)
        self._hooks: list | None = None
        self.gate: Gate | None = None

    # --- properties -----------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    def numel(self) -> int:
        return self.data.size

    def dim(self) -> int:
        return self.data.ndim

    @property
    def is_leaf(self) -> bool:
        return self.gate is None

    @property
    def grad_fn(self) -> Node | None:
        """The gate application that produced this tensor; None for leaves. (The same object on
        every read: made on the first and kept by the tensor.)"""
        if self.gate is None:
            return None
        try:
            return self._grad_fn
        except AttributeError:  # (unset until first asked for: recording stays one object)
            self._grad_fn: Node = Node(self)
            return self._grad_fn

    @property
    def _node(self) -> Tensor | None:
        """This tensor as a node of the graph (itself), or None for leaves and constants."""
        return None if self.gate is None else self

    @property
    def T(self) -> Tensor:
        return permute(self)  # all axes reversed

    @property
    def mT(self) -> Tensor:
        return swapaxes(self, -1, -2)

    # --- conversion -----------------------------------------------------------------------------
    def item(self) -> float | int | bool:
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

    def __array__(self, dtype: DTypeLike = None, copy: bool | None = None) -> np.ndarray:
        if copy:  # NumPy 2 trusts __array__ to honour copy=True (np.array(t) must not alias t)
            return np.array(self.data, dtype=dtype, copy=True)
        return self.data if dtype is None else self.data.astype(dtype)

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data, cut from the graph."""
        return Tensor(self.data)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad:
            _check_requires_grad(self.data, "requires_grad_")
        if not self.is_leaf and not requires_grad:
            raise RuntimeError("requires_grad_: only a leaf's flag can be turned off; use detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def astype(self, dtype: DTypeLike) -> Tensor:
        return cast(self, dtype)

    def to(self, dtype: DTypeLike) -> Tensor:
        return cast(self, dtype)

    def float(self) -> Tensor:
        return cast(self, np.float32)

    def double(self) -> Tensor:
        return cast(self, np.float64)

    def long(self) -> Tensor:
        return cast(self, np.int64)

    def clone(self) -> Tensor:
        return clone(self)

    def zero_(self) -> Tensor:
        self.data[...] = 0
        return self

    def fill_(self, value: float) -> Tensor:
        self.data[...] = value
        return self

    # --- autograd -------------------------------------------------------------------------------
    def backward(
        self, gradient: Any = None, retain_graph: bool = False, create_graph: bool = False
    ) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        ``gradient`` is required unless this tensor has exactly one element.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward: this tensor does not require grad and has no grad_fn "
                "(was it computed under no_grad, or from tensors without requires_grad=True?)"
            )
        g = _seed_gradient(self, gradient, "backward")
        run_backward([self], [g], retain_graph or create_graph, create_graph)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Callable[[], None]:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned Tensor replaces
        the gradient. Returns a function that removes the hook."""
        if not self.requires_grad:
            raise RuntimeError(
                "register_hook: cannot register a hook on a tensor that doesn't require grad"
            )
        if self._hooks is None:
            self._hooks = []
        hooks = self._hooks
        hooks.append(hook)
        return lambda: hooks.remove(hook) if hook in hooks else None

    def register_post_accumulate_grad_hook(
        self, hook: Callable[[Tensor], None]
    ) -> graph.RemovableHandle:
        """Call ``hook(self)`` after a backward pass has updated this leaf's ``.grad`` (PyTorch's
        hook of that name; data-parallel training starts its all-reduce there). Returns a handle
        whose ``remove()`` unregisters it. Not called by ``autograd.grad``, which leaves ``.grad``
        alone."""
        if self.gate is not None:
            raise RuntimeError(
                "register_post_accumulate_grad_hook: only a leaf tensor accumulates a .grad; "
                f"this one was made by {self.gate.name} (use register_hook instead)"
            )
        if not self.requires_grad:
            raise RuntimeError(
                "register_post_accumulate_grad_hook: cannot register a hook on a tensor that "
                "doesn't require grad"
            )
        return graph.add_post_accumulate_grad_hook(self, hook)

    @property
    def retains_grad(self) -> bool:
        """Whether this non-leaf tensor keeps its gradient (``retain_grad()`` was called)."""
        hooks = self._hooks if self.gate is not None else None
        return bool(hooks) and any(getattr(h, "retains_grad", False) for h in hooks)

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward (idempotent)."""
        if self.gate is None or self.retains_grad:
            return  # leaves keep their gradient anyway; a second call must not add it twice
        ref = weakref.ref(self)

        def store(g: Tensor) -> None:
            t = ref()
            if t is not None:
                g = g if g.requires_grad else Tensor(g.data.copy())
                t.grad = g if t.grad is None else t.grad + g

        store.retains_grad = True  # type: ignore[attr-defined]
        self.register_hook(store)

    # --- printing and identity ------------------------------------------------------------------
    def __repr__(self) -> str:
        body = np.array2string(
            self.data, separator=", ", precision=4, threshold=50, prefix="tensor("
        )
        extras = []
        if self.data.dtype not in (np.float32, np.int64, np.bool_):
            extras.append(f"dtype={self.data.dtype}")
        if self.gate is not None:
            extras.append(f"grad_fn=<{self.gate.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    # Identity hashing (graphs and dicts never use elementwise ==), object's own: no Python call
    # each time the backward pass looks a node up.
    __hash__ = object.__hash__

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):  # type: ignore[no-untyped-def]
        for i in range(len(self)):
            yield self[i]

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"bool: the truth value of a tensor of shape {self.shape} is ambiguous; use .any() or .all()"
            )
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError("only integer tensors of one element can be used as an index")
        return int(self.data)

    # --- operators (delegating to gates) --------------------------------------------------------
    def __radd__(self, o: Any) -> Tensor:
        return add(o, self)

    def __rsub__(self, o: Any) -> Tensor:
        return sub(o, self)

    def __rmul__(self, o: Any) -> Tensor:
        return mul(o, self)

    def __rtruediv__(self, o: Any) -> Tensor:
        return div(o, self)

    def __rpow__(self, o: Any) -> Tensor:
        return pow(o, self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return abs(self)

    def __rmatmul__(self, o: Any) -> Tensor:
        return matmul(o, self)

    def __setitem__(self, index: Any, value: Any) -> None:
        if self.requires_grad and _state.enabled:
            raise RuntimeError(
                "setitem: in-place assignment into a tensor that requires grad would corrupt its "
                "graph; build a new tensor (where, concatenate) or assign under no_grad()"
            )
        self.data[index] = value.data if isinstance(value, Tensor) else value

    # comparisons: non-differentiable bool tensors
    def __eq__(self, o: Any) -> Tensor:  # type: ignore[override]
        return compare(np.equal, self, o)

    def __ne__(self, o: Any) -> Tensor:  # type: ignore[override]
        return compare(np.not_equal, self, o)

    def __lt__(self, o: Any) -> Tensor:
        return compare(np.less, self, o)

    def __le__(self, o: Any) -> Tensor:
        return compare(np.less_equal, self, o)

    def __gt__(self, o: Any) -> Tensor:
        return compare(np.greater, self, o)

    def __ge__(self, o: Any) -> Tensor:
        return compare(np.greater_equal, self, o)

    def __invert__(self) -> Tensor:
        return Tensor(~self.data)

    def __and__(self, o: Any) -> Tensor:
        return compare(np.logical_and, self, o)

    def __or__(self, o: Any) -> Tensor:
        return compare(np.logical_or, self, o)

    # --- methods (delegating to gates) ----------------------------------------------------------
    # The hottest are the gate functions themselves, bound at the bottom of this module (no extra
    # Python call per operation): declared here so readers and type checkers see them.
    exp: Callable[[], Tensor]
    log: Callable[[], Tensor]
    relu: Callable[[], Tensor]
    sigmoid: Callable[[], Tensor]
    tanh: Callable[[], Tensor]

    def sqrt(self) -> Tensor:
        return sqrt(self)

    def abs(self) -> Tensor:
        return abs(self)

    def pow(self, e: Any) -> Tensor:
        return pow(self, e)

    def clip(self, min: Any = None, max: Any = None) -> Tensor:
        return clip(self, min, max)

    clamp = clip

    def maximum(self, o: Any) -> Tensor:
        return maximum(self, o)

    def minimum(self, o: Any) -> Tensor:
        return minimum(self, o)

    sum = _reduction_method("sum")
    mean = _reduction_method("mean")
    max = _reduction_method("max")
    min = _reduction_method("min")
    logsumexp = _reduction_method("logsumexp")
    argmax = _reduction_method("argmax")  # first index on ties; not differentiable
    argmin = _reduction_method("argmin")

    def var(
        self, axis: Any = None, keepdims: bool = False, ddof: int = 0, *, dim: Any = None,
        keepdim: bool = False,
    ) -> Tensor:  # fmt: skip
        """NumPy's convention: ``ddof=0`` (PyTorch's default is the unbiased ``ddof=1``)."""
        return var(self, _axis(axis, dim), keepdims or keepdim, ddof=ddof)

    def std(
        self, axis: Any = None, keepdims: bool = False, ddof: int = 0, *, dim: Any = None,
        keepdim: bool = False,
    ) -> Tensor:  # fmt: skip
        """NumPy's convention: ``ddof=0`` (PyTorch's default is the unbiased ``ddof=1``)."""
        return std(self, _axis(axis, dim), keepdims or keepdim, ddof=ddof)

    def any(self, axis: Any = None) -> Tensor:
        return Tensor(np.any(self.data, axis=axis))

    def all(self, axis: Any = None) -> Tensor:
        return Tensor(np.all(self.data, axis=axis))

    def softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        return softmax(self, axis if dim is None else dim)

    def log_softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        return log_softmax(self, axis if dim is None else dim)

    def reshape(self, *shape: Any) -> Tensor:
        return reshape(self, _varargs(shape))

    view = reshape

    def transpose(self, *axes: Any) -> Tensor:
        """``x.transpose(i, j)`` swaps two axes (PyTorch); ``x.transpose()`` reverses them."""
        if len(axes) == 2 and all(isinstance(a, int) for a in axes):
            return swapaxes(self, axes[0], axes[1])
        if len(axes) == 1 and not isinstance(axes[0], int):
            axes = tuple(axes[0])
        return permute(self, axes or None)

    def permute(self, *axes: Any) -> Tensor:
        return permute(self, _varargs(axes))

    def swapaxes(self, a: int, b: int) -> Tensor:
        return swapaxes(self, a, b)

    def squeeze(self, axis: Any = None) -> Tensor:
        return squeeze(self, axis)

    def unsqueeze(self, axis: int) -> Tensor:
        return unsqueeze(self, axis)

    def expand(self, *shape: Any) -> Tensor:
        return expand(self, _varargs(shape))

    def broadcast_to(self, shape: Sequence[int]) -> Tensor:
        return broadcast_to(self, shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return flatten(self, start_dim, end_dim)

    def flip(self, axis: Any = None) -> Tensor:
        return flip(self, axis)

    def repeat(self, *reps: Any) -> Tensor:
        """PyTorch's ``repeat`` (= NumPy's ``tile``)."""
        return tile(self, _varargs(reps))

    def tile(self, reps: Sequence[int]) -> Tensor:
        return tile(self, reps)

    def repeat_interleave(self, repeats: int, axis: int | None = None) -> Tensor:
        return repeat_interleave(self, repeats, axis)

    def split(self, split_size_or_sections: Any, axis: int = 0) -> list[Tensor]:
        return split(self, split_size_or_sections, axis)

    def matmul(self, o: Any) -> Tensor:
        return matmul(self, o)

    def dot(self, o: Any) -> Tensor:
        return dot(self, o)


_new = object.__new__


def _wrap(data: np.ndarray) -> Tensor:
    """Internal constructor for an unrecorded result (``data`` is already an ndarray of the right
    dtype): the five slot stores of ``__init__`` without its checks, about half the cost.
    (``graph.recorded`` builds recorded results the same way, with their node fields.)"""
    if type(data) is not np.ndarray:  # ufuncs on 0-d arrays return NumPy scalars
        data = np.asarray(data)
    t = _new(Tensor)
    t.data = data
    t.grad = None
    t.requires_grad = False
    t._hooks = None
    t.gate = None
    return t


def _varargs(args: tuple) -> Any:
    """``x.reshape(2, 3)`` and ``x.reshape((2, 3))`` alike: one sequence argument, or the ints."""
    return args[0] if len(args) == 1 and not isinstance(args[0], (int, np.integer)) else args


def _axis(axis: Any, dim: Any) -> Any:
    """Methods take NumPy's ``axis`` and PyTorch's ``dim`` (one of them)."""
    if dim is None:
        return axis
    if axis is not None:
        raise TypeError("pass either axis= or dim=, not both")
    return dim


def _seed_gradient(t: Tensor, gradient: Any, op: str) -> Tensor:
    if gradient is None:
        if t.data.size != 1:
            raise RuntimeError(
                f"{op}: grad can be implicitly created only for one-element outputs, but the output "
                f"has shape {t.shape}; pass gradient= with that shape"
            )
        return Tensor(np.ones_like(t.data))
    g = gradient if isinstance(gradient, Tensor) else Tensor(_as_array(gradient, t.dtype))
    if g.shape != t.shape:
        raise RuntimeError(f"{op}: gradient has shape {g.shape} but the output has shape {t.shape}")
    return g


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Gradients of ``outputs`` with respect to ``inputs``, returned rather than accumulated
    into ``.grad`` (like ``torch.autograd.grad``). When every input is a recorded (non-leaf)
    tensor, the walk stops at the oldest of them: the nodes below do not run, and keep what
    they saved."""
    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outs)
    for i, t in enumerate(ins):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {t.shape}) does not require grad")
    seeds = []
    for o, go in zip(outs, grad_outputs):
        if not o.requires_grad:
            raise RuntimeError(f"grad: output of shape {o.shape} does not require grad")
        seeds.append(_seed_gradient(o, go, "grad"))
    if retain_graph is None:
        retain_graph = create_graph
    result = run_backward(outs, seeds, retain_graph, create_graph, capture=ins)
    assert result is not None
    for i, (t, g) in enumerate(zip(ins, result)):
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {i} (shape {t.shape}) was not used to compute the outputs; "
                "pass allow_unused=True to get None for it"
            )
    return tuple(result)


# Gate functions, imported last: they import Tensor from this module.
from .gates import reduce as _reduce  # noqa: E402  (the reduction methods call into it)
from .gates.elementwise import (  # noqa: E402
    abs,
    add,
    cast,
    clip,
    clone,
    compare,
    div,
    exp,
    log,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    relu,
    sigmoid,
    sqrt,
    sub,
    tanh,
)
from .gates.linalg import dot, matmul  # noqa: E402
from .gates.neural import log_softmax, softmax  # noqa: E402
from .gates.reduce import std, sum, var  # noqa: E402
from .gates.shape import (  # noqa: E402
    broadcast_to,
    expand,
    flatten,
    flip,
    getitem,
    permute,
    repeat_interleave,
    reshape,
    split,
    squeeze,
    swapaxes,
    tile,
    unsqueeze,
)

# Hot operators and methods are the gate functions themselves: no extra Python call per operation.
Tensor.__add__ = add  # type: ignore[assignment]
Tensor.__sub__ = sub  # type: ignore[assignment]
Tensor.__mul__ = mul  # type: ignore[assignment]
Tensor.__truediv__ = div  # type: ignore[assignment]
Tensor.__pow__ = pow  # type: ignore[assignment]
Tensor.__matmul__ = matmul  # type: ignore[assignment]
Tensor.__neg__ = neg  # type: ignore[assignment]
Tensor.__getitem__ = getitem  # type: ignore[assignment]
Tensor.relu = relu  # type: ignore[assignment]
Tensor.tanh = tanh  # type: ignore[assignment]
Tensor.sigmoid = sigmoid  # type: ignore[assignment]
Tensor.exp = exp  # type: ignore[assignment]
Tensor.log = log  # type: ignore[assignment]


graph._Tensor = Tensor
graph._sum = sum
graph._wrap = _wrap
