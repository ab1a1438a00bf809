"""What the metrics say of empty datasets, object arrays and a gamma too large."""

import re
import warnings

import numpy as np
import pytest
from conftest import HAS_TORCH
from oracles import dtw_naive

from tswarp.metrics import (
    cdist_ctw,
    cdist_dtw,
    cdist_frechet,
    cdist_gak,
    cdist_lcss,
    cdist_sbd,
    cdist_soft_dtw,
    cdist_soft_dtw_normalized,
    dtw,
    gamma_soft_dtw,
    sigma_gak,
    soft_dtw_normalized,
)

CDISTS = [
    cdist_ctw,
    cdist_dtw,
    cdist_frechet,
    cdist_gak,
    cdist_lcss,
    cdist_sbd,
    cdist_soft_dtw,
    cdist_soft_dtw_normalized,
]
GOOD = np.arange(10.0).reshape(2, 5, 1)
RAGGED = np.array([np.arange(3.0), np.arange(5.0)], dtype=object)  # as tslearn stores them


def tslearn_metrics():
    pytest.importorskip("sklearn")
    return pytest.importorskip("tslearn.metrics")


@pytest.mark.parametrize("cdist", CDISTS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("empty", [[], (), np.array([])], ids=["list", "tuple", "array"])
def test_a_dataset_without_values_is_named_empty(cdist, empty):
    with pytest.raises(ValueError, match=r"^dataset1 is empty: it holds no time series$"):
        cdist(empty)
    with pytest.raises(ValueError, match=r"^dataset2 is empty: it holds no time series$"):
        cdist(GOOD, empty)


@pytest.mark.parametrize("cdist", CDISTS, ids=lambda f: f.__name__)
def test_a_series_without_steps_is_named_by_its_index(cdist):
    for empty in [[[]], np.empty((2, 0, 1))]:
        with pytest.raises(ValueError, match=r"^dataset1\[0\] is empty or all NaN"):
            cdist(empty)
        with pytest.raises(ValueError, match=r"^dataset2\[0\] is empty or all NaN"):
            cdist(GOOD, empty)


@pytest.mark.parametrize("cdist", CDISTS, ids=lambda f: f.__name__)
def test_well_formed_empty_datasets_give_empty_matrices(cdist):
    # As tslearn's cdist_dtw(np.empty((0, 5, 1))): a (0, 0) matrix.
    for empty in [np.empty((0, 5)), np.empty((0, 5, 1))]:
        assert cdist(empty).shape == (0, 0)
        assert cdist(empty, GOOD).shape == (0, 2)
        assert cdist(GOOD, empty).shape == (2, 0)
    assert tslearn_metrics().cdist_dtw(np.empty((0, 5, 1))).shape == (0, 0)


@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="torch missing")
@pytest.mark.parametrize("compute_with_backend", [None, True])
def test_an_empty_tensor_is_an_empty_dataset(compute_with_backend):
    import torch

    # None runs the compiled kernels on a host copy, True the torch engine.
    with pytest.raises(ValueError, match=r"^dataset1 is empty: it holds no time series$"):
        cdist_soft_dtw(torch.zeros(0), compute_with_backend=compute_with_backend)


def test_object_arrays_of_series_are_read_as_tslearn_reads_them():
    # DTW of 0 1 2 and 0 1 2 3 4: the last step 2 matches 3 and 4, sqrt(1 + 4).
    expected = [[0.0, np.sqrt(5.0)], [np.sqrt(5.0), 0.0]]
    np.testing.assert_allclose(cdist_dtw(RAGGED), expected, rtol=1e-15)
    np.testing.assert_allclose(cdist_dtw(RAGGED), tslearn_metrics().cdist_dtw(RAGGED))
    np.testing.assert_allclose(cdist_dtw(GOOD, RAGGED[::-1]), cdist_dtw(GOOD, list(RAGGED[::-1])))
    np.testing.assert_allclose(
        cdist_soft_dtw(RAGGED, gamma=0.5), tslearn_metrics().cdist_soft_dtw(RAGGED, gamma=0.5)
    )
    # Series of one length, stored as objects: a 2-D object array of numbers.
    square = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 2.0]], dtype=object)
    np.testing.assert_array_equal(cdist_dtw(square), [[0.0, 1.0], [1.0, 0.0]])


@pytest.mark.parametrize("cdist", CDISTS, ids=lambda f: f.__name__)
def test_every_cdist_reads_object_arrays_as_lists(cdist):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GAK's sigma or CTW's defaults may warn, alike
        expected = cdist(list(RAGGED))
        np.testing.assert_array_equal(cdist(RAGGED), expected)


def test_object_series_are_read_as_numbers():
    series = np.array([1.0, 2.0, 3.0], dtype=object)
    assert dtw(series, [1, 2]) == pytest.approx(dtw_naive([1.0, 2.0, 3.0], [1.0, 2.0]))
    assert dtw(series, [1, 2]) == 1.0  # 3 matched with 2
    assert dtw(np.array([[1, 2], [True, 0]], dtype=object), [[1.0, 2.0], [1.0, 0.0]]) == 0.0


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: dtw(np.array(["1.5", 2.0], dtype=object), [1.0]),
            TypeError,
            r"s1 must hold real numbers \(float or int\), got an object array holding str",
        ),
        (
            lambda: dtw([1.0], np.array([None, 2.0], dtype=object)),
            TypeError,
            r"s2 must hold real numbers \(float or int\), got an object array holding None",
        ),
        (
            lambda: cdist_dtw(np.array([[None, 1.0], [2.0, 3.0]], dtype=object)),
            TypeError,
            r"dataset1 must hold real numbers.* holding None",
        ),
        (
            lambda: cdist_dtw(GOOD, np.array([np.arange(3.0), None], dtype=object)),
            TypeError,
            r"dataset2\[1\] must hold real numbers.* holding None",
        ),
        (
            lambda: cdist_dtw(np.array([np.arange(3.0), "abc"], dtype=object)),
            TypeError,
            r"dataset1\[1\] must hold real numbers",
        ),
    ],
)
def test_object_arrays_of_other_things_are_refused(call, error, message):
    with pytest.raises(error, match=message):
        call()


def largest_usable(message):
    return float(re.search(r"gamma <= (\S+)$", message).group(1))


def test_the_divergence_gamma_message_names_the_lengths_given():
    x, y = np.zeros(3), np.ones(100)
    with pytest.raises(ValueError, match=r"too large for series of lengths 3 and 100") as error:
        soft_dtw_normalized(x, y, gamma=1e306)
    # The bound is still that of the self term of the longer series: lengths 100 and 100.
    limit = largest_usable(str(error.value))
    assert limit == pytest.approx(np.finfo(np.float64).max / (2 * np.log(3) * 200), rel=1e-12)
    assert np.isfinite(soft_dtw_normalized(x, y, gamma=limit))
    with pytest.raises(ValueError, match="too large"):
        soft_dtw_normalized(x, y, gamma=limit * (1 + 1e-15))
    message = r"too large for datasets with longest series of lengths 50 and 100"
    with pytest.raises(ValueError, match=message):
        cdist_soft_dtw_normalized([np.zeros(3), np.zeros(50)], [y], gamma=1e306)


BANDWIDTH_HEURISTICS = [sigma_gak, gamma_soft_dtw]
TOO_FEW_STEPS = [
    (np.zeros((0, 5, 1)), "it is empty"),
    (np.zeros((1, 1, 1)), "it holds a single time step"),
    ([[2.0, np.nan]], "it holds a single time step"),  # the rest is padding
]


@pytest.mark.parametrize("function", BANDWIDTH_HEURISTICS)
@pytest.mark.parametrize(("dataset", "found"), TOO_FEW_STEPS)
def test_bandwidth_heuristics_need_two_steps_to_draw_pairs_from(function, dataset, found):
    message = rf"dataset must hold at least 2 time steps in all.*; {found}"
    with pytest.raises(ValueError, match=message):
        function(dataset, random_state=0)
    if HAS_TORCH:
        import torch

        with pytest.raises(ValueError, match=message):
            function(torch.tensor(np.asarray(dataset, dtype=float)), random_state=0)
    # Two steps in all are enough: both are drawn, 3 apart (gamma = 2 sigma**2).
    expected = {sigma_gak: 3.0, gamma_soft_dtw: 18.0}[function]
    assert function([[0.0], [3.0]], n_samples=2, random_state=0) == expected
