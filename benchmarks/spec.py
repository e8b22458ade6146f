"""The workloads, stated once: sizes, seeds, data and initial weights shared by every system.

Every system builds its workload from the arrays returned here, so all of them start from the
same weights and see the same data, and their first-step losses must agree. Arrays are float32
(labels int64); weights use PyTorch's layouts (``Linear.weight`` is ``(out, in)``, ``Conv2d.weight``
is ``(out, in, kh, kw)``, LSTM gates stacked ``i, f, g, o``) and its default uniform fan-in ranges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SEED = 0


@dataclass(frozen=True)
class Workload:
    """One row of the benchmark: what it measures and how long to measure it."""

    name: str
    title: str
    unit: str  # how the time is shown: "us/gate", "ms/step" or "us/call"
    per: int  # the step time is divided by this before it is shown (gates per step for W1)
    lr: float = 0.01


WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in (
        Workload("W1", "chain of 200 elementwise gates, 16 elements, fwd+bwd", "us/gate", 200),
        Workload(
            "W2", "micrograd demo: 2-16-16-1 MLP, 100 moons, max-margin + L2", "ms/step", 1, 0.1
        ),
        Workload("W3", "MLP 784-512-256-10, batch 128, CE, SGD momentum 0.9", "ms/step", 1),
        Workload("W4", "CNN 2x(conv3x3+ReLU+maxpool2) + linear, 64x1x28x28, SGD", "ms/step", 1),
        Workload("W5", "LSTM seq 32, batch 32, 64->128, linear(10), CE, SGD", "ms/step", 1),
        Workload("W6", "W3 model, forward only, batch 1 (latency)", "us/call", 1),
        Workload(
            "W7", "ResNet-20 (BatchNorm), 32x3x32x32, CE, SGD momentum 0.9", "ms/step", 1, 0.05
        ),
    )
}

#: The project's speed goals: workload -> baseline -> the largest allowed ratio of gategrad's time
#: to the baseline's ("micrograd": 0.001 means at least 1000x faster).
TARGETS: dict[str, dict[str, float]] = {
    "W1": {"numpy": 2.0, "torch": 0.6},
    "W2": {"torch": 0.5, "micrograd": 0.001},
    "W3": {"numpy": 1.1, "torch": 1.05},  # <= 1.0, within W3's run-to-run noise of about 5%
    "W4": {"torch": 1.0},
    "W5": {"torch": 1.0},
    "W6": {"torch": 0.6},
    "W7": {"torch": 1.0},
}
MEMORY_TARGET = 0.5  # peak memory <= 0.5x PyTorch's on every workload...
MEMORY_TARGETS = {"W7": 1.0}  # ...except W7: at most PyTorch's

W1_GATES = 200  # add, mul, relu, tanh repeating: 50 rounds of 4
W1_SIZE = 16
MOMENTUM = 0.9
W2_ALPHA = 1e-4  # the demo's L2 weight


def _uniform(rng: np.random.Generator, bound: float, shape: tuple[int, ...]) -> np.ndarray:
    return rng.uniform(-bound, bound, size=shape).astype(np.float32)


def linear_init(rng: np.random.Generator, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's default ``nn.Linear`` init: weight (out, in) and bias, U(-1/sqrt(in), 1/sqrt(in))."""
    bound = 1.0 / np.sqrt(n_in)
    return _uniform(rng, bound, (n_out, n_in)), _uniform(rng, bound, (n_out,))


def conv_init(rng: np.random.Generator, c_in: int, c_out: int, k: int) -> tuple[np.ndarray, ...]:
    """PyTorch's default ``nn.Conv2d`` init: weight (out, in, k, k) and bias, U(-1/sqrt(fan_in), ...)."""
    bound = 1.0 / np.sqrt(c_in * k * k)
    return _uniform(rng, bound, (c_out, c_in, k, k)), _uniform(rng, bound, (c_out,))


RESNET20_BLOCKS, RESNET20_WIDTHS = (3, 3, 3), (16, 32, 64)


def resnet20_shapes() -> list[tuple[str, tuple[int, ...]]]:
    """ResNet-20 for CIFAR (He et al. 2016, section 4.2), parameter by parameter, with the names of
    ``nn.models.ResNet`` (the PyTorch model in ``systems/torch_impl.py`` uses the same names): a
    3x3 stem conv 3->16 without bias + BN; three stages of three basic blocks (3x3 conv + BN, twice)
    of 16/32/64 channels, stride 2 at the start of stages 2 and 3 with a 1x1 conv + BN shortcut;
    global average pooling; linear 64->10."""
    out: list[tuple[str, tuple[int, ...]]] = [("stem.weight", (16, 3, 3, 3))]
    out += [("stem_bn.weight", (16,)), ("stem_bn.bias", (16,))]
    c_in, block = 16, 0
    for stage, (n, width) in enumerate(zip(RESNET20_BLOCKS, RESNET20_WIDTHS)):
        for j in range(n):
            p = f"stages.{block}."
            out += [(p + "conv1.weight", (width, c_in, 3, 3)), (p + "bn1.weight", (width,))]
            out += [(p + "bn1.bias", (width,)), (p + "conv2.weight", (width, width, 3, 3))]
            out += [(p + "bn2.weight", (width,)), (p + "bn2.bias", (width,))]
            if stage > 0 and j == 0:  # the shape changes: a 1x1 strided conv + BN shortcut
                out += [(p + "shortcut.0.weight", (width, c_in, 1, 1))]
                out += [(p + "shortcut.1.weight", (width,)), (p + "shortcut.1.bias", (width,))]
            c_in, block = width, block + 1
    return out + [("head.weight", (10, 64)), ("head.bias", (10,))]


def _resnet20_init(rng: np.random.Generator, key: str, shape: tuple[int, ...]) -> np.ndarray:
    """PyTorch's defaults: conv and linear weights U(-1/sqrt(fan_in), ...), linear bias likewise,
    BN weight 1 and bias 0."""
    if len(shape) == 1 and not key.startswith("head"):
        return np.full(shape, 1.0 if key.endswith("weight") else 0.0, dtype=np.float32)
    fan_in = 64 if key == "head.bias" else int(np.prod(shape[1:]))
    return _uniform(rng, 1.0 / np.sqrt(fan_in), shape)


def make_moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's two interleaving half circles (same construction), labels in {-1, +1}."""
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    x = np.concatenate([np.cos(t_out), 1 - np.cos(t_in)])
    y = np.concatenate([np.sin(t_out), 1 - np.sin(t_in) - 0.5])
    pts = np.stack([x, y], axis=1) + rng.normal(scale=noise, size=(n, 2))
    labels = np.concatenate([-np.ones(n_out), np.ones(n_in)])
    return pts.astype(np.float32), labels.astype(np.float32)


def make_data(name: str) -> dict[str, np.ndarray]:
    """Inputs, labels and initial weights of workload ``name``, from a fixed seed."""
    rng = np.random.default_rng([SEED, int(name[1:])])
    if name == "W1":
        return {
            "x": rng.uniform(-1, 1, W1_SIZE).astype(np.float32),
            "a": rng.uniform(0.1, 0.5, W1_SIZE).astype(np.float32),  # added
            "b": rng.uniform(0.5, 1.5, W1_SIZE).astype(np.float32),  # multiplied
        }
    if name == "W2":
        x, y = make_moons(100, 0.1, rng)
        d = {"x": x, "y": y}
        for i, (n_in, n_out) in enumerate([(2, 16), (16, 16), (16, 1)]):
            d[f"w{i}"], d[f"b{i}"] = linear_init(rng, n_in, n_out)
        return d
    if name in ("W3", "W6"):
        batch = 128 if name == "W3" else 1
        d = {
            "x": rng.standard_normal((batch, 784)).astype(np.float32),
            "y": rng.integers(0, 10, batch).astype(np.int64),
        }
        for i, (n_in, n_out) in enumerate([(784, 512), (512, 256), (256, 10)]):
            d[f"w{i}"], d[f"b{i}"] = linear_init(rng, n_in, n_out)
        return d
    if name == "W4":
        d = {
            "x": rng.standard_normal((64, 1, 28, 28)).astype(np.float32),
            "y": rng.integers(0, 10, 64).astype(np.int64),
        }
        d["cw0"], d["cb0"] = conv_init(rng, 1, 16, 3)
        d["cw1"], d["cb1"] = conv_init(rng, 16, 32, 3)
        d["w"], d["b"] = linear_init(rng, 32 * 7 * 7, 10)
        return d
    if name == "W5":
        seq, batch, n_in, hidden = 32, 32, 64, 128
        bound = 1.0 / np.sqrt(hidden)  # PyTorch's LSTM init: U(-1/sqrt(hidden), 1/sqrt(hidden))
        d = {
            "x": rng.standard_normal((seq, batch, n_in)).astype(np.float32),  # (T, B, I)
            "y": rng.integers(0, 10, batch).astype(np.int64),
            "w_ih": _uniform(rng, bound, (4 * hidden, n_in)),
            "w_hh": _uniform(rng, bound, (4 * hidden, hidden)),
            "b_ih": _uniform(rng, bound, (4 * hidden,)),
            "b_hh": _uniform(rng, bound, (4 * hidden,)),
        }
        d["w"], d["b"] = linear_init(rng, hidden, 10)
        return d
    if name == "W7":
        d = {
            "x": rng.standard_normal((32, 3, 32, 32)).astype(np.float32),
            "y": rng.integers(0, 10, 32).astype(np.int64),
        }
        for key, shape in resnet20_shapes():
            d[key] = _resnet20_init(rng, key, shape)
        return d
    raise KeyError(f"unknown workload {name!r}; known: {', '.join(WORKLOADS)}")
