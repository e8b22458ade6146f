"""Training does not leak: memory after 1,000 steps stays within 10% of memory after 10."""

import gc

import numpy as np

import autograd as ag
import nn


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def test_memory_is_flat_over_1000_training_steps():
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.1), nn.Linear(128, 10))
    opt = nn.optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((64, 64)).astype(np.float32))
    y = ag.tensor(rng.integers(0, 10, 64))
    rss = {}
    for step in range(1, 1001):
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step in (10, 1000):
            gc.collect()
            rss[step] = _rss_bytes()
    assert np.isfinite(loss.item())
    assert rss[1000] <= 1.10 * rss[10], (
        f"RSS grew from {rss[10] / 1e6:.1f} MB to {rss[1000] / 1e6:.1f} MB"
    )
