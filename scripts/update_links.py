"""Write every Binder badge and nbgitpuller link of README.md, docs/teaching.md and docs/deploy.md from links.py.

    python scripts/update_links.py          # after changing links.REPOSITORY (a fork) or a branch
    python scripts/update_links.py --check  # exit 1 if a file is not what this script writes

Each block sits between two markers, ``<!-- NAME: written by scripts/update_links.py -->`` and
``<!-- end of NAME -->``; tests/fast/test_links.py runs the check.
"""

import argparse
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from memlab.teaching import links  # noqa: E402

LESSONS = [
    ("00 index", "00-index"),
    ("01 data and the question", "01-data-and-the-question"),
    ("02 training", "02-training"),
    ("03 sampling", "03-sampling"),
    ("04 nearest-neighbour search", "04-nearest-neighbour-search"),
    ("05 does the model store its training data?", "05-does-the-model-store-its-training-data"),
    ("06 copies, copyright and evidence", "06-copies-copyright-and-evidence"),
    ("07 what a model remembers without copying", "07-what-a-model-remembers-without-copying"),
]
BADGE = "https://mybinder.org/badge_logo.svg"
DASHBOARD_BADGE = "https://img.shields.io/badge/launch-dashboard-579ACA.svg"


def readme_badges() -> str:
    return (
        f"[![JupyterLab on Binder]({BADGE})]({links.binder_lab()})\n"
        f"[![Dashboard on Binder]({DASHBOARD_BADGE})]({links.binder_dashboard()})"
    )


def teaching_links() -> str:
    # The student version opens the student release (branch `student`, lessons at its root); the teacher's
    # version opens `main`, whose notebooks/ hold the solutions: never give that column to students.
    rows = ["| notebook | student version | teacher's version |", "|---|---|---|"]
    for title, stem in LESSONS:
        rows.append(
            f"| {title} | [![Binder]({BADGE})]({links.binder_lab(f'{stem}.ipynb')}) "
            f"| [![Binder]({BADGE})]({links.binder_lab(f'notebooks/{stem}.ipynb', links.TEACHER_BRANCH)}) |"
        )
    rows.append(f"| dashboard | [![Dashboard]({DASHBOARD_BADGE})]({links.binder_dashboard()}) | |")
    rows += [
        "",
        "On a JupyterHub, the nbgitpuller link that copies the student release (branch `student`) into each "
        "student's home folder, or merges a newer release into it, and opens the index (replace `https://HUB` "
        "with your hub's address):",
        "",
        f"    {links.nbgitpuller()}",
    ]
    return "\n".join(rows)


def deploy_nbgitpuller() -> str:
    return f"```\n{links.nbgitpuller()}\n```"


BLOCKS = {
    REPO / "README.md": {"badges": readme_badges},
    REPO / "docs" / "teaching.md": {"binder links": teaching_links},
    REPO / "docs" / "deploy.md": {"nbgitpuller link": deploy_nbgitpuller},
}


def rewritten(path: Path) -> str:
    """``path``'s text with every block it holds written anew."""
    text = path.read_text()
    for name, make in BLOCKS[path].items():
        start, end = f"<!-- {name}: written by scripts/update_links.py -->", f"<!-- end of {name} -->"
        pattern = re.compile(re.escape(start) + r"\n.*?\n" + re.escape(end), re.S)
        if not pattern.search(text):
            raise SystemExit(f"{path.relative_to(REPO)} has no block '{start}' ... '{end}'")
        text = pattern.sub(lambda _, block=f"{start}\n{make()}\n{end}": block, text)
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if a file would change")
    args = parser.parse_args()
    stale = []
    for path in BLOCKS:
        text = rewritten(path)
        if text != path.read_text():
            stale.append(path.relative_to(REPO))
            if not args.check:
                path.write_text(text)
    if stale:
        print(("stale: " if args.check else "rewritten: ") + ", ".join(map(str, stale)))
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
