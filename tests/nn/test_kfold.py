"""nn.data.KFold: K-fold cross-validation splits, equal to scikit-learn's without shuffling."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
from nn.data import KFold


@pytest.mark.parametrize("n, k", [(10, 5), (11, 5), (7, 2), (23, 4), (5, 5)])
def test_folds_equal_scikit_learns(n, k):
    sklearn = pytest.importorskip("sklearn.model_selection")
    ours = list(KFold(k).split(np.zeros((n, 3))))
    theirs = list(sklearn.KFold(k).split(np.zeros((n, 3))))
    assert len(ours) == k == KFold(k).get_n_splits()
    for (a_tr, a_va), (b_tr, b_va) in zip(ours, theirs):
        np.testing.assert_array_equal(a_tr, b_tr)
        np.testing.assert_array_equal(a_va, b_va)


def test_shuffled_folds_partition_and_are_seeded():
    splits = list(KFold(4, shuffle=True, generator=3).split(22))
    validation = np.concatenate([va for _, va in splits])
    assert sorted(validation.tolist()) == list(range(22))  # every sample validated exactly once
    assert sorted(len(va) for _, va in splits) == [5, 5, 6, 6]
    for tr, va in splits:
        assert len(np.intersect1d(tr, va)) == 0 and len(tr) + len(va) == 22
        assert np.all(np.diff(tr) > 0) and np.all(np.diff(va) > 0)  # sorted
    again = list(KFold(4, shuffle=True, generator=3).split(22))
    for (_, va), (_, va_again) in zip(splits, again):
        np.testing.assert_array_equal(va, va_again)
    unshuffled = [va for _, va in KFold(4).split(22)]
    assert any(not np.array_equal(va, u) for (_, va), u in zip(splits, unshuffled))
    g = ag.Generator(0)  # an autograd.Generator advances: two calls, two different orders
    kf = KFold(4, shuffle=True, generator=g)
    first, second = ([va for _, va in kf.split(22)] for _ in range(2))
    assert any(not np.array_equal(a, b) for a, b in zip(first, second))


def test_bad_arguments():
    with pytest.raises(ValueError, match="at least 2"):
        KFold(1)
    with pytest.raises(ValueError, match="cannot make 5 folds of 3 samples"):
        list(KFold(5).split(3))
    with pytest.raises(ValueError, match="only matters with shuffle=True"):
        KFold(3, generator=0)
    assert nn.data.KFold is KFold and "n_splits=3" in repr(KFold(3))
