"""One dashboard kernel's own cost, as Voila starts it (jupyter_client, from a kernel spec): the ordinary
ipykernel, memlab's (memlab/server/dashboard_kernel.py, without the debugger) started as a new Python, and the
same forked by memlab.server.kernel_parent (what `memlab dashboard` runs); then the dashboard built and one
Generate answered with the freed memory kept by the allocator, then given back (memlab/memory.py, which
the dashboard calls after every job and warm-up).

    python benchmarks/kernel.py          # prints JSON: CPU-s to start, private memory in MB (Linux)

Last, the kernel generates once with every model (the issue's one-visitor memory target): its RSS, its
PSS (its pages shared with its parent, if forked, and the other processes mapping the same files, count
in part) and its private memory.

"Private" is the memory this kernel alone has written (Private_Dirty): what each visitor adds. A forked
kernel also maps its parent's pages (the modules it imported), shared until written; a kernel started
as a new Python shares none of them. The parent's own CPU-seconds (importing the modules and opening the
training sets, once per server) are reported apart, and so is what opening the training sets costs a
process that does it itself.
"""

import json
import sys
import time
from pathlib import Path

import psutil
from jupyter_client.kernelspec import KernelSpecManager

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "helpers"))  # the helpers the tests use
from kernel_client import local_kernel  # noqa: E402
from servers import smaps_mb  # noqa: E402

from memlab.server import fork_provisioner  # noqa: E402
from memlab.server.dashboard_kernel import DashboardKernelSpecs, ForkedDashboardKernelSpecs  # noqa: E402

# the allocator left alone during the click, to see what give_back() returns afterwards
NO_TRIM = (
    "import memlab.dashboard.widgets.jobs as jobs, memlab.dashboard.widgets.warm as warm; "
    "jobs.give_back = warm.give_back = lambda: False"
)
BUILD = "from memlab.dashboard.app import App; app = App(engine='onnx', background=False)"
CLICK = "app.warmer.wait(); app.generate()"
TRIM = "from memlab.memory import give_back; give_back()"
EVERY_MODEL = (
    "from memlab.models.registry import GENERATORS\nfor model_id in GENERATORS:\n"
    "    app.model.value = model_id; app.warmer.wait(); app.generate(); give_back()"
)


# What memlab.server.kernel_parent.share_search_indexes saves each forked kernel whose visitor picks every model:
# opening each model's training set (its search index) and baselines from the disk cache, as a warm-up does.
OPEN_TRAINING_SETS = """
import json, time
from servers import smaps_mb
from memlab import zoo
from memlab.judging.nearest import SCOPES
from memlab.models.registry import GENERATORS
import memlab.models.onnx_models                 # imported by every dashboard kernel before it warms a model
before, started = smaps_mb("self", "Private_Dirty")["Private_Dirty"], time.process_time()
for model_id in GENERATORS:
    for scope in SCOPES:
        zoo.open(model_id, "onnx").baseline(scope)
print(json.dumps({"cpu_s": round(time.process_time() - started, 2),
                  "private_mb": round(smaps_mb("self", "Private_Dirty")["Private_Dirty"] - before, 1)}))
"""


def opening_training_sets() -> dict:
    import subprocess

    tests = str(Path(__file__).resolve().parents[1] / "tests" / "helpers")
    done = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {tests!r})\n" + OPEN_TRAINING_SETS],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def private_mb(pid) -> float:
    return smaps_mb(pid, "Private_Dirty")["Private_Dirty"]


def measure(specs) -> dict:
    with local_kernel(specs) as (client, pid):
        time.sleep(0.5)
        times = psutil.Process(pid).cpu_times()
        out = {"start_cpu_s": round(times.user + times.system, 2), "bare_mb": private_mb(pid)}
        for name, code in (("after_click_kept_mb", f"{NO_TRIM}\n{BUILD}\n{CLICK}"), ("after_give_back_mb", TRIM)):
            client.execute_interactive(code, timeout=300, output_hook=lambda m: None)
            out[name] = private_mb(pid)
        client.execute_interactive(EVERY_MODEL, timeout=600, output_hook=lambda m: None)
        every = smaps_mb(pid, "Rss", "Pss", "Private_Dirty")  # shared with its parent (if forked), no one else
        out["after_every_model"] = {
            "rss_mb": every["Rss"],
            "pss_mb": every["Pss"],
            "private_mb": every["Private_Dirty"],
        }
        if fork_provisioner.PARENT.process is not None:
            parent = psutil.Process(fork_provisioner.PARENT.process.pid).cpu_times()
            out["parent_start_cpu_s (once per server)"] = round(parent.user + parent.system, 2)
        return out


if __name__ == "__main__":
    print(
        json.dumps(
            {
                "ordinary kernel": measure(KernelSpecManager()),
                "dashboard kernel, new Python": measure(DashboardKernelSpecs()),
                "dashboard kernel, forked": measure(ForkedDashboardKernelSpecs()),
                "opening every training set and baseline (done once by the parent when forked)": opening_training_sets(),
            },
            indent=2,
        )
    )
    fork_provisioner.PARENT.stop()
