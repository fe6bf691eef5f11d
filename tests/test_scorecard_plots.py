"""Charts of chapter 4: they draw what the result frames hold."""

from __future__ import annotations

import doctest

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import crmlab.plots as plots  # noqa: E402
import crmlab.plots.scorecard as chart_module  # noqa: E402
from crmlab._checks import CrmlabInputError  # noqa: E402
from crmlab.scorecard import collections_matrix, default_scorecard, yoy_class, yoy_summary  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_docstring_examples_run():
    result = doctest.testmod(chart_module)
    assert result.attempted >= 5 and result.failed == 0


def test_reachable_from_crmlab_plots():
    for name in chart_module.__all__:
        assert getattr(plots, name) is getattr(chart_module, name)


def test_yoy_chart_bar_heights_and_labels():
    summary = yoy_summary(yoy_class([130, 90, 40, 10], [100, 100, 100, 0]))
    ax = plots.yoy_class_chart(summary)
    assert [p.get_height() for p in ax.patches] == summary["customers"].tolist()
    texts = [t.get_text() for t in ax.texts]
    assert "1 (25%)" in texts and "0 (0%)" in texts


def test_collections_chart_shows_amounts():
    inv = pd.DataFrame({"customer_id": ["A", "B"], "amount": [150_000.0, 5_000.0],
                        "due_date": pd.to_datetime(["2025-09-30", "2025-12-20"]),
                        "paid_date": pd.NaT})
    ax = plots.collections_matrix_chart(collections_matrix(inv, as_of="2025-12-31", invoice_date=None,
                                                                 age_basis="due"))
    texts = " | ".join(t.get_text() for t in ax.texts)
    assert "重点催收\nkey\n150,000\n1 customers" in texts
    assert "可暂缓催收\ndefer\n5,000" in texts
    assert len(ax.texts) == 4


def test_grade_distribution_and_breakdown():
    scores = default_scorecard().score(pd.DataFrame({
        "customer_id": ["a", "b", "c"], "sales": [3.0, 2.0, 1.0], "yoy_ratio": [1.3, 1.0, 0.1],
        "payment_terms_months": [0, 2, 5], "max_delay_months": [0, 1, 5],
        "brand_standing": ["global500", "top50", "other"], "outlook_points": [15, 8, 0]}))
    ax = plots.grade_distribution_chart(scores)
    assert sum(p.get_height() for p in ax.patches) == 3
    ax = plots.score_breakdown_chart(scores, "b")
    heights = [p.get_width() for p in ax.patches]
    # six outline bars (the maxima) then six filled bars in item order
    assert heights[:6] == [15, 15, 15, 20, 20, 15]
    assert heights[6:] == scores.filter(like="points_").iloc[1].tolist()
    assert "grade" in ax.get_title()
    with pytest.raises(CrmlabInputError, match="not in the scores"):
        plots.score_breakdown_chart(scores, "zzz")


def test_grade_history_chart_stacks_counts():
    h = pd.DataFrame({"month_end": pd.to_datetime(["2025-01-31"] * 3 + ["2025-02-28"] * 3),
                      "grade": ["A", "C", "C", "A", "D", "D"]})
    ax = plots.grade_history_chart(h)
    assert sum(p.get_height() for p in ax.patches) == 6
    with pytest.raises(CrmlabInputError, match="missing column 'grade'"):
        plots.grade_history_chart(h.drop(columns="grade"))
