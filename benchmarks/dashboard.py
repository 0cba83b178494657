"""Dashboard figures: click-to-result time (the app's Generate, in-process as in the Voila kernel)
beside the original demo's sampler setting, and the kernel's peak memory after generating with every
model (in a fresh process). What the user sees in a real browser is measured by browser.py.

    python benchmarks/dashboard.py [--clicks 20]        # prints JSON
    python benchmarks/dashboard.py --rss-only           # one fresh dashboard kernel's peak RSS and PSS
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

MODEL = "mnist-diffusion-60000"


def click_figures(clicks):
    """Median ms from click to drawn result: the app's default (DDIM 50), and the original demo's
    DDPM with 40 steps on the same network (sample + classify + same-class search, drawn alike)."""
    from common import side_by_side_ms  # imports PyTorch, which the kernel measured above must not hold

    from memlab.dashboard.app import App

    app = App(engine="onnx", background=False, warm=False)  # as a dashboard kernel (notebooks/dashboard.ipynb)
    app.model.value = MODEL
    seeds = iter(range(10**6))

    def click(sampler, steps):
        app.seed.value, app.steps.value, app.sampler.value = str(next(seeds)), steps, sampler
        app.generate()

    times = side_by_side_ms({"default": lambda: click("ddim", 50), "demo": lambda: click("ddpm", 40)}, clicks)
    gan = App(background=False, warm=False)
    gan.model.value = "mnist-gan-60000"
    gan_ms = side_by_side_ms({"gan": gan.generate}, clicks)["gan"]
    return {
        "click_to_result_ms": {
            "value": times["default"],
            "model": MODEL,
            "sampler": "DDIM 50 (the default)",
            "demo_ddpm40_ms": times["demo"],
            "gan_ms": gan_ms,
            "target": "<= 1000 ms",
            "met": times["default"] <= 1000,
        }
    }


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM; unlike ru_maxrss it starts afresh at exec)."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 1024


def pss_mb() -> float:
    """This process's proportional set size now: pages shared with other processes (the memory-mapped
    training images and indexes, the libraries) counted once across them."""
    with open("/proc/self/smaps_rollup") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("Pss:")) / 1024


def every_model_memory_mb() -> str:
    """Run in a fresh process, as a dashboard kernel (ONNX Runtime): generate once with every model;
    the peak RSS and the PSS after, in MB, and whether PyTorch was imported."""
    from memlab.dashboard.app import App
    from memlab.models.registry import GENERATORS

    app = App(engine="onnx", background=False, warm=False)  # as notebooks/dashboard.ipynb does
    for model_id in GENERATORS:
        app.model.value = model_id
        app.generate()
        assert app.judgement is not None, app.message.value
    return json.dumps({"rss": peak_rss_mb(), "pss": pss_mb(), "torch": "torch" in sys.modules})


def rss_figures():
    def fresh(*args):
        out = subprocess.run(
            [sys.executable, __file__, *args], capture_output=True, text=True, check=True, cwd=Path(__file__).parent
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    kernel = fresh("--rss-only")
    return {
        "dashboard_kernel_rss_mb": {
            "value": round(kernel["rss"], 1),
            "pss_mb": round(kernel["pss"], 1),
            "imports_torch": kernel["torch"],
            "import_torch_alone_mb": round(fresh("--rss-torch-only"), 1),
            "target": "<= 200 MB RSS and <= 150 MB PSS after a Generate with every model",
            "met": kernel["rss"] <= 200 and kernel["pss"] <= 150,
        }
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clicks", type=int, default=20)
    parser.add_argument("--rss-only", action="store_true")
    parser.add_argument("--rss-torch-only", action="store_true")
    args = parser.parse_args()
    if args.rss_only:
        print(every_model_memory_mb())
        sys.exit()
    if args.rss_torch_only:
        import torch  # noqa: F401  (what a kernel holds before memlab does anything)

        print(peak_rss_mb())
        sys.exit()
    figures = {**rss_figures(), **click_figures(args.clicks)}
    print(json.dumps(figures, indent=2))
