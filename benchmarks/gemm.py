"""Where gategrad's step time goes on the GEMM-bound workloads: each kernel's GEMMs timed in
place (the kernel as the step runs it) and alone (the same matrix product on ready operands).

    python -m benchmarks.gemm W7          # ResNet-20: every convolution kernel
    python -m benchmarks.gemm W5          # the LSTM layer's forward and backward kernels
    python -m benchmarks.gemm W4 --steps 20

For each kernel and shape: calls per step, milliseconds per step in place, the same GEMMs alone,
and the GFLOP/s of both. "In place" includes what the kernel does around its GEMMs (im2col
copies, padding, the LSTM's elementwise gate arithmetic); the rest of the step (batch norm, relu,
the residual sums, the optimizer, the engine's bookkeeping) is the remainder. One BLAS thread;
CPU time of this process.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import functools  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from autograd.gates import conv, conv_rows, recurrent  # noqa: E402

from .spec import make_data  # noqa: E402
from .systems import gategrad_nn_impl  # noqa: E402

Gemm = tuple[int, int, int]  # (M, K, N): an (M, K) @ (K, N) product


def _row_blocks(o: int, k: int, geo: Any, n: int) -> list[Gemm]:
    """The GEMMs of ``conv_rows.conv``: (O, K) @ (K, images*Ho*Wp) per block of images."""
    per = conv_rows._blocks(n, k, geo, 4)
    return [(o, k, (min(n, s + per) - s) * geo.Ho * geo.Wp) for s in range(0, n, per)]


def _conv_gemms(name: str, args: tuple) -> list[Gemm]:
    """The GEMMs one call of a convolution kernel makes (one per block or kernel offset)."""
    if name == "_conv_kernel":
        x4, w4, _, geo = args[:4]
        o, c, kh, kw = w4.shape
        if geo.s == (1, 1):
            return _row_blocks(o, c * kh * kw, geo, x4.shape[0])
        return [(o, c * kh * kw, x4.shape[0] * geo.Ho * geo.Wo)]
    if name == "_conv_input_kernel":
        g4, w4, geo = args
        o, c, kh, kw = w4.shape
        (ph, pw), (dh, dw) = geo.p, geo.d
        span_h, span_w = dh * (kh - 1), dw * (kw - 1)
        if geo.s == (1, 1) and ph <= span_h and pw <= span_w:  # a stride-1 convolution of g
            pad = (span_h - ph, span_w - pw)
            back = conv._Geo(2, (geo.Ho, geo.Wo), (kh, kw), (1, 1), pad, (dh, dw))
            return _row_blocks(c, o * kh * kw, back, g4.shape[0])
        return [(c * kh * kw, o, g4.shape[0] * geo.Ho * geo.Wo)]  # W^T g, then col2im
    x4, g4, geo = args[:3]  # _conv_weight_kernel
    c, kh, kw = x4.shape[1], geo.k[0], geo.k[1]
    if geo.s == (1, 1) and c >= 16:  # one GEMM per kernel offset over the padded grid
        return [(g4.shape[1], x4.shape[0] * geo.Hp * geo.Wp, c)] * (kh * kw)
    if geo.s == (1, 1):  # block by block over padded rows
        return [(o, w, k) for o, k, w in _row_blocks(g4.shape[1], c * kh * kw, geo, x4.shape[0])]
    return [(g4.shape[1], x4.shape[0] * geo.Ho * geo.Wo, c * kh * kw)]


def _lstm_gemms(name: str, args: tuple) -> list[Gemm]:
    if name == "_lstm_forward":
        x, _, w_hh = args[:3]
        t_len, b, n_in = x.shape
        h = w_hh.shape[1]
        # per step: the input share (before the loop, stacked) and the recurrent share, (4H, B)
        return [(4 * h, n_in, b)] * t_len + [(4 * h, h, b)] * t_len
    node = args[0]
    x, w_hh = node.inputs[0], node.inputs[2]
    t_len, b, n_in = x.shape
    h = w_hh.shape[1]
    gemms = [(h, 4 * h, b)] * t_len + [(4 * h, t_len * b, n_in), (4 * h, t_len * b, h)]
    return gemms + ([(t_len * b, 4 * h, n_in)] if x.requires_grad else [])


KERNELS: dict[str, tuple[Any, list[str], Callable[[str, tuple], list[Gemm]]]] = {
    "conv": (conv, ["_conv_kernel", "_conv_input_kernel", "_conv_weight_kernel"], _conv_gemms),
    "lstm": (recurrent, ["_lstm_forward", "_lstm_states_arrays"], _lstm_gemms),
}


def _alone(shape: Gemm, repeats: int = 20) -> float:
    """Seconds of one (M, K) @ (K, N) float32 product on contiguous operands (the minimum)."""
    m, k, n = shape
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.process_time()
        a @ b
        best = min(best, time.process_time() - t0)
    return best


def account(workload: str, steps: int = 10) -> str:
    """Run ``steps`` steps of gategrad's ``workload`` with its kernels timed; the report."""
    family = "lstm" if workload == "W5" else "conv"
    module, names, gemms_of = KERNELS[family]
    spent: dict[tuple[str, tuple], float] = defaultdict(float)
    calls: dict[tuple[str, tuple], int] = defaultdict(int)
    originals = {n: getattr(module, n) for n in names}
    recording = [False]

    def timed(name: str, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any) -> Any:
            t0 = time.process_time()
            out = fn(*args)
            if recording[0]:
                key = (name, tuple(gemms_of(name, args)))
                spent[key] += time.process_time() - t0
                calls[key] += 1
            return out

        return wrapper

    bench = gategrad_nn_impl.BUILDERS[workload](make_data(workload))
    try:
        for n in names:
            setattr(module, n, timed(n, originals[n]))
        if family == "lstm":  # the gate holds its array rule directly: wrap it there too
            recurrent.LSTM_STATES.array_rule = module._lstm_states_arrays
        for _ in range(3):
            bench.backward(bench.forward())
        recording[0] = True
        t0 = time.process_time()
        for _ in range(steps):
            bench.backward(bench.forward())
        step = (time.process_time() - t0) / steps
    finally:
        for n in names:
            setattr(module, n, originals[n])
        if family == "lstm":
            recurrent.LSTM_STATES.array_rule = originals["_lstm_states_arrays"]
    rows, total_in, total_alone = [], 0.0, 0.0
    alone_cache: dict[Gemm, float] = {}
    for (name, shapes), seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        per_step = seconds / steps
        alone = 0.0
        for shape in shapes:
            if shape not in alone_cache:
                alone_cache[shape] = _alone(shape)
            alone += alone_cache[shape]
        alone *= calls[(name, shapes)] / steps
        flops = 2 * sum(m * k * n for m, k, n in shapes) * calls[(name, shapes)] / steps
        total_in, total_alone = total_in + per_step, total_alone + alone
        shown = shapes[0] if len(set(shapes)) == 1 else f"{len(shapes)} GEMMs, first {shapes[0]}"
        rows.append(
            f"| {name} | {shown} | {calls[(name, shapes)] / steps:g} | {per_step * 1e3:.2f} | "
            f"{alone * 1e3:.2f} | {flops / per_step / 1e9:.0f} | {flops / alone / 1e9:.0f} |"
        )
    lines = [
        f"gategrad {workload}: {step * 1e3:.1f} ms/step (CPU, {steps} steps)",
        "",
        "| kernel | GEMM (M, K, N) | calls/step | ms/step in place | ms/step GEMM alone | "
        "GFLOP/s in place | GFLOP/s alone |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"kernels in place {total_in * 1e3:.1f} ms/step, of which their GEMMs alone "
        f"{total_alone * 1e3:.1f} ms and the copies and arithmetic around them "
        f"{(total_in - total_alone) * 1e3:.1f} ms; the rest of the step "
        f"{(step - total_in) * 1e3:.1f} ms.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("workload", choices=["W4", "W5", "W7"])
    p.add_argument("--steps", type=int, default=10)
    a = p.parse_args(argv)
    print(account(a.workload, a.steps))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
