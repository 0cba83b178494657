"""Serving the dashboard to many people at once: the Voila command behind `memlab dashboard`, and a cap.

Voila starts one Python kernel per open dashboard tab, and each kernel holds PyTorch, the models it
ran and the search index (docs/deploy.md has the measured figures). Two things keep a shared server
alive:

* **Idle culling** (``voila.json``: ``MappingKernelManager.cull_idle_timeout`` / ``cull_interval``):
  the kernel of a tab that was closed without saying goodbye (a crashed browser, a phone put away)
  is shut down after the timeout.
* **A cap on concurrent kernels** (``CappedKernelManager`` below): Jupyter Server and Voila have no
  such setting, so this kernel manager refuses the kernel that would pass the cap, and Voila answers
  that visitor with an HTTP 503 page that reads "busy, please try again in a minute" instead of
  letting the machine run out of memory and kill everyone's kernel.

No ipywidgets here: this module only configures the server.
"""

import os
import sys
from pathlib import Path

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.web import HTTPError
from traitlets import Integer

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = "notebooks/dashboard.ipynb"     # relative to REPO, where voila.json lives

# Memory per dashboard kernel, measured by the load test (benchmarks/loadtest.py, docs/deploy.md): ten
# kernels that each warmed every model took 5.8 GB together counted by PSS (shared libraries once),
# ~580 MB each; one kernel alone peaked at 1.35 GB RSS (PyPI's CUDA build of PyTorch, whose libraries
# add ~310 MB RSS per process over the CPU build). Plan 1 000 MB per kernel and keep 1 GB for the
# Voila server itself and the operating system.
KERNEL_PEAK_MB = 1000
RESERVED_MB = 1024

# Sent as the HTTP reason phrase, so plain ASCII on one line (Voila shows it as the page's heading).
BUSY = ("The dashboard is busy: every place is taken. Please try again in a minute "
        "(places free up as other visitors close their tabs).")


class CappedKernelManager(AsyncMappingKernelManager):
    """Jupyter Server's kernel manager with a cap on how many kernels run at once.

    Used by Voila through ``--VoilaConfiguration.multi_kernel_manager_class=memlab.serve.CappedKernelManager``
    and ``--CappedKernelManager.max_kernels=N``. A new kernel past the cap raises HTTP 503 (Service
    Unavailable) with the ``BUSY`` message; kernels already running are untouched. Starts still in
    progress count too, so a burst of visitors cannot slip past the cap together.
    """

    max_kernels = Integer(0, config=True, help="Most kernels running at once (0: no cap).")

    _starting = 0  # kernels being started right now (not yet listed by list_kernel_ids)

    async def start_kernel(self, *, kernel_id=None, **kwargs):
        new = kernel_id is None
        if new and self.max_kernels and len(self.list_kernel_ids()) + self._starting >= self.max_kernels:
            self.log.warning("Refused a kernel: %d running, cap %d", len(self.list_kernel_ids()), self.max_kernels)
            raise HTTPError(503, reason=BUSY)
        self._starting += new
        try:
            return await super().start_kernel(kernel_id=kernel_id, **kwargs)
        finally:
            self._starting -= new


def memory_mb() -> int | None:
    """This machine's physical memory in MB, or None where the OS does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (ValueError, OSError, AttributeError):
        return None


def default_max_kernels(total_mb: int | None = None) -> int:
    """How many dashboard kernels fit in memory: (total - RESERVED_MB) / KERNEL_PEAK_MB, at least 1."""
    total_mb = memory_mb() if total_mb is None else total_mb
    if total_mb is None:
        return 4
    return max(1, (total_mb - RESERVED_MB) // KERNEL_PEAK_MB)


def voila_command(port: int, ip: str, max_kernels: int, open_browser: bool = False) -> list[str]:
    """The Voila command line that serves the dashboard (run it from REPO, where voila.json is read).

    Args:
        port: TCP port to listen on.
        ip: address to listen on (127.0.0.1: this machine only; 0.0.0.0: every network interface).
        max_kernels: cap on concurrent dashboard kernels (0: no cap).
        open_browser: open a browser tab on start.
    """
    if not 1 <= port <= 65535:
        raise ValueError(f"--port {port} is not a TCP port: choose one from 1 to 65535 (default 8866).")
    if max_kernels < 0:
        raise ValueError(f"--max-kernels {max_kernels} is negative: give 0 for no cap, or how many "
                         "visitors may use the dashboard at once.")
    beside_python = Path(sys.executable).parent / "voila"  # the same virtual environment
    voila = str(beside_python) if beside_python.is_file() else None
    if voila is None:
        import shutil

        voila = shutil.which("voila")
    if voila is None:
        raise ValueError("Voila is not installed: pip install voila (or run `make dashboard`).")
    if not (REPO / NOTEBOOK).is_file():
        raise ValueError(f"No dashboard notebook at {REPO / NOTEBOOK}: run memlab dashboard from a clone "
                         "of memlab.")
    return [voila, NOTEBOOK, f"--port={port}", f"--Voila.ip={ip}",
            f"--VoilaConfiguration.multi_kernel_manager_class={__name__}.CappedKernelManager",
            f"--CappedKernelManager.max_kernels={max_kernels}"] + ([] if open_browser else ["--no-browser"])
