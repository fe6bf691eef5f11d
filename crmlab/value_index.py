"""The customer value index (客户价值指数): current value and potential value on a 0–100 scale.

The course's articles describe a customer's value in two parts:

- **current value** (当前价值): profit, order continuity (订单连续性), credit — the payment cycle
  (回款周期) and the default rate (违约率);
- **potential value** (潜在价值): cross-selling room, strategic fit, the industry's stage.

:func:`value_index` combines any such indicators: each is rescaled to 0–100 across the customers
(min–max; for an indicator where *less* is better, such as the default rate, the scale is
turned round), the rescaled indicators are averaged with weights within each part, and the two
parts give ``current``, ``potential`` and ``index`` (their weighted mean). The weights are
settings: the articles name the indicators but give no weights, so the default is equal weights.

:func:`b2b_value_features` computes the indicators from the course's B2B tables.

Examples
--------
>>> import pandas as pd
>>> f = pd.DataFrame({"sales": [100.0, 300.0, 200.0], "default_rate": [0.0, 0.5, 0.25]},
...                  index=["A", "B", "C"])
>>> value_index(f, current={"sales": 1, "default_rate": 1}, potential={},
...             lower_is_better=("default_rate",))["current"].tolist()
[50.0, 50.0, 50.0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlab._checks import CrmlabInputError, ExclusionReport

#: Indicators of the B2B features and which part of the value each belongs to.
DEFAULT_CURRENT = {"sales_12m": 1.0, "order_continuity": 1.0, "payment_cycle_days": 1.0, "default_rate": 1.0}
DEFAULT_POTENTIAL = {"brand_points": 1.0, "outlook_points": 1.0}
#: Indicators for which a smaller value is better.
LOWER_IS_BETTER = ("payment_cycle_days", "default_rate")
#: Brand standing → strategic-fit points (the scorecard's brand item).
BRAND_POINTS = {"global500": 20, "global500_affiliate": 15, "top50": 10, "top50_affiliate": 8, "other": 5}


def _scaled(column: pd.Series, lower_is_better: bool) -> pd.Series:
    low, high = column.min(), column.max()
    if high == low:
        return pd.Series(50.0, index=column.index)  # no spread: every customer in the middle
    scaled = 100 * (column - low) / (high - low)
    return 100 - scaled if lower_is_better else scaled


def value_index(features: pd.DataFrame, *, current: Mapping[str, float] | None = None,
                potential: Mapping[str, float] | None = None,
                lower_is_better: Sequence[str] = LOWER_IS_BETTER,
                part_weights: tuple[float, float] = (0.5, 0.5)) -> pd.DataFrame:
    """Current value, potential value and the overall index (each 0–100) per customer.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per customer (the index is kept), one numeric column per indicator.
    current, potential : mapping of str to float, optional
        Indicator → weight within the part (default: the B2B indicators, equal weights). An
        empty mapping leaves that part out (its value is NaN and ``index`` is the other part).
    lower_is_better : sequence of str
        Indicators whose scale is turned round (a higher default rate lowers the value).
    part_weights : tuple of float
        Weights of current and potential value in ``index`` (default equal).

    Returns
    -------
    pandas.DataFrame
        ``current``, ``potential`` and ``index`` per customer, plus every indicator's 0–100
        score as ``score_<indicator>``.

    Raises
    ------
    CrmlabInputError
        An indicator missing from ``features``, a missing value, or a negative weight.

    Examples
    --------
    >>> f = pd.DataFrame({"sales": [0.0, 50.0, 100.0], "outlook": [15, 0, 5]}, index=["A", "B", "C"])
    >>> value_index(f, current={"sales": 1}, potential={"outlook": 1},
    ...             lower_is_better=())[["current", "potential", "index"]].round(1)
       current  potential  index
    A      0.0      100.0   50.0
    B     50.0        0.0   25.0
    C    100.0       33.3   66.7
    """
    current = dict(DEFAULT_CURRENT if current is None else current)
    potential = dict(DEFAULT_POTENTIAL if potential is None else potential)
    names = [*current, *potential]
    missing = [n for n in names if n not in features.columns]
    if missing:
        raise CrmlabInputError(f"the features lack the indicator(s) {', '.join(missing)}; "
                               f"columns present: {', '.join(map(str, features.columns))}")
    for name, weight in [*current.items(), *potential.items(), *zip(("current", "potential"), part_weights)]:
        if not weight >= 0:
            raise CrmlabInputError(f"the weight of {name} must be zero or positive, got {weight!r}")
    values = features[names].apply(pd.to_numeric, errors="coerce")
    holes = values.isna()
    if holes.any().any():
        where = holes.stack()
        rows = where[where].index[:3]
        raise CrmlabInputError("missing or non-numeric indicator values (fill them or drop the customers): "
                               + ", ".join(f"{r!r}: {c}" for r, c in rows))
    out = pd.DataFrame(index=features.index)
    for name in names:
        out[f"score_{name}"] = _scaled(values[name].astype(float), name in lower_is_better)

    def part(weights: dict[str, float]) -> pd.Series:
        total = sum(weights.values())
        if not weights or total == 0:
            return pd.Series(np.nan, index=features.index)
        return sum(out[f"score_{n}"] * w for n, w in weights.items()) / total

    out["current"], out["potential"] = part(current), part(potential)
    parts = out[["current", "potential"]]
    weights = pd.Series(part_weights, index=parts.columns)
    present = parts.notna()
    out["index"] = (parts.fillna(0) * weights).sum(axis=1) / present.mul(weights).sum(axis=1)
    return out


def b2b_value_features(customers: pd.DataFrame, sales: pd.DataFrame, invoices: pd.DataFrame,
                       *, as_of: Any, late_days: int = 30) -> pd.DataFrame:
    """The value-index indicators of each B2B customer over the 12 months to ``as_of``.

    - ``sales_12m``: sales in the 12 months to ``as_of`` (the course's data has no profit; with
      a margin column use profit instead);
    - ``order_continuity``: share of those 12 months with an order (订单连续性);
    - ``payment_cycle_days``: mean days from invoice to payment of the invoices paid in the
      window (回款周期);
    - ``default_rate``: share of the window's invoices paid more than ``late_days`` after the due
      date, or still unpaid and that late at ``as_of`` (违约率);
    - ``brand_points`` (strategic fit, from ``brand_standing``) and ``outlook_points`` (the
      industry's stage, the product manager's 0–15 judgement).

    Customers with no invoice in the window get the median payment cycle and a default rate of
    0 (no evidence either way); they are reported in ``result.attrs["excluded"]`` (an
    :class:`crmlab._checks.ExclusionReport`: how many, and a few of their ids).

    Examples
    --------
    >>> from crmlab.datasets import load_dataset
    >>> f = b2b_value_features(load_dataset("b2b_customers"), load_dataset("b2b_monthly_sales"),
    ...                        load_dataset("b2b_invoices"), as_of="2025-12-31")
    >>> list(f.columns)
    ['sales_12m', 'order_continuity', 'payment_cycle_days', 'default_rate', 'brand_points', 'outlook_points']
    """
    as_of = pd.Timestamp(as_of)
    start = as_of - pd.DateOffset(months=12)
    ids = customers.set_index("customer_id")
    window = sales[(sales["month"] > start) & (sales["month"] <= as_of)]
    sales_12m = window.groupby("customer_id")["sales"].sum().reindex(ids.index, fill_value=0.0)
    active = window[window["sales"] > 0].groupby("customer_id")["month"].nunique()
    continuity = (active / 12).reindex(ids.index, fill_value=0.0)
    inv = invoices[(invoices["invoice_date"] > start) & (invoices["invoice_date"] <= as_of)]
    paid = inv[inv["paid_date"].notna() & (inv["paid_date"] <= as_of)]
    cycle = (paid["paid_date"] - paid["invoice_date"]).dt.days.groupby(paid["customer_id"]).mean()
    settled = inv["paid_date"].where(inv["paid_date"] <= as_of, as_of).fillna(as_of)
    late = (settled - inv["due_date"]).dt.days > late_days
    default = late.groupby(inv["customer_id"]).mean()
    no_invoice = ids.index.difference(cycle.index)
    unknown = ids["brand_standing"][~ids["brand_standing"].isin(list(BRAND_POINTS))]
    if len(unknown):
        raise CrmlabInputError(f"unknown brand_standing {unknown.iloc[0]!r} (customer {unknown.index[0]}); "
                               f"known: {', '.join(BRAND_POINTS)}")
    out = pd.DataFrame({
        "sales_12m": sales_12m.astype(float),
        "order_continuity": continuity.astype(float),
        "payment_cycle_days": cycle.reindex(ids.index).fillna(cycle.median()).astype(float),
        "default_rate": default.reindex(ids.index).fillna(0.0).astype(float),
        "brand_points": ids["brand_standing"].map(BRAND_POINTS).astype(float),
        "outlook_points": ids["outlook_points"].astype(float),
    })
    report = ExclusionReport(received=len(ids))
    report.add("customers without an invoice in the 12 months (payment cycle and default rate not "
               "measured: the median cycle and a rate of 0 are used)", no_invoice)
    out.attrs["excluded"] = report.brief()
    return out
