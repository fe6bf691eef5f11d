"""Smoke-and-content tests for the chapter 6–7 charts (they draw what they are given)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import crmlab.plots as plots  # noqa: E402
from crmlab._checks import CrmlabInputError  # noqa: E402
from crmlab.loyalty import gains_table  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_quality_score_chart_draws_one_bar_per_column_and_measure():
    s = pd.DataFrame({"column": ["a", "b"], "completeness": [1.0, 0.5],
                      "validity": [np.nan, 0.9], "uniqueness": [1.0, np.nan]})
    ax = plots.quality_score_chart(s)
    heights = sorted(round(p.get_height(), 3) for p in ax.patches)
    assert heights == [0.0, 0.0, 0.5, 0.9, 1.0, 1.0]


def test_pair_score_chart_counts_pairs():
    p = pd.DataFrame({"score": [0.2, 0.9, 0.95, np.nan], "same": [False, True, True, False]})
    ax = plots.pair_score_chart(p, truth="same", bins=10)
    assert sum(patch.get_height() for patch in ax.patches) == 3


def test_cluster_size_chart_counts_entities():
    ax = plots.cluster_size_chart(pd.DataFrame({"cluster_id": ["C1", "C1", "C2", "C3"]}))
    assert [p.get_height() for p in ax.patches] == [2, 1]   # two singletons, one pair


def test_gains_and_effects_and_winback_and_states():
    g = gains_table([1, 0, 1, 0], [0.9, 0.1, 0.8, 0.3], bins=4)
    ax = plots.gains_chart(g)
    line = ax.get_lines()[0]
    assert list(line.get_ydata()) == [0.0, 0.5, 1.0, 1.0, 1.0]
    eff = pd.DataFrame({"feature": ["a", "b"], "effect": [2.0, 0.5],
                        "kind": ["odds ratio per SD"] * 2})
    ax = plots.feature_effects_chart(eff)
    assert sorted(round(p.get_width(), 4) for p in ax.patches) == [round(np.log(0.5), 4),
                                                                   round(np.log(2.0), 4)]
    w = pd.DataFrame({"customer_id": ["a", "b"], "expected_value": [90.0, 20.0],
                      "state": ["at_risk", "churned"]})
    ax = plots.winback_chart(w)
    assert sorted(p.get_width() for p in ax.patches) == [20.0, 90.0]
    ax = plots.churn_state_chart(pd.DataFrame({"state": ["active", "churned", "active"],
                                               "store": ["S1", "S1", "S2"]}), by="store")
    assert len(ax.patches) == 4


def test_missing_columns_are_named():
    with pytest.raises(CrmlabInputError, match="missing column 'score'"):
        plots.pair_score_chart(pd.DataFrame({"x": [1]}))
