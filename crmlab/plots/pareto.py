"""Charts of chapter 2: the Pareto chart, the Lorenz curve and the customer pyramid."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlab._checks import require_columns
from crmlab.plots import _diagonal, new_axes
from crmlab.i18n import t

__all__ = ["pareto_chart", "lorenz_chart", "pyramid_chart"]


def pareto_chart(table: pd.DataFrame, *, value: str = "value",
                 cum_customer_share: str = "cum_customer_share",
                 cum_value_share: str = "cum_value_share", reference: float = 0.8,
                 ax: Any = None) -> Any:
    """Pareto chart (帕累托图): customers' values as bars, cumulative value share as a line.

    Takes the result of :func:`crmlab.pareto.pareto_table`. The x axis is the cumulative share
    of customers (so thousands of customers fit), the right axis the cumulative share of value;
    dashed lines mark the ``reference`` share of value (80 %) and the share of customers that
    reaches it.

    Parameters
    ----------
    table : pandas.DataFrame
        The table, from :func:`crmlab.pareto.pareto_table`.
    value, cum_customer_share, cum_value_share : str
        Columns of each customer's value and of the two cumulative shares.
    reference : float
        The share of value marked by dashed lines (0.8: the 80/20 rule).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from crmlab.pareto import pareto_table
    >>> ax = pareto_chart(pareto_table(pd.Series([1, 2, 3, 4, 10])))
    """
    require_columns(table, [value, cum_customer_share, cum_value_share], what="the Pareto table")
    ax = new_axes(ax)
    x = table[cum_customer_share].to_numpy()
    width = 1.0 / len(table)
    ax.bar(x - width / 2, table[value].to_numpy(), width=width, color="#4c72b0",
           edgecolor="none" if len(table) > 60 else "white", label=t("plot.pareto.customer_value"))
    ax.set_xlabel(t("plot.pareto.x"))
    ax.set_ylabel(t("plot.pareto.y"))
    ax.set_xlim(0, 1)
    line_ax = ax.twinx()
    xs = np.concatenate([[0.0], x])
    ys = np.concatenate([[0.0], table[cum_value_share].to_numpy()])
    line_ax.plot(xs, ys, color="#dd8452", lw=2, label=t("plot.pareto.cum_value"))
    line_ax.set_ylim(0, 1.02)
    line_ax.set_ylabel(t("plot.pareto.cum_value_axis"))
    line_ax.yaxis.set_major_formatter(_formatter())
    ax.xaxis.set_major_formatter(_formatter())
    if reference is not None:
        reach = float(np.interp(reference, ys, xs))
        line_ax.axhline(reference, color="grey", ls="--", lw=1)
        line_ax.axvline(reach, color="grey", ls="--", lw=1)
        line_ax.annotate(t("plot.pareto.reach", reach=reach, reference=reference),
                         xy=(reach, reference), xytext=(reach + 0.05, reference - 0.15),
                         arrowprops={"arrowstyle": "->", "color": "grey"})
    ax.set_title(t("plot.pareto.title"))
    return ax


def _percent_format(value: float, _pos: int | None = None) -> str:
    return f"{value:.0%}"


def _formatter() -> Any:
    from matplotlib.ticker import FuncFormatter
    return FuncFormatter(_percent_format)


def lorenz_chart(curve: pd.DataFrame, *, gini: float | None = None,
                 cum_customer_share: str = "cum_customer_share",
                 cum_value_share: str = "cum_value_share", label: str | None = None,
                 ax: Any = None) -> Any:
    """Lorenz curve (洛伦兹曲线) with the line of equality and, if given, the Gini value.

    Takes :func:`crmlab.pareto.lorenz_curve`; call it twice on one ``ax`` (with ``label``) to
    compare two customer bases. The shaded area between the diagonal and the curve is half the
    Gini coefficient.

    Parameters
    ----------
    curve : pandas.DataFrame
        The curve, from :func:`crmlab.pareto.lorenz_curve`.
    gini : float, optional
        A Gini coefficient to print in the legend.
    cum_customer_share, cum_value_share : str
        Columns of the curve's x and y values.
    label : str, optional
        Legend label of this curve.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from crmlab.pareto import lorenz_curve, gini
    >>> v = pd.Series([1, 2, 3, 4, 10])
    >>> ax = lorenz_chart(lorenz_curve(v), gini=gini(v))
    """
    require_columns(curve, [cum_customer_share, cum_value_share], what="the Lorenz curve")
    ax = new_axes(ax, figsize=(5.5, 5))
    x = curve[cum_customer_share].to_numpy()
    y = curve[cum_value_share].to_numpy()
    text = label or t("plot.lorenz.title")
    if gini is not None:
        text += t("plot.lorenz.gini", gini=gini)
    line = ax.plot(x, y, lw=2, label=text)[0]
    ax.fill_between(x, x, y, color=line.get_color(), alpha=0.15)
    _diagonal(ax, t("plot.lorenz.equality"))
    ax.set(xlim=(0, 1), ylim=(0, 1), aspect="equal", title=t("plot.lorenz.title"),
           xlabel=t("plot.lorenz.x"),
           ylabel=t("plot.pareto.cum_value_axis"))
    ax.xaxis.set_major_formatter(_formatter())
    ax.yaxis.set_major_formatter(_formatter())
    ax.legend(loc="upper left")
    return ax


def pyramid_chart(pyramid: pd.DataFrame, *, layer: str = "layer",
                  customer_share: str = "customer_share", value_share: str = "value_share",
                  titles: dict[str, str] | None = None, ax: Any = None) -> Any:
    """The customer pyramid (客户金字塔) drawn as a pyramid, top layer at the top.

    Takes :func:`crmlab.pareto.customer_pyramid`. Every layer has the same height (layers of 5 %
    of the customers would otherwise vanish); each is labelled with its share of customers and
    of value, which is the point of the picture: a thin top carries much of the value.

    Parameters
    ----------
    pyramid : pandas.DataFrame
        The layers, from :func:`crmlab.pareto.customer_pyramid`.
    layer, customer_share, value_share : str
        Columns of the layer name and its shares of customers and of value.
    titles
        Display names per layer, e.g. ``{"VIP": "贵宾型 VIP"}``; default: Chinese + English.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from crmlab.pareto import customer_pyramid
    >>> ax = pyramid_chart(customer_pyramid(pd.Series(range(1, 101))))
    """
    from matplotlib.patches import Polygon

    require_columns(pyramid, [layer, customer_share, value_share], what="the pyramid table")
    ax = new_axes(ax, figsize=(7, 5))
    names = {layer_name: t(f"plot.pyramid.{layer_name}") for layer_name in ("VIP", "important", "ordinary", "inactive")}
    names.update(titles or {})
    n = len(pyramid)
    colors = ["#c44e52", "#dd8452", "#4c72b0", "#8c8c8c", "#55a868", "#8172b3"]
    for i, row in enumerate(pyramid.itertuples(index=False)):
        top, bottom = n - i, n - i - 1  # layer i spans heights [bottom, top]
        half_top, half_bottom = (i / n) / 2, ((i + 1) / n) / 2
        ax.add_patch(Polygon([(-half_bottom, bottom), (half_bottom, bottom), (half_top, top),
                              (-half_top, top)], closed=True, color=colors[i % len(colors)],
                             alpha=0.85, ec="white", lw=2))
        name = names.get(str(getattr(row, layer)), str(getattr(row, layer)))
        ax.text(0.55, bottom + 0.5, t("plot.pyramid.layer", name=name, customers=getattr(row, customer_share),
                                      value=getattr(row, value_share)), va="center", fontsize=10)
    ax.set_xlim(-0.55, 1.5)
    ax.set_ylim(0, n)
    ax.axis("off")
    ax.set_title(t("plot.pyramid.title"))
    return ax

