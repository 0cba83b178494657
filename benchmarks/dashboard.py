"""Dashboard figures: click-to-result time (the app's Generate, in-process as in the Voila kernel)
beside the original demo's sampler setting, and the kernel's peak memory after generating with every
model (in a fresh process). What the user sees in a real browser is measured by browser.py.

    python benchmarks/dashboard.py [--clicks 20]        # prints JSON
    python benchmarks/dashboard.py --rss-only           # one fresh kernel's peak RSS
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

from common import side_by_side_ms

MODEL = "mnist-diffusion-60000"


def click_figures(clicks):
    """Median ms from click to drawn result: the app's default (DDIM 50), and the original demo's
    DDPM with 40 steps on the same network (sample + classify + same-class search, drawn alike)."""
    from memlab.app import App

    app = App(background=False, warm=False)
    app.model.value = MODEL
    seeds = iter(range(10**6))

    def click(sampler, steps):
        app.seed.value, app.steps.value, app.sampler.value = str(next(seeds)), steps, sampler
        app.generate()

    times = side_by_side_ms({"default": lambda: click("ddim", 50), "demo": lambda: click("ddpm", 40)}, clicks)
    gan = App(background=False, warm=False)
    gan.model.value = "mnist-gan-60000"
    gan_ms = side_by_side_ms({"gan": gan.generate}, clicks)["gan"]
    return {"click_to_result_ms": {
        "value": times["default"], "model": MODEL, "sampler": "DDIM 50 (the default)",
        "demo_ddpm40_ms": times["demo"], "gan_ms": gan_ms, "target": "<= 1000 ms",
        "met": times["default"] <= 1000}}


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM; unlike ru_maxrss it starts afresh at exec)."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 1024


def every_model_peak_rss_mb() -> float:
    """Run in a fresh process: generate once with every model, return the peak RSS in MB."""
    from memlab.app import App
    from memlab.registry import GENERATORS

    app = App(background=False, warm=False)
    for model_id in GENERATORS:
        app.model.value = model_id
        app.generate()
    return peak_rss_mb()


def rss_figures():
    def fresh(*args):
        out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True,
                             cwd=Path(__file__).parent)
        return round(float(out.stdout.strip()), 1)

    value = fresh("--rss-only")
    return {"dashboard_kernel_rss_mb": {
        "value": value, "import_torch_alone_mb": fresh("--rss-torch-only"),
        "target": "<= 1000 MB", "met": value <= 1000}}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clicks", type=int, default=20)
    parser.add_argument("--rss-only", action="store_true")
    parser.add_argument("--rss-torch-only", action="store_true")
    args = parser.parse_args()
    if args.rss_only:
        print(every_model_peak_rss_mb())
        sys.exit()
    if args.rss_torch_only:
        import torch  # noqa: F401  (what a kernel holds before memlab does anything)

        print(peak_rss_mb())
        sys.exit()
    figures = {**rss_figures(), **click_figures(args.clicks)}
    print(json.dumps(figures, indent=2))
