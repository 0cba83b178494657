"""A class on one public dashboard: N simulated students on one Voila server on 127.0.0.1.

Each student arrives a few seconds after the previous one, opens the dashboard, picks a model (the
students take the model list in turn), presses Generate 5 times at human pace (reading the result for
5-15 s between clicks, seeded), then leaves without saying goodbye (like a phone put away), so the
kernel is left to the culler.

How a student speaks to the server (--client):

* ``protocol`` (the default): exactly what the dashboard's page sends and fetches, without a browser,
  as benchmarks/anchor_load.py speaks to the Gradio anchor: the page, every file a real Chromium fetched
  to draw it (recorded first, once, from a throwaway server), then the kernel's websocket: the widgets'
  states, the model picked, the Generate clicks; a click is answered when the numbered result title
  arrives. In a class every browser runs on its student's own computer: this keeps N browsers from
  competing for this machine's cores with the server they measure.
* ``browser``: one Chromium context per student, all in one browser on this machine, pressing the real
  button (the page drawn, what one student sees: also measured alone by benchmarks/browser.py). On a
  2-core machine the browsers take more CPU than the server (``other_cpu_s``).

The student is benchmarks/classroom.py's (seed 0, the model's default steps), shared with the Gradio
anchor's load test (benchmarks/anchor_load.py; both run by benchmarks/crowd.py).

Reported: click-to-result p50 / p95 (press Generate -> a new verdict on the page), time to open the
dashboard, peak total memory of the server and its kernels (RSS and PSS, sampled every 2 s), the
CPU-seconds of the server and every kernel it started (benchmarks/process_meter.py) and of everything
else on the machine, errors, busy pages, and the seconds until every kernel is gone after the last
tab closed (--no-cull-wait: not waited for). The server is `memlab dashboard`'s Voila command with the
cap set to N (--max-kernels to change it; nobody is turned away at N) and
voila.json's cull timeout (300 s; --cull-s to change it). Traffic stays on loopback; the run
stops itself after --timeout seconds whatever happens, and stops the server and its kernels.

    python benchmarks/loadtest.py --students 10        # or: make loadtest N=10
"""

import asyncio
import concurrent.futures
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "helpers"))  # the real-server helpers the tests use

import psutil  # noqa: E402
from classroom import fetch, percentile, presses, reading_pause_s, reading_pauses, save_run, student_arguments  # noqa: E402
from kernel_client import KernelClient, find_widget, open_page, page_cookie, results_shown  # noqa: E402
from process_meter import ProcessTreeMeter  # noqa: E402
from servers import CHROMIUM, CHROMIUM_ARGS, MARK_RESULTS_JS, NEW_RESULT_JS, free_port, kernels, pss_mb, rss_mb, server  # noqa: E402

from memlab.server import serve  # noqa: E402


async def student(number, browser, url, args, log):
    """One student's visit; appends what happened to ``log``."""
    rng = reading_pauses(args.seed, number)
    await asyncio.sleep(number * args.arrive_every)
    record = {"student": number, "clicks_s": [], "errors": []}
    log.append(record)
    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    page = await context.new_page()
    page.on("pageerror", lambda err: record["errors"].append(f"page error: {err}"))
    page.on("crash", lambda _: record["errors"].append("the page crashed (Chromium's renderer)"))
    page.on(
        "console",
        lambda m: (
            record["errors"].append(f"console: {m.text[:200]}")
            if m.type == "error" and "Unsatisfied version" not in m.text
            else None
        ),
    )
    stage = "opening the dashboard"
    try:
        started = time.time()
        response = await page.goto(url, timeout=args.open_timeout * 1000)
        if response.status == 503:
            record["busy"] = True
            return
        await page.get_by_role("button", name="Generate").first.wait_for(timeout=args.open_timeout * 1000)
        record["open_s"] = time.time() - started
        models = page.locator("select").first
        record["model"] = (await models.locator("option").all_inner_texts())[
            number % await models.locator("option").count()
        ]
        await models.select_option(label=record["model"])
        for press, wait_s in presses(args, record):
            stage = f"Generate {press}"
            await page.evaluate(MARK_RESULTS_JS)
            started = time.time()
            await page.get_by_role("button", name="Generate").first.click()
            await page.wait_for_function(NEW_RESULT_JS, timeout=wait_s * 1000)
            record["clicks_s"].append(time.time() - started)
            if "Traceback" in await page.inner_text("body"):
                record["errors"].append("a traceback is shown")
            if number == 0 and len(record["clicks_s"]) == args.clicks:  # to look at: what students saw
                (REPO / "test-artifacts").mkdir(exist_ok=True)
                await page.screenshot(path=str(REPO / "test-artifacts" / "loadtest-student0.png"), full_page=True)
            await asyncio.sleep(reading_pause_s(rng))  # reading the result
    except Exception as err:  # a timeout or a broken page is a result to report, not a crash
        record["errors"].append(f"{stage}: {type(err).__name__}: {str(err).splitlines()[0]}")
        try:  # what the student saw when it went wrong
            (REPO / "test-artifacts").mkdir(exist_ok=True)
            await page.screenshot(
                path=str(REPO / "test-artifacts" / f"loadtest-student{number}-failed.png"),
                full_page=True,
                timeout=20_000,
            )
            record["errors"].append("page text: " + " | ".join((await page.inner_text("body")).split("\n")[:6]))
        except Exception:
            pass
    finally:
        record["closed_at"] = time.time()
        await page.close(run_before_unload=False)  # no goodbye: the kernel is left to the culler
        await context.close()


async def files_a_browser_fetches(command) -> list[str]:
    """The paths (with their queries) a real Chromium fetches from the server to draw the dashboard, the
    page itself and its kernel's address aside: recorded once on a throwaway server of the same command."""
    from playwright.async_api import async_playwright

    paths = []
    with server(command) as probe:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = await browser.new_page()

            def seen(request):
                url = urlsplit(request.url)
                if (
                    request.method == "GET"
                    and request.url.startswith(probe.url)
                    and url.path not in ("", "/")
                    and not url.path.startswith("/api/")
                ):
                    paths.append(url.path + (f"?{url.query}" if url.query else ""))

            page.on("request", seen)
            await page.goto(probe.url)
            await page.get_by_role("button", name="Generate").first.wait_for(timeout=300_000)
            await page.wait_for_load_state("networkidle")
            await browser.close()
    return list(dict.fromkeys(paths))


def traceback_shown(messages) -> bool:
    return any(m["header"].get("msg_type") == "error" or "Traceback" in str(m["content"]) for m in messages)


def protocol_student(number, url, files, args, log):
    """One student's visit, spoken as the dashboard's page speaks (``--client protocol``); appends what
    happened to ``log``."""
    from memlab.dashboard.widgets.controls import model_options

    rng = reading_pauses(args.seed, number)
    record = {"student": number, "clicks_s": [], "errors": []}
    log.append(record)
    time.sleep(number * args.arrive_every)
    stage, client = "opening the dashboard", None
    try:
        started = time.time()
        try:
            kernel_id = open_page(url, args.open_timeout)
        except urllib.error.HTTPError as err:
            if err.code in (429, 503):
                record["busy"] = True
                return
            raise
        for path in files:  # what the browser fetches to draw the page
            fetch(url + path, args.open_timeout)
        kernel_url = f"{url}/api/kernels/{kernel_id}"  # with its page's secret (memlab.server.page_secret)
        urllib.request.urlopen(
            urllib.request.Request(kernel_url, headers=page_cookie(kernel_id)), timeout=args.open_timeout
        ).close()
        client = KernelClient(url, kernel_id, timeout=args.open_timeout)
        states = client.widget_states()  # what the page asks for to draw the widgets
        generate = find_widget(states, "ButtonModel", description="Generate")
        labels = [label for label, _ in model_options()]
        picker = find_widget(states, "DropdownModel", _options_labels=labels)
        record["open_s"] = time.time() - started
        record["model"] = labels[number % len(labels)]
        client.update_widget(picker, {"index": number % len(labels)})
        shown = 0
        for press, wait_s in presses(args, record):
            stage = f"Generate {press}"
            started = time.time()
            client.press(generate)
            messages = client.receive(wait_s, until=lambda m, shown=shown: results_shown([m]) > shown)
            if traceback_shown(messages):
                record["errors"].append("a traceback is shown")
            if results_shown(messages) <= shown:
                raise TimeoutError(f"no new result within {wait_s:.0f} s")
            shown = results_shown(messages)
            record["clicks_s"].append(time.time() - started)
            time.sleep(reading_pause_s(rng))  # reading the result
    except Exception as err:  # a timeout or a refusal is a result to report, not a crash
        record["errors"].append(f"{stage}: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}")
    finally:
        record["closed_at"] = time.time()
        if client is not None:
            client.close()  # no goodbye: the kernel is left to the culler


def memory_at_peak(samples) -> dict:
    """Where the peak total PSS was: the server's own PSS and the median kernel's, at that sample."""
    if not samples:
        return {}
    peak = max(samples, key=lambda s: s["pss_mb"])
    kernels_pss = sorted(peak["kernel_pss_mb"])
    return {
        "server_pss_at_peak_mb": round(peak["server_pss_mb"], 1),
        "kernel_pss_median_at_peak_mb": round(kernels_pss[len(kernels_pss) // 2], 1) if kernels_pss else None,
    }


def pss_by_process(everything) -> dict:
    """PSS of the server (the first process), of each kernel, and in all (each read once)."""
    server_pss, *kernel_pss = [pss_mb([p]) for p in everything]
    return {"server_pss_mb": server_pss, "kernel_pss_mb": kernel_pss, "pss_mb": server_pss + sum(kernel_pss)}


async def watch_memory(process, samples, stop):
    while not stop.is_set():
        running = kernels(process)
        everything = [psutil.Process(process.pid)] + running
        samples.append(
            {
                "t": time.time(),
                "kernels": len(running),
                "rss_mb": rss_mb(everything),
                "kernel_rss_mb": [rss_mb([k]) for k in running],
                **pss_by_process(everything),
            }
        )
        await asyncio.sleep(2)


async def run(args):
    from playwright.async_api import async_playwright

    # Every student comes from 127.0.0.1 here: the per-address limits, meant for strangers, are off.
    def command(port):
        return serve.voila_command(
            port,
            "127.0.0.1",
            max_kernels=args.max_kernels or args.students,
            max_per_address=0,
            starts_per_minute=0,
            pool_size=args.pool_size,
        ) + [
            f"--MappingKernelManager.cull_idle_timeout={args.cull_s}",
            f"--MappingKernelManager.cull_interval={args.cull_interval_s}",
        ]

    files = await files_a_browser_fetches(command(free_port())) if args.client == "protocol" else []
    log_path = REPO / "benchmarks" / f"loadtest-voila-{args.students}.log"
    visits, samples, stop = [], [], asyncio.Event()
    with server(command(free_port()), log=log_path) as voila:
        async with async_playwright() as p:
            watcher = asyncio.create_task(watch_memory(voila, samples, stop))
            meter = ProcessTreeMeter(voila.pid).start()  # the server's and its kernels' CPU-seconds
            began = time.time()
            # students stop clicking here, leaving time for the culler and for writing the figures
            reserve = args.cull_s + 3 * args.cull_interval_s + 30 if args.cull_wait else 30
            args.deadline = began + args.timeout - reserve - args.click_timeout / 2
            if args.client == "browser":
                browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                await asyncio.gather(*(student(n, browser, voila.url, args, visits) for n in range(args.students)))
                await browser.close()
            else:
                loop = asyncio.get_running_loop()
                with concurrent.futures.ThreadPoolExecutor(max_workers=args.students) as threads:
                    await asyncio.gather(
                        *(
                            loop.run_in_executor(threads, protocol_student, n, voila.url, files, args, visits)
                            for n in range(args.students)
                        )
                    )
            last_close = max(v["closed_at"] for v in visits)
            while (
                args.cull_wait
                and kernels(voila)
                and time.time() - last_close < args.cull_s + 3 * args.cull_interval_s + 30
            ):
                await asyncio.sleep(1)
            stop.set()
            await watcher
            cost = meter.stop()
            left = len(kernels(voila)) if args.cull_wait else None
    clicks = [c for v in visits for c in v["clicks_s"]]
    opens = [v["open_s"] for v in visits if "open_s" in v]
    return {
        "students": args.students,
        "client": args.client,
        "pool_size": args.pool_size,
        "page_files_fetched": len(files),
        "max_kernels": args.max_kernels or args.students,
        "clicks_each": args.clicks,
        "seed": args.seed,
        "arrive_every_s": args.arrive_every,
        "cull_idle_timeout_s": args.cull_s,
        "cull_interval_s": args.cull_interval_s,
        "clicks_answered": len(clicks),
        "clicks_wanted": args.students * args.clicks,
        "click_to_result_p50_s": percentile(clicks, 50),
        "click_to_result_p95_s": percentile(clicks, 95),
        "click_to_result_max_s": max(clicks, default=None),
        "open_dashboard_p50_s": percentile(opens, 50),
        "open_dashboard_max_s": max(opens, default=None),
        "peak_kernels": max((s["kernels"] for s in samples), default=0),
        "peak_total_rss_mb": max((s["rss_mb"] for s in samples), default=0),
        "peak_total_pss_mb": max((s["pss_mb"] for s in samples), default=0),
        "peak_kernel_rss_mb": max((max(s["kernel_rss_mb"], default=0) for s in samples), default=0),
        # at the moment of the peak total PSS: the server's share, and the median kernel's
        **memory_at_peak(samples),
        "server_cpu_s": cost["cpu_s"],
        "server_processes_seen": cost["processes_seen"],
        "other_cpu_s": cost["other_cpu_s"],
        "server_cpu_s_per_click": round(cost["cpu_s"] / len(clicks), 2) if clicks else None,
        "errors": [f"student {v['student']}: {e}" for v in visits for e in v["errors"]],
        "busy_pages": sum(bool(v.get("busy")) for v in visits),
        "kernels_left_after_cull": left,
        "all_culled_after_last_close_s": (round(samples[-1]["t"] - last_close, 1) if left == 0 else None),
        "run_s": round(time.time() - began, 1),
        "load_average_1min_at_end": round(psutil.getloadavg()[0], 1),
        "cpu_count": psutil.cpu_count(),
        "models": sorted({v.get("model", "?") for v in visits}),
    }


def main(argv=None):
    parser = student_arguments(__doc__.split("\n\n")[0], 1800, REPO / "benchmarks" / "loadtest.json")
    parser.add_argument(
        "--cull-s",
        type=int,
        default=300,
        help="idle seconds before a kernel is culled "
        "(voila.json's 300; much shorter ones cull kernels whose slow page has not connected yet)",
    )
    parser.add_argument("--cull-interval-s", type=int, default=30)
    parser.add_argument(
        "--no-cull-wait",
        dest="cull_wait",
        action="store_false",
        help="stop the server once the last tab closed, without waiting for the culler",
    )
    parser.add_argument("--max-kernels", type=int, help="the server's kernel cap (default: --students)")
    parser.add_argument(
        "--pool-size",
        type=int,
        default=serve.DEFAULT_POOL_SIZE,
        help=f"kernels kept ready (`memlab dashboard`'s default: {serve.DEFAULT_POOL_SIZE})",
    )
    parser.add_argument(
        "--client",
        choices=("protocol", "browser"),
        default="protocol",
        help="how students speak to the server (see above; default: protocol)",
    )
    args = parser.parse_args(argv)
    if args.students < 1 or args.clicks < 1:
        parser.error("--students and --clicks must be at least 1")
    result = asyncio.run(asyncio.wait_for(run(args), args.timeout + 120))  # a backstop; run() keeps time
    save_run(args.out, result)
    return 0 if not result["errors"] and not result["kernels_left_after_cull"] else 1


if __name__ == "__main__":
    sys.exit(main())
