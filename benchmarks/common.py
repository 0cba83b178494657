"""Helpers shared by the benchmarks: side-by-side timing and the machine's description."""

import os
import platform
import time

import numpy as np
import torch


def side_by_side_ms(functions: dict, repeats: int, warmup: int = 1) -> dict:
    """Median milliseconds of each function, timed in turn (see ``side_by_side_times``)."""
    times = side_by_side_times(functions, repeats, warmup)
    return {name: round(float(np.median(t)), 3) for name, t in times.items()}


def side_by_side_times(functions: dict, repeats: int, warmup: int = 1) -> dict:
    """Every run's milliseconds, per function, timed in turn (A, B, C, A, B, C, ...) so that the
    machine's slow and fast moments fall on all of them alike."""
    for fn in functions.values():
        for _ in range(warmup):
            fn()
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, fn in functions.items():
            start = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - start) * 1000)
    return times


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}; {os.cpu_count()} cores; torch {torch.__version__} with {torch.get_num_threads()} threads"
