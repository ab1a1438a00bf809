import math

import numpy as np
import pytest
from oracles import dtw_brute_force, dtw_naive, warping_paths

from tswarp.metrics import dtw


def test_known_values():
    assert dtw([1, 2, 3], [1, 2, 2, 3, 4]) == 1.0
    assert dtw([[1], [2], [3]], [[3], [4], [-3]]) == math.sqrt(42)
    assert dtw([1, 2, 3], [1, 2, 3]) == 0.0
    assert dtw([0.0], [3.0]) == 3.0


def test_returns_python_float():
    assert type(dtw(np.arange(4.0), np.arange(5.0))) is float
    assert type(dtw(np.arange(4, dtype=np.float32), np.arange(5, dtype=np.float32))) is float


def test_oracle_counts_each_path_once():
    # The number of warping paths of an n x m grid is the Delannoy number D(n-1, m-1).
    assert sum(1 for _ in warping_paths(3, 3)) == 13
    assert sum(1 for _ in warping_paths(4, 5)) == 129
    paths = [tuple(p) for p in warping_paths(4, 4)]
    assert len(paths) == len(set(paths))


@pytest.mark.parametrize("n, m, d", [(1, 1, 1), (1, 4, 2), (3, 5, 1), (4, 4, 3), (5, 3, 2)])
def test_matches_brute_force_on_tiny_inputs(rng, n, m, d):
    x, y = rng.normal(size=(n, d)), rng.normal(size=(m, d))
    assert dtw(x, y) == pytest.approx(dtw_brute_force(x, y), rel=1e-12)


@pytest.mark.parametrize("d", [1, 2, 5])
def test_matches_naive_dp_on_random_unequal_lengths(rng, d):
    for _ in range(20):
        n, m = rng.integers(1, 40, size=2)
        x, y = rng.normal(size=(n, d)), rng.normal(size=(m, d))
        assert dtw(x, y) == pytest.approx(dtw_naive(x, y), rel=1e-12)


def test_univariate_forms_agree(rng):
    x, y = rng.normal(size=17), rng.normal(size=23)
    assert dtw(x, y) == dtw(x[:, None], y[:, None]) == dtw(list(x), list(y))


def test_symmetric(rng):
    x, y = rng.normal(size=(30, 3)), rng.normal(size=(45, 3))
    assert dtw(x, y) == pytest.approx(dtw(y, x), rel=1e-14)


def test_float32_close_to_float64(rng):
    x, y = rng.normal(size=(200, 2)), rng.normal(size=(150, 2))
    exact = dtw(x, y)
    single = dtw(x.astype(np.float32), y.astype(np.float32))
    assert single == pytest.approx(exact, rel=1e-5)
    assert single != exact  # really computed in float32


def test_mixed_widths_and_integers_promote_to_float64(rng):
    x32 = rng.normal(size=10).astype(np.float32)
    y64 = rng.normal(size=12)
    assert dtw(x32, y64) == pytest.approx(dtw_naive(x32, y64), rel=1e-12)
    assert dtw(np.array([1, 2, 3], dtype=np.int32), np.array([1, 2, 2, 3, 4])) == 1.0
    assert dtw(np.array([True, False]), np.array([1.0, 0.0])) == 0.0


def test_trailing_nan_rows_are_padding(rng):
    x, y = rng.normal(size=(8, 2)), rng.normal(size=(11, 2))
    padded = np.vstack([x, np.full((4, 2), np.nan)])
    assert dtw(padded, y) == dtw(x, y)
    assert dtw([1.0, 2.0, 3.0, np.nan, np.nan], [1, 2, 2, 3, 4]) == 1.0


def test_inputs_are_not_modified(rng):
    x, y = rng.normal(size=(9, 2)), rng.normal(size=(7, 2))
    x_copy, y_copy = x.copy(), y.copy()
    dtw(x, y)
    dtw(x.astype(np.float32), y.astype(np.float32))
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(y, y_copy)


def test_non_contiguous_and_read_only_inputs(rng):
    x = rng.normal(size=(20, 3))
    y = rng.normal(size=(15, 6))[:, ::2]
    x.flags.writeable = False
    assert dtw(x, y) == pytest.approx(dtw_naive(x, y), rel=1e-12)
    assert dtw(x.T.copy().T, y) == pytest.approx(dtw_naive(x, y), rel=1e-12)


@pytest.mark.parametrize(
    "s1, s2, message",
    [
        (np.zeros((2, 2, 2)), [1.0], "s1 must be a time series of shape"),
        (np.float64(1.0), [1.0], "s1 must be a time series of shape"),
        ([1.0], np.zeros((1, 1, 1)), "s2 must be a time series of shape"),
        ([], [1.0], "s1 is empty or all NaN"),
        ([1.0], [np.nan, np.nan], "s2 is empty or all NaN"),
        (np.zeros((3, 0)), np.zeros((3, 0)), "s1 has no features"),
        ([1.0, np.nan, 2.0], [1.0], r"s1 has a NaN or infinite value at time step 1"),
        ([1.0], [np.inf, 1.0], r"s2 has a NaN or infinite value at time step 0"),
        (np.zeros((3, 2)), np.zeros((3, 3)), "same number of features"),
        ([[1.0], [2.0, 3.0]], [1.0], "s1 could not be read as an array"),
    ],
)
def test_invalid_input_raises_value_error(s1, s2, message):
    with pytest.raises(ValueError, match=message):
        dtw(s1, s2)


@pytest.mark.parametrize("bad", [np.array([1 + 1j, 2]), np.array(["a", "b"]), [object()]])
def test_non_real_input_raises_type_error(bad):
    with pytest.raises(TypeError, match="s1 must hold real numbers"):
        dtw(bad, [1.0, 2.0])
