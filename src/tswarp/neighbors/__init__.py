"""Nearest neighbours of time series: search, classification and regression.

scikit-learn estimators with tslearn's constructor arguments. Under DTW the search is pruned
as in the UCR suite (lower bounds, then early-abandoned DTW, in compiled code, in parallel
over the queries) and finds exactly the neighbours of the full distance matrix. This module
needs scikit-learn (``pip install 'tswarp[estimators]'``).
"""

from tswarp.neighbors._estimators import (
    KNeighborsTimeSeries,
    KNeighborsTimeSeriesClassifier,
    KNeighborsTimeSeriesRegressor,
)

__all__ = [
    "KNeighborsTimeSeries",
    "KNeighborsTimeSeriesClassifier",
    "KNeighborsTimeSeriesRegressor",
]
