"""gategrad written with bare engine ops: ``@``, ``relu``, ``log_softmax``, indexing, and a manual
SGD (with momentum for W3) on the parameters' arrays. No ``nn``: this is the engine's own cost."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd as ag

from ..harness import Bench, NotAvailable
from ..spec import MOMENTUM, W1_GATES, W2_ALPHA, WORKLOADS


def requirement() -> str | None:
    return None


def need(*names: str, module: Any = ag) -> None:
    """Raise NotAvailable unless ``module`` has every name (features still being written)."""
    missing = [n for n in names if not _has(module, n)]
    if missing:
        where = getattr(module, "__name__", str(module))
        raise NotAvailable(f"not available yet: {', '.join(f'{where}.{n}' for n in missing)}")


def _has(module: Any, name: str) -> bool:
    try:
        getattr(module, name)
    except (AttributeError, ImportError):  # nn's lazy submodules raise ImportError until written
        return False
    return True


def param(a: np.ndarray) -> Any:
    return ag.tensor(a.copy(), requires_grad=True)


def sgd(params: list[Any], lr: float) -> None:
    """p -= lr * p.grad, in place on the arrays; gradients reset to None (set_to_none)."""
    for p in params:
        g = p.grad.data
        g *= lr
        p.data -= g
        p.grad = None


class Momentum:
    """SGD with momentum as PyTorch defines it: buf = mu * buf + g; p -= lr * buf."""

    def __init__(self, params: list[Any], lr: float) -> None:
        self.params, self.lr = params, lr
        self.bufs = [np.zeros_like(p.data) for p in params]

    def step(self) -> None:
        for p, buf in zip(self.params, self.bufs):
            g = p.grad.data
            buf *= MOMENTUM
            buf += g
            np.multiply(buf, self.lr, out=g)  # the same passes as the NumPy baseline's update
            p.data -= g
            p.grad = None


def cross_entropy(logits: Any, y: np.ndarray) -> Any:
    """Mean negative log-likelihood of the labels under softmax(logits), from engine ops."""
    logp = logits.log_softmax(-1)
    return -logp[np.arange(len(y)), y].mean()


def train_bench(forward: Any, update: Any) -> Bench:
    def backward(loss: Any) -> None:
        loss.backward()
        update()

    return Bench(forward, backward, lambda loss: loss.item())


# --- workloads ---------------------------------------------------------------------------------


def w1(d: dict[str, np.ndarray]) -> Bench:
    x = param(d["x"])
    a, b = ag.tensor(d["a"]), ag.tensor(d["b"])
    rounds = W1_GATES // 4

    def forward() -> Any:
        y = x
        for _ in range(rounds):
            y = y + a
            y = y * b
            y = y.relu()
            y = y.tanh()
        return y.sum()

    def backward(loss: Any) -> None:
        x.grad = None
        loss.backward()

    return Bench(forward, backward, lambda loss: loss.item())


def w2(d: dict[str, np.ndarray]) -> Bench:
    params = [param(d[k]) for k in ("w0", "b0", "w1", "b1", "w2", "b2")]
    x, y = ag.tensor(d["x"]), ag.tensor(d["y"][:, None])

    def forward() -> Any:
        w0, b0, w1, b1, w2, b2 = params
        h = (x @ w0.T + b0).relu()
        h = (h @ w1.T + b1).relu()
        scores = h @ w2.T + b2
        data_loss = (1 - y * scores).relu().mean()
        return data_loss + W2_ALPHA * sum((p * p).sum() for p in params)

    return train_bench(forward, lambda: sgd(params, WORKLOADS["W2"].lr))


def mlp(params: list[Any], x: Any) -> Any:
    w0, b0, w1, b1, w2, b2 = params
    h = (x @ w0.T + b0).relu()
    h = (h @ w1.T + b1).relu()
    return h @ w2.T + b2


def w3(d: dict[str, np.ndarray]) -> Bench:
    params = [param(d[k]) for k in ("w0", "b0", "w1", "b1", "w2", "b2")]
    x, y = ag.tensor(d["x"]), d["y"]
    opt = Momentum(params, WORKLOADS["W3"].lr)
    return train_bench(lambda: cross_entropy(mlp(params, x), y), opt.step)


def w6(d: dict[str, np.ndarray]) -> Bench:
    params = [ag.tensor(d[k]) for k in ("w0", "b0", "w1", "b1", "w2", "b2")]
    x = ag.tensor(d["x"])

    def forward() -> Any:
        with ag.no_grad():
            return mlp(params, x)

    return Bench(forward, value=lambda out: float(out.data.sum(dtype=np.float64)))


def w4(d: dict[str, np.ndarray]) -> Bench:
    need("conv2d", "max_pool2d")
    params = [param(d[k]) for k in ("cw0", "cb0", "cw1", "cb1", "w", "b")]
    x, y = ag.tensor(d["x"]), d["y"]
    n = x.shape[0]

    def forward() -> Any:
        k0, b0, k1, b1, w, b = params
        h = ag.max_pool2d(ag.conv2d(x, k0, b0, stride=1, padding=1).relu(), 2)
        h = ag.max_pool2d(ag.conv2d(h, k1, b1, stride=1, padding=1).relu(), 2)
        return cross_entropy(h.reshape((n, -1)) @ w.T + b, y)

    return train_bench(forward, lambda: sgd(params, WORKLOADS["W4"].lr))


def w5(d: dict[str, np.ndarray]) -> Bench:
    params = [param(d[k]) for k in ("w_ih", "w_hh", "b_ih", "b_hh", "w", "b")]
    x, y = ag.tensor(d["x"]), d["y"]
    seq, batch, n_in = x.shape
    hid = d["w_hh"].shape[1]

    def forward() -> Any:
        w_ih, w_hh, b_ih, b_hh, w, b = params
        gates = (x.reshape((seq * batch, n_in)) @ w_ih.T + (b_ih + b_hh)).reshape(
            (seq, batch, 4 * hid)
        )
        w_hh_t = w_hh.T
        h = c = ag.zeros((batch, hid))
        for t in range(seq):
            z = gates[t] + h @ w_hh_t
            i = z[:, :hid].sigmoid()
            f = z[:, hid : 2 * hid].sigmoid()
            g = z[:, 2 * hid : 3 * hid].tanh()
            o = z[:, 3 * hid :].sigmoid()
            c = f * c + i * g
            h = o * c.tanh()
        return cross_entropy(h @ w.T + b, y)

    return train_bench(forward, lambda: sgd(params, WORKLOADS["W5"].lr))


BUILDERS = {"W2": w2, "W3": w3, "W4": w4, "W5": w5, "W6": w6}
