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
