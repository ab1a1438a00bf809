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
    "loss": (lambda t: SoftDTWLossPyTorch()(SERIES[None], t[None]), "y"),
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


# The loss: the metrics' rules, with lengths given instead of NaN padding.
LOSSES = {
    "default": {},
    "normalized": {"normalize": True},
    "dist_func": {"dist_func": lambda a, b: ((a[:, :, None] - b[:, None]) ** 2).sum(-1)},
    "dist_func_normalized": {
        "normalize": True,
        "dist_func": lambda a, b: ((a[:, :, None] - b[:, None]) ** 2).sum(-1),
    },
}


def naive_losses(x, y, gamma, x_lengths, y_lengths, normalize):
    """Soft-DTW (or the divergence) of each pair, cut to its lengths, by the textbook DP."""
    values = []
    for a, b in zip(x, y, strict=True):
        a, b = a[: x_lengths.pop(0)], b[: y_lengths.pop(0)]
        value = soft_dtw_naive(a, b, gamma)
        if normalize:
            value -= (soft_dtw_naive(a, a, gamma) + soft_dtw_naive(b, b, gamma)) / 2
        values.append(value)
    return values


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("kind", LOSSES)
def test_loss_refuses_nan_or_inf_within_the_lengths(rng, kind, bad):
    loss = SoftDTWLossPyTorch(1.0, **LOSSES[kind])
    x, y = rng.normal(size=(3, 5, 2)), rng.normal(size=(3, 4, 2))
    x[1, 2, 1] = bad
    with pytest.raises(ValueError, match=r"^x\[1\] has a NaN or infinite value at time step 2"):
        loss(torch.tensor(x), torch.tensor(y))
    with pytest.raises(ValueError, match=r"^y\[1\] has a NaN or infinite value at time step 2"):
        loss(torch.tensor(y), torch.tensor(x))
    with pytest.raises(ValueError, match=r"^x\[1\] .* time step 2, within its length 3"):
        loss(torch.tensor(x), torch.tensor(y), x_lengths=[5, 3, 5])


@pytest.mark.parametrize("kind", LOSSES)
def test_loss_padding_may_hold_anything(rng, kind):
    loss = SoftDTWLossPyTorch(0.5, **LOSSES[kind])
    data_x, data_y = rng.normal(size=(3, 6, 2)), rng.normal(size=(3, 5, 2))
    data_x[0, 4:] = np.nan
    data_x[2, 3, 0] = np.inf
    data_y[1, 2:] = -np.inf
    x, y = torch.tensor(data_x, requires_grad=True), torch.tensor(data_y, requires_grad=True)
    values = loss(x, y, x_lengths=[4, 6, 3], y_lengths=[5, 2, 5])
    expected = naive_losses(data_x, data_y, 0.5, [4, 6, 3], [5, 2, 5], loss.normalize)
    np.testing.assert_allclose(values.detach().numpy(), expected, rtol=1e-10, atol=1e-10)
    values.sum().backward()
    assert bool(torch.isfinite(x.grad).all()) and bool(torch.isfinite(y.grad).all())
    assert not x.grad[0, 4:].any() and not x.grad[2, 3:].any() and not y.grad[1, 2:].any()


@pytest.mark.parametrize(
    "dtype, data",
    [
        (torch.int64, [[[0], [3], [1]], [[2], [2], [-4]]]),
        (torch.int32, [[[5], [-3], [1]], [[0], [7], [7]]]),
        (torch.bool, [[[True], [False], [True]], [[False], [False], [True]]]),
    ],
)
def test_loss_computes_integer_and_bool_tensors_in_float64(dtype, data):
    x = torch.tensor(data, dtype=dtype)
    y = torch.tensor([[[1], [0]], [[1], [1]]], dtype=dtype)
    for normalize in (False, True):
        values = SoftDTWLossPyTorch(1.0, normalize=normalize)(x, y)
        assert values.dtype == torch.float64
        expected = naive_losses(
            np.array(data, dtype=float), y.double().numpy(), 1.0, [3, 3], [2, 2], normalize
        )
        np.testing.assert_allclose(values.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_loss_refuses_complex_tensors_without_a_warning():
    real = torch.zeros(1, 3, 1)
    with pytest.raises(TypeError, match=r"^x must hold real numbers"):
        SoftDTWLossPyTorch()(torch.zeros(1, 3, 1, dtype=torch.complex64), real)
    with pytest.raises(TypeError, match=r"^y must hold real numbers"):
        SoftDTWLossPyTorch()(real, torch.zeros(1, 3, 1, dtype=torch.complex128))


@pytest.mark.parametrize(
    "lengths",
    [
        [2.7, 3],
        [3.0, 3.0],
        torch.tensor([2.0, 3.0]),
        np.array([2.5, 1.0]),
        ["a", 3],
        [True, False],
    ],
)
def test_loss_refuses_lengths_that_are_not_integers(lengths):
    loss = SoftDTWLossPyTorch()
    with pytest.raises(ValueError, match=r"^x_lengths must hold integers"):
        loss(torch.zeros(2, 3, 1), torch.zeros(2, 3, 1), x_lengths=lengths)
    with pytest.raises(ValueError, match=r"^y_lengths must hold integers"):
        loss(torch.zeros(2, 3, 1), torch.zeros(2, 3, 1), y_lengths=lengths)


def test_loss_takes_integer_lengths_of_any_kind(rng):
    x, y = torch.tensor(rng.normal(size=(2, 4, 1))), torch.tensor(rng.normal(size=(2, 3, 1)))
    expected = naive_losses(x.numpy(), y.numpy(), 1.0, [2, 4], [3, 3], False)
    for lengths in ([2, 4], (2, 4), np.array([2, 4]), torch.tensor([2, 4], dtype=torch.int32)):
        values = SoftDTWLossPyTorch(1.0)(x, y, x_lengths=lengths)
        np.testing.assert_allclose(values.numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("normalize", [False, True])
def test_loss_refuses_a_dist_func_returning_nan_or_inf_on_a_used_cell(normalize, bad):
    def costs(a, b):
        out = ((a[:, :, None] - b[:, None]) ** 2).sum(-1)
        return torch.where(out > 3.5, bad, out)  # only between the rows 0 and 2 below

    x = torch.tensor([[[0.0], [1.0], [2.0]], [[0.0], [0.0], [0.0]]])
    loss = SoftDTWLossPyTorch(1.0, normalize=normalize, dist_func=costs)
    with pytest.raises(ValueError, match=r"^dist_func returned a NaN or infinite cost"):
        loss(x, x)
    # Beyond the lengths, the same costs are never used.
    values = loss(x, x, x_lengths=[2, 3], y_lengths=[2, 3])
    assert bool(torch.isfinite(values).all())


def test_loss_dist_func_error_names_the_call_and_the_cell():
    def costs(a, b):
        out = ((a[:, :, None] - b[:, None]) ** 2).sum(-1)
        out[1, 2, 0] = np.nan
        return out

    def costs_of_a_series_with_itself(a, b):
        return costs(a, b) if a is b else costs(a, b).nan_to_num()

    x, y = torch.zeros(2, 3, 1), torch.zeros(2, 4, 1)
    with pytest.raises(ValueError, match=r"dist_func\(x, y\)\[1, 2, 0\]"):
        SoftDTWLossPyTorch(dist_func=costs)(x, y)
    with pytest.raises(ValueError, match=r"dist_func\(x, x\)\[1, 2, 0\]"):
        SoftDTWLossPyTorch(normalize=True, dist_func=costs_of_a_series_with_itself)(x, y)


def test_loss_refuses_a_complex_dist_func_output():
    def costs(a, b):
        return ((a[:, :, None] - b[:, None]) ** 2).sum(-1) * (1 + 0j)

    with pytest.raises(TypeError, match=r"^the output of dist_func\(x, y\) must hold real"):
        SoftDTWLossPyTorch(dist_func=costs)(torch.zeros(1, 3, 1), torch.zeros(1, 2, 1))


def test_loss_dist_func_with_nan_beyond_the_lengths_keeps_gradients_finite(rng):
    def costs(a, b):
        out = ((a[:, :, None] - b[:, None]) ** 2).sum(-1)
        beyond = torch.zeros_like(out, dtype=torch.bool)
        beyond[0, 3:] = True
        return torch.where(beyond, np.nan, out)

    x = torch.tensor(rng.normal(size=(2, 5, 1)), requires_grad=True)
    y = torch.tensor(rng.normal(size=(2, 4, 1)))
    values = SoftDTWLossPyTorch(1.0, dist_func=costs)(x, y, x_lengths=[3, 5])
    expected = naive_losses(x.detach().numpy(), y.numpy(), 1.0, [3, 5], [4, 4], False)
    np.testing.assert_allclose(values.detach().numpy(), expected, rtol=1e-12)
    values.sum().backward()
    assert bool(torch.isfinite(x.grad).all()) and not x.grad[0, 3:].any()


NAN = np.nan
# Invalid inputs that NumPy arrays and tensors must refuse with the very same message.
BAD_DATASETS = {
    "no time steps": np.zeros((2, 0, 1)),
    "no features": np.zeros((2, 3, 0)),
    "all padding": np.array([[1.0, 2.0], [NAN, NAN]]),
    "NaN inside": np.array([[1.0, NAN, 2.0], [1.0, 2.0, 3.0]]),
    "infinity before padding": np.array([[1.0, np.inf, NAN], [1.0, 2.0, 3.0]]),
    "4-D": np.zeros((1, 2, 3, 1)),
}
BAD_LISTS = {
    "features differ": [np.zeros((3, 2)), np.zeros((2, 1))],
    "one series all NaN": [np.zeros(3), np.full(2, NAN)],
}


def _message(call):
    with pytest.raises((ValueError, TypeError)) as error:
        call()
    return type(error.value), str(error.value)


@pytest.mark.parametrize("data", BAD_DATASETS.values(), ids=BAD_DATASETS.keys())
def test_datasets_get_the_same_error_as_arrays_and_tensors(data):
    expected = _message(lambda: cdist_dtw(data))
    for tensor in (torch.tensor(data), torch.tensor(data, requires_grad=True)):
        assert _message(lambda: cdist_dtw(tensor)) == expected  # noqa: B023
    on_torch = _message(lambda: cdist_soft_dtw(torch.tensor(data), compute_with_backend=True))
    assert on_torch == expected


@pytest.mark.parametrize("series", BAD_LISTS.values(), ids=BAD_LISTS.keys())
def test_lists_of_series_get_the_same_error_as_arrays_and_tensors(series):
    expected = _message(lambda: cdist_dtw(series))
    for grad in (False, True):
        tensors = [torch.tensor(s, requires_grad=grad) for s in series]
        assert _message(lambda: cdist_dtw(tensors)) == expected  # noqa: B023


@pytest.mark.parametrize("s1", [np.zeros((3, 2)), np.array([1.0, NAN, 2.0]), np.zeros((3, 0))])
def test_series_get_the_same_error_as_arrays_and_tensors(s1):
    expected = _message(lambda: dtw(s1, np.zeros(3)))
    for grad in (False, True):
        x = torch.tensor(s1, requires_grad=grad)
        assert _message(lambda: dtw(x, torch.zeros(3, dtype=x.dtype))) == expected  # noqa: B023


def test_loss_features_error_reads_as_the_metrics_one():
    x, y = torch.zeros(2, 3, 1), torch.zeros(2, 3, 2)
    loss_message = _message(lambda: SoftDTWLossPyTorch()(x, y))[1]
    assert loss_message == _message(lambda: dtw(x[0], y[0]))[1].replace("s1", "x").replace(
        "s2", "y"
    )


def test_tensor_datasets_have_zero_padding_whatever_the_input():
    # Padding is never read by a DP; on tensors it is 0 wherever the data came from, so that
    # no NaN can reach a gradient through it.
    from tswarp.metrics._torch_inputs import to_dataset

    padded = np.array([[1.0, 2.0, NAN], [1.0, 2.0, 3.0]])
    for data in (padded, torch.tensor(padded), [torch.tensor([1.0, 2.0]), torch.ones(3)]):
        X, lengths = to_dataset(data, "dataset1")
        assert lengths.tolist() == [2, 3]
        assert X[0, 2, 0].item() == 0.0
