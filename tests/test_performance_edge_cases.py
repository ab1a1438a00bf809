"""Forecast errors on hostile inputs: empty data, extreme weights and values, NaN in the
training series, object and masked arrays."""

import numpy as np
import pytest

from tswarp.metrics.performance import mae, mase, mse

Y_TRUE, Y_PRED, TRAIN = [[1.0, 2.0]], [[1.0, 1.0]], [[1.0, 3.0, 2.0, 5.0]]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: mae([], []), r"^y_true is empty: it holds no time series"),
        (lambda: mse(np.empty((0, 4, 2)), np.empty((0, 4, 2))), r"^y_true is empty"),
        (lambda: mae(Y_TRUE, np.empty(0)), r"^y_pred is empty"),
        (lambda: mae([[]], [[]]), r"^y_true is empty: its series have no time steps"),
        (lambda: mse(np.empty((2, 0, 1)), np.empty((2, 0, 1))), r"^y_true is empty: its"),
        (lambda: mase([], [], TRAIN), r"^y_true is empty"),
        (lambda: mase(Y_TRUE, Y_PRED, []), r"^train_data is empty: it holds no time series"),
        (lambda: mase(Y_TRUE, Y_PRED, np.empty((0, 5, 1))), r"^train_data is empty"),
        (lambda: mase(Y_TRUE, Y_PRED, [[]]), r"^train_data is empty: its series have no"),
    ],
)
def test_empty_inputs_are_refused_by_name(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_weights_of_any_finite_size_give_the_weighted_mean():
    # Errors 1 and 3: equal weights give 2, weights 3:1 give (3 * 1 + 1 * 3) / 4 = 1.5.
    truth, zeros = [[1.0], [3.0]], [[0.0], [0.0]]
    assert mae(truth, zeros, ts_weights=[1e308, 1e308]) == 2.0
    assert mae(truth, zeros, ts_weights=[1.5e308, 0.5e308]) == 1.5
    assert mse([[1.0, 3.0]], [[0.0, 0.0]], timestamps_weights=[1e308, 1e308]) == 5.0
    raw = [[[1.0, 3.0]]], [[[0.0, 0.0]]]
    assert mae(*raw, multioutput=[1e308, 1e308]) == 2.0
    assert mae(*raw, multioutput=[5e-324, 3 * 5e-324]) == 2.5  # subnormal, ratio 1:3
    # MASE with TRAIN (scale 2) and step weights 0 : 1e308: only the error 1 counts.
    assert mase(Y_TRUE, Y_PRED, TRAIN, timestamps_weights=[0.0, 1e308]) == 0.5


def test_means_of_errors_near_the_float_range_stay_finite():
    big = 1e308
    assert mae([[big, big]], [[0.0, 0.0]]) == big  # the sum of the steps is 2e308
    assert mae([[big], [big]], [[0.0], [0.0]], ts_weights=[1.0, 1.0]) == big
    assert mse([[1e154, 1e154]], [[0.0, 0.0]]) == pytest.approx(1e308, rel=1e-15)
    # Features far apart in scale keep their own precision.
    raw = mae([[[1e300, 3e-300], [1e300, 1e-300]]], np.zeros((1, 2, 2)), multioutput="raw_values")
    np.testing.assert_array_equal(raw, [1e300, 2e-300])
    assert mae([[[big, big]]], [[[0.0, 0.0]]]) == big  # the features' mean
    # Naive errors 1e308 three times: a scale of 1e308, not an overflowed sum.
    assert mase([[big, big]], [[0.0, 0.0]], [[0.0, big, 0.0, big]]) == 1.0


@pytest.mark.parametrize(
    ("train", "message"),
    [
        ([[1.0, np.nan, 3.0, 4.0]], r"train_data\[0\] has a NaN or infinite value at time step 1"),
        ([[np.nan, 2.0, 3.0, 4.0]], r"train_data\[0\] has a NaN or infinite value at time step 0"),
        ([[1.0, 2.0, 3.0], [1.0, np.inf, 3.0]], r"train_data\[1\] has a NaN or infinite value"),
        ([[np.nan] * 4, [1.0, 3.0, 2.0, 5.0]], r"train_data\[0\] is empty or all NaN"),
        ([[[1.0, 2.0], [2.0, np.nan], [3.0, 4.0]]], r"train_data\[0\] has a NaN .* time step 1"),
    ],
)
def test_nan_inside_a_training_series_is_refused(train, message):
    d = np.shape(train)[-1] if np.ndim(train) == 3 else 1
    with pytest.raises(ValueError, match=message):
        mase(np.ones((1, 2, d)), np.zeros((1, 2, d)), train)


def test_training_padding_bounds_the_season():
    # Real lengths 3 and 4: the longest training series allows seasons 1 to 3.
    train = [[1.0, 3.0, 2.0, np.nan, np.nan], [0.0, 4.0, 1.0, 5.0, np.nan]]
    # Season 3: the only pair is |5 - 0| = 5; MAE 1/2.
    assert mase(Y_TRUE, Y_PRED, train, seasonal_period=3) == pytest.approx(0.5 / 5)
    with pytest.raises(ValueError, match=r"longest series of train_data - 1 \(3\), got 4"):
        mase(Y_TRUE, Y_PRED, train, seasonal_period=4)
    with pytest.raises(ValueError, match="need at least 2 time steps for a naive forecast"):
        mase(Y_TRUE, Y_PRED, [[4.0]])


def test_a_constant_training_feature_is_named():
    train = np.array([[[0.0, 7.0], [1.0, 7.0], [3.0, 7.0]]])
    with pytest.raises(ValueError, match=r"exact \(constant seasons\) in feature\(s\) \[1\]"):
        mase(np.ones((1, 2, 2)), np.zeros((1, 2, 2)), train)


def test_object_arrays_of_numbers_are_read_as_numbers():
    as_objects = np.array(Y_TRUE, dtype=object)
    assert mae(as_objects, Y_PRED) == 0.5
    assert mse(Y_PRED, as_objects, ts_weights=np.array([2], dtype=object)) == 0.5
    # Training steps 1 3 2 5: naive errors 2 1 3, scale 2.
    assert mase(Y_TRUE, Y_PRED, np.array(TRAIN, dtype=object)) == 0.25
    with pytest.raises(TypeError, match=r"y_true must hold real numbers.* holding str"):
        mae(np.array([["1.5", 2.0]], dtype=object), Y_PRED)
    with pytest.raises(TypeError, match=r"train_data must hold real numbers.* holding None"):
        mase(Y_TRUE, Y_PRED, np.array([[1.0, None, 2.0]], dtype=object))
    with pytest.raises(TypeError, match="multioutput must hold real numbers"):
        mae(Y_TRUE, Y_PRED, multioutput=None)


def test_masked_entries_are_missing_values():
    masked = np.ma.array([[1.0, 2.0]], mask=[[False, True]])
    with pytest.raises(ValueError, match="y_true must hold finite values"):
        mae(masked, Y_PRED)
    # A masked last step of a training series is padding: the 99 under it is not read.
    train = np.ma.array([[1.0, 3.0, 2.0, 5.0, 99.0]], mask=[[0, 0, 0, 0, 1]])
    assert mase(Y_TRUE, Y_PRED, train) == 0.25


# --- weight 0 and training differences past the float range ----------------------------------


@pytest.mark.parametrize("metric", [mae, mse])
def test_errors_of_weight_zero_are_not_computed(metric):
    # 1.7e308 - -1.7e308 (and 1e200 squared) overflowed with a RuntimeWarning, although
    # the step (or series) had weight 0. By hand: the only weighted error is |2 - 0| = 2.
    squared = metric is mse
    got = metric([[1.7e308, 2.0]], [[-1.7e308, 0.0]], timestamps_weights=[0.0, 1.0])
    assert got == (4.0 if squared else 2.0)
    got = metric([[1e200], [2.0]], [[0.0], [0.0]], ts_weights=[0, 3])
    assert got == (4.0 if squared else 2.0)


def test_mase_skips_steps_of_weight_zero():
    # Errors 2 and |1.7e308 - -1.7e308|; the training scale is 2 (see TRAIN).
    got = mase([[2.0, 1.7e308]], [[0.0, -1.7e308]], TRAIN, timestamps_weights=[1.0, 0.0])
    assert got == 1.0


def test_mase_scale_past_the_float_range():
    # Naive errors |1.7e308 - -1.7e308| = 3.4e308 twice: the scale is 3.4e308, past float64's
    # range, and came out inf (after a RuntimeWarning), the MASE 0. By hand: the MAE is
    # (1e308 + 0) / 2, so the MASE is 0.5e308 / 3.4e308 = 0.5 / 3.4.
    train = [[1.7e308, -1.7e308, 1.7e308]]
    assert mase([[1e308, 0.0]], [[0.0, 0.0]], train) == pytest.approx(0.5 / 3.4, rel=1e-15)


def test_mase_is_unchanged_by_a_power_of_two_past_the_range(rng):
    # MASE is a ratio of errors in the data's units: scaling all by 2**1023 (exact) leaves
    # it unchanged, however near the end of the range the training differences get.
    truth, prediction = rng.random((3, 5, 2)), rng.random((3, 5, 2))  # errors below 1
    train = rng.standard_normal((2, 6, 2))
    # Largest magnitude 1.5 and both signs: differences up to 3 * 2**1023 once scaled.
    train *= 1.5 / np.abs(train).max(axis=(0, 1))
    want = mase(truth, prediction, train, multioutput="raw_values")
    scaled = [np.ldexp(a, 1023) for a in (truth, prediction, train)]
    got = mase(*scaled, multioutput="raw_values")
    np.testing.assert_allclose(got, want, rtol=1e-15)
