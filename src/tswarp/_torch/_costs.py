"""Ground costs between the frames of two batches of series."""

import torch


class _SquaredEuclidean(torch.autograd.Function):
    """C = ||x_i - y_j||^2 with a backward pass made of two batched matrix products."""

    @staticmethod
    def forward(ctx, x, y, batch_innermost):
        ctx.save_for_backward(x, y)
        if batch_innermost:  # x (b, n, d), y (b, m, d): build (n, m, b), return a view
            x, y = x.permute(1, 2, 0)[:, None], y.permute(1, 2, 0)[None]
        else:
            x, y = x[..., :, None, :], y[..., None, :, :]
        # Feature by feature from direct differences: never |x|^2 + |y|^2 - 2 x.y, which
        # cancels in float32 when the data share a large offset, and never an
        # (..., n, m, d) temporary.
        d = -2 if batch_innermost else -1
        shape = torch.broadcast_shapes(x.select(d, 0).shape, y.select(d, 0).shape)
        # A contiguous result: torch would otherwise follow the inputs' memory order.
        total = torch.empty(shape, dtype=x.dtype, device=x.device)
        torch.sub(x.select(d, 0), y.select(d, 0), out=total).square_()
        if x.shape[d] > 1:
            step = torch.empty_like(total)
            for k in range(1, x.shape[d]):
                total += torch.sub(x.select(d, k), y.select(d, k), out=step).square_()
        return total.permute(2, 0, 1) if batch_innermost else total

    @staticmethod
    def backward(ctx, grad):
        # Plain torch operations: under create_graph=True autograd differentiates them too.
        x, y = ctx.saved_tensors
        # dC_ij/dx_i = 2 (x_i - y_j): summed against grad, that is two matrix products.
        # Centring both series on a shared mean leaves the costs unchanged and keeps the
        # products from cancelling when the data share a large offset.
        centre = (x.mean(-2, keepdim=True) + y.mean(-2, keepdim=True)) / 2
        xc, yc = x - centre, y - centre
        grad_x = 2 * (xc * grad.sum(-1, keepdim=True) - grad @ yc)
        grad_y = 2 * (yc * grad.sum(-2).unsqueeze(-1) - grad.transpose(-1, -2) @ xc)
        return grad_x.sum_to_size(x.shape), grad_y.sum_to_size(y.shape), None


def squared_euclidean(x, y, *, batch_innermost=False):
    """C[..., i, j] = ||x[..., i, :] - y[..., j, :]||^2, differentiable w.r.t. x and y.

    ``x`` (..., n, d) and ``y`` (..., m, d) with broadcastable leading dimensions; returns
    (..., n, m) in their common dtype, on their device, never negative. Memory: the result
    and one (..., n, m) temporary; the backward needs only x and y, and is itself differentiable.
    ``batch_innermost``: for x (b, n, d) and y (b, m, d), return a (b, n, m) view of an
    (n, m, b) tensor, the layout the wavefront reads (no transposed copy there).
    """
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(f"x and y have {x.shape[-1]} and {y.shape[-1]} features")
    dtype = torch.promote_types(x.dtype, y.dtype)
    x, y = x.to(dtype), y.to(dtype)
    if x.shape[-1] == 0:  # no features: every cost is 0
        shape = (*torch.broadcast_shapes(x.shape[:-2], y.shape[:-2]), x.shape[-2], y.shape[-2])
        return x.new_zeros(shape) + 0 * (x.sum() + y.sum())
    if batch_innermost and not (x.ndim == y.ndim == 3 and x.shape[0] == y.shape[0]):
        raise ValueError(f"batch_innermost needs x (b, n, d), y (b, m, d): {x.shape}, {y.shape}")
    return _SquaredEuclidean.apply(x, y, bool(batch_innermost))
