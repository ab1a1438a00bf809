"""Torch inputs a hostile user tries: empty series, second derivatives, extreme scales,
torch.compile. Oracles: finite differences and the eager run."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tswarp._torch import soft_dtw, squared_euclidean  # noqa: E402
from tswarp._torch._compiled import CompiledSoftDTW  # noqa: E402
from tswarp.metrics import SoftDTWLossPyTorch  # noqa: E402

pytestmark = pytest.mark.torch

ENGINES = [{}, {"compute_with_backend": True}, {"normalize": True}]


@pytest.mark.parametrize("settings", ENGINES)
@pytest.mark.parametrize(
    ("x_shape", "y_shape", "name"),
    [((2, 0, 2), (2, 4, 2), "x"), ((2, 3, 2), (2, 0, 2), "y"), ((2, 3, 0), (2, 4, 0), "x")],
)
def test_series_without_steps_or_features_are_refused(settings, x_shape, y_shape, name):
    x = torch.zeros(x_shape, requires_grad=True)
    with pytest.raises(ValueError, match=f"{name} must hold series of at least one time step"):
        SoftDTWLossPyTorch(**settings)(x, torch.zeros(y_shape))


def test_the_kernels_refuse_lengths_out_of_range():
    costs = torch.zeros(2, 3, 3, dtype=torch.float64, requires_grad=True)
    band = np.zeros((2, 3), dtype=np.intp), np.full((2, 3), 3, dtype=np.intp)
    for lengths in ([0, 3], [3, 4]):
        with pytest.raises(ValueError, match="lengths must lie within"):
            CompiledSoftDTW.apply(costs, 1.0, np.array(lengths, dtype=np.intp),
                                  np.array([3, 3], dtype=np.intp), *band)  # fmt: skip


def test_unsigned_lengths_are_integers():
    x, y = torch.rand(2, 3, 1), torch.rand(2, 4, 1)
    loss = SoftDTWLossPyTorch()
    got = loss(x, y, np.array([3, 2], dtype=np.uint32), torch.tensor([4, 4], dtype=torch.uint8))
    torch.testing.assert_close(got, loss(x, y, [3, 2], [4, 4]))


@pytest.mark.parametrize("settings", ENGINES)
def test_a_soft_dtw_hessian_is_refused_not_wrong(settings):
    x = torch.randn(1, 4, 2, dtype=torch.float64)
    y = torch.randn(1, 5, 2, dtype=torch.float64)
    loss = SoftDTWLossPyTorch(gamma=0.5, **settings)
    with pytest.raises(RuntimeError, match="first order"):
        torch.autograd.functional.hessian(lambda a: loss(a, y).sum(), x)


def test_the_dtw_hessian_matches_finite_differences():
    torch.manual_seed(0)
    x = torch.randn(1, 4, 2, dtype=torch.float64)
    y = torch.randn(1, 5, 2, dtype=torch.float64)

    def value(a):
        return soft_dtw(squared_euclidean(a, y), 0.0).sum()

    def gradient(a):
        a = a.detach().requires_grad_(True)
        return torch.autograd.grad(value(a), a)[0].flatten()

    hessian = torch.autograd.functional.hessian(value, x).reshape(8, 8)
    step = 1e-6
    columns = []
    for i in range(8):
        e = torch.zeros(8, dtype=torch.float64)
        e[i] = step
        columns.append((gradient(x + e.view_as(x)) - gradient(x - e.view_as(x))) / (2 * step))
    torch.testing.assert_close(hessian, torch.stack(columns, 1), rtol=0, atol=1e-7)


def test_the_squared_euclidean_costs_have_second_derivatives():
    x = torch.randn(2, 4, 3, dtype=torch.float64, requires_grad=True)
    y = torch.randn(2, 5, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradgradcheck(squared_euclidean, (x, y))


@pytest.mark.parametrize(("scale", "gamma"), [(1e8, 0.01), (1e150, 1.0)])
def test_wavefront_gradients_stay_finite_at_extreme_scales(scale, gamma):
    torch.manual_seed(0)
    x = (torch.randn(1, 30, 1, dtype=torch.float64) * scale).requires_grad_(True)
    y = torch.randn(1, 40, 1, dtype=torch.float64) * scale
    SoftDTWLossPyTorch(gamma=gamma, compute_with_backend=True)(x, y).sum().backward()
    assert torch.isfinite(x.grad).all()


# Dynamo itself reads .grad of the graph's intermediate tensors while it traces.
@pytest.mark.filterwarnings("ignore:The .grad attribute of a Tensor that is not a leaf")
@pytest.mark.parametrize("settings", ENGINES)
def test_the_loss_runs_under_torch_compile(settings):
    torch.manual_seed(0)
    x = torch.randn(2, 5, 2, dtype=torch.float64)
    y = torch.randn(2, 6, 2, dtype=torch.float64)
    loss = SoftDTWLossPyTorch(gamma=0.5, **settings)
    compiled_x, eager_x = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
    compiled = torch.compile(loss, backend="aot_eager")(compiled_x, y)
    compiled.sum().backward()
    eager = loss(eager_x, y)
    eager.sum().backward()
    torch.testing.assert_close(compiled, eager)
    torch.testing.assert_close(compiled_x.grad, eager_x.grad)
