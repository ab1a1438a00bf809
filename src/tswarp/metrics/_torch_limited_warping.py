"""DTW under a limited warping path length on torch tensors: results on the input's device.

The optimal path comes from the compiled kernel on a host copy; the value is then the root
of the squared distances summed along it in torch, so its gradient is the path's.
"""

import torch

from tswarp.metrics._limited_warping import (
    check_max_length,
    feasible_length,
    limited_distance,
    limited_path_and_distance,
)
from tswarp.metrics._torch_inputs import to_series_pair
from tswarp.metrics._torch_metrics import _needs_gradient, _path_distance


def _host_series(s1, s2, max_length):
    max_length = check_max_length(max_length)
    x, y = to_series_pair(s1, s2)
    host = x.detach().cpu().numpy(), y.detach().cpu().numpy()
    return x, y, host, feasible_length(max_length, len(x), len(y))


def _path_along(x, y, host, max_length):
    steps, _ = limited_path_and_distance(*host, max_length)
    rows, cols = torch.tensor(steps, dtype=torch.int64, device=x.device).T
    return steps, _path_distance(x, y, rows, cols)


def dtw_limited_warping_length(s1, s2, max_length):
    x, y, host, max_length = _host_series(s1, s2, max_length)
    if _needs_gradient(x, y):
        return _path_along(x, y, host, max_length)[1]
    return torch.tensor(limited_distance(*host, max_length), dtype=x.dtype, device=x.device)


def dtw_path_limited_warping_length(s1, s2, max_length):
    return _path_along(*_host_series(s1, s2, max_length))
