import numpy as np
import pytest

from memlab.judging import metrics


def test_article_scale_is_grey_level_rmse_over_4095_on_real_pairs(mnist):
    a, b = mnist.images[:50], mnist.images[50:100]
    grey = a.astype(np.float64) - b.astype(np.float64)
    expected = np.sqrt((grey**2).mean(axis=(1, 2))) / 4095  # image-similarity-measures' rmse, max_p=4095
    np.testing.assert_allclose(metrics.rmse_article(a, b), expected, rtol=1e-6)  # pixels pass through float32
    np.testing.assert_allclose(
        metrics.rmse(a, b), np.sqrt((grey**2).mean(axis=(1, 2))) / 255, rtol=1e-6
    )  # pixels pass through float32


def test_thresholds_on_both_scales():
    assert metrics.PERFECT_COPY == 0.0009 and metrics.NEAR_COPY == 0.006
    assert metrics.PERFECT_COPY_UNIT == pytest.approx(0.0009 * 4095 / 255)
    assert metrics.NEAR_COPY_UNIT == pytest.approx(0.006 * 4095 / 255)


def test_identical_images_are_perfect_copies_and_distant_ones_novel(mnist):
    img = mnist.images[0]
    assert metrics.rmse(img, img)[0] == 0
    assert metrics.verdict(metrics.rmse_article(img, img)[0]) == "perfect copy"
    assert metrics.verdict(0.003) == "near copy"
    assert metrics.verdict(metrics.rmse_article(img, 255 - img)[0]) == "novel"


def test_bad_pairs_are_refused(mnist):
    with pytest.raises(ValueError, match="Cannot pair"):
        metrics.rmse(mnist.images[:3], mnist.images[:2])
    with pytest.raises(ValueError, match="finite"):
        metrics.verdict(float("nan"))
