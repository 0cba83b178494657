"""The kernel behind each tab of `memlab dashboard`: ipykernel, without its debugger and its history file.

ipykernel imports debugpy in every kernel (about 100 modules), so that JupyterLab can step through a
notebook. Nobody debugs a dashboard tab (``memlab.server.kernel_socket`` refuses a page's debug requests
anyway), and one kernel per visitor pays for it: a kernel without it starts with 0.25-0.29 instead of
0.36-0.37 CPU-s and holds 28 instead of 35 MB of anonymous memory (`python benchmarks/kernel.py`, 6 Dec
2026, this project's 2 cores; `tests/fast/test_dashboard_kernel.py` checks that the debugger is gone). Lessons and JupyterLab keep the ordinary kernel.

``memlab.server.serve`` starts Voila with ``ForkedDashboardKernelSpecs``: the notebook's Python kernel is
``python -m memlab.server.dashboard_kernel -f CONNECTION_FILE``, forked by ``memlab.server.kernel_parent`` with its
modules already imported (``memlab.server.fork_provisioner``). `memlab dashboard --spawn-kernels` uses
``DashboardKernelSpecs``, which starts that command as a new process.
"""

import sys

from jupyter_client.kernelspec import KernelSpecManager

NATIVE = "python3"  # the dashboard notebook's kernel


class DashboardKernelSpecs(KernelSpecManager):
    """The kernel specs Voila sees: the Python kernel started by this module, every other one unchanged."""

    def get_kernel_spec(self, kernel_name):
        spec = super().get_kernel_spec(kernel_name)
        if kernel_name == NATIVE:
            spec.argv = [sys.executable, "-m", __name__, "-f", "{connection_file}"]
        return spec


class ForkedDashboardKernelSpecs(DashboardKernelSpecs):
    """The same kernel, started by forking ``memlab.server.kernel_parent`` (the provisioner ``memlab-fork``)."""

    def get_kernel_spec(self, kernel_name):
        spec = super().get_kernel_spec(kernel_name)
        if kernel_name == NATIVE:
            spec.metadata = {**spec.metadata, "kernel_provisioner": {"provisioner_name": "memlab-fork"}}
        return spec


# IPython keeps every kernel's inputs in one SQLite file in the server's home (~/.ipython), from a thread of
# its own: on a public dashboard, a session row and the notebook's cells for every visitor, for ever, and
# every kernel writing to the same file. Nobody reads a dashboard kernel's history: it stays in memory.
NO_HISTORY = "--HistoryManager.enabled=False"


def main():
    sys.modules["debugpy"] = None  # `import debugpy` raises ImportError: ipykernel starts without a debugger
    sys.argv.append(NO_HISTORY)
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
