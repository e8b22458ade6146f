"""AdaBelief (Zhuang et al. 2020, "AdaBelief Optimizer: Adapting Stepsizes by the Belief in
Observed Gradients", Algorithm 2): Adam whose second moment tracks how far the gradient strays
from its prediction m_t, so steps are large where the gradient is predictable.

With gradient g at step t:

    m   <- b1 * m + (1 - b1) * g
    s   <- b2 * s + (1 - b2) * (g - m)^2 + eps
    s'  <- max(s', s)  if amsgrad  else  s
    p   <- p - lr / (1 - b1^t) * m / (sqrt(s') / sqrt(1 - b2^t) + eps)

Weight decay is decoupled by default (``p <- p * (1 - lr * wd)`` first, as the authors'
``weight_decouple=True``); ``decoupled_weight_decay=False`` adds ``wd * p`` to g instead.
The rectification (RAdam-style) option of the authors' package is not implemented.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamsT, _check


class AdaBelief(Optimizer):
    """AdaBelief; defaults follow the authors' PyTorch package (``eps=1e-16``)."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-16,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        decoupled_weight_decay: bool = True,
        maximize: bool = False,
    ) -> None:
        _check(lr >= 0.0, f"AdaBelief: invalid learning rate {lr}")
        _check(eps >= 0.0, f"AdaBelief: invalid epsilon {eps}")
        _check(0.0 <= betas[0] < 1.0, f"AdaBelief: invalid beta1 {betas[0]}")
        _check(0.0 <= betas[1] < 1.0, f"AdaBelief: invalid beta2 {betas[1]}")
        _check(weight_decay >= 0.0, f"AdaBelief: invalid weight_decay {weight_decay}")
        defaults = dict(
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        b1, b2 = (float(b) for b in group["betas"])
        eps = float(group["eps"])
        wd = float(group["weight_decay"])
        decoupled = group["decoupled_weight_decay"]
        for p, g, st in self._grads(group):
            w = p.data
            g = self._effective_grad(w, g, 0.0 if decoupled else wd, group["maximize"])
            if decoupled and wd != 0.0:
                w *= 1.0 - lr * wd
            if not st:
                st["step"] = 0
                st["exp_avg"] = np.zeros_like(w)
                st["exp_avg_var"] = np.zeros_like(w)
                if group["amsgrad"]:
                    st["max_exp_avg_var"] = np.zeros_like(w)
            st["step"] = t = st["step"] + 1
            m, s = st["exp_avg"], st["exp_avg_var"]
            tmp = self._buffer(w, 1)
            m *= b1
            m += np.multiply(g, 1.0 - b1, out=tmp)  # m <- b1 m + (1 - b1) g
            np.subtract(g, m, out=tmp)
            np.multiply(tmp, tmp, out=tmp)
            tmp *= 1.0 - b2
            s *= b2
            s += tmp
            s += eps  # s <- b2 s + (1 - b2) (g - m)^2 + eps
            if group["amsgrad"]:
                smax = st["max_exp_avg_var"]
                np.maximum(smax, s, out=smax)
                s = smax
            c2 = math.sqrt(1.0 - b2**t)  # as in Adam: m_hat / (sqrt(s_hat) + eps)
            denom = np.sqrt(s, out=tmp)  #   = c2 / bc1 * m / (sqrt(s) + eps * c2)
            denom += eps * c2
            np.divide(m, denom, out=tmp)
            tmp *= -lr * c2 / (1.0 - b1**t)
            w += tmp
