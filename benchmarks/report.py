"""Turn the workers' records into the results file: the machine, a summary against the project's
speed goals, per-workload tables, peak memory, and the engine figures (W1 per gate, W3, the
100,000-gate chain)."""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import subprocess
from typing import Any

from .spec import MEMORY_TARGET, MEMORY_TARGETS, TARGETS, WORKLOADS
from .systems import LABELS, SYSTEMS

MiB = 1024 * 1024
REL_TOL = 5e-5  # first-step values must agree to 5 significant digits (float32 arithmetic)


# --- the machine --------------------------------------------------------------------------------


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git(*args: str) -> str:
    try:
        out = subprocess.run(["git", *args], capture_output=True, text=True, timeout=10)
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _blas() -> str:
    try:
        import numpy as np

        info = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{info.get('name', '?')} {info.get('version', '')}".strip()
    except Exception:  # older NumPy: no dict mode
        return "unknown"


def machine_info() -> dict[str, Any]:
    """What the results file records about where and when it was measured."""
    commit = _git("rev-parse", "--short", "HEAD")
    if commit and _git("status", "--porcelain", "--untracked-files=no"):
        commit += " (with uncommitted changes)"
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": f"{_version('numpy')} ({_blas()})",
        "torch": _version("torch"),
        "micrograd": _version("micrograd"),
        "gategrad": commit or _version("gategrad"),
        "load_before": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


# --- formatting ---------------------------------------------------------------------------------


def scaled(seconds: float | None, workload: str) -> float | None:
    """A time in the workload's display unit."""
    if seconds is None:
        return None
    w = WORKLOADS[workload]
    factor = 1e6 if w.unit.startswith("us") else 1e3
    return seconds * factor / w.per


def _num(v: float | None) -> str:
    if v is None:
        return "—"
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}" if v >= 1 else f"{v:.3f}"


def _ratio(a: float | None, b: float | None, limit: float | None = None) -> str:
    if not a or not b:
        return "—"
    r = a / b
    text = f"{r:.4f}x" if r < 0.01 else f"{r:.2f}x"
    if limit is not None:
        text += " ✓" if r <= limit else f" ✗ (≤{limit:g})"
    return text


def _mib(b: int | None) -> str:
    return "—" if b is None else f"{b / MiB:.1f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(r) + " |" for r in rows]


class Results:
    """The records of one run, indexed by (system, workload): one BLAS thread, and (``default``)
    the libraries' default threads."""

    def __init__(self, records: list[dict[str, Any]], stat: str = "median") -> None:
        self.by = {(r["system"], r["workload"]): r for r in records if r.get("threads", "1") == "1"}
        self.default = {
            (r["system"], r["workload"]): r for r in records if r.get("threads") == "default"
        }
        self.stat = stat

    def ok(self, system: str, workload: str) -> dict[str, Any] | None:
        r = self.by.get((system, workload))
        return r if r and r.get("status") == "ok" else None

    def time(self, system: str, workload: str, key: str | None = None) -> float | None:
        r = self.ok(system, workload)
        return None if r is None else r[key or self.stat]

    def default_time(self, system: str, workload: str) -> float | None:
        r = self.default.get((system, workload))
        return r[self.stat] if r and r.get("status") == "ok" else None

    def gategrad(self, workload: str) -> tuple[str, float | None]:
        """The gategrad system the summary compares: nn where it runs, else engine ops."""
        for s in ("gategrad", "gategrad-ops"):
            t = self.time(s, workload)
            if t is not None:
                return s, t
        return "gategrad", None

    def reference(self, workload: str) -> dict[str, Any] | None:
        """What first-step values are checked against: hand-written NumPy, else PyTorch."""
        return self.ok("numpy", workload) or self.ok("torch", workload)

    def agrees(self, system: str, workload: str) -> str:
        r, ref = self.ok(system, workload), self.reference(workload)
        if r is None:
            return "—"
        if ref is None or ref is r:
            return f"{r['first_value']:.6g}"
        a, b = r["first_value"], ref["first_value"]
        good = abs(a - b) <= REL_TOL * max(abs(b), 1e-6)
        return f"{a:.6g} {'✓' if good else '✗'}"

    def status(self, system: str, workload: str) -> str:
        r = self.by.get((system, workload))
        if r is None:
            return "—"
        if r["status"] == "ok":
            return _num(scaled(r[self.stat], workload))
        return "n/a" if r["status"] == "unavailable" else "error"


# --- sections -----------------------------------------------------------------------------------


def summary(res: Results, workloads: list[str]) -> list[str]:
    header = ["workload", "unit", *(LABELS[s] for s in SYSTEMS), "gategrad ÷ NumPy",
              "gategrad ÷ PyTorch", "gategrad ÷ micrograd"]  # fmt: skip
    rows = []
    for w in workloads:
        which, t = res.gategrad(w)
        tgt = TARGETS.get(w, {})
        mark = "" if which == "gategrad" else " (ops)"
        rows.append([
            f"**{w}**", WORKLOADS[w].unit, *(res.status(s, w) for s in SYSTEMS),
            _ratio(t, res.time("numpy", w), tgt.get("numpy")) + mark,
            _ratio(t, res.time("torch", w), tgt.get("torch")) + mark,
            _ratio(t, res.time("micrograd", w), tgt.get("micrograd")) + mark
            if res.time("micrograd", w) else "—",
        ])  # fmt: skip
    return _table(header, rows)


def threads_table(res: Results, workloads: list[str]) -> list[str]:
    """gategrad and PyTorch with one BLAS thread and with the libraries' default threads."""
    if not res.default:
        return []
    lines = ["## Default threads", "", f"The same workloads with each library's default number "
             f"of threads ({os.cpu_count()} logical cores here), timed by the wall clock (CPU time "
             "would add up the threads): reported, not a goal. On a shared machine the wall clock "
             "includes other processes' time.", ""]  # fmt: skip
    header = ["workload", "unit", "gategrad, 1 thread", "gategrad, default", "PyTorch, 1 thread",
              "PyTorch, default", "gategrad ÷ PyTorch, default threads"]  # fmt: skip
    rows = []
    for w in workloads:
        g, t = res.default_time("gategrad", w), res.default_time("torch", w)
        rows.append([
            f"**{w}**", WORKLOADS[w].unit, res.status("gategrad", w), _num(scaled(g, w)),
            res.status("torch", w), _num(scaled(t, w)), _ratio(g, t),
        ])  # fmt: skip
    return lines + _table(header, rows) + [""]


def workload_table(res: Results, w: str) -> list[str]:
    spec = WORKLOADS[w]
    lines = [f"### {w}: {spec.title} ({spec.unit})", ""]
    header = ["system", "median", "min", "÷ NumPy", "÷ PyTorch", "repeats", "peak RSS MiB",
              "Δ RSS MiB", "Δ RSS ÷ PyTorch", "first-step value"]  # fmt: skip
    rows = []
    for s in SYSTEMS:
        r = res.by.get((s, w))
        if r is None:
            continue
        if r["status"] != "ok":
            rows.append([LABELS[s], r["status"] + ": " + r.get("reason", "")] + [""] * 8)
            continue
        t = r[res.stat]
        tr = res.ok("torch", w)
        rows.append([
            LABELS[s], _num(scaled(r["median"], w)), _num(scaled(r["min"], w)),
            _ratio(t, res.time("numpy", w)), _ratio(t, res.time("torch", w)), str(r["repeats"]),
            _mib(r["peak_rss"]), _mib(r["peak_delta"]),
            _ratio(r["peak_delta"], tr and tr["peak_delta"]), res.agrees(s, w),
        ])  # fmt: skip
    return lines + _table(header, rows) + [""]


def _plain(system: str) -> str:
    """Label where nn plays no part (W1, the chain): plain "gategrad"."""
    return "gategrad" if system == "gategrad" else LABELS[system]


def engine_figures(res: Results, chain: list[dict[str, Any]]) -> list[str]:
    if not (res.ok("gategrad", "W1") or res.ok("gategrad-ops", "W3") or chain):
        return []
    lines = ["## Engine figures", "", "W1 split into phases (µs per gate; "
             "backward includes freeing the graph):", ""]  # fmt: skip
    rows = []
    for s in ("numpy", "gategrad", "torch"):
        r = res.ok(s, "W1")
        if r:
            f, b = (scaled(r[k], "W1") for k in ("forward_median", "backward_median"))
            fm, bm = (scaled(r[k], "W1") for k in ("forward_min", "backward_min"))
            rows.append([_plain(s), _num(f), _num(b), _num(scaled(r["median"], "W1")), _num(fm),
                         _num(bm), _num(scaled(r["min"], "W1"))])  # fmt: skip
    header = ["system", "forward (median)", "backward (median)", "total (median)", "forward (min)",
              "backward (min)", "total (min)"]  # fmt: skip
    lines += _table(header, rows)
    nn_t, ops_t = res.time("gategrad", "W3"), res.time("gategrad-ops", "W3")
    lines += ["", "W3 (784-512-256-10 train step), written with engine ops: "
              f"{_ratio(ops_t, res.time('numpy', 'W3'), 1.1)} hand-written NumPy, "
              f"{_ratio(ops_t, res.time('torch', 'W3'), 1.0)} PyTorch; the nn version is "
              f"{_ratio(nn_t, ops_t, 1.1)} the engine-ops version.", ""]  # fmt: skip
    if chain:
        lines += ["Backward through a chain of 100,000 elementwise gates (gc disabled, so only "
                  "reference counting frees the graph):", ""]  # fmt: skip
        rows = []
        for r in chain:
            if r.get("status") != "ok":
                rows.append(
                    [_plain(r["system"]), r["status"] + ": " + r.get("reason", "")] + [""] * 4
                )
                continue
            left, growth = r.get("traced_bytes_left"), r.get("traced_growth_second")
            rows.append([
                _plain(r["system"]), f"{r['forward_s']:.2f}", f"{r['backward_s']:.2f}"
                + f" (wall {r.get('backward_wall_s', 0):.2f})"
                + (" ✓" if r["backward_s"] < 2 else " ✗ (< 2 s)"),
                f"{_mib(r['rss_before'])} → {_mib(r['rss_with_graph'])} → {_mib(r['rss_after_del'])}",
                str(r["gc_unreachable"]),
                "—" if left is None else f"{left / 1024:.0f} KiB, then {growth:+d} B",
            ])  # fmt: skip
        lines += _table(["system", "forward s (CPU)", "backward s (CPU)", "RSS MiB: before → with graph → after del",
                         "objects left for gc", "traced bytes left after 1st chain, 2nd chain adds"], rows)  # fmt: skip
        lines += ["", "Traced bytes left after the first chain are CPython's bounded free lists "
                  "(tuples, floats); a leak would show as growth on the second chain."]  # fmt: skip
    return lines + [""]


def render(records: list[dict[str, Any]], chain: list[dict[str, Any]], machine: dict[str, Any],
           settings: str, stat: str = "median") -> str:  # fmt: skip
    """The whole results file as markdown."""
    res = Results(records, stat)
    workloads = [w for w in WORKLOADS if any(r["workload"] == w for r in records)]
    m = machine
    lines = [
        "# gategrad benchmarks", "",
        f"Measured {m['date']} on {m['cpu']} ({m['cores']} logical cores), {m['os']}; "
        f"Python {m['python']}, NumPy {m['numpy']}, PyTorch {m['torch']}, micrograd "
        f"{m['micrograd']}; gategrad {m['gategrad']}. Load average at start: "
        f"{m['load_before']:.2f}, at end: {m.get('load_after', 0):.2f}.", "",
        f"One BLAS thread everywhere, each (system, workload) in its own process. {settings} "
        f"Summary cells and ratios use each measurement's {stat} (lower is better for gategrad); "
        "✓/✗ against the project's goals (benchmarks/README.md). n/a: the system has no such "
        "workload (the per-workload table says why).", "",
        "## Summary", "",
        *summary(res, workloads), "",
        "## Per workload", "",
    ]  # fmt: skip
    for w in workloads:
        lines += workload_table(res, w)
    lines += memory_summary(res, workloads)
    lines += threads_table(res, workloads)
    lines += engine_figures(res, chain)
    return "\n".join(lines)


def memory_summary(res: Results, workloads: list[str]) -> list[str]:
    lines = ["## Peak memory", "", "Peak RSS of the worker process (MiB), and in brackets its growth "
             "over the RSS after imports and data (the workload's own memory). Goal: gategrad ≤ "
             f"{MEMORY_TARGET}x PyTorch, and on W7 at most PyTorch's peak.", ""]  # fmt: skip
    rows = []
    for w in workloads:
        cells = []
        for s in SYSTEMS:
            r = res.ok(s, w)
            cells.append("—" if r is None else f"{_mib(r['peak_rss'])} ({_mib(r['peak_delta'])})")
        which, _ = res.gategrad(w)
        g, t = res.ok(which, w), res.ok("torch", w)
        limit = MEMORY_TARGETS.get(w, MEMORY_TARGET)
        rows.append([
            w, *cells,
            _ratio(g and g["peak_rss"], t and t["peak_rss"], limit),
            _ratio(g and g["peak_delta"], t and t["peak_delta"], None if w in MEMORY_TARGETS else limit),
        ])  # fmt: skip
    header = ["workload", *(LABELS[s] for s in SYSTEMS), "gategrad ÷ PyTorch (peak)",
              "gategrad ÷ PyTorch (Δ)"]  # fmt: skip
    return lines + _table(header, rows) + [""]
