"""PyTorch CPU (eager, one thread): the same workloads with ``torch.nn`` and ``torch.optim``."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..harness import Bench, NotAvailable
from ..spec import (
    MOMENTUM,
    RESNET20_BLOCKS,
    RESNET20_WIDTHS,
    W1_GATES,
    W2_ALPHA,
    WORKLOADS,
    resnet20_shapes,
)

try:
    import torch
    from torch import nn
    from torch.nn import functional as F  # noqa: N812
except ImportError:  # pragma: no cover - the optional bench extra
    torch = None


def requirement() -> str | None:
    return None if torch is not None else "torch is not installed (pip install '.[bench]')"


def _setup() -> None:
    if torch is None:
        raise NotAvailable(requirement())
    if os.environ.get("BENCH_THREADS") != "default":  # else: PyTorch's own default
        torch.set_num_threads(1)


def _t(a: np.ndarray) -> Any:
    return torch.from_numpy(np.ascontiguousarray(a))


def _linear(w: np.ndarray, b: np.ndarray) -> Any:
    layer = nn.Linear(w.shape[1], w.shape[0])
    with torch.no_grad():
        layer.weight.copy_(_t(w))
        layer.bias.copy_(_t(b))
    return layer


def _train(model: Any, x: Any, y: Any, opt: Any, loss_fn: Any = None) -> Bench:
    loss_fn = loss_fn or F.cross_entropy

    def forward() -> Any:
        return loss_fn(model(x), y)

    def backward(loss: Any) -> None:
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return Bench(forward, backward, lambda loss: float(loss.item()))


def w1(d: dict[str, np.ndarray]) -> Bench:
    _setup()
    x = _t(d["x"]).requires_grad_()
    a, b = _t(d["a"]), _t(d["b"])
    rounds = W1_GATES // 4

    def forward() -> Any:
        y = x
        for _ in range(rounds):
            y = y + a
            y = y * b
            y = torch.relu(y)
            y = torch.tanh(y)
        return y.sum()

    def backward(loss: Any) -> None:
        x.grad = None
        loss.backward()

    return Bench(forward, backward, lambda loss: float(loss.item()))


def w2(d: dict[str, np.ndarray]) -> Bench:
    _setup()
    model = nn.Sequential(
        _linear(d["w0"], d["b0"]), nn.ReLU(), _linear(d["w1"], d["b1"]), nn.ReLU(),
        _linear(d["w2"], d["b2"]),
    )  # fmt: skip
    params = list(model.parameters())

    def loss_fn(scores: Any, y: Any) -> Any:
        data_loss = torch.relu(1 - y * scores).mean()
        return data_loss + W2_ALPHA * sum((p * p).sum() for p in params)

    opt = torch.optim.SGD(params, lr=WORKLOADS["W2"].lr)
    return _train(model, _t(d["x"]), _t(d["y"][:, None]), opt, loss_fn)


def _mlp(d: dict[str, np.ndarray]) -> Any:
    return nn.Sequential(
        _linear(d["w0"], d["b0"]), nn.ReLU(), _linear(d["w1"], d["b1"]), nn.ReLU(),
        _linear(d["w2"], d["b2"]),
    )  # fmt: skip


def w3(d: dict[str, np.ndarray]) -> Bench:
    _setup()
    model = _mlp(d)
    opt = torch.optim.SGD(model.parameters(), lr=WORKLOADS["W3"].lr, momentum=MOMENTUM)
    return _train(model, _t(d["x"]), _t(d["y"]), opt)


def w6(d: dict[str, np.ndarray]) -> Bench:
    _setup()
    model = _mlp(d)
    x = _t(d["x"])

    def forward() -> Any:
        with torch.no_grad():
            return model(x)

    return Bench(forward, value=lambda out: float(out.double().sum()))


def w4(d: dict[str, np.ndarray]) -> Bench:
    _setup()
    conv0 = nn.Conv2d(1, 16, 3, padding=1)
    conv1 = nn.Conv2d(16, 32, 3, padding=1)
    with torch.no_grad():
        for conv, w, b in ((conv0, "cw0", "cb0"), (conv1, "cw1", "cb1")):
            conv.weight.copy_(_t(d[w]))
            conv.bias.copy_(_t(d[b]))
    model = nn.Sequential(
        conv0, nn.ReLU(), nn.MaxPool2d(2), conv1, nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        _linear(d["w"], d["b"]),
    )  # fmt: skip
    opt = torch.optim.SGD(model.parameters(), lr=WORKLOADS["W4"].lr)
    return _train(model, _t(d["x"]), _t(d["y"]), opt)


def w5(d: dict[str, np.ndarray]) -> Bench:
    _setup()
    hidden = d["w_hh"].shape[1]
    lstm = nn.LSTM(d["w_ih"].shape[1], hidden)
    with torch.no_grad():
        for name in ("w_ih", "w_hh", "b_ih", "b_hh"):
            getattr(lstm, _torch_name(name)).copy_(_t(d[name]))
    head = _linear(d["w"], d["b"])

    def model(x: Any) -> Any:
        out, _ = lstm(x)
        return head(out[-1])  # the last step's hidden state

    opt = torch.optim.SGD([*lstm.parameters(), *head.parameters()], lr=WORKLOADS["W5"].lr)
    return _train(model, _t(d["x"]), _t(d["y"]), opt)


def _torch_name(short: str) -> str:
    """``w_ih`` -> ``weight_ih_l0`` (PyTorch's LSTM parameter names)."""
    kind, which = short.split("_")
    return ("weight" if kind == "w" else "bias") + f"_{which}_l0"


def _resnet20() -> Any:
    """ResNet-20 with the module names of ``nn.models.ResNet`` (so parameters load by name)."""

    class Block(nn.Module):
        def __init__(self, c_in: int, c_out: int, stride: int) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(c_out)
            self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(c_out)
            self.shortcut = None
            if stride != 1 or c_in != c_out:
                self.shortcut = nn.Sequential(
                    nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out)
                )

        def forward(self, x: Any) -> Any:
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return F.relu(out + (x if self.shortcut is None else self.shortcut(x)))

    class ResNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.stem = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
            self.stem_bn = nn.BatchNorm2d(16)
            blocks, c_in = [], 16
            for i, (n, width) in enumerate(zip(RESNET20_BLOCKS, RESNET20_WIDTHS)):
                for j in range(n):
                    blocks.append(Block(c_in, width, 2 if (i > 0 and j == 0) else 1))
                    c_in = width
            self.stages = nn.Sequential(*blocks)
            self.head = nn.Linear(c_in, 10)

        def forward(self, x: Any) -> Any:
            out = self.stages(F.relu(self.stem_bn(self.stem(x))))
            return self.head(out.mean(dim=(2, 3)))

    return ResNet()


def w7(d: dict[str, np.ndarray]) -> Bench:
    _setup()
    model = _resnet20()  # training mode: BN normalises with batch statistics
    named = dict(model.named_parameters())
    with torch.no_grad():
        for key, _ in resnet20_shapes():
            named[key].copy_(_t(d[key]))
    opt = torch.optim.SGD(model.parameters(), lr=WORKLOADS["W7"].lr, momentum=MOMENTUM)
    return _train(model, _t(d["x"]), _t(d["y"]), opt)


BUILDERS = {"W1": w1, "W2": w2, "W3": w3, "W4": w4, "W5": w5, "W6": w6, "W7": w7}
