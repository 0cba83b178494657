"""Real training, real data: a diffusion model trained on one MNIST image reproduces it.

This is the suite's longest test (a few minutes on two CPU cores). It runs the real training code
with the registry's recipe for ``mnist-diffusion-1``, shortened from 4 000 steps of 64 images (the
zoo's GPU run) to 2 000 steps of 16, and samples with DDPM (250 steps), which corrects the small
errors a short run leaves; DDIM needs the longer training the zoo model had (see docs/zoo.md).
"""

from dataclasses import replace

import numpy as np
import torch

from memlab import checkpoint, data, metrics, models, registry, training


def test_a_one_image_model_reproduces_its_training_image(tmp_path):
    spec = registry.get_spec("mnist-diffusion-1")
    spec = replace(spec, train=replace(spec.train, steps=2000, batch_size=16, checkpoint_every=2000))
    card = training.train(spec, tmp_path, progress=False, device="cpu")
    model = models.from_payload(checkpoint.load(tmp_path / spec.id / f"{spec.id}.pt", expect_id=spec.id))
    target = data.load("mnist", "train").images[model.subset_indices[0]]
    assert card["subset_indices"] == model.subset_indices.tolist() and len(model.subset_indices) == 1

    samples = model.sample(10, torch.Generator().manual_seed(0), steps=250, sampler="ddpm")
    distances = metrics.rmse_article(samples, target)
    assert (distances < metrics.PERFECT_COPY).sum() >= 9, np.round(distances, 5)

    # and a different training image is not what it reproduces
    other = data.load("mnist", "train").images[(model.subset_indices[0] + 1) % 60000]
    assert (metrics.rmse_article(samples, other) > metrics.NEAR_COPY).all()
