"""Bad input: every error names the operation and the shapes or dtypes involved."""

import numpy as np
import pytest

import autograd as ag


def test_matmul_misaligned_shapes():
    a, b = ag.zeros(32, 784), ag.zeros(512, 256)
    with pytest.raises(
        ValueError,
        match=r"matmul: shapes \(32, 784\) and \(512, 256\) are not aligned \(784 != 512\)",
    ):
        a @ b


def test_matmul_batch_dims_that_do_not_broadcast():
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3, 4\) and \(5, 4, 2\).*batch"):
        ag.zeros(2, 3, 4) @ ag.zeros(5, 4, 2)


def test_matmul_of_a_scalar():
    with pytest.raises(ValueError, match="matmul: both operands need at least 1 dimension"):
        ag.matmul(ag.tensor(1.0), ag.zeros(2))


@pytest.mark.parametrize("op", [ag.add, ag.sub, ag.mul, ag.div, ag.maximum, ag.minimum, ag.pow])
def test_elementwise_shapes_that_do_not_broadcast(op):
    with pytest.raises(
        ValueError, match=rf"{op.__name__}: shapes \(2, 3\) and \(4,\) cannot be broadcast"
    ):
        op(ag.ones(2, 3), ag.ones(4))


def test_reshape_and_broadcast_to():
    with pytest.raises(
        ValueError,
        match=r"reshape: cannot reshape a tensor of shape \(2, 3\) \(6 elements\) into \(4,\)",
    ):
        ag.zeros(2, 3).reshape(4)
    with pytest.raises(ValueError, match=r"broadcast_to: cannot broadcast shape \(3,\) to \(4,\)"):
        ag.zeros(3).broadcast_to((4,))


def test_out_of_range_indices():
    x = ag.zeros(3, 2, requires_grad=True)
    with pytest.raises(IndexError, match=r"getitem: .*out of bounds.*\(3, 2\)"):
        x[5]
    with pytest.raises(IndexError, match=r"getitem: .*\(3, 2\)"):
        x[np.array([0, 7])]
    with pytest.raises(
        IndexError, match=r"embedding: index out of range \[0, 9\] for 4 embeddings"
    ):
        ag.embedding(np.array([0, 9]), ag.zeros(4, 2, requires_grad=True))


def test_axis_out_of_range():
    with pytest.raises(
        ValueError, match="sum: dimension 2 is out of range for a tensor with 2 dimensions"
    ):
        ag.zeros(2, 3).sum(axis=2)


def test_requires_grad_on_integers():
    with pytest.raises(TypeError, match="requires_grad: only floating-point tensors.*int64"):
        ag.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="int64"):
        ag.arange(3, requires_grad=True)


def test_concatenate_and_stack_mismatches():
    with pytest.raises(ValueError, match=r"concatenate: shapes \(2, 3\), \(2, 4\)"):
        ag.concatenate([ag.zeros(2, 3), ag.zeros(2, 4)], axis=0)
    with pytest.raises(
        ValueError, match=r"stack: all tensors must have the same shape, got \(2,\), \(3,\)"
    ):
        ag.stack([ag.zeros(2), ag.zeros(3)])


def test_softmax_of_integers():
    with pytest.raises(
        TypeError, match="log_softmax: expects a floating-point tensor, got dtype int64"
    ):
        ag.log_softmax(ag.arange(3))


def test_backward_without_requires_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.zeros(2).sum().backward()


def test_nan_only_where_numpy_itself_produces_it():
    x = ag.tensor([-1.0, 0.0, 4.0], requires_grad=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = ag.log(x)
    expected = np.array([np.nan, -np.inf, np.log(4.0)], dtype=np.float32)
    np.testing.assert_array_equal(y.data, expected)


def test_bad_axes_and_widths_name_the_operation():
    x = ag.zeros(3)
    for op, call in [
        ("softmax", lambda: ag.softmax(x, axis=2)),
        ("log_softmax", lambda: ag.log_softmax(x, axis=1)),
        ("argmax", lambda: x.argmax(axis=2)),
        ("split", lambda: x.split(1, axis=4)),
        ("stack", lambda: ag.stack([x, x], axis=5)),
        ("concatenate", lambda: ag.concatenate([x, x], axis=3)),
        ("pad", lambda: ag.pad(ag.zeros(2, 2), ((1, 1),) * 3)),
        ("tile", lambda: x.repeat(-1)),
    ]:
        with pytest.raises(ValueError, match=rf"^{op}: .*"):
            call()


def test_gate_level_checks_the_layers_rely_on():
    x = ag.zeros(2, 3, 4, 5)
    with pytest.raises(IndexError, match="flatten: dimension 5 is out of range"):
        x.flatten(5)
    with pytest.raises(ValueError, match="flatten: start_dim 2 comes after end_dim 1"):
        x.flatten(2, 1)
    assert x.flatten(1).shape == (2, 60) and x.flatten(-2).shape == (2, 3, 20)
    w = ag.zeros(5, 2, requires_grad=True)
    with pytest.raises(IndexError, match=r"embedding: index out of range \[-1, 0\] .* 0..4"):
        ag.embedding(np.array([-1, 0]), w)
    with pytest.raises(
        ValueError, match=r"conv2d: the weight has a zero-size dimension \(shape \(4, 3, 0, 0\)\)"
    ):
        ag.conv2d(ag.zeros(1, 3, 5, 5), ag.zeros(4, 3, 0, 0))
