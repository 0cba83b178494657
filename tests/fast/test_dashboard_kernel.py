"""The dashboard's kernel (memlab/server/dashboard_kernel.py) against the ordinary one, both started as Voila
starts them (jupyter_client, from a kernel spec): the same Python, without the debugger and the history file."""

import os
import sys

import pytest
from jupyter_client.kernelspec import KernelSpecManager
from kernel_client import local_kernel

from memlab.server import fork_provisioner
from memlab.server.dashboard_kernel import DashboardKernelSpecs, ForkedDashboardKernelSpecs


def run_in_kernel(specs, code: str, **start) -> str:
    printed = []
    with local_kernel(specs, **start) as (client, _):
        client.execute_interactive(
            code,
            timeout=120,
            output_hook=lambda m: printed.append(m["content"].get("text", "")) if m["msg_type"] == "stream" else None,
        )
    return "".join(printed).strip()


def test_the_dashboard_kernel_runs_without_the_debugger_and_still_runs_widgets():
    code = (
        "import sys, ipywidgets; b = ipywidgets.Button(description='Generate'); "
        "print(any(name.startswith(('debugpy', '_pydevd')) and module is not None "
        "for name, module in sys.modules.items()), b.description)"
    )
    assert run_in_kernel(KernelSpecManager(), code) == "True Generate"  # the ordinary kernel loads it
    assert run_in_kernel(DashboardKernelSpecs(), code) == "False Generate"


def test_it_is_this_python_that_runs_the_dashboard_kernel():
    assert DashboardKernelSpecs().get_kernel_spec("python3").argv == [
        sys.executable,
        "-m",
        "memlab.server.dashboard_kernel",
        "-f",
        "{connection_file}",
    ]


HISTORY = (
    "import threading; print(sorted(t.name for t in threading.enumerate() if 'History' in t.name), "
    "get_ipython().history_manager.enabled)"
)


@pytest.mark.parametrize("specs", [DashboardKernelSpecs, ForkedDashboardKernelSpecs])
def test_the_dashboard_kernel_keeps_no_history_file(tmp_path, specs):
    home = tmp_path / "ipython"
    env = {**os.environ, "IPYTHONDIR": str(home)}
    # the ordinary kernel writes every input to a SQLite file, from a thread of its own
    ordinary = run_in_kernel(KernelSpecManager(), HISTORY, env=env)
    assert ordinary.startswith("['IPythonHistorySavingThread']"), ordinary
    assert (home / "profile_default" / "history.sqlite").is_file()
    (home / "profile_default" / "history.sqlite").unlink()
    try:
        assert run_in_kernel(specs(), HISTORY, env=env) == "[] False"
    finally:
        fork_provisioner.PARENT.stop()
    assert not (home / "profile_default" / "history.sqlite").exists()
