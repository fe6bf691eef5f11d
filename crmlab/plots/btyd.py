"""Charts of the customer-base model diagnostics (chapter 3): fit, holdout, tracking, matrices."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlab._checks import CrmlabInputError, require_columns
from crmlab.plots import new_axes
from crmlab.i18n import t

__all__ = ["repeat_purchase_chart", "calibration_holdout_chart", "probability_alive_heatmap",
           "expected_purchases_chart", "tracking_chart", "expected_purchases_heatmap",
           "retention_projection_chart"]


def repeat_purchase_chart(table: pd.DataFrame, *, ax: Any = None) -> Any:
    """Bars of actual vs model-predicted customers by number of repeat purchases.

    Takes :func:`crmlab.btyd.repeat_purchase_table`. Close bars mean the model reproduces how
    purchase counts are spread across customers (Fader, Hardie & Lee 2005, figure 2).

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``label``, ``actual`` and ``model`` (customers per number of repeat purchases).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"label": ["0", "1", "2+"], "actual": [50, 30, 20], "model": [48.0, 31.5, 20.5]})
    >>> ax = repeat_purchase_chart(table)
    >>> [float(b.get_height()) for b in ax.patches][:3]
    [50.0, 30.0, 20.0]
    """
    require_columns(table, ["label", "actual", "model"], what="the repeat-purchase table")
    ax = new_axes(ax)
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["actual"], width=0.4, label=t("plot.btyd.actual"), color="#4c72b0")
    ax.bar(x + 0.2, table["model"], width=0.4, label=t("plot.btyd.model"), color="#dd8452")
    ax.set_xticks(x, table["label"])
    ax.set_xlabel(t("plot.btyd.repeat_x"))
    ax.set_ylabel(t("plot.customers"))
    ax.set_title(t("plot.btyd.repeat_title"))
    ax.legend()
    return ax


def calibration_holdout_chart(table: pd.DataFrame, *, ax: Any = None) -> Any:
    """Mean holdout purchases by calibration frequency: actual vs the model's prediction.

    Takes :func:`crmlab.btyd.calibration_holdout_table` (Fader, Hardie & Lee 2005, figure 4).
    The heaviest buyers appear in their own groups (7–13, 14–27, …) on the right; the number of
    customers in each group is printed under its label, since a few heavy buyers can carry a
    large share of future purchases.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``label``, ``actual`` and ``model`` (mean holdout purchases per calibration
        frequency group), optionally ``customers`` (shown under each label).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"label": ["0", "1", "2"], "actual": [0.2, 0.6, 1.1],
    ...                       "model": [0.25, 0.55, 1.0], "customers": [500, 200, 80]})
    >>> ax = calibration_holdout_chart(table)
    >>> [tick.get_text() for tick in ax.get_xticklabels()]
    ['0\\n(n=500)', '1\\n(n=200)', '2\\n(n=80)']
    """
    require_columns(table, ["label", "actual", "model"], what="the calibration/holdout table")
    ax = new_axes(ax)
    x = np.arange(len(table))
    ax.plot(x, table["actual"], marker="o", label=t("plot.btyd.actual"), color="#4c72b0")
    ax.plot(x, table["model"], marker="s", ls="--", label=t("plot.btyd.model"), color="#dd8452")
    labels = table["label"] if "customers" not in table else [
        f"{label}\n(n={n})" for label, n in zip(table["label"], table["customers"])]
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_xlabel(t("plot.btyd.repeat_x"))
    ax.set_ylabel(t("plot.btyd.holdout_y"))
    ax.set_title(t("plot.btyd.holdout_title"))
    ax.legend()
    return ax


def probability_alive_heatmap(matrix: pd.DataFrame, *, ax: Any = None) -> Any:
    """Heatmap of P(alive) by frequency (rows) × recency (columns) (存活概率矩阵).

    Takes :func:`crmlab.btyd.probability_alive_matrix`. Frequent buyers who have not bought for
    a long time (top left: frequency grows upwards) are the ones most likely to have left.

    Parameters
    ----------
    matrix : pandas.DataFrame
        P(alive) with frequencies as rows and recencies as columns.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> matrix = pd.DataFrame([[1.0, 1.0], [0.4, 0.9]], index=[0, 1], columns=[0.0, 10.0])
    >>> ax = probability_alive_heatmap(matrix)
    >>> [tick.get_text() for tick in ax.get_xticklabels()]
    ['0', '10']
    """
    ax = _frequency_recency_heatmap(matrix, "probability_alive", ax, cmap="RdYlGn", vmin=0,
                                    vmax=1, cbar_kws={"label": t("plot.btyd.p_alive")})
    ax.set_title(t("plot.btyd.alive_title"))
    return ax


def expected_purchases_chart(curve: pd.DataFrame, *, time: str = "t",
                             columns: list[str] | None = None, ax: Any = None) -> Any:
    """Lines of expected cumulative purchases over time, one per column of ``curve``.

    ``curve`` has a time column and one column per customer profile (e.g. built with
    :meth:`crmlab.btyd.BetaGeoModel.conditional_expected_purchases` over a grid of t).

    Parameters
    ----------
    curve : pandas.DataFrame
        A time column and one column per customer profile.
    time : str
        The time column.
    columns : list of str, optional
        The profiles to draw (default: every column but ``time``).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> curve = pd.DataFrame({"t": [0, 10, 20], "light buyer": [0.0, 0.4, 0.7], "heavy buyer": [0.0, 2.0, 3.8]})
    >>> ax = expected_purchases_chart(curve)
    >>> [line.get_label() for line in ax.get_lines()]
    ['light buyer', 'heavy buyer']
    """
    require_columns(curve, [time], what="the expected-purchases curve")
    ax = new_axes(ax)
    for column in columns or [c for c in curve.columns if c != time]:
        ax.plot(curve[time], curve[column], label=str(column))
    ax.set_xlabel(t("plot.btyd.time_ahead"))
    ax.set_ylabel(t("plot.btyd.expected_cum"))
    ax.legend(fontsize=8)
    return ax


def tracking_chart(table: pd.DataFrame, *, cumulative: bool = True, ax: Any = None) -> Any:
    """Actual vs expected repeat transactions over calendar time: the tracking plot.

    Takes :func:`crmlab.btyd.tracking_table`. ``cumulative=True`` draws the cumulative counts,
    ``False`` the count per period (Fader, Hardie & Lee 2005, figure 3). The dotted line marks
    the end of the calibration period: to its right the model forecasts data it has not seen.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``period``, ``repeat_transactions``, ``expected``, ``cumulative_actual``,
        ``cumulative_expected`` and ``calibration`` (True for the calibration periods).
    cumulative : bool
        Draw the cumulative counts (default) or the counts per period.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"period": [1, 2, 3], "repeat_transactions": [5, 7, 6], "expected": [5.5, 6.5, 6.2],
    ...                       "cumulative_actual": [5, 12, 18], "cumulative_expected": [5.5, 12.0, 18.2],
    ...                       "calibration": [True, True, False]})
    >>> ax = tracking_chart(table)
    >>> float(ax.get_lines()[-1].get_xdata()[0])   # the end of calibration, between periods 2 and 3
    2.5
    """
    need = ["period", "repeat_transactions", "expected", "cumulative_actual",
            "cumulative_expected", "calibration"]
    require_columns(table, need, what="the tracking table")
    ax = new_axes(ax, figsize=(8, 4.5))
    actual, expected = (("cumulative_actual", "cumulative_expected") if cumulative
                        else ("repeat_transactions", "expected"))
    ax.plot(table["period"], table[actual], color="#4c72b0", label=t("plot.btyd.actual"))
    ax.plot(table["period"], table[expected], color="#dd8452", ls="--", label=t("plot.btyd.model"))
    calibration = table.loc[table["calibration"], "period"]
    if len(calibration) and len(calibration) < len(table):
        ax.axvline(calibration.max() + 0.5, color="grey", ls=":", label=t("plot.btyd.end_calibration"))
    ax.set_xlabel(t("plot.btyd.tracking_x"))
    ax.set_ylabel(t("plot.btyd.cum_repeat") if cumulative else t("plot.btyd.repeat"))
    ax.set_title(t("plot.btyd.tracking_cum") if cumulative
                 else t("plot.btyd.tracking_period"))
    ax.legend()
    return ax


def expected_purchases_heatmap(matrix: pd.DataFrame, *, ax: Any = None) -> Any:
    """Heatmap of expected future purchases by frequency (rows) × recency (columns).

    Takes :func:`crmlab.btyd.expected_purchases_matrix`: the customers worth most in the
    coming period are frequent *and* recent buyers (top right).

    Parameters
    ----------
    matrix : pandas.DataFrame
        Expected purchases with frequencies as rows and recencies as columns.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> matrix = pd.DataFrame([[0.1, 0.1], [0.2, 1.5]], index=[0, 1], columns=[0.0, 10.0])
    >>> ax = expected_purchases_heatmap(matrix)
    >>> [tick.get_text() for tick in ax.get_yticklabels()]
    ['0', '1']
    """
    ax = _frequency_recency_heatmap(matrix, "expected_purchases", ax, cmap="viridis",
                                    cbar_kws={"label": t("plot.btyd.expected")})
    ax.set_title(t("plot.btyd.expected_title"))
    return ax


def retention_projection_chart(model: Any, actual: pd.Series, *, fitted_periods: int | None = None,
                               ax: Any = None) -> Any:
    """Active customers of a cohort: actual counts vs the sBG model's projection.

    ``model`` is a fitted :class:`crmlab.btyd.ShiftedBetaGeoModel`; ``actual`` holds survivor
    counts indexed by period (0 = sign-up). ``fitted_periods`` marks the last period the model
    was fitted on (Fader & Hardie 2007, figure 4: fitted on years 0–7, projected to year 12).

    Parameters
    ----------
    model : crmlab.btyd.ShiftedBetaGeoModel
        A fitted sBG model.
    actual : pandas.Series
        Survivor counts indexed by period (0 = sign-up).
    fitted_periods : int, optional
        The last period the model was fitted on (a dotted line after it).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's Axes when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmlab.btyd import ShiftedBetaGeoModel
    >>> regular = [1000, 631, 468, 382, 326, 289, 262, 241]   # Fader & Hardie (2007)
    >>> sbg = ShiftedBetaGeoModel().fit(regular)
    >>> ax = retention_projection_chart(sbg, pd.Series(regular), fitted_periods=7)
    >>> len(ax.get_lines())   # actual, model, the end of fitting
    3
    """
    if not isinstance(actual, pd.Series) or actual.empty:
        raise CrmlabInputError("actual must be a Series of survivor counts indexed by period")
    ax = new_axes(ax)
    periods = actual.index.to_numpy()
    ax.plot(periods, actual.to_numpy(), marker="o", color="#4c72b0", label=t("plot.btyd.actual"))
    ax.plot(periods, np.asarray(model.expected_survivors(periods, cohort_size=actual.iloc[0])),
            ls="--", color="#dd8452", label=t("plot.btyd.sbg"))
    if fitted_periods is not None:
        ax.axvline(fitted_periods + 0.5, color="grey", ls=":")
    ax.set_xlabel(t("plot.btyd.since_signup"))
    ax.set_ylabel(t("plot.btyd.active"))
    ax.set_title(t("plot.btyd.retention_title"))
    ax.legend()
    return ax


def _frequency_recency_heatmap(matrix: pd.DataFrame, topic: str, ax: Any, **style) -> Any:
    """A frequency (rows, upwards) × recency (columns) heatmap of a btyd ``*_matrix`` table."""
    import seaborn as sns

    if not isinstance(matrix, pd.DataFrame) or matrix.empty:
        raise CrmlabInputError(f"{topic}_heatmap needs the matrix from {topic}_matrix(...)")
    ax = new_axes(ax, figsize=(8, 5))
    shown = matrix.copy()
    shown.columns = [f"{c:g}" for c in shown.columns]
    sns.heatmap(shown.astype(float), ax=ax, **style)
    ax.invert_yaxis()
    ax.set_xlabel(t("plot.btyd.recency"))
    ax.set_ylabel(t("plot.btyd.frequency"))
    return ax
