"""The soft-DTW C kernels: inline exp and log against libm, every SIMD width, the batch API."""

import math

import numpy as np
import pytest
from oracles import squared_costs

from tswarp._kernels import _dtw, _select, _simd, _soft_dtw
from tswarp.metrics import soft_dtw_alignment

# The builds this CPU runs, by index, each on its own lane width.
BUILDS = [_select.build_index(name) for name in _simd.available()]
TINY = np.finfo(np.float64).smallest_subnormal


@pytest.fixture(params=BUILDS, ids=_simd.available())
def build(request):
    """Each build this CPU runs, by index, in turn."""
    return request.param


@pytest.fixture(scope="module")
def exp_points():
    rng = np.random.default_rng(7)
    edges = [0.0, -0.0, -TINY, -1e-300, -1e-17, -0.34657359027997264, -1.0, -700.0]
    edges += [-708.3964185322641, -708.4, -720.0, -745.0, -745.1332191019411]
    edges += [-745.1332191019412, -745.2, -746.0, -1e4, -1e300, -np.inf]
    x = np.concatenate(
        [
            -rng.uniform(0, 1, 400_000),
            -rng.uniform(0, 40, 400_000),
            -rng.uniform(690, 750, 400_000),  # subnormal results, and underflow to 0
            -(10.0 ** rng.uniform(-20, 0, 100_000)),
            edges,
        ]
    )
    return x, np.array([math.exp(v) for v in x])


@pytest.fixture(scope="module")
def log_points():
    rng = np.random.default_rng(8)
    sqrt2 = math.sqrt(2)
    edges = [1.0, 1 + 2**-52, np.nextafter(sqrt2, 0), sqrt2, 2.0, 2.5, 3.0]
    edges += [np.nextafter(2 * sqrt2, 0), 2 * sqrt2, np.nextafter(3.0, 0)]
    s = np.concatenate(
        [
            rng.uniform(1, 3, 800_000),
            1 + 10.0 ** rng.uniform(-16, -1, 200_000),
            edges,
        ]
    )
    return s, np.array([math.log(v) for v in s])


def test_exp_is_within_an_ulp_of_libm(build, exp_points):
    x, want = exp_points
    got = _soft_dtw._math_array(x, False, build)
    normal = want >= np.finfo(np.float64).tiny
    assert np.all(np.abs(got - want)[normal] <= np.spacing(want[normal]))
    assert np.all(np.abs(got - want)[normal] <= 1e-13 * want[normal])
    # Subnormal results keep fewer bits: one unit of the last place is TINY there.
    assert np.all(np.abs(got - want)[~normal] <= TINY)
    assert np.mean(got == want) > 0.9  # correctly rounded, mostly
    assert _soft_dtw._math_array(
        np.array([0.0, -0.0, -np.inf, -746.0]), False, build
    ).tolist() == [
        1.0,
        1.0,
        0.0,
        0.0,
    ]
    assert _soft_dtw._math_array(np.array([np.nan]), False, build)[0] == 0.0  # inf - inf: weight 0


def test_log_is_within_an_ulp_of_libm(build, log_points):
    s, want = log_points
    got = _soft_dtw._math_array(s, True, build)
    assert np.all(np.abs(got - want) <= np.spacing(want))
    assert np.all(np.abs(got - want) <= 1e-13 * want)
    assert np.mean(got == want) > 0.9
    assert _soft_dtw._math_array(np.array([1.0]), True, build)[0] == 0.0


def _all_results(rng, gamma, band, dtype, build):
    """Value, alignment and the values of a few pairs on ``build`` build."""
    x = rng.normal(size=(37, 2)).astype(dtype)
    y = (3 * rng.normal(size=(21, 2))).astype(dtype)
    limits = _dtw.band(len(x), len(y), *band)
    value = _soft_dtw.soft_dtw_value(x, y, *limits, gamma, build)
    alignment, _ = _soft_dtw.soft_dtw_alignment(x, y, *limits, gamma, build)
    X = rng.normal(size=(4, 20, 1))
    lengths = np.array([12, 16, 17, 20], dtype=np.intp)
    rows, cols = np.repeat(np.arange(4), 4), np.tile(np.arange(4), 4)
    values = np.empty(16)
    _soft_dtw.soft_dtw_pairs(X, lengths, X, lengths, rows, cols, *band, gamma, build, values, 1)
    return value, alignment, values


@pytest.mark.parametrize("gamma", [1e-4, 0.1, 1.0, 1e4])
@pytest.mark.parametrize("band", [(0, 0.0), (2, 2.0), (1, 3.0)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_width_gives_the_same_results(gamma, band, dtype):
    results = {}
    for build in BUILDS:
        width = _soft_dtw.soft_lanes(build)
        results[width] = _all_results(np.random.default_rng(3), gamma, band, dtype, build)
    for width, (value, alignment, matrix) in results.items():
        # 4 and 8 round identically (both fuse multiply-adds in exp and log).
        twin = {8: 4}.get(width)
        if twin in results:
            assert value == results[twin][0]
            assert np.array_equal(alignment, results[twin][1])
            assert np.array_equal(matrix, results[twin][2])
        base_value, base_alignment, base_matrix = results[min(results)]
        assert value == pytest.approx(base_value, rel=1e-13)
        np.testing.assert_allclose(alignment, base_alignment, rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(matrix, base_matrix, rtol=1e-13)


@pytest.mark.parametrize("gamma", [1e-3, 1.0, 100.0])
@pytest.mark.parametrize("band", [(0, 0.0), (2, 3.0), (1, 2.0)])
def test_alignment_recomputes_the_forward_weights_exactly(build, rng, gamma, band):
    # Past its memory budget the alignment keeps R, not the weights, and recomputes them.
    for n, m in [(1, 5), (16, 16), (17, 30), (45, 33)]:
        x, y = rng.normal(size=(n, 2)), rng.normal(size=(m, 2))
        limits = _dtw.band(n, m, *band)
        if limits is None:
            continue
        kept = _soft_dtw.soft_dtw_alignment(x, y, *limits, gamma, build)
        recomputed = _soft_dtw.soft_dtw_alignment(x, y, *limits, gamma, build, weights_budget=0)
        assert recomputed[1] == kept[1]
        assert np.array_equal(recomputed[0], kept[0])


def _batch(rng, lengths, gamma, scale=1.0, radius=None):
    """Random cost matrices (b, N, M) with their lengths and bands."""
    n_max, m_max = max(n for n, _ in lengths), max(m for _, m in lengths)
    b = len(lengths)
    costs = np.full((b, n_max, m_max), np.nan)  # past the lengths: never read
    lo, hi = np.zeros((b, n_max), dtype=np.intp), np.zeros((b, n_max), dtype=np.intp)
    series = []
    for k, (n, m) in enumerate(lengths):
        x, y = scale * rng.normal(size=(n, 2)), scale * rng.normal(size=(m, 2))
        series.append((x, y))
        costs[k, :n, :m] = squared_costs(x, y)
        constraint, parameter = (0, 0.0) if radius is None else (2, float(radius))
        lo[k, :n], hi[k, :n] = _dtw.band(n, m, constraint, parameter)
    n_lengths = np.array([n for n, _ in lengths], dtype=np.intp)
    m_lengths = np.array([m for _, m in lengths], dtype=np.intp)
    return costs, n_lengths, m_lengths, lo, hi, gamma, series


def _forward_backward(build, costs, n_lengths, m_lengths, lo, hi, gamma, n_threads=1):
    b, n, m = costs.shape
    values, weights = np.empty(b), _soft_dtw.cost_batch_weights(b, n, m)
    _soft_dtw.soft_dtw_cost_batch(
        costs, n_lengths, m_lengths, lo, hi, gamma, build, values, weights, n_threads
    )
    alignments = np.full(costs.shape, np.nan)
    _soft_dtw.soft_dtw_cost_batch_backward(
        weights, n_lengths, m_lengths, lo, hi, gamma, build, alignments, n_threads
    )
    return values, weights, alignments


LENGTHS = [(1, 1), (1, 9), (9, 1), (15, 16), (16, 16), (17, 40), (40, 17), (33, 33)]
# The (1, 1) pairs of d > 1 features are meant: no hint of transposed data wanted here.
one_step_pairs = pytest.mark.filterwarnings("ignore:s1 and s2 of shape:UserWarning")


@one_step_pairs
@pytest.mark.parametrize("radius", [None, 0, 3])
@pytest.mark.parametrize("gamma", [1e-4, 0.1, 10.0, 1e4])
def test_cost_batch_matches_the_alignment_per_pair(build, rng, radius, gamma):
    costs, n_lengths, m_lengths, lo, hi, gamma, series = _batch(rng, LENGTHS, gamma, 3.0, radius)
    values, weights, alignments = _forward_backward(
        build, costs, n_lengths, m_lengths, lo, hi, gamma, 2
    )
    band = {} if radius is None else {"sakoe_chiba_radius": radius}
    for k, (x, y) in enumerate(series):
        n, m = len(x), len(y)
        alignment, value = soft_dtw_alignment(x, y, gamma=gamma, **band)
        assert values[k] == pytest.approx(value, rel=1e-13)
        np.testing.assert_allclose(alignments[k, :n, :m], alignment, rtol=1e-12, atol=1e-300)
        assert not alignments[k, n:].any() and not alignments[k, :, m:].any()
        assert alignments[k, 0, 0] == pytest.approx(1) and alignments[k, n - 1, m - 1] == 1
    # The values alone, without weights, are the same; the backward leaves the weights as
    # they were, so that it can run again (autograd's retain_graph).
    alone = np.empty(len(values))
    _soft_dtw.soft_dtw_cost_batch(
        costs, n_lengths, m_lengths, lo, hi, gamma, build, alone, np.empty((0, 0)), 1
    )
    assert np.array_equal(alone, values)
    kept = weights.copy()
    again = np.empty_like(alignments)
    _soft_dtw.soft_dtw_cost_batch_backward(
        weights, n_lengths, m_lengths, lo, hi, gamma, build, again, 1
    )
    assert np.array_equal(again, alignments)
    assert weights.tobytes() == kept.tobytes()  # unused slots hold garbage, maybe NaN


def test_cost_batch_unreachable_end_gives_inf_and_zero_alignment(build, rng):
    # A row of infinite costs blocks every path of pair 1; pair 0 is untouched.
    costs, n_lengths, m_lengths, lo, hi, gamma, _ = _batch(rng, [(20, 18), (20, 18)], 1.0)
    costs[1, 7] = np.inf
    values, _, alignments = _forward_backward(build, costs, n_lengths, m_lengths, lo, hi, gamma)
    assert math.isfinite(values[0]) and values[1] == np.inf
    assert not np.isnan(alignments).any()
    assert alignments[0, -1, -1] == 1 and not alignments[1].any()


@pytest.mark.parametrize("gamma", [1e-4, 1e4])
def test_cost_batch_extreme_gamma_and_large_costs_stay_finite(build, rng, gamma):
    costs, n_lengths, m_lengths, lo, hi, gamma, _ = _batch(rng, LENGTHS, gamma, 1e3, 4)
    values, _, alignments = _forward_backward(build, costs, n_lengths, m_lengths, lo, hi, gamma)
    assert np.all(np.isfinite(values))
    assert np.all((alignments >= 0) & (alignments <= 1 + 1e-12))


def test_cost_batch_rejects_weights_of_another_shape(rng):
    costs, n_lengths, m_lengths, lo, hi, gamma, _ = _batch(rng, [(20, 18)], 1.0)
    small = _soft_dtw.cost_batch_weights(1, 20, 17)
    with pytest.raises(ValueError, match="cost_batch_weights"):
        _soft_dtw.soft_dtw_cost_batch(
            costs, n_lengths, m_lengths, lo, hi, gamma, _select.BUILD, np.empty(1), small, 1
        )
    with pytest.raises(ValueError, match="cost_batch_weights"):
        _soft_dtw.soft_dtw_cost_batch_backward(
            small, n_lengths, m_lengths, lo, hi, gamma, _select.BUILD, np.empty_like(costs), 1
        )


def _series_batch(rng, lengths, d, dtype, radius=None):
    """Random series batches (b, N, d), (b, M, d), NaN past the lengths, and their bands."""
    n_max, m_max = max(n for n, _ in lengths), max(m for _, m in lengths)
    X = np.full((len(lengths), n_max, d), np.nan, dtype=dtype)  # past the lengths: never read
    Y = np.full((len(lengths), m_max, d), np.nan, dtype=dtype)
    lo, hi = np.zeros((len(lengths), n_max), np.intp), np.zeros((len(lengths), n_max), np.intp)
    for k, (n, m) in enumerate(lengths):
        X[k, :n] = 3 * rng.normal(size=(n, d)) + 100  # an offset shared by both series
        Y[k, :m] = 3 * rng.normal(size=(m, d)) + 100
        constraint, parameter = (0, 0.0) if radius is None else (2, float(radius))
        lo[k, :n], hi[k, :n] = _dtw.band(n, m, constraint, parameter)
    n_lengths = np.array([n for n, _ in lengths], dtype=np.intp)
    m_lengths = np.array([m for _, m in lengths], dtype=np.intp)
    return X, Y, n_lengths, m_lengths, lo, hi


def _series_forward_backward(X, Y, n_lengths, m_lengths, lo, hi, gamma, slots=None, build=None):
    b = len(X)
    slots = np.arange(b, dtype=np.intp) if slots is None else slots
    build = _select.BUILD if build is None else build
    values = np.empty(b)
    weights = _soft_dtw.series_batch_weights(b, X.shape[1], Y.shape[1], X.dtype)
    _soft_dtw.soft_dtw_series_batch(
        X, Y, n_lengths, m_lengths, lo, hi, gamma, build, values, weights, slots, 2
    )
    grad_x, grad_y = np.full(X.shape, np.nan), np.full(Y.shape, np.nan)
    _soft_dtw.soft_dtw_series_batch_backward(
        X, Y, n_lengths, m_lengths, lo, hi, gamma, build, weights, slots, grad_x, grad_y, 2
    )
    return values, weights, grad_x, grad_y


@pytest.mark.parametrize("radius", [None, 0, 3])
@pytest.mark.parametrize("gamma", [1e-3, 1.0, 100.0])
@pytest.mark.parametrize("d", [1, 3])
def test_series_batch_folds_the_alignment_into_the_gradients(build, rng, radius, gamma, d):
    X, Y, n_lengths, m_lengths, lo, hi = _series_batch(rng, LENGTHS, d, np.float64, radius)
    values, _, grad_x, grad_y = _series_forward_backward(
        X, Y, n_lengths, m_lengths, lo, hi, gamma, build=build
    )
    for k, (n, m) in enumerate(zip(n_lengths, m_lengths, strict=True)):
        x, y = X[k, :n], Y[k, :m]
        alignment, value = _soft_dtw.soft_dtw_alignment(x, y, lo[k, :n], hi[k, :n], gamma, build)
        assert values[k] == pytest.approx(value, rel=1e-13)
        # dC[i, j] / dx_i = 2 (x_i - y_j), summed against E by hand
        diff = x[:, None, :] - y[None, :, :]
        want_x = 2 * (alignment[:, :, None] * diff).sum(1)
        want_y = -2 * (alignment[:, :, None] * diff).sum(0)
        scale = max(np.abs(want_x).max(), np.abs(want_y).max())
        np.testing.assert_allclose(grad_x[k, :n], want_x, rtol=0, atol=1e-12 * scale)
        np.testing.assert_allclose(grad_y[k, :m], want_y, rtol=0, atol=1e-12 * scale)
        assert not grad_x[k, n:].any() and not grad_y[k, m:].any()


@pytest.mark.parametrize("gamma", [1e-3, 1.0])
def test_series_batch_float32_keeps_float32_weights(build, rng, gamma):
    X, Y, n_lengths, m_lengths, lo, hi = _series_batch(rng, LENGTHS, 2, np.float32)
    values, weights, grad_x, grad_y = _series_forward_backward(
        X, Y, n_lengths, m_lengths, lo, hi, gamma, build=build
    )
    assert weights.dtype == np.float32
    wide = _series_forward_backward(
        X.astype(np.float64), Y.astype(np.float64), n_lengths, m_lengths, lo, hi, gamma,
        build=build,
    )  # fmt: skip
    # The DP runs in float64 either way: the values are the same; the gradients differ by the
    # float32 rounding of the weights only.
    assert np.array_equal(values, wide[0])
    for got, want in ((grad_x, wide[2]), (grad_y, wide[3])):
        np.testing.assert_allclose(got, want, rtol=0, atol=2e-6 * np.abs(want).max())


def test_series_batch_slots_and_repeated_backward(rng):
    X, Y, n_lengths, m_lengths, lo, hi = _series_batch(rng, LENGTHS, 2, np.float64)
    b = len(X)
    everything = _series_forward_backward(X, Y, n_lengths, m_lengths, lo, hi, 0.5)
    # Pairs with slot -1 keep nothing and get zero gradients; the others are unchanged.
    slots = np.array([-1 if k % 3 == 0 else k // 3 * 2 + k % 3 - 1 for k in range(b)], np.intp)
    some = _series_forward_backward(X, Y, n_lengths, m_lengths, lo, hi, 0.5, slots)
    assert np.array_equal(some[0], everything[0])
    for k in range(b):
        want = 0 if slots[k] < 0 else 1
        assert np.array_equal(some[2][k], everything[2][k] * want)
        assert np.array_equal(some[3][k], everything[3][k] * want)
    # One gradient alone, and a second backward from the same weights, give the same values.
    grad_x, none = np.empty(X.shape), np.empty((0, 0, 0))
    _soft_dtw.soft_dtw_series_batch_backward(
        X, Y, n_lengths, m_lengths, lo, hi, 0.5, _select.BUILD, everything[1], np.arange(b),
        grad_x, none, 1,
    )  # fmt: skip
    assert np.array_equal(grad_x, everything[2])


def test_series_batch_rejects_inconsistent_arguments(rng):
    X, Y, n_lengths, m_lengths, lo, hi = _series_batch(rng, [(4, 5), (3, 5)], 2, np.float64)
    slots = np.arange(2, dtype=np.intp)
    weights = _soft_dtw.series_batch_weights(2, 4, 5, np.float64)
    values = np.empty(2)

    def forward(X=X, Y=Y, values=values, weights=weights, slots=slots):
        _soft_dtw.soft_dtw_series_batch(
            X, Y, n_lengths, m_lengths, lo, hi, 1.0, _select.BUILD, values, weights, slots, 1
        )

    with pytest.raises(ValueError, match="same pairs and features"):
        forward(Y=Y[:, :, :1].copy())
    with pytest.raises(ValueError, match="same pairs and features"):
        forward(values=np.empty(3))
    with pytest.raises(ValueError, match="series_batch_weights"):
        forward(weights=_soft_dtw.series_batch_weights(1, 4, 5, np.float64))
    with pytest.raises(ValueError, match="series_batch_weights"):
        forward(weights=_soft_dtw.series_batch_weights(2, 4, 4, np.float64))
    with pytest.raises(ValueError, match="grad_x must have the shape of X"):
        wrong, none = np.empty((2, 4, 1)), np.empty((0, 0, 0))
        _soft_dtw.soft_dtw_series_batch_backward(
            X, Y, n_lengths, m_lengths, lo, hi, 1.0, _select.BUILD, weights, slots, wrong, none, 1
        )
