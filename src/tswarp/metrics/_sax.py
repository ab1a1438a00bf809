"""MINDIST between SAX words: a lower bound of the Euclidean distance of the original series.

Two symbols a <= b of one position and feature are ``beta[b - 1] - beta[a]`` apart when
b - a > 1 (``beta`` the breakpoints), 0 otherwise, and
``MINDIST = sqrt(size_fitted / sz * sum over positions and features of the squared gaps)``.
The squared gaps of every pair of symbols form a small (alphabet, alphabet) table; with each
word's symbols one-hot encoded, all the sums of a pairwise matrix are one matrix product.

The breakpoints are scaled by a power of two first (exactly), so that no squared gap
overflows; pairs whose sums are so small that squares may have underflowed are summed
again, one pair at a time, each scaled by its own largest gap.
"""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING

import numpy as np

from tswarp._threads import check_n_jobs
from tswarp.metrics._inputs import (
    dataset_backend,
    dataset_shape,
    from_objects,
    host_values,
    to_backend,
)

if TYPE_CHECKING:
    from tswarp._typing import Array, ArrayLike, Dataset

# Beyond this many elements (n * sz * d * alphabet) the one-hot encoding of the words takes
# too much memory: the sums are then taken position by position instead.
_ONE_HOT_LIMIT = 2**24

# Sums of squared gaps (of breakpoints scaled below 1) under this may have lost squares to
# underflow; above it, the squares lost (each below 2**-1022) change nothing that counts.
_TINY_SUM = 2.0**-900


def _breakpoints(breakpoints_avg):
    values = host_values(breakpoints_avg, "breakpoints_avg")
    if values.dtype.kind not in "biuf":
        raise TypeError(f"breakpoints_avg must hold real numbers, got dtype {values.dtype}")
    values = values.astype(np.float64)
    if values.ndim != 1:
        raise ValueError(f"breakpoints_avg must be 1-D, got shape {values.shape}")
    if not np.isfinite(values).all():
        raise ValueError("breakpoints_avg must hold finite numbers")
    # Unsorted breakpoints give gaps that are no distance: MINDIST would bound nothing.
    decreasing = np.flatnonzero(np.diff(values) < 0)
    if decreasing.size:
        i = int(decreasing[0])
        raise ValueError(
            "breakpoints_avg must be sorted in increasing order, got "
            f"breakpoints_avg[{i}] = {values[i]:g} > breakpoints_avg[{i + 1}] = {values[i + 1]:g}"
        )
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
        if values.dtype == object:  # numbers held as objects, as tslearn may store them
            values = from_objects(values, name)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} must hold SAX words of one length: {error}") from None
    if values.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold integer SAX symbols, got dtype {values.dtype}")
    if np.ma.is_masked(dataset):  # NumPy would read the values under the mask
        raise ValueError(f"{name} must hold integer SAX symbols, got masked values")
    values = dataset_shape(values, name)
    if values.shape[0] and values.shape[1] == 0:
        raise ValueError(f"{name} holds words of length 0: a SAX word needs one symbol or more")
    if values.dtype.kind == "f" and not (values == np.round(values)).all():
        raise ValueError(f"{name} must hold integer SAX symbols (no NaN, no fractions)")
    if values.size and (values.min() < 0 or values.max() >= alphabet):
        raise ValueError(
            f"{name} must hold symbols in 0 .. {alphabet - 1} (one more than the "
            f"{alphabet - 1} breakpoints), got values in {values.min():g} .. {values.max():g}"
        )
    return values.astype(np.intp)


def _gaps(first, second, breakpoints):
    """``beta[max - 1] - beta[min]`` of symbols (arrays, broadcast) more than one apart, else 0."""
    last = len(breakpoints) - 1
    low, high = np.minimum(first, second), np.maximum(first, second)
    if last < 0:  # one symbol: every pair is near
        return np.zeros(low.shape)
    # Near pairs read clipped indices; the cells they give are dropped. Unscaled breakpoints
    # may overflow there (inf), never in a far pair that is summed.
    with np.errstate(over="ignore"):
        gap = breakpoints[np.clip(high - 1, 0, last)] - breakpoints[np.clip(low, 0, last)]
    return np.where(high - low > 1, gap, 0.0)


def _one_hot(words, alphabet):
    """(n, positions * alphabet) indicator of each word's symbol at each position."""
    encoded = np.zeros((*words.shape, alphabet))
    np.put_along_axis(encoded, words[:, :, None], 1.0, axis=2)
    return encoded.reshape(len(words), words.shape[1] * alphabet)


def _squared_sums(first, second, breakpoints):
    """(n1, n2) sums over positions of the squared gaps of words (n1, L) and (n2, L)."""
    alphabet = len(breakpoints) + 1
    n1, n2, positions = len(first), len(second), first.shape[1]
    if max(n1, n2, alphabet) * positions * alphabet <= _ONE_HOT_LIMIT:
        # sum over positions of table[a, b] = (table rows of a) . (one-hot of b)
        symbols = np.arange(alphabet)
        table = _gaps(symbols[:, None], symbols[None, :], breakpoints) ** 2
        return table[first].reshape(n1, positions * alphabet) @ _one_hot(second, alphabet).T
    sums = np.zeros((n1, n2))
    for t in range(positions):
        sums += _gaps(first[:, t, None], second[None, :, t], breakpoints) ** 2
    return sums


def _exact_norms(first, second, breakpoints, factor):
    """sqrt(factor * sum of squared gaps) of the pairs of words first[k], second[k], each
    pair's gaps scaled by a power of two near their largest: no square under- or
    overflows that counts."""
    gaps = _gaps(first, second, breakpoints)
    largest = np.abs(gaps).max(axis=1)
    _, exponent = np.frexp(largest)
    scaled = np.ldexp(gaps, -exponent[:, None])
    norms = np.sqrt((scaled * scaled).sum(axis=1)) * factor
    with np.errstate(over="ignore", under="ignore"):
        return np.ldexp(norms, exponent)


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
        A tensor (on the device of the input tensors) when the words are tensors. Right
        for breakpoints of any magnitude: inf only where a value is past the float64 range.

    Raises
    ------
    ValueError
        If a symbol is not an integer in 0 .. len(breakpoints_avg) (NaN and masked values
        are not), words are empty or differ in length or features, the breakpoints are not
        1-D, finite and sorted, or size_fitted is < 1 or so large that size_fitted / sz is
        past the float64 range.
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
    word_length = max(1, first.shape[1], second.shape[1])  # 0 in empty datasets only
    try:
        factor = math.sqrt(size / word_length)
    except OverflowError:
        raise ValueError(
            f"size_fitted={size} is too large: size_fitted / sz must be a float64 number"
        ) from None
    if not (len(first) and len(second)):  # an empty dataset: its length is no word's
        return to_backend(be, np.zeros((len(first), len(second))), dataset1, dataset2)
    a, b = first.reshape(len(first), -1), second.reshape(len(second), -1)
    # Breakpoints below 1 in magnitude (times 2**-e, exactly): gaps below 2, squares below 4.
    _, e = math.frexp(float(np.abs(breakpoints).max(initial=0.0)))
    scaled = np.ldexp(breakpoints, -e)
    norms = np.sqrt(_squared_sums(a, b, scaled)) * factor
    with np.errstate(over="ignore", under="ignore"):  # inf only past the float64 range
        matrix = np.ldexp(norms, e)
    # Gaps far smaller than the largest breakpoint may have squares that underflowed: the
    # pairs that can have lost some (their sums are tiny) are summed again, exactly.
    positive = np.diff(scaled)
    if positive[positive > 0].min(initial=np.inf) ** 2 < _TINY_SUM:
        rows, cols = np.nonzero(norms < math.sqrt(_TINY_SUM) * factor)
        for chunk in range(0, len(rows), 4096):
            r, c = rows[chunk : chunk + 4096], cols[chunk : chunk + 4096]
            matrix[r, c] = _exact_norms(a[r], b[c], breakpoints, factor)
    if dataset2 is None:  # one triangle, mirrored: the sums' rounding is not symmetric
        matrix = np.triu(matrix, 1)
        matrix += matrix.T
    return to_backend(be, matrix, dataset1, dataset2)
