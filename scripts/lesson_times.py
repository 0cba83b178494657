"""How long each lesson takes to run, top to bottom, in quick and full mode: the table in docs/teaching.md.

    python scripts/lesson_times.py [--modes quick full] [--lessons 01 02 ...] [--student]

Beside each lesson's total it gives its first code cell's time ("run the first code cell before class") and
its slowest cell's, read from the timings nbclient records in each executed cell. ``--student`` times the student version
(student/, no solutions) instead of the teacher's (notebooks/).

Each notebook runs in a fresh kernel through the tests' runner (tests/helpers/notebook_runner.py: nbclient, one
kernel thread, a temporary folder), one after another, so the times do not overlap. Prints a Markdown
table and the total; a lesson that fails is named with its error.
"""

import argparse
import os
import sys
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "helpers"))

from notebook_runner import NotebookFailed, run_notebook  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--modes", nargs="+", default=["quick", "full"], choices=["quick", "full"])
parser.add_argument("--lessons", nargs="+", default=None, help="numbers, e.g. 02 05 (default: 01-06)")
parser.add_argument("--student", action="store_true", help="time student/ (the student version)")
args = parser.parse_args()


def cell_seconds(cell) -> float:
    """Wall time of one executed code cell, from nbclient's timing metadata."""
    timing = cell.metadata["execution"]
    start, end = (
        datetime.fromisoformat(timing[k].replace("Z", "+00:00")) for k in ("iopub.execute_input", "shell.execute_reply")
    )
    return (end - start).total_seconds()


def cells_said(run) -> str:
    """The first code cell's time and the slowest cell's (numbered among the code cells, from 1)."""
    times = [cell_seconds(c) for c in run.code_cells]
    slowest = max(range(len(times)), key=times.__getitem__)
    return f"first code cell {times[0]:.0f} s, slowest: code cell {slowest + 1}, {times[slowest]:.0f} s"


folder = "student" if args.student else "notebooks"
names = sorted(p.stem for p in (REPO / folder).glob("0[1-6]-*.ipynb"))
if args.lessons:
    names = [n for n in names if n[:2] in args.lessons]
seconds = {}
for mode in args.modes:
    for name in names:
        start = time.perf_counter()
        try:
            run = run_notebook(f"student/{name}" if args.student else name, quick=mode == "quick")
            seconds[name, mode] = f"{run.seconds:.0f} s ({cells_said(run)})"
            run.shutdown()
        except NotebookFailed as err:
            seconds[name, mode] = f"failed: {str(err).splitlines()[0][:120]}"
        print(
            f"{name} {mode}: {seconds[name, mode]} ({time.perf_counter() - start:.0f} s with start-up)",
            file=sys.stderr,
            flush=True,
        )

print(f"Load average before the last run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
print("| lesson | " + " | ".join(f"{m} mode" for m in args.modes) + " |")
print("|---|" + "---|" * len(args.modes))
for name in names:
    print(f"| {name} | " + " | ".join(seconds[name, m] for m in args.modes) + " |")
for mode in args.modes:
    total = sum(float(v.split()[0]) for (n, m), v in seconds.items() if m == mode and " s (first" in v)
    print(f"\n{mode} mode, all lessons: {total / 60:.1f} min")
