"""Charts of the BG/NBD and Gamma-Gamma diagnostics (chapter 3)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlab._checks import CrmlabInputError, require_columns
from crmlab.plots import new_axes

__all__ = ["repeat_purchase_chart", "calibration_holdout_chart", "probability_alive_heatmap",
           "expected_purchases_chart"]


def repeat_purchase_chart(table: pd.DataFrame, *, ax: Any = None) -> Any:
    """Bars of actual vs model-predicted customers by number of repeat purchases.

    Takes :func:`crmlab.btyd.repeat_purchase_table`. Close bars mean the model reproduces how
    purchase counts are spread across customers (Fader, Hardie & Lee 2005, figure 2).
    """
    require_columns(table, ["label", "actual", "model"], what="the repeat-purchase table")
    ax = new_axes(ax)
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["actual"], width=0.4, label="actual", color="#4c72b0")
    ax.bar(x + 0.2, table["model"], width=0.4, label="BG/NBD", color="#dd8452")
    ax.set_xticks(x, table["label"])
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel("customers")
    ax.set_title("Repeat purchases: actual vs model")
    ax.legend()
    return ax


def calibration_holdout_chart(table: pd.DataFrame, *, ax: Any = None) -> Any:
    """Mean holdout purchases by calibration frequency: actual vs the model's prediction.

    Takes :func:`crmlab.btyd.calibration_holdout_table` (Fader, Hardie & Lee 2005, figure 4).
    """
    require_columns(table, ["label", "actual", "model"], what="the calibration/holdout table")
    ax = new_axes(ax)
    x = np.arange(len(table))
    ax.plot(x, table["actual"], marker="o", label="actual", color="#4c72b0")
    ax.plot(x, table["model"], marker="s", ls="--", label="BG/NBD", color="#dd8452")
    ax.set_xticks(x, table["label"])
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel("mean purchases in the holdout period")
    ax.set_title("Calibration vs holdout")
    ax.legend()
    return ax


def probability_alive_heatmap(matrix: pd.DataFrame, *, ax: Any = None) -> Any:
    """Heatmap of P(alive) by frequency (rows) × recency (columns) (存活概率矩阵).

    Takes :func:`crmlab.btyd.probability_alive_matrix`. Frequent buyers who have not bought for
    a long time (bottom left) are the ones most likely to have left.
    """
    import seaborn as sns

    if not isinstance(matrix, pd.DataFrame) or matrix.empty:
        raise CrmlabInputError("probability_alive_heatmap needs the matrix from "
                               "probability_alive_matrix(...)")
    ax = new_axes(ax, figsize=(8, 5))
    shown = matrix.copy()
    shown.columns = [f"{c:g}" for c in shown.columns]
    sns.heatmap(shown.astype(float), ax=ax, cmap="RdYlGn", vmin=0, vmax=1,
                cbar_kws={"label": "P(alive)"})
    ax.invert_yaxis()
    ax.set_xlabel("recency: time of the last purchase")
    ax.set_ylabel("frequency: repeat purchases")
    ax.set_title("Probability a customer is still active")
    return ax


def expected_purchases_chart(curve: pd.DataFrame, *, time: str = "t",
                             columns: list[str] | None = None, ax: Any = None) -> Any:
    """Lines of expected cumulative purchases over time, one per column of ``curve``.

    ``curve`` has a time column and one column per customer profile (e.g. built with
    :meth:`crmlab.btyd.BetaGeoModel.conditional_expected_purchases` over a grid of t).
    """
    require_columns(curve, [time], what="the expected-purchases curve")
    ax = new_axes(ax)
    for column in columns or [c for c in curve.columns if c != time]:
        ax.plot(curve[time], curve[column], label=str(column))
    ax.set_xlabel("time ahead")
    ax.set_ylabel("expected purchases (cumulative)")
    ax.legend(fontsize=8)
    return ax
