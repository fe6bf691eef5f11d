"""Tracking data from a transaction log, the tracking plot, matrices and heavy-buyer holdout chart."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import crmlab.plots  # noqa: E402
from crmlab import btyd  # noqa: E402
from crmlab._checks import CrmlabInputError  # noqa: E402
from crmlab.datasets import load_dataset  # noqa: E402


@pytest.fixture(scope="module")
def data() -> btyd.CalibrationHoldoutData:
    tx = load_dataset("cdnow_transactions")
    return btyd.calibration_holdout_data(tx[tx["in_sample"]], calibration_end="1997-09-30",
                                        observation_end="1998-06-30")


@pytest.fixture(scope="module")
def model(data) -> btyd.BetaGeoModel:
    return btyd.BetaGeoModel().fit(data.summary)


def test_one_call_builds_the_summary_and_the_tracking_data(data):
    tx = load_dataset("cdnow_transactions")
    direct = btyd.summary_data(tx[tx["in_sample"]], calibration_end="1997-09-30",
                               observation_end="1998-06-30")
    pd.testing.assert_frame_equal(data.summary, direct)
    tracking = data.tracking
    assert len(tracking) == 78  # 1997-01-01 … 1998-06-30: 546 days = 78 weeks
    assert tracking["calibration"].sum() == 39
    # every repeat transaction of the summary is in exactly one week
    cal = tracking.loc[tracking["calibration"], "repeat_transactions"].sum()
    assert cal == data.summary["frequency_cal"].sum()
    assert tracking["repeat_transactions"].sum() == (data.summary["frequency_cal"].sum()
                                                     + data.summary["frequency_holdout"].sum())
    assert data.births.sum() == 2357 and data.births.index.max() <= 83  # first 12 weeks


def test_tracking_table_adds_up_the_model_over_customers(data, model):
    table = btyd.tracking_table(model, data)
    end_cal = table.loc[table["calibration"]].iloc[-1]
    # at the end of calibration each customer has been watched for exactly T_cal weeks
    by_customer = model.expected_purchases(data.summary["T_cal"]).sum()
    assert end_cal["cumulative_expected"] == pytest.approx(by_customer, rel=1e-9)
    assert table["expected"].sum() == pytest.approx(table["cumulative_expected"].iloc[-1])
    assert (table["expected"] >= 0).all()
    # the BG/NBD tracks the 78 weeks closely (Fader, Hardie & Lee 2005, figure 3): a few
    # percent below the actual cumulative count at week 78
    gap = table["cumulative_expected"].iloc[-1] / table["cumulative_actual"].iloc[-1] - 1
    assert -0.05 < gap < 0


def test_tracking_charts_draw_actual_model_and_calibration_end(data, model):
    table = btyd.tracking_table(model, data)
    ax = crmlab.plots.tracking_chart(table)
    assert len(ax.lines) == 3
    np.testing.assert_allclose(ax.lines[0].get_ydata(), table["cumulative_actual"])
    assert ax.lines[2].get_xdata()[0] == pytest.approx(38.5)
    ax = crmlab.plots.tracking_chart(table, cumulative=False)
    np.testing.assert_allclose(ax.lines[1].get_ydata(), table["expected"])
    with pytest.raises(CrmlabInputError):
        crmlab.plots.tracking_chart(pd.DataFrame({"period": [0]}))
    plt.close("all")


def test_calibration_holdout_table_shows_the_heaviest_buyers(data, model):
    table = btyd.calibration_holdout_table(model, data.summary)
    assert table["label"].tolist()[:8] == ["0", "1", "2", "3", "4", "5", "6", "7–13"]
    assert table["customers"].sum() == 2357
    heaviest = data.summary["frequency_cal"].max()
    last = table.iloc[-1]
    assert last["frequency_cal"] <= heaviest < 2 * last["frequency_cal"]
    group = data.summary[data.summary["frequency_cal"] >= last["frequency_cal"]]
    assert last["customers"] == len(group)
    assert last["actual"] == pytest.approx(group["frequency_holdout"].mean())
    lumped = btyd.calibration_holdout_table(model, data.summary, heavy_bins=False)
    assert lumped["label"].iloc[-1] == "7+" and len(lumped) == 8
    ax = crmlab.plots.calibration_holdout_chart(table)
    assert [t.get_text() for t in ax.get_xticklabels()][-1].startswith(last["label"])
    plt.close("all")


def test_expected_purchases_matrix_and_heatmap(model):
    matrix = btyd.expected_purchases_matrix(model, t=52, T=39, max_frequency=10)
    assert matrix.shape == (11, 40)
    row = matrix.loc[6]
    assert row.idxmax() == 39.0  # a recent frequent buyer is worth most
    np.testing.assert_allclose(row, model.conditional_expected_purchases(52, 6, row.index, 39.0))
    ax = crmlab.plots.expected_purchases_heatmap(matrix)
    assert ax.get_ylabel().startswith("frequency")
    plt.close("all")


def test_sbg_projection_chart_data(tmp_path):
    counts = pd.read_csv(__import__("pathlib").Path(__file__).parent / "data" / "sbg"
                         / "survivors.csv", index_col="year")
    model = btyd.ShiftedBetaGeoModel().fit(counts.loc[:7, "regular"])
    ax = crmlab.plots.retention_projection_chart(model, counts["regular"], fitted_periods=7)
    assert len(ax.lines) == 3  # actual, model, end of the fitted years
    assert ax.lines[2].get_xdata()[0] == pytest.approx(7.5)
    np.testing.assert_allclose(ax.lines[1].get_ydata(),
                               model.expected_survivors(counts.index.to_numpy()))
    plt.close("all")
