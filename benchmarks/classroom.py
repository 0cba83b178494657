"""The simulated student both crowd load tests share (benchmarks/loadtest.py for memlab's dashboard,
benchmarks/anchor_load.py for the Gradio anchor), so that the two serve the very same class.

A student arrives ``ARRIVE_EVERY_S`` after the previous one, opens the page, takes the model list in
turn (student n gets model n modulo the list's length), leaves the seed (0) and the steps (the model's
default, 50) as they are, and presses Generate ``CLICKS`` times, reading each result for 5-15 s
(seeded per student) before the next click.
"""

import argparse
import json
import random
import time
import urllib.request
from pathlib import Path

CLICKS = 5  # Generates per student
ARRIVE_EVERY_S = 3.0  # seconds between two students' arrivals
SEED = 0  # the seed box's value, never changed
STEPS = 50  # the diffusion models' default steps (memlab.models.registry: default_steps)


def reading_pauses(run_seed: int, number: int) -> random.Random:
    """Student ``number``'s own random source for the reading pauses."""
    return random.Random(run_seed * 1000 + number)


def reading_pause_s(rng: random.Random) -> float:
    return rng.uniform(5, 15)


def fetch(url, timeout) -> bytes:
    """GET ``url``: what a student's browser or client fetches (HTTPError on a refusal)."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def presses(args, record):
    """The student's Generate presses, in order: (press number from 1, seconds to wait for its result),
    until ``args.clicks`` or the run's deadline (then ``record["errors"]`` says so)."""
    for press in range(1, args.clicks + 1):
        if time.time() > args.deadline:
            record["errors"].append(f"stopped before Generate {press}: the run's --timeout was reached")
            return
        yield press, max(1.0, min(args.click_timeout, args.deadline + args.click_timeout / 2 - time.time()))


def percentile(values, q):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def student_arguments(description: str, timeout_s: int, out: Path) -> argparse.ArgumentParser:
    """The command-line options both load tests share: the class, its pace and how long to wait."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--clicks", type=int, default=CLICKS, help=f"Generates per student (default {CLICKS})")
    parser.add_argument("--arrive-every", type=float, default=ARRIVE_EVERY_S, help="seconds between arrivals")
    parser.add_argument("--open-timeout", type=int, default=600, help="seconds to wait for the page")
    parser.add_argument("--click-timeout", type=int, default=300, help="seconds to wait for one result")
    parser.add_argument(
        "--timeout",
        type=int,
        default=timeout_s,
        help="seconds: students stop clicking in time for the run to end by then",
    )
    parser.add_argument("--seed", type=int, default=0, help="the students' reading pauses")
    parser.add_argument("--out", type=Path, default=out, help="JSON file of runs, keyed by the number of students")
    return parser


def save_run(out: Path, result: dict):
    """Add ``result`` to the JSON file ``out`` under its number of students, and print it."""
    runs = json.loads(out.read_text()) if out.is_file() else {}
    runs[str(result["students"])] = result
    out.write_text(json.dumps(runs, indent=2, sort_keys=True) + "\n")
    print(json.dumps(result, indent=2))
