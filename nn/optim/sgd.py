"""SGD with momentum, dampening, Nesterov momentum and L2 weight decay (PyTorch's formulation).

With gradient g, weight decay wd, momentum mu, dampening tau, learning rate lr:

    g   <- g + wd * p                       (weight decay: an L2 penalty's gradient)
    buf <- g                                (first step)
    buf <- mu * buf + (1 - tau) * g         (later steps)
    d   <- g + mu * buf   if nesterov   else   buf
    p   <- p - lr * d
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamsT, _check, _check_impl_flags


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (Sutskever et al. 2013 for Nesterov).

    >>> opt = SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _check_impl_flags("SGD", foreach=foreach, differentiable=differentiable, fused=fused)
        _check(lr >= 0.0, f"SGD: invalid learning rate {lr}")
        _check(momentum >= 0.0, f"SGD: invalid momentum {momentum}")
        _check(weight_decay >= 0.0, f"SGD: invalid weight_decay {weight_decay}")
        _check(
            not nesterov or (momentum > 0 and dampening == 0),
            "SGD: Nesterov momentum requires a momentum and zero dampening",
        )
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        mu = float(group["momentum"])
        tau = float(group["dampening"])
        wd = float(group["weight_decay"])
        nesterov = group["nesterov"]
        maximize = group["maximize"]
        for p, g, st in self._grads(group):
            w = p.data
            d = self._effective_grad(w, g, wd, maximize)
            if mu != 0.0:
                buf = st.get("momentum_buffer")
                if buf is None:
                    buf = st["momentum_buffer"] = np.array(d, dtype=w.dtype, copy=True)
                else:
                    buf *= mu  # buf <- mu * buf + (1 - tau) * d
                    buf += d if tau == 0.0 else np.multiply(d, 1.0 - tau, out=self._buffer(w, 1))
                if nesterov:
                    t = np.multiply(buf, mu, out=self._buffer(w, 1))
                    t += d  # d <- d + mu * buf
                    d = t
                else:
                    d = buf
            p.add_(np.multiply(d, -lr, out=self._buffer(w, 1)))  # p <- p - lr * d
