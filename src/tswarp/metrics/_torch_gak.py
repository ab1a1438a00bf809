"""GAK on torch tensors: values on the input's device, differentiable.

The costs ``-log k`` of the local kernel are computed in torch (autograd follows them), and
``-log K`` is soft-DTW of those costs at gamma = 1, run by the batched soft-DTW engines: the
compiled kernels on CPU, the wavefront elsewhere, both with their analytic backward (the
expected alignment, here the probability that a path drawn with weight proportional to its
product of local kernels passes through each cell).
"""

import numpy as np
import torch

from tswarp._constraints import parse_constraint
from tswarp._torch import squared_euclidean
from tswarp._torch._dispatch import soft_dtw_batch
from tswarp.metrics._gak import normalized_log
from tswarp.metrics._pairwise import all_pairs
from tswarp.metrics._torch_inputs import to_dataset_pair, to_series_pair
from tswarp.metrics._torch_metrics import _chunked, _matrix, _result_dtype

_NO_CONSTRAINT = parse_constraint(None, None, None)


def local_costs(squared, scale):
    """-log of the local kernel exp(-u) / (2 - exp(-u)), u = squared * scale: u + log(2 -
    exp(-u)), the log written as log1p(-expm1(-u)) to keep its digits for small u."""
    u = squared * scale
    return u + torch.log1p(-torch.expm1(-u))


def log_gak_batch(xb, yb, x_lengths, y_lengths, scale):
    """log K of the pairs (xb[k], yb[k]) of two batches (b, n, d), (b, m, d), in float64."""
    costs = local_costs(squared_euclidean(xb.to(torch.float64), yb.to(torch.float64)), scale)
    return -soft_dtw_batch(costs, 1.0, x_lengths, y_lengths, _NO_CONSTRAINT)


def _log_gak(x, y, scale):
    return log_gak_batch(x[None], y[None], [len(x)], [len(y)], scale)[0]


def unnormalized_gak(s1, s2, scale):
    x, y = to_series_pair(s1, s2)
    return torch.exp(_log_gak(x, y, scale))


def gak(s1, s2, scale):
    x, y = to_series_pair(s1, s2)
    log_value = normalized_log(_log_gak(x, y, scale), _log_gak(x, x, scale), _log_gak(y, y, scale))
    return torch.exp(torch.clamp(log_value, max=0.0))


def _log_pairs(first, second, rows, cols, scale):
    def compute(xb, yb, x_lengths, y_lengths):
        return log_gak_batch(xb, yb, x_lengths, y_lengths, scale)

    return _chunked(first, second, rows, cols, compute)


def cdist_gak(dataset1, dataset2, scale, dtype):
    dtype = _result_dtype(dtype)
    first, second = to_dataset_pair(dataset1, dataset2)
    symmetric = dataset2 is None
    n1, n2 = len(first[1]), len(second[1])
    rows, cols = all_pairs(n1, n2, symmetric, with_diagonal=True)
    logs = _matrix(
        _log_pairs(first, second, rows, cols, scale), rows, cols, (n1, n2), symmetric, None
    )

    def own_logs(dataset):
        index = np.arange(len(dataset[1]), dtype=np.intp)
        return _log_pairs(dataset, dataset, index, index, scale)

    own = torch.diagonal(logs) if symmetric else own_logs(first)
    other = own if symmetric else own_logs(second)
    matrix = torch.exp(torch.clamp(normalized_log(logs, own[:, None], other[None, :]), max=0.0))
    return matrix if dtype is None else matrix.to(dtype)


def as_tensor_like(value, dataset):
    """A 0-d float64 tensor of ``value`` on the device of the dataset's tensors (the CPU when
    the dataset holds none, as when ``be="pytorch"`` is given with NumPy data)."""
    tensors = dataset if isinstance(dataset, (list, tuple)) else [dataset]
    device = next((t.device for t in tensors if isinstance(t, torch.Tensor)), None)
    return torch.tensor(value, dtype=torch.float64, device=device)
