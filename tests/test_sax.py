"""MINDIST between SAX words: cdist_sax."""

import math
import warnings

import numpy as np
import pytest
from conftest import HAS_TORCH

from tswarp.metrics import cdist_sax

BREAKPOINTS = np.array([-0.84, -0.25, 0.25, 0.84])  # an alphabet of 5 symbols


def mindist_naive(a, b, breakpoints, size_fitted):
    """The formula of Lin et al., position by position."""
    a = np.asarray(a).reshape(len(a), -1)
    b = np.asarray(b).reshape(len(b), -1)
    total = 0.0
    for t in range(a.shape[0]):
        for k in range(a.shape[1]):
            r, c = int(a[t, k]), int(b[t, k])
            if abs(r - c) > 1:
                total += (breakpoints[max(r, c) - 1] - breakpoints[min(r, c)]) ** 2
    return math.sqrt(size_fitted / a.shape[0] * total)


def test_known_values():
    # Symbols 0 and 3 are two apart: beta[2] - beta[0] = 0.5 + 0.5 (breakpoints -.5, 0, .5).
    got = cdist_sax([[0, 1, 3], [2, 2, 0]], [-0.5, 0.0, 0.5], 12)
    # (0, 2): beta[1] - beta[0] = 0.5; (3, 0): beta[2] - beta[0] = 1; 12 / 3 * 1.25 = 5.
    np.testing.assert_allclose(got, [[0.0, math.sqrt(5.0)], [math.sqrt(5.0), 0.0]], rtol=1e-15)
    assert cdist_sax([[0, 1, 2]], [-1.0, 1.0], 3, [[1, 2, 1]])[0, 0] == 0.0  # neighbours


@pytest.mark.parametrize("d", [1, 2])
def test_matches_formula(rng, d):
    A = rng.integers(0, 5, size=(6, 8, d))
    B = rng.integers(0, 5, size=(4, 8, d))
    expected = np.array([[mindist_naive(a, b, BREAKPOINTS, 64) for b in B] for a in A])
    np.testing.assert_allclose(cdist_sax(A, BREAKPOINTS, 64, B), expected, rtol=1e-13)
    itself = np.array([[mindist_naive(a, b, BREAKPOINTS, 64) for b in A] for a in A])
    got = cdist_sax(A, BREAKPOINTS, 64)
    np.testing.assert_allclose(got, itself, rtol=1e-13)
    assert (got == got.T).all() and (np.diag(got) == 0).all()


def test_shapes_and_float_symbols():
    one = cdist_sax([0, 4, 2], BREAKPOINTS, 3)
    assert one.shape == (1, 1) and one.dtype == np.float64
    np.testing.assert_array_equal(
        cdist_sax(np.array([[0.0, 4.0]]), BREAKPOINTS, 2, [[4, 0]]),
        cdist_sax([[0, 4]], BREAKPOINTS, 2, [[4, 0]]),
    )
    assert cdist_sax([[0, 0]], [], 4).tolist() == [[0.0]]  # an alphabet of one symbol


def test_inputs_are_not_modified(rng):
    words = rng.integers(0, 5, size=(3, 4))
    before, breakpoints = words.copy(), BREAKPOINTS.copy()
    cdist_sax(words, breakpoints, 8)
    np.testing.assert_array_equal(words, before)
    np.testing.assert_array_equal(breakpoints, BREAKPOINTS)


def quiet(function, *args):
    """tslearn's result, with the warnings that its own dataset conversion raises ignored."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args)


def test_same_as_tslearn(rng):
    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    for d in (1, 3):
        A = rng.integers(0, 5, size=(7, 10, d))
        B = rng.integers(0, 5, size=(5, 10, d))
        expected = quiet(tslearn_metrics.cdist_sax, A, BREAKPOINTS, 40, B)
        np.testing.assert_allclose(cdist_sax(A, BREAKPOINTS, 40, B), expected, rtol=1e-10)
        expected = quiet(tslearn_metrics.cdist_sax, A, BREAKPOINTS, 40)
        np.testing.assert_allclose(cdist_sax(A, BREAKPOINTS, 40), expected, rtol=1e-10)


def test_same_as_tslearn_sax_transform(rng):
    pytest.importorskip("sklearn")
    tslearn_sax = pytest.importorskip("tslearn.piecewise")
    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    X = rng.normal(size=(6, 32, 1))
    sax = tslearn_sax.SymbolicAggregateApproximation(n_segments=8, alphabet_size_avg=6)
    words = quiet(sax.fit_transform, X)
    expected = quiet(tslearn_metrics.cdist_sax, words, sax.breakpoints_avg_, 32)
    np.testing.assert_allclose(cdist_sax(words, sax.breakpoints_avg_, 32), expected, rtol=1e-10)


def test_errors():
    with pytest.raises(ValueError, match=r"symbols in 0 \.\. 4"):
        cdist_sax([[0, 5]], BREAKPOINTS, 4)
    with pytest.raises(ValueError, match=r"symbols in 0 \.\. 4"):
        cdist_sax([[0, 1]], BREAKPOINTS, 4, [[-1, 0]])
    with pytest.raises(ValueError, match="integer SAX symbols"):
        cdist_sax([[0, 1.5]], BREAKPOINTS, 4)
    with pytest.raises(ValueError, match="integer SAX symbols"):
        cdist_sax([[0, np.nan]], BREAKPOINTS, 4)
    with pytest.raises(TypeError, match="integer SAX symbols"):
        cdist_sax([["a", "b"]], BREAKPOINTS, 4)
    with pytest.raises(ValueError, match="one length"):
        cdist_sax([[0, 1]], BREAKPOINTS, 4, [[0, 1, 2]])
    with pytest.raises(ValueError, match="one length"):
        cdist_sax([[0, 1], [0, 1, 2]], BREAKPOINTS, 4)
    with pytest.raises(ValueError, match="breakpoints_avg must be 1-D"):
        cdist_sax([[0, 1]], [[0.0]], 4)
    with pytest.raises(ValueError, match="breakpoints_avg must hold finite"):
        cdist_sax([[0, 1]], [0.0, np.nan], 4)
    with pytest.raises(TypeError, match="size_fitted must be an integer"):
        cdist_sax([[0, 1]], BREAKPOINTS, 4.0)
    with pytest.raises(ValueError, match="size_fitted must be >= 1"):
        cdist_sax([[0, 1]], BREAKPOINTS, 0)
    with pytest.raises(ValueError, match="n_jobs"):
        cdist_sax([[0, 1]], BREAKPOINTS, 4, n_jobs=0)


@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="torch missing")
def test_tensors_give_a_tensor(rng):
    import torch

    words = rng.integers(0, 5, size=(3, 6))
    got = cdist_sax(torch.tensor(words), torch.tensor(BREAKPOINTS), 12)
    assert isinstance(got, torch.Tensor)
    np.testing.assert_array_equal(got.numpy(), cdist_sax(words, BREAKPOINTS, 12))
