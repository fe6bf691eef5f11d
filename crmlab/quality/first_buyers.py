"""First-time buyers: customers whose first-ever purchase falls in a period.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from crmlab._checks import CrmlabInputError, checked_transactions, to_numeric


def _period_bounds(period: Any) -> tuple[pd.Timestamp, pd.Timestamp]:
    if isinstance(period, tuple | list) and len(period) == 2:
        start, end = (pd.Timestamp(p) for p in period)
    else:
        try:
            p = pd.Period(period)
        except (ValueError, TypeError) as exc:
            raise CrmlabInputError(f"period {period!r} is not a period such as '2025-03', "
                                   "'2025Q1', '2025' or a (start, end) pair") from exc
        start, end = p.start_time.normalize(), p.end_time.normalize()
    if end < start:
        raise CrmlabInputError(f"period ends ({end.date()}) before it starts ({start.date()})")
    return start, end


def first_time_buyers(transactions: pd.DataFrame, period: Any, *, customer: str = "member_id",
                      date: str = "date", amount: str | None = "amount") -> pd.DataFrame:
    """Customers whose first-ever purchase falls within ``period`` (first-time buyers, 新客户).

    A customer is a first-time buyer of a period when they bought in it and never before it
    (the whole history in ``transactions`` is searched). Both period ends are included.
    Transactions without a customer id (non-members) cannot be attributed and are excluded;
    the count is in ``result.attrs["excluded"]`` (a text summary of the exclusion report).

    Parameters
    ----------
    transactions
        One row per purchase (or receipt line).
    period
        ``"2025-03"``, ``"2025Q1"``, ``"2025"`` or a ``(start, end)`` pair of dates.
    customer, date, amount
        Column names; ``amount=None`` skips the first-day spend.

    Returns
    -------
    DataFrame: ``customer``, ``first_purchase`` (date) and ``first_day_amount`` (sum of that
    day's amounts), sorted by first purchase then customer.

    Examples
    --------
    >>> tx = pd.DataFrame({"member_id": ["a", "a", "b", None], "amount": [10, 5, 7, 3],
    ...                    "date": ["2024-12-30", "2025-01-05", "2025-01-02", "2025-01-03"]})
    >>> first_time_buyers(tx, "2025-01")["member_id"].tolist()
    ['b']
    """
    start, end = _period_bounds(period)
    # A row without an amount still dates a first purchase, so amounts are only converted here.
    checked, report = checked_transactions(transactions, customer=customer, date=date,
                                           extra=[amount] if amount else [], what="transactions")
    work = pd.DataFrame({customer: checked["customer"], "day": checked["date"].dt.normalize()})
    if amount:
        work["amt"] = to_numeric(checked[amount], column=amount, what="transactions")
    first = work.groupby(customer, sort=False)["day"].min()
    new = first[(first >= start) & (first <= end)]
    out = pd.DataFrame({customer: new.index, "first_purchase": new.to_numpy()})
    if amount:
        day_total = work.groupby([customer, "day"], sort=False)["amt"].sum()
        out["first_day_amount"] = [day_total[(c, d)] for c, d in
                                   zip(out[customer], out["first_purchase"])]
    out = out.sort_values(["first_purchase", customer], kind="mergesort").reset_index(drop=True)
    out.attrs["excluded"] = str(report)  # text: attrs must stay comparable
    return out
