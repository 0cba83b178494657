"""What a server costs the machine: CPU-seconds and peak memory of a process and all its children.

A dashboard server starts one kernel per visitor and a kernel may end before the run does (culled,
or stopped with its server), so the meter keeps the last CPU times it saw for every process id and
adds them up at the end: a process that ended between two samples loses at most one interval.

    meter = ProcessTreeMeter(server.pid).start()
    ...                                  # the load
    figures = meter.stop()               # {"cpu_s": ..., "peak_pss_mb": ..., "peak_rss_mb": ..., ...}

It also counts the CPU-seconds the whole machine was busy meanwhile: what is not the server's went to
the simulated visitors (their browsers or HTTP clients) and anything else running ("other_cpu_s").
"""

import threading
import time

import psutil


class ProcessTreeMeter:
    """Samples one process tree in a background thread: CPU every ``cpu_every_s``, memory every
    ``memory_every_s`` (PSS reads every page table: it costs more, and memory moves slowly)."""

    def __init__(self, pid: int, cpu_every_s: float = 0.5, memory_every_s: float = 2.0):
        self.root = psutil.Process(pid)
        self.cpu_every_s, self.memory_every_s = cpu_every_s, memory_every_s
        self.cpu_by_pid = {}  # (pid, start time) -> user + system seconds last seen
        self.peak_pss_mb = self.peak_rss_mb = 0.0
        self.peak_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def machine_busy_s() -> float:
        """CPU-seconds the machine's cores have run anything since boot (Linux counts guest time inside user
        time; steal is time the hypervisor gave elsewhere)."""
        times = psutil.cpu_times()._asdict()
        return times["user"] + times["nice"] + times["system"] + times.get("irq", 0.0) + times.get("softirq", 0.0)

    def start(self):
        """Start sampling. What the processes already running have spent (a server's own start) is not
        counted: the figures are what the load cost."""
        self.machine_at_start = self.machine_busy_s()
        self.sample_cpu(self.tree())
        self.cpu_before = sum(self.cpu_by_pid.values())
        self._thread.start()
        return self

    def stop(self) -> dict:
        """Stop sampling (take one last sample first) and return the figures."""
        self._stop.set()
        self._thread.join()
        cpu_s = sum(self.cpu_by_pid.values()) - self.cpu_before
        machine_s = self.machine_busy_s() - self.machine_at_start
        return {
            "cpu_s": round(cpu_s, 1),
            "other_cpu_s": round(max(0.0, machine_s - cpu_s), 1),
            "peak_pss_mb": round(self.peak_pss_mb, 1),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "processes_seen": len(self.cpu_by_pid),
            "peak_processes": self.peak_processes,
        }

    def tree(self) -> list[psutil.Process]:
        try:
            return [self.root] + self.root.children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def sample_cpu(self, processes):
        for p in processes:
            try:
                times = p.cpu_times()
                # keyed by pid and start time: a reused pid is another process
                self.cpu_by_pid[(p.pid, p.create_time())] = times.user + times.system
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                pass

    def sample_memory(self, processes):
        pss = rss = 0
        for p in processes:
            try:
                info = p.memory_full_info()
                pss, rss = pss + info.pss, rss + info.rss
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                pass
        self.peak_pss_mb = max(self.peak_pss_mb, pss / 1e6)
        self.peak_rss_mb = max(self.peak_rss_mb, rss / 1e6)
        self.peak_processes = max(self.peak_processes, len(processes))

    def _run(self):
        next_memory = 0.0
        while True:
            stopping = self._stop.is_set()
            processes = self.tree()
            self.sample_cpu(processes)
            if time.time() >= next_memory or stopping:
                self.sample_memory(processes)
                next_memory = time.time() + self.memory_every_s
            if stopping:
                return
            self._stop.wait(self.cpu_every_s)
