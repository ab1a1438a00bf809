"""Barycenters of data and weights at the ends of float64's range.

DTW averaging commutes with scaling the data (or the weights) by a power of two, exactly in
floating point: the result for 2**700 * X is 2**700 times that for X, bit for bit. That is
the oracle here, with weighted means computed by hand.
"""

import importlib

import numpy as np
import pytest

from tswarp.barycenters import (
    dtw_barycenter_averaging,
    dtw_barycenter_averaging_petitjean,
    dtw_barycenter_averaging_subgradient,
    euclidean_barycenter,
    softdtw_barycenter,
)
from tswarp.metrics import dtw

soft_dtw_module = importlib.import_module("tswarp.barycenters._soft_dtw")


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


# --- soft-DTW barycenters of values whose squares overflow -----------------------------------


def unit_walks(rng):
    """Walks whose largest magnitude is in [0.5, 1): 2**600 times them is divided by 2**600
    exactly, back to these values."""
    X = rng.standard_normal((4, 7)).cumsum(axis=1)
    return X * (0.95 / np.abs(X).max())


@pytest.mark.parametrize("tol", [0.0, 1e-3])
def test_softdtw_barycenter_of_huge_values_is_the_scaled_barycenter(rng, tol):
    # soft_dtw(c x, c y, gamma) = c**2 soft_dtw(x, y, gamma / c**2), exactly for c = 2**600.
    # The squares of values near 2**600 overflowed: the objective was inf everywhere and
    # the optimiser returned its start, silently.
    X, gamma = unit_walks(rng), 2.0**-177  # gamma * 4**600 = 2**1023, within range
    expected = softdtw_barycenter(X, gamma=gamma, tol=tol) * 2.0**600
    got = softdtw_barycenter(X * 2.0**600, gamma=np.ldexp(gamma, 1200), tol=tol)
    np.testing.assert_array_equal(got, expected)
    start = np.mean(X, axis=0)[:, None] * 2.0**600
    assert not np.array_equal(got, start)


@pytest.mark.torch
def test_softdtw_barycenter_of_huge_tensors_is_the_scaled_barycenter(rng):
    torch = pytest.importorskip("torch")
    X, gamma = unit_walks(rng), 2.0**-177
    expected = softdtw_barycenter(torch.tensor(X), gamma=gamma, tol=0.0) * 2.0**600
    got = softdtw_barycenter(torch.tensor(X * 2.0**600), gamma=np.ldexp(gamma, 1200), tol=0.0)
    assert torch.equal(got, expected)


def test_softdtw_barycenter_near_1e200_with_an_underflowing_gamma():
    # gamma = 1 over squares near 1e400 is soft-DTW at gamma 1e-400, which underflows: DTW to
    # within float64's resolution. By hand: (0, 1, 1) and (0, 0, 1) align both series at no
    # cost, so the DTW barycenter has distance 0 to each; the start, their mean, has not.
    A = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 1.0]]) * 1e200
    Z = softdtw_barycenter(A)
    assert [dtw(Z, series) for series in A] == [0.0, 0.0]
    # Here the mean is the DTW barycenter too (each series on the diagonal, cost 0.5e400).
    got = softdtw_barycenter(np.array([[1e200, 2e200], [1e200, 3e200]]))
    np.testing.assert_allclose(got.ravel(), [1e200, 2.5e200], rtol=1e-15)


def test_softdtw_barycenter_refuses_an_infinite_objective(monkeypatch):
    # Without the scaling the objective is inf: an error, not the start returned as a result.
    monkeypatch.setattr(soft_dtw_module, "downscaling_exponent", lambda *arrays: 0)
    with pytest.raises(ValueError, match="objective is not finite"):
        softdtw_barycenter(np.array([[1e200, 2e200], [1e200, 3e200]]))
