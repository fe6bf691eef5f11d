"""Tests of crmlab._checks.checked_transactions, the shared first step of every per-customer
computation on transaction lines (value, loyalty, BTYD summaries, first-time buyers)."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab._checks import CrmlabInputError, checked_transactions


def lines() -> pd.DataFrame:
    # row labels 10..14 on purpose: the report must name the input's labels, not positions
    return pd.DataFrame({
        "member": ["a", None, "b", "c", None],
        "day": ["2025-01-02", "2025-01-03", "not a day", "2025-01-05", None],
        "paid": ["10", "20", "30", None, "50"],
        "receipt": ["r1", "r2", "r3", "r4", "r5"],
    }, index=[10, 11, 12, 13, 14])


def test_reports_each_reason_with_the_input_row_labels():
    tx = lines().drop(index=12)  # the unparseable date is tested below
    work, report = checked_transactions(tx, customer="member", date="day", amount="paid",
                                        extra=["receipt"], keep_rows=True)
    assert work.index.tolist() == [10]
    assert work.columns.tolist() == ["customer", "date", "amount", "receipt"]
    assert work.loc[10, "amount"] == 10.0 and work.loc[10, "date"] == pd.Timestamp("2025-01-02")
    assert report.received == 4
    # each row under its first reason: row 14 lacks an id and a date but is one row
    assert report.rows("rows without a customer id").tolist() == [11, 14]
    assert report.rows("rows without a date").tolist() == []
    assert report.rows("rows without an amount").tolist() == [13]
    assert report.excluded == 3


def test_amount_is_optional():
    tx = lines().drop(index=12)
    work, report = checked_transactions(tx, customer="member", date="day")
    assert work.index.tolist() == [10, 13]  # row 13 has no amount, which is not needed here
    assert "amount" not in work.columns
    assert report.reasons == ["rows without a customer id"]  # row 14 lacks both: counted once


@pytest.mark.parametrize("change, message", [
    (lambda t: t, "'day' of the transactions must hold dates; rows 12"),
    (lambda t: t.drop(index=12).assign(paid=["10", "x", "3", None]), "must hold numbers"),
    (lambda t: t.drop(columns="paid"), "paid"),
    (lambda t: t.iloc[:0], "empty"),
])
def test_bad_input_is_refused_in_the_users_terms(change, message):
    with pytest.raises(CrmlabInputError, match=message):
        checked_transactions(change(lines()), customer="member", date="day", amount="paid")
