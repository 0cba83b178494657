"""How long membership inference and extraction take on this CPU.

* membership: one model's denoising loss on 200 members + 200 unseen test images at t = 100, computed
  (not loaded from the disk cache), then the ROC figures; for the 3 000- and the 60 000-image model;
* extraction: sampling 100 images (DDIM 50, the default sampler) and grouping them, timed apart
  (the grouping alone also for 500 images), for the 3 000-image model.

    python benchmarks/membership.py           # every core torch uses
    taskset -c 0 python benchmarks/membership.py

Prints JSON (the machine, the seconds, and the AUCs measured, so a reader sees that the same seeds gave
the same numbers).
"""

import json
import os
import tempfile
import time

import numpy as np
from common import machine


def main() -> dict:
    os.environ["MEMLAB_CACHE"] = tempfile.mkdtemp(prefix="memlab-bench-")  # compute, never load
    from memlab.analyses import extraction, membership
    from memlab.judging.training_set import data_key

    figures = {"machine": machine()}
    data_key("mnist")  # reading MNIST and hashing it (for the disk cache's key) happens once per kernel: not timed
    for model_id in ("mnist-diffusion-3000", "mnist-diffusion-60000"):
        membership.open_model(model_id)  # loading the weights is not part of the attack
        start = time.perf_counter()
        result = membership.membership(model_id, 200, 200, t=100, seed=0, reference=False, control=False)
        auc = result.roc().auc
        figures[f"membership_200_200_{model_id}_s"] = round(time.perf_counter() - start, 2)
        figures[f"membership_200_200_{model_id}_auc"] = round(auc, 4)
    model = extraction.open_generator("mnist-diffusion-3000")
    start = time.perf_counter()
    samples = extraction.samples_of("mnist-diffusion-3000", 100, seed=0)
    figures["extraction_sampling_100_s"] = round(time.perf_counter() - start, 2)
    start = time.perf_counter()
    groups = extraction.groups(samples)
    figures["extraction_grouping_100_s"] = round(time.perf_counter() - start, 3)
    many = np.concatenate([samples] * 5) + np.random.default_rng(0).uniform(0, 0.2, (500, 28, 28)).astype(np.float32)
    start = time.perf_counter()
    extraction.groups(np.clip(many, 0, 1))
    figures["extraction_grouping_500_s"] = round(time.perf_counter() - start, 3)
    figures["extraction_groups_100"] = len(groups)
    figures["sampler"] = f"{model.spec.default_sampler} {model.spec.default_steps}"
    return figures


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
