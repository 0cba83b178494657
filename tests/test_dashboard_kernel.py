"""The dashboard's kernel (memlab/dashboard_kernel.py) against the ordinary one, both started as Voila
starts them (jupyter_client, from a kernel spec): the same Python, without the debugger."""

import sys

from jupyter_client.kernelspec import KernelSpecManager

from kernel_client import local_kernel
from memlab.dashboard_kernel import DashboardKernelSpecs


def run_in_kernel(specs, code: str) -> str:
    printed = []
    with local_kernel(specs) as (client, _):
        client.execute_interactive(code, timeout=120, output_hook=lambda m: printed.append(
            m["content"].get("text", "")) if m["msg_type"] == "stream" else None)
    return "".join(printed).strip()


def test_the_dashboard_kernel_runs_without_the_debugger_and_still_runs_widgets():
    code = ("import sys, ipywidgets; b = ipywidgets.Button(description='Generate'); "
            "print(any(name.startswith(('debugpy', '_pydevd')) and module is not None "
            "for name, module in sys.modules.items()), b.description)")
    assert run_in_kernel(KernelSpecManager(), code) == "True Generate"    # the ordinary kernel loads it
    assert run_in_kernel(DashboardKernelSpecs(), code) == "False Generate"


def test_it_is_this_python_that_runs_the_dashboard_kernel():
    assert DashboardKernelSpecs().get_kernel_spec("python3").argv == [
        sys.executable, "-m", "memlab.dashboard_kernel", "-f", "{connection_file}"]
