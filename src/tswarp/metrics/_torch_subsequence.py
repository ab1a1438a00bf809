"""Subsequence DTW on torch tensors: results on the input's device, differentiable.

The best match and its path come from the compiled kernels on host copies; the distance is
then the path's cost recomputed in torch, so its gradient flows along the path to both series.
"""

import torch

from tswarp.metrics._inputs import check_same_features
from tswarp.metrics._overflow import distance_back
from tswarp.metrics._subsequence import best_match, match_path
from tswarp.metrics._torch_inputs import same_place, to_series
from tswarp.metrics._torch_metrics import _needs_gradient, _path_distance


def _pair(subseq, longseq):
    x, y = to_series(subseq, "subseq"), to_series(longseq, "longseq")
    check_same_features(x.shape[1], y.shape[1], ("subseq", "longseq"))
    return same_place(x, y, ("subseq", "longseq"))


def _host(x):
    return x.detach().cpu().numpy().astype("float64", copy=False)


def _path_tensors(x, y):
    path, distance = match_path(_host(x), _host(y))
    rows, cols = torch.tensor(path, dtype=torch.int64, device=x.device).T
    return path, distance, rows, cols


def dtw_subsequence_path(subseq, longseq):
    x, y = _pair(subseq, longseq)
    path, _, rows, cols = _path_tensors(x, y)
    return path, _path_distance(x, y, rows, cols)


def dtw_subsequence(subseq, longseq):
    x, y = _pair(subseq, longseq)
    if _needs_gradient(x, y):
        _, _, rows, cols = _path_tensors(x, y)
        return _path_distance(x, y, rows, cols)
    cost, _, k = best_match(_host(x), _host(y))
    # distance_back scales by 2**k exactly, where 2.0**k alone may be 0 or overflow.
    return torch.tensor(distance_back(cost, k), dtype=x.dtype, device=x.device)


def on_device(matches, *inputs):
    """Search results with each distance a float64 tensor on the inputs' device."""
    tensors = [item for item in inputs if isinstance(item, torch.Tensor)]
    device = tensors[0].device if tensors else torch.device("cpu")
    return [
        (start, end, torch.tensor(distance, dtype=torch.float64, device=device))
        for start, end, distance in matches
    ]
