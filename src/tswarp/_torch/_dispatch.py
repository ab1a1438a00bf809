"""Which engine runs a batch of soft-DTW or DTW problems: compiled kernels or wavefront."""

import numpy as np
import torch

from tswarp._gamma import check_gamma_fits
from tswarp._torch._bands import band_limits, band_masks
from tswarp._torch._compiled import CompiledSeriesSoftDTW, CompiledSoftDTW
from tswarp._torch._costs import squared_euclidean
from tswarp._torch._soft_dtw import SoftDTW

# torch.compile cannot trace the engines (in-place updates of strided views, NumPy on the
# host): it runs them eagerly, a graph break around each call, with their own backward.
_eager = torch.compiler.disable


def use_wavefront(device, compute_with_backend):
    """True runs the torch wavefront; False the compiled kernels (CPU copies); None picks:
    compiled kernels for CPU tensors, where they are faster, the wavefront elsewhere.
    """
    if compute_with_backend is None:
        return device.type != "cpu"
    return bool(compute_with_backend)


def _check_gamma_fits(gamma, n_lengths, m_lengths, dtype):
    """ValueError if gamma is too large for the longest lengths of the batch in ``dtype``."""
    if len(n_lengths):
        largest = torch.finfo(dtype).max
        name = str(dtype).removeprefix("torch.")
        check_gamma_fits(gamma, max(n_lengths), max(m_lengths), largest, name)


@_eager
def soft_dtw_batch(costs, gamma, n_lengths, m_lengths, constraint, compute_with_backend=None):
    """Soft-DTW values (b,) of a batch of cost matrices (b, n, m), differentiable.

    ``n_lengths``, ``m_lengths``: host sequences of the pairs' lengths; ``constraint``: a
    (code, parameter) pair from ``parse_constraint``. gamma == 0 gives squared DTW (the
    wavefront's hard minimum, on any device).
    """
    n_lengths = np.asarray(n_lengths, dtype=np.intp)
    m_lengths = np.asarray(m_lengths, dtype=np.intp)
    _check_gamma_fits(gamma, n_lengths, m_lengths, costs.dtype)
    if gamma == 0 or use_wavefront(costs.device, compute_with_backend):
        band = band_masks(n_lengths, m_lengths, constraint, costs.shape[1:], costs.device)
        # Full lengths go as None: the wavefront then masks nothing (a pass over the table).
        lengths = [
            None if (v == full).all() else torch.as_tensor(v, device=costs.device)
            for v, full in zip((n_lengths, m_lengths), costs.shape[1:], strict=True)
        ]
        return SoftDTW.apply(costs, gamma, *lengths, band, False)
    lo, hi = band_limits(n_lengths, m_lengths, constraint, costs.shape[1])
    return CompiledSoftDTW.apply(costs.cpu(), gamma, n_lengths, m_lengths, lo, hi).to(costs.device)


@_eager
def soft_dtw_series_batch(
    x, y, gamma, n_lengths, m_lengths, constraint, compute_with_backend=None, keep=None
):
    """Soft-DTW values (b,) of the pairs (x[k], y[k]) under squared Euclidean costs, as
    ``soft_dtw_batch(squared_euclidean(x, y), ...)`` but lighter on CPU: the compiled kernels
    compute the costs themselves and keep one float64 table per pair for the backward.

    ``x`` (b, n, d), ``y`` (b, m, d), one dtype; ``keep``: an optional (b,) bool array of the
    pairs whose gradient may be asked for (all by default); values come back in x's dtype.
    """
    dtype = torch.promote_types(x.dtype, y.dtype)
    x, y = x.to(dtype), y.to(dtype)
    _check_gamma_fits(gamma, n_lengths, m_lengths, dtype)
    if gamma == 0 or use_wavefront(x.device, compute_with_backend):
        costs = squared_euclidean(x, y, batch_innermost=True)  # the wavefront's layout
        return soft_dtw_batch(costs, gamma, n_lengths, m_lengths, constraint, compute_with_backend)
    n_lengths = np.asarray(n_lengths, dtype=np.intp)
    m_lengths = np.asarray(m_lengths, dtype=np.intp)
    lo, hi = band_limits(n_lengths, m_lengths, constraint, x.shape[1])
    values = CompiledSeriesSoftDTW.apply(
        x.cpu(), y.cpu(), gamma, n_lengths, m_lengths, lo, hi, keep
    )
    return values.to(x.device)
