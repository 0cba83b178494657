"""Every notebook runs top to bottom in quick mode; every lesson (01-07) has the shape of a lesson.

The shape a lesson must have (/work/shared/STYLE.md items 9-13, issue 14):

* stored without outputs;
* its first cell (markdown) says what you will learn (3-5 objectives as a bullet list under a heading
  with "learn" or "objectives"), the time needed in full and with ``MEMLAB_QUICK=1``, and what you need
  to know first ("prerequisites" or "know first");
* at least one widget from ``memlab.dashboard.widgets`` that shows up as a widget when run;
* at least two exercises: a markdown cell with "Your turn", followed (before the next "Your turn") by
  nbgrader's cells: an answer cell (``solution``) with the worked solution between ``### BEGIN SOLUTION``
  and ``### END SOLUTION``, and a read-only check cell (``grade``, ``locked``) that calls a check
  (``check...(``); run as it is (the instructor version) the check says "Correct" (the student version,
  without the solutions, is tested in tests/notebooks/test_versions.py; nbgrader's round trip in
  tests/notebooks/test_nbgrader.py);
* a summary and discussion questions in the last markdown cells;
* no ``assert`` in any cell: what a lesson must produce is checked here and in tests/test_lessons_*.py.
"""

import json
import re

import pytest

pytest.importorskip("nbclient")
from notebook_runner import NOTEBOOKS, run_notebook  # noqa: E402

ALL = sorted(NOTEBOOKS.glob("*.ipynb"))
LESSONS = [p for p in ALL if re.match(r"0[1-7]-", p.name)]
CHECK_CALL = re.compile(r"\bcheck\w*\(")
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def cells(path):
    return json.loads(path.read_text())["cells"]


def source(cell) -> str:
    return "".join(cell["source"])


def nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_answer(cell) -> bool:
    """An exercise's answer cell: nbgrader's autograded answer, its worked solution between the markers."""
    text = source(cell)
    return cell["cell_type"] == "code" and nbgrader(cell).get("solution") is True and BEGIN in text and END in text


def is_check(cell) -> bool:
    """An exercise's check cell: nbgrader's read-only autograded test (with points), calling a check."""
    marks = nbgrader(cell)
    return (
        cell["cell_type"] == "code"
        and marks.get("grade") is True
        and marks.get("locked") is True
        and marks.get("points", 0) > 0
        and CHECK_CALL.search(source(cell)) is not None
    )


def exercises(path) -> list[list[dict]]:
    """The cells of each "Your turn" exercise: its markdown cell and what follows, up to the next one."""
    found, current = [], None
    for cell in cells(path):
        if cell["cell_type"] == "markdown" and "your turn" in source(cell).lower():
            current = [cell]
            found.append(current)
        elif current is not None:
            if cell["cell_type"] == "markdown" and source(cell).lstrip().startswith("#"):
                current = None  # a new section ends the exercise
            else:
                current.append(cell)
    return found


def test_notebooks_are_stored_without_outputs():
    for path in ALL:
        code = [c for c in cells(path) if c["cell_type"] == "code"]
        assert not any(c.get("outputs") or c.get("execution_count") for c in code), f"{path.name} has outputs"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_opens_with_objectives_time_and_prerequisites(path):
    first = cells(path)[0]
    assert first["cell_type"] == "markdown", f"{path.name}: the first cell should be the lesson's introduction"
    text = source(first)
    match = re.search(r"^#+.*(learn|objectives).*$\n+((?:\s*[-*\d].*\n?)+)", text, re.I | re.M)
    assert match, f"{path.name}: no bullet list of objectives under a 'What you will learn' heading"
    objectives = [line for line in match.group(2).splitlines() if line.strip()]
    assert 3 <= len(objectives) <= 5, f"{path.name}: {len(objectives)} objectives, want 3-5"
    assert re.search(r"\btime\b", text, re.I) and "MEMLAB_QUICK=1" in text, f"{path.name}: no time (full and quick)"
    assert re.search(r"\bmin", text), f"{path.name}: times should be in minutes"
    assert re.search(r"prerequisite|know first", text, re.I), f"{path.name}: no prerequisites"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_ends_with_summary_and_discussion(path):
    tail = " ".join(source(c) for c in cells(path)[-3:] if c["cell_type"] == "markdown").lower()
    assert "summary" in tail, f"{path.name}: no summary in the last cells"
    assert "discussion" in tail and tail.count("?") >= 2, f"{path.name}: no 2-3 discussion questions at the end"


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_no_asserts_in_notebooks(path):
    for cell in cells(path):
        if cell["cell_type"] == "code":
            assert not re.search(r"^\s*assert\b", source(cell), re.M), f"{path.name}: assert in\n{source(cell)}"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_has_two_exercises_with_check_and_marked_solution(path):
    found = exercises(path)
    assert len(found) >= 2, f"{path.name}: {len(found)} 'Your turn' exercises, want at least 2"
    for exercise in found:
        title = source(exercise[0]).splitlines()[0]
        answers = [i for i, c in enumerate(exercise) if is_answer(c)]
        checks = [i for i, c in enumerate(exercise) if is_check(c)]
        assert answers and checks and answers[0] < checks[-1], (
            f"{path.name}, {title}: no answer cell with a marked solution followed by a check cell"
        )
    hidden = [c for c in cells(path) if c.get("metadata", {}).get("jupyter", {}).get("source_hidden")]
    assert not hidden, f"{path.name}: a folded cell still shows its first line and runs with Run All"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_runs_with_a_widget_and_its_solutions_pass(path):
    lesson = run_notebook(path.stem)
    assert any("memlab.dashboard.widgets" in source(c) for c in cells(path)), (
        f"{path.name}: no widget from memlab.dashboard.widgets"
    )
    assert lesson.count("application/vnd.jupyter.widget-view+json") >= 1, f"{path.name}: no widget displayed"
    assert lesson.count("image/png") >= 1, f"{path.name}: no static figure (what a headless run shows)"
    for i, cell in enumerate(lesson.notebook.cells):
        if is_check(cell):
            said = json.dumps(cell.get("outputs", []))
            assert "Correct" in said and "Not yet" not in said, f"{path.name}: exercise cell {i} fails its check"


@pytest.mark.parametrize("path", [p for p in ALL if p not in LESSONS], ids=lambda p: p.stem)
def test_other_notebooks_run_in_quick_mode(path):
    run_notebook(path.stem)  # raises NotebookFailed, with the cell and its traceback, if any cell fails
