"""The torch wavefront engine (tswarp._torch) against slow NumPy references."""

import math
import warnings

import numpy as np
import pytest
from oracles import dtw_naive, itakura_naive, sakoe_chiba_naive, squared_costs
from torch_oracles import dtw_backtrack, soft_dtw_paths, soft_dtw_recursion

torch = pytest.importorskip("torch")

from tswarp._constraints import parse_constraint  # noqa: E402
from tswarp._torch import (  # noqa: E402
    Band,
    _wavefront,
    band_masks,
    dtw_alignment,
    dtw_value,
    soft_dtw,
    squared_euclidean,
)
from tswarp._torch._plan import plan_for  # noqa: E402
from tswarp.metrics import dtw as numpy_dtw  # noqa: E402
from tswarp.metrics import dtw_path, itakura_mask, sakoe_chiba_mask  # noqa: E402

pytestmark = pytest.mark.torch

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
GAMMAS = [1e-3, 0.01, 0.1, 1.0, 10.0, 100.0, 1e3]
SAKOE_1 = parse_constraint("sakoe_chiba", sakoe_chiba_radius=1)
ITAKURA_2 = parse_constraint("itakura", itakura_max_slope=2.0)
ITAKURA_3 = parse_constraint("itakura", itakura_max_slope=3.0)


def t64(array):
    return torch.as_tensor(np.asarray(array, dtype=np.float64))


def lengths(*values):
    return torch.tensor(values, dtype=torch.int64)


def value_and_grad(fn, costs, *args, **kwargs):
    costs = costs.detach().clone().requires_grad_(True)
    values = fn(costs, *args, **kwargs)
    (grad,) = torch.autograd.grad(values.sum(), costs)
    return values.detach(), grad


def single_mask(n, m, constraint):
    return band_masks([n], [m], constraint).mask[0].numpy()


# ----------------------------------------------------------------------------- costs


def test_costs_match_the_oracle(rng):
    x, y = rng.normal(size=(3, 5, 4)), rng.normal(size=(3, 7, 4))
    expected = np.stack([squared_costs(a, b) for a, b in zip(x, y, strict=True)])
    np.testing.assert_allclose(squared_euclidean(t64(x), t64(y)).numpy(), expected, rtol=1e-12)


def test_costs_broadcast_and_gradcheck(rng):
    x = t64(rng.normal(size=(2, 4, 3))).requires_grad_(True)
    y = t64(rng.normal(size=(1, 5, 3))).requires_grad_(True)
    assert squared_euclidean(x, y).shape == (2, 4, 5)
    assert torch.autograd.gradcheck(squared_euclidean, (x, y))
    with pytest.raises(ValueError, match="features"):
        squared_euclidean(x, y[..., :2])


@pytest.mark.parametrize("d", [1, 3])
def test_batch_innermost_costs_are_the_same_costs_with_the_batch_last_in_memory(rng, d):
    x = t64(rng.normal(size=(4, 5, d))).requires_grad_(True)
    y = t64(rng.normal(size=(4, 6, d))).requires_grad_(True)
    costs = squared_euclidean(x, y, batch_innermost=True)
    expected = np.stack([squared_costs(a, b) for a, b in zip(x.detach(), y.detach(), strict=True)])
    np.testing.assert_allclose(costs.detach().numpy(), expected, rtol=1e-12)
    assert costs.shape == (4, 5, 6) and costs.permute(1, 2, 0).is_contiguous()

    def batch_last(a, b):
        return squared_euclidean(a, b, batch_innermost=True)

    assert torch.autograd.gradcheck(batch_last, (x, y))
    with pytest.raises(ValueError, match="batch_innermost"):
        squared_euclidean(x, y[:3], batch_innermost=True)
    with pytest.raises(ValueError, match="batch_innermost"):
        squared_euclidean(x[0], y[0], batch_innermost=True)


def test_costs_survive_a_large_offset_in_float32(rng):
    x = torch.tensor(100 + 0.01 * rng.normal(size=(1, 64, 2)), dtype=torch.float32)
    y = torch.tensor(100 + 0.01 * rng.normal(size=(1, 64, 2)), dtype=torch.float32)
    costs = squared_euclidean(x, y)
    exact = squared_costs(x[0].double().numpy(), y[0].double().numpy())
    assert (costs >= 0).all()
    np.testing.assert_allclose(costs[0].numpy(), exact, rtol=1e-6)
    # The backward pass does not cancel either: float32 gradients match float64 ones.
    weights = torch.tensor(rng.random(size=(1, 64, 64)))
    x32, x64 = x.clone().requires_grad_(True), x.double().requires_grad_(True)
    (squared_euclidean(x32, y) * weights.float()).sum().backward()
    (squared_euclidean(x64, y.double()) * weights).sum().backward()
    np.testing.assert_allclose(x32.grad.numpy(), x64.grad.numpy(), rtol=1e-3, atol=1e-5)


# ----------------------------------------------------------------------------- seeds


SEED_X, SEED_Y = [[1.0], [2.0], [3.0]], [[3.0], [4.0], [-3.0]]


def test_seed_soft_dtw_value_and_gradient():
    x = t64([SEED_X]).requires_grad_(True)
    value = soft_dtw(squared_euclidean(x, t64([SEED_Y])), 1.0)
    value.backward()
    assert value.item() == pytest.approx(41.187627311413216, rel=1e-14)
    np.testing.assert_allclose(x.grad.flatten().numpy(), [-4.0001, -2.2852, 10.1643], atol=5e-5)


def test_seed_dtw_value_and_gradient():
    x = t64([SEED_X]).requires_grad_(True)
    value = dtw_value(squared_euclidean(x, t64([SEED_Y])))
    value.backward()
    assert value.item() == pytest.approx(math.sqrt(42), rel=1e-15)
    expected = np.array([-2.0, -1.0, 5.0]) / math.sqrt(42)
    np.testing.assert_allclose(x.grad.flatten().numpy(), expected, rtol=1e-14)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_dtw_gradient_at_distance_zero_is_zero(dtype):
    x = torch.tensor([SEED_X], dtype=dtype, requires_grad=True)
    value = dtw_value(squared_euclidean(x, x))
    value.backward()
    assert value.item() == 0.0
    assert torch.equal(x.grad, torch.zeros_like(x))


@pytest.mark.parametrize("gamma", [1.0, 0.0])
def test_an_empty_batch_has_an_empty_gradient(gamma):
    costs = torch.zeros((0, 4, 3), dtype=torch.float64, requires_grad=True)
    values = soft_dtw(costs, gamma)
    values.sum().backward()
    assert values.shape == (0,) and costs.grad.shape == (0, 4, 3)


def test_soft_dtw_known_values():
    def sdtw(a, b, gamma):
        return soft_dtw(squared_euclidean(t64(a)[None, :, None], t64(b)[None, :, None]), gamma)

    assert sdtw([1, 2, 2, 3], [1, 2, 2, 3], 0.01).item() == pytest.approx(-0.01 * math.log(3))
    assert sdtw([1, 2, 2, 3], [1, 2, 3, 4], 0.01).item() == pytest.approx(1.0)
    assert abs(sdtw([1, 2, 3, 4], [1, 2, 3, 4], 0.01).item()) < 1e-12


# ----------------------------------------------------------------------------- oracles


def oracle_masks(n, m):
    yield None
    yield sakoe_chiba_naive(n, m, 0)
    yield sakoe_chiba_naive(n, m, 1)
    yield itakura_naive(n, m, 2.0)  # may admit no path at all: value inf, E = 0


@pytest.mark.parametrize("gamma", GAMMAS)
@pytest.mark.parametrize("shape", [(1, 1), (1, 4), (4, 1), (3, 4), (4, 4), (5, 3)])
def test_soft_dtw_equals_the_brute_force_over_paths(rng, gamma, shape):
    cost = squared_costs(rng.normal(size=shape[0]), rng.normal(size=shape[1]))
    for mask in oracle_masks(*shape):
        band = None if mask is None else torch.as_tensor(mask)[None]
        value, E = value_and_grad(soft_dtw, t64(cost[None]), gamma, mask=band)
        expected_value, expected_E = soft_dtw_paths(cost, gamma, mask)
        assert value.item() == pytest.approx(expected_value, rel=1e-12, abs=1e-12)
        assert not E.isnan().any()
        np.testing.assert_allclose(E[0].numpy(), expected_E, rtol=1e-9, atol=1e-12)


def test_alignment_weights_past_the_float_range_are_zero_and_the_rest_exact():
    # Far from the optimal path log E drops below -708, where exp is subnormal or 0 (and
    # slow on the CPU): the engine gives 0 there, and every larger weight in full.
    rng = np.random.default_rng(3)  # series with weights on both sides of 1e-308
    for scale in [3.0, 12.0]:
        cost = squared_costs(scale * rng.normal(size=(9, 1)), scale * rng.normal(size=(12, 1)))
        expected_value, expected_E = soft_dtw_recursion(cost, 1.0)
        assert (expected_E < 1e-308).any() and (
            (expected_E > 1e-300) & (expected_E < 1e-100)
        ).any()
        value, E = value_and_grad(soft_dtw, t64(cost[None]), 1.0)
        assert value.item() == pytest.approx(expected_value, rel=1e-12)
        np.testing.assert_allclose(E[0].numpy(), expected_E, rtol=1e-9, atol=1e-300)
        assert (E[0].numpy()[expected_E < 1e-309] == 0).all()


@pytest.mark.parametrize("gamma", [0.05, 1.0, 20.0])
def test_soft_dtw_equals_the_textbook_recursion(rng, gamma):
    cost = squared_costs(rng.normal(size=(9, 2)), rng.normal(size=(12, 2)))
    for mask in [None, single_mask(9, 12, SAKOE_1), single_mask(9, 12, ITAKURA_2)]:
        band = None if mask is None else torch.as_tensor(mask)
        value, E = value_and_grad(soft_dtw, t64(cost[None]), gamma, mask=band)
        expected_value, expected_E = soft_dtw_recursion(cost, gamma, mask)
        assert value.item() == pytest.approx(expected_value, rel=1e-12)
        np.testing.assert_allclose(E[0].numpy(), expected_E, rtol=1e-9, atol=1e-12)


def test_random_masks_with_unreachable_cells(rng):
    # Arbitrary masks leave cells whose three predecessors are all +inf.
    for _ in range(30):
        n, m = rng.integers(1, 7, size=2)
        mask = rng.random((n, m)) < 0.7
        mask[0, 0] = mask[-1, -1] = True
        cost = squared_costs(rng.normal(size=n), rng.normal(size=m))
        value, E = value_and_grad(soft_dtw, t64(cost[None]), 0.5, mask=torch.as_tensor(mask))
        expected_value, expected_E = soft_dtw_recursion(cost, 0.5, mask)
        assert not E.isnan().any()
        if math.isinf(expected_value):
            assert math.isinf(value.item())
        else:
            assert value.item() == pytest.approx(expected_value, rel=1e-12)
        np.testing.assert_allclose(E[0].numpy(), expected_E, rtol=1e-9, atol=1e-12)


def test_hard_path_follows_the_tslearn_tie_break(rng):
    # Small integers make ties between predecessors frequent.
    for trial in range(200):
        n, m = rng.integers(1, 7, size=2)
        x, y = rng.integers(0, 3, size=n), rng.integers(0, 3, size=m)
        cost = squared_costs(x, y)
        mask = [None, sakoe_chiba_naive(n, m, 1)][trial % 2]
        band = None if mask is None else torch.as_tensor(mask)
        expected_value, expected_path = dtw_backtrack(cost, mask)
        path = dtw_alignment(t64(cost[None]), mask=band)[0].numpy()
        np.testing.assert_array_equal(path, expected_path)
        # gamma == 0 is the squared DTW cost, whose gradient is that same path.
        value, grad = value_and_grad(soft_dtw, t64(cost[None]), 0.0, mask=band)
        assert value.item() == expected_value
        np.testing.assert_array_equal(grad[0].numpy(), expected_path)


@pytest.mark.parametrize("constraint", [None, "sakoe_chiba", "itakura"])
def test_dtw_agrees_with_the_numpy_backend(rng, constraint):
    for _ in range(10):
        n, m = rng.integers(2, 12, size=2)
        x, y = rng.integers(0, 4, size=(n, 1)) * 1.0, rng.integers(0, 4, size=(m, 1)) * 1.0
        kwargs = {"global_constraint": constraint}
        if constraint == "itakura":
            kwargs["itakura_max_slope"] = 3.0
        limits = parse_constraint(**kwargs)
        try:
            expected = numpy_dtw(x, y, **kwargs)
        except ValueError:
            continue  # no Itakura path for these lengths
        band = band_masks([n], [m], limits)
        costs = squared_euclidean(t64(x)[None], t64(y)[None])
        assert dtw_value(costs, mask=band).item() == pytest.approx(expected, rel=1e-14)
        path, _ = dtw_path(x, y, **kwargs)
        expected_path = np.zeros((n, m))
        expected_path[tuple(np.array(path).T)] = 1
        np.testing.assert_array_equal(dtw_alignment(costs, mask=band)[0].numpy(), expected_path)


def test_dtw_value_matches_the_naive_program(rng):
    x, y = rng.normal(size=(8, 3)), rng.normal(size=(11, 3))
    costs = squared_euclidean(t64(x)[None], t64(y)[None])
    assert dtw_value(costs).item() == pytest.approx(dtw_naive(x, y), rel=1e-14)


# ----------------------------------------------------------------------------- gradients


def gradcheck_cases(rng):
    yield "plain", t64(rng.random((2, 4, 5))), {}
    n_len, m_len = lengths(4, 5, 2), lengths(5, 3, 4)
    yield "padding", t64(rng.random((3, 5, 5))), {"n_lengths": n_len, "m_lengths": m_len}
    yield (
        "sakoe padding",
        t64(rng.random((3, 5, 5))),
        {"n_lengths": n_len, "m_lengths": m_len, "mask": band_masks(n_len, m_len, SAKOE_1)},
    )
    yield "itakura", t64(rng.random((1, 5, 7))), {"mask": band_masks([5], [7], ITAKURA_2)}


@pytest.mark.parametrize("gamma", [0.1, 1.0, 10.0])
def test_gradcheck(rng, gamma):
    for _, costs, kwargs in gradcheck_cases(rng):
        costs.requires_grad_(True)
        assert torch.autograd.gradcheck(lambda c, kw=kwargs: soft_dtw(c, gamma, **kw), (costs,))


def test_dtw_value_gradcheck(rng):
    # Random real costs: the optimal path is unique, so the value is differentiable there.
    costs = t64(rng.random((3, 5, 7))).requires_grad_(True)
    n_len, m_len = lengths(5, 3, 4), lengths(7, 7, 2)
    band = band_masks(n_len, m_len, SAKOE_1)
    assert torch.autograd.gradcheck(lambda c: dtw_value(c, n_len, m_len, band), (costs,))


def test_only_the_function_node_is_recorded(rng):
    costs = t64(rng.random((2, 6, 6))).requires_grad_(True)
    value = soft_dtw(costs, 1.0)
    assert type(value.grad_fn).__name__ == "SoftDTWBackward"
    ((leaf, _),) = value.grad_fn.next_functions
    assert leaf.variable is costs


def test_expected_alignment_structure(rng):
    costs = t64(rng.random((1, 9, 7)) * 3)
    for gamma in [0.01, 1.0, 100.0]:
        _, E = value_and_grad(soft_dtw, costs, gamma)
        E = E[0]
        assert E[0, 0].item() == pytest.approx(1.0) and E[-1, -1].item() == pytest.approx(1.0)
        assert (E >= 0).all() and (E <= 1 + 1e-12).all()
        assert (E.sum(1) >= 1 - 1e-12).all() and (E.sum(0) >= 1 - 1e-12).all()


def test_symmetry(rng):
    costs = t64(rng.random((2, 5, 8)))
    value, E = value_and_grad(soft_dtw, costs, 0.3)
    value_t, E_t = value_and_grad(soft_dtw, costs.transpose(1, 2), 0.3)
    torch.testing.assert_close(value, value_t, rtol=1e-13, atol=0)
    torch.testing.assert_close(E.transpose(1, 2), E_t, rtol=1e-10, atol=1e-13)


def test_gamma_to_zero_is_bounded_by_the_path_count(rng):
    costs = t64(rng.random((1, 6, 8)))
    hard = soft_dtw(costs, 0.0).item()
    log_paths = math.log(sum(1 for _ in __import__("oracles").warping_paths(6, 8)))
    for gamma in [1.0, 0.1, 1e-3]:
        gap = hard - soft_dtw(costs, gamma).item()
        assert -1e-12 <= gap <= gamma * log_paths + 1e-12


# ----------------------------------------------------------------------------- float32


@pytest.mark.parametrize("gamma", [1e-3, 1e3])
def test_float32_long_series_stay_finite(gamma):
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(1, 512, 2, generator=generator).requires_grad_(True)
    y = torch.randn(1, 512, 2, generator=generator)
    value = soft_dtw(squared_euclidean(x, y), gamma)
    value.backward()
    assert value.dtype == torch.float32
    assert torch.isfinite(value).all() and torch.isfinite(x.grad).all()
    x64 = x.detach().double().requires_grad_(True)
    reference = soft_dtw(squared_euclidean(x64, y.double()), gamma)
    reference.backward()
    assert value.item() == pytest.approx(reference.item(), rel=1e-5)
    torch.testing.assert_close(x.grad.double(), x64.grad, rtol=0, atol=1e-2)


def test_float32_length_1024_extreme_gammas():
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(1, 1024, 1, generator=generator).requires_grad_(True)
    y = torch.randn(1, 1024, 1, generator=generator)
    for gamma in [1e-3, 1e3]:
        value = soft_dtw(squared_euclidean(x, y), gamma)
        (grad,) = torch.autograd.grad(value.sum(), x)
        assert torch.isfinite(value).all() and torch.isfinite(grad).all()


def test_float64_accumulation_flag(rng):
    costs = torch.tensor(rng.random((2, 40, 30)), dtype=torch.float32)
    value, E = value_and_grad(soft_dtw, costs, 0.01, float64=True)
    reference, E_ref = value_and_grad(soft_dtw, costs.double(), 0.01)
    assert value.dtype == E.dtype == torch.float32
    torch.testing.assert_close(value.double(), reference, rtol=1e-7, atol=0)
    torch.testing.assert_close(E.double(), E_ref, rtol=0, atol=1e-7)


def test_half_precision_runs_in_float32(rng):
    costs = torch.tensor(rng.random((1, 5, 6)), dtype=torch.float16)
    value, E = value_and_grad(soft_dtw, costs, 1.0)
    assert value.dtype == E.dtype == torch.float16
    reference = soft_dtw(costs.double(), 1.0)
    assert value.item() == pytest.approx(reference.item(), rel=1e-3)


# ----------------------------------------------------------------------------- batches


def test_batched_results_equal_per_pair_results(rng):
    costs = t64(rng.random((4, 6, 9)))
    for gamma in [0.0, 0.5]:
        values, E = value_and_grad(soft_dtw, costs, gamma)
        for p in range(4):
            one, one_E = value_and_grad(soft_dtw, costs[p : p + 1], gamma)
            torch.testing.assert_close(values[p : p + 1], one, rtol=1e-15, atol=0)
            torch.testing.assert_close(E[p : p + 1], one_E, rtol=1e-13, atol=1e-15)
    paths = dtw_alignment(costs)
    for p in range(4):
        torch.testing.assert_close(paths[p : p + 1], dtw_alignment(costs[p : p + 1]))


@pytest.mark.parametrize("constraint", [None, SAKOE_1, ITAKURA_3])
@pytest.mark.parametrize("gamma", [0.0, 0.1, 1.0])
def test_padded_batches_equal_unpadded_pairs(rng, constraint, gamma):
    sizes = [(6, 9), (3, 5), (9, 4), (1, 1), (9, 9), (2, 2)]
    x = rng.normal(size=(len(sizes), 9, 2))
    y = rng.normal(size=(len(sizes), 9, 2))
    for p, (n, m) in enumerate(sizes):
        x[p, n:], y[p, m:] = np.nan, np.nan  # NaN padding: its costs must be ignored
    n_len, m_len = lengths(*(s[0] for s in sizes)), lengths(*(s[1] for s in sizes))
    mask = None if constraint is None else band_masks(n_len, m_len, constraint)
    costs = squared_euclidean(t64(x), t64(y))
    values, E = value_and_grad(soft_dtw, costs, gamma, n_len, m_len, mask)
    assert not E.isnan().any()
    root = dtw_value(costs, n_len, m_len, mask)
    for p, (n, m) in enumerate(sizes):
        alone = costs[p : p + 1, :n, :m]
        band = None if constraint is None else band_masks([n], [m], constraint)
        one, one_E = value_and_grad(soft_dtw, alone, gamma, mask=band)
        torch.testing.assert_close(values[p : p + 1], one, rtol=1e-13, atol=1e-13)
        torch.testing.assert_close(E[p, :n, :m], one_E[0], rtol=1e-11, atol=1e-13)
        assert not E[p, n:].any() and not E[p, :, m:].any()
        assert root[p].item() == pytest.approx(dtw_value(alone, mask=band).item(), rel=1e-14)


@pytest.mark.parametrize("constraint", [SAKOE_1, ITAKURA_3])
@pytest.mark.parametrize("gamma", [0.0, 0.2, 5.0])
def test_band_equals_infinite_costs_outside_it(rng, constraint, gamma):
    n_len, m_len = lengths(7, 10, 4), lengths(10, 7, 10)
    band = band_masks(n_len, m_len, constraint)
    costs = t64(rng.random((3, 10, 10)))
    values, E = value_and_grad(soft_dtw, costs, gamma, n_len, m_len, band)
    walled = costs.masked_fill(~band.mask, math.inf)
    values_inf, E_inf = value_and_grad(soft_dtw, walled, gamma, n_len, m_len)
    torch.testing.assert_close(values, values_inf, rtol=1e-14, atol=0)
    torch.testing.assert_close(E, E_inf, rtol=1e-12, atol=1e-14)
    assert not E[~band.mask].any()
    # The same band given as a bare tensor, or for one pair as an (n, m) mask.
    bare = soft_dtw(costs, gamma, n_len, m_len, band.mask)
    torch.testing.assert_close(values, bare, rtol=1e-15, atol=0)
    first = soft_dtw(costs[:1], gamma, n_len[:1], m_len[:1], band.mask[0])
    torch.testing.assert_close(values[:1], first, rtol=1e-15, atol=0)


def test_pairs_without_an_admissible_path(rng):
    costs = t64(rng.random((2, 4, 4)))
    mask = torch.ones(2, 4, 4, dtype=torch.bool)
    mask[0, 1, :] = False  # row 1 of pair 0 is closed: no path
    for gamma in [0.0, 1.0]:
        values, E = value_and_grad(soft_dtw, costs, gamma, mask=mask)
        assert math.isinf(values[0].item()) and math.isfinite(values[1].item())
        assert not E[0].any() and not E.isnan().any()
    assert not dtw_alignment(costs, mask=mask)[0].any()
    root, grad = value_and_grad(dtw_value, costs, mask=mask)
    assert math.isinf(root[0].item()) and not grad[0].any() and not grad.isnan().any()


def test_inputs_are_left_untouched(rng):
    costs = t64(rng.random((2, 5, 6)))
    costs[1, 4, 5] = math.nan
    before = costs.clone()
    n_len, m_len = lengths(5, 4), lengths(6, 5)
    for gamma in [0.0, 1.0]:
        value_and_grad(soft_dtw, costs, gamma, n_len, m_len)
    dtw_value(costs, n_len, m_len)
    torch.testing.assert_close(costs, before, equal_nan=True, rtol=0, atol=0)


def test_argument_checks(rng):
    costs = t64(rng.random((1, 3, 3)))
    for gamma in [-1.0, math.nan, math.inf]:
        with pytest.raises(ValueError, match="gamma"):
            soft_dtw(costs, gamma)
    with pytest.raises(ValueError, match="costs"):
        soft_dtw(costs[0], 1.0)
    with pytest.raises(ValueError, match="costs"):
        soft_dtw(costs.long(), 1.0)
    with pytest.raises(ValueError, match="mask of shape"):
        soft_dtw(costs, 1.0, mask=torch.ones(3, 4, dtype=torch.bool))


# ----------------------------------------------------------------------------- bands, layout


def test_band_masks_follow_the_shared_band_definition():
    n_len, m_len = [5, 3, 8, 5], [8, 8, 4, 8]
    for constraint, public in [
        (SAKOE_1, lambda n, m: sakoe_chiba_mask(n, m, radius=1)),
        (ITAKURA_3, lambda n, m: itakura_mask(n, m, max_slope=3.0)),
    ]:
        band = band_masks(n_len, m_len, constraint, shape=(9, 9))
        assert isinstance(band, Band) and band.mask.shape == (4, 9, 9)
        union = np.zeros((9, 9), dtype=bool)
        for p, (n, m) in enumerate(zip(n_len, m_len, strict=True)):
            np.testing.assert_array_equal(band.mask[p, :n, :m].numpy(), public(n, m))
            assert not band.mask[p, n:].any() and not band.mask[p, :, m:].any()
            union |= band.mask[p].numpy()
        for i, (lo, hi) in enumerate(zip(*band.rows, strict=True)):
            cols = np.flatnonzero(union[i])
            assert (lo, hi) == ((cols[0], cols[-1] + 1) if cols.size else (lo, hi))
    assert band_masks(n_len, m_len, parse_constraint(None)) is None
    with pytest.raises(ValueError, match="itakura_max_slope"):
        band_masks([2], [9], parse_constraint("itakura", itakura_max_slope=1.5))


def test_a_band_shrinks_the_stored_tables():
    full = plan_for(200, 200)
    band = band_masks([200], [200], parse_constraint("sakoe_chiba", sakoe_chiba_radius=3))
    narrow = plan_for(200, 200, band.rows)
    assert full.slots >= 200 * 200 and narrow.slots <= 10 * 400 and narrow.count <= 8
    hull = (narrow.hi - narrow.lo + 1).clip(0)
    assert int(hull.sum()) == int(band.mask.sum())
    assert len(narrow.forward_steps) == len(narrow.backward_steps) == 399


# ----------------------------------------------------------------------------- CUDA


DEVICES = [
    # On CPU the comparison is trivial, but it runs this test's own code everywhere.
    pytest.param("cpu", id="cpu"),
    pytest.param("cuda", id="cuda", marks=CUDA),
]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_device_matches_cpu(rng, device, dtype):
    x = torch.tensor(rng.normal(size=(5, 40, 3)), dtype=dtype)
    y = torch.tensor(rng.normal(size=(5, 33, 3)), dtype=dtype)
    n_len, m_len = lengths(40, 12, 33, 40, 1), lengths(33, 30, 12, 20, 1)
    # float32 CPU and CUDA round exp and log differently; float32 vs float64 differs here
    # by 4e-7 (relative) in values and 5e-6 in E.
    if dtype == torch.float64:
        value_tol, E_tol = {"rtol": 1e-10, "atol": 0}, {"rtol": 1e-9, "atol": 1e-12}
    else:
        value_tol, E_tol = {"rtol": 1e-5, "atol": 0}, {"rtol": 0, "atol": 5e-5}
    costs = squared_euclidean(x, y)
    costs_d, n_d, m_d = costs.to(device), n_len.to(device), m_len.to(device)
    for constraint in [None, SAKOE_1, ITAKURA_3]:
        band = None if constraint is None else band_masks(n_len, m_len, constraint)
        device_band = band_masks(n_len, m_len, constraint, device=device) if band else None
        if band is not None:
            assert device_band.mask.device.type == device
        for gamma in [0.0, 0.01, 1.0]:
            value, E = value_and_grad(soft_dtw, costs, gamma, n_len, m_len, band)
            value_d, E_d = value_and_grad(soft_dtw, costs_d, gamma, n_d, m_d, device_band)
            assert value_d.device.type == E_d.device.type == device
            torch.testing.assert_close(value_d.cpu(), value, **value_tol)
            torch.testing.assert_close(E_d.cpu(), E, **E_tol)
        # Hard DP: the same additions in the same order, so the same paths, ties included.
        path = dtw_alignment(costs, n_len, m_len, band)
        path_d = dtw_alignment(costs_d, n_d, m_d, device_band)
        assert path_d.device.type == device
        torch.testing.assert_close(path_d.cpu(), path, rtol=0, atol=0)
        root = dtw_value(costs_d, n_d, m_d, device_band)
        torch.testing.assert_close(root.cpu(), dtw_value(costs, n_len, m_len, band), **value_tol)


@pytest.mark.parametrize("device", DEVICES)
def test_everything_stays_on_the_device(device):
    generator = torch.Generator().manual_seed(5)
    x = torch.randn(3, 64, 2, generator=generator).to(device).requires_grad_(True)
    y = torch.randn(3, 50, 2, generator=generator).to(device).requires_grad_(True)
    n_len, m_len = lengths(64, 40, 10), lengths(50, 50, 20)
    band = band_masks(n_len, m_len, SAKOE_1, device=device)
    n_len, m_len = n_len.to(device), m_len.to(device)

    def loss():
        costs = squared_euclidean(x, y)
        soft = soft_dtw(costs, 0.1, n_len, m_len, band)
        return soft.sum() + dtw_value(costs, n_len, m_len, band).sum()

    loss()  # builds the plan: its index tensors go to the device once, then are cached
    if device == "cuda":
        # Any host synchronisation (an .item(), .tolist() or .cpu()) now raises. Turning the
        # mode on warns that it is a prototype: that warning is not the test's concern.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            torch.cuda.set_sync_debug_mode("error")
    try:
        loss().backward()
    finally:
        if device == "cuda":
            torch.cuda.set_sync_debug_mode("default")
    for grad in (x.grad, y.grad):
        assert grad.device.type == device and torch.isfinite(grad).all()


# ----------------------------------------------------------------------------- seeding


@pytest.mark.parametrize("constraint", [None, SAKOE_1])
def test_both_ways_of_seeding_the_backward_agree(rng, constraint, monkeypatch):
    # Lengths on the host: seeds enter on the diagonals where pairs end; on a device: from a
    # table read at every step. Same additions in the same order, hence the same bits.
    costs = t64(rng.random((4, 25, 19)))
    n_len, m_len = lengths(25, 7, 18, 1), lengths(19, 19, 5, 1)
    band = None if constraint is None else band_masks(n_len, m_len, constraint)
    host = value_and_grad(soft_dtw, costs, 0.3, n_len, m_len, band)
    monkeypatch.setattr(_wavefront, "_host_ends", lambda trace: None)
    table = value_and_grad(soft_dtw, costs, 0.3, n_len, m_len, band)
    for a, b in zip(host, table, strict=True):
        torch.testing.assert_close(b, a, rtol=0, atol=0)
    if constraint is None:
        reference, E = soft_dtw_recursion(costs[1, :7, :19].numpy(), 0.3)
        assert host[0][1].item() == pytest.approx(reference, rel=1e-12)
        np.testing.assert_allclose(host[1][1, :7, :19].numpy(), E, rtol=1e-9, atol=1e-12)
        assert not host[1][1, 7:].any()  # zero past the pair's length


def test_gamma_below_the_soft_range_runs_the_hard_program(rng):
    costs = t64(rng.random((2, 9, 7)))
    below = _wavefront.HARD_BELOW / 2
    value, E = value_and_grad(soft_dtw, costs, below)
    hard, path = value_and_grad(soft_dtw, costs, 0.0)
    torch.testing.assert_close(value, hard, rtol=1e-15, atol=0)
    torch.testing.assert_close(E, path, rtol=0, atol=0)
    above, E_soft = value_and_grad(soft_dtw, costs, _wavefront.HARD_BELOW * 10)
    assert torch.all(above <= hard) and torch.allclose(above, hard, rtol=1e-6)
    assert torch.isfinite(E_soft).all()
