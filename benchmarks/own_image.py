"""Your own image, memorized in a minute: how long does the full one-image recipe take, on this CPU,
to hand back a drawn picture?

Trains the registry's one-image recipe (``memlab.teaching.own_image.recipe``, 1 000 steps of 8) on a drawn
drawing through the real training loop, in one straight run, in the temporary folder of an
``OwnImageRun``. Every ``--check-every`` steps it samples the panel's seeds (DDIM 50, one image per
seed) and notes the training seconds at which the first sample, then every sample, is a perfect copy
of the drawing. Checking time is reported apart.

    python benchmarks/own_image.py                   # every core torch uses
    taskset -c 0 python benchmarks/own_image.py      # one core, like a Binder session

Prints JSON; the lead copies it into benchmarks/results.json.
"""

import argparse
import json
import os
import time
from dataclasses import replace

import torch
from common import machine

from memlab.models import checkpoint
from memlab.models import torch_models as models
from memlab.teaching.own_image import RUN_ID, Drawing, OwnImageRun
from memlab.training import loop as training


def drawn_seven() -> Drawing:
    """A "7" drawn with two strokes, the way a learner's mouse would."""
    drawing = Drawing()
    for stroke in ([(70, 60), (140, 58), (210, 60)], [(210, 60), (170, 140), (130, 230)]):
        drawing.start_stroke(*stroke[0])
        for point in stroke[1:]:
            drawing.extend_stroke(*point)
    return drawing


def time_to_copies(check_every: int = 50) -> dict:
    """One straight run of the full recipe. Every ``check_every`` steps the loop pauses (inside its
    ``on_step`` callback) to sample the panel's seeds from the checkpoint it just saved; the pause is
    timed apart and left out of the training time."""
    run = OwnImageRun()
    spec = replace(run.spec, train=replace(run.spec.train, checkpoint_every=check_every))
    image = drawn_seven().image() / 255.0
    out, found = run.folder / "runs", {}
    clock = {"start": time.perf_counter(), "checking": 0.0}

    def check(steps_done):
        start = time.perf_counter()
        model = models.from_payload(checkpoint.load(out / RUN_ID / f"{RUN_ID}.pt", expect_id=RUN_ID))
        copies = sum(s.verdict == "perfect copy" for s in run.samples(model, image))
        trained_s = start - clock["start"] - clock["checking"]
        if copies and "first" not in found:
            found["first"] = (round(trained_s, 1), steps_done)
        if copies == len(run.seeds) and "all" not in found:
            found["all"] = (round(trained_s, 1), steps_done)
        found["last"] = copies
        clock["checking"] += time.perf_counter() - start
        clock["checks"] = clock.get("checks", 0) + 1

    def on_step(step, total, loss):  # called before step ``step``'s checkpoint is saved
        if step > 1 and (step - 1) % check_every == 0:
            check(step - 1)

    try:
        training.train(spec, out, progress=False, device="cpu", images=image[None], on_step=on_step)
        train_s = time.perf_counter() - clock["start"] - clock["checking"]
        check(spec.train.steps)
        start = time.perf_counter()
        run.compare(image)
        compare_s = time.perf_counter() - start
    finally:
        run.close()
    first, every = found.get("first"), found.get("all")
    return {
        "first_perfect_copy_s": first[0] if first else None,
        "first_perfect_copy_step": first[1] if first else f"> {spec.train.steps}",
        "all_perfect_s": every[0] if every else None,
        "all_perfect_step": every[1] if every else f"> {spec.train.steps}",
        "full_recipe_s": round(train_s, 1),
        "steps": spec.train.steps,
        "perfect_copies_at_end": f"{found['last']}/{len(run.seeds)}",
        "sample_seeds_s": round(clock["checking"] / clock["checks"], 1),
        "compare_60000_s": round(compare_s, 2),
        "checked_every": check_every,
        "threads": torch.get_num_threads(),
        "cores_allowed": len(os.sched_getaffinity(0)),
        "machine": machine(),
        "recipe": f"{spec.train.steps} steps of {spec.train.batch_size}, lr {spec.train.lr}, "
        f"predicts {spec.schedule.prediction}; samples: DDIM {spec.default_steps}, "
        f"seeds {run.seeds[0]}..{run.seeds[-1]}; a checkpoint every {check_every} steps (counted "
        "in the training time; the panel saves every 250)",
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
