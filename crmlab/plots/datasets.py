"""First-look charts for exploring a dataset: ranked totals and monthly trends (notebook 00)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from crmlab._checks import (CrmlabInputError, require_columns, require_not_empty, to_datetime,
                            to_numeric)
from crmlab.plots import new_axes

__all__ = ["ranked_bar_chart", "monthly_trend_chart"]


def ranked_bar_chart(table: pd.DataFrame, *, label: str, value: str, top: int | None = None,
                     title: str | None = None, value_format: str = "{:,.0f}",
                     ax: Any = None) -> Any:
    """Horizontal bars sorted largest first, each labelled with its value (e.g. 门店销售额).

    Parameters
    ----------
    table
        One row per bar, e.g. revenue per store.
    label, value
        The column naming each bar and the column with its value.
    top
        Show only the ``top`` largest values (all when ``None``).
    title
        The chart title (Chinese works when a CJK font is installed).
    value_format
        How the value printed at the end of each bar is formatted.
    ax
        A matplotlib Axes to draw on; a new one when ``None``.

    Returns
    -------
    The matplotlib Axes.

    Examples
    --------
    >>> revenue = pd.DataFrame({"store": ["泉城路店", "张店店"], "revenue": [120.0, 80.0]})
    >>> ax = ranked_bar_chart(revenue, label="store", value="revenue", title="门店销售额")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['泉城路店', '张店店']
    """
    require_columns(table, [label, value], what="the table to chart")
    require_not_empty(table, what="the table to chart")
    values = to_numeric(table[value], column=value, what="the table to chart")
    if values.isna().any():
        rows = ", ".join(str(i) for i in table.index[values.isna()][:5])
        raise CrmlabInputError(f"column {value!r} is missing in rows {rows}: cannot draw a bar")
    data = pd.DataFrame({"label": table[label].astype(str).to_numpy(),
                         "value": values.to_numpy()}).sort_values("value", ascending=False,
                                                                  kind="stable")
    if top is not None:
        data = data.head(top)
    ax = new_axes(ax)
    bars = ax.barh(data["label"], data["value"], color="#4c72b0")
    ax.invert_yaxis()  # largest at the top
    ax.bar_label(bars, labels=[value_format.format(v) for v in data["value"]], padding=3,
                 fontsize=9)
    ax.margins(x=0.15)
    ax.xaxis.set_major_formatter(_thousands())
    ax.set_xlabel(value)
    ax.set_ylabel("")
    if title:
        ax.set_title(title)
    return ax


def monthly_trend_chart(table: pd.DataFrame, *, month: str = "month", value: str = "amount",
                        by: str | None = None, title: str | None = None, ax: Any = None) -> Any:
    """One line per group of ``value`` by ``month`` (e.g. monthly revenue per store).

    ``table`` has one row per month (and group, when ``by`` is given); months are dates.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per month (and group).
    month, value : str
        The column of month dates and the column drawn.
    by : str, optional
        A column whose groups get one line each; one line when omitted.
    title : str, optional
        The chart title; a default names ``value``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> monthly = pd.DataFrame({"month": pd.to_datetime(["2024-01-01", "2024-02-01"] * 2),
    ...                         "store": ["S1", "S1", "S2", "S2"], "amount": [5.0, 6.0, 3.0, 4.0]})
    >>> ax = monthly_trend_chart(monthly, by="store", title="月度销售额")
    >>> len(ax.get_lines())
    2
    """
    columns = [month, value] + ([by] if by else [])
    require_columns(table, columns, what="the monthly table")
    require_not_empty(table, what="the monthly table")
    months = to_datetime(table[month], column=month, what="the monthly table")
    data = table.assign(**{month: months}).dropna(subset=[month])
    ax = new_axes(ax)
    groups = data.groupby(by, observed=True, sort=True) if by else [(None, data)]
    for name, part in groups:
        part = part.sort_values(month)
        ax.plot(part[month], part[value], marker="o", ms=3, lw=1.5,
                label=str(name) if by else value)
    if by:
        ax.legend(title=by, fontsize=8, ncols=2 if data[by].nunique() > 4 else 1)
    ax.set_xlabel(month)
    ax.set_ylabel(value)
    ax.yaxis.set_major_formatter(_thousands())
    if title:
        ax.set_title(title)
    ax.figure.autofmt_xdate()
    return ax


def _thousands() -> Any:
    """Tick labels with thousands separators (1,500,000 rather than 1.5 × 1e6)."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _pos: f"{x:,.0f}")
