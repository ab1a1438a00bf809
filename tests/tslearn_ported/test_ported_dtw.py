"""tslearn 0.10's test cases for DTW, its masks and its variants, run against tswarp.

Each test reproduces a test of tslearn's ``tests/test_metrics.py``: the same inputs, calls and
expected values, with the ``tslearn.`` prefix changed to ``tswarp.``. Where tswarp differs on
purpose, the case asserts tswarp's behaviour and says why (see ``docs/differences.md``).
tslearn is distributed under the BSD 2-Clause licence, Copyright (c) 2017, Romain Tavenard
(``TSLEARN_LICENSE.txt`` in this folder).
"""

import numpy as np
import pytest
from tslearn_ported._common import sqeuclidean_matrix

import tswarp.metrics
from tswarp.backend import cast, instantiate_backend


def test_dtw_accumulated_matrix(case):
    be, backend = case.be, case.backend
    s1 = cast([1, 2, 3], case.array_type)
    s2 = cast([1.0, 2.0, 2.0, 3.0], case.array_type)
    mask = tswarp.metrics.compute_mask(s1, s2, be=be)
    matrix = tswarp.metrics.dtw_accumulated_matrix(s1, s2, mask, be=be)
    expected = backend.array([[0.0, 1.0, 2.0, 6.0], [1.0, 0.0, 0.0, 1.0], [5.0, 1.0, 1.0, 0.0]])
    assert backend.belongs_to_backend(matrix)
    np.testing.assert_array_equal(matrix, expected)


def test_dtw(case):
    be, backend, array_type = case.be, case.backend, case.array_type
    path, dist = tswarp.metrics.dtw_path(
        cast([1, 2, 3], array_type), cast([1.0, 2.0, 2.0, 3.0], array_type), be=be
    )
    np.testing.assert_equal(path, [(0, 0), (1, 1), (1, 2), (2, 3)])
    np.testing.assert_allclose(dist, [0.0])
    if not backend.is_numpy:
        assert backend.belongs_to_backend(dist)

    path, dist = tswarp.metrics.dtw_path(
        cast([1, 2, 3], array_type), cast([1.0, 2.0, 2.0, 3.0, 4.0], array_type), be=be
    )
    np.testing.assert_allclose(dist, [1.0])
    if not backend.is_numpy:
        assert backend.belongs_to_backend(dist)

    with pytest.raises(ValueError):
        tswarp.metrics.dtw_path([], [], be=be)
    with pytest.raises(ValueError):
        tswarp.metrics.dtw_path([1], [[1, 2]], be=be)

    # tslearn draws these from the unseeded global generator; a seeded one keeps the case the
    # same from run to run.
    rng = np.random.RandomState(0)
    n1, n2, d = 15, 10, 3
    x = cast(rng.randn(n1, d), array_type)
    y = cast(rng.randn(n2, d), array_type)
    np.testing.assert_allclose(
        tswarp.metrics.dtw(x, y, be=be), tswarp.metrics.dtw_path(x, y, be=be)[1]
    )
    with pytest.raises(ValueError):
        tswarp.metrics.dtw(x, cast([np.nan] * 5, array_type), be=be)
    with pytest.raises(ValueError):
        tswarp.metrics.dtw(x, cast(rng.randn(n2, 2), array_type), be=be)
    with pytest.raises(ValueError):
        tswarp.metrics.dtw([], [], be=be)
    with pytest.raises(ValueError):
        tswarp.metrics.dtw([1], [[1, 2]], be=be)

    dists = tswarp.metrics.cdist_dtw(cast([[1, 2, 2, 3], [1.0, 2.0, 3.0, 4.0]], array_type), be=be)
    np.testing.assert_allclose(dists, cast([[0.0, 1.0], [1.0, 0.0]], array_type))
    assert backend.belongs_to_backend(dists)

    # The second dataset is a plain list: its rows differ in length, so it cannot be cast.
    dataset1 = cast([[1, 2, 2, 3], [1.0, 2.0, 3.0, 4.0]], array_type)
    dataset2 = [[1, 2, 3], [2, 3, 4, 5]]
    dists = tswarp.metrics.cdist_dtw(dataset1, dataset2, be=be)
    np.testing.assert_allclose(dists, [[0.0, 2.44949], [1.0, 1.414214]], atol=1e-5)
    assert backend.belongs_to_backend(dists)

    parallel_dists = tswarp.metrics.cdist_dtw(dataset1, dataset2, n_jobs=2, be=be)
    np.testing.assert_array_equal(dists, parallel_dists)
    assert backend.belongs_to_backend(parallel_dists)


def test_ctw(case):
    be, backend, array_type = case.be, case.backend, case.array_type
    path, _cca, dist = tswarp.metrics.ctw_path(
        cast([1, 2, 3], array_type), cast([1.0, 2.0, 2.0, 3.0], array_type), be=be
    )
    np.testing.assert_equal(path, [(0, 0), (1, 1), (1, 2), (2, 3)])
    np.testing.assert_allclose(dist, 0.0)
    if not backend.is_numpy:
        assert backend.belongs_to_backend(dist)

    path, _cca, dist = tswarp.metrics.ctw_path(
        cast([1, 2, 3], array_type), cast([1.0, 2.0, 2.0, 3.0, 4.0], array_type), be=be
    )
    np.testing.assert_allclose(dist, 1.0)
    if not backend.is_numpy:
        assert backend.belongs_to_backend(dist)

    rng = np.random.RandomState(0)
    x = cast(rng.randn(15, 3), array_type)
    y = cast(rng.randn(10, 1), array_type)
    np.testing.assert_allclose(tswarp.metrics.ctw(x, y, be=be), tswarp.metrics.ctw(y, x, be=be))
    np.testing.assert_allclose(
        tswarp.metrics.ctw(x, y, be=be), tswarp.metrics.ctw_path(x, y, be=be)[-1]
    )

    dists = tswarp.metrics.cdist_ctw(cast([[1, 2, 2, 3], [1.0, 2.0, 3.0, 4.0]], array_type), be=be)
    np.testing.assert_allclose(dists, [[0.0, 1.0], [1.0, 0.0]])
    assert backend.belongs_to_backend(dists)

    dists = tswarp.metrics.cdist_ctw(
        cast([[1, 2, 2, 3], [1.0, 2.0, 3.0, 4.0]], array_type),
        [[1, 2, 3], [2, 3, 4, 5]],
        be=be,
    )
    np.testing.assert_allclose(dists, [[0.0, 2.44949], [1.0, 1.414214]], atol=1e-5)
    assert backend.belongs_to_backend(dists)


def test_ldtw(case):
    be, array_type = case.be, case.array_type
    n1, n2, d = 15, 10, 3
    rng = np.random.RandomState(0)
    x = cast(rng.randn(n1, d), array_type)
    y = cast(rng.randn(n2, d), array_type)

    ldtw_n1_plus_2 = tswarp.metrics.dtw_limited_warping_length(x, y, n1 + 2, be=be)
    np.testing.assert_allclose(tswarp.metrics.dtw(x, y, be=be), ldtw_n1_plus_2)
    if case.backend.is_numpy:
        # A Python float, as from dtw; tslearn returns numpy.float64 (docs/differences.md).
        assert isinstance(ldtw_n1_plus_2, float)
    else:
        assert case.backend.belongs_to_backend(ldtw_n1_plus_2)

    # No path is that short: an error (tslearn passes be as the fourth positional argument).
    np.testing.assert_raises(
        ValueError, tswarp.metrics.dtw_limited_warping_length, x, y, max(n1, n2) - 1, be
    )

    # Shorter than the optimal DTW path: the limited distance is larger; as long or longer: equal.
    path, cost = tswarp.metrics.dtw_path(x, y, be=be)
    np.testing.assert_array_less(
        cost, tswarp.metrics.dtw_limited_warping_length(x, y, len(path) - 1, be=be)
    )
    np.testing.assert_allclose(cost, tswarp.metrics.dtw_limited_warping_length(x, y, len(path)))
    np.testing.assert_allclose(
        cost, tswarp.metrics.dtw_limited_warping_length(x, y, len(path) + 1, be=be)
    )
    path, cost = tswarp.metrics.dtw_path_limited_warping_length(x, y, n1 + 2, be=be)
    np.testing.assert_allclose(cost, ldtw_n1_plus_2)
    assert len(path) <= n1 + 2


def test_constrained_paths(case):
    be, array_type = case.be, case.array_type
    n, d = 10, 3
    rng = np.random.RandomState(0)
    x = cast(rng.randn(n, d), array_type)
    y = cast(rng.randn(n, d), array_type)
    dtw_sakoe = tswarp.metrics.dtw(
        x, y, global_constraint="sakoe_chiba", sakoe_chiba_radius=0, be=be
    )
    dtw_itak = tswarp.metrics.dtw(x, y, global_constraint="itakura", itakura_max_slope=1.0, be=be)
    backend = instantiate_backend(be, array_type)
    euc_dist = backend.linalg.norm(backend.array(x) - backend.array(y))
    np.testing.assert_allclose(dtw_sakoe, euc_dist, atol=1e-5)
    np.testing.assert_allclose(dtw_itak, euc_dist, atol=1e-5)
    assert backend.is_float(dtw_sakoe)
    assert backend.is_float(dtw_itak)

    # An Itakura slope that admits no path for these lengths. tslearn raises RuntimeWarning as
    # an exception; tswarp's error is a ValueError that is also a RuntimeWarning.
    z = cast(rng.randn(3 * n, d), array_type)
    for first, second in [(x, z), (z, x)]:
        np.testing.assert_raises(
            RuntimeWarning,
            tswarp.metrics.dtw,
            first,
            second,
            global_constraint="itakura",
            itakura_max_slope=2.0,
            be=be,
        )


def test_dtw_subseq(case):
    be, array_type = case.be, case.array_type
    path, dist = tswarp.metrics.dtw_subsequence_path(
        cast([2, 3], array_type), cast([1.0, 2.0, 2.0, 3.0, 4.0], array_type), be=be
    )
    np.testing.assert_allclose(path, [(0, 2), (1, 3)])
    np.testing.assert_allclose(dist, 0.0)
    assert case.backend.belongs_to_backend(dist)

    path, dist = tswarp.metrics.dtw_subsequence_path(
        cast([1, 4], array_type), cast([1.0, 2.0, 2.0, 3.0, 4.0], array_type), be=be
    )
    np.testing.assert_allclose(path, [(0, 2), (1, 3)])
    np.testing.assert_allclose(dist, np.sqrt(2.0))
    assert case.backend.belongs_to_backend(dist)


def _to_time_series(x):
    """tslearn's ``to_time_series`` as its test uses it: float64, shape (sz, 1), on the
    backend of the data (NumPy for a list)."""
    data_backend = instantiate_backend(x)
    return data_backend.reshape(data_backend.array(x, dtype=data_backend.float64), (-1, 1))


def test_dtw_subseq_path(case):
    be, backend, array_type = case.be, case.backend, case.array_type
    subseq = _to_time_series(cast([1, 4], array_type))
    longseq = _to_time_series(cast([1.0, 2.0, 2.0, 3.0, 4.0], array_type))
    cost_matrix = tswarp.metrics.subsequence_cost_matrix(subseq, longseq, be=be)
    assert backend.belongs_to_backend(cost_matrix)

    path = tswarp.metrics.subsequence_path(cost_matrix, 3, be=be)
    np.testing.assert_equal(path, [(0, 2), (1, 3)])
    assert isinstance(path, list)

    path = tswarp.metrics.subsequence_path(cost_matrix, 1, be=be)
    np.testing.assert_equal(path, [(0, 0), (1, 1)])
    assert isinstance(path, list)


SAKOE_4_4 = [
    [True, True, False, False],
    [True, True, True, False],
    [False, True, True, True],
    [False, False, True, True],
]
SAKOE_7_3 = [[True, True, False]] + [[True, True, True]] * 5 + [[False, True, True]]
ITAKURA_6_6 = [
    [True, False, False, False, False, False],
    [False, True, True, False, False, False],
    [False, True, True, True, False, False],
    [False, False, True, True, True, False],
    [False, False, False, True, True, False],
    [False, False, False, False, False, True],
]


def test_masks(case):
    be, array_type = case.be, case.array_type
    # The sizes are integers, so only be picks the backend.
    backend = instantiate_backend(be)
    for mask, expected in [
        (tswarp.metrics.sakoe_chiba_mask(4, 4, 1, be=be), SAKOE_4_4),
        (tswarp.metrics.sakoe_chiba_mask(7, 3, 1, be=be), SAKOE_7_3),
        (tswarp.metrics.itakura_mask(6, 6, be=be), ITAKURA_6_6),
    ]:
        np.testing.assert_allclose(mask, np.array(expected))
        assert backend.belongs_to_backend(mask)

    backend = instantiate_backend(be, array_type)
    sz = 10
    mask_no_constraint = tswarp.metrics.compute_mask(sz, sz, be=be)
    np.testing.assert_array_equal(mask_no_constraint, np.full((sz, sz), True))

    ts0 = cast(np.empty((sz, 1)), array_type)
    ts1 = cast(np.empty((sz, 1)), array_type)
    mask_no_constraint = tswarp.metrics.compute_mask(ts0, ts1, global_constraint=0, be=be)
    np.testing.assert_array_equal(mask_no_constraint, np.full((sz, sz), True))
    assert backend.belongs_to_backend(mask_no_constraint)

    mask_itakura = tswarp.metrics.compute_mask(ts0, ts1, global_constraint=1, be=be)
    mask_itakura_bis = tswarp.metrics.compute_mask(ts0, ts1, itakura_max_slope=2.0, be=be)
    np.testing.assert_allclose(mask_itakura, mask_itakura_bis)
    assert backend.belongs_to_backend(mask_itakura)

    mask_sakoe = tswarp.metrics.compute_mask(ts0, ts1, global_constraint=2, be=be)
    mask_sakoe_bis = tswarp.metrics.compute_mask(ts0, ts1, sakoe_chiba_radius=1, be=be)
    np.testing.assert_allclose(mask_sakoe, mask_sakoe_bis)
    assert backend.belongs_to_backend(mask_sakoe)

    # Both constraints given and none chosen: tslearn raises RuntimeWarning as an exception.
    np.testing.assert_raises(
        RuntimeWarning,
        tswarp.metrics.compute_mask,
        ts0,
        ts1,
        sakoe_chiba_radius=1,
        itakura_max_slope=2.0,
        be=be,
    )


def test_dtw_path_from_metric(case):
    be, backend, array_type = case.be, case.backend, case.array_type
    rng = np.random.RandomState(0)
    s1 = cast(rng.rand(10, 2), array_type)
    s2 = cast(rng.rand(30, 2), array_type)
    path_ref, dist_ref = tswarp.metrics.dtw_path(s1, s2, be=be)

    def sqeuclidean(x, y):
        return backend.sum((x - y) ** 2)

    dist_matrix = cast(sqeuclidean_matrix(s1, s2), array_type)
    for args, kwargs in [
        ((s1, s2), {"metric": "sqeuclidean"}),
        ((s1, s2), {"metric": sqeuclidean}),
        ((dist_matrix,), {"metric": "precomputed"}),
    ]:
        path, dist = tswarp.metrics.dtw_path_from_metric(*args, **kwargs, be=be)
        np.testing.assert_equal(path, path_ref)
        assert isinstance(path, list)
        np.testing.assert_allclose(backend.sqrt(dist), dist_ref)
        assert backend.belongs_to_backend(dist)


def test_dtw_path_with_empty_or_nan_inputs(case):
    be, array_type = case.be, case.array_type
    s1 = cast(np.zeros((3, 10)), array_type)
    # tslearn's message is "One of the input time series contains only nans or has zero
    # length."; tswarp's names the argument at fault, so the case checks that instead.
    for s2 in [cast(np.zeros((0, 10)), array_type), cast(np.full((3, 10), np.nan), array_type)]:
        with pytest.raises(ValueError, match=r"^s2 is empty or all NaN"):
            tswarp.metrics.dtw_path(s1, s2, be=be)
