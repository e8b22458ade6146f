"""Adam (Kingma & Ba 2015), its AMSGrad variant (Reddi et al. 2018) and AdamW (Loshchilov &
Hutter 2019: weight decay decoupled from the gradient).

With gradient g at step t (weight decay wd applied as L2 for Adam, decoupled for AdamW and for
``Adam(..., decoupled_weight_decay=True)``, which is AdamW, as in PyTorch 2.x):

    m  <- b1 * m + (1 - b1) * g
    v  <- b2 * v + (1 - b2) * g^2
    v' <- max(v', v)  if amsgrad  else  v
    p  <- p - lr / (1 - b1^t) * m / (sqrt(v') / sqrt(1 - b2^t) + eps)
    decoupled decay first shrinks: p <- p * (1 - lr * wd)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamsT, _check, _check_impl_flags


class Adam(Optimizer):
    """Adam; ``weight_decay`` adds ``wd * p`` to the gradient (L2), as in PyTorch's Adam, or with
    ``decoupled_weight_decay=True`` shrinks ``p`` by ``1 - lr * wd`` first (AdamW)."""

    _second = "exp_avg_sq"  # state key of the second moment (PyTorch's name)

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        name = type(self).__name__
        _check_impl_flags(
            name, foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused
        )
        _check(lr >= 0.0, f"{name}: invalid learning rate {lr}")
        _check(eps >= 0.0, f"{name}: invalid epsilon {eps}")
        _check(0.0 <= betas[0] < 1.0, f"{name}: invalid beta1 {betas[0]} (needs 0 <= beta1 < 1)")
        _check(0.0 <= betas[1] < 1.0, f"{name}: invalid beta2 {betas[1]} (needs 0 <= beta2 < 1)")
        _check(weight_decay >= 0.0, f"{name}: invalid weight_decay {weight_decay}")
        defaults = dict(
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _is_decoupled(self, group: dict[str, Any]) -> bool:
        # a group restored from a checkpoint written before the option existed keeps the default
        return bool(group.get("decoupled_weight_decay", False))

    def _update_second_moment(
        self, s: np.ndarray, g: np.ndarray, m: np.ndarray, tmp: np.ndarray, b2: float, eps: float
    ) -> None:
        """v <- b2 v + (1 - b2) g^2, in place (``tmp`` is scratch)."""
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - b2
        s *= b2
        s += tmp

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        b1, b2 = (float(b) for b in group["betas"])
        eps = float(group["eps"])
        wd = float(group["weight_decay"])
        amsgrad = group["amsgrad"]
        decoupled = self._is_decoupled(group)
        second, second_max = self._second, "max_" + self._second
        for p, g, st in self._grads(group):
            w = p.data
            if decoupled:
                g = self._effective_grad(w, g, 0.0, group["maximize"])
                if wd != 0.0:
                    p.mul_(1.0 - lr * wd)  # decoupled decay
            else:
                g = self._effective_grad(w, g, wd, group["maximize"])
            if not st:
                st["step"] = 0
                st["exp_avg"] = np.zeros_like(w)
                st[second] = np.zeros_like(w)
                if amsgrad:
                    st[second_max] = np.zeros_like(w)
            st["step"] = t = st["step"] + 1
            m, v = st["exp_avg"], st[second]
            tmp = self._buffer(w, 1)
            m *= b1
            m += np.multiply(g, 1.0 - b1, out=tmp)  # m <- b1 m + (1 - b1) g
            self._update_second_moment(v, g, m, tmp, b2, eps)
            if amsgrad:
                vmax = st[second_max]
                np.maximum(vmax, v, out=vmax)
                v = vmax
            # Kingma & Ba's efficient ordering (section 2), exact with eps scaled alike:
            # m_hat / (sqrt(v_hat) + eps) = c2 / bc1 * m / (sqrt(v) + eps * c2)
            c2 = math.sqrt(1.0 - b2**t)
            denom = np.sqrt(v, out=tmp)
            denom += eps * c2
            np.divide(m, denom, out=tmp)
            tmp *= -lr * c2 / (1.0 - b1**t)
            p.add_(tmp)  # in place under no_grad: bumps p's version, as PyTorch's p.add_ does


class AdamW(Adam):
    """Adam with decoupled weight decay: ``p <- p * (1 - lr * wd)`` before the Adam step
    (Loshchilov & Hutter 2019). Default ``weight_decay=1e-2`` as in PyTorch."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
            capturable=capturable, differentiable=differentiable, fused=fused,
            decoupled_weight_decay=True,
        )  # fmt: skip
