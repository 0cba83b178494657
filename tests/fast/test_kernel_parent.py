"""Dashboard kernels forked by memlab.server.kernel_parent (memlab/server/fork_provisioner.py), started as Voila starts
them (jupyter_client, from ForkedDashboardKernelSpecs): what a forked kernel inherits and what it does
not, the memory it shares, and what happens when the parent is killed or cannot start."""

import json
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest
from kernel_client import local_kernel, start_local_kernel
from servers import REPO, is_forked_kernel, smaps_mb, wait_until

from memlab.server import fork_provisioner
from memlab.server.dashboard_kernel import DashboardKernelSpecs, ForkedDashboardKernelSpecs

DASHBOARD = (
    "from memlab.dashboard.app import App; "  # as notebooks/dashboard.ipynb builds it: ONNX Runtime
    "app = App(engine='onnx', background=False); app.warmer.wait(); app.generate(); print(app.results_shown)"
)


def run(client, code: str) -> str:
    printed = []
    client.execute_interactive(
        code,
        timeout=180,
        output_hook=lambda m: printed.append(m["content"].get("text", "")) if m["msg_type"] == "stream" else None,
    )
    return "".join(printed).strip()


@pytest.fixture(autouse=True)
def no_parent_left():
    yield
    fork_provisioner.PARENT.stop()


def test_a_forked_kernel_has_the_modules_imported_and_the_environment_folder_and_session_it_was_given(tmp_path):
    env = {**os.environ, "MEMLAB_TEST_MARK": "given"}
    with local_kernel(ForkedDashboardKernelSpecs(), env=env, cwd=str(tmp_path)) as (client, pid):
        kernel = psutil.Process(pid)
        assert is_forked_kernel(kernel), kernel.cmdline()
        found = json.loads(
            run(
                client,
                (
                    "import json, os, sys; print(json.dumps({"
                    "'preloaded': [m in sys.modules for m in ('numpy', 'onnxruntime', 'memlab.dashboard.app')], "
                    "'torch': 'torch' in sys.modules, 'debugger': sys.modules.get('debugpy', 0) is not None, "
                    "'mark': os.environ.get('MEMLAB_TEST_MARK'), 'cwd': os.getcwd(), "
                    "'session_leader': os.getsid(0) == os.getpid(), "
                    # imported before the kernel existed, ipywidgets still answers the page's comms
                    "'widget_comms': sorted(t for t in __import__('comm').get_comm_manager().targets if 'widget' in t)}))"
                ),
            )
        )
        assert found == {
            "preloaded": [True, True, True],
            "torch": False,
            "debugger": False,
            "mark": "given",
            "cwd": str(tmp_path),
            "session_leader": True,
            "widget_comms": ["jupyter.widget", "jupyter.widget.control"],
        }
        assert run(client, DASHBOARD) == "1"  # the dashboard draws and answers a Generate
    assert wait_until(
        lambda: not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE, timeout=10
    ), "the kernel outlived its shutdown"


def test_forked_kernels_share_the_memory_of_what_they_imported():
    measured = {}
    for name, specs in (("spawned", DashboardKernelSpecs()), ("forked", ForkedDashboardKernelSpecs())):
        with local_kernel(specs) as (client, pid):
            assert run(client, DASHBOARD + "; from memlab.memory import give_back; give_back()") == "1"
            measured[name] = smaps_mb(pid, "Pss", "Private_Dirty", "Shared_Dirty")
    print(measured)
    # A spawned kernel's written memory is all its own; a forked one shares what its parent imported.
    assert measured["spawned"]["Shared_Dirty"] < 1 and measured["forked"]["Shared_Dirty"] > 15, measured
    assert measured["forked"]["Private_Dirty"] < measured["spawned"]["Private_Dirty"] - 15, measured


def test_the_parent_reads_training_sets_from_the_disk_cache_and_computes_nothing(tmp_path):
    empty = tmp_path / "cache"
    empty.mkdir()
    opened = subprocess.run(
        [sys.executable, "-c", "from memlab.server import kernel_parent; print(kernel_parent.share_search_indexes())"],
        env={**os.environ, "MEMLAB_CACHE": str(empty)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert opened.stdout.strip() == "[]", opened.stdout + opened.stderr
    assert list(empty.iterdir()) == [], "the parent built what memlab prepare should have"


IN_KERNEL = (
    "import json; from memlab import zoo; opened = zoo._open.cache_info().currsize; "
    "saw = zoo.open('mnist-diffusion-60000', 'onnx').saw; "
    "print(json.dumps({'opened': opened, 'baselines': len(saw.baselines), "
    "'table': str(getattr(saw.index.table, 'filename', None))}))"
)


def test_forked_kernels_find_the_training_sets_open(tmp_path, monkeypatch):
    cache = tmp_path / "cache"  # holding the MNIST index and baselines only
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from memlab import zoo; from memlab.judging.baseline import "
            "baseline_distances; from memlab.judging.nearest import SCOPES; "
            "from memlab.judging.training_set import whole_split; saw = whole_split('mnist'); "
            "[baseline_distances(saw, scope, zoo.classifier('mnist')) for scope in SCOPES]",
        ],
        env={**os.environ, "MEMLAB_CACHE": str(cache)},
        check=True,
        timeout=300,
    )
    fork_provisioner.PARENT.stop()
    monkeypatch.setenv("MEMLAB_CACHE", str(cache))  # the server's environment, given to the parent
    with local_kernel(ForkedDashboardKernelSpecs()) as (client, pid):
        found = json.loads(run(client, IN_KERNEL))
    # before any work: four MNIST models saw the whole split, and their index and both baselines are open
    # (Fashion and the small models' subsets are not in this cache: their kernels open them themselves)
    assert found["opened"] >= 4 and found["baselines"] == 2, found
    assert found["table"].startswith(str(cache)), found  # still a memory map of the cache's file
    # a kernel given other folders than the parent's opens its own (here: none yet)
    with local_kernel(ForkedDashboardKernelSpecs(), env={**os.environ, "MEMLAB_CACHE": str(tmp_path / "other")}) as (
        client,
        pid,
    ):
        assert run(client, "from memlab import zoo; print(zoo._open.cache_info().currsize)") == "0"


def test_kernels_end_with_a_killed_parent_and_the_next_kernel_gets_a_new_parent():
    first = start_local_kernel(ForkedDashboardKernelSpecs())
    try:
        parent = psutil.Process(first.provisioner.pid).parent()
        os.kill(parent.pid, signal.SIGKILL)
        # ipykernel's parent poller (every second) ends the kernel; the server sees it gone
        assert wait_until(lambda: not first.is_alive(), timeout=15), "a kernel outlived its parent"
        second = start_local_kernel(ForkedDashboardKernelSpecs())
        try:
            assert second.is_alive()
            new_parent = psutil.Process(second.provisioner.pid).parent()
            assert new_parent.pid != parent.pid and "memlab.server.kernel_parent" in " ".join(new_parent.cmdline())
        finally:
            second.shutdown_kernel(now=True)
    finally:
        first.shutdown_kernel(now=True)


def test_without_a_parent_the_kernel_is_started_the_ordinary_way(monkeypatch):
    # a parent that cannot start: its module is missing, so the Python started for it exits at once
    monkeypatch.setattr(fork_provisioner, "PARENT_MODULE", "memlab.no_such_module")
    started = time.monotonic()
    manager = start_local_kernel(ForkedDashboardKernelSpecs())
    try:
        kernel = psutil.Process(manager.provisioner.pid)
        assert kernel.cmdline()[1:3] == ["-m", "memlab.server.dashboard_kernel"] and kernel.ppid() == os.getpid()
        assert time.monotonic() - started < 60
    finally:
        manager.shutdown_kernel(now=True)


def test_only_the_dashboard_kernel_is_forked():
    assert fork_provisioner.kernel_args([sys.executable, "-m", "memlab.server.dashboard_kernel", "-f", "c.json"]) == [
        "-f",
        "c.json",
    ]
    assert fork_provisioner.kernel_args([sys.executable, "-m", "ipykernel_launcher", "-f", "c.json"]) is None


STARTER = """
import sys
from jupyter_client.manager import KernelManager
from memlab.server.dashboard_kernel import ForkedDashboardKernelSpecs
manager = KernelManager(kernel_name='python3', kernel_spec_manager=ForkedDashboardKernelSpecs())
manager.start_kernel()
manager.client().wait_for_ready(timeout=120)
print(manager.provisioner.pid, flush=True)
sys.stdin.read()
"""


def test_a_killed_server_leaves_no_kernel_behind():
    # the server (here a Python holding one forked kernel) is killed outright: no shutdown of its kernels
    server = subprocess.Popen(
        [sys.executable, "-c", STARTER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    try:
        kernel = psutil.Process(int(server.stdout.readline()))
        parent = kernel.parent()
        assert "memlab.server.kernel_parent" in " ".join(parent.cmdline())
        server.kill()
        server.wait()
        gone = lambda p: not p.is_running() or p.status() == psutil.STATUS_ZOMBIE  # noqa: E731
        assert wait_until(lambda: gone(parent) and gone(kernel), timeout=15), "a kernel outlived its server"
    finally:
        server.kill()
