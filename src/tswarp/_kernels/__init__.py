"""Compiled dynamic-programming kernels.

Every kernel trusts its inputs: arrays arrive validated, C-contiguous and of one float width
(float32 or float64) from the public functions in :mod:`tswarp.metrics`. Kernels never write
to their inputs and release the GIL while they run.
"""
