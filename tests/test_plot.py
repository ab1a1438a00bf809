"""tswarp.plot: what each figure shows, checked against tswarp.metrics, and its lazy import."""

import subprocess
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.image as mpimg  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402

from tswarp.metrics import (  # noqa: E402
    compute_mask,
    dtw_accumulated_matrix,
    dtw_path,
    soft_dtw_alignment,
)
from tswarp.plot import plot_alignment, plot_matches, plot_path  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def pair(rng):
    """Two sine waves of different lengths, one warped in time and a little noisy."""
    s1 = np.sin(2 * np.pi * np.linspace(0, 1, 23)) + rng.normal(0, 0.1, 23)
    s2 = np.sin(2 * np.pi * np.linspace(0, 1, 31) ** 1.5)
    return s1, s2


def check_png(fig, path):
    fig.savefig(path)
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    pixels = mpimg.imread(path)
    assert pixels.ndim == 3 and min(pixels.shape[:2]) > 100
    assert pixels[..., :3].std() > 0.05  # something was drawn, not a blank canvas


def labelled(items, label):
    found = [item for item in items if item.get_label() == label]
    assert len(found) == 1, [item.get_label() for item in items]
    return found[0]


def drawn_path(ax):
    line = labelled(ax.lines, "DTW path")
    return list(zip(line.get_ydata().tolist(), line.get_xdata().tolist(), strict=True))


def local_cost(s1, s2):
    return (np.subtract.outer(s1, s2)) ** 2


# plot_path


def test_plot_path_draws_the_dtw_path_over_the_accumulated_cost(pair, tmp_path):
    s1, s2 = pair
    ax = plot_path(s1, s2)
    path, distance = dtw_path(s1, s2)
    assert drawn_path(ax) == path
    shown = labelled(ax.images, "accumulated cost").get_array()
    np.testing.assert_allclose(shown, dtw_accumulated_matrix(s1, s2))
    assert not np.ma.getmaskarray(shown).any()  # no constraint: every cell has a value
    assert ax.get_xlabel() == "j (index in s2)"
    assert (ax.get_xlim(), ax.get_ylim()) == ((-0.5, 30.5), (22.5, -0.5))  # s1 runs down

    assert ax.figure.axes == [ax]  # the panels are inset axes of the heat map
    cbar, top, left = ax.child_axes  # colour bar, s2 on top, s1 on the left
    assert cbar.get_ylabel() == "accumulated cost"
    assert ax.get_title() == f"DTW path, distance {distance:.4g}"
    np.testing.assert_array_equal(top.lines[0].get_xdata(), np.arange(31))
    np.testing.assert_array_equal(top.lines[0].get_ydata(), s2)
    np.testing.assert_array_equal(left.lines[0].get_xdata(), s1)
    np.testing.assert_array_equal(left.lines[0].get_ydata(), np.arange(23))
    assert (top.get_ylabel(), left.get_xlabel()) == ("s2", "s1")
    assert left.get_ylabel() == "i (index in s1)"
    assert left.xaxis_inverted()  # s1 is mirrored so that it points away from the matrix
    check_png(ax.figure, tmp_path / "path.png")


def test_plot_path_shades_the_band_and_passes_the_constraint_on(pair, tmp_path):
    s1, s2 = pair
    ax = plot_path(s1, s2, cost="local", sakoe_chiba_radius=2)
    assert drawn_path(ax) == dtw_path(s1, s2, sakoe_chiba_radius=2)[0]
    shown = labelled(ax.images, "squared distance").get_array()
    np.testing.assert_allclose(shown, local_cost(s1, s2))
    band = compute_mask(23, 31, sakoe_chiba_radius=2)
    shade = labelled(ax.images, "outside the band").get_array()
    np.testing.assert_array_equal(shade[..., 3] > 0, ~band)
    edges = [line for line in ax.lines if line.get_label() == "band edge"]
    assert len(edges) == 2
    # The left edge runs along the border of the first admitted cell of each row.
    first = np.argmax(band, axis=1)
    np.testing.assert_array_equal(edges[0].get_xdata(), np.repeat(first - 0.5, 2))
    check_png(ax.figure, tmp_path / "path_band.png")


def test_plot_path_blanks_the_cells_that_the_constraint_leaves_out(pair):
    s1, s2 = pair
    ax = plot_path(s1, s2, global_constraint="itakura", itakura_max_slope=2.0)
    shown = labelled(ax.images, "accumulated cost").get_array()
    expected = dtw_accumulated_matrix(s1, s2, global_constraint="itakura", itakura_max_slope=2.0)
    np.testing.assert_array_equal(np.ma.getmaskarray(shown), np.isinf(expected))
    np.testing.assert_allclose(shown.compressed(), expected[np.isfinite(expected)])
    assert drawn_path(ax) == dtw_path(s1, s2, itakura_max_slope=2.0)[0]


def test_plot_path_draws_a_given_path_and_matrix():
    s1, s2 = [0.0, 1.0, 2.0], [0.0, 2.0, 2.0, 3.0]
    path = [(0, 0), (1, 0), (2, 1), (2, 2), (2, 3)]
    cost = np.arange(12.0).reshape(3, 4)
    ax = plot_path(s1, s2, path=path, cost=cost, show_series=False)
    assert drawn_path(ax) == path
    np.testing.assert_array_equal(labelled(ax.images, "cost").get_array(), cost)
    # The cost of that path: 0 + 1 + 0 + 0 + 1 squared.
    assert ax.get_title() == "Warping path, cost 1.414"


def test_plot_path_draws_on_the_given_axes():
    fig, ax = plt.subplots()
    returned = plot_path([1, 2, 3], [1, 2, 2, 3], ax=ax, show_series=False, colorbar=False)
    assert returned is ax
    assert fig.axes == [ax] and len(ax.child_axes) == 0
    assert ax.get_ylabel() == "i (index in s1)"
    assert ax.get_title() == "DTW path, distance 0"
    assert len(ax.images) == 1


def test_plot_path_draws_every_feature_of_multivariate_series(rng):
    s1, s2 = rng.normal(size=(10, 3)), rng.normal(size=(12, 3))
    ax = plot_path(s1, s2)
    left = ax.child_axes[2]
    assert len(left.lines) == 3
    for k, line in enumerate(left.lines):
        np.testing.assert_array_equal(line.get_xdata(), s1[:, k])
    assert drawn_path(ax) == dtw_path(s1, s2)[0]


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"path": [0, 1]}, ValueError, "list of .i, j. pairs"),
        ({"path": [(0, 0), (3, 3)]}, ValueError, "outside the .3, 4. grid"),
        ({"path": [(0.0, 0.0)]}, TypeError, "integer indices"),
        ({"cost": np.zeros((4, 3))}, ValueError, r"shape \(sz1, sz2\) = \(3, 4\)"),
        ({"cost": "total"}, ValueError, "cost must be"),
        ({"global_constraint": "band"}, ValueError, "global_constraint must be"),
    ],
)
def test_plot_path_rejects_bad_arguments(arguments, error, message):
    with pytest.raises(error, match=message):
        plot_path([1, 2, 3], [1, 2, 2, 3], **arguments)


# plot_alignment


def test_plot_alignment_shows_the_expected_alignment_and_the_path(pair, tmp_path):
    s1, s2 = pair
    ax = plot_alignment(s1, s2, gamma=0.5)
    alignment, value = soft_dtw_alignment(s1, s2, gamma=0.5)
    image = labelled(ax.images, "expected alignment")
    np.testing.assert_allclose(image.get_array(), alignment)
    assert image.get_clim() == (0.0, 1.0)
    assert drawn_path(ax) == dtw_path(s1, s2)[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("j (index in s2)", "i (index in s1)")
    assert ax.get_title() == f"Soft-DTW alignment, $\\gamma$ = 0.5, value {value:.4g}"
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["DTW path"]
    assert len(ax.figure.axes) == 2  # and a colour bar
    check_png(ax.figure, tmp_path / "alignment.png")


def test_plot_alignment_with_gamma_zero_shows_the_path_itself(pair):
    s1, s2 = pair
    ax = plot_alignment(s1, s2, gamma=0)
    indicator = np.zeros((23, 31))
    indicator[tuple(np.transpose(dtw_path(s1, s2)[0]))] = 1
    np.testing.assert_array_equal(ax.images[0].get_array(), indicator)


def test_plot_alignment_passes_the_constraint_on_and_uses_the_given_axes(pair):
    s1, s2 = pair
    fig, ax = plt.subplots()
    returned = plot_alignment(s1, s2, ax=ax, sakoe_chiba_radius=1, show_path=False, colorbar=False)
    assert returned is ax and fig.axes == [ax]
    assert len(ax.lines) == 0 and ax.get_legend() is None
    shown = ax.images[0].get_array()
    np.testing.assert_allclose(shown, soft_dtw_alignment(s1, s2, sakoe_chiba_radius=1)[0])
    assert not shown[~compute_mask(23, 31, sakoe_chiba_radius=1)].any()


# plot_matches


def matches(ax):
    collection = labelled(ax.collections, "matches")
    assert isinstance(collection, LineCollection)
    return collection.get_segments()


def test_plot_matches_joins_each_matched_pair(pair, tmp_path):
    s1, s2 = pair
    ax = plot_matches(s1, s2, offset=3.0)
    path, distance = dtw_path(s1, s2)
    segments = matches(ax)
    assert len(segments) == len(path)
    for segment, (i, j) in zip(segments, path, strict=True):
        np.testing.assert_allclose(segment, [[i, s1[i] + 3.0], [j, s2[j]]])
    top, bottom = ax.lines
    np.testing.assert_allclose(top.get_xydata(), np.column_stack([np.arange(23), s1 + 3.0]))
    np.testing.assert_allclose(bottom.get_xydata(), np.column_stack([np.arange(31), s2]))
    assert [text.get_text() for text in ax.get_legend().get_texts()] == [
        "matches",
        "s1 +3",
        "s2",
    ]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("time index", "value")
    assert ax.get_title() == f"DTW matches, distance {distance:.4g}"
    check_png(ax.figure, tmp_path / "matches.png")


def test_plot_matches_default_offset_separates_the_series(pair):
    s1, s2 = pair
    ax = plot_matches(s1, s2)
    top, bottom = ax.lines
    assert top.get_ydata().min() > bottom.get_ydata().max()
    shift = top.get_ydata() - s1
    np.testing.assert_allclose(shift, shift[0])
    ax = plot_matches([2.0, 2.0], [2.0])  # constant series: a unit shift
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [3.0, 3.0])


def test_plot_matches_draws_one_feature_of_multivariate_series(rng, tmp_path):
    s1, s2 = rng.normal(size=(15, 2)), rng.normal(size=(19, 2))
    ax = plot_matches(s1, s2, offset=5, feature=1)
    path = dtw_path(s1, s2)[0]  # the path of both features
    segments = matches(ax)
    for segment, (i, j) in zip(segments, path, strict=True):
        np.testing.assert_allclose(segment, [[i, s1[i, 1] + 5], [j, s2[j, 1]]])
    note = ax.get_legend().get_title().get_text()
    assert note == "feature 1 of 2 shown;\nthe path uses all 2"
    check_png(ax.figure, tmp_path / "matches_multivariate.png")


def test_plot_matches_draws_a_given_path_on_the_given_axes():
    fig, ax = plt.subplots()
    path = [(0, 0), (1, 1), (2, 1)]
    assert plot_matches([0, 1, 2], [0, 2], path=path, ax=ax, offset=-4) is ax
    assert fig.axes == [ax]
    np.testing.assert_allclose(
        matches(ax), [[[0, -4], [0, 0]], [[1, -3], [1, 2]], [[2, -2], [1, 2]]]
    )
    assert ax.get_title() == "Matched time steps"
    assert ax.get_legend().get_texts()[1].get_text() == "s1 -4"


@pytest.mark.parametrize("feature", [2, -1, 0.5, True])
def test_plot_matches_rejects_a_missing_feature(feature):
    with pytest.raises(ValueError, match="feature must be an int"):
        plot_matches(np.zeros((3, 2)), np.zeros((4, 2)), feature=feature)


def test_plot_matches_rejects_an_infinite_offset():
    with pytest.raises(ValueError, match="offset must be a finite number"):
        plot_matches([0, 1], [0, 1], offset=np.inf)


# Importing


def run_python(code):
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_package_and_metrics_leave_matplotlib_out():
    code = "import tswarp, tswarp.metrics, sys; print('matplotlib' in sys.modules)"
    assert run_python(code) == "False"


def test_plot_without_matplotlib_says_how_to_install_it():
    code = (
        "import sys\n"
        "sys.modules['matplotlib'] = None  # as if it were not installed\n"
        "try:\n"
        "    import tswarp.plot\n"
        "except ImportError as error:\n"
        "    print(type(error).__name__, error)\n"
    )
    output = run_python(code)
    assert output.startswith("ImportError tswarp.plot needs matplotlib")
    assert output.endswith('pip install "tswarp[plot]"')


def test_plot_is_a_lazy_attribute_of_the_package():
    import tswarp

    assert tswarp.plot.plot_path is plot_path
    assert "plot" in dir(tswarp) and "plot" not in tswarp.__all__
