"""PyTorch habits around Module and the data pipeline: ``Module.to`` with devices, dtypes and
tensors; the DataLoader's full signature (worker options, ``batch_size=None``); ``default_collate``
keeping namedtuple and mapping types; ``state_dict`` listing a shared module under every name."""

from __future__ import annotations

import collections
from typing import NamedTuple

import numpy as np
import pytest

import autograd as ag
import nn
from nn.data import DataLoader, TensorDataset, default_collate, default_convert

# --- Module.to / cpu / float / double / half ----------------------------------------------------


class _WithCounter(nn.Module):
    """A weight and an integer buffer: conversions must leave the counter alone."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(ag.tensor([[1.5, -2.0]]))
        self.register_buffer("count", ag.tensor([3]))

    def forward(self, x):
        return x @ self.w.T


def test_module_to_device_forms_are_no_ops_returning_self():
    m = _WithCounter()
    w = m.w
    for call in (
        lambda: m.to("cpu"),
        lambda: m.to("cpu:0"),
        lambda: m.to(ag.device("cpu")),
        lambda: m.to(device="cpu"),
        lambda: m.to(device=ag.device("cpu"), non_blocking=True),
        lambda: m.cpu(),
    ):
        assert call() is m
        assert m.w is w and m.w.dtype == np.float32 and m.w.tolist() == [[1.5, -2.0]]


def test_module_to_dtype_forms_convert_floating_tensors_in_place():
    m = _WithCounter()
    w = m.w
    assert m.to(ag.float64) is m and m.w.dtype == np.float64
    assert m.to("cpu", ag.float32, True).w.dtype == np.float32  # (device, dtype, non_blocking)
    assert m.to(ag.zeros(1, dtype=ag.float64)).w.dtype == np.float64  # a tensor's dtype
    assert m.to(dtype=ag.float32, device="cpu").w.dtype == np.float32
    assert m.w is w and m.w.tolist() == [[1.5, -2.0]]  # same Parameter, same values
    assert m.count.dtype == np.int64 and m.count.tolist() == [3]


def test_module_half_float_double():
    m = _WithCounter()
    assert m.half() is m and m.w.dtype == np.float16 and m.count.dtype == np.int64
    y = m(ag.tensor([[2.0, 1.0]]).half())  # 2 * 1.5 + 1 * -2 = 1
    assert y.dtype == np.float16 and y.tolist() == [[1.0]]
    assert m.double().w.dtype == np.float64
    assert m.float().w.dtype == np.float32


def test_module_to_refuses_other_devices_and_integer_dtypes_changing_nothing():
    m = _WithCounter()
    for args, kwargs in [(("cuda",), {}), (("cuda:1",), {}), (("mps",), {}), ((), {"device": 0})]:
        with pytest.raises(RuntimeError, match="Module.to: device: gategrad computes on the CPU"):
            m.to(*args, **kwargs)
    with pytest.raises(RuntimeError, match="CPU only"):
        m.to("cuda", ag.float64)  # the device is checked before anything is converted
    assert m.w.dtype == np.float32
    with pytest.raises(RuntimeError, match="CPU only.*'cuda"):
        m.cuda()
    with pytest.raises(TypeError, match="Module.to: only floating dtypes.*int64"):
        m.to(ag.int64)
    with pytest.raises(TypeError, match="Module.to: only floating dtypes.*int64"):
        m.to(ag.tensor([1]))
    with pytest.raises(TypeError, match="Module.to: got two dtypes"):
        m.to(ag.float32, ag.float64)
    assert m.w.dtype == np.float32


# --- DataLoader: PyTorch's signature ------------------------------------------------------------


def _ds(n=5):
    return TensorDataset(np.arange(2 * n, dtype=np.float32).reshape(n, 2), np.arange(n))


def _as_lists(loader):
    return [tuple(t.tolist() for t in batch) for batch in loader]


def test_dataloader_accepts_worker_and_pinning_options_with_identical_batches():
    called = []
    plain = _as_lists(DataLoader(_ds(), batch_size=2, shuffle=True, generator=7))
    loader = DataLoader(
        _ds(),
        batch_size=2,
        shuffle=True,
        num_workers=3,
        pin_memory=True,
        timeout=5.0,
        worker_init_fn=called.append,
        generator=7,
        prefetch_factor=4,
        persistent_workers=True,
        pin_memory_device="",
        in_order=True,
    )
    assert _as_lists(loader) == plain and _as_lists(loader) != []
    assert called == []  # PyTorch calls it only inside worker processes; there are none
    assert (loader.num_workers, loader.pin_memory, loader.prefetch_factor) == (3, True, 4)
    assert DataLoader(_ds(), num_workers=1).prefetch_factor == 2  # PyTorch's default
    assert DataLoader(_ds(), batch_size=32, num_workers=0).prefetch_factor is None
    first = _as_lists(DataLoader(_ds(), batch_size=32, num_workers=0, pin_memory=True))
    assert first == [
        ([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0], [8.0, 9.0]], [0, 1, 2, 3, 4])
    ]


def test_dataloader_positional_arguments_follow_pytorch():
    # (dataset, batch_size, shuffle, sampler, batch_sampler, num_workers, collate_fn, pin_memory,
    #  drop_last)
    loader = DataLoader(_ds(), 2, False, None, None, 0, lambda s: len(s), False, True)
    assert list(loader) == [2, 2]


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"num_workers": -1}, ValueError, "num_workers must be >= 0"),
        ({"num_workers": 1.5}, TypeError, "num_workers must be an int"),
        ({"prefetch_factor": 2}, ValueError, "prefetch_factor=2 needs num_workers > 0"),
        ({"prefetch_factor": -1, "num_workers": 1}, ValueError, "prefetch_factor must be >= 0"),
        ({"persistent_workers": True}, ValueError, "persistent_workers=True needs num_workers"),
        ({"timeout": -1}, ValueError, "timeout must be >= 0"),
        ({"multiprocessing_context": "spawn"}, ValueError, "multiprocessing_context"),
        ({"batch_size": None, "drop_last": True}, ValueError, "mutually exclusive with drop_last"),
        ({"batch_size": 0}, ValueError, "batch_size must be >= 1"),
        ({"batch_sampler": [[0, 1]]}, NotImplementedError, "batch_sampler"),
    ],
)
def test_dataloader_validates_options_as_pytorch(kwargs, error, match):
    with pytest.raises(error, match=match):
        DataLoader(_ds(), **kwargs)


def test_dataloader_batch_size_none_hands_out_samples_unbatched():
    loader = DataLoader(_ds(3), batch_size=None)
    assert len(loader) == 3
    samples = list(loader)
    assert [(x.shape, x.tolist(), int(y)) for x, y in samples] == [
        ((2,), [0.0, 1.0], 0),
        ((2,), [2.0, 3.0], 1),
        ((2,), [4.0, 5.0], 2),
    ]
    # arrays become Tensors, Python numbers stay as they are (PyTorch's default_convert)
    raw = [(np.array([1, 2]), 7), (np.array([3, 4]), 8)]
    out = list(DataLoader(raw, batch_size=None))
    assert isinstance(out[0][0], ag.Tensor) and out[0][0].tolist() == [1, 2] and out[0][1] == 7
    # a collate_fn sees one sample at a time
    assert list(DataLoader(raw, batch_size=None, collate_fn=lambda s: s[1] * 10)) == [70, 80]


def test_dataloader_batch_size_none_shuffles_and_resumes():
    loader = DataLoader(list(range(6)), batch_size=None, shuffle=True, generator=3)
    full = list(loader)
    assert sorted(full) == [0, 1, 2, 3, 4, 5]
    again = DataLoader(list(range(6)), batch_size=None, shuffle=True, generator=3)
    it = iter(again)
    head = [next(it), next(it)]
    state = again.state_dict()
    resumed = DataLoader(list(range(6)), batch_size=None, shuffle=True, generator=0)
    resumed.load_state_dict(state)
    assert head + list(resumed) == full


# --- default_collate ----------------------------------------------------------------------------


class _Pair(NamedTuple):
    x: np.ndarray
    y: int


def test_default_collate_keeps_namedtuple_type():
    batch = default_collate([_Pair(np.array([1.0, 2.0]), 3), _Pair(np.array([4.0, 5.0]), 6)])
    assert type(batch) is _Pair
    assert batch.x.tolist() == [[1.0, 2.0], [4.0, 5.0]] and batch.x.dtype == np.float64
    assert batch.y.tolist() == [3, 6] and batch.y.dtype == np.int64
    point = collections.namedtuple("point", "a b")
    assert type(default_collate([point(1, 2.5)])) is point


def test_default_collate_mappings_nesting_and_scalars():
    ordered = default_collate([collections.OrderedDict(b=1, a=2.5), {"b": 3, "a": 4.5}])
    assert type(ordered) is collections.OrderedDict and list(ordered) == ["b", "a"]
    assert ordered["b"].tolist() == [1, 3] and ordered["a"].tolist() == [2.5, 4.5]
    nested = default_collate([[1, (True, "s")], [2, (False, "t")]])
    assert isinstance(nested, list) and isinstance(nested[1], tuple)
    assert nested[0].dtype == np.int64 and nested[0].tolist() == [1, 2]
    assert nested[1][0].dtype == np.bool_ and nested[1][0].tolist() == [True, False]
    assert nested[1][1] == ["s", "t"]
    # Python floats: float32, gategrad's default float (PyTorch gives float64; documented)
    assert default_collate([0.5, 1.5]).dtype == np.float32
    assert default_collate([np.float64(0.5), np.float64(1.5)]).dtype == np.float64
    assert default_collate([np.str_("a"), np.str_("b")]) == ["a", "b"]
    assert default_collate([b"a", b"b"]) == [b"a", b"b"]


def test_default_collate_names_bad_batches():
    with pytest.raises(ValueError, match=r"default_collate: .*different shapes \[\(2,\), \(3,\)\]"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(TypeError, match="default_collate: cannot batch NumPy arrays of dtype <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_default_convert_keeps_structure():
    out = default_convert({"p": _Pair(np.array([1, 2]), 3), "s": "x", "f": 2.5})
    assert type(out["p"]) is _Pair and isinstance(out["p"].x, ag.Tensor)
    assert out["p"].x.tolist() == [1, 2] and out["p"].y == 3 and out["s"] == "x"
    assert out["f"] == 2.5


# --- state_dict with a module under two names ---------------------------------------------------


class _Shared(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.shared = nn.Linear(2, 1)
        self.again = self.shared


def test_state_dict_lists_a_shared_module_under_both_names():
    m = _Shared()
    with ag.no_grad():
        m.shared.weight.copy_(ag.tensor([[1.0, 2.0]]))
        m.shared.bias.copy_(ag.tensor([3.0]))
    sd = m.state_dict()
    assert list(sd) == ["shared.weight", "shared.bias", "again.weight", "again.bias"]
    assert sd["again.weight"].tolist() == [[1.0, 2.0]] and sd["again.bias"].tolist() == [3.0]
    assert len(list(m.parameters())) == 2  # still each parameter once
    assert [n for n, _ in m.named_parameters()] == ["shared.weight", "shared.bias"]
    assert m.state_dict(keep_vars=True)["again.weight"] is m.shared.weight


def test_load_state_dict_accepts_the_shared_keys(tmp_path):
    src = _Shared()
    with ag.no_grad():
        src.shared.weight.copy_(ag.tensor([[1.0, 2.0]]))
        src.shared.bias.copy_(ag.tensor([3.0]))
    nn.save(src.state_dict(), tmp_path / "shared.safetensors")
    dst = _Shared()
    result = dst.load_state_dict(nn.load(tmp_path / "shared.safetensors"))
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert dst.again.weight.tolist() == [[1.0, 2.0]] and dst.shared.bias.tolist() == [3.0]
    with pytest.raises(RuntimeError, match="missing keys.*again.weight, again.bias"):
        _Shared().load_state_dict({"shared.weight": ag.zeros(1, 2), "shared.bias": ag.zeros(1)})
