"""tslearn's low-level soft-DTW API: gamma_soft_dtw, SquaredEuclidean, SoftDTW."""

import warnings

import numpy as np
import pytest
from conftest import HAS_TORCH
from oracles import central_differences, soft_dtw_brute_force, squared_costs

from tswarp.metrics import SoftDTW, SquaredEuclidean, gamma_soft_dtw


def soft_dtw_of_costs(costs, gamma):
    """The textbook (m+1) x (n+1) soft-DTW recursion on a cost matrix."""
    m, n = costs.shape
    acc = np.full((m + 1, n + 1), np.inf)
    acc[0, 0] = 0.0
    for i in range(1, m + 1):
        for j in range(1, n + 1):
            previous = np.array([acc[i - 1, j - 1], acc[i - 1, j], acc[i, j - 1]])
            acc[i, j] = costs[i - 1, j - 1] - gamma * np.logaddexp.reduce(-previous / gamma)
    return acc[m, n]


def quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


# --- SquaredEuclidean ------------------------------------------------------------------------


def test_squared_euclidean_costs_and_jacobian(rng):
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(4, 3))
    costs = SquaredEuclidean(x, y)
    np.testing.assert_allclose(costs.compute(), squared_costs(x, y), rtol=1e-14)
    E = rng.normal(size=(5, 4))
    expected = central_differences(lambda a: float((squared_costs(a, y) * E).sum()), x)
    np.testing.assert_allclose(costs.jacobian_product(E), expected, rtol=1e-7, atol=1e-8)
    loop = np.array([sum(E[i, j] * 2 * (x[i] - y[j]) for j in range(4)) for i in range(5)])
    np.testing.assert_allclose(costs.jacobian_product(E), loop, rtol=1e-12, atol=1e-13)


def test_squared_euclidean_shapes():
    costs = SquaredEuclidean([1, 2, 2, 3], [1, 2, 3, 4, np.nan])  # padding dropped
    assert costs.compute().shape == (4, 4) and costs.compute().dtype == np.float64
    assert costs.X.shape == (4, 1)
    np.testing.assert_array_equal(costs.jacobian_product(np.ones((4, 4))).shape, (4, 1))


# --- SoftDTW ---------------------------------------------------------------------------------


@pytest.mark.parametrize("gamma", [0.01, 0.5, 1.0, 10.0])
def test_soft_dtw_value_and_gradient(rng, gamma):
    costs = rng.uniform(0, 3, size=(5, 4))
    sdtw = SoftDTW(costs, gamma=gamma)
    value = sdtw.compute()
    assert isinstance(value, np.float64)
    assert value == pytest.approx(soft_dtw_of_costs(costs, gamma), rel=1e-12, abs=1e-12)
    expected = central_differences(lambda c: soft_dtw_of_costs(c, gamma), costs, step=1e-5)
    np.testing.assert_allclose(sdtw.grad(), expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(sdtw.grad(), sdtw.grad())  # grad can be asked again


def test_soft_dtw_alignment_is_the_expected_path(rng):
    x, y = rng.normal(size=(3, 2)), rng.normal(size=(4, 2))
    value, alignment = soft_dtw_brute_force(x, y, 0.7)
    sdtw = SoftDTW(SquaredEuclidean(x, y), gamma=0.7)
    assert sdtw.compute() == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(sdtw.grad(), alignment, rtol=1e-11, atol=1e-13)


def test_gradient_with_respect_to_a_series(rng):
    x, y = rng.normal(size=(4, 2)), rng.normal(size=(6, 2))
    costs = SquaredEuclidean(x, y)
    sdtw = SoftDTW(costs, gamma=0.5)
    sdtw.compute()
    gradient = costs.jacobian_product(sdtw.grad())
    expected = central_differences(lambda a: soft_dtw_of_costs(squared_costs(a, y), 0.5), x)
    np.testing.assert_allclose(gradient, expected, rtol=1e-6, atol=1e-8)


def test_infinite_costs_forbid_cells():
    costs = np.array([[0.0, np.inf], [np.inf, 0.0]])
    sdtw = SoftDTW(costs, gamma=1.0)
    assert sdtw.compute() == 0.0
    np.testing.assert_array_equal(sdtw.grad(), np.eye(2))


def test_inputs_are_not_modified(rng):
    costs = rng.uniform(size=(3, 3))
    before = costs.copy()
    sdtw = SoftDTW(costs)
    sdtw.compute()
    sdtw.grad()
    np.testing.assert_array_equal(costs, before)


# --- gamma_soft_dtw --------------------------------------------------------------------------


def test_gamma_soft_dtw_by_hand():
    # Two steps, 1 and 3: every pair drawn is 0 or 2 apart; one series of length 2.
    dataset = [[1.0, 3.0]]
    draws = np.random.RandomState(5).choice(2, size=4, replace=True)
    steps = np.array([1.0, 3.0])[draws]
    distances = [abs(a - b) for i, a in enumerate(steps) for b in steps[i + 1 :]]
    expected = 2.0 * (np.median(distances) * np.sqrt(2)) ** 2
    assert gamma_soft_dtw(dataset, n_samples=4, random_state=5) == pytest.approx(expected)


def test_gamma_soft_dtw_random_states():
    dataset = np.random.default_rng(1).normal(size=(4, 6, 2))
    assert gamma_soft_dtw(dataset, random_state=7) == gamma_soft_dtw(
        dataset, random_state=np.random.RandomState(7)
    )
    # None draws from NumPy's global generator, as tslearn does.
    state = np.random.get_state()  # noqa: NPY002
    try:
        np.random.seed(3)  # noqa: NPY002
        first = gamma_soft_dtw(dataset)
        np.random.seed(3)  # noqa: NPY002
        assert gamma_soft_dtw(dataset) == first
    finally:
        np.random.set_state(state)  # noqa: NPY002


def test_gamma_soft_dtw_skips_padding():
    padded = [[1.0, 2.0, 4.0], [0.0, np.nan, np.nan]]
    ragged = [[1.0, 2.0, 4.0], [0.0]]
    assert gamma_soft_dtw(padded, random_state=0) == gamma_soft_dtw(ragged, random_state=0)


# --- tslearn ---------------------------------------------------------------------------------


def test_same_as_tslearn(rng):
    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    for m, n, d in [(5, 7, 1), (9, 4, 3)]:
        x, y = rng.normal(size=(m, d)), rng.normal(size=(n, d))
        ours = SquaredEuclidean(x, y)
        theirs = quiet(tslearn_metrics.SquaredEuclidean, x, y)
        np.testing.assert_allclose(ours.compute(), theirs.compute(), rtol=1e-10, atol=1e-13)
        for gamma in (0.1, 1.0):
            a, b = SoftDTW(ours, gamma=gamma), quiet(tslearn_metrics.SoftDTW, theirs, gamma=gamma)
            assert a.compute() == pytest.approx(b.compute(), rel=1e-10)
            np.testing.assert_allclose(a.grad(), b.grad(), rtol=1e-10, atol=1e-13)
            E = a.grad()
            np.testing.assert_allclose(
                ours.jacobian_product(E), theirs.jacobian_product(E), rtol=1e-10, atol=1e-12
            )


def test_gamma_soft_dtw_same_as_tslearn(rng):
    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    X = rng.normal(size=(6, 12, 2))
    ragged = [rng.normal(size=(sz, 1)) for sz in (5, 9, 3)]
    for data, n_samples, seed in [(X, 100, 0), (X, 7, 3), (ragged, 100, 1), (ragged, 5, 2)]:
        expected = quiet(tslearn_metrics.gamma_soft_dtw, data, n_samples, seed)
        assert gamma_soft_dtw(data, n_samples, seed) == pytest.approx(expected, rel=1e-10)
    assert quiet(tslearn_metrics.gamma_soft_dtw, [[1, 2, 2, 3], [1.0, 2, 3, 4]], 200, 0) == (
        gamma_soft_dtw([[1, 2, 2, 3], [1.0, 2, 3, 4]], 200, 0)
    )


# --- errors ----------------------------------------------------------------------------------


def test_errors():
    with pytest.raises(ValueError, match="gamma must be a finite number > 0"):
        SoftDTW(np.ones((2, 2)), gamma=0.0)
    with pytest.raises(TypeError, match="gamma must be a real number"):
        SoftDTW(np.ones((2, 2)), gamma="1")
    with pytest.raises(ValueError, match="D must be a non-empty"):
        SoftDTW(np.ones(3))
    with pytest.raises(ValueError, match="D must not hold NaN"):
        SoftDTW(np.array([[0.0, np.nan]]))
    with pytest.raises(ValueError, match="call compute"):
        SoftDTW(np.ones((2, 2))).grad()
    with pytest.raises(ValueError, match="same number of features"):
        SquaredEuclidean(np.ones((3, 2)), np.ones((3, 1)))
    with pytest.raises(ValueError, match=r"E must have the shape of the costs \(3, 2\)"):
        SquaredEuclidean([1, 2, 3], [1, 2]).jacobian_product(np.ones((2, 3)))
    with pytest.raises(TypeError, match="compute_with_backend"):
        SoftDTW(np.ones((2, 2)), compute_with_backend="yes")
    with pytest.raises(ValueError, match="n_samples must be >= 2"):
        gamma_soft_dtw([[1.0, 2.0]], n_samples=1)
    with pytest.raises(TypeError, match="n_samples must be an integer"):
        gamma_soft_dtw([[1.0, 2.0]], n_samples=10.0)
    with pytest.raises(ValueError, match="random_state must be None, an integer"):
        gamma_soft_dtw([[1.0, 2.0]], random_state="seed")
    with pytest.raises(ValueError, match="NaN or infinite"):
        gamma_soft_dtw([[1.0, np.nan, 2.0]])


# --- torch -----------------------------------------------------------------------------------


@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="torch missing")
@pytest.mark.parametrize("compute_with_backend", [False, True])
def test_torch(rng, compute_with_backend):
    import torch

    x, y = rng.normal(size=(5, 2)), rng.normal(size=(3, 2))
    reference = SoftDTW(SquaredEuclidean(x, y), gamma=0.4)
    expected_value = reference.compute()
    costs = SquaredEuclidean(torch.tensor(x), torch.tensor(y))
    assert isinstance(costs.compute(), torch.Tensor)
    sdtw = SoftDTW(costs, gamma=0.4, compute_with_backend=compute_with_backend)
    value = sdtw.compute()
    assert isinstance(value, torch.Tensor) and value.dtype == torch.float64
    assert float(value) == pytest.approx(expected_value, rel=1e-12)
    np.testing.assert_allclose(sdtw.grad().numpy(), reference.grad(), rtol=1e-10, atol=1e-13)
    G = costs.jacobian_product(sdtw.grad())
    np.testing.assert_allclose(
        G.numpy(), SquaredEuclidean(x, y).jacobian_product(reference.grad()), rtol=1e-10
    )
    gamma = gamma_soft_dtw(torch.tensor(rng.normal(size=(3, 4))), random_state=0)
    assert isinstance(gamma, torch.Tensor) and gamma.dtype == torch.float64


@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="torch missing")
def test_torch_value_is_differentiable_through_the_costs(rng):
    import torch

    x = torch.tensor(rng.normal(size=(4, 2)), requires_grad=True)
    y = torch.tensor(rng.normal(size=(5, 2)))
    costs = SquaredEuclidean(x, y)
    sdtw = SoftDTW(costs, gamma=0.3)
    value = sdtw.compute()
    (gradient,) = torch.autograd.grad(value, x, retain_graph=True)
    np.testing.assert_allclose(
        gradient.numpy(), costs.jacobian_product(sdtw.grad()).detach().numpy(), rtol=1e-10
    )
    assert torch.autograd.gradcheck(
        lambda a: SoftDTW(SquaredEuclidean(a, y), gamma=0.3).compute(), (x,)
    )
