"""The month-end run: raw B2B tables → the customer grade table, and the grade history.

:func:`monthly_grading` computes the indicators and the scorecard for one month end,
:func:`grading_history` for several, and :func:`grade_history` applies "two consecutive C
grades make a D".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from crmlab._checks import (
    CrmlabInputError,
    _describe_rows,
    require_columns,
    require_not_empty,
    to_datetime,
)
from crmlab.scorecard.indicators import (
    COLLECTION_ACTIONS,
    _non_negative,
    _plain_index,
    payment_delays,
    receivables_ageing,
    yoy_class,
)
from crmlab.scorecard.rules import Scorecard, default_scorecard


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
    the firm end the relationship with a vice-president's approval, or where the reason lies with
    the customer (或确属客户方因素: e.g. it stopped trading or will not pay).

    Parameters
    ----------
    monthly_grades
        One row per customer and month with the scored ``grade`` (other columns are kept).
    customer, month, grade : str
        Columns of the customer id, the month (any date within it: month ends or month
        starts both work) and the scored grade.
    demote_from, demote_to : str
        Two consecutive ``demote_from`` grades give ``demote_to`` (C → D).
    drop_grade : str
        Customers with this grade are flagged ``may_drop``.

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
    scorecard : Scorecard, optional
        The scorecard; :func:`default_scorecard` when omitted.
    yoy_basis : {"ytd", "trailing12"}
        The periods compared for the YoY ratio (step 2).
    delay_window_months : int
        Window of :func:`payment_delays` (step 4).
    amount_line, age_line_months : float
        Lines of the collections matrix, as in :func:`receivables_ageing` (step 3).
    _sales : dict, optional
        Internal: the monthly sales prepared once by :func:`grading_history`; leave unset.

    Returns
    -------
    One row per customer, best total first, with ``month_end`` and the columns above.

    Examples
    --------
    >>> table = monthly_grading(None, "2025-12-31")  # the shipped B2B data
    >>> table[["customer_id", "total", "grade"]].shape[1], sorted(table["grade"].unique())
    (3, ['A', 'B', 'C', 'D'])
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
    rec = receivables_ageing(invoices, as_of=month_end, amount_line=amount_line,
                             age_line_months=age_line_months)
    rec_codes, rec_customers = pd.factorize(rec["customer_id"])
    open_total = pd.Series(np.bincount(rec_codes, weights=rec["amount"].to_numpy(),
                                       minlength=len(rec_customers)),
                           index=_plain_index(rec_customers))
    worst = pd.Series(rec["action"].cat.codes.to_numpy()).groupby(rec_codes).min()
    worst.index = _plain_index(rec_customers)[worst.index]
    delays = payment_delays(invoices, as_of=month_end, window_months=delay_window_months)

    table = pd.DataFrame({"month_end": month_end, "customer_id": ids}, index=customers.index)
    for col in ("company_name", "industry", "region", "sales_rep"):
        if col in customers.columns:
            table[col] = customers[col]
    table["sales"] = yoy["this_period"]
    table["last_year_sales"] = yoy["last_period"]
    table["yoy_ratio"] = yoy["yoy_ratio"]
    table["yoy_class"] = yoy["yoy_class"]
    for col in ("payment_terms_months", "brand_standing", "brand_other_points", "outlook_points"):
        if col in customers.columns:
            table[col] = customers[col]
    table["max_delay_months"] = delays["max_delay_months"].reindex(ids).fillna(0.0).to_numpy()
    table["open_receivable"] = open_total.reindex(ids).fillna(0.0).to_numpy()
    action_codes = worst.reindex(ids).to_numpy()
    table["collection_action"] = pd.Categorical(
        np.where(np.isnan(action_codes), "none",
                 np.asarray([*COLLECTION_ACTIONS, "not_due"], dtype=object)[np.nan_to_num(action_codes)
                                                                          .astype(int)]),
        categories=[*COLLECTION_ACTIONS, "not_due", "none"], ordered=True)
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

    Parameters
    ----------
    b2b_data : mapping of str to pandas.DataFrame, optional
        The B2B tables, as for :func:`monthly_grading` (None: the shipped dataset).
    month_ends : iterable of date-like
        The month ends to grade, in any order.
    **kwargs
        Passed to :func:`monthly_grading` (``scorecard=``, ``yoy_basis=`` …).

    Returns
    -------
    pandas.DataFrame
        One row per customer and month end (customers enter when they are on the books), with
        the scored grade in ``score_grade`` and the grade after "two consecutive C → D" in
        ``grade``.

    Examples
    --------
    >>> history = grading_history(None, ["2025-11-30", "2025-12-31"])
    >>> history["month_end"].nunique(), int(history["demoted"].sum()) >= 0
    (2, True)
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


