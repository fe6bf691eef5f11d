"""The chapter-1 charts draw what their result frames say."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from crmlab import plots  # noqa: E402
from crmlab._checks import CrmlabInputError  # noqa: E402


def teardown_function():
    plt.close("all")


def test_rfm_heatmap_cells_are_means_with_counts():
    s = pd.DataFrame({"R": [5, 5, 1], "F": [5, 5, 1], "monetary": [900.0, 700.0, 20.0]})
    ax = plots.rfm_heatmap(s)
    texts = sorted(t.get_text() for t in ax.texts if t.get_text())
    assert texts == ["20\n(n=1)", "800\n(n=2)"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["5", "1"]  # R 5 on top


def test_segment_share_chart_bar_lengths():
    p = pd.DataFrame({"segment": ["a", "b"], "customer_share": [0.2, 0.8],
                      "revenue_share": [0.7, 0.3]})
    ax = plots.segment_share_chart(p)
    assert [b.get_width() for b in ax.patches] == [0.2, 0.8, 0.7, 0.3]


def test_k_selection_and_profile_charts():
    k = pd.DataFrame({"k": [2, 3], "inertia": [9.0, 5.0], "silhouette": [0.4, 0.5]})
    ax = plots.k_selection_chart(k)
    assert list(ax.lines[0].get_ydata()) == [9.0, 5.0]
    p = pd.DataFrame({"segment": [0, 1], "mean_recency": [10.0, 200], "mean_frequency": [30.0, 2],
                      "mean_monetary": [5e3, 90], "revenue_share": [0.9, 0.1]})
    ax = plots.cluster_profile_chart(p)
    assert "5,000" in [t.get_text() for t in ax.texts]
    with pytest.raises(CrmlabInputError, match="missing column"):
        plots.cluster_profile_chart(p.drop(columns="mean_recency"))


def test_docstring_examples_run():
    import doctest

    import crmlab.plots.segmentation

    result = doctest.testmod(crmlab.plots.segmentation)
    assert result.attempted >= 4 and result.failed == 0
