"""The single-pair anti-diagonal kernels: every build equals the scalar kernel bit for bit.

Values and paths alike: the path kernel's directions must break ties as the scalar one's.
"""

import itertools
import math

import numpy as np
import pytest
from oracles import optimal_paths

from tswarp._kernels import _dtw, _select, _simd
from tswarp.metrics import dtw, dtw_path

# Around the strips' heights (8 to 64 rows) and the vectors' widths, and single steps.
LENGTHS = [1, 2, 15, 16, 17, 33, 100]
# (code, parameter): none, Sakoe-Chiba radii, Itakura slopes.
BANDS = [(0, 0.0), (2, 0), (2, 1), (2, 5), (1, 2.0), (1, 3.0)]


@pytest.fixture(params=_simd.available())
def build(request):
    """Each build this CPU runs, by index, in turn (the baseline always among them)."""
    return _select.build_index(request.param)


def walk(rng, n, d, dtype):
    return np.cumsum(rng.normal(size=(n, d)), axis=0).astype(dtype)


def assert_same(build, x, y, code, parameter):
    """Every strip height and the automatic choice give the scalar kernel's value and path."""
    limits = _dtw.band(len(x), len(y), code, parameter)
    if limits is None:  # this Itakura slope admits no path
        return
    case = (len(x), len(y), code, parameter)
    expected = _dtw.dtw_value(x, y, *limits)
    got = [_simd.dtw_value_diagonal(build, vectors, x, y, *limits) for vectors in (2, 4, 8)]
    got.append(_select.dtw_value(x, y, *limits, build=build))
    for value in got:
        assert value == expected, (case, got, expected)
    expected_path, expected = _dtw.dtw_path(x, y, *limits)
    got = [_simd.dtw_path_diagonal(build, vectors, x, y, *limits) for vectors in (2, 4, 8)]
    got.append(_select.dtw_path(x, y, *limits, build=build))
    for path, value in got:
        assert value == expected, (case, value, expected)
        assert path == expected_path, case


@pytest.mark.parametrize("d", [1, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_equals_the_scalar_kernel(rng, build, dtype, d):
    for n, m in itertools.product(LENGTHS, LENGTHS):
        x, y = walk(rng, n, d, dtype), walk(rng, m, d, dtype)
        for code, parameter in BANDS:
            assert_same(build, x, y, code, parameter)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_several_strips_and_wide_bands(rng, build, dtype):
    for n, m, d in [(150, 290, 1), (290, 150, 2), (257, 257, 3)]:
        x, y = walk(rng, n, d, dtype), walk(rng, m, d, dtype)
        for code, parameter in [*BANDS, (2, 40), (1, 1.5)]:
            assert_same(build, x, y, code, parameter)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_large_offsets_and_ties(rng, build, dtype):
    for n, m in [(17, 33), (100, 100), (64, 1), (1, 65)]:
        for d in (1, 3):
            # Small integer steps far from zero: many equal costs and equal paths.
            x = (np.round(walk(rng, n, d, np.float64)) + 1e6).astype(dtype)
            y = (np.round(walk(rng, m, d, np.float64)) + 1e6).astype(dtype)
            constant = np.full((n, d), 3.0, dtype=dtype)
            for code, parameter in BANDS:
                assert_same(build, x, y, code, parameter)
                assert_same(build, constant, y, code, parameter)
                assert_same(build, x, x[::-1].copy(), code, parameter)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_paths_with_ties(rng, build, dtype):
    # Few distinct values: many equally good paths, so the tie-breaks decide.
    for n, m in [(1, 9), (9, 1), (16, 16), (40, 23), (70, 130)]:
        for d in (1, 2):
            x = rng.integers(0, 3, size=(n, d)).astype(dtype)
            y = rng.integers(0, 3, size=(m, d)).astype(dtype)
            for code, parameter in [*BANDS, (2, 20)]:
                assert_same(build, x, y, code, parameter)
                assert_same(build, np.repeat(x[:1], n, axis=0), y, code, parameter)
                assert_same(build, np.zeros_like(x), np.zeros_like(y), code, parameter)


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
                path, cost = _simd.dtw_path_diagonal(build, vectors, x, y, *limits)
                assert cost == best
                assert path in paths


def test_wide_bands_use_it_and_narrow_ones_the_scalar_kernel(rng, build):
    x, y = walk(rng, 1000, 1, np.float64), walk(rng, 900, 1, np.float64)
    assert _select.strip_vectors(x, y, *_dtw.band(1000, 900, 0, 0.0), build) == 8
    assert _select.strip_vectors(x, y, *_dtw.band(1000, 900, 2, 60), build) == 4
    assert _select.strip_vectors(x, x, *_dtw.band(1000, 1000, 2, 0), build) == 0


def test_dtw_path_uses_it(rng):
    x, y = walk(rng, 300, 1, np.float64), walk(rng, 200, 1, np.float64)
    expected_path, cost = _dtw.dtw_path(x, y, *_dtw.band(300, 200, 0, 0.0))
    assert dtw_path(x, y) == (expected_path, math.sqrt(cost))


def test_dtw_uses_it(rng):
    x, y = walk(rng, 300, 1, np.float64), walk(rng, 200, 1, np.float64)
    expected = math.sqrt(_dtw.dtw_value(x, y, *_dtw.band(300, 200, 0, 0.0)))
    assert dtw(x, y) == expected
    assert dtw(x.astype(np.float32), y.astype(np.float32)) == math.sqrt(
        _dtw.dtw_value(x.astype(np.float32), y.astype(np.float32), *_dtw.band(300, 200, 0, 0.0))
    )
