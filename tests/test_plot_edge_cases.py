"""tswarp.plot on values near the ends of float64's range and on malformed arguments."""

import math

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from tswarp.metrics import dtw  # noqa: E402
from tswarp.plot import plot_matches, plot_path  # noqa: E402


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


@pytest.mark.parametrize(
    ("s1", "s2", "offset"),
    [
        ([1.7e308, 0.0], [-1.7e308], None),  # the range itself, 3.4e308, is past float64's
        ([1e308, 0.0], [0.0], None),  # s1 + 1.2e308 reaches 2.2e308
        ([1e308, 0.0], [0.0], 1e308),
        ([-1e308, 0.0], [0.0], -1e308),
        ([1.7e308, 0.0], [0.0], 1e307),  # 1.8e308, finite, but not with the 5% margin
    ],
)
def test_values_past_the_float_range_once_shifted_are_refused(s1, s2, offset):
    # The range and s1 + offset overflowed with a RuntimeWarning, and matplotlib's axis
    # scaling would overflow again on values so near the end of the range.
    with pytest.raises(ValueError, match="reach past float64's range"):
        plot_matches(s1, s2, offset=offset)


def test_values_that_fit_with_their_margins_are_drawn():
    # 1.2 * 3e307 = 3.6e307 above s1's 1e307: within the range, margins included.
    ax = plot_matches([1e307, 0.0], [-2e307])
    np.testing.assert_array_equal(
        ax.lines[0].get_ydata(), np.array([1e307, 0.0]) + 1.2 * (1e307 + 2e307)
    )
    assert np.isfinite(ax.get_ylim()).all()
