"""Extreme but valid arguments: infinite radii, huge slopes, huge values, extreme gammas."""

import math
import re
from fractions import Fraction

import numpy as np
import pytest
from conftest import HAS_TORCH
from oracles import accumulated_naive, dtw_naive, soft_dtw_brute_force

from tswarp.cli import main
from tswarp.metrics import (
    cdist_dtw,
    cdist_soft_dtw,
    cdist_soft_dtw_normalized,
    compute_mask,
    dtw,
    itakura_mask,
    lb_envelope,
    lb_keogh,
    sakoe_chiba_mask,
    soft_dtw,
    soft_dtw_alignment,
    soft_dtw_normalized,
)

needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="torch missing")

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


@needs_torch
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


# --- extreme gamma ------------------------------------------------------------------------------

SOFT_FUNCTIONS = [soft_dtw, soft_dtw_normalized, soft_dtw_alignment]
CDIST_SOFT_FUNCTIONS = [cdist_soft_dtw, cdist_soft_dtw_normalized]


def largest_usable(message):
    """The largest usable gamma that an error message states."""
    return float(re.search(r"gamma <= (\S+)$", message).group(1))


def test_a_huge_gamma_up_to_the_stated_limit_gives_the_right_value():
    x, y = [1.0, 2.0, 3.0], [0.0, 5.0]
    with pytest.raises(
        ValueError, match=r"gamma=1.7e[+]308 is too large for series of lengths 3 and 2"
    ) as error:
        soft_dtw(x, y, gamma=1.7e308)
    limit = largest_usable(str(error.value))
    assert 1e307 < limit < 1.7e308
    for gamma in [limit, 1e307, 1e300]:
        value = soft_dtw(x, y, gamma=gamma)
        assert value == pytest.approx(soft_dtw_brute_force(x, y, gamma)[0], rel=1e-12)
        alignment, same = soft_dtw_alignment(x, y, gamma=gamma)
        assert same == value and np.isfinite(alignment).all()
    with pytest.raises(ValueError, match="too large"):
        soft_dtw(x, y, gamma=limit * (1 + 1e-15))


def test_the_divergence_rejects_a_gamma_its_self_terms_cannot_hold():
    x, y = np.zeros(100), np.ones(100)
    with pytest.raises(
        ValueError, match=r"gamma=1e[+]306 is too large for series of lengths 100"
    ) as error:
        soft_dtw_normalized(x, y, gamma=1e306)
    limit = largest_usable(str(error.value))
    assert np.isfinite(soft_dtw_normalized(x, y, gamma=limit))
    for function in CDIST_SOFT_FUNCTIONS:
        with pytest.raises(ValueError, match=r"gamma=1e[+]306 is too large"):
            function([x, y], gamma=1e306)
        assert np.isfinite(function([x, y], gamma=limit)).all()


def test_cli_rejects_an_unusable_gamma_in_one_line(tmp_path, capsys):
    np.save(tmp_path / "x.npy", np.stack([np.zeros(100), np.ones(100)]))
    out = tmp_path / "d.npy"
    args = ["cdist", str(tmp_path / "x.npy"), "-o", str(out), "--metric", "soft_dtw_normalized"]
    assert main([*args, "--gamma", "1e306"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "gamma=1e+306 is too large" in err
    assert not out.exists() and not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("function", SOFT_FUNCTIONS + CDIST_SOFT_FUNCTIONS)
def test_a_gamma_past_the_float_range_is_a_value_error(function):
    args = ([1.0, 2.0], [3.0]) if function in SOFT_FUNCTIONS else ([[1.0, 2.0], [3.0, 4.0]],)
    with pytest.raises(ValueError, match="gamma must be a finite number >= 0"):
        function(*args, gamma=10**400)


@needs_torch
def test_torch_soft_dtw_rejects_gammas_as_numpy_does():
    import torch

    from tswarp.metrics import SoftDTWLossPyTorch

    x = torch.zeros(1, 100, 1, dtype=torch.float64)
    y = torch.ones(1, 100, 1, dtype=torch.float64)
    for backend in [True, False]:
        with pytest.raises(ValueError, match=r"gamma=1e[+]306 is too large"):
            soft_dtw_normalized(x[0], y[0], gamma=1e306, compute_with_backend=backend)
        with pytest.raises(ValueError, match=r"gamma=1.7e[+]308 is too large"):
            soft_dtw(x[0], y[0], gamma=1.7e308, compute_with_backend=backend)
    with pytest.raises(ValueError, match="gamma must be a finite number > 0"):
        SoftDTWLossPyTorch(gamma=10**400)
    with pytest.raises(ValueError, match=r"gamma=1e[+]306 is too large"):
        SoftDTWLossPyTorch(gamma=1e306, normalize=True)(x, y)
    with pytest.raises(ValueError, match=r"gamma=1e[+]37 is too large .* overflow float32"):
        SoftDTWLossPyTorch(gamma=1e37)(x.float(), y.float())


@needs_torch
@pytest.mark.parametrize("gamma", [1e-310, 5e-324, 1e-300])
def test_the_torch_wavefront_takes_a_subnormal_gamma(gamma):
    import torch

    x = torch.tensor([[0.0], [1.0], [4.0]], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([[1.0], [3.0], [0.0], [2.0]], dtype=torch.float64)
    expected = accumulated_naive(x.detach().numpy(), y.numpy())[-1, -1]
    gradients = []
    for backend in [True, False]:
        value = soft_dtw(x, y, gamma=gamma, compute_with_backend=backend)
        assert value.item() == pytest.approx(expected, rel=1e-15)
        (gradient,) = torch.autograd.grad(value, x)
        assert torch.isfinite(gradient).all()
        gradients.append(gradient)
    torch.testing.assert_close(gradients[0], gradients[1])
