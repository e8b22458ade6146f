"""The course notebooks: run them in place, and make the students' copies from them.

The solved notebooks in ``notebooks/`` are the single source: an exercise is a code cell tagged
``exercise`` whose solution lies between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` lines
(nbgrader's markers); the cell after it, tagged ``check``, verifies it. A student's copy
(``notebooks/student/``) is the solved notebook with each marked part replaced by a stub that
raises ``NotImplementedError`` and every output cleared; nothing else differs.

    python -m tools.notebooks execute [NAME ...]   re-run solved notebooks, saving their outputs
    python -m tools.notebooks students             rewrite notebooks/student/ from the solved ones
    python -m tools.notebooks check                exit 1 when a student copy is out of date
"""

from __future__ import annotations

import copy
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
STUDENT = NOTEBOOKS / "student"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = [
    "# YOUR CODE HERE",
    'raise NotImplementedError("exercise: replace this line with your code")',
]
EXERCISE, CHECK = "exercise", "check"


def solved_notebooks() -> list[Path]:
    """The course, in order (the file names start with their number)."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def tags(cell: Any) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def has_exercises(nb: Any) -> bool:
    return any(EXERCISE in tags(c) for c in nb["cells"])


def blank(source: str, where: str = "a cell") -> str:
    """``source`` with every BEGIN/END SOLUTION region (markers included) replaced by the stub,
    indented like its BEGIN marker."""
    out: list[str] = []
    inside = False
    for line in source.split("\n"):
        marker = line.strip()
        if marker == BEGIN:
            if inside:
                raise ValueError(f"{where}: {BEGIN} inside another solution")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(indent + s for s in STUB)
        elif marker == END:
            if not inside:
                raise ValueError(f"{where}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{where}: {BEGIN} without {END}")
    return "\n".join(out)


def student_copy(nb: Any, name: str = "notebook") -> Any:
    """The student's copy of a solved notebook (a new object; ``nb`` is left as it is)."""
    student = copy.deepcopy(nb)
    for i, cell in enumerate(student["cells"]):
        if cell["cell_type"] != "code":
            continue
        where = f"{name} cell {i}"
        if EXERCISE in tags(cell):
            if BEGIN not in cell["source"]:
                raise ValueError(f"{where} is tagged {EXERCISE!r} but has no {BEGIN}")
            cell["source"] = blank(cell["source"], where)
        elif BEGIN in cell["source"] or END in cell["source"]:
            raise ValueError(f"{where} has solution markers but is not tagged {EXERCISE!r}")
        cell["outputs"], cell["execution_count"] = [], None
    return student


def _read(path: Path) -> Any:
    import nbformat

    return nbformat.read(path, as_version=4)


def _write(nb: Any, path: Path) -> None:
    import nbformat

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    nbformat.write(nb, tmp)
    os.replace(tmp, path)


def write_students() -> list[Path]:
    """Write notebooks/student/<name> for every solved notebook with exercises; remove copies
    whose notebook has none (or is gone)."""
    written = []
    for path in solved_notebooks():
        nb = _read(path)
        if has_exercises(nb):
            _write(student_copy(nb, path.name), STUDENT / path.name)
            written.append(STUDENT / path.name)
    for stale in set(STUDENT.glob("*.ipynb")) - set(written):
        stale.unlink()
    return written


def stale_students() -> list[str]:
    """Student copies that differ from what ``write_students`` would write (or are missing)."""
    problems = []
    wanted = set()
    for path in solved_notebooks():
        nb = _read(path)
        if not has_exercises(nb):
            continue
        wanted.add(path.name)
        target = STUDENT / path.name
        if not target.exists() or _read(target) != student_copy(nb, path.name):
            problems.append(f"{target.relative_to(ROOT)} is out of date")
    problems += [
        f"{p.relative_to(ROOT)} has no solved notebook"
        for p in STUDENT.glob("*.ipynb")
        if p.name not in wanted
    ]
    return problems


def execute(paths: list[Path], timeout: int = 1800) -> None:
    """Run each notebook top to bottom in a fresh kernel (from the notebooks folder) and save it
    with its outputs. Figures are kept inline: MPLBACKEND is unset for the kernel."""
    from nbclient import NotebookClient

    os.environ.pop("MPLBACKEND", None)
    for path in paths:
        nb = _read(path)
        print(f"executing {path.relative_to(ROOT)} ...", flush=True)
        NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(NOTEBOOKS)}},
        ).execute()
        _write(nb, path)


def main(argv: list[str]) -> int:
    command, names = (argv[0], argv[1:]) if argv else ("", [])
    if command == "execute":
        paths = [Path(n).resolve() if Path(n).exists() else NOTEBOOKS / n for n in names]
        execute(paths or solved_notebooks())
    elif command == "students":
        for path in write_students():
            print(f"wrote {path.relative_to(ROOT)}")
    elif command == "check":
        problems = stale_students()
        print("\n".join(problems) or "student copies are up to date")
        return 1 if problems else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
