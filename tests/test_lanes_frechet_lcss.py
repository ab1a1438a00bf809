"""The lane kernels of cdist_frechet and cdist_lcss: every build equals the scalar kernel bit
for bit, and both equal naive dynamic programs."""

import functools
import os
import subprocess
import sys

import numpy as np
import pytest

from tswarp._constraints import parse_constraint
from tswarp._kernels import _frechet, _lcss, _select, _simd
from tswarp.metrics import cdist_frechet, cdist_lcss, compute_mask, lcss
from tswarp.metrics._inputs import to_dataset_pair
from tswarp.metrics._lcss import squared_threshold
from tswarp.metrics._pairwise import all_pairs, pairwise_matrix

CONSTRAINTS = [
    pytest.param({}, id="none"),
    pytest.param({"sakoe_chiba_radius": 0}, id="sakoe0"),
    pytest.param({"sakoe_chiba_radius": 3}, id="sakoe3"),
    pytest.param({"itakura_max_slope": 2.5}, id="itakura"),
]
FAMILIES = ["frechet", "lcss"]
# LCSS matches steps within this Euclidean distance: about half the steps of the walks below.
EPS = 0.8


@pytest.fixture(params=_simd.available())
def build(request):
    """Each build this CPU runs, by index, in turn (the baseline always among them)."""
    return _select.build_index(request.param)


def constraint_code(constraint):
    return parse_constraint(
        None, constraint.get("sakoe_chiba_radius"), constraint.get("itakura_max_slope")
    )


def kernel_arguments(family, constraint):
    """(code, parameter), and LCSS's squared threshold after them."""
    code, parameter = constraint_code(constraint)
    return (code, parameter) if family == "frechet" else (code, parameter, squared_threshold(EPS))


def build_cdist(family, build, dataset1, dataset2=None, n_jobs=None, **constraint):
    """The matrix from the kernels that the chooser picks on ``build``."""
    first, second = to_dataset_pair(dataset1, dataset2)
    pairs = _select.frechet_pairs if family == "frechet" else _select.lcss_pairs
    return pairwise_matrix(
        functools.partial(pairs, build=build), first, second,
        kernel_arguments(family, constraint), symmetric=dataset2 is None,
        with_diagonal=False, n_jobs=n_jobs,
    )  # fmt: skip


def scalar_cdist(family, dataset1, dataset2, **constraint):
    """The full (n1, n2) matrix from the family's scalar kernel, one pair at a time."""
    (X, x_lengths), (Y, y_lengths) = to_dataset_pair(dataset1, dataset2)
    rows, cols = all_pairs(len(x_lengths), len(y_lengths), False, False)
    out = np.empty(len(rows))
    pairs = _frechet.frechet_pairs if family == "frechet" else _lcss.lcss_pairs
    pairs(X, x_lengths, Y, y_lengths, rows, cols, *kernel_arguments(family, constraint), out, 1)
    return out.reshape(len(x_lengths), len(y_lengths))


def ragged_walks(rng, n, lengths, d, dtype):
    """NaN-padded random walks whose lengths are drawn from ``lengths``."""
    walks = np.cumsum(rng.normal(size=(n, max(lengths), d)), axis=1).astype(dtype)
    for walk, length in zip(walks, rng.choice(lengths, size=n), strict=True):
        walk[length:] = np.nan
    return walks


# --- naive dynamic programs, cell by cell --------------------------------------------------


def frechet_naive(x, y, mask):
    n, m = len(x), len(y)
    acc = np.full((n + 1, m + 1), np.inf)
    acc[0, 0] = 0.0
    for i in range(n):
        for j in range(m):
            if mask[i, j]:
                best = min(acc[i, j], acc[i, j + 1], acc[i + 1, j])
                acc[i + 1, j + 1] = max(float(np.sum((x[i] - y[j]) ** 2)), best)
    return float(np.sqrt(acc[n, m]))


def lcss_naive(x, y, mask, eps=EPS):
    n, m = len(x), len(y)
    table = np.zeros((n + 1, m + 1), dtype=int)
    for i in range(n):
        for j in range(m):
            if not mask[i, j]:
                continue
            if np.sqrt(np.sum((x[i] - y[j]) ** 2)) <= eps:
                table[i + 1, j + 1] = table[i, j] + 1
            else:
                table[i + 1, j + 1] = max(table[i, j + 1], table[i + 1, j])
    return table[n, m] / min(n, m)


# --- every build against the scalar kernel -------------------------------------------------


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("constraint", CONSTRAINTS)
@pytest.mark.parametrize("d", [1, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_build_equals_the_scalar_kernel(rng, family, build, constraint, d, dtype):
    X = ragged_walks(rng, 41, [13, 16, 17, 20], d, dtype)
    Y = ragged_walks(rng, 19, [14, 16, 20], d, dtype)
    got = build_cdist(family, build, X, Y, **constraint)
    assert np.array_equal(got, scalar_cdist(family, X, Y, **constraint))
    own = build_cdist(family, build, X, **constraint)
    expected = scalar_cdist(family, X, X, **constraint)
    upper = np.triu_indices(len(X), 1)
    assert np.array_equal(own[upper], expected[upper])
    assert np.array_equal(own, own.T)


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_equal_lengths_long_series_and_threads(rng, family, build, dtype):
    X = np.cumsum(rng.normal(size=(30, 90, 2)), axis=1).astype(dtype)
    for constraint in ({}, {"sakoe_chiba_radius": 7}, {"itakura_max_slope": 3.0}):
        expected = scalar_cdist(family, X, X, **constraint)
        np.fill_diagonal(expected, 0.0)
        for n_jobs in (1, 2):
            got = build_cdist(family, build, X, n_jobs=n_jobs, **constraint)
            assert np.array_equal(got, expected)


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_group_of_mixed_lengths(rng, family, build, dtype):
    # Lengths may differ within a group: any without a constraint, down to single-step
    # series, and those with equal sz2 - sz1 under a Sakoe-Chiba band. LCSS groups run on
    # float64 data, as the chooser gives them.
    lane_dtype = np.float64 if family == "lcss" else dtype
    lanes = _simd.group_size(build, lane_dtype)
    kernel_family = _simd.FRECHET if family == "frechet" else _simd.LCSS
    threshold = squared_threshold(EPS) if family == "lcss" else 0.0
    for code, x_sizes, shift in [(0, [1, 2, 5, 31], None), (2, [6, 9, 30], 4)]:
        X = ragged_walks(rng, lanes, x_sizes, 3, dtype)
        (X, x_lengths), _ = to_dataset_pair(X, None)
        y_sizes = rng.choice([1, 3, 8, 29], size=lanes) if shift is None else x_lengths + shift
        Y = ragged_walks(rng, lanes, [max(y_sizes)], 3, dtype)
        y_lengths = np.asarray(y_sizes, dtype=np.intp)
        rows = np.arange(lanes)
        got, expected = np.empty(lanes), np.empty(lanes)
        X64, Y64 = X.astype(lane_dtype), Y.astype(lane_dtype)
        _simd.groups(build, kernel_family, X64, x_lengths, Y64, y_lengths, rows, rows, code, 2,
                     threshold, got, 1)  # fmt: skip
        if family == "frechet":
            _frechet.frechet_pairs(X, x_lengths, Y, y_lengths, rows, rows, code, 2, expected, 1)
        else:
            _lcss.lcss_pairs(X, x_lengths, Y, y_lengths, rows, rows, code, 2, threshold,
                             expected, 1)  # fmt: skip
        assert np.array_equal(got, expected)


def test_lcss_lane_kernel_takes_float64_only(build):
    X = np.zeros((8, 5, 1), dtype=np.float32)
    lengths, rows = np.full(8, 5, dtype=np.intp), np.arange(8)
    with pytest.raises(TypeError, match="float64 data only"):
        _simd.groups(build, _simd.LCSS, X, lengths, X, lengths, rows, rows, 0, 0, 1.0,
                     np.empty(8), 1)  # fmt: skip


# --- the public functions, through the lanes, against naive dynamic programs ---------------


@pytest.mark.parametrize("constraint", CONSTRAINTS)
def test_cdist_frechet_and_lcss_match_naive_dp(rng, constraint):
    # 24 series of two lengths: enough pairs of each length pair to fill lane groups.
    series = [np.cumsum(rng.normal(size=(n, 2)), axis=0) for n in [11] * 12 + [14] * 12]
    masks = {(n, m): compute_mask(n, m, **constraint) for n in (11, 14) for m in (11, 14)}
    for function, naive in ((cdist_frechet, frechet_naive), (cdist_lcss, lcss_naive)):
        keywords = {"eps": EPS} if function is cdist_lcss else {}
        matrix = function(series, **keywords, **constraint)
        expected = [[naive(a, b, masks[len(a), len(b)]) for b in series] for a in series]
        if function is cdist_lcss:
            np.testing.assert_array_equal(matrix, expected)
        else:
            np.testing.assert_allclose(matrix, expected, rtol=1e-12, atol=0)


def test_lcss_steps_exactly_eps_apart_match():
    # Integer steps: many pairs are exactly eps = 1 apart, which is a match.
    rng = np.random.default_rng(3)
    X = rng.integers(0, 4, size=(20, 15)).astype(np.float64)
    mask = np.ones((15, 15), dtype=bool)
    expected = [[lcss_naive(a, b, mask, eps=1.0) for b in X] for a in X]
    np.testing.assert_array_equal(cdist_lcss(X, eps=1.0), expected)
    np.testing.assert_array_equal(cdist_lcss(X.astype(np.float32), eps=1.0), expected)


def test_float32_frechet_overflow_is_redone_in_lanes(rng):
    # Squared costs past the float32 range: the lanes give inf, the pairs are redone exactly.
    X = (np.cumsum(rng.normal(size=(12, 16)), axis=1) * 1e19).astype(np.float32)
    matrix = cdist_frechet(X)
    assert np.isfinite(matrix).all()
    np.testing.assert_allclose(matrix, cdist_frechet(X.astype(np.float64)), rtol=1e-6)


# --- TSWARP_SIMD forces the build of these kernels too -------------------------------------


@pytest.mark.parametrize("name", _simd.available())
def test_environment_variable_forces_the_build(name):
    code = (
        "import numpy as np\n"
        "from tswarp._kernels import _select\n"
        "from tswarp.metrics import cdist_frechet, cdist_lcss\n"
        "print(_select.variant())\n"
        "X = np.cumsum(np.random.default_rng(0).normal(size=(20, 30)), axis=1)\n"
        "print(cdist_frechet(X).tobytes().hex())\n"
        f"print(cdist_lcss(X, eps={EPS}).tobytes().hex())\n"
    )
    env = dict(os.environ, TSWARP_SIMD=name)
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    variant, frechet_hex, lcss_hex = result.stdout.split()
    assert variant == name
    X = np.cumsum(np.random.default_rng(0).normal(size=(20, 30)), axis=1)
    for family, got in (("frechet", frechet_hex), ("lcss", lcss_hex)):
        expected = scalar_cdist(family, X, X)
        np.fill_diagonal(expected, 0.0 if family == "frechet" else 1.0)
        assert got == expected.tobytes().hex()


# --- the scalar LCSS value kernel: rows four at a time, the rest one by one ----------------


@pytest.mark.parametrize("constraint", CONSTRAINTS)
@pytest.mark.parametrize("d", [1, 3])
def test_lcss_value_kernel_matches_naive_dp_at_every_length(rng, constraint, d):
    # From 2 steps: a single step of d > 1 values reads as a warning about the time axis.
    for n in range(2, 11):
        for m in (n, n + 3, max(2, n - 2)):
            try:
                mask = compute_mask(n, m, **constraint)
            except ValueError:
                continue
            x, y = rng.normal(size=(n, d)), rng.normal(size=(m, d))
            expected = lcss_naive(x, y, mask)
            assert lcss(x, y, eps=EPS, **constraint) == expected
            assert lcss(x.astype(np.float32), y.astype(np.float32), eps=EPS, **constraint) == (
                lcss_naive(x.astype(np.float32), y.astype(np.float32), mask)
            )
