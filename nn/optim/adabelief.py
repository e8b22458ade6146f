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

import numpy as np

from .adam import Adam
from .optimizer import ParamsT


class AdaBelief(Adam):
    """AdaBelief; defaults follow the authors' PyTorch package (``eps=1e-16``). The step is
    Adam's; only the second moment differs (the belief (g - m)^2 instead of g^2)."""

    _second = "exp_avg_var"

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
        super().__init__(
            params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )  # fmt: skip

    def _update_second_moment(
        self, s: np.ndarray, g: np.ndarray, m: np.ndarray, tmp: np.ndarray, b2: float, eps: float
    ) -> None:
        """s <- b2 s + (1 - b2) (g - m)^2 + eps, in place (m is this step's first moment)."""
        np.subtract(g, m, out=tmp)
        np.multiply(tmp, tmp, out=tmp)
        tmp *= 1.0 - b2
        s *= b2
        s += tmp
        s += eps
