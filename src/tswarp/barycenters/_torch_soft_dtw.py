"""The soft-DTW barycenter's objective on tensors, computed on the tensors' device.

The same objective as on NumPy data, sum_i w_i * soft_dtw(Z, X_i), from the batched soft-DTW
of the torch engine (compiled kernels for CPU tensors, the wavefront elsewhere), differentiated
by its analytic backward. The optimiser that calls it is the NumPy path's, so both follow the
same steps: only Z and its gradient, a few kilobytes, cross to the host at each evaluation.
"""

import numpy as np
import torch

from tswarp._torch._dispatch import soft_dtw_series_batch
from tswarp.metrics import _torch_inputs


class TorchSoftObjective:
    """(value, gradient) of the objective at a flattened NumPy barycenter of ``size`` steps,
    for the series of the dataset ``X`` (tensors) divided by 2**exponent, on their device."""

    def __init__(self, X, weights, gamma, constraint, size, exponent=0):
        series, self.lengths = _torch_inputs.to_dataset(X, "X")
        # Divided by 2**exponent (exact) as the NumPy path divides its data: gamma is that
        # of the scaled data.
        self.series = torch.ldexp(series.to(torch.float64), torch.tensor(-exponent))
        self.device = self.series.device
        self.weights = torch.as_tensor(weights, dtype=torch.float64, device=self.device)
        self.gamma, self.constraint = gamma, constraint
        self.shape = (size, self.series.shape[2])
        self.sizes = [size] * len(self.series)

    def __call__(self, z):
        Z = torch.tensor(np.reshape(z, self.shape), dtype=torch.float64, device=self.device)
        Z.requires_grad_(True)
        with torch.enable_grad():
            values = soft_dtw_series_batch(
                Z.expand(len(self.series), *self.shape),
                self.series,
                self.gamma,
                self.sizes,
                self.lengths,
                self.constraint,
            )
            total = (self.weights * values).sum()
            (grad,) = torch.autograd.grad(total, Z)
        return float(total.detach()), grad.cpu().numpy().ravel()

    def tensor(self, Z):
        """A NumPy barycenter as a float64 tensor on the device of the series."""
        return torch.as_tensor(np.asarray(Z), dtype=torch.float64, device=self.device)
