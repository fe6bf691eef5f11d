"""Charts of the satisfaction-survey chapter: diverging Likert bars, NPS, SERVQUAL gaps, IPA,
tallies and the response funnel. Each takes a result frame from :mod:`crmlab.survey`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlab._checks import CrmlabInputError, require_columns
from crmlab.plots import new_axes
from crmlab.i18n import MESSAGES, t

__all__ = ["likert_bars", "nps_bar", "gap_chart", "ipa_chart", "tally_bar", "funnel_chart"]

_NEGATIVE = ("#b2182b", "#ef8a62", "#fddbc7")
_POSITIVE = ("#d1e5f0", "#67a9cf", "#2166ac")
_NEUTRAL = "#d9d9d9"


def _code_columns(summary: pd.DataFrame) -> list:
    return [c for c in summary.columns if isinstance(c, (int, np.integer))]


def likert_bars(summary: pd.DataFrame, *, label: str = "item", ax: Any = None,
                answer_labels: dict[int, str] | None = None, xlabel: str | None = None,
                legend_title: str | None = None) -> Any:
    """Diverging stacked bars of Likert items, centred on the neutral answer.

    Disagreement extends left of zero, agreement right; the neutral middle code (odd scales) is
    split half and half across zero, the usual convention for diverging Likert charts.

    Parameters
    ----------
    summary : pandas.DataFrame
        The output of :func:`crmlab.survey.likert_summary` (one percent column per code).
    label : str
        Column used to name the bars (``"item"`` or ``"text"``).
    answer_labels : dict, optional
        Code → label for the legend (``{5: "非常同意"}``); codes are shown otherwise.
    xlabel, legend_title : str, optional
        Replace the default axis label and legend title.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmlab.survey import likert_summary
    >>> ax = likert_bars(likert_summary(pd.DataFrame({"q1": [1, 4, 5, 5], "q2": [2, 3, 3, 4]})))
    >>> tuple(float(x) for x in ax.get_xlim())
    (-100.0, 100.0)
    """
    require_columns(summary, [label], what="the Likert summary")
    codes = sorted(_code_columns(summary))
    if len(codes) < 2:
        raise CrmlabInputError("the Likert summary has no percent column per answer code")
    ax = new_axes(ax, figsize=(8, 0.45 * len(summary) + 1.5))
    k = len(codes)
    half = k // 2
    neg_colors = list(_NEGATIVE[:half]) if half <= 3 else [_NEGATIVE[0]] * (half - 3) + list(_NEGATIVE)
    pos_colors = list(_POSITIVE[-half:]) if half <= 3 else list(_POSITIVE) + [_POSITIVE[-1]] * (half - 3)
    colors = neg_colors + ([_NEUTRAL] if k % 2 else []) + pos_colors
    values = summary[codes].fillna(0).to_numpy(dtype=float)
    y = np.arange(len(summary))[::-1]
    middle = values[:, half] / 2 if k % 2 else np.zeros(len(summary))
    left = -(values[:, :half].sum(axis=1) + middle)
    for j, code in enumerate(codes):
        name = (answer_labels or {}).get(code, str(code))
        ax.barh(y, values[:, j], left=left, color=colors[j], edgecolor="white", label=name)
        left = left + values[:, j]
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, summary[label].astype(str))
    ax.set_xlabel(xlabel or t("plot.likert.x"))
    lim = max(100.0, float(np.abs(ax.get_xlim()).max()))
    ax.set_xlim(-lim, lim)
    ax.legend(title=legend_title or t("plot.likert.answer"), ncols=min(k, 6), loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False)
    return ax


def _nps_group(group: str) -> str:
    """An NPS group's name (promoters, passives, detractors) in the chosen language."""
    key = f"plot.nps.{group}"
    return t(key) if key in MESSAGES else str(group)


def nps_bar(result: Any, *, ax: Any = None) -> Any:
    """One stacked bar: detractors (0–6), passives (7–8), promoters (9–10), NPS in the title.

    ``result`` is an :class:`~crmlab.survey.NPSResult` or its ``to_frame()``.

    Parameters
    ----------
    result : NPSResult or pandas.DataFrame
        :func:`crmlab.survey.nps`'s result, or a table with ``group`` and ``percent``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"group": ["detractors", "passives", "promoters"], "percent": [20.0, 30.0, 50.0]})
    >>> ax = nps_bar(frame)
    >>> [round(b.get_width()) for b in ax.patches]
    [20, 30, 50]
    """
    frame = result.to_frame() if hasattr(result, "to_frame") else result
    require_columns(frame, ["group", "percent"], what="the NPS table")
    ax = new_axes(ax, figsize=(8, 2.2))
    colors = {"detractors": "#d73027", "passives": "#bdbdbd", "promoters": "#1a9850"}
    left = 0.0
    for _, row in frame.iterrows():
        ax.barh(0, row["percent"], left=left, color=colors.get(row["group"], "#888888"),
                label=t("plot.nps.group", group=_nps_group(row["group"]), percent=row["percent"]))
        if row["percent"] >= 6:
            ax.text(left + row["percent"] / 2, 0, f"{row['percent']:.0f}%", ha="center",
                    va="center", color="white" if row["group"] != "passives" else "black")
        left += row["percent"]
    score = frame.set_index("group")["percent"]
    value = score.get("promoters", 0) - score.get("detractors", 0)
    ax.set_title(t("plot.nps.title", value=value))
    ax.set_xlim(0, 100)
    ax.set_yticks([])
    ax.set_xlabel(t("plot.nps.x"))
    ax.legend(ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.45), frameon=False)
    return ax


def gap_chart(gaps: pd.DataFrame, *, label: str = "label", gap: str = "gap", ax: Any = None) -> Any:
    """Horizontal bars of SERVQUAL gaps (perception − expectation), shortfalls in red.

    ``gaps`` is :func:`crmlab.survey.servqual_gaps` output (``level="dimension"`` or ``"item"``;
    for items pass ``label="perception_item"`` or ``"text"``).

    Parameters
    ----------
    gaps : pandas.DataFrame
        :func:`crmlab.survey.servqual_gaps` output.
    label, gap : str
        Columns naming the bars and holding the gap.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> gaps = pd.DataFrame({"label": ["有形性", "可靠性"], "gap": [0.3, -0.8]})
    >>> ax = gap_chart(gaps)
    >>> [round(float(b.get_width()), 1) for b in ax.patches]
    [0.3, -0.8]
    """
    require_columns(gaps, [label, gap], what="the gap table")
    ax = new_axes(ax, figsize=(7, 0.5 * len(gaps) + 1.5))
    y = np.arange(len(gaps))[::-1]
    values = gaps[gap].to_numpy(dtype=float)
    ax.barh(y, values, color=np.where(values < 0, "#d73027", "#1a9850"))
    for yi, v in zip(y, values):
        ax.text(v + (0.02 if v >= 0 else -0.02), yi, f"{v:+.2f}", va="center",
                ha="left" if v >= 0 else "right")
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, gaps[label].astype(str))
    ax.set_xlabel(t("plot.gap.x"))
    span = max(0.5, float(np.abs(values).max()) * 1.3)
    ax.set_xlim(-span, span)
    return ax


def ipa_chart(ipa: pd.DataFrame, *, label: str = "label", ax: Any = None) -> Any:
    """Importance–performance grid: performance across, importance up, cut-off lines, quadrants.

    ``ipa`` is :func:`crmlab.survey.importance_performance` output.

    Parameters
    ----------
    ipa : pandas.DataFrame
        :func:`crmlab.survey.importance_performance` output (``importance``, ``performance`` and
        the two cut-offs).
    label : str
        Column naming the points.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> ipa = pd.DataFrame({"label": ["price", "speed"], "importance": [4.5, 3.0], "performance": [2.8, 4.1],
    ...                     "importance_cut": 3.75, "performance_cut": 3.45})
    >>> ax = ipa_chart(ipa)
    >>> [text.get_text() for text in ax.texts[:2]]
    ['price', 'speed']
    """
    require_columns(ipa, [label, "importance", "performance", "importance_cut", "performance_cut"],
                    what="the IPA table")
    ax = new_axes(ax, figsize=(7, 5.5))
    ax.scatter(ipa["performance"], ipa["importance"], s=60, color="#2166ac", zorder=3)
    for _, row in ipa.iterrows():
        ax.annotate(str(row[label]), (row["performance"], row["importance"]),
                    textcoords="offset points", xytext=(6, 4))
    i_cut, p_cut = ipa["importance_cut"].iloc[0], ipa["performance_cut"].iloc[0]
    ax.axhline(i_cut, color="grey", linestyle="--", linewidth=0.8)
    ax.axvline(p_cut, color="grey", linestyle="--", linewidth=0.8)
    x_lo, x_hi = min(ipa["performance"].min(), p_cut) - 0.4, max(ipa["performance"].max(), p_cut) + 0.6
    y_lo, y_hi = min(ipa["importance"].min(), i_cut) - 0.4, max(ipa["importance"].max(), i_cut) + 0.4
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    corners = [((x_lo, y_hi), t("plot.ipa.concentrate"), "left", "top"),
               ((x_hi, y_hi), t("plot.ipa.keep"), "right", "top"),
               ((x_lo, y_lo), t("plot.ipa.low"), "left", "bottom"),
               ((x_hi, y_lo), t("plot.ipa.overkill"), "right", "bottom")]
    for (x, y), text, ha, va in corners:
        ax.text(x, y, text, ha=ha, va=va, fontsize=9, color="#555555",
                transform=ax.transData, alpha=0.9)
    ax.set_xlabel(t("plot.ipa.x"))
    ax.set_ylabel(t("plot.ipa.y"))
    return ax


def tally_bar(tally: pd.DataFrame, *, percent: str | None = None, title: str | None = None,
              ax: Any = None, xlabel: str | None = None) -> Any:
    """Horizontal bars of a tally with count and percent written on each bar.

    ``tally`` is :func:`crmlab.survey.tally` output (one question, no ``by``); ``percent``
    defaults to ``percent`` (or ``percent_of_respondents`` for multiple choice).

    Parameters
    ----------
    tally : pandas.DataFrame
        :func:`crmlab.survey.tally` output (``label``, ``count`` and a percent column).
    percent : str, optional
        The percent column (default ``percent``, else ``percent_of_respondents``).
    title, xlabel : str, optional
        A title, and a replacement for the default axis label.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> tally = pd.DataFrame({"label": ["满意", "一般"], "count": [30, 10], "percent": [75.0, 25.0]})
    >>> ax = tally_bar(tally)
    >>> [text.get_text() for text in ax.texts]
    ['30 (75.0%)', '10 (25.0%)']
    """
    require_columns(tally, ["label", "count"], what="the tally")
    if percent is None:
        percent = "percent" if "percent" in tally.columns else "percent_of_respondents"
    require_columns(tally, [percent], what="the tally")
    ax = new_axes(ax, figsize=(7, 0.45 * len(tally) + 1.5))
    y = np.arange(len(tally))[::-1]
    ax.barh(y, tally[percent], color="#4393c3")
    for yi, p, c in zip(y, tally[percent], tally["count"]):
        ax.text(p + 0.5, yi, f"{c} ({p:.1f}%)", va="center")
    ax.set_yticks(y, tally["label"].astype(str))
    ax.set_xlabel(xlabel or t("plot.tally.x"))
    ax.set_xlim(0, max(10.0, float(tally[percent].fillna(0).max()) * 1.25))
    if title:
        ax.set_title(title)
    return ax


def funnel_chart(funnel: pd.DataFrame, *, ax: Any = None) -> Any:
    """The response funnel: received, each rejection reason, valid (``ValidationResult.funnel()``).

    Parameters
    ----------
    funnel : pandas.DataFrame
        ``ValidationResult.funnel()``: ``stage`` and ``questionnaires``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> funnel = pd.DataFrame({"stage": ["received", "blank", "valid"], "questionnaires": [50, 4, 46]})
    >>> ax = funnel_chart(funnel)
    >>> [round(b.get_width()) for b in ax.patches]
    [50, 4, 46]
    """
    require_columns(funnel, ["stage", "questionnaires"], what="the funnel")
    ax = new_axes(ax, figsize=(8, 0.45 * len(funnel) + 1.2))
    y = np.arange(len(funnel))[::-1]
    colors = ["#2166ac" if s in ("received", "valid") else "#d6604d" for s in funnel["stage"]]
    ax.barh(y, funnel["questionnaires"], color=colors)
    for yi, n in zip(y, funnel["questionnaires"]):
        ax.text(n, yi, f" {n}", va="center")
    ax.set_yticks(y, [t(f"plot.funnel.{s}") if f"plot.funnel.{s}" in MESSAGES else str(s) for s in funnel["stage"]])
    ax.set_xlabel(t("plot.funnel.x"))
    ax.set_xlim(0, funnel["questionnaires"].max() * 1.15)
    return ax
