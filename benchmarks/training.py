"""Training figures: one optimizer step of memlab's UNet beside diffusers' UNet2DModel in the
original demo's configuration, and the CPU time from scratch until a one-image model copies its image.

    python benchmarks/training.py [--quick]     # prints JSON; --quick skips the one-image run
"""

import argparse
import json
import tempfile
import time
from dataclasses import replace

import torch
import torch.nn.functional as F

from common import side_by_side_ms
from memlab import checkpoint, data, metrics, models, registry, training
from memlab.pixels import uint8_to_unit, unit_to_model
from memlab.schedule import NoiseSchedule
from memlab.trainers import DiffusionTrainer

# The one-image recipe measured here: the zoo's mnist-diffusion-1 spec with a CPU-sized batch.
ONE_IMAGE_BATCH, ONE_IMAGE_LR, ONE_IMAGE_STEPS = 16, 2e-3, 1200


def demo_unet():
    """The original demo's network: diffusers UNet2DModel, channels (32, 64, 64), attention in the
    two lower blocks, two layers per block (1.7 M parameters)."""
    from diffusers import UNet2DModel

    return UNet2DModel(sample_size=28, in_channels=1, out_channels=1, layers_per_block=2,
                       block_out_channels=(32, 64, 64),
                       down_block_types=("DownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D"),
                       up_block_types=("AttnUpBlock2D", "AttnUpBlock2D", "UpBlock2D"))


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

    times = side_by_side_ms({"memlab": lambda: ours.step((x0, None), gen), "diffusers": demo_step},
                            repeats, warmup=2)
    return {"train_step_ms": {
        "value": times["memlab"], "diffusers_unet2dmodel_ms": times["diffusers"],
        "speedup": round(times["diffusers"] / times["memlab"], 2),
        "parameters": sum(p.numel() for p in ours.unet.parameters()),
        "diffusers_parameters": sum(p.numel() for p in theirs.parameters()),
        "batch": batch, "target": ">= 2x faster than diffusers UNet2DModel, zoo floors holding",
        "met": times["diffusers"] >= 2 * times["memlab"]}}


def one_image_figures(check_every=100, samples=10):
    """Train mnist-diffusion-1 from scratch on this CPU with the recipe above; every ``check_every``
    steps draw ``samples`` images with the default sampler and stop once 9 in 10 are perfect copies.
    The time counted is training time; the checks are reported apart."""
    spec = registry.get_spec("mnist-diffusion-1")
    spec = replace(spec, train=replace(spec.train, steps=ONE_IMAGE_STEPS, batch_size=ONE_IMAGE_BATCH,
                                       lr=ONE_IMAGE_LR, checkpoint_every=check_every))
    train_s = check_s = 0.0
    steps, copies = 0, 0
    with tempfile.TemporaryDirectory() as out:
        while steps < spec.train.steps and copies < 0.9 * samples:
            start = time.perf_counter()
            card = training.train(spec, out, steps=steps + check_every, resume=steps > 0, progress=False,
                                  device="cpu")
            train_s += time.perf_counter() - start
            steps = card["steps"]
            start = time.perf_counter()
            model = models.from_payload(checkpoint.load(f"{out}/{spec.id}/{spec.id}.pt"))
            target = data.load("mnist").images[model.subset_indices[0]]
            images = model.sample(samples, torch.Generator().manual_seed(0))
            copies = int((metrics.rmse_article(images, target) < metrics.PERFECT_COPY).sum())
            check_s += time.perf_counter() - start
    done = copies >= 0.9 * samples
    return {"one_image_memorized_s": {
        "value": round(train_s, 1) if done else None, "steps": steps, "perfect_copies": f"{copies}/{samples}",
        "recipe": f"{spec.id} spec, batch {ONE_IMAGE_BATCH}, lr {ONE_IMAGE_LR}, cosine over "
                  f"{ONE_IMAGE_STEPS} steps; checked every {check_every} steps with "
                  f"{spec.default_sampler.upper()} {spec.default_steps}",
        "checking_s": round(check_s, 1), "target": "<= 120 s", "met": done and train_s <= 120}}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    figures = train_step_figures(repeats=3 if args.quick else 10)
    if not args.quick:
        figures.update(one_image_figures())
    print(json.dumps(figures, indent=2))
