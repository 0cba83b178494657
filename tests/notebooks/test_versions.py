"""The student version (``student/``) is what ``python -m memlab.teaching.versions`` makes from the lessons in
``notebooks/`` (the instructor version), and "Run All" in it answers no exercise.

* in sync: regenerating it from ``notebooks/`` gives the committed files, byte for byte;
* nothing of a solution is left in it: no solution marker, no worked solution, no model answer, no folded cell;
* its exercises are locked as nbgrader's release locks them: check cells read-only, answer cells undeletable;
* run top to bottom (quick mode, as "Run All" does) every exercise's check cell says "Not yet", no cell says
  "Correct", and every variable a student is asked for is still ``...``.
"""

import json
import re

import nbformat
import pytest

from memlab.teaching import versions

pytest.importorskip("nbclient")
from notebook_runner import run_notebook  # noqa: E402

STUDENT_LESSONS = sorted(versions.STUDENT.glob("0[1-6]-*.ipynb"))
STUB = re.compile(r"^(\w+) = ([^#\n]*\.\.\.[^#\n]*)", re.M)  # `answer = ...   # your code`: the student's part


def test_student_version_is_made_from_the_source(tmp_path):
    made = versions.make_student_version(versions.SOURCE, tmp_path)
    assert [p.name for p in made] == sorted(p.name for p in versions.STUDENT.glob("*.ipynb")), (
        "student/ has other notebooks than the source: run python -m memlab.teaching.versions"
    )
    for path in made:
        committed = (versions.STUDENT / path.name).read_text()
        assert path.read_text() == committed, f"student/{path.name} is stale: run python -m memlab.teaching.versions"


def test_cutting_keeps_the_stub_and_the_check():
    cell = "x = ...   # your code\n### BEGIN SOLUTION\nx = 42\n### END SOLUTION\ncheck(x)"
    assert versions.cut_solutions(cell) == "x = ...   # your code\ncheck(x)"
    with pytest.raises(ValueError):
        versions.cut_solutions("### BEGIN SOLUTION\nx = 42")


@pytest.mark.parametrize("path", STUDENT_LESSONS, ids=lambda p: p.stem)
def test_student_version_holds_no_solution(path):
    notebook = nbformat.read(path, as_version=4)
    source = versions.SOURCE / path.name
    assert versions.BEGIN in source.read_text(), f"the source {source.name} marks no solution"
    for cell in notebook.cells:
        assert versions.BEGIN not in cell.source and "# Solution" not in cell.source, cell.source
        assert "Model answer" not in cell.source, cell.source
        assert not cell.metadata.get("jupyter", {}).get("source_hidden"), "a folded cell shows its first line"
        assert not versions.is_solution_cell(cell)
        if versions.nbgrader_role(cell) in ("check", "given"):
            assert cell.metadata["editable"] is False and cell.metadata["deletable"] is False, cell.source
        if versions.nbgrader_role(cell) == "answer":
            assert cell.metadata["deletable"] is False and cell.metadata.get("editable", True), cell.source


@pytest.mark.parametrize("path", STUDENT_LESSONS, ids=lambda p: p.stem)
def test_student_run_all_answers_no_exercise(path):
    lesson = run_notebook(f"student/{path.stem}")
    said = json.dumps(lesson.outputs)
    assert "Correct" not in said, f"{path.name}: Run All answered an exercise"
    checks = [c for c in lesson.code_cells if versions.nbgrader_role(c) == "check"]
    answers = [c for c in lesson.code_cells if versions.nbgrader_role(c) == "answer"]
    assert len(checks) >= 2 and len(answers) == len(checks), (
        f"{path.name}: {len(answers)} answers, {len(checks)} checks"
    )
    for cell in checks:
        assert re.search(r"\bcheck\w*\(", cell.source), cell.source
        assert "Not yet" in json.dumps(cell.outputs), f"{path.name}: no 'Not yet' under\n{cell.source}"
    for cell in answers:
        assert STUB.search(cell.source), f"{path.name}: an answer cell without a stub:\n{cell.source}"
        for name, stub in STUB.findall(cell.source):
            assert lesson.value(f"bool({name} == ({stub.strip()}))") is True, f"{path.name}: Run All answered `{name}`"
