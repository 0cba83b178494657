"""The addresses memlab points at, each in one place: its own repository (for Binder and nbgitpuller) and
the article and demo it reproduces.

Students are sent to the **student release**, the branch ``student`` that ``make student-release``
(memlab/teaching/release.py) makes: the student lessons and the dashboard at its root, the package and
``binder/``, and no solution. Only the teacher's own links (docs/teaching.md's "teacher's version" column)
open ``main``, which holds the solutions in ``notebooks/``.

A fork changes ``REPOSITORY`` (and the branches if needed), then runs ``python scripts/update_links.py``,
which rewrites every Binder badge and nbgitpuller link in README.md and docs/teaching.md from here;
``tests/fast/test_links.py`` fails while one of them points elsewhere.
"""

import html
import os
from pathlib import Path
from urllib.parse import quote

# This project's repository on GitHub, "owner/name". The old badges named memlab/memlab, which is not this
# project's repository; set the real one here (a fork sets its own) and run scripts/update_links.py.
REPOSITORY = "YOUR-GITHUB-ACCOUNT/memlab"
STUDENT_BRANCH = "student"  # the student release: every link a student gets opens this branch
TEACHER_BRANCH = "main"  # the whole repository, solutions included: only the teacher's links
RELEASE_INDEX = "00-index.ipynb"  # in the student release, at its root: what Binder and nbgitpuller open
RELEASE_DASHBOARD = "dashboard.ipynb"  # in the student release, beside the lessons
PULLED_FOLDER = "memlab"  # nbgitpuller's folder in the student's home (the repository's name)
# The same notebooks in the main branch's tree (`make lab`, `memlab dashboard`, the Binder replay test)
STUDENT_INDEX = "student/00-index.ipynb"
DASHBOARD = "notebooks/dashboard.ipynb"

# What memlab reproduces (cited in the README, lessons 01 and 06 and the dashboard's introduction)
ARTICLE_TITLE = "Do Machine Learning Models Store Protected Content?"
ARTICLE_AUTHOR = "Nathan Reitinger"
ARTICLE_DATE = "6 May 2024"
ARTICLE_URL = "https://towardsdatascience.com/do-machine-learning-models-store-protected-content-abec357c6b70"
DEMO_URL = "https://huggingface.co/spaces/nathanReitinger/modelProblems"


def repository_url() -> str:
    return f"https://github.com/{REPOSITORY}"


def binder_lab(path: str = RELEASE_INDEX, branch: str = STUDENT_BRANCH) -> str:
    """A Binder link that opens JupyterLab at ``path`` (a notebook in ``branch``; default: the student
    release's index)."""
    return f"https://mybinder.org/v2/gh/{REPOSITORY}/{branch}?urlpath=lab/tree/{path}"


def binder_dashboard() -> str:
    """A Binder link that opens the student release's dashboard alone (Voila)."""
    return f"https://mybinder.org/v2/gh/{REPOSITORY}/{STUDENT_BRANCH}?urlpath=voila/render/{RELEASE_DASHBOARD}"


def nbgitpuller(hub: str = "https://HUB", path: str = RELEASE_INDEX) -> str:
    """An nbgitpuller link: a JupyterHub at ``hub`` copies the student release into each student's home
    folder (as ``memlab/``), or merges a newer release into it, and opens ``path`` there."""
    return (
        f"{hub}/hub/user-redirect/git-pull?repo={quote(repository_url(), safe='')}&branch={STUDENT_BRANCH}"
        f"&urlpath={quote(f'lab/tree/{PULLED_FOLDER}/{path}', safe='')}"
    )


def voila_path(notebook: Path, root_dir: Path, base_url: str = "/") -> str:
    """The address, from the server's root, at which a Jupyter server with ``root_dir`` and ``base_url``
    renders ``notebook`` with Voila (``{base_url}voila/render/{path from root_dir}``)."""
    relative = Path(notebook).resolve().relative_to(Path(root_dir).resolve())
    return f"{base_url.rstrip('/')}/voila/render/{quote(relative.as_posix())}"


def find_dashboard(folder: Path) -> Path | None:
    """The dashboard notebook seen from a lessons folder: beside it (the student release) or in
    ``../notebooks`` (``student/`` in the main branch)."""
    for candidate in (Path(folder) / RELEASE_DASHBOARD, Path(folder).parent / DASHBOARD):
        if candidate.is_file():
            return candidate.resolve()
    return None


def this_server(servers=None, parent_pid: int | None = None) -> dict | None:
    """The Jupyter server that started this kernel (its ``pid`` is the kernel's parent), from the servers'
    runtime files; None when the kernel was not started by a Jupyter server (nbconvert, CI)."""
    if servers is None:
        from jupyter_server.serverapp import list_running_servers

        servers = list_running_servers()
    parent_pid = os.getppid() if parent_pid is None else parent_pid
    return next((server for server in servers if server.get("pid") == parent_pid), None)


def dashboard_link(folder: Path = Path("."), server: dict | None = None):
    """A link that opens the dashboard with Voila on the Jupyter server this notebook runs on (JupyterLab,
    Binder or a JupyterHub: the address carries the server's own prefix, e.g. ``/user/NAME/``). The index
    shows it; a markdown link cannot, as JupyterLab opens every relative link as a file."""
    from IPython.display import HTML

    server = server or this_server()
    dashboard = find_dashboard(folder)
    if dashboard is None:
        return HTML(
            "<p>The dashboard notebook is not in this folder; in a terminal, <code>memlab dashboard</code> serves it.</p>"
        )
    if server is None:
        return HTML(
            "<p>No Jupyter server started this kernel, so there is no dashboard address to give. In a terminal: "
            f"<code>voila {html.escape(dashboard.name)}</code> (or <code>memlab dashboard</code>).</p>"
        )
    try:
        address = voila_path(dashboard, server["root_dir"], server["base_url"])
    except ValueError:  # the notebook lies outside the folder the server serves
        where = html.escape(str(dashboard))
        return HTML(f"<p>This Jupyter server does not serve {where}; in a terminal: <code>voila {where}</code>.</p>")
    return HTML(
        f'<p><a href="{html.escape(address)}" target="_blank">▶ Open the dashboard</a> (Voila, in a new tab)</p>'
    )
