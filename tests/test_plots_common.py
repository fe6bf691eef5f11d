"""Helpers shared by the chart modules (crmlab.plots)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from crmlab.plots.loyalty import gains_chart  # noqa: E402
from crmlab.plots.pareto import lorenz_chart  # noqa: E402


def _labels(ax):
    return [line.get_label() for line in ax.get_lines()]


def test_reference_diagonal_drawn_once_when_two_curves_share_the_axes():
    gains = pd.DataFrame({"cum_share_customers": [0.5, 1.0], "cum_share_positives": [0.8, 1.0]})
    ax = gains_chart(gains, label="model A")
    gains_chart(gains, label="model B", ax=ax)
    assert _labels(ax) == ["model A", "random", "model B"]
    diagonal = ax.get_lines()[1]
    assert list(diagonal.get_xdata()) == [0, 1] and list(diagonal.get_ydata()) == [0, 1]
    plt.close("all")

    curve = pd.DataFrame({"cum_customer_share": [0, 0.5, 1], "cum_value_share": [0, 0.2, 1]})
    ax = lorenz_chart(curve, label="2024")
    lorenz_chart(curve, label="2025", ax=ax)
    assert _labels(ax).count("equality") == 1
    plt.close("all")
