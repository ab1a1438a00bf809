"""Nearest neighbours of time series: search, classification and regression.

scikit-learn estimators with tslearn's constructor arguments. Under DTW the search is pruned
as in the UCR suite (lower bounds, then early-abandoned DTW, in compiled code, in parallel
over the queries) and finds exactly the neighbours of the full distance matrix. This module
needs scikit-learn (``pip install 'tswarp[estimators]'``).
"""

import importlib

__all__ = [
    "KNeighborsTimeSeries",
    "KNeighborsTimeSeriesClassifier",
    "KNeighborsTimeSeriesRegressor",
]


def __getattr__(name):
    # The estimators import scikit-learn: loaded on first use, so that the search itself
    # (used by the command line) runs without it.
    if name in __all__:
        return getattr(importlib.import_module("tswarp.neighbors._estimators"), name)
    raise AttributeError(f"module 'tswarp.neighbors' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
