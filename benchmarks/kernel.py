"""One dashboard kernel's own cost, as Voila starts it (jupyter_client, from a kernel spec): the ordinary
ipykernel against memlab's (memlab/dashboard_kernel.py, without the debugger), then the dashboard built
and one Generate answered with the freed memory kept by the allocator, then given back (memlab/memory.py,
which the dashboard calls after every job and warm-up).

    python benchmarks/kernel.py          # prints JSON: CPU-s to start, anonymous MB (Linux)
"""

import json
import sys
import time
from pathlib import Path

import psutil
from jupyter_client.kernelspec import KernelSpecManager

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))   # the helpers the tests use
from kernel_client import local_kernel  # noqa: E402
from memlab.dashboard_kernel import DashboardKernelSpecs  # noqa: E402

# the allocator left alone during the click, to see what give_back() returns afterwards
NO_TRIM = ("import memlab.widgets.jobs as jobs, memlab.widgets.warm as warm; "
           "jobs.give_back = warm.give_back = lambda: False")
BUILD = "from memlab import zoo; zoo.use_engine('onnx'); from memlab.app import App; app = App(background=False)"
CLICK = "app.warmer.wait(); app.generate()"
TRIM = "from memlab.memory import give_back; give_back()"


def anonymous_mb(pid) -> float:
    with open(f"/proc/{pid}/smaps_rollup") as f:
        return round(next(int(line.split()[1]) for line in f if line.startswith("Anonymous:")) / 1024, 1)


def measure(specs) -> dict:
    with local_kernel(specs) as (client, pid):
        time.sleep(0.5)
        times = psutil.Process(pid).cpu_times()
        out = {"start_cpu_s": round(times.user + times.system, 2), "bare_mb": anonymous_mb(pid)}
        for name, code in (("after_click_kept_mb", f"{NO_TRIM}\n{BUILD}\n{CLICK}"),
                           ("after_give_back_mb", TRIM)):
            client.execute_interactive(code, timeout=300, output_hook=lambda m: None)
            out[name] = anonymous_mb(pid)
        return out


if __name__ == "__main__":
    print(json.dumps({"ordinary kernel": measure(KernelSpecManager()),
                      "dashboard kernel": measure(DashboardKernelSpecs())}, indent=2))
