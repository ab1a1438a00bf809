"""DTW under a limited warping path length: values, paths, tie rule, errors, tensors."""

import sys

import numpy as np
import pytest
from conftest import interrupt_child
from oracles import squared_costs, warping_paths

from tswarp.metrics import (
    InfeasibleConstraintError,
    dtw,
    dtw_limited_warping_length,
    dtw_path,
    dtw_path_limited_warping_length,
)


def cuda_available():
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


DEVICES = [
    "cpu",
    pytest.param("cuda", marks=pytest.mark.skipif(not cuda_available(), reason="no CUDA device")),
]


def limited_brute_force(x, y, max_length):
    """(cost, paths): the least squared cost over the paths of at most max_length cells, and
    the paths that reach it (tiny inputs only)."""
    cost = squared_costs(x, y)
    allowed = [path for path in warping_paths(*cost.shape) if len(path) <= max_length]
    totals = [sum(cost[i, j] for i, j in path) for path in allowed]
    best = min(totals)
    return best, [path for path, total in zip(allowed, totals, strict=True) if total == best]


def limited_naive(x, y, max_length):
    """(path, cost) by the textbook (i, j, steps) dynamic program, with tslearn's rule: the
    fewest steps among the optimal paths, then the first least of diagonal, up, left."""
    cost = squared_costs(x, y)
    n, m = cost.shape
    acc = np.full((n, m, n + m - 1), np.inf)  # acc[i, j, s]: exactly s steps
    acc[0, 0, 0] = cost[0, 0]
    for i in range(n):
        for j in range(m):
            for s in range(1, n + m - 1):
                before = [
                    acc[i - 1, j - 1, s - 1] if i and j else np.inf,
                    acc[i - 1, j, s - 1] if i else np.inf,
                    acc[i, j - 1, s - 1] if j else np.inf,
                ]
                acc[i, j, s] = cost[i, j] + min(before)
    last = acc[n - 1, m - 1, :max_length]
    s = int(np.argmin(last))
    i, j, path = n - 1, m - 1, [(n - 1, m - 1)]
    while (i, j) != (0, 0):
        if i == 0:
            j -= 1
        elif j == 0:
            i -= 1
        else:
            before = [acc[i - 1, j - 1, s - 1], acc[i - 1, j, s - 1], acc[i, j - 1, s - 1]]
            step = int(np.argmin(before))
            i, j = (i - 1, j - 1) if step == 0 else (i - 1, j) if step == 1 else (i, j - 1)
        s -= 1
        path.append((i, j))
    return path[::-1], last.min()


def lengths_and_limits(rng, count, largest=7, smallest=1):
    """Random lengths and a limit that admits a path (a (1, d) series with d > 1 is read
    with a warning about its layout: multivariate tests start at 2)."""
    for _ in range(count):
        n, m = (int(v) for v in rng.integers(smallest, largest, size=2))
        yield n, m, int(rng.integers(max(n, m), n + m + 1))


# --- values and paths --------------------------------------------------------------------------


def test_known_values():
    assert dtw_limited_warping_length([1, 2, 3], [1.0, 2.0, 2.0, 3.0], 5) == 0.0
    assert dtw_limited_warping_length([1, 2, 3], [1.0, 2.0, 2.0, 3.0, 4.0], 5) == 1.0
    # Matching the two zeros with each other needs 5 pairs; with 4, one pair costs 1.
    assert dtw_limited_warping_length([0, 0, 1, 2], [0, 1, 1, 2], 4) == 1.0
    path, distance = dtw_path_limited_warping_length([0, 0, 1, 2], [0, 1, 1, 2], 5)
    assert (path, distance) == ([(0, 0), (1, 0), (2, 1), (2, 2), (3, 3)], 0.0)
    assert type(distance) is float
    assert type(dtw_limited_warping_length([0, 1], [0, 2], 2)) is float


@pytest.mark.parametrize("d", [1, 2])
def test_matches_brute_force_on_tiny_inputs(rng, d):
    for n, m, max_length in lengths_and_limits(rng, 40, largest=6, smallest=d):
        x, y = rng.normal(size=(n, d)), rng.normal(size=(m, d))
        best, paths = limited_brute_force(x, y, max_length)
        path, distance = dtw_path_limited_warping_length(x, y, max_length)
        assert distance == pytest.approx(np.sqrt(best), rel=1e-12)
        assert dtw_limited_warping_length(x, y, max_length) == distance
        assert path in paths and len(path) <= max_length


def test_ties_follow_the_naive_rule(rng):
    # Small integers make many paths equally good: the fewest steps, then diagonal first.
    for n, m, max_length in lengths_and_limits(rng, 150, largest=8):
        x, y = rng.integers(0, 3, size=n).astype(float), rng.integers(0, 3, size=m).astype(float)
        path, cost = limited_naive(x, y, max_length)
        assert dtw_path_limited_warping_length(x, y, max_length) == (path, np.sqrt(cost))


def test_naive_rule_on_random_multivariate_series(rng):
    for n, m, max_length in lengths_and_limits(rng, 20, largest=14, smallest=2):
        x, y = rng.normal(size=(n, 3)), rng.normal(size=(m, 3))
        path, cost = limited_naive(x, y, max_length)
        assert dtw_path_limited_warping_length(x, y, max_length) == (path, np.sqrt(cost))
        assert dtw_limited_warping_length(x, y, max_length) == np.sqrt(cost)


def test_a_long_enough_limit_is_dtw(rng):
    x, y = rng.normal(size=(30, 2)), rng.normal(size=(41, 2))
    for max_length in (70, 71, 1000):
        assert dtw_limited_warping_length(x, y, max_length) == dtw(x, y)
        path, distance = dtw_path_limited_warping_length(x, y, max_length)
        assert (path, distance) == dtw_path(x, y)
    # Below the longest paths, the (i, j, steps) program gives the same value when the
    # optimal path is short enough.
    path, distance = dtw_path(x, y)
    assert dtw_limited_warping_length(x, y, len(path)) == distance


def test_shortest_limit_is_the_fewest_steps(rng):
    x, y = rng.normal(size=25), rng.normal(size=40)
    path, _ = dtw_path_limited_warping_length(x, y, 40)
    assert len(path) == 40
    steps = np.diff(np.array(path), axis=0)
    assert (steps[:, 1] == 1).all()  # every step moves along the longer series


def test_univariate_forms_and_symmetry(rng):
    x, y = rng.normal(size=12), rng.normal(size=9)
    value = dtw_limited_warping_length(x, y, 14)
    assert dtw_limited_warping_length(x[:, None], y[:, None], 14) == value
    assert dtw_limited_warping_length(list(x), list(y), 14) == value
    assert dtw_limited_warping_length(y, x, 14) == pytest.approx(value, rel=1e-14)


def test_float32_close_to_float64(rng):
    x, y = rng.normal(size=(30, 2)), rng.normal(size=(25, 2))
    expected = dtw_limited_warping_length(x, y, 40)
    got = dtw_limited_warping_length(x.astype(np.float32), y.astype(np.float32), 40)
    assert got == pytest.approx(expected, rel=1e-5)


def test_huge_values_do_not_overflow(rng):
    x, y = rng.normal(size=10), rng.normal(size=13)
    path, distance = dtw_path_limited_warping_length(x, y, 16)
    big_path, big = dtw_path_limited_warping_length(x * 1e200, y * 1e200, 16)
    assert big_path == path
    assert big == pytest.approx(distance * 1e200, rel=1e-12)
    assert dtw_limited_warping_length(x * 1e200, y * 1e200, 16) == big


def test_trailing_nan_rows_are_padding(rng):
    x, y = rng.normal(size=(8, 2)), rng.normal(size=(6, 2))
    padded = np.vstack([x, np.full((3, 2), np.nan)])
    assert dtw_limited_warping_length(padded, y, 9) == dtw_limited_warping_length(x, y, 9)
    assert dtw_path_limited_warping_length(padded, y, 9) == dtw_path_limited_warping_length(
        x, y, 9
    )
    # The limit is checked against the lengths without padding.
    with pytest.raises(InfeasibleConstraintError):
        dtw_limited_warping_length(padded, y, 7)


def test_inputs_are_not_modified(rng):
    x, y = rng.normal(size=(8, 2)), rng.normal(size=(6, 2))
    x_copy, y_copy = x.copy(), y.copy()
    dtw_limited_warping_length(x, y, 9)
    dtw_path_limited_warping_length(x, y, 9)
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(y, y_copy)


def test_longer_series_known_value():
    # Zeros against ones: every matched pair costs 1, the cheapest path has max(n, m) pairs.
    assert dtw_limited_warping_length(np.zeros(500), np.ones(700), 800) == np.sqrt(700)
    path, distance = dtw_path_limited_warping_length(np.zeros(500), np.ones(700), 800)
    assert len(path) == 700 and distance == np.sqrt(700)


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize("function", [dtw_limited_warping_length, dtw_path_limited_warping_length])
@pytest.mark.parametrize(
    "max_length, error, message",
    [
        (5.0, TypeError, "max_length must be an integer, got 5.0"),
        (True, TypeError, "max_length must be an integer, got True"),
        ("5", TypeError, "max_length must be an integer"),
        (None, TypeError, "max_length must be an integer"),
        (0, ValueError, "max_length must be an integer >= 1, got 0"),
        (-3, ValueError, "max_length must be an integer >= 1, got -3"),
    ],
)
def test_bad_max_length(function, max_length, error, message):
    with pytest.raises(error, match=message):
        function([1.0, 2.0], [1.0], max_length)


@pytest.mark.parametrize("function", [dtw_limited_warping_length, dtw_path_limited_warping_length])
def test_too_short_a_limit_is_infeasible(function):
    with pytest.raises(InfeasibleConstraintError, match=r"max_length=3 admits no warping path"):
        function(np.zeros(4), np.zeros(2), 3)
    # tslearn raises a ValueError here: the error is one, and a RuntimeWarning too.
    with pytest.raises(ValueError, match="at least max"):
        function(np.zeros(2), np.zeros(5), np.int64(4))
    assert function(np.zeros(2), np.zeros(5), np.int64(5)) is not None


@pytest.mark.parametrize(
    "s1, s2, error, message",
    [
        (np.zeros((2, 2, 2)), [1.0], ValueError, "s1 must be a time series of shape"),
        ([], [1.0], ValueError, "s1 is empty or all NaN"),
        ([1.0, np.nan, 2.0], [1.0], ValueError, "s1 has a NaN or infinite value at time step 1"),
        (np.zeros((3, 2)), np.zeros((3, 3)), ValueError, "same number of features"),
        (np.array(["a", "b"]), [1.0], TypeError, "s1 must hold real numbers"),
    ],
)
@pytest.mark.parametrize("function", [dtw_limited_warping_length, dtw_path_limited_warping_length])
def test_invalid_series(function, s1, s2, error, message):
    with pytest.raises(error, match=message):
        function(s1, s2, 10)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_long_pair_stops_on_ctrl_c():
    code = (
        "import numpy as np\n"
        "from tswarp.metrics import dtw_limited_warping_length\n"
        "x = np.random.default_rng(0).normal(size=20_000)\n"
        "print('started', flush=True)\n"
        "try:\n    dtw_limited_warping_length(x, x[::-1], 20_500)\n"
        "except KeyboardInterrupt:\n    print('interrupted', flush=True)\n"
    )
    out, seconds = interrupt_child(code)
    assert "interrupted" in out
    assert seconds < 2.0


# --- tslearn ---------------------------------------------------------------------------------


@pytest.mark.parametrize("d", [1, 3])
def test_same_as_tslearn(rng, d):
    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    for n, m, max_length in lengths_and_limits(rng, 12, largest=16, smallest=min(d, 2)):
        x, y = rng.normal(size=(n, d)), rng.normal(size=(m, d))
        expected = tslearn_metrics.dtw_limited_warping_length(x, y, max_length)
        got = dtw_limited_warping_length(x, y, max_length)
        assert got == pytest.approx(expected, rel=1e-10)
        t_path, t_distance = tslearn_metrics.dtw_path_limited_warping_length(x, y, max_length)
        path, distance = dtw_path_limited_warping_length(x, y, max_length)
        assert path == t_path
        assert distance == pytest.approx(t_distance, rel=1e-10)


def test_same_paths_as_tslearn_on_ties(rng):
    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    for n, m, max_length in lengths_and_limits(rng, 60, largest=9, smallest=2):
        x = rng.integers(0, 3, size=(n, 2)).astype(float)
        y = rng.integers(0, 3, size=(m, 2)).astype(float)
        t_path, t_distance = tslearn_metrics.dtw_path_limited_warping_length(x, y, max_length)
        assert dtw_path_limited_warping_length(x, y, max_length) == (t_path, t_distance)


def test_signatures_follow_tslearn():
    import inspect

    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    for function in (dtw_limited_warping_length, dtw_path_limited_warping_length):
        ours = inspect.signature(function)
        theirs = inspect.signature(getattr(tslearn_metrics, function.__name__))
        assert list(ours.parameters) == list(theirs.parameters)
        for name, parameter in theirs.parameters.items():
            assert ours.parameters[name].default == parameter.default


# --- tensors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("device", DEVICES)
def test_tensors_give_tensors_on_their_device_with_the_path(device):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(9, 2)), rng.normal(size=(7, 2))
    expected_path, expected = dtw_path_limited_warping_length(x, y, 10)
    for dtype in (torch.float32, torch.float64):
        tx = torch.tensor(x, dtype=dtype, device=device)
        ty = torch.tensor(y, dtype=dtype, device=device)
        value = dtw_limited_warping_length(tx, ty, 10)
        assert isinstance(value, torch.Tensor) and value.dtype == dtype and value.ndim == 0
        assert value.device == tx.device
        assert value.item() == pytest.approx(expected, rel=1e-5)
        path, distance = dtw_path_limited_warping_length(tx, ty, 10)
        assert path == expected_path and distance.dtype == dtype
        assert distance.device == tx.device
        tx.requires_grad_()
        distance = dtw_path_limited_warping_length(tx, ty, 10)[1]
        distance.backward()
        assert tx.grad.device == tx.device and torch.isfinite(tx.grad).all()
    with pytest.raises(InfeasibleConstraintError):
        dtw_limited_warping_length(torch.zeros(5), torch.zeros(2), 4)
    with pytest.raises(TypeError, match="max_length must be an integer"):
        dtw_limited_warping_length(torch.zeros(5), torch.zeros(2), 5.0)


def test_tensor_gradient_through_the_path():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x = torch.tensor(rng.normal(size=(7, 2)), requires_grad=True)
    y = torch.tensor(rng.normal(size=(5, 2)), requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: dtw_limited_warping_length(a, b, 8), (x, y))
    assert torch.autograd.gradcheck(
        lambda a, b: dtw_path_limited_warping_length(a, b, 9)[1], (x, y)
    )
    # The gradient is that of the root of the squared costs summed along the chosen path.
    path, _ = dtw_path_limited_warping_length(x.detach().numpy(), y.detach().numpy(), 8)
    rows, cols = torch.tensor(path).T
    expected = torch.autograd.grad(((x[rows] - y[cols]) ** 2).sum().sqrt(), x)[0]
    got = torch.autograd.grad(dtw_limited_warping_length(x, y, 8), x)[0]
    torch.testing.assert_close(got, expected)
