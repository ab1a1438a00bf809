"""The Triton kernels of soft-DTW (tswarp._torch._fused), run on CPU tensors by Triton's
interpreter (TRITON_INTERPRET=1): values and gradients against the NumPy oracle of
torch_oracles and against the torch wavefront.

The interpreter runs a kernel's programs one after another, each as whole NumPy vectors, so
what it checks is the arithmetic, the table layout, lengths, masks, runs longer than a
program's lanes; not the barriers between diagonals, which only a GPU exercises
(benchmarks/gpu_check.py, and the CUDA test). The kernels are also compiled for two GPU
architectures, which Triton does without a GPU.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("triton")

from torch_oracles import soft_dtw_recursion  # noqa: E402

from tswarp._torch import _fused, band_masks, soft_dtw, squared_euclidean  # noqa: E402
from tswarp._torch._bands import Band  # noqa: E402

pytestmark = [
    pytest.mark.torch,
    # The interpreter computes masked-off lanes and -inf cells too (log 0, inf - inf):
    # NumPy warns, where a GPU computes the same values silently.
    pytest.mark.filterwarnings("ignore:.* encountered in:RuntimeWarning"),
    # Triton's interpreter before 3.7 turns 1-element arrays into ints, which NumPy 2 warns of.
    pytest.mark.filterwarnings("ignore:Conversion of an array with ndim > 0:DeprecationWarning"),
]

SAKOE_CHIBA = (2, 2.0)  # (code, radius) as parse_constraint gives


@pytest.fixture
def fused(monkeypatch):
    """Triton's interpreter on, the kernels switched on, and a count of their launches."""
    monkeypatch.setenv("TRITON_INTERPRET", "1")
    previous = _fused.set_enabled(True)
    calls = {"forward": 0, "backward": 0}
    for name in calls:
        original = getattr(_fused, name)

        def counted(*args, _original=original, _name=name):
            calls[_name] += 1
            return _original(*args)

        monkeypatch.setattr(_fused, name, counted)
    yield calls
    _fused.set_enabled(previous)


def wavefront(costs, gamma, n_lengths=None, m_lengths=None, mask=None):
    """Values and gradient w.r.t. ``costs`` by the torch wavefront."""
    previous = _fused.set_enabled(False)
    try:
        return values_and_gradient(costs, gamma, n_lengths, m_lengths, mask)
    finally:
        _fused.set_enabled(previous)


def values_and_gradient(costs, gamma, n_lengths=None, m_lengths=None, mask=None, seeds=None):
    costs = costs.detach().requires_grad_(True)
    values = soft_dtw(costs, gamma, n_lengths, m_lengths, mask)
    seeds = torch.ones_like(values) if seeds is None else seeds
    (grad,) = torch.autograd.grad(values, costs, seeds)
    return values.detach(), grad


def oracle(costs, gamma, n_lengths, m_lengths, mask=None):
    """Per pair, the NumPy recursion on the pair's own (n_p, m_p) block of costs."""
    values, grads = [], np.zeros(costs.shape)
    for p, (n, m) in enumerate(zip(n_lengths.tolist(), m_lengths.tolist(), strict=True)):
        cells = None if mask is None else mask[p, :n, :m].numpy()
        value, E = soft_dtw_recursion(costs[p, :n, :m].double().numpy(), gamma, cells)
        values.append(value)
        grads[p, :n, :m] = E
    return np.array(values), grads


def random_costs(rng, b, n, m, dtype=torch.float64):
    x = torch.tensor(rng.normal(size=(b, n, 2)), dtype=dtype)
    y = torch.tensor(rng.normal(size=(b, m, 2)), dtype=dtype)
    return squared_euclidean(x, y)


@pytest.mark.parametrize("gamma", [0.01, 0.1, 1.0, 10.0])
def test_values_and_gradients_equal_the_oracle(fused, gamma):
    rng = np.random.default_rng(1)
    costs = random_costs(rng, 4, 9, 7)
    n_lengths, m_lengths = torch.tensor([9, 4, 9, 1]), torch.tensor([7, 7, 2, 5])
    values, grad = values_and_gradient(costs, gamma, n_lengths, m_lengths)
    expected_values, expected_grad = oracle(costs, gamma, n_lengths, m_lengths)
    np.testing.assert_allclose(values.numpy(), expected_values, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grad.numpy(), expected_grad, rtol=1e-10, atol=1e-12)
    assert fused == {"forward": 1, "backward": 1}


def test_bands_and_masks_equal_the_oracle(fused):
    rng = np.random.default_rng(2)
    costs = random_costs(rng, 3, 12, 10)
    n_lengths, m_lengths = torch.tensor([12, 8, 10]), torch.tensor([10, 10, 5])
    band = band_masks(n_lengths, m_lengths, SAKOE_CHIBA, (12, 10))
    shared = torch.tensor(rng.random((12, 10)) < 0.8)
    shared[0, 0] = True
    for mask, per_pair in [
        (band, band.mask),
        (band.mask, band.mask),  # the boolean tensor alone
        (shared, shared.expand(3, 12, 10)),  # one (n, m) mask for every pair
    ]:
        values, grad = values_and_gradient(costs, 0.5, n_lengths, m_lengths, mask)
        expected_values, expected_grad = oracle(costs, 0.5, n_lengths, m_lengths, per_pair)
        np.testing.assert_allclose(values.numpy(), expected_values, rtol=1e-12)
        np.testing.assert_allclose(grad.numpy(), expected_grad, rtol=1e-10, atol=1e-12)
        assert not grad[~per_pair].any()  # nothing outside the admissible cells
    assert fused["forward"] == 3


def test_diagonals_longer_than_the_lanes(fused, monkeypatch):
    """Programs with 4 lanes walk diagonals of up to 20 cells in several runs."""
    monkeypatch.setattr(_fused, "MAX_BLOCK", 4)
    rng = np.random.default_rng(3)
    costs = random_costs(rng, 2, 23, 20)
    n_lengths, m_lengths = torch.tensor([23, 17]), torch.tensor([20, 20])
    values, grad = values_and_gradient(costs, 1.0, n_lengths, m_lengths)
    expected_values, expected_grad = wavefront(costs, 1.0, n_lengths, m_lengths)
    torch.testing.assert_close(values, expected_values, rtol=1e-12, atol=0)
    torch.testing.assert_close(grad, expected_grad, rtol=1e-10, atol=1e-13)
    assert _fused._launch(None, 23, 20)["BLOCK"] == 4


def test_float32_and_strided_costs(fused):
    rng = np.random.default_rng(4)
    costs64 = random_costs(rng, 3, 16, 11)
    costs32 = costs64.float().transpose(1, 2).contiguous().transpose(1, 2)  # strided
    assert not costs32.is_contiguous()
    values, grad = values_and_gradient(costs32, 1.0)
    expected_values, expected_grad = wavefront(costs64, 1.0)
    assert values.dtype == grad.dtype == torch.float32 and grad.is_contiguous()
    torch.testing.assert_close(values.double(), expected_values, rtol=1e-6, atol=1e-5)
    torch.testing.assert_close(grad.double(), expected_grad, rtol=1e-5, atol=1e-6)


def test_a_pair_without_a_path_is_infinite_with_zero_gradient(fused):
    costs = random_costs(np.random.default_rng(5), 2, 5, 5)
    mask = torch.ones(2, 5, 5, dtype=torch.bool)
    mask[1, 2, :] = False  # pair 1: no path crosses row 2
    seeds = torch.tensor([2.0, 3.0], dtype=torch.float64)
    values, grad = values_and_gradient(costs, 1.0, mask=mask, seeds=seeds)
    expected_values, expected_grad = oracle(
        costs, 1.0, torch.tensor([5, 5]), torch.tensor([5, 5]), mask
    )
    assert values[1] == torch.inf and not grad[1].any() and torch.isfinite(values[0])
    np.testing.assert_allclose(grad[0].numpy(), 2.0 * expected_grad[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(values[0].item(), expected_values[0], rtol=1e-12)


def test_an_empty_batch(fused):
    costs = torch.zeros((0, 4, 3), dtype=torch.float64)
    values, grad = values_and_gradient(costs, 1.0)
    assert values.shape == (0,) and grad.shape == (0, 4, 3)


def test_lengths_past_the_padded_size_read_no_further(fused):
    costs = random_costs(np.random.default_rng(11), 2, 5, 4)
    clamped = values_and_gradient(costs, 1.0, torch.tensor([99, 5]), torch.tensor([4, 10**9]))
    full = values_and_gradient(costs, 1.0)
    assert all(torch.equal(a, b) for a, b in zip(clamped, full, strict=True))


def test_gradcheck(fused):
    costs = random_costs(np.random.default_rng(6), 2, 5, 4).requires_grad_(True)
    lengths = (torch.tensor([5, 3]), torch.tensor([4, 4]))
    assert torch.autograd.gradcheck(lambda c: soft_dtw(c, 0.7, *lengths), (costs,))


def test_a_second_backward_gives_the_same_gradient(fused):
    """The backward writes a table of its own: the forward's survives for another call."""
    costs = random_costs(np.random.default_rng(7), 2, 6, 6).requires_grad_(True)
    values = soft_dtw(costs, 1.0)
    (first,) = torch.autograd.grad(values.sum(), costs, retain_graph=True)
    (second,) = torch.autograd.grad(values.sum(), costs)
    assert torch.equal(first, second)


def test_inputs_are_left_untouched(fused):
    costs = random_costs(np.random.default_rng(8), 2, 6, 5)
    band = band_masks([6, 6], [5, 5], SAKOE_CHIBA, (6, 5))
    before = (costs.clone(), band.mask.clone())
    values_and_gradient(costs, 1.0, torch.tensor([6, 4]), torch.tensor([5, 5]), band)
    assert torch.equal(costs, before[0]) and torch.equal(band.mask, before[1])


def test_the_public_loss_takes_the_kernels(fused):
    from tswarp.metrics import SoftDTWLossPyTorch

    rng = np.random.default_rng(9)
    x = torch.tensor(rng.normal(size=(3, 14, 2)), requires_grad=True)
    y = torch.tensor(rng.normal(size=(3, 10, 2)))
    loss = SoftDTWLossPyTorch(gamma=0.5, normalize=True, compute_with_backend=True)
    value = loss(x, y).sum()
    value.backward()
    assert fused["forward"] >= 1 and fused["backward"] == fused["forward"]
    _fused.set_enabled(False)
    x2 = x.detach().clone().requires_grad_(True)
    expected = loss(x2, y).sum()
    expected.backward()
    torch.testing.assert_close(value, expected, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(x.grad, x2.grad, rtol=1e-10, atol=1e-12)


def test_when_the_kernels_run(monkeypatch):
    costs = torch.zeros(1, 2, 2)
    previous = _fused.set_enabled(False)
    try:
        monkeypatch.setenv("TRITON_INTERPRET", "1")
        assert not _fused.usable(costs)  # switched off
        _fused.set_enabled(True)
        assert _fused.usable(costs)
        monkeypatch.setenv("TRITON_INTERPRET", "0")
        assert not _fused.usable(costs)  # CPU tensors without the interpreter
    finally:
        _fused.set_enabled(previous)


def test_a_mask_of_another_shape_is_refused(fused):
    with pytest.raises(ValueError, match="mask of shape"):
        soft_dtw(torch.zeros(1, 3, 3), 1.0, mask=torch.ones(3, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="mask of shape"):
        soft_dtw(torch.zeros(1, 3, 3), 1.0, mask=Band(torch.ones(1, 4, 3, dtype=torch.bool), None))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_on_cuda_the_kernels_equal_the_wavefront():
    previous = _fused.set_enabled(True)
    try:
        rng = np.random.default_rng(10)
        for b, n, m in [(8, 300, 257), (2, 2100, 1500)]:
            costs = random_costs(rng, b, n, m).cuda()
            n_lengths = torch.tensor(rng.integers(n // 2, n + 1, b)).cuda()
            m_lengths = torch.tensor(rng.integers(m // 2, m + 1, b)).cuda()
            values, grad = values_and_gradient(costs, 1.0, n_lengths, m_lengths)
            expected_values, expected_grad = wavefront(costs, 1.0, n_lengths, m_lengths)
            torch.testing.assert_close(values, expected_values, rtol=1e-12, atol=0)
            torch.testing.assert_close(grad, expected_grad, rtol=1e-9, atol=1e-12)
    finally:
        _fused.set_enabled(previous)


def test_show_config_says_whether_the_kernels_are_on(capsys):
    import tswarp

    previous = _fused.set_enabled(False)
    try:
        tswarp.show_config()
        assert "soft-DTW kernels off (TSWARP_TRITON=1" in capsys.readouterr().out
        _fused.set_enabled(True)
        tswarp.show_config()
        assert "soft-DTW kernels on" in capsys.readouterr().out
    finally:
        _fused.set_enabled(previous)


def ptx_of_the_kernels(arch):
    """The PTX of both kernels, with and without a mask, compiled for sm_``arch``."""
    import triton
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource

    from tswarp._torch import _triton_kernels

    floats = {"Q", "H", "End", "InvGamma", "Seed"}
    for kernel in _triton_kernels.kernels():
        for has_mask in (False, True):
            constants = {"HAS_MASK": has_mask, "BLOCK": 512}
            signature = {}
            for name in kernel.arg_names:
                if name in constants:
                    signature[name] = "constexpr"
                elif name in floats:
                    signature[name] = "*fp64"
                elif name in ("N", "M"):
                    signature[name] = "*i64"
                else:
                    signature[name] = {"C": "*fp32", "E": "*fp32", "Mask": "*u8"}.get(name, "i64")
            # Triton 3.2 names the constexpr values "constants", later versions "constexprs".
            spelling = "constants" if triton.__version__.startswith("3.2.") else "constexprs"
            compiled = triton.compile(
                ASTSource(kernel, signature, **{spelling: constants}),
                target=GPUTarget("cuda", arch, 32),
                options={"num_warps": 8, "num_stages": 1, "enable_fp_fusion": True},
            )
            yield compiled.asm["ptx"]


@pytest.mark.parametrize("arch", [80, 90])
def test_the_kernels_compile_for_gpus(arch):
    """Without a GPU, Triton still compiles for one (PTX, then ptxas): each kernel has one
    barrier, between diagonals, and reads the tables past L1 (ld.global.cg).

    In a fresh interpreter: Triton before 3.6 leaves state of its interpreter (run by the
    other tests) behind that breaks a compilation in the same process."""
    script = (
        "from test_torch_fused import ptx_of_the_kernels\n"
        f"for ptx in ptx_of_the_kernels({arch}):\n"
        "    print(ptx.count('bar.sync'), 'ld.global.cg' in ptx)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=os.path.dirname(__file__),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:-1] == ["1 True"] * 4


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_precision_gradients_equal_the_oracle(fused, dtype):
    """Half-width costs: the kernels run in float64 and only E is rounded to the costs'
    dtype (Triton's interpreter converts float64 to bfloat16 as if to an integer: E came
    back ~1e-40). The oracle reads the same rounded costs, so only that rounding differs."""
    rng = np.random.default_rng(12)
    costs = random_costs(rng, 3, 10, 8).to(dtype)
    n_lengths, m_lengths = torch.tensor([10, 7, 10]), torch.tensor([8, 8, 3])
    band = band_masks(n_lengths, m_lengths, SAKOE_CHIBA, (10, 8))
    values, grad = values_and_gradient(costs, 0.5, n_lengths, m_lengths, band)
    expected_values, expected_grad = oracle(costs, 0.5, n_lengths, m_lengths, band.mask)
    assert values.dtype == grad.dtype == dtype and grad.is_contiguous()
    assert fused == {"forward": 1, "backward": 1}
    np.testing.assert_allclose(values.double().numpy(), expected_values, rtol=2e-2)
    np.testing.assert_allclose(grad.double().numpy(), expected_grad, rtol=2e-2, atol=1e-3)
