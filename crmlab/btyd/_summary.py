"""Customer summaries (frequency, recency, T, monetary value) from a transaction log.

:func:`summary_data` lives in its own module so that it can be rebuilt on a shared
customer-summary core without touching the models.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab._checks import CrmlabInputError, ExclusionReport, checked_transactions
from crmlab.customers import _summary as _core_summary

__all__ = ["summary_data", "TIME_UNITS"]

#: Length of one time unit in days, for the ``freq`` argument of :func:`summary_data`.
#: "M" is an average month (365.25 / 12 days), so that 12 months make a year.
TIME_UNITS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}


def summary_data(
    transactions: pd.DataFrame,
    *,
    customer: str = "customer_id",
    date: str = "date",
    amount: str | None = "amount",
    observation_end: str | pd.Timestamp | None = None,
    freq: str = "W",
    calibration_end: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Frequency, recency, T and monetary value per customer, the input of the BTYD models.

    A customer's first purchase starts their clock; every later *day* with a purchase is one
    repeat transaction (several purchases on one day count as one, their amounts added up, as in
    the CDNOW papers). Times are measured in units of ``freq`` and are fractional
    (10 days = 1.4286 weeks).

    * ``frequency`` — number of repeat transactions (days with a purchase after the first day);
    * ``recency`` — time from the first purchase to the last repeat purchase (0 if none);
    * ``T`` — time from the first purchase to the end of the (calibration) period;
    * ``monetary_value`` — mean value of the *repeat* transactions (0 if none), the input of the
      Gamma-Gamma model (the first purchase is left out, as in Fader, Hardie & Lee 2005).

    With ``calibration_end`` the history is split: the columns above get the suffix ``_cal`` and
    are computed on purchases up to and including ``calibration_end``; ``frequency_holdout`` and
    ``monetary_value_holdout`` count the transactions after it up to ``observation_end``, and
    ``duration_holdout`` is the holdout length. Customers whose first purchase is after
    ``calibration_end`` are left out (reported in ``result.attrs["excluded"]``).

    Parameters
    ----------
    transactions
        One row per purchase.
    customer, date, amount
        Column names. ``amount=None`` leaves out the monetary columns.
    observation_end
        Last day observed (inclusive); default: the last date in the data.
    freq
        Time unit: ``"D"`` days, ``"W"`` weeks (7 days), ``"M"`` average months (30.44 days).
    calibration_end
        Optional last day of the calibration period.

    Returns
    -------
    DataFrame indexed by customer. Rows excluded (missing customer id or date, purchases after
    ``observation_end``, customers first seen after ``calibration_end``) are described by the
    :class:`~crmlab._checks.ExclusionReport` in ``result.attrs["excluded"]``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 1, 1, 2],
    ...                    "date": ["2024-01-01", "2024-01-08", "2024-01-08", "2024-01-22",
    ...                             "2024-01-15"],
    ...                    "amount": [10, 5, 7, 20, 8]})
    >>> summary_data(tx, observation_end="2024-01-29").reset_index()
       customer_id  frequency  recency    T  monetary_value
    0            1          2      3.0  4.0            16.0
    1            2          0      0.0  2.0             0.0
    """
    if freq not in TIME_UNITS:
        raise CrmlabInputError(
            f"freq must be one of {', '.join(map(repr, TIME_UNITS))} (days, weeks, months); "
            f"got {freq!r}"
        )
    tx, report = checked_transactions(transactions, customer=customer, date=date, amount=amount)
    tx["day"] = tx["date"].dt.normalize()

    end = _as_day(observation_end, "observation_end") if observation_end is not None \
        else tx["day"].max()
    late = tx.index[tx["day"] > end]
    report.add(f"dated after observation_end {end.date()}", late)
    tx = tx.drop(late)
    if tx.empty:
        raise CrmlabInputError(f"no usable transactions remain: {report}")

    unit = pd.Timedelta(days=TIME_UNITS[freq])
    if calibration_end is None:
        out = _summarise(tx, end, unit, amount is not None, report)
    else:
        cal_end = _as_day(calibration_end, "calibration_end")
        if cal_end >= end:
            raise CrmlabInputError(
                f"calibration_end ({cal_end.date()}) must be before observation_end "
                f"({end.date()}): the holdout period would be empty"
            )
        first = tx.groupby("customer")["day"].transform("min")
        new_later = tx.index[first > cal_end]
        report.add(f"of customers whose first purchase is after calibration_end {cal_end.date()}",
                   new_later)
        tx = tx.drop(new_later)
        if tx.empty:
            raise CrmlabInputError(f"no customer made a purchase by calibration_end: {report}")
        in_cal = tx["day"] <= cal_end
        out = _summarise(tx[in_cal], cal_end, unit, amount is not None, report).add_suffix("_cal")
        holdout = _daily(tx[~in_cal], amount is not None)
        counts = holdout.groupby("customer").size()
        out["frequency_holdout"] = counts.reindex(out.index, fill_value=0).astype("int64")
        if amount is not None:
            means = holdout.groupby("customer")["amount"].mean()
            out["monetary_value_holdout"] = means.reindex(out.index, fill_value=0.0)
        out["duration_holdout"] = (end - cal_end) / unit
    out.index.name = customer
    out.attrs["excluded"] = report
    return out


def _as_day(value: str | pd.Timestamp, name: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(value).normalize()
    except (ValueError, TypeError) as exc:
        raise CrmlabInputError(f"{name} must be a date such as '1997-09-30', got {value!r}") from exc


def _daily(tx: pd.DataFrame, with_amount: bool) -> pd.DataFrame:
    """One row per customer and day (several purchases on one day are one transaction)."""
    grouped = tx.groupby(["customer", "day"], sort=True)
    daily = grouped["amount"].sum().reset_index() if with_amount else grouped.size().reset_index()
    return daily


def _summarise(tx: pd.DataFrame, end: pd.Timestamp, unit: pd.Timedelta,
               with_amount: bool, report: ExclusionReport) -> pd.DataFrame:
    """BTYD's frequency / recency / T / monetary value from the customer summary of
    :mod:`crmlab.customers` with calendar days as occasions and ``end`` the last day observed:
    frequency = purchase days − 1, recency = last − first purchase, T = end − first purchase,
    monetary value = mean net spend of the repeat purchase days. A day with a net of 0 counts
    as a purchase (the published CDNOW summaries count its $0 records); customers who only
    returned goods have no purchase and are reported in ``report``."""
    work = tx if with_amount else tx.assign(amount=1.0)
    summary, core_report = _core_summary(
        work, customer="customer", date="day", amount="amount", occasion=None,
        as_of=end + pd.Timedelta(days=1), keep_rows=True, spends=True, free_purchases=True)
    for reason in core_report.reasons:
        report.add(reason, core_report.rows(reason))
    first = summary["first_purchase"].to_numpy()
    out = pd.DataFrame(index=pd.Index(summary["customer"].to_numpy()))
    out["frequency"] = (summary["frequency"] - 1).to_numpy()
    out["recency"] = (summary["last_purchase"].to_numpy() - first) / unit
    out["T"] = (end.to_datetime64() - first) / unit
    if with_amount:
        repeats = out["frequency"].to_numpy()
        repeat_spend = (summary["purchase_spend"] - summary["first_spend"]).to_numpy()
        out["monetary_value"] = np.where(repeats > 0, repeat_spend / np.maximum(repeats, 1), 0.0)
    return out
