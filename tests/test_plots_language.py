"""Charts follow the language: with crmlab.set_language("zh") no English word is left in the
titles, axis labels, legends, tick labels and annotations of the course's charts."""

from __future__ import annotations

import re

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

import crmlab  # noqa: E402
from crmlab import plots  # noqa: E402

#: Words allowed in a Chinese chart: names of measures and models that stay English in the
#: Chinese course (see the glossary), and the column names of the data charted (identifiers the
#: code uses, which stay English in both editions). Single letters (grades, scores) always pass.
ALLOWED = {"RFM", "NPS", "CLV", "CSAT", "ROI", "ROC", "AUC", "SLA", "sBG", "VIP",
           "monetary", "frequency", "margin", "severity"}


def _texts(fig) -> list[str]:
    """Every visible text of a figure: titles, labels, tick labels, legends, annotations, colorbars."""
    found = []
    for artist in fig.findobj(matplotlib.text.Text):
        text = artist.get_text()
        if text and artist.get_visible():
            found.append(text)
    return found


def english_words(texts: list[str]) -> list[str]:
    """English words (two letters or more) that are not on the allowed list.

    >>> english_words(["客户累计占比", "RFM 得分", "share of customers"])
    ['share', 'of', 'customers']
    """
    words = [w for text in texts for w in re.findall(r"[A-Za-z][A-Za-z'’-]+", text)]
    return [w for w in words if w not in ALLOWED]


def _charts():
    from crmlab.loyalty import gains_table
    from crmlab.pareto import customer_pyramid, gini, lorenz_curve, pareto_table
    from crmlab.sales import sales_funnel
    from crmlab.scorecard import yoy_class, yoy_summary
    from crmlab.service import complaint_pareto
    from crmlab.survey import likert_summary
    from crmlab.value import clv_sensitivity, value_loyalty_matrix

    v = pd.Series([1, 2, 3, 4, 10])
    yield "pareto", lambda: plots.pareto_chart(pareto_table(v))
    yield "lorenz", lambda: plots.lorenz_chart(lorenz_curve(v), gini=gini(v))
    yield "pyramid", lambda: plots.pyramid_chart(customer_pyramid(pd.Series(range(1, 101))))
    yield "rfm", lambda: plots.rfm_heatmap(pd.DataFrame({"R": [5, 1, 3, 5], "F": [5, 1, 3, 4],
                                                         "monetary": [900., 20, 150, 600]}), value="monetary")
    yield "segments", lambda: plots.segment_share_chart(pd.DataFrame({"segment": ["高价值", "普通"],
                                                                      "customer_share": [.2, .8],
                                                                      "revenue_share": [.7, .3]}))
    yield "k", lambda: plots.k_selection_chart(pd.DataFrame({"k": [2, 3, 4], "inertia": [9., 5, 4],
                                                             "silhouette": [.4, .5, .3]}))
    yield "value x loyalty", lambda: plots.value_loyalty_chart(value_loyalty_matrix(
        pd.DataFrame({"margin": [500.0, 20, 300, 10], "frequency": [12, 10, 2, 1]})))
    yield "clv", lambda: plots.clv_sensitivity_heatmap(clv_sensitivity(margin=100, retention_rates=[0.6, 0.8],
                                                                       discount_rates=[0.1, 0.2]))
    yield "yoy", lambda: plots.yoy_class_chart(yoy_summary(yoy_class([130, 90, 40], [100, 100, 100])))
    yield "grades", lambda: plots.grade_distribution_chart(pd.DataFrame({"total": [30, 55, 65, 85],
                                                                         "grade": ["D", "C", "B", "A"]}))
    yield "likert", lambda: plots.likert_bars(likert_summary(pd.DataFrame({"q1": [1, 4, 5, 5], "q2": [2, 3, 3, 4]})))
    yield "churn", lambda: plots.churn_state_chart(pd.DataFrame({"state": ["active", "churned", "at_risk"]}))
    yield "gains", lambda: plots.gains_chart(gains_table([1, 0, 1, 0], [0.9, 0.1, 0.8, 0.3], bins=4))
    yield "quality", lambda: plots.quality_score_chart(pd.DataFrame({"column": ["电话", "地址"],
                                                                     "completeness": [1.0, 0.5],
                                                                     "validity": [np.nan, 0.9],
                                                                     "uniqueness": [1.0, np.nan]}))
    yield "pairs", lambda: plots.pair_score_chart(pd.DataFrame({"score": [0.2, 0.9, 0.95],
                                                                "same": [False, True, True]}), truth="same")
    yield "sla", lambda: plots.sla_status_chart(pd.DataFrame({"severity": ["一级", "一级", "二级"],
                                                              "sla_status": ["resolved in time", "resolved late",
                                                                             "open in time"]}))
    yield "complaints", lambda: plots.complaint_pareto_chart(complaint_pareto(pd.DataFrame({"category": list("甲甲甲乙")})))
    yield "sales funnel", lambda: plots.sales_funnel_chart(sales_funnel(
        pd.DataFrame({"stage_reached": ["线索", "合格", "成交"], "amount": [1, 2, 3]}), stages=["线索", "合格", "成交"]))


CHARTS = list(_charts())


@pytest.fixture
def chinese():
    crmlab.set_language("zh")
    yield
    crmlab.set_language(None)
    plt.close("all")


@pytest.mark.parametrize("name, draw", CHARTS, ids=[name for name, _ in CHARTS])
def test_a_chinese_chart_has_no_english_word(chinese, name, draw):
    ax = draw()
    texts = _texts(ax.figure)
    assert any(re.search(r"[\u4e00-\u9fff]", text) for text in texts), texts  # Chinese is there
    assert english_words(texts) == [], texts


def test_the_same_chart_is_english_after_switching_back():
    crmlab.set_language("en")
    try:
        ax = plots.lorenz_chart(pd.DataFrame({"cum_customer_share": [0, 1.0], "cum_value_share": [0, 1.0]}))
        assert ax.get_title() == "Lorenz curve"
        crmlab.set_language("zh")
        ax = plots.lorenz_chart(pd.DataFrame({"cum_customer_share": [0, 1.0], "cum_value_share": [0, 1.0]}))
        assert ax.get_title() == "洛伦兹曲线"
        assert ax.get_xlabel() == "客户累计占比（从小到大）"
    finally:
        crmlab.set_language(None)
        plt.close("all")
