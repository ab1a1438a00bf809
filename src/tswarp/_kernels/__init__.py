"""Compiled dynamic-programming kernels, and the one module that chooses among them.

Every kernel trusts its inputs: arrays arrive validated, C-contiguous and of one float width
(float32 or float64) from the public functions in :mod:`tswarp.metrics`, with the strategy
(SIMD build, strip height) chosen by :mod:`tswarp._kernels._select`. Kernels
never write to their inputs and release the GIL while they run.

The layers, from a public function to the C loop that runs (paths under ``src/tswarp``)::

    public function       tswarp.metrics.dtw, dtw_path, cdist_dtw, soft_dtw, cdist_soft_dtw, ...
      metrics/_dtw.py, metrics/_soft_dtw.py       (torch tensors: metrics/_torch_metrics.py)
            |
            v
    validation            series and datasets: metrics/_inputs.py (tensors: _torch_inputs.py)
                          constraint -> band lo[i] <= j < hi[i]: _constraints.py
                          gamma: _gamma.py; threads (n_jobs): _threads.py
                          rare path, squared costs past the float range: metrics/_overflow.py
            |
            v
    chooser               _kernels/_select.py: the SIMD build (CPU, TSWARP_SIMD; at import),
                          the strip height or the scalar kernel for one pair, the lane groups of
                          a cdist block; passed on as arguments
            |
            v
    kernel family         _kernels/_dtw.pyx       scalar DTW: value (4 rows at a time), path,
      (Cython entry                               accumulated matrix, pairs of a cdist block
       points, trust                              (dtw_cost and dtw_block_of_rows)
       their arguments)   _kernels/_simd.pyx      SIMD: lane groups of DTW, Fréchet and LCSS pairs
                                                  (groups) and one DTW pair by anti-diagonals
                                                  (dtw_value_diagonal, _path_)
                          _kernels/_soft_dtw.pyx  soft-DTW: value, alignment, pairs, torch batches
                                                  (the build's kernels through _simd.pxd)
            |
            v
    C loop, per ISA       lanes_impl.h (a pair per lane; the family's recurrence a constant
                          argument), dtw_diagonal_impl.h (strips of anti-diagonals): compiled
                          by dtw_simd.c once per build (baseline, avx2, avx512) into its own
                          static library; simd_dispatch.c lists the builds and which ones the
                          CPU runs
                          _soft_lanes.h (soft-DTW: strips of 16 rows, soft minimum on vectors,
                          exp and log of _fastmath.h): compiled by soft_simd.c into the same
                          libraries, on each build's vector width (2, 4, 8 float64 lanes)

For example ``dtw(x, y)``: ``metrics/_dtw.py`` validates the pair and computes the band,
``_select.dtw_value`` picks the anti-diagonal kernel of the running build (wide bands) or
the scalar one (narrow bands), and the loop is ``dtw_diagonal_impl.h`` or ``dtw_cost`` in
``_dtw.pyx``.
"""
