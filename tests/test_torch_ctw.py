"""Canonical time warping on torch tensors: the NumPy results, on the input's device, with
DTW's gradient for the distance."""

import numpy as np
import pytest
from oracles import accumulated_naive

torch = pytest.importorskip("torch")

from tswarp.metrics import cdist_ctw, ctw, ctw_path, dtw  # noqa: E402

pytestmark = pytest.mark.torch
DEVICES = [
    "cpu",
    pytest.param(
        "cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
    ),
]


def series(rng, n, d, device="cpu", dtype=torch.float64):
    return torch.tensor(rng.normal(size=(n, d)), dtype=dtype, device=device, requires_grad=True)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("constraint", [{}, {"sakoe_chiba_radius": 2}])
def test_values_and_paths_match_numpy(rng, device, constraint):
    x, y = series(rng, 12, 3, device), series(rng, 9, 2, device)
    xn, yn = x.detach().cpu().numpy(), y.detach().cpu().numpy()
    value = ctw(x, y, **constraint)
    assert value.device == x.device and value.dtype == torch.float64 and value.ndim == 0
    assert value.item() == pytest.approx(ctw(xn, yn, **constraint), rel=1e-12)
    path, cca, distance = ctw_path(x, y, **constraint)
    expected_path, expected_cca, expected_distance = ctw_path(xn, yn, **constraint)
    assert path == expected_path
    assert distance.item() == pytest.approx(expected_distance, rel=1e-12)
    for ours, theirs in zip(cca.transform(xn, yn), expected_cca.transform(xn, yn), strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_gradient_is_dtw_of_the_leading_features(rng):
    x, y = series(rng, 10, 3), series(rng, 8, 2)
    ctw(x, y).backward()
    x2, y2 = x.detach()[:, :2].clone().requires_grad_(), y.detach().clone().requires_grad_()
    dtw(x2, y2).backward()
    np.testing.assert_allclose(x.grad[:, :2].numpy(), x2.grad.numpy(), rtol=1e-12)
    np.testing.assert_array_equal(x.grad[:, 2].numpy(), 0.0)
    np.testing.assert_allclose(y.grad.numpy(), y2.grad.numpy(), rtol=1e-12)


def test_gradcheck(rng):
    x, y = series(rng, 6, 2), series(rng, 5, 3)
    assert torch.autograd.gradcheck(lambda a, b: ctw(a, b), (x, y))


def test_value_against_a_naive_dp(rng):
    x, y = series(rng, 7, 4, dtype=torch.float32), series(rng, 6, 2, dtype=torch.float32)
    expected = np.sqrt(accumulated_naive(x.detach()[:, :2].numpy(), y.detach().numpy())[-1, -1])
    value = ctw(x, y)
    assert value.dtype == torch.float32
    assert value.item() == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("device", DEVICES)
def test_cdist_on_tensors(rng, device):
    X = torch.tensor(rng.normal(size=(4, 10, 3)), device=device)
    Y = torch.tensor(rng.normal(size=(3, 8, 2)), device=device)
    expected = cdist_ctw(X.cpu().numpy(), Y.cpu().numpy(), sakoe_chiba_radius=3)
    plain = cdist_ctw(X, Y, sakoe_chiba_radius=3)
    assert plain.device == X.device and plain.dtype == torch.float64
    np.testing.assert_allclose(plain.cpu().numpy(), expected, rtol=1e-14)
    X.requires_grad_()
    with_grad = cdist_ctw(X, Y, sakoe_chiba_radius=3)
    assert with_grad.requires_grad and with_grad.dtype == torch.float64
    np.testing.assert_allclose(with_grad.detach().cpu().numpy(), expected, rtol=1e-12)
    with_grad.sum().backward()
    assert torch.isfinite(X.grad).all() and (X.grad[:, :, 2] == 0).all()


def test_cdist_of_a_list_of_tensors(rng):
    data = [torch.tensor(rng.normal(size=(n, 2)), requires_grad=True) for n in (4, 7, 5)]
    other = rng.normal(size=6)
    matrix = cdist_ctw(data, [torch.tensor(other)])
    reference = [[ctw(s.detach().numpy(), other)] for s in data]
    np.testing.assert_allclose(matrix.detach().numpy(), reference, rtol=1e-12)
    matrix.sum().backward()
    assert all(s.grad is not None for s in data)


def test_same_as_tslearn_on_tensors(rng):
    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    x, y = torch.tensor(rng.normal(size=(15, 3))), torch.tensor(rng.normal(size=(10, 1)))
    assert ctw(x, y).item() == pytest.approx(tslearn_metrics.ctw(x, y).item(), rel=1e-10)
    path, _, distance = ctw_path(x, y)
    t_path, _, t_distance = tslearn_metrics.ctw_path(x, y)
    assert path == t_path and distance.item() == pytest.approx(t_distance.item(), rel=1e-10)
