"""The committed API reference (docs/api/*.md) is what docs/make_api.py writes from the code today,
and the table of operations (docs/ops.md) what docs/make_ops.py writes from the gate registry: a
changed signature, docstring or gate fails here until `make docs` is run and its pages committed."""

import importlib
import importlib.util
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def load_generator(name: str = "make_api"):  # docs/ is not a package: load the script by its path
    spec = importlib.util.spec_from_file_location(name, DOCS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_api_pages_match_the_code():
    pages = load_generator().render()
    assert sorted(pages) == sorted(p.name for p in (DOCS / "api").glob("*.md"))
    stale = [name for name, text in pages.items() if (DOCS / "api" / name).read_text() != text]
    assert not stale, f"docs/api/{', '.join(stale)} out of date: run `make docs` and commit them"


def test_every_public_name_of_the_five_modules_has_an_entry():
    pages = load_generator().render()
    for page, module in [("autograd.md", "autograd"), ("nn.md", "nn"),
                         ("nn.functional.md", "nn.functional"), ("nn.optim.md", "nn.optim"),
                         ("nn.data.md", "nn.data")]:  # fmt: skip
        imported = importlib.import_module(module)
        for name in imported.__all__:
            obj = getattr(imported, name)
            if type(obj).__name__ == "module":
                assert f"## `{module}.{name}`" in pages[page], f"{module}.{name}"
            else:
                assert f"`{module}.{name}`" in pages[page], f"{module}.{name}"


def test_the_ops_table_matches_the_registry():
    from autograd.graph import GATES

    text = load_generator("make_ops").render()
    assert (DOCS / "ops.md").read_text() == text, "docs/ops.md out of date: run `make docs`"
    for name in GATES:  # every gate has its row, and every row names a spec that checks it
        row = next(line for line in text.splitlines() if line.startswith(f"| `{name}` |"))
        assert "**none**" not in row, row


def test_the_readme_pictures_exist_and_fit_a_page():
    """Every graph picture the README shows is committed, well-formed, and at most 2000 pt on its
    long side (they are made by `make pictures`, docs/make_pictures.py)."""
    import re
    import xml.etree.ElementTree as ET

    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    shown = set(re.findall(r"docs/pictures/([\w.-]+\.svg)", readme))
    assert {"gate_example.svg", "mlp.svg", "lenet.svg", "resnet20.svg", "lstm32.svg"} <= shown
    for name in shown:
        root = ET.parse(DOCS / "pictures" / name).getroot()
        size = [float(root.get(k, "0pt").removesuffix("pt")) for k in ("width", "height")]
        assert 0 < max(size) <= 2000, (name, size)
