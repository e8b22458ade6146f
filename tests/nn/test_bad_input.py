"""Bad input to nn gets a clear error naming the layer or function and the offending value —
never a confusing crash deep inside, and never a silently wrong answer. (Issue 17, section 3;
the engine's own checks are tested in tests/autograd/test_errors.py.)"""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from nn.data import DataLoader, TensorDataset

# --- sizes, strides, dilations: zero, negative and non-integer values are refused when built ---

BAD_CONSTRUCTIONS = [
    # (call, exception, message)
    (lambda: nn.Conv2d(3, 4, 0), ValueError, "Conv2d: kernel_size must be positive, got 0"),
    (lambda: nn.Conv2d(3, 4, (3, -1)), ValueError, r"Conv2d: every kernel_size must be positive"),
    (lambda: nn.Conv2d(3, 0, 3), ValueError, "Conv2d: out_channels must be positive, got 0"),
    (lambda: nn.Conv2d(0, 4, 3), ValueError, "Conv2d: in_channels must be positive, got 0"),
    (lambda: nn.Conv2d(3, 4, 3, stride=0), ValueError, "Conv2d: stride must be positive, got 0"),
    (lambda: nn.Conv2d(3, 4, 3, dilation=0), ValueError, "Conv2d: dilation must be positive"),
    (lambda: nn.Conv2d(3, 4, 3, padding=-1), ValueError, "Conv2d: padding must be >= 0, got -1"),
    (lambda: nn.Conv2d(3, 4, 2.5), TypeError, "Conv2d: kernel_size must be an int or a tuple"),
    (lambda: nn.Conv2d(3, 4, (3, 3, 3)), TypeError, "a tuple of 2 ints, got \\(3, 3, 3\\)"),
    (lambda: nn.Conv1d(3, 4, 0), ValueError, "Conv1d: kernel_size must be positive, got 0"),
    (lambda: nn.Conv1d(3, 4, 3, stride=-2), ValueError, "Conv1d: stride must be positive"),
    (lambda: nn.Linear(-1, 2), ValueError, "Linear: in_features must be positive, got -1"),
    (lambda: nn.Linear(2, 0), ValueError, "Linear: out_features must be positive, got 0"),
    (lambda: nn.Linear(2.5, 2), TypeError, r"Linear: in_features must be an int, got 2.5"),
    (lambda: nn.Linear(True, 2), TypeError, r"Linear: in_features must be an int, got True"),
    (lambda: nn.Embedding(0, 2), ValueError, "Embedding: num_embeddings must be positive"),
    (lambda: nn.Embedding(5, -2), ValueError, "Embedding: embedding_dim must be positive"),
    (lambda: nn.RNN(0, 4), ValueError, "RNN: input_size must be positive, got 0"),
    (lambda: nn.GRU(3, 0), ValueError, "GRU: hidden_size must be positive, got 0"),
    (lambda: nn.LSTM(3, 4, num_layers=0), ValueError, "LSTM: num_layers must be positive"),
    (lambda: nn.LSTM(3, 4, dropout=1.5), ValueError, r"LSTM: dropout must be in \[0, 1\]"),
    (lambda: nn.BatchNorm1d(0), ValueError, "BatchNorm1d: num_features must be positive"),
    (lambda: nn.BatchNorm2d(-1), ValueError, "BatchNorm2d: num_features must be positive"),
    (lambda: nn.BatchNorm1d(3, eps=-1), ValueError, "BatchNorm1d: eps must be > 0, got -1"),
    (lambda: nn.BatchNorm1d(3, momentum=2), ValueError, r"momentum must be in \[0, 1\], got 2"),
    (lambda: nn.LayerNorm(0), ValueError, "LayerNorm: normalized_shape must be positive"),
    (lambda: nn.LayerNorm((4, -1)), ValueError, "LayerNorm: normalized_shape must be positive"),
    (lambda: nn.MaxPool2d(0), ValueError, "MaxPool2d: kernel_size must be positive, got 0"),
    (lambda: nn.MaxPool2d(2, stride=0), ValueError, "MaxPool2d: stride must be positive"),
    (lambda: nn.AvgPool1d(2, padding=-1), ValueError, "AvgPool1d: padding must be >= 0"),
    (lambda: nn.LPPool2d(0, 2), ValueError, "LPPool2d: norm_type must be > 0, got 0"),
    (lambda: nn.LPPool2d(2, 0), ValueError, "LPPool2d: kernel_size must be positive"),
    (lambda: nn.Dropout(float("nan")), ValueError, r"Dropout: p .* must be in \[0, 1\], got nan"),
    (lambda: nn.Dropout("0.5"), TypeError, "Dropout: p .* must be a number, got '0.5'"),
    (lambda: nn.LeakyReLU("a"), TypeError, "LeakyReLU: negative_slope must be a number"),
    (lambda: nn.Softmax(1.5), TypeError, "Softmax: dim must be an int, got 1.5"),
    (lambda: nn.Flatten(1.0), TypeError, "Flatten: start_dim must be an int"),
]


@pytest.mark.parametrize(("call", "error", "message"), BAD_CONSTRUCTIONS)
def test_bad_layer_arguments_are_refused_when_the_layer_is_built(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_zero_kernel_no_longer_builds_a_layer_that_grows_its_input():
    """Conv2d(3, 4, 0) used to be accepted: a 5x5 input gave 6x6. The valid sizes still work."""
    with pytest.raises(ValueError):
        nn.Conv2d(3, 4, 0)
    with pytest.raises(ValueError, match=r"conv2d: weight of shape \(4, 3, 0, 0\) has a zero"):
        F.conv2d(ag.randn(1, 3, 5, 5), ag.randn(4, 3, 0, 0))
    with pytest.raises(ValueError, match=r"conv1d: weight of shape \(4, 0, 3\) has a zero"):
        F.conv1d(ag.randn(1, 0, 5), ag.randn(4, 0, 3))
    conv = nn.Conv2d(3, 4, (1, 3), stride=(1, 2), padding=(0, 1), dilation=np.int64(1))
    assert conv(ag.randn(1, 3, 5, 5)).shape == (1, 4, 5, 3)
    assert conv.kernel_size == (1, 3) and type(conv.in_channels) is int


# --- recurrent layers ---------------------------------------------------------------------------


@pytest.mark.parametrize("layer", [nn.RNN, nn.GRU, nn.LSTM])
@pytest.mark.parametrize(
    ("shape", "batch_first"), [((0, 2, 3), False), ((2, 0, 3), True), ((0, 3), False)]
)
def test_a_sequence_without_time_steps_is_named(layer, shape, batch_first):
    with pytest.raises(ValueError, match=rf"{layer.__name__}: the input sequence has no time"):
        layer(3, 4, batch_first=batch_first)(ag.randn(*shape))


@pytest.mark.parametrize(
    ("hx", "got"),
    [
        (ag.zeros(1, 2, 4), r"got a Tensor of shape \(1, 2, 4\)"),
        ((ag.zeros(1, 2, 4),), "got a tuple of length 1"),
        ([ag.zeros(1, 2, 4)] * 3, "got a list of length 3"),
    ],
)
def test_lstm_state_must_be_an_h_c_pair(hx, got):
    with pytest.raises(TypeError, match=r"LSTM: the initial state must be a tuple \(h0, c0\).*"):
        nn.LSTM(3, 4)(ag.randn(5, 2, 3), hx)
    with pytest.raises(TypeError, match=got):
        nn.LSTM(3, 4)(ag.randn(5, 2, 3), hx)


def test_lstm_with_a_proper_state_pair_still_runs():
    lstm = nn.LSTM(3, 4, generator=0)
    out, (h, c) = lstm(ag.randn(5, 2, 3), (ag.zeros(1, 2, 4), ag.zeros(1, 2, 4)))
    assert out.shape == (5, 2, 4) and h.shape == c.shape == (1, 2, 4)


# --- indices: never counted from the end, never silently cast -----------------------------------


def test_negative_embedding_index_raises_instead_of_returning_the_last_row():
    emb = nn.Embedding(5, 2, generator=0)
    with pytest.raises(IndexError, match=r"embedding: index -1 is negative; .* \[0, 5\)"):
        emb(np.array([-1]))
    with pytest.raises(IndexError, match="out of range"):
        emb(np.array([5]))
    with pytest.raises(IndexError, match="index -3"):
        F.embedding(ag.tensor(np.array([[0, -3]])), emb.weight)
    np.testing.assert_array_equal(emb(np.array([4])).data, emb.weight.data[4:5])


def test_cross_entropy_out_of_range_and_float_targets():
    logits = ag.randn(3, 4)
    with pytest.raises(IndexError, match="cross_entropy: class index 4 is out of range for 4"):
        F.cross_entropy(logits, np.array([0, 1, 4]))
    with pytest.raises(IndexError, match="class index -2 is out of range"):
        F.cross_entropy(logits, np.array([0, 1, -2]))
    with pytest.raises(TypeError, match=r"target holds floats .* of shape \(3,\): class indices"):
        F.cross_entropy(logits, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(TypeError, match=r"of shape \(\): class indices must be integers"):
        F.cross_entropy(ag.randn(4), np.array(2.0))
    with pytest.raises(TypeError, match="nll_loss: target must hold integer class indices"):
        F.nll_loss(logits, np.array([0.0, 1.0, 2.0]))
    # float class probabilities shaped like the input remain a valid target
    probs = np.full((3, 4), 0.25, dtype=np.float32)
    assert np.isfinite(F.cross_entropy(logits, probs).item())


def test_one_hot_num_classes():
    with pytest.raises(ValueError, match="one_hot: num_classes must be -1 .* got -2"):
        F.one_hot(np.array([0, 1]), -2)
    with pytest.raises(ValueError, match="indices must be in \\[0, 2\\)"):
        F.one_hot(np.array([0, 2]), 2)
    with pytest.raises(ValueError, match="needs at least one index"):
        F.one_hot(np.array([], dtype=np.int64))
    assert F.one_hot(np.array([0, 2])).shape == (2, 3)


def test_functional_dropout_probability_must_be_a_number():
    with pytest.raises(TypeError, match="dropout: p must be a number, got '0.1'"):
        F.dropout(ag.ones(3), "0.1")


# --- Flatten: dims that do not exist are refused (they used to give any shape at all) -----------


@pytest.mark.parametrize(
    ("start", "end", "error", "message"),
    [
        (5, -1, IndexError, r"Flatten: dim 5 is out of range for input of shape \(2, 3, 4, 5\)"),
        (-9, -1, IndexError, "Flatten: dim -9 is out of range"),
        (1, 4, IndexError, "Flatten: dim 4 is out of range"),
        (2, 1, ValueError, "Flatten: start_dim 2 comes after end_dim 1"),
    ],
)
def test_flatten_dims_must_exist_in_the_input(start, end, error, message):
    with pytest.raises(error, match=message):
        nn.Flatten(start, end)(ag.randn(2, 3, 4, 5))


def test_flatten_valid_dims():
    x = ag.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(-3, -2)(x).shape == (2, 12, 5)
    assert nn.Flatten(0)(x).shape == (120,)
    with pytest.raises(IndexError, match=r"dim 1 is out of range for input of shape \(5,\)"):
        nn.Flatten()(ag.randn(5))


# --- data: loader settings, loader state, datasets ----------------------------------------------


def _loader(**kwargs):
    return DataLoader(TensorDataset(np.arange(10.0).reshape(5, 2)), **kwargs)


@pytest.mark.parametrize(
    ("batch_size", "error", "message"),
    [
        (2.5, TypeError, r"DataLoader: batch_size must be an int, got 2.5 \(float\)"),
        (True, TypeError, r"batch_size must be an int, got True \(bool\)"),
        ("2", TypeError, r"batch_size must be an int, got '2' \(str\)"),
        (0, ValueError, "DataLoader: batch_size must be >= 1, got 0"),
    ],
)
def test_loader_batch_size_must_be_a_positive_int(batch_size, error, message):
    with pytest.raises(error, match=message):
        _loader(batch_size=batch_size)
    assert len(_loader(batch_size=np.int64(2))) == 3


def _mid_epoch_state(**kwargs):
    loader = _loader(batch_size=2, shuffle=True, generator=0, **kwargs)
    it = iter(loader)
    next(it)
    return loader.state_dict()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            {"order": np.array([0, 0, 1, 2, 3])},
            r"not a permutation .*repeated: \[0\].*missing: \[4\]",
        ),
        ({"order": np.array([0, 1, 2, 3, 7])}, r"not a permutation .*out of range: \[7\]"),
        ({"order": np.array([0, 1, 2, 3, -1])}, r"out of range: \[-1\]"),
        (
            {"order": np.array([0.0, 1, 2, 3, 4])},
            "a 1-d array of sample indices, got dtype float64",
        ),
        ({"order": np.arange(4)}, "covers 4 samples, the dataset \\(or sampler\\) has 5"),
        ({"position": -1}, r"position -1 is outside 0..3"),
        ({"position": 4}, r"position 4 is outside 0..3"),
        ({"position": 1.5}, "position must be an int, got 1.5"),
        ({"order": None, "position": 2}, r"position 2 is outside 0..0 \(no epoch order"),
    ],
)
def test_loader_state_is_checked_before_it_is_used(edit, message):
    state = {**_mid_epoch_state(), **edit}
    loader = _loader(batch_size=2, shuffle=True, generator=1)
    before = loader.state_dict()
    with pytest.raises(ValueError, match=f"DataLoader.load_state_dict: .*{message}"):
        loader.load_state_dict(state)
    after = loader.state_dict()  # nothing changed: not even the generator
    assert after["generator"] == before["generator"] and after["order"] is None


def test_a_valid_state_still_resumes_the_epoch():
    state = _mid_epoch_state()
    loader = _loader(batch_size=2, shuffle=True, generator=1)
    loader.load_state_dict(state)
    rest = [b[0].data[:, 0] // 2 for b in loader]
    seen = np.concatenate(rest).astype(int).tolist()
    assert seen == state["order"][2:].tolist()


def test_tensor_dataset_of_a_0d_array_is_refused():
    with pytest.raises(ValueError, match="TensorDataset: tensor 1 is 0-d"):
        TensorDataset(np.zeros(3), np.array(3.0))
    with pytest.raises(ValueError, match="TensorDataset: tensor 0 is 0-d"):
        TensorDataset(ag.tensor(1.0))
