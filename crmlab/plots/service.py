"""Charts of chapter 8 (service): resolution times against the SLA, the complaint Pareto."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pandas as pd

from crmlab._checks import require_columns
from crmlab.plots import new_axes
from crmlab.i18n import t

__all__ = ["resolution_time_chart", "complaint_pareto_chart", "sla_status_chart"]


def _horizontal(ax: Any) -> dict[str, Any]:
    """Boxes drawn sideways: ``orientation`` since matplotlib 3.10, ``vert=False`` before."""
    if "orientation" in inspect.signature(ax.boxplot).parameters:
        return {"orientation": "horizontal"}
    return {"vert": False}


def resolution_time_chart(aged: pd.DataFrame, *, by: str = "channel", hours: str = "age_hours",
                          is_open: str = "is_open", log: bool = True, ax: Any = None) -> Any:
    """Box plots of resolution time (hours) per group of resolved tickets, fastest first.

    Takes the result of :func:`crmlab.service.ticket_ageing` (or :func:`~crmlab.service.escalate`);
    open tickets are left out. A log scale (default) shows hours and weeks together.

    Parameters
    ----------
    aged : pandas.DataFrame
        One row per ticket, from :func:`crmlab.service.ticket_ageing`.
    by, hours, is_open : str
        Columns of the group, the hours from opening and whether the ticket is still open.
    log : bool
        Draw hours on a logarithmic axis.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> aged = pd.DataFrame({"channel": ["a", "a", "b"], "age_hours": [1.0, 3.0, 30.0],
    ...                      "is_open": [False, False, False]})
    >>> ax = resolution_time_chart(aged)
    """
    require_columns(aged, [by, hours, is_open], what="the aged tickets")
    ax = new_axes(ax)
    done = aged[~aged[is_open].astype(bool)]
    groups = done.groupby(done[by].astype(str))[hours]
    order = groups.median().sort_values(kind="stable").index.tolist()
    parts = ax.boxplot([groups.get_group(g).to_numpy() for g in order], **_horizontal(ax),
                       patch_artist=True, widths=0.6, flierprops={"markersize": 2, "alpha": 0.5})
    ax.set_yticks(range(1, len(order) + 1), order)
    for box in parts["boxes"]:
        box.set_facecolor("#8fb0d9")
    ax.invert_yaxis()
    if log:
        ax.set_xscale("log")
    ax.set_xlabel(t("plot.service.hours_log") if log
                  else t("plot.service.hours"))
    ax.set_ylabel(by)
    ax.set_title(t("plot.service.resolution_title", by=by))
    return ax


def complaint_pareto_chart(pareto: pd.DataFrame, *, category: str = "category",
                           count: str = "tickets", cumulative: str = "cumulative_share",
                           reference: float = 0.8, ax: Any = None) -> Any:
    """Pareto chart of complaint categories: bars of counts, the cumulative share as a line and
    a dashed line at ``reference`` (80 %).

    Takes the result of :func:`crmlab.service.complaint_pareto`.

    Parameters
    ----------
    pareto : pandas.DataFrame
        One row per category, from :func:`crmlab.service.complaint_pareto`.
    category, count, cumulative : str
        Columns of the category, its number of tickets and the cumulative share.
    reference : float
        The cumulative share marked by a dashed line.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from crmlab.service import complaint_pareto
    >>> ax = complaint_pareto_chart(complaint_pareto(pd.DataFrame({"category": list("aaab")})))
    """
    require_columns(pareto, [category, count, cumulative], what="the complaint Pareto table")
    from matplotlib.ticker import PercentFormatter

    ax = new_axes(ax)
    x = np.arange(len(pareto))
    colors = ["#c44e52" if v else "#8c8c8c" for v in pareto.get("vital_few", [True] * len(pareto))]
    ax.bar(x, pareto[count], color=colors)
    ax.set_xticks(x, pareto[category].astype(str), rotation=45, ha="right")
    ax.set_ylabel(t("plot.service.tickets"))
    line = ax.twinx()
    line.plot(x, pareto[cumulative], color="#4c72b0", marker="o", lw=2)
    line.axhline(reference, color="grey", ls="--", lw=1)
    line.set_ylim(0, 1.05)
    line.yaxis.set_major_formatter(PercentFormatter(1.0))
    line.set_ylabel(t("plot.service.cum_tickets"))
    ax.set_title(t("plot.service.complaints_title"))
    return ax


def sla_status_chart(aged: pd.DataFrame, *, by: str = "severity", status: str = "sla_status",
                     ax: Any = None) -> Any:
    """Stacked bars: the share of tickets in each SLA status, per group (severity by default).

    Takes the result of :func:`crmlab.service.ticket_ageing`.

    Parameters
    ----------
    aged : pandas.DataFrame
        One row per ticket, from :func:`crmlab.service.ticket_ageing`.
    by, status : str
        Columns of the group and the SLA status.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> aged = pd.DataFrame({"severity": ["P1", "P1", "P2"],
    ...                      "sla_status": ["resolved in time", "resolved late", "open in time"]})
    >>> ax = sla_status_chart(aged)
    """
    require_columns(aged, [by, status], what="the aged tickets")
    ax = new_axes(ax)
    table = pd.crosstab(aged[by].astype(str), aged[status], normalize="index")
    order = [c for c in ("resolved in time", "open in time", "resolved late", "open overdue")
             if c in table.columns] + [c for c in table.columns if c not in
                                       ("resolved in time", "open in time", "resolved late",
                                        "open overdue")]
    colors = {"resolved in time": "#55a868", "open in time": "#a6d9b1",
              "resolved late": "#dd8452", "open overdue": "#c44e52"}
    left = np.zeros(len(table))
    for column in order:
        ax.barh(table.index, table[column], left=left, label=t(f"plot.sla.{column}") if column in colors else str(column),
                color=colors.get(column, "#8c8c8c"))
        left += table[column].to_numpy()
    ax.set_xlim(0, 1)
    ax.set_xlabel(t("plot.service.share_tickets"))
    ax.set_ylabel(by)
    ax.invert_yaxis()
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=len(order), fontsize="small",
              frameon=False)
    ax.set_title(t("plot.sla.title", by=by))
    return ax
