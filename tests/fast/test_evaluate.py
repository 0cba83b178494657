"""evaluate.frechet_distance against closed forms that a wrong square-root term cannot meet."""

import numpy as np
import pytest

from memlab.analyses.evaluate import frechet_distance


def with_covariance(cov, n=400, seed=0, mean=0.0):
    """n points whose sample mean is ``mean`` and whose sample covariance (np.cov) is exactly ``cov``."""
    x = np.random.default_rng(seed).normal(size=(n, len(cov)))
    x -= x.mean(0)
    x = x @ np.linalg.inv(np.linalg.cholesky(np.cov(x, rowvar=False))).T  # sample covariance: identity
    return x @ np.linalg.cholesky(cov).T + mean


def random_covariance(d, seed):
    m = np.random.default_rng(seed).normal(size=(d, d))
    return m @ m.T / d + 0.1 * np.eye(d)


def test_equal_sets_are_at_zero_and_a_shift_adds_its_squared_length():
    a = with_covariance(random_covariance(8, 1))
    assert frechet_distance(a, a) == pytest.approx(0, abs=1e-8)
    assert frechet_distance(a, a + 1.0) == pytest.approx(8.0, rel=1e-6)


def test_doubled_covariance_gives_trace_times_3_minus_2_sqrt_2():
    # b = 2a: Tr(a + 2a - 2 (2 a^2)^(1/2)) = Tr(a) (3 - 2 sqrt 2). Dropping the root, or rooting the
    # entries instead of the matrix, gives another number.
    cov = random_covariance(6, 2)
    a = with_covariance(cov, seed=3)
    b = np.sqrt(2) * a + 0.5
    expected = 6 * 0.5**2 + np.trace(cov) * (3 - 2 * np.sqrt(2))
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-6)
    assert frechet_distance(b, a) == pytest.approx(expected, rel=1e-6)


def test_two_covariances_that_do_not_commute_match_the_2x2_closed_form():
    # for 2 x 2 positive definite S_a, S_b: Tr((S_a S_b)^(1/2)) = sqrt(Tr(S_a S_b) + 2 sqrt(det S_a det S_b))
    cov_a, cov_b = np.array([[2.0, 0.9], [0.9, 1.0]]), np.array([[1.0, -0.4], [-0.4, 3.0]])
    assert not np.allclose(cov_a @ cov_b, cov_b @ cov_a)
    root = np.sqrt(np.trace(cov_a @ cov_b) + 2 * np.sqrt(np.linalg.det(cov_a) * np.linalg.det(cov_b)))
    expected = np.trace(cov_a) + np.trace(cov_b) - 2 * root
    a, b = with_covariance(cov_a, seed=4), with_covariance(cov_b, seed=5)
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-6)


def test_a_wrong_square_root_would_be_caught():
    """The closed forms above tell the right formula from plausible wrong ones."""
    cov = random_covariance(6, 2)
    a = with_covariance(cov, seed=3)
    right = np.trace(cov) * (3 - 2 * np.sqrt(2))
    entrywise = 3 * np.trace(cov) - 2 * np.trace(np.sqrt(np.abs(2 * cov @ cov)))  # sqrt of the entries
    no_root = 3 * np.trace(cov) - 2 * np.trace(2 * cov @ cov)
    assert frechet_distance(a, np.sqrt(2) * a) == pytest.approx(right, rel=1e-6)
    assert abs(entrywise - right) > 0.05 * right and abs(no_root - right) > 0.05 * right
