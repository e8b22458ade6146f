"""Adagrad (Duchi, Hazan & Singer 2011): per-coordinate steps shrink with the accumulated
squared gradient.

With gradient g at step t (weight decay wd as L2, learning-rate decay lr_decay):

    clr <- lr / (1 + (t - 1) * lr_decay)
    G   <- G + g^2                     (G starts at initial_accumulator_value)
    p   <- p - clr * g / (sqrt(G) + eps)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamsT, _check, _check_impl_flags


class Adagrad(Optimizer):
    """Adagrad with PyTorch's options (``lr_decay``, ``initial_accumulator_value``)."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _check_impl_flags("Adagrad", foreach=foreach, differentiable=differentiable, fused=fused)
        _check(lr >= 0.0, f"Adagrad: invalid learning rate {lr}")
        _check(lr_decay >= 0.0, f"Adagrad: invalid lr_decay {lr_decay}")
        _check(weight_decay >= 0.0, f"Adagrad: invalid weight_decay {weight_decay}")
        _check(
            initial_accumulator_value >= 0.0,
            f"Adagrad: invalid initial_accumulator_value {initial_accumulator_value}",
        )
        _check(eps >= 0.0, f"Adagrad: invalid epsilon {eps}")
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        lr_decay = float(group["lr_decay"])
        wd = float(group["weight_decay"])
        eps = float(group["eps"])
        for p, g, st in self._grads(group):
            w = p.data
            g = self._effective_grad(w, g, wd, group["maximize"])
            if not st:
                st["step"] = 0
                st["sum"] = np.full_like(w, group["initial_accumulator_value"])
            st["step"] = t = st["step"] + 1
            clr = lr / (1.0 + (t - 1) * lr_decay)
            acc = st["sum"]
            tmp = self._buffer(w, 1)
            acc += np.multiply(g, g, out=tmp)  # G <- G + g^2
            std = np.sqrt(acc, out=tmp)
            std += eps
            np.divide(g, std, out=tmp)
            tmp *= -clr
            p.add_(tmp)  # in place under no_grad: bumps p's version, as PyTorch's p.add_ does
