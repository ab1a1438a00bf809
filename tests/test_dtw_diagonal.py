"""The single-pair anti-diagonal kernels: every build equals the scalar kernel bit for bit.

Values and paths alike: the path kernel's directions must break ties as the scalar one's.
"""

import itertools
import math

import numpy as np
import pytest
from oracles import optimal_paths

from tswarp._kernels import _dtw, _simd
from tswarp.metrics import dtw, dtw_path

# Around the strips' heights (8 to 64 rows) and the vectors' widths, and single steps.
LENGTHS = [1, 2, 15, 16, 17, 33, 100]
# (code, parameter): none, Sakoe-Chiba radii, Itakura slopes.
BANDS = [(0, 0.0), (2, 0), (2, 1), (2, 5), (1, 2.0), (1, 3.0)]


@pytest.fixture(params=_simd.available())
def build(request):
    """Each build this CPU runs in turn (the baseline always among them)."""
    previous = _simd._use(request.param)
    yield request.param
    _simd._use(previous)


def walk(rng, n, d, dtype):
    return np.cumsum(rng.normal(size=(n, d)), axis=0).astype(dtype)


def same_value(a, b):
    return a == b or (math.isnan(a) and math.isnan(b))


def assert_same(x, y, code, parameter):
    """Every strip height and the automatic choice give the scalar kernel's value and path."""
    limits = _dtw.band(len(x), len(y), code, parameter)
    if limits is None:  # this Itakura slope admits no path
        return
    case = (len(x), len(y), code, parameter)
    expected = _dtw.dtw_value(x, y, *limits)
    got = [_simd.dtw_value_diagonal(x, y, *limits, vectors) for vectors in (0, 2, 4, 8)]
    got.append(_simd.dtw_value(x, y, *limits))
    for value in got:
        assert same_value(value, expected), (case, got, expected)
    expected_path, expected = _dtw.dtw_path(x, y, *limits)
    got = [_simd.dtw_path_diagonal(x, y, *limits, vectors) for vectors in (0, 2, 4, 8)]
    got.append(_simd.dtw_path(x, y, *limits))
    for path, value in got:
        assert same_value(value, expected), (case, value, expected)
        # NaNs included: cells outside the band read DIAGONAL in both.
        assert path == expected_path, case


@pytest.mark.parametrize("d", [1, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_equals_the_scalar_kernel(rng, build, dtype, d):
    for n, m in itertools.product(LENGTHS, LENGTHS):
        x, y = walk(rng, n, d, dtype), walk(rng, m, d, dtype)
        for code, parameter in BANDS:
            assert_same(x, y, code, parameter)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_several_strips_and_wide_bands(rng, build, dtype):
    for n, m, d in [(150, 290, 1), (290, 150, 2), (257, 257, 3)]:
        x, y = walk(rng, n, d, dtype), walk(rng, m, d, dtype)
        for code, parameter in [*BANDS, (2, 40), (1, 1.5)]:
            assert_same(x, y, code, parameter)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_large_offsets_and_ties(rng, build, dtype):
    for n, m in [(17, 33), (100, 100), (64, 1), (1, 65)]:
        for d in (1, 3):
            # Small integer steps far from zero: many equal costs and equal paths.
            x = (np.round(walk(rng, n, d, np.float64)) + 1e6).astype(dtype)
            y = (np.round(walk(rng, m, d, np.float64)) + 1e6).astype(dtype)
            constant = np.full((n, d), 3.0, dtype=dtype)
            for code, parameter in BANDS:
                assert_same(x, y, code, parameter)
                assert_same(constant, y, code, parameter)
                assert_same(x, x[::-1].copy(), code, parameter)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_nan_and_infinite_values_do_not_crash(rng, build, dtype):
    # The callers reject them; the kernel still gives the scalar kernel's NaN or value.
    for n, m, d in [(1, 1, 1), (17, 40, 1), (70, 33, 3)]:
        for trial in range(8):
            x, y = walk(rng, n, d, dtype), walk(rng, m, d, dtype)
            series = x if trial % 2 else y
            series[rng.integers(len(series)), rng.integers(d)] = np.nan if trial < 6 else np.inf
            for code, parameter in BANDS:
                assert_same(x, y, code, parameter)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_paths_with_ties(rng, build, dtype):
    # Few distinct values: many equally good paths, so the tie-breaks decide.
    for n, m in [(1, 9), (9, 1), (16, 16), (40, 23), (70, 130)]:
        for d in (1, 2):
            x = rng.integers(0, 3, size=(n, d)).astype(dtype)
            y = rng.integers(0, 3, size=(m, d)).astype(dtype)
            for code, parameter in [*BANDS, (2, 20)]:
                assert_same(x, y, code, parameter)
                assert_same(np.repeat(x[:1], n, axis=0), y, code, parameter)
                assert_same(np.zeros_like(x), np.zeros_like(y), code, parameter)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_paths_are_optimal(rng, build, dtype):
    # Tiny integer series, where sums are exact: the cost is the minimum over all warping
    # paths inside the band, and the path one of those reaching it.
    for n, m in itertools.product(range(1, 6), repeat=2):
        x = rng.integers(-2, 3, size=(n, 1)).astype(dtype)
        y = rng.integers(-2, 3, size=(m, 1)).astype(dtype)
        for code, parameter in [(0, 0.0), (2, 0), (2, 1), (1, 2.0)]:
            limits = _dtw.band(n, m, code, parameter)
            if limits is None:
                continue
            mask = np.zeros((n, m), dtype=bool)
            for i, (lo, hi) in enumerate(zip(*limits, strict=True)):
                mask[i, lo:hi] = True
            best, paths = optimal_paths(x, y, mask)
            for vectors in (2, 4, 8):
                path, cost = _simd.dtw_path_diagonal(x, y, *limits, vectors)
                assert cost == best
                assert path in paths


def test_dtw_path_uses_it(rng, build, monkeypatch):
    x, y = walk(rng, 300, 1, np.float64), walk(rng, 200, 1, np.float64)
    expected_path, cost = _dtw.dtw_path(x, y, *_dtw.band(300, 200, 0, 0.0))
    calls = []
    monkeypatch.setattr(_dtw, "dtw_path", lambda *args: calls.append(args))
    assert dtw_path(x, y) == (expected_path, math.sqrt(cost))
    assert not calls  # a band this wide runs the diagonal kernel on every build


def test_narrow_bands_and_narrow_vectors_use_the_scalar_kernel(rng, build, monkeypatch):
    calls = []
    monkeypatch.setattr(_dtw, "dtw_value", lambda *args: calls.append(args) or 0.0)
    x = walk(rng, 1000, 1, np.float64)
    _simd.dtw_value(x, x, *_dtw.band(1000, 1000, 2, 0))
    assert len(calls) == 1
    _simd.dtw_value(x, x, *_dtw.band(1000, 1000, 0, 0.0))
    assert len(calls) == 1
    # Paths by the same rule.
    monkeypatch.setattr(_dtw, "dtw_path", lambda *args: calls.append(args) or ([], 0.0))
    _simd.dtw_path(x, x, *_dtw.band(1000, 1000, 2, 0))
    assert len(calls) == 2
    _simd.dtw_path(x, x, *_dtw.band(1000, 1000, 0, 0.0))
    assert len(calls) == 2


def test_dtw_uses_it(rng, build):
    x, y = walk(rng, 300, 1, np.float64), walk(rng, 200, 1, np.float64)
    expected = math.sqrt(_dtw.dtw_value(x, y, *_dtw.band(300, 200, 0, 0.0)))
    assert dtw(x, y) == expected
    assert dtw(x.astype(np.float32), y.astype(np.float32)) == math.sqrt(
        _dtw.dtw_value(x.astype(np.float32), y.astype(np.float32), *_dtw.band(300, 200, 0, 0.0))
    )
