"""Optimizer: the shared machinery (param groups, per-parameter state, state_dict) of every
optimizer. Subclasses write only ``step``'s update rule.

State is stored the PyTorch way: ``state[p]`` is a dict per parameter (NumPy arrays plus a
Python-int ``step``), and ``state_dict()`` names parameters by their integer position across all
groups, so a checkpoint holds no object identities and no pickle — only arrays, numbers and lists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from autograd import Tensor, enable_grad, no_grad

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]]

_required = object()  # marks a hyper-parameter that has no default (SGD's lr in PyTorch)


class Optimizer:
    """Base class: ``Optimizer(params, defaults)``.

    ``params`` is an iterable of tensors, or of dicts (param groups) such as
    ``[{"params": body.parameters()}, {"params": head.parameters(), "lr": 1e-3}]``; a group's
    missing hyper-parameters are taken from ``defaults``.
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.state: dict[Tensor, dict[str, Any]] = {}  # Tensor hashes by identity
        self.param_groups: list[dict[str, Any]] = []
        self._scratch: dict[tuple, np.ndarray] = {}  # reusable work arrays (not state)
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params must be an iterable of tensors or of dicts, "
                "got a single Tensor (wrap it in a list)"
            )
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        return "\n".join(lines) + "\n)"

    # --- groups ---------------------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group: ``{"params": tensors, **hyper-parameters}``; missing ones take defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(f"add_param_group: expected a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{type(self).__name__}: can only optimize Tensors, got {type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError(f"{type(self).__name__}: can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is _required and name not in group:
                raise ValueError(
                    f"{type(self).__name__}: parameter group didn't specify a value of "
                    f"required optimization parameter {name!r}"
                )
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in group["params"]) or len(
            {id(p) for p in group["params"]}
        ) != len(group["params"]):
            raise ValueError(
                f"{type(self).__name__}: some parameters appear in more than one parameter group "
                "(or twice in one)"
            )
        self.param_groups.append(group)

    # --- gradients ------------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (default, cheapest) or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                elif p.grad.requires_grad:  # a graph-carrying grad: don't write into the graph
                    p.grad = Tensor(np.zeros_like(p.grad.data))
                else:
                    with no_grad():
                        p.grad.zero_()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient. ``closure`` (optional) re-evaluates the
        model and returns the loss; it runs with grad mode on and its loss is returned."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():  # updates change parameters in place (p.add_), counted, not recorded
            for group in self.param_groups:
                self._update_group(group)
        return loss

    def _update_group(self, group: dict[str, Any]) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    def _grads(self, group: dict[str, Any]) -> Iterator[tuple[Tensor, np.ndarray, dict]]:
        """(param, gradient array, its state dict) for each parameter of ``group`` with a grad."""
        state = self.state
        for p in group["params"]:
            g = p.grad
            if g is None:
                continue
            if g.data.shape != p.data.shape:
                raise ValueError(
                    f"{type(self).__name__}: gradient of shape {g.data.shape} does not match its "
                    f"parameter of shape {p.data.shape}"
                )
            st = state.get(p)
            if st is None:
                st = state[p] = {}
            yield p, g.data, st

    def _buffer(self, like: np.ndarray, slot: int = 0) -> np.ndarray:
        """A scratch array shaped like ``like``, reused across steps (contents undefined)."""
        key = (like.shape, like.dtype, slot)
        buf = self._scratch.get(key)
        if buf is None:
            buf = self._scratch[key] = np.empty_like(like)
        return buf

    def _effective_grad(
        self, w: np.ndarray, g: np.ndarray, wd: float, maximize: bool
    ) -> np.ndarray:
        """The gradient to step along: ``(-g if maximize else g) + wd * w`` (L2 weight decay),
        written into scratch slot 0 only when it differs from ``g``; ``g`` itself is never
        modified (the user may still read ``p.grad`` after the step)."""
        if wd != 0.0:
            t = np.multiply(w, wd, out=self._buffer(w, 0))
            return np.subtract(t, g, out=t) if maximize else np.add(t, g, out=t)
        if maximize:
            return np.negative(g, out=self._buffer(w, 0))
        return g

    # --- state_dict -----------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {name: array or number}}, "param_groups": [{..., "params":
        [index, ...]}]}``: parameters are numbered by position across groups (PyTorch's shape).
        Arrays are copies, so the snapshot stays valid while training continues."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                st = self.state.get(p)
                if st:
                    state[index[id(p)]] = {
                        k: v.copy() if isinstance(v, np.ndarray) else v for k, v in st.items()
                    }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()``'s output (possibly read back from a checkpoint) into this
        optimizer, which must have the same group structure. Arrays are copied and cast to
        their parameter's dtype; hyper-parameters come from the saved groups."""
        name = type(self).__name__
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the saved state has {len(saved_groups)} parameter "
                f"groups, this optimizer has {len(self.param_groups)}"
            )
        by_index: dict[int, Tensor] = {}
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {i} has {len(group['params'])} "
                    f"parameters, the saved group has {len(saved['params'])}"
                )
            for idx, p in zip(saved["params"], group["params"]):
                by_index[int(idx)] = p
        new_state: dict[Tensor, dict[str, Any]] = {}
        for key, st in state_dict["state"].items():
            p = by_index.get(int(key))
            if p is None:
                raise ValueError(f"{name}.load_state_dict: state for unknown parameter {key}")
            restored = {}
            for k, v in st.items():
                if isinstance(v, Tensor):
                    v = v.data
                if isinstance(v, np.ndarray):
                    if v.shape != p.data.shape and v.ndim > 0:
                        raise ValueError(
                            f"{name}.load_state_dict: state {k!r} of parameter {key} has shape "
                            f"{v.shape}, the parameter has shape {p.data.shape}"
                        )
                    dtype = p.data.dtype if v.dtype.kind == "f" else v.dtype
                    v = np.array(v, dtype=dtype, copy=True)
                    if v.ndim == 0:
                        v = v.item()
                restored[k] = v
            new_state[p] = restored
        self.state = new_state
        for group, saved in zip(self.param_groups, saved_groups):
            for k, v in saved.items():
                if k != "params":
                    group[k] = tuple(v) if isinstance(v, list) and k == "betas" else v


def _check(cond: bool, message: str) -> None:
    if not cond:
        raise ValueError(message)


def _check_impl_flags(
    name: str,
    *,
    foreach: bool | None = None,
    capturable: bool = False,
    differentiable: bool = False,
    fused: bool | None = None,
) -> None:
    """PyTorch's implementation switches, accepted so its calls run unchanged. ``foreach`` (either
    way) and ``fused=False`` are no-ops: every step here is one NumPy pass on the CPU. The others
    promise something this engine does not do (a fused kernel, CUDA-graph capture, a step
    recorded for autograd), so they are refused rather than ignored."""
    for flag, value in (("capturable", capturable), ("differentiable", differentiable)):
        if value:
            raise NotImplementedError(f"{name}: {flag}={value!r} is not supported")
    if fused:
        raise NotImplementedError(f"{name}: fused={fused!r} is not supported")
