"""Charts of chapter 8 (sales and marketing): the sales funnel and campaign returns."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlab._checks import require_columns
from crmlab.plots import new_axes
from crmlab.i18n import t

__all__ = ["sales_funnel_chart", "campaign_roi_chart"]


def sales_funnel_chart(funnel: pd.DataFrame, *, stage: str = "stage", reached: str = "reached",
                 conversion: str = "conversion", ax: Any = None) -> Any:
    """Sales funnel (销售漏斗): one centred bar per stage, widest at the top, labelled with the
    count and the stage-to-stage conversion.

    Takes the result of :func:`crmlab.sales.sales_funnel` (one funnel, no groups).

    Parameters
    ----------
    funnel : pandas.DataFrame
        One funnel, from :func:`crmlab.sales.sales_funnel`.
    stage, reached, conversion : str
        Columns of the stage name, the count that reached it and the conversion from the stage
        before.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from crmlab.sales import sales_funnel
    >>> opps = pd.DataFrame({"stage_reached": ["lead", "qualified", "won"], "amount": [1, 2, 3]})
    >>> ax = sales_funnel_chart(sales_funnel(opps, stages=["lead", "qualified", "won"]))
    """
    require_columns(funnel, [stage, reached, conversion], what="the funnel table")
    ax = new_axes(ax)
    counts = funnel[reached].to_numpy(dtype=float)
    y = np.arange(len(funnel))[::-1]
    colors = ["#4c72b0"] * (len(funnel) - 1) + ["#55a868"]
    ax.barh(y, counts, left=-counts / 2, color=colors, height=0.8)
    top = counts.max() if len(counts) and counts.max() > 0 else 1.0
    for yi, n, conv in zip(y, counts, funnel[conversion], strict=True):
        note = f"{int(n):,}" + ("" if pd.isna(conv) else t("plot.funnel_sales.previous", conversion=conv))
        ax.text(top / 2 + top * 0.03, yi, note, va="center")
    ax.set_yticks(y, funnel[stage].astype(str))
    ax.set_xlim(-top / 2 * 1.05, top * 1.25)
    ax.set_xticks([])
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title(t("plot.funnel_sales.title"))
    return ax


def campaign_roi_chart(roi: pd.DataFrame, *, name: str = "name", value: str = "roi",
                       color_by: str | None = "channel", ax: Any = None) -> Any:
    """Horizontal bars of each campaign's ROI (投资回报率), a line at break-even (ROI = 0).

    Takes the result of :func:`crmlab.sales.campaign_roi`; bars are coloured by ``color_by``.

    Parameters
    ----------
    roi : pandas.DataFrame
        One row per campaign, from :func:`crmlab.sales.campaign_roi`.
    name, value : str
        Columns of the campaign name and its ROI.
    color_by : str, optional
        A column whose values colour the bars; one colour when None.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> roi = pd.DataFrame({"name": ["a", "b"], "roi": [2.0, -0.5], "channel": ["x", "y"]})
    >>> ax = campaign_roi_chart(roi)
    """
    require_columns(roi, [name, value, *([color_by] if color_by else [])],
                    what="the campaign ROI table")
    ax = new_axes(ax, figsize=(7, max(3.0, 0.35 * len(roi) + 1)))
    data = roi.sort_values(value, kind="stable")
    palette = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3",
               "#8c8c8c", "#ccb974", "#64b5cd"]
    if color_by:
        groups = list(dict.fromkeys(data[color_by].astype(str)))
        colors = [palette[groups.index(g) % len(palette)] for g in data[color_by].astype(str)]
    else:
        groups, colors = [], ["#4c72b0"] * len(data)
    ax.barh(data[name].astype(str), data[value], color=colors)
    ax.axvline(0, color="black", lw=1)
    ax.set_xlabel(t("plot.roi.x"))
    if groups:
        from matplotlib.patches import Patch
        ax.legend([Patch(color=palette[i % len(palette)]) for i in range(len(groups))], groups,
                  title=color_by, loc="lower right", fontsize="small")
    ax.set_title(t("plot.roi.title"))
    return ax
