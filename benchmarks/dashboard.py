"""Dashboard figures: click-to-result times (median of 20 Generate clicks, in-process, as in the Voila
kernel), the kernel's peak memory after generating with every model, and the first render of the
Voila page in headless Chromium.

    python benchmarks/dashboard.py [--clicks 20] [--no-browser]
"""

import argparse
import json
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def timed_generate(app, model_id, seed=0):
    """Seconds from a Generate click to the result being drawn."""
    app.model.value, app.seed.value = model_id, seed
    start = time.perf_counter()
    app.generate()
    return time.perf_counter() - start


def click_times(clicks):
    from memlab.app import App
    from memlab.registry import GENERATORS

    app = App()
    figures = {}
    for model_id in ("mnist-diffusion-60000", "mnist-gan-60000"):
        timed_generate(app, model_id, seed=0)  # first click loads the model and index
        times = [timed_generate(app, model_id, seed=s) * 1000 for s in range(1, clicks + 1)]
        figures[f"click_to_result_ms_{model_id}"] = round(float(np.median(times)), 1)
    for model_id in GENERATORS:
        timed_generate(app, model_id, seed=0)
    figures["kernel_peak_rss_mb_after_every_model"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return figures


def first_render_s():
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    voila = Path(sys.executable).parent / "voila"
    server = subprocess.Popen([str(voila), "notebooks/dashboard.ipynb", f"--port={port}", "--no-browser"],
                              cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(3)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page()
            start = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/", timeout=120_000)
            page.get_by_role("button", name="Generate").wait_for(timeout=180_000)
            seconds = time.perf_counter() - start
            browser.close()
        return round(seconds, 2)
    finally:
        server.terminate()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clicks", type=int, default=20)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    figures = click_times(args.clicks)
    if not args.no_browser:
        figures["dashboard_first_render_s"] = first_render_s()
    print(json.dumps(figures, indent=2))
