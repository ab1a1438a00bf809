"""The PyTorch engine: batched wavefront DTW and soft-DTW (private; imports torch).

Everything here works on batches of cost matrices (b, n, m) on any device, with per-pair
lengths and optional band masks:

- ``squared_euclidean(x, y)``: (b, n, d), (b, m, d) -> (b, n, m) costs, plain autograd.
- ``soft_dtw(costs, gamma, ...)`` / ``SoftDTW``: values (b,), analytic backward.
- ``dtw_alignment(costs, ...)``: 0/1 optimal paths; ``dtw_value(costs, ...)``: DTW values.
- ``band_masks(n_lengths, m_lengths, constraint, ...)``: a Band for the ``mask`` argument.

>>> import torch
>>> x = torch.tensor([[[1.0], [2.0], [3.0]]], dtype=torch.float64, requires_grad=True)
>>> y = torch.tensor([[[3.0], [4.0], [-3.0]]], dtype=torch.float64)
>>> value = dtw_value(squared_euclidean(x, y))
>>> value.backward()
>>> round(value.item() ** 2, 10), (x.grad * value.detach()).flatten().round(decimals=10).tolist()
(42.0, [-2.0, -1.0, 5.0])
"""

from tswarp._torch._bands import Band, band_masks
from tswarp._torch._costs import squared_euclidean
from tswarp._torch._dtw import dtw_alignment, dtw_value
from tswarp._torch._soft_dtw import SoftDTW, soft_dtw

__all__ = [
    "Band",
    "SoftDTW",
    "band_masks",
    "dtw_alignment",
    "dtw_value",
    "soft_dtw",
    "squared_euclidean",
]
