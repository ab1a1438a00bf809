"""The Fréchet metrics on torch tensors: results on the input's device, differentiable.

The optimal path comes from the compiled kernel on the host (tensors on another device are
copied there for it); the value is then the largest cost along the path, recomputed in
torch, so its gradient is that one cell's.
"""

import torch

from tswarp._constraints import band_for
from tswarp._kernels import _frechet
from tswarp.metrics._frechet import frechet_distance, frechet_path_and_distance
from tswarp.metrics._pairwise import all_pairs
from tswarp.metrics._torch_from_metric import cost_matrix, host_costs
from tswarp.metrics._torch_inputs import to_dataset_pair, to_series_pair
from tswarp.metrics._torch_metrics import _finite_gradient, _matrix, _needs_gradient, _result_dtype


def _host_pair(x, y, constraint):
    lo, hi = band_for(len(x), len(y), constraint)
    return x.detach().cpu().numpy(), y.detach().cpu().numpy(), lo, hi


def _path(x, y, constraint):
    """Row and column indices (long tensors on x's device) of the optimal path."""
    steps, _ = frechet_path_and_distance(*_host_pair(x, y, constraint))
    rows, cols = torch.tensor(steps, dtype=torch.int64, device=x.device).T
    return rows, cols


def _largest_distance(x, y, rows, cols):
    """The largest Euclidean distance between matched steps, differentiable through it."""
    diff = x[rows] - y[cols]
    # Large differences are scaled down by a power of two near the largest, so that no
    # squared cost overflows; small ones stay as they are.
    exponent = max(0, int(torch.frexp(diff.detach().abs().max())[1]))
    scaled = diff * 2.0**-exponent
    costs = (scaled * scaled).sum(-1)
    chosen = costs[torch.argmax(costs.detach())]
    if chosen.requires_grad:
        chosen.register_hook(_finite_gradient)  # sqrt'(0) is infinite, times 0
    return torch.sqrt(chosen) * 2.0**exponent


def _value(x, y, constraint):
    if _needs_gradient(x, y):
        return _largest_distance(x, y, *_path(x, y, constraint))
    value = frechet_distance(*_host_pair(x, y, constraint))
    return torch.tensor(value, dtype=x.dtype, device=x.device)


def frechet(s1, s2, constraint):
    x, y = to_series_pair(s1, s2)
    return _value(x, y, constraint)


def frechet_path(s1, s2, constraint):
    x, y = to_series_pair(s1, s2)
    rows, cols = _path(x, y, constraint)
    path = list(zip(rows.tolist(), cols.tolist(), strict=True))
    return path, _largest_distance(x, y, rows, cols)


def frechet_path_from_metric(s1, s2, metric, constraint, kwds):
    costs = cost_matrix(s1, s2, metric, kwds)
    host = host_costs(costs)
    path, _ = _frechet.frechet_path_of_costs(host, *band_for(*host.shape, constraint))
    rows, cols = torch.tensor(path, dtype=torch.int64, device=costs.device).T
    along = costs[rows, cols]
    return path, along[torch.argmax(along.detach())]


def cdist_frechet(dataset1, dataset2, constraint, dtype):
    """Pair by pair, each differentiable as ``frechet``."""
    dtype = _result_dtype(dtype)
    (X, x_lengths), (Y, y_lengths) = to_dataset_pair(dataset1, dataset2)
    symmetric = dataset2 is None
    rows, cols = all_pairs(len(x_lengths), len(y_lengths), symmetric, with_diagonal=False)
    values = [
        _value(X[a, : x_lengths[a]], Y[b, : y_lengths[b]], constraint)
        for a, b in zip(rows, cols, strict=True)
    ]
    if values:
        values = torch.stack(values)
    else:
        values = torch.zeros(0, dtype=X.dtype, device=X.device)
    return _matrix(values, rows, cols, (len(x_lengths), len(y_lengths)), symmetric, dtype)
