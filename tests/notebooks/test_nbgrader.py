"""A real nbgrader round trip on the lessons: the exercises are graded by nbgrader 0.9, not only styled like it.

1. nbgrader goes into a SEPARATE virtualenv, never into .venv or binder/requirements.txt (the students'
   Binder): ``.nbgrader-venv/<key>`` (git-ignored, removed by ``make clean``), with memlab, PyTorch and
   Jupyter reused from the environment running the tests (a ``.pth`` file adds its site-packages), so only
   nbgrader, Notebook 7 and a copy of alembic (nbgrader runs its ``alembic`` command) are downloaded:
   ~30 s the first time, nothing after.
2. ``python -m memlab.teaching.course`` writes a course folder in a temporary directory (one assignment per
   lesson, from ``notebooks/``), and ``nbgrader generate_assignment 'lesson*'`` releases all seven.
3. Every lesson's release and gradebook: each exercise has an answer cell and a read-only check cell worth
   1 point, no solution or model answer is left, and the release is the committed student version.
4. Lesson 01 (it neither trains nor samples: the fastest to execute), three submissions: the solutions,
   classic wrong answers, and the release untouched. ``nbgrader autograde`` (quick mode) and the gradebook
   say: full marks, 0 on every check cell, 0; the wrong answer's check cell shows the hint.

Run time (the environment cached), measured on the shared 2-core build machine: 74 s for the two tests when
it was lightly loaded (generate_assignment of all seven lessons 14 s, autograde of the three submissions
37 s; 65 s of CPU time), 394 s while ~7 other jobs ran. Building the environment the first time adds ~30 s.
"""

import hashlib
import json
import os
import subprocess
import sys
import sysconfig
import textwrap
import time
from importlib import metadata
from pathlib import Path

import nbformat
import pytest

from memlab.teaching import course, versions

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".nbgrader-venv"
NBGRADER = "nbgrader>=0.9.6,<0.10"  # what docs/teaching.md tells teachers to install
ROUND_TRIP = "lesson01"
LESSON = "01-data-and-the-question"
WRONG = {  # classic mistakes, each a hint of its own
    "lesson01-ex1-answer": "my_rmse = np.sqrt(np.mean((a - b) ** 2)) / 4095   # uint8 arithmetic wraps around\n",
    "lesson01-ex2-answer": "first_sigma = 80   # novel, but not the first\n",
}


def nbgrader_venv() -> Path:
    """The virtualenv with nbgrader, seeing this environment's packages (memlab, torch, jupyter) too."""
    here = sysconfig.get_paths()["purelib"]
    alembic = metadata.version("alembic")
    key = hashlib.sha256(f"{NBGRADER} {alembic} {sys.version} {here}".encode()).hexdigest()[:12]
    venv = CACHE / key
    if (venv / ".complete").is_file():
        return venv
    for stale in CACHE.glob("*"):
        subprocess.run(["rm", "-rf", str(stale)], check=True)
    started = time.time()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # this environment's packages (and its .pth files: memlab's editable install) after the venv's own
    (Path(purelib) / "zz_memlab_environment.pth").write_text(f"import site; site.addsitedir({here!r})\n")
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    try:
        subprocess.run([*pip, NBGRADER], check=True, timeout=900)
        # nbgrader runs the `alembic` command, which must start with this venv's Python to import nbgrader
        subprocess.run([*pip, "--no-deps", "--ignore-installed", f"alembic=={alembic}"], check=True, timeout=300)
    except subprocess.CalledProcessError as error:
        pytest.fail(f"pip could not install {NBGRADER} into {venv} (is PyPI reachable?): {error}")
    (venv / ".complete").write_text(json.dumps({"build_s": round(time.time() - started)}))
    return venv


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The course folder after generate_assignment (all lessons) and autograde (lesson 01), and a runner."""
    venv = nbgrader_venv()
    tmp = tmp_path_factory.mktemp("nbgrader")
    root = tmp / "course"
    course.make_course(root)
    env = {
        **os.environ,
        "PATH": f"{venv / 'bin'}:{os.environ['PATH']}",
        "VIRTUAL_ENV": str(venv),
        "JUPYTER_CONFIG_DIR": str(tmp / "jupyter-config"),  # no user settings or kernels from outside
        "JUPYTER_DATA_DIR": str(tmp / "jupyter-data"),
        "MEMLAB_QUICK": "1",
        "MPLBACKEND": "Agg",
    }
    env.pop("NBGRADER_EXECUTION", None)

    def run(*args, timeout=900):
        done = subprocess.run(args, cwd=root, env=env, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        assert "ERROR" not in done.stderr, f"{' '.join(args)} logged an error:\n{done.stderr[-4000:]}"
        return done.stdout

    def gradebook(code: str):
        """Run ``code`` (which prints JSON) in the nbgrader venv, in the course folder, and read its output."""
        return json.loads(run(str(venv / "bin" / "python"), "-c", textwrap.dedent(code)).strip().splitlines()[-1])

    started = time.time()
    run("nbgrader", "generate_assignment", "lesson*")
    generated_s = time.time() - started
    release = json.loads((root / "release" / ROUND_TRIP / f"{LESSON}.ipynb").read_text())
    source = json.loads((root / "source" / ROUND_TRIP / f"{LESSON}.ipynb").read_text())
    solutions = {grade_id(c): c["source"] for c in source["cells"] if role(c) == "answer"}
    for student, answers in {"right": solutions, "wrong": WRONG, "untouched": {}}.items():
        notebook = json.loads(json.dumps(release))
        for cell in notebook["cells"]:
            cell["source"] = answers.get(grade_id(cell), cell["source"])
        folder = root / "submitted" / student / ROUND_TRIP
        folder.mkdir(parents=True)
        (folder / f"{LESSON}.ipynb").write_text(json.dumps(notebook))
    started = time.time()
    run("nbgrader", "autograde", ROUND_TRIP)
    print(
        f"nbgrader: generate_assignment {generated_s:.0f} s, autograde of 3 submissions {time.time() - started:.0f} s"
    )
    return root, gradebook


def grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def role(cell) -> str | None:
    return versions.nbgrader_role(cell)


def test_every_lesson_is_an_nbgrader_assignment(graded):
    root, gradebook = graded
    cells = gradebook("""
        import json
        from nbgrader.api import Gradebook
        with Gradebook("sqlite:///gradebook.db") as gb:
            print(json.dumps({nb.name: {"graded": {g.name: g.max_score for g in nb.grade_cells},
                                        "answers": sorted(s.name for s in nb.solution_cells)}
                              for a in gb.assignments for nb in a.notebooks}))
    """)
    lessons = sorted(versions.SOURCE.glob(course.LESSONS))
    assert sorted(cells) == [p.stem for p in lessons], "generate_assignment did not release every lesson"
    for path in lessons:
        graded_cells, answers = cells[path.stem]["graded"], cells[path.stem]["answers"]
        assert len(graded_cells) >= 2 and set(graded_cells.values()) == {1.0}, f"{path.name}: {graded_cells}"
        assert [g.replace("-check", "-answer") for g in sorted(graded_cells)] == answers, (
            f"{path.name}: every exercise needs one answer cell and one check cell: {answers} / {graded_cells}"
        )
        released = json.loads((root / "release" / f"lesson{path.name[:2]}" / path.name).read_text())
        text = json.dumps(released)
        assert "BEGIN SOLUTION" not in text and "NotImplementedError" not in text, f"{path.name}: a solution is left"
        assert not any(versions.is_solution_cell(c) for c in released["cells"]), f"{path.name}: a model answer is left"
        for cell in released["cells"]:
            if role(cell) in ("check", "given"):
                assert cell["metadata"]["editable"] is False, f"{path.name}: {grade_id(cell)} can be edited"
        # the release is the student version (made by memlab.teaching.versions from the same source; that
        # student/ is what it makes is tests/notebooks/test_versions.py's job), but for nbgrader's stub line
        stub = course.CONFIG.split('code_stub = {"python": "')[1].split('"')[0]
        source = nbformat.read(root / "source" / f"lesson{path.name[:2]}" / path.name, as_version=4)
        student = versions.student_notebook(source)
        assert ["".join(c["source"]).replace(f"\n{stub}", "") for c in released["cells"]] == [
            c.source for c in student.cells
        ], f"{path.name}: nbgrader's release is not the student version"


def test_autograde_gives_right_answers_full_marks_and_wrong_or_blank_ones_zero(graded):
    root, gradebook = graded
    scores = gradebook(f"""
        import json
        from nbgrader.api import Gradebook
        with Gradebook("sqlite:///gradebook.db") as gb:
            print(json.dumps({{student: {{g.cell.name: [g.score, g.max_score] for g in
                                         gb.find_submission_notebook("{LESSON}", "{ROUND_TRIP}", student).grades}}
                              for student in ("right", "wrong", "untouched")}}))
    """)
    assert scores["right"] == {"lesson01-ex1-check": [1.0, 1.0], "lesson01-ex2-check": [1.0, 1.0]}, scores
    assert scores["wrong"] == {"lesson01-ex1-check": [0.0, 1.0], "lesson01-ex2-check": [0.0, 1.0]}, scores
    assert scores["untouched"] == {"lesson01-ex1-check": [0.0, 1.0], "lesson01-ex2-check": [0.0, 1.0]}, scores
    # the hint reaches the student's feedback as the failed check's message
    autograded = json.loads((root / "autograded" / "wrong" / ROUND_TRIP / f"{LESSON}.ipynb").read_text())
    errors = [o for c in autograded["cells"] if role(c) == "check" for o in c["outputs"] if o["output_type"] == "error"]
    assert [e["ename"] for e in errors] == ["NotYet", "NotYet"], errors
    assert "wraps around" in errors[0]["evalue"] and "is it the first?" in errors[1]["evalue"], errors
