"""The names of ``tslearn.metrics.cycc``, so that code importing from that module moves over by
changing the prefix: the normalised cross-correlation of two series, and the pairwise functions
built on it (defined in :mod:`tswarp.metrics`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tswarp.metrics._inputs import to_series_pair
from tswarp.metrics._sbd import (
    _correlations,
    _given_norms,
    _normalised,
    _real_number,
    _spectra,
    cdist_normalized_cc,
    fft_length,
    pair_exponents,
    scaled,
    y_shifted_sbd_vec,
)

if TYPE_CHECKING:
    from tswarp._typing import ArrayLike

__all__ = ["cdist_normalized_cc", "normalized_cc", "y_shifted_sbd_vec"]


def normalized_cc(
    s1: ArrayLike, s2: ArrayLike, norm1: float = -1.0, norm2: float = -1.0
) -> np.ndarray:
    """Normalised cross-correlation of two time series at every shift.

    At shift ``s`` the correlation is ``sum_t <s1[t + s], s2[t]>`` over the steps where both
    series are defined, divided by ``norm1 * norm2`` (0 everywhere when that product is
    below 1e-9). Shifts run from ``-(sz2 - 1)`` to ``sz1 - 1``.

    Parameters
    ----------
    s1 : array-like of shape (sz1, d) or (sz1,)
        A time series.
    s2 : array-like of shape (sz2, d) or (sz2,)
        Another time series with the same number of features (tslearn's function assumes
        ``sz2 == sz1``; other lengths give the shifts above).
    norm1, norm2 : float, default -1.0
        The norms to divide by; a negative value means the Euclidean norm of the series.

    Returns
    -------
    numpy.ndarray of shape (sz1 + sz2 - 1,), float64
        The normalised correlations, from shift ``-(sz2 - 1)`` to ``sz1 - 1``.

    Raises
    ------
    ValueError
        If a series is invalid (empty, NaN or infinite values inside, mismatched features).
    TypeError
        If ``norm1`` or ``norm2`` is not a real number.

    Examples
    --------
    >>> normalized_cc([[1.0], [2.0]], [[1.0], [2.0]]).round(3)
    array([0.4, 1. , 0.4])
    """
    norm1, norm2 = _real_number(norm1, "norm1"), _real_number(norm2, "norm2")
    x, y = to_series_pair(s1, s2)
    # Each series scaled by its own power of two where its squares would leave the float
    # range (as for sbd); the given norms are scaled alike, and the 1e-9 rule undoes it.
    (X, _), exponents1 = scaled((x.astype(np.float64)[None], np.array([len(x)])))
    (Y, _), exponents2 = scaled((y.astype(np.float64)[None], np.array([len(y)])))
    norms1 = _given_norms([norm1], X, "norm1", exponents1)
    norms2 = _given_norms([norm2], Y, "norm2", exponents2)
    n, m = len(x), len(y)
    size = fft_length(n, m)
    cc = _correlations(_spectra(X, size), _spectra(Y, size).conj(), size)[0, 0]
    shifts = np.concatenate((cc[size - (m - 1) :], cc[:n])) if m > 1 else cc[:n]
    # tslearn's rule: norms whose product is below 1e-9 correlate to 0, never NaN.
    exponents = pair_exponents(exponents1, exponents2)
    return _normalised(shifts[None, None], norms1, norms2, exponents)[0, 0]
