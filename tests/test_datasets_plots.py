"""The first-look charts of notebook 00 (crmlab.plots.datasets)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import crmlab.plots as plots  # noqa: E402
from crmlab._checks import CrmlabInputError  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_ranked_bar_chart_sorts_largest_first_and_labels_values():
    table = pd.DataFrame({"store": ["张店店", "泉城路店", "泰山店"], "revenue": [80.0, 120.5, 95.0]})
    ax = plots.ranked_bar_chart(table, label="store", value="revenue", title="门店销售额")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["泉城路店", "泰山店", "张店店"]
    widths = [p.get_width() for p in ax.patches]
    assert widths == [120.5, 95.0, 80.0]
    assert [t.get_text() for t in ax.texts] == ["120", "95", "80"]  # {:,.0f}, half to even
    assert ax.get_title() == "门店销售额"
    assert ax.yaxis_inverted()  # the largest bar at the top
    assert ax.xaxis.get_major_formatter()(1500000, 0) == "1,500,000"
    assert table["store"].tolist() == ["张店店", "泉城路店", "泰山店"]  # input untouched


def test_ranked_bar_chart_top_and_given_axes():
    table = pd.DataFrame({"k": list("abcde"), "v": [1, 5, 3, 4, 2]})
    _, ax = plt.subplots()
    out = plots.ranked_bar_chart(table, label="k", value="v", top=2, ax=ax)
    assert out is ax
    assert [t.get_text() for t in ax.get_yticklabels()] == ["b", "d"]


def test_ranked_bar_chart_bad_input():
    with pytest.raises(CrmlabInputError, match="missing column 'revenue'"):
        plots.ranked_bar_chart(pd.DataFrame({"store": ["a"]}), label="store", value="revenue")
    with pytest.raises(CrmlabInputError, match="must hold numbers; rows 1 hold 'lots'"):
        plots.ranked_bar_chart(pd.DataFrame({"s": ["a", "b"], "v": [1, "lots"]}), label="s", value="v")
    with pytest.raises(CrmlabInputError, match="'v' is missing in rows 0"):
        plots.ranked_bar_chart(pd.DataFrame({"s": ["a"], "v": [np.nan]}), label="s", value="v")
    with pytest.raises(CrmlabInputError, match="empty"):
        plots.ranked_bar_chart(pd.DataFrame({"s": [], "v": []}), label="s", value="v")


def test_monthly_trend_chart_one_line_per_group_in_date_order():
    table = pd.DataFrame({"month": ["2024-02-01", "2024-01-01", "2024-01-01", "2024-02-01"],
                          "store": ["S1", "S1", "S2", "S2"], "amount": [6.0, 5.0, 3.0, 4.0]})
    ax = plots.monthly_trend_chart(table, by="store", title="月度销售额")
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["S1", "S2"]
    assert list(lines[0].get_ydata()) == [5.0, 6.0]  # sorted by month
    single = plots.monthly_trend_chart(table[table["store"] == "S2"])
    assert len(single.get_lines()) == 1


def test_monthly_trend_chart_bad_months():
    bad = pd.DataFrame({"month": ["2024-01-01", "soon"], "amount": [1.0, 2.0]})
    with pytest.raises(CrmlabInputError, match="must hold dates; rows 1 hold 'soon'"):
        plots.monthly_trend_chart(bad)
