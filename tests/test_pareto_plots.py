"""The chapter-2 charts draw what their result frames say."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from crmlab import plots  # noqa: E402
from crmlab._checks import CrmlabInputError  # noqa: E402
from crmlab.pareto import customer_pyramid, gini, lorenz_curve, pareto_table  # noqa: E402

V = pd.Series([1.0, 2, 3, 4, 10], index=list("abcde"))


def teardown_function():
    plt.close("all")


def test_pareto_chart_bars_line_and_reference():
    ax = plots.pareto_chart(pareto_table(V))
    assert [p.get_height() for p in ax.patches] == [10, 4, 3, 2, 1]
    line_ax = [a for a in ax.figure.axes if a is not ax][0]
    curve = line_ax.lines[0]
    assert list(curve.get_ydata()) == pytest.approx([0, 0.5, 0.7, 0.85, 0.95, 1.0])
    # the vertical reference is where the curve reaches 80 %: (2 + 2/3) / 5 of customers
    vertical = [ln for ln in line_ax.lines if len(set(ln.get_xdata())) == 1][0]
    assert vertical.get_xdata()[0] == pytest.approx((2 + 2 / 3) / 5)


def test_lorenz_chart_shows_gini_in_legend():
    ax = plots.lorenz_chart(lorenz_curve(V), gini=gini(V))
    assert "Gini = 0.400" in ax.get_legend().get_texts()[0].get_text()
    plots.lorenz_chart(lorenz_curve(V * 0 + 1), label="equal", ax=ax)
    assert sum(ln.get_label() == "equality" for ln in ax.lines) == 1


def test_pyramid_chart_one_layer_per_row_and_chinese_names():
    p = customer_pyramid(pd.Series(np.arange(1.0, 101)))
    ax = plots.pyramid_chart(p)
    assert len(ax.patches) == 3
    texts = [t.get_text() for t in ax.texts]
    assert texts[0].startswith("贵宾型 VIP\n5.0% of customers")
    # the apex of the top layer is a point, the base is the widest
    top, bottom = ax.patches[0].get_xy(), ax.patches[-1].get_xy()
    assert top[2][0] == top[3][0] == 0
    assert bottom[1][0] - bottom[0][0] == pytest.approx(1.0)


def test_plot_bad_input():
    with pytest.raises(CrmlabInputError, match="missing column"):
        plots.pareto_chart(pd.DataFrame({"x": [1]}))


def test_docstring_examples_run():
    import doctest

    import crmlab.plots.pareto

    result = doctest.testmod(crmlab.plots.pareto)
    assert result.attempted >= 3 and result.failed == 0
