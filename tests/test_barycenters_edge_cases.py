"""Barycenters of data and weights at the ends of float64's range.

DTW averaging commutes with scaling the data (or the weights) by a power of two, exactly in
floating point: the result for 2**700 * X is 2**700 times that for X, bit for bit. That is
the oracle here, with weighted means computed by hand.
"""

import numpy as np
import pytest

from tswarp.barycenters import (
    dtw_barycenter_averaging,
    dtw_barycenter_averaging_petitjean,
    dtw_barycenter_averaging_subgradient,
    euclidean_barycenter,
    softdtw_barycenter,
)


def subgradient(X, **kwargs):
    return dtw_barycenter_averaging_subgradient(X, random_state=0, **kwargs)


DBA_FUNCTIONS = [dtw_barycenter_averaging, dtw_barycenter_averaging_petitjean, subgradient]


def walks(rng, n=5):
    return [rng.standard_normal(int(rng.integers(4, 9))).cumsum() for _ in range(n)]


@pytest.mark.parametrize("function", DBA_FUNCTIONS)
@pytest.mark.parametrize("scale", [2.0**700, 2.0**-700])
def test_dba_of_huge_or_tiny_values_is_the_scaled_barycenter(rng, function, scale):
    # Squared distances of values near 1e210 overflow (near 1e-210, underflow) and left
    # the alignments arbitrary: the barycenter was off by about one unit of the data.
    X = walks(rng)
    expected = function(X, max_iter=5, tol=0.0) * scale
    got = function([x * scale for x in X], max_iter=5, tol=0.0)
    np.testing.assert_array_equal(got, expected)


def test_dba_of_values_near_1e200(rng):
    X = walks(rng)
    expected = dtw_barycenter_averaging(X, max_iter=5, tol=0.0)
    got = dtw_barycenter_averaging([x * 1e200 for x in X], max_iter=5, tol=0.0)
    np.testing.assert_allclose(got / 1e200, expected, rtol=1e-13)


@pytest.mark.parametrize("function", [euclidean_barycenter, dtw_barycenter_averaging])
def test_values_near_the_largest_float_average_without_overflow(function):
    # The sum of the two first steps, 3e308, is past float64's range; their mean is not.
    X = [[1.5e308, -1.5e308], [1.5e308, 1.0e308]]
    np.testing.assert_array_equal(function(X).ravel(), [1.5e308, -0.25e308])


@pytest.mark.parametrize(
    "function", [euclidean_barycenter, *DBA_FUNCTIONS], ids=lambda f: f.__name__
)
@pytest.mark.parametrize(
    ("weights", "same_as"),
    [
        ([3 * 2.0**1022, 2.0**1022], [3.0, 1.0]),  # their sum overflowed
        ([2.0**1023, 2.0**1023], [1.0, 1.0]),
        ([2.0**-1070, 0.0], [1.0, 0.0]),  # a subnormal total, whose inverse overflowed
    ],
)
def test_huge_or_tiny_weights_weigh_as_their_ratios(rng, function, weights, same_as):
    X = rng.standard_normal((2, 6))
    np.testing.assert_array_equal(function(X, weights=weights), function(X, weights=same_as))


def test_euclidean_barycenter_of_huge_weights_by_hand():
    got = euclidean_barycenter([[0.0, 4.0], [4.0, 8.0]], weights=[1.5e308, 0.5e308])
    np.testing.assert_allclose(got.ravel(), [1.0, 5.0], rtol=1e-15)


@pytest.mark.parametrize("weights", [[1e308, 1e308], [3 * 2.0**1022, 2.0**1022]])
def test_softdtw_barycenter_of_huge_weights(weights):
    # The weighted objective overflowed (a RuntimeWarning, an error under the test
    # settings; tslearn returns NaN or inf).
    X = [[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 4.0, 5.0]]
    ratios = np.asarray(weights) / max(weights)
    np.testing.assert_allclose(
        softdtw_barycenter(X, weights=weights), softdtw_barycenter(X, weights=ratios), rtol=1e-6
    )
