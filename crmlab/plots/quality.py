"""Charts of chapter 7: data-quality scores, duplicate-pair scores, cluster sizes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlab._checks import require_columns
from crmlab.plots import new_axes
from crmlab.i18n import MESSAGES, t

__all__ = ["quality_score_chart", "pair_score_chart", "cluster_size_chart"]


def quality_score_chart(scores: pd.DataFrame, *, column: str = "column",
                        measures: tuple[str, ...] = ("completeness", "validity", "uniqueness"),
                        ax: Any = None) -> Any:
    """Grouped bars of completeness / validity / uniqueness per column (0–100 %).

    Takes :func:`crmlab.quality.quality_score`; measures that do not apply (NaN) are left out.

    Parameters
    ----------
    scores : pandas.DataFrame
        The scores, from :func:`crmlab.quality.quality_score`.
    column : str
        The column naming each scored column of the table.
    measures : tuple of str
        The measures drawn as bars, each in [0, 1].
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> s = pd.DataFrame({"column": ["a", "b"], "completeness": [1.0, 0.5],
    ...                   "validity": [np.nan, 0.9], "uniqueness": [1.0, np.nan]})
    >>> ax = quality_score_chart(s)
    """
    require_columns(scores, [column, *measures], what="the quality scores")
    ax = new_axes(ax, figsize=(8, 4.5))
    x = np.arange(len(scores))
    width = 0.8 / len(measures)
    for k, measure in enumerate(measures):
        values = scores[measure].to_numpy(dtype=float)
        ax.bar(x + (k - (len(measures) - 1) / 2) * width, np.nan_to_num(values), width,
               label=t(f"plot.quality.{measure}") if f"plot.quality.{measure}" in MESSAGES else measure)
    ax.set_xticks(x, scores[column].astype(str), rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_ylabel(t("plot.quality.y"))
    ax.legend(loc="lower left", fontsize=8)
    ax.set_title(t("plot.quality.title"))
    return ax


def pair_score_chart(pairs: pd.DataFrame, *, score: str = "score", truth: str | None = None,
                     threshold: float | None = 0.7, bins: int = 40, ax: Any = None) -> Any:
    """Histogram of candidate-pair scores, split by the true answer when ``truth`` is given.

    Takes :func:`crmlab.quality.duplicate_pairs` (plus a boolean column saying whether the pair
    is really one entity); the dashed line is the match threshold. Well separated humps mean
    the threshold is easy to choose.

    Parameters
    ----------
    pairs : pandas.DataFrame
        Scored pairs, from :func:`crmlab.quality.duplicate_pairs`.
    score : str
        The column of pair scores.
    truth : str, optional
        A boolean column saying whether the pair is really one entity.
    threshold : float, optional
        The match threshold, drawn as a dashed line (none when None).
    bins : int
        Number of histogram bins.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> p = pd.DataFrame({"score": [0.2, 0.9, 0.95], "same": [False, True, True]})
    >>> ax = pair_score_chart(p, truth="same")
    """
    require_columns(pairs, [score] + ([truth] if truth else []), what="the scored pairs")
    ax = new_axes(ax)
    edges = np.linspace(0, 1, bins + 1)
    values = pairs[score].to_numpy(dtype=float)
    if truth:
        same = pairs[truth].astype(bool).to_numpy()
        ax.hist(values[~same & ~np.isnan(values)], bins=edges, alpha=0.7, color="#4c72b0",
                label=t("plot.pairs.different"))
        ax.hist(values[same & ~np.isnan(values)], bins=edges, alpha=0.7, color="#dd8452",
                label=t("plot.pairs.same"))
    else:
        ax.hist(values[~np.isnan(values)], bins=edges, color="#4c72b0", label=t("plot.pairs.candidates"))
    if threshold is not None:
        ax.axvline(threshold, ls="--", color="black", label=t("plot.pairs.threshold", threshold=f"{threshold:g}"))
    ax.set_yscale("log")
    ax.set_xlabel(t("plot.pairs.x"))
    ax.set_ylabel(t("plot.pairs.y"))
    ax.legend(loc="upper center", fontsize=8)
    ax.set_title(t("plot.pairs.title"))
    return ax


def cluster_size_chart(clusters: pd.DataFrame, *, cluster: str = "cluster_id",
                       ax: Any = None) -> Any:
    """How many entities have 1, 2, 3 … records (from :func:`crmlab.quality.find_duplicates`).

    Parameters
    ----------
    clusters : pandas.DataFrame
        One row per record, from :func:`crmlab.quality.find_duplicates`.
    cluster : str
        The column of cluster (entity) ids.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> c = pd.DataFrame({"cluster_id": ["C1", "C1", "C2"]})
    >>> ax = cluster_size_chart(c)
    """
    require_columns(clusters, [cluster], what="the clusters")
    ax = new_axes(ax)
    sizes = clusters[cluster].value_counts().value_counts().sort_index()
    ax.bar(sizes.index.astype(str), sizes.to_numpy(), color="#4c72b0")
    for x, v in enumerate(sizes.to_numpy()):
        ax.annotate(f"{v:,}", (x, v), ha="center", va="bottom")
    ax.set_xlabel(t("plot.clusters.x"))
    ax.set_ylabel(t("plot.clusters.y"))
    ax.set_title(t("plot.clusters.title"))
    return ax
