"""How the metrics read what users pass: layouts, masked arrays, masks, memory of many pairs."""

import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from oracles import dtw_naive

from tswarp.metrics import (
    cdist_dtw,
    cdist_soft_dtw,
    dtw,
    dtw_accumulated_matrix,
    dtw_path,
    soft_dtw,
)

CHANNELS_FIRST = "read as series of length 1"


# Channels-first data: (n, d, sz) read as (n, sz, d) gives series of one time step.


def test_channels_first_dataset_warns_with_the_fix(rng):
    X = rng.normal(size=(4, 1, 50))  # aeon / sktime layout: one channel, 50 time steps
    with pytest.warns(UserWarning, match=CHANNELS_FIRST) as caught:
        cdist_dtw(X)
    assert "pass dataset1.transpose(0, 2, 1) instead" in str(caught[0].message)
    assert caught[0].filename == __file__  # the user's line, not tswarp's internals
    with pytest.warns(UserWarning, match=CHANNELS_FIRST):
        cdist_soft_dtw(X[:2], X)
    # The fix the warning gives computes DTW over the 50 steps, silently.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        D = cdist_dtw(X.transpose(0, 2, 1))
    assert D[0, 1] == pytest.approx(dtw_naive(X[0, 0], X[1, 0]))


def test_channels_first_pair_warns(rng):
    x, y = rng.normal(size=(1, 30)), rng.normal(size=(1, 30))
    with pytest.warns(UserWarning, match=r"s1 and s2 of shape \(1, 30\).*s1\.T and s2\.T"):
        dtw(x, y)
    with pytest.warns(UserWarning, match=CHANNELS_FIRST):
        soft_dtw(x, y)


@pytest.mark.parametrize(
    ("first", "second"),
    [((1, 3), (5, 3)), ((5, 3), (1, 3)), ((1, 1), (1, 1)), ((4, 2), (4, 2))],
)
def test_real_series_do_not_warn(rng, first, second):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dtw(rng.normal(size=first), rng.normal(size=second))
        cdist_dtw(rng.normal(size=(3, *first)), rng.normal(size=(2, *second)))
        cdist_dtw(rng.normal(size=(3, 1)))  # (n, sz) with sz = 1: univariate, one step


@pytest.mark.torch
def test_channels_first_tensors_warn_too(rng):
    torch = pytest.importorskip("torch")
    X = torch.from_numpy(rng.normal(size=(3, 1, 20)))
    with pytest.warns(UserWarning, match=CHANNELS_FIRST):
        cdist_dtw(X)
    with pytest.warns(UserWarning, match=CHANNELS_FIRST):
        dtw(X[0], X[1])


# Masked arrays: masked steps are missing values, never the data under the mask.


def test_trailing_masked_steps_are_padding(rng):
    x, y = rng.normal(size=6), rng.normal(size=4)
    garbage = np.concatenate([x[:4], [1e300, -7.0]])
    masked = np.ma.masked_array(garbage, mask=[0, 0, 0, 0, 1, 1])
    assert dtw(masked, y) == pytest.approx(dtw_naive(x[:4], y))
    path, _ = dtw_path(masked, y)
    assert path[-1] == (3, 3)


def test_masked_value_inside_a_series_is_an_error():
    masked = np.ma.masked_array([1.0, 2.0, 3.0], mask=[0, 1, 0])
    with pytest.raises(ValueError, match="s1 has a NaN or infinite value at time step 1"):
        dtw(masked, [1.0, 2.0])
    rows = np.ma.masked_array([[1.0, 2.0], [3.0, 4.0]], mask=[[0, 0], [1, 0]])
    with pytest.raises(ValueError, match="s2 has a NaN or infinite value at time step 1"):
        dtw([[1.0, 2.0]], rows)  # a step with one masked feature is not padding


def test_masked_datasets(rng):
    X = rng.normal(size=(3, 5))
    masked = np.ma.masked_array(X.copy(), mask=np.zeros_like(X, dtype=bool))
    masked[1, 3:] = np.ma.masked
    masked.data[1, 3:] = 1e300  # what lies under the mask must not count
    want = cdist_dtw([X[0], X[1, :3], X[2]])
    np.testing.assert_allclose(cdist_dtw(masked), want, rtol=1e-12)
    # A list of masked series, which NumPy would stack without their masks.
    listed = [masked[0], masked[1], masked[2]]
    np.testing.assert_allclose(cdist_dtw(listed), want, rtol=1e-12)
    # Integers, and a masked array whose mask is empty.
    ints = np.ma.masked_array([1, 2, 3, 99], mask=[0, 0, 0, 1])
    assert dtw(ints, [1, 2, 3]) == 0.0
    assert dtw(np.ma.masked_array([1.0, 2.0]), [1.0, 2.0]) == 0.0


# Accumulated cost matrix under a user mask.


@pytest.mark.parametrize(
    "mask",
    [
        np.zeros((3, 4), dtype=bool),  # all False
        np.triu(np.ones((3, 4), dtype=bool), k=1),  # (0, 0) excluded
        np.array([[1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 1, 1]], dtype=bool),  # a blocked row
    ],
)
def test_mask_without_a_path_is_an_error(mask):
    with pytest.raises(ValueError, match="mask admits no warping path"):
        dtw_accumulated_matrix([1.0, 2.0, 3.0], [1.0, 2.0, 3.0, 4.0], mask=mask)


def test_mask_with_one_narrow_path_works():
    mask = np.array([[1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], dtype=bool)
    R = dtw_accumulated_matrix([1.0, 2.0, 3.0], [1.0, 2.0, 3.0, 4.0], mask=mask)
    # The one admitted path: (0,0) (0,1) (1,2) (2,3), costs 0 + 1 + 1 + 1.
    assert R[-1, -1] == 3.0 and np.isinf(R[1, 0])


# Many very short series: the blocks of pairs must not outweigh the result.


def test_cdist_of_many_short_series_stays_near_the_result_in_memory():
    code = textwrap.dedent(
        """
        import resource
        import numpy as np
        from tswarp.metrics import cdist_dtw

        X = np.random.default_rng(0).standard_normal((6000, 2))
        cdist_dtw(X[:10])  # everything imported and warmed up
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        D = cdist_dtw(X, dtype=np.float32, n_jobs=2)
        extra = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
        print(extra / D.nbytes)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    # Peak memory past the start: the result itself plus at most as much again.
    assert float(result.stdout) < 2.0
