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
    dtw_accumulated_matrix,
    dtw_path,
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


# --- huge values: squared costs past the float range ------------------------------------------


def dtw_exact(x, y, mask=None):
    """(squared cost, path) of DTW in exact rational arithmetic, backtracking as tslearn does
    (diagonal, then up, then left); x and y are 1-D and ``mask`` the admissible cells."""
    x, y = [Fraction(float(v)) for v in x], [Fraction(float(v)) for v in y]
    n, m = len(x), len(y)
    acc = [[None] * m for _ in range(n)]  # None: unreachable
    for i in range(n):
        for j in range(m):
            if mask is not None and not mask[i, j]:
                continue
            before = [acc[i - 1][j - 1] if i and j else None]
            before += [acc[i - 1][j] if i else None, acc[i][j - 1] if j else None]
            reachable = [value for value in before if value is not None]
            if i == j == 0:
                reachable = [0]
            if reachable:
                acc[i][j] = (x[i] - y[j]) ** 2 + min(reachable)
    path, (i, j) = [(n - 1, m - 1)], (n - 1, m - 1)
    while (i, j) != (0, 0):
        moves = [(i - 1, j - 1), (i - 1, j), (i, j - 1)]
        moves = [(a, b) for a, b in moves if a >= 0 and b >= 0 and acc[a][b] is not None]
        i, j = min(moves, key=lambda cell: acc[cell[0]][cell[1]])  # first of the minima
        path.append((i, j))
    return acc[n - 1][m - 1], path[::-1]


def root(cost):
    """The square root of a huge exact cost, as a float (the fractional part cannot matter)."""
    return float(math.isqrt(int(cost)))


X32 = np.float32([1e20, -1e20, 3e19])
Y32 = np.float32([-1e20, 1e20])
# Unequal lengths under a band: a path built from an overflowed run leaves it.
LONG64 = np.array([3e200, -1e200, 2e200, 5e199, -3e200, 1e200])
SHORT64 = np.array([-2e200, 1e200, 4e200, 0.0])
CONSTRAINTS = [{}, {"itakura_max_slope": 2.0}, {"sakoe_chiba_radius": 1}]


def test_dtw_of_huge_values_is_right_when_representable():
    assert dtw(X32, Y32) == pytest.approx(root(dtw_exact(X32, Y32)[0]), rel=1e-7)
    assert dtw(X32, Y32) == pytest.approx(2.1189620510546703e20, rel=1e-7)  # tslearn's
    big_x, big_y = X32.astype(np.float64) * 1e180, Y32.astype(np.float64) * 1e180
    assert dtw(big_x, big_y) == pytest.approx(root(dtw_exact(big_x, big_y)[0]), rel=1e-12)
    assert dtw([1.7e308, -1.7e308], [-1.7e308]) == math.inf  # 3.4e308 is past the float range


@pytest.mark.parametrize("constraint", CONSTRAINTS, ids=["free", "itakura", "sakoe_chiba"])
@pytest.mark.parametrize("scale", [1e-180, 1.0], ids=["float32", "float64"])
def test_dtw_path_of_huge_values_is_optimal_and_in_the_band(constraint, scale):
    x, y = LONG64 * scale, SHORT64 * scale
    if scale != 1.0:
        x, y = x.astype(np.float32), y.astype(np.float32)
    mask = compute_mask(len(x), len(y), **constraint)
    cost, expected = dtw_exact(x, y, mask)
    path, distance = dtw_path(x, y, **constraint)
    assert path == expected and all(mask[i, j] for i, j in path)
    assert distance == pytest.approx(root(cost), rel=1e-6 if scale != 1.0 else 1e-12)
    assert dtw(x, y, **constraint) == distance


@pytest.mark.parametrize("constraint", CONSTRAINTS, ids=["free", "itakura", "sakoe_chiba"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cdist_dtw_of_huge_values_is_right_in_either_output_dtype(rng, constraint, dtype):
    # Enough series of one length that the lane kernels run as well as the scalar one.
    scale = 1e19 if dtype == np.float32 else 1e200
    X = (rng.standard_normal((12, 6)) * scale).astype(dtype)
    X[::3] /= scale  # some ordinary series among the huge ones
    mask = compute_mask(6, 6, **constraint)
    expected = np.array([[root(dtw_exact(a, b, mask)[0]) for b in X] for a in X])
    for out_dtype in [np.float64, np.float32]:
        if out_dtype == np.float32 and dtype == np.float64:
            continue  # distances of 1e200 are past float32
        for matrix in [cdist_dtw(X, dtype=out_dtype, **constraint), cdist_dtw(X, X, **constraint)]:
            assert np.isfinite(matrix).all()
            small = expected < 1e10  # pairs of ordinary series: not exact roots
            np.testing.assert_allclose(matrix[~small], expected[~small], rtol=1e-6)
            np.testing.assert_allclose(
                matrix[small], cdist_dtw(X.astype(np.float64), **constraint)[small], rtol=1e-6
            )


def test_accumulated_matrix_of_huge_float32_values_is_computed_in_float64():
    def exact_matrix(x, y):
        return np.array(
            [
                [float(dtw_exact(x[: i + 1], y[: j + 1])[0]) for j in range(len(y))]
                for i in range(len(x))
            ]
        )

    matrix = dtw_accumulated_matrix(LONG64 * 1e-180, SHORT64 * 1e-180)
    x, y = (LONG64 * 1e-180).astype(np.float32), (SHORT64 * 1e-180).astype(np.float32)
    np.testing.assert_allclose(dtw_accumulated_matrix(x, y), exact_matrix(x, y), rtol=1e-12)
    np.testing.assert_allclose(dtw_accumulated_matrix(x, y), matrix, rtol=1e-6)
    # In float64, entries past the float64 range are inf, and only those.
    big = dtw_accumulated_matrix(LONG64, SHORT64)
    scaled = exact_matrix(LONG64 * 2.0**-700, SHORT64 * 2.0**-700)  # entries times 4**-700
    np.testing.assert_array_equal(np.isinf(big), scaled > np.finfo(np.float64).max * 4.0**-700)


@pytest.mark.parametrize("constraint", CONSTRAINTS, ids=["free", "itakura", "sakoe_chiba"])
def test_soft_dtw_of_huge_values_at_gamma_zero_follows_the_exact_path(constraint):
    x, y = (LONG64 * 1e-180).astype(np.float32), (SHORT64 * 1e-180).astype(np.float32)
    mask = compute_mask(len(x), len(y), **constraint)
    cost, _ = dtw_exact(x, y, mask)
    assert soft_dtw(x, y, gamma=0, **constraint) == pytest.approx(float(cost), rel=1e-12)
    matrix = cdist_soft_dtw([x, y], [x], gamma=0, **constraint)
    assert matrix[0, 0] == 0 and matrix[1, 0] == pytest.approx(float(cost), rel=1e-12)
    # In float64, DTW squared itself is past the range, but the path is not.
    _, path = dtw_exact(LONG64, SHORT64, mask)
    for gamma in [0, 1.0, 1e300]:
        alignment, value = soft_dtw_alignment(LONG64, SHORT64, gamma=gamma, **constraint)
        expected = np.zeros(alignment.shape)
        expected[tuple(np.transpose(path))] = 1.0
        np.testing.assert_allclose(alignment, expected, atol=1e-12)
        assert value == math.inf


@needs_torch
@pytest.mark.parametrize("constraint", CONSTRAINTS, ids=["free", "itakura", "sakoe_chiba"])
@pytest.mark.parametrize("scale", [1e-180, 1.0], ids=["float32", "float64"])
def test_torch_dtw_of_huge_values_is_right_with_its_gradient(constraint, scale):
    import torch

    x_np, y_np = LONG64 * scale, SHORT64 * scale
    if scale != 1.0:
        x_np, y_np = x_np.astype(np.float32), y_np.astype(np.float32)
    mask = compute_mask(len(x_np), len(y_np), **constraint)
    cost, expected = dtw_exact(x_np, y_np, mask)
    x = torch.tensor(x_np, requires_grad=True)
    y = torch.tensor(y_np)
    path, distance = dtw_path(x, y, **constraint)
    assert path == expected
    assert distance.dtype == x.dtype and distance.item() == pytest.approx(root(cost), rel=1e-6)
    value = dtw(x, y, **constraint)
    assert value.item() == distance.item()
    (gradient,) = torch.autograd.grad(value, x)
    # d DTW / d x_i = sum over the path's cells (i, j) of (x_i - y_j) / DTW.
    want = np.zeros(len(x_np))
    for i, j in path:
        want[i] += (float(x_np[i]) - float(y_np[j])) / root(cost)
    np.testing.assert_allclose(gradient.numpy(), want, rtol=1e-5)
    squared = float(cost) if scale != 1.0 else math.inf  # DTW squared: float64 on torch
    alignment, value = soft_dtw_alignment(x, y, gamma=0, **constraint)
    assert soft_dtw(x, y, gamma=0, **constraint).item() == pytest.approx(squared, rel=1e-12)
    assert value.item() == pytest.approx(squared, rel=1e-12)
    assert [tuple(cell) for cell in alignment.nonzero().tolist()] == expected
