"""Customer value (客户价值): historic value, retention-based lifetime value, cohorts, value × loyalty.

The course's chapter 3 asks *which customers are worth what*, looking backwards (what a customer
has brought so far: 历史价值) and forwards (what they are likely to bring: 客户终身价值, CLV).

* :func:`historic_value` — net spend (monetary), margin, purchases and tenure per customer.
* :func:`retention_clv` — the textbook lifetime value of a customer who yields a margin m each
  period and stays with probability r, discounted at rate d: ``m·r/(1+d−r)`` (infinite horizon)
  or the finite sum; :func:`clv_sensitivity` tabulates it over retention × discount.
* :func:`cohort_table` and :func:`retention_matrix` — acquisition cohorts (获客同期群) × periods
  since acquisition: how many customers of each cohort are still buying.
* :func:`value_loyalty_matrix` — the four quadrants of the value × loyalty matrix
  (客户价值-忠诚度矩阵) with a recommended action per quadrant.
* :func:`share_of_wallet` — our share of what a customer spends in the category (钱包份额).

Every function follows the package conventions (see :mod:`crmlab`): it returns a new DataFrame
and never changes its input, and rows left out (no customer id, no date, dated on or after the
as-of date …) are reported in ``result.attrs["excluded"]``. Money is in the units of the input
(CNY for the retail data).

For model-based CLV in non-contractual settings (BG/NBD and Gamma-Gamma) see :mod:`crmlab.btyd`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlab._checks import (
    CrmlabInputError, ExclusionReport, checked_transactions, cut_at_as_of, finish_report,
    require_columns, require_not_empty, to_numeric,
)
from crmlab.customers import _summary
from crmlab.i18n import tr

__all__ = [
    "historic_value", "retention_clv", "clv_sensitivity", "cohort_table", "retention_matrix",
    "value_loyalty_matrix", "share_of_wallet", "VALUE_LOYALTY_QUADRANTS", "DEFAULT_MARGIN_RATE",
]

#: Gross margin as a share of revenue used when the data has no cost column. 20 % is a typical
#: supermarket gross margin; it is an assumption of the course data, so pass your own.
DEFAULT_MARGIN_RATE = 0.20

#: The value × loyalty matrix: (value level, loyalty level) → (name, Chinese name, action, Chinese
#: action). ``value_loyalty_matrix``'s ``action`` column is in the chosen language
#: (:func:`crmlab.set_language`).
VALUE_LOYALTY_QUADRANTS: dict[tuple[str, str], tuple[str, str, str, str]] = {
    ("high", "high"): (
        "core", "核心客户",
        "Keep and reward: priority service, a personal contact, loyalty rewards; protect them "
        "from competitors (重点保持).",
        "重点保持：优先服务、专人联系、忠诚奖励；防止被竞争对手抢走。"),
    ("high", "low"): (
        "valuable but fickle", "高价值低忠诚客户",
        "Build loyalty: learn why they also buy elsewhere, offer reasons to come back more often, "
        "contact them before they drift away (重点培养忠诚).",
        "重点培养忠诚：弄清他们为什么也在别处购买，给他们常来的理由，在他们走远之前主动联系。"),
    ("low", "high"): (
        "loyal but low value", "高忠诚低价值客户",
        "Grow their value: cross-sell and up-sell, bigger baskets; serve them through low-cost "
        "channels (提升价值).",
        "提升价值：交叉销售和向上销售，提高客单价；通过低成本渠道服务。"),
    ("low", "low"): (
        "low value, low loyalty", "低价值低忠诚客户",
        "Invest little: standard service and low-cost mass channels; do not chase them with "
        "expensive offers (维持或放弃).",
        "维持或放弃：标准化服务和低成本的大众渠道；不要用昂贵的优惠去追。"),
}


# --------------------------------------------------------------------------------------------
# Historic value
# --------------------------------------------------------------------------------------------

def historic_value(transactions: pd.DataFrame, *, customer: str = "customer_id",
                   date: str = "date", amount: str = "amount",
                   occasion: str | None = "receipt_id", margin_rate: float = DEFAULT_MARGIN_RATE,
                   as_of: Any = None, return_report: bool = False
                   ) -> pd.DataFrame | tuple[pd.DataFrame, ExclusionReport]:
    """What each customer has brought so far: net spend, margin, purchases and tenure (历史价值).

    Built on :func:`crmlab.customers.customer_summary` (its rules for purchase occasions,
    returns and the as-of date), so it agrees with :func:`crmlab.segmentation.rfm_table`.

    Parameters
    ----------
    transactions
        One row per transaction line; returns have negative amounts.
    customer, date, amount
        Column names (defaults: the retail data).
    occasion
        Column of receipt ids; when the log has no such column (or ``None``), calendar days.
    margin_rate
        Gross margin as a share of net spend (default :data:`DEFAULT_MARGIN_RATE`, 20 %).
    as_of
        Date of the analysis (exclusive); default the day after the last transaction. Rows on or
        after it are left out and reported.
    return_report
        Also return the full :class:`~crmlab._checks.ExclusionReport`.

    Returns
    -------
    DataFrame
        One row per customer (sorted by customer): ``<customer>``, ``frequency`` (purchase
        occasions), ``monetary`` (net spend), ``margin``, ``mean_spend`` (monetary /
        frequency), ``returns``, ``first_purchase``, ``last_purchase``, ``tenure_days`` (as-of
        date − first purchase) and ``recency`` (as-of date − last purchase, days). Customers
        with no purchase (returns only) are left out and reported in ``attrs["excluded"]``.

    Notes
    -----
    Plain pandas: ``s = customer_summary(tx, ...)``, then ``s["margin"] = s["monetary"] *
    margin_rate`` and ``s["tenure_days"] = (as_of - s["first_purchase"]).dt.days``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b", None],
    ...                    "receipt_id": ["r1", "r1", "r2", "r3", "r4"],
    ...                    "date": ["2025-01-05", "2025-01-05", "2025-03-01", "2025-02-01",
    ...                             "2025-02-02"],
    ...                    "amount": [60.0, 40.0, -10.0, 30.0, 5.0]})
    >>> hv = historic_value(tx, as_of="2025-04-01")
    >>> hv[["customer_id", "frequency", "monetary", "margin", "tenure_days"]]
      customer_id  frequency  monetary  margin  tenure_days
    0           a          1      90.0    18.0           86
    1           b          1      30.0     6.0           59
    """
    if not 0 <= margin_rate <= 1:
        raise CrmlabInputError(f"margin_rate must be a share between 0 and 1, got {margin_rate}")
    summary, report = _summary(transactions, customer=customer, date=date, amount=amount,
                               occasion=occasion, as_of=as_of, keep_rows=return_report)
    as_of_day = summary.attrs["as_of"]
    out = summary[[customer, "frequency", "monetary"]].copy()
    out["margin"] = summary["monetary"] * margin_rate
    out["mean_spend"] = summary["monetary"] / summary["frequency"]
    for column in ("returns", "first_purchase", "last_purchase"):
        out[column] = summary[column]
    out["tenure_days"] = (as_of_day - summary["first_purchase"]).dt.days.astype("int64")
    out["recency"] = summary["recency"]
    out.attrs.update(summary.attrs)
    return finish_report(out, report, return_report=return_report)


# --------------------------------------------------------------------------------------------
# Retention-based CLV
# --------------------------------------------------------------------------------------------

def retention_clv(margin, retention, discount, horizon: int | None = None):
    """Lifetime value of a customer from margin, retention rate and discount rate (客户终身价值).

    A customer brings margin ``m`` at the end of every period they are still a customer; each
    period they stay with probability ``r`` (the retention rate, 保留率) and money one period away
    is worth ``1/(1+d)`` today. Counting from the next period::

        CLV = Σ_{t=1..H} m · r^t / (1+d)^t
            = m · q · (1 − q^H) / (1 − q)     with q = r / (1+d)
        H → ∞:  CLV = m · r / (1 + d − r)

    Vectorised: ``margin``, ``retention`` and ``discount`` broadcast against each other (numbers,
    lists, arrays or Series), so a whole sensitivity grid is one call.

    Parameters
    ----------
    margin
        Margin per period (e.g. yearly gross profit of the customer).
    retention
        Probability of staying another period, between 0 and 1.
    discount
        Discount rate per period (0.1 = 10 %), ≥ 0.
    horizon
        Number of future periods; ``None`` (default) for an infinite horizon.

    Returns
    -------
    float for scalar input, else a numpy array (a Series when ``margin`` is a Series).

    Examples
    --------
    >>> round(retention_clv(100, 0.8, 0.1), 2)   # 100·0.8/(1.1−0.8)
    266.67
    >>> round(retention_clv(100, 0.8, 0.1, horizon=2), 2)   # 100·(0.8/1.1 + 0.64/1.21)
    125.62
    """
    m = np.asarray(margin, dtype=float)
    r = np.asarray(retention, dtype=float)
    d = np.asarray(discount, dtype=float)
    for name, values in (("margin", m), ("retention", r), ("discount", d)):
        if np.any(~np.isfinite(values)):
            raise CrmlabInputError(f"{name} must be a finite number (no missing values)")
    if np.any((r < 0) | (r > 1)):
        raise CrmlabInputError("retention must be a probability between 0 and 1 (0.8 = 80 %)")
    if np.any(d < 0):
        raise CrmlabInputError("discount must be ≥ 0 (a rate per period: 0.1 = 10 %)")
    q = r / (1 + d)
    if horizon is None:
        if np.any(q >= 1):
            raise CrmlabInputError(
                "with retention 1 and discount 0 the infinite-horizon value is infinite; give a "
                "horizon or a discount rate > 0")
        value = m * r / (1 + d - r)
    else:
        if int(horizon) != horizon or horizon < 0:
            raise CrmlabInputError(f"horizon must be a whole number of periods ≥ 0, got {horizon}")
        h = int(horizon)
        with np.errstate(divide="ignore", invalid="ignore"):
            geometric = np.where(q == 1, h, q * (1 - q ** h) / np.where(q == 1, 2.0, 1 - q))
        value = m * geometric
    value = np.asarray(value, dtype=float)
    if isinstance(margin, pd.Series) and value.shape == margin.shape:
        return pd.Series(value, index=margin.index, name="clv")
    return float(value) if value.ndim == 0 else value


def clv_sensitivity(margin: float, retention_rates, discount_rates,
                    horizon: int | None = None) -> pd.DataFrame:
    """Table of :func:`retention_clv` for each retention rate (rows) × discount rate (columns).

    Shows how strongly lifetime value depends on retention: at 10 % discount, moving retention
    from 80 % to 90 % raises CLV from 2.67 to 4.5 times the yearly margin.

    Parameters
    ----------
    margin
        Margin per period (e.g. yearly gross profit of the customer).
    retention_rates
        The retention rates of the rows, each between 0 and 1.
    discount_rates
        The discount rates of the columns (0.1 = 10 %), each ≥ 0.
    horizon
        Number of future periods; ``None`` (default) for an infinite horizon.

    Returns
    -------
    DataFrame
        CLV for each retention rate (index ``retention``) and discount rate (columns
        ``discount``).

    Examples
    --------
    >>> clv_sensitivity(100, [0.8, 0.9], [0.1]).round(1)  # doctest: +NORMALIZE_WHITESPACE
    discount     0.1
    retention
    0.8        266.7
    0.9        450.0
    """
    r = np.asarray(retention_rates, dtype=float).ravel()
    d = np.asarray(discount_rates, dtype=float).ravel()
    if len(r) == 0 or len(d) == 0:
        raise CrmlabInputError("give at least one retention rate and one discount rate")
    grid = retention_clv(margin, r[:, None], d[None, :], horizon=horizon)
    return pd.DataFrame(grid, index=pd.Index(r, name="retention"),
                        columns=pd.Index(d, name="discount"))


# --------------------------------------------------------------------------------------------
# Cohorts
# --------------------------------------------------------------------------------------------

def cohort_table(
    transactions: pd.DataFrame,
    *,
    customer: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    period: str = "M",
    as_of: Any = None,
    return_report: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, ExclusionReport]:
    """Acquisition cohorts × periods since acquisition: active customers, retention and revenue.

    A customer's cohort (同期群) is the period (month by default) of their first purchase in the
    data. In each later period the customer is *active* when they made at least one purchase
    (a row with a positive amount) in it. Period 0 is the acquisition period, so its retention
    rate is 1.

    Note that the first period of a data extract mixes new customers with everyone who was
    already a customer before the data starts (left censoring): read its row with care, or drop
    it.

    Parameters
    ----------
    transactions
        One row per transaction line.
    customer, date, amount
        Column names (defaults: the retail data).
    period
        A pandas period alias: ``"M"`` months (default), ``"Q"`` quarters, ``"W"`` weeks, ``"Y"``.
    as_of
        Rows on or after this date are left out and reported (default: the day after the
        last date, i.e. keep all).
    return_report
        Also return the full :class:`~crmlab._checks.ExclusionReport`.

    Returns
    -------
    Tidy DataFrame with columns ``cohort`` (a pandas Period), ``period`` (periods since
    acquisition, 0, 1, …), ``cohort_size``, ``active_customers``, ``retention_rate``
    (= active / cohort size) and ``revenue`` (net amount of the cohort in that period).
    Every cohort gets one row per period up to the last period of the data (0 when nobody was
    active).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "c"],
    ...                    "date": ["2025-01-03", "2025-02-10", "2025-01-20", "2025-03-01",
    ...                             "2025-02-14"],
    ...                    "amount": [10.0, 20.0, 5.0, 8.0, 7.0]})
    >>> cohort_table(tx)[["cohort", "period", "active_customers", "retention_rate"]]
        cohort  period  active_customers  retention_rate
    0  2025-01       0                 2             1.0
    1  2025-01       1                 1             0.5
    2  2025-01       2                 1             0.5
    3  2025-02       0                 1             1.0
    4  2025-02       1                 0             0.0
    """
    tx, report = checked_transactions(transactions, customer=customer, date=date, amount=amount,
                                      keep_rows=return_report)
    tx, _ = cut_at_as_of(tx, as_of, report)
    tx = tx.copy()
    try:
        periods = tx["date"].dt.to_period(period)
    except (ValueError, TypeError) as exc:
        raise CrmlabInputError(f"period must be a pandas period alias such as 'M', 'Q' or 'W'; "
                               f"got {period!r}") from exc
    tx["p"] = periods.array.asi8 if hasattr(periods.array, "asi8") else periods.map(lambda p: p.ordinal)
    buys = tx[tx["amount"] > 0]
    if buys.empty:
        raise CrmlabInputError("no purchase with a positive amount: there are no cohorts to form")
    no_buy = tx.index[~tx["customer"].isin(buys["customer"])]
    report.add("rows of customers who only returned goods (no purchase)", no_buy)
    tx = tx.drop(no_buy)
    first = buys.groupby("customer")["p"].min()
    tx["cohort"] = tx["customer"].map(first)
    tx["period"] = tx["p"] - tx["cohort"]
    tx = tx[tx["period"] >= 0]  # returns before the first purchase cannot happen in clean data
    active = (tx[tx["amount"] > 0].groupby(["cohort", "period"])["customer"].nunique())
    revenue = tx.groupby(["cohort", "period"])["amount"].sum()
    sizes = first.value_counts().sort_index()
    last = int(tx["p"].max())
    index = pd.MultiIndex.from_tuples(
        [(c, k) for c in sizes.index for k in range(0, last - int(c) + 1)],
        names=["cohort", "period"])
    out = pd.DataFrame({"active_customers": active.reindex(index, fill_value=0),
                        "revenue": revenue.reindex(index, fill_value=0.0)}).reset_index()
    out["cohort_size"] = out["cohort"].map(sizes).astype("int64")
    out["retention_rate"] = out["active_customers"] / out["cohort_size"]
    freq = periods.dt.freq
    out["cohort"] = pd.PeriodIndex.from_ordinals(out["cohort"].to_numpy(), freq=freq)
    out = out[["cohort", "period", "cohort_size", "active_customers", "retention_rate", "revenue"]]
    out["period"] = out["period"].astype("int64")
    out["active_customers"] = out["active_customers"].astype("int64")
    return finish_report(out, report, return_report=return_report)


def retention_matrix(cohorts: pd.DataFrame, *, value: str = "retention_rate",
                     max_period: int | None = None) -> pd.DataFrame:
    """Cohort × period-since-acquisition matrix (the classic triangle) from :func:`cohort_table`.

    Parameters
    ----------
    cohorts
        Output of :func:`cohort_table`.
    value
        Which column fills the cells: ``"retention_rate"`` (default), ``"active_customers"`` or
        ``"revenue"``.
    max_period
        Keep periods 0 … max_period only.

    Returns
    -------
    Wide DataFrame: one row per cohort, one column per period; cells after the end of the data
    are NaN (the empty lower-right triangle).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "c"],
    ...                    "date": ["2025-01-03", "2025-02-10", "2025-01-20", "2025-03-01",
    ...                             "2025-02-14"],
    ...                    "amount": [10.0, 20.0, 5.0, 8.0, 7.0]})
    >>> retention_matrix(cohort_table(tx))  # doctest: +NORMALIZE_WHITESPACE
    period     0    1    2
    cohort
    2025-01  1.0  0.5  0.5
    2025-02  1.0  0.0  NaN
    """
    require_columns(cohorts, ["cohort", "period", value], what="the cohort table")
    require_not_empty(cohorts, what="the cohort table")
    table = cohorts.pivot(index="cohort", columns="period", values=value)
    if max_period is not None:
        table = table.loc[:, table.columns <= max_period]
    table.columns.name = "period"
    return table


# --------------------------------------------------------------------------------------------
# Value × loyalty matrix and share of wallet
# --------------------------------------------------------------------------------------------

def value_loyalty_matrix(
    customers: pd.DataFrame,
    *,
    value: str = "margin",
    loyalty: str = "frequency",
    value_threshold: float | None = None,
    loyalty_threshold: float | None = None,
    quantile: float = 0.5,
) -> pd.DataFrame:
    """Place customers in the four quadrants of the value × loyalty matrix (客户价值-忠诚度矩阵).

    A customer is *high* on an axis when their value is **at or above** the threshold (≥), low
    otherwise. Thresholds default to the ``quantile`` of the column (the median), so about half
    of the customers are high on each axis; pass numbers to use business thresholds instead.

    Parameters
    ----------
    customers
        One row per customer, e.g. the output of :func:`historic_value`.
    value
        Column measuring value (default ``"margin"``; revenue or a CLV also work).
    loyalty
        Column measuring loyalty (default ``"frequency"``, i.e. repeat buying; tenure or a
        retention score also work).
    value_threshold, loyalty_threshold
        Explicit thresholds; ``None`` uses the ``quantile`` of the column.
    quantile
        Quantile used for the default thresholds (0.5 = median).

    Returns
    -------
    A copy of ``customers`` with ``value_level``, ``loyalty_level`` (``"high"``/``"low"``),
    ``quadrant``, ``quadrant_zh`` and ``action`` (see :data:`VALUE_LOYALTY_QUADRANTS`);
    the thresholds used are in ``attrs["thresholds"]``.

    Examples
    --------
    >>> df = pd.DataFrame({"margin": [10, 200, 50, 300], "frequency": [8, 1, 2, 9]})
    >>> value_loyalty_matrix(df)[["margin", "frequency", "quadrant"]]
       margin  frequency                quadrant
    0      10          8     loyal but low value
    1     200          1     valuable but fickle
    2      50          2  low value, low loyalty
    3     300          9                    core
    """
    require_columns(customers, [value, loyalty], what="the customer table")
    require_not_empty(customers, what="the customer table")
    if not 0 < quantile < 1:
        raise CrmlabInputError(f"quantile must be between 0 and 1, got {quantile}")
    v = to_numeric(customers[value], column=value, what="the customer table")
    lo = to_numeric(customers[loyalty], column=loyalty, what="the customer table")
    for name, series in ((value, v), (loyalty, lo)):
        if series.isna().any():
            rows = series.index[series.isna()][:5].tolist()
            raise CrmlabInputError(f"column {name!r} has missing values (rows {rows}); fill or "
                                   "drop them first")
    v_cut = float(v.quantile(quantile)) if value_threshold is None else float(value_threshold)
    l_cut = float(lo.quantile(quantile)) if loyalty_threshold is None else float(loyalty_threshold)
    out = customers.copy()
    out["value_level"] = np.where(v >= v_cut, "high", "low")
    out["loyalty_level"] = np.where(lo >= l_cut, "high", "low")
    keys = list(zip(out["value_level"], out["loyalty_level"]))
    out["quadrant"] = [VALUE_LOYALTY_QUADRANTS[k][0] for k in keys]
    out["quadrant_zh"] = [VALUE_LOYALTY_QUADRANTS[k][1] for k in keys]
    out["action"] = [tr(*VALUE_LOYALTY_QUADRANTS[k][2:]) for k in keys]
    out.attrs["thresholds"] = {value: v_cut, loyalty: l_cut}
    return out


def share_of_wallet(spend_with_us, total_category_spend):
    """Share of wallet (钱包份额): our part of what the customer spends in the category.

    ``spend_with_us / total_category_spend``, element by element. The total must be > 0 and at
    least our own spend (it includes it).

    Parameters
    ----------
    spend_with_us
        What the customer spends with us in the category (a number, array or Series).
    total_category_spend
        What the customer spends in the category everywhere, ours included.

    Returns
    -------
    float for scalar input, a Series (named ``share_of_wallet``) when either input is a Series,
    else a numpy array.

    Examples
    --------
    >>> share_of_wallet(300, 1200)
    0.25
    >>> share_of_wallet(pd.Series([300.0, 50.0]), pd.Series([1200.0, 50.0])).tolist()
    [0.25, 1.0]
    """
    index = next((v.index for v in (spend_with_us, total_category_spend)
                  if isinstance(v, pd.Series)), None)
    ours = np.asarray(spend_with_us, dtype=float)
    total = np.asarray(total_category_spend, dtype=float)
    try:
        ours, total = np.broadcast_arrays(ours, total)
    except ValueError as exc:
        raise CrmlabInputError("spend_with_us and total_category_spend must have the same "
                               "length") from exc
    checks = {
        "has missing values": np.isnan(ours) | np.isnan(total),
        "has a total category spend ≤ 0": total <= 0,
        "has a negative spend with us": ours < 0,
        "spends more with us than in the whole category (the total must include our part)":
            ours > total * (1 + 1e-12),
    }
    for problem, mask in checks.items():
        if np.any(mask):
            where = np.flatnonzero(np.ravel(mask))[:5].tolist()
            label = list(index[where]) if index is not None else where
            raise CrmlabInputError(f"share of wallet: customer at {label} {problem}")
    share = ours / total
    if index is not None:
        return pd.Series(share, index=index, name="share_of_wallet")
    return float(share) if share.ndim == 0 else share
