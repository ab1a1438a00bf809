"""LB_Keogh: a cheap lower bound of Sakoe-Chiba-constrained DTW, and the envelope it uses."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from tswarp._constraints import check_radius
from tswarp._kernels import _envelope
from tswarp.backend import instantiate_backend
from tswarp.metrics._inputs import to_backend, to_series
from tswarp.metrics._overflow import times_power_of_two

if TYPE_CHECKING:
    from tswarp._typing import Array, ArrayLike
    from tswarp.backend import Backend


def _envelope_arrays(x, radius):
    """Envelope of a validated (sz, d) series, in its own float width."""
    env_down, env_up = np.empty_like(x), np.empty_like(x)
    # The kernel clips the radius to the series, so any non-negative int is safe, but a
    # Python int beyond Py_ssize_t would not convert: clip it here first.
    _envelope.envelope(x, min(radius, len(x)), env_down, env_up)
    return env_down, env_up


def lb_envelope(
    ts: ArrayLike, radius: int = 1, be: Backend | str | None = None
) -> tuple[Array, Array]:
    """Lower and upper envelopes of a time series, as used by :func:`lb_keogh`.

    At each time step ``i`` the envelopes are the minimum and the maximum of the series over
    the window ``[i - radius, i + radius]`` (clipped to the series), feature by feature. The
    work is linear in the length of the series, whatever the radius.

    Parameters
    ----------
    ts : array-like of shape (sz,) or (sz, d)
        A time series. Trailing all-NaN rows are padding and are dropped.
    radius : int, default 1
        Half-width of the window, >= 0. ``radius=0`` gives the series itself; a radius of
        ``sz - 1`` or more gives its global minimum and maximum at every step.
    be : Backend, str or None
        The backend of the results; by default the type of ``ts`` decides.

    Returns
    -------
    env_down : array of shape (sz, d)
        The running minimum (the lower envelope).
    env_up : array of shape (sz, d)
        The running maximum (the upper envelope).

        NumPy arrays, or torch tensors on the device of ``ts`` when ``ts`` is a tensor (or
        ``be`` is the PyTorch backend); no gradient flows through them. Float32 input gives
        float32 envelopes, any other real input float64. A univariate series gives ``d = 1``.

    Raises
    ------
    ValueError
        If ``radius`` is not an integer >= 0, or ``ts`` is not 1-D or 2-D, is empty or all
        NaN, or has a NaN or infinite value inside it.
    TypeError
        If ``ts`` holds something other than real numbers.

    Examples
    --------
    >>> env_down, env_up = lb_envelope([4, 1, 3, 5, 2], radius=1)
    >>> env_down.ravel()
    array([1., 1., 1., 2., 2.])
    >>> env_up.ravel()
    array([4., 4., 5., 5., 5.])
    >>> lb_envelope([[0, 5], [2, 3], [1, 4]], radius=0)[1]  # the series itself
    array([[0., 5.],
           [2., 3.],
           [1., 4.]])
    """
    be = instantiate_backend(be, ts)
    radius = check_radius(radius, "radius")
    envelopes = _envelope_arrays(to_series(ts, "ts"), radius)
    return tuple(to_backend(be, env, ts) for env in envelopes)


def _candidate_envelope(envelope_candidate):
    """Validate a user-given ``(env_down, env_up)`` pair."""
    try:
        env_down, env_up = envelope_candidate
    except (TypeError, ValueError):
        raise ValueError(
            "envelope_candidate must be a pair (env_down, env_up), as returned by lb_envelope"
        ) from None
    env_down = to_series(env_down, "envelope_candidate[0]")
    env_up = to_series(env_up, "envelope_candidate[1]")
    if env_down.shape != env_up.shape:
        raise ValueError(
            "envelope_candidate's two envelopes must have the same shape, got "
            f"{env_down.shape} and {env_up.shape} (trailing all-NaN rows are padding, dropped)"
        )
    # Swapped or hand-made envelopes would give a value that is no lower bound, silently.
    crossed = (env_down > env_up).any(axis=1)
    if crossed.any():
        raise ValueError(
            "envelope_candidate's lower envelope (first) is above its upper envelope (second) "
            f"at time step {int(np.argmax(crossed))}"
        )
    return env_down, env_up


def lb_keogh(
    ts_query: ArrayLike,
    ts_candidate: ArrayLike | None = None,
    radius: int = 1,
    envelope_candidate: tuple[ArrayLike, ArrayLike] | None = None,
) -> float:
    """LB_Keogh lower bound of the DTW distance between a query and a candidate series.

    The square root of the sum of the squared distances by which the query steps outside
    the candidate's envelope (see :func:`lb_envelope`). For series of equal length it never
    exceeds their DTW distance with a Sakoe-Chiba band of the same ``radius``, so a large
    bound can rule a candidate out before any DTW is computed. Multivariate series are
    supported: the excursions are summed over the features, which keeps the bound valid for
    DTW with squared Euclidean costs.

    Parameters
    ----------
    ts_query : array-like of shape (sz,) or (sz, d)
        The query series. Trailing all-NaN rows are padding and are dropped.
    ts_candidate : array-like of shape (sz,) or (sz, d), optional
        The candidate series, of the same length as the query. Give exactly one of
        ``ts_candidate`` and ``envelope_candidate``.
    radius : int, default 1
        Half-width of the envelope window, >= 0 (the Sakoe-Chiba radius being bounded).
        Checked always, used only to build the envelope of ``ts_candidate``.
    envelope_candidate : pair of array-like of shape (sz,) or (sz, d), optional
        A precomputed ``(env_down, env_up)`` of the candidate, as returned by
        :func:`lb_envelope`; it saves recomputing the envelope against many queries.

    Returns
    -------
    float
        The bound, computed in float64 (also for torch tensors, which are read without
        gradient).

    Raises
    ------
    ValueError
        If not exactly one of ``ts_candidate`` and ``envelope_candidate`` is given, if
        ``radius`` is not an integer >= 0, if the query and the envelope differ in length
        or in number of features, if an envelope is not a valid pair (lower above upper), or
        if a series is malformed (as in :func:`lb_envelope`).
    TypeError
        If a series holds something other than real numbers.

    Examples
    --------
    >>> lb_keogh([0, 0, 4, 0], [1, 2, 1, 2], radius=1)  # sqrt(1 + 1 + 2**2 + 1)
    2.6457513110645907
    >>> envelope = lb_envelope([1, 2, 1, 2], radius=3)
    >>> lb_keogh([0, 0, 4, 0], envelope_candidate=envelope)  # sqrt(1 + 1 + 2**2 + 1)
    2.6457513110645907
    >>> lb_keogh([[1, 2], [3, 4]], [[1, 2], [3, 4]], radius=0)
    0.0
    """
    if (ts_candidate is None) == (envelope_candidate is None):
        raise ValueError(
            "give exactly one of ts_candidate and envelope_candidate, got "
            + ("both" if ts_candidate is not None else "neither")
        )
    radius = check_radius(radius, "radius")
    query = to_series(ts_query, "ts_query")
    if envelope_candidate is None:
        env_down, env_up = _envelope_arrays(to_series(ts_candidate, "ts_candidate"), radius)
    else:
        env_down, env_up = _candidate_envelope(envelope_candidate)
    if env_down.shape[1] != query.shape[1]:
        raise ValueError(
            "ts_query and the candidate must have the same number of features (dimension d), "
            f"got d={query.shape[1]} for ts_query and d={env_down.shape[1]} for the candidate"
        )
    if len(env_down) != len(query):
        raise ValueError(
            "LB_Keogh needs a query and a candidate of equal length, got length "
            f"{len(query)} for ts_query and length {len(env_down)} for the candidate envelope"
        )
    # Within [env_down, env_up] a step costs nothing; outside, its distance to the nearer
    # edge. Float64 throughout: the envelopes hold input values exactly, so only the sum rounds.
    query = query.astype(np.float64, copy=False)
    nearest = np.clip(query, env_down, env_up)
    with np.errstate(over="ignore"):
        excursion = query - nearest
    shift = 0
    if not np.isfinite(excursion).all():  # past the float range: halves, exact there
        excursion, shift = np.ldexp(query, -1) - np.ldexp(nearest, -1), 1
    return _norm(excursion, shift)


def _norm(values, shift):
    """sqrt(sum of values**2) * 2**shift, the values scaled first by a power of two near the
    largest (exactly): no square overflows, and those that underflow are negligible."""
    largest = float(np.abs(values).max())
    if largest == 0.0:
        return 0.0
    _, e = math.frexp(largest)
    scaled = np.ldexp(values, -e)
    return times_power_of_two(math.sqrt(float(np.einsum("ij,ij->", scaled, scaled))), e + shift)
