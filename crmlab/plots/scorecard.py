"""Charts of chapter 4 (客户分级管理): YoY classes, the collections matrix, grades and their history."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlab._checks import require_columns
from crmlab.plots import new_axes
from crmlab.i18n import MESSAGES, t, tr

__all__ = ["yoy_class_chart", "collections_matrix_chart", "grade_distribution_chart",
           "score_breakdown_chart", "grade_history_chart"]

#: One colour per grade, best first (green, blue, amber, red), as in the Excel export.
GRADE_PALETTE = {"A": "#55a868", "B": "#4c72b0", "C": "#dd8452", "D": "#c44e52"}


def yoy_class_chart(summary: pd.DataFrame, *, yoy_class: str = "yoy_class",
                    customers: str = "customers", share: str = "share", ax: Any = None) -> Any:
    """Bars of customers per YoY class (销量同比), labelled with count and share.

    Takes the result of :func:`crmlab.scorecard.yoy_summary`.

    Parameters
    ----------
    summary : pandas.DataFrame
        The summary, from :func:`crmlab.scorecard.yoy_summary`.
    yoy_class, customers, share : str
        Columns of the class, its number of customers and its share.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from crmlab.scorecard import yoy_class, yoy_summary
    >>> ax = yoy_class_chart(yoy_summary(yoy_class([130, 90, 40], [100, 100, 100])))
    """
    require_columns(summary, [yoy_class, customers, share], what="the YoY summary")
    ax = new_axes(ax)
    labels = [t(f"plot.yoy.{c}") if f"plot.yoy.{c}" in MESSAGES else str(c) for c in summary[yoy_class]]
    colours = ["#55a868", "#4c72b0", "#dd8452", "#c44e52", "#8172b3", "#937860"]
    bars = ax.bar(labels, summary[customers], color=colours[:len(summary)])
    for bar, n, s in zip(bars, summary[customers], summary[share]):
        ax.annotate(f"{n} ({s:.0%})", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center", va="bottom", fontsize=9)
    ax.set_ylabel(t("plot.customers"))
    ax.set_title(t("plot.yoy.title"))
    ax.margins(y=0.12)
    return ax


def collections_matrix_chart(matrix: pd.DataFrame, *, action: str = "action",
                             action_zh: str = "action_zh", ageing: str = "ageing",
                             amount_band: str = "amount_band", amount: str = "amount",
                             customers: str = "customers", ax: Any = None) -> Any:
    """The 2×2 collections matrix (信用管理) as a table of coloured cells with amounts.

    Rows are the ageing bands, columns the amount bands; each cell shows the action, the amount
    total and the number of customers. Takes :func:`crmlab.scorecard.collections_matrix`.

    Parameters
    ----------
    matrix : pandas.DataFrame
        The matrix, from :func:`crmlab.scorecard.collections_matrix`.
    action, action_zh, ageing, amount_band, amount, customers : str
        Its columns: the action (English and Chinese), the two bands, the amount total and the
        number of customers.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from crmlab.scorecard import collections_matrix
    >>> inv = pd.DataFrame({"customer_id": ["A"], "amount": [5.0], "paid_date": [pd.NaT],
    ...                     "due_date": pd.to_datetime(["2025-01-31"])})
    >>> ax = collections_matrix_chart(collections_matrix(inv, as_of="2025-12-31", invoice_date=None,
    ...                                                  age_basis="due"))
    """
    require_columns(matrix, [action, action_zh, ageing, amount_band, amount, customers],
                    what="the collections matrix")
    ax = new_axes(ax, figsize=(6.5, 4.5))
    rows = list(dict.fromkeys(matrix[ageing]))
    cols = list(dict.fromkeys(matrix[amount_band]))
    grid = np.zeros((len(rows), len(cols)))
    for r in matrix.itertuples(index=False):
        grid[rows.index(getattr(r, ageing)), cols.index(getattr(r, amount_band))] = \
            getattr(r, amount)
    ax.imshow(grid, cmap="Reds", vmin=0, vmax=max(grid.max(), 1) * 1.3)
    for r in matrix.itertuples(index=False):
        i, j = rows.index(getattr(r, ageing)), cols.index(getattr(r, amount_band))
        both = f"{getattr(r, action_zh)}\n{getattr(r, action)}"  # the Chinese edition shows the Chinese action only
        ax.text(j, i, t("plot.collections.cell", action=tr(both, str(getattr(r, action_zh))),
                        amount=getattr(r, amount), customers=getattr(r, customers)),
                ha="center", va="center", fontsize=10)
    ax.set_xticks(range(len(cols)), [t("plot.collections.open", band=c) for c in cols])
    # the row is the receivable's age (账龄: from the invoice date by default, or months overdue
    # with age_basis="due"), so the label says "age", not "overdue"
    ax.set_yticks(range(len(rows)), [t("plot.collections.overdue", ageing=r) for r in rows])
    ax.set_title(t("plot.collections.title"))
    ax.grid(False)
    return ax


def grade_distribution_chart(scores: pd.DataFrame, *, grade: str = "grade", total: str = "total",
                             floors: tuple[float, ...] = (50, 60, 80), ax: Any = None) -> Any:
    """Histogram of total points coloured by grade, with the grade floors as dashed lines.

    Takes the result of :meth:`crmlab.scorecard.Scorecard.score` or
    :func:`crmlab.scorecard.monthly_grading`.

    Parameters
    ----------
    scores : pandas.DataFrame
        One row per customer with a grade and total points.
    grade, total : str
        Columns of the grade and the total points.
    floors : tuple of float
        Lowest points of each grade above D, drawn as dashed lines.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> ax = grade_distribution_chart(pd.DataFrame({"total": [30, 55, 65, 85],
    ...                                             "grade": ["D", "C", "B", "A"]}))
    """
    require_columns(scores, [grade, total], what="the scores")
    ax = new_axes(ax)
    bins = np.arange(0, 102.5, 2.5)
    order = [g for g in GRADE_PALETTE if g in set(scores[grade].astype(str))]
    data = [scores.loc[scores[grade].astype(str) == g, total] for g in order]
    counts = scores[grade].astype(str).value_counts()
    ax.hist(data, bins=bins, stacked=True, color=[GRADE_PALETTE[g] for g in order],
            label=[f"{g}: {counts[g]}" for g in order])
    for floor in floors:
        ax.axvline(floor, color="grey", ls="--", lw=1)
    ax.set(xlim=(0, 100), xlabel=t("plot.grades.total"), ylabel=t("plot.customers"),
           title=t("plot.grades.title"))
    ax.legend(title=t("plot.grades.grade"))
    return ax


def score_breakdown_chart(scores: pd.DataFrame, customer_id: Any, *,
                          max_points: dict[str, float] | None = None,
                          id_column: str = "customer_id", ax: Any = None) -> Any:
    """One customer's points per item (bars) against each item's maximum (outlines).

    ``max_points`` maps item name → maximum (default: the course's six items).

    Parameters
    ----------
    scores : pandas.DataFrame
        One row per customer with a points column per item, from
        :meth:`crmlab.scorecard.Scorecard.score`.
    customer_id : object
        The customer to draw.
    max_points : dict, optional
        Item name → maximum points; default: the course's six items.
    id_column : str
        The column of customer ids.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from crmlab.scorecard import default_scorecard
    >>> s = default_scorecard().score(pd.DataFrame({"customer_id": ["C1"], "sales": [9.0],
    ...     "yoy_ratio": [1.0], "payment_terms_months": [1], "max_delay_months": [0.5],
    ...     "brand_standing": ["top50"], "outlook_points": [9]}))
    >>> ax = score_breakdown_chart(s, "C1")
    """
    if max_points is None:
        from crmlab.scorecard import default_scorecard

        max_points = {i.name: i.max_points for i in default_scorecard().items}
    columns = [f"points_{name}" for name in max_points]
    require_columns(scores, [id_column, *columns], what="the scores")
    row = scores.loc[scores[id_column] == customer_id]
    if row.empty:
        from crmlab._checks import CrmlabInputError

        raise CrmlabInputError(f"customer {customer_id!r} is not in the scores")
    got = row.iloc[0][columns].astype(float).to_numpy()
    names = list(max_points)
    y = np.arange(len(names))[::-1]
    ax = new_axes(ax)
    ax.barh(y, list(max_points.values()), color="none", edgecolor="grey", label=t("plot.points.maximum"))
    ax.barh(y, got, color="#4c72b0", label=t("plot.points.points"))
    for yi, g, m in zip(y, got, max_points.values()):
        ax.text(m + 0.3, yi, f"{g:g} / {m:g}", va="center", fontsize=9)
    ax.set_yticks(y, names)
    ax.set_xlim(0, max(max_points.values()) + 5)
    total = float(got.sum())
    grade = row.iloc[0].get("grade", "")
    ax.set_title(t("plot.points.title", customer=customer_id, total=f"{total:g}", grade=grade))
    ax.legend(loc="lower right")
    return ax


def grade_history_chart(history: pd.DataFrame, *, month: str = "month_end",
                        grade: str = "grade", ax: Any = None) -> Any:
    """Customers per grade each month (stacked bars), after the two-consecutive-C rule.

    Takes the result of :func:`crmlab.scorecard.grading_history` (or
    :func:`crmlab.scorecard.grade_history`).

    Parameters
    ----------
    history : pandas.DataFrame
        One row per customer and month, from :func:`crmlab.scorecard.grading_history`.
    month, grade : str
        Columns of the month end and the grade.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> h = pd.DataFrame({"month_end": pd.to_datetime(["2025-01-31", "2025-02-28"] * 2),
    ...                   "grade": ["C", "D", "A", "A"]})
    >>> ax = grade_history_chart(h)
    """
    require_columns(history, [month, grade], what="the grade history")
    ax = new_axes(ax, figsize=(8, 4.5))
    counts = pd.crosstab(pd.to_datetime(history[month]).dt.strftime("%Y-%m"),
                         history[grade].astype(str))
    order = [g for g in GRADE_PALETTE if g in counts.columns]
    bottom = np.zeros(len(counts))
    for g in order:
        ax.bar(counts.index, counts[g], bottom=bottom, color=GRADE_PALETTE[g], label=g)
        bottom += counts[g].to_numpy()
    ax.set_ylabel(t("plot.customers"))
    ax.set_title(t("plot.history.title"))
    ax.tick_params(axis="x", rotation=45)
    ax.legend(title=t("plot.grades.grade"), bbox_to_anchor=(1.01, 1), loc="upper left")
    return ax
