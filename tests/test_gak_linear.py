"""GAK's linear-space kernel: its local kernel, its agreement with the log-space kernel and an
independent log-space DP, and the pairs it must leave to the log-space kernel."""

import math

import numpy as np
import pytest
from oracles import log_gak_naive

from tswarp._kernels import _gak, _select, _simd, _soft_dtw

# The builds this CPU runs, by index, each on its own lane width.
BUILDS = [_select.build_index(name) for name in _simd.available()]
EPS = np.finfo(np.float64).eps / 2  # the unit roundoff


@pytest.fixture(params=BUILDS, ids=_simd.available())
def build(request):
    return request.param


def log_value(x, y, sigma, strategy, build=_select.BUILD):
    """log K of two series by the given strategy of the compiled kernel."""
    x = np.ascontiguousarray(x).reshape(len(x), -1)
    y = np.ascontiguousarray(y).reshape(len(y), -1)
    return _gak.gak_log_value(x, y, 0.5 / sigma**2, build, strategy)


def test_local_kernel_is_within_4_ulps_of_long_double(build, rng):
    if np.finfo(np.longdouble).precision < 18:
        pytest.skip("long double has no more precision than double here")
    z = np.concatenate(
        [rng.uniform(0, 1010, 20_000), rng.uniform(0, 2, 20_000), np.arange(0, 1010.5, 0.5)]
    )
    e = np.exp2(-z.astype(np.longdouble))
    expected = e / (2 - e)
    got = _soft_dtw._math_array(z, 2, build)
    ulps = np.abs(got - expected) / np.spacing(expected.astype(np.float64))
    assert float(ulps.max()) <= 4.0
    assert list(_soft_dtw._math_array(np.array([0.0, np.nan]), 2, build)) == [1.0, 0.0]


SHAPES = [(1, 1), (1, 40), (40, 1), (15, 17), (16, 16), (33, 20), (70, 130)]


@pytest.mark.parametrize("n, m", SHAPES)
@pytest.mark.parametrize("d", [1, 3])
def test_linear_matches_the_log_space_kernel(build, rng, n, m, d):
    for dtype in (np.float64, np.float32):
        x, y = rng.normal(size=(n, d)).astype(dtype), rng.normal(size=(m, d)).astype(dtype)
        sigma = float(rng.uniform(0.5, 4.0))
        linear = log_value(x, y, sigma, _gak.LINEAR, build)
        in_log_space = log_value(x, y, sigma, _gak.LOG, build)
        assert math.isfinite(linear)  # it did not give up
        assert abs(linear - in_log_space) <= 1e-12 * max(1.0, abs(in_log_space))
        assert log_value(x, y, sigma, _gak.AUTO, build) == linear


@pytest.mark.parametrize("n, m, d", [(5, 7, 1), (20, 33, 2), (48, 40, 1)])
def test_linear_matches_an_independent_log_space_dp(rng, n, m, d):
    x, y = rng.normal(size=(n, d)), rng.normal(size=(m, d)) + 0.5
    for sigma in (0.7, 2.0):
        expected = log_gak_naive(x, y, sigma)
        # 10 (n + m) eps bounds the kernel's error (see _gak_linear.h), as much the oracle's.
        tolerance = 20 * (n + m) * EPS * max(1.0, abs(expected))
        assert abs(log_value(x, y, sigma, _gak.LINEAR) - expected) <= tolerance


def test_rescaling_keeps_long_series_in_range(build):
    # K(x, x) of 500 steps is about e**870: 32 strips, each row handed down rescaled.
    x = np.sin(np.linspace(0, 20, 500))
    y = np.cos(np.linspace(0, 20, 500))
    for a, b in ((x, x), (x, y)):
        linear = log_value(a, b, 2.0, _gak.LINEAR, build)
        in_log_space = log_value(a, b, 2.0, _gak.LOG, build)
        assert abs(linear - in_log_space) <= 1e-12 * abs(in_log_space)
    assert log_value(x, x, 2.0, _gak.LINEAR, build) > 800  # past the float64 range, e**709


def gives_up_then_log_space_is_right(x, y, sigma):
    assert math.isnan(log_value(x, y, sigma, _gak.LINEAR))
    value = log_value(x, y, sigma, _gak.AUTO)
    assert value == log_value(x, y, sigma, _gak.LOG)
    expected = log_gak_naive(x, y, sigma)
    assert value == pytest.approx(expected, rel=1e-12)


def test_gives_up_where_a_local_kernel_may_be_subnormal():
    # u = 800 at one cell: e = exp(-800) is below the normal range.
    x, y = np.zeros(30), np.zeros(30)
    y[5] = 40.0
    gives_up_then_log_space_is_right(x, y, 1.0)


def test_gives_up_where_values_underflow_within_a_strip():
    # Every u is 450, allowed, but K[0, j] = k**(j + 1) is below the normal range by j = 2.
    gives_up_then_log_space_is_right(np.zeros(40), np.full(40, 30.0), 1.0)


def test_gives_up_where_a_row_spans_more_than_the_float_range():
    # Close along the diagonal, far off it: a row's values span far more than 2**2000.
    x = np.linspace(0.0, 37.0, 64)
    gives_up_then_log_space_is_right(x, x, 1.0)
    # Similar long series: K grows along the diagonal while the row's far end shrinks.
    x = np.sin(np.linspace(0, 20, 1000))
    assert math.isnan(log_value(x, x, 2.0, _gak.LINEAR))
    assert log_value(x, x, 2.0, _gak.AUTO) == log_value(x, x, 2.0, _gak.LOG)


def test_pairs_agree_with_single_pairs_whichever_strategy_runs(rng):
    X = np.full((4, 30, 1), np.nan)
    lengths = np.array([30, 20, 30, 7], dtype=np.intp)
    for k, size in enumerate(lengths):
        X[k, :size, 0] = rng.normal(size=size)
    X[2, :, 0] += 30.0  # far from the others: those pairs run in log space
    rows, cols = (a.ravel().astype(np.intp) for a in np.indices((4, 4)))
    out = np.empty(16)
    _gak.gak_log_pairs(X, lengths, X, lengths, rows, cols, 0.5, _select.BUILD, out, 2)
    for k, (a, b) in enumerate(zip(rows, cols, strict=True)):
        x, y = X[a, : lengths[a]], X[b, : lengths[b]]
        assert out[k] == log_value(x, y, 1.0, _gak.AUTO)
    assert math.isnan(log_value(X[0, :30], X[2], 1.0, _gak.LINEAR))
