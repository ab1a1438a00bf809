"""Subsequence DTW on torch tensors: values, paths, devices and gradients."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tswarp.metrics import (  # noqa: E402
    dtw_subsequence,
    dtw_subsequence_path,
    subsequence_cost_matrix,
    subsequence_path,
    subsequence_search,
)

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def path_sum(x, y, path):
    """The distance along a path, written out with autograd-free NumPy."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return np.sqrt(sum(((x[i] - y[j]) ** 2).sum() for i, j in path))


@pytest.mark.parametrize("device", DEVICES)
def test_values_and_paths_match_numpy(rng, device):
    for _ in range(10):
        x = rng.normal(size=(int(rng.integers(1, 8)), 2))
        y = np.cumsum(rng.normal(size=(int(rng.integers(1, 40)), 2)), axis=0)
        tx, ty = torch.tensor(x, device=device), torch.tensor(y, device=device)
        path, distance = dtw_subsequence_path(tx, ty)
        expected_path, expected = dtw_subsequence_path(x, y)
        assert path == expected_path
        assert all(type(i) is int and type(j) is int for i, j in path)
        assert distance.device.type == device and distance.dtype == torch.float64
        assert float(distance) == pytest.approx(expected, rel=1e-12)
        value = dtw_subsequence(tx, ty)
        assert value.device.type == device and value.shape == ()
        assert float(value) == pytest.approx(expected, rel=1e-12)
        acc = subsequence_cost_matrix(tx, ty)
        assert acc.device.type == device and acc.dtype == torch.float64
        np.testing.assert_array_equal(acc.cpu().numpy(), subsequence_cost_matrix(x, y))
        end = torch.argmin(acc[-1])  # a 0-d tensor, as tslearn passes it
        assert subsequence_path(acc, end) == subsequence_path(acc.cpu().numpy(), int(end))


def test_float32_tensors_keep_their_dtype(rng):
    x = torch.tensor(rng.normal(size=6), dtype=torch.float32)
    y = torch.tensor(rng.normal(size=30), dtype=torch.float32)
    path, distance = dtw_subsequence_path(x, y)
    assert distance.dtype == torch.float32
    assert dtw_subsequence(x, y).dtype == torch.float32
    expected_path, expected = dtw_subsequence_path(x.numpy(), y.numpy())
    assert path == expected_path
    assert float(distance) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("function", ["value", "path"])
def test_gradcheck(rng, function):
    x = torch.tensor(rng.normal(size=(5, 2)), requires_grad=True)
    y = torch.tensor(np.cumsum(rng.normal(size=(25, 2)), axis=0), requires_grad=True)
    if function == "value":
        assert torch.autograd.gradcheck(dtw_subsequence, (x, y))
    else:
        assert torch.autograd.gradcheck(lambda a, b: dtw_subsequence_path(a, b)[1], (x, y))


def test_gradient_is_the_path_distance_gradient(rng):
    """Both series get d(distance)/d(step) = sum over their path cells of (x_i - y_j)/D."""
    x, y = rng.normal(size=(4, 1)), rng.normal(size=(12, 1))
    tx, ty = torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)
    dtw_subsequence(tx, ty).backward()
    path, distance = dtw_subsequence_path(x, y)
    assert path_sum(x, y, path) == pytest.approx(distance, rel=1e-12)
    grad_x, grad_y = np.zeros_like(x), np.zeros_like(y)
    for i, j in path:
        grad_x[i] += (x[i] - y[j]) / distance
        grad_y[j] -= (x[i] - y[j]) / distance
    np.testing.assert_allclose(tx.grad.numpy(), grad_x, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ty.grad.numpy(), grad_y, rtol=1e-10, atol=1e-12)


def test_exact_match_has_a_zero_gradient():
    x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([0.0, 1.0, 2.0, 3.0, 0.0], dtype=torch.float64, requires_grad=True)
    dtw_subsequence(x, y).backward()
    assert torch.all(x.grad == 0) and torch.all(y.grad == 0)


def test_without_gradient_no_graph(rng):
    x = torch.tensor(rng.normal(size=5), requires_grad=True)
    y = torch.tensor(rng.normal(size=20))
    with torch.no_grad():
        assert not dtw_subsequence(x, y).requires_grad
    assert dtw_subsequence(x, y).requires_grad


@pytest.mark.parametrize("device", DEVICES)
def test_search_on_tensors(rng, device):
    y = np.cumsum(rng.normal(size=(300, 2)), axis=0)
    q = y[100:120] + rng.normal(scale=0.1, size=(20, 2))
    found = subsequence_search(torch.tensor(q, device=device), torch.tensor(y, device=device), k=3)
    expected = subsequence_search(q, y, k=3)
    assert [(s, e) for s, e, _ in found] == [(s, e) for s, e, _ in expected]
    for (_, _, distance), (_, _, value) in zip(found, expected, strict=True):
        assert distance.device.type == device and distance.dtype == torch.float64
        assert float(distance) == value


def test_torch_backend_asked_for_with_numpy_inputs(rng):
    y = np.cumsum(rng.normal(size=100))
    q = y[30:40] + 0.1
    found = subsequence_search(q, y, k=2, be="pytorch")
    assert [(s, e) for s, e, _ in found] == [(s, e) for s, e, _ in subsequence_search(q, y, k=2)]
    assert all(isinstance(d, torch.Tensor) for _, _, d in found)
    path, distance = dtw_subsequence_path(q, y, be="pytorch")
    assert isinstance(distance, torch.Tensor)
    assert path == dtw_subsequence_path(q, y)[0]
    assert isinstance(subsequence_cost_matrix(q, y, be="pytorch"), torch.Tensor)


def test_matches_tslearn_on_tensors(rng):
    metrics = pytest.importorskip("tslearn.metrics")
    for trial in range(5):
        x = rng.integers(0, 3, size=(3, 1)) * 1.0 if trial % 2 else rng.normal(size=(3, 1))
        y = rng.integers(0, 3, size=(9, 1)) * 1.0 if trial % 2 else rng.normal(size=(9, 1))
        tx, ty = torch.tensor(x), torch.tensor(y)
        path, distance = dtw_subsequence_path(tx, ty)
        their_path, their_distance = metrics.dtw_subsequence_path(tx, ty)
        assert path == [(int(i), int(j)) for i, j in their_path]
        assert float(distance) == pytest.approx(float(their_distance), rel=1e-6)


def test_bad_tensors():
    with pytest.raises(ValueError, match="subseq"):
        dtw_subsequence(torch.tensor([1.0, float("nan"), 2.0]), torch.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match="same number of features"):
        dtw_subsequence_path(torch.zeros(3, 2), torch.zeros(5, 1))
    with pytest.raises(TypeError, match="longseq"):
        dtw_subsequence(torch.zeros(3), torch.zeros(5, dtype=torch.complex64))
