"""GAK on torch tensors: the NumPy values on the input's device, analytic gradients."""

import math

import numpy as np
import pytest
from test_gak import log_gak_naive

torch = pytest.importorskip("torch")

from tswarp._torch import _dispatch  # noqa: E402
from tswarp.metrics import cdist_gak, gak, sigma_gak, unnormalized_gak  # noqa: E402

pytestmark = pytest.mark.torch
DEVICES = [
    "cpu",
    pytest.param(
        "cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
    ),
]


@pytest.fixture(params=["compiled", "wavefront"])
def engine(request, monkeypatch):
    """Both torch engines on CPU tensors: the compiled kernels and the torch wavefront."""
    if request.param == "wavefront":
        monkeypatch.setattr(_dispatch, "use_wavefront", lambda device, choice: True)
    return request.param


def tensors(rng, n, m, d, dtype=torch.float64, device="cpu"):
    x = torch.tensor(rng.normal(size=(n, d)), dtype=dtype, device=device, requires_grad=True)
    y = torch.tensor(rng.normal(size=(m, d)), dtype=dtype, device=device, requires_grad=True)
    return x, y


def host(t):
    return t.detach().cpu().numpy()


@pytest.mark.parametrize("device", DEVICES)
def test_values_match_numpy(rng, device):
    x, y = tensors(rng, 9, 13, 2, device=device)
    for function in (gak, unnormalized_gak):
        value = function(x, y, sigma=1.5)
        assert value.device == x.device and value.dtype == torch.float64 and value.ndim == 0
        assert value.item() == pytest.approx(function(host(x), host(y), sigma=1.5), rel=1e-13)
    assert math.log(unnormalized_gak(x, y).item()) == pytest.approx(
        log_gak_naive(host(x), host(y)), rel=1e-13
    )


def test_float32_tensors_give_float64(rng):
    x, y = tensors(rng, 6, 5, 1, dtype=torch.float32)
    assert gak(x, y).dtype == torch.float64
    assert unnormalized_gak(x, y).dtype == torch.float64


def test_engines_agree(rng, engine):
    x, y = tensors(rng, 7, 11, 2)
    value = gak(x, y, sigma=0.8)
    assert value.item() == pytest.approx(gak(host(x), host(y), sigma=0.8), rel=1e-13)
    value.backward()
    assert torch.isfinite(x.grad).all() and torch.isfinite(y.grad).all()


@pytest.mark.parametrize("function", [gak, unnormalized_gak])
def test_gradcheck(rng, engine, function):
    x, y = tensors(rng, 5, 4, 2)
    assert torch.autograd.gradcheck(lambda a, b: function(a, b, sigma=0.9), (x, y))


def test_gradient_against_finite_differences_of_numpy(rng):
    x, y = tensors(rng, 6, 8, 1)
    gak(x, y).backward()
    step = 1e-6
    for i in range(6):
        plus, minus = host(x).copy(), host(x).copy()
        plus[i] += step
        minus[i] -= step
        expected = (gak(plus, host(y)) - gak(minus, host(y))) / (2 * step)
        assert x.grad[i, 0].item() == pytest.approx(expected, rel=1e-6, abs=1e-10)


def test_gradient_of_a_long_pair_is_finite(rng):
    # K itself is past the float range; the gradient of the normalised kernel is not.
    x, y = tensors(rng, 600, 500, 1)
    value = gak(x, y, sigma=3.0)
    value.backward()
    assert 0 < value.item() < 1
    assert torch.isfinite(x.grad).all() and torch.isfinite(y.grad).all()


@pytest.mark.parametrize("device", DEVICES)
def test_cdist_on_tensors(rng, device, engine):
    X = torch.tensor(rng.normal(size=(4, 10, 2)), device=device)
    Y = torch.tensor(rng.normal(size=(3, 8, 2)), device=device)
    expected = cdist_gak(host(X), host(Y), sigma=2.0)
    plain = cdist_gak(X, Y, sigma=2.0)
    assert plain.device == X.device
    np.testing.assert_allclose(host(plain), expected, rtol=1e-13)
    X.requires_grad_()
    with_grad = cdist_gak(X, Y, sigma=2.0, dtype=torch.float32)
    assert with_grad.requires_grad and with_grad.dtype == torch.float32
    np.testing.assert_allclose(host(with_grad), expected, rtol=1e-6)
    symmetric = cdist_gak(X)
    np.testing.assert_allclose(host(symmetric), cdist_gak(host(X)), rtol=1e-13)
    symmetric.sum().backward()
    assert X.grad.shape == X.shape and torch.isfinite(X.grad).all()


def test_cdist_gradcheck(rng):
    X = torch.tensor(rng.normal(size=(3, 4, 1)), requires_grad=True)
    Y = torch.tensor(rng.normal(size=(2, 5, 1)), requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: cdist_gak(a, b, sigma=0.7), (X, Y))
    assert torch.autograd.gradcheck(lambda a: cdist_gak(a, sigma=0.7), (X,))


def test_cdist_of_a_list_of_tensors(rng):
    series = [torch.tensor(rng.normal(size=(n, 1)), requires_grad=True) for n in (4, 7, 5)]
    matrix = cdist_gak(series)
    expected = cdist_gak([host(s) for s in series])
    np.testing.assert_allclose(host(matrix), expected, rtol=1e-13)
    matrix.sum().backward()
    assert all(s.grad is not None for s in series)


@pytest.mark.parametrize("device", DEVICES)
def test_sigma_gak_on_tensors(rng, device):
    X = rng.normal(size=(5, 12, 2))
    value = sigma_gak(torch.tensor(X, device=device), random_state=4)
    assert value.device.type == torch.device(device).type and value.dtype == torch.float64
    assert value.item() == sigma_gak(X, random_state=4)


def test_sigma_gak_of_arrays_with_the_torch_backend(rng):
    X = rng.normal(size=(5, 12, 2))
    for dataset in (X, X.tolist()):
        value = sigma_gak(dataset, random_state=4, be="pytorch")
        assert isinstance(value, torch.Tensor) and value.device.type == "cpu"
        assert value.dtype == torch.float64 and value.item() == sigma_gak(X, random_state=4)


def test_same_as_tslearn_on_tensors(rng):
    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    x, y = tensors(rng, 8, 11, 2)
    for function in ("gak", "unnormalized_gak"):
        value = getattr(tslearn_metrics, function)(x, y, sigma=1.3)
        ours = {"gak": gak, "unnormalized_gak": unnormalized_gak}[function](x, y, sigma=1.3)
        assert ours.item() == pytest.approx(value.item(), rel=1e-10)
        (expected,) = torch.autograd.grad(value, x)
        (grad,) = torch.autograd.grad(ours, x)
        torch.testing.assert_close(grad, expected, rtol=1e-9, atol=1e-12)
    X = torch.tensor(rng.normal(size=(4, 9, 1)))
    np.testing.assert_allclose(
        host(cdist_gak(X, sigma=2.0)), host(tslearn_metrics.cdist_gak(X, sigma=2.0)), rtol=1e-10
    )
