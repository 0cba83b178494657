"""The student release: a git branch ``student`` that holds only what students get, made by one command.

    make student-release            # or: python -m memlab.teaching.release
    git push origin student         # then every Binder badge and nbgitpuller link (branch=student) serves it

The repository's ``main`` branch is the teacher's: ``notebooks/`` holds every worked solution and model
answer, docs/teaching.md the model answers to the discussion questions, ``tests/`` the checks' expected
values. Binder and nbgitpuller copy a whole branch into the student's folder, so students are pointed at a
branch that has none of that. Its files, at the branch's root:

* ``00-index.ipynb`` ... ``07-*.ipynb``: the student version of each lesson, made here from ``notebooks/``
  by :func:`memlab.teaching.versions.student_notebook` (solution regions cut, ``solution`` cells dropped,
  outputs cleared); ``dashboard.ipynb``: the dashboard (Voila), outputs cleared;
* ``memlab/`` (the package, without the teacher's tools in ``memlab/teaching/``: ``versions.py``, which cuts
  the solutions, ``course.py``, nbgrader's course folder, and this file), ``pyproject.toml``, ``binder/``, ``jupyter_config/`` and ``voila.json``: what Binder builds
  and what a hub's image installs (``binder/fetch_data.py`` sets up the datasets);
* ``glossary.md`` (``docs/glossary.md``, the words the lessons explain; the lessons' links to
  ``../docs/glossary.md`` are pointed at it);
* ``README.md`` for students (below), ``.gitignore`` and the licence file if the repository has one.

Each release is a new commit on top of the previous ``student`` commit (never a rewrite), so a student's
nbgitpuller link merges the update into their folder and keeps their own edits. It is made with git's
plumbing (a temporary index, ``git write-tree``, ``git commit-tree``, ``git update-ref``): the working
tree, the index and the current branch are not touched. The release is made from a commit (default
``HEAD``), so only committed lessons are released. When nothing changed, no commit is made.

API (for scripts and tests, e.g. a JupyterHub class test that pulls the release from a local git URL)::

    from memlab.teaching.release import make_release
    release = make_release("/path/to/repo")          # -> Release(branch, commit, source, created)
    # then: gitpuller /path/to/repo student /home/student/memlab

``make_release(repo, source="HEAD", branch="student")`` returns a :class:`Release`: the branch name, the
release commit's sha, the source commit's sha and whether a new commit was made. It raises
:class:`memlab.errors.MemlabError` with a clear message when ``repo`` is not a git repository, ``source``
is not a commit, or the source has no lessons. ``release_files(repo, source)`` returns the release's files
(path -> bytes) without writing anything.
"""

import argparse
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from memlab.errors import MemlabError
from memlab.teaching import versions

BRANCH = "student"
# Copied as they are from the source commit: the package and what Binder (repo2docker) builds from.
KEPT = ["memlab", "binder", "jupyter_config", "voila.json", "pyproject.toml", ".gitignore"]
LICENCES = ["LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "COPYING"]
# Teacher-only tools inside the kept folders: the one that cuts the solutions (it names the markers), the
# nbgrader course folder and this release, both built on it. Nothing in the release may import them
# (tests/notebooks/test_release.py).
LEFT_OUT = {"memlab/teaching/versions.py", "memlab/teaching/course.py", "memlab/teaching/release.py"}
# Shipped at the release's root under a new name; the lessons' links to it are rewritten to match.
MOVED = {"docs/glossary.md": "glossary.md"}
IDENTITY = {  # used only where git has no user.name / user.email configured
    "GIT_AUTHOR_NAME": "memlab student release",
    "GIT_AUTHOR_EMAIL": "memlab-release@localhost",
    "GIT_COMMITTER_NAME": "memlab student release",
    "GIT_COMMITTER_EMAIL": "memlab-release@localhost",
}

README = """\
# memlab — the lessons (student version)

Do generative models store copies of their training data? Seven lessons answer it by experiment on small
images: you train and sample diffusion models and a GAN on MNIST and Fashion-MNIST, search every training
image for the nearest one, and judge whether a sample is a copy.

**Start with `00-index.ipynb`**, the course map: it links every lesson in order and the dashboard.

- Each lesson's "Your turn" exercises are yours to answer; the check under each one says "Not yet" with a
  hint until your answer is right.
- On a slow machine set `MEMLAB_QUICK=1` before starting Jupyter: training and sampling shrink to seconds.
- `dashboard.ipynb` is the dashboard, a page of its own: `00-index.ipynb`'s "Open the dashboard" cell gives
  its link (Voila).
- `memlab/` is the Python package the lessons call; `binder/` is how Binder builds this folder.

When your teacher publishes an update, opening the class link again merges it into this folder and keeps
your own changes. memlab is released under the MIT licence (see `pyproject.toml`).
"""


@dataclass(frozen=True)
class Release:
    """One student release: ``branch`` now points at ``commit``, made from the source commit ``source``."""

    branch: str
    commit: str
    source: str
    created: bool  # False when the release was already up to date (no new commit)


def _git(repo: Path, *args: str, input: bytes | None = None, env: dict | None = None) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], input=input, capture_output=True, env=env)
    if done.returncode != 0:
        raise MemlabError(f"git {' '.join(args[:3])} failed in {repo}: {done.stderr.decode().strip()}")
    return done.stdout.decode()


def _blob(repo: Path, source: str, path: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), "cat-file", "blob", f"{source}:{path}"], capture_output=True).stdout


def _tracked(repo: Path, source: str, *paths: str) -> list[tuple[str, str, str]]:
    """(mode, sha, path) of every file under ``paths`` in the source commit."""
    out = _git(repo, "ls-tree", "-r", "-z", source, "--", *paths)
    entries = []
    for line in filter(None, out.split("\0")):
        meta, path = line.split("\t", 1)
        mode, kind, sha = meta.split()
        if kind == "blob":
            entries.append((mode, sha, path))
    return entries


def _relink(notebook):
    """Point the lessons' links to files that ``MOVED`` puts at the release's root (``../docs/glossary.md``
    -> ``glossary.md``): the lessons sit at the root there, not in ``student/``."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for old, new in MOVED.items():
                cell.source = cell.source.replace(f"](../{old}", f"]({new}")
    return notebook


def _notebook_bytes(notebook) -> bytes:
    return (nbformat.writes(notebook) + "\n").encode()


def resolve(repo, source: str = "HEAD") -> tuple[Path, str]:
    """The repository's top folder and the full sha of the commit ``source``, or a clear error."""
    repo = Path(repo)
    if not repo.is_dir():
        raise MemlabError(f"{repo} is not a folder; give the path of memlab's git repository.")
    done = subprocess.run(["git", "-C", str(repo), "rev-parse", "--show-toplevel"], capture_output=True, text=True)
    if done.returncode != 0:
        raise MemlabError(f"{repo} is not a git repository (the release is a branch of memlab's repository).")
    top = Path(done.stdout.strip())
    done = subprocess.run(["git", "-C", str(top), "rev-parse", "--verify", "--quiet", f"{source}^{{commit}}"],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        raise MemlabError(
            f"{source!r} is not a commit of {top}; commit the lessons first (the release is made from a commit)."
        )
    return top, done.stdout.strip()


def release_files(repo, source: str = "HEAD") -> dict[str, bytes]:
    """The student release's files (path in the release -> content), made from the commit ``source``."""
    top, sha = resolve(repo, source)
    files = {}
    lessons = [p for _, _, p in _tracked(top, sha, "notebooks") if Path(p).match(f"notebooks/{versions.LESSONS}")]
    if not lessons:
        raise MemlabError(
            f"{sha[:12]} has no lessons in notebooks/ (looked for {versions.LESSONS}); nothing to release."
        )
    for path in sorted(lessons) + ["notebooks/dashboard.ipynb"]:
        text = _blob(top, sha, path)
        if not text:
            raise MemlabError(f"{sha[:12]} has no {path}; the release needs it.")
        notebook = versions.student_notebook(nbformat.reads(text.decode(), as_version=4))
        files[Path(path).name] = _notebook_bytes(_relink(notebook))
    for old, new in MOVED.items():
        files[new] = _blob(top, sha, old)
        if not files[new]:
            raise MemlabError(f"{sha[:12]} has no {old}; the lessons link to it.")
    files["README.md"] = README.encode()
    return files


def make_release(repo, source: str = "HEAD", branch: str = BRANCH) -> Release:
    """Commit the student release of ``source`` onto ``branch`` of the repository at ``repo``.

    Args:
        repo: a path inside memlab's git repository (a clone is fine).
        source: the commit to release (default ``HEAD``); uncommitted changes are not released.
        branch: the branch that receives the release (default ``student``, which the links name).

    Returns:
        A :class:`Release`; ``created`` is False when ``branch`` already held exactly this release.
    """
    top, sha = resolve(repo, source)
    files = release_files(top, sha)
    kept = [(m, s, p) for m, s, p in _tracked(top, sha, *KEPT, *LICENCES) if p not in LEFT_OUT]
    index = Path(_git(top, "rev-parse", "--absolute-git-dir").strip()) / f"memlab-release-{os.getpid()}.index"
    env = {**os.environ, "GIT_INDEX_FILE": str(index)}
    try:
        _git(top, "read-tree", "--empty", env=env)
        lines = [f"{mode} {blob}\t{path}" for mode, blob, path in kept]
        for path, content in files.items():
            blob = _git(top, "hash-object", "-w", "--stdin", input=content).strip()
            lines.append(f"100644 {blob}\t{path}")
        _git(top, "update-index", "-z", "--index-info", input="\0".join(lines).encode() + b"\0", env=env)
        tree = _git(top, "write-tree", env=env).strip()
    finally:
        index.unlink(missing_ok=True)

    ref = f"refs/heads/{branch}"
    parent = subprocess.run(["git", "-C", str(top), "rev-parse", "--verify", "--quiet", ref],
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    if parent and _git(top, "rev-parse", f"{parent}^{{tree}}").strip() == tree:
        return Release(branch, parent, sha, created=False)
    env = dict(os.environ)
    if subprocess.run(["git", "-C", str(top), "var", "GIT_COMMITTER_IDENT"], capture_output=True).returncode != 0:
        env.update(IDENTITY)
    subject = _git(top, "log", "-1", "--format=%s", sha).strip()
    message = f"Student release of {sha[:12]}\n\nMade by `python -m memlab.teaching.release` from {sha}: {subject}\n"
    commit = _git(top, "commit-tree", tree, *(["-p", parent] if parent else []), "-m", message, env=env).strip()
    # The old value guards against a release made at the same moment by someone else.
    _git(top, "update-ref", "-m", "memlab student release", ref, commit, parent or "0" * 40)
    return Release(branch, commit, sha, created=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m memlab.teaching.release", description=__doc__.split("\n")[0])
    parser.add_argument("--repo", default=".", help="memlab's git repository (default: the current folder)")
    parser.add_argument("--source", default="HEAD", help="the commit to release (default: HEAD)")
    parser.add_argument("--branch", default=BRANCH, help=f"the branch that receives it (default: {BRANCH})")
    args = parser.parse_args(argv)
    try:
        release = make_release(args.repo, args.source, args.branch)
    except MemlabError as err:
        print(f"student release: {err}", file=sys.stderr)
        return 1
    if release.created:
        print(f"{release.branch} is now {release.commit[:12]}, the student release of {release.source[:12]}.")
        print(f"Publish it: git push origin {release.branch}")
    else:
        print(
            f"{release.branch} ({release.commit[:12]}) already holds the release of {release.source[:12]}; nothing to do."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
