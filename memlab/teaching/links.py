"""The addresses memlab points at, each in one place: its own repository (for Binder and nbgitpuller) and
the article and demo it reproduces.

A fork changes ``REPOSITORY`` (and ``BRANCH`` if needed), then runs ``python scripts/update_links.py``,
which rewrites every Binder badge and nbgitpuller link in README.md and docs/teaching.md from here;
``tests/fast/test_links.py`` fails while one of them points elsewhere.
"""

from urllib.parse import quote

# This project's repository on GitHub, "owner/name". The old badges named memlab/memlab, which is not this
# project's repository; set the real one here (a fork sets its own) and run scripts/update_links.py.
REPOSITORY = "YOUR-GITHUB-ACCOUNT/memlab"
BRANCH = "main"
STUDENT_INDEX = "student/00-index.ipynb"  # what Binder and nbgitpuller open: the student version
DASHBOARD = "notebooks/dashboard.ipynb"

# What memlab reproduces (cited in the README, lessons 01 and 06 and the dashboard's introduction)
ARTICLE_TITLE = "Do Machine Learning Models Store Protected Content?"
ARTICLE_AUTHOR = "Nathan Reitinger"
ARTICLE_DATE = "6 May 2024"
ARTICLE_URL = "https://towardsdatascience.com/do-machine-learning-models-store-protected-content-abec357c6b70"
DEMO_URL = "https://huggingface.co/spaces/nathanReitinger/modelProblems"


def repository_url() -> str:
    return f"https://github.com/{REPOSITORY}"


def binder_lab(path: str = STUDENT_INDEX) -> str:
    """A Binder link that opens JupyterLab at ``path`` (a notebook in the repository)."""
    return f"https://mybinder.org/v2/gh/{REPOSITORY}/HEAD?urlpath=lab/tree/{path}"


def binder_dashboard() -> str:
    """A Binder link that opens the dashboard alone (Voila)."""
    return f"https://mybinder.org/v2/gh/{REPOSITORY}/HEAD?urlpath=voila/render/{DASHBOARD}"


def nbgitpuller(hub: str = "https://HUB", path: str = STUDENT_INDEX) -> str:
    """An nbgitpuller link: a JupyterHub at ``hub`` copies the repository into each student's home folder
    (as ``memlab/``) and opens ``path`` there."""
    return (
        f"{hub}/hub/user-redirect/git-pull?repo={quote(repository_url(), safe='')}&branch={BRANCH}"
        f"&urlpath={quote(f'lab/tree/memlab/{path}', safe='')}"
    )
