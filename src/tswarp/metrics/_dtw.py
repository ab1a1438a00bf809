"""Dynamic Time Warping."""

from tswarp._kernels import _dtw
from tswarp.backend import instantiate_backend
from tswarp.metrics._inputs import to_series_pair


def dtw(s1, s2, be=None):
    """Dynamic Time Warping distance between two time series.

    The square root of the smallest sum, over all warping paths, of squared Euclidean
    distances between matched time steps.

    Parameters
    ----------
    s1 : array-like of shape (sz1,) or (sz1, d)
        A time series. Trailing all-NaN rows are padding and are ignored.
    s2 : array-like of shape (sz2,) or (sz2, d)
        Another time series with the same number of features ``d``.
    be : Backend, str or None
        The backend to compute with; by default the type of ``s1`` and ``s2`` decides.

    Returns
    -------
    float
        The DTW distance. Float32 inputs are computed in float32.

    Raises
    ------
    ValueError
        If a series is not 1-D or 2-D, is empty or all NaN, has a NaN or infinite value
        inside it, or if the feature sizes differ.
    TypeError
        If a series holds something other than real numbers.

    Examples
    --------
    >>> dtw([1, 2, 3], [1, 2, 2, 3, 4])
    1.0
    >>> dtw([[1], [2], [3]], [[3], [4], [-3]])  # sqrt(42)
    6.48074069840786
    """
    be = instantiate_backend(be, s1, s2)
    if be.is_pytorch:
        raise NotImplementedError(
            "dtw on torch tensors is not available yet; pass NumPy arrays (be='numpy' converts "
            "tensors that do not require grad)"
        )
    x, y = to_series_pair(s1, s2)
    return _dtw.dtw_value(x, y)
