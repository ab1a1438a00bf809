"""The metrics on torch tensors: results on the input's device, differentiable.

DTW finds the optimal path without autograd (compiled kernel on CPU, wavefront elsewhere)
and rebuilds the value from the costs along it, so its gradient is exactly the path's; when
no gradient is needed, the value-only kernel gives it directly, as on NumPy.
Soft-DTW runs the batched engines of ``tswarp._torch`` in float64, as tslearn does.
"""

import math

import numpy as np
import torch

from tswarp._constraints import band_for
from tswarp._kernels import _select
from tswarp._torch import band_masks, dtw_alignment, squared_euclidean
from tswarp._torch._dispatch import soft_dtw_batch, soft_dtw_series_batch
from tswarp.backend._pytorch import as_torch_dtype
from tswarp.metrics._overflow import dtw_distance, dtw_path_and_cost
from tswarp.metrics._pairwise import all_pairs, output_dtype
from tswarp.metrics._soft_dtw import _check_divergence_gamma
from tswarp.metrics._torch_inputs import to_dataset_pair, to_series_pair

# Pairs of a torch cdist go through the engines in chunks of about this many DP cells.
_CELLS_PER_CHUNK = 2**22


def _finite_gradient(grad):
    # sqrt'(0) is infinite; the path's costs have zero gradient there, so 0 is the answer.
    # An undefined gradient (None: the output was not used) stays undefined.
    if grad is None:
        return None
    return torch.nan_to_num(grad, nan=0.0, posinf=0.0, neginf=0.0)


def _lowest_exponent(dtype):
    """The k of the smallest normal number 2.0**k of ``dtype``: -1022 for float64."""
    return round(math.log2(torch.finfo(dtype).tiny))


def _power_of_two(k, dtype):
    """2.0**k in ``dtype`` for an int tensor k of normal exponents, built from its bits: exact
    on every device (torch.ldexp is not, and its gradient is 0 for k < 0)."""
    info = torch.finfo(dtype)
    mantissa = round(-math.log2(info.eps))
    ints = {16: torch.int16, 32: torch.int32, 64: torch.int64}[info.bits]
    return ((k.to(ints) + 1 - _lowest_exponent(dtype)) << mantissa).view(dtype)


def _scaling_exponents(largest, dtype):
    """k (int tensor) such that series scaled by 2**-k, whose largest absolute value was
    ``largest`` (tensor), have squared differences within range: 0 where they have already
    (most data); else k brings the largest to about 2**top (huge series), or to [0.5, 1)
    (tiny ones). An exact scaling: the same optimal path, squared costs times 4**-k. Both
    2.0**k and 2.0**-k are normal numbers, and a gradient through both stays finite."""
    lowest = _lowest_exponent(dtype)
    mantissa = round(-math.log2(torch.finfo(dtype).eps))
    # Squares of values up to 2**top, summed over 2**40 terms, stay finite; differences
    # down to 2**-(mantissa + 8) times a largest value of 2**bottom or more square to
    # normal numbers.
    top, bottom = (-lowest - 40) // 2, lowest // 2 + mantissa + 8
    e = torch.frexp(largest).exponent.to(torch.int64)
    return torch.where(e > top, e - top, torch.where(e < bottom, e.clamp(min=lowest), 0))


def _scaled_pairs(xb, yb):
    """(xb * 2**-k, yb * 2**-k, k) for batches (b, n, d) and (b, m, d), k (b,) from
    ``_scaling_exponents`` of each pair."""
    largest = torch.maximum(xb.detach().abs().amax((1, 2)), yb.detach().abs().amax((1, 2)))
    k = _scaling_exponents(largest, xb.dtype)
    down = _power_of_two(-k, xb.dtype)[:, None, None]
    return xb * down, yb * down, k


def _path(x, y, constraint):
    """Row and column indices (long tensors on x's device) of the optimal warping path."""
    if x.device.type == "cpu":
        lo, hi = band_for(len(x), len(y), constraint)
        steps, _, _ = dtw_path_and_cost(x.detach().numpy(), y.detach().numpy(), lo, hi)
        rows, cols = torch.tensor(steps, dtype=torch.int64).T
        return rows, cols
    band = band_masks([len(x)], [len(y)], constraint, device=x.device)
    with torch.no_grad():
        xs, ys, _ = _scaled_pairs(x[None], y[None])
        on_path = dtw_alignment(squared_euclidean(xs, ys), mask=band)[0]
    rows, cols = on_path.nonzero().T
    return rows, cols


def _path_cost(x, y, rows, cols):
    """Sum of squared distances along a path, differentiable w.r.t. x and y."""
    diff = x[rows] - y[cols]
    total = (diff * diff).sum()
    if total.requires_grad:
        total.register_hook(_finite_gradient)
    return total


def _path_distance(x, y, rows, cols):
    """The square root of ``_path_cost``, also where squares overflow or underflow x's dtype."""
    total = _path_cost(x, y, rows, cols)
    finfo = torch.finfo(x.dtype)
    # Above this sum, squares lost to underflow (each below finfo.tiny, fewer than 2**31 of
    # them) are below half an ulp of it.
    if finfo.tiny / finfo.eps * 2.0**33 <= float(total.detach()) < math.inf:
        return torch.sqrt(total)
    diff = x[rows] - y[cols]
    k = _scaling_exponents(diff.detach().abs().max(), x.dtype)
    if not k:  # in range after all (equal along the path, say)
        return torch.sqrt(total)
    scaled = diff * _power_of_two(-k, x.dtype)
    return torch.sqrt((scaled * scaled).sum()) * _power_of_two(k, x.dtype)


def _needs_gradient(x, y):
    return torch.is_grad_enabled() and (x.requires_grad or y.requires_grad)


def _host_band(x, y, constraint):
    """Host copies of x and y for the value-only kernel, and the band."""
    lo, hi = band_for(len(x), len(y), constraint)
    return x.detach().cpu().numpy(), y.detach().cpu().numpy(), lo, hi


def _squared_dtw(x, y, constraint):
    """DTW squared: from the optimal path when a gradient is needed (a byte per cell on CPU),
    else from the value-only kernel, which keeps two rows whatever the lengths."""
    if _needs_gradient(x, y):
        return _path_cost(x, y, *_path(x, y, constraint))
    value = _select.dtw_value(*_host_band(x, y, constraint))
    return torch.tensor(value, dtype=x.dtype, device=x.device)


def dtw(s1, s2, constraint):
    x, y = to_series_pair(s1, s2)
    if _needs_gradient(x, y):
        return _path_distance(x, y, *_path(x, y, constraint))
    value = dtw_distance(*_host_band(x, y, constraint))
    return torch.tensor(value, dtype=x.dtype, device=x.device)


def dtw_path(s1, s2, constraint):
    x, y = to_series_pair(s1, s2)
    rows, cols = _path(x, y, constraint)
    path = list(zip(rows.tolist(), cols.tolist(), strict=True))
    return path, _path_distance(x, y, rows, cols)


def _float64_pair(s1, s2):
    x, y = to_series_pair(s1, s2)
    return x.to(torch.float64), y.to(torch.float64)


def _soft_value(x, y, gamma, constraint, compute_with_backend):
    if gamma == 0:
        return _squared_dtw(x, y, constraint)
    return soft_dtw_series_batch(
        x[None], y[None], gamma, [len(x)], [len(y)], constraint, compute_with_backend
    )[0]


def soft_dtw(s1, s2, gamma, constraint, compute_with_backend):
    x, y = _float64_pair(s1, s2)
    return _soft_value(x, y, gamma, constraint, compute_with_backend)


def soft_dtw_normalized(s1, s2, gamma, constraint, compute_with_backend):
    x, y = _float64_pair(s1, s2)
    # NumPy's rule and message, not those of whichever term comes first.
    _check_divergence_gamma(gamma, len(x), len(y))
    cross = _soft_value(x, y, gamma, constraint, compute_with_backend)
    own = _soft_value(x, x, gamma, constraint, compute_with_backend)
    other = _soft_value(y, y, gamma, constraint, compute_with_backend)
    return cross - (own + other) / 2


def soft_dtw_alignment(s1, s2, gamma, constraint, compute_with_backend):
    """(A, value): A is not differentiable; value is, to first order (its gradient is A)."""
    x, y = _float64_pair(s1, s2)
    if gamma == 0:
        rows, cols = _path(x, y, constraint)
        alignment = torch.zeros(len(x), len(y), dtype=torch.float64, device=x.device)
        alignment[rows, cols] = 1.0
        return alignment, _path_cost(x, y, rows, cols)
    costs = squared_euclidean(x[None], y[None])
    free = costs.detach().requires_grad_()
    with torch.enable_grad():
        value = soft_dtw_batch(free, gamma, [len(x)], [len(y)], constraint, compute_with_backend)
        (alignment,) = torch.autograd.grad(value.sum(), free)
    value = value.detach()[0]
    if costs.requires_grad:
        value = value + (alignment * (costs - costs.detach())).sum()
    return alignment[0], value


def _result_dtype(dtype):
    """The torch dtype asked for a matrix (checked as on NumPy), or None to keep its own."""
    return None if dtype is None else as_torch_dtype(output_dtype(dtype))


def _matrix(values, rows, cols, shape, symmetric, dtype):
    rows = torch.as_tensor(rows, device=values.device)
    cols = torch.as_tensor(cols, device=values.device)
    matrix = torch.zeros(shape, dtype=values.dtype, device=values.device)
    matrix = matrix.index_put((rows, cols), values)
    if symmetric:
        matrix = matrix.index_put((cols, rows), values)
    return matrix if dtype is None else matrix.to(as_torch_dtype(dtype))


def _chunked(first, second, rows, cols, compute):
    """compute(x_batch, y_batch, x_lengths, y_lengths) over chunks of pairs, concatenated."""
    (X, x_lengths), (Y, y_lengths) = first, second
    per_chunk = max(1, _CELLS_PER_CHUNK // max(1, X.shape[1] * Y.shape[1]))
    parts = []
    for start in range(0, len(rows), per_chunk):
        r, c = rows[start : start + per_chunk], cols[start : start + per_chunk]
        index_r = torch.as_tensor(r, device=X.device)
        index_c = torch.as_tensor(c, device=Y.device)
        parts.append(compute(X[index_r], Y[index_c], x_lengths[r], y_lengths[c]))
    if not parts:
        return torch.zeros(0, dtype=X.dtype, device=X.device)
    return torch.cat(parts)


def cdist_dtw(dataset1, dataset2, constraint, dtype):
    dtype = _result_dtype(dtype)
    first, second = to_dataset_pair(dataset1, dataset2)
    symmetric = dataset2 is None
    n1, n2 = len(first[1]), len(second[1])
    rows, cols = all_pairs(n1, n2, symmetric, with_diagonal=False)

    def compute(xb, yb, x_lengths, y_lengths):
        xb, yb, k = _scaled_pairs(xb, yb)
        costs = squared_euclidean(xb, yb)
        band = band_masks(x_lengths, y_lengths, constraint, costs.shape[1:], costs.device)
        lengths = [torch.as_tensor(v, device=costs.device) for v in (x_lengths, y_lengths)]
        with torch.no_grad():
            on_path = dtw_alignment(costs, *lengths, band) > 0
        total = torch.where(on_path, costs, 0.0).sum((1, 2))
        if total.requires_grad:
            total.register_hook(_finite_gradient)
        return torch.sqrt(total) * _power_of_two(k, total.dtype)

    values = _chunked(first, second, rows, cols, compute)
    return _matrix(values, rows, cols, (n1, n2), symmetric, dtype)


def _soft_pairs(first, second, rows, cols, gamma, constraint, compute_with_backend):
    def compute(xb, yb, x_lengths, y_lengths):
        xb, yb = xb.to(torch.float64), yb.to(torch.float64)
        return soft_dtw_series_batch(
            xb, yb, gamma, x_lengths, y_lengths, constraint, compute_with_backend
        )

    return _chunked(first, second, rows, cols, compute)


def cdist_soft_dtw(dataset1, dataset2, gamma, constraint, compute_with_backend, dtype):
    dtype = _result_dtype(dtype)
    first, second = to_dataset_pair(dataset1, dataset2)
    symmetric = dataset2 is None
    n1, n2 = len(first[1]), len(second[1])
    rows, cols = all_pairs(n1, n2, symmetric, with_diagonal=True)
    values = _soft_pairs(first, second, rows, cols, gamma, constraint, compute_with_backend)
    return _matrix(values, rows, cols, (n1, n2), symmetric, dtype)


def cdist_soft_dtw_normalized(dataset1, dataset2, gamma, constraint, compute_with_backend, dtype):
    dtype = _result_dtype(dtype)
    first, second = to_dataset_pair(dataset1, dataset2)
    symmetric = dataset2 is None
    n1, n2 = len(first[1]), len(second[1])
    rows, cols = all_pairs(n1, n2, symmetric, with_diagonal=True)
    values = _soft_pairs(first, second, rows, cols, gamma, constraint, compute_with_backend)
    matrix = _matrix(values, rows, cols, (n1, n2), symmetric, None)

    def own_values(dataset):
        index = np.arange(len(dataset[1]), dtype=np.intp)
        return _soft_pairs(dataset, dataset, index, index, gamma, constraint, compute_with_backend)

    own = torch.diagonal(matrix) if symmetric else own_values(first)
    other = own if symmetric else own_values(second)
    matrix = matrix - (own[:, None] + other[None, :]) / 2
    return matrix if dtype is None else matrix.to(as_torch_dtype(dtype))
