"""Property-based tests (hypothesis): any array of any shape, dtype and values given to the search,
the metrics or the criteria either gets the right answer or a clear ValueError, never anything else."""

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from memlab.judging import criteria, metrics
from memlab.judging.search import SearchIndex

DTYPES = st.sampled_from([np.uint8, np.int16, np.int64, np.float16, np.float32, np.float64, np.bool_, np.complex64])
SHAPES = st.one_of(
    st.sampled_from([(28, 28), (1, 28, 28), (3, 28, 28), (2, 1, 28, 28), (0, 28, 28)]),  # valid or nearly
    hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=30),  # anything
)
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def images(draw):
    """Arrays of many shapes and dtypes: mostly in range, sometimes out of it, NaN or inf."""
    dtype, shape = np.dtype(draw(DTYPES)), draw(SHAPES)
    if dtype.kind == "f":
        elements = st.one_of(
            st.floats(0, 1, width=dtype.itemsize * 8),
            st.floats(allow_nan=True, allow_infinity=True, width=dtype.itemsize * 8),
        )
    elif dtype.kind in "ui":
        elements = st.integers(max(np.iinfo(dtype).min, -300), min(np.iinfo(dtype).max, 300))
    else:
        elements = None
    return draw(hnp.arrays(dtype, shape, elements=elements))


def expected_unit(x):
    """What a valid query means on 0..1, or None when it must be refused."""
    if x.dtype.kind not in "uif" or x.dtype == np.bool_:
        return None
    if x.ndim == 4 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3 or x.shape[1:] != (28, 28) or len(x) == 0:
        return None
    if x.dtype.kind in "ui":
        return None if (x.min() < 0 or x.max() > 255) else x.astype(np.float64) / 255
    if not np.isfinite(x).all() or x.min() < -1e-6 or x.max() > 1 + 1e-6:  # rounding slack, then clipped
        return None
    return np.clip(x, 0, 1).astype(np.float32).astype(np.float64)


@pytest.fixture(scope="module")
def small_index(mnist):
    return SearchIndex(mnist.images[:300], mnist.labels[:300])


@SETTINGS
@given(query=images())
def test_search_answers_exactly_or_refuses_clearly(small_index, mnist, query):
    unit = expected_unit(query)
    event("refused" if unit is None else "answered")
    if unit is None:
        with pytest.raises(ValueError):
            small_index.search(query, k=2)
        return
    result = small_index.search(query, k=2)
    train = (mnist.images[:300] / np.float32(255)).astype(np.float64).reshape(300, -1)
    for q, found in zip(unit.reshape(len(unit), -1), result.indices):
        d2 = ((train - q) ** 2).sum(axis=1)
        np.testing.assert_array_equal(found, np.lexsort((np.arange(300), d2))[:2])


@SETTINGS
@given(a=images(), b=images())
def test_rmse_answers_exactly_or_refuses_clearly(a, b):
    ua, ub = expected_unit(a), expected_unit(b)
    event("refused" if ua is None or ub is None else "answered")
    if ua is None or ub is None or (len(ua) != len(ub) and 1 not in (len(ua), len(ub))):
        with pytest.raises(ValueError):
            metrics.rmse(a, b)
        return
    expected = np.sqrt(((ua.astype(np.float32).astype(np.float64) - ub.astype(np.float32)) ** 2).mean(axis=(1, 2)))
    np.testing.assert_allclose(metrics.rmse(a, b), expected, rtol=1e-6, atol=1e-7)


@SETTINGS
@given(
    d=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=3, max_side=6),
        elements=st.one_of(st.floats(0, 1), st.floats(allow_nan=True, allow_infinity=True)),
    )
)
def test_criteria_flag_booleans_or_refuse_clearly(d):
    valid = (
        d.ndim in (1, 2)
        and d.size > 0
        and np.isfinite(d).all()
        and (d >= 0).all()
        and (d <= 1).all()
        and (np.diff(np.atleast_2d(d), axis=1) >= 0).all()
    )
    if not valid:
        with pytest.raises(ValueError):
            criteria.flags(d)
        return
    flags = criteria.flags(d)
    rows = np.atleast_2d(d)
    for name, flag in flags.items():
        assert flag.dtype == bool and flag.shape == (len(rows),), name
    np.testing.assert_array_equal(flags["perfect_copy"], rows[:, 0] < metrics.PERFECT_COPY_UNIT)
