"""Your own image, memorized in a minute: how long does the full one-image recipe take, on this CPU,
to hand back a drawn picture?

Trains the registry's one-image recipe (``memlab.own_image.recipe``, 1 000 steps of 8) on a drawn
sketch through the real training loop, in the temporary folder of an ``OwnImageRun``. Every
``--check-every`` steps it samples the panel's seeds (DDIM 50, one image per seed) and notes the
training seconds at which the first sample, then every sample, is a perfect copy of the sketch;
then it trains on to the end of the recipe. Checking time is reported apart.

    python benchmarks/own_image.py                   # every core torch uses
    taskset -c 0 python benchmarks/own_image.py      # one core, like a Binder session

Prints JSON; the lead copies it into benchmarks/results.json.
"""

import argparse
import json
import os
import time

import torch

from memlab import checkpoint, models, training
from memlab.own_image import RUN_ID, OwnImageRun, Sketch

from common import machine


def drawn_seven() -> Sketch:
    """A "7" drawn with two strokes, the way a learner's mouse would."""
    sketch = Sketch()
    for stroke in ([(70, 60), (140, 58), (210, 60)], [(210, 60), (170, 140), (130, 230)]):
        sketch.start_stroke(*stroke[0])
        for point in stroke[1:]:
            sketch.extend_stroke(*point)
    return sketch


def time_to_copies(check_every: int = 50) -> dict:
    run = OwnImageRun()
    image = drawn_seven().image() / 255.0
    total, out = run.spec.train.steps, run.folder / "runs"
    steps, train_s, check_s, checks, first, every, last_copies = 0, 0.0, 0.0, 0, None, None, 0
    try:
        while steps < total:
            # after every sample is a copy, train on to the end in one go
            target = total if every else min(total, steps + check_every)
            start = time.perf_counter()
            card = training.train(run.spec, out, steps=target, resume=steps > 0, progress=False,
                                  device="cpu", images=image[None])
            train_s += time.perf_counter() - start
            steps = card["steps"]
            start = time.perf_counter()
            model = models.from_payload(checkpoint.load(out / RUN_ID / f"{RUN_ID}.pt", expect_id=RUN_ID))
            samples = run.samples(model, image)
            check_s, checks = check_s + time.perf_counter() - start, checks + 1
            last_copies = sum(s.verdict == "perfect copy" for s in samples)
            if last_copies and first is None:
                first = (round(train_s, 1), steps)
            if last_copies == len(samples) and every is None:
                every = (round(train_s, 1), steps)
        start = time.perf_counter()
        run.compare(image)
        compare_s = time.perf_counter() - start
    finally:
        run.close()
    return {
        "first_perfect_copy_s": first[0] if first else None,
        "first_perfect_copy_step": first[1] if first else f"> {steps}",
        "all_perfect_s": every[0] if every else None, "all_perfect_step": every[1] if every else f"> {steps}",
        "full_recipe_s": round(train_s, 1), "steps": steps,
        "perfect_copies_at_end": f"{last_copies}/{len(run.seeds)}",
        "sample_seeds_s": round(check_s / checks, 1),
        "compare_60000_s": round(compare_s, 2), "checked_every": check_every,
        "threads": torch.get_num_threads(), "cores_allowed": len(os.sched_getaffinity(0)),
        "machine": machine(),
        "recipe": f"{run.spec.train.steps} steps of {run.spec.train.batch_size}, lr {run.spec.train.lr}, "
                  f"predicts {run.spec.schedule.prediction}; samples: DDIM {run.spec.default_steps}, "
                  f"seeds {run.seeds[0]}..{run.seeds[-1]}",
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check-every", type=int, default=50, help="training steps between checks")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    figures = time_to_copies(args.check_every)
    figures["load_average_1min_before"] = round(load, 2)
    figures["load_average_1min_after"] = round(os.getloadavg()[0], 2)
    print(json.dumps({"own_image_first_perfect_copy_s": figures}, indent=2))
