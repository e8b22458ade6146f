"""Proof of gradients: every registered gate through float64 central-difference checks.

- every spec in ``autograd.testing.SPECS`` through ``gradcheck`` (and ``gradgradcheck`` when the
  spec is ``twice``) on hypothesis-generated inputs;
- coverage: every gate in ``GATES`` has a spec, and some spec really records it;
- gradients keep their input's shape and dtype under every broadcast;
- gradcheck and gradgradcheck catch deliberately wrong rules, and say where;
- fused gates agree with the compositions they replace, in value and gradient.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample
from hypothesis.extra import numpy as hnp

import autograd as ag
import autograd.testing  # noqa: F401  (registers every spec module)
from autograd.backward import topological_order
from autograd.gates._common import record
from autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck
from autograd.graph import GATES, Gate
from autograd.testing import SPECS, GateSpec, broadcastable_shapes, kink_free, reals, tensors

TWICE = [s for s in SPECS if s.twice]


def _leaves(arrays: tuple) -> list[ag.Tensor]:
    return [ag.Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]


def _bind(spec: GateSpec, kwargs: dict) -> Any:
    return lambda *xs: spec.fn(*xs, **kwargs)


def _outputs(out: Any) -> list[ag.Tensor]:
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _gate_names(outs: list[ag.Tensor]) -> set[str]:
    return {node.gate.name for node in topological_order([o for o in outs if o.requires_grad])}


# --- every gate, first and second derivatives ---------------------------------------------------


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
@given(data=st.data())
def test_gradcheck(spec: GateSpec, data: st.DataObject) -> None:
    arrays, kwargs = data.draw(spec.inputs, label="inputs")
    xs = _leaves(arrays)
    gradcheck(_bind(spec, kwargs), xs, eps=spec.eps, atol=spec.atol, rtol=spec.rtol)


@pytest.mark.parametrize("spec", TWICE, ids=lambda s: s.name)
@given(data=st.data())
def test_gradgradcheck(spec: GateSpec, data: st.DataObject) -> None:
    arrays, kwargs = data.draw(spec.inputs, label="inputs")
    xs = _leaves(arrays)
    gradgradcheck(_bind(spec, kwargs), xs, eps=spec.eps, atol=spec.atol, rtol=spec.rtol)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
@given(data=st.data())
def test_backward_grad_shapes_and_dtypes(spec: GateSpec, data: st.DataObject) -> None:
    """backward() leaves in every input's .grad a float64 array of exactly its shape."""
    arrays, kwargs = data.draw(spec.inputs, label="inputs")
    xs = _leaves(arrays)
    outs = [o for o in _outputs(spec.fn(*xs, **kwargs)) if o.requires_grad]
    if not outs:
        return
    total = sum((o * np.linspace(-1, 1, o.numel()).reshape(o.shape)).sum() for o in outs)
    total.backward()
    for i, x in enumerate(xs):
        assert x.grad is not None, f"input {i} received no gradient"
        assert x.grad.shape == x.shape, f"input {i}: grad {x.grad.shape} != input {x.shape}"
        assert x.grad.dtype == np.float64, f"input {i}: grad dtype {x.grad.dtype}"


def test_every_gate_has_a_spec_that_records_it() -> None:
    """A gate without samples fails here; so does a spec that never reaches its gate."""
    by_gate: dict[str, list[GateSpec]] = {}
    for s in SPECS:
        by_gate.setdefault(s.gate, []).append(s)
    missing = sorted(set(GATES) - set(by_gate))
    assert not missing, f"gates with no spec in autograd.testing: {missing}"
    unknown = sorted(set(by_gate) - set(GATES))
    assert not unknown, f"specs name gates that are not registered: {unknown}"

    def records(spec: GateSpec, example: tuple) -> bool:
        arrays, kwargs = example
        out = spec.fn(*_leaves(arrays), **kwargs)
        return spec.gate in _gate_names(_outputs(out))

    # generate only: a hit ends the search at once, with no shrinking
    quick = settings(max_examples=30, database=None, derandomize=True, phases=[Phase.generate])
    for gate_name, specs in sorted(by_gate.items()):
        for s in specs:
            try:
                find(s.inputs, lambda ex, s=s: records(s, ex), settings=quick)
                break
            except NoSuchExample:
                continue
        else:
            pytest.fail(f"no spec of gate {gate_name!r} ever records it: {[s.name for s in specs]}")


# --- broadcasting --------------------------------------------------------------------------------

BINARY = {
    "add": ag.add,
    "sub": ag.sub,
    "mul": ag.mul,
    "div": ag.div,
    "pow": ag.pow,
    "maximum": ag.maximum,
    "minimum": ag.minimum,
}


@pytest.mark.parametrize("op", BINARY, ids=str)
@given(shapes=broadcastable_shapes(2, max_dims=4), data=st.data())
def test_grad_shape_matches_input_under_broadcast(
    op: str, shapes: tuple, data: st.DataObject
) -> None:
    a = ag.tensor(
        data.draw(tensors(shapes[0], elements=kink_free(offset=0.5))) + 5.0, requires_grad=True
    )
    b = ag.tensor(
        data.draw(tensors(shapes[1], elements=kink_free(offset=0.25))), requires_grad=True
    )
    out = BINARY[op](a, b)
    assert out.shape == np.broadcast_shapes(a.shape, b.shape)
    out.backward(np.ones(out.shape))
    assert a.grad.shape == a.shape and b.grad.shape == b.shape


@given(shapes=broadcastable_shapes(3, max_dims=4), data=st.data())
def test_where_grad_shapes_under_broadcast(shapes: tuple, data: st.DataObject) -> None:
    cond = data.draw(hnp.arrays(np.bool_, shapes[0]))
    x = ag.tensor(data.draw(tensors(shapes[1])), requires_grad=True)
    y = ag.tensor(data.draw(tensors(shapes[2])), requires_grad=True)
    out = ag.where(cond, x, y)
    out.backward(np.ones(out.shape))
    assert x.grad.shape == x.shape and y.grad.shape == y.shape
    # each output position's gradient went to exactly one branch
    total = x.grad.data.sum() + y.grad.data.sum()
    assert total == pytest.approx(out.numel())


# --- gradcheck catches wrong rules ---------------------------------------------------------------


@pytest.fixture
def throwaway_gate() -> Iterator[Any]:
    """Register gates under unique names and remove them afterwards (``GATES`` is global)."""
    made: list[str] = []

    def make(rule: Any) -> Gate:
        name = f"test-broken-{len(made)}-{id(made):x}"
        made.append(name)
        return Gate(name, "deliberately wrong, for testing gradcheck", rule)

    yield make
    for name in made:
        GATES.pop(name, None)


def test_gradcheck_catches_a_wrong_rule_and_names_input_and_element(throwaway_gate: Any) -> None:
    # mul whose rule forgets to swap for the second input: b receives g * b instead of g * a
    bad = throwaway_gate(lambda node, g: (g * node.inputs[1], g * node.inputs[1]))

    def bad_mul(a: ag.Tensor, b: ag.Tensor) -> ag.Tensor:
        return record(bad, a.data * b.data, (a, b))

    a = ag.tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    b = ag.tensor(np.array([[1.0, 2.0], [5.0, 4.0]]), requires_grad=True)  # b == a except at (1, 0)
    with pytest.raises(GradcheckError) as err:
        gradcheck(bad_mul, [a, b])
    message = str(err.value)
    assert "input 1" in message and "(1, 0)" in message, message
    assert "analytic" in message and "numeric" in message
    assert gradcheck(bad_mul, [a, b], raise_exception=False) is False
    # the inputs are left exactly as they were
    np.testing.assert_array_equal(b.data, [[1.0, 2.0], [5.0, 4.0]])
    # a correct gate passes the same check
    assert gradcheck(ag.mul, [a, b])


def test_gradgradcheck_catches_a_rule_that_is_not_differentiable(throwaway_gate: Any) -> None:
    # the right first derivative of x^3, computed on raw arrays: nothing is recorded for the
    # second pass, so gradients of gradients come out wrong (0)
    cube = throwaway_gate(lambda node, g: (ag.Tensor(g.data * 3 * node.inputs[0].data ** 2),))

    def bad_cube(x: ag.Tensor) -> ag.Tensor:
        return record(cube, x.data**3, (x,))

    x = ag.tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    assert gradcheck(bad_cube, [x])
    with pytest.raises(GradcheckError, match="input 0"):
        gradgradcheck(bad_cube, [x])


def test_gradgradcheck_catches_a_rule_detached_from_its_upstream_gradient(
    throwaway_gate: Any,
) -> None:
    # relu whose rule drops g's graph: first derivatives are right, and the derivative with
    # respect to x of g * mask is 0 either way; only the dependence on g is lost
    leaky = throwaway_gate(lambda node, g: (ag.Tensor(g.data * (node.inputs[0].data > 0)),))

    def bad_relu(x: ag.Tensor) -> ag.Tensor:
        return record(leaky, np.maximum(x.data, 0), (x,))

    x = ag.tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    assert gradcheck(bad_relu, [x])
    with pytest.raises(GradcheckError, match="grad_output"):
        gradgradcheck(bad_relu, [x])
    assert gradgradcheck(ag.relu, [x])


def test_gradcheck_handles_noncontiguous_and_readonly_inputs() -> None:
    base = np.arange(12.0).reshape(3, 4) / 7
    x = ag.tensor(base.T, requires_grad=True)  # a transposed view: not C-contiguous
    assert gradcheck(lambda t: t * t, [x])
    np.testing.assert_array_equal(x.data, base.T)
    y = ag.tensor(np.broadcast_to(np.array([0.5, 1.5]), (3, 2)), requires_grad=True)  # read-only
    assert gradcheck(lambda t: t.exp(), [y])


def test_gradcheck_rejects_float32_inputs() -> None:
    with pytest.raises(TypeError, match="float64"):
        gradcheck(ag.exp, [ag.tensor([1.0, 2.0], requires_grad=True)])


# --- fused gates agree with their compositions ---------------------------------------------------


def _value_and_grad(fn: Any, x: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = ag.tensor(x, requires_grad=True)
    out = fn(t)
    out.backward(g)
    return out.data, t.grad.data


FUSED = {
    "log_softmax": (
        lambda x, axis: ag.log_softmax(x, axis),
        lambda x, axis: x - ag.logsumexp(x, axis, keepdims=True),
    ),
    "softmax": (
        lambda x, axis: ag.softmax(x, axis),
        lambda x, axis: ag.exp(x) / ag.exp(x).sum(axis, keepdims=True),
    ),
    "logsumexp": (
        lambda x, axis: ag.logsumexp(x, axis),
        lambda x, axis: ag.log(ag.exp(x).sum(axis)),
    ),
    "sigmoid": (lambda x, axis: ag.sigmoid(x), lambda x, axis: 1.0 / (1.0 + ag.exp(-x))),
}


@pytest.mark.parametrize("name", FUSED, ids=str)
@given(data=st.data())
def test_fused_gate_matches_composition(name: str, data: st.DataObject) -> None:
    x = data.draw(tensors(st.sampled_from([(4,), (2, 3), (2, 1, 3)]), elements=reals(-5, 5)))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    fused, composed = FUSED[name]
    out_shape = np.asarray(fused(ag.tensor(x), axis).data).shape
    g = data.draw(tensors(out_shape))
    v1, g1 = _value_and_grad(lambda t: fused(t, axis), x, g)
    v2, g2 = _value_and_grad(lambda t: composed(t, axis), x, g)
    np.testing.assert_allclose(v1, v2, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["log_softmax", "softmax", "logsumexp"], ids=str)
def test_fused_gates_stay_finite_for_huge_logits(name: str) -> None:
    # the composition overflows here; the fused gate must not (and must be exact)
    x = np.array([[1e4, 0.0, -1e4], [1e4, 1e4, 1e4]])
    value, grad_ = _value_and_grad(
        lambda t: FUSED[name][0](t, -1), x, np.ones((2,) if name == "logsumexp" else (2, 3))
    )
    assert np.isfinite(value).all() and np.isfinite(grad_).all()
    shifted = x - x.max(-1, keepdims=True)
    lse = np.log(np.exp(shifted).sum(-1, keepdims=True)) + x.max(-1, keepdims=True)
    expected = {"log_softmax": x - lse, "softmax": np.exp(x - lse), "logsumexp": lse[:, 0]}[name]
    np.testing.assert_allclose(value, expected, rtol=1e-12)


def test_sigmoid_is_stable_at_extremes() -> None:
    value, grad_ = _value_and_grad(ag.sigmoid, np.array([-800.0, 0.0, 800.0]), np.ones(3))
    np.testing.assert_allclose(value, [0.0, 0.5, 1.0])
    np.testing.assert_allclose(grad_, [0.0, 0.25, 0.0])


# --- cast ----------------------------------------------------------------------------------------


def test_cast_to_its_own_dtype_is_the_identity() -> None:
    x = ag.tensor(np.array([1.5, -2.0]), requires_grad=True)
    assert ag.cast(x, np.float64) is x


def test_cast_float32_round_trip_gradients_keep_each_dtype() -> None:
    x = ag.tensor(np.array([0.1, -2.5, 3.0]), requires_grad=True)  # float64
    y = ag.cast(x, np.float32)
    assert y.dtype == np.float32 and y.grad_fn.name == "cast"
    z = ag.cast(y * y, np.float64)
    z.backward(np.ones(3))
    assert x.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad.data, 2 * x.data, rtol=1e-6)

    w = ag.tensor(np.array([0.5, 4.0], dtype=np.float32), requires_grad=True)
    (ag.cast(w, np.float64) * 3.0).sum().backward()
    assert w.grad.dtype == np.float32
    np.testing.assert_array_equal(w.grad.data, np.float32([3.0, 3.0]))


def test_cast_to_integer_carries_no_gradient() -> None:
    x = ag.tensor(np.array([1.7, -2.2]), requires_grad=True)
    i = ag.cast(x, np.int64)
    assert i.dtype == np.int64 and not i.requires_grad
    np.testing.assert_array_equal(i.data, [1, -2])
