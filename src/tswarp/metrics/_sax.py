"""MINDIST between SAX words: a lower bound of the Euclidean distance of the original series.

Two symbols a <= b of one position and feature are ``(beta[b - 1] - beta[a]) ** 2`` apart
when b - a > 1 (``beta`` the breakpoints), 0 otherwise, and
``MINDIST = sqrt(size_fitted / sz * sum over positions and features)``. The squared cells
of every pair of symbols form a small (alphabet, alphabet) table; with each word's symbols
one-hot encoded, all the sums of a pairwise matrix are one matrix product.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING

import numpy as np

from tswarp._threads import check_n_jobs
from tswarp.metrics._inputs import dataset_backend, dataset_shape, host_values, to_backend

if TYPE_CHECKING:
    from tswarp._typing import Array, ArrayLike, Dataset


def _breakpoints(breakpoints_avg):
    values = host_values(breakpoints_avg, "breakpoints_avg")
    if values.dtype.kind not in "biuf":
        raise TypeError(f"breakpoints_avg must hold real numbers, got dtype {values.dtype}")
    values = values.astype(np.float64)
    if values.ndim != 1:
        raise ValueError(f"breakpoints_avg must be 1-D, got shape {values.shape}")
    if not np.isfinite(values).all():
        raise ValueError("breakpoints_avg must hold finite numbers")
    return values


def _size_fitted(size_fitted):
    if isinstance(size_fitted, bool) or not isinstance(size_fitted, numbers.Integral):
        raise TypeError(f"size_fitted must be an integer, got {size_fitted!r}")
    if size_fitted < 1:
        raise ValueError(f"size_fitted must be >= 1, got {size_fitted}")
    return int(size_fitted)


def _words(dataset, name, alphabet):
    """SAX words as an (n, sz, d) intp array of symbols in 0 .. alphabet - 1."""
    try:
        values = host_values(dataset, name)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} must hold SAX words of one length: {error}") from None
    if values.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold integer SAX symbols, got dtype {values.dtype}")
    values = dataset_shape(values, name)
    if values.dtype.kind == "f" and not (values == np.round(values)).all():
        raise ValueError(f"{name} must hold integer SAX symbols (no NaN, no fractions)")
    if values.size and (values.min() < 0 or values.max() >= alphabet):
        raise ValueError(
            f"{name} must hold symbols in 0 .. {alphabet - 1} (one more than the "
            f"{alphabet - 1} breakpoints), got values in {values.min():g} .. {values.max():g}"
        )
    return values.astype(np.intp)


def symbol_distances(breakpoints):
    """(alphabet, alphabet) squared MINDIST cell of every pair of symbols."""
    symbols = np.arange(len(breakpoints) + 1)
    low = np.minimum(symbols[:, None], symbols[None, :])
    high = np.maximum(symbols[:, None], symbols[None, :])
    far = high - low > 1
    if not far.any():  # two symbols at most: every pair is near
        return np.zeros(far.shape)
    # Near pairs read clipped indices; their cells are 0 whatever they read.
    last = len(breakpoints) - 1
    gap = breakpoints[np.clip(high - 1, 0, last)] - breakpoints[np.clip(low, 0, last)]
    return np.where(far, gap * gap, 0.0)


def _one_hot(words, alphabet):
    """(n, sz * d * alphabet) indicator of each word's symbol at each position."""
    n = words.shape[0]
    flat = words.reshape(n, -1)
    encoded = np.zeros((n, flat.shape[1], alphabet))
    np.put_along_axis(encoded, flat[:, :, None], 1.0, axis=2)
    return encoded.reshape(n, -1)


def cdist_sax(
    dataset1: Dataset,
    breakpoints_avg: ArrayLike,
    size_fitted: int,
    dataset2: Dataset | None = None,
    n_jobs: int | None = None,
    verbose: int = 0,
) -> Array:
    r"""MINDIST between the SAX words of every pair of series.

    .. math::

        \mathrm{MINDIST}(a, b) = \sqrt{\frac{n}{w} \sum_{t, k} \mathrm{cell}(a_{t,k}, b_{t,k})^2},
        \quad \mathrm{cell}(r, c) = \begin{cases} 0 & |r - c| \le 1 \\
        \beta_{\max(r,c) - 1} - \beta_{\min(r,c)} & \text{otherwise} \end{cases}

    with ``w`` the word length, ``n = size_fitted`` and ``beta`` the breakpoints (Lin et al.,
    2007). It lower-bounds the Euclidean distance of the z-normalised series.

    Parameters
    ----------
    dataset1 : array-like of shape (n1, sz, d), (n1, sz) or (sz,)
        SAX words: integer symbols from 0 to ``len(breakpoints_avg)``, all of one length.
    breakpoints_avg : array-like of shape (alphabet_size - 1,)
        The breakpoints that assigned the symbols.
    size_fitted : int
        The length of the series before SAX.
    dataset2 : same kinds as dataset1, optional
        Other words of the same length; without it, the symmetric matrix of ``dataset1``
        against itself (diagonal 0).
    n_jobs : int or None, default None
        Accepted for tslearn's signature: the matrix is one product of small arrays.
    verbose : int, default 0
        Accepted for tslearn's signature; nothing is printed.

    Returns
    -------
    numpy.ndarray of shape (n1, n2), float64
        A tensor (on the device of the input tensors) when the words are tensors.

    Raises
    ------
    ValueError
        If a symbol is not an integer in 0 .. len(breakpoints_avg), words differ in length
        or features, the breakpoints are not 1-D and finite, or size_fitted < 1.
    TypeError
        If the words or breakpoints do not hold numbers, or size_fitted is not an integer.

    Examples
    --------
    >>> cdist_sax([[0, 1, 3], [2, 2, 0]], [-0.5, 0.0, 0.5], 12)
    array([[0.        , 2.23606798],
           [2.23606798, 0.        ]])
    """
    check_n_jobs(n_jobs)
    be = dataset_backend(None, dataset1, dataset2)
    breakpoints = _breakpoints(breakpoints_avg)
    alphabet = len(breakpoints) + 1
    size = _size_fitted(size_fitted)
    first = _words(dataset1, "dataset1", alphabet)
    second = first if dataset2 is None else _words(dataset2, "dataset2", alphabet)
    if first.shape[1:] != second.shape[1:] and first.shape[0] and second.shape[0]:
        raise ValueError(
            "dataset1 and dataset2 must hold words of one length and number of features, got "
            f"(sz, d) = {first.shape[1:]} and {second.shape[1:]}"
        )
    squared = symbol_distances(breakpoints)
    # sum over positions of squared[a, b] = (table rows of a) . (one-hot of b)
    rows = squared[first].reshape(first.shape[0], -1)
    sums = rows @ _one_hot(second, alphabet).T
    matrix = np.sqrt(np.maximum(sums, 0.0) * (size / max(1, first.shape[1])))
    if dataset2 is None:  # one triangle, mirrored: the sums' rounding is not symmetric
        matrix = np.triu(matrix, 1)
        matrix += matrix.T
    return to_backend(be, matrix, dataset1, dataset2)
