"""Ground costs between the frames of two batches of series."""

import math

import torch

# Largest temporary of one chunk, in elements (64 MiB of float32).
_CHUNK_ELEMENTS = 1 << 24


def squared_euclidean(x, y, *, chunk=None):
    """C[..., i, j] = ||x[..., i, :] - y[..., j, :]||^2, differentiable by plain autograd.

    ``x`` (..., n, d) and ``y`` (..., m, d) with broadcastable leading dimensions; returns
    (..., n, m) in their common dtype, on their device. The sum runs over chunks of
    ``chunk`` features (by default as many as keep a chunk's (..., n, m, chunk) temporary
    under 2**24 elements). It uses direct differences, never |x|^2 + |y|^2 - 2 x.y, which
    cancels catastrophically in float32 when the data share a large offset, so the result is
    never negative. Autograd keeps each chunk's differences for the backward pass:
    (..., n, m, d) elements in all.
    """
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(f"x and y have {x.shape[-1]} and {y.shape[-1]} features")
    n, m, d = x.shape[-2], y.shape[-2], x.shape[-1]
    cells = math.prod(torch.broadcast_shapes(x.shape[:-2], y.shape[:-2])) * n * m
    step = chunk or max(1, min(d, _CHUNK_ELEMENTS // max(cells, 1)))
    total = None
    for k in range(0, d, step):
        if step == 1:
            part = (x[..., :, None, k] - y[..., None, :, k]).square()
        else:
            part = (x[..., :, None, k : k + step] - y[..., None, :, k : k + step]).square()
            part = part.sum(-1)
        total = part if total is None else total + part
    if total is None:  # no features: every cost is 0
        total = x.new_zeros((*torch.broadcast_shapes(x.shape[:-2], y.shape[:-2]), n, m))
    return total
