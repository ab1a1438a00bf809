"""DTW from any metric: the DTW path and score over a matrix of costs between time steps."""

import subprocess
import sys

import numpy as np
import pytest
from oracles import squared_costs, warping_paths

from tswarp.metrics import InfeasibleConstraintError, compute_mask, dtw_path, dtw_path_from_metric


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

CONSTRAINTS = [
    {},
    {"sakoe_chiba_radius": 0},
    {"sakoe_chiba_radius": 2},
    {"itakura_max_slope": 2.0},
    {"global_constraint": "itakura", "itakura_max_slope": 3.0},
]


def accumulated(costs, mask=None):
    """The accumulated DTW matrix of a cost matrix, one cell at a time; inf off the mask."""
    n, m = costs.shape
    acc = np.full((n + 1, m + 1), np.inf)
    acc[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            if mask is None or mask[i - 1, j - 1]:
                best = min(acc[i - 1, j - 1], acc[i - 1, j], acc[i, j - 1])
                acc[i, j] = costs[i - 1, j - 1] + best
    return acc[1:, 1:]


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
    try:
        return compute_mask(n, m, **constraint)
    except ValueError:
        return None


def cityblock(a, b):
    return float(np.abs(a - b).sum())


# --- values and paths --------------------------------------------------------------------------


@pytest.mark.parametrize("constraint", CONSTRAINTS)
def test_precomputed_matches_naive_dp(rng, constraint):
    for _ in range(15):
        n, m = (int(v) for v in rng.integers(1, 15, size=2))
        mask = mask_or_none(n, m, constraint)
        if mask is None:
            continue
        costs = rng.random(size=(n, m))
        acc = accumulated(costs, mask)
        path, score = dtw_path_from_metric(costs, metric="precomputed", **constraint)
        assert type(score) is np.float64
        assert score == acc[-1, -1]  # the sum of the costs itself: no square root
        assert path == backtrack(acc)


@pytest.mark.parametrize("constraint", CONSTRAINTS)
def test_ties_follow_the_naive_rule(rng, constraint):
    # Rows go four at a time, then one by one: lengths past 4 and not multiples of it.
    for _ in range(60):
        n, m = (int(v) for v in rng.integers(1, 14, size=2))
        mask = mask_or_none(n, m, constraint)
        if mask is None:
            continue
        costs = rng.integers(0, 3, size=(n, m)).astype(float)
        path, score = dtw_path_from_metric(costs, metric="precomputed", **constraint)
        acc = accumulated(costs, mask)
        assert (path, score) == (backtrack(acc), acc[-1, -1])


def test_matches_brute_force_on_tiny_inputs(rng):
    for _ in range(30):
        n, m = (int(v) for v in rng.integers(1, 6, size=2))
        x, y = rng.normal(size=(n, 2)), rng.normal(size=(m, 2))
        costs = np.sqrt(squared_costs(x, y))
        totals = {tuple(p): sum(costs[i, j] for i, j in p) for p in warping_paths(n, m)}
        best = min(totals.values())
        path, score = dtw_path_from_metric(costs, metric="precomputed")
        assert score == pytest.approx(best, rel=1e-12)
        assert totals[tuple(path)] == pytest.approx(best, rel=1e-12)


def test_default_metric_is_euclidean(rng):
    x, y = rng.normal(size=(9, 2)), rng.normal(size=(12, 2))
    costs = np.sqrt(squared_costs(x, y))
    acc = accumulated(costs)
    path, score = dtw_path_from_metric(x, y)
    assert path == backtrack(acc)
    assert score == pytest.approx(acc[-1, -1], rel=1e-13)


@pytest.mark.parametrize("constraint", CONSTRAINTS)
def test_squared_euclidean_is_dtw_path_squared(rng, constraint):
    x, y = rng.normal(size=(15, 3)), rng.normal(size=(11, 3))
    path, distance = dtw_path(x, y, **constraint)
    got_path, score = dtw_path_from_metric(x, y, metric="sqeuclidean", **constraint)
    assert got_path == path
    assert score == pytest.approx(distance**2, rel=1e-13)


def test_callable_with_keywords_and_one_series(rng):
    x, y = rng.normal(size=(8, 2)), rng.normal(size=(6, 2))

    def scaled_cityblock(a, b, scale=1.0):
        return scale * np.abs(a - b).sum()

    costs = np.array([[cityblock(a, b) for b in y] for a in x])
    acc = accumulated(costs)
    assert dtw_path_from_metric(x, y, metric=scaled_cityblock) == (backtrack(acc), acc[-1, -1])
    path, score = dtw_path_from_metric(x, y, metric=scaled_cityblock, scale=2.0)
    assert path == backtrack(acc) and score == pytest.approx(2 * acc[-1, -1])
    # Without s2 the series is compared with itself: the diagonal, at no cost.
    assert dtw_path_from_metric(x, metric=scaled_cityblock) == ([(i, i) for i in range(8)], 0.0)


def test_named_metric_from_scipy_or_scikit_learn(rng):
    pytest.importorskip("scipy")
    x, y = rng.normal(size=(8, 2)), rng.normal(size=(6, 2))
    expected = dtw_path_from_metric(x, y, metric=cityblock)
    path, score = dtw_path_from_metric(x, y, metric="cityblock")
    assert path == expected[0] and score == pytest.approx(expected[1], rel=1e-13)


def test_without_scipy_or_sklearn_names_them():
    code = (
        "import sys\n"
        "sys.modules['sklearn'] = None\n"
        "sys.modules['scipy'] = None\n"
        "from tswarp.metrics import dtw_path_from_metric\n"
        "print(dtw_path_from_metric([1.0, 2.0], [1.0, 4.0])[1])\n"
        "try:\n"
        "    dtw_path_from_metric([1.0, 2.0], [1.0], metric='cityblock')\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    lines = result.stdout.splitlines()
    assert lines[0] == "2.0"  # euclidean needs neither
    assert "scikit-learn or SciPy" in lines[1] and "pip install" in lines[1]


def test_trailing_nan_rows_are_padding(rng):
    x, y = rng.normal(size=(8, 2)), rng.normal(size=(6, 2))
    padded = np.vstack([x, np.full((3, 2), np.nan)])
    assert dtw_path_from_metric(padded, y) == dtw_path_from_metric(x, y)


def test_inputs_are_not_modified(rng):
    x, y = rng.normal(size=(8, 2)), rng.normal(size=(6, 2))
    costs = rng.random(size=(8, 6)).astype(np.float32)
    copies = [a.copy() for a in (x, y, costs)]
    dtw_path_from_metric(x, y)
    dtw_path_from_metric(costs, metric="precomputed", sakoe_chiba_radius=1)
    for array, copy in zip((x, y, costs), copies, strict=True):
        np.testing.assert_array_equal(array, copy)


@pytest.mark.parametrize(
    "args, kwargs, error, message",
    [
        (([1.0, 2.0],), {"metric": "precomputed"}, ValueError, r"non-empty \(sz1, sz2\) matrix"),
        (([[1.0, np.nan]],), {"metric": "precomputed"}, ValueError, "must not hold NaN"),
        (([["a", "b"]],), {"metric": "precomputed"}, TypeError, "must hold real numbers"),
        (([[1.0]], [[1.0]]), {"metric": "precomputed"}, ValueError, "s2 must be None"),
        (([1.0], [1.0]), {"metric": 3}, TypeError, "metric must be"),
        (([1.0], [np.nan, 1.0]), {}, ValueError, "s2 has a NaN"),
        (([1.0, np.nan, 1.0], [1.0]), {}, ValueError, "s1 has a NaN"),
        ((np.zeros((3, 2)), np.zeros((3, 3))), {}, ValueError, "same number of features"),
        (([1.0], [1.0]), {"global_constraint": "band"}, ValueError, "global_constraint must be"),
        (([1.0], [1.0]), {"sakoe_chiba_radius": -1}, ValueError, "sakoe_chiba_radius must be"),
        (([1.0] * 6, [1.0] * 2), {"itakura_max_slope": 2.0}, InfeasibleConstraintError, "slope"),
    ],
)
def test_bad_input(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        dtw_path_from_metric(*args, **kwargs)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_long_cost_matrix_stops_on_ctrl_c():
    # A cost matrix as long as memory allows runs a fraction of a second: the signal comes
    # from a thread a tenth of an uninterrupted run into the kernel, which must stop soon.
    code = (
        "import os, signal, threading, time\n"
        "import numpy as np\n"
        "from tswarp._kernels import _dtw\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "costs = np.random.default_rng(0).random((3000, 4000))\n"
        "lo, hi = np.zeros(3000, dtype=np.intp), np.full(3000, 4000, dtype=np.intp)\n"
        "start = time.perf_counter()\n"
        "_dtw.dtw_path_of_costs(costs, lo, hi)\n"
        "whole = time.perf_counter() - start\n"
        "threading.Timer(whole / 10, os.kill, (os.getpid(), signal.SIGINT)).start()\n"
        "start = time.perf_counter()\n"
        "try:\n    _dtw.dtw_path_of_costs(costs, lo, hi)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', (time.perf_counter() - start) < whole / 2, flush=True)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.stdout.split() == ["interrupted", "True"], result.stderr


# --- tslearn ---------------------------------------------------------------------------------


def random_pairs(rng, count, d):
    for _ in range(count):
        n, m = (int(v) for v in rng.integers(2, 25, size=2))
        yield rng.normal(size=(n, d)), rng.normal(size=(m, d))


@pytest.mark.parametrize("constraint", CONSTRAINTS)
@pytest.mark.parametrize("d", [1, 3])
def test_same_as_tslearn(rng, constraint, d):
    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    pytest.importorskip("sklearn")
    for x, y in random_pairs(rng, 6, d):
        if mask_or_none(len(x), len(y), constraint) is None:
            continue
        # tslearn's "euclidean" and "sqeuclidean" come from scikit-learn's expansion of the
        # square, which loses digits (and flips near-ties); ours come from differences.
        # Both see the same matrix as "precomputed".
        exact = np.sqrt(squared_costs(x, y))
        for args, kwargs in [
            ((x, y), {"metric": "cityblock"}),
            ((x, y), {"metric": cityblock}),
            ((x, y), {"metric": "minkowski", "p": 3}),
            ((exact,), {"metric": "precomputed"}),
        ]:
            t_path, t_score = tslearn_metrics.dtw_path_from_metric(*args, **kwargs, **constraint)
            path, score = dtw_path_from_metric(*args, **kwargs, **constraint)
            assert path == t_path
            assert score == pytest.approx(t_score, rel=1e-10)
        t_path, t_score = tslearn_metrics.dtw_path_from_metric(x, y, **constraint)
        assert dtw_path_from_metric(x, y, **constraint)[1] == pytest.approx(t_score, rel=1e-10)


@pytest.mark.parametrize("constraint", CONSTRAINTS)
def test_same_paths_as_tslearn_on_ties(rng, constraint):
    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    for _ in range(30):
        n, m = (int(v) for v in rng.integers(1, 14, size=2))
        if mask_or_none(n, m, constraint) is None:
            continue
        costs = rng.integers(0, 3, size=(n, m)).astype(float)
        expected = tslearn_metrics.dtw_path_from_metric(costs, metric="precomputed", **constraint)
        assert dtw_path_from_metric(costs, metric="precomputed", **constraint) == expected


def test_signature_follows_tslearn():
    import inspect

    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    ours = inspect.signature(dtw_path_from_metric).parameters
    theirs = inspect.signature(tslearn_metrics.dtw_path_from_metric).parameters
    assert list(ours) == list(theirs)
    for name, parameter in theirs.items():
        assert ours[name].default == parameter.default and ours[name].kind == parameter.kind


# --- tensors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("metric", ["euclidean", "sqeuclidean"])
def test_tensors_same_path_score_on_their_device(rng, metric, device):
    torch = pytest.importorskip("torch")
    x, y = rng.normal(size=(9, 2)), rng.normal(size=(12, 2))
    expected_path, expected = dtw_path_from_metric(x, y, metric=metric, sakoe_chiba_radius=4)
    tx = torch.tensor(x, device=device, requires_grad=True)
    path, score = dtw_path_from_metric(
        tx, torch.tensor(y, device=device), metric=metric, sakoe_chiba_radius=4
    )
    assert path == expected_path
    assert isinstance(score, torch.Tensor) and score.dtype == torch.float64 and score.ndim == 0
    assert score.device == tx.device
    assert score.item() == pytest.approx(expected, rel=1e-12)
    score.backward()
    assert tx.grad.device == tx.device and torch.isfinite(tx.grad).all()


def test_tensor_precomputed_and_callable(rng):
    torch = pytest.importorskip("torch")
    costs = rng.random(size=(7, 5))
    expected = dtw_path_from_metric(costs, metric="precomputed")
    path, score = dtw_path_from_metric(torch.tensor(costs), metric="precomputed")
    assert path == expected[0] and score.item() == pytest.approx(expected[1], rel=1e-14)
    x, y = rng.normal(size=(6, 2)), rng.normal(size=(4, 2))
    path, score = dtw_path_from_metric(
        torch.tensor(x), torch.tensor(y), metric=lambda a, b: (a - b).abs().sum()
    )
    assert (path, score.item()) == dtw_path_from_metric(x, y, metric=cityblock)
    with pytest.raises(ValueError, match="on tensors, metric must be"):
        dtw_path_from_metric(torch.tensor(x), torch.tensor(y), metric="cityblock")
    with pytest.raises(ValueError, match="must not hold NaN"):
        dtw_path_from_metric(torch.tensor([[0.0, float("nan")]]), metric="precomputed")


def test_tensor_gradient_flows_through_the_costs(rng):
    torch = pytest.importorskip("torch")
    x = torch.tensor(rng.normal(size=(6, 2)), requires_grad=True)
    y = torch.tensor(rng.normal(size=(5, 2)), requires_grad=True)
    for metric in ("euclidean", "sqeuclidean"):
        assert torch.autograd.gradcheck(
            lambda a, b, metric=metric: dtw_path_from_metric(a, b, metric=metric)[1], (x, y)
        )
    costs = torch.tensor(rng.random(size=(6, 5)), requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda c: dtw_path_from_metric(c, metric="precomputed", itakura_max_slope=2.0)[1],
        (costs,),
    )
    # The gradient of the score is 1 on the path's cells and 0 elsewhere.
    path, score = dtw_path_from_metric(costs, metric="precomputed")
    (grad,) = torch.autograd.grad(score, costs)
    expected = torch.zeros(6, 5, dtype=torch.float64)
    expected[tuple(torch.tensor(path).T)] = 1.0
    torch.testing.assert_close(grad, expected)
