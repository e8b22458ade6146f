"""Random programs mixing in-place and out-of-place operations, views included.

Each program runs three ways: on the engine as written (in-place changes, views), on the engine
rewritten out of place (every variable is a set of positions in a functional "base" value; an
in-place change builds a new base with ``index_put``), and through the reference backward walk.
The written program must give the rewrite's loss and gradients, or raise ``ModifiedError``
(a saved value was changed) — never a third outcome. The reference walk and the fast walk agree.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
from autograd import ModifiedError

SHAPE = (2, 3)
UNARY = ["tanh", "sigmoid", "neg"]
IN_PLACE = ["add_", "sub_", "mul_", "tanh_", "sigmoid_", "neg_", "setitem"]


@st.composite
def programs(draw: st.DrawFn) -> list[tuple]:
    """Steps over a growing list of variables: 0 is ``x * 1`` (x the leaf), 1 a constant."""
    steps: list[tuple] = []
    shapes = [SHAPE, SHAPE]
    for _ in range(draw(st.integers(1, 8))):
        i = draw(st.integers(0, len(shapes) - 1))
        kind = draw(st.sampled_from(["unary", "binary", "view", "in_place", "in_place"]))
        if kind == "unary":
            steps.append(("unary", i, draw(st.sampled_from(UNARY))))
            shapes.append(shapes[i])
        elif kind == "binary":
            j = draw(st.sampled_from([k for k, s in enumerate(shapes) if s == shapes[i]]))
            steps.append(("binary", i, j, draw(st.sampled_from(["add", "mul"]))))
            shapes.append(shapes[i])
        elif kind == "view":
            if not shapes[i]:
                continue
            index = draw(hnp.basic_indices(shapes[i], allow_newaxis=False, allow_ellipsis=True))
            steps.append(("view", i, index))
            shapes.append(np.empty(shapes[i])[index].shape)
        else:
            op = draw(st.sampled_from(IN_PLACE))
            # the operand: a number, or a scalar computed from another variable
            j = draw(st.none() | st.integers(0, len(shapes) - 1))
            scale = draw(st.sampled_from([0.5, -1.5, 2.0]))
            steps.append(("in_place", i, op, j, scale))
    return steps


class Model:
    """The out-of-place rewrite: variables are positions into functional base values."""

    def __init__(self, x: ag.Tensor, constant: np.ndarray) -> None:
        flat = np.arange(x.numel()).reshape(x.shape)
        self.bases: list[ag.Tensor] = [x * 1.0, ag.tensor(constant)]
        self.vars: list[tuple[int, np.ndarray]] = [(0, flat), (1, flat)]

    def read(self, k: int) -> ag.Tensor:
        b, pos = self.vars[k]
        return self.bases[b].reshape(-1)[pos]

    def new(self, value: ag.Tensor) -> None:
        self.bases.append(value)
        self.vars.append((len(self.bases) - 1, np.arange(value.numel()).reshape(value.shape)))

    def write(self, k: int, value: ag.Tensor) -> None:
        b, pos = self.vars[k]
        base = self.bases[b]
        flat = ag.index_put(base.reshape(-1), value.reshape(-1), pos.reshape(-1))
        self.bases[b] = flat.reshape(base.shape)


def _operand(values: list, j: Any, scale: float) -> Any:
    return scale if j is None else values[j].sum() * scale


def _in_place_value(old: ag.Tensor, op: str, arg: Any) -> ag.Tensor:
    """What the in-place step computes, out of place."""
    if op in ("add_", "sub_", "mul_"):
        return {"add_": ag.add, "sub_": ag.sub, "mul_": ag.mul}[op](old, arg)
    if op == "setitem":
        return old * 0.0 + arg  # x[...] = arg, as a value
    return getattr(old, op[:-1])()


def run_written(x: ag.Tensor, constant: np.ndarray, steps: list[tuple]) -> ag.Tensor:
    values = [x * 1.0, ag.tensor(constant)]
    for step in steps:
        kind, i = step[0], step[1]
        if kind == "unary":
            values.append(getattr(values[i], step[2])())
        elif kind == "binary":
            values.append(getattr(ag, step[3])(values[i], values[step[2]]))
        elif kind == "view":
            values.append(values[i][step[2]])
        else:
            _, _, op, j, scale = step
            arg = _operand(values, j, scale)
            if op == "setitem":
                values[i][...] = arg
            elif op in ("add_", "sub_", "mul_"):
                getattr(values[i], op)(arg)
            else:
                getattr(values[i], op)()
    return _loss(values)


def run_rewritten(x: ag.Tensor, constant: np.ndarray, steps: list[tuple]) -> ag.Tensor:
    m = Model(x, constant)
    for step in steps:
        kind, i = step[0], step[1]
        if kind == "unary":
            m.new(getattr(m.read(i), step[2])())
        elif kind == "binary":
            m.new(getattr(ag, step[3])(m.read(i), m.read(step[2])))
        elif kind == "view":
            b, pos = m.vars[i]
            m.vars.append((b, pos[step[2]]))
        else:
            _, _, op, j, scale = step
            arg = scale if j is None else m.read(j).sum() * scale
            m.write(i, _in_place_value(m.read(i), op, arg))
    return _loss([m.read(k) for k in range(len(m.vars))])


def _loss(values: list) -> ag.Tensor:
    total = ag.tensor(0.0, dtype="float64")
    for k, v in enumerate(values):
        total = total + (v * (k + 1.0) / 7.0).sum()
    return total


def _leaf() -> tuple[ag.Tensor, np.ndarray]:
    x = ag.tensor(np.linspace(-0.9, 0.8, 6).reshape(SHAPE), requires_grad=True)
    return x, np.linspace(0.3, -0.4, 6).reshape(SHAPE)


@settings(max_examples=150, deadline=None)
@given(steps=programs())
def test_in_place_programs_match_their_out_of_place_rewrite_or_raise(steps):
    x, constant = _leaf()
    written = run_written(x, constant, steps)
    try:
        written.backward()
        outcome = "gradient"
    except ModifiedError:
        outcome = "refused"
    x2, _ = _leaf()
    expected = run_rewritten(x2, constant, steps)
    np.testing.assert_allclose(written.item(), expected.item(), rtol=1e-12, atol=1e-12)
    if outcome == "gradient":
        (want,) = ag.grad(expected, x2)
        np.testing.assert_allclose(x.grad.data, want.data, rtol=1e-10, atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(steps=programs())
def test_the_reference_walk_and_the_fast_walk_agree(steps):
    results = []
    for walk in ("fast", "reference"):
        x, constant = _leaf()
        loss = run_written(x, constant, steps)
        try:
            if walk == "fast":
                loss.backward()
            else:
                ag.backward_reference([loss], [ag.tensor(1.0, dtype="float64")])
        except ModifiedError as err:
            results.append(("refused", str(err).split(":")[0]))
            continue
        results.append(("gradient", x.grad.data.copy()))
    (kind_a, a), (kind_b, b) = results
    assert kind_a == kind_b
    if kind_a == "gradient":
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    # (when both refuse, they may name different gates: with two changed values on independent
    # branches, the walks' orders, newest first and reversed depth-first, meet either one first)
