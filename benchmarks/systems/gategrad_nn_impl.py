"""gategrad written the way a user would: ``nn`` modules, ``nn.functional.cross_entropy`` and
``nn.optim.SGD``. W1 has no module form, so it is the engine-ops chain of ``gategrad_impl``.

Pieces of ``nn`` still being written make a workload report "not available yet" instead of failing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd as ag

from ..harness import Bench, NotAvailable
from ..spec import (
    MOMENTUM,
    RESNET20_BLOCKS,
    RESNET20_WIDTHS,
    W2_ALPHA,
    WORKLOADS,
    resnet20_shapes,
)
from . import gategrad_impl as ops
from .gategrad_impl import need

try:
    import nn
except ImportError as err:  # pragma: no cover - nn is part of the project
    nn = None
    _NN_ERROR = str(err)


def requirement() -> str | None:
    return None if nn is not None else f"nn cannot be imported: {_NN_ERROR}"


def _nn(*names: str) -> None:
    if nn is None:
        raise NotAvailable(requirement())
    need(*names, module=nn)


def _optim(params: Any, **kw: Any) -> Any:
    _nn("optim")
    need("SGD", module=nn.optim)
    return nn.optim.SGD(params, **kw)


def _load(p: Any, a: np.ndarray, what: str) -> None:
    """Copy the shared initial weights into parameter ``p``."""
    if tuple(p.shape) != a.shape:
        raise NotAvailable(f"{what}: parameter shape {tuple(p.shape)}, expected {a.shape}")
    p.data = a.copy()


def _linear(w: np.ndarray, b: np.ndarray) -> Any:
    layer = nn.Linear(w.shape[1], w.shape[0])
    _load(layer.weight, w, "Linear.weight")
    _load(layer.bias, b, "Linear.bias")
    return layer


def _train(
    model: Any, x: np.ndarray, y: np.ndarray, lr: float, loss_fn: Any = None, **kw: Any
) -> Bench:
    _nn("functional")
    need("cross_entropy", module=nn.functional)
    loss_fn = loss_fn or nn.functional.cross_entropy
    opt = _optim(list(model.parameters()), lr=lr, **kw)
    xt, yt = ag.tensor(x), ag.tensor(y)

    def forward() -> Any:
        return loss_fn(model(xt), yt)

    def backward(loss: Any) -> None:
        opt.zero_grad()
        loss.backward()
        opt.step()

    return Bench(forward, backward, lambda loss: loss.item())


def _mlp(d: dict[str, np.ndarray]) -> Any:
    _nn("Sequential", "Linear", "ReLU")
    return nn.Sequential(
        _linear(d["w0"], d["b0"]), nn.ReLU(), _linear(d["w1"], d["b1"]), nn.ReLU(),
        _linear(d["w2"], d["b2"]),
    )  # fmt: skip


def w2(d: dict[str, np.ndarray]) -> Bench:
    model = _mlp(d)
    params = list(model.parameters())

    def loss_fn(scores: Any, y: Any) -> Any:
        data_loss = (1 - y * scores).relu().mean()
        return data_loss + W2_ALPHA * sum((p * p).sum() for p in params)

    return _train(model, d["x"], d["y"][:, None], WORKLOADS["W2"].lr, loss_fn)


def w3(d: dict[str, np.ndarray]) -> Bench:
    return _train(_mlp(d), d["x"], d["y"], WORKLOADS["W3"].lr, momentum=MOMENTUM)


def w6(d: dict[str, np.ndarray]) -> Bench:
    model = _mlp(d)
    x = ag.tensor(d["x"])

    def forward() -> Any:
        with ag.no_grad():
            return model(x)

    return Bench(forward, value=lambda out: float(out.data.sum(dtype=np.float64)))


def w4(d: dict[str, np.ndarray]) -> Bench:
    _nn("Sequential", "Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear")
    convs = []
    for c_in, c_out, w, b in ((1, 16, "cw0", "cb0"), (16, 32, "cw1", "cb1")):
        conv = nn.Conv2d(c_in, c_out, 3, padding=1)
        _load(conv.weight, d[w], "Conv2d.weight")
        _load(conv.bias, d[b], "Conv2d.bias")
        convs.append(conv)
    model = nn.Sequential(
        convs[0], nn.ReLU(), nn.MaxPool2d(2), convs[1], nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        _linear(d["w"], d["b"]),
    )  # fmt: skip
    return _train(model, d["x"], d["y"], WORKLOADS["W4"].lr)


def _load_lstm(lstm: Any, d: dict[str, np.ndarray]) -> None:
    named = dict(lstm.named_parameters())
    for short in ("w_ih", "w_hh", "b_ih", "b_hh"):
        kind, which = short.split("_")
        long = ("weight" if kind == "w" else "bias") + "_" + which
        for key in (f"{long}_l0", long, short):
            if key in named:
                _load(named[key], d[short], f"LSTM.{key}")
                break
        else:
            raise NotAvailable(f"nn.LSTM: no parameter like {long}_l0 among {sorted(named)}")


def w5(d: dict[str, np.ndarray]) -> Bench:
    _nn("LSTM", "Linear", "Module")
    lstm = nn.LSTM(d["w_ih"].shape[1], d["w_hh"].shape[1])
    _load_lstm(lstm, d)
    head = _linear(d["w"], d["b"])

    class Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm, self.head = lstm, head

        def forward(self, x: Any) -> Any:
            out, _ = self.lstm(x)
            return self.head(out[-1])  # the last step's hidden state

    return _train(Model(), d["x"], d["y"], WORKLOADS["W5"].lr)


def w7(d: dict[str, np.ndarray]) -> Bench:
    _nn("models")
    need("ResNet", module=nn.models)
    model = nn.models.ResNet(
        RESNET20_BLOCKS, RESNET20_WIDTHS, in_channels=3, num_classes=10
    )  # BN in training mode (a new module trains)
    named = dict(model.named_parameters())
    for key, _ in resnet20_shapes():
        if key not in named:
            raise NotAvailable(f"nn.models.ResNet has no parameter {key}")
        _load(named[key], d[key], key)
    return _train(model, d["x"], d["y"], WORKLOADS["W7"].lr, momentum=MOMENTUM)


BUILDERS = {"W1": ops.w1, "W2": w2, "W3": w3, "W4": w4, "W5": w5, "W6": w6, "W7": w7}
