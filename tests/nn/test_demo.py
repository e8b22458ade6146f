"""``make demo`` (nn/demo.py), run for one epoch into a temporary folder."""

from __future__ import annotations

import re

import numpy as np
import pytest

import nn
from autograd import viz
from nn import demo
from nn import functional as F
from nn.data import DataLoader, datasets
from nn.training import evaluate


@pytest.fixture(autouse=True)
def _agg(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")


def test_demo_writes_plot_graph_and_a_restorable_checkpoint(tmp_path, capsys):
    assert demo.main(["--out", str(tmp_path / "out"), "--epochs", "1", "--no-progress"]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert captured.err == ""
    folder = tmp_path / "out"

    assert (folder / "history.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = folder / "backward_graph.svg"
    dot = folder / "backward_graph.dot"
    if svg.exists():
        text = svg.read_text()
        assert "<svg" in text and "conv2d" in text and "Conv2d features.0" in text
        assert "input x" in text and "cross_entropy (output)" in text
    else:  # no renderer: the DOT source, and a line saying so
        assert "digraph" in dot.read_text()
        assert "wrote the DOT source instead" in out

    state = nn.load(folder / "model.safetensors")
    printed = float(re.search(r"held-out accuracy: ([\d.]+)%", out).group(1)) / 100
    assert state["accuracy"] == pytest.approx(printed, abs=5e-5)
    model = demo._model(seed=123)
    model.load_state_dict(state["model"])
    test = DataLoader(datasets.load_digits("test", images=True), batch_size=512)
    assert evaluate(model, test, F.cross_entropy)[1] == state["accuracy"]
    assert "-> identical" in out
    # --no-progress drops the bar (none on stderr) but keeps the line per epoch and the summary
    assert [line for line in out.splitlines() if line.startswith("epoch ")] == [
        next(line for line in out.splitlines() if line.startswith("epoch 1/1 train_loss="))
    ]
    assert any(line.startswith("fit: 1 epoch in ") for line in out.splitlines())
    for name in ("history.png", "model.safetensors", "backward_graph"):
        assert name in out


def test_demo_falls_back_to_dot_without_a_renderer(tmp_path, monkeypatch):
    def unavailable(self, renderer="auto"):
        raise viz.RendererUnavailable("no renderer in this test")

    monkeypatch.setattr(viz.Graph, "svg", unavailable)
    model = demo._model(seed=0)
    x, y = next(iter(DataLoader(datasets.load_digits("test", images=True), batch_size=4)))
    before = [p.data.copy() for p in model.parameters()]
    path, note = demo.draw_one_step(model, x, y, tmp_path)
    assert path.name == "backward_graph.dot" and "digraph" in path.read_text()
    assert "no renderer in this test" in note
    # drawing one step changes no weight and leaves no gradient behind
    for p, b in zip(model.parameters(), before):
        np.testing.assert_array_equal(p.data, b)
        assert p.grad is None
