"""A class on a real JupyterHub (issue 39, item 1): deploy/jupyterhub/jupyterhub_config.py as `make hub` starts
it (JupyterHub, configurable-http-proxy from npm, one server per student in a cgroup with the memory and CPU
limits, the idle culler), on loopback, with the students' homes in a temporary folder.

Shown, in order, for N students (MEMLAB_HUB_STUDENTS, default 10), AT_ONCE of them working at a time:
1. each signs in through /hub/login (the form, with its _xsrf field), the hub starts their server, and the
   nbgitpuller link pulls the student release (memlab.teaching.release, branch ``student`` of a clone of this
   repository, as a file:// git URL) into their home; they open lesson 01 (contents API, a kernel session);
2. lesson 01 runs top to bottom in quick mode through the kernel's websocket (every cell answers "ok");
3. they open the dashboard at its Voila route inside their own server and press Generate through the
   widgets, as the page does; a numbered result comes back. The servers read the repository's
   voila.json and jupyter_server_config.json: a 10 MB upload-sized message reaches a kernel through the
   proxy, a 12 MB one does not;
4. one student edits lesson 01, the release gets a new commit, and the second pull brings the new commit
   while keeping the edit; another runs past the memory limit and sees the kernel die and restart while
   their server lives on;
5. a student in Chromium signs in with the form, follows the nbgitpuller link into JupyterLab, and presses
   Generate on the dashboard's page;
6. every server nobody uses is stopped by the idle culler, and its memory given back.

Figures (sign-in to lesson open, memory and CPU per student, the hub's own cost, the test's run time) go to
test-artifacts/jupyterhub/figures.json and are printed (`make hub-test`); docs/deploy.md quotes them.
Everything started here is ended, also when a step fails.
"""

import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest
import requests
from kernel_client import KernelClient, find_widget, results_shown
from servers import (
    CHROMIUM,
    REPO,
    click_generate_and_wait,
    free_port,
    kernel_answers,
    launch_chromium,
    server,
    smaps_mb,
    wait_until,
)

sys.path.insert(0, str(REPO / "deploy" / "jupyterhub"))
from limited_spawner import own_cgroups  # noqa: E402

from memlab.teaching.release import make_release  # noqa: E402

pytestmark = pytest.mark.server

PROXY = REPO / ".hub-node" / "node_modules" / ".bin" / "configurable-http-proxy"
if not PROXY.exists():
    pytest.fail("configurable-http-proxy is missing: run `make hub-proxy` (npm install into .hub-node/)", pytrace=False)

ARTIFACTS = REPO / "test-artifacts" / "jupyterhub"
N = int(os.environ.get("MEMLAB_HUB_STUDENTS", "10"))
AT_ONCE = 3  # students working at the same moment (2 shared cores: more only queue for them)
IDLE_TIMEOUT_S = 60  # the culler's timeout here (a class: an hour)
MEM_LIMIT = "2G"
LESSON = "memlab/01-data-and-the-question.ipynb"
DASHBOARD = "memlab/dashboard.ipynb"
STEP_S = 300  # the most any one step may take on a busy 2-core machine
TAG = secrets.token_hex(2)


def student_name(i):
    return f"st{TAG}-{i:02d}"


# ---------------------------------------------------------------- the hub and the lessons' release


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """A clone of this repository with the student release on its ``student`` branch (the repository itself
    is never touched): the nbgitpuller link's git URL."""
    clone = tmp_path_factory.mktemp("release") / "memlab-release"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(REPO), str(clone)], check=True)
    made = make_release(clone)
    assert made.branch == "student"
    subprocess.run(["git", "-C", str(clone), "checkout", "-q", "student"], check=True)
    files = set(os.listdir(clone))
    assert {"01-data-and-the-question.ipynb", "dashboard.ipynb"} <= files, files
    return clone


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    state = tmp_path_factory.mktemp("hub")
    port = free_port()
    env = {
        "MEMLAB_HUB_PASSWORD": secrets.token_urlsafe(12),
        "MEMLAB_HUB_DIR": str(state),
        "MEMLAB_HUB_PORT": str(port),
        "MEMLAB_HUB_API_PORT": str(free_port()),
        "MEMLAB_HUB_PROXY_API_PORT": str(free_port()),
        "MEMLAB_HUB_IDLE_TIMEOUT": str(IDLE_TIMEOUT_S),
        "MEMLAB_HUB_MEM_LIMIT": MEM_LIMIT,
        "MEMLAB_QUICK": "1",
        "MPLBACKEND": "Agg",
    }
    command = [str(REPO / ".venv" / "bin" / "jupyterhub"), "-f", "deploy/jupyterhub/jupyterhub_config.py"]
    command.append(f"--port={port}")
    log = ARTIFACTS / "hub.log"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        with server(command, env=env, log=log, timeout=120) as process:
            process.password, process.state = env["MEMLAB_HUB_PASSWORD"], state
            assert wait_until(lambda: answers(process.url + "/hub/api"), timeout=120), f"the hub never answered; {log}"
            yield process
    finally:
        for folder in own_cgroups().values():  # the cgroups of servers the hub did not get to stop
            for group in folder.glob(f"memlab-hub-st{TAG}-*"):
                wait_until(lambda g=group: not _rmdir(g), timeout=20)


def _rmdir(folder):
    try:
        folder.rmdir()
    except FileNotFoundError:
        return False
    except OSError:
        return True
    return False


def answers(url):
    try:
        return requests.get(url, timeout=10).status_code == 200
    except requests.RequestException:
        return False


# ---------------------------------------------------------------- one student, over HTTP and websockets


class Student:
    """One student's browser session: the hub's cookies, then their own server's."""

    def __init__(self, hub, name):
        self.hub, self.name, self.url = hub, name, hub.url
        self.http = requests.Session()
        self.base = f"{hub.url}/user/{name}"

    def xsrf(self, path):
        return next(c.value for c in self.http.cookies if c.name == "_xsrf" and c.path.rstrip("/") == path)

    def sign_in(self):
        """The /hub/login form, then the spawn page, as a browser follows them; waits for the server."""
        form = self.http.get(self.url + "/hub/login", timeout=60)
        assert form.status_code == 200 and 'name="_xsrf"' in form.text, form.text[:300]
        answer = self.http.post(
            self.url + "/hub/login?next=" + urllib.parse.quote("/hub/spawn"),
            data={"username": self.name, "password": self.hub.password, "_xsrf": self.xsrf("/hub")},
            timeout=STEP_S,
        )
        assert answer.status_code == 200, f"{self.name}: sign-in answered {answer.status_code}"
        ready = wait_until(self.server_ready, timeout=STEP_S, interval=1)
        assert ready, f"{self.name}: the hub did not start their server within {STEP_S} s"

    def server_ready(self):
        model = self.http.get(
            f"{self.url}/hub/api/users/{self.name}", headers={"X-XSRFToken": self.xsrf("/hub")}, timeout=60
        )
        assert model.status_code == 200, f"{self.name}: the hub's API answered {model.status_code}: {model.text}"
        server_model = model.json()["servers"].get("", {})
        return server_model.get("ready")

    def pull(self, repo):
        """What the nbgitpuller link does: its page (through the hub's sign-in to this server), then the
        event stream its page reads; returns the last event."""
        query = urllib.parse.urlencode({"repo": repo, "branch": "student", "targetpath": "memlab", "urlpath": "lab"})
        page = self.http.get(f"{self.url}/hub/user-redirect/git-pull?{query}", timeout=STEP_S)
        assert page.status_code == 200 and "git-pull" in page.text, f"{self.name}: {page.status_code} {page.url}"
        assert page.url.startswith(self.base + "/git-pull"), page.url
        events = []
        with self.http.get(f"{self.base}/git-pull/api?{query}", stream=True, timeout=STEP_S) as stream:
            for line in stream.iter_lines(decode_unicode=True):
                if line and line.startswith("data:"):
                    events.append(json.loads(line[5:]))
                    if events[-1].get("phase") in ("finished", "error"):
                        break
        assert events and events[-1]["phase"] == "finished", f"{self.name}: nbgitpuller said {events[-3:]}"
        return events[-1]

    def api(self, method, path, **kwargs):
        headers = {"X-XSRFToken": self.xsrf(f"/user/{self.name}")} if method != "GET" else {}
        answer = self.http.request(method, f"{self.base}/api/{path}", headers=headers, timeout=STEP_S, **kwargs)
        assert answer.ok, f"{self.name}: {method} /api/{path} answered {answer.status_code}: {answer.text[:300]}"
        return answer.json() if answer.content else None

    def open_lesson(self, path):
        """JupyterLab's page, the notebook's contents and a kernel session for it: the lesson is open."""
        lab = self.http.get(f"{self.base}/lab/tree/{path}", timeout=STEP_S)
        assert lab.status_code == 200 and "jupyter-config-data" in lab.text, f"{self.name}: lab {lab.status_code}"
        notebook = self.api("GET", f"contents/{path}")["content"]
        session = self.api(
            "POST", "sessions", json={"path": path, "type": "notebook", "name": "", "kernel": {"name": "python3"}}
        )
        self.lesson_kernel_id = session["kernel"]["id"]
        client = self.kernel(self.lesson_kernel_id)
        client.send("kernel_info_request", {})
        assert client.receive(STEP_S, until=lambda m: m["header"]["msg_type"] == "kernel_info_reply"), self.name
        return notebook, client

    def kernel(self, kernel_id):
        return KernelClient(self.base, kernel_id, cookies=self.http.cookies.get_dict(), timeout=STEP_S)

    def run(self, client, code, timeout=STEP_S):
        """Execute ``code``; the execute_reply's content and what the cell printed."""
        msg_id = client.send("execute_request", {"code": code, "silent": False, "store_history": True})
        messages = client.receive(
            timeout,
            until=lambda m: m["parent_header"].get("msg_id") == msg_id and m["header"]["msg_type"] == "execute_reply",
        )
        mine = [m for m in messages if m["parent_header"].get("msg_id") == msg_id]
        replies = [m for m in mine if m["header"]["msg_type"] == "execute_reply"]
        printed = "".join(m["content"].get("text", "") for m in mine if m["header"]["msg_type"] == "stream")
        return (replies[0]["content"] if replies else {"status": "no reply", "messages": messages}), printed

    def processes(self):
        """Their server and everything it started (found by its home folder, the spawner's working folder)."""
        home = str(self.hub.state / "homes" / self.name)
        for child in psutil.Process(self.hub.pid).children(recursive=True):
            try:
                if "jupyterhub-singleuser" in " ".join(child.cmdline()) and child.cwd() == home:
                    return [child, *child.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
        return []


def cpu_s(processes, ended_children=True):
    """CPU-seconds of the processes; with ``ended_children``, also of their children that have ended
    (a server's closed kernels; False for the hub, whose ended children are the culled servers)."""
    total = 0.0
    for p in processes:
        try:
            t = p.cpu_times()
            total += t.user + t.system + (t.children_user + t.children_system if ended_children else 0)
        except psutil.NoSuchProcess:
            pass
    return total


def pss_mb(processes):
    total = 0.0
    for p in processes:
        try:
            total += smaps_mb(p.pid, "Pss")["Pss"]
        except OSError:
            pass
    return total


def cgroup_peak_mb(name):
    """The most memory the student's cgroup held (what the limit counts: their processes and the files they
    read into memory); None where the hub made no cgroup."""
    for controller, folder in own_cgroups().items():
        for peak in ("memory.max_usage_in_bytes", "memory.peak"):
            file = folder / f"memlab-hub-{name}" / peak
            if controller in ("memory", "unified") and file.exists():
                return round(int(file.read_text()) / 1e6)
    return None


def generate(student, kernel_id):
    """Press Generate as the dashboard's page does (widget messages over the kernel's websocket); seconds."""
    client = student.kernel(kernel_id)
    try:
        button = find_widget(client.widget_states(), "ButtonModel", description="Generate")
        started = time.time()
        client.press(button)
        messages = client.receive(STEP_S, until=lambda m: results_shown([m]) > 0)
        assert results_shown(messages) > 0, f"{student.name}: no result within {STEP_S} s"
        return time.time() - started
    finally:
        client.close()


def one_student(hub, release, i, figures, checks):
    """Sign in, pull, open and run lesson 01, open the dashboard and Generate; figures into ``figures``. The
    students named in ``ROLES`` then do their part of the checks (while their server is in use: the culler
    stops a server a minute after its student is done), each outcome into ``checks``."""
    student = Student(hub, student_name(i))
    started = time.time()
    student.sign_in()
    spawned = time.time()
    student.pull(release.as_uri())
    notebook, lesson = student.open_lesson(LESSON)
    opened = time.time()
    failed = []
    for number, cell in enumerate(c for c in notebook["cells"] if c["cell_type"] == "code"):
        reply, printed = student.run(lesson, cell["source"])
        if reply["status"] != "ok":
            failed.append((number, reply.get("ename"), reply.get("evalue")))
    ran = time.time()
    assert not failed, f"{student.name}: lesson 01's cells failed: {failed}"
    page = student.http.get(f"{student.base}/voila/render/{DASHBOARD}", timeout=STEP_S)
    assert page.status_code == 200, f"{student.name}: the dashboard answered {page.status_code}"
    kernel_id = re.search(r'"kernelId": "([0-9a-f-]+)"', page.text).group(1)
    dashboard_open = time.time()
    click_s = generate(student, kernel_id)
    processes = student.processes()
    figures[student.name] = {
        "sign_in_to_lesson_open_s": round(opened - started, 1),
        "server_start_s": round(spawned - started, 1),
        "lesson_01_quick_s": round(ran - opened, 1),
        "dashboard_open_s": round(dashboard_open - ran, 1),
        "generate_s": round(click_s, 2),
        "pss_mb": round(pss_mb(processes)),
        "rss_mb": round(sum(p.memory_info().rss for p in processes if p.is_running()) / 1e6),
        "cpu_s": round(cpu_s(processes), 1),
        "cgroup_peak_mb": cgroup_peak_mb(student.name),
        "processes": len(processes),
    }
    print(student.name, figures[student.name], flush=True)
    for role, check in (("settings", check_settings), ("second_pull", check_second_pull), ("memory", check_memory)):
        if ROLES[role] == i:
            try:
                checks[role] = {"ok": True, **check(student, lesson, release)}
            except Exception as err:  # noqa: BLE001  (reported by that check's own test below)
                checks[role] = {"ok": False, "error": f"{type(err).__name__}: {err}"}
    lesson.close()


ROLES = {"settings": 0, "second_pull": 1 % N, "memory": 2 % N}  # which student does which check


def check_settings(student, lesson, release):
    """The students' servers read jupyter_server_config.json and voila.json from the repository, and the
    websocket limit (10 MB + 1 MiB) holds through the hub's proxy: a 10 MB upload-sized message reaches the
    kernel, a 12 MB one closes the websocket (the dashboard's page then says the file is too large)."""
    reply, printed = student.run(
        lesson,
        "from jupyter_core.paths import jupyter_config_path\n"
        "import os\n"
        "for folder in jupyter_config_path():\n"
        "    for name in ('jupyter_server_config.json', 'voila.json'):\n"
        "        if os.path.exists(os.path.join(folder, name)): print(name, folder)\n",
    )
    assert reply["status"] == "ok", reply
    assert f"jupyter_server_config.json {REPO / 'jupyter_config'}" in printed, printed
    assert f"voila.json {REPO}" in printed, printed
    cookie = {"Cookie": "; ".join(f"{k}={v}" for k, v in student.http.cookies.get_dict().items())}
    assert kernel_answers(student.base, student.lesson_kernel_id, 10 * 10**6, headers=cookie), "10 MB refused"
    assert not kernel_answers(student.base, student.lesson_kernel_id, 12 * 10**6, headers=cookie), "12 MB let in"
    return {"read": printed.split("\n")[:2]}


def check_second_pull(student, lesson, release):
    """The student edits lesson 01, the teacher releases again (a new commit on ``student``), the student's
    link pulls again: the new release arrives and the edit stays."""
    model = student.api("GET", f"contents/{LESSON}")
    note = f"My own note, {uuid.uuid4().hex[:8]}: the distance is in grey levels."
    model["content"]["cells"][0]["source"] += "\n\n" + note
    student.api("PUT", f"contents/{LESSON}", json={"type": "notebook", "format": "json", "content": model["content"]})
    readme = release / "README.md"
    readme.write_text(readme.read_text() + "\nA note from the teacher, for the second pull.\n")
    subprocess.run(["git", "-C", str(release), "commit", "-qam", "Second release"], check=True)
    student.pull(release.as_uri())
    kept = student.api("GET", f"contents/{LESSON}")["content"]["cells"][0]["source"]
    assert note in kept, "nbgitpuller's second pull lost the student's edit"
    pulled = student.api("GET", "contents/memlab/README.md")["content"]
    assert "A note from the teacher" in pulled, "the second pull did not bring the new release"
    return {}


def check_memory(student, lesson, release):
    """A cell that needs 3 GB under the 2 GB limit: the kernel is stopped (Linux's out-of-memory killer), its
    websocket says "restarting" (JupyterLab: the kernel "appears to have died. It will restart
    automatically."), the cell gets no answer, and the student's server lives on."""
    if not os.access(next(iter(own_cgroups().values()), Path("/nonexistent")), os.W_OK):
        return {"skipped": "this machine lets no process make cgroups: the limit is not enforced here"}
    msg_id = lesson.send(
        "execute_request", {"code": "import numpy as np\nbig = np.ones(3 * 10**9 // 8)", "silent": False}
    )
    messages = lesson.receive(
        STEP_S, until=lambda m: m["content"].get("execution_state") in ("restarting", "autorestarting", "dead")
    )
    states = [m["content"].get("execution_state") for m in messages if m["header"]["msg_type"] == "status"]
    assert {"restarting", "autorestarting", "dead"} & set(states), f"the kernel survived past the limit: {states}"
    replies = [m for m in messages if m["header"]["msg_type"] == "execute_reply"]
    assert msg_id not in {m["parent_header"].get("msg_id") for m in replies}, "the 3 GB cell was answered"
    assert student.api("GET", "status")["kernels"] >= 1, "the student's server did not survive the killed kernel"
    return {"states": states, "cgroup_peak_mb": cgroup_peak_mb(student.name)}


# ---------------------------------------------------------------- the class


@pytest.fixture(scope="module")
def lesson_run(hub, release):
    """The whole class, as described at the top; returns what each later test checks."""
    started = time.time()
    hub_processes = [psutil.Process(hub.pid), *psutil.Process(hub.pid).children()]
    hub_processes = [p for p in hub_processes if "jupyterhub-singleuser" not in " ".join(p.cmdline())]
    hub_cpu_before = cpu_s(hub_processes, ended_children=False)
    figures, checks = {}, {}
    with ThreadPoolExecutor(AT_ONCE) as pool:
        for future in [pool.submit(one_student, hub, release, i, figures, checks) for i in range(N)]:
            future.result()
    class_s = time.time() - started
    hub_at_peak = {
        "pss_mb": round(pss_mb(hub_processes)),
        "cpu_s": round(cpu_s(hub_processes, ended_children=False) - hub_cpu_before, 1),
    }
    return {"students": figures, "checks": checks, "class_s": class_s, "hub": hub_at_peak, "started": started}


def test_every_student_ran_lesson_01_and_generated(lesson_run):
    assert len(lesson_run["students"]) == N
    for name, figures in lesson_run["students"].items():
        assert figures["processes"] >= 3, f"{name}: their server should hold a lesson and a dashboard kernel"


def test_the_servers_read_the_binder_settings(lesson_run):
    assert lesson_run["checks"]["settings"]["ok"], lesson_run["checks"]["settings"]


def test_a_second_pull_keeps_the_students_edit(lesson_run):
    assert lesson_run["checks"]["second_pull"]["ok"], lesson_run["checks"]["second_pull"]


def test_past_the_memory_limit_the_kernel_dies_and_restarts(lesson_run):
    outcome = lesson_run["checks"]["memory"]
    if "skipped" in outcome:
        pytest.skip(outcome["skipped"])
    assert outcome["ok"], outcome


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's Chromium")
def test_a_student_in_chromium(hub, release, lesson_run):
    """The nbgitpuller link, JupyterLab and the dashboard's page, in a real browser."""
    name = student_name(N)
    browser = launch_chromium()
    try:
        page = browser.new_page()
        started = time.time()
        page.goto(f"{hub.url}/hub/login", timeout=STEP_S * 1000)
        page.get_by_label("Username").fill(name)
        page.get_by_label("Password").fill(hub.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(rf"/user/{name}/lab"), timeout=STEP_S * 1000)  # after the spawn page
        query = urllib.parse.urlencode(
            {"repo": release.as_uri(), "branch": "student", "targetpath": "memlab", "urlpath": f"lab/tree/{LESSON}"}
        )
        page.goto(f"{hub.url}/hub/user-redirect/git-pull?{query}", timeout=STEP_S * 1000)
        page.wait_for_url(re.compile(r"/lab/tree/"), timeout=STEP_S * 1000)
        # the lesson is open when its first heading is drawn and its kernel is ready (JupyterLab's indicator)
        page.get_by_role("heading", name=re.compile("Lesson 1")).first.wait_for(timeout=STEP_S * 1000)
        page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(timeout=STEP_S * 1000)
        lesson_open_s = time.time() - started
        page.goto(f"{hub.url}/user/{name}/voila/render/{DASHBOARD}", timeout=STEP_S * 1000)
        page.get_by_role("button", name="Generate").first.wait_for(timeout=STEP_S * 1000)
        click_s = click_generate_and_wait(page, timeout_ms=STEP_S * 1000)
        page.close()
    finally:
        browser.close()
    lesson_run["chromium"] = {"sign_in_to_lesson_open_s": round(lesson_open_s, 1), "generate_s": round(click_s, 2)}


def test_idle_servers_are_culled_and_figures_written(hub, lesson_run):
    """With nobody using them, every server is stopped by jupyterhub-idle-culler, its memory given back."""
    names = list(lesson_run["students"])
    students = [Student(hub, name) for name in names]
    log_file = ARTIFACTS / "hub.log"

    def running():
        log = log_file.read_text()
        return [s.name for s in students if s.processes() or f"/users/{s.name}/server (idle-culler@" not in log]

    waited = time.time()
    left = wait_until(lambda: not running(), timeout=IDLE_TIMEOUT_S * 4, interval=5)
    assert left, f"still running {IDLE_TIMEOUT_S * 4} s later: {running()}"
    log = (ARTIFACTS / "hub.log").read_text()
    for name in names:
        assert re.search(rf"DELETE /hub/api/users/{name}/server \(idle-culler@", log), f"the culler did not stop {name}"
    students = lesson_run["students"].values()
    figures = {
        "students": N,
        "at_once": AT_ONCE,
        "mem_limit": MEM_LIMIT,
        "per_student": lesson_run["students"],
        "median": {
            key: statistics.median(s[key] for s in students)
            for key in ("sign_in_to_lesson_open_s", "server_start_s", "lesson_01_quick_s", "dashboard_open_s")
            + ("generate_s", "pss_mb", "rss_mb", "cpu_s")
        },
        "max": {key: max(s[key] for s in students) for key in ("sign_in_to_lesson_open_s", "pss_mb", "cpu_s")},
        "cgroup_peak_mb": max((s["cgroup_peak_mb"] or 0 for s in students), default=0) or None,
        "hub": lesson_run["hub"],
        "class_s": round(lesson_run["class_s"], 1),
        "culled_within_s": round(time.time() - waited, 1),
        "chromium": lesson_run.get("chromium"),
        "memory_limit": lesson_run["checks"].get("memory"),
        "test_s": round(time.time() - lesson_run["started"], 1),
        "cores": os.cpu_count(),
    }
    (ARTIFACTS / "figures.json").write_text(json.dumps(figures, indent=1) + "\n")
    print(json.dumps({k: v for k, v in figures.items() if k != "per_student"}, indent=1))
