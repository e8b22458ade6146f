"""Exact resume: a run checkpointed at step 50 (parameters, optimizer, schedule, data order and
RNG state through nn.save/nn.load) reproduces steps 51-100 of the uninterrupted run bit for bit.

The model is written with bare engine ops so this test depends only on optim, data, utils and
serialization.
"""

from __future__ import annotations

import numpy as np

import autograd as ag
import nn
from nn.data import DataLoader, TensorDataset
from nn.optim import AdamW
from nn.optim.lr_scheduler import OneCycleLR
from nn.utils import clip_grad_norm_

STEPS, SAVE_AT, BATCH = 100, 50, 16


def _setup(seed_data=0):
    rng = np.random.default_rng(seed_data)
    x = rng.standard_normal((200, 8)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] ** 2 > 0.5).astype(np.int64) + (x[:, 2] > 1).astype(np.int64)
    init = np.random.default_rng(1)
    params = {
        "w1": ag.tensor(init.standard_normal((8, 16)).astype(np.float32) * 0.3, requires_grad=True),
        "b1": ag.tensor(np.zeros(16, np.float32), requires_grad=True),
        "w2": ag.tensor(init.standard_normal((16, 3)).astype(np.float32) * 0.3, requires_grad=True),
    }
    opt = AdamW(list(params.values()), lr=1e-2, weight_decay=1e-2)
    sched = OneCycleLR(opt, max_lr=3e-2, total_steps=STEPS)
    loader = DataLoader(
        TensorDataset(x, y), batch_size=BATCH, shuffle=True, generator=ag.Generator(2)
    )
    dropout_gen = ag.Generator(3)
    return params, opt, sched, loader, dropout_gen


def _train(params, opt, sched, loader, gen, start, stop, checkpoint=None):
    """Train from step ``start`` to ``stop``; save to ``checkpoint`` (a path) at ``stop``."""
    losses = []
    step = start
    while step < stop:
        for xb, yb in loader:
            h = ag.relu(xb @ params["w1"] + params["b1"])
            keep = (gen.rng.random(h.shape) > 0.2).astype(np.float32) / np.float32(0.8)
            logp = ag.log_softmax((h * keep) @ params["w2"], axis=-1)
            onehot = np.eye(3, dtype=np.float32)[yb.data]
            loss = -(logp * onehot).sum() / np.float32(len(yb.data))
            opt.zero_grad()
            loss.backward()
            clip_grad_norm_(list(params.values()), 1.0)
            opt.step()
            sched.step()
            losses.append(float(loss.item()))
            step += 1
            if checkpoint is not None and step == stop:
                nn.save(
                    {
                        "params": params,
                        "optimizer": opt.state_dict(),
                        "scheduler": sched.state_dict(),
                        "loader": loader.state_dict(),
                        "rng": gen.get_state(),
                        "step": step,
                    },
                    checkpoint,
                )
            if step == stop:
                break
    return losses


def test_resume_from_step_50_reproduces_steps_51_to_100(tmp_path):
    full = _train(*_setup(), 0, STEPS)
    ck = tmp_path / "run.ckpt"
    first = _train(*_setup(), 0, SAVE_AT, checkpoint=ck)
    assert first == full[:SAVE_AT]

    params, opt, sched, loader, gen = _setup()  # a fresh process would start here
    state = nn.load(ck)
    assert state["step"] == SAVE_AT
    for name, p in params.items():
        p.data[...] = state["params"][name].data
    opt.load_state_dict(state["optimizer"])
    sched.load_state_dict(state["scheduler"])
    loader.load_state_dict(state["loader"])
    gen.set_state(state["rng"])
    rest = _train(params, opt, sched, loader, gen, SAVE_AT, STEPS)
    assert rest == full[SAVE_AT:]  # bit-identical losses for steps 51-100
    assert len(set(full)) > 50  # the losses really change from step to step


def test_resume_without_loader_state_diverges(tmp_path):
    """The same resume, forgetting the data order: proves the test above can fail."""
    full = _train(*_setup(), 0, STEPS)
    ck = tmp_path / "run.ckpt"
    _train(*_setup(), 0, SAVE_AT, checkpoint=ck)
    params, opt, sched, loader, gen = _setup()
    state = nn.load(ck)
    for name, p in params.items():
        p.data[...] = state["params"][name].data
    opt.load_state_dict(state["optimizer"])
    sched.load_state_dict(state["scheduler"])
    gen.set_state(state["rng"])
    rest = _train(params, opt, sched, loader, gen, SAVE_AT, STEPS)
    assert rest != full[SAVE_AT:]
