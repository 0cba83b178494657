"""Core speed figures on this machine's CPU. Prints JSON; medians of repeated runs.

    python benchmarks/core.py                # all figures (the one-image run takes a few minutes)
    python benchmarks/core.py --quick        # skip the one-image training run
"""

import argparse
import json
import platform
import tempfile
import time
from dataclasses import replace

import numpy as np
import torch

from memlab import checkpoint, data, metrics, models, registry, training
from memlab.search import SearchIndex
from memlab.trainers import DiffusionTrainer
from memlab.pixels import uint8_to_unit, unit_to_model


def median_ms(fn, repeats, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return float(np.median(times))


def train_step_ms(batch=128):
    spec = registry.get_spec("mnist-diffusion-60000")
    trainer = DiffusionTrainer(spec, torch.device("cpu"))
    x = unit_to_model(torch.from_numpy(uint8_to_unit(data.load("mnist").images[:batch])))[:, None]
    gen = torch.Generator().manual_seed(0)
    return median_ms(lambda: trainer.step((x, None), gen), repeats=10)


def search_figures():
    train, test = data.load("mnist", "train"), data.load("mnist", "test")
    index = SearchIndex(train.images, train.labels)
    queries = test.images[:1000]
    return {
        "search_1q_whole_ms": median_ms(lambda: index.search(queries[:1]), repeats=30),
        "search_1q_same_class_ms": median_ms(lambda: index.search(queries[:1], classes=test.labels[:1]), repeats=30),
        "search_1000q_whole_ms": median_ms(lambda: index.search(queries), repeats=3, warmup=1),
    }


def one_image_memorized_s(chunk=250, limit=4000):
    """Train the one-image recipe (batch 16) from scratch; every `chunk` steps sample 10 images
    (DDPM, 250 steps) and stop once 9 of 10 are perfect copies. Returns training seconds and steps."""
    spec = registry.get_spec("mnist-diffusion-1")
    spec = replace(spec, train=replace(spec.train, steps=2000, batch_size=16, checkpoint_every=chunk))
    target = None
    with tempfile.TemporaryDirectory() as out:
        steps, train_s = 0, 0.0
        while steps < limit:
            start = time.perf_counter()
            card = training.train(spec, out, steps=steps + chunk, resume=steps > 0, progress=False, device="cpu")
            train_s += time.perf_counter() - start
            steps = card["steps"]
            model = models.from_payload(checkpoint.load(f"{out}/{spec.id}/{spec.id}.pt"))
            target = data.load("mnist").images[model.subset_indices[0]]
            samples = model.sample(10, torch.Generator().manual_seed(0), steps=250, sampler="ddpm")
            copies = int((metrics.rmse_article(samples, target) < metrics.PERFECT_COPY).sum())
            if copies >= 9:
                return {"one_image_memorized_s": round(train_s, 1), "one_image_memorized_steps": steps}
    return {"one_image_memorized_s": None, "one_image_memorized_steps": f"> {limit}"}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    figures = {"machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads",
               "train_step_ms_batch128": train_step_ms(), **search_figures()}
    if not args.quick:
        figures.update(one_image_memorized_s())
    print(json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()}, indent=2))
