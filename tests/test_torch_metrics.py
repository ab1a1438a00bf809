"""The public metrics on torch tensors: parity with the NumPy backend, gradients, dtypes."""

import subprocess
import sys

import numpy as np
import pytest
from oracles import accumulated_naive, dtw_naive, itakura_naive, sakoe_chiba_naive, squared_costs

torch = pytest.importorskip("torch")

from tswarp.metrics import (  # noqa: E402
    SoftDTWLossPyTorch,
    cdist_dtw,
    cdist_soft_dtw,
    cdist_soft_dtw_normalized,
    dtw,
    dtw_accumulated_matrix,
    dtw_path,
    lb_envelope,
    soft_dtw,
    soft_dtw_alignment,
    soft_dtw_normalized,
)

pytestmark = pytest.mark.torch
DEVICES = [
    "cpu",
    pytest.param(
        "cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
    ),
]
ENGINES = [None, True, False]  # compute_with_backend: default, torch wavefront, compiled


def tensors(rng, n, m, d, dtype=torch.float64, device="cpu"):
    x = torch.tensor(rng.normal(size=(n, d)), dtype=dtype, device=device, requires_grad=True)
    y = torch.tensor(rng.normal(size=(m, d)), dtype=dtype, device=device, requires_grad=True)
    return x, y


def soft_gradients(x, y, alignment):
    """d soft-DTW / d x and / d y from the expected alignment E (the chain rule by hand)."""
    grad_x = 2 * (x * alignment.sum(1)[:, None] - alignment @ y)
    grad_y = 2 * (y * alignment.sum(0)[:, None] - alignment.T @ x)
    return grad_x, grad_y


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("constraint", [{}, {"sakoe_chiba_radius": 2}, {"itakura_max_slope": 3.0}])
def test_dtw_matches_numpy_with_path_gradients(rng, device, constraint):
    for n, m, d in [(7, 9, 1), (12, 10, 3), (4, 5, 2)]:
        x, y = tensors(rng, n, m, d, device=device)
        a, b = x.detach().cpu().numpy(), y.detach().cpu().numpy()
        value = dtw(x, y, **constraint)
        assert value.device.type == device and value.dtype == torch.float64
        assert value.item() == pytest.approx(dtw(a, b, **constraint), rel=1e-12)
        path, distance = dtw_path(x, y, **constraint)
        assert path == dtw_path(a, b, **constraint)[0]
        assert distance.item() == pytest.approx(value.item(), rel=1e-14)
        value.backward()
        # The gradient of sqrt(sum over the path of ||x_i - y_j||^2), by hand.
        rows, cols = np.array(path).T
        expected = np.zeros_like(a)
        np.add.at(expected, rows, (a[rows] - b[cols]) / value.item())
        np.testing.assert_allclose(x.grad.cpu().numpy(), expected, rtol=1e-12, atol=1e-15)
        expected_y = np.zeros_like(b)
        np.add.at(expected_y, cols, (b[cols] - a[rows]) / value.item())
        np.testing.assert_allclose(y.grad.cpu().numpy(), expected_y, rtol=1e-12, atol=1e-15)


def test_dtw_dtypes_and_zero_distance():
    x = torch.tensor([[1.0], [2.0], [3.0]], requires_grad=True)
    value = dtw(x, torch.tensor([[3.0], [4.0], [-3.0]]))
    assert value.dtype == torch.float32 and value.grad_fn.name() == "SqrtBackward0"
    same = dtw(x, x.detach().clone())
    same.backward()
    assert same.item() == 0 and torch.equal(x.grad, torch.zeros_like(x))
    assert dtw([1, 2, 3], [1, 2, 2, 3, 4], be="pytorch").dtype == torch.float64


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize(
    "constraint, band",
    [
        ({}, lambda n, m: None),
        ({"sakoe_chiba_radius": 2}, lambda n, m: sakoe_chiba_naive(n, m, 2)),
        ({"itakura_max_slope": 3.0}, lambda n, m: itakura_naive(n, m, 3.0)),
    ],
)
def test_dtw_without_gradient_matches_numpy(rng, device, dtype, constraint, band):
    x, y = tensors(rng, 11, 8, 2, dtype=dtype, device=device)
    a, b = x.detach().cpu().numpy(), y.detach().cpu().numpy()
    expected = dtw_naive(a, b, band(11, 8))
    rel = 1e-6 if dtype == torch.float32 else 1e-12
    with torch.no_grad():
        under_no_grad = dtw(x, y, **constraint)
    for value in (under_no_grad, dtw(x.detach(), y.detach(), **constraint)):
        assert value.device.type == device and value.dtype == dtype and not value.requires_grad
        assert value.item() == pytest.approx(expected, rel=rel)
        assert value.item() == pytest.approx(dtw(a, b, **constraint), rel=rel)
    squared = soft_dtw(x.detach(), y.detach(), gamma=0, **constraint)
    assert squared.dtype == torch.float64 and squared.item() == pytest.approx(expected**2, rel=rel)


def test_dtw_memory_is_two_rows_without_gradient_and_a_byte_per_cell_with_one():
    # Without a gradient, two series of 50,000 steps: the path's 2.5 GB of direction bytes
    # must not be made. With one, 8,000 steps: a byte per cell, not a float.
    pytest.importorskip("resource")
    code = (
        "import resource, sys, numpy as np, torch\n"
        "from tswarp.metrics import dtw\n"
        "def peak():\n"
        "    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (\n"
        "        1 if sys.platform == 'darwin' else 1024)\n"
        "rng = np.random.default_rng(7)\n"
        "a, b = rng.normal(size=50_000), rng.normal(size=50_000)\n"
        "x, y = torch.tensor(a, requires_grad=True), torch.tensor(b)\n"
        "dtw(x[:100], y[:100]).backward()\n"
        "before = peak()\n"
        "with torch.no_grad():\n"
        "    under_no_grad = dtw(x, y).item()\n"
        "plain = dtw(x.detach(), y).item()\n"
        "without_gradient = peak() - before\n"
        "before = peak()\n"
        "dtw(x[:8000], y[:8000]).backward()\n"
        "print(without_gradient, peak() - before, under_no_grad, plain, dtw(a, b))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    without_gradient, with_gradient, *values = (float(v) for v in out.stdout.split())
    assert without_gradient < 100e6, f"{without_gradient / 1e6:.0f} MB without gradient"
    assert with_gradient < 2 * 8000**2, f"{with_gradient / 8000**2:.1f} bytes per cell"
    under_no_grad, plain, reference = values
    assert under_no_grad == plain == reference


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("constraint", [{}, {"sakoe_chiba_radius": 1}, {"itakura_max_slope": 2.5}])
def test_soft_dtw_matches_numpy_values_alignments_and_gradients(rng, device, engine, constraint):
    for n, m, d, gamma in [(6, 8, 1, 1.0), (9, 7, 3, 0.1), (5, 5, 2, 10.0)]:
        x, y = tensors(rng, n, m, d, device=device)
        a, b = x.detach().cpu().numpy(), y.detach().cpu().numpy()
        alignment, expected = soft_dtw_alignment(a, b, gamma=gamma, **constraint)
        value = soft_dtw(x, y, gamma=gamma, compute_with_backend=engine, **constraint)
        assert value.dtype == torch.float64 and value.device.type == device
        assert value.item() == pytest.approx(expected, rel=1e-10)
        value.backward()
        grad_x, grad_y = soft_gradients(a, b, alignment)
        np.testing.assert_allclose(x.grad.cpu().numpy(), grad_x, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(y.grad.cpu().numpy(), grad_y, rtol=1e-9, atol=1e-12)
        got_alignment, got_value = soft_dtw_alignment(
            x, y, gamma=gamma, compute_with_backend=engine, **constraint
        )
        np.testing.assert_allclose(got_alignment.cpu().numpy(), alignment, atol=1e-12)
        assert got_value.item() == pytest.approx(expected, rel=1e-10)
        divergence = soft_dtw_normalized(x, y, gamma=gamma, compute_with_backend=engine)
        assert divergence.item() == pytest.approx(soft_dtw_normalized(a, b, gamma=gamma), rel=1e-9)


def test_soft_dtw_gamma_zero_is_dtw_squared(rng):
    x, y = tensors(rng, 8, 6, 2)
    value = soft_dtw(x, y, gamma=0)
    assert value.item() == pytest.approx(dtw(x, y).item() ** 2, rel=1e-12)
    value.backward()
    alignment, _ = soft_dtw_alignment(x.detach(), y.detach(), gamma=0)
    grad_x, _ = soft_gradients(x.detach().numpy(), y.detach().numpy(), alignment.numpy())
    np.testing.assert_allclose(x.grad.numpy(), grad_x, rtol=1e-12)


@pytest.mark.parametrize("engine", [True, False])
@pytest.mark.parametrize(
    "n, m, d, constraint",
    [(5, 7, 1, {}), (6, 6, 3, {"sakoe_chiba_radius": 1}), (7, 5, 2, {"itakura_max_slope": 3.0})],
)
def test_soft_dtw_gradcheck(rng, engine, n, m, d, constraint):
    x, y = tensors(rng, n, m, d)

    def function(a, b):
        return soft_dtw(a, b, gamma=0.7, compute_with_backend=engine, **constraint)

    assert torch.autograd.gradcheck(function, (x, y))


GRADCHECKED = {
    "dtw": lambda x, y: dtw(x, y),
    "dtw_path": lambda x, y: dtw_path(x, y)[1],
    "soft_dtw_gamma_0": lambda x, y: soft_dtw(x, y, gamma=0),
    "soft_dtw_normalized_gamma_0": lambda x, y: soft_dtw_normalized(x, y, gamma=0),
    "soft_dtw_alignment_gamma_0": lambda x, y: soft_dtw_alignment(x, y, gamma=0)[1],
    "cdist_dtw": lambda x, y: cdist_dtw(torch.stack([x, y])),
    "cdist_dtw_two_sets": lambda x, y: cdist_dtw(x[None], torch.stack([y, y.flip(0)])),
    "soft_dtw": lambda x, y: soft_dtw(x, y, gamma=0.5),
    "soft_dtw_normalized": lambda x, y: soft_dtw_normalized(x, y, gamma=0.5),
    "soft_dtw_alignment": lambda x, y: soft_dtw_alignment(x, y, gamma=0.5)[1],
    "cdist_soft_dtw": lambda x, y: cdist_soft_dtw(torch.stack([x, y]), gamma=0.5),
    "cdist_soft_dtw_normalized": lambda x, y: cdist_soft_dtw_normalized(
        torch.stack([x, y]), gamma=0.5
    ),
    "loss": lambda x, y: SoftDTWLossPyTorch(0.5)(x[None], y[None]),
    "loss_normalized": lambda x, y: SoftDTWLossPyTorch(0.5, normalize=True)(x[None], y[None]),
}


@pytest.mark.parametrize("name", GRADCHECKED)
def test_default_gradcheck_passes(rng, name):
    # The default checks include undefined output gradients (check_undefined_grad=True).
    # Random float64 data: no ties between paths, so DTW is differentiable there.
    x, y = tensors(rng, 7, 7, 2)
    assert torch.autograd.gradcheck(GRADCHECKED[name], (x, y))


@pytest.mark.parametrize("engine", [True, False])
def test_second_backward_with_retain_graph_gives_the_same_gradient(rng, engine):
    x, y = tensors(rng, 9, 7, 2)
    value = soft_dtw(x, y, gamma=0.3, compute_with_backend=engine)
    value.backward(retain_graph=True)
    first = x.grad.clone()
    x.grad = None
    value.backward()
    assert torch.equal(x.grad, first)


def test_loss_gradcheck_with_normalize_and_lengths(rng):
    x = torch.tensor(rng.normal(size=(3, 6, 2)), requires_grad=True)
    y = torch.tensor(rng.normal(size=(3, 4, 2)), requires_grad=True)
    loss = SoftDTWLossPyTorch(gamma=0.5, normalize=True)
    assert torch.autograd.gradcheck(loss, (x, y))
    assert torch.autograd.gradcheck(
        lambda a, b: loss(a, b, x_lengths=[6, 4, 5], y_lengths=[4, 2, 3]), (x, y)
    )


def test_loss_matches_soft_dtw_per_pair(rng):
    x = torch.tensor(rng.normal(size=(4, 9, 3)))
    y = torch.tensor(rng.normal(size=(4, 7, 3)))
    losses = SoftDTWLossPyTorch(gamma=0.3, sakoe_chiba_radius=2)(x, y)
    assert losses.shape == (4,) and losses.dtype == torch.float64
    for k in range(4):
        expected = soft_dtw(x[k].numpy(), y[k].numpy(), gamma=0.3, sakoe_chiba_radius=2)
        assert losses[k].item() == pytest.approx(expected, rel=1e-12)
    divergence = SoftDTWLossPyTorch(gamma=0.3, normalize=True)(x, y)
    for k in range(4):
        expected = soft_dtw_normalized(x[k].numpy(), y[k].numpy(), gamma=0.3)
        assert divergence[k].item() == pytest.approx(expected, rel=1e-10)
    same = SoftDTWLossPyTorch(gamma=0.3, normalize=True)(x, x)
    assert torch.equal(same, torch.zeros(4, dtype=torch.float64))


def test_loss_lengths_equal_unpadded_problems(rng):
    x = torch.tensor(rng.normal(size=(2, 8, 1)), requires_grad=True)
    y = torch.tensor(rng.normal(size=(2, 6, 1)))
    loss = SoftDTWLossPyTorch(gamma=1.0)
    padded = loss(x, y, x_lengths=torch.tensor([8, 5]), y_lengths=[3, 6])
    alone = loss(x[1:, :5], y[1:, :6])
    assert padded[1].item() == pytest.approx(alone.item(), rel=1e-13)
    padded[1].backward()
    assert torch.equal(x.grad[1, 5:], torch.zeros(3, 1)) and torch.equal(
        x.grad[0], torch.zeros(8, 1)
    )


def test_loss_custom_distance_is_differentiated_through(rng):
    x = torch.tensor(rng.normal(size=(2, 5, 2)), requires_grad=True)
    y = torch.tensor(rng.normal(size=(2, 4, 2)))

    def l1(a, b):
        return (a[:, :, None, :] - b[:, None, :, :]).abs().sum(-1)

    loss = SoftDTWLossPyTorch(gamma=0.5, dist_func=l1)
    assert torch.autograd.gradcheck(lambda a: loss(a, y), (x,))


def test_loss_float32_small_gamma_long_series_is_finite(rng):
    x = torch.tensor(rng.normal(size=(2, 512, 2)), dtype=torch.float32, requires_grad=True)
    y = torch.tensor(rng.normal(size=(2, 512, 2)), dtype=torch.float32)
    for gamma in (1e-3, 1e3):
        x.grad = None
        values = SoftDTWLossPyTorch(gamma=gamma)(x, y)
        assert values.dtype == torch.float32 and torch.isfinite(values).all()
        values.sum().backward()
        assert torch.isfinite(x.grad).all()


@pytest.mark.parametrize(
    "args, error, message",
    [
        ((torch.zeros(3, 2), torch.zeros(3, 2)), ValueError, "x must be a 3-D tensor"),
        ((torch.zeros(2, 3, 1), torch.zeros(3, 3, 1)), ValueError, "same batch size"),
        ((torch.zeros(2, 3, 1), torch.zeros(2, 3, 2)), ValueError, "same number of features"),
    ],
)
def test_loss_input_errors(args, error, message):
    with pytest.raises(error, match=message):
        SoftDTWLossPyTorch()(*args)


def test_loss_argument_errors():
    for gamma in (0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="gamma must be a finite number > 0"):
            SoftDTWLossPyTorch(gamma=gamma)
    with pytest.raises(TypeError, match="dist_func must be callable"):
        SoftDTWLossPyTorch(dist_func="l1")
    with pytest.raises(ValueError, match="both sakoe_chiba_radius and itakura_max_slope"):
        SoftDTWLossPyTorch(sakoe_chiba_radius=1, itakura_max_slope=2.0)
    loss = SoftDTWLossPyTorch()
    with pytest.raises(ValueError, match="x_lengths must hold 2 lengths between 1 and 3"):
        loss(torch.zeros(2, 3, 1), torch.zeros(2, 3, 1), x_lengths=[3, 4])
    with pytest.raises(ValueError, match=r"dist_func must return a tensor of shape \(2, 3, 3\)"):
        SoftDTWLossPyTorch(dist_func=lambda a, b: a.sum())(
            torch.zeros(2, 3, 1), torch.zeros(2, 3, 1)
        )


@pytest.mark.parametrize("normalize", [False, True])
def test_loss_reductions_reduce_the_pair_losses(rng, normalize):
    x = torch.tensor(rng.normal(size=(5, 6, 2)))
    y = torch.tensor(rng.normal(size=(5, 4, 2)))
    lengths = {"x_lengths": [6, 3, 5, 6, 2], "y_lengths": [4, 4, 1, 2, 3]}
    pairs = SoftDTWLossPyTorch(0.4, normalize)(x, y, **lengths)
    assert pairs.shape == (5,)
    # The per-pair values from the NumPy soft-DTW, reduced by hand.
    by_hand = []
    for k in range(5):
        a, b = x[k, : lengths["x_lengths"][k]].numpy(), y[k, : lengths["y_lengths"][k]].numpy()
        by_hand.append((soft_dtw_normalized if normalize else soft_dtw)(a, b, gamma=0.4))
    np.testing.assert_allclose(pairs.numpy(), by_hand, rtol=1e-10, atol=1e-12)
    for reduction, expected in [("none", by_hand), ("mean", np.mean(by_hand))]:
        values = SoftDTWLossPyTorch(0.4, normalize, reduction=reduction)(x, y, **lengths)
        np.testing.assert_allclose(values.numpy(), expected, rtol=1e-10, atol=1e-12)
    total = SoftDTWLossPyTorch(0.4, normalize, reduction="sum")(x, y, **lengths)
    assert total.shape == () and total.item() == pytest.approx(sum(by_hand), rel=1e-10, abs=1e-12)


def test_loss_mean_reduction_gradcheck(rng):
    x = torch.tensor(rng.normal(size=(3, 5, 2)), requires_grad=True)
    y = torch.tensor(rng.normal(size=(3, 4, 2)), requires_grad=True)
    for normalize in (False, True):
        loss = SoftDTWLossPyTorch(gamma=0.5, normalize=normalize, reduction="mean")
        assert torch.autograd.gradcheck(loss, (x, y))


def test_loss_repr_and_reduction_errors():
    assert repr(SoftDTWLossPyTorch()) == "SoftDTWLossPyTorch(gamma=1.0, normalize=False)"
    assert (
        repr(SoftDTWLossPyTorch(0.25, True, reduction="sum"))
        == "SoftDTWLossPyTorch(gamma=0.25, normalize=True, reduction='sum')"
    )
    for reduction in ("avg", None, "Mean", 1):
        with pytest.raises(ValueError, match="reduction must be one of 'none', 'mean', 'sum'"):
            SoftDTWLossPyTorch(reduction=reduction)
    with pytest.raises(TypeError):
        SoftDTWLossPyTorch(1.0, False, None, None, None, None, None, "mean")


@pytest.mark.parametrize("engine", ENGINES)
def test_cdist_on_tensors(rng, engine):
    data = rng.normal(size=(5, 7, 2))
    data[1, 5:] = np.nan  # a shorter series
    X = torch.tensor(data, requires_grad=False)
    Y = torch.tensor(rng.normal(size=(3, 6, 2)), requires_grad=True)
    expected = cdist_soft_dtw(data, Y.detach().numpy(), gamma=0.5)
    got = cdist_soft_dtw(X, Y, gamma=0.5, compute_with_backend=engine)
    assert got.dtype == torch.float64 and got.requires_grad
    np.testing.assert_allclose(got.detach().numpy(), expected, rtol=1e-10)
    got.sum().backward()
    assert torch.isfinite(Y.grad).all() and Y.grad.abs().sum() > 0
    own = cdist_soft_dtw(X, gamma=0.5, compute_with_backend=engine)
    np.testing.assert_allclose(own.numpy(), cdist_soft_dtw(data, gamma=0.5), rtol=1e-10)
    divergence = cdist_soft_dtw_normalized(X, Y.detach(), gamma=0.5, compute_with_backend=engine)
    np.testing.assert_allclose(
        divergence.numpy(),
        cdist_soft_dtw_normalized(data, Y.detach().numpy(), gamma=0.5),
        rtol=1e-9,
        atol=1e-12,
    )


def test_cdist_dtw_on_tensors_with_gradient(rng):
    X = torch.tensor(rng.normal(size=(4, 6, 1)), requires_grad=True)
    matrix = cdist_dtw(X, sakoe_chiba_radius=1)
    np.testing.assert_allclose(
        matrix.detach().numpy(), cdist_dtw(X.detach().numpy(), sakoe_chiba_radius=1), rtol=1e-12
    )
    assert matrix.dtype == torch.float64
    matrix.sum().backward()
    # Each pair's gradient is its path's; the sum over pairs, by hand:
    expected = np.zeros((4, 6, 1))
    data = X.detach().numpy()
    for i in range(4):
        for j in range(i + 1, 4):
            path, distance = dtw_path(data[i], data[j], sakoe_chiba_radius=1)
            for a, b in path:
                expected[i, a] += 2 * (data[i, a] - data[j, b]) / distance
                expected[j, b] += 2 * (data[j, b] - data[i, a]) / distance
    np.testing.assert_allclose(X.grad.numpy(), expected, rtol=1e-10, atol=1e-12)


def test_cdist_without_gradient_runs_on_the_kernels(rng):
    X = torch.tensor(rng.normal(size=(6, 9)), dtype=torch.float32)
    got = cdist_dtw(X, n_jobs=2, dtype=np.float32)
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float32
    np.testing.assert_array_equal(got.numpy(), cdist_dtw(X.numpy(), dtype=np.float32))


def test_torch_validation_errors():
    with pytest.raises(ValueError, match="s1 has a NaN or infinite value at time step 1"):
        dtw(torch.tensor([1.0, float("nan"), 2.0]), torch.tensor([1.0]))
    with pytest.raises(ValueError, match="s2 is empty or all NaN"):
        soft_dtw(torch.tensor([1.0]), torch.tensor([float("nan")]))
    with pytest.raises(ValueError, match="same number of features"):
        dtw(torch.zeros(3, 2), torch.zeros(3, 1))
    with pytest.raises(TypeError, match="s1 must hold real numbers"):
        dtw(torch.zeros(3, dtype=torch.complex64), torch.zeros(3))
    with pytest.raises(ValueError, match=r"dataset1\[2\] has a NaN"):
        cdist_soft_dtw(
            torch.tensor([[1.0, 2.0], [1.0, 2.0], [float("nan"), 1.0]]),
            gamma=1.0,
            compute_with_backend=True,
        )
    trailing = torch.tensor([1.0, 2.0, float("nan")])
    assert dtw(trailing, torch.tensor([1.0, 2.0])).item() == 0.0


def test_inputs_are_not_modified(rng):
    x, y = tensors(rng, 6, 5, 2)
    before = (x.detach().clone(), y.detach().clone())
    soft_dtw(x, y).backward()
    dtw(x, y).backward()
    SoftDTWLossPyTorch(normalize=True)(x[None], y[None]).sum().backward()
    assert torch.equal(x.detach(), before[0]) and torch.equal(y.detach(), before[1])


def test_loss_without_torch_names_the_extra():
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import tswarp.metrics\n"
        "try:\n    tswarp.metrics.SoftDTWLossPyTorch\n"
        "except ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert 'pip install "tswarp[torch]"' in out.stdout


def test_squared_costs_oracle_sanity(rng):
    a, b = rng.normal(size=(3, 2)), rng.normal(size=(4, 2))
    assert squared_costs(a, b).shape == (3, 4)


@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("constraint", [{}, {"sakoe_chiba_radius": 2}])
def test_loss_default_costs_equal_the_cost_matrix_path(rng, normalize, constraint):
    # On CPU the default loss computes its costs inside the kernels; with the same costs as
    # an explicit dist_func (the cost-matrix path) values and gradients agree.
    from tswarp._torch import squared_euclidean

    x = torch.tensor(rng.normal(size=(3, 9, 2)) + 50, requires_grad=True)
    y = torch.tensor(rng.normal(size=(3, 6, 2)) + 50, requires_grad=True)
    lengths = {"x_lengths": [9, 7, 5], "y_lengths": [6, 6, 4]}
    results = []
    for dist_func in (None, squared_euclidean):
        loss = SoftDTWLossPyTorch(0.4, normalize=normalize, dist_func=dist_func, **constraint)
        values = loss(x, y, **lengths)
        grads = torch.autograd.grad((values * torch.arange(1.0, 4.0)).sum(), (x, y))
        results.append((values, *grads))
    for fused, matrix in zip(*results, strict=True):
        assert torch.allclose(fused, matrix, rtol=1e-10, atol=1e-10 * matrix.abs().max().item())


def test_loss_state_is_float32_weights_without_a_cost_matrix(rng):
    # What the float32 loss keeps for its backward, traced through NumPy's allocations: the
    # soft-min weights in float32 (12 bytes a cell, plus strip padding); float64 keeps 24.
    import tracemalloc

    b, n = 4, 100
    cells = b * ((n + 15) // 16) * (n + 15) * 16
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the per-thread scratch would grow with the machine's cores
    try:
        for dtype, per_cell in ((torch.float32, 12), (torch.float64, 24)):
            x = torch.tensor(rng.normal(size=(b, n, 1)), dtype=dtype, requires_grad=True)
            y = torch.tensor(rng.normal(size=(b, n, 1)), dtype=dtype)
            tracemalloc.start()
            SoftDTWLossPyTorch(1.0)(x, y).sum().backward()
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            assert per_cell * cells <= peak < per_cell * cells + 64 * 1024
    finally:
        torch.set_num_threads(threads)


def test_loss_refuses_inputs_modified_before_the_backward(rng):
    x = torch.tensor(rng.normal(size=(2, 5, 1)), requires_grad=True)
    y = torch.tensor(rng.normal(size=(2, 4, 1)), requires_grad=True)
    values = SoftDTWLossPyTorch(1.0)(x, y)
    with torch.no_grad():
        y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        values.sum().backward()


@pytest.mark.parametrize("device", DEVICES)
def test_host_computed_results_stay_on_the_input_device(rng, device):
    a, b = rng.normal(size=(5, 2)), rng.normal(size=(4, 2))
    x, y = torch.tensor(a, device=device), torch.tensor(b, device=device)
    matrix = dtw_accumulated_matrix(x, y)
    assert matrix.device.type == device and matrix.dtype == torch.float64
    np.testing.assert_allclose(matrix.cpu().numpy(), accumulated_naive(a, b), rtol=1e-12)
    for envelope in lb_envelope(x, radius=1):
        assert envelope.device.type == device


def test_host_results_follow_a_device_other_than_the_cpu():
    # Without a GPU at hand: the conversion itself, to the 'meta' device that every torch has.
    from tswarp.backend import instantiate_backend
    from tswarp.metrics._inputs import to_backend

    be = instantiate_backend("pytorch")
    on_meta = torch.empty(3, device="meta")
    result = to_backend(be, np.zeros((2, 2)), [1.0], on_meta)
    assert result.device.type == "meta" and result.shape == (2, 2)
    assert to_backend(be, np.zeros(2), [1.0]).device.type == "cpu"
    assert isinstance(to_backend(instantiate_backend("numpy"), np.zeros(2), on_meta), np.ndarray)


@pytest.mark.parametrize("normalize", [False, True])
def test_loss_runs_the_wavefront_on_request(rng, normalize):
    # compute_with_backend=True sends CPU tensors through the torch wavefront that other
    # devices run: the same values and gradients as the compiled kernels.
    x = torch.tensor(rng.normal(size=(3, 9, 2)), requires_grad=True)
    y = torch.tensor(rng.normal(size=(3, 7, 2)))
    results = []
    for compute_with_backend in (None, True):
        loss = SoftDTWLossPyTorch(0.5, normalize, compute_with_backend=compute_with_backend)
        values = loss(x, y)
        (grad,) = torch.autograd.grad(values.sum(), x)
        results.append((values, grad))
    (compiled, compiled_grad), (wavefront, wavefront_grad) = results
    torch.testing.assert_close(wavefront, compiled, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(wavefront_grad, compiled_grad, rtol=1e-10, atol=1e-12)
    with pytest.raises(TypeError, match="compute_with_backend must be None, True or False"):
        SoftDTWLossPyTorch(compute_with_backend="yes")
