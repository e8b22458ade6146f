"""nn.distributed in a world of one (no mpiexec), DistributedSampler, DataLoader(sampler=),
SyncBatchNorm's conversion, and the fit helpers. The 2-rank behaviour is in
test_distributed_mpi.py."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import autograd as ag
import nn
import nn.distributed as dist
from nn.data import DataLoader, DistributedSampler, TensorDataset
from nn.parallel import DistributedDataParallel


@pytest.fixture
def world_of_one(monkeypatch):
    for var in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE"):
        monkeypatch.delenv(var, raising=False)
    dist.init_process_group(backend="mpi", timeout=5)
    yield
    dist.destroy_process_group()


# --- the process group -------------------------------------------------------------------------


def test_a_script_run_on_its_own_is_a_world_of_one(world_of_one):
    assert dist.is_initialized()
    assert (dist.get_rank(), dist.get_world_size(), dist.is_main_process()) == (0, 1, True)
    t = ag.tensor([1.0, 2.0])
    for op in (dist.SUM, dist.AVG, dist.MAX, dist.MIN):
        dist.all_reduce(t, op=op)
    assert t.tolist() == [1.0, 2.0]
    a = np.arange(3.0)
    dist.broadcast(a, src=0)
    out = [np.zeros(3)]
    dist.all_gather(out, a)
    dist.barrier()
    assert out[0].tolist() == [0.0, 1.0, 2.0]


def test_process_group_misuse_is_named(world_of_one):
    with pytest.raises(RuntimeError, match="already initialized"):
        dist.init_process_group()
    with pytest.raises(TypeError, match="op must be a ReduceOp"):
        dist.all_reduce(ag.zeros(2), op="sum")
    with pytest.raises(TypeError, match="AVG needs a floating dtype, got int64"):
        dist.all_reduce(np.zeros(2, dtype=np.int64), op=dist.AVG)
    with pytest.raises(ValueError, match=r"C-contiguous, writeable array; got one of shape \(3,\)"):
        dist.all_reduce(np.zeros(6)[::2])
    with pytest.raises(ValueError, match=r"src must be a rank in \[0, 0\], got 1"):
        dist.broadcast(np.zeros(2), src=1)
    with pytest.raises(ValueError, match=r"one entry per rank \(1\), got 2"):
        dist.all_gather([np.zeros(2), np.zeros(2)], np.zeros(2))
    with pytest.raises(ValueError, match=r"tensor_list\[0\] is float64 \(3,\)"):
        dist.all_gather([np.zeros(3)], np.zeros(2))


def test_uninitialized_use_and_bad_arguments_are_named():
    assert not dist.is_initialized()
    assert (dist.get_rank(), dist.get_world_size(), dist.is_main_process()) == (0, 1, True)
    with pytest.raises(RuntimeError, match="all_reduce: the process group is not initialized"):
        dist.all_reduce(ag.zeros(2))
    with pytest.raises(RuntimeError, match="DistributedDataParallel: the process group is not"):
        DistributedDataParallel(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="only the 'mpi' backend"):
        dist.init_process_group(backend="gloo")
    with pytest.raises(ValueError, match="timeout must be positive"):
        dist.init_process_group(timeout=0)
    with pytest.raises(RuntimeError, match="not initialized"):
        dist.destroy_process_group()


def test_ddp_in_a_world_of_one_is_the_module_under_a_prefix(world_of_one):
    inner = nn.Linear(3, 2)
    model = DistributedDataParallel(inner)
    x = ag.randn(4, 3)
    np.testing.assert_array_equal(model(x).data, inner(x).data)
    assert list(model.state_dict()) == ["module.weight", "module.bias"]
    with model.no_sync():
        model(x).sum().backward()
    assert inner.weight.grad is not None and model.comm_wait_seconds == 0.0
    with pytest.raises(TypeError, match="expected an nn.Module, got function"):
        DistributedDataParallel(lambda x: x)


# --- DistributedSampler ------------------------------------------------------------------------


def test_sampler_pads_by_repeating_the_start_as_pytorch_does():
    shares = [list(DistributedSampler(range(10), 4, r, shuffle=False)) for r in range(4)]
    assert shares == [[0, 4, 8], [1, 5, 9], [2, 6, 0], [3, 7, 1]]
    # drop_last: the tail is dropped instead, so every share has the same length
    shares = [
        list(DistributedSampler(range(10), 4, r, shuffle=False, drop_last=True)) for r in range(4)
    ]
    assert shares == [[0, 4], [1, 5], [2, 6], [3, 7]]
    # more ranks than samples: the permutation repeats as often as needed
    assert [list(DistributedSampler(range(2), 5, r, shuffle=False)) for r in range(5)] == [
        [0], [1], [0], [1], [0]
    ]  # fmt: skip


@pytest.mark.parametrize("n", [1, 7, 12, 13])
@pytest.mark.parametrize("replicas", [1, 2, 3, 5])
def test_the_ranks_shares_cover_the_dataset_exactly_once_plus_padding(n, replicas):
    for epoch in (0, 1):
        shares = []
        for r in range(replicas):
            s = DistributedSampler(range(n), replicas, r, seed=4)
            s.set_epoch(epoch)
            shares.append(list(s))
            assert len(s) == len(shares[-1]) == -(-n // replicas)
        union = sorted(i for share in shares for i in share)
        padding = replicas * -(-n // replicas) - n
        assert sorted(set(union)) == list(range(n))  # every sample...
        assert len(union) == n + padding  # ... once, plus the padding repeats
    a, b = (DistributedSampler(range(50), 2, 0, seed=4) for _ in range(2))
    b.set_epoch(1)
    assert list(a) != list(b)  # a new order each epoch


def test_sampler_rejects_a_rank_outside_the_replicas():
    with pytest.raises(ValueError, match=r"rank 2 is not in \[0, 1\] \(num_replicas=2 must be"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="num_replicas must be >= 1, got 0"):
        DistributedSampler(range(4), num_replicas=0, rank=0)


def test_dataloader_takes_a_sampler_and_resumes_its_epoch():
    data = TensorDataset(ag.arange(10.0), ag.arange(10))
    sampler = DistributedSampler(data, num_replicas=2, rank=1, seed=1)
    loader = DataLoader(data, batch_size=2, sampler=sampler)
    assert len(loader) == 3
    seen = [int(i) for _, yb in loader for i in yb.data]
    assert seen == list(sampler)
    it = iter(loader)
    next(it)
    state = loader.state_dict()
    rest = [yb.tolist() for _, yb in it]
    again = DataLoader(data, batch_size=2, sampler=DistributedSampler(data, 2, 1, seed=1))
    again.load_state_dict(state)
    assert [yb.tolist() for _, yb in again] == rest
    with pytest.raises(ValueError, match="sampler and shuffle=True are mutually exclusive"):
        DataLoader(data, sampler=sampler, shuffle=True)


# --- SyncBatchNorm and the fit helpers ---------------------------------------------------------


def test_convert_sync_batchnorm_keeps_the_layers_place_parameters_and_statistics():
    model = nn.models.ResNet(blocks=(1,), widths=(4,), in_channels=1, generator=0)
    model.stem_bn.running_mean.data[...] = 0.5
    reference = copy.deepcopy(model)
    weight, before = model.stem_bn.weight, list(model.state_dict())
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    assert converted is model and isinstance(model.stem_bn, nn.SyncBatchNorm)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    assert list(model.state_dict()) == before  # same names, same order
    assert model.stem_bn.weight is weight and model.stem_bn.running_mean.data[0] == 0.5
    # in a world of one, in either mode, SyncBatchNorm computes what BatchNorm does
    x = ag.randn(2, 1, 6, 6)
    for mode in (False, True, False):
        got, want = model.train(mode)(x).data, reference.train(mode)(x).data
        np.testing.assert_array_equal(got, want)


def test_fit_helpers_do_nothing_for_a_model_that_is_not_data_parallel(world_of_one, tmp_path):
    model = nn.Linear(2, 2)
    assert dist.all_reduce_metrics(model, 1.5, 3, 4) == (1.5, 3, 4)
    assert not dist.is_data_parallel(DistributedDataParallel(model))  # one rank
    written = []
    dist.save_on_main_process(model, lambda obj, path: written.append(path), {}, tmp_path / "c")
    assert written == [tmp_path / "c"]
    sampler = DistributedSampler(range(4), 1, 0)
    dist.set_sampler_epoch(DataLoader(range(4), sampler=sampler), 3)
    assert sampler.epoch == 3
