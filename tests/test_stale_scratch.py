"""The row kernels never read scratch memory that they have not written.

Their two DP rows come from ``np.empty``. A block of four rows reads the row before up to
the band of its own last row, beyond the padding that the row before wrote; the rows must
hold +inf there from the start, or whatever the memory held (NaN and -inf poison the
minima) changes the result. Freed memory of the scratch's sizes is filled with NaN and
-inf before each call, so that the allocator hands it back, and results are compared with
the textbook DP. The kernels are called directly: the metrics pick the SIMD kernels for
most shapes.
"""

import numpy as np
import pytest
from oracles import accumulated_naive, frechet_accumulated_naive, itakura_naive, sakoe_chiba_naive

from tswarp._kernels import _dtw, _frechet

# (code, parameter) of the kernels' band, and the oracle's mask of it.
BANDS = [(1, 2.0, itakura_naive), (1, 3.0, itakura_naive), (2, 5, sakoe_chiba_naive)]


def poison_freed_memory(m, dtype):
    """Allocate and free blocks of k * (m + 1) values (the kernels' scratch sizes) filled
    with -inf, then NaN, so that the next allocations of those sizes get them back."""
    for fill in (-np.inf, np.nan):
        blocks = [np.full(k * (m + 1), fill, dtype=dtype) for k in range(1, 9)]
        del blocks


def banded_cases(rng, dtype, count):
    """(x, y, lo, hi, mask): random walks of 20 to 180 steps within each band that fits."""
    for _ in range(count):
        n, m = (int(v) for v in rng.integers(20, 180, size=2))
        x = np.cumsum(rng.normal(size=(n, 1)), axis=0).astype(dtype)
        y = np.cumsum(rng.normal(size=(m, 1)), axis=0).astype(dtype)
        for code, parameter, naive_mask in BANDS:
            limits = _dtw.band(n, m, code, parameter)
            if limits is not None:
                yield x, y, *limits, naive_mask(n, m, parameter)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtw_kernel_ignores_what_memory_held(rng, dtype):
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    for x, y, lo, hi, mask in banded_cases(rng, dtype, count=12):
        expected = accumulated_naive(x.astype(np.float64), y.astype(np.float64), mask)[-1, -1]
        poison_freed_memory(len(y), dtype)
        assert _dtw.dtw_value(x, y, lo, hi) == pytest.approx(expected, rel=tolerance)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_frechet_kernel_ignores_what_memory_held(rng, dtype):
    tolerance = 1e-6 if dtype == np.float32 else 1e-14
    for x, y, lo, hi, mask in banded_cases(rng, dtype, count=6):
        squared = frechet_accumulated_naive(x.astype(np.float64), y.astype(np.float64), mask)
        poison_freed_memory(len(y), dtype)
        assert _frechet.frechet_value(x, y, lo, hi) == pytest.approx(
            squared[-1, -1], rel=tolerance
        )


def test_dba_step_of_an_overflowed_series_reads_no_stale_directions():
    # Squared costs past float64 tie every cell, and the backtrack stepped out of the band
    # onto direction bytes never written: the sums depended on what the memory held.
    # Such a series now adds nothing, on every build (the public functions rescale first).
    from tswarp._kernels import _dba, _select, _simd

    rng = np.random.default_rng(0)
    size, m = 10, 20
    barycenter = rng.normal(size=(size, 1)) * 1e150
    X = rng.normal(size=(1, m, 1)) * -1e200
    for build in [_select.build_index(name) for name in _simd.available()]:
        for vectors in (0, 2):
            for fill in (0, 1, 2):
                blocks = [np.full(m * m, fill, dtype=np.uint8) for _ in range(4)]
                del blocks
                sums, counts, costs = np.zeros((1, size, 1)), np.zeros((1, size)), np.zeros(1)
                _dba.dba_accumulate(
                    X, np.array([m], dtype=np.intp), barycenter, np.ones(1), 1, 2.0, False,
                    sums, counts, costs, 1, build, vectors,
                )  # fmt: skip
                assert costs[0] == np.inf
                assert not counts.any() and not sums.any(), (build, vectors, fill)
