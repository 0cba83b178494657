"""The quality figure's scale and its limits on real test images (noise, blank and shuffled-pixel
"generators" failing it, and the shipped models passing it, are in tests/slow/test_evaluate_quality_slow.py)."""

import numpy as np
import pytest

from memlab.analyses.evaluate import quality
from memlab.data import datasets as data


def test_a_one_picture_generator_scores_at_least_the_scale():
    """The scale's meaning: zero covariance leaves Tr(S_test), whatever the picture."""
    digit = data.load("mnist", "test").images[:1]
    figures = quality(np.repeat(digit, 50, axis=0), "mnist")
    assert figures["frechet_to_test"] >= figures["frechet_one_picture_scale"] - 1e-6
    assert not figures["quality_pass"]


def test_quality_needs_two_images():
    with pytest.raises(ValueError, match="at least 2"):
        quality(np.zeros((1, 28, 28), np.float32), "mnist")
