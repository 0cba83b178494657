"""A class at once: memlab's dashboard and the Gradio anchor, back to back, for each number of students.

For each N: benchmarks/loadtest.py (memlab's dashboard, per-address limits off, the kernel cap from
--max-kernels or N, no wait for the culler), then benchmarks/anchor_load.py (the original demo's shape:
one Gradio process). Both use benchmarks/classroom.py's student, and by default both speak to their
server as its page does, without a browser (--client browser: memlab's students in Chromium on this
machine instead, whose CPU then competes with the server's). Each run is a child process stopped
after --timeout seconds (plus a short grace) with every process it started. The tables go into
benchmarks/results.json ("crowd", other keys kept) and docs/benchmarks.md (between markers).

    python benchmarks/crowd.py --students 10 20        # or: make crowd N="10 20"
"""

import argparse
import datetime
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from crowd_table import markdown, replace_section

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
TABLE = HERE.parent / "docs" / "benchmarks.md"
GRACE_S = 180  # beyond a run's own --timeout: its backstop, starting and stopping servers


def run_one(script: str, students: int, args, extra=()) -> dict | None:
    """Run one load test as a child process; its result, or None (with the reason on stderr)."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "result.json"
        command = [
            sys.executable,
            str(HERE / script),
            "--students",
            str(students),
            "--clicks",
            str(args.clicks),
            "--timeout",
            str(args.timeout),
            "--seed",
            str(args.seed),
            "--out",
            str(out),
            *extra,
        ]
        print("$", " ".join(command), flush=True)
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        try:
            child.wait(args.timeout + GRACE_S)
        except subprocess.TimeoutExpired:
            print(f"{script} ran past {args.timeout + GRACE_S} s: stopped", file=sys.stderr)
        finally:
            stop_tree(child)
        if not out.is_file():
            print(f"{script} wrote no result (exit {child.returncode})", file=sys.stderr)
            return None
        return json.loads(out.read_text())[str(students)]


def stop_tree(child: subprocess.Popen):
    """Stop a child and everything under it (its servers run in sessions of their own)."""
    try:
        tree = psutil.Process(child.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        tree = []
    for process in [child] + tree if child.poll() is None else tree:
        try:
            process.kill()
        except (psutil.NoSuchProcess, ProcessLookupError):
            pass
    child.wait()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, nargs="+", required=True, help="class sizes, e.g. 10 20")
    parser.add_argument("--clicks", type=int, default=5, help="Generates per student")
    parser.add_argument("--max-kernels", type=int, help="memlab's kernel cap (default: the class size)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per system per class size")
    parser.add_argument("--seed", type=int, default=0, help="the students' reading pauses")
    parser.add_argument(
        "--client",
        choices=("protocol", "browser"),
        default="protocol",
        help="how memlab's students speak to it (benchmarks/loadtest.py; default: protocol)",
    )
    args = parser.parse_args(argv)
    if min(args.students) < 1:
        parser.error("--students must be at least 1")
    from common import machine

    results = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    crowd = results.get("crowd", {"runs": {}})
    crowd.update(
        {
            "machine": machine(),
            "clicks": args.clicks,
            "client": args.client,
            "date": datetime.date.today().isoformat(),
            "command": "python benchmarks/crowd.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        }
    )
    for students in args.students:
        began = time.time()
        cap = ["--no-cull-wait", "--max-kernels", str(args.max_kernels or students), "--client", args.client]
        crowd["runs"][str(students)] = {
            "memlab": run_one("loadtest.py", students, args, cap),
            "gradio": run_one("anchor_load.py", students, args),
        }
        print(f"{students} students: both systems in {time.time() - began:.0f} s", flush=True)
        results["crowd"] = crowd  # written after each class size, so a later failure keeps the earlier
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        TABLE.write_text(replace_section(TABLE.read_text() if TABLE.is_file() else "", crowd))
    print(markdown(crowd))
    return 0


if __name__ == "__main__":
    sys.exit(main())
