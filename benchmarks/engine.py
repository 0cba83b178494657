"""PyTorch or ONNX Runtime behind a dashboard kernel: sampling speed, memory and start-up.

For the 60 000-image MNIST UNet (``mnist-diffusion-60000``), DDIM 50 steps, one image:

* **sample time**: both engines on one thread in this process, timed in turn (5 repeats), min and median;
* **fresh process**: a new Python that loads one engine and samples once, as a new dashboard kernel
  does: its resident memory afterwards (psutil) and the wall time from launch to that first sample.

The ONNX export is made first if the cache has none (``memlab prepare`` does it for every model). The
machine's load average is printed: on a shared machine every figure is noisy, so rerun on a quiet one:

    python benchmarks/engine.py [--model mnist-diffusion-60000] [--repeats 5]
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
from common import machine, side_by_side_times

# What a fresh kernel does, per engine; it prints its resident memory (MB) after the first sample.
FRESH = {
    "PyTorch": "import torch; torch.set_num_threads(1); from memlab.models import store; m = store.load({model!r})",
    "ONNX Runtime": "from memlab.models import onnx_models; m = onnx_models.open_onnx({model!r})",
}
AFTER = (
    "; m.sample(1, 0, 50, sampler='ddim'); import psutil, sys, json; "
    "print(json.dumps([psutil.Process().memory_info().rss / 2**20, 'torch' in sys.modules]))"
)


def fresh_process(engine: str, model: str) -> dict:
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", FRESH[engine].format(model=model) + AFTER],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    seconds = time.perf_counter() - start
    rss, imported_torch = json.loads(out.stdout.strip().splitlines()[-1])
    return {"start_and_first_sample_s": round(seconds, 2), "rss_mb": round(rss), "torch_imported": imported_torch}


def network_flops(path) -> int:
    """Floating-point operations of one pass of an exported network at batch 1: 2 per multiply-add of its
    Conv and Gemm/MatMul nodes (everything else is a few per value), from the graph's inferred shapes."""
    import onnx

    graph = onnx.shape_inference.infer_shapes(onnx.load(str(path))).graph
    shapes = {
        v.name: [d.dim_value or 1 for d in v.type.tensor_type.shape.dim]
        for v in [*graph.value_info, *graph.output, *graph.input]
    }
    weights = {w.name: list(w.dims) for w in graph.initializer}
    flops = 0
    for node in graph.node:
        weight, out = weights.get(node.input[1]) if len(node.input) > 1 else None, shapes.get(node.output[0])
        if weight and out and node.op_type == "Conv":
            flops += 2 * int(np.prod(out)) * int(np.prod(weight[1:]))  # each output: C_in x kH x kW
        elif weight and out and node.op_type in ("Gemm", "MatMul"):
            flops += 2 * int(np.prod(out)) * weight[0]
    return flops


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="mnist-diffusion-60000")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    import torch

    from memlab.models import onnx_export, onnx_models, store

    onnx_export.export(args.model)
    torch.set_num_threads(1)
    engines = {"PyTorch": store.load(args.model), "ONNX Runtime": onnx_models.open_onnx(args.model)}
    times = side_by_side_times(
        {name: lambda m=m: m.sample(1, 0, 50, sampler="ddim") for name, m in engines.items()}, args.repeats
    )
    fresh = {name: [] for name in FRESH}
    for _ in range(2):  # in turn, as above; the report keeps each engine's faster launch
        for name in FRESH:
            fresh[name].append(fresh_process(name, args.model))

    print(
        f"{args.model}, DDIM 50 steps, batch 1, one thread; {machine()}; load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    print(
        "| engine | sample min (ms) | sample median (ms) | fresh process RSS (MB) | start + first sample (s) "
        "| imports torch |"
    )
    print("|---|---|---|---|---|---|")
    for name in engines:
        best = min(fresh[name], key=lambda r: r["start_and_first_sample_s"])
        print(
            f"| {name} | {np.min(times[name]):.0f} | {np.median(times[name]):.0f} | {best['rss_mb']} | "
            f"{best['start_and_first_sample_s']:.2f} (of {', '.join(str(r['start_and_first_sample_s']) for r in fresh[name])}) "
            f"| {best['torch_imported']} |"
        )
    flops = network_flops(onnx_models.export_path(args.model)) * 50
    print(
        f"One image is {flops / 1e9:.1f} GFLOP (50 passes of the network): ONNX Runtime ran it at "
        f"{flops / np.min(times['ONNX Runtime']) / 1e6:.0f} GFLOP/s at best on one thread."
    )


if __name__ == "__main__":
    main()
