"""Shape-based distance and normalised cross-correlation: sbd, cdist_sbd, k-Shape's blocks."""

import numpy as np
import pytest
from conftest import HAS_TORCH

from tswarp.metrics import cdist_normalized_cc, cdist_sbd, sbd, y_shifted_sbd_vec


def correlations_naive(x, y):
    """{shift: sum_t <x[t + shift], y[t]>} over the shifts where x and y overlap."""
    x, y = np.asarray(x, float).reshape(len(x), -1), np.asarray(y, float).reshape(len(y), -1)
    out = {}
    for shift in range(-(len(y) - 1), len(x)):
        total = 0.0
        for t in range(len(y)):
            if 0 <= t + shift < len(x):
                total += float(np.dot(x[t + shift], y[t]))
        out[shift] = total
    return out


def ncc_naive(x, y, norm_x=None, norm_y=None):
    norm_x = np.linalg.norm(x) if norm_x is None else norm_x
    norm_y = np.linalg.norm(y) if norm_y is None else norm_y
    denominator = norm_x * norm_y
    cc = correlations_naive(x, y)
    if denominator < 1e-9:
        return dict.fromkeys(cc, 0.0)
    return {shift: value / denominator for shift, value in cc.items()}


def sbd_naive(x, y):
    return 1.0 - max(ncc_naive(x, y).values())


def shifted_naive(ref, x):
    """x moved by the first best shift in the order -(sz - 1), ..., sz - 1."""
    ncc = ncc_naive(ref, x)
    best = max(ncc.values())
    shift = next(s for s in sorted(ncc) if ncc[s] == best)
    out = np.zeros_like(x)
    for t in range(len(x)):
        if 0 <= t - shift < len(x):
            out[t] = x[t - shift]
    return out


# --- values ------------------------------------------------------------------------------------


def test_known_values():
    assert sbd([1, 2, 3], [3, 2, 1]) == pytest.approx(1 / 7, abs=1e-15)  # shift 0: 10/14, 1: 12/14
    assert abs(sbd([0, 1, 2, 1, 0], [1, 2, 1, 0, 0])) < 1e-15
    assert sbd([1, 0], [0, -1]) == pytest.approx(1.0, abs=1e-15)  # every correlation <= 0
    assert sbd([1, 1], [-1, -1]) == pytest.approx(1.5, abs=1e-15)  # best: a one-step overlap
    assert sbd([0, 0, 0], [1, 2, 3]) == 1.0  # no norm: correlations count as 0


def test_returns_python_float():
    assert type(sbd([1.0, 2.0], [2.0, 1.0])) is float


@pytest.mark.parametrize("d", [1, 3])
@pytest.mark.parametrize(("n", "m"), [(2, 1), (1, 6), (7, 7), (9, 4), (16, 17)])
def test_sbd_matches_shift_loop(rng, n, m, d):
    for _ in range(3):
        x, y = rng.normal(size=(n, d)), rng.normal(size=(m, d))
        assert sbd(x, y) == pytest.approx(sbd_naive(x, y), rel=1e-12, abs=1e-13)


def test_cdist_sbd_is_sbd_of_each_pair(rng):
    X = [rng.normal(size=(sz, 2)) for sz in (5, 9, 1, 7, 9)]
    Y = [rng.normal(size=(sz, 2)) for sz in (3, 9, 12)]
    expected = np.array([[sbd_naive(x, y) for y in Y] for x in X])
    np.testing.assert_allclose(cdist_sbd(X, Y), expected, rtol=1e-12, atol=1e-13)
    itself = np.array([[sbd_naive(x, y) for y in X] for x in X])
    np.fill_diagonal(itself, 0.0)
    np.testing.assert_allclose(cdist_sbd(X), itself, rtol=1e-12, atol=1e-13)


def test_cdist_sbd_equal_lengths_and_nan_padding(rng):
    X = rng.normal(size=(6, 11, 3))
    expected = np.array([[sbd_naive(x, y) for y in X] for x in X])
    np.fill_diagonal(expected, 0.0)
    full = cdist_sbd(X)
    np.testing.assert_allclose(full, expected, rtol=1e-12, atol=1e-13)
    assert (full == full.T).all() and (np.diag(full) == 0).all()
    padded = np.concatenate([X, np.full((6, 4, 3), np.nan)], axis=1)
    padded[2, 8:] = np.nan
    short = [X[i] if i != 2 else X[2, :8] for i in range(6)]
    np.testing.assert_allclose(cdist_sbd(padded), cdist_sbd(short), rtol=1e-13, atol=1e-14)


def test_cdist_sbd_diagonal_of_a_zero_series():
    np.testing.assert_array_equal(cdist_sbd([[0.0, 0.0], [1.0, 2.0]]), [[1.0, 1.0], [1.0, 0.0]])


def test_cdist_sbd_spans_several_blocks(rng, monkeypatch):
    from tswarp.metrics import _sbd

    X = rng.normal(size=(9, 6))
    whole = cdist_sbd(X, X[:4])
    monkeypatch.setattr(_sbd, "_BLOCK_VALUES", 1)  # one row per block
    np.testing.assert_allclose(cdist_sbd(X, X[:4]), whole, rtol=1e-14, atol=1e-15)
    expected = np.array([[sbd_naive(x, y) for y in X] for x in X])
    np.fill_diagonal(expected, 0.0)
    np.testing.assert_allclose(cdist_sbd(X), expected, rtol=1e-12, atol=1e-13)


def test_cdist_normalized_cc_matches_shift_loop(rng):
    X, Y = rng.normal(size=(4, 8, 2)), rng.normal(size=(3, 8, 2))
    expected = np.array([[max(ncc_naive(x, y).values()) for y in Y] for x in X])
    got = cdist_normalized_cc(X, Y, -np.ones(4), -np.ones(3), False)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-13)
    # Given norms divide the correlations as they are.
    norms1, norms2 = np.arange(1.0, 5.0), np.array([2.0, 0.5, 3.0])
    expected = np.array(
        [
            [max(ncc_naive(x, y, a, b).values()) for y, b in zip(Y, norms2, strict=True)]
            for x, a in zip(X, norms1, strict=True)
        ]
    )
    got = cdist_normalized_cc(X, Y, norms1, norms2, False)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-13)


def test_one_negative_norm_recomputes_them_all_and_norms_are_untouched(rng):
    X = rng.normal(size=(3, 6, 1))
    norms = np.array([5.0, -1.0, 7.0])
    before = norms.copy()
    got = cdist_normalized_cc(X, X, norms, norms, False)
    np.testing.assert_array_equal(norms, before)
    np.testing.assert_allclose(got, cdist_normalized_cc(X, X, -np.ones(3), -np.ones(3), False))


def test_self_similarity_mirrors_the_lower_triangle(rng):
    X = rng.normal(size=(5, 7, 2))
    full = cdist_normalized_cc(X, X, -np.ones(5), -np.ones(5), False)
    mirrored = np.tril(full, -1) + np.tril(full, -1).T
    got = cdist_normalized_cc(X, X, -np.ones(5), -np.ones(5), True)
    np.testing.assert_allclose(got, mirrored, rtol=1e-14)
    assert (got == got.T).all() and (np.diag(got) == 0).all()
    # Another dataset and given norms: the pairs i > j of dataset1[i] with dataset2[j].
    Y, norms1, norms2 = rng.normal(size=(5, 6, 2)), np.arange(1.0, 6.0), np.arange(2.0, 7.0)
    lower = np.array(
        [
            [
                max(ncc_naive(X[i], Y[j], norms1[i], norms2[j]).values()) if i > j else 0.0
                for j in range(5)
            ]
            for i in range(5)
        ]
    )
    got = cdist_normalized_cc(X, Y, norms1, norms2, True)
    np.testing.assert_allclose(got, lower + lower.T, rtol=1e-12, atol=1e-13)


def test_y_shifted_sbd_vec_matches_shift_loop(rng):
    ref = rng.normal(size=(9, 2))
    X = rng.normal(size=(5, 9, 2))
    X[1] = np.roll(ref, 3, axis=0)
    expected = np.array([shifted_naive(ref, x) for x in X])
    got = y_shifted_sbd_vec(ref, X, -1, -np.ones(5))
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got[1, :6], ref[:6])  # brought back in place
    np.testing.assert_array_equal(got[1, 6:], 0.0)
    assert got.dtype == np.float64 and got.shape == X.shape


def test_y_shifted_zero_norms_shift_to_the_first_index():
    got = y_shifted_sbd_vec([0.0, 0.0, 0.0], [[1.0, 2.0, 3.0]], -1, [-1])
    np.testing.assert_array_equal(got[0, :, 0], [3.0, 0.0, 0.0])


def test_inputs_are_not_modified(rng):
    X = rng.normal(size=(4, 6, 1))
    X[1, 4:] = np.nan
    before = X.copy()
    cdist_sbd(X)
    cdist_normalized_cc(X, X, -np.ones(4), -np.ones(4), True)
    np.testing.assert_array_equal(X, before)


# --- tslearn -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "sz", "d"), [(6, 16, 1), (5, 33, 3), (4, 2, 2)])
def test_same_as_tslearn(rng, n, sz, d):
    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    X, Y = rng.normal(size=(n, sz, d)), rng.normal(size=(n + 1, sz, d))
    norms1, norms2 = -np.ones(n), np.linalg.norm(Y, axis=(1, 2))
    expected = tslearn_metrics.cdist_normalized_cc(X, Y, norms1.copy(), norms2.copy(), False)
    got = cdist_normalized_cc(X, Y, norms1, norms2, False)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(cdist_sbd(X, Y), 1 - expected, rtol=1e-10, atol=1e-12)
    expected = tslearn_metrics.y_shifted_sbd_vec(X[0], Y, -1.0, -np.ones(n + 1))
    np.testing.assert_array_equal(y_shifted_sbd_vec(X[0], Y, -1, -np.ones(n + 1)), expected)


def test_one_step_series_use_their_one_shift():
    # tslearn's series of one step also count a shift that wraps around (a correlation of 0):
    # a negative correlation comes out as 0 there; here it is the only shift.
    assert cdist_normalized_cc([[[2.0]]], [[[-3.0]]], [-1], [-1], False)[0, 0] == -1.0


def test_self_similarity_tslearn_upper_triangle(rng):
    # tslearn's self-similarity matrix doubles its lower triangle (an in-place a += a.T on
    # an aliased view); its upper triangle and diagonal are the intended values.
    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    X = rng.normal(size=(5, 12, 2))
    expected = tslearn_metrics.cdist_normalized_cc(X, X, -np.ones(5), -np.ones(5), True)
    got = cdist_normalized_cc(X, X, -np.ones(5), -np.ones(5), True)
    np.testing.assert_allclose(np.triu(got), np.triu(expected), rtol=1e-10, atol=1e-12)


# --- errors ------------------------------------------------------------------------------------


def test_errors(rng):
    X = rng.normal(size=(3, 5, 2))
    with pytest.raises(ValueError, match="same number of features"):
        sbd(X[0], X[0, :, :1])
    with pytest.raises(ValueError, match="NaN or infinite"):
        sbd([1.0, np.nan, 2.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="empty"):
        cdist_sbd([[np.nan, np.nan]])
    with pytest.raises(TypeError, match="real numbers"):
        sbd(["a", "b"], [1, 2])
    with pytest.raises(ValueError, match="norms1 must be a 1-D array of 3 norms"):
        cdist_normalized_cc(X, X, -np.ones(2), -np.ones(3), False)
    with pytest.raises(ValueError, match="norms2 must not hold NaN"):
        cdist_normalized_cc(X, X, -np.ones(3), np.full(3, np.nan), False)
    with pytest.raises(TypeError, match="self_similarity must be True or False"):
        cdist_normalized_cc(X, X, -np.ones(3), -np.ones(3), "yes")
    with pytest.raises(ValueError, match="as many series"):
        cdist_normalized_cc(X, X[:2], -np.ones(3), -np.ones(2), True)
    with pytest.raises(ValueError, match="length of ref_ts"):
        y_shifted_sbd_vec(X[0, :4], X, -1, -np.ones(3))
    with pytest.raises(TypeError, match="norm_ref must be a real number"):
        y_shifted_sbd_vec(X[0], X, "auto", -np.ones(3))


# --- torch -------------------------------------------------------------------------------------


@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="torch missing")
def test_torch_values_match_numpy(rng):
    import torch

    X = [rng.normal(size=(sz, 2)) for sz in (5, 9, 7)]
    Y = rng.normal(size=(4, 8, 2))
    tensors = [torch.tensor(x) for x in X]
    got = cdist_sbd(tensors, torch.tensor(Y))
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float64
    np.testing.assert_allclose(got.numpy(), cdist_sbd(X, Y), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(cdist_sbd(tensors).numpy(), cdist_sbd(X), rtol=1e-12, atol=1e-13)
    value = sbd(torch.tensor(X[0], dtype=torch.float32), torch.tensor(Y[0], dtype=torch.float32))
    assert value.dtype == torch.float32 and value.ndim == 0
    assert float(value) == pytest.approx(sbd(X[0], Y[0]), abs=1e-5)
    ncc = cdist_normalized_cc(
        torch.tensor(Y), torch.tensor(Y), -torch.ones(4), -torch.ones(4), True
    )
    np.testing.assert_allclose(
        ncc.numpy(), cdist_normalized_cc(Y, Y, -np.ones(4), -np.ones(4), True), rtol=1e-12
    )
    shifted = y_shifted_sbd_vec(torch.tensor(Y[0]), torch.tensor(Y), -1, -np.ones(4))
    np.testing.assert_array_equal(shifted.numpy(), y_shifted_sbd_vec(Y[0], Y, -1, -np.ones(4)))


@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="torch missing")
def test_torch_gradients(rng):
    import torch

    x = torch.tensor(rng.normal(size=(7, 2)), requires_grad=True)
    y = torch.tensor(rng.normal(size=(5, 2)), requires_grad=True)
    assert torch.autograd.gradcheck(sbd, (x, y))
    X = torch.tensor(rng.normal(size=(3, 6, 1)), requires_grad=True)
    Y = torch.tensor(rng.normal(size=(2, 4, 1)), requires_grad=True)
    assert torch.autograd.gradcheck(cdist_sbd, (X, Y))
    assert torch.autograd.gradcheck(cdist_sbd, (X,))


@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="torch missing")
def test_torch_gradient_of_a_zero_series_is_finite():
    import torch

    x = torch.zeros(4, 1, dtype=torch.float64, requires_grad=True)
    y = torch.tensor([[1.0], [2.0], [0.5]], dtype=torch.float64, requires_grad=True)
    value = sbd(x, y)
    assert float(value.detach()) == 1.0
    value.backward()
    assert torch.isfinite(x.grad).all() and torch.isfinite(y.grad).all()


@pytest.mark.parametrize("n, m, d", [(6, 6, 1), (5, 8, 2), (1, 1, 1), (4, 1, 3)])
def test_normalized_cc_matches_shift_loop(rng, n, m, d):
    from tswarp.metrics.cycc import normalized_cc

    x, y = rng.normal(size=(n, d)), rng.normal(size=(m, d))
    for norms in [(), (2.0, 0.5)]:
        expected = ncc_naive(x, y, *norms)
        np.testing.assert_allclose(
            normalized_cc(x, y, *norms), [expected[s] for s in sorted(expected)], atol=1e-12
        )


def test_normalized_cc_of_tiny_norms_and_bad_norms():
    from tswarp.metrics.cycc import normalized_cc

    np.testing.assert_array_equal(normalized_cc(np.zeros((3, 1)), np.ones((3, 1))), np.zeros(5))
    with pytest.raises(TypeError, match="norm1 must be a real number"):
        normalized_cc([1.0, 2.0], [1.0, 2.0], norm1="big")
    with pytest.raises(ValueError, match="s2"):
        normalized_cc([1.0, 2.0], [1.0, np.nan, 2.0])


def test_normalized_cc_agrees_with_tslearn(rng):
    cycc = pytest.importorskip("tslearn.metrics.cycc")
    from tswarp.metrics.cycc import normalized_cc

    x, y = rng.normal(size=(9, 2)), rng.normal(size=(9, 2))
    for norms in [(), (3.0, 4.0)]:
        np.testing.assert_allclose(
            normalized_cc(x, y, *norms), cycc.normalized_cc(x, y, *norms), atol=1e-12
        )
