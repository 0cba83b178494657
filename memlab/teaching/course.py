"""An nbgrader course folder for the lessons: ``python -m memlab.teaching.course DIR``.

nbgrader (https://nbgrader.readthedocs.io, 0.9.x) grades from a course folder: ``source/<assignment>/`` holds
the instructor version of each assignment, ``nbgrader_config.py`` the course's settings. This module writes
both, one assignment per lesson (``lesson01`` ... ``lesson07``, each the lesson's notebook from
``notebooks/``), with the settings the lessons need:

* ``ClearSolutions.code_stub``: nbgrader's default stub, ``raise NotImplementedError()``, would stop a
  student's "Run All" at the first exercise; the lessons keep their own stub (``answer = ...   # your code``)
  on the line above each solution region, so nbgrader's becomes a comment;
* the model answers (markdown cells tagged ``solution``) are removed from the release by nbconvert's
  ``TagRemovePreprocessor``, run before nbgrader's own steps (nbgrader only cuts solution *regions*);
* ``Execute.timeout``: nbgrader gives a cell 30 s by default; lessons train and sample in some cells.

Then, in the folder, with nbgrader installed beside memlab (not in the students' environment; docs/teaching.md):
``nbgrader generate_assignment lesson01``, collect the students' notebooks into
``submitted/<student>/lesson01/``, ``nbgrader autograde lesson01``, ``nbgrader export``.
"""

import argparse
import shutil
import sys
from pathlib import Path

from memlab.teaching.versions import SOURCE

LESSONS = "0[1-7]-*.ipynb"

CONFIG = """# nbgrader settings for the memlab lessons (written by python -m memlab.teaching.course)
from nbconvert.preprocessors import TagRemovePreprocessor
from nbgrader.converters import GenerateAssignment

c = get_config()  # noqa: F821 (defined by nbgrader when it reads this file)
c.CourseDirectory.course_id = "memlab"
# keep each lesson's own stub (`answer = ...   # your code`, above the solution region) and add no
# `raise NotImplementedError()`, which would stop a student's Run All at the first exercise
c.ClearSolutions.code_stub = {"python": "# replace the ... above with your answer"}
# the model answers (markdown cells tagged "solution") must not reach the students
c.TagRemovePreprocessor.enabled = True
c.TagRemovePreprocessor.remove_cell_tags = ["solution"]
c.GenerateAssignment.preprocessors = [
    TagRemovePreprocessor,
    *GenerateAssignment.class_traits()["preprocessors"].default(),
]
# lessons train and sample in some cells: nbgrader's default is 30 s per cell
c.Execute.timeout = 900
"""


def assignment_name(lesson: Path) -> str:
    """``01-data-and-the-question.ipynb`` -> ``lesson01``."""
    return f"lesson{lesson.name[:2]}"


def make_course(root: Path, source: Path = SOURCE, lessons: str = LESSONS) -> list[Path]:
    """Write ``root/nbgrader_config.py`` and ``root/source/lessonNN/<lesson>.ipynb``; return the notebooks."""
    found = sorted(source.glob(lessons))
    if not found:
        raise FileNotFoundError(f"No lesson matches {lessons} in {source}.")
    root.mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text(CONFIG)
    written = []
    for lesson in found:
        folder = root / "source" / assignment_name(lesson)
        folder.mkdir(parents=True, exist_ok=True)
        written.append(Path(shutil.copy2(lesson, folder / lesson.name)))
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m memlab.teaching.course", description=__doc__.split("\n")[0])
    parser.add_argument("root", type=Path, help="the course folder to write (created if missing)")
    parser.add_argument("--source", type=Path, default=SOURCE, help="the instructor version (default: notebooks/)")
    args = parser.parse_args(argv)
    try:
        written = make_course(args.root, args.source)
    except FileNotFoundError as error:
        print(f"memlab.teaching.course: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    print(f"next: cd {args.root} && nbgrader generate_assignment {assignment_name(written[0])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
