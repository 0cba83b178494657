"""Every address memlab points at follows memlab/teaching/links.py: the Binder badges and nbgitpuller links name the
one repository (``links.REPOSITORY``), and the article and demo it reproduces are cited where the issue asks
(README, lesson 01 where the thresholds first appear, lesson 06, the dashboard's introduction)."""

import importlib.util
import re
from pathlib import Path

from memlab.dashboard import app
from memlab.teaching import links

REPO = Path(__file__).resolve().parents[2]
ADDRESS = re.compile(r"(?:mybinder\.org/v2/gh|github\.com|github\.com%2F)/?([\w.-]+)(?:/|%2F)([\w.-]+)")
OURS = [
    REPO / "README.md",
    REPO / "docs" / "teaching.md",
    REPO / "docs" / "deploy.md",
    *sorted((REPO / "notebooks").glob("*.ipynb")),
    *sorted((REPO / "student").glob("*.ipynb")),
]
NOT_REPOSITORIES = {"nathanReitinger/modelProblems"}  # the demo's Space, not a GitHub repository


def update_links():
    spec = importlib.util.spec_from_file_location("update_links", REPO / "scripts" / "update_links.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_badges_and_nbgitpuller_links_are_what_the_script_writes():
    script = update_links()
    for path in script.BLOCKS:
        assert script.rewritten(path) == path.read_text(), f"{path.name}: run python scripts/update_links.py"


def test_every_repository_address_is_the_one_in_links():
    assert links.REPOSITORY != "memlab/memlab", "memlab/memlab is not this project's repository"
    for path in OURS:
        text = path.read_text().replace("%2F", "/").replace("https://github.com/", "github.com/")
        for owner, name in ADDRESS.findall(text):
            if f"{owner}/{name}" not in NOT_REPOSITORIES:
                assert f"{owner}/{name}" == links.REPOSITORY, f"{path.name} points at {owner}/{name}"


def test_article_and_demo_are_cited_with_their_date():
    lesson01 = (REPO / "notebooks" / "01-data-and-the-question.ipynb").read_text()
    lesson06 = (REPO / "notebooks" / "06-copies-copyright-and-evidence.ipynb").read_text()
    for name, text in {
        "README.md": (REPO / "README.md").read_text(),
        "lesson 01": lesson01,
        "lesson 06": lesson06,
        "the dashboard's introduction": app.INTRO,
    }.items():
        for what in (links.ARTICLE_URL, links.DEMO_URL, links.ARTICLE_AUTHOR, links.ARTICLE_DATE):
            assert what in text, f"{name} does not cite {what}"
    step3 = lesson01[lesson01.index("## Step 3") : lesson01.index("| verdict |")]
    assert links.ARTICLE_URL in step3, "lesson 01 should cite the article where the thresholds first appear"


# A link that a student gets: Binder (lab or Voila) or nbgitpuller, as written in the docs and the README
BINDER = re.compile(r"https://mybinder\.org/v2/gh/[\w.-]+/[\w.-]+/([\w.-]+)\?urlpath=([^)\s]+)")
PULLER = re.compile(r"git-pull\?repo=[^&\s]+&branch=([\w.-]+)&urlpath=([^)\s`]+)")


def test_students_links_open_the_student_release():
    """Every Binder badge and nbgitpuller link opens the branch ``student`` (the release without solutions),
    except the teacher's-version column of docs/teaching.md, which opens ``main``'s notebooks/."""
    assert (
        links.binder_lab() == f"https://mybinder.org/v2/gh/{links.REPOSITORY}/student?urlpath=lab/tree/00-index.ipynb"
    )
    assert links.binder_dashboard().endswith("/student?urlpath=voila/render/dashboard.ipynb")
    assert "&branch=student&" in links.nbgitpuller() and "lab%2Ftree%2Fmemlab%2F00-index.ipynb" in links.nbgitpuller()
    found = 0
    for path in (REPO / "README.md", REPO / "docs" / "teaching.md", REPO / "docs" / "deploy.md"):
        for line in path.read_text().splitlines():
            teacher = line.split("|")[3] if line.startswith("| 0") and line.count("|") >= 4 else ""
            for branch, urlpath in BINDER.findall(line) + PULLER.findall(line):
                found += 1
                target = urlpath.replace("%2F", "/")
                if target.startswith("lab/tree/notebooks/"):  # the teacher's version: main, in its own column
                    assert branch == links.TEACHER_BRANCH and target in teacher, f"{path.name}: {line}"
                else:
                    assert branch == links.STUDENT_BRANCH, f"{path.name} sends students to {branch}: {line}"
                    assert "student/" not in target and "notebooks/" not in target, f"{path.name}: {line}"
    assert found >= 20, f"only {found} Binder and nbgitpuller links found"
