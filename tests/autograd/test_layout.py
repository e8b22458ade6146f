"""The engine's layering, read from the source: imports run one way, only ``ops`` gives Tensor
its methods, and ``nn`` uses only the engine's public API."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "autograd"

# Each engine module may import (from within autograd) only the modules of lower layers.
LAYERS = [
    {"graph", "random", "_shadowing"},
    {"tensor"},
    {"gates"},  # gates/* may also use each other's public functions
    {"backward", "inplace", "function"},
    {"ops", "creation", "functional", "checkpoint"},
    {"gradcheck"},
    {"testing", "viz", "__init__"},
]
LAYER_OF = {name: i for i, names in enumerate(LAYERS) for name in names}


def _module(path: Path) -> str:
    rel = path.relative_to(ENGINE).with_suffix("")
    return rel.parts[0]


def _engine_imports(path: Path) -> set[str]:
    """The top-level autograd modules ``path`` imports (relative or absolute imports)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ["autograd", *path.relative_to(ENGINE).parts[:-1]]
    modules: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = [*base, *(node.module.split(".") if node.module else [])]
            if node.module is None:  # `from . import ops`: the names are modules
                modules += [".".join([*module, a.name]) for a in node.names]
            else:
                modules.append(".".join(module))
        elif isinstance(node, ast.Import):
            modules += [a.name for a in node.names]
    found = set()
    for m in modules:
        parts = m.split(".")
        if parts[0] == "autograd":
            found.add(parts[1] if len(parts) > 1 else "__init__")
    return found


ENGINE_FILES = sorted(
    p for p in ENGINE.rglob("*.py") if "testing" not in p.parts and "viz" not in p.parts
)


@pytest.mark.parametrize("path", ENGINE_FILES, ids=lambda p: str(p.relative_to(ENGINE)))
def test_imports_run_one_way(path: Path) -> None:
    me = _module(path)
    layer = LAYER_OF[me]
    for target in _engine_imports(path) - {me}:
        assert target in LAYER_OF, f"{path.name} imports an unknown module {target!r}"
        assert LAYER_OF[target] < layer or (me == "gates" and target == "gates"), (
            f"{path.relative_to(ENGINE)} (layer {me}) imports {target}, which is not below it"
        )


def test_only_ops_gives_tensor_its_methods() -> None:
    for path in ENGINE.rglob("*.py"):
        if path.name == "ops.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Assign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name):
                        assert t.value.id not in ("Tensor", "T"), (
                            f"{path.relative_to(ENGINE)}:{node.lineno} sets Tensor.{t.attr}"
                        )


def test_nn_uses_only_public_engine_api() -> None:
    offences = []
    for path in sorted((ROOT / "nn").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {"autograd"}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                aliases.update(a.asname or a.name for a in node.names if a.name == "autograd")
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("autograd"):
                module = node.module or ""
                if any(part.startswith("_") for part in module.split(".")):
                    offences.append(f"{where} imports from {module}")
                offences += [
                    f"{where} imports {a.name} from {module}"
                    for a in node.names
                    if a.name.startswith("_")
                ]
            if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
                root = node.value
                while isinstance(root, ast.Attribute):
                    root = root.value
                if (
                    isinstance(root, ast.Name)
                    and root.id in aliases
                    and not node.attr.startswith("__")
                ):
                    offences.append(f"{where} uses {ast.unparse(node)}")
    assert not offences, "nn reaches into the engine's private names:\n" + "\n".join(offences)
