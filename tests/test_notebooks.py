"""The course notebooks (``make test`` also executes every solved notebook, through nbmake).

Here: the course is complete and in the course's order; each notebook opens with a glossary and
is committed with its outputs; the students' copies are the solved notebooks with exactly the
marked parts blanked; and every exercise's check fails on the blank and passes on the solution.
"""

from __future__ import annotations

import re

import matplotlib
import nbformat
import pytest

from tools import notebooks as course

SOLVED = course.solved_notebooks()
WITH_EXERCISES = [p for p in SOLVED if course.has_exercises(nbformat.read(p, as_version=4))]
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _ids(paths):
    return [p.stem for p in paths]


def _code(cell) -> bool:
    return cell.cell_type == "code"


def test_the_course_is_complete_and_in_the_course_order():
    names = [p.stem for p in SOLVED]
    assert [int(n[:2]) for n in names] == list(range(1, len(names) + 1)), names
    # the course opens with k-NN and CIFAR-10, then the score function and losses, then
    # backpropagation; networks, CNNs, RNNs and word vectors follow
    order = ["knn_cifar10", "linear_classifier", "losses", "gates", "gradient_descent", "mlp",
             "activations", "init", "dropout", "cnn", "vgg_resnet", "rnn_lstm", "word2vec"]  # fmt: skip
    assert len(names) == len(order)
    for name, topic in zip(names, order):
        assert topic in name, (name, topic)
    assert {p.stem for p in WITH_EXERCISES} == {
        "01_knn_cifar10", "02_linear_classifier", "04_gates_and_backprop", "10_cnn", "12_rnn_lstm",
    }  # fmt: skip


@pytest.mark.parametrize("path", SOLVED, ids=_ids(SOLVED))
def test_each_notebook_opens_with_a_glossary(path):
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    rows = [
        line for line in first.source.splitlines() if line.startswith("|") and _CJK.search(line)
    ]
    assert len(rows) >= 6, f"{path.name}: a glossary table of the course's Chinese terms"
    assert sum("`" in row for row in rows) >= 4, f"{path.name}: the glossary names the API"


@pytest.mark.parametrize("path", SOLVED, ids=_ids(SOLVED))
def test_each_notebook_is_committed_with_its_outputs(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if _code(c)]
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), f"{path.name}: run `make notebooks`"
    outputs = [o for c in code for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any(
        "image/png" in o.get("data", {}) or "image/svg+xml" in o.get("data", {}) for o in outputs
    )
    text = "".join(o.get("text", "") for o in outputs)
    assert "/tmp/" not in text, f"{path.name}: an output shows a temporary path"


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=_ids(WITH_EXERCISES))
def test_the_student_copy_is_the_solved_notebook_with_the_marked_parts_blanked(path):
    solved = nbformat.read(path, as_version=4)
    student = nbformat.read(course.STUDENT / path.name, as_version=4)
    assert student == course.student_copy(solved, path.name), "run `make notebooks`"
    # ... and what that means, checked here independently of student_copy:
    assert student.metadata == solved.metadata and len(student.cells) == len(solved.cells)
    blanked = 0
    for s, t in zip(solved.cells, student.cells):
        assert (s.cell_type, s.metadata, s.get("id")) == (t.cell_type, t.metadata, t.get("id"))
        if _code(t):
            assert t.outputs == [] and t.execution_count is None
        if course.EXERCISE not in course.tags(s):
            assert s.source == t.source  # every other cell is untouched
            continue
        outside = _outside_solutions(s.source)
        assert [ln for ln in t.source.split("\n") if ln.strip() not in course.STUB] == outside
        assert t.source.count(course.STUB[-1]) == s.source.count(course.BEGIN) > 0
        blanked += 1
    assert blanked >= 1


def _outside_solutions(source: str) -> list[str]:
    lines, inside = [], False
    for line in source.split("\n"):
        if line.strip() in (course.BEGIN, course.END):
            inside = line.strip() == course.BEGIN
        elif not inside:
            lines.append(line)
    return lines


def test_no_student_copy_without_a_solved_notebook():
    copies = {p.name for p in course.STUDENT.glob("*.ipynb")}
    assert copies == {p.name for p in WITH_EXERCISES}
    assert course.stale_students() == []


def test_blank_replaces_exactly_the_marked_lines():
    source = (
        "def f(x):\n"
        '    """doc"""\n'
        "    ### BEGIN SOLUTION\n"
        "    y = x + 1\n"
        "    ### END SOLUTION\n"
        "    return y\n"
    )
    want = (
        "def f(x):\n"
        '    """doc"""\n'
        "    # YOUR CODE HERE\n"
        '    raise NotImplementedError("exercise: replace this line with your code")\n'
        "    return y\n"
    )
    assert course.blank(source) == want
    for bad in [
        "### BEGIN SOLUTION\nx",
        "x\n### END SOLUTION",
        "### BEGIN SOLUTION\n### BEGIN SOLUTION",
    ]:
        with pytest.raises(ValueError, match="SOLUTION"):
            course.blank(bad)


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=_ids(WITH_EXERCISES))
def test_every_check_fails_on_the_blank_and_passes_on_the_solution(path):
    """Run the notebook's set-up cell, then each exercise as the student gets it: its checks
    must stop at the blank (NotImplementedError), and pass once the solution is put back."""
    matplotlib.use("Agg")
    solved = nbformat.read(path, as_version=4)
    student = course.student_copy(solved, path.name)
    cells = list(zip(solved.cells, student.cells))
    namespace: dict = {"__name__": "__main__"}

    def run(source: str, where: str) -> None:
        exec(compile(source, f"{path.name}: {where}", "exec"), namespace)

    first_code = next(i for i, (s, _) in enumerate(cells) if _code(s))
    run(cells[first_code][0].source, "set-up")
    exercises = 0
    for i, (s, t) in enumerate(cells):
        tags = course.tags(s)
        if course.CHECK in tags:
            run(s.source, f"cell {i}")  # a helper before its exercise (re-run after: harmless)
        if course.EXERCISE not in tags:
            continue
        checks = _checks_after(cells, i)
        assert checks, f"{path.name} cell {i}: an exercise needs a check cell after it"
        run(t.source, f"cell {i} (blank)")
        with pytest.raises(NotImplementedError):
            for j in checks:
                run(cells[j][0].source, f"cell {j}")
        run(s.source, f"cell {i} (solved)")
        for j in checks:
            run(cells[j][0].source, f"cell {j}")
        exercises += 1
    assert exercises >= 1


def _checks_after(cells, i: int) -> list[int]:
    """The code cells tagged 'check' right after cell i (markdown in between is fine)."""
    found = []
    for j in range(i + 1, len(cells)):
        cell = cells[j][0]
        if not _code(cell):
            continue
        if course.CHECK not in course.tags(cell):
            break
        found.append(j)
    return found


@pytest.mark.parametrize("path", SOLVED, ids=_ids(SOLVED))
def test_notebooks_clean_up_what_they_write(path):
    """Files a notebook writes (synthetic CIFAR-10, a text file) live in a TemporaryDirectory
    used as a context manager, so they are gone when the cell ends, even if it fails."""
    source = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if _code(c))
    for leak in ("mkdtemp", "mkstemp", "delete=False", "NamedTemporaryFile", "/tmp"):
        assert leak not in source, f"{path.name} uses {leak}"
    uses = re.findall(r".*tempfile\.\w+.*", source)
    assert all(re.match(r"\s*with tempfile\.TemporaryDirectory\(", u) for u in uses), uses
