"""DTW on torch: the optimal path without autograd, the value rebuilt from it with autograd."""

import torch

from tswarp._torch import _wavefront


@torch.compiler.disable  # run eagerly under torch.compile (see _dispatch)
def dtw_alignment(costs, n_lengths=None, m_lengths=None, mask=None):
    """0/1 matrix (b, n, m) of each pair's optimal warping path, in the dtype of ``costs``.

    Arguments as for ``soft_dtw``. Among optimal paths, the one found by walking back from
    the end cell and preferring the diagonal predecessor, then up (i - 1, j), then left
    (i, j - 1): tslearn's rule. It comes from a reverse wavefront over one-hot predecessor
    choices, so no sequential backtrack runs on the device. All zeros for a pair without an
    admissible path. Not differentiable (computed under no_grad).
    """
    with torch.no_grad():
        dtype = _wavefront.compute_dtype(costs.dtype)
        _, trace = _wavefront.forward(costs, 0.0, n_lengths, m_lengths, mask, dtype)
        seeds = torch.ones(costs.shape[0], dtype=dtype, device=costs.device)
        return _wavefront.backward(trace, seeds).to(costs.dtype)


def dtw_value(costs, n_lengths=None, m_lengths=None, mask=None):
    """DTW value of each pair: sqrt of the sum of ``costs`` along the optimal path, (b,).

    Arguments as for ``soft_dtw``; with squared Euclidean costs this is tslearn's ``dtw``.
    Differentiable w.r.t. ``costs``: the gradient is A* / (2 value), and 0 (not NaN) where
    the value is 0. +inf, with gradient 0, for a pair without an admissible path.
    """
    on_path = dtw_alignment(costs, n_lengths, m_lengths, mask) > 0
    # where, not a product: costs outside the path may be inf or NaN (padding).
    total = torch.where(on_path, costs, 0.0).sum((1, 2))
    total = torch.where(on_path.flatten(1).any(1), total, torch.inf)
    positive = total > 0
    # sqrt only sees positive numbers, so its derivative never meets 1 / 0.
    root = torch.where(positive, total, 1.0).sqrt()
    return torch.where(positive, root, 0.0)
