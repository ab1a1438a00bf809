"""Shape-based distance (k-Shape's SBD) and normalised cross-correlation, by FFT.

The cross-correlation of x (length n) and y (length m) at shift s is
``cc[s] = sum_t <x[t + s], y[t]>`` for -(m - 1) <= s <= n - 1; the normalised
cross-correlation divides it by ``||x|| ||y||`` (0 when that product is below 1e-9), and
``SBD(x, y) = 1 - max_s NCC[s]``. All the shifts of a pair come from one real FFT of
length >= n + m - 1: index s of the inverse transform is shift s, index N - s shift -s.

Datasets are transformed once and paired block of rows by block of rows, with NumPy's FFT
or, for tensors, torch.fft on their device (differentiable).

Series whose values are huge (squares past the float range) or tiny (squares below it) are
first scaled by powers of two, each series by its own: the correlations of a pair are then
those of the given series times one power of two, and so are the products of norms. The
normalised correlations do not change, and the 1e-9 rule is applied to the products of the
given series' norms, with the scaling undone. Tensors are scaled by constants (the
exponents come from detached values), so gradients flow as without scaling.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from tswarp.backend._base import _is_torch_tensor
from tswarp.metrics import _inputs
from tswarp.metrics._inputs import dataset_backend, to_backend, torch_inputs

if TYPE_CHECKING:
    from tswarp._typing import Array, ArrayLike, Dataset
    from tswarp.backend import Backend

# Products of two norms below this count as zero: their correlations are 0 (tslearn's rule).
_SMALL_NORMS = 1e-9
# Float64 values of the (rows, n2, fft length) correlations computed at once, at most.
_BLOCK_VALUES = 1 << 22
# Float64 series whose largest |value| lies within [2**-401, 2**400) (or is 0) are used as
# they are: their squares, norms, correlations and products of norms all stay normal floats.
# Tensors of a narrower dtype get the same share of their exponent range (float32: 50).
_SAFE_EXPONENT = 400


def _xp(array):
    """The array library of ``array``: NumPy, or torch for a tensor."""
    if _is_torch_tensor(array):
        import torch

        return torch
    return np


def fft_length(n, m):
    """The smallest power of two >= n + m - 1 (and >= 2): every shift, none wrapping round."""
    return max(2, 1 << (n + m - 2).bit_length())


def _to_dataset(data, name, like):
    """(n, sz, d) floating array or tensor with 0 in its padding, and the series' lengths.

    NumPy data is float64; tensors keep their floating dtype and device.
    """
    if like == "pytorch":
        return torch_inputs().to_dataset(data, name)  # padding is 0 already
    arr, lengths = _inputs.to_dataset(data, name)
    arr = arr.astype(np.float64, copy=False)
    if arr.shape[0] and (lengths < arr.shape[1]).any():
        arr = np.where(np.isnan(arr), 0.0, arr)
    return arr, lengths


def _datasets(be, dataset1, dataset2, names=("dataset1", "dataset2")):
    """Validated datasets of one backend: ((X, x_lengths), (Y, y_lengths)) on one device."""
    kind = "pytorch" if be.is_pytorch else "numpy"
    first = _to_dataset(dataset1, names[0], kind)
    if dataset2 is None:
        return first, first
    second = _to_dataset(dataset2, names[1], kind)
    X, Y = first[0], second[0]
    if X.shape[0] and Y.shape[0]:
        _inputs.check_same_features(X.shape[2], Y.shape[2], names)
    if kind == "pytorch":
        X, Y = torch_inputs().same_place(X, Y, names)
    return (X, first[1]), (Y, second[1])


def series_norms(X):
    """The Euclidean norm of each series of an (n, sz, d) dataset (its padding is 0)."""
    if _is_torch_tensor(X):
        import torch

        return torch.linalg.vector_norm(X, dim=(1, 2))  # its gradient at 0 is 0, not NaN
    return np.sqrt((X * X).sum(axis=(1, 2)))


def _safe_exponent(X):
    """e such that series of X whose largest |value| is in [2**(-e - 1), 2**e) need no
    scaling: 400 for float64 (NumPy data is float64), less for narrower tensors."""
    if not _is_torch_tensor(X):
        return _SAFE_EXPONENT
    import torch

    return _SAFE_EXPONENT * math.frexp(torch.finfo(X.dtype).max)[1] // 1024


def _largest_values(X):
    """The largest |value| of each series of a dataset (padding is 0), float64 on the host."""
    if _is_torch_tensor(X):
        return X.detach().abs().amax(dim=(1, 2)).double().cpu().numpy()
    return np.abs(X).max(axis=(1, 2))


def times_power_of_two(values, exponents):
    """values * 2**exponents (integers broadcast against values), inf or 0 past the range.

    A tensor, whose exponents stay within +-1100 here, is multiplied in float64 by two
    constants that are each a float: exact, but for results that are subnormal.
    """
    if not _is_torch_tensor(values):
        with np.errstate(over="ignore", under="ignore"):
            return np.ldexp(values, exponents)
    import torch

    half = exponents // 2
    wide = values.to(torch.float64)
    for part in (half, exponents - half):
        wide = wide * torch.from_numpy(np.ldexp(1.0, part)).to(values.device)
    return wide.to(values.dtype)


def scaled(data):
    """((X * 2**-e, lengths), e) with e per series putting its largest |value| in [0.5, 1),
    for a dataset holding a series out of the safe range; else (data, None).

    The scaling is exact, and SBD ignores a positive factor on each series.
    """
    X, lengths = data
    if not X.shape[0] or not X.shape[1]:
        return data, None
    largest, safe = _largest_values(X), _safe_exponent(X)
    if 2.0 ** (-safe - 1) <= largest.min() and largest.max() < 2.0**safe:
        return data, None  # the common case, decided fast
    exponents = np.frexp(largest)[1]
    if (np.abs(exponents) <= safe).all():  # series of zeros among them
        return data, None
    return (times_power_of_two(X, -exponents[:, None, None]), lengths), exponents


def scaled_with_norms(data):
    """(data, exponents, norms): ``scaled(data)`` and the norms of its series. The norms are
    computed first: when they show every series within the safe range (the common case),
    nothing else is read."""
    X = data[0]
    with np.errstate(over="ignore"):  # huge series: their norms are computed again, scaled
        norms = series_norms(X)
    if X.shape[0] and X.shape[1]:
        safe = _safe_exponent(X)
        values = norms.detach() if _is_torch_tensor(norms) else norms
        # |values| <= norm <= sqrt(steps * features) * largest |value|.
        low = 2.0 ** (-safe - 1) * math.sqrt(X.shape[1] * X.shape[2])
        if low <= float(values.min()) and float(values.max()) < 2.0**safe:
            return data, None, norms
    data, exponents = scaled(data)
    return data, exponents, norms if exponents is None else series_norms(data[0])


def pair_exponents(exponents1, exponents2):
    """(n1, n2) sums of the exponents of two scaled datasets (None: not scaled), or None
    when neither was."""
    if exponents1 is None and exponents2 is None:
        return None
    zero = np.zeros(1, dtype=int)
    first = zero if exponents1 is None else exponents1
    second = zero if exponents2 is None else exponents2
    return first[:, None] + second[None, :]


def counts_as_zero(products, exponents=None):
    """Where products of two norms are below 1e-9, once multiplied by 2**exponents (the
    scaling of their series undone): past the float range they become inf or 0, which
    compare with 1e-9 as the exact products do."""
    if exponents is None:
        return products < _SMALL_NORMS
    if not _is_torch_tensor(products):
        return times_power_of_two(products, exponents) < _SMALL_NORMS
    # On the host in float64: a narrower dtype has no room for the undone scaling.
    import torch

    exact = times_power_of_two(products.detach().double().cpu().numpy(), exponents)
    return torch.from_numpy(exact < _SMALL_NORMS).to(products.device)


def _spectra(X, size):
    """(n, d, size // 2 + 1) real FFT of each feature of each series, zero-padded to ``size``
    (features first: each one's spectra are contiguous)."""
    xp = _xp(X)
    spectra = xp.moveaxis(xp.fft.rfft(X, size, 1), 2, 1)
    return spectra.contiguous() if _is_torch_tensor(spectra) else np.ascontiguousarray(spectra)


def _correlations(FX, FY_conj, size):
    """(len(FX), len(FY), size) cross-correlations of every pair: index s is shift s.

    ``FY_conj`` holds the conjugate spectra of the second series. The features' products
    are summed before the one inverse transform of each pair.
    """
    cross = FX[:, None, 0] * FY_conj[None, :, 0]
    for k in range(1, FX.shape[1]):
        cross = cross + FX[:, None, k] * FY_conj[None, :, k]
    return _xp(FX).fft.irfft(cross, size, -1)


def _valid_shifts(x_lengths, y_lengths, size, like):
    """(n1, n2, size) bool: True at the shifts where the series of a pair overlap."""
    steps = np.arange(size)
    valid = (steps < x_lengths[:, None, None]) | (steps >= size + 1 - y_lengths[None, :, None])
    if _is_torch_tensor(like):
        import torch

        return torch.from_numpy(valid).to(like.device)
    return valid


def _largest(cc, x_lengths, y_lengths, size):
    """The largest correlation of each pair over its overlapping shifts: (n1, n2)."""
    xp = _xp(cc)
    n, m = int(x_lengths.max()), int(y_lengths.max())
    if (x_lengths == n).all() and (y_lengths == m).all():
        best = xp.amax(cc[..., :n], -1)
        if m > 1:
            best = xp.maximum(best, xp.amax(cc[..., size - m + 1 :], -1))
        return best
    valid = _valid_shifts(x_lengths, y_lengths, size, cc)
    return xp.amax(xp.where(valid, cc, -math.inf), -1)


def _normalised(values, norms1, norms2, exponents=None):
    """values / (norms1[:, None] norms2[None]), 0 where that product is below 1e-9 (times
    2**exponents: see ``counts_as_zero``)."""
    xp = _xp(values)
    # Given norms may multiply past the range: inf divides to 0, and 0 counts as zero.
    with np.errstate(over="ignore", under="ignore"):
        denominator = norms1[:, None] * norms2[None, :]
    small = counts_as_zero(denominator, exponents)
    # 1 where the product is small keeps the gradient of the other branch finite.
    safe = xp.where(small, xp.ones_like(denominator), denominator)
    return xp.where(small, xp.zeros_like(values), values / safe)


def _row_blocks(n1, n2, size):
    """(start, stop) of the blocks of rows of a matrix, each within the memory budget."""
    rows = max(1, _BLOCK_VALUES // max(1, n2 * size))
    return [(start, min(start + rows, n1)) for start in range(0, n1, rows)]


def max_normalised_cc(first, second, norms1, norms2, upper=False, exponents=(None, None)):
    """(n1, n2) largest normalised cross-correlations of two validated datasets.

    ``first``, ``second``: (X, lengths) with zero padding; ``norms1``, ``norms2``: the norms
    to divide by; ``exponents``: those of ``scaled`` for each dataset. With ``upper``, only
    the blocks of rows that hold the pairs j >= i are computed; what lies below the
    diagonal is not meant to be read.
    """
    (X, x_lengths), (Y, y_lengths) = first, second
    xp = _xp(X)
    n1, n2 = X.shape[0], Y.shape[0]
    if n1 == 0 or n2 == 0:
        return xp.zeros((n1, n2), dtype=X.dtype) if xp is np else X.new_zeros((n1, n2))
    size = fft_length(X.shape[1], Y.shape[1])
    FX = _spectra(X, size)
    FY_conj = (FX if second is first else _spectra(Y, size)).conj()
    blocks = []
    for start, stop in _row_blocks(n1, n2, size):
        cols = min(start, n2) if upper else 0
        cc = _correlations(FX[start:stop], FY_conj[cols:], size)
        best = _largest(cc, x_lengths[start:stop], y_lengths[cols:], size)
        blocks.append((start, stop, cols, best))
    return _normalised(_assemble(blocks, n1, n2, X), norms1, norms2, pair_exponents(*exponents))


def _assemble(blocks, n1, n2, like):
    """The (n1, n2) matrix of the blocks (rows start:stop, columns cols:), 0 elsewhere."""
    if not _is_torch_tensor(like):
        matrix = np.zeros((n1, n2))
        for start, stop, cols, best in blocks:
            matrix[start:stop, cols:] = best
        return matrix
    import torch

    rows = [
        torch.cat([best.new_zeros((stop - start, cols)), best], 1)
        for start, stop, cols, best in blocks
    ]
    return torch.cat(rows, 0)


def mirrored(matrix):
    """The symmetric matrix of the strict upper triangle of ``matrix``, diagonal 0."""
    upper = _xp(matrix).triu(matrix, 1)
    return upper + upper.T


# --- public functions --------------------------------------------------------------------------


def sbd(s1: ArrayLike, s2: ArrayLike, be: Backend | str | None = None) -> float | Array:
    r"""Shape-based distance between two time series (k-Shape's SBD).

    .. math::

        \mathrm{SBD}(x, y) = 1 - \max_{s} \frac{\sum_t \langle x_{t+s}, y_t \rangle}
            {\lVert x \rVert \, \lVert y \rVert}

    over every shift ``s`` where the series overlap (``-(sz2 - 1) <= s <= sz1 - 1``), with
    ``x`` and ``y`` zero outside their steps. When ``||x|| ||y||`` is below 1e-9 the
    normalised correlation counts as 0, so the distance is 1. SBD lies in [0, 2]; it is 0
    for series that are positive multiples of each other up to a shift. k-Shape
    z-normalises its series first: SBD itself does not.

    Parameters
    ----------
    s1 : array-like of shape (sz1,) or (sz1, d)
        A time series. Trailing all-NaN rows are padding and are ignored.
    s2 : array-like of shape (sz2,) or (sz2, d)
        Another time series with the same number of features ``d``; lengths may differ.
    be : Backend, str or None
        The backend to compute with; by default the type of ``s1`` and ``s2`` decides.

    Returns
    -------
    float
        The distance. On tensors, a 0-d tensor of their dtype on their device,
        differentiable (through the best shift).

    Raises
    ------
    ValueError
        If a series is not 1-D or 2-D, is empty or all NaN, has a NaN or infinite value
        inside it, or if the feature sizes differ.
    TypeError
        If a series holds something other than real numbers.

    Examples
    --------
    >>> round(sbd([1, 2, 3], [3, 2, 1]), 4)
    0.1429
    >>> sbd([0, 1, 2, 1, 0], [1, 2, 1, 0, 0]) < 1e-12  # one shape, shifted by a step
    True
    """
    be = dataset_backend(be, s1, s2)
    if be.is_pytorch:
        x, y = torch_inputs().to_series_pair(s1, s2)
    else:
        x, y = _inputs.to_series_pair(s1, s2)
        x, y = x.astype(np.float64, copy=False), y.astype(np.float64, copy=False)
    first, exponents1, norms1 = scaled_with_norms((x[None], np.array([len(x)])))
    second, exponents2, norms2 = scaled_with_norms((y[None], np.array([len(y)])))
    ncc = max_normalised_cc(first, second, norms1, norms2, exponents=(exponents1, exponents2))
    distance = 1.0 - ncc[0, 0]
    return distance if be.is_pytorch else float(distance)


def cdist_sbd(
    dataset1: Dataset, dataset2: Dataset | None = None, be: Backend | str | None = None
) -> Array:
    """Shape-based distances between every series of one dataset and every series of another.

    Each entry is :func:`sbd` of a pair; the FFT of every series is computed once.

    Parameters
    ----------
    dataset1 : array-like of shape (n1, sz1, d), (n1, sz1) or (sz1,), or a list of series
        Series of different lengths are given as a list, or NaN-padded at the end.
    dataset2 : same kinds as dataset1, optional
        Without it, the symmetric matrix of ``dataset1`` against itself is computed from
        one triangle; its diagonal is 0 (1 for a series of zeros).
    be : Backend, str or None
        The backend to compute with.

    Returns
    -------
    numpy.ndarray of shape (n1, n2), float64
        On tensors, a tensor of their dtype on their device, differentiable.

    Examples
    --------
    >>> cdist_sbd([[1, 2, 3], [3, 2, 1], [1, 2, 2]]).round(3)
    array([[0.   , 0.143, 0.02 ],
           [0.143, 0.   , 0.109],
           [0.02 , 0.109, 0.   ]])
    """
    be = dataset_backend(be, dataset1, dataset2)
    first, second = _datasets(be, dataset1, dataset2)
    first, exponents1, norms1 = scaled_with_norms(first)
    if dataset2 is None:
        second, exponents2, norms2 = first, exponents1, norms1
    else:
        second, exponents2, norms2 = scaled_with_norms(second)
    exponents = (exponents1, exponents2)
    ncc = max_normalised_cc(first, second, norms1, norms2, dataset2 is None, exponents)
    if dataset2 is None:
        # A series against itself: NCC exactly 1, or 0 when its norm counts as zero.
        xp = _xp(ncc)
        twice = None if exponents1 is None else 2 * exponents1
        zero = counts_as_zero(norms1 * norms1, twice)
        ncc = mirrored(ncc) + xp.diag(xp.where(zero, 0.0, 1.0))
    distances = 1.0 - ncc
    return to_backend(be, distances) if be.is_numpy else distances


def _given_norms(norms, X, name, exponents=None):
    """The norms to divide by: ``norms`` as given, or all of them computed from ``X`` when
    any is negative (tslearn's convention, -1 meaning "compute them"). Never modified.

    ``X`` is a dataset scaled by 2**-exponents (``scaled``); given norms are scaled alike.
    """
    xp = _xp(X)
    if xp is np:
        values = np.asarray(_inputs.host_values(norms, name), dtype=np.float64)
    else:
        values = xp.as_tensor(norms, dtype=X.dtype, device=X.device)
    if values.ndim != 1 or values.shape[0] != X.shape[0]:
        raise ValueError(
            f"{name} must be a 1-D array of {X.shape[0]} norms (one per series), got shape "
            f"{tuple(values.shape)}"
        )
    if bool(xp.isnan(values).any()):
        raise ValueError(f"{name} must not hold NaN")
    if bool((values < 0).any()):
        return series_norms(X)
    return values if exponents is None else times_power_of_two(values, -exponents)


def cdist_normalized_cc(
    dataset1: Dataset,
    dataset2: Dataset,
    norms1: ArrayLike,
    norms2: ArrayLike,
    self_similarity: bool,
) -> Array:
    """Largest normalised cross-correlation of every pair of series of two datasets.

    k-Shape's building block: entry (i, j) is ``1 - sbd(dataset1[i], dataset2[j])`` (see
    :func:`sbd`) when the norms are the series' own, computed by FFT.

    Parameters
    ----------
    dataset1 : array-like of shape (n1, sz, d), (n1, sz) or (sz,), or a list of series
        The first series.
    dataset2 : array-like of shape (n2, sz, d), (n2, sz) or (sz,), or a list of series
        The second series. Series may have different lengths (NaN padding is ignored);
        each pair uses every shift where its two series overlap.
    norms1 : array-like of shape (n1,)
        The norms that divide the correlations of the series of ``dataset1``. If any is
        negative (e.g. all -1), all are computed from the data instead. Not modified.
    norms2 : array-like of shape (n2,)
        The same for ``dataset2``.
    self_similarity : bool
        When True, ``dataset2`` is taken to be ``dataset1``: only the pairs i > j are
        computed, the matrix is their mirror image, and its diagonal is 0.

    Returns
    -------
    numpy.ndarray of shape (n1, n2), float64
        On tensors, a tensor of their dtype on their device.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1, 2, 3], [3, 2, 1], [1, 2, 2]])
    >>> cdist_normalized_cc(X, X, -np.ones(3), -np.ones(3), False).round(3)
    array([[1.   , 0.857, 0.98 ],
           [0.857, 1.   , 0.891],
           [0.98 , 0.891, 1.   ]])
    """
    if not isinstance(self_similarity, (bool, np.bool_)):
        raise TypeError(f"self_similarity must be True or False, got {self_similarity!r}")
    be = dataset_backend(None, dataset1, dataset2)
    (first, exponents1), (second, exponents2) = map(scaled, _datasets(be, dataset1, dataset2))
    norms1 = _given_norms(norms1, first[0], "norms1", exponents1)
    norms2 = _given_norms(norms2, second[0], "norms2", exponents2)
    if not self_similarity:
        exponents = (exponents1, exponents2)
        return _returned(be, max_normalised_cc(first, second, norms1, norms2, False, exponents))
    n1, n2 = first[0].shape[0], second[0].shape[0]
    if n1 != n2:
        raise ValueError(
            "with self_similarity=True, dataset1 and dataset2 must hold as many series, "
            f"got {n1} and {n2}"
        )
    # tslearn's pairs i > j: as ncc(a, b) = ncc(b, a), the pairs j < i of dataset2 against
    # dataset1, one triangle of blocks.
    upper = max_normalised_cc(second, first, norms2, norms1, True, (exponents2, exponents1))
    return _returned(be, mirrored(upper))


def _returned(be, matrix):
    return to_backend(be, matrix) if be.is_numpy else matrix


def _real_number(value, name):
    try:
        number = None if isinstance(value, (bool, np.bool_, str)) else float(value)
    except (TypeError, ValueError):
        number = None
    if number is None or math.isnan(number):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    return number


def _best_shifts(ref, X, norm_ref, norms, exponents=None):
    """The shift of each series of X that best matches ``ref``, as tslearn picks it: the
    first largest correlation over shifts -(sz - 1), ..., sz - 1; a pair whose norms count
    as zero (``counts_as_zero``) has correlations all 0, hence shift -(sz - 1)."""
    xp = _xp(X)
    sz = X.shape[1]
    size = fft_length(sz, sz)
    cc = _correlations(_spectra(ref[None], size), _spectra(X, size).conj(), size)[0]
    ordered = xp.concatenate([cc[:, size - sz + 1 :], cc[:, :sz]], 1)
    shifts = xp.argmax(ordered, 1) + 1 - sz
    zero = counts_as_zero(norm_ref * norms, exponents)
    return xp.where(zero, xp.full_like(shifts, 1 - sz), shifts)


def _shifted(X, shifts):
    """out[i, t] = X[i, t - shifts[i]], 0 where t - shifts[i] is outside the series."""
    xp = _xp(X)
    n, sz = X.shape[:2]
    if xp is np:
        source = np.arange(sz)[None, :] - shifts[:, None]
        inside = (source >= 0) & (source < sz)
        taken = np.take_along_axis(X, np.clip(source, 0, sz - 1)[:, :, None], 1)
        return np.where(inside[:, :, None], taken, 0.0)
    source = xp.arange(sz, device=X.device)[None, :] - shifts[:, None]
    inside = (source >= 0) & (source < sz)
    index = source.clamp(0, sz - 1)[:, :, None].expand(n, sz, X.shape[2])
    taken = xp.gather(X, 1, index)
    return xp.where(inside[:, :, None], taken, xp.zeros_like(taken))


def y_shifted_sbd_vec(
    ref_ts: ArrayLike, dataset: Dataset, norm_ref: float, norms_dataset: ArrayLike
) -> Array:
    """Shift each series of a dataset to its best match with a reference series.

    k-Shape's alignment step: series i moves by the shift ``s`` that maximises its
    cross-correlation with ``ref_ts`` (see :func:`sbd`), ``out[i, t] = dataset[i, t - s]``,
    with zeros where nothing moves in.

    Parameters
    ----------
    ref_ts : array-like of shape (sz, d) or (sz,)
        The reference series.
    dataset : array-like of shape (n, sz, d), (n, sz) or (sz,)
        Series of the reference's length ``sz`` (no padding).
    norm_ref : float
        The norm of ``ref_ts``; a negative value computes it.
    norms_dataset : array-like of shape (n,)
        The norms of the series; if any is negative, all are computed. Not modified.
        When the product of two norms is below 1e-9 all correlations count as 0 and the
        series moves by ``-(sz - 1)``, as in tslearn.

    Returns
    -------
    numpy.ndarray of shape (n, sz, d), float64
        The shifted series. On tensors, a tensor on their device.

    Examples
    --------
    >>> y_shifted_sbd_vec([0, 1, 2, 1, 0], [[1, 2, 1, 0, 0]], -1, [-1])[0, :, 0]
    array([0., 1., 2., 1., 0.])
    """
    be = dataset_backend(None, ref_ts, dataset)
    reference, data = _datasets(be, [ref_ts], dataset, ("ref_ts", "dataset"))
    _check_same_length(reference[1], reference[0].shape[1], data[1], data[0].shape[1])
    norm = _real_number(norm_ref, "norm_ref")
    # The shifts are found on series scaled as in ``scaled``: the same maxima, in range.
    (ref, _), ref_exponents = scaled(reference)
    (X, _), exponents = scaled(data)
    norm = _given_norms([norm], ref, "norm_ref", ref_exponents)[0]
    norms = _given_norms(norms_dataset, X, "norms_dataset", exponents)
    sums = pair_exponents(ref_exponents, exponents)
    shifts = _best_shifts(ref[0], X, norm, norms, None if sums is None else sums[0])
    return _returned(be, _shifted(data[0], shifts))


def _check_same_length(ref_lengths, ref_steps, lengths, steps):
    """ValueError unless ref_ts and every series of dataset have the same length, with no
    padding, saying which argument differs and how."""
    if ref_lengths[0] != ref_steps:
        raise ValueError(
            f"ref_ts must not end with padding: it has {ref_steps} steps, of which the last "
            f"{ref_steps - int(ref_lengths[0])} are all NaN"
        )
    if steps != ref_steps or (lengths != ref_steps).any():
        found = sorted({int(length) for length in lengths})
        padded = f", NaN-padded to {steps} steps" if found != [steps] else ""
        raise ValueError(
            f"the series of dataset must have the length of ref_ts ({ref_steps}) without "
            f"padding, got series of lengths {found}{padded}"
        )
