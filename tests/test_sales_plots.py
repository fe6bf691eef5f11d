"""The chapter-8 charts (sales, baskets, service) draw what their result frames say."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from crmlab import basket, plots, sales, service  # noqa: E402
from crmlab._checks import CrmlabInputError  # noqa: E402


def teardown_function():
    plt.close("all")


def test_sales_funnel_chart_bars_are_the_counts_centred():
    opps = pd.DataFrame({"stage_reached": ["lead", "lead", "qualified", "won"],
                         "amount": [1.0, 1, 1, 1]})
    funnel = sales.sales_funnel(opps, stages=["lead", "qualified", "won"])
    ax = plots.sales_funnel_chart(funnel)
    widths = [p.get_width() for p in ax.patches]
    assert widths == [4, 2, 1]
    assert [p.get_x() for p in ax.patches] == [-2, -1, -0.5]     # centred on 0
    texts = [t.get_text() for t in ax.texts]
    assert texts[0] == "4" and "50% of previous" in texts[2]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["lead", "qualified", "won"]


def test_campaign_roi_chart_sorted_with_break_even_line():
    roi = pd.DataFrame({"name": ["甲", "乙", "丙"], "roi": [2.0, -0.5, 0.7],
                        "channel": ["展会", "邮件营销", "展会"]})
    ax = plots.campaign_roi_chart(roi)
    assert [p.get_width() for p in ax.patches] == [-0.5, 0.7, 2.0]
    assert any(list(line.get_xdata()) == [0, 0] for line in ax.lines)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["邮件营销", "展会"]


def test_rules_scatter_points_and_labels():
    rules = basket.association_rules([["a", "b"], ["a", "b"], ["a"], ["c"]], min_support=0.25,
                                     min_confidence=0.1)
    ax = plots.rules_scatter(rules, label_top=1)
    offsets = ax.collections[0].get_offsets()
    assert np.allclose(offsets[:, 0], rules["support"]) and np.allclose(offsets[:, 1],
                                                                        rules["confidence"])
    assert [t.get_text() for t in ax.texts] == ["b → a"]


def test_service_charts():
    t = pd.DataFrame({"severity": ["P2"] * 4, "channel": ["微信", "微信", "邮件", "邮件"],
                      "opened": pd.to_datetime(["2025-03-01"] * 4),
                      "resolved": pd.to_datetime(["2025-03-01 10:00", "2025-03-01 12:00",
                                                  "2025-03-03 00:00", None])})
    aged = service.ticket_ageing(t, as_of="2025-03-04")
    ax = plots.resolution_time_chart(aged)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["微信", "邮件"]  # fastest first
    ax = plots.sla_status_chart(aged, by="channel")
    # 微信: all resolved in time; 邮件: half resolved late, half open overdue; each row sums to 1
    assert [p.get_width() for p in ax.patches] == pytest.approx([1, 0, 0, 0.5, 0, 0.5])
    assert "resolved in time" in [x.get_text() for x in ax.get_legend().get_texts()]
    pareto = service.complaint_pareto(pd.DataFrame({"category": list("aaab")}))
    ax = plots.complaint_pareto_chart(pareto)
    assert [p.get_height() for p in ax.patches] == [3, 1]
    line_ax = [a for a in ax.figure.axes if a is not ax][0]
    assert list(line_ax.lines[0].get_ydata()) == pytest.approx([0.75, 1.0])


def test_plot_inputs_are_checked():
    with pytest.raises(CrmlabInputError, match="'reached'"):
        plots.sales_funnel_chart(pd.DataFrame({"stage": ["lead"]}))
    with pytest.raises(CrmlabInputError, match="'lift'"):
        plots.rules_scatter(pd.DataFrame({"support": [0.1], "confidence": [0.5]}))
