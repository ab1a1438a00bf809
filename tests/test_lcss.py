"""LCSS similarity: scores, matched pairs, from a metric, and the pairwise matrix."""

import itertools
import math
import subprocess
import sys

import numpy as np
import pytest
from conftest import interrupt_child

from tswarp.metrics import (
    InfeasibleConstraintError,
    cdist_lcss,
    compute_mask,
    lcss,
    lcss_accumulated_matrix,
    lcss_accumulated_matrix_from_dist_matrix,
    lcss_path,
    lcss_path_from_metric,
)
from tswarp.metrics._lcss import squared_threshold

CONSTRAINTS = [
    {},
    {"sakoe_chiba_radius": 0},
    {"sakoe_chiba_radius": 2},
    {"global_constraint": "itakura", "itakura_max_slope": 3.0},
]


def as_2d(series):
    series = np.asarray(series, dtype=np.float64)
    return series[:, None] if series.ndim == 1 else series


def lcss_table_naive(x, y, eps, mask=None):
    """tslearn's definition, cell by cell: zero border, zero outside the mask."""
    x, y = as_2d(x), as_2d(y)
    n, m = len(x), len(y)
    mask = np.ones((n, m), dtype=bool) if mask is None else mask
    table = np.zeros((n + 1, m + 1), dtype=int)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            if not mask[i - 1, j - 1]:
                continue
            if np.sqrt(np.sum((x[i - 1] - y[j - 1]) ** 2)) <= eps:
                table[i, j] = table[i - 1, j - 1] + 1
            else:
                table[i, j] = max(table[i - 1, j], table[i, j - 1])
    return table


def lcss_naive(x, y, eps, mask=None):
    return lcss_table_naive(x, y, eps, mask)[-1, -1] / min(len(x), len(y))


def lcss_brute_force(x, y, eps):
    """The longest run of index pairs, increasing in both series, that all match."""
    x, y = as_2d(x), as_2d(y)
    for k in range(min(len(x), len(y)), 0, -1):
        for rows in itertools.combinations(range(len(x)), k):
            for cols in itertools.combinations(range(len(y)), k):
                if all(
                    np.linalg.norm(x[i] - y[j]) <= eps for i, j in zip(rows, cols, strict=True)
                ):
                    return k / min(len(x), len(y))
    return 0.0


def random_pair(rng, n, m, d=1):
    shape = (lambda k: (k,)) if d == 1 else (lambda k: (k, d))
    return rng.normal(size=shape(n)), rng.normal(size=shape(m))


@pytest.mark.parametrize("seed", range(20))
def test_lcss_matches_brute_force_on_tiny_series(seed):
    rng = np.random.default_rng(seed)
    x, y = random_pair(rng, rng.integers(1, 5), rng.integers(1, 5))
    assert lcss(x, y, eps=0.7) == pytest.approx(lcss_brute_force(x, y, 0.7), abs=0)


@pytest.mark.parametrize("constraint", CONSTRAINTS)
@pytest.mark.parametrize("d", [1, 3])
def test_lcss_and_path_match_naive_dp(constraint, d):
    rng = np.random.default_rng(d)
    for _ in range(10):
        x, y = random_pair(rng, rng.integers(5, 15), rng.integers(5, 15), d)
        mask = compute_mask(x, y, **constraint)
        expected = lcss_naive(x, y, 0.8, mask)
        assert lcss(x, y, eps=0.8, **constraint) == expected
        path, score = lcss_path(x, y, eps=0.8, **constraint)
        assert score == expected
        assert len(path) == round(expected * min(len(x), len(y)))
        for (i, j), (next_i, next_j) in itertools.pairwise(path):
            assert next_i > i and next_j > j
        for i, j in path:
            assert mask[i, j]
            assert np.linalg.norm(as_2d(x)[i] - as_2d(y)[j]) <= 0.8


@pytest.mark.parametrize("constraint", CONSTRAINTS)
@pytest.mark.parametrize("d", [1, 2])
def test_agrees_with_tslearn(constraint, d):
    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    rng = np.random.default_rng(10 + d)
    for _ in range(10):
        x, y = random_pair(rng, rng.integers(8, 15), rng.integers(8, 15), d)
        assert lcss(x, y, eps=0.6, **constraint) == tslearn_metrics.lcss(
            x, y, eps=0.6, **constraint
        )
        if not constraint:  # tslearn's walk can loop forever outside a band
            assert lcss_path(x, y, eps=0.6) == tslearn_metrics.lcss_path(x, y, eps=0.6)
            ours = lcss_path_from_metric(x, y, eps=0.6, metric="cityblock")
            theirs = tslearn_metrics.lcss_path_from_metric(x, y, eps=0.6, metric="cityblock")
            assert ours == theirs


@pytest.mark.parametrize("d", [1, 3])
@pytest.mark.parametrize("constraint", CONSTRAINTS)
def test_accumulated_matrix_matches_naive_table(constraint, d):
    rng = np.random.default_rng(len(constraint) + d)
    x, y = random_pair(rng, 9, 12, d)
    mask = compute_mask(9, 12, **constraint)
    expected = lcss_table_naive(x, y, 0.8, mask)
    table = lcss_accumulated_matrix(x, y, 0.8, mask)
    assert table.dtype == np.int64
    np.testing.assert_array_equal(table, expected)
    distances = np.sqrt(((as_2d(x)[:, None] - as_2d(y)[None]) ** 2).sum(-1))
    np.testing.assert_array_equal(
        lcss_accumulated_matrix_from_dist_matrix(distances, 0.8, mask), expected
    )
    assert table[-1, -1] / 9 == lcss(x, y, 0.8, **constraint)


def test_accumulated_matrix_under_any_mask():
    # tslearn's helpers take any mask, a band or not: its cells outside count 0.
    rng = np.random.default_rng(3)
    x, y = random_pair(rng, 7, 6)
    mask = rng.random((7, 6)) < 0.6
    np.testing.assert_array_equal(
        lcss_accumulated_matrix(x, y, 1.0, mask), lcss_table_naive(x, y, 1.0, mask)
    )


def test_accumulated_matrix_bad_arguments():
    mask = np.ones((3, 2), dtype=bool)
    with pytest.raises(ValueError, match=r"mask must have shape \(sz1, sz2\) = \(3, 2\)"):
        lcss_accumulated_matrix([1.0, 2.0, 3.0], [1.0, 2.0], 1.0, mask.T)
    with pytest.raises(ValueError, match="eps must be >= 0"):
        lcss_accumulated_matrix([1.0, 2.0, 3.0], [1.0, 2.0], -1.0, mask)
    with pytest.raises(ValueError, match="s2 is empty"):
        lcss_accumulated_matrix([1.0, 2.0, 3.0], [], 1.0, mask)
    with pytest.raises(ValueError, match="dist_matrix must not hold NaN"):
        lcss_accumulated_matrix_from_dist_matrix([[0.0, np.nan]], 1.0, [[True, True]])
    with pytest.raises(ValueError, match="dist_matrix must be a non-empty"):
        lcss_accumulated_matrix_from_dist_matrix([0.0, 1.0], 1.0, [True, True])
    with pytest.raises(TypeError, match="dist_matrix must hold real numbers"):
        lcss_accumulated_matrix_from_dist_matrix([["a"]], 1.0, [[True]])


def test_accumulated_matrix_agrees_with_tslearn():
    dtw_variants = pytest.importorskip("tslearn.metrics.dtw_variants")
    rng = np.random.default_rng(5)
    x, y = random_pair(rng, 8, 10, 2)
    mask = compute_mask(8, 10, sakoe_chiba_radius=2)
    np.testing.assert_array_equal(
        lcss_accumulated_matrix(x, y, 0.9, mask),
        dtw_variants.lcss_accumulated_matrix(x, y, 0.9, mask),
    )
    costs = rng.random((4, 5))
    np.testing.assert_array_equal(
        lcss_accumulated_matrix_from_dist_matrix(costs, 0.5, np.ones((4, 5), dtype=bool)),
        dtw_variants.lcss_accumulated_matrix_from_dist_matrix(
            costs, 0.5, np.ones((4, 5), dtype=bool)
        ),
    )


def test_path_under_a_band_ends_where_no_match_is_left():
    # tslearn's own walk never ends here: it steps into a cell outside the band and stays.
    code = (
        "import numpy as np\n"
        "from tswarp.metrics import lcss_path\n"
        "rng = np.random.default_rng(0)\n"
        "print(lcss_path(rng.normal(size=7), rng.normal(size=9), global_constraint='itakura'))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], timeout=60, capture_output=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == b"([], 0.0)"


def test_a_distance_equal_to_eps_matches():
    assert lcss([0.0], [1.0], eps=1.0) == 1.0
    assert lcss([0.0], [0.3], eps=0.3) == 1.0
    assert lcss([0.0], [np.nextafter(0.3, 1)], eps=0.3) == 0.0
    assert lcss([0.0, 0.0], [0.0, 5.0], eps=0) == 0.5


@pytest.mark.parametrize("eps", [0.0, 0.1, 0.3, 1.0, 1e-200, 3.7e150, 1e300, math.inf])
def test_squared_threshold_is_the_largest_square_below_eps(eps):
    threshold = squared_threshold(eps)
    assert math.sqrt(threshold) <= eps
    if threshold < math.inf:
        assert math.sqrt(math.nextafter(threshold, math.inf)) > eps


def test_float32_and_padding():
    x = np.array([1, 2, 3, np.nan], dtype=np.float32)
    y = np.array([1.0, 2.5, 3.0])
    assert lcss(x, y, eps=0.4) == lcss_naive([1, 2, 3], y, 0.4)


def test_from_metric_precomputed_and_callable():
    costs = np.array([[0.0, 5.0, 5.0], [5.0, 5.0, 0.5]])
    assert lcss_path_from_metric(costs, metric="precomputed", eps=0.5) == ([(0, 0), (1, 2)], 1.0)
    assert lcss_path_from_metric(costs, metric="precomputed", eps=0.4) == ([(0, 0)], 0.5)

    def cityblock(a, b):
        return np.abs(a - b).sum()

    x, y = random_pair(np.random.default_rng(3), 8, 6, 2)
    path, score = lcss_path_from_metric(x, y, eps=1.0, metric=cityblock)
    table = np.abs(x[:, None, :] - y[None, :, :]).sum(-1)
    expected = lcss_path_from_metric(table, metric="precomputed", eps=1.0)
    assert (path, score) == expected
    assert score == _naive_from_costs(table, 1.0)
    with pytest.raises(ValueError, match="s2 must be None"):
        lcss_path_from_metric(costs, costs, metric="precomputed")


def _naive_from_costs(costs, eps):
    n, m = costs.shape
    table = np.zeros((n + 1, m + 1), dtype=int)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            if costs[i - 1, j - 1] <= eps:
                table[i, j] = table[i - 1, j - 1] + 1
            else:
                table[i, j] = max(table[i - 1, j], table[i, j - 1])
    return table[-1, -1] / min(n, m)


@pytest.mark.parametrize("constraint", CONSTRAINTS)
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_cdist_matches_pair_by_pair(constraint, n_jobs):
    rng = np.random.default_rng(7)
    first = [rng.normal(size=(rng.integers(6, 12), 2)) for _ in range(5)]
    second = [rng.normal(size=(rng.integers(6, 12), 2)) for _ in range(4)]
    matrix = cdist_lcss(first, second, eps=0.9, n_jobs=n_jobs, **constraint)
    expected = [
        [lcss_naive(a, b, 0.9, compute_mask(a, b, **constraint)) for b in second] for a in first
    ]
    np.testing.assert_array_equal(matrix, expected)
    symmetric = cdist_lcss(first, eps=0.9, n_jobs=n_jobs, **constraint)
    expected = [
        [lcss_naive(a, b, 0.9, compute_mask(a, b, **constraint)) for b in first] for a in first
    ]
    np.testing.assert_array_equal(symmetric, expected)
    assert cdist_lcss(first, eps=0.9, dtype=np.float32).dtype == np.float32


def test_cdist_of_an_infeasible_pair_raises():
    with pytest.raises(InfeasibleConstraintError, match="itakura"):
        cdist_lcss([[1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 2.0]], itakura_max_slope=2.0)


@pytest.mark.parametrize(
    ("eps", "error", "message"),
    [
        (-1.0, ValueError, "eps must be >= 0"),
        ("1", TypeError, "eps must be a real"),
        (math.nan, TypeError, "eps must be a real"),
        (True, TypeError, "eps must be a real"),
    ],
)
def test_bad_eps(eps, error, message):
    for call in (
        lambda: lcss([1.0], [1.0], eps=eps),
        lambda: lcss_path([1.0], [1.0], eps=eps),
        lambda: lcss_path_from_metric([1.0], [1.0], eps=eps),
        lambda: cdist_lcss([[1.0]], eps=eps),
    ):
        with pytest.raises(error, match=message):
            call()


def test_bad_series_and_constraints():
    with pytest.raises(ValueError):
        lcss([1.0, np.nan, 2.0], [1.0])
    with pytest.raises(ValueError):
        lcss(np.ones((2, 2)), np.ones((2, 3)))
    with pytest.raises(ValueError):
        lcss([1.0], [1.0], sakoe_chiba_radius=-1)
    x = np.array([1.0, 2.0, 3.0])
    lcss(x, x.copy())
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])


def test_tensors_give_numpy_results():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x, y = random_pair(rng, 9, 7, 2)
    tx = torch.tensor(x, requires_grad=True)
    ty = torch.tensor(y)
    assert lcss(tx, ty, eps=0.9) == lcss_naive(x, y, 0.9)
    assert lcss_path(tx, ty, eps=0.9) == lcss_path(x, y, eps=0.9)
    assert lcss_path_from_metric(tx, ty, eps=0.9) == lcss_path_from_metric(x, y, eps=0.9)
    matrix = cdist_lcss([tx, ty], eps=0.9)
    assert isinstance(matrix, torch.Tensor) and matrix.device == tx.device
    expected = [[1.0, lcss_naive(x, y, 0.9)], [lcss_naive(x, y, 0.9), 1.0]]
    np.testing.assert_array_equal(matrix.numpy(), expected)
    np.testing.assert_array_equal(cdist_lcss(torch.tensor(x[None]), eps=0.9).numpy(), [[1.0]])


def test_accumulated_matrix_of_tensors():
    torch = pytest.importorskip("torch")
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    table = lcss_accumulated_matrix(x, torch.tensor([1.0, 3.0]), 0.5, compute_mask(3, 2))
    assert isinstance(table, torch.Tensor) and table.dtype == torch.int64
    np.testing.assert_array_equal(table.numpy(), [[0, 0, 0], [0, 1, 1], [0, 1, 1], [0, 1, 2]])
    costs = torch.tensor([[0.0, 5.0], [5.0, 0.5]])
    table = lcss_accumulated_matrix_from_dist_matrix(costs, 1.0, torch.ones(2, 2, dtype=bool))
    assert isinstance(table, torch.Tensor) and table[-1, -1].item() == 2


def test_agrees_with_tslearn_on_tensors():
    torch = pytest.importorskip("torch")
    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    x, y = random_pair(np.random.default_rng(6), 8, 10)
    tx, ty = torch.tensor(x), torch.tensor(y)
    assert lcss(tx, ty, eps=0.5) == tslearn_metrics.lcss(tx, ty, eps=0.5)
    assert lcss_path(tx, ty, eps=0.5) == tslearn_metrics.lcss_path(tx, ty, eps=0.5)


def stops_on_ctrl_c(call):
    """Run ``call`` (code using x) in a child, send SIGINT, and check that it stops quickly."""
    code = (
        "import numpy as np\n"
        "from tswarp.metrics import cdist_lcss, lcss\n"
        "x = np.random.default_rng(0).normal(size=60_000)\n"
        "print('started', flush=True)\n"
        f"try:\n    {call}\n"
        "except KeyboardInterrupt:\n    print('interrupted', flush=True)\n"
    )
    out, seconds = interrupt_child(code)
    assert "interrupted" in out
    assert seconds < 2.0


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_long_pair_stops_on_ctrl_c():
    stops_on_ctrl_c("lcss(x, x[::-1], eps=0.01)")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_long_cdist_stops_on_ctrl_c():
    stops_on_ctrl_c("cdist_lcss([x, x[::-1], x[::2]], eps=0.01, n_jobs=1)")
