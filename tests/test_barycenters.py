"""Barycenters: DBA against a plain NumPy DBA and tslearn, the soft-DTW barycenter against
tslearn and finite differences, tensors, and bad input."""

import inspect
import itertools
import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest
from conftest import HAS_TORCH
from oracles import (
    central_differences,
    dba_naive,
    dtw_naive,
    itakura_naive,
    sakoe_chiba_naive,
    soft_dtw_naive,
)

from tswarp.barycenters import (
    dtw_barycenter_averaging,
    dtw_barycenter_averaging_petitjean,
    dtw_barycenter_averaging_subgradient,
    euclidean_barycenter,
    softdtw_barycenter,
)
from tswarp.barycenters._soft_dtw import SoftObjective
from tswarp.metrics import InfeasibleConstraintError

# The constraints as metric_params, and the masks an oracle builds for them.
CONSTRAINTS = [
    (None, None),
    ({"sakoe_chiba_radius": 1}, lambda n, m: sakoe_chiba_naive(n, m, 1)),
    ({"global_constraint": "sakoe_chiba", "sakoe_chiba_radius": 3},
     lambda n, m: sakoe_chiba_naive(n, m, 3)),
    ({"itakura_max_slope": 3.0}, lambda n, m: itakura_naive(n, m, 3.0)),
]  # fmt: skip


def tslearn_barycenters():
    """tslearn.barycenters, or a skip; its import warns about optional packages."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pytest.importorskip("tslearn.barycenters")


def quiet(function, *args, **kwargs):
    """tslearn's result, with the warnings of its own input conversion ignored."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


def random_walks(rng, n, lengths, d):
    return [rng.normal(size=(int(rng.integers(*lengths)), d)).cumsum(axis=0) for _ in range(n)]


def padded(series):
    out = np.full((len(series), max(map(len, series)), series[0].shape[1]), np.nan)
    for i, s in enumerate(series):
        out[i, : len(s)] = s
    return out


def dba_cost(barycenter, series, weights):
    """sum_i w_i * DTW(barycenter, x_i) ** 2 / sum_i w_i, by the textbook DP."""
    total = sum(w * dtw_naive(barycenter, s) ** 2 for s, w in zip(series, weights, strict=True))
    return total / np.sum(weights)


# --- DBA ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(12))
def test_dba_same_as_plain_numpy_dba(seed):
    rng = np.random.default_rng(seed)
    series = random_walks(rng, int(rng.integers(1, 6)), (4, 12), int(rng.integers(1, 3)))
    weights = rng.uniform(0.1, 2.0, len(series))
    params, mask_of = CONSTRAINTS[seed % len(CONSTRAINTS)]
    start = rng.normal(size=(int(rng.integers(4, 10)), series[0].shape[1]))
    expected, _ = dba_naive(series, start, 8, weights, mask_of)
    got = dtw_barycenter_averaging(
        series, init_barycenter=start, max_iter=8, weights=weights, metric_params=params
    )
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def test_dba_default_start_by_hand():
    # Step means over the series that reach each step: [2, 4, 8], resampled to 5 steps.
    X = [[0, 2], [4, 6, 8]]
    np.testing.assert_allclose(
        dtw_barycenter_averaging(X, barycenter_size=5, max_iter=0).ravel(), [2, 3, 4, 6, 8]
    )
    np.testing.assert_allclose(dtw_barycenter_averaging(X, max_iter=0).ravel(), [2, 4, 8])


def test_dba_one_step_by_hand():
    # Every step of both series aligns with the single position: the weighted mean of all
    # steps, (3 * (1 + 3) + 1 * (5 + 7 + 9)) / (3 * 2 + 1 * 3).
    got = dtw_barycenter_averaging([[1, 3], [5, 7, 9]], barycenter_size=1, weights=[3, 1])
    np.testing.assert_allclose(got, [[33 / 9]])


@pytest.mark.parametrize("seed", range(20))
def test_dba_same_as_tslearn(seed):
    barycenters = tslearn_barycenters()
    rng = np.random.default_rng(100 + seed)
    d = int(rng.integers(1, 4))
    series = random_walks(rng, int(rng.integers(2, 8)), (5, 20), d)
    weights = rng.uniform(0.1, 2.0, len(series)) if seed % 3 else None
    # tslearn reads global_constraint in metric_params as the integer code only.
    params = [None, {"sakoe_chiba_radius": 2}, {"global_constraint": 2, "sakoe_chiba_radius": 0},
              {"itakura_max_slope": 4.0}][seed % 4]  # fmt: skip
    size = [None, 12][seed % 2]
    if params and "itakura_max_slope" in params:
        size = max(map(len, series))  # lengths an Itakura band of slope 4 always joins
    options = dict(barycenter_size=size, max_iter=15, weights=weights, metric_params=params)
    X = padded(series)
    expected = quiet(barycenters.dtw_barycenter_averaging, X, **options)
    np.testing.assert_allclose(dtw_barycenter_averaging(series, **options), expected, atol=1e-8)
    np.testing.assert_allclose(dtw_barycenter_averaging(X, **options, n_jobs=2), expected,
                               atol=1e-8)  # fmt: skip
    expected = quiet(barycenters.dtw_barycenter_averaging_petitjean, X, **options)
    got = dtw_barycenter_averaging_petitjean(series, **options)
    np.testing.assert_allclose(got, expected, atol=1e-8)


def test_dba_same_as_tslearn_from_a_given_start(rng):
    barycenters = tslearn_barycenters()
    X = padded(random_walks(rng, 30, (20, 40), 2))
    start = rng.normal(size=(25, 2))
    expected = quiet(barycenters.dtw_barycenter_averaging, X, init_barycenter=start, tol=0.0,
                     max_iter=10)  # fmt: skip
    got = dtw_barycenter_averaging(X, init_barycenter=start, tol=0.0, max_iter=10, n_jobs=2)
    np.testing.assert_allclose(got, expected, atol=1e-8)


@pytest.mark.parametrize("seed", range(4))
def test_dba_cost_never_increases(seed):
    rng = np.random.default_rng(seed)
    series = random_walks(rng, 6, (6, 14), 1 + seed % 2)
    weights = rng.uniform(0.2, 1.0, 6)
    start = rng.normal(size=(9, series[0].shape[1])) * 5
    costs = [
        dba_cost(
            dtw_barycenter_averaging(series, init_barycenter=start, max_iter=k, tol=0.0,
                                     weights=weights), series, weights)
        for k in range(8)
    ]  # fmt: skip
    assert all(b <= a * (1 + 1e-12) for a, b in itertools.pairwise(costs))
    assert costs[-1] < costs[0]


def test_dba_threads_give_the_same_barycenter(rng):
    X = padded(random_walks(rng, 40, (10, 30), 3))
    one = dtw_barycenter_averaging(X, max_iter=5)
    np.testing.assert_allclose(dtw_barycenter_averaging(X, max_iter=5, n_jobs=-1), one,
                               rtol=1e-12, atol=1e-12)  # fmt: skip


def test_dba_constraint_name_is_honoured(rng):
    series = random_walks(rng, 4, (8, 12), 1)
    named = dtw_barycenter_averaging(
        series, metric_params={"global_constraint": "sakoe_chiba", "sakoe_chiba_radius": 1}
    )
    by_radius = dtw_barycenter_averaging(series, metric_params={"sakoe_chiba_radius": 1})
    free = dtw_barycenter_averaging(series)
    np.testing.assert_array_equal(named, by_radius)
    assert not np.allclose(named, free)


def test_dba_verbose(capsys):
    dtw_barycenter_averaging([[1, 2, 3], [2, 3, 4, 5]], max_iter=2, verbose=True, n_init=2)
    out = capsys.readouterr().out
    assert "Attempt 2" in out
    assert "[DBA] epoch 1, cost:" in out


def test_dba_zero_weight_series_is_ignored(rng):
    series = random_walks(rng, 3, (5, 9), 1)
    with_zero = dtw_barycenter_averaging([*series, np.full((4, 1), 1e3)], weights=[1, 1, 1, 0])
    np.testing.assert_allclose(with_zero, dtw_barycenter_averaging(series), atol=1e-12)


def test_dba_float32_and_multivariate(rng):
    X = rng.normal(size=(5, 10, 3)).astype(np.float32)
    got = dtw_barycenter_averaging(X, max_iter=4)
    assert got.dtype == np.float64 and got.shape == (10, 3)
    start = X.mean(axis=0).astype(np.float64)
    expected, _ = dba_naive(list(X.astype(np.float64)), start, 4)
    np.testing.assert_allclose(got, expected, rtol=1e-6)


# --- subgradient DBA ----------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_subgradient_same_as_tslearn(seed):
    barycenters = tslearn_barycenters()
    rng = np.random.default_rng(300 + seed)
    series = random_walks(rng, 6, (5, 15), 1 + seed % 2)
    weights = rng.uniform(0.2, 2.0, 6)
    params = [None, {"sakoe_chiba_radius": 2}][seed % 2]
    options = dict(weights=weights, metric_params=params, random_state=seed)
    # One epoch: the only barycenter, so tslearn's (its last) and ours (the best) agree.
    expected = quiet(barycenters.dtw_barycenter_averaging_subgradient, padded(series),
                     max_iter=1, **options)  # fmt: skip
    got = dtw_barycenter_averaging_subgradient(series, max_iter=1, **options)
    np.testing.assert_allclose(got, expected, atol=1e-8)
    # More epochs: ours is the best of the epochs, never worse than tslearn's last.
    expected = quiet(barycenters.dtw_barycenter_averaging_subgradient, padded(series),
                     max_iter=6, **options)  # fmt: skip
    got = dtw_barycenter_averaging_subgradient(series, max_iter=6, **options)
    assert dba_cost(got, series, weights) <= dba_cost(expected, series, weights) + 1e-9


def test_subgradient_returns_the_best_epoch(rng):
    # Large steps overshoot, so the cost goes up and down from epoch to epoch.
    series = random_walks(rng, 6, (8, 12), 1)
    w = np.ones(6)
    options = dict(initial_step_size=0.6, final_step_size=0.4, tol=0.0, random_state=1)
    costs = [
        dba_cost(dtw_barycenter_averaging_subgradient(series, max_iter=k, **options), series, w)
        for k in range(1, 8)
    ]
    np.testing.assert_allclose(costs, np.minimum.accumulate(costs), rtol=1e-12)


def test_subgradient_errors():
    X = [[1.0, 2.0, 3.0], [2.0, 3.0, 4.0, 5.0]]
    with pytest.raises(ValueError, match="initial_step_size"):
        dtw_barycenter_averaging_subgradient(X, initial_step_size=0)
    with pytest.raises(ValueError, match="final_step_size"):
        dtw_barycenter_averaging_subgradient(X, final_step_size=-1.0)
    with pytest.raises(ValueError, match="random_state"):
        dtw_barycenter_averaging_subgradient(X, random_state="seed")
    with pytest.raises(ValueError, match="max_iter"):
        dtw_barycenter_averaging_subgradient(X, max_iter=-2)
    with pytest.raises(ValueError, match="one value per series"):
        dtw_barycenter_averaging_subgradient(X, weights=[1.0])


# --- Euclidean barycenter ----------------------------------------------------------------


def test_euclidean_barycenter(rng):
    X = rng.normal(size=(4, 6, 2))
    w = np.array([1.0, 2.0, 0.0, 3.0])
    expected = (X[0] + 2 * X[1] + 3 * X[3]) / 6
    np.testing.assert_allclose(euclidean_barycenter(X, weights=w), expected, rtol=1e-12)
    np.testing.assert_allclose(euclidean_barycenter(X), X.mean(axis=0), rtol=1e-12)
    barycenters = tslearn_barycenters()
    expected = quiet(barycenters.euclidean_barycenter, X, w)
    np.testing.assert_allclose(euclidean_barycenter(X, w), expected, rtol=1e-12)


def test_euclidean_barycenter_needs_one_length():
    with pytest.raises(ValueError, match="one length"):
        euclidean_barycenter([[1, 2], [1, 2, 3]])


# --- soft-DTW barycenter -----------------------------------------------------------------


def soft_objective_naive(Z, series, weights, gamma):
    return sum(w * soft_dtw_naive(Z, s, gamma) for s, w in zip(series, weights, strict=True))


@pytest.mark.parametrize("gamma", [0.1, 1.0])
def test_soft_objective_and_gradient(rng, gamma):
    series = random_walks(rng, 4, (4, 9), 2)
    weights = np.array([0.5, 1.0, 2.0, 0.0])
    X = padded(series)
    lengths = np.array([len(s) for s in series], dtype=np.intp)
    Z = rng.normal(size=(6, 2))
    objective = SoftObjective(X, lengths, weights, gamma, (0, 0.0), 6, None)
    value, grad = objective(Z.ravel())
    np.testing.assert_allclose(value, soft_objective_naive(Z, series, weights, gamma), rtol=1e-10)
    expected = central_differences(lambda z: soft_objective_naive(z, series, weights, gamma), Z)
    np.testing.assert_allclose(grad.reshape(Z.shape), expected, rtol=1e-5, atol=1e-6)


def tslearn_soft_objective(Z, series, weights, gamma, params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from tslearn.metrics import soft_dtw
    return sum(w * soft_dtw(Z, s, gamma=gamma, **params)
               for s, w in zip(series, weights, strict=True))  # fmt: skip


@pytest.mark.parametrize("seed", range(8))
def test_softdtw_barycenter_at_least_as_good_as_tslearn(seed):
    barycenters = tslearn_barycenters()
    rng = np.random.default_rng(200 + seed)
    series = random_walks(rng, int(rng.integers(2, 7)), (5, 15), int(rng.integers(1, 3)))
    weights = rng.uniform(0.1, 2.0, len(series))
    gamma = [0.1, 1.0][seed % 2]
    params = [{}, {"sakoe_chiba_radius": 3}][seed // 2 % 2]
    init = None if seed < 4 else rng.normal(size=(8, series[0].shape[1]))
    options = dict(gamma=gamma, weights=weights, max_iter=30, init=init, **params)
    expected = quiet(barycenters.softdtw_barycenter, padded(series), **options)
    got = softdtw_barycenter(series, **options)
    theirs = tslearn_soft_objective(expected, series, weights, gamma, params)
    ours = tslearn_soft_objective(got, series, weights, gamma, params)
    assert ours <= theirs + 1e-9 * max(1.0, abs(theirs))  # equal up to rounding, or lower


def test_softdtw_barycenter_default_start(rng):
    barycenters = tslearn_barycenters()
    series = random_walks(rng, 3, (4, 9), 1)
    w = np.array([1.0, 2.0, 3.0])
    expected = quiet(barycenters.softdtw_barycenter, padded(series), weights=w, max_iter=0)
    np.testing.assert_allclose(softdtw_barycenter(series, weights=w, max_iter=0), expected)
    equal = rng.normal(size=(3, 5, 1))
    np.testing.assert_allclose(
        softdtw_barycenter(equal, weights=w, max_iter=0), np.tensordot(w, equal, 1) / 6
    )


def test_softdtw_barycenter_lowers_the_objective(rng):
    series = random_walks(rng, 5, (6, 10), 1)
    w = np.ones(5)
    start = softdtw_barycenter(series, max_iter=0)
    result = softdtw_barycenter(series, max_iter=20, n_jobs=2)
    before = soft_objective_naive(start, series, w, 1.0)
    assert soft_objective_naive(result, series, w, 1.0) < before


# --- tensors -----------------------------------------------------------------------------


@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="torch missing")
def test_tensors(rng):
    import torch

    series = random_walks(rng, 4, (6, 12), 2)
    X = padded(series)
    tensors = [torch.tensor(s) for s in series]
    got = dtw_barycenter_averaging(tensors, max_iter=5)
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float64
    np.testing.assert_allclose(got.numpy(), dtw_barycenter_averaging(X, max_iter=5), atol=1e-12)
    got = euclidean_barycenter(torch.tensor(X[:, :6]))
    np.testing.assert_allclose(got.numpy(), X[:, :6].mean(axis=0), atol=1e-12)

    options = dict(gamma=0.5, max_iter=200, tol=1e-10)
    expected = softdtw_barycenter(X, **options)
    got = softdtw_barycenter(torch.tensor(X), **options)
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float64
    w = np.ones(4)
    np.testing.assert_allclose(
        soft_objective_naive(got.numpy(), series, w, 0.5),
        soft_objective_naive(expected, series, w, 0.5),
        rtol=1e-8,
    )
    np.testing.assert_allclose(got.numpy(), expected, atol=1e-6)
    got = softdtw_barycenter(torch.tensor(X), method="CG", max_iter=3)
    np.testing.assert_allclose(got.numpy(), softdtw_barycenter(X, method="CG", max_iter=3))


# --- arguments ---------------------------------------------------------------------------


def test_signatures_follow_tslearn():
    barycenters = tslearn_barycenters()
    ours = {
        "euclidean_barycenter": euclidean_barycenter,
        "dtw_barycenter_averaging": dtw_barycenter_averaging,
        "dtw_barycenter_averaging_petitjean": dtw_barycenter_averaging_petitjean,
        "dtw_barycenter_averaging_subgradient": dtw_barycenter_averaging_subgradient,
        "softdtw_barycenter": softdtw_barycenter,
    }
    assert set(barycenters.__all__) <= set(ours)
    for name, function in ours.items():
        theirs = inspect.signature(getattr(barycenters, name)).parameters
        mine = inspect.signature(function).parameters
        for parameter in theirs.values():
            assert parameter.name in mine, (name, parameter.name)
            assert mine[parameter.name].default == parameter.default, (name, parameter.name)
            assert mine[parameter.name].kind == parameter.kind, (name, parameter.name)


def test_inputs_are_not_modified(rng):
    X = padded(random_walks(rng, 4, (5, 9), 2))
    start = rng.normal(size=(6, 2))
    w = np.array([1.0, 2.0, 3.0, 4.0])
    copies = [a.copy() for a in (X, start, w)]
    dtw_barycenter_averaging(X, init_barycenter=start, weights=w, max_iter=3)
    dtw_barycenter_averaging_petitjean(X, init_barycenter=start, weights=w, max_iter=3)
    dtw_barycenter_averaging_subgradient(X, init_barycenter=start, weights=w, max_iter=3)
    softdtw_barycenter(X, init=start, weights=w, max_iter=3)
    result = softdtw_barycenter(X, init=start, max_iter=0)
    result[...] = 0
    for original, copy in zip((X, start, w), copies, strict=True):
        np.testing.assert_array_equal(original, copy)


DBA_FUNCTIONS = [dtw_barycenter_averaging, dtw_barycenter_averaging_petitjean]


@pytest.mark.parametrize("function", DBA_FUNCTIONS)
def test_dba_errors(function):
    X = [[1.0, 2.0, 3.0], [2.0, 3.0, 4.0, 5.0]]
    cases = [
        (dict(X=[]), ValueError, "X is empty"),
        (dict(X=np.empty((0, 4, 1))), ValueError, "X is empty"),
        (dict(X=[np.ones((3, 1)), np.ones((3, 2))]), ValueError, "same number of features"),
        (dict(X=[[1.0, np.nan, 2.0]]), ValueError, "NaN"),
        (dict(barycenter_size=0), ValueError, "barycenter_size must be >= 1"),
        (dict(barycenter_size=2.5), TypeError, "barycenter_size"),
        (dict(weights=[1.0]), ValueError, "one value per series"),
        (dict(weights=[1.0, -1.0]), ValueError, ">= 0"),
        (dict(weights=[0, 0]), ValueError, "all zero"),
        (dict(weights=[1.0, np.nan]), ValueError, "finite"),
        (dict(max_iter=-1), ValueError, "max_iter must be >= 0"),
        (dict(tol=-1.0), ValueError, "tol"),
        (dict(metric_params={"radius": 1}), ValueError, "unknown keys"),
        (dict(metric_params={"global_constraint": "band"}), ValueError, "global_constraint"),
        (dict(init_barycenter=np.ones((3, 2))), ValueError, "same number of features"),
        (dict(n_jobs=0), ValueError, "n_jobs"),
    ]
    for kwargs, error, message in cases:
        arguments = {"X": X, **kwargs}
        with pytest.raises(error, match=message):
            function(**arguments)
    with pytest.raises(InfeasibleConstraintError):
        function([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]], barycenter_size=2,
                 metric_params={"itakura_max_slope": 1.5})  # fmt: skip
    if function is dtw_barycenter_averaging:
        with pytest.raises(ValueError, match="n_init"):
            function(X, n_init=0)


def test_softdtw_barycenter_optimises_with_one_blas_thread(rng, monkeypatch):
    # BLAS threads left spinning between evaluations would take cores from the kernels.
    threadpoolctl = pytest.importorskip("threadpoolctl")
    seen = []
    evaluate = SoftObjective.__call__

    def spy(self, z):
        seen.extend(p["num_threads"] for p in threadpoolctl.threadpool_info()
                    if p["user_api"] == "blas")  # fmt: skip
        return evaluate(self, z)

    monkeypatch.setattr(SoftObjective, "__call__", spy)
    softdtw_barycenter(rng.standard_normal((5, 12, 1)), max_iter=3)
    assert seen and set(seen) == {1}


def test_softdtw_barycenter_errors():
    X = [[1.0, 2.0, 3.0], [2.0, 3.0, 4.0, 5.0]]
    cases = [
        (dict(X=[]), ValueError, "X is empty"),
        (dict(gamma=0.0), ValueError, "gamma"),
        (dict(gamma=-1.0), ValueError, "gamma"),
        (dict(weights=[1.0, 2.0, 3.0]), ValueError, "one value per series"),
        (dict(weights=[0.0, 0.0]), ValueError, "all zero"),
        (dict(max_iter=-1), ValueError, "max_iter"),
        (dict(tol=-0.1), ValueError, "tol"),
        (dict(init=np.ones((3, 2))), ValueError, "same number of features"),
        (dict(init=[]), ValueError, "init"),
        (dict(global_constraint="band"), ValueError, "global_constraint"),
        (dict(radius=2), TypeError, "radius"),
        (dict(method=3), TypeError, "method"),
    ]
    for kwargs, error, message in cases:
        arguments = {"X": X, **kwargs}
        with pytest.raises(error, match=message):
            softdtw_barycenter(**arguments)


def test_euclidean_barycenter_errors():
    with pytest.raises(ValueError, match="X is empty"):
        euclidean_barycenter(np.empty((0, 3)))
    with pytest.raises(ValueError, match="one value per series"):
        euclidean_barycenter([[1, 2], [3, 4]], weights=[1, 2, 3])
    with pytest.raises(TypeError, match="weights"):
        euclidean_barycenter([[1, 2], [3, 4]], weights=["a", "b"])


@pytest.mark.parametrize("series_first", [False, True])
def test_kernels_agree(rng, series_first):
    # The row-by-row kernel and the anti-diagonal ones at every strip height: the same
    # paths (ties included: integer-valued series tie often), so the same sums.
    from tswarp._kernels import _dba, _select

    X = padded([rng.integers(0, 3, size=(int(k), 2)).astype(float) for k in (30, 41, 7, 80)])
    lengths = np.array([30, 41, 7, 80], dtype=np.intp)
    barycenter = rng.integers(0, 3, size=(50, 2)).astype(float)
    weights = np.array([1.0, 0.5, 2.0, 1.5])
    results = []
    for vectors in (0, 2, 4, 8):
        for code, parameter in [(0, 0.0), (2, 5.0)]:
            sums, counts, costs = np.empty((2, 50, 2)), np.empty((2, 50)), np.empty(4)
            _dba.dba_accumulate(X, lengths, barycenter, weights, code, parameter,
                                series_first, sums, counts, costs, 2, _select.BUILD,
                                vectors)  # fmt: skip
            results.append((vectors, code, sums.sum(0), counts.sum(0), costs))
    for _, code, sums, counts, costs in results[2:]:
        _, _, sums0, counts0, costs0 = results[code != 0]
        np.testing.assert_array_equal(counts, counts0)
        np.testing.assert_allclose(sums, sums0, rtol=1e-14)
        np.testing.assert_array_equal(costs, costs0)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_stops_a_long_dba_round():
    # One round of 300 series of 6,000 steps (1.1e10 cells) runs for seconds: Ctrl-C must
    # stop it within the round, and the next call must start afresh.
    code = (
        "import signal\n"
        "import numpy as np\n"
        "from tswarp.barycenters import dtw_barycenter_averaging\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "X = np.random.default_rng(0).normal(size=(300, 6_000))\n"
        "print('started', flush=True)\n"
        "try:\n"
        "    dtw_barycenter_averaging(X, max_iter=1)\n"
        "    print('finished', flush=True)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', flush=True)\n"
        "b = dtw_barycenter_averaging([[0.0, 0.0], [2.0, 2.0]], max_iter=3)\n"
        "print(b.ravel().tolist(), flush=True)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "started"
        time.sleep(0.5)
        child.send_signal(signal.SIGINT)
        sent = time.perf_counter()
        assert child.stdout.readline().strip() == "interrupted"
        assert time.perf_counter() - sent < 2.0
        assert child.stdout.readline().strip() == "[1.0, 1.0]"
        assert child.wait(timeout=60) == 0
    finally:
        child.kill()
        child.communicate()


def test_dba_stops_when_the_cost_goes_up(monkeypatch):
    # The rounds themselves never raise the cost beyond rounding; a stand-in step whose
    # costs go 3, 2, 2.5 checks the stopping rule: warn, and keep the third round's result.
    from tswarp.barycenters import ConvergenceWarning, _dba

    costs = iter([3.0, 2.0, 2.5, 1.0])
    rounds = []

    def step(self, barycenter):
        rounds.append(len(rounds) + 1)
        return np.full_like(barycenter, len(rounds)), next(costs)

    monkeypatch.setattr(_dba._Problem, "step", step)
    with pytest.warns(ConvergenceWarning, match="increased"):
        got = dtw_barycenter_averaging([[0.0, 1.0]], max_iter=10, tol=0.0)
    assert rounds == [1, 2, 3]
    np.testing.assert_array_equal(got, [[3.0], [3.0]])
