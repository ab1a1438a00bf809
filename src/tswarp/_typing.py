"""Type aliases shared by the annotations of the public API.

The modules that use them import this one under ``typing.TYPE_CHECKING`` only (their
annotations are strings), and torch is named here only for the type checker: importing
tswarp never imports torch.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeAlias, Union

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

if TYPE_CHECKING:
    import torch

__all__ = ["Array", "ArrayLike", "DType", "Dataset", "Path"]

# A NumPy array or a torch tensor: results that follow the backend of the inputs.
Array: TypeAlias = Union[np.ndarray, "torch.Tensor"]
# Series of shape (n, sz[, d]) as one array-like (a tensor too), or a sequence of series of
# different lengths.
Dataset: TypeAlias = Union[ArrayLike, "torch.Tensor", Sequence[ArrayLike]]
# A warping path: pairs (i, j) of matched time steps, in order.
Path: TypeAlias = list[tuple[int, int]]
# A dtype of the result: NumPy's (a type, a dtype or its name) or torch's.
DType: TypeAlias = Union[DTypeLike, "torch.dtype"]
