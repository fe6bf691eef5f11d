"""crmlab.value: hand-worked values, naive re-computations, properties and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlab import value
from crmlab._checks import CrmlabInputError


@pytest.fixture
def tx() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": ["a", "a", "a", "b", None, "c", "a", "d"],
        "receipt_id": ["r1", "r1", "r2", "r3", "r4", "r5", "r6", "r7"],
        "date": ["2025-01-05", "2025-01-05", "2025-03-01", "2025-02-01", "2025-02-02",
                 "2025-02-20", "2025-04-02", "2025-03-03"],
        "amount": [60.0, 40.0, -10.0, 30.0, 5.0, -8.0, 50.0, 12.5],
    })


# ---- historic value ------------------------------------------------------------------------

def test_historic_value_by_hand(tx):
    original = tx.copy()
    hv = value.historic_value(tx, as_of="2025-04-01", margin_rate=0.25).set_index("customer_id")
    # a: receipt r1 (100) is an order, r2 (−10, a return) is not; r6 is after the as-of date
    assert hv.loc["a", ["frequency", "monetary", "margin", "mean_spend"]].tolist() == [1, 90.0, 22.5, 90.0]
    # the last *purchase* is r1 (the return on Mar 1 is not one): Jan 5 → Apr 1 = 86 days
    assert hv.loc["a", "tenure_days"] == 86 and hv.loc["a", "recency"] == 86
    assert hv.loc["d", ["frequency", "monetary", "tenure_days", "recency"]].tolist() == [1, 12.5, 29, 29]
    assert "c" not in hv.index  # returns only
    report = hv.attrs["excluded"]
    text = str(report)
    assert report.received == 8 and report.excluded == 3
    assert "customer id" in text and "on or after the as-of date" in text and "only returned goods" in text
    pd.testing.assert_frame_equal(tx, original)


def test_historic_value_days_as_orders_and_default_as_of(tx):
    hv = value.historic_value(tx, occasion=None).set_index("customer_id")
    # without receipts, each purchase day with a positive net amount is one order
    assert hv.loc["a", "frequency"] == 2  # 2025-01-05 and 2025-04-02 (2025-03-01 only a return)
    assert hv.attrs["as_of"] == pd.Timestamp("2025-04-03")  # day after the last transaction
    assert hv.loc["a", "recency"] == 1


def test_historic_value_matches_naive_groupby():
    rng = np.random.default_rng(3)
    n = 400
    df = pd.DataFrame({"customer_id": rng.choice(list("abcdefghij"), n),
                       "receipt_id": [f"r{i // 2}" for i in range(n)],
                       "date": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 300, n) // 2 * 2, "D"),
                       "amount": rng.normal(50, 20, n).round(2)})
    df["customer_id"] = df.groupby("receipt_id")["customer_id"].transform("first")
    df["date"] = df.groupby("receipt_id")["date"].transform("first")
    hv = value.historic_value(df, as_of="2026-01-01").set_index("customer_id")
    for member, rows in df.groupby("customer_id"):
        per_receipt = {}
        for receipt, amount in zip(rows["receipt_id"], rows["amount"]):
            per_receipt[receipt] = per_receipt.get(receipt, 0.0) + amount
        orders = sum(1 for v in per_receipt.values() if v > 0)
        if orders == 0:
            assert member not in hv.index
            continue
        assert hv.loc[member, "frequency"] == orders
        assert hv.loc[member, "monetary"] == pytest.approx(rows["amount"].sum())
        assert hv.loc[member, "margin"] == pytest.approx(0.2 * rows["amount"].sum())


def test_historic_value_bad_input(tx):
    with pytest.raises(CrmlabInputError, match="missing column 'receipt'"):
        value.historic_value(tx, occasion="receipt")
    with pytest.raises(CrmlabInputError, match="margin_rate"):
        value.historic_value(tx, margin_rate=20)
    with pytest.raises(CrmlabInputError, match="must hold numbers"):
        value.historic_value(tx.assign(amount=["1"] * 7 + ["x"]))
    with pytest.raises(CrmlabInputError, match="must hold dates"):
        value.historic_value(tx.assign(date=["2025-01-01"] * 7 + ["soon"]))
    with pytest.raises(CrmlabInputError, match="as_of must be a date"):
        value.historic_value(tx, as_of="someday")
    with pytest.raises(CrmlabInputError, match="no rows before the as-of date"):
        value.historic_value(tx, as_of="2020-01-01")
    with pytest.raises(CrmlabInputError, match="empty"):
        value.historic_value(tx.iloc[:0])


# ---- retention CLV -------------------------------------------------------------------------

def test_retention_clv_hand_values():
    # infinite horizon: m·r/(1+d−r)
    assert value.retention_clv(100, 0.8, 0.1) == pytest.approx(100 * 0.8 / 0.3)
    assert value.retention_clv(100, 0.9, 0.1) == pytest.approx(450.0)
    assert value.retention_clv(100, 0.0, 0.1) == 0.0
    # finite: 100·(0.8/1.1 + 0.8²/1.1²) = 72.7273 + 52.8926 = 125.6198
    assert value.retention_clv(100, 0.8, 0.1, horizon=2) == pytest.approx(125.6198, abs=1e-4)
    assert value.retention_clv(100, 0.8, 0.1, horizon=0) == 0.0
    # no discounting, full retention: m·H
    assert value.retention_clv(100, 1.0, 0.0, horizon=5) == pytest.approx(500.0)


@settings(max_examples=80, deadline=None)
@given(st.floats(-1000, 1000), st.floats(0, 1), st.floats(0, 0.5), st.integers(0, 60))
def test_retention_clv_finite_sum_equals_loop(m, r, d, h):
    loop = sum(m * r ** t / (1 + d) ** t for t in range(1, h + 1))
    assert value.retention_clv(m, r, d, horizon=h) == pytest.approx(loop, rel=1e-9, abs=1e-9)


@settings(max_examples=50, deadline=None)
@given(st.floats(0.1, 1000), st.floats(0, 0.95), st.floats(0.01, 0.5))
def test_long_finite_horizon_approaches_infinite_value(m, r, d):
    assert value.retention_clv(m, r, d, horizon=3000) == pytest.approx(
        value.retention_clv(m, r, d), rel=1e-8)


def test_retention_clv_is_vectorised():
    grid = value.retention_clv(100, np.array([[0.5], [0.8]]), np.array([0.0, 0.1]), horizon=3)
    assert grid.shape == (2, 2)
    assert grid[1, 1] == pytest.approx(value.retention_clv(100, 0.8, 0.1, horizon=3))
    margins = pd.Series([10.0, 20.0], index=["x", "y"])
    out = value.retention_clv(margins, 0.8, 0.1)
    assert isinstance(out, pd.Series) and list(out.index) == ["x", "y"]
    assert out["y"] == pytest.approx(2 * out["x"])


def test_retention_clv_bad_input():
    with pytest.raises(CrmlabInputError, match="between 0 and 1"):
        value.retention_clv(100, 80, 0.1)
    with pytest.raises(CrmlabInputError, match="discount must be ≥ 0"):
        value.retention_clv(100, 0.8, -0.1)
    with pytest.raises(CrmlabInputError, match="infinite"):
        value.retention_clv(100, 1.0, 0.0)
    with pytest.raises(CrmlabInputError, match="horizon"):
        value.retention_clv(100, 0.8, 0.1, horizon=2.5)
    with pytest.raises(CrmlabInputError, match="finite"):
        value.retention_clv(np.nan, 0.8, 0.1)


def test_clv_sensitivity_table():
    table = value.clv_sensitivity(100, [0.6, 0.7, 0.8, 0.9], [0.05, 0.1, 0.15])
    assert table.shape == (4, 3)
    assert table.loc[0.9, 0.1] == pytest.approx(450.0)
    assert (table.diff().iloc[1:] > 0).all().all()  # more retention, more value
    assert (table.T.diff().iloc[1:] < 0).all().all()  # more discounting, less value
    with pytest.raises(CrmlabInputError, match="at least one"):
        value.clv_sensitivity(100, [], [0.1])


# ---- cohorts -------------------------------------------------------------------------------

def test_cohort_table_by_hand():
    df = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "c", "b"],
                       "date": ["2025-01-03", "2025-02-10", "2025-01-20", "2025-03-01", "2025-02-14",
                                "2025-02-05"],
                       "amount": [10.0, 20.0, 5.0, 8.0, 7.0, -5.0]})
    out = value.cohort_table(df)
    jan = out[out["cohort"] == pd.Period("2025-01", "M")]
    assert jan["period"].tolist() == [0, 1, 2]
    assert jan["cohort_size"].tolist() == [2, 2, 2]
    # Feb: a bought, b only returned goods → 1 active; Mar: b bought
    assert jan["active_customers"].tolist() == [2, 1, 1]
    assert jan["retention_rate"].tolist() == [1.0, 0.5, 0.5]
    assert jan["revenue"].tolist() == [15.0, 15.0, 8.0]  # Feb: 20 − 5 (b's return)
    feb = out[out["cohort"] == pd.Period("2025-02", "M")]
    assert feb["active_customers"].tolist() == [1, 0]
    quarters = value.cohort_table(df, period="Q")
    assert quarters["cohort_size"].tolist() == [3] and quarters["retention_rate"].tolist() == [1.0]


def test_cohort_table_matches_naive_count():
    rng = np.random.default_rng(5)
    n = 600
    df = pd.DataFrame({"customer_id": rng.integers(0, 60, n),
                       "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), "D"),
                       "amount": rng.normal(30, 10, n)})
    df.loc[rng.choice(n, 30, replace=False), "amount"] = -5.0
    out = value.cohort_table(df).set_index(["cohort", "period"])
    buys = df[df["amount"] > 0]
    first = {m: d.min().to_period("M") for m, d in buys.groupby("customer_id")["date"]}
    for (cohort, k), row in out.iterrows():
        members = [m for m, c in first.items() if c == cohort]
        target = cohort + k
        active = {m for m, d in zip(buys["customer_id"], buys["date"])
                  if m in members and d.to_period("M") == target}
        assert row["cohort_size"] == len(members)
        assert row["active_customers"] == len(active)


def test_retention_matrix_pivot():
    df = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "c"],
                       "date": ["2025-01-03", "2025-02-10", "2025-01-20", "2025-03-01", "2025-02-14"],
                       "amount": [10.0, 20.0, 5.0, 8.0, 7.0]})
    matrix = value.retention_matrix(value.cohort_table(df))
    assert matrix.shape == (2, 3)  # cohorts Jan and Feb (nobody new in March) × periods 0–2
    assert matrix.iloc[0].tolist() == [1.0, 0.5, 0.5]
    assert matrix.iloc[1, :2].tolist() == [1.0, 0.0]
    assert np.isnan(matrix.iloc[1, 2])  # Feb cohort, period 2 = April: after the data ends
    counts = value.retention_matrix(value.cohort_table(df), value="active_customers", max_period=1)
    assert counts.shape == (2, 2) and counts.iloc[0].tolist() == [2, 1]
    with pytest.raises(CrmlabInputError, match="missing column"):
        value.retention_matrix(df)


def test_cohort_table_bad_input():
    df = pd.DataFrame({"customer_id": ["a"], "date": ["2025-01-03"], "amount": [10.0]})
    with pytest.raises(CrmlabInputError, match="period alias"):
        value.cohort_table(df, period="fortnight")
    with pytest.raises(CrmlabInputError, match="no purchase with a positive amount"):
        value.cohort_table(df.assign(amount=-1.0))
    with pytest.raises(CrmlabInputError, match="missing column 'customer_id'"):
        value.cohort_table(df.rename(columns={"customer_id": "customer"}))


# ---- value × loyalty, share of wallet ------------------------------------------------------

def test_value_loyalty_quadrants_and_boundaries():
    df = pd.DataFrame({"margin": [10, 200, 50, 300, 100], "frequency": [8, 1, 2, 9, 5]})
    out = value.value_loyalty_matrix(df)
    # medians: margin 100, frequency 5; a value equal to the threshold counts as high (≥)
    assert out["quadrant"].tolist() == ["loyal but low value", "valuable but fickle",
                                        "low value, low loyalty", "core", "core"]
    assert out.attrs["thresholds"] == {"margin": 100.0, "frequency": 5.0}
    assert out.loc[3, "quadrant_zh"] == "核心客户" and "reward" in out.loc[3, "action"]
    fixed = value.value_loyalty_matrix(df, value_threshold=250, loyalty_threshold=9)
    assert fixed["quadrant"].tolist() == ["low value, low loyalty"] * 3 + ["core", "low value, low loyalty"]
    assert "quadrant" not in df.columns  # input untouched


def test_value_loyalty_bad_input():
    df = pd.DataFrame({"margin": [10, None], "frequency": [1, 2]})
    with pytest.raises(CrmlabInputError, match="missing values"):
        value.value_loyalty_matrix(df)
    with pytest.raises(CrmlabInputError, match="missing column 'revenue'"):
        value.value_loyalty_matrix(df, value="revenue")
    with pytest.raises(CrmlabInputError, match="quantile"):
        value.value_loyalty_matrix(df.fillna(1), quantile=1.5)


def test_share_of_wallet():
    assert value.share_of_wallet(300, 1200) == 0.25
    out = value.share_of_wallet(pd.Series([300.0, 50.0], index=["x", "y"]), [1200.0, 50.0])
    assert out.tolist() == [0.25, 1.0] and list(out.index) == ["x", "y"]
    np.testing.assert_allclose(value.share_of_wallet([1, 2], [4, 4]), [0.25, 0.5])
    with pytest.raises(CrmlabInputError, match=r"customer at \['y'\] spends more with us"):
        value.share_of_wallet(pd.Series([1.0, 9.0], index=["x", "y"]), pd.Series([2.0, 3.0], index=["x", "y"]))
    with pytest.raises(CrmlabInputError, match="total category spend ≤ 0"):
        value.share_of_wallet(0, 0)
    with pytest.raises(CrmlabInputError, match="negative"):
        value.share_of_wallet(-1, 5)
    with pytest.raises(CrmlabInputError, match="missing"):
        value.share_of_wallet(np.nan, 5)
    with pytest.raises(CrmlabInputError, match="same length"):
        value.share_of_wallet([1, 2, 3], [4, 5])
