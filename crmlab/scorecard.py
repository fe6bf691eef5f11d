"""Customer grading (客户分级管理): the month-end indicators, the 100-point scorecard, grade history.

This module implements section 5.2–5.3 of the course's customer-relationship regulation
(COURSE_SPEC §2): the indicators a product manager's assistant computes every month from the
receivables-ageing table (账龄分析表), the six-item scorecard that grades every customer A–D, and
the rule "two consecutive C grades make a D".

Indicators
    :func:`yoy_class` / :func:`yoy_summary` (销量同比: increase / flat / decline / lost, plus new),
    :func:`dormancy` (未订货客户: short / medium / long-term not ordering),
    :func:`receivables_ageing` / :func:`collections_matrix` (信用管理: key / on-site / letter /
    defer collection), and the sales-rank classes I/II/III from
    :func:`crmlab.pareto.sales_rank_class`.
Scorecard
    :class:`Scorecard` (declarative items, YAML/JSON round trip), :func:`default_scorecard` (the
    course's six items), :func:`points_to_grade`.
Month-end run
    :func:`monthly_grading` (raw B2B tables → the customer grade table 客户分级表),
    :func:`grade_history` (two consecutive C → D), :func:`grading_history` (several month ends),
    :func:`export_grade_table` (Excel/CSV marked confidential, 机密).

Boundary conventions
--------------------
The regulation's bands overlap at their edges ("80 %–120 %" and "50 %–80 %" both contain 80 %).
Every band here is decided once, in the direction of the source's only unambiguous edge:

* YoY ratio (this period ÷ same period last year): increase ``r >= 1.20``; flat
  ``0.80 <= r < 1.20``; decline ``0.50 <= r < 0.80``; lost ``r < 0.50``. Exactly 120 % is an
  increase, exactly 80 % is flat, exactly 50 % is a decline (the source says "≥ 20 % more" and
  "below 50 %"). No sales last period and some this period: ``new``; none in either: ``inactive``.
* Dormancy, in calendar months since the last order: short ``m < 1``; medium ``1 <= m <= 3``;
  long-term ``m > 3`` (the source is explicit: "more than three months", "one to three months").
* Collections: a receivable is *aged* when it is ``>= 2`` months past its due date, and a
  customer is *large* when its open receivables total ``>= 100,000``: money exactly on a line is
  treated as the more urgent side (the source's "more than / less than" leaves the line open).
* Payment terms (账期): ``t < 1`` month or cash → 15; ``1 <= t < 2`` → 10; ``2 <= t < 4`` → 8;
  ``t >= 4`` → 5 (the source's explicit "≥ 4 months → 5" fixes the direction).
* Payment record (回款资信), worst delay ``d`` in months: ``d <= 0`` → 20; ``0 < d <= 1`` → 15;
  ``1 < d <= 2`` → 10; ``2 < d <= 4`` → 5; ``d > 4`` → 0 (the explicit "more than 4 months → 0"
  fixes this direction: at an overlapping edge the customer gets the milder band).
* Grades: A ``>= 80``; B ``60 <= p < 80``; C ``50 <= p < 60``; D ``< 50``.

Calendar months
---------------
Months are calendar months, not 30-day blocks: from a date to the same day of the month ``n``
months later is exactly ``n`` months (when that month is too short, its last day is used), and
a month's last day steps to the last day of each later month (end-of-month rule), so
31 Jan → 28 Feb → 31 Mar and 30 Sep → 31 Dec are whole months apart. Between those anniversaries
the fraction of the month elapsed is added. See :func:`calendar_months_between`.

Examples
--------
>>> import pandas as pd
>>> from crmlab.scorecard import default_scorecard
>>> customers = pd.DataFrame({
...     "customer_id": ["C1", "C2"], "sales": [900_000, 100_000], "yoy_ratio": [1.3, 0.7],
...     "payment_terms_months": [0, 3], "max_delay_months": [0, 1.5],
...     "brand_standing": ["global500", "other"], "outlook_points": [12, 6]})
>>> default_scorecard().score(customers)[["customer_id", "total", "grade"]]
  customer_id  total grade
0          C1   97.0     A
1          C2   42.0     D
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmlab._checks import (
    CrmlabInputError,
    _describe_rows,
    require_columns,
    require_not_empty,
    to_datetime,
    to_numeric,
)

__all__ = [
    "YOY_CLASSES", "DORMANCY_CLASSES", "COLLECTION_ACTIONS", "GRADES", "BRAND_STANDINGS",
    "calendar_months_between", "yoy_class", "yoy_summary", "dormancy", "receivables_ageing",
    "collections_matrix", "payment_delays", "BandRule", "CategoryRule", "DirectPointsRule",
    "RankClassRule", "ScoreItem", "Scorecard", "default_scorecard", "points_to_grade",
    "grade_history", "monthly_grading", "grading_history", "export_grade_table",
]

#: YoY classes in report order (增长 / 持平 / 下降 / 流失 / 新客户 / 无销量).
YOY_CLASSES = ("increase", "flat", "decline", "lost", "new", "inactive")
#: Dormancy classes (短期 / 中期 / 长期未订货, 从未订货).
DORMANCY_CLASSES = ("short", "medium", "long", "never")
#: Collection actions of the 2×2 credit matrix, most urgent first.
COLLECTION_ACTIONS = ("key", "on_site", "letter", "defer")
#: Chinese names of the collection actions, as the regulation writes them.
COLLECTION_ACTION_NAMES = {"key": "重点催收", "on_site": "上门催收", "letter": "去函催收",
                           "defer": "可暂缓催收"}
#: Grades, best first.
GRADES = ("A", "B", "C", "D")
#: Brand / industry-standing labels the default scorecard knows.
BRAND_STANDINGS = ("global500", "global500_affiliate", "top50", "top50_affiliate", "other")


# --------------------------------------------------------------------------------------------
# calendar months
# --------------------------------------------------------------------------------------------
def _shift_months(month: np.ndarray, day0: np.ndarray) -> np.ndarray:
    """Day ``day0`` (0-based) of ``month`` (datetime64[M]), clamped to the month's last day."""
    first = month.astype("datetime64[D]")
    days_in_month = ((month + 1).astype("datetime64[D]") - first).astype(np.int64)
    return first + np.minimum(day0, days_in_month - 1)


def _forward_months(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Calendar months from ``start`` to ``end`` (both datetime64[D], ``end >= start``)."""
    start_month = start.astype("datetime64[M]")
    day0 = (start - start_month.astype("datetime64[D]")).astype(np.int64)
    # end-of-month rule: a month's last day steps to the last day of every later month
    day0 = np.where(start == _shift_months(start_month, np.full_like(day0, 31)), 31, day0)
    whole = (end.astype("datetime64[M]") - start_month).astype(np.int64)
    anchor = _shift_months(start_month + whole, day0)
    too_far = anchor > end
    whole = np.where(too_far, whole - 1, whole)
    anchor = _shift_months(start_month + whole, day0)
    following = _shift_months(start_month + whole + 1, day0)
    fraction = (end - anchor).astype(np.int64) / (following - anchor).astype(np.int64)
    return whole + fraction


_NAT = np.iinfo(np.int64).min
_OFFSET = 1 << 20  # day numbers are shifted to be positive and packed two to an int64


def _day_numbers(values: Any) -> np.ndarray:
    """Days since 1970-01-01 as int64 (NaT stays the NaT sentinel)."""
    if np.ndim(values) == 0:
        values = [values]
    dates = pd.to_datetime(values if isinstance(values, pd.Series) else pd.Series(values))
    if dates.dt.tz is not None:
        dates = dates.dt.tz_localize(None)
    days = dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").view(np.int64)
    if np.any((days != _NAT) & (np.abs(days) >= _OFFSET)):
        raise CrmlabInputError("dates must lie between the years 1000 and 4000")
    return days


def calendar_months_between(start: Any, end: Any) -> np.ndarray:
    """Calendar months from ``start`` to ``end`` (negative when ``end`` is earlier), as floats.

    Whole months end on the same day of the month (or that month's last day when it is
    shorter); a start on the last day of its month counts whole months to the last day of later
    months (end-of-month rule). The remainder is the fraction of the next month elapsed. Times of day are ignored.
    Missing dates give NaN.

    Parameters
    ----------
    start, end
        Dates: scalars, arrays or Series (broadcast against each other).

    Examples
    --------
    >>> calendar_months_between(pd.Series(pd.to_datetime(["2025-01-31", "2025-01-15"])),
    ...                         pd.Timestamp("2025-03-31")).round(3).tolist()
    [2.0, 2.516]
    >>> float(calendar_months_between(pd.Timestamp("2025-03-31"), pd.Timestamp("2025-02-28")))
    -1.0
    """
    s, e = np.broadcast_arrays(_day_numbers(start), _day_numbers(end))
    missing = (s == _NAT) | (e == _NAT)
    # every distinct (start, end) pair is computed once: dates repeat a lot in business data
    key = np.where(missing, 0, ((s + _OFFSET) << 21) | (e + _OFFSET))
    inverse, pairs = pd.factorize(key)
    lo_days = ((pairs >> 21) - _OFFSET).astype("datetime64[D]")
    hi_days = ((pairs & ((1 << 21) - 1)) - _OFFSET).astype("datetime64[D]")
    backwards = hi_days < lo_days
    first = np.where(backwards, hi_days, lo_days)
    last = np.where(backwards, lo_days, hi_days)
    months = _forward_months(first, last)
    months = np.where(backwards, -months, months)
    out = np.where(missing, np.nan, months[inverse.reshape(-1)].reshape(s.shape)).astype(float)
    if np.ndim(start) == 0 and np.ndim(end) == 0:
        return out.reshape(())
    return out


# --------------------------------------------------------------------------------------------
# indicators
# --------------------------------------------------------------------------------------------
def _as_series(values: Any, name: str) -> pd.Series:
    if isinstance(values, pd.Series):
        return values
    if isinstance(values, pd.DataFrame):
        raise CrmlabInputError(f"{name} must be one column (a Series or a list), not a table")
    return pd.Series(values, name=name)


def _plain_index(uniques: Any, name: str | None = None) -> pd.Index:
    """An Index of ids from ``pd.factorize`` uniques (categorical ids become plain values)."""
    if isinstance(uniques, (pd.Categorical, pd.CategoricalIndex)):
        uniques = np.asarray(uniques)
    return pd.Index(uniques, name=name)


def _non_negative(values: pd.Series, *, column: str, what: str) -> pd.Series:
    numbers = to_numeric(values, column=column, what=what)
    negative = numbers < 0
    if negative.any():
        raise CrmlabInputError(
            f"column {column!r} of {what} must not be negative; rows "
            f"{_describe_rows(values.index[negative])} are below zero"
        )
    return numbers


def yoy_class(this_period: Any, last_period: Any, *, increase_from: float = 1.20,
              flat_from: float = 0.80, decline_from: float = 0.50) -> pd.DataFrame:
    """Classify each customer's year-on-year sales (销量同比分析).

    The ratio is ``this_period / last_period``. Bands are closed at their lower edge:
    increase ``r >= increase_from``; flat ``flat_from <= r < increase_from``; decline
    ``decline_from <= r < flat_from``; lost ``r < decline_from``. A customer with no sales last
    period (0 or missing) but sales now is ``new`` (its ratio is NaN: there is no base); with no
    sales in either period it is ``inactive``.

    Parameters
    ----------
    this_period, last_period
        Sales per customer (Series aligned on the same index, or equal-length lists), ``>= 0``.
        Missing sales in ``this_period`` count as 0; in ``last_period`` as "no base".
    increase_from, flat_from, decline_from
        Band edges as ratios (course: 120 %, 80 %, 50 %).

    Returns
    -------
    DataFrame with ``this_period``, ``last_period``, ``yoy_ratio`` and ``yoy_class`` (an
    ordered categorical of :data:`YOY_CLASSES`), indexed like ``this_period``.

    Examples
    --------
    >>> yoy_class([120, 80, 50, 49, 10, 0], [100, 100, 100, 100, 0, 0])["yoy_class"].tolist()
    ['increase', 'flat', 'decline', 'lost', 'new', 'inactive']
    """
    if not decline_from < flat_from < increase_from:
        raise CrmlabInputError("YoY band edges must satisfy decline_from < flat_from < increase_from")
    this = _as_series(this_period, "this_period")
    last = _as_series(last_period, "last_period")
    if len(this) != len(last):
        raise CrmlabInputError(
            f"this_period has {len(this)} values but last_period has {len(last)}: give one value "
            f"per customer in each"
        )
    if isinstance(last_period, pd.Series) and isinstance(this_period, pd.Series):
        if not this.index.equals(last.index):
            last = last.reindex(this.index)
    else:
        last = pd.Series(last.to_numpy(), index=this.index)
    this = _non_negative(this, column="this_period", what="the sales").fillna(0.0)
    last = _non_negative(last, column="last_period", what="the sales")
    has_base = last > 0
    ratio = (this / last.where(has_base)).astype(float)
    edges = np.array([decline_from, flat_from, increase_from])
    band = np.searchsorted(edges, ratio.fillna(0).to_numpy(), side="right")
    by_band = np.array(["lost", "decline", "flat", "increase"], dtype=object)
    labels = by_band[band]
    labels = np.where(has_base, labels, np.where(this > 0, "new", "inactive"))
    return pd.DataFrame({
        "this_period": this, "last_period": last, "yoy_ratio": ratio,
        "yoy_class": pd.Categorical(labels, categories=YOY_CLASSES, ordered=True),
    }, index=this.index)


def _class_summary(classes: pd.Series, order: Sequence[str], column: str) -> pd.DataFrame:
    counts = classes.value_counts().reindex(list(order), fill_value=0)
    total = int(counts.sum())
    return pd.DataFrame({
        column: list(order),
        "customers": counts.to_numpy().astype(int),
        "share": counts.to_numpy() / total if total else np.zeros(len(order)),
    })


def yoy_summary(yoy: pd.DataFrame | pd.Series, *, column: str = "yoy_class") -> pd.DataFrame:
    """Count and share of customers per YoY class (the regulation's 客户数量、比例).

    Shares are of all customers given (new and inactive ones included, so shares add to 1).

    Examples
    --------
    >>> yoy_summary(yoy_class([130, 90, 40, 45], [100, 100, 100, 100]))
      yoy_class  customers  share
    0  increase          1   0.25
    1      flat          1   0.25
    2   decline          0   0.00
    3      lost          2   0.50
    4       new          0   0.00
    5  inactive          0   0.00
    """
    if isinstance(yoy, pd.DataFrame):
        require_columns(yoy, [column], what="the YoY table")
        classes = yoy[column]
    else:
        classes = yoy
    unknown = set(classes.dropna().astype(str)) - set(YOY_CLASSES)
    if unknown:
        raise CrmlabInputError(f"unknown YoY classes {sorted(unknown)}; expected {YOY_CLASSES}")
    return _class_summary(classes.astype(str), YOY_CLASSES, "yoy_class")


def dormancy(last_order_dates: Any, as_of: Any, *, short_months: float = 1,
             long_months: float = 3) -> pd.DataFrame:
    """How long each customer has not ordered (未订货客户), in calendar months.

    ``m`` = calendar months from the last order to ``as_of`` (see
    :func:`calendar_months_between`). short: ``m < short_months``; medium:
    ``short_months <= m <= long_months``; long-term: ``m > long_months``; ``never``: no order
    date. So an order exactly one month ago is *medium* and exactly three months ago still
    *medium* (the regulation: "more than three months" is long-term).

    Parameters
    ----------
    last_order_dates
        Date of each customer's last order (Series indexed by customer, or a list); missing =
        never ordered. Dates after ``as_of`` are an error (filter them first).
    as_of
        The reference date (the month end).

    Returns
    -------
    DataFrame with ``last_order``, ``months_since_order`` and ``dormancy`` (ordered categorical
    of :data:`DORMANCY_CLASSES`).

    Examples
    --------
    >>> d = dormancy(pd.to_datetime(["2025-12-15", "2025-11-30", "2025-09-30", "2025-09-29"]),
    ...              "2025-12-31")
    >>> d["dormancy"].tolist()
    ['short', 'medium', 'medium', 'long']
    """
    if short_months > long_months:
        raise CrmlabInputError("short_months must not exceed long_months")
    dates = _as_series(last_order_dates, "last_order")
    dates = to_datetime(dates, column="last_order", what="the last-order dates")
    as_of = pd.Timestamp(as_of)
    future = dates > as_of
    if future.any():
        raise CrmlabInputError(
            f"last-order dates after as_of {as_of.date()} in rows "
            f"{_describe_rows(dates.index[future])}: use only orders up to the reference date"
        )
    months = pd.Series(calendar_months_between(dates, as_of), index=dates.index)
    labels = np.select([months < short_months, months <= long_months, months > long_months],
                       ["short", "medium", "long"], default="never")
    return pd.DataFrame({
        "last_order": dates, "months_since_order": months,
        "dormancy": pd.Categorical(labels, categories=DORMANCY_CLASSES, ordered=True),
    }, index=dates.index)


def _read_invoices(invoices: pd.DataFrame, *, customer: str, amount: str, due: str,
                   invoice_date: str | None, paid: str, what: str) -> pd.DataFrame:
    cols = [customer, amount, due, paid] + ([invoice_date] if invoice_date else [])
    require_columns(invoices, cols, what=what)
    out = pd.DataFrame({"customer_id": invoices[customer]}, index=invoices.index)
    out["amount"] = _non_negative(invoices[amount], column=amount, what=what)
    if out["amount"].isna().any():
        raise CrmlabInputError(
            f"column {amount!r} of {what} is empty in rows "
            f"{_describe_rows(invoices.index[out['amount'].isna()])}"
        )
    out["due_date"] = to_datetime(invoices[due], column=due, what=what)
    out["paid_date"] = to_datetime(invoices[paid], column=paid, what=what)
    if invoice_date:
        out["invoice_date"] = to_datetime(invoices[invoice_date], column=invoice_date, what=what)
    return out


def receivables_ageing(invoices: pd.DataFrame, as_of: Any, *, amount_line: float = 100_000,
                       age_line_months: float = 2, customer: str = "customer_id",
                       amount: str = "amount", due: str = "due_date", paid: str = "paid_date",
                       invoice_date: str | None = "invoice_date") -> pd.DataFrame:
    """The receivables-ageing table (账龄分析表) at ``as_of``: one row per open receivable.

    A receivable is open at ``as_of`` when it was invoiced on or before ``as_of`` (if an
    ``invoice_date`` column is given) and not paid by then (``paid`` missing or later).
    ``months_overdue`` = calendar months from the due date to ``as_of``, 0 when not yet due.
    Each receivable is *aged* when ``months_overdue >= age_line_months`` and its customer is
    *large* when the customer's open total is ``>= amount_line``; the pair gives the action:
    key (aged, large) / on_site (recent, large) / letter (aged, small) / defer (recent, small).

    Raises
    ------
    CrmlabInputError
        Missing columns, negative or missing amounts, or open receivables with no due date.

    Examples
    --------
    >>> inv = pd.DataFrame({"customer_id": ["A", "A", "B"], "amount": [80_000, 30_000, 5_000],
    ...     "due_date": pd.to_datetime(["2025-10-31", "2025-12-20", "2025-08-15"]),
    ...     "paid_date": pd.NaT, "invoice_date": pd.to_datetime(["2025-09-30", "2025-11-20",
    ...     "2025-07-15"])})
    >>> receivables_ageing(inv, "2025-12-31")[["customer_id", "months_overdue", "action"]]
      customer_id  months_overdue   action
    0           A        2.000000      key
    1           A        0.354839  on_site
    2           B        4.516129   letter
    """
    what = "the invoices"
    inv = _read_invoices(invoices, customer=customer, amount=amount, due=due,
                         invoice_date=invoice_date, paid=paid, what=what)
    as_of = pd.Timestamp(as_of)
    invoiced = inv["invoice_date"] <= as_of if invoice_date else True
    open_ = invoiced & (inv["paid_date"].isna() | (inv["paid_date"] > as_of))
    rec = inv[open_].copy()
    no_due = rec["due_date"].isna()
    if no_due.any():
        raise CrmlabInputError(
            f"open (unpaid) invoices with no due date in rows {_describe_rows(rec.index[no_due])}:"
            f" their ageing cannot be computed; fill in column {due!r}"
        )
    overdue = calendar_months_between(rec["due_date"], as_of)
    rec["months_overdue"] = np.clip(overdue, 0, None) if len(rec) else overdue
    codes = pd.factorize(rec["customer_id"])[0]
    rec["customer_open_total"] = np.bincount(codes, weights=rec["amount"].to_numpy())[codes] \
        if len(rec) else rec["amount"]
    rec["aged"] = rec["months_overdue"] >= age_line_months
    rec["large"] = rec["customer_open_total"] >= amount_line
    action = np.select([rec["aged"] & rec["large"], rec["large"], rec["aged"]],
                       ["key", "on_site", "letter"], default="defer")
    rec["action"] = pd.Categorical(action, categories=COLLECTION_ACTIONS, ordered=True)
    keep = [c for c in invoices.columns if c not in rec.columns and c not in
            (customer, amount, due, paid, invoice_date)]
    rec = pd.concat([invoices.loc[rec.index, keep], rec], axis=1)
    return rec.reset_index(drop=True)


def collections_matrix(receivables: pd.DataFrame, as_of: Any, *, amount_line: float = 100_000,
                       age_line_months: float = 2, **columns: str) -> pd.DataFrame:
    """The collections (credit) matrix (信用管理): amount totals in the regulation's 2×2 table.

    Built from :func:`receivables_ageing` (same parameters and conventions: aged means
    ``>= age_line_months`` past due, large means the customer's open total ``>= amount_line``).
    Always four rows, most urgent first, empty cells included with zeros.

    Parameters
    ----------
    receivables
        Invoices with ``customer_id``, ``amount``, ``due_date``, ``paid_date`` (and optionally
        ``invoice_date``); rename them with keyword arguments ``customer=``, ``amount=``,
        ``due=``, ``paid=``, ``invoice_date=`` (``None`` when there is no invoice date).

    Returns
    -------
    DataFrame with ``action``, ``action_zh``, ``ageing`` ("≥ 2 months" / "< 2 months"),
    ``amount_band`` ("≥ 100,000" / "< 100,000"), ``receivables`` (count), ``customers``
    (distinct) and ``amount`` (total).

    Examples
    --------
    >>> inv = pd.DataFrame({"customer_id": ["A", "A", "B"], "amount": [80_000, 30_000, 5_000],
    ...     "due_date": pd.to_datetime(["2025-10-31", "2025-12-20", "2025-08-15"]),
    ...     "paid_date": pd.NaT})
    >>> collections_matrix(inv, "2025-12-31", invoice_date=None)[["action", "amount"]]
        action   amount
    0      key  80000.0
    1  on_site  30000.0
    2   letter   5000.0
    3    defer      0.0
    """
    rec = receivables_ageing(receivables, as_of, amount_line=amount_line,
                             age_line_months=age_line_months, **columns)
    grouped = rec.groupby("action", observed=False).agg(
        receivables=("amount", "size"), customers=("customer_id", "nunique"),
        amount=("amount", "sum"))
    grouped = grouped.reindex(list(COLLECTION_ACTIONS), fill_value=0)
    age_text = f"{age_line_months:g} months"
    amount_text = f"{amount_line:,.0f}"
    return pd.DataFrame({
        "action": list(COLLECTION_ACTIONS),
        "action_zh": [COLLECTION_ACTION_NAMES[a] for a in COLLECTION_ACTIONS],
        "ageing": [f"≥ {age_text}", f"< {age_text}", f"≥ {age_text}", f"< {age_text}"],
        "amount_band": [f"≥ {amount_text}", f"≥ {amount_text}", f"< {amount_text}",
                        f"< {amount_text}"],
        "receivables": grouped["receivables"].to_numpy().astype(int),
        "customers": grouped["customers"].to_numpy().astype(int),
        "amount": grouped["amount"].to_numpy().astype(float),
    })


def payment_delays(invoices: pd.DataFrame, as_of: Any, *, window_months: int = 12,
                   customer: str = "customer_id", amount: str = "amount", due: str = "due_date",
                   paid: str = "paid_date",
                   invoice_date: str | None = "invoice_date") -> pd.DataFrame:
    """Each customer's worst payment delay (回款资信) in the ``window_months`` before ``as_of``.

    An invoice counts when it was settled in the window (paid after ``as_of`` minus
    ``window_months`` calendar months, up to ``as_of``) or is still open at ``as_of``; invoices
    issued after ``as_of`` are ignored. Its delay is the calendar months from the due date to the
    payment date, an invoice open at ``as_of`` being late up to ``as_of``; paying early counts
    as 0. ``max_delay_months`` is the worst delay; a customer with no invoice in the window gets
    0 (no evidence of paying late).

    Returns
    -------
    DataFrame indexed by customer with ``invoices_considered`` and ``max_delay_months``.

    Examples
    --------
    >>> inv = pd.DataFrame({"customer_id": ["A", "A", "B"], "amount": [10, 10, 10],
    ...     "due_date": pd.to_datetime(["2025-06-30", "2025-10-31", "2025-11-15"]),
    ...     "paid_date": pd.to_datetime(["2025-07-31", None, "2025-11-01"]),
    ...     "invoice_date": pd.to_datetime(["2025-05-31", "2025-09-30", "2025-10-15"])})
    >>> payment_delays(inv, "2025-12-31")
                 invoices_considered  max_delay_months
    customer_id                                       
    A                              2               2.0
    B                              1               0.0
    """
    what = "the invoices"
    inv = _read_invoices(invoices, customer=customer, amount=amount, due=due,
                         invoice_date=invoice_date, paid=paid, what=what)
    as_of = pd.Timestamp(as_of)
    start = as_of - pd.DateOffset(months=window_months)
    issued = inv["invoice_date"] <= as_of if invoice_date else True
    open_at = inv["paid_date"].isna() | (inv["paid_date"] > as_of)
    settled_in_window = (inv["paid_date"] > start) & (inv["paid_date"] <= as_of)
    use = inv[issued & (open_at | settled_in_window)]
    no_due = use["due_date"].isna()
    if no_due.any():
        raise CrmlabInputError(
            f"invoices with no due date in rows {_describe_rows(use.index[no_due])}: their "
            f"payment delay cannot be computed; fill in column {due!r}"
        )
    settled = use["paid_date"].where(use["paid_date"] <= as_of, as_of)
    delay = np.clip(calendar_months_between(use["due_date"], settled), 0, None)
    codes, customers = pd.factorize(use["customer_id"])
    worst = pd.Series(delay).groupby(codes).max()
    out = pd.DataFrame({
        "invoices_considered": np.bincount(codes, minlength=len(customers)),
        "max_delay_months": worst.reindex(range(len(customers))).to_numpy(),
    }, index=_plain_index(customers, name="customer_id"))
    out.index.name = "customer_id"
    return out


# --------------------------------------------------------------------------------------------
# scorecard rules
# --------------------------------------------------------------------------------------------
def _check_points(points: Iterable[float], where: str) -> list[float]:
    values = [float(p) for p in points]
    if any(not math.isfinite(p) or p < 0 for p in values):
        raise CrmlabInputError(f"{where}: points must be finite and >= 0, got {values}")
    return values


@dataclass(frozen=True)
class BandRule:
    """Points by numeric band: ``edges`` split the number line, ``points`` has one more entry.

    ``closed="left"``: a value exactly on an edge belongs to the band *above* it
    (``[edge_i, edge_i+1)``); ``closed="right"``: to the band *below* it (``(edge_i, edge_i+1]``).
    ``missing_points`` scores a missing value (``None``: missing values are an error).

    Examples
    --------
    >>> BandRule(edges=(1, 2, 4), points=(15, 10, 8, 5)).apply(pd.Series([0, 1, 2, 3.9, 4])).tolist()
    [15.0, 10.0, 8.0, 8.0, 5.0]
    """

    edges: tuple[float, ...]
    points: tuple[float, ...]
    closed: str = "left"
    missing_points: float | None = None
    kind = "bands"

    def __post_init__(self) -> None:
        object.__setattr__(self, "edges", tuple(float(e) for e in self.edges))
        object.__setattr__(self, "points", tuple(_check_points(self.points, "band rule")))
        if len(self.points) != len(self.edges) + 1:
            raise CrmlabInputError(
                f"a band rule needs one more points value than edges: {len(self.edges)} edges, "
                f"{len(self.points)} points"
            )
        if any(b <= a for a, b in zip(self.edges, self.edges[1:])):
            raise CrmlabInputError(f"band edges must increase strictly, got {list(self.edges)}")
        if self.closed not in ("left", "right"):
            raise CrmlabInputError(f"closed must be 'left' or 'right', got {self.closed!r}")

    def max_points(self) -> float:
        extra = [] if self.missing_points is None else [self.missing_points]
        return max([*self.points, *extra])

    def apply(self, values: pd.Series, *, column: str = "value", what: str = "the customers"
              ) -> pd.Series:
        numbers = to_numeric(values, column=column, what=what)
        missing = numbers.isna()
        if missing.any() and self.missing_points is None:
            raise CrmlabInputError(
                f"column {column!r} of {what} is empty in rows "
                f"{_describe_rows(values.index[missing])}; this scorecard item has no points "
                f"for a missing value"
            )
        side = "right" if self.closed == "left" else "left"
        band = np.searchsorted(np.asarray(self.edges), numbers.fillna(0).to_numpy(), side=side)
        scored = np.asarray(self.points)[band]
        if missing.any():
            scored = np.where(missing, self.missing_points, scored)
        return pd.Series(scored.astype(float), index=values.index)

    def describe_value(self, value: Any) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "missing"
        number = float(value)
        side = "right" if self.closed == "left" else "left"
        i = int(np.searchsorted(np.asarray(self.edges), number, side=side))
        lo = self.edges[i - 1] if i > 0 else None
        hi = self.edges[i] if i < len(self.edges) else None
        lo_op, hi_op = ("≤", "<") if self.closed == "left" else ("<", "≤")
        parts = ([f"{lo:g} {lo_op}"] if lo is not None else []) + ["value"] + \
                ([f"{hi_op} {hi:g}"] if hi is not None else [])
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rule": self.kind, "edges": list(self.edges),
                               "points": list(self.points), "closed": self.closed}
        if self.missing_points is not None:
            out["missing_points"] = self.missing_points
        return out


@dataclass(frozen=True)
class CategoryRule:
    """Points by label: ``points`` maps each allowed label to its points; other labels are errors.

    Examples
    --------
    >>> CategoryRule({"global500": 20, "other": 5}).apply(pd.Series(["other"])).tolist()
    [5.0]
    """

    points: Mapping[str, float]
    kind = "categories"

    def __post_init__(self) -> None:
        values = _check_points(self.points.values(), "category rule")
        object.__setattr__(self, "points", dict(zip((str(k) for k in self.points), values)))
        if not self.points:
            raise CrmlabInputError("a category rule needs at least one label")

    def max_points(self) -> float:
        return max(self.points.values())

    def apply(self, values: pd.Series, *, column: str = "value", what: str = "the customers"
              ) -> pd.Series:
        codes, uniques = pd.factorize(values)  # labels are few: look each one up once
        per_label = np.array([self.points.get(str(u).strip(), np.nan) for u in uniques] + [np.nan])
        scored = per_label[codes]  # code -1 (missing) picks the trailing NaN
        unknown = np.isnan(scored)
        if unknown.any():
            shown = ", ".join(repr(v) for v in pd.unique(values[unknown].astype(str))[:5])
            raise CrmlabInputError(
                f"column {column!r} of {what} has unknown labels {shown} in rows "
                f"{_describe_rows(values.index[unknown])}; allowed: {', '.join(self.points)}"
            )
        return pd.Series(scored, index=values.index)

    def describe_value(self, value: Any) -> str:
        return _short_number(value)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.kind, "points": dict(self.points)}


@dataclass(frozen=True)
class DirectPointsRule:
    """The column already holds the points (a judgement such as industry outlook), 0..max.

    Values outside ``0 .. max_points`` of the item, or missing, are errors.
    """

    kind = "direct"

    def max_points(self) -> float:
        return math.inf

    def apply(self, values: pd.Series, *, column: str = "value", what: str = "the customers",
              limit: float = math.inf) -> pd.Series:
        numbers = to_numeric(values, column=column, what=what)
        bad = numbers.isna() | (numbers < 0) | (numbers > limit)
        if bad.any():
            raise CrmlabInputError(
                f"column {column!r} of {what} must hold points between 0 and {limit:g}; rows "
                f"{_describe_rows(values.index[bad])} are missing or out of range"
            )
        return numbers

    def describe_value(self, value: Any) -> str:
        return _short_number(value)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.kind}


@dataclass(frozen=True)
class RankClassRule:
    """Points by sales-rank class: customers ranked by the column inside the scored set.

    The classes come from :func:`crmlab.pareto.sales_rank_class` with ``cutoffs`` and
    ``labels`` (course: top 10 % Class I, next 20 % Class II, the rest Class III); ``points``
    maps each class label to points.
    """

    points: Mapping[str, float]
    cutoffs: tuple[float, ...] = (0.10, 0.30)
    kind = "rank_class"

    def __post_init__(self) -> None:
        values = _check_points(self.points.values(), "rank-class rule")
        object.__setattr__(self, "points", dict(zip((str(k) for k in self.points), values)))
        object.__setattr__(self, "cutoffs", tuple(float(c) for c in self.cutoffs))
        if len(self.points) != len(self.cutoffs) + 1:
            raise CrmlabInputError(
                f"a rank-class rule needs one class label per band: {len(self.cutoffs)} cutoffs "
                f"make {len(self.cutoffs) + 1} classes, but {len(self.points)} labels were given"
            )

    def max_points(self) -> float:
        return max(self.points.values())

    def classes(self, values: pd.Series, *, column: str = "sales",
                what: str = "the customers") -> pd.Series:
        from crmlab.pareto import sales_rank_class

        numbers = _non_negative(values, column=column, what=what)
        if numbers.isna().any():
            raise CrmlabInputError(
                f"column {column!r} of {what} is empty in rows "
                f"{_describe_rows(values.index[numbers.isna()])}; use 0 for no sales"
            )
        classes = sales_rank_class(numbers, cutoffs=self.cutoffs, labels=tuple(self.points))
        return pd.Series(np.asarray(classes, dtype=object), index=values.index).astype(str)

    def apply(self, values: pd.Series, *, column: str = "sales", what: str = "the customers"
              ) -> pd.Series:
        return self.classes(values, column=column, what=what).map(self.points).astype(float)

    def describe_value(self, value: Any) -> str:
        return _short_number(value)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.kind, "cutoffs": list(self.cutoffs), "points": dict(self.points)}


_RULES = {cls.kind: cls for cls in (BandRule, CategoryRule, DirectPointsRule, RankClassRule)}


def _rule_from_dict(data: Mapping[str, Any], item: str) -> Any:
    data = dict(data)
    kind = data.pop("rule", None)
    if kind not in _RULES:
        raise CrmlabInputError(
            f"scorecard item {item!r}: unknown rule {kind!r}; use one of {', '.join(_RULES)}"
        )
    try:
        if kind == "bands":
            return BandRule(edges=tuple(data["edges"]), points=tuple(data["points"]),
                            closed=data.get("closed", "left"),
                            missing_points=data.get("missing_points"))
        if kind == "categories":
            return CategoryRule(points=data["points"])
        if kind == "rank_class":
            return RankClassRule(points=data["points"],
                                 cutoffs=tuple(data.get("cutoffs", (0.10, 0.30))))
        return DirectPointsRule()
    except KeyError as exc:
        raise CrmlabInputError(f"scorecard item {item!r}: rule {kind!r} needs {exc}") from None


@dataclass(frozen=True)
class ScoreItem:
    """One scorecard item: ``name`` (output column), ``column`` read, ``max_points``, ``rule``."""

    name: str
    column: str
    max_points: float
    rule: Any
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "max_points", float(self.max_points))
        if not self.max_points > 0:
            raise CrmlabInputError(f"scorecard item {self.name!r}: max_points must be > 0")
        if self.rule.max_points() != math.inf and self.rule.max_points() > self.max_points:
            raise CrmlabInputError(
                f"scorecard item {self.name!r}: its rule gives up to {self.rule.max_points():g} "
                f"points but the item's maximum is {self.max_points:g}"
            )

    def apply(self, customers: pd.DataFrame, what: str) -> pd.Series:
        if isinstance(self.rule, DirectPointsRule):
            return self.rule.apply(customers[self.column], column=self.column, what=what,
                                   limit=self.max_points)
        return self.rule.apply(customers[self.column], column=self.column, what=what)

    def to_dict(self) -> dict[str, Any]:
        out = {"name": self.name, "label": self.label, "column": self.column,
               "max_points": self.max_points}
        out.update(self.rule.to_dict())
        return out


# --------------------------------------------------------------------------------------------
# the scorecard
# --------------------------------------------------------------------------------------------
def _short_number(value: Any) -> str:
    """A value for a sentence: floats with at most three decimals, other values as they are."""
    if isinstance(value, (float, np.floating)) and math.isfinite(value):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return str(value)


def points_to_grade(total: Any, *, grade_floors: Mapping[str, float] | None = None) -> Any:
    """Map points to grades: A ``>= 80``, B ``60 <= p < 80``, C ``50 <= p < 60``, D ``< 50``.

    ``grade_floors`` maps each grade but the last to its lowest total (course: A 80, B 60,
    C 50; everything below the last floor gets the next letter, D). Scalars give a string,
    arrays/Series give a Series.

    Examples
    --------
    >>> [points_to_grade(p) for p in (100, 80, 79.9, 60, 50, 49.9, 0)]
    ['A', 'A', 'B', 'B', 'C', 'D', 'D']
    """
    floors = dict(grade_floors or {"A": 80, "B": 60, "C": 50})
    labels, bounds = _grade_ladder(floors)
    scalar = np.ndim(total) == 0
    values = np.atleast_1d(np.asarray(total, dtype=float))
    if np.isnan(values).any():
        raise CrmlabInputError("a total of points is missing (NaN): it cannot be graded")
    # bounds ascending: lowest floor first; a value on a floor belongs to the grade above it
    band = np.searchsorted(bounds, values, side="right")
    grades = np.asarray(labels[::-1], dtype=object)[band]
    if scalar:
        return str(grades[0])
    index = total.index if isinstance(total, pd.Series) else None
    return pd.Series(grades, index=index, name="grade")


def _grade_ladder(floors: Mapping[str, float]) -> tuple[list[str], np.ndarray]:
    names = list(floors)
    values = [float(floors[n]) for n in names]
    if any(b >= a for a, b in zip(values, values[1:])):
        raise CrmlabInputError(f"grade floors must decrease from the best grade, got {floors}")
    last = chr(ord(names[-1][0]) + 1) if len(names[-1]) == 1 else "below " + names[-1]
    labels = [*names, last]
    return labels, np.asarray(values[::-1])


@dataclass
class Scorecard:
    """A declarative grading scorecard: items with rules, and grade floors.

    ``score(customers)`` returns one row per customer with each item's points, the ``total``
    and the ``grade``; it also keeps that table in ``scores_`` so ``explain(customer_id)`` can
    say in words why a customer got its grade. Save and load with :meth:`to_yaml`,
    :meth:`to_json`, :meth:`save`, :meth:`load`, so a teacher can change the rules without code.

    Parameters
    ----------
    items
        The :class:`ScoreItem` list; item names become output columns (``points_<name>``).
    grade_floors
        Grade → lowest total (best grade first); below the last floor is the next letter.
    name
        A title for reports.
    id_column
        The customer identifier column carried to the output.

    Examples
    --------
    >>> card = default_scorecard()
    >>> [item.max_points for item in card.items]
    [15.0, 15.0, 15.0, 20.0, 20.0, 15.0]
    >>> Scorecard.from_yaml(card.to_yaml()) == card
    True
    """

    items: list[ScoreItem]
    grade_floors: dict[str, float] = field(default_factory=lambda: {"A": 80, "B": 60, "C": 50})
    name: str = "scorecard"
    id_column: str = "customer_id"

    def __post_init__(self) -> None:
        names = [item.name for item in self.items]
        if not names:
            raise CrmlabInputError("a scorecard needs at least one item")
        if len(set(names)) != len(names):
            raise CrmlabInputError(f"scorecard item names must be unique, got {names}")
        self.grade_floors = {str(k): float(v) for k, v in self.grade_floors.items()}
        _grade_ladder(self.grade_floors)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scorecard) and self.to_dict() == other.to_dict()

    @property
    def max_total(self) -> float:
        """The highest total the scorecard can give."""
        return float(sum(item.max_points for item in self.items))

    @property
    def grades(self) -> list[str]:
        """Grade letters, best first."""
        return _grade_ladder(self.grade_floors)[0]

    def required_columns(self) -> list[str]:
        """Columns ``score`` reads (the id column and each item's column)."""
        return [self.id_column, *dict.fromkeys(item.column for item in self.items)]

    def score(self, customers: pd.DataFrame) -> pd.DataFrame:
        """Score every customer: ``points_<item>`` per item, ``total`` and ``grade``.

        The input columns are kept in front; the input is not modified.

        Raises
        ------
        CrmlabInputError
            Missing columns, empty table, duplicated customer ids, or values a rule cannot
            score (unknown labels, missing numbers, points out of range).
        """
        what = "the customers to score"
        require_columns(customers, self.required_columns(), what=what)
        require_not_empty(customers, what=what)
        dup = customers[self.id_column].duplicated(keep=False)
        if dup.any():
            raise CrmlabInputError(
                f"customer ids must be unique (one row per customer); repeated in rows "
                f"{_describe_rows(customers.index[dup])}"
            )
        out = customers.copy()
        for item in self.items:
            if isinstance(item.rule, RankClassRule):
                out[f"class_{item.name}"] = item.rule.classes(customers[item.column],
                                                              column=item.column, what=what)
            out[f"points_{item.name}"] = item.apply(customers, what)
        point_cols = [f"points_{item.name}" for item in self.items]
        out["total"] = out[point_cols].sum(axis=1)
        out["grade"] = pd.Categorical(
            points_to_grade(out["total"], grade_floors=self.grade_floors),
            categories=self.grades, ordered=True)
        self.scores_ = out
        return out

    def explain(self, customer_id: Any, scores: pd.DataFrame | None = None) -> str:
        """Say in words why a customer got its grade and what would raise it.

        Uses ``scores`` or the table of the last :meth:`score` call.

        Examples
        --------
        >>> card = default_scorecard()
        >>> _ = card.score(pd.DataFrame({"customer_id": ["C9"], "sales": [1.0],
        ...     "yoy_ratio": [0.9], "payment_terms_months": [2], "max_delay_months": [1.5],
        ...     "brand_standing": ["top50"], "outlook_points": [9]}))
        >>> print(card.explain("C9"))
        Customer C9: grade B, 62 of 100 points (A ≥ 80, B ≥ 60, C ≥ 50, D below).
        Points lost (38):
        - yoy_growth 销量同比增长: 10 of 15 (yoy_ratio = 0.9, band 0.8 ≤ value < 1.2)
        - payment_terms 账期: 8 of 15 (payment_terms_months = 2, band 2 ≤ value < 4)
        - payment_record 回款资信: 10 of 20 (max_delay_months = 1.5, band 1 < value ≤ 2)
        - brand_standing 品牌及行业知名度: 10 of 20 (brand_standing = top50)
        - outlook 行业发展前景: 9 of 15 (outlook_points = 9)
        To reach A it needs 18 more points: no single item closes the gap; the largest possible gains are brand_standing (+10), payment_record (+10), payment_terms (+7).
        """
        table = scores if scores is not None else getattr(self, "scores_", None)
        if table is None:
            raise CrmlabInputError("nothing scored yet: call score(customers) first")
        rows = table[table[self.id_column] == customer_id]
        if rows.empty:
            raise CrmlabInputError(f"customer {customer_id!r} is not in the scored table")
        row = rows.iloc[0]
        total = float(row["total"])
        grade = points_to_grade(total, grade_floors=self.grade_floors)
        ladder = ", ".join(f"{g} ≥ {v:g}" for g, v in self.grade_floors.items())
        lines = [f"Customer {customer_id}: grade {grade}, {total:g} of {self.max_total:g} points "
                 f"({ladder}, {self.grades[-1]} below)."]
        gaps = []
        for item in self.items:
            got = float(row[f"points_{item.name}"])
            lost = item.max_points - got
            if lost <= 0:
                continue
            if f"class_{item.name}" in row.index:
                detail = f"Class {row[f'class_{item.name}']} by {item.column}"
            else:
                shown = _short_number(row[item.column])
                band = item.rule.describe_value(row[item.column])
                detail = f"{item.column} = {shown}" + (f", band {band}" if band != shown else "")
            label = f" {item.label}" if item.label else ""
            gaps.append((lost, item.name, f"- {item.name}{label}: {got:g} of "
                                          f"{item.max_points:g} ({detail})"))
        if gaps:
            lines.append(f"Points lost ({self.max_total - total:g}):")
            lines.extend(text for _, _, text in gaps)
        else:
            lines.append("No points lost: every item is at its maximum.")
        better = [g for g in self.grades if g in self.grade_floors and
                  self.grade_floors[g] > total]
        if better:
            target = better[-1]
            needed = self.grade_floors[target] - total
            ranked = sorted(gaps, key=lambda g: (-g[0], g[1]))
            single = [f"{name} (+{lost:g})" for lost, name, _ in ranked if lost >= needed]
            if single:
                how = "bringing any one of " + ", ".join(single) + " to its maximum would do it"
            else:
                how = ("no single item closes the gap; the largest possible gains are "
                       + ", ".join(f"{name} (+{lost:g})" for lost, name, _ in ranked[:3]))
            lines.append(f"To reach {target} it needs {needed:g} more points: {how}.")
        if grade == self.grades[-1]:
            lines.append(f"A grade {grade} customer may be dropped with a vice-president's "
                         f"approval.")
        return "\n".join(lines)

    # --- persistence --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain data (for YAML/JSON)."""
        return {"name": self.name, "id_column": self.id_column,
                "grade_floors": dict(self.grade_floors),
                "items": [item.to_dict() for item in self.items]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scorecard:
        """Build a scorecard from :meth:`to_dict`-shaped plain data (checked, clear errors)."""
        if not isinstance(data, Mapping) or "items" not in data:
            raise CrmlabInputError("a scorecard file needs an 'items' list")
        items = []
        for i, raw in enumerate(data["items"]):
            raw = dict(raw)
            name = raw.pop("name", None) or f"item{i + 1}"
            try:
                column = raw.pop("column")
                max_points = float(raw.pop("max_points"))
            except KeyError as exc:
                raise CrmlabInputError(f"scorecard item {name!r} needs {exc}") from None
            label = raw.pop("label", "") or ""
            items.append(ScoreItem(name=name, column=column, max_points=max_points,
                                   rule=_rule_from_dict(raw, name), label=label))
        return cls(items=items,
                   grade_floors=dict(data.get("grade_floors", {"A": 80, "B": 60, "C": 50})),
                   name=data.get("name", "scorecard"),
                   id_column=data.get("id_column", "customer_id"))

    def to_yaml(self) -> str:
        """The scorecard as YAML text (Chinese labels kept readable)."""
        import yaml

        return yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False)

    @classmethod
    def from_yaml(cls, text: str) -> Scorecard:
        """Read a scorecard from YAML text."""
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise CrmlabInputError(f"the scorecard is not valid YAML: {exc}") from None
        return cls.from_dict(data)

    def to_json(self) -> str:
        """The scorecard as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str) -> Scorecard:
        """Read a scorecard from JSON text."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CrmlabInputError(f"the scorecard is not valid JSON: {exc}") from None
        return cls.from_dict(data)

    def save(self, path: str | Path) -> Path:
        """Write to ``.yaml``/``.yml`` or ``.json`` (by the file's suffix)."""
        path = Path(path)
        text = self.to_json() if path.suffix.lower() == ".json" else self.to_yaml()
        path.write_text(text, encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> Scorecard:
        """Read a ``.yaml``/``.yml`` or ``.json`` scorecard file."""
        path = Path(path)
        text = path.read_text(encoding="utf-8")
        return cls.from_json(text) if path.suffix.lower() == ".json" else cls.from_yaml(text)


def default_scorecard(*, new_customer_yoy_points: float = 10) -> Scorecard:
    """The course's six-item, 100-point scorecard (客户分级评分表, COURSE_SPEC §2).

    ============== ===================== === ===============================================
    item           column                max rule
    ============== ===================== === ===============================================
    sales_rank     sales                 15  Class I 15 · II 10 · III 5 (top 10 % / 10–30 %)
    yoy_growth     yoy_ratio             15  ≥ 1.2 → 15 · [0.8, 1.2) → 10 · [0.5, 0.8) → 8 ·
                                             < 0.5 → 5 · NaN (new) → ``new_customer_yoy_points``
    payment_terms  payment_terms_months  15  < 1 (or cash = 0) → 15 · [1, 2) → 10 · [2, 4) → 8
                                             · ≥ 4 → 5
    payment_record max_delay_months      20  ≤ 0 → 20 · (0, 1] → 15 · (1, 2] → 10 · (2, 4] → 5
                                             · > 4 → 0
    brand_standing brand_standing        20  global500 20 · global500_affiliate 15 · top50 10 ·
                                             top50_affiliate 8 · other 5
    outlook        outlook_points        15  the product manager's judgement, 0–15
    ============== ===================== === ===============================================

    A customer new this year has no YoY base: it scores ``new_customer_yoy_points`` (default
    10, the "flat" band: the regulation gives no rule, so a newcomer is neither rewarded nor
    punished for growth it could not show). The same applies to any missing ratio, including a
    customer with no sales in either period (``inactive``): its sales-rank item (Class III) and
    payment items carry the judgement. Grades: A ≥ 80, B ≥ 60, C ≥ 50, D below.
    """
    items = [
        ScoreItem("sales_rank", "sales", 15,
                  RankClassRule(points={"I": 15, "II": 10, "III": 5}, cutoffs=(0.10, 0.30)),
                  label="销售额排名"),
        ScoreItem("yoy_growth", "yoy_ratio", 15,
                  BandRule(edges=(0.5, 0.8, 1.2), points=(5, 8, 10, 15), closed="left",
                           missing_points=new_customer_yoy_points), label="销量同比增长"),
        ScoreItem("payment_terms", "payment_terms_months", 15,
                  BandRule(edges=(1, 2, 4), points=(15, 10, 8, 5), closed="left"),
                  label="账期"),
        ScoreItem("payment_record", "max_delay_months", 20,
                  BandRule(edges=(0, 1, 2, 4), points=(20, 15, 10, 5, 0), closed="right"),
                  label="回款资信"),
        ScoreItem("brand_standing", "brand_standing", 20,
                  CategoryRule({"global500": 20, "global500_affiliate": 15, "top50": 10,
                                "top50_affiliate": 8, "other": 5}), label="品牌及行业知名度"),
        ScoreItem("outlook", "outlook_points", 15, DirectPointsRule(), label="行业发展前景"),
    ]
    return Scorecard(items=items, name="客户分级评分表 (course default)")


# --------------------------------------------------------------------------------------------
# grade history
# --------------------------------------------------------------------------------------------
def grade_history(monthly_grades: pd.DataFrame, *, customer: str = "customer_id",
                  month: str = "month", grade: str = "grade", demote_from: str = "C",
                  demote_to: str = "D", drop_grade: str = "D") -> pd.DataFrame:
    """Apply "two consecutive C grades → D" and flag customers that may be dropped.

    A customer whose scored grade is C in a grading *and* in the grading just before is graded D
    in the later one (so three C's in a row give C, D, D). The gradings are the distinct months
    present in the table (monthly, quarterly, whatever was run); a customer missing from a
    grading breaks its run. Customers graded D (scored or demoted) are flagged ``may_drop``: the regulation lets
    the firm end the relationship with a vice-president's approval.

    Parameters
    ----------
    monthly_grades
        One row per customer and month with the scored ``grade`` (other columns are kept).
    month
        Any date within the month (month ends or month starts both work).

    Returns
    -------
    A new frame sorted by customer and month, with ``score_grade`` (the scored grade),
    ``grade`` (after the rule), ``demoted`` (bool), ``may_drop`` (bool) and ``reason`` (text).

    Examples
    --------
    >>> g = pd.DataFrame({"customer_id": ["X"] * 4, "grade": ["C", "C", "C", "B"],
    ...                   "month": pd.to_datetime(["2025-01-31", "2025-02-28", "2025-03-31",
    ...                                            "2025-04-30"])})
    >>> grade_history(g)["grade"].tolist()
    ['C', 'D', 'D', 'B']
    """
    what = "the monthly grades"
    require_columns(monthly_grades, [customer, month, grade], what=what)
    months = to_datetime(monthly_grades[month], column=month, what=what)
    if months.isna().any():
        raise CrmlabInputError(
            f"column {month!r} of {what} is empty in rows "
            f"{_describe_rows(monthly_grades.index[months.isna()])}"
        )
    out = monthly_grades.copy()
    period = months.dt.to_period("M")
    out["_period"] = period
    dup = out.duplicated([customer, "_period"], keep=False)
    if dup.any():
        raise CrmlabInputError(
            f"each customer needs one grade per month; repeated in rows "
            f"{_describe_rows(out.index[dup])}"
        )
    out = out.sort_values([customer, "_period"], kind="stable")
    raw = out[grade].astype(str)
    prev_raw = raw.groupby(out[customer], sort=False).shift()
    prev_period = out.groupby(customer, sort=False)["_period"].shift()
    # position of each month in the grading calendar (the distinct months graded)
    calendar = pd.Index(sorted(out["_period"].unique()))
    position = pd.Series(calendar.get_indexer(out["_period"]), index=out.index)
    prev_position = position.groupby(out[customer], sort=False).shift()
    adjacent = (position - prev_position) == 1
    demoted = (raw == demote_from) & (prev_raw == demote_from) & adjacent
    prev_text = prev_period.astype(str)
    this_text = out["_period"].astype(str)
    final = raw.where(~demoted, demote_to)
    reason = np.where(
        demoted,
        f"two consecutive {demote_from} grades (" + prev_text + ", " + this_text + ")",
        np.where(final == drop_grade, f"scored {drop_grade}", ""))
    out = out.drop(columns="_period")
    out.insert(out.columns.get_loc(grade), "score_grade", raw)
    out[grade] = final
    out["demoted"] = demoted.to_numpy()
    out["may_drop"] = (final == drop_grade).to_numpy()
    out["reason"] = reason
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# the month-end run
# --------------------------------------------------------------------------------------------
_TABLE_KEYS = {"customers": ("b2b_customers", "customers"),
               "monthly_sales": ("b2b_monthly_sales", "monthly_sales", "sales"),
               "invoices": ("b2b_invoices", "invoices")}


def _pick_tables(b2b_data: Mapping[str, pd.DataFrame] | None) -> dict[str, pd.DataFrame]:
    if b2b_data is None:
        from crmlab.datasets import load_dataset

        return {key: load_dataset(names[0]) for key, names in _TABLE_KEYS.items()}
    tables = {}
    for key, names in _TABLE_KEYS.items():
        found = next((b2b_data[n] for n in names if n in b2b_data), None)
        if found is None:
            raise CrmlabInputError(
                f"the B2B data needs a {names[0]!r} table (also accepted: "
                f"{', '.join(repr(n) for n in names[1:])}); got {', '.join(map(repr, b2b_data))}"
            )
        tables[key] = found
    return tables


def _month_end(value: Any) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    end = stamp + pd.offsets.MonthEnd(0)
    if stamp.normalize() != end.normalize():
        raise CrmlabInputError(
            f"month_end must be the last day of a month, got {stamp.date()} (did you mean "
            f"{end.date()}?)"
        )
    return end.normalize()


def _period_sales(sales: dict[str, Any], month_end: pd.Timestamp, basis: str
                  ) -> tuple[pd.Series, pd.Series]:
    month_idx = sales["month_idx"]
    end_idx = month_end.year * 12 + month_end.month - 1
    if basis == "ytd":
        start_idx = month_end.year * 12
    elif basis == "trailing12":
        start_idx = end_idx - 11
    else:
        raise CrmlabInputError(f"yoy_basis must be 'ytd' or 'trailing12', got {basis!r}")
    this = (month_idx >= start_idx) & (month_idx <= end_idx)
    last = (month_idx >= start_idx - 12) & (month_idx <= end_idx - 12)
    n = len(sales["customers"])
    this_sum = np.bincount(sales["codes"], weights=np.where(this, sales["sales"], 0.0),
                           minlength=n)
    last_sum = np.bincount(sales["codes"], weights=np.where(last, sales["sales"], 0.0),
                           minlength=n)
    return (pd.Series(this_sum, index=sales["customers"]),
            pd.Series(last_sum, index=sales["customers"]))


def _prepare_sales(monthly_sales: pd.DataFrame) -> dict[str, Any]:
    """Customer codes, month numbers and sales as arrays (done once for several month ends)."""
    what = "b2b_monthly_sales"
    require_columns(monthly_sales, ["customer_id", "month", "sales"], what=what)
    months = to_datetime(monthly_sales["month"], column="month", what=what)
    bad = months.isna()
    if bad.any():
        raise CrmlabInputError(f"column 'month' of {what} is empty in rows "
                               f"{_describe_rows(monthly_sales.index[bad])}")
    values = _non_negative(monthly_sales["sales"], column="sales", what=what).fillna(0.0)
    codes, customers = pd.factorize(monthly_sales["customer_id"])
    return {"codes": codes, "customers": pd.Index(customers),
            "month_idx": (months.dt.year * 12 + months.dt.month - 1).to_numpy(),
            "sales": values.to_numpy()}


def monthly_grading(b2b_data: Mapping[str, pd.DataFrame] | None, month_end: Any, *,
                    scorecard: Scorecard | None = None, yoy_basis: str = "ytd",
                    delay_window_months: int = 12, amount_line: float = 100_000,
                    age_line_months: float = 2, _sales: dict[str, Any] | None = None
                    ) -> pd.DataFrame:
    """The month-end grading run: raw B2B tables → the customer grade table (客户分级表).

    Steps (section 5.2–5.3 of the regulation):

    1. customers on the books at ``month_end`` (``since`` on or before it, when that column
       exists);
    2. period sales: ``yoy_basis="ytd"`` = January to ``month_end`` this year against the
       same months last year; ``"trailing12"`` = the 12 months to ``month_end`` against the 12
       before. ``sales`` is this period's sales (ranked into Class I/II/III), ``yoy_ratio`` the
       ratio (NaN when last period had no sales), ``yoy_class`` from :func:`yoy_class`;
    3. the ageing table at ``month_end`` (:func:`receivables_ageing`): ``open_receivable`` and
       the most urgent ``collection_action`` per customer ("none" when nothing is open);
    4. ``max_delay_months`` from :func:`payment_delays` (worst lateness over the
       ``delay_window_months`` to ``month_end``, open overdue invoices late up to the month end);
    5. the scorecard (default: :func:`default_scorecard`) gives item points, total and grade.

    The "two consecutive C → D" rule needs earlier months: use :func:`grading_history`.

    Parameters
    ----------
    b2b_data
        Mapping with ``b2b_customers`` (customer_id, payment_terms_months, brand_standing,
        outlook_points, optional company_name, since …), ``b2b_monthly_sales`` (customer_id,
        month, sales) and ``b2b_invoices`` (customer_id, invoice_date, due_date, amount,
        paid_date). ``None`` loads the shipped B2B dataset.
    month_end
        The last day of the graded month, e.g. ``"2025-12-31"``.

    Returns
    -------
    One row per customer, best total first, with ``month_end`` and the columns above.
    """
    month_end = _month_end(month_end)
    card = scorecard or default_scorecard()
    tables = _pick_tables(b2b_data)
    customers = tables["customers"]
    need = [c for c in ("customer_id", "payment_terms_months", "brand_standing",
                        "outlook_points") if any(c == item.column for item in card.items)
            or c == "customer_id"]
    require_columns(customers, need, what="b2b_customers")
    if "since" in customers.columns:
        since = to_datetime(customers["since"], column="since", what="b2b_customers")
        customers = customers[~(since > month_end)]
    require_not_empty(customers, what=f"b2b_customers on the books at {month_end.date()}")
    sales = _sales if _sales is not None else _prepare_sales(tables["monthly_sales"])
    this, last = _period_sales(sales, month_end, yoy_basis)
    ids = customers["customer_id"]
    yoy = yoy_class(this.reindex(ids).fillna(0.0).set_axis(customers.index),
                    last.reindex(ids).fillna(0.0).set_axis(customers.index))
    invoices = tables["invoices"]
    if not isinstance(invoices["customer_id"].dtype, pd.CategoricalDtype):
        # hash the ids once: both steps below group by customer
        invoices = invoices.assign(customer_id=invoices["customer_id"].astype("category"))
    rec = receivables_ageing(invoices, month_end, amount_line=amount_line,
                             age_line_months=age_line_months)
    rec_codes, rec_customers = pd.factorize(rec["customer_id"])
    open_total = pd.Series(np.bincount(rec_codes, weights=rec["amount"].to_numpy(),
                                       minlength=len(rec_customers)),
                           index=_plain_index(rec_customers))
    worst = pd.Series(rec["action"].cat.codes.to_numpy()).groupby(rec_codes).min()
    worst.index = _plain_index(rec_customers)[worst.index]
    delays = payment_delays(invoices, month_end, window_months=delay_window_months)

    table = pd.DataFrame({"month_end": month_end, "customer_id": ids}, index=customers.index)
    for col in ("company_name", "industry", "region", "sales_rep"):
        if col in customers.columns:
            table[col] = customers[col]
    table["sales"] = yoy["this_period"]
    table["last_year_sales"] = yoy["last_period"]
    table["yoy_ratio"] = yoy["yoy_ratio"]
    table["yoy_class"] = yoy["yoy_class"]
    for col in ("payment_terms_months", "brand_standing", "outlook_points"):
        if col in customers.columns:
            table[col] = customers[col]
    table["max_delay_months"] = delays["max_delay_months"].reindex(ids).fillna(0.0).to_numpy()
    table["open_receivable"] = open_total.reindex(ids).fillna(0.0).to_numpy()
    action_codes = worst.reindex(ids).to_numpy()
    table["collection_action"] = pd.Categorical(
        np.where(np.isnan(action_codes), "none",
                 np.asarray(COLLECTION_ACTIONS, dtype=object)[np.nan_to_num(action_codes)
                                                             .astype(int)]),
        categories=[*COLLECTION_ACTIONS, "none"], ordered=True)
    for col in card.required_columns():  # columns a teacher's own items read
        if col not in table.columns and col in customers.columns:
            table[col] = customers[col]
    scored = card.score(table.reset_index(drop=True))
    scored = scored.sort_values(["total", "customer_id"], ascending=[False, True],
                                kind="stable").reset_index(drop=True)
    card.scores_ = scored
    return scored


def grading_history(b2b_data: Mapping[str, pd.DataFrame] | None, month_ends: Iterable[Any],
                    **kwargs: Any) -> pd.DataFrame:
    """Run :func:`monthly_grading` for several month ends and apply :func:`grade_history`.

    Returns one row per customer and month end (customers enter when they are on the books),
    with the scored grade in ``score_grade`` and the grade after "two consecutive C → D" in
    ``grade``. Keyword arguments go to :func:`monthly_grading`.
    """
    tables = _pick_tables(b2b_data)
    sales = _prepare_sales(tables["monthly_sales"])
    invoices = tables["invoices"]
    tables["invoices"] = invoices.assign(customer_id=invoices["customer_id"].astype("category"))
    runs = [monthly_grading(tables, m, _sales=sales, **kwargs) for m in month_ends]
    if not runs:
        raise CrmlabInputError("give at least one month end")
    stacked = pd.concat(runs, ignore_index=True)
    stacked["grade"] = stacked["grade"].astype(str)
    history = grade_history(stacked, month="month_end")
    grades = list(runs[0]["grade"].cat.categories)
    for col in ("grade", "score_grade"):
        history[col] = pd.Categorical(history[col], categories=grades, ordered=True)
    return history


# --------------------------------------------------------------------------------------------
# export
# --------------------------------------------------------------------------------------------
#: Fill colours of the grades in the Excel export (green, blue, amber, red).
GRADE_COLOURS = {"A": "C6EFCE", "B": "DDEBF7", "C": "FFEB9C", "D": "FFC7CE"}
CONFIDENTIAL = "机密 / Confidential"


def export_grade_table(table: pd.DataFrame, path: str | Path, *, title: str = "客户分级表",
                       grade: str = "grade") -> Path:
    """Write the grade table to ``.xlsx`` or ``.csv``, marked confidential (机密) in the header.

    The regulation (5.3.6) makes the grade list a confidential document, so the first line of
    either file is ``机密 / Confidential — <title>``; the column headers follow on the second
    line (read back with ``pd.read_csv(path, skiprows=1)`` or ``pd.read_excel(path,
    skiprows=1)``).

    Excel: the marking row, a bold header row, panes frozen below the header and right of the
    first column, grade cells coloured (:data:`GRADE_COLOURS`), the marking also in the printed
    page header, and columns sized to their content. CSV: UTF-8 with BOM so Excel shows
    Chinese text.
    """
    path = Path(path)
    require_columns(table, [grade], what="the grade table")
    marking = f"{CONFIDENTIAL} — {title}"
    frame = table.copy()
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.CategoricalDtype):
            frame[col] = frame[col].astype(object)
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            frame[col] = frame[col].dt.date
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            handle.write(marking + "\n")
            frame.to_csv(handle, index=False, lineterminator="\n")
        return path
    if suffix != ".xlsx":
        raise CrmlabInputError(f"export to .xlsx or .csv, not {path.suffix or 'no suffix'!r}")
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([marking])
    sheet["A1"].font = Font(bold=True, color="C00000")
    sheet.append([str(c) for c in frame.columns])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for values in frame.itertuples(index=False, name=None):
        sheet.append([None if (isinstance(v, float) and math.isnan(v)) else
                      (v.item() if isinstance(v, np.generic) else v) for v in values])
    grade_col = list(frame.columns).index(grade) + 1
    fills = {g: PatternFill("solid", start_color=c, end_color=c) for g, c in GRADE_COLOURS.items()}
    for (cell,) in sheet.iter_rows(min_row=3, min_col=grade_col, max_col=grade_col):
        if cell.value in fills:
            cell.fill = fills[cell.value]
    sheet.freeze_panes = "B3"
    sheet.oddHeader.center.text = marking
    for i, col in enumerate(frame.columns, start=1):
        width = max([len(str(col))] + [len(str(v)) for v in frame[col].head(200)])
        sheet.column_dimensions[get_column_letter(i)].width = min(max(8, width + 2), 40)
    book.save(path)
    return path
