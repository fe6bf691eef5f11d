"""Charts of chapter 1: RFM heatmap, segment shares, choosing k, cluster profiles, tiers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlab._checks import require_columns
from crmlab.plots import new_axes
from crmlab.i18n import t

__all__ = ["rfm_heatmap", "segment_share_chart", "k_selection_chart", "cluster_profile_chart"]


def rfm_heatmap(scores: pd.DataFrame, *, value: str = "monetary", r: str = "R", f: str = "F",
                counts: bool = True, ax: Any = None) -> Any:
    """R × F heatmap: colour = mean ``value`` (monetary) of the cell, text = number of customers.

    Takes :func:`crmlab.segmentation.rfm_scores`. Rows are R (most recent at the top), columns F.

    Parameters
    ----------
    scores : pandas.DataFrame
        One row per customer, from :func:`crmlab.segmentation.rfm_scores`.
    value : str
        The column averaged in each cell (colour).
    r, f : str
        Columns of the R and F scores.
    counts : bool
        Print the number of customers in each cell under its mean.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> s = pd.DataFrame({"R": [5, 1, 3, 5], "F": [5, 1, 3, 4], "monetary": [900., 20, 150, 600]})
    >>> ax = rfm_heatmap(s)
    """
    import seaborn as sns

    require_columns(scores, [r, f, value], what="the RFM scores")
    ax = new_axes(ax, figsize=(6.5, 5))
    grouped = scores.groupby([r, f])[value]
    means = grouped.mean().unstack(f).sort_index(ascending=False)
    labels = None
    if counts:
        size = grouped.size().unstack(f).reindex_like(means)
        labels = means.round(0).map(lambda m: "" if pd.isna(m) else f"{m:,.0f}").astype(str) \
            + size.map(lambda c: "" if pd.isna(c) else f"\n(n={int(c)})").astype(str)
    sns.heatmap(means, annot=labels.to_numpy() if labels is not None else True,
                fmt="" if counts else ",.0f", cmap="YlOrRd", ax=ax,
                cbar_kws={"label": t("plot.rfm.mean", value=value)}, annot_kws={"fontsize": 8})
    ax.set_xlabel(t("plot.rfm.x", f=f))
    ax.set_ylabel(t("plot.rfm.y", r=r))
    ax.set_title(t("plot.rfm.title"))
    return ax


def segment_share_chart(profile: pd.DataFrame, *, segment: str = "segment",
                        customer_share: str = "customer_share",
                        revenue_share: str = "revenue_share", ax: Any = None) -> Any:
    """Share of customers next to share of revenue for each segment (horizontal bars).

    Takes :func:`crmlab.segmentation.segment_profile`. Segments whose revenue bar is much longer
    than their customer bar are the ones worth most per head.

    Parameters
    ----------
    profile : pandas.DataFrame
        One row per segment, from :func:`crmlab.segmentation.segment_profile`.
    segment, customer_share, revenue_share : str
        Columns of the segment name and its two shares.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> p = pd.DataFrame({"segment": ["a", "b"], "customer_share": [.2, .8],
    ...                   "revenue_share": [.7, .3]})
    >>> ax = segment_share_chart(p)
    """
    require_columns(profile, [segment, customer_share, revenue_share], what="the profile")
    ax = new_axes(ax, figsize=(7, 0.45 * len(profile) + 1.5))
    y = np.arange(len(profile))
    ax.barh(y - 0.2, profile[customer_share], height=0.4, label=t("plot.segments.customers"),
            color="#4c72b0")
    ax.barh(y + 0.2, profile[revenue_share], height=0.4, label=t("plot.segments.revenue"),
            color="#dd8452")
    ax.set_yticks(y, profile[segment].astype(str))
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(_percent())
    ax.set_xlabel(t("plot.segments.share"))
    ax.legend(loc="lower right")
    ax.set_title(t("plot.segments.title"))
    return ax


def k_selection_chart(scores: pd.DataFrame, *, k: str = "k", inertia: str = "inertia",
                      silhouette: str = "silhouette", ax: Any = None) -> Any:
    """Elbow (inertia) and silhouette against k, on two y axes.

    Takes :func:`crmlab.segmentation.choose_k`. Look for the bend of the inertia curve and a
    high silhouette.

    Parameters
    ----------
    scores : pandas.DataFrame
        One row per k, from :func:`crmlab.segmentation.choose_k`.
    k, inertia, silhouette : str
        Columns of the number of clusters and the two measures.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> ax = k_selection_chart(pd.DataFrame({"k": [2, 3, 4], "inertia": [9., 5, 4],
    ...                                      "silhouette": [.4, .5, .3]}))
    """
    require_columns(scores, [k, inertia, silhouette], what="the k scores")
    ax = new_axes(ax)
    ax.plot(scores[k], scores[inertia], "o-", color="#4c72b0", label=t("plot.k.inertia_label"))
    ax.set_xlabel(t("plot.k.x"))
    ax.set_ylabel(t("plot.k.inertia"), color="#4c72b0")
    right = ax.twinx()
    right.plot(scores[k], scores[silhouette], "s--", color="#dd8452", label=t("plot.k.silhouette_label"))
    right.set_ylabel(t("plot.k.silhouette"), color="#dd8452")
    ax.set_xticks(scores[k])
    ax.set_title(t("plot.k.title"))
    return ax


def cluster_profile_chart(profile: pd.DataFrame, *, segment: str = "segment",
                          columns: tuple[str, ...] = ("mean_recency", "mean_frequency",
                                                      "mean_monetary", "revenue_share"),
                          ax: Any = None) -> Any:
    """Heatmap of segment profiles: each column scaled to 0–1 for colour, real values as text.

    Takes :func:`crmlab.segmentation.segment_profile` (clusters or named segments).

    Parameters
    ----------
    profile : pandas.DataFrame
        One row per segment, from :func:`crmlab.segmentation.segment_profile`.
    segment : str
        The column of segment names (the rows).
    columns : tuple of str
        The profile columns drawn (the heatmap's columns).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> p = pd.DataFrame({"segment": [0, 1], "mean_recency": [10., 200], "mean_frequency": [30., 2],
    ...                   "mean_monetary": [5e3, 90], "revenue_share": [.9, .1]})
    >>> ax = cluster_profile_chart(p)
    """
    import seaborn as sns

    require_columns(profile, [segment, *columns], what="the profile")
    ax = new_axes(ax, figsize=(7, 0.5 * len(profile) + 1.8))
    values = profile.set_index(segment)[list(columns)].astype(float)
    span = (values.max() - values.min()).replace(0, 1)
    scaled = (values - values.min()) / span
    text = values.map(lambda v: f"{v:,.2f}" if abs(v) < 10 else f"{v:,.0f}")
    sns.heatmap(scaled, annot=text.to_numpy(), fmt="", cmap="Blues", cbar=False, ax=ax,
                annot_kws={"fontsize": 9})
    ax.set_ylabel(segment)
    ax.set_xlabel("")
    ax.set_title(t("plot.profile.title"))
    return ax


def _percent() -> Any:
    from matplotlib.ticker import PercentFormatter
    return PercentFormatter(1.0, decimals=0)
