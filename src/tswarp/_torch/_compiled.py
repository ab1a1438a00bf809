"""Soft-DTW of CPU tensors through the compiled kernels, inside one autograd Function.

On CPU, the wavefront's n + m - 1 steps of small torch operations are bound by the cost of
launching them, while the compiled kernels run the same dynamic program at C speed without
the GIL, one pair per thread. Values and gradients are the same as the wavefront's.
"""

import numpy as np
import torch
from torch.autograd.function import once_differentiable

from tswarp._kernels import _soft_dtw


class CompiledSoftDTW(torch.autograd.Function):
    """``CompiledSoftDTW.apply(costs, gamma, n_lengths, m_lengths, lo, hi)`` -> (b,) values.

    ``costs``: (b, n, m) CPU tensor; ``gamma`` > 0; ``n_lengths``, ``m_lengths``: intp
    arrays of the pairs' lengths; ``lo``, ``hi``: (b, n) intp arrays of each row's admissible
    columns (see ``band_limits``). The DP runs in float64; values come back in the dtype of
    ``costs``, and the backward returns grad_output[:, None, None] * E in that dtype.
    """

    @staticmethod
    def forward(ctx, costs, gamma, n_lengths, m_lengths, lo, hi):
        table = np.ascontiguousarray(costs.detach().numpy(), dtype=np.float64)
        values = np.empty(costs.shape[0])
        keep = costs.requires_grad
        # The soft-min weights of every cell, for the backward; none for the values alone.
        weights = _soft_dtw.cost_batch_weights(*table.shape) if keep else np.empty((0, 0))
        # One pair per thread: more threads than pairs would only wait at the barrier.
        threads = max(1, min(torch.get_num_threads(), costs.shape[0]))
        _soft_dtw.soft_dtw_cost_batch(
            table, n_lengths, m_lengths, lo, hi, gamma, values, weights, threads
        )
        ctx.saved = (weights, n_lengths, m_lengths, lo, hi, gamma, threads, costs.shape)
        ctx.costs_dtype = costs.dtype
        return torch.from_numpy(values).to(costs.dtype)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output):
        weights, n_lengths, m_lengths, lo, hi, gamma, threads, shape = ctx.saved
        # The backward only reads the weights, so a second one (retain_graph=True) works too.
        alignment = np.empty(shape)
        _soft_dtw.soft_dtw_cost_batch_backward(
            weights, n_lengths, m_lengths, lo, hi, gamma, alignment, threads
        )
        grad = torch.from_numpy(alignment).to(ctx.costs_dtype) * grad_output[:, None, None]
        return grad, None, None, None, None, None
