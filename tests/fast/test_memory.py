"""memlab.memory: freed memory goes back to the system after a job (one kernel per visitor pays for every
MB a kernel keeps). Measured in a fresh process, from Linux's own count of its anonymous memory."""

import json
import subprocess
import sys

import pytest

CODE = """
import json, numpy as np
from memlab.dashboard.widgets.jobs import Jobs

def anonymous_mb():
    with open("/proc/self/smaps_rollup") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("Anonymous:")) / 1024

def work(generation):      # a click's temporaries: many small arrays, made and freed
    kept = [np.ones(1000) for _ in range(30000)]        # ~240 MB, each below glibc's mmap threshold
    figures["during"] = anonymous_mb()
    del kept

figures = {"before": anonymous_mb()}
Jobs(background=False).start("a click", work)
figures["after"] = anonymous_mb()
print(json.dumps(figures))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim and /proc: Linux")
def test_a_job_gives_its_freed_memory_back():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    assert figures["during"] - figures["before"] > 200
    assert figures["after"] - figures["before"] < 20, figures  # kept by the allocator without give_back
