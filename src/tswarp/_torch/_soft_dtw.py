"""Soft-DTW as a torch.autograd.Function over a batch of cost matrices."""

import torch

from tswarp._gamma import check_gamma
from tswarp._torch import _fused, _wavefront


def refuse_second_derivative():
    """Raise in a soft-DTW backward that runs under create_graph=True (double backward,
    torch.autograd.functional.hessian): the gradient is computed outside autograd, which
    would take it for a constant and silently drop soft-DTW's curvature."""
    if torch.is_grad_enabled():
        raise RuntimeError(
            "soft-DTW's backward pass is first order: second derivatives (create_graph=True, "
            "torch.autograd.functional.hessian, double backward) are not supported for "
            "gamma > 0; DTW (gamma=0) supports them"
        )


class SoftDTW(torch.autograd.Function):
    """Soft-DTW values of a batch of cost matrices, with an analytic backward pass.

    ``SoftDTW.apply(costs, gamma, n_lengths, m_lengths, mask, float64)``; prefer the
    ``soft_dtw`` wrapper, which checks its arguments and has defaults.

    The forward runs the wavefront DP and keeps its table (one float per computed cell); the
    backward runs the same DP from the end and returns grad_output[:, None, None] * E, E the
    expected alignment, as the gradient of ``costs``. No autograd graph is built through the
    loop. For gamma > 0 the backward is first order (``refuse_second_derivative``); for
    gamma == 0 it is grad_output times a constant 0/1 path, so autograd differentiates it.
    """

    @staticmethod
    def forward(ctx, costs, gamma, n_lengths=None, m_lengths=None, mask=None, float64=False):
        if gamma >= _wavefront.HARD_BELOW and _fused.usable(costs):
            values, trace = _fused.forward(costs, gamma, n_lengths, m_lengths, mask)
            ctx.trace, ctx.costs_dtype = trace, costs.dtype
            return values.to(costs.dtype)
        dtype = _wavefront.compute_dtype(costs.dtype, float64)
        values, trace = _wavefront.forward(costs, gamma, n_lengths, m_lengths, mask, dtype)
        ctx.trace, ctx.costs_dtype = trace, costs.dtype
        return values.to(costs.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        if not ctx.needs_input_grad[0]:
            return None, None, None, None, None, None
        if isinstance(ctx.trace, _fused.Trace) or ctx.trace.soft:
            refuse_second_derivative()
        elif torch.is_grad_enabled():  # DTW under create_graph: the path is a constant
            with torch.no_grad():
                path = _wavefront.backward(ctx.trace, torch.ones_like(grad_output))
            return (
                grad_output[:, None, None] * path.to(ctx.costs_dtype),
                None,
                None,
                None,
                None,
                None,
            )
        if isinstance(ctx.trace, _fused.Trace):
            return _fused.backward(ctx.trace, grad_output), None, None, None, None, None
        grad = _wavefront.backward(ctx.trace, grad_output)
        # Contiguous: batched matrix products on strided batches are slow on the CPU.
        grad = torch.empty(grad.shape, dtype=ctx.costs_dtype, device=grad.device).copy_(grad)
        return grad, None, None, None, None, None


@torch.compiler.disable  # run eagerly under torch.compile (see _dispatch)
def soft_dtw(costs, gamma=1.0, n_lengths=None, m_lengths=None, mask=None, *, float64=False):
    """Soft-DTW value of each pair of a batch: (b,) in the dtype of ``costs``.

    ``costs``: (b, n, m) floating tensor on any device, C[p, i, j] the ground cost of frame i
    of the first series and frame j of the second in pair p (e.g. ``squared_euclidean``).
    ``gamma``: the soft-min temperature, > 0; 0 gives the hard minimum, the squared DTW cost,
    whose gradient is the 0/1 optimal-path matrix (ties broken diagonal, up, left).
    ``n_lengths``, ``m_lengths``: int64 tensors (b,) of true lengths, 1 <= n_p <= n and
    1 <= m_p <= m (not checked); costs beyond them are ignored (NaN there is fine). None:
    full length. ``mask``: None; a boolean tensor (b, n, m) or (n, m), True on admissible
    cells (one small device-to-host copy to lay out the loop); or a Band from
    ``band_masks`` (no copy). A pair without an admissible path has value +inf and gradient 0.
    ``float64``: run the hard DP (gamma == 0) in float64 whatever the input dtype; it
    otherwise runs in float32 for float32 and half inputs. The soft DP always runs in
    float64. Results are cast back to the dtype of ``costs``.

    Differentiable w.r.t. ``costs`` (the gradient is grad_output * E, zero outside the
    admissible cells). Everything stays on the device of ``costs``.
    """
    if costs.ndim != 3 or not costs.is_floating_point():
        raise ValueError(f"costs must be a floating (b, n, m) tensor, got {costs.shape}")
    return SoftDTW.apply(costs, check_gamma(gamma), n_lengths, m_lengths, mask, bool(float64))
