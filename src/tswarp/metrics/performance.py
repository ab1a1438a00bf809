"""Forecast errors between datasets of time series: MAE, MSE and MASE, computed with NumPy.

Each metric averages over the series (weighted by ``ts_weights``), then over the time steps
(weighted by ``timestamps_weights``), which gives one error per feature; ``multioutput``
says how the features are combined.

Every mean here is taken on values and weights scaled by powers of two (an exact change of
scale), the largest of each to just below 1: a sum can then never overflow, so finite
weights of any size, and errors up to the largest float, give a finite mean.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING

import numpy as np

from tswarp.backend import instantiate_backend
from tswarp.metrics._inputs import (
    dataset_shape,
    empty_dataset,
    from_objects,
    host_values,
    series_lengths,
    to_backend,
)

if TYPE_CHECKING:
    from tswarp._typing import Array, ArrayLike, Dataset

__all__ = ["mae", "mase", "mse"]


def _real_values(data, name):
    """``data`` as a float64 array: numbers of any real dtype, or objects that are numbers."""
    try:
        values = host_values(data, name)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} could not be read as an array: {error}") from None
    if values.dtype == object:
        values = from_objects(values, name)
    if values.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {values.dtype}")
    values = values.astype(np.float64)
    if np.ma.is_masked(data):  # masked entries are missing, as NaN, never the data under them
        values[np.ma.getmaskarray(data)] = np.nan
    return values


def _dataset(data, name):
    """(n_ts, sz, d) float64 values of a dataset given as an array, a tensor or nested lists,
    with at least one series of at least one time step: there is nothing to average else."""
    values = dataset_shape(_real_values(data, name), name)
    if values.shape[0] == 0:
        raise empty_dataset(name)
    if values.shape[1] == 0:
        raise ValueError(f"{name} is empty: its series have no time steps")
    return values


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
    """Non-negative weights of shape (size,) that do not all vanish, scaled by a power of two
    so that the largest lies in [0.5, 1): their sum stays finite, and their ratios exact
    (bar weights 2**1074 times smaller than the largest, which vanish)."""
    values = _real_values(weights, name)
    if values.shape != (size,):
        raise ValueError(f"{name} must have shape ({size},), got {values.shape}")
    if not np.isfinite(values).all() or (values < 0).any() or not values.any():
        raise ValueError(f"{name} must be finite, non-negative and not all zero")
    return np.ldexp(values, -np.frexp(values.max())[1])


def _mean(values, weights=None):
    """Mean of the non-negative ``values`` (size, ...) over the first axis, weighted by the
    output of ``_weights`` if given; finite whenever the values are."""
    if weights is not None:  # a zero weight leaves its row out, an infinite error too
        keep = weights > 0
        values, weights = values[keep], weights[keep]
    # Each column over a power of two above its largest value: sums stay below ``size``.
    exponents = np.frexp(values.max(axis=0))[1]
    scaled = np.ldexp(values, -exponents)
    if weights is None:
        mean = scaled.mean(axis=0)
    else:
        mean = np.tensordot(weights, scaled, axes=1) / weights.sum()
    return np.ldexp(mean, exponents)


def _weighted(weights, size, name):
    """(the indices of weight > 0 or all of them, their weights from ``_weights`` or None)."""
    if weights is None:
        return slice(None), None
    values = _weights(weights, size, name)
    keep = np.flatnonzero(values > 0)
    return keep, values[keep]


def _per_feature(pointwise, truth, prediction, ts_weights, timestamps_weights):
    """(d,) mean of the pointwise errors of two (n_ts, sz, d) arrays over series, then time
    steps. Series and steps of weight 0 are left out first: their errors, which could
    overflow (and warn), count for nothing."""
    n_ts, sz = truth.shape[:2]
    series, series_weights = _weighted(ts_weights, n_ts, "ts_weights")
    steps, step_weights = _weighted(timestamps_weights, sz, "timestamps_weights")
    errors = pointwise(truth[series][:, steps], prediction[series][:, steps])
    return _mean(_mean(errors, series_weights), step_weights)


def _absolute_error(truth, prediction):
    return np.abs(truth - prediction)


def _squared_error(truth, prediction):
    difference = truth - prediction
    return difference * difference


def _combined(per_feature, multioutput):
    """The features' errors as ``multioutput`` asks: all of them, or their (weighted) mean."""
    if isinstance(multioutput, str):
        if multioutput == "raw_values":
            return per_feature
        if multioutput == "uniform_average":
            return np.float64(_mean(per_feature))
        raise ValueError(
            "multioutput must be 'raw_values', 'uniform_average' or an array of d weights, "
            f"got {multioutput!r}"
        )
    weights = _weights(multioutput, len(per_feature), "multioutput")
    return np.float64(_mean(per_feature, weights))


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
        A tensor when the inputs are tensors. Finite for finite inputs and weights of any
        size, unless an error ``|y_true - y_pred|`` itself exceeds the float64 range: it
        is then inf, and so is the mean (NumPy warns of the overflow). Errors at series
        or steps of weight 0 are not computed.

    Raises
    ------
    ValueError
        If ``y_true`` or ``y_pred`` is empty (no series, or series of no time step), the
        shapes differ, values are not finite (NaN padding and masked entries included),
        weights have the wrong shape, are negative or all zero, or ``multioutput`` is
        unknown.
    TypeError
        If an input or weight holds something other than real numbers (object arrays of
        numbers are read as numbers).

    Examples
    --------
    >>> float(mae([[1, 2, 3], [2, 2, 2]], [[1, 2, 4], [2, 2, 0]]))
    0.5
    >>> mae([[[1, 0], [2, 0]]], [[[2, 0], [4, 1]]], multioutput="raw_values")
    array([1.5, 0.5])
    """
    truth, prediction = _pair(y_true, y_pred)
    per_feature = _per_feature(_absolute_error, truth, prediction, ts_weights, timestamps_weights)
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
        A tensor when the inputs are tensors. Finite for finite inputs and weights of any
        size, unless a squared error ``(y_true - y_pred) ** 2`` itself exceeds the float64
        range: it is then inf, and so is the mean (NumPy warns of the overflow). Errors at
        series or steps of weight 0 are not computed.

    Raises
    ------
    ValueError
        If ``y_true`` or ``y_pred`` is empty (no series, or series of no time step), the
        shapes differ, values are not finite (NaN padding and masked entries included),
        weights have the wrong shape, are negative or all zero, or ``multioutput`` is
        unknown.
    TypeError
        If an input or weight holds something other than real numbers (object arrays of
        numbers are read as numbers).

    Examples
    --------
    >>> float(mse([[1, 2, 3], [2, 2, 2]], [[1, 2, 4], [2, 2, 0]]))
    0.8333333333333334
    """
    truth, prediction = _pair(y_true, y_pred)
    per_feature = _per_feature(_squared_error, truth, prediction, ts_weights, timestamps_weights)
    return _returned(_combined(per_feature, multioutput), y_true, y_pred)


def _seasonal_period(seasonal_period, longest):
    """The season as an int, from 1 to ``longest - 1``: the longest training series must
    hold a pair of steps one season apart."""
    if isinstance(seasonal_period, bool) or not isinstance(seasonal_period, numbers.Integral):
        raise TypeError(f"seasonal_period must be an integer, got {seasonal_period!r}")
    if longest < 2:
        raise ValueError(
            "train_data's series need at least 2 time steps for a naive forecast, got "
            f"series of length {longest}"
        )
    if not 1 <= seasonal_period < longest:
        raise ValueError(
            f"seasonal_period must be between 1 and the length of the longest series of "
            f"train_data - 1 ({longest - 1}), got {seasonal_period}"
        )
    return int(seasonal_period)


def _naive_scale(train_data, seasonal_period, d):
    """(scale * 2**-k, k) per feature: the (d,) mean absolute error of the seasonal naive
    forecast on the training series, and the (d,) powers of two it was computed under."""
    train = _dataset(train_data, "train_data")
    if train.shape[2] != d:
        raise ValueError(
            f"train_data must have the d={d} features of y_true, got d={train.shape[2]}"
        )
    # Trailing all-NaN rows are padding; any other NaN or infinity is an error.
    m = _seasonal_period(seasonal_period, series_lengths(train, "train_data").max())
    # A feature with values from 2**1023 on is halved (exactly) first: the difference of
    # two values below 2**1023 is finite, where 1e308 - -1e308 would overflow.
    k = np.maximum(np.frexp(np.nanmax(np.abs(train), axis=(0, 1)))[1] - 1023, 0)
    train = np.ldexp(train, -k)
    errors = np.abs(train[:, :-m] - train[:, m:]).reshape(-1, d)
    scale = _mean(errors[~np.isnan(errors[:, 0])])  # pairs with a padding step left out
    exact = np.flatnonzero(scale == 0)
    if exact.size:
        raise ValueError(
            f"the naive forecast of train_data is exact (constant seasons) in feature(s) "
            f"{exact.tolist()}: MASE divides by its error, which is 0"
        )
    return scale, k


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
    the one a season before), over every series and step; NaN padding is left out. Where
    those differences, or the scale, pass the float64 range, the ratio is still computed:
    through training values halved, an exact change of scale.

    Parameters
    ----------
    y_true : array-like of shape (n_ts, sz, d), (n_ts, sz) or (sz,)
        The true values.
    y_pred : array-like of the shape of ``y_true``
        The predicted values.
    train_data : array-like of shape (n_train, sz_train, d), (n_train, sz_train) or (sz_train,)
        The in-sample series; shorter ones NaN-padded at the end (trailing rows that are
        entirely NaN). Any other NaN, or an infinity, is an error.
    seasonal_period : int, default 1
        The season's length, from 1 to the length of the longest training series - 1.
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
        A tensor when ``y_true`` and ``y_pred`` are tensors. Inf where a ratio exceeds the
        float64 range, as for :func:`mae`.

    Raises
    ------
    ValueError
        As :func:`mae`; if ``train_data`` is empty, holds a NaN or infinite value inside a
        series, has no series of 2 steps or more, or ``seasonal_period`` is not from 1 to
        the longest training length - 1; and if the naive forecast's error is 0 in a
        feature (constant seasons), where MASE is undefined: rather than return inf or NaN
        as tslearn does, or floor the scale at machine epsilon as sktime does.
    TypeError
        As :func:`mae`, and if ``seasonal_period`` is not an integer.

    Examples
    --------
    >>> float(mase([[1, 2, 3]], [[1, 2, 4]], [[1, 3, 2, 5]]))
    0.16666666666666666
    """
    truth, prediction = _pair(y_true, y_pred)
    scale, k = _naive_scale(train_data, seasonal_period, truth.shape[2])
    errors = _per_feature(_absolute_error, truth, prediction, ts_weights, timestamps_weights)
    # errors / (scale * 2**k), without forming a scale that may be past the range.
    return _returned(_combined(np.ldexp(errors, -k) / scale, multioutput), y_true, y_pred)
