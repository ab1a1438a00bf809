"""The Fréchet metrics on torch tensors: the NumPy results, on the input's device, with the
gradient of the matched pair that sets the distance."""

import numpy as np
import pytest
from oracles import frechet_accumulated_naive, squared_costs

torch = pytest.importorskip("torch")

from tswarp.metrics import (  # noqa: E402
    cdist_frechet,
    frechet,
    frechet_accumulated_matrix,
    frechet_path,
    frechet_path_from_metric,
)

pytestmark = pytest.mark.torch
DEVICES = [
    "cpu",
    pytest.param(
        "cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
    ),
]


def tensors(rng, n, m, d, dtype=torch.float64, device="cpu"):
    x = torch.tensor(rng.normal(size=(n, d)), dtype=dtype, device=device, requires_grad=True)
    y = torch.tensor(rng.normal(size=(m, d)), dtype=dtype, device=device, requires_grad=True)
    return x, y


def largest_cell(x, y, path):
    """The path's cell of largest squared cost, from NumPy copies of x and y."""
    costs = squared_costs(x.detach().cpu().numpy(), y.detach().cpu().numpy())
    return max(path, key=lambda cell: costs[cell])


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("constraint", [{}, {"sakoe_chiba_radius": 2}, {"itakura_max_slope": 3}])
def test_values_and_paths_match_numpy(rng, device, constraint):
    for requires_grad in (True, False):
        x, y = tensors(rng, 9, 12, 2, device=device)
        x.requires_grad_(requires_grad)
        y.requires_grad_(requires_grad)
        xn, yn = x.detach().cpu().numpy(), y.detach().cpu().numpy()
        value = frechet(x, y, **constraint)
        assert value.device == x.device and value.dtype == torch.float64 and value.ndim == 0
        assert value.item() == pytest.approx(frechet(xn, yn, **constraint), rel=1e-14)
        assert value.requires_grad == requires_grad
        path, distance = frechet_path(x, y, **constraint)
        assert path == frechet_path(xn, yn, **constraint)[0]
        assert distance.device == x.device
        assert distance.item() == pytest.approx(value.item(), rel=1e-14)


def test_float32_tensors_stay_float32(rng):
    x, y = tensors(rng, 5, 6, 1, dtype=torch.float32)
    assert frechet(x, y).dtype == torch.float32
    assert frechet_path(x, y)[1].dtype == torch.float32


@pytest.mark.parametrize("device", DEVICES)
def test_gradient_is_the_chosen_cells(rng, device):
    x, y = tensors(rng, 7, 5, 3, device=device)
    path, distance = frechet_path(x, y)
    distance.backward()
    i, j = largest_cell(x, y, path)
    expected_x = torch.zeros_like(x)
    expected_x[i] = (x[i] - y[j]).detach() / distance.detach()
    torch.testing.assert_close(x.grad, expected_x)
    torch.testing.assert_close(y.grad[j], -expected_x[i])
    assert x.grad.device == x.device


def test_gradcheck(rng):
    # Random float64 series: no two costs tie, so the distance is smooth around them.
    x, y = tensors(rng, 6, 8, 2)
    assert torch.autograd.gradcheck(lambda a, b: frechet(a, b), (x, y))
    assert torch.autograd.gradcheck(lambda a, b: frechet(a, b, sakoe_chiba_radius=1), (x, y))
    assert torch.autograd.gradcheck(lambda a, b: cdist_frechet([a, b[:5]], [b]), (x, y))


@pytest.mark.parametrize("scale", [1e-310, 1e200])
def test_tiny_and_huge_values(scale):
    x = torch.tensor([[0.0], [3.0]], dtype=torch.float64) * scale
    y = torch.tensor([[0.0], [0.0], [4.0]], dtype=torch.float64) * scale
    x.requires_grad_()
    expected = frechet(x.detach().numpy(), y.numpy())
    value = frechet(x, y)
    assert value.item() == pytest.approx(expected, rel=1e-12)  # 0 when the squares underflow
    value.backward()
    assert torch.isfinite(x.grad).all()


def test_equal_series_have_a_zero_gradient(rng):
    x, _ = tensors(rng, 5, 5, 1)
    frechet(x, x.detach().clone()).backward()
    assert torch.equal(x.grad, torch.zeros_like(x))


@pytest.mark.parametrize("device", DEVICES)
def test_cdist_on_tensors(rng, device):
    X = torch.tensor(rng.normal(size=(4, 10, 2)), device=device)
    Y = torch.tensor(rng.normal(size=(3, 8, 2)), device=device)
    expected = cdist_frechet(X.cpu().numpy(), Y.cpu().numpy(), sakoe_chiba_radius=3)
    plain = cdist_frechet(X, Y, sakoe_chiba_radius=3)
    assert plain.device == X.device
    np.testing.assert_allclose(plain.cpu().numpy(), expected, rtol=1e-14)
    X.requires_grad_()
    with_grad = cdist_frechet(X, Y, sakoe_chiba_radius=3, dtype=torch.float32)
    assert with_grad.requires_grad and with_grad.dtype == torch.float32
    np.testing.assert_allclose(with_grad.detach().cpu().numpy(), expected, rtol=1e-6)
    symmetric = cdist_frechet(X)
    np.testing.assert_allclose(
        symmetric.detach().cpu().numpy(), cdist_frechet(X.detach().cpu().numpy()), rtol=1e-14
    )
    symmetric.sum().backward()
    assert X.grad.shape == X.shape and torch.isfinite(X.grad).all()


def test_cdist_of_a_list_of_tensors(rng):
    series = [torch.tensor(rng.normal(size=(n, 1)), requires_grad=True) for n in (4, 7, 5)]
    matrix = cdist_frechet(series)
    expected = cdist_frechet([s.detach().numpy() for s in series])
    np.testing.assert_allclose(matrix.detach().numpy(), expected, rtol=1e-14)
    matrix.sum().backward()
    assert all(s.grad is not None for s in series)


@pytest.mark.parametrize("device", DEVICES)
def test_accumulated_matrix_on_tensors(rng, device):
    x, y = tensors(rng, 6, 4, 2, device=device)
    mask = torch.ones(6, 4, dtype=torch.bool, device=device)
    acc = frechet_accumulated_matrix(x, y, mask)
    assert acc.device == x.device and acc.dtype == torch.float64
    xn, yn = x.detach().cpu().numpy(), y.detach().cpu().numpy()
    np.testing.assert_allclose(acc.cpu().numpy(), frechet_accumulated_naive(xn, yn), rtol=1e-14)


@pytest.mark.parametrize("device", DEVICES)
def test_from_metric_on_tensors(rng, device):
    x, y = tensors(rng, 6, 7, 2, device=device)
    xn, yn = x.detach().cpu().numpy(), y.detach().cpu().numpy()
    path, distance = frechet_path(xn, yn)
    for metric, expected in (("sqeuclidean", distance**2), ("euclidean", distance)):
        found, value = frechet_path_from_metric(x, y, metric=metric)
        assert found == path and value.device == x.device
        assert value.item() == pytest.approx(expected, rel=1e-12)

    def squared(a, b):
        return ((a - b) ** 2).sum()

    found, value = frechet_path_from_metric(x, y, metric=squared)
    assert found == path and value.item() == pytest.approx(distance**2, rel=1e-12)
    value.backward()
    i, j = largest_cell(x, y, path)
    expected_x = torch.zeros_like(x)
    expected_x[i] = 2 * (x[i] - y[j]).detach()
    torch.testing.assert_close(x.grad, expected_x)
    costs = torch.tensor(squared_costs(xn, yn), device=device)
    found, value = frechet_path_from_metric(costs)
    assert found == path and value.item() == pytest.approx(distance**2, rel=1e-12)


def test_from_metric_bad_tensor_input(rng):
    x, y = tensors(rng, 3, 3, 1)
    with pytest.raises(ValueError, match="on tensors, metric must be"):
        frechet_path_from_metric(x, y, metric="cityblock")
    with pytest.raises(ValueError, match=r"non-empty \(sz1, sz2\) matrix"):
        frechet_path_from_metric(torch.zeros(3))
    with pytest.raises(ValueError, match="must not hold NaN"):
        frechet_path_from_metric(torch.tensor([[1.0, float("nan")]]))


def test_same_as_tslearn_on_tensors(rng):
    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    x, y = tensors(rng, 8, 11, 2)
    value = frechet(x, y, sakoe_chiba_radius=2)
    expected = tslearn_metrics.frechet(x, y, sakoe_chiba_radius=2)
    assert value.item() == pytest.approx(expected.item(), rel=1e-10)
    value.backward()
    grad = x.grad.clone()
    x.grad = None
    expected.backward()
    torch.testing.assert_close(grad, x.grad)
    assert frechet_path(x, y)[0] == tslearn_metrics.frechet_path(x, y)[0]
