"""Torch tensors as the metrics get them: any strides, narrow floats, lists, or no values."""

import numpy as np
import pytest
from oracles import accumulated_naive, dtw_naive, soft_dtw_naive, squared_costs
from torch_oracles import dtw_backtrack, soft_dtw_recursion

torch = pytest.importorskip("torch")

from tswarp.metrics import (  # noqa: E402
    SoftDTWLossPyTorch,
    cdist_dtw,
    cdist_soft_dtw,
    cdist_soft_dtw_normalized,
    compute_mask,
    dtw,
    dtw_accumulated_matrix,
    dtw_path,
    lb_envelope,
    lb_keogh,
    soft_dtw,
    soft_dtw_alignment,
    soft_dtw_normalized,
)

pytestmark = pytest.mark.torch


def every_other_row(values):
    return torch.tensor(np.repeat(values, 2, axis=0))[::2]


def transposed(values):
    return torch.tensor(values.T.copy()).T


def negated_view(values):
    # The imaginary part of a conjugate is a view with torch's negative bit set.
    return torch.tensor(-values * 1j).conj().imag


STRIDED_VIEWS = [every_other_row, transposed, negated_view]


@pytest.mark.parametrize("view", STRIDED_VIEWS)
def test_dtw_family_reads_tensors_of_any_strides(rng, view):
    a, b = rng.normal(size=(6, 2)), rng.normal(size=(5, 2))
    x, y = view(a), view(b)
    assert not x.is_contiguous() or x.is_neg()
    squared, on_path = dtw_backtrack(squared_costs(a, b))
    distance = dtw_naive(a, b)
    assert dtw(x, y).item() == pytest.approx(distance, rel=1e-12)
    path, value = dtw_path(x, y)
    assert value.item() == pytest.approx(distance, rel=1e-12)
    np.testing.assert_array_equal(np.argwhere(on_path), path)
    assert soft_dtw(x, y, gamma=0).item() == pytest.approx(squared, rel=1e-12)
    assert soft_dtw_normalized(x, y, gamma=0).item() == pytest.approx(squared, rel=1e-12)
    alignment, value = soft_dtw_alignment(x, y, gamma=0)
    np.testing.assert_array_equal(alignment.numpy(), on_path)
    assert value.item() == pytest.approx(squared, rel=1e-12)
    np.testing.assert_allclose(dtw_accumulated_matrix(x, y).numpy(), accumulated_naive(a, b))


def test_expanded_tensors_are_read_as_their_values(rng):
    a, b = rng.normal(size=(6, 1)), rng.normal(size=(4, 1))
    x, y = torch.tensor(a).expand(6, 3), torch.tensor(b).expand(4, 3)  # stride 0
    expected = dtw_naive(np.repeat(a, 3, axis=1), np.repeat(b, 3, axis=1))
    assert dtw(x, y).item() == pytest.approx(expected, rel=1e-12)
    assert dtw_path(x, y)[1].item() == pytest.approx(expected, rel=1e-12)


def test_gradient_through_a_strided_view(rng):
    base = torch.tensor(rng.normal(size=(12, 2)), requires_grad=True)
    y = torch.tensor(rng.normal(size=(5, 2)))
    value = dtw(base[::2], y)
    value.backward()
    a, b = base.detach().numpy()[::2], y.numpy()
    _, on_path = dtw_backtrack(squared_costs(a, b))
    # d sqrt(sum over the path of ||a_i - b_j||^2) / d a, by hand, on the even rows only.
    expected = (on_path.sum(1)[:, None] * a - on_path @ b) / dtw_naive(a, b)
    np.testing.assert_allclose(base.grad[::2].numpy(), expected, rtol=1e-12, atol=1e-15)
    assert torch.equal(base.grad[1::2], torch.zeros(6, 2, dtype=torch.float64))


@pytest.mark.parametrize("container", [list, tuple])
def test_cdist_of_tensors_requiring_grad_in_a_list(rng, container):
    series = container(
        torch.tensor(rng.normal(size=(n, 2)), requires_grad=True) for n in (5, 7, 6)
    )
    data = [ts.detach().numpy() for ts in series]
    matrix = cdist_dtw(series)
    assert isinstance(matrix, torch.Tensor) and matrix.requires_grad
    expected = [[dtw_naive(a, b) for b in data] for a in data]
    np.testing.assert_allclose(matrix.detach().numpy(), expected, rtol=1e-12, atol=1e-15)
    matrix.sum().backward()
    assert all(bool(torch.isfinite(ts.grad).all()) for ts in series)
    soft = cdist_soft_dtw(series, gamma=0.5)
    expected_soft = [[soft_dtw_naive(a, b, 0.5) for b in data] for a in data]
    np.testing.assert_allclose(soft.detach().numpy(), expected_soft, rtol=1e-10)
    divergence = cdist_soft_dtw_normalized(series, series[:2], gamma=0.5)
    own = np.diagonal(expected_soft)
    expected_divergence = np.array(expected_soft)[:, :2] - (own[:, None] + own[None, :2]) / 2
    np.testing.assert_allclose(divergence.detach().numpy(), expected_divergence, atol=1e-10)


def test_cdist_of_a_list_of_tensors_returns_a_tensor(rng):
    # Tensors in, a tensor out: a list holding tensors selects the PyTorch backend.
    data = [rng.normal(size=(n, 1)).astype(np.float32) for n in (4, 6)]
    series = [torch.tensor(data[0]), torch.tensor(data[1], dtype=torch.float64)]
    matrix = cdist_dtw(series)
    assert isinstance(matrix, torch.Tensor) and matrix.dtype == torch.float64
    assert matrix[0, 1].item() == pytest.approx(dtw_naive(*data), rel=1e-12)
    mixed = cdist_soft_dtw([data[0], series[1]], gamma=1.0)
    assert isinstance(mixed, torch.Tensor)
    assert mixed[0, 1].item() == pytest.approx(soft_dtw_naive(*data, 1.0), rel=1e-10)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_narrow_float_tensors_are_computed_in_a_wider_float(rng, dtype):
    X = torch.tensor(rng.normal(size=(3, 5, 2))).to(dtype)
    data = X.double().numpy()  # the same values, exactly
    dtw_values = [[dtw_naive(a, b) for b in data] for a in data]
    soft_values = [[soft_dtw_naive(a, b, 1.0) for b in data] for a in data]
    for matrix, expected in (
        (cdist_dtw(X), dtw_values),
        (cdist_dtw(list(X)), dtw_values),
        (cdist_dtw(X.requires_grad_()), dtw_values),
        (cdist_soft_dtw(X.detach(), gamma=1.0), soft_values),
        (cdist_soft_dtw(X, gamma=1.0), soft_values),
    ):
        np.testing.assert_allclose(matrix.detach().float().numpy(), expected, rtol=1e-6)
    X = X.detach()
    np.testing.assert_allclose(
        dtw_accumulated_matrix(X[0], X[1]).numpy(), accumulated_naive(data[0], data[1])
    )
    low, high = lb_envelope(X[0], radius=0)
    np.testing.assert_array_equal(low.double().numpy(), data[0])
    np.testing.assert_array_equal(high.double().numpy(), data[0])
    assert lb_keogh(X[0], X[0], radius=0) == 0.0


def test_loss_with_a_bfloat16_dist_func(rng):
    x = torch.tensor(rng.normal(size=(2, 5, 1)), requires_grad=True)
    y = torch.tensor(rng.normal(size=(2, 4, 1)))

    def costs(a, b):
        return ((a[:, :, None] - b[:, None]) ** 2).sum(-1).to(torch.bfloat16)

    values = SoftDTWLossPyTorch(1.0, dist_func=costs)(x, y)
    assert values.dtype == torch.bfloat16
    table = costs(x, y).detach().double().numpy()
    expected = [soft_dtw_recursion(table[k], 1.0)[0] for k in range(2)]
    np.testing.assert_allclose(values.detach().double().numpy(), expected, rtol=1e-2)
    values.sum().backward()
    assert bool(torch.isfinite(x.grad).all()) and x.grad.abs().sum() > 0


@pytest.mark.parametrize("requires_grad", [False, True])
@pytest.mark.parametrize("function", [cdist_dtw, cdist_soft_dtw, cdist_soft_dtw_normalized])
def test_cdist_result_dtype_may_be_a_torch_dtype(rng, requires_grad, function):
    X = torch.tensor(rng.normal(size=(3, 4, 1)), requires_grad=requires_grad)
    wide = function(X)
    for dtype in (torch.float32, np.float32):
        narrow = function(X, dtype=dtype)
        assert narrow.dtype == torch.float32
        np.testing.assert_allclose(narrow.detach().numpy(), wide.detach().numpy(), rtol=1e-6)
    assert function(X, dtype=torch.float64).dtype == torch.float64
    for dtype in (torch.int32, torch.bfloat16, np.int64, "nonsense"):
        with pytest.raises(ValueError, match=r"dtype must be numpy\.float32 or numpy\.float64"):
            function(X, dtype=dtype)


def test_mask_tensor_that_requires_grad(rng):
    a, b = rng.normal(size=(4, 1)), rng.normal(size=(5, 1))
    allowed = np.ones((4, 5))
    allowed[0, 3:] = allowed[3, :2] = 0
    mask = torch.tensor(allowed, requires_grad=True)
    expected = accumulated_naive(a, b, allowed.astype(bool))
    for s1, s2 in ((a, b), (torch.tensor(a), torch.tensor(b))):
        got = dtw_accumulated_matrix(s1, s2, mask=mask)
        np.testing.assert_allclose(np.asarray(got), expected)


SERIES = torch.tensor([[0.0], [1.0], [2.0]])
# Each public function with the refused tensor in the place of one argument, and its name.
CALLS = {
    "dtw": (lambda t: dtw(t, SERIES), "s1"),
    "dtw_path": (lambda t: dtw_path(SERIES, t), "s2"),
    "dtw_accumulated_matrix": (lambda t: dtw_accumulated_matrix(t, SERIES), "s1"),
    "dtw_accumulated_matrix_mask": (
        lambda t: dtw_accumulated_matrix(SERIES, SERIES, mask=t),
        "mask",
    ),
    "soft_dtw": (lambda t: soft_dtw(t, SERIES), "s1"),
    "soft_dtw_gamma_0": (lambda t: soft_dtw(t, SERIES, gamma=0), "s1"),
    "soft_dtw_wavefront": (lambda t: soft_dtw(t, SERIES, compute_with_backend=True), "s1"),
    "soft_dtw_normalized": (lambda t: soft_dtw_normalized(SERIES, t), "s2"),
    "soft_dtw_alignment": (lambda t: soft_dtw_alignment(t, SERIES), "s1"),
    "cdist_dtw": (lambda t: cdist_dtw(t[None]), "dataset1"),
    "cdist_dtw_list": (lambda t: cdist_dtw([SERIES, t]), r"dataset1\[1\]"),
    "cdist_soft_dtw": (lambda t: cdist_soft_dtw(SERIES[None], t[None]), "dataset2"),
    "cdist_soft_dtw_wavefront": (
        lambda t: cdist_soft_dtw(t[None], compute_with_backend=True),
        "dataset1",
    ),
    "cdist_soft_dtw_normalized": (lambda t: cdist_soft_dtw_normalized(t[None]), "dataset1"),
    "lb_envelope": (lambda t: lb_envelope(t), "ts"),
    "lb_keogh": (lambda t: lb_keogh(t, SERIES), "ts_query"),
}


def meta_tensor():
    return torch.empty(3, 1, device="meta")


def sparse_tensor():
    return SERIES.to_sparse()


@pytest.mark.parametrize("name", CALLS)
@pytest.mark.parametrize(
    "make, error, message",
    [
        (meta_tensor, ValueError, "is a meta tensor"),
        (sparse_tensor, TypeError, "must be a dense tensor, got layout torch.sparse_coo"),
    ],
)
def test_tensors_without_dense_values_are_refused_up_front(name, make, error, message):
    call, argument = CALLS[name]
    with pytest.raises(error, match=f"^{argument} {message}"):
        call(make())


def test_compute_mask_takes_any_tensor_as_a_size():
    # Only the lengths are read: tensors without values are sizes like any other.
    expected = compute_mask(3, 3, "sakoe_chiba", sakoe_chiba_radius=0)
    got = compute_mask(meta_tensor(), SERIES, "sakoe_chiba", sakoe_chiba_radius=0)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(expected))
