"""Chapter 3 charts: each draws on the given Axes, returns it, and rejects the wrong table."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import crmlab  # noqa: E402
from crmlab import btyd, value  # noqa: E402
from crmlab._checks import CrmlabInputError  # noqa: E402


@pytest.fixture(scope="module")
def model() -> btyd.BetaGeoModel:
    m = btyd.BetaGeoModel()
    m.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    return m


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_value_charts_draw_on_given_axes():
    tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c"], "amount": [5.0, 6.0, 7.0, 9.0],
                       "date": ["2025-01-02", "2025-02-03", "2025-02-04", "2025-03-01"]})
    _, ax = plt.subplots()
    matrix = value.retention_matrix(value.cohort_table(tx))
    assert crmlab.plots.cohort_heatmap(matrix, ax=ax) is ax
    assert len(ax.collections) >= 1  # the heatmap mesh
    customers = value.value_loyalty_matrix(pd.DataFrame({"margin": [1.0, 5, 9, 20], "frequency": [1, 3, 2, 8]}))
    ax2 = crmlab.plots.value_loyalty_chart(customers)
    assert len(ax2.collections[0].get_offsets()) == 4
    ax3 = crmlab.plots.clv_sensitivity_heatmap(value.clv_sensitivity(100, [0.7, 0.8], [0.1, 0.2]))
    assert [t.get_text() for t in ax3.get_yticklabels()] == ["70%", "80%"]


def test_btyd_charts(model):
    sim = btyd.simulate_customers(300, **model.params_, T=39.0, holdout=39.0, random_state=1)
    table = btyd.repeat_purchase_table(model, sim["frequency"], sim["T"])
    ax = crmlab.plots.repeat_purchase_chart(table)
    assert len(ax.patches) == 2 * len(table)
    summary = sim.rename(columns={"frequency": "frequency_cal", "recency": "recency_cal", "T": "T_cal"})
    ax = crmlab.plots.calibration_holdout_chart(btyd.calibration_holdout_table(model, summary))
    assert len(ax.lines) == 2
    ax = crmlab.plots.probability_alive_heatmap(btyd.probability_alive_matrix(model, T=39.0, max_frequency=5, recency_step=3.0))
    assert ax.get_ylabel().startswith("frequency")
    curve = pd.DataFrame({"t": np.arange(0, 10.0), "new": model.expected_purchases(np.arange(0, 10.0))})
    assert len(crmlab.plots.expected_purchases_chart(curve).lines) == 1


def test_charts_reject_wrong_tables():
    with pytest.raises(CrmlabInputError):
        crmlab.plots.cohort_heatmap(pd.DataFrame())
    with pytest.raises(CrmlabInputError, match="missing column"):
        crmlab.plots.value_loyalty_chart(pd.DataFrame({"margin": [1.0]}))
    with pytest.raises(CrmlabInputError, match="missing column"):
        crmlab.plots.repeat_purchase_chart(pd.DataFrame({"x": [1]}))
