"""Forecast errors: tswarp.metrics.performance (mae, mse, mase)."""

import warnings

import numpy as np
import pytest
from conftest import HAS_TORCH

from tswarp.metrics import performance
from tswarp.metrics.performance import mae, mase, mse


def test_hand_computed():
    y_true = [[1.0, 2.0, 3.0], [2.0, 2.0, 2.0]]
    y_pred = [[1.0, 2.0, 4.0], [2.0, 2.0, 0.0]]
    assert mae(y_true, y_pred) == pytest.approx(3 / 6)  # |errors| 0 0 1 0 0 2
    assert mse(y_true, y_pred) == pytest.approx(5 / 6)  # squares 0 0 1 0 0 4
    # Series weights 3:1: per step (3 * e1 + e2) / 4, then the mean of the steps.
    assert mae(y_true, y_pred, ts_weights=[3, 1]) == pytest.approx((0 + 0 + (3 + 2) / 4) / 3)
    # Step weights 0, 0, 1: only the last step counts.
    assert mse(y_true, y_pred, timestamps_weights=[0, 0, 1]) == pytest.approx((1 + 4) / 2)
    # Training steps 1 3 2 5: naive errors 2 1 3, mean 2; MAE 1/3.
    assert mase([[1, 2, 3]], [[1, 2, 4]], [[1, 3, 2, 5]]) == pytest.approx(1 / 6)
    # Season 2: errors |2 - 1|, |5 - 3|, mean 1.5.
    assert mase([[1, 2, 3]], [[1, 2, 4]], [[1, 3, 2, 5]], seasonal_period=2) == pytest.approx(
        (1 / 3) / 1.5
    )


def test_features_and_multioutput():
    y_true = np.array([[[1.0, 0.0], [2.0, 0.0]]])
    y_pred = np.array([[[2.0, 0.0], [4.0, 1.0]]])
    np.testing.assert_allclose(mae(y_true, y_pred, multioutput="raw_values"), [1.5, 0.5])
    np.testing.assert_allclose(mse(y_true, y_pred, multioutput="raw_values"), [2.5, 0.5])
    assert mae(y_true, y_pred) == pytest.approx(1.0)
    assert mae(y_true, y_pred, multioutput=[1, 3]) == pytest.approx((1.5 + 1.5) / 4)
    train = np.array([[[0.0, 0.0], [1.0, 2.0], [3.0, 2.0]]])  # naive errors: (1, 2), (2, 0)
    np.testing.assert_allclose(
        mase(y_true, y_pred, train, multioutput="raw_values"), [1.5 / 1.5, 0.5 / 1.0]
    )


def test_mase_ignores_nan_padding_of_training_series():
    train = [[1.0, 3.0, 2.0, 5.0], [0.0, 4.0, np.nan, np.nan]]  # errors 2 1 3 and 4
    assert mase([[1, 2, 3]], [[1, 2, 4]], train) == pytest.approx((1 / 3) / 2.5)


def test_result_types():
    assert isinstance(mae([1, 2], [2, 2]), np.float64)
    assert mse([[1, 2]], [[2, 2]], multioutput="raw_values").shape == (1,)
    assert hasattr(performance, "mae") and performance.__all__ == ["mae", "mase", "mse"]


def test_inputs_are_not_modified():
    y_true, y_pred = np.arange(6.0).reshape(2, 3), np.ones((2, 3))
    before = y_true.copy(), y_pred.copy()
    mae(y_true, y_pred, ts_weights=np.array([1.0, 2.0]))
    np.testing.assert_array_equal(y_true, before[0])
    np.testing.assert_array_equal(y_pred, before[1])


@pytest.mark.parametrize("d", [1, 3])
def test_same_as_tslearn(rng, d):
    pytest.importorskip("sklearn")
    tslearn_performance = pytest.importorskip("tslearn.metrics.performance")
    y_true, y_pred = rng.normal(size=(5, 7, d)), rng.normal(size=(5, 7, d))
    train = rng.normal(size=(4, 9, d))
    train[1, 6:] = np.nan
    options = [
        {},
        {"multioutput": "raw_values"},
        {"ts_weights": rng.uniform(size=5), "timestamps_weights": rng.uniform(size=7)},
        {"multioutput": rng.uniform(size=d)},
    ]
    for kw in options:
        for name in ("mae", "mse"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                expected = getattr(tslearn_performance, name)(y_true, y_pred, **kw)
            got = getattr(performance, name)(y_true, y_pred, **kw)
            np.testing.assert_allclose(got, expected, rtol=1e-10)
        for season in (1, 3):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                expected = tslearn_performance.mase(y_true, y_pred, train, season, **kw)
            np.testing.assert_allclose(
                mase(y_true, y_pred, train, season, **kw), expected, rtol=1e-10
            )


def test_errors():
    with pytest.raises(ValueError, match="same shape"):
        mae([[1, 2]], [[1, 2, 3]])
    with pytest.raises(ValueError, match="y_true must hold finite values"):
        mse([[1, np.nan]], [[1, 2]])
    with pytest.raises(TypeError, match="y_pred must hold real numbers"):
        mae([[1, 2]], [["a", "b"]])
    with pytest.raises(ValueError, match=r"ts_weights must have shape \(2,\)"):
        mae([[1], [2]], [[1], [1]], ts_weights=[1, 2, 3])
    with pytest.raises(ValueError, match="timestamps_weights must be finite, non-negative"):
        mae([[1, 2]], [[1, 1]], timestamps_weights=[-1, 2])
    with pytest.raises(ValueError, match="not all zero"):
        mae([[1, 2]], [[1, 1]], ts_weights=[0])
    with pytest.raises(ValueError, match="multioutput must be"):
        mae([[1, 2]], [[1, 1]], multioutput="mean")
    with pytest.raises(ValueError, match=r"multioutput must have shape \(1,\)"):
        mae([[1, 2]], [[1, 1]], multioutput=[1, 1])
    with pytest.raises(ValueError, match="seasonal_period must be between 1"):
        mase([[1, 2]], [[1, 1]], [[1, 2, 3]], seasonal_period=3)
    with pytest.raises(TypeError, match="seasonal_period must be an integer"):
        mase([[1, 2]], [[1, 1]], [[1, 2, 3]], seasonal_period=1.0)
    with pytest.raises(ValueError, match="naive forecast of train_data is exact"):
        mase([[1, 2]], [[1, 1]], [[4, 4, 4]])
    with pytest.raises(ValueError, match="d=1 features"):
        mase([[1, 2]], [[1, 1]], np.zeros((1, 3, 2)))


@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="torch missing")
def test_tensors_give_tensors(rng):
    import torch

    y_true, y_pred = rng.normal(size=(3, 4, 2)), rng.normal(size=(3, 4, 2))
    got = mae(torch.tensor(y_true), torch.tensor(y_pred), multioutput="raw_values")
    assert isinstance(got, torch.Tensor)
    np.testing.assert_allclose(got.numpy(), mae(y_true, y_pred, multioutput="raw_values"))
    assert float(mse(torch.tensor(y_true), torch.tensor(y_pred))) == pytest.approx(
        mse(y_true, y_pred)
    )
