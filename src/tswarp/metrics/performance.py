"""Forecast errors between datasets of time series: MAE, MSE and MASE, computed with NumPy.

Each metric averages over the series (weighted by ``ts_weights``), then over the time steps
(weighted by ``timestamps_weights``), which gives one error per feature; ``multioutput``
says how the features are combined.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING

import numpy as np

from tswarp.backend import instantiate_backend
from tswarp.metrics._inputs import dataset_shape, host_values, to_backend

if TYPE_CHECKING:
    from tswarp._typing import Array, ArrayLike, Dataset

__all__ = ["mae", "mase", "mse"]


def _dataset(data, name):
    """(n_ts, sz, d) float64 values of a dataset given as an array, a tensor or nested lists."""
    try:
        values = host_values(data, name)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} could not be read as an array: {error}") from None
    if values.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {values.dtype}")
    return dataset_shape(values.astype(np.float64), name)


def _pair(y_true, y_pred):
    truth, prediction = _dataset(y_true, "y_true"), _dataset(y_pred, "y_pred")
    if truth.shape != prediction.shape:
        raise ValueError(
            f"y_true and y_pred must have the same shape, got {truth.shape} and {prediction.shape}"
        )
    for name, values in (("y_true", truth), ("y_pred", prediction)):
        if not np.isfinite(values).all():
            raise ValueError(
                f"{name} must hold finite values only: series of different lengths (NaN "
                "padding) have no common time steps to compare"
            )
    return truth, prediction


def _weights(weights, size, name):
    """Non-negative weights of shape (size,) that do not all vanish."""
    values = host_values(weights, name)
    if values.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {values.dtype}")
    values = values.astype(np.float64)
    if values.shape != (size,):
        raise ValueError(f"{name} must have shape ({size},), got {values.shape}")
    if not np.isfinite(values).all() or (values < 0).any() or values.sum() <= 0:
        raise ValueError(f"{name} must be finite, non-negative and not all zero")
    return values


def _average(values, weights, size, name):
    """Weighted mean of ``values`` (size, ...) over its first axis; plain mean without weights."""
    if weights is None:
        return values.mean(axis=0)
    weights = _weights(weights, size, name)
    return np.tensordot(weights, values, axes=1) / weights.sum()


def _per_feature(errors, ts_weights, timestamps_weights):
    """(d,) mean of the (n_ts, sz, d) pointwise errors over series, then time steps."""
    n_ts, sz = errors.shape[:2]
    per_step = _average(errors, ts_weights, n_ts, "ts_weights")
    return _average(per_step, timestamps_weights, sz, "timestamps_weights")


def _combined(per_feature, multioutput):
    """The features' errors as ``multioutput`` asks: all of them, or their (weighted) mean."""
    if isinstance(multioutput, str):
        if multioutput == "raw_values":
            return per_feature
        if multioutput == "uniform_average":
            return np.float64(per_feature.mean())
        raise ValueError(
            "multioutput must be 'raw_values', 'uniform_average' or an array of d weights, "
            f"got {multioutput!r}"
        )
    weights = _weights(multioutput, len(per_feature), "multioutput")
    return np.float64(weights @ per_feature / weights.sum())


def _returned(result, *inputs):
    be = instantiate_backend(*inputs)
    return result if be.is_numpy else to_backend(be, np.asarray(result), *inputs)


def mae(
    y_true: Dataset,
    y_pred: Dataset,
    ts_weights: ArrayLike | None = None,
    timestamps_weights: ArrayLike | None = None,
    multioutput: str | ArrayLike = "uniform_average",
) -> float | Array:
    """Mean absolute error between two datasets of time series.

    Parameters
    ----------
    y_true : array-like of shape (n_ts, sz, d), (n_ts, sz) or (sz,)
        The true values.
    y_pred : array-like of the shape of ``y_true``
        The predicted values.
    ts_weights : array-like of shape (n_ts,), optional
        Weights of the series (uniform by default).
    timestamps_weights : array-like of shape (sz,), optional
        Weights of the time steps (uniform by default).
    multioutput : {"uniform_average", "raw_values"} or array-like of shape (d,)
        "raw_values": one error per feature; "uniform_average": their mean; an array:
        their mean weighted by it.

    Returns
    -------
    numpy.float64 or numpy.ndarray of shape (d,)
        A tensor when the inputs are tensors.

    Raises
    ------
    ValueError
        If the shapes differ, values are not finite (NaN padding included), weights have
        the wrong shape, are negative or all zero, or ``multioutput`` is unknown.

    Examples
    --------
    >>> float(mae([[1, 2, 3], [2, 2, 2]], [[1, 2, 4], [2, 2, 0]]))
    0.5
    >>> mae([[[1, 0], [2, 0]]], [[[2, 0], [4, 1]]], multioutput="raw_values")
    array([1.5, 0.5])
    """
    truth, prediction = _pair(y_true, y_pred)
    per_feature = _per_feature(np.abs(truth - prediction), ts_weights, timestamps_weights)
    return _returned(_combined(per_feature, multioutput), y_true, y_pred)


def mse(
    y_true: Dataset,
    y_pred: Dataset,
    ts_weights: ArrayLike | None = None,
    timestamps_weights: ArrayLike | None = None,
    multioutput: str | ArrayLike = "uniform_average",
) -> float | Array:
    """Mean squared error between two datasets of time series.

    Parameters
    ----------
    y_true : array-like of shape (n_ts, sz, d), (n_ts, sz) or (sz,)
        The true values.
    y_pred : array-like of the shape of ``y_true``
        The predicted values.
    ts_weights : array-like of shape (n_ts,), optional
        Weights of the series (uniform by default).
    timestamps_weights : array-like of shape (sz,), optional
        Weights of the time steps (uniform by default).
    multioutput : {"uniform_average", "raw_values"} or array-like of shape (d,)
        "raw_values": one error per feature; "uniform_average": their mean; an array:
        their mean weighted by it.

    Returns
    -------
    numpy.float64 or numpy.ndarray of shape (d,)
        A tensor when the inputs are tensors.

    Raises
    ------
    ValueError
        If the shapes differ, values are not finite (NaN padding included), weights have
        the wrong shape, are negative or all zero, or ``multioutput`` is unknown.

    Examples
    --------
    >>> float(mse([[1, 2, 3], [2, 2, 2]], [[1, 2, 4], [2, 2, 0]]))
    0.8333333333333334
    """
    truth, prediction = _pair(y_true, y_pred)
    difference = truth - prediction
    per_feature = _per_feature(difference * difference, ts_weights, timestamps_weights)
    return _returned(_combined(per_feature, multioutput), y_true, y_pred)


def _seasonal_period(seasonal_period, train_size):
    if isinstance(seasonal_period, bool) or not isinstance(seasonal_period, numbers.Integral):
        raise TypeError(f"seasonal_period must be an integer, got {seasonal_period!r}")
    if not 1 <= seasonal_period < train_size:
        raise ValueError(
            f"seasonal_period must be between 1 and the training length - 1 ({train_size - 1}), "
            f"got {seasonal_period}"
        )
    return int(seasonal_period)


def _naive_scale(train_data, seasonal_period, d):
    """(d,) mean absolute error of the seasonal naive forecast on the training series."""
    train = _dataset(train_data, "train_data")
    if train.shape[2] != d:
        raise ValueError(
            f"train_data must have the d={d} features of y_true, got d={train.shape[2]}"
        )
    if np.isinf(train).any():
        raise ValueError("train_data must not hold infinite values")
    m = _seasonal_period(seasonal_period, train.shape[1])
    errors = np.abs(train[:, :-m] - train[:, m:])
    counted = ~np.isnan(errors)  # NaN padding of shorter series is left out
    count = counted.sum(axis=(0, 1))
    if (count == 0).any():
        raise ValueError(
            f"train_data has no pair of time steps {m} apart in some feature: no naive forecast"
        )
    scale = np.where(counted, errors, 0.0).sum(axis=(0, 1)) / count
    if (scale == 0).any():
        raise ValueError(
            "the naive forecast of train_data is exact (constant seasons) in some feature: "
            "MASE divides by its error, which is 0"
        )
    return scale


def mase(
    y_true: Dataset,
    y_pred: Dataset,
    train_data: Dataset,
    seasonal_period: int = 1,
    ts_weights: ArrayLike | None = None,
    timestamps_weights: ArrayLike | None = None,
    multioutput: str | ArrayLike = "uniform_average",
) -> float | Array:
    """Mean absolute scaled error: :func:`mae` per feature over that of a naive forecast.

    The scale of each feature is the mean absolute difference between the steps of
    ``train_data`` that are ``seasonal_period`` apart (the error of forecasting each step by
    the one a season before), over every series and step; NaN padding is left out.

    Parameters
    ----------
    y_true : array-like of shape (n_ts, sz, d), (n_ts, sz) or (sz,)
        The true values.
    y_pred : array-like of the shape of ``y_true``
        The predicted values.
    train_data : array-like of shape (n_train, sz_train, d), (n_train, sz_train) or (sz_train,)
        The in-sample series; shorter ones NaN-padded at the end.
    seasonal_period : int, default 1
        The season's length, from 1 to ``sz_train - 1``.
    ts_weights : array-like of shape (n_ts,), optional
        Weights of the series (uniform by default).
    timestamps_weights : array-like of shape (sz,), optional
        Weights of the time steps (uniform by default).
    multioutput : {"uniform_average", "raw_values"} or array-like of shape (d,)
        "raw_values": one error per feature; "uniform_average": their mean; an array:
        their mean weighted by it.

    Returns
    -------
    numpy.float64 or numpy.ndarray of shape (d,)
        A tensor when ``y_true`` and ``y_pred`` are tensors.

    Raises
    ------
    ValueError
        As :func:`mae`, and if the naive forecast's error is 0 in a feature.

    Examples
    --------
    >>> float(mase([[1, 2, 3]], [[1, 2, 4]], [[1, 3, 2, 5]]))
    0.16666666666666666
    """
    truth, prediction = _pair(y_true, y_pred)
    scale = _naive_scale(train_data, seasonal_period, truth.shape[2])
    errors = _per_feature(np.abs(truth - prediction), ts_weights, timestamps_weights)
    return _returned(_combined(errors / scale, multioutput), y_true, y_pred)
