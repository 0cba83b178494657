"""The student version of the lessons, made from their one source: ``python -m memlab.teaching.versions``.

The lessons in ``notebooks/`` are the source and the **instructor version**: every exercise's worked
solution, and a model answer under every "Think!" box and every list of discussion questions. The
**student version** in ``student/`` is made from them by this module, with nbgrader's conventions
(https://nbgrader.readthedocs.io/en/stable/user_guide/creating_and_grading_assignments.html):

* in a code cell, the lines from ``### BEGIN SOLUTION`` to ``### END SOLUTION`` are cut (nbgrader puts its
  code stub there; ours stands on the line above the region, ``answer = ...   # your code``, so the check
  below it says "not answered yet" until the student writes an answer);
* a cell tagged ``solution`` (a model answer in markdown) is dropped whole;
* outputs and execution counts are cleared.

So "Run All" in the student version runs no solution: every check answers "Not yet." and the student's
variables are theirs. ``student/`` is committed (Binder, nbgitpuller and the index open it);
``tests/notebooks/test_versions.py`` fails when it is not what this module makes from ``notebooks/``.

Why not nbgrader itself: nbgrader 0.9.6 (PyPI, read 2026-12-05) fits JupyterLab 4, but it brings
Notebook 7, SQLAlchemy and Alembic, its ``generate_assignment`` step wants a course folder and a gradebook
database, and it installs its JupyterLab extensions (formgrader, assignment list) into the environment,
which here is also the students' Binder. Cutting the regions it defines takes the few lines below.
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


def student_notebook(notebook):
    """A copy of ``notebook`` (an nbformat notebook) with every solution cut and no outputs."""
    student = nbformat.from_dict(notebook)
    student.cells = [cell for cell in student.cells if not is_solution_cell(cell)]
    for cell in student.cells:
        cell.source = cut_solutions(cell.source)
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
