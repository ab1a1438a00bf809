"""The cost matrix of two series under a user's metric, on tensors: the metrics "from metric".

The matrix is computed in torch, so that the result's gradient flows through it to the
series; the dynamic program itself runs on a host copy.
"""

import numpy as np
import torch

from tswarp.metrics._torch_inputs import real_tensor, to_series_pair


def cost_matrix(s1, s2, metric, kwds):
    """The (sz1, sz2) tensor of costs between the steps of s1 and s2, differentiable."""
    if isinstance(metric, str) and metric == "precomputed":
        if s2 is not None:
            raise ValueError('s2 must be None with metric="precomputed": s1 is the cost matrix')
        if isinstance(s1, torch.Tensor):
            costs = real_tensor(s1, "s1")
        else:
            costs = torch.as_tensor(np.asarray(s1, dtype=np.float64))
        if costs.ndim != 2 or 0 in costs.shape:
            raise ValueError(
                'with metric="precomputed", s1 must be a non-empty (sz1, sz2) matrix, got '
                f"shape {tuple(costs.shape)}"
            )
        return costs
    x, y = to_series_pair(s1, s1 if s2 is None else s2)
    if metric == "sqeuclidean":
        return ((x[:, None] - y[None]) ** 2).sum(-1)
    if metric == "euclidean":
        # From differences, as on arrays: the matrix-product form loses digits.
        return torch.cdist(x, y, compute_mode="donot_use_mm_for_euclid_dist")
    if callable(metric):
        return torch.stack([torch.stack([metric(a, b, **kwds) for b in y]) for a in x])
    raise ValueError(
        'on tensors, metric must be "precomputed", "euclidean", "sqeuclidean" or a callable, '
        f"got {metric!r}"
    )


def host_costs(costs):
    """A float64 host copy of a cost tensor for the compiled kernels."""
    host = np.ascontiguousarray(costs.detach().cpu().numpy(), dtype=np.float64)
    if np.isnan(host).any():
        raise ValueError("the costs must not hold NaN")
    return host
