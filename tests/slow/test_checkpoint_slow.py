"""Saving and loading the other kinds of model, with real (tiny) training runs on real MNIST images
(moved from tests/fast/test_checkpoint.py: training a GAN and a classifier takes too long for the fast tier)."""

import numpy as np
from conftest import tiny_spec

from memlab.models import checkpoint
from memlab.models import torch_models as models
from memlab.training import loop as training


def test_gan_and_classifier_train_save_and_load(tmp_path):
    for model_id in ("mnist-gan-60000", "mnist-classifier"):
        spec = tiny_spec(model_id, steps=3)
        card = training.train(spec, tmp_path, progress=False, device="cpu")
        model = models.from_payload(checkpoint.load(tmp_path / model_id / f"{model_id}.pt", expect_id=model_id))
        if spec.kind == "gan":
            assert model.sample(2, 0).shape == (2, 28, 28)
            assert card["weights_dtype"] == "float16"  # 2.3 M parameters: shipped in half precision
        else:
            labels, confidence = model.predict(np.zeros((2, 28, 28), np.uint8))
            assert labels.shape == (2,) and 0 < confidence.min() <= 1 and 0 <= card["test_accuracy"] <= 1
