"""tswarp.neighbors at the edges: training data overwritten by the caller after fit, values
whose squares overflow, series of several lengths under the Euclidean metric, callable
weights of the wrong shape."""

import importlib.util
import math

import numpy as np
import pytest

pytest.importorskip("sklearn")

from tswarp.neighbors import (
    KNeighborsTimeSeries,
    KNeighborsTimeSeriesClassifier,
    KNeighborsTimeSeriesRegressor,
)


def walks(seed, n=20, sz=12, d=2):
    return np.cumsum(np.random.default_rng(seed).normal(size=(n, sz, d)), axis=1)


# --- the training data belong to the estimator ----------------------------------------------


@pytest.mark.parametrize("metric", ["dtw", "euclidean", "softdtw"])
def test_overwriting_x_after_fit_changes_nothing(metric):
    X, Q = walks(0), walks(1, n=6)
    kept = X.copy()
    search = KNeighborsTimeSeries(n_neighbors=3, metric=metric).fit(X)
    X[:] = walks(2)  # the caller reuses its array
    expected = KNeighborsTimeSeries(n_neighbors=3, metric=metric).fit(kept)
    for queries in (Q, None):
        ours, theirs = search.kneighbors(queries), expected.kneighbors(queries)
        np.testing.assert_array_equal(ours[1], theirs[1])
        np.testing.assert_array_equal(ours[0], theirs[0])


def test_overwriting_a_precomputed_matrix_after_fit_changes_nothing():
    rng = np.random.default_rng(3)
    D = rng.uniform(size=(8, 8))
    D = D + D.T
    kept = D.copy()
    search = KNeighborsTimeSeries(n_neighbors=2, metric="precomputed").fit(D)
    D[:] = rng.uniform(size=(8, 8))
    expected = KNeighborsTimeSeries(n_neighbors=2, metric="precomputed").fit(kept)
    np.testing.assert_array_equal(search.kneighbors()[1], expected.kneighbors()[1])


def test_overwriting_x_and_y_after_fit_changes_no_prediction():
    X, y, Q = walks(4), np.arange(20.0), walks(5, n=6)
    labels = (y % 3).astype(int)
    copies = X.copy(), y.copy(), labels.copy()
    regressor = KNeighborsTimeSeriesRegressor(n_neighbors=3).fit(X, y)
    classifier = KNeighborsTimeSeriesClassifier(n_neighbors=3).fit(X, labels)
    X[:], y[:], labels[:] = walks(6), -y, labels[::-1]
    fresh_regressor = KNeighborsTimeSeriesRegressor(n_neighbors=3).fit(copies[0], copies[1])
    fresh_classifier = KNeighborsTimeSeriesClassifier(n_neighbors=3).fit(copies[0], copies[2])
    np.testing.assert_array_equal(regressor.predict(Q), fresh_regressor.predict(Q))
    np.testing.assert_array_equal(classifier.predict(Q), fresh_classifier.predict(Q))


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch missing")
def test_overwriting_a_cpu_tensor_after_fit_changes_nothing():
    import torch

    X, Q = walks(7), walks(8, n=5)
    tensor = torch.from_numpy(X.copy())
    search = KNeighborsTimeSeries(n_neighbors=2).fit(tensor)
    tensor.mul_(-1.0)
    expected = KNeighborsTimeSeries(n_neighbors=2).fit(X)
    np.testing.assert_array_equal(search.kneighbors(Q)[1], expected.kneighbors(Q)[1])


# --- Euclidean neighbours of huge values ------------------------------------------------------


def test_euclidean_neighbours_of_values_whose_squares_overflow():
    X = np.random.RandomState(0).randn(10, 8, 1) * 1e300
    Q = X[[7, 3]] * 1.01
    search = KNeighborsTimeSeries(n_neighbors=2, metric="euclidean").fit(X)
    distances, indices = search.kneighbors(Q)
    # math.hypot computes the Euclidean norm without overflowing its squares
    brute = np.array([[math.hypot(*(q - x).ravel()) for x in X] for q in Q])
    order = np.argsort(brute, axis=1, kind="stable")[:, :2]
    np.testing.assert_array_equal(indices, order)
    np.testing.assert_array_equal(indices[:, 0], [7, 3])
    np.testing.assert_allclose(distances, np.take_along_axis(brute, order, axis=1), rtol=1e-12)


def test_euclidean_distances_past_float64_stay_infinite():
    X = np.array([[[1e308]], [[-1e308]]])  # their difference, 2e308, is no float64
    search = KNeighborsTimeSeries(n_neighbors=1, metric="euclidean").fit(X)
    distances, indices = search.kneighbors()
    assert np.isinf(distances).all()
    np.testing.assert_array_equal(indices, [[1], [0]])


# --- the Euclidean metric needs one length, from fit on ---------------------------------------


@pytest.mark.parametrize(
    "estimator",
    [
        KNeighborsTimeSeries(n_neighbors=1, metric="euclidean"),
        KNeighborsTimeSeriesClassifier(n_neighbors=1, metric="euclidean"),
        KNeighborsTimeSeriesRegressor(n_neighbors=1, metric="euclidean"),
    ],
    ids=["search", "classifier", "regressor"],
)
@pytest.mark.parametrize(
    "X",
    [[[1.0, 2.0, 3.0], [1.0, 2.0], [4.0, 5.0, 6.0]], [[1.0, 2.0, 3.0], [1.0, 2.0, np.nan]]],
    ids=["list", "nan-padded"],
)
def test_euclidean_fit_refuses_series_of_several_lengths(estimator, X):
    y = np.arange(len(X))
    with pytest.raises(ValueError, match="metric='euclidean' needs series of a single length"):
        estimator.fit(X, y)


# --- callable weights -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "weights",
    [lambda d: d[:, :1], lambda d: d.ravel(), lambda d: d.T, lambda d: 1.0],
    ids=["one-column", "flat", "transposed", "scalar"],
)
@pytest.mark.parametrize(
    ("estimator", "method"),
    [
        (KNeighborsTimeSeriesClassifier, "predict"),
        (KNeighborsTimeSeriesClassifier, "predict_proba"),
        (KNeighborsTimeSeriesRegressor, "predict"),
    ],
)
def test_callable_weights_of_the_wrong_shape(weights, estimator, method):
    X = walks(9, n=12)
    model = estimator(n_neighbors=3, weights=weights).fit(X, np.arange(12) % 2)
    with pytest.raises(ValueError, match=r"weights .*\(n_queries, n_neighbors\) = \(5, 3\)"):
        getattr(model, method)(X[:5])


def test_callable_weights_of_the_right_shape_still_work():
    X, y = walks(10, n=12), np.arange(12) % 2
    uniform = KNeighborsTimeSeriesClassifier(n_neighbors=3).fit(X, y)
    ones = KNeighborsTimeSeriesClassifier(n_neighbors=3, weights=np.ones_like).fit(X, y)
    np.testing.assert_array_equal(ones.predict_proba(X), uniform.predict_proba(X))


# --- n_features_in_, as tslearn and the clustering estimators set it --------------------------


@pytest.mark.parametrize(
    "estimator",
    [KNeighborsTimeSeries, KNeighborsTimeSeriesClassifier, KNeighborsTimeSeriesRegressor],
)
def test_n_features_in_is_the_features_per_time_step(estimator):
    y = np.arange(9) % 2
    for d in (1, 3):
        model = estimator(n_neighbors=2).fit(walks(11, n=9, d=d), y)
        assert model.n_features_in_ == d
        with pytest.raises(ValueError, match="same number of features"):
            model.kneighbors(walks(12, n=2, d=d + 1))
    D = np.abs(np.subtract.outer(np.arange(9.0), np.arange(9.0)))
    assert estimator(n_neighbors=2, metric="precomputed").fit(D, y).n_features_in_ == 9


# --- the pruned DTW search on tiny values ------------------------------------------------------


def naive_dtw(x, y):
    """DTW by the textbook recursion: squared costs, the minimum of three, a square root."""
    n, m = len(x), len(y)
    acc = np.full((n + 1, m + 1), np.inf)
    acc[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost = float(((x[i - 1] - y[j - 1]) ** 2).sum())
            acc[i, j] = cost + min(acc[i - 1, j - 1], acc[i - 1, j], acc[i, j - 1])
    return math.sqrt(acc[n, m])


TINY = 2.0**-700  # about 2e-211: the squares of such values are no float64


def naive_dtw_scaled(x, y):
    """The exact DTW of series that may be tiny: a pair of tiny series is measured scaled
    up by 1 / TINY (an exact power of two, under which DTW scales exactly)."""
    if max(np.abs(x).max(), np.abs(y).max()) < 1e-150:
        return naive_dtw(x / TINY, y / TINY) * TINY
    return naive_dtw(x, y)


def brute_force(Q, X, k, distance, skip_self=False):
    matrix = np.array([[distance(q, x) for x in X] for q in Q])
    if skip_self:
        np.fill_diagonal(matrix, np.inf)
    order = np.argsort(matrix, axis=1, kind="stable")[:, :k]  # ties: the smaller index
    return np.take_along_axis(matrix, order, axis=1), order


@pytest.mark.parametrize("mixed", [False, True], ids=["all-tiny", "tiny-and-ordinary"])
def test_pruned_search_of_tiny_series_equals_brute_force(mixed):
    # Their squared costs underflow to 0: the search saw every pair as a tie (index order).
    X, Q = walks(13, n=16, sz=9, d=1), walks(14, n=5, sz=7, d=1)
    X[:: 2 if mixed else 1] *= TINY
    Q[: 3 if mixed else 5] *= TINY
    for queries in (Q, None):
        expected = brute_force(
            X if queries is None else Q, X, 4, naive_dtw_scaled, queries is None
        )
        for n_jobs in (None, 2):
            distances, indices = (
                KNeighborsTimeSeries(n_neighbors=4, n_jobs=n_jobs).fit(X).kneighbors(queries)
            )
            np.testing.assert_array_equal(indices, expected[1])
            np.testing.assert_allclose(distances, expected[0], rtol=1e-12)


def test_euclidean_neighbours_of_tiny_series():
    X, Q = walks(15, n=12, sz=6), walks(16, n=4, sz=6)
    X[::2] *= TINY
    Q[:2] *= TINY
    # math.hypot scales internally: no square underflows
    hypot = lambda q, x: math.hypot(*(q - x).ravel())  # noqa: E731
    expected = brute_force(Q, X, 3, hypot)
    distances, indices = (
        KNeighborsTimeSeries(n_neighbors=3, metric="euclidean").fit(X).kneighbors(Q)
    )
    np.testing.assert_array_equal(indices, expected[1])
    np.testing.assert_allclose(distances, expected[0], rtol=1e-12)


# --- the pruned search against brute force where distances tie --------------------------------


def tied_dataset():
    """Integer-valued series with exact duplicates, equal series at several indices and
    constant series: many neighbours at one distance."""
    base = np.round(np.random.default_rng(17).normal(size=(5, 7, 1)))
    return np.concatenate([base, base[::-1], np.zeros((2, 7, 1)), base[:2]])


@pytest.mark.parametrize("k", [1, 3, 11])
def test_ties_go_to_the_smaller_index_in_every_strategy(k):
    from tswarp.neighbors._search import DTWIndex

    X = tied_dataset()
    Q = np.full((4, 9, 1), np.nan)  # variable lengths, NaN-padded
    for i, n in enumerate([1, 4, 7, 9]):
        Q[i, :n] = np.round(np.random.default_rng(18 + i).normal(size=(n, 1)))
    lengths = np.array([1, 4, 7, 9])
    series = [q[:n] for q, n in zip(Q, lengths, strict=True)]
    expected = brute_force(series, X, k, naive_dtw)
    index = DTWIndex(X, np.full(len(X), 7), (0, 0.0))
    for strategy in ("pruned", "exhaustive", "auto"):
        for n_jobs in (None, 2):
            distances, indices, _ = index.kneighbors(Q, lengths, k, n_jobs, strategy=strategy)
            np.testing.assert_array_equal(indices, expected[1])
            np.testing.assert_allclose(distances, expected[0], rtol=1e-12)
    # the training series themselves: each leaves itself out, its duplicates stay
    expected = brute_force(X, X, k, naive_dtw, skip_self=True)
    for strategy in ("pruned", "exhaustive"):
        distances, indices, _ = index.kneighbors(None, None, k, 2, strategy=strategy)
        np.testing.assert_array_equal(indices, expected[1])
        np.testing.assert_allclose(distances, expected[0], rtol=1e-12)


def test_identical_training_series_rank_by_index():
    X = np.repeat(walks(19, n=1, sz=6, d=1), 7, axis=0)
    search = KNeighborsTimeSeries(n_neighbors=7).fit(X)
    distances, indices = search.kneighbors(X[:1] + 1.0)
    np.testing.assert_array_equal(indices, [np.arange(7)])
    np.testing.assert_allclose(distances, naive_dtw(X[0] + 1.0, X[0]))
    _, indices = search.kneighbors(n_neighbors=6)
    np.testing.assert_array_equal(indices, [[j for j in range(7) if j != i] for i in range(7)])


# --- weights -----------------------------------------------------------------------------------


@pytest.mark.parametrize("metric", ["softdtw", "soft_dtw"])
@pytest.mark.parametrize(
    "estimator", [KNeighborsTimeSeriesClassifier, KNeighborsTimeSeriesRegressor]
)
def test_distance_weights_refuse_signed_soft_dtw(metric, estimator):
    # Soft-DTW is negative between close series: 1 / value made negative weights.
    with pytest.raises(ValueError, match=r"weights='distance'.*negative.*soft_dtw_normalized"):
        estimator(weights="distance", metric=metric).fit(walks(20, n=6), np.arange(6) % 2)


def test_distance_weights_treat_a_rounded_negative_divergence_as_exact():
    # The normalised soft-DTW of these query/training pairs rounds to -9e-16 and -1.8e-15.
    X = np.random.default_rng(0).normal(size=(6, 8, 1))
    Q = X[[2, 4]] + 1e-9
    y = np.arange(6.0)
    options = dict(n_neighbors=3, weights="distance", metric="soft_dtw_normalized")
    regressor = KNeighborsTimeSeriesRegressor(**options).fit(X, y)
    np.testing.assert_array_equal(regressor.predict(Q), [2.0, 4.0])
    proba = KNeighborsTimeSeriesClassifier(**options).fit(X, y.astype(int)).predict_proba(Q)
    np.testing.assert_array_equal(proba, np.eye(6)[[2, 4]])


def test_distance_weights_of_neighbours_all_infinitely_far():
    # Their distances, 2e308, are no float64: 1 / inf gave every neighbour weight 0 (NaN).
    X, Q = np.full((3, 2, 1), -1e308), np.full((1, 2, 1), 1e308)
    for metric in ("dtw", "euclidean"):
        regressor = KNeighborsTimeSeriesRegressor(n_neighbors=3, weights="distance", metric=metric)
        np.testing.assert_array_equal(regressor.fit(X, [1.0, 2.0, 6.0]).predict(Q), [3.0])
        classifier = KNeighborsTimeSeriesClassifier(
            n_neighbors=3, weights="distance", metric=metric
        )
        proba = classifier.fit(X, [0, 1, 1]).predict_proba(Q)
        np.testing.assert_allclose(proba, [[1 / 3, 2 / 3]], rtol=1e-15)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (np.zeros_like, "weight 0"),
        (lambda d: np.where(np.arange(d.shape[1]) == 0, np.nan, 1.0) * np.ones_like(d), "finite"),
        (lambda d: -np.ones_like(d), ">= 0"),
    ],
    ids=["zeros", "nan", "negative"],
)
@pytest.mark.parametrize(
    ("estimator", "method"),
    [
        (KNeighborsTimeSeriesClassifier, "predict"),
        (KNeighborsTimeSeriesClassifier, "predict_proba"),
        (KNeighborsTimeSeriesRegressor, "predict"),
    ],
)
def test_callable_weights_that_cannot_weigh(weights, message, estimator, method):
    # The regressor divided by their sum: NaN or nonsense, silently.
    model = estimator(n_neighbors=3, weights=weights).fit(walks(21, n=8), np.arange(8) % 2)
    with pytest.raises(ValueError, match=rf"callable weights .*{message}"):
        getattr(model, method)(walks(22, n=2))
