"""The month-end indicators of customer grading: YoY classes, dormancy, receivables ageing.

Calendar months (:func:`calendar_months_between`) are the unit of every indicator here; the
boundary conventions are listed once in :mod:`crmlab.scorecard`. ``as_of`` is keyword-only and
parsed as everywhere (:func:`crmlab._checks.parse_as_of`), but here it is the month-end review
day and is *included* (an invoice paid on the month-end day is paid at the review): the one
documented exception to the package's exclusive as-of date, because the course's regulation
reviews "as at the end of the month".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlab._checks import (
    CrmlabInputError,
    ExclusionReport,
    _describe_rows,
    parse_as_of,
    require_columns,
    to_datetime,
    to_numeric,
)


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

    Returns
    -------
    numpy.ndarray
        Months as floats (a 0-d array for two scalars).

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

    Parameters
    ----------
    yoy : pandas.DataFrame or pandas.Series
        The result of :func:`yoy_class`, or a Series of its classes.
    column : str
        The column of classes when ``yoy`` is a DataFrame.

    Returns
    -------
    pandas.DataFrame
        One row per class of :data:`YOY_CLASSES`, in that order: ``yoy_class``, ``customers``
        and ``share``.

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


def dormancy(last_order_dates: Any, *, as_of: Any, short_months: float = 1,
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
    short_months, long_months : float
        The month counts that bound the medium class (see above).

    Returns
    -------
    DataFrame with ``last_order``, ``months_since_order`` and ``dormancy`` (ordered categorical
    of :data:`DORMANCY_CLASSES`).

    Examples
    --------
    >>> d = dormancy(pd.to_datetime(["2025-12-15", "2025-11-30", "2025-09-30", "2025-09-29"]),
    ...              as_of="2025-12-31")
    >>> d["dormancy"].tolist()
    ['short', 'medium', 'medium', 'long']
    """
    if short_months > long_months:
        raise CrmlabInputError("short_months must not exceed long_months")
    dates = _as_series(last_order_dates, "last_order")
    dates = to_datetime(dates, column="last_order", what="the last-order dates")
    as_of = parse_as_of(as_of)  # the month-end review day, included (see the module notes)
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


def receivables_ageing(invoices: pd.DataFrame, *, as_of: Any, amount_line: float = 100_000,
                       age_line_months: float = 2, customer: str = "customer_id",
                       amount: str = "amount", due: str = "due_date", paid: str = "paid_date",
                       invoice_date: str | None = "invoice_date",
                       age_basis: str = "invoice") -> pd.DataFrame:
    """The receivables-ageing table (账龄分析表) at ``as_of``: one row per open receivable.

    A receivable is open at ``as_of`` when it was invoiced on or before ``as_of`` (if an
    ``invoice_date`` column is given) and not paid by then (``paid`` missing or later).
    ``months_overdue`` = calendar months from the due date to ``as_of``, 0 when not yet due.
    ``age_months`` is the age the collections rule uses: with ``age_basis="invoice"`` (the
    default, the regulation's 账龄) the calendar months since the invoice date; with
    ``age_basis="due"`` the months overdue. A receivable whose due date is after ``as_of`` is
    ``not_due``: it cannot be collected yet, so it gets no collection action (action
    ``"not_due"``) and :func:`collections_matrix` reports it separately. Every other receivable
    is *aged* when ``age_months >= age_line_months`` and its customer is *large* when the
    customer's open total (all its open receivables, not-yet-due ones included) is
    ``>= amount_line``; the pair gives the action: key (aged, large) / on_site (recent, large) /
    letter (aged, small) / defer (recent, small).

    Parameters
    ----------
    invoices : pandas.DataFrame
        One row per invoice.
    as_of : date-like
        The reference date (the month end).
    amount_line : float
        A customer's open total from which it is *large*.
    age_line_months : float
        Months overdue from which a receivable is *aged*.
    customer, amount, due, paid : str
        Columns of the customer id, the invoiced amount, the due date and the payment date
        (missing while unpaid).
    invoice_date : str, optional
        Column of the invoice date; None when there is none (every invoice counts as issued;
        then ``age_basis="due"`` is needed).
    age_basis : {"invoice", "due"}
        What the age is counted from: the invoice date (default, 账龄) or the due date.

    Returns
    -------
    pandas.DataFrame
        One row per open receivable: the input columns plus ``months_overdue``, ``age_months``,
        ``not_due``, ``customer_open_total``, ``aged``, ``large`` and ``action``.

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
    >>> receivables_ageing(inv, as_of="2025-12-31")[["customer_id", "months_overdue", "action"]]
      customer_id  months_overdue   action
    0           A        2.000000      key
    1           A        0.354839  on_site
    2           B        4.516129   letter
    """
    what = "the invoices"
    if age_basis not in ("invoice", "due"):
        raise CrmlabInputError(f"age_basis must be 'invoice' (the 账龄, from the invoice date) or 'due', "
                               f"not {age_basis!r}")
    if age_basis == "invoice" and not invoice_date:
        raise CrmlabInputError("age_basis='invoice' ages receivables from the invoice date, but no "
                               "invoice_date column was given: name it, or pass age_basis='due'")
    inv = _read_invoices(invoices, customer=customer, amount=amount, due=due,
                         invoice_date=invoice_date, paid=paid, what=what)
    as_of = parse_as_of(as_of)  # the month-end review day, included (see the module notes)
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
    rec["age_months"] = (calendar_months_between(rec["invoice_date"], as_of) if age_basis == "invoice"
                         else rec["months_overdue"])
    rec["not_due"] = rec["due_date"] > as_of
    codes = pd.factorize(rec["customer_id"])[0]
    rec["customer_open_total"] = np.bincount(codes, weights=rec["amount"].to_numpy())[codes] \
        if len(rec) else rec["amount"]
    rec["aged"] = ~rec["not_due"] & (rec["age_months"] >= age_line_months)
    rec["large"] = rec["customer_open_total"] >= amount_line
    action = np.select([rec["not_due"], rec["aged"] & rec["large"], rec["large"], rec["aged"]],
                       ["not_due", "key", "on_site", "letter"], default="defer")
    rec["action"] = pd.Categorical(action, categories=[*COLLECTION_ACTIONS, "not_due"], ordered=True)
    keep = [c for c in invoices.columns if c not in rec.columns and c not in
            (customer, amount, due, paid, invoice_date)]
    rec = pd.concat([invoices.loc[rec.index, keep], rec], axis=1)
    return rec.reset_index(drop=True)


def collections_matrix(receivables: pd.DataFrame, *, as_of: Any, amount_line: float = 100_000,
                       age_line_months: float = 2, age_basis: str = "invoice",
                       **columns: str) -> pd.DataFrame:
    """The collections (credit) matrix (信用管理): amount totals in the regulation's 2×2 table.

    Built from :func:`receivables_ageing` (same parameters and conventions: aged means
    ``>= age_line_months`` old, counted from the invoice date by default, large means the
    customer's open total ``>= amount_line``). Always four rows, most urgent first, empty cells
    included with zeros. Receivables not yet due are in no cell: they are reported in
    ``result.attrs["excluded"]`` (an :class:`crmlab._checks.ExclusionReport`: how many, and a
    few of their row labels); their customers and amounts are the rows of
    :func:`receivables_ageing` with ``not_due`` true.

    Parameters
    ----------
    receivables
        Invoices with ``customer_id``, ``amount``, ``due_date``, ``paid_date`` (and optionally
        ``invoice_date``); rename them with keyword arguments ``customer=``, ``amount=``,
        ``due=``, ``paid=``, ``invoice_date=`` (``None`` when there is no invoice date).
    as_of : date-like
        The reference date (the month end).
    amount_line, age_line_months : float
        As in :func:`receivables_ageing`.
    age_basis : {"invoice", "due"}
        As in :func:`receivables_ageing`: age from the invoice date (default) or the due date.
    **columns : str
        Column names, as in :func:`receivables_ageing`.

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
    >>> collections_matrix(inv, as_of="2025-12-31", invoice_date=None, age_basis="due")[["action", "amount"]]
        action   amount
    0      key  80000.0
    1  on_site  30000.0
    2   letter   5000.0
    3    defer      0.0
    """
    rec = receivables_ageing(receivables, as_of=as_of, amount_line=amount_line,
                             age_line_months=age_line_months, age_basis=age_basis, **columns)
    waiting = rec[rec["not_due"]]
    rec = rec[~rec["not_due"]]
    grouped = rec.groupby("action", observed=False).agg(
        receivables=("amount", "size"), customers=("customer_id", "nunique"),
        amount=("amount", "sum"))
    grouped = grouped.reindex(list(COLLECTION_ACTIONS), fill_value=0)
    age_text = f"{age_line_months:g} months"
    amount_text = f"{amount_line:,.0f}"
    matrix = pd.DataFrame({
        "action": list(COLLECTION_ACTIONS),
        "action_zh": [COLLECTION_ACTION_NAMES[a] for a in COLLECTION_ACTIONS],
        "ageing": [f"≥ {age_text}", f"< {age_text}", f"≥ {age_text}", f"< {age_text}"],
        "amount_band": [f"≥ {amount_text}", f"≥ {amount_text}", f"< {amount_text}",
                        f"< {amount_text}"],
        "receivables": grouped["receivables"].to_numpy().astype(int),
        "customers": grouped["customers"].to_numpy().astype(int),
        "amount": grouped["amount"].to_numpy().astype(float),
    })
    report = ExclusionReport(received=len(rec) + len(waiting))
    report.add("receivables not yet due (in no cell: they cannot be collected yet)", waiting.index)
    matrix.attrs["excluded"] = report.brief()
    return matrix


def payment_delays(invoices: pd.DataFrame, *, as_of: Any, window_months: int = 12,
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

    Parameters
    ----------
    invoices, as_of, customer, amount, due, paid, invoice_date
        As in :func:`receivables_ageing`.
    window_months : int
        Calendar months before ``as_of`` in which settled invoices count.

    Returns
    -------
    DataFrame indexed by customer with ``invoices_considered`` and ``max_delay_months``.

    Examples
    --------
    >>> inv = pd.DataFrame({"customer_id": ["A", "A", "B"], "amount": [10, 10, 10],
    ...     "due_date": pd.to_datetime(["2025-06-30", "2025-10-31", "2025-11-15"]),
    ...     "paid_date": pd.to_datetime(["2025-07-31", None, "2025-11-01"]),
    ...     "invoice_date": pd.to_datetime(["2025-05-31", "2025-09-30", "2025-10-15"])})
    >>> payment_delays(inv, as_of="2025-12-31")
                 invoices_considered  max_delay_months
    customer_id                                       
    A                              2               2.0
    B                              1               0.0
    """
    what = "the invoices"
    inv = _read_invoices(invoices, customer=customer, amount=amount, due=due,
                         invoice_date=invoice_date, paid=paid, what=what)
    as_of = parse_as_of(as_of)  # the month-end review day, included (see the module notes)
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


