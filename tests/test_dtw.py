import math

import numpy as np
import pytest
from conftest import interrupt_child
from oracles import (
    accumulated_naive,
    dtw_brute_force,
    dtw_naive,
    itakura_naive,
    optimal_paths,
    sakoe_chiba_naive,
    warping_paths,
)

from tswarp.metrics import (
    InfeasibleConstraintError,
    cdist_dtw,
    cdist_soft_dtw_normalized,
    compute_mask,
    dtw,
    dtw_accumulated_matrix,
    dtw_path,
    itakura_mask,
    sakoe_chiba_mask,
    soft_dtw,
)


def test_known_values():
    assert dtw([1, 2, 3], [1, 2, 2, 3, 4]) == 1.0
    assert dtw([[1], [2], [3]], [[3], [4], [-3]]) == math.sqrt(42)
    assert dtw([1, 2, 3], [1, 2, 3]) == 0.0
    assert dtw([0.0], [3.0]) == 3.0


def test_returns_python_float():
    assert type(dtw(np.arange(4.0), np.arange(5.0))) is float
    assert type(dtw(np.arange(4, dtype=np.float32), np.arange(5, dtype=np.float32))) is float


def test_oracle_counts_each_path_once():
    # The number of warping paths of an n x m grid is the Delannoy number D(n-1, m-1).
    assert sum(1 for _ in warping_paths(3, 3)) == 13
    assert sum(1 for _ in warping_paths(4, 5)) == 129
    paths = [tuple(p) for p in warping_paths(4, 4)]
    assert len(paths) == len(set(paths))


@pytest.mark.parametrize("n, m, d", [(1, 1, 1), (1, 4, 2), (3, 5, 1), (4, 4, 3), (5, 3, 2)])
def test_matches_brute_force_on_tiny_inputs(rng, n, m, d):
    x, y = rng.normal(size=(n, d)), rng.normal(size=(m, d))
    assert dtw(x, y) == pytest.approx(dtw_brute_force(x, y), rel=1e-12)


@pytest.mark.parametrize("d", [1, 2, 5])
def test_matches_naive_dp_on_random_unequal_lengths(rng, d):
    for _ in range(20):
        n, m = rng.integers(1, 40, size=2)
        x, y = rng.normal(size=(n, d)), rng.normal(size=(m, d))
        assert dtw(x, y) == pytest.approx(dtw_naive(x, y), rel=1e-12)


def test_univariate_forms_agree(rng):
    x, y = rng.normal(size=17), rng.normal(size=23)
    assert dtw(x, y) == dtw(x[:, None], y[:, None]) == dtw(list(x), list(y))


def test_symmetric(rng):
    x, y = rng.normal(size=(30, 3)), rng.normal(size=(45, 3))
    assert dtw(x, y) == pytest.approx(dtw(y, x), rel=1e-14)


def test_float32_close_to_float64(rng):
    x, y = rng.normal(size=(200, 2)), rng.normal(size=(150, 2))
    exact = dtw(x, y)
    single = dtw(x.astype(np.float32), y.astype(np.float32))
    assert single == pytest.approx(exact, rel=1e-5)
    assert single != exact  # really computed in float32


def test_mixed_widths_and_integers_promote_to_float64(rng):
    x32 = rng.normal(size=10).astype(np.float32)
    y64 = rng.normal(size=12)
    assert dtw(x32, y64) == pytest.approx(dtw_naive(x32, y64), rel=1e-12)
    assert dtw(np.array([1, 2, 3], dtype=np.int32), np.array([1, 2, 2, 3, 4])) == 1.0
    assert dtw(np.array([True, False]), np.array([1.0, 0.0])) == 0.0


def test_trailing_nan_rows_are_padding(rng):
    x, y = rng.normal(size=(8, 2)), rng.normal(size=(11, 2))
    padded = np.vstack([x, np.full((4, 2), np.nan)])
    assert dtw(padded, y) == dtw(x, y)
    assert dtw([1.0, 2.0, 3.0, np.nan, np.nan], [1, 2, 2, 3, 4]) == 1.0


def test_inputs_are_not_modified(rng):
    x, y = rng.normal(size=(9, 2)), rng.normal(size=(7, 2))
    x_copy, y_copy = x.copy(), y.copy()
    dtw(x, y)
    dtw(x.astype(np.float32), y.astype(np.float32))
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(y, y_copy)


def test_non_contiguous_and_read_only_inputs(rng):
    x = rng.normal(size=(20, 3))
    y = rng.normal(size=(15, 6))[:, ::2]
    x.flags.writeable = False
    assert dtw(x, y) == pytest.approx(dtw_naive(x, y), rel=1e-12)
    assert dtw(x.T.copy().T, y) == pytest.approx(dtw_naive(x, y), rel=1e-12)


@pytest.mark.parametrize(
    "s1, s2, message",
    [
        (np.zeros((2, 2, 2)), [1.0], "s1 must be a time series of shape"),
        (np.float64(1.0), [1.0], "s1 must be a time series of shape"),
        ([1.0], np.zeros((1, 1, 1)), "s2 must be a time series of shape"),
        ([], [1.0], "s1 is empty or all NaN"),
        ([1.0], [np.nan, np.nan], "s2 is empty or all NaN"),
        (np.zeros((3, 0)), np.zeros((3, 0)), "s1 has no features"),
        ([1.0, np.nan, 2.0], [1.0], r"s1 has a NaN or infinite value at time step 1"),
        ([1.0], [np.inf, 1.0], r"s2 has a NaN or infinite value at time step 0"),
        (np.zeros((3, 2)), np.zeros((3, 3)), "same number of features"),
        ([[1.0], [2.0, 3.0]], [1.0], "s1 could not be read as an array"),
    ],
)
def test_invalid_input_raises_value_error(s1, s2, message):
    with pytest.raises(ValueError, match=message):
        dtw(s1, s2)


@pytest.mark.parametrize("bad", [np.array([1 + 1j, 2]), np.array(["a", "b"]), [object()]])
def test_non_real_input_raises_type_error(bad):
    with pytest.raises(TypeError, match="s1 must hold real numbers"):
        dtw(bad, [1.0, 2.0])


# --- constraints -----------------------------------------------------------------------------


def test_known_constrained_values():
    a, b = [0, 1, 2, 3, 4, 5], [0, 0, 0, 1, 2, 3]
    assert dtw(a, b) == 2.23606797749979
    assert dtw(a, b, global_constraint="sakoe_chiba") == 2.8284271247461903
    assert dtw(a, b, sakoe_chiba_radius=0) == 4.123105625617661


@pytest.mark.parametrize("n, m", [(1, 1), (1, 5), (4, 4), (5, 3), (3, 6), (7, 7), (9, 4)])
@pytest.mark.parametrize("radius", [0, 1, 2, 10])
def test_sakoe_chiba_mask_matches_definition(n, m, radius):
    np.testing.assert_array_equal(sakoe_chiba_mask(n, m, radius), sakoe_chiba_naive(n, m, radius))


@pytest.mark.parametrize("n, m", [(1, 1), (4, 4), (6, 6), (10, 7), (7, 10), (20, 15), (33, 40)])
@pytest.mark.parametrize("slope", [1.0, 1.5, 2.0, 3.0, 7.5])
def test_itakura_mask_matches_definition(n, m, slope):
    expected = itakura_naive(n, m, slope)
    if expected.any(axis=0).all() and expected.any(axis=1).all():
        np.testing.assert_array_equal(itakura_mask(n, m, slope), expected)
    else:
        with pytest.raises(ValueError, match="admits no warping path"):
            itakura_mask(n, m, slope)


def test_masks_match_tslearn_documented_examples():
    np.testing.assert_array_equal(
        sakoe_chiba_mask(4, 4, radius=2),
        [[1, 1, 1, 0], [1, 1, 1, 1], [1, 1, 1, 1], [0, 1, 1, 1]],
    )
    np.testing.assert_array_equal(
        compute_mask(4, 4, itakura_max_slope=2),
        [[1, 0, 0, 0], [0, 1, 1, 0], [0, 1, 1, 0], [0, 0, 0, 1]],
    )
    assert compute_mask(np.zeros(3), [1, 2, 3, 4]).all()
    assert compute_mask(np.int64(3), 4, 2, sakoe_chiba_radius=0).sum() == 3 + 2 * 1 + 1


@pytest.mark.parametrize("n, m", [(3, 3), (4, 5), (5, 3), (2, 5)])
@pytest.mark.parametrize(
    "constraint",
    [{"sakoe_chiba_radius": 0}, {"sakoe_chiba_radius": 1}, {"itakura_max_slope": 2.0}],
)
def test_constrained_dtw_equals_masked_brute_force(rng, n, m, constraint):
    try:
        mask = compute_mask(n, m, **constraint)
    except ValueError:  # no admissible path: the metric must say so too
        with pytest.raises(ValueError, match="admits no warping path"):
            dtw(np.zeros(n), np.zeros(m), **constraint)
        return
    for _ in range(3):
        x, y = rng.normal(size=(n, 2)), rng.normal(size=(m, 2))
        assert dtw(x, y, **constraint) == pytest.approx(dtw_brute_force(x, y, mask), rel=1e-12)


@pytest.mark.parametrize("constraint", ["sakoe_chiba", "itakura"])
def test_constrained_dtw_equals_masked_naive_dp(rng, constraint):
    for _ in range(15):
        n, m = rng.integers(2, 40, size=2)
        x, y = rng.normal(size=(n, 3)), rng.normal(size=(m, 3))
        kwargs = {"global_constraint": constraint}
        kwargs.update(sakoe_chiba_radius=int(rng.integers(0, 6)))
        if constraint == "itakura":
            kwargs = {"global_constraint": constraint, "itakura_max_slope": 4.0}
        try:
            mask = compute_mask(n, m, **kwargs)
        except ValueError:
            continue
        assert dtw(x, y, **kwargs) == pytest.approx(dtw_naive(x, y, mask), rel=1e-12)
        acc = dtw_accumulated_matrix(x, y, **kwargs)
        np.testing.assert_allclose(acc, accumulated_naive(x, y, mask), rtol=1e-12)
        assert np.isinf(acc[~mask]).all()


def test_constraint_argument_rules():
    x, y = np.arange(8.0), np.arange(8.0)[::-1]
    by_name = dtw(x, y, global_constraint="sakoe_chiba")  # radius 1 by default
    assert by_name == dtw(x, y, sakoe_chiba_radius=1) == dtw(x, y, global_constraint=2)
    assert dtw(x, y, global_constraint="itakura") == dtw(x, y, itakura_max_slope=2.0)
    assert dtw(x, y, "itakura", sakoe_chiba_radius=0, itakura_max_slope=3.0) == dtw(
        x, y, itakura_max_slope=3.0
    )
    assert dtw(x, y, sakoe_chiba_radius=2.0) == dtw(x, y, sakoe_chiba_radius=2)
    assert dtw(x, y, sakoe_chiba_radius=10**30) == dtw(x, y)
    assert dtw(x, y, global_constraint="") == dtw(x, y)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"global_constraint": "banana"}, ValueError, "global_constraint must be None"),
        ({"global_constraint": 5}, ValueError, "global_constraint must be None"),
        ({"global_constraint": ["itakura"]}, ValueError, "global_constraint must be None"),
        ({"sakoe_chiba_radius": -1}, ValueError, "sakoe_chiba_radius must be a whole number"),
        ({"sakoe_chiba_radius": 1.5}, ValueError, "sakoe_chiba_radius must be a whole number"),
        ({"sakoe_chiba_radius": "2"}, TypeError, "sakoe_chiba_radius must be a real number"),
        ({"itakura_max_slope": 0}, ValueError, "itakura_max_slope must be a positive"),
        ({"itakura_max_slope": np.inf}, ValueError, "itakura_max_slope must be a positive"),
        ({"itakura_max_slope": np.nan}, TypeError, "itakura_max_slope must be a real number"),
        (
            {"sakoe_chiba_radius": 1, "itakura_max_slope": 2.0},
            ValueError,
            "both sakoe_chiba_radius and itakura_max_slope are set",
        ),
    ],
)
def test_bad_constraint_arguments(kwargs, error, message):
    for function in (dtw, dtw_path, dtw_accumulated_matrix):
        with pytest.raises(error, match=message):
            function([1.0, 2.0, 3.0], [1.0, 2.0], **kwargs)
    with pytest.raises(error, match=message):
        cdist_dtw([[1.0, 2.0, 3.0]], **kwargs)


def test_both_constraint_parameters_is_also_a_runtime_warning():
    # tslearn raises RuntimeWarning here: code written for it catches tswarp's error too.
    for function in (dtw, compute_mask):
        with pytest.raises(RuntimeWarning, match="both sakoe_chiba_radius and itakura_max"):
            function([1.0, 2.0, 3.0], [1.0, 2.0], sakoe_chiba_radius=1, itakura_max_slope=2.0)


def test_infeasible_itakura_slope_is_an_error():
    with pytest.raises(ValueError, match="itakura_max_slope=2 admits no warping path"):
        dtw([1, 2, 3], [1] * 9, global_constraint="itakura")
    with pytest.raises(ValueError, match="between series of lengths 3 and 9"):
        cdist_dtw([[1.0, 2.0, 3.0]], [[1.0] * 9], global_constraint="itakura")
    # Variable lengths: the pair that fails is named.
    ragged = [[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [1.0, 2.0]]
    with pytest.raises(ValueError, match="lengths 6 and 2"):
        cdist_dtw(ragged, global_constraint="itakura")


@pytest.mark.parametrize(
    "call",
    [
        lambda: dtw([1, 2, 3], [1] * 9, global_constraint="itakura"),
        lambda: cdist_dtw([[1.0, 2.0, 3.0]], [[1.0] * 9], global_constraint="itakura"),
        lambda: soft_dtw([1, 2, 3], [1] * 9, global_constraint="itakura"),
        lambda: cdist_soft_dtw_normalized([[1.0, 2.0, 3.0]], [[1.0] * 9], itakura_max_slope=2),
    ],
)
def test_infeasible_constraint_is_caught_as_tslearn_code_catches_it(call):
    # tslearn warns with a RuntimeWarning (and returns inf): code catching that, or a
    # ValueError, catches tswarp's error.
    for caught in (InfeasibleConstraintError, ValueError, RuntimeWarning):
        with pytest.raises(caught, match="admits no warping path"):
            call()


# --- path and accumulated matrix -------------------------------------------------------------


def test_known_paths():
    assert dtw_path([1, 2, 3], [1, 2, 2, 3, 4]) == ([(0, 0), (1, 1), (1, 2), (2, 3), (2, 4)], 1.0)
    assert dtw_path([0, 0], [0, 0, 0]) == ([(0, 0), (0, 1), (1, 2)], 0.0)
    assert dtw_path([1, 2, 3], [1.0, 2.0, 2.0, 3.0]) == ([(0, 0), (1, 1), (1, 2), (2, 3)], 0.0)
    path, distance = dtw_path([[1], [2], [3]], [[3], [4], [-3]])
    # Two paths cost 42; walking back, (2, 1) -> (1, 0) is diagonal and wins the tie.
    assert path == [(0, 0), (1, 0), (2, 1), (2, 2)]
    assert distance == math.sqrt(42)


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


@pytest.mark.parametrize("constraint", [{}, {"sakoe_chiba_radius": 1}, {"itakura_max_slope": 3.0}])
def test_path_is_optimal_and_breaks_ties_like_tslearn(rng, constraint):
    for _ in range(25):
        n, m = rng.integers(1, 6, size=2)
        # Small integers make ties between paths frequent.
        x, y = rng.integers(0, 3, size=(n, 1)), rng.integers(0, 3, size=(m, 1))
        try:
            mask = compute_mask(n, m, **constraint)
        except ValueError:
            continue
        best, optimal = optimal_paths(x, y, mask)
        path, distance = dtw_path(x, y, **constraint)
        assert path in optimal
        assert distance == pytest.approx(math.sqrt(best), abs=1e-12)
        assert path == backtrack(accumulated_naive(x, y, mask))


def test_path_on_long_series_is_valid(rng):
    x, y = rng.normal(size=(300, 2)), rng.normal(size=(200, 2))
    path, distance = dtw_path(x, y, sakoe_chiba_radius=20)
    steps = np.diff(np.array(path), axis=0)
    assert path[0] == (0, 0) and path[-1] == (299, 199)
    assert {tuple(s) for s in steps} <= {(1, 1), (1, 0), (0, 1)}
    cost = sum(((x[i] - y[j]) ** 2).sum() for i, j in path)
    assert distance == pytest.approx(math.sqrt(cost), rel=1e-12)
    assert distance == pytest.approx(dtw(x, y, sakoe_chiba_radius=20), rel=1e-15)


def test_accumulated_matrix(rng):
    np.testing.assert_array_equal(
        dtw_accumulated_matrix([1, 2, 3], [1, 2, 2]), [[0, 1, 2], [1, 0, 0], [5, 1, 1]]
    )
    x, y = rng.normal(size=(12, 2)), rng.normal(size=(9, 2))
    acc = dtw_accumulated_matrix(x, y)
    assert acc.dtype == np.float64 and acc.shape == (12, 9)
    np.testing.assert_allclose(acc, accumulated_naive(x, y), rtol=1e-12)
    assert math.sqrt(acc[-1, -1]) == pytest.approx(dtw(x, y), rel=1e-14)


def test_accumulated_matrix_takes_be_fourth_as_tslearn():
    mask = compute_mask(3, 3)
    acc = dtw_accumulated_matrix([1.0, 2.0, 3.0], [1.0, 2.0, 2.0], mask, "numpy")
    np.testing.assert_array_equal(acc, [[0, 1, 2], [1, 0, 0], [5, 1, 1]])
    assert isinstance(acc, np.ndarray)


def test_accumulated_matrix_with_a_custom_mask(rng):
    x, y = rng.normal(size=6), rng.normal(size=6)
    mask = np.ones((6, 6), dtype=bool)
    mask[2, 1:4] = False
    np.testing.assert_allclose(
        dtw_accumulated_matrix(x, y, mask), accumulated_naive(x, y, mask), rtol=1e-12
    )
    with pytest.raises(ValueError, match=r"mask must have shape \(sz1, sz2\) = \(6, 6\)"):
        dtw_accumulated_matrix(x, y, np.ones((5, 6)))
    with pytest.raises(ValueError, match="either mask or the global constraint"):
        dtw_accumulated_matrix(x, y, mask, sakoe_chiba_radius=1)


# --- cdist -----------------------------------------------------------------------------------


def random_walks(rng, n, sz, d=1):
    return np.cumsum(rng.normal(size=(n, sz, d)), axis=1)


@pytest.mark.parametrize("constraint", [{}, {"sakoe_chiba_radius": 3}, {"itakura_max_slope": 3.0}])
def test_cdist_equals_pairwise_loop(rng, constraint):
    X, Y = random_walks(rng, 7, 20, 2), random_walks(rng, 5, 16, 2)
    cross = cdist_dtw(X, Y, **constraint)
    expected = [[dtw(a, b, **constraint) for b in Y] for a in X]
    np.testing.assert_allclose(cross, expected, rtol=1e-14)
    own = cdist_dtw(X, **constraint)
    np.testing.assert_allclose(own, [[dtw(a, b, **constraint) for b in X] for a in X], rtol=1e-14)
    np.testing.assert_array_equal(own, own.T)
    assert (np.diag(own) == 0).all()


def test_cdist_variable_lengths(rng):
    ragged = [rng.normal(size=(n, 2)) for n in (5, 9, 3, 12)]
    others = [rng.normal(size=(n, 2)) for n in (7, 4)]
    expected = [[dtw(a, b) for b in others] for a in ragged]
    np.testing.assert_allclose(cdist_dtw(ragged, others), expected, rtol=1e-14)
    padded = np.full((4, 12, 2), np.nan)
    for i, ts in enumerate(ragged):
        padded[i, : len(ts)] = ts
    np.testing.assert_array_equal(cdist_dtw(padded, others), cdist_dtw(ragged, others))
    np.testing.assert_array_equal(cdist_dtw(padded), cdist_dtw(ragged))


def test_cdist_dataset_shapes():
    np.testing.assert_array_equal(cdist_dtw([1.0, 2.0, 3.0]), [[0.0]])  # one series
    two = cdist_dtw([[1.0, 2.0, 3.0], [1.0, 2.0, 2.0]])  # (n, sz): univariate series
    np.testing.assert_array_equal(two, [[0.0, 1.0], [1.0, 0.0]])
    assert cdist_dtw(np.zeros((0, 5, 1)), np.zeros((3, 5, 1))).shape == (0, 3)


def test_cdist_threads_give_identical_results(rng):
    X = random_walks(rng, 30, 40, 3)
    one = cdist_dtw(X, n_jobs=1)
    np.testing.assert_array_equal(one, cdist_dtw(X, n_jobs=-1))
    np.testing.assert_array_equal(one, cdist_dtw(X, n_jobs=2))
    np.testing.assert_array_equal(cdist_dtw(X, X[:7], n_jobs=1), cdist_dtw(X, X[:7], n_jobs=-1))


def test_cdist_float32(rng):
    X = random_walks(rng, 10, 50)
    exact = cdist_dtw(X)
    single = cdist_dtw(X.astype(np.float32))
    assert single.dtype == np.float64
    np.testing.assert_allclose(single, exact, rtol=1e-4)
    small = cdist_dtw(X, dtype=np.float32)
    assert small.dtype == np.float32
    np.testing.assert_allclose(small, exact, rtol=1e-6)
    with pytest.raises(ValueError, match=r"dtype must be numpy\.float32 or numpy\.float64"):
        cdist_dtw(X, dtype=np.int32)


def test_cdist_progress_bar(rng, capsys):
    cdist_dtw(random_walks(rng, 6, 10), verbose=1)
    err = capsys.readouterr().err
    assert "cdist_dtw:" in err and "100.0% 15/15 pairs" in err
    cdist_dtw(random_walks(rng, 6, 10))
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    "n_jobs, message",
    [(0, "n_jobs must be None or a non-zero integer"), (1.5, "n_jobs must be"), (True, "n_jobs")],
)
def test_cdist_bad_n_jobs(n_jobs, message):
    with pytest.raises(ValueError, match=message):
        cdist_dtw([[1.0, 2.0]], n_jobs=n_jobs)


@pytest.mark.parametrize(
    "args, message",
    [
        ((np.zeros((2, 3, 1)), np.zeros((2, 3, 2))), "same number of features"),
        ((np.zeros((2, 3, 1, 1)),), "dataset1 must be a dataset of shape"),
        (([[1.0, np.nan, 2.0], [1.0, 2.0, 3.0]],), r"dataset1\[0\] has a NaN or infinite"),
        (([[1.0, 2.0], [np.nan, np.nan]],), r"dataset1\[1\] is empty or all NaN"),
        (([[1.0, 2.0]], [[1.0], [np.inf]]), r"dataset2\[1\] has a NaN or infinite"),
        (([np.zeros((3, 2)), np.zeros((3, 1))],), "same number of features"),
    ],
)
def test_cdist_invalid_datasets(args, message):
    with pytest.raises(ValueError, match=message):
        cdist_dtw(*args)


def test_cdist_does_not_modify_inputs(rng):
    X = random_walks(rng, 5, 8)
    X[1, 6:] = np.nan
    copy = X.copy()
    cdist_dtw(X, n_jobs=2)
    cdist_dtw(X, X[:2])
    np.testing.assert_array_equal(X, copy)


def test_cdist_stops_on_ctrl_c():
    # A long cdist in a child process must end within a second or two of SIGINT.
    code = (
        "import numpy as np, sys\n"
        "from tswarp.metrics import cdist_dtw\n"
        "X = np.random.default_rng(0).normal(size=(400, 1000))\n"
        "print('started', flush=True)\n"
        "try:\n    cdist_dtw(X, n_jobs=1)\n"
        "except KeyboardInterrupt:\n    print('interrupted', flush=True)\n"
    )
    out, seconds = interrupt_child(code)
    assert "interrupted" in out
    assert seconds < 2.0


@pytest.mark.parametrize("metric", ["dtw", "soft_dtw"])
def test_value_kernels_use_memory_linear_in_length(metric):
    # The full (n, m) matrix would take 320 MB here; two rolling rows take kilobytes.
    import tracemalloc

    from tswarp import metrics

    x = np.sin(np.linspace(0.0, 50.0, 20_000))
    y = np.cos(np.linspace(0.0, 50.0, 2_000))
    tracemalloc.start()
    getattr(metrics, metric)(x, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 2_000_000
