#!/usr/bin/env bash
# Build tswarp's kernels for aarch64 and run the kernel tests there, emulated, on an x86-64
# Debian machine. The SIMD kernels' aarch64 path (GNU vector extensions on NEON, the baseline
# build of the lane kernels) is otherwise only ever compiled on x86-64.
#
#   tools/check_aarch64.sh [WORKDIR]     (default WORKDIR: build/aarch64)
#
# Needs root for apt-get (gcc-aarch64-linux-gnu, qemu-user, debootstrap), network access to
# Debian's packages and PyPI, and a host Python with Cython (it reads the project's own
# pyproject.toml build requirements). Steps:
#   1. an arm64 Debian root with Python 3.11 and its headers (debootstrap --foreign: the
#      packages are only unpacked, which is enough to run Python under qemu-aarch64);
#   2. NumPy's aarch64 wheel from PyPI (headers to build against, and the runtime), plus pytest;
#   3. the .pyx kernels translated by the host's Cython and compiled by the cross compiler with
#      the flags of meson.build (OpenMP, -ffp-contract=off), next to the Python sources;
#   4. the kernel tests, run by the arm64 Python under qemu.
set -euo pipefail

ROOT_DIR=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mkdir -p "${1:-$ROOT_DIR/build/aarch64}" && cd "${1:-$ROOT_DIR/build/aarch64}" && pwd)
SYSROOT="$WORK/root"
STAGE="$WORK/stage"
SITE="$WORK/site"
PY_HOST=${PYTHON:-python3}
CC=aarch64-linux-gnu-gcc

if ! command -v "$CC" > /dev/null || ! command -v qemu-aarch64 > /dev/null \
    || ! command -v debootstrap > /dev/null; then
    apt-get update -qq
    apt-get install -y -qq gcc-aarch64-linux-gnu qemu-user debootstrap > /dev/null
fi

# 1. The arm64 root.
if [ ! -x "$SYSROOT/usr/bin/python3.11" ]; then
    debootstrap --foreign --arch=arm64 --variant=minbase \
        --include=python3,libpython3.11-dev bookworm "$SYSROOT" http://deb.debian.org/debian \
        > "$WORK/debootstrap.log"
    for deb in "$SYSROOT"/var/cache/apt/archives/*.deb; do
        dpkg-deb -x "$deb" "$SYSROOT"
    done
    # OpenMP's runtime, from the cross toolchain, into the root (not through LD_LIBRARY_PATH,
    # which would mix that toolchain's libc with the root's loader).
    cp -L /usr/aarch64-linux-gnu/lib/libgomp.so.1 "$SYSROOT/usr/lib/aarch64-linux-gnu/"
fi
run_arm64() {
    # OpenBLAS's spinning threads would crawl under emulation: NumPy's BLAS gets one.
    PYTHONPATH="$STAGE:$SITE" OPENBLAS_NUM_THREADS=1 \
        qemu-aarch64 -L "$SYSROOT" "$SYSROOT/usr/bin/python3.11" "$@"
}

# 2. NumPy and pytest for the arm64 Python.
if [ ! -d "$SITE/numpy" ]; then
    "$PY_HOST" -m pip download -q --only-binary=:all: --platform manylinux2014_aarch64 \
        --python-version 3.11 --implementation cp -d "$WORK/wheels" "numpy>=2.0" pytest
    for wheel in "$WORK"/wheels/*.whl; do
        "$PY_HOST" -m zipfile -e "$wheel" "$SITE"
    done
fi
NUMPY_INCLUDE="$SITE/numpy/_core/include"

# 3. The kernels, as meson.build builds them.
rm -rf "$STAGE" && mkdir -p "$STAGE" "$WORK/c"
cp -r "$ROOT_DIR/src/tswarp" "$STAGE/"
version=$(sed -n "s/^  version: '\(.*\)',$/\1/p" "$ROOT_DIR/meson.build")
sed "s/@VERSION@/$version/" "$ROOT_DIR/src/tswarp/_version.py.in" > "$STAGE/tswarp/_version.py"
KERNELS="$ROOT_DIR/src/tswarp/_kernels"
CFLAGS=(-O2 -fPIC -fopenmp -ffp-contract=off -std=c11 -DNPY_NO_DEPRECATED_API=NPY_1_9_API_VERSION
    -I"$SYSROOT/usr/include/python3.11" -idirafter "$SYSROOT/usr/include"
    -I"$NUMPY_INCLUDE" -I"$KERNELS")
CYTHON_ARGS=(-3 -X boundscheck=False -X wraparound=False -X initializedcheck=False
    -X cdivision=True -X embedsignature=True -I "$ROOT_DIR/src")
for name in _dtw _envelope _openmp _soft_dtw _simd; do
    "$PY_HOST" -m cython "${CYTHON_ARGS[@]}" --module-name "tswarp._kernels.$name" \
        "$KERNELS/$name.pyx" -o "$WORK/c/$name.c"
done
for name in _dtw _envelope _openmp _soft_dtw; do
    "$CC" "${CFLAGS[@]}" -shared "$WORK/c/$name.c" -o "$STAGE/tswarp/_kernels/$name.so"
done
"$CC" "${CFLAGS[@]}" -shared -DTSWARP_VARIANT=baseline "$WORK/c/_simd.c" \
    "$KERNELS/dtw_simd.c" "$KERNELS/soft_simd.c" "$KERNELS/simd_dispatch.c" \
    -o "$STAGE/tswarp/_kernels/_simd.so"

# 4. The tests, less three that start sys.executable in a subprocess: the host cannot run an
# arm64 binary by itself (no binfmt_misc here).
run_arm64 -c "import platform, tswarp; print(platform.machine()); tswarp.show_config()"
cd "$ROOT_DIR"
run_arm64 -m pytest -q -p no:cacheprovider tests/test_dtw.py tests/test_dtw_lanes.py \
    tests/test_dtw_diagonal.py tests/test_soft_dtw.py tests/test_soft_kernels.py \
    tests/test_lower_bounds.py \
    --deselect tests/test_dtw.py::test_cdist_stops_on_ctrl_c \
    --deselect tests/test_dtw_lanes.py::test_environment_variable_forces_the_baseline \
    --deselect tests/test_dtw_lanes.py::test_unknown_value_warns_and_uses_the_fastest_build \
    "${@:2}"
