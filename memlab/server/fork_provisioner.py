"""The server's side of forked dashboard kernels: a jupyter_client kernel provisioner.

jupyter_client starts a kernel through a "provisioner" named by its kernel spec (the one it ships starts
a new process with ``subprocess``). ``ForkProvisioner`` asks ``memlab.server.kernel_parent`` (one process per
server, started at the first kernel) to fork the kernel instead, with the command line, environment and
folder jupyter_client prepared; everything else (connection files, ports, shutting down, signals) is
jupyter_client's own, applied to the forked process. If the parent cannot be started, or dies, the
kernel is started the ordinary way and the server's log says why; the next kernel tries a new parent.

``memlab.server.dashboard_kernel.ForkedDashboardKernelSpecs`` names this provisioner (``memlab-fork``, an entry
point in pyproject.toml) for the dashboard's Python kernel; `memlab dashboard --spawn-kernels` does not.
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time

from jupyter_client.provisioning import LocalProvisioner

PARENT_START_S = 60  # the parent imports what every kernel needs once: ~1 CPU-s, more on a busy machine
PARENT_MODULE = "memlab.server.kernel_parent"
KERNEL_MODULE = "memlab.server.dashboard_kernel"


class KernelParentError(RuntimeError):
    """The kernel parent could not be started or did not answer."""


def _start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (None: no such process, or it has ended).
    Compared with the one seen at launch, so a reused process id is never taken for the kernel."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] in ("Z", "X") else int(fields[19])


class ForkedKernel:
    """A forked kernel seen as jupyter_client sees a ``subprocess.Popen``: a pid that can be polled,
    waited for and signalled. It is the parent's child, not the server's: its exit status is not known,
    so an ended kernel reads as exit status 0."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid, self.returncode = pid, None
        self._started = _start_time(pid)

    def poll(self) -> int | None:
        if self.returncode is None and (self._started is None or _start_time(self.pid) != self._started):
            self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, signum: int):
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self):
        self.send_signal(signal.SIGKILL)

    def terminate(self):
        self.send_signal(signal.SIGTERM)


class KernelParent:
    """The server's one ``memlab.server.kernel_parent`` process, started when first needed, restarted if it died."""

    def __init__(self):
        self.process = None
        self._lock = threading.Lock()

    def _start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", PARENT_MODULE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        ready = self._reply(PARENT_START_S)
        if "ready" not in ready:
            raise KernelParentError(ready.get("error", f"unexpected answer {ready}"))

    def _reply(self, timeout: float) -> dict:
        # A thread reads the line, so a parent that hangs costs the wait, not the server.
        found = []
        reader = threading.Thread(target=lambda: found.append(self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        if not found or not found[0]:
            self.stop()
            raise KernelParentError("the kernel parent did not answer" if not found else "the kernel parent ended")
        return json.loads(found[0])

    def fork(self, argv: list[str], env: dict, cwd: str | None) -> int:
        """Start one kernel; returns its pid. Raises KernelParentError if no parent answers."""
        with self._lock:
            try:
                if self.process is None or self.process.poll() is not None:
                    self._start()
                self.process.stdin.write(json.dumps({"argv": argv, "env": env, "cwd": cwd}) + "\n")
                self.process.stdin.flush()
                reply = self._reply(PARENT_START_S)
            except (OSError, ValueError) as err:  # a broken pipe: the parent died under us
                self.stop()
                raise KernelParentError(f"the kernel parent failed: {err}") from err
            if "pid" not in reply:
                raise KernelParentError(reply.get("error", f"unexpected answer {reply}"))
            return int(reply["pid"])

    def stop(self):
        """End the parent (closing its input is enough; kill it if it does not end). Its kernels end too."""
        process, self.process = self.process, None
        if process is None:
            return
        try:
            process.stdin.close()
            process.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()


PARENT = KernelParent()  # one per server process


def kernel_args(cmd: list[str]) -> list[str] | None:
    """The arguments after ``-m memlab.server.dashboard_kernel`` in a kernel's command line (None: another
    command, which this provisioner starts the ordinary way)."""
    for i in range(len(cmd) - 1):
        if cmd[i] == "-m" and cmd[i + 1] == KERNEL_MODULE:
            return cmd[i + 2 :]
    return None


class ForkProvisioner(LocalProvisioner):
    """Starts the dashboard kernel by asking ``memlab.server.kernel_parent`` to fork it."""

    async def launch_kernel(self, cmd: list[str], **kwargs):
        argv = kernel_args(cmd)
        if argv is None:
            return await super().launch_kernel(cmd, **kwargs)
        env = {str(k): str(v) for k, v in (kwargs.get("env") or os.environ).items()}
        try:
            pid = await asyncio.to_thread(PARENT.fork, argv, env, kwargs.get("cwd"))
        except KernelParentError as err:
            self.log.warning("memlab: starting this kernel the ordinary way (%s)", err)
            return await super().launch_kernel(cmd, **kwargs)
        self.process = ForkedKernel(pid)
        self.pid = self.pgid = pid  # the kernel leads its own session and process group
        return self.connection_info
