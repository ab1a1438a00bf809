"""Canonical time warping: distance, path and CCA, pairwise matrix, against oracles and tslearn."""

import inspect
import sys

import numpy as np
import pytest
from conftest import interrupt_child
from oracles import accumulated_naive, dtw_brute_force, dtw_naive

from tswarp.metrics import cdist_ctw, compute_mask, ctw, ctw_path
from tswarp.metrics._cca import CCA

CONSTRAINTS = [
    {},
    {"sakoe_chiba_radius": 1},
    {"sakoe_chiba_radius": 3},
    {"itakura_max_slope": 3.0},
]


def mask_or_none(n, m, constraint):
    return compute_mask(n, m, **constraint) if constraint else None


def feasible(n, m, constraint):
    try:
        mask_or_none(n, m, constraint)
    except ValueError:
        return False
    return True


def backtrack(acc):
    """The DTW rule on ties, walking back: diagonal, then a step in s1 only, then in s2 only."""
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


def exact_first_directions(X, Y):
    """The first pair of canonical directions of standardised X and Y, from the SVD of the
    whitened cross-covariance; unit norm, largest entry of the first one positive."""

    def inverse_root(c):
        values, vectors = np.linalg.eigh(c)
        return vectors @ np.diag(values**-0.5) @ vectors.T

    cx, cy = np.cov(X, rowvar=False, ddof=1), np.cov(Y, rowvar=False, ddof=1)
    cxy = (X - X.mean(0)).T @ (Y - Y.mean(0)) / (len(X) - 1)
    wx, wy = inverse_root(np.atleast_2d(cx)), inverse_root(np.atleast_2d(cy))
    u, _, vh = np.linalg.svd(wx @ np.atleast_2d(cxy) @ wy)
    a, b = wx @ u[:, 0], wy @ vh[0]
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    sign = np.sign(a[np.argmax(np.abs(a))])
    return a * sign, b * sign


def standardise(data, reference):
    std = reference.std(0, ddof=1)
    return (data - reference.mean(0)) / np.where(std == 0, 1.0, std)


def naive_ctw(x, y, k, mask=None):
    """The alternation on one component, from scratch: DTW on the first k features, CCA
    (numpy.linalg) on the matched steps, DTW on the projected series."""
    acc = accumulated_naive(x[:, :k], y[:, :k], mask)
    path = backtrack(np.where(np.isinf(acc), np.inf, acc))
    distance = float(np.sqrt(acc[-1, -1]))
    rows, cols = np.array(path).T
    X, Y = x[rows], y[cols]
    a, b = exact_first_directions(standardise(X, X), standardise(Y, Y))
    px, py = standardise(x, X) @ a, standardise(y, Y) @ b
    return backtrack(accumulated_naive(px, py, mask)), distance


def related_pair(rng, n, d1, d2, noise=0.05):
    """Two series sharing one smooth signal: s2 is a warped, mixed, noisy copy of s1's."""
    t = np.linspace(0, 4 * np.pi, n)
    signal = np.sin(t) + 0.5 * np.sin(2.3 * t)
    x = np.outer(signal, rng.normal(size=d1)) + noise * rng.normal(size=(n, d1))
    warp = np.sort(rng.integers(0, n, size=n - 4))
    y = np.outer(signal[warp], rng.normal(size=d2)) + noise * rng.normal(size=(n - 4, d2))
    return x, y


# --- values ----------------------------------------------------------------------------------


def test_tslearn_test_inputs():
    path, _, distance = ctw_path([1, 2, 3], [1.0, 2.0, 2.0, 3.0])
    assert path == [(0, 0), (1, 1), (1, 2), (2, 3)]
    assert distance == 0.0
    assert ctw_path([1, 2, 3], [1.0, 2.0, 2.0, 3.0, 4.0])[2] == 1.0
    np.testing.assert_array_equal(
        cdist_ctw([[1, 2, 2, 3], [1.0, 2.0, 3.0, 4.0]]), [[0, 1], [1, 0]]
    )
    matrix = cdist_ctw([[1, 2, 2, 3], [1.0, 2.0, 3.0, 4.0]], [[1, 2, 3], [2, 3, 4, 5]])
    np.testing.assert_allclose(matrix, [[0, np.sqrt(6)], [1, np.sqrt(2)]], rtol=1e-15)
    rng = np.random.RandomState(0)
    x, y = rng.randn(15, 3), rng.randn(10, 1)
    assert ctw(x, y) == ctw(y, x) == ctw_path(x, y)[-1]


def test_returns_python_float(rng):
    value = ctw(rng.normal(size=(5, 2)), rng.normal(size=(6, 3)))
    assert type(value) is float
    assert type(ctw_path(rng.normal(size=5), rng.normal(size=6))[2]) is float


@pytest.mark.parametrize("constraint", CONSTRAINTS)
@pytest.mark.parametrize(("d1", "d2", "k"), [(1, 1, None), (3, 2, None), (3, 4, 1), (4, 3, 3)])
def test_distance_is_dtw_of_the_leading_features(rng, constraint, d1, d2, k):
    for _ in range(4):
        n, m = rng.integers(4, 20, size=2)
        if not feasible(n, m, constraint):
            continue
        x, y = rng.normal(size=(n, d1)), rng.normal(size=(m, d2))
        used = min(d1, d2) if k is None else k
        expected = dtw_naive(x[:, :used], y[:, :used], mask_or_none(n, m, constraint))
        assert ctw(x, y, n_components=k, **constraint) == pytest.approx(expected, rel=1e-12)
        _, _, distance = ctw_path(x, y, n_components=k, **constraint)
        assert distance == pytest.approx(expected, rel=1e-12)


def test_distance_by_brute_force_on_tiny_inputs(rng):
    for n, m in [(1, 4), (3, 3), (4, 2), (2, 1)]:
        x, y = rng.normal(size=(n, 3)), rng.normal(size=(m, 2))
        assert ctw(x, y) == pytest.approx(dtw_brute_force(x[:, :2], y), rel=1e-12)


@pytest.mark.parametrize("constraint", [{}, {"sakoe_chiba_radius": 6}])
def test_path_matches_the_naive_alternation(rng, constraint):
    for d1, d2 in [(1, 1), (3, 2), (2, 4)]:
        x, y = related_pair(rng, 40, d1, d2)
        expected_path, expected_distance = naive_ctw(
            x, y, 1, mask_or_none(len(x), len(y), constraint)
        )
        path, _, distance = ctw_path(x, y, n_components=1, **constraint)
        assert path == expected_path
        assert distance == pytest.approx(expected_distance, rel=1e-12)


def test_cca_finds_the_canonical_directions(rng):
    X = rng.normal(size=(60, 3))
    Y = np.column_stack([X @ [1.0, -2.0, 0.5], rng.normal(size=60)]) + 0.1 * rng.normal(
        size=(60, 2)
    )
    cca = CCA(1).fit(X, Y)
    a, b = exact_first_directions(standardise(X, X), standardise(Y, Y))
    # The power iteration stops once a step moves the direction by less than 1e-3.
    np.testing.assert_allclose(cca.x_weights_[:, 0], a, atol=1e-4)
    np.testing.assert_allclose(cca.y_weights_[:, 0], b, atol=1e-4)
    px, py = cca.transform(X, Y)
    np.testing.assert_allclose(px[:, 0], standardise(X, X) @ a, atol=1e-3)
    np.testing.assert_allclose(py[:, 0], standardise(Y, Y) @ b, atol=1e-3)


def test_cca_components_are_uncorrelated(rng):
    X, Y = rng.normal(size=(80, 4)), rng.normal(size=(80, 3))
    Y[:, 0] += X[:, 1]
    px, py = CCA(3).fit(X, Y).transform(X, Y)
    for scores in (px, py):
        correlations = np.corrcoef(scores, rowvar=False)
        np.testing.assert_allclose(correlations, np.eye(3), atol=1e-6)
    # the pairs come in decreasing canonical correlation
    pairs = [np.corrcoef(px[:, c], py[:, c])[0, 1] for c in range(3)]
    assert pairs == sorted(pairs, reverse=True)


def test_cca_of_constant_columns_and_a_single_step():
    cca = CCA(1).fit(np.ones((5, 2)), np.ones((5, 1)))
    px, py = cca.transform(np.ones((3, 2)), np.ones((3, 1)))
    np.testing.assert_array_equal(px, 0.0)
    np.testing.assert_array_equal(py, 0.0)
    with pytest.warns(UserWarning, match="series of length 1"):
        path, _, distance = ctw_path([[1.0, 2.0]], [[3.0, 5.0]])
    assert path == [(0, 0)] and distance == pytest.approx(np.sqrt(13))


def test_cca_when_one_side_is_constant(rng):
    x, y = np.ones((9, 2)), rng.normal(size=(7, 2))
    path, cca, distance = ctw_path(x, y)
    for scores in cca.transform(x, y):
        assert np.isfinite(scores).all()
    assert distance == pytest.approx(dtw_naive(x, y), rel=1e-12)
    assert path[0] == (0, 0) and path[-1] == (8, 6)


def test_max_iter_one_fits_no_cca(rng):
    x, y = rng.normal(size=(12, 3)), rng.normal(size=(9, 3))
    path, cca, distance = ctw_path(x, y, max_iter=1, n_components=2)
    acc = accumulated_naive(x[:, :2], y[:, :2])
    assert path == backtrack(acc)
    assert distance == pytest.approx(np.sqrt(acc[-1, -1]), rel=1e-12)
    assert cca.n_components == 2
    with pytest.raises(ValueError, match="not fitted"):
        cca.transform(x, y)
    assert ctw_path(x, y, max_iter=2)[0] == ctw_path(x, y, max_iter=100)[0]


def test_trailing_nan_rows_are_padding(rng):
    x, y = rng.normal(size=(8, 2)), rng.normal(size=(6, 3))
    padded = np.vstack([x, np.full((3, 2), np.nan)])
    assert ctw(padded, y) == ctw(x, y)
    assert ctw_path(padded, y)[0] == ctw_path(x, y)[0]


def test_float32_and_int_inputs_are_computed_in_float64(rng):
    x, y = rng.normal(size=(8, 2)), rng.normal(size=(6, 2))
    x32, y32 = x.astype(np.float32), y.astype(np.float32)
    assert ctw(x32, y32) == ctw(x32.astype(np.float64), y32.astype(np.float64))
    assert ctw([1, 2, 3], [1, 2, 2, 4]) == 1.0


def test_inputs_are_not_modified(rng):
    x, y = rng.normal(size=(8, 3)), rng.normal(size=(6, 2))
    X = rng.normal(size=(4, 7, 3))
    copies = x.copy(), y.copy(), X.copy()
    ctw(x, y)
    ctw_path(x, y)
    cdist_ctw(X, y[None])
    cdist_ctw(X)
    for before, after in zip(copies, (x, y, X), strict=True):
        np.testing.assert_array_equal(before, after)


def test_verbose_prints_the_score(capsys):
    ctw([1, 2, 3], [1, 2, 2, 4], verbose=True)
    assert capsys.readouterr().out == "Iteration 0, score=1.0\n"
    ctw_path([1, 2, 3], [1, 2, 2, 4])
    assert capsys.readouterr().out == ""


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("function", [ctw, ctw_path])
@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"n_components": 0}, ValueError, "n_components must be between 1 and 2"),
        ({"n_components": 3}, ValueError, "n_components must be between 1 and 2"),
        ({"n_components": 1.0}, TypeError, "n_components must be None or an integer"),
        ({"n_components": True}, TypeError, "n_components must be None or an integer"),
        ({"max_iter": 0}, ValueError, "max_iter must be an integer >= 1"),
        ({"max_iter": 2.5}, TypeError, "max_iter must be an integer >= 1"),
        ({"sakoe_chiba_radius": -1}, ValueError, "sakoe_chiba_radius"),
        ({"global_constraint": "band"}, ValueError, "global_constraint"),
    ],
)
def test_bad_arguments(rng, function, kwargs, error, message):
    with pytest.raises(error, match=message):
        function(rng.normal(size=(5, 2)), rng.normal(size=(6, 3)), **kwargs)


@pytest.mark.parametrize("function", [ctw, ctw_path])
@pytest.mark.parametrize(
    ("s1", "s2", "error", "message"),
    [
        ([], [1.0], ValueError, "s1 is empty"),
        ([1.0, np.nan, 2.0], [1.0], ValueError, "s1 has a NaN or infinite value"),
        ([1.0], [[[1.0]]], ValueError, "s2 must be a time series"),
        (["a"], [1.0], TypeError, "s1 must hold real numbers"),
    ],
)
def test_bad_series(function, s1, s2, error, message):
    with pytest.raises(error, match=message):
        function(s1, s2)


def test_infeasible_itakura_slope_is_an_error(rng):
    with pytest.raises(ValueError, match="admits no warping path"):
        ctw(rng.normal(size=3), rng.normal(size=12), itakura_max_slope=1.5)


# --- cdist -----------------------------------------------------------------------------------


@pytest.mark.parametrize("constraint", CONSTRAINTS)
def test_cdist_equals_pairwise_loop(rng, constraint):
    X = [rng.normal(size=(n, 3)) for n in (6, 9, 7)]
    Y = [rng.normal(size=(n, 2)) for n in (8, 5)]
    expected = [[ctw(x, y, **constraint) for y in Y] for x in X]
    np.testing.assert_allclose(cdist_ctw(X, Y, **constraint), expected, rtol=1e-14)
    expected = [[ctw(a, b, n_components=2, **constraint) for b in X] for a in X]
    np.testing.assert_allclose(cdist_ctw(X, n_components=2, **constraint), expected, rtol=1e-14)


def test_cdist_nan_padded_and_shapes(rng):
    X = [rng.normal(size=(n, 2)) for n in (5, 8, 6)]
    padded = np.full((3, 8, 2), np.nan)
    for i, x in enumerate(X):
        padded[i, : len(x)] = x
    np.testing.assert_array_equal(cdist_ctw(padded), cdist_ctw(X))
    univariate = rng.normal(size=(3, 7))
    np.testing.assert_array_equal(cdist_ctw(univariate), cdist_ctw(univariate[:, :, None]))
    assert cdist_ctw(rng.normal(size=5)).shape == (1, 1)
    assert cdist_ctw(univariate, np.empty((0, 7, 2))).shape == (3, 0)


def test_cdist_threads_give_identical_results(rng):
    X = rng.normal(size=(12, 20, 3))
    np.testing.assert_array_equal(cdist_ctw(X, n_jobs=2), cdist_ctw(X, n_jobs=1))
    np.testing.assert_array_equal(cdist_ctw(X, X[:3], n_jobs=-1), cdist_ctw(X, X[:3]))


def test_cdist_progress_bar(rng, capsys):
    cdist_ctw(rng.normal(size=(4, 6, 2)), verbose=1)
    assert "cdist_ctw" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        (([[1.0, 2.0]],), {"n_jobs": 0}, ValueError, "n_jobs"),
        (([[1.0, 2.0]],), {"max_iter": 0}, ValueError, "max_iter"),
        (([[1.0, 2.0]],), {"n_components": 2}, ValueError, "n_components must be between 1"),
        (([[1.0, np.nan, 2.0]],), {}, ValueError, r"dataset1\[0\] has a NaN"),
        (([[1.0]], [[[1.0]]]), {"n_components": 2}, ValueError, "between 1 and 1"),
        (([[[1.0, 2.0]], [[1.0]]],), {}, ValueError, "same number of features"),
    ],
)
def test_cdist_bad_input(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        cdist_ctw(*args, **kwargs)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_cdist_stops_on_ctrl_c():
    code = (
        "import numpy as np\n"
        "from tswarp.metrics import cdist_ctw\n"
        "X = np.random.default_rng(0).normal(size=(400, 1000, 2))\n"
        "print('started', flush=True)\n"
        "try:\n    cdist_ctw(X, n_jobs=1)\n"
        "except KeyboardInterrupt:\n    print('interrupted', flush=True)\n"
    )
    out, seconds = interrupt_child(code)
    assert "interrupted" in out
    assert seconds < 2.0


# --- tslearn ---------------------------------------------------------------------------------


@pytest.mark.parametrize("constraint", CONSTRAINTS)
def test_same_as_tslearn(rng, constraint):
    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    for d1, d2, k in [(1, 1, None), (3, 3, None), (3, 2, None), (4, 3, 2), (2, 5, 1)]:
        for _ in range(4):
            n, m = rng.integers(4, 30, size=2)
            if not feasible(n, m, constraint):
                continue
            x, y = rng.normal(size=(n, d1)), rng.normal(size=(m, d2))
            expected = tslearn_metrics.ctw(x, y, n_components=k, **constraint)
            assert ctw(x, y, n_components=k, **constraint) == pytest.approx(expected, rel=1e-10)
            t_path, t_cca, t_distance = tslearn_metrics.ctw_path(
                x, y, n_components=k, **constraint
            )
            path, cca, distance = ctw_path(x, y, n_components=k, **constraint)
            assert path == t_path
            assert distance == pytest.approx(t_distance, rel=1e-10)
            for ours, theirs in zip(cca.transform(x, y), t_cca.transform(x, y), strict=True):
                np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-10)


def test_cdist_same_as_tslearn(rng):
    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    X = [rng.normal(size=(n, 3)) for n in (5, 9, 7, 12)]
    Y = [rng.normal(size=(n, 2)) for n in (6, 10)]
    np.testing.assert_allclose(cdist_ctw(X), tslearn_metrics.cdist_ctw(X), rtol=1e-10)
    expected = tslearn_metrics.cdist_ctw(X, Y, sakoe_chiba_radius=2)
    np.testing.assert_allclose(cdist_ctw(X, Y, sakoe_chiba_radius=2), expected, rtol=1e-10)


def test_signatures_follow_tslearn():
    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    for ours in (ctw, ctw_path, cdist_ctw):
        theirs = getattr(tslearn_metrics, ours.__name__)
        assert [(p.name, p.default) for p in inspect.signature(ours).parameters.values()] == [
            (p.name, p.default) for p in inspect.signature(theirs).parameters.values()
        ]
