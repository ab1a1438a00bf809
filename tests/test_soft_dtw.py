import math

import numpy as np
import pytest
from oracles import (
    accumulated_naive,
    central_differences,
    path_count,
    soft_dtw_brute_force,
    soft_dtw_naive,
    squared_costs,
)

from tswarp._constraints import band_for, parse_constraint
from tswarp._kernels import _dtw
from tswarp.metrics import (
    cdist_soft_dtw,
    cdist_soft_dtw_normalized,
    compute_mask,
    dtw,
    dtw_path,
    soft_dtw,
    soft_dtw_alignment,
    soft_dtw_normalized,
)

GAMMAS = [1e-3, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0]
TINY_SHAPES = [(1, 1, 1), (1, 4, 2), (3, 5, 1), (4, 4, 2), (5, 3, 1), (5, 5, 2)]
BANDS = [
    {"sakoe_chiba_radius": 0},
    {"sakoe_chiba_radius": 1},
    {"global_constraint": "itakura"},
    {"itakura_max_slope": 3.0},
]


def gradient(x, y, alignment):
    """d soft-DTW / dx from the expected alignment: 2 * sum_j E[i, j] (x_i - y_j)."""
    return 2 * (x * alignment.sum(axis=1)[:, None] - alignment @ y)


def assert_alignment_structure(alignment, mask):
    """E[0, 0] = E[-1, -1] = 1, 0 <= E <= 1, row and column sums >= 1, 0 outside the mask."""
    assert alignment[0, 0] == pytest.approx(1, abs=1e-12)
    assert alignment[-1, -1] == 1
    assert np.all((alignment >= 0) & (alignment <= 1 + 1e-12))
    assert min(alignment.sum(axis=0).min(), alignment.sum(axis=1).min()) >= 1 - 1e-12
    assert np.all(alignment[~mask] == 0)


# --- known values and return types ---


def test_known_values():
    assert soft_dtw([[1], [2], [3]], [[3], [4], [-3]], gamma=1.0) == pytest.approx(
        41.187627311413216, rel=1e-12
    )
    # Three zero-cost paths; every other path costs at least 1.
    assert soft_dtw([1, 2, 2, 3], [1, 2, 2, 3], gamma=0.01) == pytest.approx(
        -0.01 * math.log(3), rel=1e-9
    )
    assert soft_dtw([1, 2, 2, 3], [1, 2, 3, 4], gamma=0.01) == pytest.approx(1.0, rel=1e-9)
    assert soft_dtw([1, 2, 3, 4], [1, 2, 3, 4], gamma=0.01) == pytest.approx(0.0, abs=1e-12)


def test_return_types(rng):
    x, y = rng.normal(size=(6, 2)), rng.normal(size=(4, 2))
    for a, b, gamma in [(x, y, 0), (x, y, 0.5), (x.astype(np.float32), y.astype(np.float32), 0)]:
        assert type(soft_dtw(a, b, gamma=gamma)) is type(soft_dtw_normalized(a, b)) is float
        alignment, value = soft_dtw_alignment(a, b, gamma=gamma)
        assert type(value) is float
        assert (alignment.dtype, alignment.shape) == (np.float64, (6, 4))
    assert cdist_soft_dtw([x, x]).dtype == np.float64
    assert cdist_soft_dtw([x], [y], dtype=np.float32).dtype == np.float32
    assert cdist_soft_dtw_normalized([x], [y], dtype=np.float32).dtype == np.float32


# --- independent oracles ---


@pytest.mark.parametrize("gamma", GAMMAS)
@pytest.mark.parametrize("n, m, d", TINY_SHAPES)
def test_value_and_alignment_match_brute_force(rng, n, m, d, gamma):
    x, y = rng.normal(size=(n, d)), rng.normal(size=(m, d))
    want_value, want_alignment = soft_dtw_brute_force(x, y, gamma)
    alignment, value = soft_dtw_alignment(x, y, gamma=gamma)
    assert value == pytest.approx(want_value, rel=1e-10, abs=1e-12)
    assert soft_dtw(x, y, gamma=gamma) == value
    np.testing.assert_allclose(alignment, want_alignment, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("gamma", GAMMAS)
@pytest.mark.parametrize("band", BANDS)
@pytest.mark.parametrize("n, m", [(3, 5), (4, 4), (5, 5), (5, 3)])
def test_banded_runs_match_brute_force_inside_the_mask(rng, n, m, band, gamma):
    x, y = rng.normal(size=(n, 2)), rng.normal(size=(m, 2))
    mask = compute_mask(n, m, **band)
    want_value, want_alignment = soft_dtw_brute_force(x, y, gamma, mask=mask)
    alignment, value = soft_dtw_alignment(x, y, gamma=gamma, **band)
    assert value == pytest.approx(want_value, rel=1e-10, abs=1e-12)
    assert soft_dtw(x, y, gamma=gamma, **band) == value
    np.testing.assert_allclose(alignment, want_alignment, rtol=1e-9, atol=1e-12)
    assert np.all(alignment[~mask] == 0)


@pytest.mark.parametrize("d", [1, 2, 5])
@pytest.mark.parametrize("gamma", [0.01, 1.0, 100.0])
def test_matches_naive_dp_on_random_unequal_lengths(rng, d, gamma):
    for _ in range(5):
        n, m = rng.integers(1, 30, size=2)
        x, y = rng.normal(size=(n, d)), rng.normal(size=(m, d))
        assert soft_dtw(x, y, gamma=gamma) == pytest.approx(
            soft_dtw_naive(x, y, gamma), rel=1e-12, abs=1e-12
        )


@pytest.mark.parametrize("gamma", [0.05, 0.5, 5.0])
@pytest.mark.parametrize("band", [{}, {"sakoe_chiba_radius": 2}, {"itakura_max_slope": 3.0}])
def test_gradient_matches_finite_differences(rng, gamma, band):
    x, y = rng.normal(size=(9, 2)), rng.normal(size=(11, 2))
    alignment, _ = soft_dtw_alignment(x, y, gamma=gamma, **band)
    numeric = central_differences(lambda z: soft_dtw(z, y, gamma=gamma, **band), x)
    np.testing.assert_allclose(gradient(x, y, alignment), numeric, rtol=1e-5, atol=1e-6)


# --- limits in gamma ---


@pytest.mark.parametrize("band", [{}, {"sakoe_chiba_radius": 3}])
def test_tends_to_dtw_squared_within_the_entropy_bound(rng, band):
    x, y = rng.normal(size=(20, 2)), rng.normal(size=(26, 2))
    hard = dtw(x, y, **band) ** 2
    log_paths = math.log(path_count(20, 26, compute_mask(20, 26, **band)))
    for gamma in [1.0, 0.1, 0.01, 1e-4]:
        gap = hard - soft_dtw(x, y, gamma=gamma, **band)
        assert -1e-12 * hard <= gap <= gamma * log_paths


@pytest.mark.parametrize("band", [{}, {"sakoe_chiba_radius": 1}, {"itakura_max_slope": 2.0}])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gamma_zero_is_dtw_squared_everywhere(rng, band, dtype):
    data = [rng.normal(size=(size, 2)).astype(dtype) for size in (7, 9, 8)]
    x, y = data[0], data[1]
    # The squared cost the DTW kernel itself computes, in float64.
    limits = band_for(len(x), len(y), parse_constraint(**band))
    squared = _dtw.dtw_value(x.astype(np.float64), y.astype(np.float64), *limits)
    assert soft_dtw(x, y, gamma=0, **band) == squared
    assert soft_dtw_normalized(x, y, gamma=0, **band) == squared
    alignment, value = soft_dtw_alignment(x, y, gamma=0, **band)
    assert value == squared
    path, _ = dtw_path(x, y, **band)
    want = np.zeros((len(x), len(y)))
    want[tuple(np.transpose(path))] = 1
    np.testing.assert_array_equal(alignment, want)
    if dtype == np.float64:
        assert math.sqrt(squared) == dtw(x, y, **band)
    loop = np.array([[soft_dtw(a, b, gamma=0, **band) for b in data] for a in data])
    np.testing.assert_array_equal(cdist_soft_dtw(data, gamma=0, **band), loop)
    np.testing.assert_array_equal(cdist_soft_dtw_normalized(data, gamma=0, **band), loop)
    np.testing.assert_array_equal(cdist_soft_dtw(data[:2], data, gamma=0, **band), loop[:2])
    cross = cdist_soft_dtw_normalized(data[:2], data, gamma=0, **band)
    np.testing.assert_array_equal(cross, loop[:2])


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gamma_zero_is_exactly_the_textbook_dtw_squared(seed, dtype):
    # The squared cost, bit for bit, of the textbook DP on the float64 values: sums of
    # squares in feature order and exact minima round the same way in any correct kernel.
    rng = np.random.default_rng(seed)
    d = 1 + seed % 3
    data = [rng.normal(size=(int(rng.integers(2, 70)), d)).astype(dtype) for _ in range(3)]
    want = np.array([[accumulated_naive(a, b)[-1, -1] for b in data] for a in data])
    for i, j in [(0, 1), (1, 2), (2, 0)]:
        assert soft_dtw(data[i], data[j], gamma=0) == want[i, j]
        assert soft_dtw_normalized(data[i], data[j], gamma=0) == want[i, j]
    assert np.array_equal(cdist_soft_dtw(data, gamma=0), want)
    assert np.array_equal(cdist_soft_dtw(data[:2], data, gamma=0), want[:2])
    np.fill_diagonal(want, 0.0)
    assert np.array_equal(cdist_soft_dtw_normalized(data, data, gamma=0), want)


def test_alignment_tends_to_the_dtw_path(rng):
    x, y = rng.normal(size=(12, 1)), rng.normal(size=(15, 1))
    hard, _ = soft_dtw_alignment(x, y, gamma=0)
    soft, _ = soft_dtw_alignment(x, y, gamma=1e-5)
    np.testing.assert_allclose(soft, hard, atol=1e-6)
    identity, _ = soft_dtw_alignment(x, x, gamma=1e-5)
    np.testing.assert_allclose(identity, np.eye(12), atol=1e-6)


# --- structure and symmetry ---


@pytest.mark.parametrize("gamma", [1e-3, 0.1, 1.0, 100.0])
@pytest.mark.parametrize("band", [{}, {"sakoe_chiba_radius": 2}, {"itakura_max_slope": 2.5}])
def test_alignment_structure(rng, gamma, band):
    x, y = rng.normal(size=(20, 3)), rng.normal(size=(27, 3))
    alignment, _ = soft_dtw_alignment(x, y, gamma=gamma, **band)
    assert_alignment_structure(alignment, compute_mask(20, 27, **band))


@pytest.mark.parametrize("band", [{}, {"sakoe_chiba_radius": 2}])
def test_symmetry(rng, band):
    x, y = rng.normal(size=(13, 2)), rng.normal(size=(17, 2))
    assert soft_dtw(x, y, gamma=0.7, **band) == pytest.approx(
        soft_dtw(y, x, gamma=0.7, **band), rel=1e-13
    )
    forward, _ = soft_dtw_alignment(x, y, gamma=0.7, **band)
    backward, _ = soft_dtw_alignment(y, x, gamma=0.7, **band)
    np.testing.assert_allclose(forward, backward.T, rtol=1e-10, atol=1e-14)


# --- divergence ---


def test_divergence_is_zero_on_identical_inputs_and_non_negative(rng):
    x = rng.normal(size=(15, 2))
    for gamma in [1e-3, 0.1, 1.0, 10.0]:
        assert soft_dtw_normalized(x, x.copy(), gamma=gamma) == 0.0
        near = x.astype(np.float32).astype(np.float64)
        assert soft_dtw_normalized(x, near, gamma=gamma) >= -1e-10
    for _ in range(30):
        n, m = rng.integers(1, 25, size=2)
        gamma = 10 ** rng.uniform(-3, 2)
        a, b = rng.normal(size=(n, 2)), rng.normal(size=(m, 2))
        assert soft_dtw_normalized(a, b, gamma=gamma) >= -1e-10
    data = [rng.normal(size=(size, 2)) for size in (5, 8, 6)]
    assert np.all(np.diagonal(cdist_soft_dtw_normalized(data)) == 0)
    assert np.all(np.diagonal(cdist_soft_dtw_normalized(data, [d.copy() for d in data])) == 0)


def test_divergence_combines_three_soft_dtw_values(rng):
    x, y = rng.normal(size=(10, 2)), rng.normal(size=(7, 2))
    want = soft_dtw(x, y, gamma=0.3) - (soft_dtw(x, x, gamma=0.3) + soft_dtw(y, y, gamma=0.3)) / 2
    assert soft_dtw_normalized(x, y, gamma=0.3) == pytest.approx(want, rel=1e-14)


# --- pairwise matrices ---


def _ragged(rng, sizes, d=2):
    return [rng.normal(size=(size, d)) for size in sizes]


def _padded(series, length):
    out = np.full((len(series), length, series[0].shape[1]), np.nan)
    for i, ts in enumerate(series):
        out[i, : len(ts)] = ts
    return out


@pytest.mark.parametrize("band", [{}, {"sakoe_chiba_radius": 2}, {"itakura_max_slope": 3.0}])
def test_cdist_equals_a_loop_over_pairs(rng, band):
    first, second = _ragged(rng, [6, 9, 4, 9]), _ragged(rng, [7, 3, 10])
    loop = np.array([[soft_dtw(a, b, gamma=0.5, **band) for b in second] for a in first])
    self_loop = np.array([[soft_dtw(a, b, gamma=0.5, **band) for b in first] for a in first])
    for one, two in [(first, second), (_padded(first, 12), _padded(second, 10))]:
        np.testing.assert_allclose(cdist_soft_dtw(one, two, gamma=0.5, **band), loop, rtol=1e-14)
        symmetric = cdist_soft_dtw(one, gamma=0.5, **band)
        np.testing.assert_allclose(symmetric, self_loop, rtol=1e-14)
        np.testing.assert_array_equal(symmetric, symmetric.T)
    normalized = np.array(
        [[soft_dtw_normalized(a, b, gamma=0.5, **band) for b in second] for a in first]
    )
    for one, two in [(first, second), (_padded(first, 9), _padded(second, 15))]:
        for n_jobs in (None, -1):
            result = cdist_soft_dtw_normalized(one, two, gamma=0.5, n_jobs=n_jobs, **band)
            np.testing.assert_allclose(result, normalized, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("function", [cdist_soft_dtw, cdist_soft_dtw_normalized])
def test_thread_count_does_not_change_the_matrix(rng, function):
    data = _ragged(rng, rng.integers(5, 40, size=40))
    other = _ragged(rng, rng.integers(5, 40, size=9))
    np.testing.assert_array_equal(function(data, n_jobs=1), function(data, n_jobs=-1))
    np.testing.assert_array_equal(
        function(data, other, n_jobs=1), function(data, other, n_jobs=-1)
    )


def test_cdist_runs_in_blocks(rng, monkeypatch):
    from tswarp.metrics import _soft_dtw

    data = _ragged(rng, [8, 11, 9, 10, 7])
    whole = cdist_soft_dtw(data)
    monkeypatch.setattr(_soft_dtw, "_CELLS_PER_BLOCK", 50)  # about one pair per block
    np.testing.assert_array_equal(cdist_soft_dtw(data), whole)


# --- precision and numerics ---


def test_float32_close_to_float64(rng):
    x, y = rng.normal(size=(60, 2)), rng.normal(size=(45, 2))
    x32, y32 = x.astype(np.float32), y.astype(np.float32)
    for gamma in [0.01, 1.0, 100.0]:
        single = soft_dtw(x32, y32, gamma=gamma)
        # Costs and DP run in float64: only the inputs' rounding differs.
        assert single == soft_dtw(x32.astype(np.float64), y32.astype(np.float64), gamma=gamma)
        assert single == pytest.approx(soft_dtw(x, y, gamma=gamma), rel=1e-4)
        single, _ = soft_dtw_alignment(x32, y32, gamma=gamma)
        double, _ = soft_dtw_alignment(x, y, gamma=gamma)
        np.testing.assert_allclose(single, double, atol=1e-4)
    matrix = cdist_soft_dtw([x32, y32[:30]])
    np.testing.assert_allclose(matrix, cdist_soft_dtw([x, y[:30]]), rtol=1e-4)


@pytest.mark.parametrize("gamma", [1e-4, 1e4])
@pytest.mark.parametrize("band", [{}, {"sakoe_chiba_radius": 3}, {"itakura_max_slope": 2.0}])
def test_extreme_gamma_and_large_costs_stay_finite(rng, gamma, band):
    x, y = 1e3 * rng.normal(size=(40, 2)), 1e3 * rng.normal(size=(35, 2)) + 5e3
    value = soft_dtw(x, y, gamma=gamma, **band)
    alignment, value_too = soft_dtw_alignment(x, y, gamma=gamma, **band)
    assert math.isfinite(value)
    assert value_too == value
    assert np.all(np.isfinite(alignment))
    assert_alignment_structure(alignment, compute_mask(40, 35, **band))
    assert math.isfinite(soft_dtw_normalized(x, y, gamma=gamma, **band))
    assert np.all(np.isfinite(cdist_soft_dtw([x, y], gamma=gamma, **band)))


def test_length_one_series():
    assert soft_dtw([2.0], [5.0], gamma=0.3) == 9.0
    alignment, value = soft_dtw_alignment([2.0], [5.0, 1.0], gamma=0.3)
    assert value == 10.0
    np.testing.assert_array_equal(alignment, [[1.0, 1.0]])


# --- arguments and errors ---


@pytest.mark.parametrize(
    "call",
    [
        soft_dtw,
        soft_dtw_normalized,
        lambda x, y, **kw: soft_dtw_alignment(x, y, **kw)[1],
        lambda x, y, **kw: cdist_soft_dtw([x, y], **kw)[0, 1],
        lambda x, y, **kw: cdist_soft_dtw_normalized([x], [y], **kw)[0, 0],
    ],
)
def test_compute_with_backend_changes_nothing_on_numpy(rng, call):
    x, y = rng.normal(size=8), rng.normal(size=6)
    base = call(x, y, gamma=0.2)
    assert call(x, y, gamma=0.2, compute_with_backend=True) == base
    assert call(x, y, gamma=0.2, compute_with_backend=False) == base


SERIES = ([1.0, 2.0, 3.0], [1.0, 2.0])
DATASETS = ([[1.0, 2.0, 3.0]], [[1.0, 2.0]])
GAMMA_MESSAGE = "gamma must be a finite number >= 0"
ARGUMENT_ERRORS = [
    ({"gamma": -0.1}, ValueError, GAMMA_MESSAGE),
    ({"gamma": math.nan}, ValueError, GAMMA_MESSAGE),
    ({"gamma": math.inf}, ValueError, GAMMA_MESSAGE),
    ({"gamma": "1.0"}, TypeError, "gamma must be a real number"),
    ({"gamma": None}, TypeError, "gamma must be a real number"),
    ({"gamma": True}, TypeError, "gamma must be a real number"),
    ({"compute_with_backend": "torch"}, TypeError, "compute_with_backend must be None, True"),
    ({"global_constraint": "sakoe"}, ValueError, "global_constraint must be None"),
    ({"sakoe_chiba_radius": -1}, ValueError, "sakoe_chiba_radius must be a whole number >= 0"),
    ({"itakura_max_slope": 0}, ValueError, "itakura_max_slope must be a positive finite"),
    ({"sakoe_chiba_radius": 1, "itakura_max_slope": 2}, ValueError, "both sakoe_chiba_radius"),
]


@pytest.mark.parametrize("kwargs, error, message", ARGUMENT_ERRORS)
def test_bad_arguments(kwargs, error, message):
    for function in (soft_dtw, soft_dtw_normalized, soft_dtw_alignment):
        with pytest.raises(error, match=message):
            function(*SERIES, **kwargs)
    for function in (cdist_soft_dtw, cdist_soft_dtw_normalized):
        with pytest.raises(error, match=message):
            function(*DATASETS, **kwargs)


@pytest.mark.parametrize(
    "s1, s2, message",
    [
        ([1, 2, 3], [1] * 9, "itakura_max_slope=2 admits no warping path .* lengths 3 and 9"),
        ([1.0, np.nan, 2.0], [1.0], "s1 has a NaN or infinite value at time step 1"),
        ([1.0], [np.nan, np.nan], "s2 is empty or all NaN"),
        (np.zeros((3, 2)), np.zeros((3, 3)), "same number of features"),
        (np.zeros((2, 2, 2)), [1.0], "s1 must be a time series of shape"),
    ],
)
def test_bad_series(s1, s2, message):
    kwargs = {"global_constraint": "itakura"} if len(s2) == 9 else {}
    for function in (soft_dtw, soft_dtw_normalized, soft_dtw_alignment):
        with pytest.raises(ValueError, match=message):
            function(s1, s2, **kwargs)


@pytest.mark.parametrize(
    "dataset1, dataset2, kwargs, message",
    [
        ([[1, 2, 3]], [[1] * 9], {"itakura_max_slope": 2}, "lengths 3 and 9; use a larger"),
        ([[1.0] * 9, [1, 2, 3] + [np.nan] * 6], None, {"itakura_max_slope": 2}, "lengths 9 and 3"),
        (np.zeros((2, 3, 1)), np.zeros((2, 3, 2)), {}, "same number of features"),
        ([[1.0, 2, 3], [1, np.nan, 3]], None, {}, r"dataset1\[1\] has a NaN or infinite value"),
        (*DATASETS, {"dtype": np.int64}, r"dtype must be numpy\.float32 or numpy\.float64"),
        (*DATASETS, {"n_jobs": 0}, "n_jobs must be None or a non-zero integer"),
    ],
)
def test_bad_datasets(dataset1, dataset2, kwargs, message):
    for function in (cdist_soft_dtw, cdist_soft_dtw_normalized):
        with pytest.raises(ValueError, match=message):
            function(dataset1, dataset2, **kwargs)


def test_inputs_are_not_modified(rng):
    x, y = rng.normal(size=(9, 2)), rng.normal(size=(7, 2))
    data = np.stack([rng.normal(size=(8, 2)) for _ in range(3)])
    data[1, 5:] = np.nan
    copies = [x.copy(), y.copy(), data.copy()]
    for gamma in (0, 0.5):
        soft_dtw(x, y, gamma=gamma)
        soft_dtw_normalized(x, y, gamma=gamma)
        soft_dtw_alignment(x.astype(np.float32), y.astype(np.float32), gamma=gamma)
        cdist_soft_dtw(data, gamma=gamma)
        cdist_soft_dtw_normalized(data, x[None], gamma=gamma)
    for original, copy in zip([x, y, data], copies, strict=True):
        np.testing.assert_array_equal(original, copy)


@pytest.mark.parametrize("gamma", [5e-324, 1e-310])
def test_subnormal_gamma_behaves_like_a_tiny_one(rng, gamma):
    x, y = rng.normal(size=(12, 2)), rng.normal(size=(9, 2))
    hard, squared = soft_dtw_alignment(x, y, gamma=0)
    alignment, value = soft_dtw_alignment(x, y, gamma=gamma)
    assert value == squared == soft_dtw(x, y, gamma=gamma)
    np.testing.assert_array_equal(alignment, hard)
    # Three zero-cost paths tie exactly: each carries a third of the weight.
    alignment, value = soft_dtw_alignment([1, 2, 2, 3], [1, 2, 2, 3], gamma=gamma)
    assert value <= 0
    np.testing.assert_allclose(alignment[1:3, 1:3], [[1, 1 / 3], [1 / 3, 1]], rtol=1e-12)


def test_cost_batch_kernels_match_single_pairs(rng):
    # The batched cost-matrix kernels (behind the PyTorch CPU path) against the public API.
    from tswarp._kernels import _select, _soft_dtw

    build = _select.BUILD
    x = [rng.normal(size=(n, 2)) for n in (7, 5, 3)]
    y = [rng.normal(size=(m, 2)) for m in (6, 6, 2)]
    n_lengths, m_lengths = np.array([7, 5, 3]), np.array([6, 6, 2])
    costs = np.zeros((3, 7, 6))
    lo, hi = np.zeros((3, 7), dtype=np.intp), np.zeros((3, 7), dtype=np.intp)
    for k in range(3):
        costs[k, : n_lengths[k], : m_lengths[k]] = squared_costs(x[k], y[k])
        band = _dtw.band(n_lengths[k], m_lengths[k], 2, 1.0)  # Sakoe-Chiba, radius 1
        lo[k, : n_lengths[k]], hi[k, : n_lengths[k]] = band
    values, weights = np.empty(3), _soft_dtw.cost_batch_weights(3, 7, 6)
    _soft_dtw.soft_dtw_cost_batch(
        costs, n_lengths, m_lengths, lo, hi, 0.5, build, values, weights, 2
    )
    alignments = np.full_like(costs, np.nan)  # the backward writes every cell
    _soft_dtw.soft_dtw_cost_batch_backward(
        weights, n_lengths, m_lengths, lo, hi, 0.5, build, alignments, 2
    )
    for k in range(3):
        alignment, value = soft_dtw_alignment(x[k], y[k], gamma=0.5, sakoe_chiba_radius=1)
        assert values[k] == pytest.approx(value, rel=1e-14)
        np.testing.assert_allclose(alignments[k, : n_lengths[k], : m_lengths[k]], alignment)
        assert not alignments[k, n_lengths[k] :].any()
        assert not alignments[k, :, m_lengths[k] :].any()
        for i in range(n_lengths[k]):  # exact zeros off the band
            assert not alignments[k, i, : lo[k, i]].any()
            assert not alignments[k, i, hi[k, i] :].any()
