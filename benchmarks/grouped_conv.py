"""Grouped and depthwise convolution: does one grouped call cost what its groups cost?

    python -m benchmarks.grouped_conv                 # batch 32, 32x32 images, float32
    python -m benchmarks.grouped_conv --rounds 7 --batch 16

For each configuration (C input channels, O outputs, G groups, 3x3, padding 1) it times, as
forward + backward (x, weight and bias gradients) steps:

- ``grouped``: one ``conv2d(..., groups=G)`` call (one im2col, then one np.matmul over G blocks);
- ``per group``: G separate ungrouped convolutions of C/G -> O/G channels, on slices of the
  input, concatenated (what the grouped call must not be slower than);
- ``dense``: the ungrouped C -> O convolution (G times the arithmetic);
- ``torch``: PyTorch's grouped convolution, when it is installed.

Medians of ``--rounds`` interleaved rounds (each a few steps), CPU seconds of this process with one
BLAS thread (``time.process_time``), and the ratios measured in the same run.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

import autograd as ag  # noqa: E402

CONFIGS = [  # (name, C, O, G)
    ("groups 2", 64, 64, 2),
    ("ResNeXt 32x4d", 128, 128, 32),
    ("depthwise", 64, 64, 64),
    ("depthwise x2", 32, 64, 32),
]


def _step_grouped(x: ag.Tensor, w: ag.Tensor, b: ag.Tensor, groups: int) -> Callable[[], None]:
    def step() -> None:
        out = ag.conv2d(x, w, b, 1, 1, 1, groups)
        out.backward(np.ones(out.shape, dtype=np.float32))

    return step


def _step_per_group(x: ag.Tensor, w: ag.Tensor, b: ag.Tensor, groups: int) -> Callable[[], None]:
    cg, og = x.shape[1] // groups, w.shape[0] // groups

    def step() -> None:
        parts = [
            ag.conv2d(
                x[:, g * cg : (g + 1) * cg],
                w[g * og : (g + 1) * og],
                b[g * og : (g + 1) * og],
                1,
                1,
            )  # fmt: skip
            for g in range(groups)
        ]
        out = ag.cat(parts, 1)
        out.backward(np.ones(out.shape, dtype=np.float32))

    return step


def _step_torch(x: np.ndarray, w: np.ndarray, b: np.ndarray, groups: int) -> Any:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    xt = torch.tensor(x, requires_grad=True)
    wt, bt = torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)

    def step() -> None:
        out = torch.nn.functional.conv2d(xt, wt, bt, 1, 1, 1, groups)
        out.backward(torch.ones_like(out))

    return step


def _time(step: Callable[[], None], repeat: int) -> float:
    step()  # warm up
    t0 = time.process_time()
    for _ in range(repeat):
        step()
    return (time.process_time() - t0) / repeat


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--repeat", type=int, default=3, help="steps per round")
    a = p.parse_args(argv)
    rng = np.random.default_rng(0)
    print(f"conv2d 3x3, padding 1, batch {a.batch}, {a.size}x{a.size}, float32; forward + "
          f"backward ms per step, medians of {a.rounds} rounds")  # fmt: skip
    print(f"{'':22} {'grouped':>9} {'per group':>10} {'dense':>9} {'torch':>9}  "
          "grouped/per-group  grouped/dense")  # fmt: skip
    for name, c, o, groups in CONFIGS:
        x = rng.standard_normal((a.batch, c, a.size, a.size)).astype(np.float32)
        w = rng.standard_normal((o, c // groups, 3, 3)).astype(np.float32) * 0.1
        wd = rng.standard_normal((o, c, 3, 3)).astype(np.float32) * 0.1
        b = np.zeros(o, dtype=np.float32)
        xs = ag.tensor(x, requires_grad=True)
        ws, wds, bs = (ag.tensor(v, requires_grad=True) for v in (w, wd, b))
        steps: dict[str, Any] = {
            "grouped": _step_grouped(xs, ws, bs, groups),
            "per group": _step_per_group(xs, ws, bs, groups),
            "dense": _step_grouped(xs, wds, bs, 1),
            "torch": _step_torch(x, w, b, groups),
        }
        times: dict[str, list[float]] = {k: [] for k, v in steps.items() if v is not None}
        for _ in range(a.rounds):  # interleaved: a busy moment hits every system alike
            for k in times:
                times[k].append(_time(steps[k], a.repeat))
                xs.grad = ws.grad = wds.grad = bs.grad = None
        med = {k: statistics.median(v) * 1e3 for k, v in times.items()}
        torch_ms = f"{med['torch']:9.1f}" if "torch" in med else f"{'n/a':>9}"
        print(f"{name + f' (G={groups})':22} {med['grouped']:9.1f} {med['per group']:10.1f} "
              f"{med['dense']:9.1f} {torch_ms}  {med['grouped'] / med['per group']:17.2f}  "
              f"{med['grouped'] / med['dense']:13.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
