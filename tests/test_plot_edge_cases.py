"""tswarp.plot on values near the ends of float64's range and on malformed arguments."""

import math
from fractions import Fraction

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from tswarp.metrics import dtw  # noqa: E402
from tswarp.plot import plot_alignment, plot_matches, plot_path  # noqa: E402

PLOTS = [plot_path, plot_matches, plot_alignment]
# Warnings as errors: values matplotlib cannot scale must give a ValueError, not an overflow.
no_warnings = pytest.mark.filterwarnings("error")


def draw(ax):
    """Render the figure: ticks and colour scales are computed only then."""
    ax.figure.canvas.draw()
    return ax


def small_axes():
    """An axes with room for one tick: matplotlib then tries the largest tick steps."""
    return plt.subplots(figsize=(3, 0.5), dpi=50)[1]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_cost_of_a_given_path_over_huge_values():
    # The squares of the differences, near 1e400, overflowed: a RuntimeWarning, and the
    # title said "cost inf" where dtw gives the distance.
    s1, s2 = [1e200, 0.0], [3e200]
    path = [(0, 0), (1, 0)]
    ax = plot_path(s1, s2, path=path, show_series=False)
    assert ax.get_title() == f"Warping path, cost {math.hypot(2e200, 3e200):.4g}"
    assert ax.get_title() == f"Warping path, cost {dtw(s1, s2):.4g}"


def test_local_cost_past_the_float_range_is_blank():
    ax = plot_path([1e200, 0.0], [3e200, 1.0], cost="local", show_series=False)
    shown = ax.images[0].get_array()
    # (1 - 0)**2 = 1 is the one square in range; the others are blank cells.
    np.testing.assert_array_equal(shown.mask, [[True, True], [True, False]])
    assert shown[1, 1] == 1.0


@pytest.mark.parametrize("function", [plot_path, plot_matches])
def test_a_path_of_pairs_of_different_sizes_is_named(function):
    with pytest.raises(ValueError, match=r"path must be a list of \(i, j\) pairs"):
        function([1.0, 2.0], [1.0, 2.0], path=[(0, 0), (1,)])


@pytest.mark.parametrize("offset", ["1", np.array([1.0, 2.0]), 1j])
def test_plot_matches_offset_must_be_a_real_number(offset):
    with pytest.raises(TypeError, match="offset must be a real number"):
        plot_matches([1.0, 2.0], [1.0, 2.0], offset=offset)


@no_warnings
@pytest.mark.parametrize(
    ("s1", "s2", "offset"),
    [
        ([1.7e308, 0.0], [-1.7e308], None),  # the range itself, 3.4e308, is past float64's
        ([1e308, 0.0], [0.0], None),  # s1 + 1.2e308 reaches 2.2e308
        ([1e308, 0.0], [0.0], 1e308),
        ([-1e308, 0.0], [0.0], -1e308),
        ([1.7e308, 0.0], [0.0], 1e307),  # 1.8e308, finite, but not with the 5% margin
        # Finite with the margins, yet past what matplotlib's ticks can reach: the old check
        # let these through, and drawing them overflowed (or failed in np.arange).
        ([1e308, 0.0], [0.0], 0.0),
        ([5e307, -5e307], [0.0], 0.0),
        ([1.7e308, 1.7e308], [1.7e308], None),  # constant: matplotlib widens the axis by 5%
        ([1e307, 0.0], [0.0], 0.0),  # overflows on a small axes only
        ([2e306, 0.0], [0.0], 0.0),  # just past float64's max / 100
    ],
)
def test_values_past_the_float_range_once_shifted_are_refused(s1, s2, offset):
    with pytest.raises(ValueError, match=r"s1 shifted up by .* and s2 reach .* overflows"):
        draw(plot_matches(s1, s2, offset=offset, ax=small_axes()))


@no_warnings
@pytest.mark.parametrize("make_axes", [small_axes, lambda: None])
def test_values_within_a_hundredth_of_the_float_range_are_drawn(make_axes):
    # 1.2 * 1e306 = 1.2e306 above s1's 5e305: 1.7e306, below float64's max / 100.
    ax = draw(plot_matches([5e305, 0.0], [-5e305], ax=make_axes()))
    np.testing.assert_array_equal(
        ax.lines[0].get_ydata(), np.array([5e305, 0.0]) + 1.2 * (5e305 + 5e305)
    )
    assert np.isfinite(ax.get_ylim()).all()


# plot_path draws the series too, in its side panels.


@no_warnings
@pytest.mark.parametrize(
    ("s1", "s2"),
    [
        ([1e308, -1e308, 0.0], [1e308, 0.0]),  # the range overflowed: a RuntimeWarning
        ([1e308, 0.0], [0.0, 1.0]),  # the ticks of the left panel overflowed
        ([1.7e308, 1.7e308], [1.7e308]),  # constant: np.arange failed in matplotlib's ticks
        ([0.0, 1.0], [-1.7e308, 0.0]),
        ([2e306, 0.0], [0.0, 1.0]),  # just past float64's max / 100
    ],
)
def test_plot_path_refuses_series_it_cannot_draw(s1, s2):
    with pytest.raises(ValueError, match=r"s1 and s2 reach .* show_series=False"):
        draw(plot_path(s1, s2))
    # Without the panels the same series are fine: only the matrix and the path are drawn.
    ax = draw(plot_path(s1, s2, show_series=False))
    assert ax.get_title() == f"DTW path, distance {dtw(s1, s2):.4g}"


@no_warnings
@pytest.mark.parametrize(
    ("s1", "s2"),
    [
        ([1.7e306, -1.7e306, 0.0], [1.7e306, 0.0]),  # below float64's max / 100
        ([1e-320, 0.0, 5e-321], [0.0, 1e-320]),  # subnormal values are drawn as they are
    ],
)
@pytest.mark.parametrize("make_axes", [small_axes, lambda: None])
def test_plot_path_draws_series_near_both_ends_of_the_range(s1, s2, make_axes):
    ax = draw(plot_path(s1, s2, cost="local", ax=make_axes()))
    top, left = ax.child_axes[1:]
    np.testing.assert_array_equal(top.lines[0].get_ydata(), s2)
    np.testing.assert_array_equal(left.lines[0].get_xdata(), s1)
    assert np.isfinite(left.get_xlim()).all() and np.isfinite(top.get_ylim()).all()


@no_warnings
def test_computed_costs_too_large_to_draw_are_blank():
    # (1e154 - 0)**2 = 1e308 and (1e154 - 1)**2 are finite, but past what matplotlib's colour
    # scale can take: blank, as the cells past float64's range are; the 1 and 0 are drawn.
    ax = draw(plot_path([1e154, 1.0], [0.0, 1.0], cost="local", show_series=False))
    shown = ax.images[0].get_array()
    np.testing.assert_array_equal(shown.mask, [[True, True], [False, False]])
    assert shown.compressed().tolist() == [1.0, 0.0]
    # The accumulated cost: 1.3e154**2 = 1.69e308 in each cell, all blank.
    ax = draw(plot_path([1.3e154, 0.0], [0.0], show_series=False))
    assert ax.images[0].get_array().mask.all()


@no_warnings
def test_a_cost_matrix_too_large_to_draw_is_refused():
    for large, shown in ((1e308, r"1e\+308"), (-2e306, r"2e\+306")):
        with pytest.raises(ValueError, match=f"values of cost reach {shown} in absolute value"):
            draw(plot_path([0.0, 1.0], [0.0, 1.0], cost=[[0.0, large], [np.inf, 0.0]]))
    # 1.7e306 fits; inf is a blank cell.
    cost = [[0.0, -1.7e306], [np.inf, 1.7e306]]
    ax = draw(plot_path([0.0, 1.0], [0.0, 1.0], cost=cost, ax=small_axes()))
    np.testing.assert_array_equal(ax.images[0].get_array().mask, [[False, False], [True, False]])


# Malformed arguments: an error naming the argument, before any figure is made.


def test_a_masked_cost_matrix_keeps_its_mask():
    # The mask was dropped: the data under it was drawn.
    cost = np.ma.masked_array(np.arange(6.0).reshape(2, 3), mask=[[0, 1, 0], [1, 0, 0]])
    ax = plot_path([0.0, 1.0], [0.0, 1.0, 2.0], cost=cost, show_series=False)
    shown = ax.images[0].get_array()
    np.testing.assert_array_equal(shown.mask, [[False, True, False], [True, False, False]])
    assert shown.compressed().tolist() == [0.0, 2.0, 4.0, 5.0]


@pytest.mark.parametrize(
    ("cost", "error", "message"),
    [
        ([[None, 1.0], [1.0, 1.0]], TypeError, "cost must hold real numbers.*None"),  # was NaN
        ([["a", "b"], ["c", "d"]], TypeError, "cost must hold real numbers"),
        (np.ones((2, 2)) * 1j, TypeError, "cost must hold real numbers"),  # was a warning
        ([[1.0, 2.0], [1.0]], ValueError, "cost could not be read as an array"),
    ],
)
def test_a_cost_matrix_that_is_not_numbers_is_named(cost, error, message):
    with pytest.raises(error, match=message):
        plot_path([0.0, 1.0], [0.0, 1.0], cost=cost)


@pytest.mark.parametrize("function", PLOTS)
def test_ax_must_be_one_matplotlib_axes(function):
    fig, axes = plt.subplots(1, 2)
    with pytest.raises(TypeError, match=r"ax must be a matplotlib Axes.*axes\[0\]"):
        function([0.0, 1.0], [0.0, 1.0], ax=axes)
    for wrong in (fig, "ax", plt):
        with pytest.raises(TypeError, match="ax must be a matplotlib Axes or None, got"):
            function([0.0, 1.0], [0.0, 1.0], ax=wrong)
    assert plt.get_fignums() == [fig.number]  # pyplot's current figure was not drawn on


@pytest.mark.parametrize("function", PLOTS)
@pytest.mark.parametrize("projection", ["polar", "3d"])
def test_ax_must_be_a_plain_x_y_axes(function, projection):
    # Drawn on nonsense (polar), or failing with an AttributeError when drawn (3d).
    ax = plt.figure().add_subplot(projection=projection)
    with pytest.raises(ValueError, match=f"ax must be a plain x-y Axes, got a '{projection}'"):
        function([0.0, 1.0], [0.0, 1.0], ax=ax)


@pytest.mark.parametrize(
    "path",
    [
        [(1, 1), (0, 0)],  # reversed
        [(0, 0), (2, 1), (1, 2), (2, 2)],  # i goes back
        [(0, 0), (0, 2), (1, 1), (2, 2)],  # j goes back
    ],
)
def test_plot_path_refuses_a_path_that_goes_back(path):
    # It was drawn as a line that doubles back across the matrix.
    with pytest.raises(ValueError, match="path must go forward"):
        plot_path([0.0, 1.0, 2.0], [0.0, 1.0, 2.0], path=path)
    # Matches have no order: plot_matches draws them all.
    ax = plot_matches([0.0, 1.0, 2.0], [0.0, 1.0, 2.0], path=path, offset=1)
    assert len(ax.collections[0].get_segments()) == len(path)


def test_plot_path_names_the_pair_that_goes_back():
    with pytest.raises(ValueError, match=r"got \(1, 0\) after \(1, 1\) \(pairs 1, 2\)"):
        plot_path([0.0, 1.0], [0.0, 1.0], path=[(0, 0), (1, 1), (1, 0)])


def test_plot_matches_offset_past_the_float_range_is_named():
    # float(10**400) raised an OverflowError.
    for offset in (10**400, -(10**400)):
        with pytest.raises(ValueError, match="offset must be a finite number"):
            plot_matches([0.0, 1.0], [0.0, 1.0], offset=offset)


def test_plot_matches_offset_may_be_any_real_number_but_a_bool():
    # A Fraction broke the legend label's format (a TypeError); True was read as 1.
    ax = plot_matches([0.0, 1.0], [0.0, 1.0], offset=Fraction(1, 4))
    assert ax.lines[0].get_ydata().tolist() == [0.25, 1.25]
    assert ax.get_legend().get_texts()[1].get_text() == "s1 +0.25"
    with pytest.raises(TypeError, match="offset must be a real number, got True"):
        plot_matches([0.0, 1.0], [0.0, 1.0], offset=True)


def test_plot_alignment_gamma_may_be_any_real_number():
    # A Fraction broke the title's format; a 0-d array is read as the number it holds.
    for gamma in (Fraction(1, 4), np.array(0.25)):
        ax = plot_alignment([0.0, 1.0], [0.0, 1.0], gamma=gamma)
        assert ax.get_title().startswith("Soft-DTW alignment, $\\gamma$ = 0.25, value ")


@pytest.mark.parametrize("function", [plot_path, plot_alignment])
def test_a_matrix_too_large_to_draw_is_refused_before_it_is_computed(function):
    # 7072 * 7072 = 50,013,184 cells, some 4 GB at the peak of the figure: the old code
    # went on and allocated them (or died for memory on a small machine).
    s1 = s2 = np.zeros(7072)
    with pytest.raises(ValueError, match="s1 and s2 of lengths 7072 and 7072 make a matrix"):
        function(s1, s2)
    assert plt.get_fignums() == []


@pytest.mark.parametrize(
    ("function", "arguments"),
    [
        (plot_path, {"cmap": "no such map"}),
        (plot_alignment, {"cmap": "no such map"}),
        (plot_path, {"cost": np.zeros((3, 3))}),
        (plot_path, {"path": [(0, 0), (5, 5)]}),
    ],
)
def test_an_error_leaves_no_figure_behind(function, arguments):
    # A bad cmap failed after the figure was made: an orphan figure stayed open in pyplot
    # (and showed up, blank, in a notebook).
    with pytest.raises(ValueError):
        function([0.0, 1.0], [0.0, 1.0], **arguments)
    assert plt.get_fignums() == []


# Inputs of every layout and dtype are read, never written.


def test_read_only_big_endian_and_strided_inputs_are_drawn_as_given():
    def frozen(values, dtype):
        arr = np.asarray(values, dtype=dtype)
        arr.flags.writeable = False
        return arr

    s1 = frozen([0, 9, 1, 9, 2, 9], ">f8")[::2]  # strided: 0, 1, 2
    s2 = frozen([[0], [2], [2]], ">i4")
    cost = frozen(np.arange(9).reshape(3, 3), np.float32).T  # Fortran order
    path = frozen([(0, 0), (1, 1), (2, 1), (2, 2)], ">i2")
    ax = plot_path(s1, s2, path=path, cost=cost)
    np.testing.assert_array_equal(ax.images[0].get_array(), [[0, 3, 6], [1, 4, 7], [2, 5, 8]])
    np.testing.assert_array_equal(ax.child_axes[2].lines[0].get_xdata(), [0.0, 1.0, 2.0])
    ax = plot_matches(s1, s2, path=path, offset=1)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [1.0, 2.0, 3.0])
    plot_alignment(s1, s2)
    # A write would have raised; the values are those given.
    assert s1.tolist() == [0.0, 1.0, 2.0] and cost[0].tolist() == [0.0, 3.0, 6.0]


def test_nan_padding_is_dropped_and_a_path_into_it_is_refused():
    s1 = [0.0, 1.0, 2.0, np.nan, np.nan]  # a series of length 3, padded to 5
    ax = plot_path(s1, [0.0, 2.0])
    assert ax.images[0].get_array().shape == (3, 2)
    np.testing.assert_array_equal(ax.child_axes[2].lines[0].get_xdata(), [0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match=r"outside the \(3, 2\) grid"):
        plot_matches(s1, [0.0, 2.0], path=[(0, 0), (4, 1)])
