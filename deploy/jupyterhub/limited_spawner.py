"""Each student's server in a control group of its own, so a memory and a CPU limit hold for it.

JupyterHub's ``SimpleLocalProcessSpawner`` runs every student's single-user server as the hub's own OS user, in
a home folder of its own (``home_dir_template``); it sets ``MEM_LIMIT``/``CPU_LIMIT`` in the server's
environment but enforces neither. ``LimitedSpawner`` adds the enforcement a school's ``SystemdSpawner`` gets
from systemd: before the server starts, it makes a Linux control group (cgroup) per student with
``Spawner.mem_limit`` (a kernel that goes past it is stopped by Linux's out-of-memory killer, the server lives
on) and ``Spawner.cpu_limit`` (the CPU scheduler gives the student at most that many cores). The server and
every kernel it starts are inside it. Where the hub may not make cgroups (no root, a read-only
``/sys/fs/cgroup``), the server starts without limits and the hub's log says so once.

Both cgroup versions are handled: v1 (a ``memory`` and a ``cpu`` hierarchy, as on this project's machines)
and v2 (one unified hierarchy with ``memory.max`` and ``cpu.max``).
"""

import os
from pathlib import Path

from jupyterhub.spawner import SimpleLocalProcessSpawner

CGROUP_ROOT = Path("/sys/fs/cgroup")
PERIOD_US = 100_000  # the CPU scheduler's accounting period; the quota is cpu_limit times this


def own_cgroups() -> dict[str, Path]:
    """The folders of this process's own cgroups, by controller: {"memory": ..., "cpu": ...} (v1) or {"unified": ...}."""
    found = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(","):
            if controller in ("memory", "cpu") and (CGROUP_ROOT / controller).is_dir():
                found[controller] = CGROUP_ROOT / controller / path.lstrip("/")
        if controllers == "" and (CGROUP_ROOT / "cgroup.controllers").is_file():
            found["unified"] = CGROUP_ROOT / path.lstrip("/")
    return found


def make_cgroups(name: str, mem_limit: int | None, cpu_limit: float | None) -> list[Path]:
    """Make the student's cgroups (one per controller) with the limits written in; their folders.

    Raises OSError where this machine does not let the hub make them.
    """
    made = []
    for controller, parent in own_cgroups().items():
        if controller == "unified" and made:
            continue
        folder = parent / f"memlab-hub-{name}"
        folder.mkdir(exist_ok=True)
        made.append(folder)
        if controller in ("memory", "unified") and mem_limit:
            limit_file = "memory.max" if controller == "unified" else "memory.limit_in_bytes"
            (folder / limit_file).write_text(str(int(mem_limit)))
        if controller in ("cpu", "unified") and cpu_limit:
            quota = int(cpu_limit * PERIOD_US)
            if controller == "unified":
                (folder / "cpu.max").write_text(f"{quota} {PERIOD_US}")
            else:
                (folder / "cpu.cfs_period_us").write_text(str(PERIOD_US))
                (folder / "cpu.cfs_quota_us").write_text(str(quota))
    if not made:
        raise OSError("this process is in no memory or cpu cgroup that the hub can see under /sys/fs/cgroup")
    return made


class LimitedSpawner(SimpleLocalProcessSpawner):
    """``SimpleLocalProcessSpawner`` whose server (and its kernels) run inside a cgroup with the user's limits."""

    _warned = False

    def make_preexec_fn(self, name):
        home_preexec = super().make_preexec_fn(name)
        folders = list(getattr(self, "_cgroups", []))

        def preexec():
            home_preexec()
            for folder in folders:  # runs in the new process before it becomes the server: it joins the cgroup
                (folder / "cgroup.procs").write_text(str(os.getpid()))

        return preexec

    async def start(self):
        self._cgroups = []
        try:
            self._cgroups = make_cgroups(self.user.name, self.mem_limit, self.cpu_limit)
        except OSError as err:
            if not LimitedSpawner._warned:
                self.log.warning("memlab: memory and CPU limits are NOT enforced here (%s)", err)
                LimitedSpawner._warned = True
        os.makedirs(self.home_dir, exist_ok=True)
        return await super().start()

    async def stop(self, now=False):
        await super().stop(now=now)
        for folder in getattr(self, "_cgroups", []):
            try:
                folder.rmdir()  # empty once the server and its kernels have ended
            except OSError:
                self.log.info("memlab: cgroup %s still holds processes; left in place", folder)
        self._cgroups = []


def enforced_limits_note() -> str:
    """One line for the hub's log and `make hub`: what this machine enforces."""
    try:
        groups = own_cgroups()
    except OSError:
        groups = {}
    writable = [c for c, folder in groups.items() if os.access(folder, os.W_OK)]
    if writable:
        return f"memory and CPU limits enforced by cgroups ({', '.join(sorted(writable))})"
    return "memory and CPU limits NOT enforced (no writable cgroup; the servers start without them)"
