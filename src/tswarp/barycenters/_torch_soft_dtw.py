"""The soft-DTW barycenter of tensors: torch's L-BFGS on the tensors' device.

The objective is the same as on NumPy data, sum_i w_i * soft_dtw(Z, X_i), from the batched
soft-DTW of the torch engine (compiled kernels for CPU tensors, the wavefront elsewhere),
differentiated by its analytic backward.
"""

import torch

from tswarp._torch._dispatch import soft_dtw_series_batch
from tswarp.metrics import _torch_inputs


def barycenter(X, init, start, weights, gamma, tol, max_iter, method, constraint):
    """The barycenter as a float64 tensor on the device of X (``start``, ``weights``: the
    checked NumPy starting barycenter and weights)."""
    if method != "L-BFGS-B":
        raise ValueError(f"on tensors, method must be 'L-BFGS-B', got {method!r}")
    series, lengths = _torch_inputs.to_dataset(X, "X")
    series = series.to(torch.float64)
    device = series.device
    if isinstance(init, torch.Tensor) and init.device != device:
        raise ValueError(f"init and X must be on the same device, got {init.device} and {device}")
    w = torch.as_tensor(weights, dtype=torch.float64, device=device)
    Z = torch.as_tensor(start, dtype=torch.float64, device=device).clone()
    if max_iter == 0:
        return Z
    n, size = len(series), len(Z)
    sizes = [size] * n

    def objective():
        values = soft_dtw_series_batch(
            Z.expand(n, *Z.shape), series, gamma, sizes, lengths, constraint
        )
        return (w * values).sum()

    with torch.enable_grad():
        with torch.no_grad():
            scale = max(1.0, abs(float(objective())))
        Z.requires_grad_(True)
        # scipy's L-BFGS-B stops on the largest gradient entry (gtol) or on a change of the
        # objective relative to its size (ftol), both set by tol: the same rules here.
        optimizer = torch.optim.LBFGS(
            [Z],
            max_iter=max_iter,
            tolerance_grad=tol,
            tolerance_change=tol * scale,
            line_search_fn="strong_wolfe",
        )

        def closure():
            optimizer.zero_grad()
            loss = objective()
            loss.backward()
            return loss

        optimizer.step(closure)
    return Z.detach()
