"""Real training, real data: a diffusion model trained on one MNIST image reproduces it.

This is the suite's longest test (about a minute on two CPU cores). It runs the real training code
with the registry's recipe for ``mnist-diffusion-1``, unshortened (the zoo's model is trained the same
way), and samples with the default sampler (DDIM, 50 steps).
"""

import numpy as np

from memlab.data import datasets as data
from memlab.judging import metrics
from memlab.models import checkpoint, registry
from memlab.models import torch_models as models
from memlab.training import loop as training


def test_a_one_image_model_reproduces_its_training_image(tmp_path):
    spec = registry.get_spec("mnist-diffusion-1")
    card = training.train(spec, tmp_path, progress=False, device="cpu")
    model = models.from_payload(checkpoint.load(tmp_path / spec.id / f"{spec.id}.pt", expect_id=spec.id))
    target = data.load("mnist", "train").images[model.subset_indices[0]]
    assert card["steps"] == spec.train.steps
    assert card["subset_indices"] == model.subset_indices.tolist() and len(model.subset_indices) == 1

    samples = model.sample(10, 0)
    distances = metrics.rmse_article(samples, target)
    assert (distances < metrics.PERFECT_COPY).all(), np.round(distances, 5)

    # and a different training image is not what it reproduces
    other = data.load("mnist", "train").images[(model.subset_indices[0] + 1) % 60000]
    assert (metrics.rmse_article(samples, other) > metrics.NEAR_COPY).all()
