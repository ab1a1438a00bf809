"""Clustering of time series, as scikit-learn estimators with tslearn's arguments:

- :class:`TimeSeriesKMeans`: k-means under the Euclidean distance, DTW (DBA barycenters)
  or soft-DTW (soft-DTW barycenters);
- :class:`KernelKMeans`: kernel k-means with the global alignment kernel, or a kernel of
  scikit-learn;
- :func:`silhouette_score`: the silhouette coefficient under DTW (or another metric).

This module needs scikit-learn (``pip install 'tswarp[estimators]'``).
"""

from tswarp.clustering._common import EmptyClusterError
from tswarp.clustering._kernel_kmeans import KernelKMeans
from tswarp.clustering._kmeans import TimeSeriesKMeans
from tswarp.clustering._silhouette import silhouette_score

__all__ = ["EmptyClusterError", "KernelKMeans", "TimeSeriesKMeans", "silhouette_score"]
