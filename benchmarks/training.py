"""Training figures: one optimizer step of memlab's UNet beside diffusers' UNet2DModel in the
original demo's configuration, and the CPU time from scratch until a one-image model copies its image.

    python benchmarks/training.py [--quick]     # prints JSON; --quick skips the one-image run
"""

import argparse
import json
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import torch
import torch.nn.functional as F
from common import side_by_side_ms

from memlab.data import datasets as data
from memlab.data.pixels import uint8_to_unit, unit_to_model
from memlab.judging import metrics
from memlab.models import checkpoint, registry
from memlab.models import torch_models as models
from memlab.sampling.schedule import NoiseSchedule
from memlab.training import loop as training
from memlab.training.trainers import DiffusionTrainer


def demo_unet():
    """The original demo's network: diffusers UNet2DModel, channels (32, 64, 64), attention in the
    two lower blocks, two layers per block (1.7 M parameters)."""
    from diffusers import UNet2DModel

    return UNet2DModel(
        sample_size=28,
        in_channels=1,
        out_channels=1,
        layers_per_block=2,
        block_out_channels=(32, 64, 64),
        down_block_types=("DownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D"),
        up_block_types=("AttnUpBlock2D", "AttnUpBlock2D", "UpBlock2D"),
    )


ZOO_FIGURES = Path(__file__).resolve().parent.parent / "docs" / "zoo.json"  # python scripts/zoo_report.py
# The zoo's quality floors for the models that use this UNet: (model, figure in zoo.json, minimum, floor)
ZOO_FLOORS = [
    ("mnist-diffusion-1", "perfect_copy_share", 0.95, "perfect copies >= 95 %"),
    ("fashion-diffusion-1", "perfect_copy_share", 0.95, "perfect copies >= 95 %"),
    ("mnist-diffusion-60000", "min_class_share", 0.03, "every class >= 3 %"),
    ("fashion-diffusion-60000", "min_class_share", 0.03, "every class >= 3 %"),
    ("mnist-diffusion-60000", "quality_pass", True, "Fréchet quality passes (memlab/analyses/evaluate.py)"),
    ("fashion-diffusion-60000", "quality_pass", True, "Fréchet quality passes (memlab/analyses/evaluate.py)"),
]


def zoo_floors() -> dict:
    """Each floor of ZOO_FLOORS with its figure from the last `python scripts/zoo_report.py`:
    {floor: [figure, held]}."""
    figures = json.loads(ZOO_FIGURES.read_text())
    return {
        f"{model}: {floor}": [figures[model][key], figures[model][key] >= minimum]
        for model, key, minimum, floor in ZOO_FLOORS
    }


def train_step_figures(batch=128, repeats=10):
    spec = registry.get_spec("mnist-diffusion-60000")
    x0 = unit_to_model(torch.from_numpy(uint8_to_unit(data.load("mnist").images[:batch])))[:, None]
    torch.manual_seed(0)
    ours = DiffusionTrainer(spec, torch.device("cpu"))
    gen = torch.Generator().manual_seed(0)

    theirs = demo_unet()
    optimizer = torch.optim.Adam(theirs.parameters(), lr=1e-3)
    schedule = NoiseSchedule(spec.schedule)

    def demo_step():  # the same DDPM step: noise, predict it, MSE, Adam
        t = torch.randint(0, 1000, (batch,), generator=gen)
        noise = torch.randn(x0.shape, generator=gen)
        loss = F.mse_loss(theirs(schedule.add_noise(x0, noise, t), t).sample, noise)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    times = side_by_side_ms({"memlab": lambda: ours.step((x0, None), gen), "diffusers": demo_step}, repeats, warmup=2)
    floors = zoo_floors()
    missed = [name for name, (_, held) in floors.items() if not held]
    return {
        "train_step_ms": {
            "value": times["memlab"],
            "diffusers_unet2dmodel_ms": times["diffusers"],
            "speedup": round(times["diffusers"] / times["memlab"], 2),
            "parameters": sum(p.numel() for p in ours.unet.parameters()),
            "diffusers_parameters": sum(p.numel() for p in theirs.parameters()),
            "batch": batch,
            "target": ">= 2x faster than diffusers UNet2DModel, zoo floors holding",
            "zoo_floors": floors,
            "zoo_floors_missed": ", ".join(missed) or None,
            "met": times["diffusers"] >= 2 * times["memlab"] and not missed,
        }
    }


class _Reached(Exception):
    """Raised from the training loop's callback to stop once the default sampler copies the image."""


def one_image_figures(spec, check_every=100, samples=10):
    """Train ``spec`` (a one-image model) from scratch on this CPU, in one straight run of its recipe (the
    cosine decay over the spec's steps, as `memlab train` does). Every ``check_every`` steps the loop
    pauses to draw ``samples`` images with the default sampler (DDIM 50) and with DDPM 100 from the
    checkpoint it just saved, and notes the training time at which each first gives 9 in 10 perfect
    copies; the run stops once the default sampler does. Checking time is reported apart."""
    spec = replace(spec, train=replace(spec.train, checkpoint_every=check_every))
    samplers = {"default": (spec.default_sampler, spec.default_steps), "ddpm100": ("ddpm", 100)}
    reached, copies_seen = {}, {}
    clock = {"start": time.perf_counter(), "checking": 0.0, "steps": 0}

    def check(out, steps):
        start = time.perf_counter()
        model = models.from_payload(checkpoint.load(f"{out}/{spec.id}/{spec.id}.pt"))
        target = data.load(spec.dataset).images[model.subset_indices[0]]
        trained_s = start - clock["start"] - clock["checking"]
        for name, (sampler, sampler_steps) in samplers.items():
            images = model.sample(samples, 0, sampler_steps, sampler=sampler)
            copies = int((metrics.rmse_article(images, target) < metrics.PERFECT_COPY).sum())
            copies_seen[name] = f"{copies}/{samples} after {steps} steps"
            if copies >= 0.9 * samples and name not in reached:
                reached[name] = (round(trained_s, 1), steps)
        clock["checking"] += time.perf_counter() - start
        clock["steps"] = steps
        if "default" in reached:
            raise _Reached

    with tempfile.TemporaryDirectory() as out:

        def on_step(step, total, loss):  # called before step ``step``'s checkpoint is saved
            if step > 1 and (step - 1) % check_every == 0:
                check(out, step - 1)

        try:
            training.train(spec, out, progress=False, device="cpu", on_step=on_step)
            check(out, spec.train.steps)
        except _Reached:
            pass
    train_s = time.perf_counter() - clock["start"] - clock["checking"]
    steps = clock["steps"]
    default = reached.get("default")
    return {
        "value": default[0] if default else None,
        "steps": default[1] if default else f"> {steps}",
        "ddpm100_s": reached["ddpm100"][0] if "ddpm100" in reached else None,
        "ddpm100_steps": reached["ddpm100"][1] if "ddpm100" in reached else f"> {steps}",
        "last_check": copies_seen,
        "trained_s": round(train_s, 1),
        "recipe": f"predicts {spec.schedule.prediction}, batch {spec.train.batch_size}, lr {spec.train.lr}, "
        f"cosine over {spec.train.steps} steps, checked every {check_every} steps",
        "checking_s": round(clock["checking"], 1),
        "target": "<= 120 s (default sampler)",
        "met": bool(default) and default[0] <= 120,
    }


def one_image_comparison():
    """The zoo's one-image recipe (the network predicts x_0), and the same recipe with the usual
    noise prediction: the figure is the first; the second shows what the choice of prediction buys."""
    spec = registry.get_spec("mnist-diffusion-1")
    figures = one_image_figures(spec)
    noise = one_image_figures(replace(spec, schedule=replace(spec.schedule, prediction="epsilon")))
    figures.update(
        noise_prediction_s=noise["value"],
        noise_prediction_steps=noise["steps"],
        noise_prediction_last_check=noise["last_check"]["default"],
    )
    return {"one_image_memorized_s": figures}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    figures = train_step_figures(repeats=3 if args.quick else 10)
    if not args.quick:
        figures.update(one_image_comparison())
    print(json.dumps(figures, indent=2))
