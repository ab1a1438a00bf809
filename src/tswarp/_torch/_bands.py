"""Band masks for a batch of pairs, from the band definition that all of tswarp shares."""

import functools
from collections import namedtuple

import numpy as np
import torch

from tswarp._constraints import NONE, band_for

Band = namedtuple("Band", ["mask", "rows"])
Band.__doc__ = """A batch's band: what the wavefront engine accepts as ``mask``.

``mask``: boolean tensor (b, n, m), True on the cells pair p may visit (always False beyond
its lengths). ``rows``: host (lo, hi) integer arrays of length n, the union over the batch of
each row's admissible columns lo[i] <= j < hi[i]. Knowing ``rows`` on the host spares the
engine a device-to-host copy when it lays out its loop.
"""


@functools.lru_cache(maxsize=4096)
def _pair_band(n, m, code, parameter):
    lo, hi = band_for(n, m, (code, parameter))
    lo.flags.writeable = hi.flags.writeable = False  # shared by every later call
    return lo, hi


def _host_ints(values):
    if isinstance(values, torch.Tensor):
        values = values.tolist()
    return [int(v) for v in np.asarray(values).reshape(-1)]


def band_limits(n_lengths, m_lengths, constraint, n):
    """Per-pair column ranges as two (b, n) intp arrays: pair p's row i admits the columns
    lo[p, i] <= j < hi[p, i]; rows past a pair's length are empty. Works for every
    constraint code, including none (full rows). Raises ValueError as ``band_masks``.
    """
    code, parameter = int(constraint[0]), float(constraint[1])
    b = len(n_lengths)
    lo = np.zeros((b, n), dtype=np.intp)
    hi = np.zeros((b, n), dtype=np.intp)
    for p, (rows, cols) in enumerate(zip(n_lengths, m_lengths, strict=True)):
        lo[p, :rows], hi[p, :rows] = _pair_band(int(rows), int(cols), code, parameter)
    return lo, hi


def band_masks(n_lengths, m_lengths, constraint, shape=None, device=None):
    """The Band of a batch of pairs, or None when ``constraint`` is no constraint.

    ``n_lengths``, ``m_lengths``: the pairs' lengths (sequences, arrays or tensors; a
    tensor is read once to the host). ``constraint``: a (code, parameter) pair as returned by
    ``tswarp._constraints.parse_constraint``. ``shape``: the padded (n, m), by default
    the largest lengths. ``device``: where the mask is built. Each distinct length pair's band
    comes from ``tswarp._kernels._dtw.band`` once and is cached. Raises ValueError when some
    pair admits no warping path (an Itakura slope too small for its lengths).
    """
    if int(constraint[0]) == NONE:
        return None
    n_list, m_list = _host_ints(n_lengths), _host_ints(m_lengths)
    if len(n_list) != len(m_list):
        raise ValueError("n_lengths and m_lengths must have the same length")
    n, m = shape if shape is not None else (max(n_list), max(m_list))
    lo, hi = band_limits(n_list, m_list, constraint, n)
    lo_t = torch.as_tensor(lo, device=device)[:, :, None]
    hi_t = torch.as_tensor(hi, device=device)[:, :, None]
    cols = torch.arange(m, device=device)
    mask = (cols >= lo_t) & (cols < hi_t)
    used = hi > lo
    union = (np.where(used, lo, m).min(0), np.where(used, hi, 0).max(0))
    return Band(mask, union)
