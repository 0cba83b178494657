"""The student release (``make student-release``, memlab/teaching/release.py) holds no answer, and a student
who pulls it with nbgitpuller gets the lessons and, later, the teacher's updates without losing their edits.

Everything happens in a temporary clone of this repository (this checkout's branches are never touched): the
clone gets this working tree's files and a commit, the release is made there with the command a teacher runs,
and nbgitpuller's own ``gitpuller`` pulls it from a ``file://`` URL (as from GitHub: a shallow clone, then
fetch and merge) into a fresh folder, the student's. A Jupyter server shaped like a hub's (root: the home
folder, prefix ``/user/ada/``, Voila's extension) then runs the index's dashboard cell in its own kernel and
opens the link it gives. About 2.5 minutes on this project's 2 shared cores under a load of 10-13 (the
server and its kernel start take most of it); far less on a quiet machine."""

import ast
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import nbgitpuller  # noqa: F401  (the test pulls with its gitpuller command: pyproject.toml's dev extras)
import pytest
import websocket
from servers import free_port, server

from memlab.errors import MemlabError
from memlab.teaching import links, release

REPO = Path(__file__).resolve().parents[2]
GIT_ENV = {"GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "t@localhost", "GIT_COMMITTER_NAME": "test",
           "GIT_COMMITTER_EMAIL": "t@localhost"}  # fmt: skip
LESSONS = [f"0{n}-" for n in range(8)]
# Functions that compute an exercise's answer: a student could call them instead of answering (issue 38).
ANSWER_FUNCTIONS = ["first_non_perfect_sigma", "half_signal_step", "settle_distances", "closer_in_whole_set",
                    "calibrated_threshold", "near_copy_excess", "tpr_at_one_percent"]  # fmt: skip
LINK = re.compile(r"\]\(([^)\s]+)\)|href=[\"']([^\"']+)[\"']")


def git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(folder), *args], capture_output=True, text=True, env={**os.environ, **GIT_ENV}
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def release_command(clone: Path) -> str:
    """``python -m memlab.teaching.release`` run on the clone, as a teacher runs it (``make student-release``)."""
    done = subprocess.run([sys.executable, "-m", "memlab.teaching.release", "--repo", str(clone)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def pull(clone: Path, student: Path) -> None:
    """What an nbgitpuller link does on a hub: clone the branch, or fetch and merge it into the student's folder."""
    gitpuller = Path(sys.executable).parent / "gitpuller"
    done = subprocess.run([str(gitpuller), clone.as_uri(), release.BRANCH, str(student)], capture_output=True,
                          text=True, timeout=300, env={**os.environ, **GIT_ENV})  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """A clone of this repository whose last commit is this working tree (tracked files as they are now, and
    new files under memlab/, notebooks/ and docs/), so the release is made from what would be committed."""
    clone = tmp_path_factory.mktemp("repo") / "memlab"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(REPO), str(clone)], check=True, timeout=300)
    tracked = git(REPO, "ls-files", "-z").split("\0")
    new = git(REPO, "ls-files", "-z", "--others", "--exclude-standard", "--", "memlab", "notebooks", "docs").split("\0")
    for name in filter(None, tracked + new):
        source, target = REPO / name, clone / name
        if not source.exists():
            target.unlink(missing_ok=True)
        elif not target.exists() or source.read_bytes() != target.read_bytes():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git(clone, "add", "-A")
    git(clone, "commit", "-q", "--allow-empty", "-m", "this working tree")
    return clone


@pytest.fixture(scope="module")
def pulled(clone, tmp_path_factory) -> Path:
    out = release_command(clone)
    assert "git push origin student" in out, out
    student = tmp_path_factory.mktemp("home") / links.PULLED_FOLDER
    pull(clone, student)
    return student


def imports(tree: ast.AST, path: Path) -> set[str]:
    """The modules a file imports (``from a.b import c`` counts as a.b and a.b.c; relative imports resolved)."""
    package = ".".join(path.parts[:-1])
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    [*package.split(".")[: len(package.split(".")) - node.level + 1], *filter(None, [base])]
                )
            found |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    return found


def files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and ".git" not in p.relative_to(folder).parts]


def test_the_release_holds_no_answer(pulled):
    top = {p.name for p in pulled.iterdir()} - {".git"}
    for teacher_only in ("notebooks", "student", "tests", "docs", "benchmarks", "scripts", ".ci"):
        assert teacher_only not in top, f"the student release holds {teacher_only}/"
    for path in files(pulled):
        data = path.read_bytes()
        assert b"BEGIN SOLUTION" not in data, f"{path.relative_to(pulled)} holds a solution marker"
        if path.suffix == ".ipynb":
            for cell in json.loads(data)["cells"]:
                assert "solution" not in cell["metadata"].get("tags", []), f"{path.name} holds a model answer"
                assert not cell.get("outputs"), f"{path.name} holds outputs"
        if path.suffix == ".py":
            left_out = {p.removesuffix(".py").replace("/", ".") for p in release.LEFT_OUT}
            imported = imports(ast.parse(data), path.relative_to(pulled))
            assert not imported & left_out, f"{path.relative_to(pulled)} imports {imported & left_out}, left out"
            for name in ANSWER_FUNCTIONS:
                assert not re.search(rf"^\s*def {name}\(", data.decode(), re.M), (
                    f"{path.relative_to(pulled)} defines {name}(), which returns an exercise's answer"
                )


def test_the_release_holds_the_lessons_and_what_binder_builds(clone, pulled):
    names = {p.name for p in pulled.iterdir()}
    for prefix in LESSONS:
        assert any(n.startswith(prefix) and n.endswith(".ipynb") for n in names), f"no lesson {prefix}*"
    for needed in (links.RELEASE_INDEX, links.RELEASE_DASHBOARD, "README.md", "pyproject.toml", "voila.json"):
        assert (pulled / needed).is_file(), needed
    for needed in ("binder/postBuild", "binder/requirements.txt", "binder/fetch_data.py", "memlab/__init__.py",
                   "jupyter_config/jupyter_server_config.json"):  # fmt: skip
        assert (pulled / needed).is_file(), needed
    # Each lesson is the student version of the source lesson (solutions cut, as student/ is made)
    from memlab.teaching import versions

    made = versions.make_student_version(clone / "notebooks", pulled.parent / "made")
    for path in made:  # the glossary sits beside the lessons in the release (release.MOVED)
        expected = path.read_text().replace("](../docs/glossary.md", "](glossary.md")
        assert (pulled / path.name).read_text() == expected, f"{path.name} is not the student version"


def test_the_index_links_resolve_inside_the_release(pulled):
    index = json.loads((pulled / links.RELEASE_INDEX).read_text())
    text = "\n".join("".join(cell["source"]) for cell in index["cells"] if cell["cell_type"] == "markdown")
    targets = [a or b for a, b in LINK.findall(text)]
    local = [t for t in targets if not re.match(r"[a-z]+:|#", t)]
    assert len(local) >= 7, f"the index links {local}"
    for target in local:
        assert (pulled / target.split("#")[0]).is_file(), f"the index links {target}, which the release lacks"
    assert "notebooks/" not in text, "the index sends students to the teacher's version"
    assert "dashboard_link(" in "".join("".join(c["source"]) for c in index["cells"]), (
        "the index should give the dashboard's Voila address (links.dashboard_link)"
    )


def test_every_lessons_links_resolve_inside_the_release(pulled):
    """The lessons link the glossary, each other and the index's sections: every local link finds its file."""
    for lesson in sorted(pulled.glob("0*.ipynb")):
        cells = json.loads(lesson.read_text())["cells"]
        text = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")
        local = [t for t in (a or b for a, b in LINK.findall(text)) if not re.match(r"[a-z]+:|#", t)]
        for target in local:
            assert (pulled / target.split("#")[0]).is_file(), f"{lesson.name} links {target}, which the release lacks"
    assert (pulled / "glossary.md").is_file()


def run_in_kernel(port: int, token: str, kernel_id: str, code: str) -> dict:
    """Execute ``code`` in a kernel of the server, through its websocket as JupyterLab does; the result's data."""
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{port}/user/ada/api/kernels/{kernel_id}/channels?token={token}", timeout=180
    )
    header = {"msg_id": uuid.uuid4().hex, "msg_type": "execute_request", "session": uuid.uuid4().hex, "version": "5.3"}
    content = {"code": code, "silent": False, "store_history": False, "user_expressions": {}, "allow_stdin": False}
    ws.send(json.dumps({"header": header, "parent_header": {}, "metadata": {}, "channel": "shell", "content": content}))
    result = {}
    try:
        while True:
            message = json.loads(ws.recv())
            if message.get("parent_header", {}).get("msg_id") != header["msg_id"]:
                continue
            if message["msg_type"] == "error":
                raise AssertionError("\n".join(message["content"]["traceback"]))
            if message["msg_type"] == "execute_result":
                result = message["content"]["data"]
            if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                return result
    finally:
        ws.close()


def test_the_index_dashboard_link_opens_voila_on_a_hub_like_server(pulled, tmp_path):
    """A Jupyter server as on a JupyterHub (home folder as its root, prefix /user/ada/) opens the pulled index;
    its dashboard cell, run in the server's own kernel, links to Voila's render of the release's dashboard,
    and that address answers with Voila's page (not the notebook's source in JupyterLab)."""
    port, token = free_port(), uuid.uuid4().hex
    command = [sys.executable, "-m", "jupyter_server", f"--port={port}", "--ip=127.0.0.1", "--no-browser",
               "--allow-root", f"--ServerApp.root_dir={pulled.parent}", "--ServerApp.base_url=/user/ada/",
               f"--IdentityProvider.token={token}"]  # fmt: skip
    env = {"JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "MEMLAB_CACHE": str(tmp_path / "cache")}
    index = json.loads((pulled / links.RELEASE_INDEX).read_text())
    cell = next("".join(c["source"]) for c in index["cells"] if "dashboard_link(" in "".join(c["source"]))
    with server(command, env=env, log=tmp_path / "server.log", timeout=180) as process:
        body = json.dumps({"path": f"{links.PULLED_FOLDER}/{links.RELEASE_INDEX}", "type": "notebook",
                           "name": links.RELEASE_INDEX, "kernel": {"name": "python3"}})  # fmt: skip
        request = urllib.request.Request(f"{process.url}/user/ada/api/sessions", data=body.encode(), method="POST",
                                         headers={"Authorization": f"token {token}"})  # fmt: skip
        kernel_id = json.load(urllib.request.urlopen(request, timeout=180))["kernel"]["id"]
        html = run_in_kernel(port, token, kernel_id, cell)["text/html"]
        address = re.search(r'href="([^"]+)"', html).group(1)
        assert address == f"/user/ada/voila/render/{links.PULLED_FOLDER}/{links.RELEASE_DASHBOARD}", html
        for path, status in ((address, 200), (f"/user/ada/voila/render/{links.RELEASE_DASHBOARD}", 404)):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=180)
            connection.request("GET", path, headers={"Authorization": f"token {token}"})
            response = connection.getresponse()
            page = ""
            while "</head>" not in page and len(page) < 200_000:  # the page's head; Voila streams the cells after it
                chunk = response.read1(16_000)
                if not chunk:
                    break
                page += chunk.decode(errors="replace")
            connection.close()
            assert response.status == status, f"{path}: {response.status}"
            if status == 200:
                assert "voila" in page.lower() and "jupyterlab" not in page.lower(), page[:500]
    assert "No Jupyter server" in links.dashboard_link(pulled, None).data  # nbconvert, CI: says what to run


def test_a_new_release_merges_into_the_students_folder_and_keeps_their_edit(clone, pulled):
    first = git(clone, "rev-parse", "refs/heads/student").strip()
    again = release.make_release(clone)  # the API (a hub test calls it so): the same source, no new commit
    assert (again.commit, again.created) == (first, False), "an unchanged source made a new release commit"
    # The student answers an exercise in lesson 01 and keeps notes of their own.
    lesson01 = next(pulled.glob("01-*.ipynb"))
    notebook = json.loads(lesson01.read_text())
    notebook["cells"][0]["source"] = ["# my notes on lesson 01\n"] + notebook["cells"][0]["source"]
    lesson01.write_text(json.dumps(notebook, indent=1))
    (pulled / "my-notes.txt").write_text("mine")
    # The teacher changes lesson 02 and releases again.
    source02 = next((clone / "notebooks").glob("02-*.ipynb"))
    teacher = json.loads(source02.read_text())
    teacher["cells"][0]["source"] = ["*Updated for this week's class.*\n\n"] + teacher["cells"][0]["source"]
    source02.write_text(json.dumps(teacher, indent=1))
    git(clone, "commit", "-q", "-am", "lesson 02: a note for this week")
    made = release.make_release(clone)
    second = git(clone, "rev-parse", "refs/heads/student").strip()
    assert made.created and made.commit == second and made.source == git(clone, "rev-parse", "HEAD").strip()
    assert git(clone, "rev-parse", f"{second}^").strip() == first, "a release should be a commit on the last one"
    assert git(clone, "status", "--porcelain") == "", "the release touched the clone's working tree"
    assert git(clone, "rev-parse", "--abbrev-ref", "HEAD").strip() != "student"

    pull(clone, pulled)
    assert "Updated for this week's class." in next(pulled.glob("02-*.ipynb")).read_text(), "the update is missing"
    assert "# my notes on lesson 01" in lesson01.read_text(), "the student's edit was lost"
    assert (pulled / "my-notes.txt").read_text() == "mine"


def test_bad_input_gets_a_clear_message(tmp_path, clone):
    with pytest.raises(MemlabError, match="not a git repository"):
        release.make_release(tmp_path)
    with pytest.raises(MemlabError, match="not a commit"):
        release.make_release(clone, source="no-such-branch")
