"""Extreme but valid arguments: infinite radii, huge slopes, huge values, extreme gammas."""

import math
from fractions import Fraction

import numpy as np
import pytest
from conftest import HAS_TORCH
from oracles import dtw_naive

from tswarp.cli import main
from tswarp.metrics import (
    cdist_dtw,
    compute_mask,
    dtw,
    itakura_mask,
    lb_envelope,
    lb_keogh,
    sakoe_chiba_mask,
)

# --- infinite radius, huge and tiny slopes ----------------------------------------------------


def itakura_exact(n, m, max_slope):
    """tslearn's Itakura parallelogram, column by column, in exact rational arithmetic."""
    slope, scale = Fraction(max_slope), Fraction(n, m)
    high, low = slope * scale, scale / slope
    mask = np.zeros((n, m), dtype=bool)
    for j in range(m):
        lower = max(round(low * j, 2), round((n - 1) - high * (m - 1 - j), 2))
        upper = min(round(high * j, 2), round((n - 1) - low * (m - 1 - j), 2))
        mask[max(math.ceil(lower), 0) : math.floor(upper + 1), j] = True
    return mask


@pytest.mark.parametrize(
    "radius", [math.inf, 10**400, 2.0**70, 2**63 + 5], ids=["inf", "10**400", "2.0**70", "2**63+5"]
)
def test_a_radius_beyond_any_length_is_no_constraint(radius):
    x, y = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], [0.0, 0.0, 0.0, 1.0, 2.0]
    assert dtw(x, y, sakoe_chiba_radius=radius) == dtw(x, y)
    assert cdist_dtw([x], [y], sakoe_chiba_radius=radius)[0, 0] == dtw(x, y)
    assert sakoe_chiba_mask(4, 6, radius=radius).all()
    assert compute_mask(4, 6, sakoe_chiba_radius=radius).all()
    down, up = lb_envelope(x, radius=radius)
    assert np.all(down == 0) and np.all(up == 5)
    assert lb_keogh(y, x[:5], radius=radius) == 0


@pytest.mark.skipif(not HAS_TORCH, reason="torch missing")
def test_the_loss_takes_an_infinite_radius():
    import torch

    from tswarp.metrics import SoftDTWLossPyTorch

    x = torch.linspace(0, 1, 12, dtype=torch.float64).reshape(2, 6, 1)
    y = torch.linspace(1, 0, 10, dtype=torch.float64).reshape(2, 5, 1)
    free = SoftDTWLossPyTorch(gamma=0.5)(x, y)
    torch.testing.assert_close(
        SoftDTWLossPyTorch(gamma=0.5, sakoe_chiba_radius=math.inf)(x, y), free
    )


@pytest.mark.parametrize("text", ["inf", "Infinity"])
def test_cli_takes_an_infinite_radius(tmp_path, capsys, text):
    X = np.random.default_rng(3).standard_normal((4, 7))
    np.save(tmp_path / "x.npy", X)
    args = ["cdist", str(tmp_path / "x.npy"), "-o", str(tmp_path / "d.npy")]
    assert main([*args, "--sakoe-chiba-radius", text]) == 0
    np.testing.assert_array_equal(np.load(tmp_path / "d.npy"), cdist_dtw(X))
    capsys.readouterr()


HUGE_SLOPES = [1e6, 1e12, 1e15, 1e300, 1.7e308, 10**400]


@pytest.mark.parametrize(
    "n, m", [(1, 1), (1, 6), (2, 2), (4, 4), (5, 4), (4, 5), (7, 3), (3, 7), (20, 15)]
)
@pytest.mark.parametrize(
    "slope", HUGE_SLOPES, ids=["1e6", "1e12", "1e15", "1e300", "1.7e308", "1e400"]
)
def test_huge_slopes_give_the_exact_parallelogram(n, m, slope):
    np.testing.assert_array_equal(itakura_mask(n, m, slope), itakura_exact(n, m, slope))


def test_huge_slopes_on_long_series_keep_the_last_column_to_the_last_row():
    # Written as tslearn writes it, the bound of the last column cancels catastrophically
    # from slopes of about 1e10 on such lengths: there the column held every row, or none.
    n = m = 1500
    for slope in [1e12, 1e15]:
        mask = itakura_mask(n, m, slope)
        for j in [0, 1, 2, m - 3, m - 2, m - 1]:
            np.testing.assert_array_equal(mask[:, j], itakura_exact(n, m, slope)[:, j])


def test_huge_slopes_compute_dtw_on_the_parallelogram():
    x, y = [0.0, 3.0, 1.0, 4.0, 1.0], [5.0, 9.0, 2.0, 6.0]
    mask = itakura_exact(5, 4, 1.7e308)
    assert dtw(x, y, itakura_max_slope=1.7e308) == pytest.approx(dtw_naive(x, y, mask), rel=1e-15)


@pytest.mark.parametrize(
    "slope", [1.7e308, 1e300, 10**400, 2.0], ids=["1.7e308", "1e300", "10**400", "2"]
)
def test_no_slope_fits_some_lengths_and_the_message_says_so(slope):
    with pytest.raises(ValueError, match="no itakura_max_slope admits a warping path"):
        dtw([1.0, 2.0, 3.0], [3.0, 4.0], itakura_max_slope=slope)
    with pytest.raises(ValueError, match="no itakura_max_slope admits"):
        itakura_mask(5, 1, max_slope=slope)


@pytest.mark.parametrize("slope", [1e-300, 5e-324, 0.5])
def test_tiny_slopes_ask_for_a_larger_one(slope):
    with pytest.raises(ValueError, match="use a larger slope"):
        dtw([1.0, 2.0, 3.0, 4.0], [3.0, 4.0, 5.0], itakura_max_slope=slope)
    assert dtw([2.0], [5.0], itakura_max_slope=slope) == 3.0
