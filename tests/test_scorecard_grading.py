"""The month-end grading run, grade history over months, export, on hand-made and shipped B2B data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dateutil.relativedelta import relativedelta
from openpyxl import load_workbook

from crmlab._checks import CrmlabInputError
from crmlab.scorecard import (
    GRADE_COLOURS,
    collections_matrix, receivables_ageing,
    default_scorecard,
    export_grade_table,
    grading_history,
    monthly_grading,
    yoy_summary,
)

IDS = [f"C{i}" for i in range(11)]


def _b2b() -> dict[str, pd.DataFrame]:
    """Ten customers graded at 2025-06-30 (C10 joins in August), worked by hand below."""
    customers = pd.DataFrame({
        "customer_id": IDS,
        "company_name": [f"公司{i}" for i in range(11)],
        "payment_terms_months": [0, 1, 2, 4, 3, 0, 0, 0, 0, 0, 0],
        "brand_standing": ["global500", "top50", "other", "global500_affiliate",
                           "top50_affiliate"] + ["other"] * 6,
        "outlook_points": [15, 10, 5, 12, 9, 6, 6, 6, 6, 6, 6],
        "since": pd.to_datetime(["2010-01-01"] * 10 + ["2025-08-01"]),
    })
    this_year = [100, 90, 80, 40, 30, 20, 15, 10, 5, 0, 50]   # per month, Jan–Jun 2025
    last_year = [50, 75, 100, 50, 60, 50, 0, 10, 10, 10, 0]   # per month, Jan–Jun 2024
    rows = []
    for cid, x, y in zip(IDS, this_year, last_year):
        for m in range(1, 13):
            rows.append((cid, pd.Timestamp(2024, m, 1), y if m <= 6 else 999.0))
            rows.append((cid, pd.Timestamp(2025, m, 1), x if m <= 6 else 1000.0))
    sales = pd.DataFrame(rows, columns=["customer_id", "month", "sales"])
    invoices = pd.DataFrame({
        "invoice_id": ["v0", "v1", "v2", "v3", "v4", "v10"],
        "customer_id": ["C0", "C1", "C2", "C3", "C4", "C10"],
        "invoice_date": pd.to_datetime(["2025-03-31", "2025-02-15", "2024-12-31", "2023-11-01",
                                        "2025-05-15", "2025-08-15"]),
        "due_date": pd.to_datetime(["2025-04-30", "2025-03-15", "2025-01-31", "2023-12-01",
                                    "2025-06-15", "2025-09-15"]),
        "amount": [120_000, 30_000, 50_000, 10_000, 100_000, 5_000],
        "paid_date": pd.to_datetime([None, "2025-04-10", "2025-08-01", "2024-05-01", None, None]),
    })
    return {"b2b_customers": customers, "b2b_monthly_sales": sales, "b2b_invoices": invoices}


def test_monthly_grading_hand_worked():
    table = monthly_grading(_b2b(), "2025-06-30").set_index("customer_id")
    assert "C10" not in table.index                     # not a customer yet at the month end
    # YTD Jan–Jun: C0 600/300 = 2.0; C1 540/450 = 1.2 exactly; C2 480/600 = 0.8; C6 no base;
    # C9 no 2025 sales up to June (its July sales come after the month end)
    assert table.loc["C1", "yoy_ratio"] == 1.2
    assert table["yoy_class"].astype(str).to_dict() == {
        "C0": "increase", "C1": "increase", "C2": "flat", "C3": "flat", "C4": "decline",
        "C5": "lost", "C6": "new", "C7": "flat", "C8": "decline", "C9": "lost"}
    assert table.loc["C0", "sales"] == 600 and table.loc["C0", "last_year_sales"] == 300
    # worst delays: C0 open since Apr 30 → 2 months; C1 paid 26/31 of a month late; C2 open at
    # the month end (paid in August) since Jan 31 → 5 months; C3 late only before the window;
    # C4 open 15/30 of a month
    expected_delay = {"C0": 2.0, "C1": 26 / 31, "C2": 5.0, "C3": 0.0, "C4": 0.5}
    for cid, delay in expected_delay.items():
        assert table.loc[cid, "max_delay_months"] == pytest.approx(delay)
    assert table["collection_action"].astype(str).to_dict() == {
        "C0": "key", "C1": "none", "C2": "letter", "C3": "none", "C4": "on_site",
        "C5": "none", "C6": "none", "C7": "none", "C8": "none", "C9": "none"}
    assert table.loc["C2", "open_receivable"] == 50_000
    # totals worked by hand (rank + YoY + terms + record + brand + outlook):
    expected = {"C0": 15 + 15 + 15 + 10 + 20 + 15, "C1": 10 + 15 + 10 + 15 + 10 + 10,
                "C2": 10 + 10 + 8 + 0 + 5 + 5, "C3": 5 + 10 + 5 + 20 + 15 + 12,
                "C4": 5 + 8 + 8 + 15 + 8 + 9, "C5": 5 + 5 + 15 + 20 + 5 + 6,
                "C6": 5 + 10 + 15 + 20 + 5 + 6, "C7": 5 + 10 + 15 + 20 + 5 + 6,
                "C8": 5 + 8 + 15 + 20 + 5 + 6, "C9": 5 + 5 + 15 + 20 + 5 + 6}
    assert table["total"].to_dict() == expected
    assert table["grade"].astype(str).to_dict() == {
        "C0": "A", "C1": "B", "C2": "D", "C3": "B", "C4": "C", "C5": "C", "C6": "B",
        "C7": "B", "C8": "C", "C9": "C"}
    # best first
    assert table["total"].is_monotonic_decreasing


def test_trailing12_basis_and_input_unchanged():
    data = _b2b()
    before = {k: v.copy() for k, v in data.items()}
    table = monthly_grading(data, "2025-12-31", yoy_basis="trailing12").set_index("customer_id")
    # C0 trailing 12 months: 6×100 + 6×1000 = 6600 against 6×50 + 6×999 = 6294
    assert table.loc["C0", "yoy_ratio"] == pytest.approx(6600 / 6294)
    for key in data:
        pd.testing.assert_frame_equal(data[key], before[key])


def test_grading_history_applies_two_c_rule():
    history = grading_history(_b2b(), ["2025-05-31", "2025-06-30"])
    may = history[history.month_end == "2025-05-31"].set_index("customer_id")
    june = history[history.month_end == "2025-06-30"].set_index("customer_id")
    # May by hand: C0's invoice is 1 month overdue (15 points) → 95; C2 4 months late → 5
    # points → 43; C4's invoice is not yet due → 20 points → 58 (C)
    assert may.loc["C0", "total"] == 95 and may.loc["C2", "total"] == 43
    assert may.loc["C4", "grade"] == "C"
    demoted = sorted(june.index[june["demoted"]])
    assert demoted == ["C4", "C5", "C8", "C9"]         # C in May and in June
    assert (june.loc[demoted, "grade"] == "D").all()
    assert (june.loc[demoted, "score_grade"] == "C").all()
    assert june.loc["C2", "reason"] == "scored D" and june.loc["C2", "may_drop"]
    assert june.loc["C4", "reason"] == "two consecutive C grades (2025-05, 2025-06)"


def test_monthly_grading_bad_input():
    data = _b2b()
    with pytest.raises(CrmlabInputError, match="last day of a month.*2025-06-30"):
        monthly_grading(data, "2025-06-15")
    with pytest.raises(CrmlabInputError, match="needs a 'b2b_invoices' table"):
        monthly_grading({k: v for k, v in data.items() if k != "b2b_invoices"}, "2025-06-30")
    broken = dict(data, b2b_customers=data["b2b_customers"].drop(columns="brand_standing"))
    with pytest.raises(CrmlabInputError, match="missing column 'brand_standing'"):
        monthly_grading(broken, "2025-06-30")
    inv = data["b2b_invoices"].copy()
    inv.loc[0, "due_date"] = pd.NaT
    with pytest.raises(CrmlabInputError, match="no due date in rows 0"):
        monthly_grading(dict(data, b2b_invoices=inv), "2025-06-30")
    sales = data["b2b_monthly_sales"].copy()
    sales.loc[3, "sales"] = -10
    with pytest.raises(CrmlabInputError, match="'sales' of b2b_monthly_sales must not be"):
        monthly_grading(dict(data, b2b_monthly_sales=sales), "2025-06-30")
    with pytest.raises(CrmlabInputError, match="yoy_basis"):
        monthly_grading(data, "2025-06-30", yoy_basis="rolling")
    with pytest.raises(CrmlabInputError, match="empty"):
        monthly_grading(data, "2009-12-31")


# ----------------------------------------------------------------------------- export
def test_excel_export_reads_back(tmp_path):
    table = monthly_grading(_b2b(), "2025-06-30")
    path = export_grade_table(table, tmp_path / "grades.xlsx", title="客户分级表 2025-06")
    sheet = load_workbook(path).active
    assert sheet["A1"].value == "机密 / Confidential — 客户分级表 2025-06"
    assert "Confidential" in sheet.oddHeader.center.text
    header = [c.value for c in sheet[2]]
    assert header == list(table.columns)
    assert sheet.max_row == 2 + len(table)
    assert sheet.freeze_panes == "B3"
    grade_col = header.index("grade")
    ids_col = header.index("customer_id")
    rows = list(sheet.iter_rows(min_row=3, values_only=False))
    got = {r[ids_col].value: r[grade_col].value for r in rows}
    assert got == dict(zip(table["customer_id"], table["grade"].astype(str)))
    for r in rows:
        assert r[grade_col].fill.start_color.rgb.endswith(GRADE_COLOURS[r[grade_col].value])
    total_col = header.index("total")
    assert [r[total_col].value for r in rows] == table["total"].tolist()
    back = pd.read_excel(path, skiprows=1)
    assert len(back) == len(table) and list(back.columns) == list(table.columns)


def test_csv_export_reads_back(tmp_path):
    table = monthly_grading(_b2b(), "2025-06-30")
    path = export_grade_table(table, tmp_path / "grades.csv")
    first = path.read_text(encoding="utf-8-sig").splitlines()[0]
    assert first == "机密 / Confidential — 客户分级表"
    back = pd.read_csv(path, skiprows=1, encoding="utf-8-sig")
    assert back["customer_id"].tolist() == table["customer_id"].tolist()
    assert back["grade"].tolist() == table["grade"].astype(str).tolist()
    assert back["total"].tolist() == table["total"].tolist()
    with pytest.raises(CrmlabInputError, match=".xlsx or .csv"):
        export_grade_table(table, tmp_path / "grades.txt")


# ----------------------------------------------------------------------------- shipped data
@pytest.fixture(scope="module")
def shipped():
    from crmlab.datasets import load_dataset

    return {n: load_dataset(n) for n in ("b2b_customers", "b2b_monthly_sales", "b2b_invoices")}


def test_shipped_b2b_grading_is_complete(shipped):
    table = monthly_grading(shipped, "2025-12-31")
    assert len(table) == shipped["b2b_customers"]["customer_id"].nunique()
    assert set(table["grade"].astype(str)) == {"A", "B", "C", "D"}
    summary = yoy_summary(table).set_index("yoy_class")
    for cls in ("increase", "flat", "decline", "lost", "new"):
        assert summary.loc[cls, "customers"] > 0
    # totals agree with the item points, and the ranking is inside the scored set
    items = table.filter(like="points_")
    assert np.allclose(items.sum(axis=1), table["total"])
    assert (table["class_sales_rank"] == "I").mean() == pytest.approx(0.10, abs=0.01)


def test_shipped_collections_matrix_against_naive_loop(shipped):
    as_of = pd.Timestamp("2025-12-31")
    inv = shipped["b2b_invoices"]
    matrix = collections_matrix(inv, as_of=as_of).set_index("action")
    # independent computation: plain Python per invoice with dateutil's month arithmetic
    open_rows = [r for r in inv.itertuples() if r.invoice_date <= as_of
                 and (pd.isna(r.paid_date) or r.paid_date > as_of)]
    totals: dict[str, float] = {}
    for r in open_rows:
        totals[r.customer_id] = totals.get(r.customer_id, 0.0) + r.amount
    cells = {"key": 0.0, "on_site": 0.0, "letter": 0.0, "defer": 0.0}
    not_due, not_due_count = 0.0, 0
    for r in open_rows:
        if r.due_date > as_of:                             # not yet due: no collection action
            not_due += r.amount
            not_due_count += 1
            continue
        aged = r.invoice_date + relativedelta(months=2) <= as_of   # 账龄: from the invoice date
        large = totals[r.customer_id] >= 100_000
        cell = ("key" if large else "letter") if aged else ("on_site" if large else "defer")
        cells[cell] += r.amount
    for cell, amount in cells.items():
        assert matrix.loc[cell, "amount"] == pytest.approx(amount)
        assert amount > 0                                  # the data plants all four cells
    assert matrix.attrs["excluded"].excluded == not_due_count
    ageing = receivables_ageing(inv, as_of=as_of)
    assert ageing.loc[ageing["not_due"], "amount"].sum() == pytest.approx(not_due)


def test_shipped_history_has_two_c_demotions(shipped):
    months = pd.date_range("2025-10-31", "2025-12-31", freq="ME")
    history = grading_history(shipped, months)
    assert history["demoted"].any()
    assert (history.loc[history["demoted"], "grade"] == "D").all()


def test_scorecard_kept_for_explain(shipped):
    card = default_scorecard()
    table = monthly_grading(shipped, "2025-12-31", scorecard=card)
    worst = table["customer_id"].iloc[-1]
    assert f"Customer {worst}: grade" in card.explain(worst)


def test_a_teachers_item_on_another_customer_column():
    data = _b2b()
    data["b2b_customers"]["cluster"] = ["华东"] * 5 + ["西北"] * 6
    policy = default_scorecard().to_dict()
    policy["items"].append({"name": "cluster", "column": "cluster", "max_points": 5,
                            "rule": "categories", "points": {"华东": 5, "西北": 0}})
    from crmlab.scorecard import Scorecard

    table = monthly_grading(data, "2025-06-30", scorecard=Scorecard.from_dict(policy))
    table = table.set_index("customer_id")
    # C0 had 90 points; +5 for 华东; C9 had 56; +0 for 西北
    assert table.loc["C0", "total"] == 95 and table.loc["C9", "total"] == 56
