"""Subsequence DTW: accumulated matrix, paths, best match, value, and search."""

import inspect
import math
import sys

import numpy as np
import pytest
from conftest import interrupt_child
from oracles import accumulated_naive, sakoe_chiba_naive, squared_costs, warping_paths

from tswarp.metrics import (
    dtw_subsequence,
    dtw_subsequence_path,
    subsequence_cost_matrix,
    subsequence_path,
    subsequence_search,
)
from tswarp.metrics._subsequence import best_apart, search_costs


def subsequence_matrix_naive(x, y):
    """The textbook recurrence with row -1 at 0: a path may start at any column."""
    cost = squared_costs(x, y)
    n, m = cost.shape
    acc = np.full((n + 1, m + 1), np.inf)
    acc[0, :] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            acc[i, j] = cost[i - 1, j - 1] + min(acc[i - 1, j - 1], acc[i - 1, j], acc[i, j - 1])
    return acc[1:, 1:]


def backtrack(acc, end):
    """tslearn's rule: least of diagonal, up, left (in that order on ties); up in column 0;
    stop on row 0."""
    i, j = acc.shape[0] - 1, end
    path = [(i, j)]
    while i != 0:
        if j == 0:
            i -= 1
        else:
            step = int(np.argmin([acc[i - 1, j - 1], acc[i - 1, j], acc[i, j - 1]]))
            i, j = (i - 1, j - 1) if step == 0 else (i - 1, j) if step == 1 else (i, j - 1)
        path.append((i, j))
    return path[::-1]


def best_match_brute_force(x, y):
    """Least squared cost over every stretch y[a:b + 1] and every warping path of x against
    it that uses x's first step once (tiny inputs only)."""
    cost = squared_costs(x, y)
    n, m = cost.shape
    best = math.inf
    for a in range(m):
        for b in range(a, m):
            for path in warping_paths(n, b - a + 1):
                if sum(1 for i, _ in path if i == 0) > 1:
                    continue  # a path that idles on x[0] is a later start's path plus costs
                best = min(best, sum(cost[i, a + j] for i, j in path))
    return best


def random_pair(rng, n, m, d, integers=False):
    if integers:  # many ties
        return rng.integers(0, 3, size=(n, d)).astype(float), rng.integers(0, 3, size=(m, d)) * 1.0
    return rng.normal(size=(n, d)), np.cumsum(rng.normal(size=(m, d)), axis=0)


# --- accumulated matrix and path -------------------------------------------------------------


def test_known_values():
    acc = subsequence_cost_matrix([2, 3], [1, 2, 2, 3, 4])
    np.testing.assert_array_equal(acc, [[1, 0, 0, 1, 4], [5, 1, 1, 0, 1]])
    assert subsequence_path(acc, 3) == [(0, 2), (1, 3)]
    path, distance = dtw_subsequence_path([2, 3], [1, 2, 2, 3, 4])
    assert path == [(0, 2), (1, 3)]
    assert distance == 0.0 and type(distance) is np.float64
    assert dtw_subsequence([2, 4], [1, 2, 2, 3, 4]) == 1.0
    assert type(dtw_subsequence([2, 4], [1, 2, 2, 3, 4])) is float


@pytest.mark.parametrize("integers", [False, True])
def test_matrix_and_paths_match_naive_dp(rng, integers):
    for _ in range(60):
        n, m, d = rng.integers(1, 9), rng.integers(1, 25), rng.integers(1, 3)
        x, y = random_pair(rng, n, m, d, integers)
        expected = subsequence_matrix_naive(x, y)
        acc = subsequence_cost_matrix(x, y)
        assert acc.dtype == np.float64 and acc.shape == (n, m)
        np.testing.assert_array_equal(acc, expected)
        for end in {0, m - 1, int(rng.integers(m))}:
            assert subsequence_path(acc, end) == backtrack(expected, end)
        end = int(np.argmin(expected[-1]))
        path, distance = dtw_subsequence_path(x, y)
        assert path == backtrack(expected, end)
        assert distance == np.sqrt(expected[-1, end])
        assert dtw_subsequence(x, y) == np.sqrt(expected[-1, end])


def test_best_match_is_the_least_over_all_paths(rng):
    for _ in range(25):
        n, m = rng.integers(1, 4), rng.integers(1, 6)
        x, y = random_pair(rng, n, m, 1)
        path, distance = dtw_subsequence_path(x, y)
        assert distance**2 == pytest.approx(best_match_brute_force(x, y), rel=1e-12, abs=1e-14)
        cost = squared_costs(x, y)
        assert sum(cost[i, j] for i, j in path) == pytest.approx(distance**2, rel=1e-12)
        assert path[0][0] == 0 and path[-1][0] == n - 1


def test_path_is_dtw_path_of_the_matched_stretch(rng):
    """The path is a full warping path of the query against longseq[start:end + 1]."""
    for _ in range(30):
        x, y = random_pair(rng, rng.integers(2, 10), rng.integers(10, 60), 2)
        path, distance = dtw_subsequence_path(x, y)
        start, end = path[0][1], path[-1][1]
        stretch = accumulated_naive(x, y[start : end + 1])
        assert np.sqrt(stretch[-1, -1]) == pytest.approx(distance, rel=1e-12)
        steps = np.diff(np.array(path), axis=0)
        assert set(map(tuple, steps)) <= {(1, 1), (1, 0), (0, 1)}


def test_long_series_match_the_naive_dp(rng):
    """Many column blocks, a remainder block, and a match far from the start."""
    y = np.cumsum(rng.normal(size=(2_003, 1)), axis=0)
    x = y[1_500:1_540] + rng.normal(scale=0.1, size=(40, 1))
    path, distance = dtw_subsequence_path(x, y)
    expected = subsequence_matrix_naive(x, y)
    end = int(np.argmin(expected[-1]))
    assert path == backtrack(expected, end)
    assert distance == np.sqrt(expected[-1, end])
    assert 1_480 <= path[0][1] <= 1_520


@pytest.mark.parametrize("integers", [False, True])
def test_sweep_skipping_hopeless_rows_keeps_the_answer(rng, integers):
    """Rows that cannot beat the best end so far are skipped: ends, ties and paths stay."""
    for _ in range(10):
        y = np.cumsum(rng.normal(size=(701, 2)), axis=0)
        if integers:
            y = np.round(y / 4)
        start = int(rng.integers(600))
        x = y[start : start + 15] + (0 if integers else rng.normal(scale=0.2, size=(15, 2)))
        expected = subsequence_matrix_naive(x, y)
        end = int(np.argmin(expected[-1]))
        assert dtw_subsequence_path(x, y) == (backtrack(expected, end), np.sqrt(expected[-1, end]))


def test_query_longer_than_longseq(rng):
    x, y = rng.normal(size=(7, 1)), rng.normal(size=(3, 1))
    expected = subsequence_matrix_naive(x, y)
    end = int(np.argmin(expected[-1]))
    assert dtw_subsequence_path(x, y) == (backtrack(expected, end), np.sqrt(expected[-1, end]))


def test_matches_tslearn(rng):
    metrics = pytest.importorskip("tslearn.metrics")
    for trial in range(80):
        n, m, d = rng.integers(1, 12), rng.integers(1, 50), rng.integers(1, 4)
        x, y = random_pair(rng, n, m, d, integers=trial % 2 == 1)
        path, distance = dtw_subsequence_path(x, y)
        their_path, their_distance = metrics.dtw_subsequence_path(x, y)
        assert path == their_path
        assert distance == pytest.approx(their_distance, rel=1e-10, abs=1e-12)
        acc = subsequence_cost_matrix(x, y)
        np.testing.assert_allclose(acc, metrics.subsequence_cost_matrix(x, y), rtol=1e-10)
        end = int(rng.integers(m))
        assert subsequence_path(acc, end) == metrics.subsequence_path(acc, end)


@pytest.mark.parametrize(
    "function", [subsequence_cost_matrix, subsequence_path, dtw_subsequence_path]
)
def test_signature_is_tslearns(function):
    metrics = pytest.importorskip("tslearn.metrics")
    theirs = inspect.signature(getattr(metrics, function.__name__)).parameters
    ours = inspect.signature(function).parameters
    assert [(p.name, p.default) for p in theirs.values()] == [
        (p.name, p.default) for p in ours.values()
    ]


def test_float32_and_integer_inputs_compute_in_float64(rng):
    x, y = rng.normal(size=(6, 2)), rng.normal(size=(30, 2))
    x32, y32 = x.astype(np.float32), y.astype(np.float32)
    expected = subsequence_matrix_naive(x32.astype(np.float64), y32.astype(np.float64))
    assert subsequence_cost_matrix(x32, y32).dtype == np.float64
    np.testing.assert_array_equal(subsequence_cost_matrix(x32, y32), expected)
    assert dtw_subsequence_path(x32, y32)[1] == np.sqrt(expected[-1].min())
    assert dtw_subsequence([1, 2], [0, 1, 2, 3]) == 0.0


def test_huge_values_do_not_overflow():
    x = np.array([1e200, 2e200])
    y = np.array([0.0, 1e200, 2e200, 3e200])
    path, distance = dtw_subsequence_path(x, y)
    assert path == [(0, 1), (1, 2)] and distance == 0.0
    assert dtw_subsequence(x + 1e199, y) == pytest.approx(math.sqrt(2) * 1e199, rel=1e-12)
    path, distance = dtw_subsequence_path(x + 1e199, y)
    assert distance == pytest.approx(math.sqrt(2) * 1e199, rel=1e-12)


def test_nan_padding_is_ignored(rng):
    x, y = rng.normal(size=(5, 2)), rng.normal(size=(20, 2))
    padded_x = np.vstack([x, np.full((3, 2), np.nan)])
    padded_y = np.vstack([y, np.full((4, 2), np.nan)])
    assert dtw_subsequence_path(padded_x, padded_y) == dtw_subsequence_path(x, y)
    np.testing.assert_array_equal(
        subsequence_cost_matrix(padded_x, padded_y), subsequence_cost_matrix(x, y)
    )
    assert dtw_subsequence(padded_x, padded_y) == dtw_subsequence(x, y)


def test_inputs_are_untouched(rng):
    x, y = rng.normal(size=(5, 1)).astype(np.float32), rng.normal(size=(20, 1))
    copies = x.copy(), y.copy()
    dtw_subsequence_path(x, y)
    dtw_subsequence(x, y)
    acc = subsequence_cost_matrix(x, y)
    acc_copy = acc.copy()
    subsequence_path(acc, 3)
    subsequence_search(x, y, k=2, z_normalize=True)
    np.testing.assert_array_equal(x, copies[0])
    np.testing.assert_array_equal(y, copies[1])
    np.testing.assert_array_equal(acc, acc_copy)


@pytest.mark.parametrize(
    "function", [dtw_subsequence_path, dtw_subsequence, subsequence_cost_matrix]
)
def test_bad_series(function):
    with pytest.raises(ValueError, match="subseq"):
        function([1.0, np.nan, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="longseq"):
        function([1.0, 2.0], [1.0, np.inf, 3.0])
    with pytest.raises(ValueError, match="same number of features"):
        function([[1.0, 2.0]], [[1.0], [2.0]])
    with pytest.raises(ValueError, match="subseq"):
        function([], [1.0, 2.0])
    with pytest.raises(TypeError, match="longseq"):
        function([1.0], ["a", "b"])
    with pytest.raises(ValueError, match="subseq"):
        function(np.zeros((2, 2, 2)), [1.0, 2.0])


def test_bad_path_arguments():
    acc = subsequence_cost_matrix([2, 3], [1, 2, 2, 3, 4])
    with pytest.raises(ValueError, match="idx_path_end"):
        subsequence_path(acc, 5)
    with pytest.raises(ValueError, match="idx_path_end"):
        subsequence_path(acc, -1)
    with pytest.raises(TypeError, match="idx_path_end"):
        subsequence_path(acc, 1.5)
    with pytest.raises(ValueError, match="acc_cost_mat"):
        subsequence_path(acc[0], 1)
    with pytest.raises(ValueError, match="acc_cost_mat"):
        subsequence_path(np.zeros((0, 3)), 1)
    with pytest.raises(ValueError, match="NaN"):
        subsequence_path(np.array([[1.0, np.nan], [1.0, 2.0]]), 1)
    with pytest.raises(TypeError, match="acc_cost_mat"):
        subsequence_path(np.array([["a", "b"]]), 1)
    assert subsequence_path(acc, np.int64(3)) == [(0, 2), (1, 3)]


# --- search ----------------------------------------------------------------------------------


def z_normalized(x):
    std = x.std(axis=0)
    return (x - x.mean(axis=0)) / np.where(std > 0, std, 1.0)


def search_naive(q, y, k, exclusion, radius, z_normalize):
    """Every window's banded DTW by the textbook DP, then greedy choice by (distance, start)."""
    q = np.asarray(q, dtype=float).reshape(len(q), -1)
    y = np.asarray(y, dtype=float).reshape(len(y), -1)
    n = len(q)
    mask = sakoe_chiba_naive(n, n, radius)
    if z_normalize:
        q = z_normalized(q)
    distances = []
    for start in range(len(y) - n + 1):
        window = y[start : start + n]
        if z_normalize:
            window = z_normalized(window)
        distances.append((np.sqrt(accumulated_naive(q, window, mask)[-1, -1]), start))
    taken = []
    for distance, start in sorted(distances):
        if all(abs(start - other) >= exclusion for other, _, _ in taken):
            taken.append((start, start + n - 1, distance))
        if len(taken) == k:
            break
    return taken


def assert_same_matches(found, expected):
    assert [(s, e) for s, e, _ in found] == [(s, e) for s, e, _ in expected]
    np.testing.assert_allclose([d for *_, d in found], [d for *_, d in expected], rtol=1e-9)


@pytest.mark.parametrize("z_normalize", [False, True])
@pytest.mark.parametrize("prune", [True, False])
def test_search_matches_naive_scan(rng, z_normalize, prune):
    for _ in range(25):
        # Below 3 steps every z-normalised window is the same up to rounding: all tie.
        n, d = int(rng.integers(3 if z_normalize else 1, 9)), int(rng.integers(1, 3))
        m = int(rng.integers(n, 50))
        y = np.cumsum(rng.normal(size=(m, d)), axis=0)
        start = int(rng.integers(m - n + 1))
        q = y[start : start + n] + rng.normal(scale=0.3, size=(n, d))
        k, exclusion = int(rng.integers(1, 5)), int(rng.integers(0, 2 * n))
        radius = int(rng.integers(0, 4))
        found = subsequence_search(
            q, y, k, exclusion, radius, z_normalize=z_normalize, prune=prune
        )
        assert_same_matches(found, search_naive(q, y, k, exclusion, radius, z_normalize))
        assert all(type(s) is int and type(e) is int and type(v) is float for s, e, v in found)


def test_pruned_search_equals_exhaustive_scan(rng):
    """Realistic data, ties from integer values, and the default arguments."""
    for trial in range(40):
        n, d = int(rng.integers(2, 20)), int(rng.integers(1, 3))
        m = int(rng.integers(n, 400))
        if trial % 2:
            y = rng.integers(0, 3, size=(m, d)).astype(float)
        else:
            y = np.cumsum(rng.normal(size=(m, d)), axis=0)
        q = y[m // 3 : m // 3 + n] + rng.normal(scale=0.5, size=(min(n, m - m // 3), d))
        k, exclusion = int(rng.integers(1, 7)), int(rng.integers(0, 2 * n))
        for z_normalize in (False, True):
            arguments = dict(k=k, exclusion=exclusion, z_normalize=z_normalize)
            assert subsequence_search(q, y, **arguments) == subsequence_search(
                q, y, prune=False, **arguments
            )


def test_search_defaults_and_known_answer():
    longseq = [0, 0, 1, 2, 1, 0, 0, 5, 0, 1, 2, 1, 0]
    assert subsequence_search([1, 2, 1], longseq) == [(2, 4, 0.0)]
    assert subsequence_search([1, 2, 1], longseq, k=2) == [(2, 4, 0.0), (9, 11, 0.0)]
    # Non-overlapping by default: the windows next to the best one are left out.
    found = subsequence_search([1, 2, 1], longseq, k=3)
    assert all(abs(a[0] - b[0]) >= 3 for a in found for b in found if a is not b)
    # Without exclusion, a neighbour of a match can come next.
    assert subsequence_search([1, 2, 1], longseq, k=3, exclusion=0)[2][0] in (1, 3, 8, 10)
    # The default radius is a tenth of the query's length.
    q, y = np.sin(np.arange(30) / 3), np.sin(np.arange(200) / 2.7)
    assert subsequence_search(q, y, k=2) == subsequence_search(q, y, k=2, sakoe_chiba_radius=3)


def test_search_where_the_best_rules_out_two_good_windows():
    """The best window overlaps two good ones; the second match lies further away."""
    q = np.array([0.0, 3.0, 0.0, 3.0])
    y = np.zeros(40)
    y[1:5] = q + 0.01  # good
    y[7:11] = q + 0.01  # good
    y[4:8] = q  # best: starts 3 steps from both
    y[30:34] = q + 1.0  # the next one apart from the best
    for prune in (True, False):
        found = subsequence_search(q, y, k=2, sakoe_chiba_radius=0, prune=prune)
        assert_same_matches(found, search_naive(q, y, 2, 4, 0, False))


def test_pruned_search_skips_most_windows(rng):
    y = np.cumsum(rng.normal(size=(20_000, 1)), axis=0)
    q = y[5_000:5_064] + rng.normal(scale=0.1, size=(64, 1))
    pruned = search_costs(q, y, 6, 3, 64, False, True)
    exhaustive = search_costs(q, y, 6, 3, 64, False, False)
    assert np.isfinite(exhaustive).all()
    assert np.isfinite(pruned).sum() < len(pruned) // 20
    assert best_apart(pruned, 3, 64) == best_apart(exhaustive, 3, 64)


def test_search_returns_fewer_when_windows_do_not_fit():
    found = subsequence_search([1, 2], [1, 2, 3, 4], k=5)
    assert [s for s, _, _ in found] == [0, 2]
    assert len(subsequence_search([1, 2], [1, 2, 3, 4], k=5, exclusion=10)) == 1
    assert subsequence_search([1, 2, 3], [1, 2, 3]) == [(0, 2, 0.0)]


def test_search_finds_a_planted_pattern_in_a_long_series(rng):
    y = np.cumsum(rng.normal(size=20_000))
    q = y[12_345 : 12_345 + 64] + rng.normal(scale=0.01, size=64)
    best = subsequence_search(q, y, k=3)
    assert best[0][:2] == (12_345, 12_408)
    assert best == subsequence_search(q, y, k=3, prune=False)
    scaled = subsequence_search(3 * q + 7, y, k=3, z_normalize=True)
    assert scaled[0][:2] == (12_345, 12_408)
    assert scaled == subsequence_search(3 * q + 7, y, k=3, z_normalize=True, prune=False)


def test_search_normalises_a_quiet_window_far_from_the_rest(rng):
    """A small pattern at a large offset, after large excursions, keeps its shape."""
    y = np.cumsum(rng.normal(size=20_000)) * 1_000.0
    shape = np.sin(np.arange(32) / 3.0)
    y[15_000:15_032] = 5e6 + 1e-3 * shape
    start, end, distance = subsequence_search(shape, y, z_normalize=True)[0]
    assert (start, end) == (15_000, 15_031)
    assert distance < 1e-4  # the data hold the shape to about 1e-6 of its amplitude


def test_search_constant_windows_are_zeros_when_normalised():
    y = np.r_[np.zeros(10), np.arange(10.0), np.full(10, 3.0)]
    found = subsequence_search(np.full(4, 5.0), y, k=1, z_normalize=True)
    assert found[0][2] == 0.0 and found[0][0] in range(7)


def test_search_nan_padding(rng):
    y = np.cumsum(rng.normal(size=(100, 2)), axis=0)
    q = y[40:50] + 0.1
    padded = np.vstack([y, np.full((5, 2), np.nan)])
    assert subsequence_search(q, padded, k=3) == subsequence_search(q, y, k=3)


def test_search_huge_k_and_exclusion():
    y = np.sin(np.arange(50.0))
    assert subsequence_search(y[:5], y, k=10**30, exclusion=10**30) == subsequence_search(
        y[:5], y, k=1
    )
    assert len(subsequence_search(y[:5], y, k=10**30, exclusion=0)) == 46


def test_search_bad_arguments():
    y = np.arange(20.0)
    with pytest.raises(ValueError, match="longer than longseq"):
        subsequence_search(np.arange(21.0), y)
    with pytest.raises(ValueError, match="k must be >= 1"):
        subsequence_search([1, 2], y, k=0)
    with pytest.raises(TypeError, match="k must be an integer"):
        subsequence_search([1, 2], y, k=1.5)
    with pytest.raises(ValueError, match="exclusion must be >= 0"):
        subsequence_search([1, 2], y, exclusion=-1)
    with pytest.raises(TypeError, match="exclusion"):
        subsequence_search([1, 2], y, exclusion="3")
    with pytest.raises(ValueError, match="sakoe_chiba_radius"):
        subsequence_search([1, 2], y, sakoe_chiba_radius=-1)
    with pytest.raises(TypeError, match="z_normalize"):
        subsequence_search([1, 2], y, z_normalize="yes")
    with pytest.raises(TypeError, match="prune"):
        subsequence_search([1, 2], y, prune=None)
    with pytest.raises(ValueError, match="query"):
        subsequence_search([1, np.nan, 2], y)
    with pytest.raises(ValueError, match="same number of features"):
        subsequence_search([[1, 2]], y)


# --- Ctrl-C ----------------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize(
    "call",
    [
        "dtw_subsequence(np.ones(5000), np.zeros(1_000_000))",  # no cell can be pruned
        "dtw_subsequence_path(np.ones(5000), np.zeros(1_000_000))",
        "subsequence_search(x[:2000], x, sakoe_chiba_radius=2000, prune=False)",
    ],
)
def test_long_calls_stop_on_ctrl_c(call):
    code = (
        "import numpy as np\n"
        "from tswarp.metrics import dtw_subsequence, dtw_subsequence_path, "
        "subsequence_search\n"
        "x = np.cumsum(np.random.default_rng(0).normal(size=1_000_000))\n"
        "print('started', flush=True)\n"
        f"try:\n    {call}\n"
        "except KeyboardInterrupt:\n    print('interrupted', flush=True)\n"
    )
    out, seconds = interrupt_child(code)
    assert "interrupted" in out
    assert seconds < 2.0
