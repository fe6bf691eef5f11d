"""Charts of chapter 6: churn states, cumulative gains, feature effects, the win-back list."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlab._checks import require_columns
from crmlab.plots import _diagonal, new_axes
from crmlab.i18n import t

__all__ = ["churn_state_chart", "gains_chart", "feature_effects_chart", "winback_chart"]

_STATE_COLOURS = {"active": "#55a868", "at_risk": "#dd8452", "churned": "#c44e52"}


def _state(state: str) -> str:
    """A churn state's name (active, at_risk, churned) in the chosen language."""
    return t(f"plot.state.{state}") if state in _STATE_COLOURS else str(state)


def churn_state_chart(labels: pd.DataFrame, *, state: str = "state", by: str | None = None,
                      ax: Any = None) -> Any:
    """Customers per churn state (bars), or the share per state within each group of ``by``.

    Takes the result of :func:`crmlab.loyalty.churn_labels` (optionally joined with a column
    such as the home store for ``by``).

    Parameters
    ----------
    labels : pandas.DataFrame
        One row per customer, from :func:`crmlab.loyalty.churn_labels`.
    state : str
        The column holding each customer's churn state.
    by : str, optional
        A column to group by; the bars then show shares within each group.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> labels = pd.DataFrame({"state": ["active", "churned", "active"]})
    >>> ax = churn_state_chart(labels)
    """
    require_columns(labels, [state] + ([by] if by else []), what="the churn labels")
    ax = new_axes(ax)
    order = [s for s in _STATE_COLOURS if s in set(labels[state].astype(str))]
    if by is None:
        counts = labels[state].astype(str).value_counts().reindex(order)
        ax.bar([_state(s) for s in counts.index], counts.to_numpy(), color=[_STATE_COLOURS[s] for s in order])
        for x, v in enumerate(counts.to_numpy()):
            ax.annotate(f"{v:,} ({v / counts.sum():.0%})", (x, v), ha="center", va="bottom")
        ax.set_ylabel(t("plot.customers"))
    else:
        shares = pd.crosstab(labels[by], labels[state].astype(str), normalize="index")[order]
        bottom = np.zeros(len(shares))
        for s in order:
            ax.bar(shares.index.astype(str), shares[s].to_numpy(), bottom=bottom,
                   color=_STATE_COLOURS[s], label=_state(s))
            bottom += shares[s].to_numpy()
        ax.set_ylabel(t("plot.segments.customers"))
        ax.set_xlabel(by)
        ax.legend(loc="upper right", fontsize=8)
    ax.set_title(t("plot.churn.title"))
    return ax


def gains_chart(gains: pd.DataFrame, *, x: str = "cum_share_customers",
                y: str = "cum_share_positives", label: str | None = None, ax: Any = None) -> Any:
    """Cumulative gains curve: share of churners caught when contacting the top-scored share.

    Takes :func:`crmlab.loyalty.gains_table`; the diagonal is random targeting. Call it twice on
    one ``ax`` to compare models.

    Parameters
    ----------
    gains : pandas.DataFrame
        The gains table, from :func:`crmlab.loyalty.gains_table`.
    x, y : str
        Columns of the cumulative share of customers and of churners.
    label : str
        Legend label of this curve (name the model).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from crmlab.loyalty import gains_table
    >>> ax = gains_chart(gains_table([1, 0, 1, 0], [0.9, 0.1, 0.8, 0.3], bins=4))
    """
    require_columns(gains, [x, y], what="the gains table")
    ax = new_axes(ax)
    xs = np.concatenate([[0.0], gains[x].to_numpy()])
    ys = np.concatenate([[0.0], gains[y].to_numpy()])
    ax.plot(xs, ys, marker="o", lw=2, label=label or t("plot.btyd.model"))
    _diagonal(ax, t("plot.gains.random"))
    ax.set(xlim=(0, 1), ylim=(0, 1.02), title=t("plot.gains.title"),
           xlabel=t("plot.gains.x"),
           ylabel=t("plot.gains.y"))
    ax.legend(loc="lower right")
    return ax


def feature_effects_chart(effects: pd.DataFrame, *, feature: str = "feature",
                          effect: str = "effect", kind: str = "kind", top: int = 12,
                          ax: Any = None) -> Any:
    """Horizontal bars of :func:`crmlab.loyalty.feature_effects` (strongest on top).

    Odds ratios are drawn on a log scale around 1 (right: raises churn, left: lowers it);
    permutation importances as plain bars.

    Parameters
    ----------
    effects : pandas.DataFrame
        The effects, from :func:`crmlab.loyalty.feature_effects`.
    feature, effect, kind : str
        Columns of the feature name, its effect and the kind of effect (odds ratio or importance).
    top : int
        How many of the strongest effects to show.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> eff = pd.DataFrame({"feature": ["a", "b"], "effect": [2.0, 0.5],
    ...                     "kind": ["odds ratio per SD"] * 2})
    >>> ax = feature_effects_chart(eff)
    """
    require_columns(effects, [feature, effect], what="the feature effects")
    ax = new_axes(ax)
    data = effects.head(top).iloc[::-1]
    values = data[effect].to_numpy(dtype=float)
    odds = kind in effects.columns and effects[kind].astype(str).str.startswith("odds").all()
    if odds:
        logs = np.log(values)
        ax.barh(data[feature].astype(str), logs,
                color=np.where(logs > 0, "#c44e52", "#55a868"))
        ax.axvline(0, color="black", lw=0.8)
        ticks = ax.get_xticks()
        ax.set_xticks(ticks)
        ax.set_xticklabels([f"{np.exp(t):.2g}" for t in ticks])
        ax.set_xlabel(t("plot.effects.odds"))
    else:
        ax.barh(data[feature].astype(str), values, color="#4c72b0")
        ax.set_xlabel(t("plot.effects.auc"))
    ax.set_title(t("plot.effects.title"))
    return ax


def winback_chart(winback: pd.DataFrame, *, customer: str = "customer_id",
                  value: str = "expected_value", state: str = "state", top: int = 20,
                  ax: Any = None) -> Any:
    """The top of the win-back list: expected value per customer, coloured by state.

    Takes :func:`crmlab.loyalty.winback_list`.

    Parameters
    ----------
    winback : pandas.DataFrame
        The ranked list, from :func:`crmlab.loyalty.winback_list`.
    customer, value, state : str
        Columns of the customer id, the expected value and the churn state.
    top : int
        How many customers from the top of the list to show.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> w = pd.DataFrame({"customer_id": ["a", "b"], "expected_value": [90.0, 20.0],
    ...                   "state": ["at_risk", "churned"]})
    >>> ax = winback_chart(w)
    >>> legend = ax.get_legend()
    >>> [h.get_facecolor() == p.get_facecolor() for h, p in zip(legend.legend_handles, ax.patches)]  # bar colours
    [True, True]
    """
    require_columns(winback, [customer, value, state], what="the win-back list")
    ax = new_axes(ax)
    data = winback.head(top).iloc[::-1]
    colours = [_STATE_COLOURS.get(str(s), "#4c72b0") for s in data[state]]
    ax.barh(data[customer].astype(str), data[value].to_numpy(), color=colours)
    from matplotlib.patches import Patch

    # one legend entry per state shown, in its bar colour (empty bar containers would draw the
    # default colour in the legend)
    ax.legend(handles=[Patch(color=_STATE_COLOURS.get(s, "#4c72b0"), label=_state(s))
                       for s in dict.fromkeys(str(v) for v in data[state])], loc="lower right")
    ax.set_xlabel(t("plot.winback.x"))
    ax.set_title(t("plot.winback.title", top=min(top, len(winback))))
    return ax
