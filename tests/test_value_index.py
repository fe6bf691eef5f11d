"""Customer value index (current and potential value), checked by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab._checks import CrmlabInputError
from crmlab.datasets import load_dataset
from crmlab.value_index import b2b_value_features, value_index


def test_value_index_by_hand():
    f = pd.DataFrame({"profit": [10.0, 30.0, 20.0], "default_rate": [0.5, 0.0, 0.25],
                      "fit": [0.0, 0.0, 4.0]}, index=["A", "B", "C"])
    out = value_index(f, current={"profit": 3, "default_rate": 1}, potential={"fit": 1},
                      lower_is_better=("default_rate",), part_weights=(0.6, 0.4))
    # profit scaled: A 0, B 100, C 50; default rate turned round: A 0, B 100, C 50; fit: 0, 0, 100
    assert out["current"].tolist() == [0.0, 100.0, 50.0]       # (3·s + 1·d) / 4
    assert out["potential"].tolist() == [0.0, 0.0, 100.0]
    assert out["index"].tolist() == pytest.approx([0.0, 60.0, 70.0])   # 0.6·current + 0.4·potential


def test_value_index_bad_input():
    f = pd.DataFrame({"profit": [1.0, None]})
    with pytest.raises(CrmlabInputError, match="lack the indicator"):
        value_index(f, current={"sales": 1}, potential={})
    with pytest.raises(CrmlabInputError, match="missing or non-numeric"):
        value_index(f, current={"profit": 1}, potential={})
    with pytest.raises(CrmlabInputError, match="zero or positive"):
        value_index(f.fillna(0), current={"profit": -1}, potential={})


def test_b2b_features_against_a_plain_loop():
    customers, sales, invoices = (load_dataset(n) for n in ("b2b_customers", "b2b_monthly_sales", "b2b_invoices"))
    f = b2b_value_features(customers, sales, invoices, as_of="2025-12-31")
    cid = customers["customer_id"].iloc[0]
    rows = sales[(sales["customer_id"] == cid) & (sales["month"] > "2024-12-31") & (sales["month"] <= "2025-12-31")]
    assert f.loc[cid, "sales_12m"] == pytest.approx(rows["sales"].sum())
    assert f.loc[cid, "order_continuity"] == pytest.approx((rows["sales"] > 0).sum() / 12)
    mine = invoices[(invoices["customer_id"] == cid) & (invoices["invoice_date"] > "2024-12-31")
                    & (invoices["invoice_date"] <= "2025-12-31")]
    days = [(r.paid_date - r.invoice_date).days for r in mine.itertuples()
            if pd.notna(r.paid_date) and r.paid_date <= pd.Timestamp("2025-12-31")]
    assert f.loc[cid, "payment_cycle_days"] == pytest.approx(sum(days) / len(days))
    index = value_index(f)
    assert index["index"].between(0, 100).all() and len(index) == len(customers)


def test_customers_without_invoices_are_reported_in_the_shared_exclusion_report():
    customers, sales, invoices = (load_dataset(n) for n in ("b2b_customers", "b2b_monthly_sales",
                                                              "b2b_invoices"))
    as_of = pd.Timestamp("2025-12-31")
    features = b2b_value_features(customers, sales, invoices, as_of=as_of)
    # second computation: customers with no invoice paid in the 12 months up to as_of
    window = invoices[(invoices["invoice_date"] > as_of - pd.DateOffset(months=12))
                      & (invoices["invoice_date"] <= as_of) & (invoices["paid_date"] <= as_of)]
    missing = sorted(set(customers["customer_id"]) - set(window["customer_id"]))
    report = features.attrs["excluded"]
    assert report.received == len(customers) and report.excluded == len(missing)
    if missing:
        (reason,) = report.reasons
        assert list(report.examples[reason]) == missing[:3]
