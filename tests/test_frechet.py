"""The discrete Fréchet distance: values, paths, accumulated matrix, cdist, from a metric."""

import math
import subprocess
import sys

import numpy as np
import pytest
from conftest import interrupt_child
from oracles import (
    frechet_accumulated_naive,
    frechet_optimal_paths,
    squared_costs,
)

from tswarp.metrics import (
    cdist_frechet,
    compute_mask,
    frechet,
    frechet_accumulated_matrix,
    frechet_path,
    frechet_path_from_metric,
)

CONSTRAINTS = [
    {},
    {"sakoe_chiba_radius": 0},
    {"sakoe_chiba_radius": 2},
    {"itakura_max_slope": 2.0},
    {"global_constraint": "itakura", "itakura_max_slope": 3.0},
]


def frechet_naive(x, y, mask=None):
    return float(np.sqrt(frechet_accumulated_naive(x, y, mask)[-1, -1]))


def backtrack(acc):
    """tslearn's backtracking rule on an accumulated matrix: diagonal, then up, then left."""
    i, j = acc.shape[0] - 1, acc.shape[1] - 1
    path = [(i, j)]
    while (i, j) != (0, 0):
        if i == 0:
            j -= 1
        elif j == 0:
            i -= 1
        else:
            step = int(np.argmin([acc[i - 1, j - 1], acc[i - 1, j], acc[i, j - 1]]))
            i, j = (i - 1, j - 1) if step == 0 else (i - 1, j) if step == 1 else (i, j - 1)
        path.append((i, j))
    return path[::-1]


def mask_or_none(n, m, constraint):
    """The constraint's mask, or None when no path fits it."""
    try:
        return compute_mask(n, m, **constraint)
    except ValueError:
        return None


def random_walks(rng, n, sz, d=1):
    return np.cumsum(rng.normal(size=(n, sz, d)), axis=1)


# --- values ----------------------------------------------------------------------------------


def test_known_values():
    assert frechet([1, 2, 3], [1, 2, 2, 3]) == 0.0
    assert frechet([1, 2, 3], [1, 2, 2, 3, 4]) == 1.0
    assert frechet([[1], [2], [3]], [[3], [4], [-3]]) == 6.0
    assert frechet([[0, 0], [3, 4]], [[3, 4]]) == 5.0
    # Without a band, s2's jump waits for s1's; a radius of 1 forbids that wait.
    assert frechet([0, 0, 0, 5], [0, 5, 5, 5]) == 0.0
    assert frechet([0, 0, 0, 5], [0, 5, 5, 5], sakoe_chiba_radius=1) == 5.0


def test_returns_python_float():
    assert type(frechet(np.arange(4.0), np.arange(5.0))) is float
    assert type(frechet(np.arange(4, dtype=np.float32), np.arange(5, dtype=np.float32))) is float


@pytest.mark.parametrize("n, m, d", [(1, 1, 1), (1, 4, 2), (3, 5, 1), (4, 4, 3), (5, 3, 2)])
@pytest.mark.parametrize("constraint", CONSTRAINTS)
def test_matches_brute_force_on_tiny_inputs(rng, n, m, d, constraint):
    x, y = rng.normal(size=(n, d)), rng.normal(size=(m, d))
    mask = mask_or_none(n, m, constraint)
    if mask is None:
        return
    best, optimal = frechet_optimal_paths(x, y, mask)
    assert frechet(x, y, **constraint) == pytest.approx(math.sqrt(best), rel=1e-12)
    path, distance = frechet_path(x, y, **constraint)
    assert path in optimal
    assert distance == pytest.approx(math.sqrt(best), rel=1e-12)


@pytest.mark.parametrize("d", [1, 3])
@pytest.mark.parametrize("constraint", CONSTRAINTS)
def test_matches_naive_dp_on_random_unequal_lengths(rng, d, constraint):
    for _ in range(15):
        n, m = rng.integers(1, 40, size=2)
        mask = mask_or_none(n, m, constraint)
        if mask is None:
            continue
        x, y = rng.normal(size=(n, d)), rng.normal(size=(m, d))
        expected = frechet_naive(x, y, mask)
        assert frechet(x, y, **constraint) == pytest.approx(expected, rel=1e-12)
        assert frechet_path(x, y, **constraint)[1] == pytest.approx(expected, rel=1e-12)


def test_univariate_forms_agree_and_symmetric(rng):
    x, y = rng.normal(size=7), rng.normal(size=11)
    assert frechet(x, y) == frechet(x[:, None], y[:, None]) == frechet(y, x)


def test_float32_close_to_float64(rng):
    x, y = rng.normal(size=(30, 2)), rng.normal(size=(25, 2))
    expected = frechet(x, y)
    assert frechet(x.astype(np.float32), y.astype(np.float32)) == pytest.approx(expected, rel=1e-6)


def test_huge_values_do_not_overflow():
    # Squared costs pass the float range; the distance itself does not.
    for dtype, big in ((np.float64, 1e200), (np.float32, 1e30)):
        x, y = np.array([0.0, big], dtype=dtype), np.array([0.0, 0.0, big], dtype=dtype)
        assert frechet(x, y * 0.5) == pytest.approx(float(dtype(big)) * 0.5, rel=1e-6)
        path, distance = frechet_path(x, y * 0.5)
        assert path == [(0, 0), (0, 1), (1, 2)]
        assert distance == pytest.approx(float(dtype(big)) * 0.5, rel=1e-6)
        matrix = cdist_frechet([x], [y * 0.5])
        assert matrix[0, 0] == pytest.approx(float(dtype(big)) * 0.5, rel=1e-6)


def test_trailing_nan_rows_are_padding(rng):
    x, y = rng.normal(size=(6, 2)), rng.normal(size=(4, 2))
    padded = np.vstack([x, np.full((3, 2), np.nan)])
    assert frechet(padded, y) == frechet(x, y)
    assert frechet_path(padded, y) == frechet_path(x, y)


def test_inputs_are_not_modified(rng):
    x, y = rng.normal(size=(6, 2)), rng.normal(size=(4, 2))
    x_copy, y_copy = x.copy(), y.copy()
    frechet(x, y)
    frechet_path(x, y, sakoe_chiba_radius=1)
    frechet_accumulated_matrix(x, y, np.ones((6, 4), dtype=bool))
    costs = squared_costs(x, y)
    costs_copy = costs.copy()
    frechet_path_from_metric(costs)
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(y, y_copy)
    np.testing.assert_array_equal(costs, costs_copy)


@pytest.mark.parametrize(
    "s1, s2, message",
    [
        (np.zeros((2, 2, 2)), [1.0], "s1 must be a time series of shape"),
        ([], [1.0], "s1 is empty or all NaN"),
        ([1.0], [np.nan, np.nan], "s2 is empty or all NaN"),
        ([1.0, np.nan, 2.0], [1.0], r"s1 has a NaN or infinite value at time step 1"),
        ([1.0], [np.inf, 1.0], r"s2 has a NaN or infinite value at time step 0"),
        (np.zeros((3, 2)), np.zeros((3, 3)), "same number of features"),
    ],
)
@pytest.mark.parametrize("function", [frechet, frechet_path])
def test_invalid_input_raises_value_error(function, s1, s2, message):
    with pytest.raises(ValueError, match=message):
        function(s1, s2)


def test_non_real_input_raises_type_error():
    with pytest.raises(TypeError, match="s1 must hold real numbers"):
        frechet(np.array(["a", "b"]), [1.0, 2.0])


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"global_constraint": "band"}, ValueError, "global_constraint must be None"),
        ({"sakoe_chiba_radius": -1}, ValueError, "sakoe_chiba_radius must be a whole number"),
        ({"itakura_max_slope": 0}, ValueError, "itakura_max_slope must be a positive"),
        ({"sakoe_chiba_radius": 1, "itakura_max_slope": 2}, ValueError, "both"),
        ({"sakoe_chiba_radius": "1"}, TypeError, "sakoe_chiba_radius must be a real number"),
    ],
)
@pytest.mark.parametrize("function", [frechet, frechet_path, cdist_frechet])
def test_bad_constraint_arguments(function, kwargs, error, message):
    args = ([[1.0, 2.0], [2.0, 3.0]],) if function is cdist_frechet else ([1.0, 2.0], [2.0])
    with pytest.raises(error, match=message):
        function(*args, **kwargs)


def test_infeasible_itakura_slope_is_an_error():
    with pytest.raises(ValueError, match="admits no warping path"):
        frechet([1, 2, 3], [1] * 9, global_constraint="itakura")
    with pytest.raises(ValueError, match="admits no warping path"):
        cdist_frechet([[1, 2, 3]], [[1] * 9], global_constraint="itakura")


# --- paths -----------------------------------------------------------------------------------


@pytest.mark.parametrize("constraint", CONSTRAINTS)
def test_path_is_optimal_and_breaks_ties_like_tslearn(rng, constraint):
    for _ in range(40):
        n, m = rng.integers(1, 6, size=2)
        mask = mask_or_none(n, m, constraint)
        if mask is None:
            continue
        # Small integers make ties between paths, and between predecessors, frequent.
        x, y = rng.integers(0, 3, size=(n, 1)), rng.integers(0, 3, size=(m, 1))
        best, optimal = frechet_optimal_paths(x, y, mask)
        path, distance = frechet_path(x, y, **constraint)
        assert path in optimal
        assert distance == math.sqrt(best)
        assert path == backtrack(frechet_accumulated_naive(x, y, mask))


def test_path_on_long_series_is_valid(rng):
    x, y = rng.normal(size=(300, 2)), rng.normal(size=(200, 2))
    path, distance = frechet_path(x, y, sakoe_chiba_radius=20)
    steps = np.diff(np.array(path), axis=0)
    assert path[0] == (0, 0) and path[-1] == (299, 199)
    assert {tuple(s) for s in steps} <= {(1, 1), (1, 0), (0, 1)}
    largest = max(((x[i] - y[j]) ** 2).sum() for i, j in path)
    assert distance == pytest.approx(math.sqrt(largest), rel=1e-15)
    assert distance == frechet(x, y, sakoe_chiba_radius=20)


def test_value_uses_memory_linear_in_length():
    # The full (n, m) matrix would take 320 MB here; the kernel keeps a few rows.
    import tracemalloc

    x = np.sin(np.linspace(0.0, 50.0, 20_000))
    y = np.cos(np.linspace(0.0, 50.0, 2_000))
    tracemalloc.start()
    frechet(x, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 2_000_000


# --- accumulated matrix ----------------------------------------------------------------------


def test_accumulated_matrix(rng):
    full = np.ones((3, 3), dtype=bool)
    np.testing.assert_array_equal(
        frechet_accumulated_matrix([1, 2, 3], [1, 2, 2], full), [[0, 1, 1], [1, 0, 0], [4, 1, 1]]
    )
    for constraint in CONSTRAINTS:
        x, y = rng.normal(size=(12, 2)), rng.normal(size=(9, 2))
        mask = compute_mask(12, 9, **constraint)
        acc = frechet_accumulated_matrix(x, y, mask)
        assert acc.dtype == np.float64 and acc.shape == (12, 9)
        np.testing.assert_allclose(acc, frechet_accumulated_naive(x, y, mask), rtol=1e-14)
        assert np.isinf(acc[~mask]).all()


def test_accumulated_matrix_float32_is_float64():
    x = np.array([1, 2, 3], dtype=np.float32)
    acc = frechet_accumulated_matrix(x, x, np.ones((3, 3), dtype=bool))
    assert acc.dtype == np.float64 and acc[-1, -1] == 0.0


@pytest.mark.parametrize(
    "mask, message",
    [
        (np.ones((2, 2), dtype=bool), r"mask must have shape \(sz1, sz2\) = \(3, 3\)"),
        (np.eye(3, dtype=bool)[::-1], "mask admits no warping path"),
    ],
)
def test_accumulated_matrix_bad_mask(mask, message):
    with pytest.raises(ValueError, match=message):
        frechet_accumulated_matrix([1, 2, 3], [1, 2, 3], mask)


# --- cdist -----------------------------------------------------------------------------------


@pytest.mark.parametrize("constraint", CONSTRAINTS)
def test_cdist_equals_pairwise_loop(rng, constraint):
    X, Y = random_walks(rng, 5, 12, 2), random_walks(rng, 3, 12, 2)
    expected = [[frechet_naive(x, y, compute_mask(12, 12, **constraint)) for y in Y] for x in X]
    np.testing.assert_allclose(cdist_frechet(X, Y, **constraint), expected, rtol=1e-12)
    symmetric = cdist_frechet(X, **constraint)
    np.testing.assert_array_equal(symmetric, symmetric.T)
    np.testing.assert_array_equal(np.diag(symmetric), 0.0)
    np.testing.assert_allclose(symmetric, cdist_frechet(X, X, **constraint), rtol=1e-15)


def test_cdist_variable_lengths(rng):
    ragged = [rng.normal(size=(n, 2)) for n in (3, 8, 5)]
    padded = np.full((3, 8, 2), np.nan)
    for k, ts in enumerate(ragged):
        padded[k, : len(ts)] = ts
    expected = [[frechet_naive(a, b) for b in ragged] for a in ragged]
    np.testing.assert_allclose(cdist_frechet(ragged), expected, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(cdist_frechet(ragged), cdist_frechet(padded))
    np.testing.assert_allclose(cdist_frechet(padded, ragged[:2]), np.array(expected)[:, :2])


def test_cdist_dataset_shapes():
    assert cdist_frechet([1.0, 2.0, 3.0]).shape == (1, 1)
    assert cdist_frechet([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0, 3.0]]).shape == (2, 1)


def test_cdist_threads_give_identical_results(rng):
    X = random_walks(rng, 12, 30)
    one = cdist_frechet(X, n_jobs=1)
    np.testing.assert_array_equal(one, cdist_frechet(X, n_jobs=2))
    np.testing.assert_array_equal(one, cdist_frechet(X, n_jobs=-1))


def test_cdist_float32_and_dtype(rng):
    X = random_walks(rng, 6, 20)
    expected = cdist_frechet(X)
    np.testing.assert_allclose(cdist_frechet(X.astype(np.float32)), expected, rtol=1e-5)
    small = cdist_frechet(X, dtype=np.float32)
    assert small.dtype == np.float32
    np.testing.assert_allclose(small, expected, rtol=1e-6)
    with pytest.raises(ValueError, match=r"dtype must be numpy\.float32 or numpy\.float64"):
        cdist_frechet(X, dtype=np.int32)


def test_cdist_progress_bar(rng, capsys):
    cdist_frechet(random_walks(rng, 4, 10), verbose=1)
    assert "cdist_frechet:" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, message",
    [
        ((np.zeros((2, 3, 1)), np.zeros((2, 3, 2))), "same number of features"),
        (([[1.0, np.nan, 2.0], [1.0, 2.0, 3.0]],), r"dataset1\[0\] has a NaN or infinite"),
        (([[1.0, 2.0], [np.nan, np.nan]],), r"dataset1\[1\] is empty or all NaN"),
    ],
)
def test_cdist_invalid_datasets(args, message):
    with pytest.raises(ValueError, match=message):
        cdist_frechet(*args)


def test_cdist_bad_n_jobs():
    with pytest.raises(ValueError, match="n_jobs must be None or a non-zero integer"):
        cdist_frechet([[1.0, 2.0]], n_jobs=0)


def test_cdist_does_not_modify_inputs(rng):
    X = random_walks(rng, 5, 8)
    X[1, 6:] = np.nan
    copy = X.copy()
    cdist_frechet(X, n_jobs=2)
    cdist_frechet(X, X[:2])
    np.testing.assert_array_equal(X, copy)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_cdist_stops_on_ctrl_c():
    code = (
        "import numpy as np\n"
        "from tswarp.metrics import cdist_frechet\n"
        "X = np.random.default_rng(0).normal(size=(400, 1000))\n"
        "print('started', flush=True)\n"
        "try:\n    cdist_frechet(X, n_jobs=1)\n"
        "except KeyboardInterrupt:\n    print('interrupted', flush=True)\n"
    )
    out, seconds = interrupt_child(code)
    assert "interrupted" in out
    assert seconds < 2.0


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_long_pair_stops_on_ctrl_c():
    code = (
        "import numpy as np\n"
        "from tswarp.metrics import frechet\n"
        "x = np.random.default_rng(0).normal(size=100_000)\n"
        "print('started', flush=True)\n"
        "try:\n    frechet(x, x[::-1])\n"
        "except KeyboardInterrupt:\n    print('interrupted', flush=True)\n"
    )
    out, seconds = interrupt_child(code)
    assert "interrupted" in out
    assert seconds < 2.0


# --- from a metric ---------------------------------------------------------------------------


@pytest.mark.parametrize("constraint", CONSTRAINTS)
def test_from_metric_precomputed_matches_naive_dp(rng, constraint):
    for _ in range(10):
        n, m = rng.integers(1, 15, size=2)
        mask = mask_or_none(n, m, constraint)
        if mask is None:
            continue
        costs = rng.random(size=(n, m))
        acc = frechet_accumulated_naive(None, None, mask, cost=costs)
        path, value = frechet_path_from_metric(costs, **constraint)
        assert type(value) is np.float64
        assert value == acc[-1, -1]  # the metric's own value: no square root
        assert path == backtrack(acc)


def test_from_metric_callable_and_squared_euclidean_agree_with_frechet_path(rng):
    x, y = rng.normal(size=(9, 2)), rng.normal(size=(7, 2))
    path, distance = frechet_path(x, y)

    def squared(a, b, scale=1.0):
        return scale * ((a - b) ** 2).sum()

    assert frechet_path_from_metric(x, y, metric=squared) == (path, pytest.approx(distance**2))
    by_kwds = frechet_path_from_metric(x, y, metric=squared, scale=4.0)
    assert by_kwds == (path, pytest.approx(4 * distance**2))
    # Without s2 the series is compared with itself.
    assert frechet_path_from_metric(x, metric=squared)[1] == 0.0


def test_from_metric_named_metric():
    pytest.importorskip("scipy")
    x, y = np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([[0.0, 0.0], [1.0, 3.0]])
    path, value = frechet_path_from_metric(x, y, metric="cityblock")
    assert path == [(0, 0), (1, 1)] and value == 2.0


def test_from_metric_without_scipy_or_sklearn_names_them():
    code = (
        "import sys\n"
        "sys.modules['sklearn'] = None\n"
        "sys.modules['scipy'] = None\n"
        "from tswarp.metrics import frechet_path_from_metric\n"
        "try:\n"
        "    frechet_path_from_metric([1.0, 2.0], [1.0], metric='cityblock')\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert "scikit-learn or SciPy" in result.stdout and "pip install" in result.stdout


@pytest.mark.parametrize(
    "args, kwargs, error, message",
    [
        (([1.0, 2.0],), {}, ValueError, r"non-empty \(sz1, sz2\) matrix"),
        (([[1.0, np.nan]],), {}, ValueError, "must not hold NaN"),
        (([["a", "b"]],), {}, TypeError, "must hold real numbers"),
        (([[1.0]], [[1.0]]), {}, ValueError, "s2 must be None"),
        (([1.0], [1.0]), {"metric": 3}, TypeError, "metric must be"),
        (([1.0], [np.nan, 1.0]), {"metric": lambda a, b: 0.0}, ValueError, "s2 has a NaN"),
    ],
)
def test_from_metric_bad_input(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        frechet_path_from_metric(*args, **kwargs)


# --- tslearn ---------------------------------------------------------------------------------


@pytest.mark.parametrize("constraint", CONSTRAINTS)
def test_same_as_tslearn(rng, constraint):
    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    for d in (1, 3):
        for _ in range(8):
            n, m = rng.integers(2, 30, size=2)
            if mask_or_none(n, m, constraint) is None:
                continue
            x, y = rng.normal(size=(n, d)), rng.normal(size=(m, d))
            expected = tslearn_metrics.frechet(x, y, **constraint)
            assert frechet(x, y, **constraint) == pytest.approx(expected, rel=1e-10)
            t_path, t_distance = tslearn_metrics.frechet_path(x, y, **constraint)
            path, distance = frechet_path(x, y, **constraint)
            assert path == t_path
            assert distance == pytest.approx(t_distance, rel=1e-10)


def test_same_paths_as_tslearn_on_ties(rng):
    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    for _ in range(30):
        n, m = rng.integers(1, 12, size=2)
        x, y = rng.integers(0, 3, size=(n, 1)) * 1.0, rng.integers(0, 3, size=(m, 1)) * 1.0
        assert frechet_path(x, y) == tslearn_metrics.frechet_path(x, y)


def test_cdist_and_from_metric_same_as_tslearn(rng):
    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    X = [rng.normal(size=(n, 2)) for n in (5, 9, 7, 12)]
    expected = tslearn_metrics.cdist_frechet(X, sakoe_chiba_radius=3)
    np.testing.assert_allclose(cdist_frechet(X, sakoe_chiba_radius=3), expected, rtol=1e-10)
    expected = tslearn_metrics.cdist_frechet(X, X[:2], itakura_max_slope=3.0)
    np.testing.assert_allclose(cdist_frechet(X, X[:2], itakura_max_slope=3.0), expected)
    x, y = X[1], X[3]
    for metric in ("sqeuclidean", "cityblock"):
        t_path, t_value = tslearn_metrics.frechet_path_from_metric(x, y, metric=metric)
        path, value = frechet_path_from_metric(x, y, metric=metric)
        assert path == t_path and value == pytest.approx(t_value, rel=1e-10)
    costs = rng.random((6, 8))
    mask = compute_mask(6, 8, sakoe_chiba_radius=2)
    path, value = frechet_path_from_metric(costs, sakoe_chiba_radius=2)
    t_path, t_value = tslearn_metrics.frechet_path_from_metric(costs, sakoe_chiba_radius=2)
    assert path == t_path and value == t_value
    np.testing.assert_array_equal(
        frechet_accumulated_matrix(x[:6], y[:8], mask),
        tslearn_metrics.frechet_accumulated_matrix(x[:6], y[:8], mask),
    )


def test_signatures_follow_tslearn():
    import inspect

    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    for name in ("frechet", "frechet_path", "frechet_accumulated_matrix", "cdist_frechet"):
        ours = list(inspect.signature(globals()[name]).parameters.values())
        theirs = list(inspect.signature(getattr(tslearn_metrics, name)).parameters.values())
        assert [(p.name, p.default) for p in ours[: len(theirs)]] == [
            (p.name, p.default) for p in theirs
        ]
    ours = inspect.signature(frechet_path_from_metric).parameters
    theirs = inspect.signature(tslearn_metrics.frechet_path_from_metric).parameters
    assert [(p.name, p.default, p.kind) for p in ours.values()] == [
        (p.name, p.default, p.kind) for p in theirs.values()
    ]
