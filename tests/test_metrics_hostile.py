"""Hostile inputs to SAX, CTW/CCA, GAK, LCSS, subsequence DTW and LB_Keogh (NumPy side).

Values near the ends of the float64 range, degenerate shapes and arguments, odd array kinds.
Every expected value comes from a naive computation written here (or in oracles.py), by hand,
or from an exact power-of-two scaling of a computation at ordinary magnitudes.
"""

import math

import numpy as np
import pytest
from oracles import dtw_naive, lcss_count_naive, log_gak_naive

from tswarp.metrics import (
    CCA,
    cdist_gak,
    cdist_lcss,
    cdist_sax,
    ctw_path,
    gak,
    lb_envelope,
    lb_keogh,
    lcss,
    lcss_path,
    lcss_path_from_metric,
    sigma_gak,
    subsequence_cost_matrix,
    subsequence_path,
    unnormalized_gak,
)


def approx(expected, rel):
    """pytest.approx relative only: its default absolute tolerance (1e-12) would take 0 for
    any tiny value."""
    return pytest.approx(expected, rel=rel, abs=0)


def read_only(array):
    array = np.array(array)
    array.setflags(write=False)
    return array


# --- SAX -------------------------------------------------------------------------------------

BREAKPOINTS = np.array([-0.84, -0.25, 0.25, 0.84])


def mindist_naive(a, b, breakpoints, size_fitted):
    """Lin et al.'s MINDIST, symbol by symbol (breakpoints of ordinary magnitude)."""
    a, b = np.reshape(a, (len(a), -1)), np.reshape(b, (len(b), -1))
    total = 0.0
    for r, c in zip(a.ravel().tolist(), b.ravel().tolist(), strict=True):
        if abs(r - c) > 1:
            total += (breakpoints[max(r, c) - 1] - breakpoints[min(r, c)]) ** 2
    return math.sqrt(size_fitted / len(a) * total)


@pytest.mark.parametrize("k", [600, 1000, -600, -1000])
def test_sax_breakpoints_of_any_magnitude(rng, k):
    # Squared gaps of 2**1000 overflowed (inf and a RuntimeWarning), of 2**-1000 underflowed
    # (0): MINDIST scales with the breakpoints, exactly by the power of two.
    A, B = rng.integers(0, 5, size=(4, 6, 2)), rng.integers(0, 5, size=(3, 6, 2))
    expected = [[math.ldexp(mindist_naive(a, b, BREAKPOINTS, 24), k) for b in B] for a in A]
    got = cdist_sax(A, np.ldexp(BREAKPOINTS, k), 24, B)
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    itself = [[math.ldexp(mindist_naive(a, b, BREAKPOINTS, 24), k) for b in A] for a in A]
    np.testing.assert_allclose(cdist_sax(A, np.ldexp(BREAKPOINTS, k), 24), itself, rtol=1e-14)


def test_sax_breakpoints_spanning_the_float_range():
    # Symbols 0 and 3 are 2 * 1.5e308 apart, past the float range; one such gap among 4
    # positions, with size_fitted 1, gives sqrt(1 / 4) * 3e308 = 1.5e308, within it.
    huge = 1.5e308
    got = cdist_sax([[0, 0, 0, 0]], [-huge, 0.0, huge], 1, [[3, 0, 0, 0]])
    assert got[0, 0] == approx(huge, rel=1e-15)
    # sqrt(8 / 2 * 2) * 3e308 is past it: inf, without a warning
    assert cdist_sax([[0, 0]], [-huge, 0.0, huge], 8, [[3, 3]])[0, 0] == math.inf


def test_sax_tiny_gap_next_to_large_breakpoints():
    # The gap 2**-700 squared is 2**-1400, below the float range: it was lost (0).
    breakpoints = [0.0, 2.0**-700, 1.0]
    got = cdist_sax([[0, 2]], breakpoints, 6, [[2, 0]])
    # two gaps of 2**-700: sqrt(6 / 2 * 2 * 2**-1400)
    assert got[0, 0] == approx(math.sqrt(6.0) * 2.0**-700, rel=1e-15)
    # and next to far gaps of 1 it counts for nothing, as it should
    mixed = cdist_sax([[0, 2, 0]], breakpoints, 3, [[2, 0, 3]])[0, 0]
    assert mixed == approx(1.0, rel=1e-15)  # sqrt(3 / 3 * 1)


def test_sax_large_alphabet():
    # The (alphabet, alphabet) table of 10**5 symbols asked for 74.5 GiB (MemoryError).
    breakpoints = np.linspace(-3.0, 3.0, 99_999)
    words = [[0, 99_999, 5], [7, 3, 50_000]]
    expected = mindist_naive(words[0], words[1], breakpoints, 9)
    got = cdist_sax(words, breakpoints, 9)
    np.testing.assert_allclose(got, [[0.0, expected], [expected, 0.0]], rtol=1e-14)


def test_sax_size_fitted_past_the_float_range():
    with pytest.raises(ValueError, match=r"size_fitted=.* is too large"):
        cdist_sax([[0, 4]], BREAKPOINTS, 10**400, [[4, 0]])
    # within the range it is a number: two gaps of 1.68, sqrt(2**1000 / 2 * 2) * 1.68
    got = cdist_sax([[0, 4]], BREAKPOINTS, 2**1000, [[4, 0]])[0, 0]
    assert got == approx(2.0**500 * 1.68, rel=1e-14)


def test_sax_unsorted_breakpoints_are_an_error():
    with pytest.raises(ValueError, match=r"breakpoints_avg must be sorted in increasing order"):
        cdist_sax([[0, 3]], [1.0, 0.0, -1.0], 4, [[3, 0]])
    assert cdist_sax([[0, 3]], [0.0, 0.0, 0.0], 4, [[3, 0]])[0, 0] == 0.0  # ties are fine


def test_sax_empty_datasets_and_empty_words():
    assert cdist_sax([[0, 1]], BREAKPOINTS, 4, np.zeros((0, 2))).shape == (1, 0)
    assert cdist_sax([[0, 1]], BREAKPOINTS, 4, np.zeros((0, 7))).shape == (1, 0)
    assert cdist_sax(np.zeros((0, 3)), BREAKPOINTS, 4).shape == (0, 0)
    assert cdist_sax(np.zeros((0, 3)), BREAKPOINTS, 4, [[1, 2]]).shape == (0, 1)
    with pytest.raises(ValueError, match="dataset1 holds words of length 0"):
        cdist_sax(np.zeros((2, 0)), BREAKPOINTS, 4)


def test_sax_object_and_masked_words():
    words = [[0, 4, 1], [3, 3, 0]]
    expected = cdist_sax(words, BREAKPOINTS, 6)
    np.testing.assert_array_equal(
        cdist_sax(np.array(words, dtype=object), BREAKPOINTS, 6), expected
    )
    with pytest.raises(TypeError, match="dataset1 must hold real numbers"):
        cdist_sax(np.array([[0, None]], dtype=object), BREAKPOINTS, 6)
    masked = np.ma.masked_array(words, mask=[[0, 1, 0], [0, 0, 0]])
    with pytest.raises(ValueError, match="dataset2 must hold integer SAX symbols, got masked"):
        cdist_sax(words, BREAKPOINTS, 6, masked)


def test_sax_read_only_inputs_are_not_modified(rng):
    words = read_only(rng.integers(0, 3, size=(3, 4)))
    breakpoints = read_only([0.0, 2.0**-700, 1.0])  # the path that sums pairs again
    cdist_sax(words, breakpoints, 8)
    np.testing.assert_array_equal(breakpoints, [0.0, 2.0**-700, 1.0])


# --- CCA and CTW -----------------------------------------------------------------------------


def first_canonical_correlation(X, Y):
    """The largest correlation between a combination of X's columns and one of Y's."""
    qx, _ = np.linalg.qr(X - X.mean(0))
    qy, _ = np.linalg.qr(Y - Y.mean(0))
    return np.linalg.svd(qx.T @ qy, compute_uv=False)[0]


@pytest.mark.parametrize("kx, ky", [(1000, 1000), (-1000, -1000), (600, -600), (0, 1020)])
def test_cca_of_huge_and_tiny_variables(rng, kx, ky):
    # Squares of 2**1000 overflowed (RuntimeWarning); variances of 2**-1000 underflowed to 0,
    # and the directions came out 0. Standardised scores do not depend on the scale.
    X = rng.normal(size=(40, 3))
    Y = np.column_stack([X @ [1.0, -2.0, 0.5], rng.normal(size=40)]) + 0.3 * rng.normal(
        size=(40, 2)
    )
    Xs, Ys = np.ldexp(X, kx), np.ldexp(Y, ky)
    cca = CCA(2).fit(Xs, Ys)
    px, py = cca.transform(Xs, Ys)
    rx, ry = CCA(2).fit(X, Y).transform(X, Y)
    np.testing.assert_array_equal(px, rx)
    np.testing.assert_array_equal(py, ry)
    expected = first_canonical_correlation(X, Y)
    assert np.corrcoef(px[:, 0], py[:, 0])[0, 1] == approx(expected, rel=1e-6)
    np.testing.assert_allclose(cca.x_mean_, np.ldexp(X.mean(0), kx), rtol=1e-13)
    np.testing.assert_allclose(cca.y_std_, np.ldexp(Y.std(0, ddof=1), ky), rtol=1e-13)


def test_cca_constant_columns_keep_a_std_of_one():
    cca = CCA(1).fit([[3e300, 1.0], [3e300, 2.0], [3e300, 4.0]], [1.0, 2.0, 3.0])
    assert cca.x_std_[0] == 1.0 and cca.x_mean_[0] == 3e300


@pytest.mark.parametrize("k", [1000, -1000])
def test_ctw_path_of_huge_and_tiny_series(rng, k):
    x, y = rng.normal(size=(9, 3)), rng.normal(size=(7, 2))
    path, cca, distance = ctw_path(np.ldexp(x, k), np.ldexp(y, k))
    assert path == ctw_path(x, y)[0]  # CTW's CCA sees the same standardised series
    assert distance == approx(math.ldexp(dtw_naive(x[:, :2], y[:, :2]), k), rel=1e-13)
    assert np.isfinite(cca.x_rotations_).all() and np.abs(cca.x_rotations_).max() > 0


@pytest.mark.parametrize(
    "n_components, error, message",
    [
        (0, ValueError, r"n_components must be between 1 and 2"),
        (3, ValueError, r"n_components must be between 1 and 2"),
        (-1, ValueError, r"n_components must be between 1 and 2"),
        (1.5, TypeError, r"n_components must be an integer, got 1.5"),
        (True, TypeError, r"n_components must be an integer, got True"),
    ],
)
def test_cca_bad_n_components(rng, n_components, error, message):
    with pytest.raises(error, match=message):
        CCA(n_components).fit(rng.normal(size=(6, 2)), rng.normal(size=(6, 3)))


@pytest.mark.parametrize(
    "X, Y, error, message",
    [
        ([1.0, np.nan, 2.0], [1.0, 2.0, 3.0], ValueError, r"X must hold finite numbers"),
        ([1.0, 2.0, 3.0], [1.0, np.inf, 3.0], ValueError, r"Y must hold finite numbers"),
        ([1.0, 3.0, 2.0], [1.0, 2.0], ValueError, r"X and Y must hold as many samples"),
        (np.zeros((0, 2)), np.zeros((0, 2)), ValueError, r"X must be a non-empty array"),
        (np.zeros((3, 2, 2)), np.zeros((3, 2)), ValueError, r"X must be a non-empty array"),
        ([["a"], ["b"]], [1.0, 2.0], TypeError, r"X must hold real numbers"),
        ([1.0, 2.0], np.array([1.0, None], dtype=object), TypeError, r"Y must hold real numbers"),
    ],
)
def test_cca_bad_inputs(X, Y, error, message):
    with pytest.raises(error, match=message):
        CCA(1).fit(X, Y)


def test_cca_transform_checks_its_inputs(rng):
    cca = CCA(1).fit(rng.normal(size=(6, 2)), rng.normal(size=(6, 2)))
    with pytest.raises(ValueError, match="X must have the 2 features of the fitted X, got 3"):
        cca.transform(rng.normal(size=(5, 3)), rng.normal(size=(5, 2)))
    with pytest.raises(ValueError, match="Y must hold finite numbers"):
        cca.transform(rng.normal(size=(5, 2)), [[np.nan, 1.0]])


def test_cca_inputs_are_not_modified(rng):
    X, Y = read_only(rng.normal(size=(6, 2)) * 1e300), read_only(rng.normal(size=(6, 2)))
    before = X.copy()
    CCA(2).fit(X, Y).transform(X, Y)
    np.testing.assert_array_equal(X, before)


# --- GAK -------------------------------------------------------------------------------------


def test_gak_sigma_near_the_top_of_its_range():
    # 1 / (2 sigma^2) was subnormal, and squared distances past 1.8e308 overflowed to inf
    # (a kernel of 0) although u is about 1.2: unnormalized_gak gave 0 instead of 0.175.
    sigma, y = 9e153, 1.4e154
    u = (y / sigma) ** 2 / 2
    expected = math.exp(-u) / (2 - math.exp(-u))
    assert unnormalized_gak([0.0], [y], sigma=sigma) == approx(expected, rel=1e-14)


@pytest.mark.parametrize("sigma", [9e153, 3e152, 2.0**101])
def test_gak_of_large_series_and_sigma(rng, sigma):
    # GAK depends on distances over sigma only: scaling all by 2**-k changes no value.
    k = math.frexp(sigma)[1] - 1
    x, y = rng.normal(size=(6, 2)), rng.normal(size=(5, 2))
    small = math.ldexp(sigma, -k)
    big_x, big_y = np.ldexp(x, k), np.ldexp(y, k)
    log_xy, log_xx, log_yy = (log_gak_naive(a, b, small) for a, b in ((x, y), (x, x), (y, y)))
    assert unnormalized_gak(big_x, big_y, sigma=sigma) == approx(math.exp(log_xy), rel=1e-12)
    expected = math.exp(log_xy - (log_xx + log_yy) / 2)
    assert gak(big_x, big_y, sigma=sigma) == approx(expected, rel=1e-12)
    got = cdist_gak([big_x, big_x[:4]], [big_y], sigma=sigma)
    log_x4y = log_gak_naive(x[:4], y, small)
    second = math.exp(log_x4y - (log_gak_naive(x[:4], x[:4], small) + log_yy) / 2)
    np.testing.assert_allclose(got, [[expected], [second]], rtol=1e-12)
    itself = cdist_gak(read_only(np.stack([big_x, big_x[::-1]])), sigma=sigma)
    assert itself[0, 0] == 1.0 and itself[0, 1] == itself[1, 0]


def nearest_pairs_median(points):
    """The median Euclidean distance over the pairs (i < j) of rows, pair by pair."""
    distances = [
        math.dist(points[i], points[j])
        for i in range(len(points))
        for j in range(i + 1, len(points))
    ]
    return float(np.median(distances))


@pytest.mark.parametrize("k", [1000, -1000, 0])
def test_sigma_gak_of_huge_and_tiny_series(rng, k):
    # Squared differences of 2**1000 overflowed (RuntimeWarning); of 2**-1000 they were 0,
    # and so was sigma. The heuristic scales with the data, exactly.
    X = rng.normal(size=(3, 8, 2))
    steps = X.reshape(-1, 2)
    chosen = np.random.RandomState(5).choice(len(steps), size=10, replace=False)
    expected = math.ldexp(nearest_pairs_median(steps[chosen]), k) * math.sqrt(8)
    got = sigma_gak(np.ldexp(X, k), n_samples=10, random_state=5)
    assert got == approx(expected, rel=1e-14)


def test_sigma_gak_names_a_bad_seed():
    with pytest.raises(ValueError, match=r"random_state=-1 is not a valid seed"):
        sigma_gak([[1.0, 2.0, 3.0]], random_state=-1)


# --- LCSS ------------------------------------------------------------------------------------

FAR_APART = ([[1.7e308, 1.7e308], [0.0, 0.0]], [[-1.7e308, 0.0], [0.0, 0.0]])


def test_lcss_distances_past_the_float_range_give_no_warning():
    # The first steps are more than 1.8e308 apart: an overflow (RuntimeWarning) in hypot.
    x, y = FAR_APART
    expected = lcss_count_naive(x, y, 1e300) / 2
    assert expected == 0.5
    assert lcss(x, y, eps=1e300) == expected
    assert lcss_path(x, y, eps=1e300) == ([(1, 1)], expected)
    assert lcss_path_from_metric(x, y, eps=1e300) == ([(1, 1)], expected)
    np.testing.assert_array_equal(cdist_lcss([x], [y], eps=1e300), [[expected]])


def test_lcss_callable_metric_keeps_its_own_warnings():
    def overflowing(a, b):
        return float(np.float64(1e308) * 10)  # warns: the caller wants to know

    with pytest.raises(RuntimeWarning, match="overflow"):
        lcss_path_from_metric([1.0, 2.0], [1.0], metric=overflowing)


# --- subsequence DTW and LB_Keogh -------------------------------------------------------------


def test_subsequence_path_refuses_a_boolean_end():
    acc = subsequence_cost_matrix([2.0, 3.0], [1.0, 2.0, 2.0, 3.0, 4.0])
    with pytest.raises(TypeError, match="idx_path_end must be an integer, got bool"):
        subsequence_path(acc, True)
    with pytest.raises(TypeError, match="idx_path_end must be an integer, got bool"):
        subsequence_path(acc, np.True_)


def lb_keogh_naive(query, candidate, radius):
    """LB_Keogh step by step (ordinary magnitudes): the envelope as a window min and max."""
    query, candidate = (
        np.reshape(query, (len(query), -1)),
        np.reshape(candidate, (len(candidate), -1)),
    )
    total = 0.0
    for i in range(len(query)):
        window = candidate[max(0, i - radius) : i + radius + 1]
        low, high = window.min(axis=0), window.max(axis=0)
        total += float(
            (np.maximum(query[i] - high, 0) ** 2 + np.maximum(low - query[i], 0) ** 2).sum()
        )
    return math.sqrt(total)


@pytest.mark.parametrize("k", [1000, 600, -600, -1000])
def test_lb_keogh_of_huge_and_tiny_series(rng, k):
    # Excursions of 2**1000 overflowed (inf); of 2**-600 or less their squares were 0.
    q, c = np.ldexp(rng.normal(size=(12, 2)), k), np.ldexp(rng.normal(size=(12, 2)), k)
    # the values as stored (some may be subnormal), scaled back exactly
    expected = math.ldexp(lb_keogh_naive(np.ldexp(q, -k), np.ldexp(c, -k), 2), k)
    got = lb_keogh(q, c, radius=2)
    assert got == approx(expected, rel=1e-14)
    assert lb_keogh(q, envelope_candidate=lb_envelope(read_only(c), radius=2)) == got


def test_lb_keogh_excursions_near_the_float_range():
    assert lb_keogh([1e200, 1e200], [0.0, 0.0], radius=0) == math.hypot(1e200, 1e200)
    assert lb_keogh([1e-200, 1e-200], [0.0, 0.0], radius=0) == math.hypot(1e-200, 1e-200)
    subnormal = lb_keogh([1e-320, 1e-320], [0.0, 0.0], radius=0)
    assert abs(subnormal - math.hypot(1e-320, 1e-320)) <= 5e-324  # one unit of the last place
    # one excursion of 1.6e308, whose square and difference are past the range
    assert lb_keogh([8e307, 0.0], [-8e307, 0.0], radius=0) == 1.6e308
    # sqrt(2) * 1.5e308 is past it: inf, without a warning
    assert lb_keogh([1e308, 1e308], [-5e307, -5e307], radius=0) == math.inf


def test_lb_keogh_names_padding_in_a_ragged_envelope():
    message = r"same shape, got \(1, 1\) and \(2, 1\) \(trailing all-NaN rows are padding"
    with pytest.raises(ValueError, match=message):
        lb_keogh([1.0, 2.0], envelope_candidate=([0.0, np.nan], [1.0, 1.0]))
