"""RMSprop (Hinton, Coursera lecture 6e), with PyTorch's centered and momentum options.

With gradient g (weight decay wd as L2):

    v   <- alpha * v + (1 - alpha) * g^2
    gm  <- alpha * gm + (1 - alpha) * g           (centered only)
    den <- sqrt(v - gm^2) + eps   if centered   else   sqrt(v) + eps
    buf <- momentum * buf + g / den;  p <- p - lr * buf     (momentum > 0)
    p   <- p - lr * g / den                                  (otherwise)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamsT, _check, _check_impl_flags


class RMSprop(Optimizer):
    """RMSprop: divide the step by a running root-mean-square of recent gradients."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        # PyTorch's order: these four are positional too
        _check_impl_flags(
            "RMSprop", foreach=foreach, capturable=capturable, differentiable=differentiable
        )
        _check(lr >= 0.0, f"RMSprop: invalid learning rate {lr}")
        _check(alpha >= 0.0, f"RMSprop: invalid alpha {alpha}")
        _check(eps >= 0.0, f"RMSprop: invalid epsilon {eps}")
        _check(momentum >= 0.0, f"RMSprop: invalid momentum {momentum}")
        _check(weight_decay >= 0.0, f"RMSprop: invalid weight_decay {weight_decay}")
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        alpha = float(group["alpha"])
        eps = float(group["eps"])
        wd = float(group["weight_decay"])
        mu = float(group["momentum"])
        centered = group["centered"]
        for p, g, st in self._grads(group):
            w = p.data
            g = self._effective_grad(w, g, wd, group["maximize"])
            if not st:
                st["step"] = 0
                st["square_avg"] = np.zeros_like(w)
                if mu > 0.0:
                    st["momentum_buffer"] = np.zeros_like(w)
                if centered:
                    st["grad_avg"] = np.zeros_like(w)
            st["step"] += 1
            v = st["square_avg"]
            tmp = self._buffer(w, 1)
            v *= alpha
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - alpha
            v += tmp  # v <- alpha v + (1 - alpha) g^2
            if centered:
                gm = st["grad_avg"]
                gm *= alpha
                gm += np.multiply(g, 1.0 - alpha, out=tmp)
                np.multiply(gm, gm, out=tmp)
                np.subtract(v, tmp, out=tmp)
                den = np.sqrt(tmp, out=tmp)
            else:
                den = np.sqrt(v, out=tmp)
            den += eps
            step = np.divide(g, den, out=tmp)  # g / den
            if mu > 0.0:
                buf = st["momentum_buffer"]
                buf *= mu
                buf += step
                step = np.multiply(buf, -lr, out=tmp)
            else:
                step *= -lr
            p.add_(step)
