"""micrograd (Karpathy's scalar engine): its own demo, W2, written as in its notebook.

Only W2: micrograd is scalar-valued and has no ``tanh``, so W1's chain (and every tensor workload)
has no faithful micrograd form.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..harness import Bench, NotAvailable
from ..spec import W2_ALPHA, WORKLOADS

try:
    from micrograd.engine import Value
    from micrograd.nn import MLP
except ImportError:  # pragma: no cover - the optional bench extra
    MLP = None


def requirement() -> str | None:
    return None if MLP is not None else "micrograd is not installed (pip install '.[bench]')"


def w2(d: dict[str, np.ndarray]) -> Bench:
    if MLP is None:
        raise NotAvailable(requirement())
    model = MLP(2, [16, 16, 1])
    for layer, (w, b) in zip(model.layers, [("w0", "b0"), ("w1", "b1"), ("w2", "b2")]):
        for j, neuron in enumerate(layer.neurons):  # the shared initial weights, row j
            for k, wk in enumerate(neuron.w):
                wk.data = float(d[w][j, k])
            neuron.b.data = float(d[b][j])
    xs = d["x"].tolist()
    ys = d["y"].tolist()
    params = model.parameters()
    lr = WORKLOADS["W2"].lr

    def forward() -> Any:
        inputs = [list(map(Value, row)) for row in xs]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * si).relu() for yi, si in zip(ys, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = W2_ALPHA * sum(p * p for p in params)
        return data_loss + reg_loss

    def backward(loss: Any) -> None:
        model.zero_grad()
        loss.backward()
        for p in params:
            p.data -= lr * p.grad

    return Bench(forward, backward, lambda loss: loss.data)


BUILDERS = {"W2": w2}
