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

from tswarp._gamma import largest_gamma
from tswarp.metrics import (
    _overflow,
    cdist_dtw,
    cdist_frechet,
    cdist_lcss,
    cdist_normalized_cc,
    cdist_sbd,
    cdist_soft_dtw,
    cdist_soft_dtw_normalized,
    compute_mask,
    cycc,
    dtw,
    dtw_accumulated_matrix,
    dtw_limited_warping_length,
    dtw_path,
    dtw_path_from_metric,
    dtw_subsequence,
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
    soft_dtw_alignment,
    soft_dtw_normalized,
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


# --- cycc.normalized_cc: each series may be scaled by its own power of two -------------------


def normalized_cc_naive(x, y):
    """The correlation at each shift -(m - 1), ..., n - 1 over ||x|| ||y||, by loops."""
    n, m = len(x), len(y)
    norms = np.linalg.norm(x) * np.linalg.norm(y)
    shifts = range(-(m - 1), n)
    return (
        np.array([sum(x[t + s] @ y[t] for t in range(m) if 0 <= t + s < n) for s in shifts])
        / norms
    )


@pytest.mark.parametrize("scales", SBD_SCALES, ids=["huge", "1000", "tiny-huge", "560"])
def test_normalized_cc_ignores_a_power_of_two_on_each_series(scales):
    x, y = pair(6, 7, 5, 2)
    a, b = scales
    expected = cycc.normalized_cc(x, y)
    np.testing.assert_allclose(expected, normalized_cc_naive(x, y), rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(cycc.normalized_cc(x * a, y * b), expected)
    assert 1.0 - cycc.normalized_cc(x * a, y * b).max() == pytest.approx(
        sbd_exact(x * a, y * b), rel=1e-12
    )
    # Given norms are scaled alike: those of the series give the same values.
    norms = np.linalg.norm(x) * a, np.linalg.norm(y) * b
    np.testing.assert_allclose(cycc.normalized_cc(x * a, y * b, *norms), expected, rtol=1e-14)


def test_normalized_cc_keeps_the_rule_for_norms_below_1e_minus_9_at_any_scale():
    x, y = pair(7, 6, 6)
    np.testing.assert_array_equal(cycc.normalized_cc(x * TINY, y * TINY), np.zeros(11))
    assert sbd_exact(x * TINY, y * TINY) == 1.0
    # Norms given huge for ordinary series divide to about 2**-1200: 0.
    np.testing.assert_array_equal(cycc.normalized_cc(x, y, HUGE, HUGE), np.zeros(11))


# --- SBD on tensors: the scaling of NumPy's path, differentiable -----------------------------


@needs_torch
@pytest.mark.parametrize("scales", SBD_SCALES, ids=["huge", "1000", "tiny-huge", "560"])
def test_torch_sbd_ignores_a_power_of_two_on_each_series(scales):
    import torch

    x, y = pair(3, 7, 5, 2)
    a, b = scales
    expected = sbd_exact(x, y)
    small = torch.tensor(x, requires_grad=True)
    sbd(small, torch.tensor(y)).backward()
    big = torch.tensor(x * a, requires_grad=True)
    value = sbd(big, torch.tensor(y * b))
    value.backward()
    assert value.item() == pytest.approx(expected, rel=1e-12)
    assert value.item() == pytest.approx(sbd_exact(x * a, y * b), rel=1e-12)
    # sbd(x * a, y) = sbd(x, y): its gradient is the unscaled one over a.
    np.testing.assert_allclose(big.grad.numpy() * a, small.grad.numpy(), rtol=1e-12)
    data = torch.tensor(np.array([x[:5] * a, y * b]))
    np.testing.assert_allclose(cdist_sbd(data).numpy(), cdist_sbd(data.numpy()), atol=1e-14)
    ones = -np.ones(2)
    np.testing.assert_allclose(
        cdist_normalized_cc(data, data.flip(0), ones, ones, False).numpy(),
        cdist_normalized_cc(data.numpy(), data.numpy()[::-1], ones, ones, False),
        atol=1e-14,
    )


@needs_torch
def test_torch_sbd_of_float32_series_past_the_square_of_the_float32_range():
    import torch

    x, y = pair(8, 6, 6)
    scale = 2.0**100  # squares about 2**200, past float32's 2**128
    value = sbd(torch.tensor(x * scale, dtype=torch.float32), torch.tensor(y, dtype=torch.float32))
    assert value.dtype == torch.float32
    assert value.item() == pytest.approx(sbd_exact(x, y), abs=1e-6)
    # Squares of 2**-100 are 0 in float32; the product of the norms is about 1, kept (the
    # first series' own, about 2**-200, counts as zero on the diagonal).
    apart = np.array([x * 2.0**-100, y * scale])
    got = cdist_sbd(torch.tensor(apart, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(got, cdist_sbd(apart), atol=1e-6)
    assert got[0, 1] == pytest.approx(sbd_exact(x, y), abs=1e-6)


# --- soft-DTW at gamma = 0 (DTW squared) of tiny series, and overflowed soft minima ----------


@pytest.mark.parametrize("exponent", [-533, -535, -537])  # squares of 2**-1066 and below
def test_soft_dtw_at_gamma_0_of_tiny_series_scales_exactly(exponent):
    x, y = pair(0, 7, 6)
    scale = 2.0**exponent
    expected = math.ldexp(accumulated_naive(x, y)[-1, -1], 2 * exponent)
    assert math.ldexp(soft_dtw(x, y, gamma=0), 2 * exponent) == expected
    assert soft_dtw(x * scale, y * scale, gamma=0) == expected
    assert soft_dtw_alignment(x * scale, y * scale, gamma=0)[1] == expected
    assert soft_dtw_normalized(x * scale, y * scale, gamma=0) == expected
    assert cdist_soft_dtw([x * scale], [y * scale], gamma=0)[0, 0] == expected
    np.testing.assert_array_equal(
        cdist_soft_dtw([x * scale, y * scale], gamma=0), [[0.0, expected], [expected, 0.0]]
    )
    assert cdist_soft_dtw_normalized([x * scale], [y * scale], gamma=0)[0, 0] == expected


def test_soft_dtw_past_overflowed_squared_costs_is_finite_where_its_value_is():
    # The last steps differ by 2**512: that cell's squared cost, 2**1024, overflows, but the
    # many paths through zeros before it take 0.4 of the largest float off at this gamma.
    size, k = 30, 511
    x, y = np.zeros(size), np.zeros(size)
    x[-1], y[-1] = 1.0, -1.0
    gamma = largest_gamma(size, size)
    unscaled = math.ldexp(gamma, -2 * k)
    expected = math.ldexp(soft_dtw(x, y, gamma=unscaled), 2 * k)
    assert expected < math.inf
    assert expected == pytest.approx(math.ldexp(soft_dtw_naive(x, y, unscaled), 2 * k), rel=1e-12)
    big_x, big_y = x * 2.0**k, y * 2.0**k
    assert soft_dtw(big_x, big_y, gamma=gamma) == expected
    assert soft_dtw_alignment(big_x, big_y, gamma=gamma)[1] == expected
    assert cdist_soft_dtw([big_x], [big_y], gamma=gamma)[0, 0] == expected
    assert cdist_soft_dtw([big_x, big_y], gamma=gamma)[1, 0] == expected
    # Past the float range the value is inf, rightly: about 2**1200 here.
    assert soft_dtw(x * HUGE, y * HUGE, gamma=1.0) == math.inf


# --- PyTorch: scaling back by 2**k for any k, and the divergence's gamma ----------------------


@needs_torch
def test_torch_subsequence_distance_of_subnormal_values():
    import torch

    x, y = np.array([3.0, 1.0]), np.zeros(3)
    expected = math.ldexp(math.sqrt(10.0), -1070)  # 2.0**-1070 * 2.0**k ran out of range
    assert dtw_subsequence(x * 2.0**-1070, y) == expected
    got = dtw_subsequence(torch.tensor(x * 2.0**-1070), torch.tensor(y))
    assert got.item() == expected


@needs_torch
def test_torch_dtw_gradient_at_the_top_of_the_float_range():
    import torch

    x = torch.tensor([1.2e308, -0.8e308], dtype=torch.float64, requires_grad=True)
    value = dtw(x, torch.zeros(1, dtype=torch.float64))
    value.backward()
    expected = math.hypot(1.2e308, 0.8e308)  # the squared sum overflows; 2.0**1024 is no float
    assert value.item() == pytest.approx(expected, rel=1e-15)
    np.testing.assert_allclose(
        x.grad.numpy(), [1.2e308 / expected, -0.8e308 / expected], rtol=1e-15
    )


@needs_torch
@pytest.mark.parametrize("lengths", [(5, 10), (10, 5)])
def test_torch_soft_dtw_normalized_takes_numpy_gamma_rule_and_message(lengths):
    import torch

    x, y = np.zeros(lengths[0]), np.ones(lengths[1])
    limit = largest_gamma(10, 10)  # the self term of the longer series
    for gamma in [limit * 1.2, largest_gamma(5, 10)]:
        with pytest.raises(ValueError) as numpy_error:
            soft_dtw_normalized(x, y, gamma=gamma)
        with pytest.raises(ValueError) as torch_error:
            soft_dtw_normalized(torch.tensor(x), torch.tensor(y), gamma=gamma)
        assert str(torch_error.value) == str(numpy_error.value)
        assert "a term of the divergence" in str(torch_error.value)
    expected = soft_dtw_normalized(x, y, gamma=limit)
    got = soft_dtw_normalized(torch.tensor(x), torch.tensor(y), gamma=limit)
    assert got.item() == pytest.approx(expected, rel=1e-12)


@needs_torch
@pytest.mark.parametrize("scale", [TINY, 2.0**-1000], ids=["2**-600", "2**-1000"])
def test_torch_dtw_value_and_gradient_of_tiny_series_scale_exactly(scale):
    # With a gradient asked for, the value is rebuilt from the squares along the path:
    # they underflow (to 0 here, as 2**-1200 and below) unless scaled up first.
    import torch

    x, y = pair(11, 7, 6, 2)

    def value_and_gradient(function, scale):
        xt = torch.tensor(x * scale, requires_grad=True)
        value = function(xt, torch.tensor(y * scale))
        value = value[1] if isinstance(value, tuple) else value
        value.backward()
        return value.item(), xt.grad.numpy()

    functions = {
        "dtw": dtw,
        "dtw_path": dtw_path,
        "dtw_subsequence": dtw_subsequence,
        "dtw_limited_warping_length": lambda a, b: dtw_limited_warping_length(a, b, 9),
    }
    for name, function in functions.items():
        value, gradient = value_and_gradient(function, 1.0)
        tiny_value, tiny_gradient = value_and_gradient(function, scale)
        assert value > 0 and gradient.any(), name
        assert tiny_value == value * scale, name
        np.testing.assert_array_equal(tiny_gradient, gradient, err_msg=name)


@needs_torch
@pytest.mark.parametrize("exponent", [-1000, -600, 600, 1000, 1020])
def test_torch_cdist_dtw_value_and_gradient_scale_exactly(exponent):
    # The pairs' costs were squared in the series' dtype: 0 or inf past about 2**+-511.
    import torch

    data = np.random.default_rng(5).standard_normal((4, 7, 2))

    def matrix_and_gradient(scale):
        X = torch.tensor(data * scale, requires_grad=True)
        matrix = cdist_dtw(X)
        (matrix * torch.arange(16.0, dtype=torch.float64).reshape(4, 4)).sum().backward()
        return matrix.detach().numpy(), X.grad.numpy()

    matrix, gradient = matrix_and_gradient(1.0)
    scaled_matrix, scaled_gradient = matrix_and_gradient(2.0**exponent)
    np.testing.assert_allclose(matrix, cdist_dtw(data), rtol=1e-14)
    np.testing.assert_array_equal(scaled_matrix, matrix * 2.0**exponent)
    assert np.abs(gradient).sum() > 0
    np.testing.assert_array_equal(scaled_gradient, gradient)
