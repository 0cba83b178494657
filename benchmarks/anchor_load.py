"""N simulated students on the Gradio anchor (benchmarks/anchor_gradio.py), one process on 127.0.0.1.

The same student as benchmarks/loadtest.py (benchmarks/classroom.py: arrivals, model, seed, steps,
clicks, reading pauses), but speaking Gradio's HTTP API through ``gradio_client`` instead of a browser:
"open" is loading the page and its config (what a browser fetches before it can draw the app),
"click" is submitting a Generate to the queue until its result (the image downloaded) is back.

Reported like loadtest.py: open p50, click p50 / p95, clicks answered, the server's CPU-seconds and
peak memory (benchmarks/process_meter.py), errors, and visitors turned away (HTTP 429 / 503 or a full
queue). The run stops itself after --timeout seconds and stops the server.

    python benchmarks/anchor_load.py --students 10
"""

import sys
import tempfile
import threading
import time
import urllib.error
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "helpers"))  # the real-server helpers the tests use

import psutil  # noqa: E402
from classroom import (  # noqa: E402
    SEED,
    STEPS,
    fetch,
    percentile,
    presses,
    reading_pause_s,
    reading_pauses,
    save_run,
    student_arguments,
)
from process_meter import ProcessTreeMeter  # noqa: E402
from servers import free_port, server  # noqa: E402

TURNED_AWAY = ("429", "503", "queue is full", "Queue is full")


def student(number, url, models, args, log, downloads):
    """One student's visit; appends what happened to ``log``."""
    from gradio_client import Client

    rng = reading_pauses(args.seed, number)
    record = {"student": number, "clicks_s": [], "errors": [], "model": models[number % len(models)]}
    log.append(record)
    time.sleep(number * args.arrive_every)
    stage = "opening the page"
    try:
        started = time.time()
        fetch(url + "/", args.open_timeout)
        fetch(url + "/config", args.open_timeout)
        record["open_s"] = time.time() - started
        client = Client(url, verbose=False, download_files=downloads)
        for press, wait_s in presses(args, record):
            stage = f"Generate {press}"
            started = time.time()
            job = client.submit(record["model"], SEED, STEPS, api_name="/generate")
            job.result(timeout=wait_s)
            record["clicks_s"].append(time.time() - started)
            time.sleep(reading_pause_s(rng))  # reading the result
    except Exception as err:  # a timeout or a refusal is a result to report, not a crash
        text = f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
        if (
            isinstance(err, urllib.error.HTTPError)
            and err.code in (429, 503)
            or any(word in text for word in TURNED_AWAY)
        ):
            record["busy"] = True
        record["errors"].append(f"{stage}: {text}")


def run(args) -> dict:
    from memlab.dashboard.widgets.controls import model_options

    models = [model_id for _, model_id in model_options()]
    command = [sys.executable, str(REPO / "benchmarks" / "anchor_gradio.py"), f"--port={free_port()}"]
    log_path = REPO / "benchmarks" / f"anchor-gradio-{args.students}.log"
    visits = []
    with server(command, log=log_path, timeout=300) as gradio, tempfile.TemporaryDirectory() as downloads:
        meter = ProcessTreeMeter(gradio.pid).start()
        began = time.time()
        args.deadline = began + args.timeout - 30 - args.click_timeout / 2
        threads = [
            threading.Thread(target=student, args=(n, gradio.url, models, args, visits, downloads), daemon=True)
            for n in range(args.students)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(max(0.0, began + args.timeout - 20 - time.time()))
        cost = meter.stop()
    clicks = [c for v in visits for c in v["clicks_s"]]
    opens = [v["open_s"] for v in visits if "open_s" in v]
    return {
        "students": args.students,
        "clicks_each": args.clicks,
        "seed": args.seed,
        "arrive_every_s": args.arrive_every,
        "clicks_answered": len(clicks),
        "clicks_wanted": args.students * args.clicks,
        "click_to_result_p50_s": percentile(clicks, 50),
        "click_to_result_p95_s": percentile(clicks, 95),
        "click_to_result_max_s": max(clicks, default=None),
        "open_dashboard_p50_s": percentile(opens, 50),
        "open_dashboard_max_s": max(opens, default=None),
        "peak_total_rss_mb": cost["peak_rss_mb"],
        "peak_total_pss_mb": cost["peak_pss_mb"],
        "server_cpu_s": cost["cpu_s"],
        "server_processes_seen": cost["processes_seen"],
        "other_cpu_s": cost["other_cpu_s"],
        "client": "protocol",
        "server_cpu_s_per_click": round(cost["cpu_s"] / len(clicks), 2) if clicks else None,
        "errors": [f"student {v['student']}: {e}" for v in visits for e in v["errors"]],
        "busy_pages": sum(bool(v.get("busy")) for v in visits),
        "run_s": round(time.time() - began, 1),
        "load_average_1min_at_end": round(psutil.getloadavg()[0], 1),
        "cpu_count": psutil.cpu_count(),
        "models": sorted({v["model"] for v in visits}),
    }


def main(argv=None):
    parser = student_arguments(__doc__.split("\n\n")[0], 600, REPO / "benchmarks" / "anchor_load.json")
    args = parser.parse_args(argv)
    if args.students < 1 or args.clicks < 1:
        parser.error("--students and --clicks must be at least 1")
    result = run(args)
    save_run(args.out, result)
    return 0 if not result["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
