"""Figures of DTW and soft-DTW alignments, drawn with matplotlib.

matplotlib is an optional dependency: install it with ``pip install "tswarp[plot]"``.
``import tswarp`` and ``import tswarp.metrics`` never load it; only this module does.

Each function draws on the Axes passed as ``ax`` (or on a new figure when ``ax`` is None)
and returns that Axes (a plain x-y one, not polar or 3D). None of them calls ``plt.show()``:
show or save the figure yourself.
The matrix figures refuse series whose (sz1, sz2) matrix has over 5e7 cells: some 85 bytes
a cell at the peak, gigabytes for more cells than a figure has pixels.
"""

from __future__ import annotations

import math
import numbers
import sys

import numpy as np

try:
    import matplotlib
except ModuleNotFoundError as error:
    if error.name != "matplotlib":
        raise
    raise ImportError(
        "tswarp.plot needs matplotlib, which is not installed. Install it with: "
        'pip install "tswarp[plot]"'
    ) from None

from typing import TYPE_CHECKING, Any

from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.ticker import MaxNLocator

from tswarp._constraints import parse_constraint
from tswarp._gamma import check_gamma
from tswarp.metrics._constraints import document_constraints
from tswarp.metrics._dtw import dtw_accumulated_matrix, dtw_path
from tswarp.metrics._inputs import _real_float_array, to_series_pair
from tswarp.metrics._masks import compute_mask
from tswarp.metrics._soft_dtw import soft_dtw_alignment

if TYPE_CHECKING:
    from matplotlib.colors import Colormap

    from tswarp._typing import ArrayLike, Path

__all__ = ["plot_alignment", "plot_matches", "plot_path"]

_S1_COLOR, _S2_COLOR = "tab:blue", "tab:orange"
# A white line with a dark edge stays visible on light and dark cells of any colormap.
_PATH_STYLE: dict[str, Any] = {
    "color": "white",
    "linewidth": 1.8,
    "path_effects": [patheffects.withStroke(linewidth=3.6, foreground="0.1")],
}
# One square per cell, any size.
_GRID: dict[str, Any] = {"interpolation": "nearest", "aspect": "auto"}
# matplotlib's margins and tick locators reach past the data of an axis, by up to 20 times
# its span on a small axis: beyond a hundredth of float64's range they can overflow
# (RuntimeWarnings, or an error from np.arange).
_DRAWABLE = sys.float_info.max / 100
# A figure of the (sz1, sz2) matrix takes about 85 bytes per cell at its peak (the metric,
# the mask, matplotlib's copies): past this size, gigabytes for a figure that cannot show them.
_MAX_CELLS = 50_000_000


def _series(s1, s2):
    """Both series as float64 (sz, d) arrays, validated and without padding."""
    x, y = to_series_pair(s1, s2)
    return x.astype(np.float64, copy=False), y.astype(np.float64, copy=False)


def _check_axes(ax):
    if not isinstance(ax, Axes):
        hint = "; pass one Axes of the array, e.g. axes[0]" if isinstance(ax, np.ndarray) else ""
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}{hint}")
    if ax.name != "rectilinear":
        raise ValueError(f"ax must be a plain x-y Axes, got a {ax.name!r} one")


def _check_size(sz1, sz2):
    if sz1 * sz2 > _MAX_CELLS:
        raise ValueError(
            f"s1 and s2 of lengths {sz1} and {sz2} make a matrix of {sz1 * sz2:.3g} cells, more "
            f"than the {_MAX_CELLS:.0e} a figure draws (about 85 bytes each at its peak); "
            "plot a part of the series, or downsample them"
        )


def _check_extent(largest, what, remedy):
    """Refuse values that matplotlib cannot scale an axis to: ``largest``, the largest
    absolute value of ``what``, must be within ``_DRAWABLE``."""
    if not largest <= _DRAWABLE:  # inf and NaN fail too
        raise ValueError(
            f"values of {what} reach {largest:.3g} in absolute value, past the {_DRAWABLE:.3g} "
            f"(a hundredth of float64's range) beyond which matplotlib overflows scaling an axis; "
            f"{remedy}"
        )


def _largest(*arrays):
    """The largest absolute finite value of the arrays, 0 if they have none."""
    return max(float(np.abs(a[np.isfinite(a)]).max(initial=0.0)) for a in arrays)


def _new_axes(figsize, layout=None):
    import matplotlib.pyplot as plt  # pyplot only when a figure has to be made

    return plt.subplots(figsize=figsize, layout=layout)[1]


def _constraint(*arguments):
    """The three constraint arguments, checked once, as keywords for tswarp.metrics."""
    parse_constraint(*arguments)
    names = ("global_constraint", "sakoe_chiba_radius", "itakura_max_slope")
    return dict(zip(names, arguments, strict=True))


def _check_path(path, sz1, sz2):
    """A warping path as an int (k, 2) array of in-range (i, j) pairs."""
    try:
        arr = np.asarray(path)
    except ValueError as error:  # pairs of different sizes
        raise ValueError(f"path must be a list of (i, j) pairs: {error}") from None
    if arr.ndim != 2 or arr.shape[1] != 2 or len(arr) == 0:
        raise ValueError(f"path must be a non-empty list of (i, j) pairs, got shape {arr.shape}")
    if arr.dtype.kind not in "iu":
        raise TypeError(f"path must hold integer indices, got dtype {arr.dtype}")
    if arr.min() < 0 or arr[:, 0].max() >= sz1 or arr[:, 1].max() >= sz2:
        raise ValueError(f"path has an index pair outside the ({sz1}, {sz2}) grid")
    return arr.astype(np.intp)


def _check_forward(steps):
    """A path drawn as a line must go forward: i and j never decrease from a pair to the next."""
    back = np.flatnonzero((np.diff(steps, axis=0) < 0).any(axis=1))
    if back.size:
        k = back[0] + 1
        raise ValueError(
            f"path must go forward, i and j never decreasing from a pair to the next: got "
            f"{tuple(steps[k].tolist())} after {tuple(steps[k - 1].tolist())} (pairs {k - 1}, {k})"
        )


def _local_cost(x, y):
    """Squared Euclidean distance between every pair of time steps, shape (sz1, sz2); inf
    where it is past float64's range (values beyond about 1e154), a blank cell."""
    with np.errstate(over="ignore"):
        return ((x[:, None, :] - y[None, :, :]) ** 2).sum(axis=-1)


def _path_cost(x, y, steps):
    """sqrt of the sum of squared distances along a path, the differences divided by their
    largest first, so that values near 1e200 give their cost rather than inf (as dtw does)."""
    with np.errstate(over="ignore"):
        differences = x[steps[:, 0]] - y[steps[:, 1]]
    largest = float(np.abs(differences).max())
    if largest == 0 or not math.isfinite(largest):
        return largest
    return largest * math.sqrt(((differences / largest) ** 2).sum())


def _draw_path(ax, path, **style):
    # Columns are indices in s2 (x axis), rows indices in s1 (y axis).
    marker = "o" if len(path) == 1 else None  # a path of one cell is a point
    return ax.plot(path[:, 1], path[:, 0], label="DTW path", marker=marker, **style)[0]


def _draw_band(ax, band):
    """Grey out the cells outside the band and outline it."""
    shade = np.zeros((*band.shape, 4))
    shade[~band] = (0.55, 0.55, 0.55, 0.55)
    ax.imshow(shade, label="outside the band", **_GRID)
    rows = np.arange(len(band))
    first = np.argmax(band, axis=1)
    last = band.shape[1] - np.argmax(band[:, ::-1], axis=1)
    for edge in (first, last):
        # A staircase along the cell borders: each row contributes a vertical segment.
        xs = np.repeat(edge - 0.5, 2)
        ys = np.column_stack([rows - 0.5, rows + 0.5]).ravel()
        ax.plot(xs, ys, color="0.2", linewidth=0.8, label="band edge")


def _index_ticks(axis):
    """Ticks at whole time steps only, even on a series of one or two steps."""
    axis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10], min_n_ticks=1))


def _label_grid(ax):
    _index_ticks(ax.xaxis)
    _index_ticks(ax.yaxis)
    ax.set(xlabel="j (index in s2)", ylabel="i (index in s1)")


@document_constraints
def plot_path(
    s1: ArrayLike,
    s2: ArrayLike,
    path: Path | None = None,
    cost: str | ArrayLike | None = None,
    ax: Axes | None = None,
    *,
    global_constraint: str | None = None,
    sakoe_chiba_radius: float | None = None,
    itakura_max_slope: float | None = None,
    show_series: bool = True,
    colorbar: bool = True,
    cmap: str | Colormap = "viridis",
) -> Axes:
    """Draw a warping path over the cost matrix, with the two series along its sides.

    The classic DTW figure: a heat map of the (sz1, sz2) matrix with rows for ``s1`` and
    columns for ``s2``, the path from the top-left to the bottom-right cell, ``s1`` drawn
    downwards on the left and ``s2`` across the top. Under a global constraint, the cells
    outside the band are shaded and the band is outlined.

    Parameters
    ----------
    s1 : array-like of shape (sz1,) or (sz1, d)
        A time series (every feature is drawn in the side panel).
    s2 : array-like of shape (sz2,) or (sz2, d)
        Another time series with the same number of features.
    path : list of (int, int), optional
        The path to draw, its pairs in order (i and j never decrease); by default the
        optimal one of :func:`tswarp.metrics.dtw_path`.
    cost : {"accumulated", "local"} or array-like of shape (sz1, sz2), optional
        The heat map: the accumulated cost of :func:`tswarp.metrics.dtw_accumulated_matrix`
        (the default; cells outside the band are blank), the squared distance between each
        pair of time steps (``"local"``), or a matrix of your own, whose inf, NaN or masked
        cells are blank. Values beyond a hundredth of float64's range (about 1.8e306), where
        matplotlib's scaling overflows, are blank in the first two and a ValueError in yours.
    ax : matplotlib.axes.Axes, optional
        Where to draw the heat map; by default a new figure is made. The colour bar and the
        side panels are drawn outside its box: on a figure of your own, let
        ``fig.tight_layout()`` make room for them.
    {constraints}
    show_series : bool, default True
        Draw ``s1`` and ``s2`` in panels on the left and on top; series with values beyond
        about 1.8e306 cannot be drawn (a ValueError).
    colorbar : bool, default True
        Add a colour bar on the right.
    cmap : str or matplotlib.colors.Colormap, default "viridis"
        Colormap of the heat map.

    Returns
    -------
    matplotlib.axes.Axes
        The heat map's Axes; the colour bar and the side panels are in ``ax.child_axes``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from tswarp.plot import plot_path
    >>> ax = plot_path([0, 1, 3, 1, 0], [0, 0, 1, 3, 3, 1, 0], sakoe_chiba_radius=2)
    >>> ax.get_xlabel()
    'j (index in s2)'
    >>> ax.images[0].get_array().shape
    (5, 7)
    >>> plt.close(ax.figure)
    """
    if ax is not None:
        _check_axes(ax)
    x, y = _series(s1, s2)
    sz1, sz2 = len(x), len(y)
    constraint = _constraint(global_constraint, sakoe_chiba_radius, itakura_max_slope)
    _check_size(sz1, sz2)
    if show_series:
        remedy = "rescale them, or pass show_series=False"
        _check_extent(_largest(x, y), "s1 and s2", remedy)
    # Checked before any figure is made, so that an error leaves none behind.
    colormap = matplotlib.colormaps.get_cmap(cmap).with_extremes(bad="0.92")

    if cost is None or isinstance(cost, str):
        if cost in (None, "accumulated"):
            matrix, cost_label = dtw_accumulated_matrix(x, y, **constraint), "accumulated cost"
        elif cost == "local":
            matrix, cost_label = _local_cost(x, y), "squared distance"
        else:
            raise ValueError(f'cost must be "accumulated", "local" or a matrix, got {cost!r}')
    else:
        # As series are read: a clear error for values that are not numbers, masked cells NaN.
        matrix, cost_label = _real_float_array(cost, "cost").astype(np.float64), "cost"
        if matrix.shape != (sz1, sz2):
            raise ValueError(f"cost must have shape (sz1, sz2) = {(sz1, sz2)}, got {matrix.shape}")
        _check_extent(_largest(matrix), "cost", "rescale it; inf or NaN cells are left blank")
    band = compute_mask(sz1, sz2, **constraint)

    steps: Any = path  # a list of pairs, then their (n, 2) array
    if steps is None:
        steps, distance = dtw_path(x, y, **constraint)
        title = f"DTW path, distance {distance:.4g}"
    else:
        steps = _check_path(steps, sz1, sz2)
        _check_forward(steps)
        title = f"Warping path, cost {_path_cost(x, y, steps):.4g}"
    steps = np.asarray(steps, dtype=np.intp)

    if ax is None:
        # The panels are outside the heat map's box: the tight layout makes room for them.
        ax = _new_axes((6.4, 6.4) if show_series else (6.0, 5.0), layout="tight")
    # Cells that cannot be drawn are blank: inf (outside the band, or past float64's range)
    # and, in the matrices computed here, values too large for matplotlib's colour scale. They
    # are set to inf, not only masked: matplotlib scales the data under the mask too, and
    # inf passes through that without an overflow.
    shown = np.where(np.abs(matrix) <= _DRAWABLE, matrix, np.inf)
    image = ax.imshow(np.ma.masked_invalid(shown), cmap=colormap, label=cost_label, **_GRID)
    if not band.all():
        _draw_band(ax, band)
    _draw_path(ax, steps, **_PATH_STYLE)
    ax.set_xlim(-0.5, sz2 - 0.5)
    ax.set_ylim(sz1 - 0.5, -0.5)
    _label_grid(ax)

    # The panels are inset axes outside the heat map's box, which keeps the place it had.
    if colorbar:
        cax = ax.inset_axes((1.03, 0.0, 0.04, 1.0))
        ax.figure.colorbar(image, cax=cax, label=cost_label)
    # Above the top panel, and a title of the heat map itself so that layouts make room.
    ax.set_title(title, y=1.29 if show_series else 1.0)
    if not show_series:
        return ax
    top = ax.inset_axes((0.0, 1.04, 1.0, 0.25), sharex=ax)
    top.plot(np.arange(sz2), y, color=_S2_COLOR, marker="o" if sz2 == 1 else None)
    top.set_ylabel("s2")
    top.yaxis.set_major_locator(MaxNLocator(nbins=3))
    top.tick_params(labelbottom=False)
    left = ax.inset_axes((-0.33, 0.0, 0.25, 1.0), sharey=ax)
    left.plot(x, np.arange(sz1), color=_S1_COLOR, marker="o" if sz1 == 1 else None)
    left.invert_xaxis()  # values grow away from the matrix, mirroring the top panel
    left.xaxis.set_major_locator(MaxNLocator(nbins=2))
    left.set_xlabel("s1")
    left.set_ylabel("i (index in s1)")
    ax.tick_params(labelleft=False)
    ax.set_ylabel("")  # the panel on the left carries it
    return ax


@document_constraints
def plot_alignment(
    s1: ArrayLike,
    s2: ArrayLike,
    gamma: float = 1.0,
    ax: Axes | None = None,
    *,
    global_constraint: str | None = None,
    sakoe_chiba_radius: float | None = None,
    itakura_max_slope: float | None = None,
    show_path: bool = True,
    colorbar: bool = True,
    cmap: str | Colormap = "Blues",
) -> Axes:
    """Draw the soft-DTW expected alignment matrix, with the DTW path over it.

    Cell (i, j) shows the probability that ``s1[i]`` is matched with ``s2[j]`` (see
    :func:`tswarp.metrics.soft_dtw_alignment`). As ``gamma`` goes to 0 the probability
    concentrates on the hard DTW path, which is drawn for comparison.

    Parameters
    ----------
    s1 : array-like of shape (sz1,) or (sz1, d)
        A time series.
    s2 : array-like of shape (sz2,) or (sz2, d)
        Another time series with the same number of features.
    gamma : float, default 1.0
        Smoothing of soft-DTW; 0 gives the 0/1 matrix of the DTW path.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure is made.
    {constraints}
    show_path : bool, default True
        Draw the DTW path of :func:`tswarp.metrics.dtw_path` over the matrix.
    colorbar : bool, default True
        Add a colour bar.
    cmap : str or matplotlib.colors.Colormap, default "Blues"
        Colormap of the probabilities, from 0 to 1.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes of the matrix.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from tswarp.plot import plot_alignment
    >>> fig, ax = plt.subplots()
    >>> plot_alignment([1, 2, 3], [1, 2, 2, 3], gamma=1.0, ax=ax) is ax
    True
    >>> ax.images[0].get_array().data.round(2)  # soft_dtw_alignment(...)[0]
    array([[1.  , 0.36, 0.06, 0.  ],
           [0.18, 0.8 , 0.8 , 0.18],
           [0.  , 0.06, 0.36, 1.  ]])
    >>> plt.close(fig)
    """
    if ax is not None:
        _check_axes(ax)
    x, y = _series(s1, s2)
    constraint = _constraint(global_constraint, sakoe_chiba_radius, itakura_max_slope)
    gamma = check_gamma(gamma)  # a float for the title, whatever real number was given
    _check_size(len(x), len(y))
    colormap = matplotlib.colormaps.get_cmap(cmap)  # before a figure is made, as in plot_path
    alignment, value = soft_dtw_alignment(x, y, gamma=gamma, **constraint)
    if ax is None:
        ax = _new_axes((6.0, 5.0), layout="constrained")
    image = ax.imshow(
        alignment, cmap=colormap, vmin=0, vmax=1, label="expected alignment", **_GRID
    )
    if show_path:
        path, _ = dtw_path(x, y, **constraint)
        # Thin, so that the probabilities under the path stay visible.
        _draw_path(ax, np.asarray(path, dtype=np.intp), color="tab:red", linewidth=1.0)
        ax.legend(loc="upper right", fontsize="small")
    ax.set_xlim(-0.5, len(y) - 0.5)
    ax.set_ylim(len(x) - 0.5, -0.5)
    _label_grid(ax)
    ax.set_title(f"Soft-DTW alignment, $\\gamma$ = {gamma:g}, value {value:.4g}")
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label="P(s1[i] matched with s2[j])")
    return ax


def _default_offset(a, b):
    """1.2 times the range of both series, 1 if they are constant."""
    # Python floats: past float64's range they give inf quietly (NumPy scalars warn), and
    # _check_extent turns that into a clear error.
    span = float(max(a.max(), b.max())) - float(min(a.min(), b.min()))
    return 1.2 * span if span > 0 else 1.0


@document_constraints
def plot_matches(
    s1: ArrayLike,
    s2: ArrayLike,
    path: Path | None = None,
    ax: Axes | None = None,
    offset: float | None = None,
    *,
    global_constraint: str | None = None,
    sakoe_chiba_radius: float | None = None,
    itakura_max_slope: float | None = None,
    feature: int = 0,
) -> Axes:
    """Draw the two series, one above the other, with a line for each matched pair.

    ``s1`` is drawn shifted up by ``offset``; a grey line joins ``s1[i]`` and ``s2[j]`` for
    each pair ``(i, j)`` of the path. For multivariate series one feature is drawn (the path
    still uses them all) and a note on the figure says so.

    Parameters
    ----------
    s1 : array-like of shape (sz1,) or (sz1, d)
        A time series, drawn on top.
    s2 : array-like of shape (sz2,) or (sz2, d)
        Another time series with the same number of features.
    path : list of (int, int), optional
        The matched pairs; by default the path of :func:`tswarp.metrics.dtw_path`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure is made.
    offset : float, optional
        Vertical shift added to ``s1``; by default 1.2 times the range of the two series
        (1 for constant series), so that they do not overlap. Values that would reach past
        a hundredth of float64's range once shifted (about 1.8e306, where matplotlib's margins
        and ticks overflow) raise a ValueError: no axis can be scaled to them, and a
        smaller default would only make the series overlap.
    {constraints}
    feature : int, default 0
        Which feature of multivariate series to draw.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes; the matching lines are its ``LineCollection`` labelled "matches".

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from tswarp.plot import plot_matches
    >>> ax = plot_matches([0, 1, 2, 1], [0, 0, 1, 2, 1], offset=3)
    >>> len(ax.collections[0].get_segments())  # one line per pair of the DTW path
    5
    >>> ax.collections[0].get_segments()[1].tolist()  # s1[0] + 3 matched with s2[1]
    [[0.0, 3.0], [1.0, 0.0]]
    >>> plt.close(ax.figure)
    """
    if ax is not None:
        _check_axes(ax)
    x, y = _series(s1, s2)
    constraint = _constraint(global_constraint, sakoe_chiba_radius, itakura_max_slope)
    n_features = x.shape[1]
    is_index = isinstance(feature, (int, np.integer)) and not isinstance(feature, bool)
    if not (is_index and 0 <= feature < n_features):
        raise ValueError(f"feature must be an int in [0, {n_features}), got {feature!r}")
    steps: Any = path  # a list of pairs, then their (n, 2) array
    if steps is None:
        steps, distance = dtw_path(x, y, **constraint)
        title = f"DTW matches, distance {distance:.4g}"
    else:
        title = "Matched time steps"
    steps = _check_path(steps, len(x), len(y))
    a, b = x[:, feature], y[:, feature]
    if offset is None:
        offset = _default_offset(a, b)
    elif isinstance(offset, bool) or not isinstance(offset, numbers.Real):
        raise TypeError(f"offset must be a real number, got {offset!r}")
    else:
        try:
            # A float: a Fraction would make an object array and break the label's format.
            number = float(offset)
        except OverflowError:
            message = "offset must be a finite number, got an int past float64's range"
            raise ValueError(message) from None
        if not math.isfinite(number):
            raise ValueError(f"offset must be a finite number, got {offset!r}")
        offset = number
    # Python floats: past float64's range they give inf quietly, refused below.
    shifted = max(abs(float(a.min()) + offset), abs(float(a.max()) + offset))
    what = f"s1 shifted up by {offset:.3g} and s2"
    _check_extent(max(shifted, _largest(b)), what, "rescale the series or change offset")
    top = a + offset

    if ax is None:
        ax = _new_axes((8.0, 4.0), layout="constrained")
    i, j = steps[:, 0], steps[:, 1]
    segments = np.stack([np.column_stack([i, top[i]]), np.column_stack([j, b[j]])], axis=1)
    ax.add_collection(
        # An (n, 2, 2) array is what LineCollection documents; its stub asks for a Sequence.
        LineCollection(
            segments,  # type: ignore[arg-type]
            colors="0.6",
            linewidths=0.8,
            zorder=1,
            label="matches",
        )
    )
    style: dict[str, Any] = {
        "marker": "o" if max(len(a), len(b)) <= 60 else None,
        "markersize": 3.5,
    }
    ax.plot(np.arange(len(a)), top, color=_S1_COLOR, label=f"s1 {offset:+.3g}", **style)
    ax.plot(np.arange(len(b)), b, color=_S2_COLOR, label="s2", **style)
    ax.autoscale_view()
    _index_ticks(ax.xaxis)
    ax.set(xlabel="time index", ylabel="value", title=title)
    # The note on multivariate series sits above the legend, outside the data.
    note = f"feature {feature} of {n_features} shown;\nthe path uses all {n_features}"
    ax.legend(
        title=note if n_features > 1 else None,
        title_fontsize="small",
        fontsize="small",
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
    )
    return ax
