"""Charts of chapter 3 (customer value): cohort heatmap, value × loyalty matrix, CLV sensitivity."""

from __future__ import annotations

from typing import Any

import pandas as pd

from crmlab._checks import CrmlabInputError, require_columns
from crmlab.plots import new_axes
from crmlab.i18n import t

__all__ = ["cohort_heatmap", "value_loyalty_chart", "clv_sensitivity_heatmap"]


def _heatmap(matrix: pd.DataFrame, ax: Any, fmt: str, cmap: str, cbar_label: str) -> Any:
    import seaborn as sns

    annotate = matrix.size <= 400
    sns.heatmap(matrix.astype(float), ax=ax, cmap=cmap, annot=annotate, fmt=fmt,
                annot_kws={"fontsize": 7}, cbar_kws={"label": cbar_label},
                linewidths=0.3 if annotate else 0, linecolor="white")
    return ax


def cohort_heatmap(matrix: pd.DataFrame, *, percent: bool = True, ax: Any = None) -> Any:
    """Heatmap of a cohort matrix (同期群留存热力图): rows cohorts, columns periods since acquisition.

    Takes the result of :func:`crmlab.value.retention_matrix`. With ``percent`` (default) cells
    show retention rates as percentages; use ``percent=False`` for counts or revenue.

    Parameters
    ----------
    matrix : pandas.DataFrame
        Cohorts × periods, from :func:`crmlab.value.retention_matrix`.
    percent : bool
        Show the cells as percentages (rates); False for counts or money.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from crmlab.value import cohort_table, retention_matrix
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [5.0, 6.0, 7.0],
    ...                    "date": ["2025-01-02", "2025-02-03", "2025-02-04"]})
    >>> ax = cohort_heatmap(retention_matrix(cohort_table(tx)))
    """
    if not isinstance(matrix, pd.DataFrame) or matrix.empty:
        raise CrmlabInputError("cohort_heatmap needs the non-empty matrix from retention_matrix(...)")
    ax = new_axes(ax, figsize=(min(14, 3 + 0.45 * matrix.shape[1]), min(10, 2 + 0.3 * matrix.shape[0])))
    shown = matrix * 100 if percent else matrix
    shown = shown.copy()
    shown.index = [str(i) for i in shown.index]
    _heatmap(shown, ax, ".0f", "Blues", t("plot.cohort.percent") if percent else t("plot.value.value"))
    ax.set_xlabel(t("plot.cohort.x"))
    ax.set_ylabel(t("plot.cohort.y"))
    ax.set_title(t("plot.cohort.title"))
    return ax


def value_loyalty_chart(customers: pd.DataFrame, *, value: str = "margin", loyalty: str = "frequency",
                        log: bool = True, ax: Any = None) -> Any:
    """Scatter of customers on the value × loyalty matrix (价值-忠诚度矩阵), coloured by quadrant.

    Takes the result of :func:`crmlab.value.value_loyalty_matrix`; dashed lines mark the
    thresholds in its ``attrs["thresholds"]``. ``log`` uses logarithmic axes (values are skewed).

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer, from :func:`crmlab.value.value_loyalty_matrix`.
    value, loyalty : str
        Columns of the value (y) and loyalty (x) measures.
    log : bool
        Use logarithmic axes.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from crmlab.value import value_loyalty_matrix
    >>> customers = pd.DataFrame({"margin": [500.0, 20, 300, 10], "frequency": [12, 10, 2, 1]})
    >>> ax = value_loyalty_chart(value_loyalty_matrix(customers))
    """
    require_columns(customers, [value, loyalty, "quadrant"], what="the value × loyalty table")
    import seaborn as sns

    ax = new_axes(ax, figsize=(7, 5.5))
    data = customers[[value, loyalty, "quadrant"]].copy()
    order = [q for q in ("core", "valuable but fickle", "loyal but low value",
                         "low value, low loyalty") if q in set(data["quadrant"])]
    if log:
        data = data[(data[value] > 0) & (data[loyalty] > 0)]
    names = {q: t(f"plot.quadrant.{q}") for q in order}  # the legend in the chosen language
    data["quadrant"] = data["quadrant"].map(lambda q: names.get(q, q))
    order = [names[q] for q in order]
    sns.scatterplot(data=data, x=loyalty, y=value, hue="quadrant", hue_order=order, s=12,
                    alpha=0.6, linewidth=0, ax=ax)
    if log:
        ax.set_xscale("log")
        ax.set_yscale("log")
    cuts = customers.attrs.get("thresholds", {})
    if value in cuts:
        ax.axhline(cuts[value], color="grey", ls="--", lw=1)
    if loyalty in cuts:
        ax.axvline(cuts[loyalty], color="grey", ls="--", lw=1)
    ax.set_xlabel(t("plot.matrix.x", loyalty=loyalty))
    ax.set_ylabel(t("plot.matrix.y", value=value))
    ax.set_title(t("plot.matrix.title"))
    ax.legend(title=t("plot.matrix.quadrant"), loc="upper left", fontsize=8)
    return ax


def clv_sensitivity_heatmap(table: pd.DataFrame, *, ax: Any = None) -> Any:
    """Heatmap of :func:`crmlab.value.clv_sensitivity`: CLV by retention (rows) × discount rate.

    Parameters
    ----------
    table : pandas.DataFrame
        Retention rates × discount rates, from :func:`crmlab.value.clv_sensitivity`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from crmlab.value import clv_sensitivity
    >>> table = clv_sensitivity(margin=100, retention_rates=[0.6, 0.8], discount_rates=[0.1, 0.2])
    >>> ax = clv_sensitivity_heatmap(table)
    """
    if not isinstance(table, pd.DataFrame) or table.empty:
        raise CrmlabInputError("clv_sensitivity_heatmap needs the table from clv_sensitivity(...)")
    ax = new_axes(ax, figsize=(6.5, 4.5))
    shown = table.copy()
    shown.index = [f"{r:.0%}" for r in shown.index]
    shown.columns = [f"{d:.0%}" for d in shown.columns]
    _heatmap(shown, ax, ".0f", "YlGn", t("plot.clv.value"))
    ax.set_ylabel(t("plot.clv.retention"))
    ax.set_xlabel(t("plot.clv.discount"))
    ax.set_title(t("plot.clv.title"))
    return ax


