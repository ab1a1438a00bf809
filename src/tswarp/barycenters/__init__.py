"""Barycenters (averages) of time series under DTW, soft-DTW and the Euclidean distance.

A barycenter of series x_1..x_n is a series b that minimises sum_i w_i d(b, x_i)^2. The
names, arguments and defaults are those of ``tslearn.barycenters``:

- :func:`euclidean_barycenter`: the step-by-step weighted mean (series of one length);
- :func:`dtw_barycenter_averaging` (DBA) and :func:`dtw_barycenter_averaging_petitjean`:
  d = DTW, by alternating alignments and averages, the alignments in compiled code, in
  parallel over the series; :func:`dtw_barycenter_averaging_subgradient`, the same
  objective by stochastic subgradient steps, one series at a time;
- :func:`softdtw_barycenter`: d^2 = soft-DTW, by L-BFGS with the soft-DTW kernels' gradient
  (on tensors, the torch engine's, on the tensors' device).
"""

from tswarp.barycenters._dba import (
    ConvergenceWarning,
    dtw_barycenter_averaging,
    dtw_barycenter_averaging_petitjean,
)
from tswarp.barycenters._euclidean import euclidean_barycenter
from tswarp.barycenters._soft_dtw import softdtw_barycenter
from tswarp.barycenters._subgradient import dtw_barycenter_averaging_subgradient

__all__ = [
    "ConvergenceWarning",
    "dtw_barycenter_averaging",
    "dtw_barycenter_averaging_petitjean",
    "dtw_barycenter_averaging_subgradient",
    "euclidean_barycenter",
    "softdtw_barycenter",
]
