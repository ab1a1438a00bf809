"""The metric tables: every name maps to a cdist that agrees with the pair function."""

import inspect

import numpy as np
import pytest
from oracles import dtw_naive

import tswarp.metrics as metrics

PAIR_FUNCTIONS = {
    "dtw": metrics.dtw,
    "soft_dtw": lambda x, y: metrics.soft_dtw(x, y, gamma=1.0),
    "soft_dtw_normalized": lambda x, y: metrics.soft_dtw_normalized(x, y, gamma=1.0),
    "frechet": metrics.frechet,
    "lcss": metrics.lcss,
    "gak": metrics.gak,
    "ctw": metrics.ctw,
}


def test_every_metric_has_a_pair_function_here():
    assert set(metrics.PAIRWISE_METRICS) == set(PAIR_FUNCTIONS)
    assert metrics.VALID_METRICS == tuple(metrics.PAIRWISE_METRICS)


@pytest.mark.parametrize("name", list(PAIR_FUNCTIONS))
def test_each_cdist_agrees_with_its_pair_function(name, rng):
    X = [rng.normal(size=(n, 2)) for n in (5, 7, 6)]
    Y = [rng.normal(size=(n, 2)) for n in (4, 8)]
    cdist = metrics.PAIRWISE_METRICS[name]
    D = cdist(X, Y)
    expected = [[PAIR_FUNCTIONS[name](x, y) for y in Y] for x in X]
    np.testing.assert_allclose(D, expected, rtol=1e-12)


def test_dtw_entry_against_a_naive_dp(rng):
    X = rng.normal(size=(4, 6, 1))
    D = metrics.PAIRWISE_METRICS["dtw"](X)
    expected = [[dtw_naive(x, y) for y in X] for x in X]
    np.testing.assert_allclose(D, expected, rtol=1e-12)


def test_tslearn_spellings_are_aliases():
    table = metrics.METRIC_TO_FUNCTION
    assert table["softdtw"] is metrics.cdist_soft_dtw
    assert table["softdtw_normalized"] is metrics.cdist_soft_dtw_normalized
    assert set(metrics.TSLEARN_VALID_METRICS) <= set(table)
    assert set(metrics.VARIABLE_LENGTH_METRICS) == set(table)
    assert (
        "softdtw" in metrics.TSLEARN_VALID_METRICS
        and "soft_dtw" not in metrics.TSLEARN_VALID_METRICS
    )


@pytest.mark.parametrize("name", list(metrics.METRIC_TO_FUNCTION))
def test_entries_take_the_cdist_arguments(name):
    # tslearn's estimators filter their metric_params by the function's signature.
    parameters = inspect.signature(metrics.METRIC_TO_FUNCTION[name]).parameters
    assert {"dataset1", "dataset2", "n_jobs", "verbose", "be"} <= set(parameters)


def test_tslearn_code_pattern_runs(rng):
    # The pattern of tslearn's DBSCAN: look the metric up, keep the parameters it accepts.
    X = rng.normal(size=(5, 9, 1))
    params = {"gamma": 0.5, "sakoe_chiba_radius": 2, "global_constraint": "sakoe_chiba"}
    results = {}
    for name in metrics.TSLEARN_VALID_METRICS:
        func = metrics.METRIC_TO_FUNCTION[name]
        accepted = inspect.signature(func).parameters
        results[name] = func(X, **{k: v for k, v in params.items() if k in accepted})
    np.testing.assert_allclose(
        results["dtw"],
        metrics.cdist_dtw(X, global_constraint="sakoe_chiba", sakoe_chiba_radius=2),
    )


def test_tables_match_tslearn_where_both_have_the_metric(rng):
    tslearn_metrics = pytest.importorskip("tslearn.metrics")
    X = rng.normal(size=(4, 7, 2))
    shared = set(tslearn_metrics.METRIC_TO_FUNCTION) & set(metrics.METRIC_TO_FUNCTION)
    assert {"dtw", "softdtw", "softdtw_normalized", "frechet"} <= shared
    for name in shared:
        ours = metrics.METRIC_TO_FUNCTION[name](X)
        theirs = tslearn_metrics.METRIC_TO_FUNCTION[name](X)
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12, err_msg=name)
    assert set(metrics.TSLEARN_VALID_METRICS) <= set(tslearn_metrics.TSLEARN_VALID_METRICS)
