"""The student version of the lessons, made from their one source: ``python -m memlab.teaching.versions``.

The lessons in ``notebooks/`` are the source and the **instructor version**: every exercise's worked
solution, and a model answer under every "Think!" box and every list of discussion questions. Each exercise
is marked up for nbgrader 0.9 (https://nbgrader.readthedocs.io/en/stable/user_guide/creating_and_grading_assignments.html),
in the ``nbgrader`` cell metadata (schema version 3):

* a **read-only** cell with what is given (``locked``), where the exercise needs set-up code;
* the **answer** cell (``solution``, an "autograded answer"): the stub ``answer = ...   # your code`` and the
  worked solution between ``### BEGIN SOLUTION`` and ``### END SOLUTION``;
* the **check** cell (``grade``, ``locked``, 1 point, an "autograder test"): one call of the exercise's check
  (``memlab.teaching.exercises``), which shows a hint in a student's notebook and fails the cell under
  nbgrader's autograder when the answer is not right.

So a teacher can grade a class with nbgrader (``nbgrader generate_assignment`` on these lessons, then
``autograde``; docs/teaching.md, tests/notebooks/test_nbgrader.py) or with nothing at all: the
**student version** in ``student/`` is made from the source by this module, the way nbgrader's
``generate_assignment`` makes its release, without nbgrader and its gradebook:

* in a code cell, the lines from ``### BEGIN SOLUTION`` to ``### END SOLUTION`` are cut (the stub on the line
  above stays, so the check says "Not yet." until the student writes an answer; nbgrader puts its own code
  stub in their place, configured in the course's ``nbgrader_config.py``);
* a markdown cell tagged ``solution`` (a model answer) is dropped whole (nbgrader would keep it: the course
  configuration removes it with nbconvert's ``TagRemovePreprocessor``);
* check cells and given cells are made read-only and answer cells undeletable in JupyterLab, as nbgrader's
  ``LockCells`` does (the ``editable`` and ``deletable`` cell metadata); the ``nbgrader`` metadata stays;
* outputs and execution counts are cleared.

"Run All" in the student version runs no solution: every check answers "Not yet." and the student's
variables are theirs. ``student/`` is committed (Binder, nbgitpuller and the index open it);
``tests/notebooks/test_versions.py`` fails when it is not what this module makes from ``notebooks/``.
nbgrader itself is not needed for this and is not installed in the students' environment (it brings
Notebook 7, SQLAlchemy and Alembic, and JupyterLab extensions into the environment that is also the
students' Binder); the test that grades with it installs it into a separate one.
"""

import argparse
import sys
from pathlib import Path

import nbformat

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
SOLUTION_TAG = "solution"
REPO = Path(__file__).resolve().parents[2]
SOURCE, STUDENT = REPO / "notebooks", REPO / "student"
LESSONS = "0[0-7]-*.ipynb"  # the index and the seven lessons (the dashboard is not a lesson)


def cut_solutions(source: str) -> str:
    """``source`` without its ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` regions (markers included)."""
    kept, inside = [], False
    for line in source.split("\n"):
        marker = line.strip()
        if marker == BEGIN:
            if inside:
                raise ValueError(f"{BEGIN} inside a solution region:\n{source}")
            inside = True
        elif marker == END:
            if not inside:
                raise ValueError(f"{END} without {BEGIN}:\n{source}")
            inside = False
        elif not inside:
            kept.append(line)
    if inside:
        raise ValueError(f"{BEGIN} without {END}:\n{source}")
    return "\n".join(kept)


def is_solution_cell(cell) -> bool:
    """A whole cell that only the instructor version has (a model answer)."""
    return SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def nbgrader_role(cell) -> str | None:
    """``"check"``, ``"answer"`` or ``"given"`` for an exercise's cells (their nbgrader metadata), else None."""
    marks = cell.get("metadata", {}).get("nbgrader")
    if not marks:
        return None
    if marks.get("grade"):
        return "check"
    if marks.get("solution"):
        return "answer"
    return "given" if marks.get("locked") else None


def lock(cell) -> None:
    """Make a check or given cell read-only and an answer cell undeletable, as nbgrader's LockCells does."""
    role = nbgrader_role(cell)
    if role is not None:
        cell.metadata["deletable"] = False
    if role in ("check", "given"):
        cell.metadata["editable"] = False


def student_notebook(notebook):
    """A copy of ``notebook`` (an nbformat notebook) with every solution cut, its exercises locked, no outputs."""
    student = nbformat.from_dict(notebook)
    student.cells = [cell for cell in student.cells if not is_solution_cell(cell)]
    for cell in student.cells:
        cell.source = cut_solutions(cell.source)
        lock(cell)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return student


def make_student_version(source: Path = SOURCE, out: Path = STUDENT) -> list[Path]:
    """Write the student version of every lesson in ``source`` to ``out``; return the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(source.glob(LESSONS)):
        target = out / path.name
        nbformat.write(student_notebook(nbformat.read(path, as_version=4)), target)
        written.append(target)
    stale = {p.name for p in out.glob("*.ipynb")} - {p.name for p in written}
    for name in sorted(stale):  # a lesson renamed or removed in the source
        (out / name).unlink()
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m memlab.teaching.versions", description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, default=SOURCE, help="the instructor version (default: notebooks/)")
    parser.add_argument("--out", type=Path, default=STUDENT, help="where the student version goes (default: student/)")
    args = parser.parse_args(argv)
    for path in make_student_version(args.source, args.out):
        print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
