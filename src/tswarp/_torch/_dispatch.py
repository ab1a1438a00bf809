"""Which engine runs a batch of soft-DTW or DTW problems: compiled kernels or wavefront."""

import numpy as np
import torch

from tswarp._torch._bands import band_limits, band_masks
from tswarp._torch._compiled import CompiledSoftDTW
from tswarp._torch._soft_dtw import SoftDTW


def use_wavefront(device, compute_with_backend):
    """True runs the torch wavefront; False the compiled kernels (CPU copies); None picks:
    compiled kernels for CPU tensors, where they are faster, the wavefront elsewhere.
    """
    if compute_with_backend is None:
        return device.type != "cpu"
    return bool(compute_with_backend)


def soft_dtw_batch(costs, gamma, n_lengths, m_lengths, constraint, compute_with_backend=None):
    """Soft-DTW values (b,) of a batch of cost matrices (b, n, m), differentiable.

    ``n_lengths``, ``m_lengths``: host sequences of the pairs' lengths; ``constraint``: a
    (code, parameter) pair from ``parse_constraint``. gamma == 0 gives squared DTW (the
    wavefront's hard minimum, on any device).
    """
    n_lengths = np.asarray(n_lengths, dtype=np.intp)
    m_lengths = np.asarray(m_lengths, dtype=np.intp)
    if gamma == 0 or use_wavefront(costs.device, compute_with_backend):
        band = band_masks(n_lengths, m_lengths, constraint, costs.shape[1:], costs.device)
        lengths = [torch.as_tensor(v, device=costs.device) for v in (n_lengths, m_lengths)]
        return SoftDTW.apply(costs, gamma, *lengths, band, False)
    lo, hi = band_limits(n_lengths, m_lengths, constraint, costs.shape[1])
    return CompiledSoftDTW.apply(costs.cpu(), gamma, n_lengths, m_lengths, lo, hi).to(costs.device)
