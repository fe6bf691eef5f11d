"""Tests of crmlab.scorecard: every rule against hand-worked values, boundaries, properties, bad input."""

from __future__ import annotations

import doctest
import importlib
import json
import pkgutil

import numpy as np
import pandas as pd
import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

import crmlab.scorecard as sc
from crmlab._checks import CrmlabInputError
from crmlab.scorecard import (
    BandRule,
    Scorecard,
    calendar_months_between,
    collections_matrix,
    default_scorecard,
    dormancy,
    grade_history,
    payment_delays,
    points_to_grade,
    receivables_ageing,
    yoy_class,
    yoy_summary,
)


def test_docstring_examples_run():
    modules = [sc] + [importlib.import_module(f"crmlab.scorecard.{m.name}")
                      for m in pkgutil.iter_modules(sc.__path__)]
    results = [doctest.testmod(m, optionflags=doctest.NORMALIZE_WHITESPACE) for m in modules]
    assert sum(r.attempted for r in results) >= 10
    assert sum(r.failed for r in results) == 0


# ----------------------------------------------------------------------------- calendar months
@pytest.mark.parametrize("start, end, expected", [
    ("2025-01-15", "2025-03-15", 2.0),          # same day two months later
    ("2025-01-31", "2025-02-28", 1.0),          # month end → shorter month's end
    ("2025-01-31", "2025-03-31", 2.0),
    ("2025-09-30", "2025-12-31", 3.0),          # end-of-month rule
    ("2024-02-29", "2025-02-28", 12.0),         # leap-day month end
    ("2025-01-15", "2025-01-30", 15 / 31),      # 15 of January's 31 days
    ("2025-02-10", "2025-03-01", 19 / 28),      # Feb 10 → Mar 10 spans 28 days
    ("2025-03-15", "2025-04-10", 26 / 31),      # Mar 15 → Apr 15 spans 31 days
    ("2025-03-31", "2025-02-28", -1.0),         # backwards is negative
    ("2025-05-05", "2025-05-05", 0.0),
])
def test_calendar_months_hand_values(start, end, expected):
    got = calendar_months_between(pd.Timestamp(start), pd.Timestamp(end))
    assert float(got) == pytest.approx(expected, abs=1e-12)


def test_calendar_months_missing_dates_give_nan_and_broadcast():
    got = calendar_months_between(pd.Series(pd.to_datetime(["2025-01-15", None])),
                                  pd.Timestamp("2025-02-15"))
    assert got[0] == 1.0 and np.isnan(got[1])


@settings(max_examples=40, deadline=None)
@given(st.dates(min_value=pd.Timestamp("2000-01-01").date(),
                max_value=pd.Timestamp("2030-12-31").date()),
       st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=40))
def test_calendar_months_agrees_with_relativedelta(start, months, extra_days):
    # independent source: dateutil's relativedelta counts whole months the same way for
    # days that are not a month's last day
    start = pd.Timestamp(start)
    end = start + pd.Timedelta(days=extra_days) + pd.DateOffset(months=months)
    whole = relativedelta(end.date(), start.date())
    got = float(calendar_months_between(start, end))
    is_month_end = start == start + pd.offsets.MonthEnd(0)
    if not is_month_end:
        assert int(np.floor(got)) == whole.years * 12 + whole.months
    anniversary = start + pd.DateOffset(months=months)
    if not is_month_end or anniversary.is_month_end:
        assert float(calendar_months_between(start, anniversary)) == months
    # monotone: a later end never gives fewer months
    assert float(calendar_months_between(start, end + pd.Timedelta(days=1))) >= got


# ----------------------------------------------------------------------------- YoY classes
def test_yoy_class_boundaries():
    # 120 % exactly is an increase; 80 % exactly flat; 50 % exactly decline; just below each
    # falls to the band under it
    this = [120, 119.99, 80, 79.99, 50, 49.99, 0, 10, 0]
    last = [100, 100, 100, 100, 100, 100, 100, 0, 0]
    out = yoy_class(this, last)
    assert out["yoy_class"].tolist() == ["increase", "flat", "flat", "decline", "decline",
                                         "lost", "lost", "new", "inactive"]
    assert out["yoy_ratio"].iloc[0] == 1.2
    assert np.isnan(out["yoy_ratio"].iloc[7]) and np.isnan(out["yoy_ratio"].iloc[8])


def test_yoy_class_aligns_series_on_index_and_custom_edges():
    this = pd.Series({"a": 130.0, "b": 90.0})
    last = pd.Series({"b": 100.0, "a": 100.0})
    out = yoy_class(this, last, increase_from=1.4, flat_from=0.9, decline_from=0.6)
    assert out.loc["a", "yoy_class"] == "flat"      # 1.3 < 1.4
    assert out.loc["b", "yoy_class"] == "flat"      # 0.9 on the edge → flat
    assert out.loc["a", "last_period"] == 100


def test_yoy_summary_counts_and_shares():
    out = yoy_class([150, 100, 60, 10, 5, 0, 200, 121],
                    [100, 100, 100, 100, 0, 0, 100, 100])
    summary = yoy_summary(out)
    # by hand: increase 150, 200, 121 → 3; flat 100 → 1; decline 60 → 1; lost 10 → 1;
    # new 1; inactive 1; of 8
    assert summary["customers"].tolist() == [3, 1, 1, 1, 1, 1]
    assert summary["share"].tolist() == [3 / 8, 1 / 8, 1 / 8, 1 / 8, 1 / 8, 1 / 8]
    assert summary["share"].sum() == pytest.approx(1.0)


def test_yoy_bad_input():
    with pytest.raises(CrmlabInputError, match="must not be negative"):
        yoy_class([-1, 5], [1, 1])
    with pytest.raises(CrmlabInputError, match="must hold numbers"):
        yoy_class(["x", 5], [1, 1])
    with pytest.raises(CrmlabInputError, match="one value per customer"):
        yoy_class([1, 2], [1])
    with pytest.raises(CrmlabInputError, match="unknown YoY classes"):
        yoy_summary(pd.Series(["increase", "boom"]))


# ----------------------------------------------------------------------------- dormancy
def test_dormancy_boundaries():
    as_of = "2025-12-31"
    dates = pd.Series(pd.to_datetime([
        "2025-12-31",  # 0 months: short
        "2025-12-01",  # 30/31 of a month: short
        "2025-11-30",  # exactly 1 month (end-of-month rule): medium
        "2025-09-30",  # exactly 3 months: still medium
        "2025-09-29",  # 3 months and 1 day (Sep 29 → Dec 29 → Dec 31): long
        None,          # never ordered
    ]), index=list("abcdef"))
    out = dormancy(dates, as_of=as_of)
    assert out["dormancy"].tolist() == ["short", "short", "medium", "medium", "long", "never"]
    assert out.loc["c", "months_since_order"] == 1.0
    assert out.loc["d", "months_since_order"] == 3.0
    assert out.loc["e", "months_since_order"] == pytest.approx(3 + 2 / 31)


def test_dormancy_parameters_and_errors():
    out = dormancy(pd.to_datetime(["2025-10-31"]), as_of="2025-12-31", short_months=2, long_months=6)
    assert out["dormancy"].tolist() == ["medium"]   # exactly 2 months with a 2-month short line
    with pytest.raises(CrmlabInputError, match="after as_of"):
        dormancy(pd.to_datetime(["2026-01-05"]), as_of="2025-12-31")
    with pytest.raises(CrmlabInputError, match="cannot be read as a date"):
        dormancy(pd.Series(["2025-13-45"]), as_of="2025-12-31")


# ----------------------------------------------------------------------------- collections
def _invoices() -> pd.DataFrame:
    return pd.DataFrame({
        "invoice_id": ["i1", "i2", "i3", "i4", "i5", "i6", "i7", "i8"],
        "customer_id": ["A", "A", "B", "C", "C", "D", "E", "E"],
        "invoice_date": pd.to_datetime(["2025-09-30", "2025-11-15", "2025-08-01", "2025-10-01",
                                        "2025-07-01", "2025-11-01", "2026-01-05", "2025-06-01"]),
        "due_date": pd.to_datetime(["2025-10-31", "2025-12-15", "2025-09-30", "2025-10-31",
                                    "2025-08-31", "2025-12-01", "2026-02-05", "2025-07-01"]),
        "amount": [60_000, 40_000, 100_000, 99_999, 5_000, 20_000, 500_000, 7_000],
        "paid_date": pd.to_datetime([None, "2026-01-10", None, None, "2025-12-31", None, None,
                                     "2025-07-20"]),
    })


def test_receivables_ageing_hand_worked():
    rec = receivables_ageing(_invoices(), as_of="2025-12-31").set_index("invoice_id")
    # i5 (paid on the day) and i8 (paid) are settled; i7 is invoiced after the month end
    assert sorted(rec.index) == ["i1", "i2", "i3", "i4", "i6"]
    # A: 60,000 + 40,000 (paid after the month end, so open) = exactly 100,000 → large
    assert rec.loc["i1", "customer_open_total"] == 100_000
    assert rec.loc["i1", "months_overdue"] == 2.0               # Oct 31 → Dec 31: exactly 2
    assert rec.loc["i1", "action"] == "key"                     # 2 months and 100,000: key
    assert rec.loc["i2", "months_overdue"] == pytest.approx(16 / 31)
    assert rec.loc["i2", "action"] == "on_site"
    assert rec.loc["i3", "action"] == "key"                     # 3 months, 100,000
    assert rec.loc["i4", "action"] == "letter"                  # 2 months, 99,999 < line
    assert rec.loc["i6", "months_overdue"] == pytest.approx(30 / 31)
    assert rec.loc["i6", "action"] == "defer"


def test_collections_matrix_amounts_per_cell():
    m = collections_matrix(_invoices(), as_of="2025-12-31").set_index("action")
    # by hand: key i1 60,000 + i3 100,000; on-site i2 40,000; letter i4 99,999; defer i6 20,000
    assert m["amount"].to_dict() == {"key": 160_000, "on_site": 40_000, "letter": 99_999,
                                     "defer": 20_000}
    assert m["customers"].to_dict() == {"key": 2, "on_site": 1, "letter": 1, "defer": 1}
    assert m.loc["key", "action_zh"] == "重点催收"
    assert m["amount"].sum() == receivables_ageing(_invoices(), as_of="2025-12-31")["amount"].sum()


def test_collections_matrix_lines_are_parameters_and_empty_cells_are_zero():
    m = collections_matrix(_invoices(), as_of="2025-12-31", amount_line=200_000,
                           age_line_months=3).set_index("action")
    # nobody reaches 200,000; by invoice date (账龄) i1 (Sep 30 → Dec 31: exactly 3 months) and
    # i3 (5 months) are aged; i2 (1.5), i4 (Oct 1: 2 months 30 days) and i6 are not
    assert m["amount"].to_dict() == {"key": 0, "on_site": 0, "letter": 160_000,
                                     "defer": 159_999}
    assert m.loc["key", "receivables"] == 0
    # counted from the due date instead, only i3 (Sep 30 → Dec 31, exactly 3 months) is aged
    due = collections_matrix(_invoices(), as_of="2025-12-31", amount_line=200_000, age_line_months=3,
                             age_basis="due").set_index("action")
    assert due["amount"].to_dict() == {"key": 0, "on_site": 0, "letter": 100_000, "defer": 219_999}


def test_age_basis_invoice_date_versus_due_date():
    # 150,000 invoiced on Sep 30 with 60-day terms (due Nov 30): 3 months old, 1 month overdue
    inv = pd.DataFrame({"customer_id": ["A"], "amount": [150_000.0],
                        "invoice_date": pd.to_datetime(["2025-09-30"]),
                        "due_date": pd.to_datetime(["2025-11-30"]), "paid_date": [pd.NaT]})
    by_invoice = receivables_ageing(inv, as_of="2025-12-31")
    assert by_invoice["age_months"].tolist() == [3.0] and by_invoice["action"].tolist() == ["key"]
    by_due = receivables_ageing(inv, as_of="2025-12-31", age_basis="due")
    assert by_due["age_months"].tolist() == [1.0] and by_due["action"].tolist() == ["on_site"]
    with pytest.raises(CrmlabInputError, match="age_basis must be 'invoice'"):
        receivables_ageing(inv, as_of="2025-12-31", age_basis="overdue")
    with pytest.raises(CrmlabInputError, match="no invoice_date column"):
        receivables_ageing(inv, as_of="2025-12-31", invoice_date=None)


def test_not_yet_due_is_reported_separately_not_filed_under_a_collection():
    inv = pd.DataFrame({"customer_id": ["A", "A", "B"], "amount": [120_000.0, 30_000.0, 10.0],
                        "invoice_date": pd.to_datetime(["2025-09-15", "2025-12-10", "2025-12-01"]),
                        "due_date": pd.to_datetime(["2025-10-15", "2026-03-10", "2026-03-01"]),
                        "paid_date": [pd.NaT] * 3})
    rec = receivables_ageing(inv, as_of="2025-12-31")
    assert rec["action"].tolist() == ["key", "not_due", "not_due"]
    assert rec["months_overdue"].tolist()[1:] == [0.0, 0.0]
    m = collections_matrix(inv, as_of="2025-12-31").set_index("action")
    assert m["amount"].to_dict() == {"key": 120_000, "on_site": 0, "letter": 0, "defer": 0}
    report = m.attrs["excluded"]
    reason = "receivables not yet due (in no cell: they cannot be collected yet)"
    assert (report.received, report.counts, report.examples) == (3, {reason: 2}, {reason: (1, 2)})
    assert rec.loc[rec["not_due"], "amount"].sum() == 30_010.0


def test_collections_bad_input():
    inv = _invoices()
    with pytest.raises(CrmlabInputError, match="missing column 'due_date'"):
        collections_matrix(inv.drop(columns="due_date"), as_of="2025-12-31")
    neg = inv.copy()
    neg.loc[2, "amount"] = -5
    with pytest.raises(CrmlabInputError, match="must not be negative; rows 2"):
        collections_matrix(neg, as_of="2025-12-31")
    nodue = inv.copy()
    nodue.loc[[0, 7], "due_date"] = pd.NaT        # row 7 is paid: only row 0 matters
    with pytest.raises(CrmlabInputError, match=r"no due date in rows 0(?! and)"):
        collections_matrix(nodue, as_of="2025-12-31")
    text = inv.copy().astype({"paid_date": object})
    text.loc[1, "paid_date"] = "someday"
    with pytest.raises(CrmlabInputError, match="'paid_date'.*'someday'"):
        collections_matrix(text, as_of="2025-12-31")


# ----------------------------------------------------------------------------- payment delays
def test_payment_delays_hand_worked():
    inv = _invoices()
    extra = pd.DataFrame({
        "invoice_id": ["j1", "j2"], "customer_id": ["F", "F"],
        "invoice_date": pd.to_datetime(["2024-01-01", "2025-01-01"]),
        # j1 was paid 5 months late but before the 12-month window (paid 2024-06-30)
        "due_date": pd.to_datetime(["2024-01-31", "2025-01-31"]),
        "amount": [1.0, 1.0],
        "paid_date": pd.to_datetime(["2024-06-30", "2025-01-20"]),
    })
    out = payment_delays(pd.concat([inv, extra], ignore_index=True), as_of="2025-12-31")
    # A: i1 open, 2 months overdue; i2 open at month end, Dec 15 → Dec 31 = 16/31
    assert out.loc["A", "max_delay_months"] == 2.0
    assert out.loc["A", "invoices_considered"] == 2
    assert out.loc["B", "max_delay_months"] == 3.0                  # Sep 30 → Dec 31
    # C: i5 paid on Dec 31, due Aug 31 → 4 months exactly
    assert out.loc["C", "max_delay_months"] == 4.0
    # E: i8 paid 19 days late (Jul 1 → Jul 20 of 31), i7 not yet issued
    assert out.loc["E", "max_delay_months"] == pytest.approx(19 / 31)
    assert out.loc["E", "invoices_considered"] == 1
    assert out.loc["F", "max_delay_months"] == 0.0                  # j1 outside, j2 early


# ----------------------------------------------------------------------------- scorecard
def _customers(**overrides) -> pd.DataFrame:
    base = {
        "customer_id": [f"C{i:02d}" for i in range(10)],
        "sales": [1000, 900, 800, 700, 600, 500, 400, 300, 200, 100],
        "yoy_ratio": [1.2, 1.19, 0.8, 0.79, 0.5, 0.49, np.nan, 2.0, 0.0, 1.0],
        "payment_terms_months": [0, 0.99, 1, 1.99, 2, 3.99, 4, 6, 0, 0],
        "max_delay_months": [0, 0.5, 1, 1.01, 2, 2.01, 4, 4.01, 0, 0],
        "brand_standing": ["global500", "global500_affiliate", "top50", "top50_affiliate",
                           "other", "other", "top50", "global500", "other", "other"],
        "outlook_points": [15, 12, 10, 8, 5, 0, 15, 7.5, 3, 0],
    }
    base.update(overrides)
    return pd.DataFrame(base)


def test_default_scorecard_items_by_hand():
    scores = default_scorecard().score(_customers()).set_index("customer_id")
    # sales rank among 10: C00 Class I; C01, C02 Class II; the rest Class III
    assert scores["class_sales_rank"].tolist() == ["I", "II", "II"] + ["III"] * 7
    assert scores["points_sales_rank"].tolist() == [15, 10, 10] + [5] * 7
    # YoY: 1.2→15, 1.19→10, 0.8→10, 0.79→8, 0.5→8, 0.49→5, new→10, 2.0→15, 0→5, 1.0→10
    assert scores["points_yoy_growth"].tolist() == [15, 10, 10, 8, 8, 5, 10, 15, 5, 10]
    # terms: 0→15, 0.99→15, 1→10, 1.99→10, 2→8, 3.99→8, 4→5, 6→5, 0→15, 0→15
    assert scores["points_payment_terms"].tolist() == [15, 15, 10, 10, 8, 8, 5, 5, 15, 15]
    # delay: 0→20, 0.5→15, 1→15, 1.01→10, 2→10, 2.01→5, 4→5, 4.01→0, 0→20, 0→20
    assert scores["points_payment_record"].tolist() == [20, 15, 15, 10, 10, 5, 5, 0, 20, 20]
    assert scores["points_brand_standing"].tolist() == [20, 15, 10, 8, 5, 5, 10, 20, 5, 5]
    assert scores["points_outlook"].tolist() == [15, 12, 10, 8, 5, 0, 15, 7.5, 3, 0]
    # totals by hand: C00 15+15+15+20+20+15 = 100; C01 10+10+15+15+15+12 = 77;
    # C02 10+10+10+15+10+10 = 65; C03 5+8+10+10+8+8 = 49; C04 5+8+8+10+5+5 = 41;
    # C05 5+5+8+5+5+0 = 28; C06 5+10+5+5+10+15 = 50; C07 5+15+5+0+20+7.5 = 52.5;
    # C08 5+5+15+20+5+3 = 53; C09 5+10+15+20+5+0 = 55
    assert scores["total"].tolist() == [100, 77, 65, 49, 41, 28, 50, 52.5, 53, 55]
    assert scores["grade"].astype(str).tolist() == ["A", "B", "B", "D", "D", "D", "C", "C",
                                                    "C", "C"]


def test_new_customer_points_are_a_parameter():
    card = default_scorecard(new_customer_yoy_points=5)
    scores = card.score(_customers()).set_index("customer_id")
    assert scores.loc["C06", "points_yoy_growth"] == 5


@pytest.mark.parametrize("total, grade", [(100, "A"), (80, "A"), (79.99, "B"), (60, "B"),
                                          (59.99, "C"), (50, "C"), (49.99, "D"), (0, "D")])
def test_points_to_grade_boundaries(total, grade):
    assert points_to_grade(total) == grade


def test_points_to_grade_custom_floors_and_series():
    got = points_to_grade(pd.Series([90, 70, 10], index=["x", "y", "z"]),
                          grade_floors={"A": 85, "B": 40})
    assert got.tolist() == ["A", "B", "C"] and list(got.index) == ["x", "y", "z"]
    with pytest.raises(CrmlabInputError, match="decrease"):
        points_to_grade(5, grade_floors={"A": 50, "B": 60})


def test_score_does_not_mutate_input_and_keeps_columns():
    customers = _customers()
    before = customers.copy()
    scores = default_scorecard().score(customers)
    pd.testing.assert_frame_equal(customers, before)
    assert list(scores.columns[:7]) == list(customers.columns)


def test_explain_names_lost_items_and_the_way_up():
    card = default_scorecard()
    card.score(_customers())
    text = card.explain("C03")
    # C03: 49 points → D; 1 point short of C
    assert "grade D, 49 of 100 points" in text
    assert "payment_record 回款资信: 10 of 20 (max_delay_months = 1.01, band 1 < value ≤ 2)" in text
    assert "To reach C it needs 1 more points" in text
    assert "vice-president" in text
    top = card.explain("C00")
    assert "No points lost" in top and "To reach" not in top
    with pytest.raises(CrmlabInputError, match="not in the scored table"):
        card.explain("nobody")
    with pytest.raises(CrmlabInputError, match="call score"):
        default_scorecard().explain("C00")


@pytest.mark.parametrize("change, message", [
    ({"brand_standing": ["fortune500"] + ["other"] * 9}, "unknown labels 'fortune500'.*rows 0"),
    ({"outlook_points": [16] + [0] * 9}, "between 0 and 15; rows 0"),
    ({"outlook_points": [np.nan] + [0] * 9}, "outlook_points"),
    ({"payment_terms_months": [np.nan] + [0] * 9}, "'payment_terms_months'.*empty in rows 0"),
    ({"max_delay_months": ["late"] + [0] * 9}, "must hold numbers"),
    ({"sales": [-5] + [1] * 9}, "must not be negative"),
    ({"customer_id": ["C1"] * 10}, "unique"),
])
def test_score_bad_input(change, message):
    with pytest.raises(CrmlabInputError, match=message):
        default_scorecard().score(_customers(**change))


def test_score_missing_columns_and_empty():
    with pytest.raises(CrmlabInputError, match="missing column 'brand_standing'"):
        default_scorecard().score(_customers().drop(columns="brand_standing"))
    with pytest.raises(CrmlabInputError, match="empty"):
        default_scorecard().score(_customers().iloc[:0])


# --- properties ---------------------------------------------------------------------------
_brands = st.sampled_from(sc.BRAND_STANDINGS)
_customer_rows = st.lists(st.tuples(
    st.floats(0, 1e7), st.one_of(st.none(), st.floats(0, 5)), st.floats(0, 12),
    st.floats(0, 12), _brands, st.integers(0, 15)), min_size=1, max_size=30)


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": range(len(rows)), "sales": [r[0] for r in rows],
        "yoy_ratio": [np.nan if r[1] is None else r[1] for r in rows],
        "payment_terms_months": [r[2] for r in rows], "max_delay_months": [r[3] for r in rows],
        "brand_standing": [r[4] for r in rows], "outlook_points": [r[5] for r in rows]})


@settings(max_examples=25, deadline=None)
@given(_customer_rows)
def test_scorecard_properties(rows):
    card = default_scorecard()
    scores = card.score(_frame(rows))
    items = scores[[f"points_{i.name}" for i in card.items]]
    assert np.allclose(items.sum(axis=1), scores["total"])                 # total = sum
    assert scores["total"].between(0, 100).all()                           # 0..100
    for item in card.items:                                                # each within max
        assert scores[f"points_{item.name}"].between(0, item.max_points).all()
    # grades partition the customers: one grade each, matching the total's band
    assert scores["grade"].notna().all()
    naive = ["A" if t >= 80 else "B" if t >= 60 else "C" if t >= 50 else "D"
             for t in scores["total"]]
    assert scores["grade"].astype(str).tolist() == naive


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 20), min_size=6, max_size=6), st.integers(0, 5),
       st.floats(0, 20))
def test_raising_one_item_never_lowers_the_grade(points, which, extra):
    caps = [15, 15, 15, 20, 20, 15]
    points = [min(p, c) for p, c in zip(points, caps)]
    raised = list(points)
    raised[which] = min(caps[which], raised[which] + extra)
    order = "ABCD"
    assert order.index(points_to_grade(sum(raised))) <= order.index(points_to_grade(sum(points)))


@settings(max_examples=40, deadline=None)
@given(st.floats(0, 10), st.floats(0, 3))
def test_band_rules_monotone(value, step):
    # more months of terms or delay never score more; a higher YoY ratio never scores less
    card = default_scorecard()
    items = {i.name: i.rule for i in card.items}
    pair = pd.Series([value, value + step])
    terms = items["payment_terms"].apply(pair).tolist()
    delay = items["payment_record"].apply(pair).tolist()
    yoy = items["yoy_growth"].apply(pair).tolist()
    assert terms[0] >= terms[1] and delay[0] >= delay[1] and yoy[0] <= yoy[1]


# --- persistence ----------------------------------------------------------------------------
def test_yaml_and_json_round_trip(tmp_path):
    card = default_scorecard()
    assert Scorecard.from_yaml(card.to_yaml()) == card
    assert Scorecard.from_json(card.to_json()) == card
    for name in ("card.yaml", "card.json"):
        path = card.save(tmp_path / name)
        assert Scorecard.load(path) == card
    assert "销售额排名" in (tmp_path / "card.yaml").read_text(encoding="utf-8")
    loaded = Scorecard.load(tmp_path / "card.json")
    pd.testing.assert_frame_equal(loaded.score(_customers()), card.score(_customers()))


def test_a_teacher_can_reweight_in_yaml():
    # payment record worth 30 instead of 20 (on time 30, <1 month 20, …), grades unchanged
    data = default_scorecard().to_dict()
    record = next(i for i in data["items"] if i["name"] == "payment_record")
    record["max_points"] = 30
    record["points"] = [30, 20, 10, 5, 0]
    card = Scorecard.from_dict(data)
    assert card.max_total == 110
    scores = card.score(_customers()).set_index("customer_id")
    # C09: 55 before, on time → +10 → 65
    assert scores.loc["C09", "total"] == 65 and scores.loc["C09", "grade"] == "B"


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["items"][0].update(rule="magic"), "unknown rule 'magic'"),
    (lambda d: d["items"][1].pop("edges"), "needs 'edges'"),
    (lambda d: d["items"][1].update(points=[1, 2]), "one more points value than edges"),
    (lambda d: d["items"][1].update(edges=[0.8, 0.5, 1.2]), "increase strictly"),
    (lambda d: d["items"][3].update(max_points=10), "up to 20 points but the item's maximum"),
    (lambda d: d["items"][2].pop("column"), "needs 'column'"),
    (lambda d: d.update(grade_floors={"A": 50, "B": 80}), "decrease"),
    (lambda d: d["items"].append(dict(d["items"][0])), "unique"),
])
def test_bad_scorecard_files(mutate, message):
    data = json.loads(default_scorecard().to_json())
    mutate(data)
    with pytest.raises(CrmlabInputError, match=message):
        Scorecard.from_dict(data)


def test_unreadable_files():
    with pytest.raises(CrmlabInputError, match="not valid YAML"):
        Scorecard.from_yaml("items: [unclosed")
    with pytest.raises(CrmlabInputError, match="not valid JSON"):
        Scorecard.from_json("{")
    with pytest.raises(CrmlabInputError, match="'items' list"):
        Scorecard.from_yaml("name: x")


def test_band_rule_right_closed_description():
    rule = BandRule(edges=(0, 1), points=(3, 2, 1), closed="right")
    assert rule.apply(pd.Series([0, 1, 1.5])).tolist() == [3, 2, 1]
    assert rule.describe_value(1) == "0 < value ≤ 1"


# ----------------------------------------------------------------------------- grade history
def test_two_consecutive_c_become_d():
    g = pd.DataFrame({
        "customer_id": ["X"] * 5 + ["Y"] * 4,
        "month": pd.to_datetime(["2025-01-31", "2025-02-28", "2025-03-31", "2025-04-30",
                                 "2025-05-31",
                                 "2025-01-31", "2025-03-31", "2025-04-30", "2025-05-31"]),
        "grade": ["C", "C", "C", "B", "C", "C", "C", "D", "A"],
        "total": [55, 52, 51, 70, 58, 50, 56, 30, 90],
    })
    out = grade_history(g)
    x = out[out.customer_id == "X"]
    assert x["score_grade"].tolist() == ["C", "C", "C", "B", "C"]
    assert x["grade"].tolist() == ["C", "D", "D", "B", "C"]
    assert x["reason"].iloc[1] == "two consecutive C grades (2025-01, 2025-02)"
    y = out[out.customer_id == "Y"]
    # Y: January and March are not consecutive months (February is missing)
    assert y["grade"].tolist() == ["C", "C", "D", "A"]
    assert y["reason"].tolist() == ["", "", "scored D", ""]
    assert out["may_drop"].tolist() == [False, True, True, False, False, False, False, True,
                                        False]
    assert "total" in out.columns


def test_quarterly_gradings_are_consecutive():
    g = pd.DataFrame({"customer_id": ["Q"] * 3 + ["R"] * 2,
                      "month": pd.to_datetime(["2025-03-31", "2025-06-30", "2025-09-30",
                                               "2025-03-31", "2025-09-30"]),
                      "grade": ["C", "C", "B", "C", "C"]})
    out = grade_history(g)
    assert out["grade"].tolist() == ["C", "D", "B", "C", "C"]   # R skipped the June grading
    assert out["reason"].iloc[1] == "two consecutive C grades (2025-03, 2025-06)"


def test_grade_history_sorts_and_rejects_duplicates():
    g = pd.DataFrame({"customer_id": ["X", "X"], "month": ["2025-02-01", "2025-01-01"],
                      "grade": ["C", "C"]})
    out = grade_history(g)
    assert out["grade"].tolist() == ["C", "D"]
    dup = pd.DataFrame({"customer_id": ["X", "X"], "month": ["2025-01-01", "2025-01-31"],
                        "grade": ["C", "B"]})
    with pytest.raises(CrmlabInputError, match="one grade per month"):
        grade_history(dup)
    with pytest.raises(CrmlabInputError, match="missing column 'grade'"):
        grade_history(dup.drop(columns="grade"))


def test_brand_other_is_judged_per_customer_from_0_to_5():
    from crmlab.scorecard import default_scorecard

    card = default_scorecard()
    base = pd.DataFrame({"customer_id": ["A", "B", "C"], "sales": [300.0, 200.0, 100.0],
                         "yoy_ratio": [1.0, 1.0, 1.0], "payment_terms_months": [0, 0, 0],
                         "max_delay_months": [0.0, 0.0, 0.0],
                         "brand_standing": ["other", "other", "global500"], "outlook_points": [5, 5, 5]})
    # without the setting, "other" scores 5 as before
    assert card.score(base).set_index("customer_id")["points_brand_standing"].to_dict() == {
        "A": 5.0, "B": 5.0, "C": 20.0}
    judged = base.assign(brand_other_points=[0, 3, None])   # C is not "other": its value is unused
    points = card.score(judged).set_index("customer_id")["points_brand_standing"].to_dict()
    assert points == {"A": 0.0, "B": 3.0, "C": 20.0}
    with pytest.raises(CrmlabInputError, match="brand_other_points.*0 to 5.*rows 1"):
        card.score(base.assign(brand_other_points=[2, 6, None]))
    with pytest.raises(CrmlabInputError, match="rows 0"):
        card.score(base.assign(brand_other_points=[None, 1, None]))
    assert type(card).from_dict(card.to_dict()) == card     # the setting survives YAML/JSON
