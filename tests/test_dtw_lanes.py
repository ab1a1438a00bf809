"""The SIMD lane kernels of cdist_dtw: every build equals the scalar kernel bit for bit."""

import functools
import os
import subprocess
import sys

import numpy as np
import pytest

import tswarp
from tswarp._constraints import parse_constraint
from tswarp._kernels import _dtw, _select, _simd
from tswarp.metrics import cdist_dtw
from tswarp.metrics._inputs import to_dataset_pair
from tswarp.metrics._pairwise import all_pairs, pairwise_matrix

CONSTRAINTS = [
    pytest.param({}, id="none"),
    pytest.param({"sakoe_chiba_radius": 0}, id="sakoe0"),
    pytest.param({"sakoe_chiba_radius": 3}, id="sakoe3"),
    pytest.param({"itakura_max_slope": 2.5}, id="itakura"),
]


@pytest.fixture(params=_simd.available())
def build(request):
    """Each build this CPU runs, by index, in turn (the baseline always among them)."""
    return _select.build_index(request.param)


def build_cdist(build, dataset1, dataset2=None, n_jobs=None, **constraint):
    """cdist_dtw's matrix from the kernels that the chooser picks on ``build``."""
    code, parameter = parse_constraint(
        None, constraint.get("sakoe_chiba_radius"), constraint.get("itakura_max_slope")
    )
    first, second = to_dataset_pair(dataset1, dataset2)
    kernel = functools.partial(_select.dtw_pairs, build=build)
    symmetric = dataset2 is None
    return pairwise_matrix(
        kernel, first, second, (code, parameter), symmetric=symmetric, with_diagonal=False,
        n_jobs=n_jobs,
    )  # fmt: skip


def scalar_cdist(dataset1, dataset2, **constraint):
    """The full (n1, n2) matrix from the scalar kernel, one pair at a time."""
    code, parameter = parse_constraint(
        None, constraint.get("sakoe_chiba_radius"), constraint.get("itakura_max_slope")
    )
    (X, x_lengths), (Y, y_lengths) = to_dataset_pair(dataset1, dataset2)
    rows, cols = all_pairs(len(x_lengths), len(y_lengths), False, False)
    out = np.empty(len(rows))
    _dtw.dtw_pairs(X, x_lengths, Y, y_lengths, rows, cols, code, parameter, False, out, 1)
    return out.reshape(len(x_lengths), len(y_lengths))


def ragged_walks(rng, n, lengths, d, dtype):
    """NaN-padded random walks whose lengths are drawn from ``lengths``."""
    walks = np.cumsum(rng.normal(size=(n, max(lengths), d)), axis=1).astype(dtype)
    for walk, length in zip(walks, rng.choice(lengths, size=n), strict=True):
        walk[length:] = np.nan
    return walks


@pytest.mark.parametrize("constraint", CONSTRAINTS)
@pytest.mark.parametrize("d", [1, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_build_equals_the_scalar_kernel(rng, build, constraint, d, dtype):
    X = ragged_walks(rng, 41, [13, 16, 17, 20], d, dtype)
    Y = ragged_walks(rng, 19, [14, 16, 20], d, dtype)
    got = build_cdist(build, X, Y, **constraint)
    assert np.array_equal(got, scalar_cdist(X, Y, **constraint))
    own, expected = build_cdist(build, X, **constraint), scalar_cdist(X, X, **constraint)
    upper = np.triu_indices(len(X), 1)
    assert np.array_equal(own[upper], expected[upper])
    assert np.array_equal(own, own.T)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_equal_lengths_long_series_and_threads(rng, build, dtype):
    X = np.cumsum(rng.normal(size=(30, 90, 2)), axis=1).astype(dtype)
    for constraint in ({}, {"sakoe_chiba_radius": 7}, {"itakura_max_slope": 3.0}):
        expected = scalar_cdist(X, X, **constraint)
        np.fill_diagonal(expected, 0.0)
        for n_jobs in (1, 2):
            assert np.array_equal(build_cdist(build, X, n_jobs=n_jobs, **constraint), expected)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_group_of_mixed_lengths(rng, build, dtype):
    # Lengths may differ within a group: any without a constraint, down to single-step
    # series, and those with equal sz2 - sz1 under a Sakoe-Chiba band.
    lanes = _simd.group_size(build, dtype)
    for constraint, x_sizes, shift in [(0, [1, 2, 5, 31], None), (2, [6, 9, 30], 4)]:
        X = ragged_walks(rng, lanes, x_sizes, 3, dtype)
        (X, x_lengths), _ = to_dataset_pair(X, None)
        y_sizes = rng.choice([1, 3, 8, 29], size=lanes) if shift is None else x_lengths + shift
        Y = ragged_walks(rng, lanes, [max(y_sizes)], 3, dtype)
        y_lengths = np.asarray(y_sizes, dtype=np.intp)
        rows = np.arange(lanes)
        got, expected = np.empty(lanes), np.empty(lanes)
        _simd.groups(build, _simd.DTW, X, x_lengths, Y, y_lengths, rows, rows, constraint, 2, 0.0,
                      got, 1)  # fmt: skip
        _dtw.dtw_pairs(X, x_lengths, Y, y_lengths, rows, rows, constraint, 2, False, expected, 1)
        assert np.array_equal(got, expected)


def test_infeasible_itakura_pair_is_reported():
    with pytest.raises(ValueError, match=r"itakura_max_slope=1\.5 admits no warping path"):
        cdist_dtw([np.zeros(4)] * 9, [np.zeros(20)] * 9, itakura_max_slope=1.5)


@pytest.mark.parametrize("code", [0, 1, 2])
def test_lane_groups_partition_the_pairs(rng, code):
    n, m = rng.choice([3, 5, 40], size=500), rng.choice([4, 5, 40], size=500)
    grouped, single = _select.lane_groups(n, m, 8, code)
    assert len(grouped) % 8 == 0
    assert sorted(set(grouped) | set(single)) == list(range(500))
    assert not set(grouped) & set(single)
    assert len(single) == len(set(single))
    shared = {0: lambda k: 0, 1: lambda k: (n[k], m[k]), 2: lambda k: m[k] - n[k]}[code]
    for group in grouped.reshape(-1, 8):
        assert len({shared(k) for k in group}) == 1
        useful = sum(int(n[k] * m[k]) for k in set(group))
        assert useful >= _select.MIN_EFFICIENCY * 8 * n[group].max() * m[group].max()
    if code == 1:  # a length pair seen once or twice after its full groups stays single
        keys = list(zip(n[single], m[single], strict=True))
        assert all(keys.count(key) < 8 * _select.MIN_EFFICIENCY for key in keys)


def test_builds_and_variant():
    assert _simd.builds()[0] == "baseline" and _simd.available()[0] == "baseline"
    assert set(_simd.available()) <= set(_simd.builds()) <= set(_select.KNOWN)
    assert _select.variant() in _simd.available()
    for build in range(len(_simd.available())):
        assert _simd.group_size(build, np.float32) == 2 * _simd.group_size(build, np.float64)
    with pytest.raises(ValueError, match="not one of the builds"):
        _select.build_index("sse9")


BUILDS = (_simd.builds(), _simd.available())


def test_choose():
    best = _simd.available()[len(_simd.available()) - 1]
    assert _select.choose(None, *BUILDS) == (best, None)
    assert _select.choose(" Auto ", *BUILDS) == (best, None)
    assert _select.choose("BASELINE", *BUILDS) == ("baseline", None)
    name, message = _select.choose("fastest", *BUILDS)
    assert name == best and "TSWARP_SIMD='fastest' is not one of auto, baseline" in message
    missing = [name for name in _select.KNOWN if name not in _simd.available()]
    for name in missing:
        assert "not" in _select.choose(name, *BUILDS)[1]


def test_choose_on_a_cpu_without_the_build():
    name, message = _select.choose("avx512", ["baseline", "avx2", "avx512"], ["baseline"])
    assert name == "baseline"
    assert message == "TSWARP_SIMD='avx512' is not supported by this CPU; using 'baseline'"


def run_with_simd(value, code):
    env = dict(os.environ, TSWARP_SIMD=value)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


def test_environment_variable_forces_the_baseline():
    code = (
        "import numpy as np, tswarp\n"
        "from tswarp._kernels import _select\n"
        "from tswarp.metrics import cdist_dtw\n"
        "print(_select.variant())\n"
        "tswarp.show_config()\n"
        "X = np.cumsum(np.random.default_rng(0).normal(size=(20, 30)), axis=1)\n"
        "print(cdist_dtw(X).sum().hex())\n"
    )
    result = run_with_simd("baseline", code)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "baseline"
    if len(_simd.available()) > 1:
        # One variable forces both kernels: soft-DTW runs on the platform's plain vectors.
        assert "simd: baseline (forced by TSWARP_SIMD); soft-DTW on 2 float64 lanes" in lines
    X = np.cumsum(np.random.default_rng(0).normal(size=(20, 30)), axis=1)
    assert lines[-1] == scalar_cdist(X, X).sum().hex()  # the whole matrix, in the same order


def test_unknown_value_warns_and_uses_the_fastest_build():
    result = run_with_simd(
        "avx1024", "from tswarp._kernels import _select; print(_select.variant())"
    )
    assert result.returncode == 0, result.stderr
    best = _simd.available()[len(_simd.available()) - 1]
    assert result.stdout.strip() == best
    assert "RuntimeWarning: TSWARP_SIMD='avx1024' is not one of auto, baseline" in result.stderr


def test_unknown_value_warning_points_at_the_users_import(tmp_path):
    script = tmp_path / "user_script.py"
    script.write_text("import numpy\nimport tswarp.metrics\n")
    env = {**os.environ, "TSWARP_SIMD": "avx1024"}
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    # One warning line, at the user's import, never inside importlib or tswarp.
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{script}:2: RuntimeWarning: TSWARP_SIMD='avx1024'"), first
    assert "importlib" not in result.stderr


def test_show_config_names_the_running_build(capsys):
    tswarp.show_config()
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("simd"))
    assert line.startswith(f"simd: {_select.variant()} (")
