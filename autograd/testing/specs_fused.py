"""Sample specs for the fused gates that replace a composition on a hot path: batch
normalisation (``autograd/gates/neural.py``) and the LSTM (``autograd/gates/recurrent.py``).

Batch-norm inputs are drawn without repeats from a grid, so every channel has a spread that a
finite-difference step cannot disturb (a near-constant channel divides by sqrt(eps)).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from .. import gates as ag
from ..tensor import Tensor
from .registry import register
from .strategies import kink_free, reals, tensors


@st.composite
def _batch_norm_inputs(draw: st.DrawFn) -> tuple:
    n, c = draw(st.integers(2, 3)), draw(st.integers(1, 2))
    spatial = tuple(draw(st.lists(st.integers(1, 2), max_size=2)))
    x = draw(tensors((n, c, *spatial), elements=kink_free(1 / 8, bound=2.0), unique=True))
    arrays: tuple = (x,)
    kwargs: dict[str, Any] = {}
    affine = draw(st.sampled_from(["both", "weight", "bias", "none"]))
    if affine in ("both", "weight"):
        arrays += (draw(tensors((c,), elements=reals(-2.0, 2.0))),)
    if affine in ("both", "bias"):
        arrays += (draw(tensors((c,), elements=reals(-2.0, 2.0))),)
    kwargs["affine"] = affine
    return arrays, kwargs


def _batch_norm(x: Tensor, *params: Tensor, affine: str) -> Tensor:
    w = params[0] if affine in ("both", "weight") else None
    b = params[-1] if affine in ("both", "bias") else None
    return ag.batch_norm_train(x, w, b)[0]


register("batch_norm", _batch_norm, _batch_norm_inputs())


@st.composite
def _lstm_inputs(draw: st.DrawFn) -> tuple:
    t_len, b = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    n_in, h = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    r = reals(-1.0, 1.0)
    arrays: tuple = (
        draw(tensors((t_len, b, n_in), elements=r)),
        draw(tensors((4 * h, n_in), elements=r)),
        draw(tensors((4 * h, h), elements=r)),
    )
    optional = draw(st.sampled_from(["bias", "states", "both", "none"]))
    if optional in ("bias", "both"):
        arrays += (draw(tensors((4 * h,), elements=r)), draw(tensors((4 * h,), elements=r)))
    if optional in ("states", "both"):
        arrays += (draw(tensors((b, h), elements=r)), draw(tensors((b, h), elements=r)))
    return arrays, {"optional": optional}


def _lstm(x: Tensor, w_ih: Tensor, w_hh: Tensor, *rest: Tensor, optional: str) -> Tensor:
    rest_list = list(rest)
    biases = (rest_list.pop(0), rest_list.pop(0)) if optional in ("bias", "both") else (None, None)
    states = (
        (rest_list.pop(0), rest_list.pop(0)) if optional in ("states", "both") else (None, None)
    )
    return ag.lstm_states(x, w_ih, w_hh, *biases, *states)


register("lstm_states", _lstm, _lstm_inputs())
