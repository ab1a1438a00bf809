"""Values at the ends of the float range: tiny and huge series, tiny and huge eps, and
gammas given as 0-d arrays. Multiplying data by a power of two is exact, so most oracles
are the unscaled results (or the naive programs of ``oracles``) times that power."""

import math

import numpy as np
import pytest
from conftest import HAS_TORCH
from oracles import (
    accumulated_naive,
    dtw_naive,
    frechet_accumulated_naive,
    lcss_count_naive,
    sbd_exact,
    soft_dtw_naive,
)

from tswarp.metrics import (
    _overflow,
    cdist_dtw,
    cdist_frechet,
    cdist_lcss,
    cdist_normalized_cc,
    cdist_sbd,
    cdist_soft_dtw,
    compute_mask,
    dtw,
    dtw_accumulated_matrix,
    dtw_limited_warping_length,
    dtw_path,
    dtw_path_from_metric,
    dtw_subsequence_path,
    frechet,
    frechet_path,
    frechet_path_from_metric,
    gamma_soft_dtw,
    lcss,
    lcss_accumulated_matrix,
    lcss_path,
    sbd,
    soft_dtw,
    y_shifted_sbd_vec,
)

needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="torch missing")

TINY = 2.0**-600  # squares (2**-1200) far below the smallest float64
HUGE = 2.0**600  # squares far past the largest
CONSTRAINTS = [{}, {"sakoe_chiba_radius": 1}, {"itakura_max_slope": 2.0}]


def pair(seed, n=7, m=6, d=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.standard_normal((m, d))


# --- gamma_soft_dtw's value goes straight into soft_dtw ---------------------------------------


def test_gamma_soft_dtw_gives_a_float64_that_soft_dtw_takes():
    X = np.random.default_rng(1).standard_normal((6, 9))
    gamma = gamma_soft_dtw(X, n_samples=50, random_state=0)
    assert type(gamma) is np.float64
    expected = soft_dtw_naive(X[0], X[1], float(gamma))
    assert soft_dtw(X[0], X[1], gamma=gamma) == pytest.approx(expected, rel=1e-12)
    assert cdist_soft_dtw(X[:2], gamma=gamma)[0, 1] == pytest.approx(expected, rel=1e-12)


def test_a_0d_array_gamma_counts_as_its_number():
    x, y = [0.0, 1.0, 3.0], [1.0, 2.0]
    for gamma in [np.array(0.5), np.array(0.5, dtype=np.float32), np.array(2)]:
        expected = soft_dtw_naive(x, y, float(gamma))
        assert soft_dtw(x, y, gamma=gamma) == pytest.approx(expected, rel=1e-12)
        assert cdist_soft_dtw([x], [y], gamma=gamma)[0, 0] == pytest.approx(expected, rel=1e-12)
    for bad in [np.array(True), np.array([0.5]), np.array(1j), np.array("1")]:
        with pytest.raises(TypeError, match="gamma must be a real number"):
            soft_dtw(x, y, gamma=bad)
    with pytest.raises(ValueError, match="gamma must be a finite number"):
        soft_dtw(x, y, gamma=np.array(np.nan))


@needs_torch
def test_gamma_soft_dtw_of_tensors_is_a_tensor_soft_dtw_takes():
    import torch

    X = torch.tensor(np.random.default_rng(1).standard_normal((6, 9)))
    gamma = gamma_soft_dtw(X, n_samples=50, random_state=0)
    assert isinstance(gamma, torch.Tensor) and gamma.ndim == 0
    expected = soft_dtw_naive(X[0].numpy(), X[1].numpy(), gamma.item())
    assert soft_dtw(X[0], X[1], gamma=gamma).item() == pytest.approx(expected, rel=1e-12)


# --- SBD: each series may be scaled by its own power of two ------------------------------------

SBD_SCALES = [(HUGE, HUGE), (2.0**1000, 2.0**-1000), (TINY, HUGE), (2.0**-560, 2.0**560)]


@pytest.mark.parametrize("scales", SBD_SCALES, ids=["huge", "1000", "tiny-huge", "560"])
def test_sbd_ignores_a_power_of_two_on_each_series(scales):
    x, y = pair(3, 7, 5, 2)
    a, b = scales
    expected = sbd(x, y)
    assert expected == pytest.approx(sbd_exact(x, y), rel=1e-12)
    assert sbd(x * a, y * b) == expected
    assert sbd_exact(x * a, y * b) == pytest.approx(expected, rel=1e-12)
    # Off the diagonal: a series times 2**-1000 against itself has norms below 1e-9.
    assert cdist_sbd([x * a, y * b])[0, 1] == cdist_sbd([x, y])[0, 1] == expected
    assert cdist_sbd([x * a], [y * b])[0, 0] == expected
    ones = -np.ones(2)
    np.testing.assert_array_equal(
        cdist_normalized_cc([x * a, y * b], [y * b, x * a], ones, ones, False)[[0, 1], [0, 1]],
        cdist_normalized_cc([x, y], [y, x], ones, ones, False)[[0, 1], [0, 1]],
    )
    np.testing.assert_array_equal(
        cdist_normalized_cc([x * a, y * b], [x * a, y * b], ones, ones, True),
        cdist_normalized_cc([x, y], [x, y], ones, ones, True),
    )


def test_sbd_keeps_the_rule_for_norms_below_1e_minus_9_at_any_scale():
    x, y = pair(4, 6, 6)
    # ||x|| ||y|| is about 2**-1200: below 1e-9, so the correlations count as 0.
    assert sbd(x * TINY, y * TINY) == 1.0 == sbd_exact(x * TINY, y * TINY)
    matrix = cdist_sbd([x * TINY, y * TINY, x * HUGE])
    np.testing.assert_array_equal(np.diag(matrix), [1.0, 1.0, 0.0])
    assert matrix[0, 1] == 1.0 and matrix[0, 2] == pytest.approx(sbd(x, x), abs=1e-15)
    assert matrix[1, 2] == sbd(y, x)


def test_normalized_cc_divides_huge_correlations_by_given_huge_norms():
    x, y = pair(5, 8, 8)
    norms = np.array([np.linalg.norm(x), np.linalg.norm(y)])
    expected = cdist_normalized_cc([x, y], [y, x], norms, norms[::-1], False)
    got = cdist_normalized_cc([x * HUGE, y * HUGE], [y * HUGE, x * HUGE], norms * HUGE,
                              norms[::-1] * HUGE, False)  # fmt: skip
    np.testing.assert_array_equal(got, expected)


def test_y_shifted_sbd_vec_finds_the_shift_of_huge_series():
    ref = np.array([0.0, 1.0, 2.0, 1.0, 0.0])
    X = np.array([[1.0, 2.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 2.0, 1.0]])
    expected = y_shifted_sbd_vec(ref, X, -1, -np.ones(2))
    got = y_shifted_sbd_vec(ref * 2.0**700, X * HUGE, -1, -np.ones(2))  # cc past 2**1024
    np.testing.assert_array_equal(got, expected * HUGE)
    np.testing.assert_array_equal(expected[:, :, 0], [ref, ref])


def test_y_shifted_sbd_vec_names_the_argument_whose_length_differs():
    ref = [0.0, 1.0, 2.0, 1.0, 0.0]
    with pytest.raises(ValueError, match=r"ref_ts must not end with padding: it has 5 steps"):
        y_shifted_sbd_vec([*ref[:4], np.nan], [ref], -1, [-1])
    with pytest.raises(ValueError, match=r"length of ref_ts \(5\) .*got series of lengths \[4\]"):
        y_shifted_sbd_vec(ref, [ref[:4]], -1, [-1])
    with pytest.raises(ValueError, match=r"lengths \[4, 5\], NaN-padded to 5 steps"):
        y_shifted_sbd_vec(ref, [ref, ref[:4]], -1, [-1, -1])


# --- costs "from metric": euclidean without overflow, callables that return no number ---------


def path_costs_naive(x, y, combine):
    """(value, cost matrix) of the DTW (combine=sum) or Fréchet (combine=max) program over
    math.dist costs, which math scales internally."""
    costs = np.array([[math.dist(a, b) for b in y] for a in x])
    if combine is max:
        return frechet_accumulated_naive(None, None, cost=costs)[-1, -1], costs
    acc = np.full((len(x) + 1, len(y) + 1), np.inf)
    acc[0, 0] = 0.0
    for i in range(1, len(x) + 1):
        for j in range(1, len(y) + 1):
            before = min(acc[i - 1, j - 1], acc[i - 1, j], acc[i, j - 1])
            acc[i, j] = costs[i - 1, j - 1] + before
    return acc[-1, -1], costs


@pytest.mark.parametrize(
    "scale", [HUGE, 2.0**1000, TINY, 2.0**-1000], ids=["2**600", "2**1000", "2**-600", "2**-1000"]
)
@pytest.mark.parametrize("d", [1, 3])
def test_euclidean_costs_from_metric_at_any_scale(scale, d):
    x, y = pair(6, 6, 5, d)
    for function, combine in [(dtw_path_from_metric, sum), (frechet_path_from_metric, max)]:
        path, value = function(x * scale, y * scale, metric="euclidean")
        expected, costs = path_costs_naive(x * scale, y * scale, combine)
        assert value == pytest.approx(expected, rel=1e-14)
        assert combine(costs[i, j] for i, j in path) == pytest.approx(expected, rel=1e-14)
        assert path == function(x, y, metric="euclidean")[0]


def test_sqeuclidean_costs_past_the_range_are_inf_not_nan():
    x, y = pair(7, 5, 4, 2)
    for function in [dtw_path_from_metric, frechet_path_from_metric]:
        path, value = function(x * HUGE, y * HUGE, metric="sqeuclidean")
        assert value == math.inf and path[0] == (0, 0) and path[-1] == (4, 3)


@pytest.mark.parametrize(
    "returned, error, message",
    [
        (np.array([1.0, 2.0]), TypeError, r"got a ndarray of shape \(2,\) from vector_metric"),
        (None, TypeError, r"got None \(NoneType\) from vector_metric for steps 0 and 0"),
        ("1.5", TypeError, r"got '1.5' \(str\) from vector_metric"),
        ([1.0], TypeError, r"got \[1.0\] \(list\)"),
        (np.nan, ValueError, r"metric returned NaN from vector_metric for steps 0 and 0"),
    ],
    ids=["vector", "None", "string", "list", "nan"],
)
def test_a_metric_that_returns_no_number_is_named(returned, error, message):
    def vector_metric(a, b):
        return returned

    for function in [dtw_path_from_metric, frechet_path_from_metric]:
        with pytest.raises(error, match=message):
            function([1.0, 2.0], [3.0], metric=vector_metric)


# --- DTW and Fréchet of tiny series: squared differences below the float range ----------------


@pytest.mark.parametrize("constraint", CONSTRAINTS, ids=["free", "sakoe_chiba", "itakura"])
@pytest.mark.parametrize("scale", [TINY, 2.0**-1000], ids=["2**-600", "2**-1000"])
def test_dtw_and_frechet_of_tiny_series_scale_exactly(constraint, scale):
    x, y = pair(8, 7, 6, 2)
    mask = compute_mask(7, 6, **constraint)
    assert dtw(x, y, **constraint) == pytest.approx(dtw_naive(x, y, mask), rel=1e-14)
    squared = frechet_accumulated_naive(x, y, mask)[-1, -1]
    assert frechet(x, y, **constraint) == pytest.approx(math.sqrt(squared), rel=1e-14)
    for function in [dtw, frechet]:
        assert function(x * scale, y * scale, **constraint) == function(x, y, **constraint) * scale
    for function in [dtw_path, frechet_path]:
        path, value = function(x, y, **constraint)
        assert function(x * scale, y * scale, **constraint) == (path, value * scale)


def test_limited_warping_and_subsequence_of_tiny_series_scale_exactly():
    x, y = pair(9, 5, 9)
    for max_length in [9, 10, 13]:
        expected = dtw_limited_warping_length(x, y, max_length)
        assert dtw_limited_warping_length(x * TINY, y * TINY, max_length) == expected * TINY
    path, value = dtw_subsequence_path(x * TINY, y * TINY)
    assert (path, value) == (dtw_subsequence_path(x, y)[0], dtw_subsequence_path(x, y)[1] * TINY)


def test_float32_series_below_1e_minus_19_are_computed_in_float64():
    x, y = pair(10, 6, 5)
    x32, y32 = (x * 2.0**-80).astype(np.float32), (y * 2.0**-80).astype(np.float32)
    x64, y64 = x32.astype(np.float64), y32.astype(np.float64)  # the same values
    assert dtw(x32, y32) == pytest.approx(dtw_naive(x64, y64), rel=1e-14)
    assert dtw_path(x32, y32)[1] == pytest.approx(dtw_naive(x64, y64), rel=1e-14)
    squared = frechet_accumulated_naive(x64, y64)[-1, -1]
    assert frechet(x32, y32) == pytest.approx(math.sqrt(squared), rel=1e-14)
    np.testing.assert_allclose(
        dtw_accumulated_matrix(x32, y32), accumulated_naive(x64, y64), rtol=1e-14
    )
    matrix = cdist_dtw([x32, y32])
    assert matrix[0, 1] == pytest.approx(dtw_naive(x64, y64), rel=1e-14)


@pytest.mark.parametrize("function", [cdist_dtw, cdist_frechet])
def test_cdist_recomputes_the_tiny_pairs_only(monkeypatch, function):
    # Enough series of one length for the lane kernels; ordinary duplicates among them,
    # whose distance is exactly 0, must not be computed again.
    X = np.random.default_rng(11).standard_normal((12, 8))
    X[6:9] = X[0]
    tiny = np.arange(12) % 4 == 1
    X[tiny] *= TINY
    calls = []

    def counted(x, y, up=False):
        calls.append(up)
        return rescaled(x, y, up)

    rescaled = _overflow.rescaled
    monkeypatch.setattr(_overflow, "rescaled", counted)
    matrix = function(X)
    assert calls == [True] * math.comb(int(tiny.sum()), 2)
    monkeypatch.undo()
    plain = function(np.where(tiny[:, None], X * HUGE, X))  # the tiny ones, unscaled
    both = np.outer(tiny, tiny)
    np.testing.assert_array_equal(matrix[both], plain[both] * TINY)
    one_by_one = [[function([a], [b])[0, 0] for b in X] for a in X]
    np.testing.assert_allclose(matrix, one_by_one, rtol=1e-15)


# --- LCSS with tiny and huge eps ----------------------------------------------------------------

LCSS_SCALES = [TINY, 2.0**-1000, HUGE, 2.0**1000]


@pytest.mark.parametrize("constraint", CONSTRAINTS, ids=["free", "sakoe_chiba", "itakura"])
@pytest.mark.parametrize("scale", LCSS_SCALES, ids=["2**-600", "2**-1000", "2**600", "2**1000"])
def test_lcss_matches_at_any_scale(constraint, scale):
    x, y = pair(12, 9, 8, 2)
    y[::2], y[-1] = x[:8:2] + 0.1, x[-1] - 0.1  # some steps close to each other
    eps = 0.5
    mask = compute_mask(9, 8, **constraint)
    count = lcss_count_naive(x, y, eps, mask)
    assert 0 < count < 8
    assert lcss_count_naive(x * scale, y * scale, eps * scale, mask) == count
    assert lcss(x * scale, y * scale, eps * scale, **constraint) == count / 8
    path, similarity = lcss_path(x * scale, y * scale, eps * scale, **constraint)
    assert (path, similarity) == lcss_path(x, y, eps, **constraint)
    matrix = cdist_lcss([x * scale, y * scale, x * scale], eps=eps * scale, **constraint)
    np.testing.assert_array_equal(matrix, cdist_lcss([x, y, x], eps=eps, **constraint))
    table = lcss_accumulated_matrix(x * scale, y * scale, eps * scale, mask)
    np.testing.assert_array_equal(table, lcss_accumulated_matrix(x, y, eps, mask))


def test_lcss_with_eps_zero_matches_equal_steps_only():
    x = np.array([1e-200, 3e-200, 5.0])
    y = np.array([2e-200, 3e-200, 5.0, 1e-200])
    assert lcss_count_naive(x, y, 0.0) == 2
    assert lcss(x, y, eps=0.0) == 2 / 3
    assert lcss_path(x, y, eps=0.0)[0] == [(1, 1), (2, 2)]
    np.testing.assert_array_equal(cdist_lcss([x], [y, x], eps=0.0), [[2 / 3, 1.0]])


def test_lcss_with_a_huge_eps_matches_huge_steps():
    x, y = np.array([[1e300, -1e300], [0.0, 0.0]]), np.array([[-1e300, 1e300], [1e200, 0.0]])
    eps = 2.0**1000  # about 1.07e301: the first steps are 2.8e300 apart
    assert lcss_count_naive(x, y, eps) == 2
    assert lcss(x, y, eps=eps) == 1.0 == cdist_lcss([x], [y], eps=eps)[0, 0]
    assert lcss(x, y, eps=1e300) == 0.5
