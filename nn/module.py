"""Module and Parameter: the tree of layers, its parameters and buffers, train/eval, state dicts.

A ``Module`` registers what is assigned to it: ``self.w = Parameter(...)`` adds a parameter,
``self.fc = Linear(...)`` a sub-module, ``self.register_buffer("running_mean", t)`` a buffer.
Dotted names (``features.0.weight``) name parameters in ``named_parameters`` and ``state_dict``.
Calling a module runs ``forward`` inside ``autograd.scope(<its dotted name>)`` so that graph
drawings can group the recorded gates by module.
"""

from __future__ import annotations

import contextvars
import functools
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

import autograd
from autograd import Tensor

__all__ = [
    "Identity",
    "Module",
    "ModuleDict",
    "ModuleList",
    "Parameter",
    "ParameterDict",
    "ParameterList",
    "Sequential",
]

# --- Parameter ---------------------------------------------------------------------------------


class Parameter(Tensor):
    """A Tensor that is a module's learnable weight: it requires grad and ``Module`` registers it
    when assigned as an attribute. ``Parameter(t)`` shares ``t``'s storage (like PyTorch).

    Arithmetic on a Parameter returns a plain Tensor (the gates build ``Tensor`` outputs).

    >>> w = Parameter(autograd.zeros(3, 2))
    >>> w.requires_grad, w.shape
    (True, (3, 2))
    """

    __slots__ = ()  # Tensor is slotted; keep Parameter free of a per-instance __dict__

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            arr = np.zeros((0,), dtype=np.float32)
        elif isinstance(data, Tensor):
            arr = data.data
        else:
            arr = autograd.as_tensor(data).data
        Tensor.__init__(self, arr, None, requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + Tensor.__repr__(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> Parameter:
        p = Parameter(self.data.copy(), self.requires_grad)
        if self.grad is not None:
            p.grad = Tensor(self.grad.data.copy())
        memo[id(self)] = p
        return p

    def __reduce_ex__(self, protocol: Any) -> Any:  # copy.copy / pickle: data and flag only
        return (Parameter, (self.data, self.requires_grad))


# --- naming the running module for autograd.scope ----------------------------------------------

_tree_version = [0]  # bumped whenever any module gains or loses a sub-module
# names of the tree whose root call is running, per thread (and per asyncio task): two threads
# running two models at once each tag their own gates
_naming: contextvars.ContextVar[dict[int, str] | None] = contextvars.ContextVar(
    "nn_module_naming", default=None
)


def _tree_changed() -> None:
    _tree_version[0] += 1


class _IncompatibleKeys(NamedTuple):
    missing_keys: list[str]
    unexpected_keys: list[str]


def _is_device(a: Any) -> bool:
    """Whether a positional argument of ``Module.to`` names a device rather than a dtype: an
    ``autograd.Device``, an int (PyTorch's device index), a device-like object (``.type``), or a
    string NumPy does not read as a dtype (``"cpu"``, ``"cuda:0"``; ``"float64"`` is a dtype)."""
    if isinstance(a, str):
        try:
            np.dtype(a)
        except TypeError:
            return True
        return False
    if isinstance(a, int):
        return True
    return hasattr(a, "type") and not isinstance(a, (np.dtype, type))


def _only_once(old: Any, new: Any, what: str, args: tuple[Any, ...]) -> Any:
    if old is not None:
        raise TypeError(f"Module.to: got two {what}s ({old!r} and {new!r}) in {args!r}")
    return new


# --- hooks -------------------------------------------------------------------------------------


class _Hooks:
    """A module's hooks, by kind, in the order they were registered."""

    __slots__ = ("forward_pre", "forward", "backward")

    def __init__(self) -> None:
        self.forward_pre: list[Callable[..., Any]] = []
        self.forward: list[Callable[..., Any]] = []
        self.backward: list[Callable[..., Any]] = []

    def empty(self) -> bool:
        return not (self.forward_pre or self.forward or self.backward)


_OnGrads = Callable[[tuple[Any, ...]], tuple[Any, ...]]


class _PassGrads(autograd.Function):
    """identity; hands the gradients passing through to a module's backward hooks"""

    @staticmethod
    def forward(ctx: autograd.FunctionCtx, on_grads: _OnGrads, *tensors: Tensor) -> Any:
        ctx.on_grads = on_grads  # type: ignore[attr-defined]  # a ctx takes any attribute
        return tensors[0] if len(tensors) == 1 else tensors

    @staticmethod
    def backward(ctx: autograd.FunctionCtx, *grads: Tensor) -> tuple[Any, ...]:
        return (None, *ctx.on_grads(grads))  # type: ignore[attr-defined]


def _spread(values: Any, at: list[int], n: int) -> tuple[Any, ...]:
    """``values`` placed at positions ``at`` of an n-tuple of Nones."""
    out: list[Any] = [None] * n
    for i, v in zip(at, values):
        out[i] = v
    return tuple(out)


def _pass_through(
    tensors: tuple[Any, ...], on_grads: _OnGrads
) -> tuple[list[int], tuple[Any, ...]]:
    """The tensors among ``tensors`` that require grad, put through one ``_PassGrads`` gate
    (one node: the hooks see all their gradients at once); returns their positions and
    ``tensors`` with them replaced."""
    at = [i for i, t in enumerate(tensors) if isinstance(t, Tensor) and t.requires_grad]
    if not at:
        return at, tensors
    passed = _PassGrads.apply(on_grads, *[tensors[i] for i in at])
    out = list(tensors)
    for i, t in zip(at, passed if len(at) > 1 else (passed,)):
        out[i] = t
    return at, tuple(out)


class _BackwardHooks:
    """One call's full backward hooks (PyTorch's ``BackwardHook``): an identity gate on the
    outputs catches ``grad_output`` as the backward pass enters the module, one on the inputs
    catches ``grad_input`` as it leaves, and the hooks run there."""

    def __init__(self, module: Module, hooks: list[Callable[..., Any]]) -> None:
        self.module, self.hooks = module, hooks
        self.n_inputs = self.n_outputs = 0
        self.input_at: list[int] = []  # positions of the inputs that require grad
        self.output_at: list[int] = []  # and of the outputs
        self.constants: list[tuple[int, tuple[int, ...], Any]] = []
        self.grad_outputs: tuple[Any, ...] | None = None

    def wrap_inputs(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        self.n_inputs = len(args)
        # tensor inputs that need no gradient show zeros (as in PyTorch, when another does)
        self.constants = [
            (i, a.shape, a.dtype)
            for i, a in enumerate(args)
            if isinstance(a, Tensor) and not a.requires_grad
        ]
        self.input_at, args = _pass_through(args, self._on_grad_input)
        return args

    def wrap_outputs(self, output: Any) -> Any:
        if not isinstance(output, (Tensor, tuple)):
            return output  # (PyTorch only warns: its hooks need a Tensor or a tuple)
        outs = output if isinstance(output, tuple) else (output,)
        self.n_outputs = len(outs)
        self.output_at, outs = _pass_through(outs, self._on_grad_output)
        return outs if isinstance(output, tuple) else outs[0]

    def _on_grad_output(self, grads: tuple[Any, ...]) -> tuple[Any, ...]:
        self.grad_outputs = _spread(grads, self.output_at, self.n_outputs)
        if not self.input_at:  # nothing flows on to the inputs: the hooks run now
            grad_input = (None,) * self.n_inputs
            for hook in self.hooks:
                result = hook(self.module, grad_input, self.grad_outputs)
                if result is not None and any(r is not None for r in result):
                    raise RuntimeError(
                        f"{type(self.module).__name__}: a full backward hook returned "
                        "gradients, but no input of this call requires grad (return None)"
                    )
            self.grad_outputs = None
        return grads

    def _on_grad_input(self, grads: tuple[Any, ...]) -> tuple[Any, ...]:
        if self.grad_outputs is None:
            return grads
        grad_input = _spread(grads, self.input_at, self.n_inputs)
        if self.constants:
            filled = list(grad_input)
            for i, shape, dtype in self.constants:
                filled[i] = autograd.zeros(shape, dtype=dtype)
            grad_input = tuple(filled)
        for hook in self.hooks:
            result = hook(self.module, grad_input, self.grad_outputs)
            if result is None:
                continue
            result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
            if len(result) != len(grad_input):
                raise RuntimeError(
                    f"{type(self.module).__name__}: a full backward hook returned "
                    f"{len(result)} grad_input entries; the call had {len(grad_input)} "
                    "positional arguments"
                )
            for i, (new, old) in enumerate(zip(result, grad_input)):
                if new is not None and old is not None and tuple(new.shape) != old.shape:
                    raise RuntimeError(
                        f"{type(self.module).__name__}: a full backward hook returned a "
                        f"grad_input[{i}] of shape {tuple(new.shape)} for an input of shape "
                        f"{old.shape}"
                    )
            grad_input = result
        self.grad_outputs = None
        return tuple(grad_input[i] for i in self.input_at)


# --- Module ------------------------------------------------------------------------------------


class Module:
    """Base class of every layer and model.

    Subclasses call ``super().__init__()`` first, assign parameters, buffers and sub-modules as
    attributes, and define ``forward``. Call the module (``model(x)``), not ``forward``.

    >>> class TwoLayer(Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc1 = nn.Linear(4, 8)
    ...         self.fc2 = nn.Linear(8, 2)
    ...     def forward(self, x):
    ...         return self.fc2(self.fc1(x).relu())
    """

    training: bool
    _parameters: dict[str, Parameter | None]
    _buffers: dict[str, Tensor | None]
    _non_persistent: set[str]
    _modules: dict[str, Module | None]
    # None until a hook is registered (a class default: modules unpickled from before hooks
    # existed work too); __call__ reads only this to skip the hook machinery
    _hooks: _Hooks | None = None

    def __init__(self) -> None:
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = {}
        d["_buffers"] = {}
        d["_non_persistent"] = set()
        d["_modules"] = {}
        d["_scope_cache"] = None

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no forward() method")

    # --- calling -------------------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` with every gate it records tagged by this module's dotted name
        (the root of the call is named by its class; ``features.0`` below it). With grad mode
        off nothing is recorded, so nothing is named: the call is just ``forward`` (a gate that
        ``enable_grad()`` records inside such a call carries no module name). Hooks registered
        with ``register_forward_pre_hook`` and friends run around ``forward``, in either mode."""
        # (one attribute read: a module without hooks pays nothing more for them)
        forward = self.forward if self._hooks is None else self._hooked_forward
        if not autograd.is_grad_enabled():
            return forward(*args, **kwargs)
        names = _naming.get()
        if names is None:  # the outermost module call: name the whole tree once (cached)
            names = self._scope_names()
            naming = _naming.set(names)
            token = autograd.enter_scope(names[id(self)])
            try:
                return forward(*args, **kwargs)
            finally:
                autograd.exit_scope(token)
                _naming.reset(naming)
        name = names.get(id(self))
        if name is None:  # a module outside the tree (made on the fly inside a forward)
            prev = autograd.current_scope()
            name = type(self).__name__ if prev is None else f"{prev}.{type(self).__name__}"
        token = autograd.enter_scope(name)
        try:
            return forward(*args, **kwargs)
        finally:
            autograd.exit_scope(token)

    def _hooked_forward(self, *args: Any, **kwargs: Any) -> Any:
        """``forward`` with this module's hooks around it, in PyTorch's order: forward pre-hooks,
        the backward hooks' gate on the inputs, ``forward``, forward hooks, the backward hooks'
        gate on the output."""
        hooks = self._hooks
        assert hooks is not None
        for hook in tuple(hooks.forward_pre):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        backward = None
        if hooks.backward and autograd.is_grad_enabled():
            backward = _BackwardHooks(self, list(hooks.backward))
            args = backward.wrap_inputs(args)
        output = self.forward(*args, **kwargs)
        for hook in tuple(hooks.forward):
            result = hook(self, args, output)
            if result is not None:
                output = result
        if backward is not None:
            output = backward.wrap_outputs(output)
        return output

    # --- hooks ---------------------------------------------------------------------------------
    def _add_hook(self, kind: str, hook: Callable[..., Any]) -> autograd.RemovableHandle:
        if not callable(hook):
            raise TypeError(f"register_{kind}_hook: expected a function, got {type(hook).__name__}")
        hooks = self._hooks or _Hooks()
        self.__dict__["_hooks"] = hooks
        entries = getattr(hooks, kind)
        entry = functools.partial(hook)  # one object per registration: removed by its handle only
        entries.append(entry)

        def forget() -> None:  # the last hook gone: calls take the plain path again
            if self.__dict__.get("_hooks") is hooks and hooks.empty():
                self.__dict__["_hooks"] = None

        return autograd.RemovableHandle(entries, entry, forget)

    def register_forward_pre_hook(
        self, hook: Callable[[Module, tuple[Any, ...]], Any]
    ) -> autograd.RemovableHandle:
        """Call ``hook(module, args)`` before every ``forward`` (``args``: the positional
        arguments). A returned value other than None replaces them (a single value becomes a
        1-tuple). Runs under ``no_grad`` too. Returns a handle: ``handle.remove()``."""
        return self._add_hook("forward_pre", hook)

    def register_forward_hook(
        self, hook: Callable[[Module, tuple[Any, ...], Any], Any]
    ) -> autograd.RemovableHandle:
        """Call ``hook(module, args, output)`` after every ``forward``; a returned value other
        than None replaces the output. Runs under ``no_grad`` too. Returns a handle."""
        return self._add_hook("forward", hook)

    def register_full_backward_hook(
        self, hook: Callable[[Module, tuple[Any, ...], tuple[Any, ...]], Any]
    ) -> autograd.RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` when a backward pass has computed the
        gradients with respect to the inputs of a call of this module (PyTorch's semantics).

        ``grad_input`` has one entry per positional argument of the call: None for a non-tensor,
        zeros for a tensor that needs no gradient. ``grad_output`` has one per output (a Tensor
        or a tuple): None for a non-tensor or a tensor that does not require grad (zeros for an
        output the loss does not use, where PyTorch gives None). A returned tuple of the same
        length replaces ``grad_input`` for the rest of the pass. When no input requires grad the
        hook still runs, with ``grad_input`` all None, and must return None. Keyword arguments
        are not seen; calls under ``no_grad`` record nothing, so no backward hook runs for them.
        Returns a handle: ``handle.remove()``."""
        return self._add_hook("backward", hook)

    def _scope_names(self) -> dict[int, str]:
        cache: tuple[int, dict[int, str]] | None = self.__dict__.get("_scope_cache")
        if cache is not None and cache[0] == _tree_version[0]:
            return cache[1]
        names = {id(m): name for name, m in self.named_modules()}
        names[id(self)] = type(self).__name__
        self.__dict__["_scope_cache"] = (_tree_version[0], names)
        return names

    # --- registration --------------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, (Parameter, Module)) and params is None:
            raise AttributeError(
                f"cannot assign {type(value).__name__} {name!r} before Module.__init__() "
                f"(call super().__init__() first in {type(self).__name__}.__init__)"
            )
        if isinstance(value, Parameter):
            self._forget(name)
            d["_parameters"][name] = value
        elif isinstance(value, Module):
            if name not in d["_modules"]:  # a replaced child keeps its place (as in PyTorch)
                self._forget(name)
            d["_modules"][name] = value
            _tree_changed()
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"{type(self).__name__}: cannot assign {type(value).__name__} as parameter "
                    f"{name!r} (nn.Parameter or None expected)"
                )
            params[name] = None
        elif params is not None and name in d["_modules"]:
            if value is not None:
                raise TypeError(
                    f"{type(self).__name__}: cannot assign {type(value).__name__} as child "
                    f"module {name!r} (nn.Module or None expected)"
                )
            d["_modules"][name] = None
            _tree_changed()
        elif params is not None and name in d["_buffers"]:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"{type(self).__name__}: cannot assign {type(value).__name__} as buffer "
                    f"{name!r} (Tensor or None expected)"
                )
            d["_buffers"][name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._forget(name)
        object.__delattr__(self, name)

    def _forget(self, name: str) -> None:
        d = self.__dict__
        d["_parameters"].pop(name, None)
        d["_buffers"].pop(name, None)
        d["_non_persistent"].discard(name)
        if d["_modules"].pop(name, None) is not None:
            _tree_changed()

    def _check_name(self, name: str, kind: str) -> None:
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"{kind} name must be a non-empty string without '.', got {name!r}")
        if hasattr(self, name) and not any(
            name in r for r in (self._parameters, self._buffers, self._modules)
        ):
            raise KeyError(f"attribute {name!r} already exists on {type(self).__name__}")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add ``param`` (or a ``None`` placeholder, e.g. an absent bias) under ``name``."""
        self._check_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"register_parameter: {name!r} must be an nn.Parameter or None, "
                f"got {type(param).__name__}"
            )
        self._forget(name)
        self._parameters[name] = param
        object.__setattr__(self, name, param)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a tensor that is state but not a parameter (BatchNorm's running mean). Persistent
        buffers are saved in ``state_dict``."""
        self._check_name(name, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"register_buffer: {name!r} must be a Tensor or None, got {type(tensor).__name__}"
            )
        self._forget(name)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)
        object.__setattr__(self, name, tensor)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a sub-module under ``name`` (same as assigning it as an attribute)."""
        self._check_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be an nn.Module, got {type(module)}")
        self._forget(name)
        self._modules[name] = module
        object.__setattr__(self, name, module)
        _tree_changed()

    register_module = add_module

    # --- traversal -----------------------------------------------------------------------------
    def named_modules(
        self, memo: set[int] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """This module and every descendant, each once, as ``(dotted name, module)``; the root is
        named ``""``."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is not None:
                yield from m.named_modules(
                    memo, f"{prefix}.{name}" if prefix else name, remove_duplicate
                )

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen: set[int] = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def _named_members(
        self, attr: str, prefix: str, recurse: bool, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        seen: set[int] = set()
        mods = self.named_modules(prefix=prefix) if recurse else iter([(prefix, self)])
        for mod_prefix, m in mods:
            for name, t in getattr(m, attr).items():
                if t is None or (remove_duplicate and id(t) in seen):
                    continue
                seen.add(id(t))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), t

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, parameter)`` for every parameter, shared ones once."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)  # type: ignore[misc]

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target: str) -> Module:
        """The sub-module at dotted path ``target`` ("" is this module)."""
        m: Module = self
        for part in target.split(".") if target else []:
            child = m._modules.get(part)
            if child is None:
                raise AttributeError(f"{type(m).__name__} has no sub-module {part!r} ({target!r})")
            m = child
        return m

    # --- modes and bulk operations -------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set training mode (dropout active, batch norm uses batch statistics) recursively."""
        if not isinstance(mode, bool):
            raise TypeError(f"train: mode must be a bool, got {type(mode).__name__}")
        for m in self.modules():
            m.__dict__["training"] = mode
        return self

    def eval(self) -> Module:
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's ``.grad`` (to None, or to zeros with ``set_to_none=False``)."""
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad = Tensor(np.zeros_like(p.data))

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every sub-module (children first), then on this module."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def to(
        self,
        *args: Any,
        device: Any = None,
        dtype: Any = None,
        non_blocking: bool = False,
        copy: bool = False,
    ) -> Module:
        """Convert floating parameters and buffers to ``dtype`` in place and return ``self``
        (the Parameter objects stay, so optimizers holding them stay valid). PyTorch's forms:
        ``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(tensor)`` (its dtype), and the
        keywords ``device=``, ``dtype=``. The CPU is the only device: ``"cpu"`` and
        ``autograd.device("cpu")`` change nothing, any other device raises RuntimeError.
        ``non_blocking`` and ``copy`` are accepted and ignored (as ``Module.to`` does in PyTorch).
        Integer tensors (e.g. counters) are left alone; an integer ``dtype`` is a TypeError.
        ``float()``/``double()``/``half()`` are shortcuts."""
        for a in args:
            if isinstance(a, bool):  # to(dtype, non_blocking) and friends
                continue
            if isinstance(a, Tensor):
                dtype = _only_once(dtype, a.dtype, "dtype", args)
            elif _is_device(a):
                device = _only_once(device, a, "device", args)
            else:
                dtype = _only_once(dtype, a, "dtype", args)
        # check both before converting anything
        if device is not None:
            try:
                autograd.device(device)
            except RuntimeError as e:
                raise RuntimeError(f"Module.to: {e}") from None
        if dtype is None:
            return self
        try:
            dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"Module.to: {dtype!r} is neither a device nor a dtype") from None
        if dtype.kind != "f":
            raise TypeError(f"Module.to: only floating dtypes are supported, got {dtype}")
        for t in list(self.parameters()) + list(self.buffers()):
            if t.data.dtype.kind == "f" and t.data.dtype != dtype:
                t.data = t.data.astype(dtype)
                if t.grad is not None:
                    t.grad = Tensor(t.grad.data.astype(dtype))
        return self

    def cpu(self) -> Module:
        """Returns ``self``: everything already lives on the CPU."""
        return self

    def cuda(self, device: Any = None) -> Module:
        """Raises RuntimeError: gategrad computes on the CPU only (there is no GPU backend)."""
        return self.to("cuda" if device is None else f"cuda:{device}")

    def float(self) -> Module:
        """Floating parameters and buffers to float32."""
        return self.to(np.float32)

    def double(self) -> Module:
        """Floating parameters and buffers to float64."""
        return self.to(np.float64)

    def half(self) -> Module:
        """Floating parameters and buffers to float16 (NumPy computes in it natively)."""
        return self.to(np.float16)

    # --- state dicts ---------------------------------------------------------------------------
    def _state_entries(self) -> dict[str, Tensor]:
        out: dict[str, Tensor] = {}
        # every path, as PyTorch: a module registered under two names gives both key sets
        for prefix, m in self.named_modules(remove_duplicate=False):
            dot = f"{prefix}." if prefix else ""
            for name, p in m._parameters.items():
                if p is not None:
                    out[dot + name] = p
            for name, b in m._buffers.items():
                if b is not None and name not in m._non_persistent:
                    out[dot + name] = b
        return out

    def state_dict(self, keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        """Every parameter and persistent buffer by dotted name. Values are Tensors sharing
        storage with the module (detached), or the Parameters themselves with ``keep_vars``.

        Like PyTorch, a module or parameter registered under two names (``self.again =
        self.shared``) is listed under both (``shared.weight`` and ``again.weight``, the same
        storage), though ``parameters()`` yields it once."""
        entries = self._state_entries()
        if keep_vars:
            return OrderedDict(entries)
        return OrderedDict((k, Tensor(v.data)) for k, v in entries.items())

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True
    ) -> _IncompatibleKeys:
        """Copy values into this module's parameters and buffers (in place; dtypes are kept).

        Nothing is written unless every key fits: with ``strict`` a missing or unexpected key is
        an error; a shape mismatch is always one. All problems are reported in one message.
        A tensor shared under several keys (see ``state_dict``) takes the value of its last key.
        Returns ``(missing_keys, unexpected_keys)``.
        """
        own = self._state_entries()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        mismatched = []
        values = {}
        for k, t in own.items():
            if k in state_dict:
                v = state_dict[k]
                arr = v.data if isinstance(v, Tensor) else np.asarray(v)
                if arr.shape != t.data.shape:
                    mismatched.append(
                        f"{k}: shape {arr.shape} in the state_dict, {t.data.shape} in the model"
                    )
                values[k] = arr
        problems = []
        if strict and missing:
            problems.append(
                "missing keys (in the model, not in the state_dict): " + ", ".join(missing)
            )
        if strict and unexpected:
            problems.append(
                "unexpected keys (in the state_dict, not in the model): " + ", ".join(unexpected)
            )
        if mismatched:
            problems.append("size mismatches: " + "; ".join(mismatched))
        if problems:
            raise RuntimeError(
                f"load_state_dict: error(s) loading a state_dict into {type(self).__name__}; "
                "nothing was loaded:\n  " + "\n  ".join(problems)
            )
        # in place, through the engine: optimizers holding the Parameter see the new values,
        # and the version bump makes a pending backward that saved the old ones refuse to run
        with autograd.no_grad():
            for k, arr in values.items():
                own[k].copy_(arr)
        return _IncompatibleKeys(missing, unexpected)

    # --- printing ------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The configuration shown between the parentheses of this module's repr."""
        return ""

    def num_parameters(self) -> int:
        """Total number of parameter elements (shared parameters counted once)."""
        return int(sum(p.data.size for p in self.parameters()))

    def __repr__(self) -> str:
        n = self.num_parameters()
        count = f"  # {n:,} parameter{'s' if n != 1 else ''}" if n else ""
        children = [(k, m) for k, m in self._modules.items() if m is not None]
        if not children:
            return f"{type(self).__name__}({self.extra_repr()}){count}"
        lines = [f"{type(self).__name__}({self.extra_repr()}{count}"]
        for name, m in children:
            body = repr(m).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        lines.append(")")
        return "\n".join(lines)


# --- containers --------------------------------------------------------------------------------


class Sequential(Module):
    """Modules applied in order: ``Sequential(Linear(4, 8), ReLU(), Linear(8, 2))``.

    Named ``"0"``, ``"1"``... (or by an ``OrderedDict``'s keys). Supports ``len``, iteration,
    ``seq[i]`` (a module), ``seq[a:b]`` (a new Sequential sharing the modules) and ``append``.
    """

    def __init__(self, *modules: Module | Mapping[str, Module]) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], Mapping):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for i, m in enumerate(modules):
                self.add_module(str(i), m)  # type: ignore[arg-type]

    def forward(self, x: Any) -> Any:
        for m in self._modules.values():
            x = m(x)  # type: ignore[misc]
        return x

    def _index(self, idx: int) -> str:
        n = len(self._modules)
        if not -n <= idx < n:
            raise IndexError(f"Sequential: index {idx} is out of range for {n} modules")
        return list(self._modules)[idx % n]

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return Sequential(OrderedDict(list(self._modules.items())[idx]))  # type: ignore[arg-type]
        return self._modules[self._index(idx)]

    def __setitem__(self, idx: int, module: Module) -> None:
        setattr(self, self._index(idx), module)

    def __delitem__(self, idx: int) -> None:
        # renumber 0..n-1 afterwards, like PyTorch: a later append must not reuse a live key
        mods = [m for k, m in self._modules.items() if k != self._index(idx)]
        for k in list(self._modules):
            delattr(self, k)
        for i, m in enumerate(mods):
            self.add_module(str(i), m)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(m for m in self._modules.values() if m is not None)

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self._modules)), module)
        return self


class ModuleList(Module):
    """A list of sub-modules, registered under ``"0"``, ``"1"``... (no ``forward`` of its own)."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _index(self, idx: int) -> str:
        n = len(self._modules)
        if not -n <= idx < n:
            raise IndexError(f"ModuleList: index {idx} is out of range for {n} modules")
        return str(idx % n)

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])  # type: ignore[arg-type]
        return self._modules[self._index(idx)]

    def __setitem__(self, idx: int, module: Module) -> None:
        setattr(self, self._index(idx), module)

    def __delitem__(self, idx: int) -> None:
        mods = list(self._modules.values())
        del mods[int(self._index(idx))]
        for k in list(self._modules):
            delattr(self, k)
        self.extend(mods)  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())  # type: ignore[arg-type]

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        mods = list(self._modules.values())
        mods.insert(index, module)
        for k in list(self._modules):
            delattr(self, k)
        self.extend(mods)  # type: ignore[arg-type]


class ModuleDict(Module):
    """A dict of sub-modules, registered under their keys, in insertion order."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]  # type: ignore[return-value]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        delattr(self, key)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()  # type: ignore[return-value]

    def values(self) -> Iterable[Module]:
        return self._modules.values()  # type: ignore[return-value]

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        items = modules.items() if isinstance(modules, Mapping) else modules
        for k, m in items:
            self[k] = m


def _as_parameter(value: Any, owner: str) -> Parameter:
    """A Parameter as given; a Tensor or array becomes one (sharing its storage), as in PyTorch's
    parameter containers."""
    if isinstance(value, Parameter):
        return value
    if isinstance(value, (Tensor, np.ndarray)):
        return Parameter(value)
    raise TypeError(f"{owner}: expected an nn.Parameter or a Tensor, got {type(value).__name__}")


class ParameterList(Module):
    """A list of parameters, registered under ``"0"``, ``"1"``... so that ``parameters()``,
    ``state_dict`` and optimizers see them (a plain Python list would hide them). Tensors are
    wrapped as Parameters."""

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def _index(self, idx: int) -> str:
        n = len(self._parameters)
        if not -n <= idx < n:
            raise IndexError(f"ParameterList: index {idx} is out of range for {n} parameters")
        return str(idx % n)

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return ParameterList(list(self._parameters.values())[idx])
        return self._parameters[self._index(idx)]

    def __setitem__(self, idx: int, value: Any) -> None:
        self.register_parameter(self._index(idx), _as_parameter(value, "ParameterList"))

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._parameters.values())  # type: ignore[arg-type]

    def __iadd__(self, values: Iterable[Any]) -> ParameterList:
        return self.extend(values)

    def append(self, value: Any) -> ParameterList:
        self.register_parameter(str(len(self._parameters)), _as_parameter(value, "ParameterList"))
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        for v in values:
            self.append(v)
        return self

    def extra_repr(self) -> str:
        shown = self._parameters.items()
        return ", ".join(f"({k}): {tuple(p.shape)}" for k, p in shown if p is not None)


class ParameterDict(Module):
    """A dict of parameters, registered under their keys in insertion order (see
    ``ParameterList``)."""

    def __init__(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Parameter:
        p = self._parameters.get(key)
        if p is None:
            raise KeyError(key)
        return p

    def __setitem__(self, key: str, value: Any) -> None:
        self.register_parameter(key, _as_parameter(value, "ParameterDict"))

    def __delitem__(self, key: str) -> None:
        if key not in self._parameters:
            raise KeyError(key)
        delattr(self, key)

    def __contains__(self, key: object) -> bool:
        return key in self._parameters

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(self._parameters)

    def keys(self) -> Iterable[str]:
        return self._parameters.keys()

    def items(self) -> Iterable[tuple[str, Parameter]]:
        return self._parameters.items()  # type: ignore[return-value]

    def values(self) -> Iterable[Parameter]:
        return self._parameters.values()  # type: ignore[return-value]

    def get(self, key: str, default: Any = None) -> Any:
        return self._parameters.get(key, default)

    def pop(self, key: str) -> Parameter:
        p = self[key]
        del self[key]
        return p

    def update(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        items = parameters.items() if isinstance(parameters, Mapping) else parameters
        for k, v in items:
            self[k] = v

    def extra_repr(self) -> str:
        shown = self._parameters.items()
        return ", ".join(f"({k}): {tuple(p.shape)}" for k, p in shown if p is not None)


class Identity(Module):
    """Returns its input unchanged (a placeholder layer); accepts and ignores any arguments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Any) -> Any:
        return x
