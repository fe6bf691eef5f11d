"""Charts of chapter 8 (market baskets): the rules' support–confidence map."""

from __future__ import annotations

from typing import Any

import pandas as pd

from crmlab._checks import require_columns
from crmlab.plots import new_axes
from crmlab.i18n import t

__all__ = ["rules_scatter"]


def _label(items: Any) -> str:
    return ", ".join(map(str, items)) if isinstance(items, (tuple, list, frozenset, set)) else str(items)


def rules_scatter(rules: pd.DataFrame, *, x: str = "support", y: str = "confidence",
                  color: str = "lift", label_top: int = 3, ax: Any = None) -> Any:
    """Each association rule as a point (support, confidence), coloured by lift; the
    ``label_top`` rules with the highest lift are labelled "A → B".

    Takes the result of :func:`crmlab.basket.association_rules`.

    Parameters
    ----------
    rules : pandas.DataFrame
        The rules, from :func:`crmlab.basket.association_rules`.
    x, y, color : str
        Columns for the x position, the y position and the colour of each point.
    label_top : int
        How many rules (highest ``color`` value first) get a text label.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from crmlab.basket import association_rules
    >>> rules = association_rules([["a", "b"], ["a", "b"], ["a"], ["c"]], min_support=0.25)
    >>> ax = rules_scatter(rules)
    """
    require_columns(rules, [x, y, color], what="the rules table")
    ax = new_axes(ax)
    points = ax.scatter(rules[x], rules[y], c=rules[color], cmap="viridis", s=28,
                        edgecolors="white", linewidths=0.4)
    ax.figure.colorbar(points, ax=ax, label=color)
    if label_top and {"antecedents", "consequents"} <= set(rules.columns):
        top = rules.sort_values(color, ascending=False, kind="stable").head(label_top)
        for _, rule in top.iterrows():
            ax.annotate(f"{_label(rule['antecedents'])} → {_label(rule['consequents'])}",
                        xy=(rule[x], rule[y]), xytext=(6, 4), textcoords="offset points",
                        fontsize="small")
    ax.set_xlabel(t("plot.basket.x", x=x))
    ax.set_ylabel(y)
    ax.set_title(t("plot.basket.title"))
    return ax
