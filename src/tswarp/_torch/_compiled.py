"""Soft-DTW of CPU tensors through the compiled kernels, inside one autograd Function.

On CPU, the wavefront's n + m - 1 steps of small torch operations are bound by the cost of
launching them, while the compiled kernels run the same dynamic program at C speed without
the GIL, one pair per thread. Values and gradients are the same as the wavefront's.
"""

import numpy as np
import torch

from tswarp._kernels import _soft_dtw
from tswarp._kernels._select import BUILD
from tswarp._threads import effective_n_threads
from tswarp._torch._soft_dtw import refuse_second_derivative


def _threads(pairs):
    # torch's thread count, under the package's rule: one pair per thread at most, serial in
    # a fork child.
    return effective_n_threads(torch.get_num_threads(), pairs)


class CompiledSoftDTW(torch.autograd.Function):
    """``CompiledSoftDTW.apply(costs, gamma, n_lengths, m_lengths, lo, hi)`` -> (b,) values.

    ``costs``: (b, n, m) CPU tensor; ``gamma`` > 0; ``n_lengths``, ``m_lengths``: intp
    arrays of the pairs' lengths; ``lo``, ``hi``: (b, n) intp arrays of each row's admissible
    columns (see ``band_limits``). The DP runs in float64; values come back in the dtype of
    ``costs``, and the backward returns grad_output[:, None, None] * E in that dtype.
    """

    @staticmethod
    def forward(ctx, costs, gamma, n_lengths, m_lengths, lo, hi):
        # In float64 through torch: NumPy cannot read bfloat16.
        table = np.ascontiguousarray(costs.detach().to(torch.float64).numpy())
        values = np.empty(costs.shape[0])
        keep = costs.requires_grad
        # The soft-min weights of every cell, for the backward; none for the values alone.
        weights = _soft_dtw.cost_batch_weights(*table.shape) if keep else np.empty((0, 0))
        threads = _threads(costs.shape[0])
        _soft_dtw.soft_dtw_cost_batch(
            table, n_lengths, m_lengths, lo, hi, gamma, BUILD, values, weights, threads
        )
        ctx.saved = (weights, n_lengths, m_lengths, lo, hi, gamma, threads, costs.shape)
        ctx.costs_dtype = costs.dtype
        return torch.from_numpy(values).to(costs.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        refuse_second_derivative()
        weights, n_lengths, m_lengths, lo, hi, gamma, threads, shape = ctx.saved
        # The backward only reads the weights, so a second one (retain_graph=True) works too.
        alignment = np.empty(shape)
        _soft_dtw.soft_dtw_cost_batch_backward(
            weights, n_lengths, m_lengths, lo, hi, gamma, BUILD, alignment, threads
        )
        grad = torch.from_numpy(alignment).to(ctx.costs_dtype) * grad_output[:, None, None]
        return grad, None, None, None, None, None


def _host_series(t):
    # The kernels read float32 or float64 series in place; other dtypes go through float64.
    if t.dtype not in (torch.float32, torch.float64):
        t = t.to(torch.float64)
    return t.detach().contiguous().numpy()


class CompiledSeriesSoftDTW(torch.autograd.Function):
    """``apply(x, y, gamma, n_lengths, m_lengths, lo, hi, keep)`` -> (b,) values.

    Soft-DTW of the pairs (x[k], y[k]) of CPU tensors (b, n, d) and (b, m, d) under squared
    Euclidean costs, which the kernel computes as it goes: no (b, n, m) cost matrix is ever
    made, and the backward folds E into the series' gradients without making E either. The
    forward keeps the soft-min weights, in the series' precision (12 bytes a cell in float32),
    for the pairs that ``keep`` (a (b,) bool array, or None for all) marks, when x or y
    requires grad. Values come back in x's dtype.
    """

    @staticmethod
    def forward(ctx, x, y, gamma, n_lengths, m_lengths, lo, hi, keep):
        xs, ys = _host_series(x), _host_series(y)
        b = xs.shape[0]
        if not (x.requires_grad or y.requires_grad):
            keep = np.zeros(b, dtype=bool)
        elif keep is None:
            keep = np.ones(b, dtype=bool)
        slots = np.where(keep, np.cumsum(keep) - 1, -1).astype(np.intp)
        weights = _soft_dtw.series_batch_weights(
            int(keep.sum()), xs.shape[1], ys.shape[1], xs.dtype
        )
        values = np.empty(b)
        threads = _threads(b)
        pairs = (xs, ys, n_lengths, m_lengths, lo, hi, gamma, BUILD)
        _soft_dtw.soft_dtw_series_batch(*pairs, values, weights, slots, threads)
        ctx.save_for_backward(x, y)  # torch checks that they are not modified in place
        ctx.state = (n_lengths, m_lengths, lo, hi, gamma, weights, slots, threads)
        return torch.from_numpy(values).to(x.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        refuse_second_derivative()
        x, y = ctx.saved_tensors
        n_lengths, m_lengths, lo, hi, gamma, weights, slots, threads = ctx.state
        xs, ys = _host_series(x), _host_series(y)
        want_x, want_y = ctx.needs_input_grad[:2]
        grad_x = np.empty(xs.shape if want_x else (0, 0, 0))
        grad_y = np.empty(ys.shape if want_y else (0, 0, 0))
        pairs = (xs, ys, n_lengths, m_lengths, lo, hi, gamma, BUILD)
        _soft_dtw.soft_dtw_series_batch_backward(*pairs, weights, slots, grad_x, grad_y, threads)
        scale = grad_output.to(torch.float64)[:, None, None]
        grads = [
            (torch.from_numpy(g) * scale).to(t.dtype) if want else None
            for g, t, want in ((grad_x, x, want_x), (grad_y, y, want_y))
        ]
        return *grads, None, None, None, None, None, None
