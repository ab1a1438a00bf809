"""What the clustering estimators share: the checks of their arguments, the empty-cluster
rule, k-means++ seeding, the resampling of seeds to full length, and the restarts.

The random numbers are drawn in tslearn's order (the same calls on the same
``numpy.random.RandomState``), so that a seeded run starts where tslearn's starts.
"""

from typing import Any

import numpy as np

from tswarp._sklearn import sklearn_base, time_series_dataset
from tswarp._threads import check_n_jobs
from tswarp.barycenters._inputs import check_count, check_tol, resample

sklearn_base("tswarp.clustering")  # the ImportError naming the extra, before anything else

from sklearn.utils import check_random_state as _sklearn_random_state  # noqa: E402
from sklearn.utils.validation import check_is_fitted  # noqa: E402

__all__ = ["check_is_fitted", "check_random_state"]


class EmptyClusterError(ValueError):
    """An assignment left a cluster without any series."""

    __module__ = "tswarp.clustering"


def check_random_state(random_state):
    """scikit-learn's ``check_random_state``, with errors that name ``random_state``."""
    try:
        return _sklearn_random_state(random_state)
    except (TypeError, ValueError) as error:
        raise ValueError(
            "random_state must be None, an integer in [0, 2**32 - 1] or a "
            f"numpy.random.RandomState, got {random_state!r}"
        ) from error


def check_common(estimator, n_series):
    """Check the arguments every k-means shares; return (n_clusters, max_iter, tol, n_init)."""
    n_clusters = check_count(estimator.n_clusters, "n_clusters", 1)
    if n_clusters > n_series:
        raise ValueError(f"n_clusters={n_clusters} must be <= the number of series, {n_series}")
    max_iter = check_count(estimator.max_iter, "max_iter", 1)
    tol = check_tol(estimator.tol)
    n_init = check_count(estimator.n_init, "n_init", 1)
    check_n_jobs(estimator.n_jobs)
    return n_clusters, max_iter, tol, n_init


def check_params_dict(params, name, accepted):
    """A copy of an optional dict of parameters whose keys are all in ``accepted`` (any key
    when it is None)."""
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise TypeError(f"{name} must be a dict or None, got {params!r}")
    unknown = [] if accepted is None else sorted(set(params) - set(accepted))
    if unknown:
        raise ValueError(
            f"{name} has unknown keys {unknown}; the accepted ones are {sorted(accepted)}"
        )
    return dict(params)


def dataset(
    X: object,
    equal_lengths: bool = False,
    reason: str = "",
    own: bool = False,
    name: str = "X",
) -> tuple[np.ndarray, Any]:
    """(padded float64 (n, sz, d) array, lengths) of an estimator's X (errors naming
    ``name``); with ``own``, sharing no memory with X (for data kept past fit)."""
    data, lengths = time_series_dataset(X, name, own=own)
    if equal_lengths and (lengths != data.shape[1]).any():
        raise ValueError(
            f"{name} must hold series of one length {reason}; got lengths "
            f"{sorted(set(lengths.tolist()))} (or NaN values)"
        )
    return data, lengths


def check_features(estimator, X, length=None, reason="metric='euclidean' compares equal lengths"):
    """Refuse series whose features (and, when ``length`` is given, length) differ from
    those seen by fit."""
    if X.shape[2] != estimator.n_features_in_:
        raise ValueError(
            f"X has {X.shape[2]} feature(s) per time step, but {type(estimator).__name__} "
            f"was fitted with {estimator.n_features_in_}"
        )
    if length is not None and X.shape[1] != length:
        raise ValueError(
            f"X has series of length {X.shape[1]}, but {type(estimator).__name__} was "
            f"fitted on series of length {length} ({reason})"
        )


def check_no_empty_cluster(labels, n_clusters):
    if np.bincount(labels, minlength=n_clusters).min() == 0:
        raise EmptyClusterError("an assignment left a cluster empty")


def full_length(series, lengths, size):
    """Each series (unpadded by ``lengths``) linearly resampled to ``size`` steps."""
    return np.stack(
        [resample(s[:length], size) for s, length in zip(series, lengths, strict=True)]
    )


def kmeans_plusplus(n_series, n_clusters, sq_distances, rs, first):
    """Indices of k-means++ seeds: each next seed is the best, for the potential (sum of
    squared distances to the nearest seed), of 2 + log(k) candidates drawn with probability
    proportional to that squared distance.

    ``sq_distances(indices)`` gives the (len(indices), n_series) squared distances;
    ``first(rs)`` draws the first seed (scikit-learn's and tslearn's draws differ).
    """
    trials = 2 + int(np.log(n_clusters))
    seeds = [first(rs)]
    closest = sq_distances([seeds[0]])[0]
    potential = closest.sum()
    for _ in range(1, n_clusters):
        draws = rs.random_sample(trials) * potential
        candidates = np.searchsorted(np.cumsum(closest, dtype=np.float64), draws)
        candidates = np.minimum(candidates, n_series - 1)  # rounding can step past the end
        closer = np.minimum(closest, sq_distances(candidates))
        potentials = closer.sum(axis=1)
        best = int(np.argmin(potentials))
        potential, closest = potentials[best], closer[best]
        seeds.append(int(candidates[best]))
    return seeds


def is_array_init(init):
    return (not isinstance(init, str) and hasattr(init, "__array__")) or isinstance(
        init, (list, tuple)
    )


def restarts(run_once, n_init, rs, verbose):
    """The best (lowest inertia) of ``n_init`` successful runs, trying at most
    max(n_init, 10) times: a run whose assignment leaves a cluster empty starts again.

    ``run_once(rs)`` returns (result, inertia, n_iter) or raises EmptyClusterError.
    """
    best, best_inertia, best_iter = None, np.inf, 0
    successes = attempts = 0
    while successes < n_init and attempts < max(n_init, 10):
        attempts += 1
        try:
            result, inertia, n_iter = run_once(rs)
        except EmptyClusterError:
            if verbose:
                print("Resumed because of empty cluster")
            continue
        successes += 1
        if inertia < best_inertia:
            best, best_inertia, best_iter = result, inertia, n_iter
    if best is None:
        raise EmptyClusterError(
            f"each of {attempts} initialisations left a cluster empty: try fewer clusters"
        )
    return best, best_inertia, best_iter
