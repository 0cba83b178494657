"""The memorization criteria on constructed cases where the right answer is known."""

import numpy as np
import pytest

from memlab.judging import criteria
from memlab.judging.metrics import NEAR_COPY_UNIT, PERFECT_COPY_UNIT


def test_an_exact_copy_is_flagged_by_every_criterion():
    d = np.array([[0.0, 0.2, 0.21, 0.25]])
    assert all(flag[0] for flag in criteria.flags(d).values())


def test_a_sample_equally_close_to_many_images_is_novel_under_the_relative_criteria():
    # closer than the demo's "near copy" threshold to five images at once: resemblance, not a copy
    d = np.full((1, 5), 0.09)
    f = criteria.flags(d)
    assert f["near_copy"][0] and not f["perfect_copy"][0]
    assert not f["nearest_ratio"][0] and not f["calibrated_distance"][0]
    assert criteria.nearest_ratio(d)[0] == 1.0 and criteria.calibrated_distance(d)[0] == 2.0


def test_a_sample_far_from_everything_but_much_closer_to_one_image_is_flagged_only_by_the_ratio():
    # a thick-stroked "copy" of one image: 0.2 RMSE is far above both fixed thresholds
    d = np.array([[0.2, 0.7, 0.71, 0.72]])
    f = criteria.flags(d)
    assert not f["perfect_copy"][0] and not f["near_copy"][0]
    assert f["nearest_ratio"][0] and f["calibrated_distance"][0]


def test_thresholds_sit_exactly_where_the_sources_put_them():
    just_under, just_over = np.nextafter(1 / 3, 0), np.nextafter(1 / 3, 1)
    assert criteria.flags(np.array([[just_under, 1.0]]))["nearest_ratio"][0]
    assert not criteria.flags(np.array([[just_over, 1.0]]))["nearest_ratio"][0]
    assert criteria.flags(np.array([[np.nextafter(PERFECT_COPY_UNIT, 0), 1]]))["perfect_copy"][0]
    assert not criteria.flags(np.array([[PERFECT_COPY_UNIT, 1]]))["perfect_copy"][0]
    assert not criteria.flags(np.array([[NEAR_COPY_UNIT, 1]]))["near_copy"][0]


def test_calibration_uses_the_fifty_nearest_and_alpha_one_half():
    d = np.concatenate([[0.1], np.full(49, 0.3), np.full(50, 0.9)])[None]  # 100 neighbours
    mean_of_50 = (0.1 + 49 * 0.3) / 50
    assert criteria.calibrated_distance(d)[0] == pytest.approx(0.1 / (0.5 * mean_of_50))
    assert criteria.calibrated_distance(d, n=2, alpha=1.0)[0] == pytest.approx(0.1 / 0.2)


def test_with_one_training_image_the_relative_criteria_are_undefined_and_never_flag():
    d = np.array([[0.0], [0.5]])
    assert np.isnan(criteria.nearest_ratio(d)).all() and np.isnan(criteria.calibrated_distance(d)).all()
    f = criteria.flags(d)
    assert f["perfect_copy"].tolist() == [True, False]
    assert not f["nearest_ratio"].any() and not f["calibrated_distance"].any()


def test_two_identical_training_images_and_a_copy_of_both_count_as_a_copy():
    assert criteria.nearest_ratio(np.array([[0.0, 0.0, 0.3]]))[0] == 0.0


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.array([[0.2, 0.1]]), "sorted"),
        (np.array([[np.nan, 0.1]]), "finite"),
        (np.array([[-0.1, 0.1]]), "0 <= d <= 1"),
        (np.array([[0.5, 2.0]]), "0-1 scale"),
        (np.zeros((2, 2, 2)), "shaped"),
    ],
)
def test_bad_distances_are_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        criteria.flags(bad)


def test_unlike_the_data_names_the_first_reason_that_applies():
    from memlab.judging.baseline import Likeness

    typical = Likeness(np.array([0.1, 0.3]), np.array([0.3, 0.4]), np.array([0.05, 0.1]))
    images = Likeness(
        nearest=np.array([0.2, 0.31, 0.2, 0.2, 0.2]),
        blank=np.array([0.4, 0.9, 0.0, 0.4, 0.4]),
        unexplained=np.array([0.1, 0.1, 0.1, 0.13, 0.11]),
    )
    assert criteria.unlike_the_data(images, typical) == [None, "far", "empty", "unstructured", None]
