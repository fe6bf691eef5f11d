"""The retail chain's planted patterns, each computed independently with plain pandas.

The data card (datasets/README.md, "Retail chain") promises these; a lesson relies on each.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

from crmlab.datasets import load_dataset

AS_OF = pd.Timestamp("2026-01-01")


@cache
def _table(name: str) -> pd.DataFrame:
    return load_dataset(name)


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    return _table("retail_transactions")


@pytest.fixture(scope="module")
def members() -> pd.DataFrame:
    return _table("retail_members")


@pytest.fixture(scope="module")
def visits(tx) -> pd.DataFrame:
    """One row per member purchase receipt (returns excluded)."""
    bought = tx[(tx["quantity"] > 0) & tx["customer_id"].notna()]
    return bought.drop_duplicates("receipt_id")[["receipt_id", "customer_id", "date", "store_id"]]


def test_stores_products_and_members_are_as_documented(members):
    stores = _table("retail_stores")
    assert stores["store_id"].tolist() == [f"S{i}" for i in range(1, 8)]
    assert stores.loc[stores["store_id"] == "S7", "opened"].item() == pd.Timestamp("2024-09-28")
    products = _table("retail_products")
    assert {"剃须刀", "纸尿裤"} <= set(products["product_name"])
    assert (products["unit_price"] > 0).all() and products["product_name"].is_unique
    assert members["customer_id"].iloc[0] == "M00001" and members["customer_id"].is_unique
    assert set(members["gender"].cat.categories) == {"女", "男"}
    assert set(members["age_band"].cat.categories) == {"18-24", "25-34", "35-44", "45-54", "55-64", "65+"}
    # a member's city is the city of the home store
    city = members["home_store"].map(stores.set_index("store_id")["city"].astype(str))
    assert (city == members["city"].astype(str)).all()


def test_receipts_cover_the_period_and_respect_join_and_opening_dates(tx, members, visits):
    assert tx["date"].min() == pd.Timestamp("2023-07-01")
    assert tx["date"].max() == pd.Timestamp("2025-12-31")
    joined = visits.merge(members[["customer_id", "join_date"]], on="customer_id")
    assert (joined["date"] >= joined["join_date"]).all(), "a member shopped before joining"
    assert (tx.loc[tx["store_id"] == "S7", "date"] >= pd.Timestamp("2024-09-28")).all()
    # receipt numbers follow the date order, lines are numbered 1..n within a receipt
    first = tx.drop_duplicates("receipt_id")
    assert first["receipt_id"].is_monotonic_increasing and first["date"].is_monotonic_increasing
    assert (tx["line_no"].to_numpy() == tx.groupby("receipt_id").cumcount().to_numpy() + 1).all()
    # one store, one date and one member per receipt
    assert (tx.groupby("receipt_id")[["date", "store_id"]].nunique() == 1).all().all()


def test_amount_is_quantity_times_price_after_discount_rounded_to_cents(tx):
    # e.g. 2 × 12.35 × (1 − 0.1) = 22.23
    expected = tx["quantity"] * tx["unit_price"] * (1 - tx["discount"])
    assert (np.abs(tx["amount"] - expected) <= 0.005 + 1e-9).all()
    assert (tx["amount"] == tx["amount"].round(2)).all()
    assert tx["discount"].between(0, 1).all() and (tx["discount"] > 0).mean() == pytest.approx(0.2, abs=0.02)
    products = _table("retail_products").set_index("product_id")
    assert (tx["unit_price"].to_numpy() == products.loc[tx["product_id"], "unit_price"].to_numpy()).all()
    assert (tx["category"].astype(str).to_numpy()
            == products.loc[tx["product_id"], "category"].astype(str).to_numpy()).all()


def test_pareto_top_fifth_of_members_bring_70_to_80_percent_of_revenue(tx, members):
    revenue = tx.groupby("customer_id")["amount"].sum().reindex(members["customer_id"], fill_value=0.0)
    ordered = np.sort(revenue.to_numpy())[::-1]
    top = ordered[: len(ordered) // 5].sum() / ordered.sum()
    assert 0.70 <= top <= 0.80, top


def _visits_per_year(visits: pd.DataFrame, members: pd.DataFrame) -> pd.Series:
    start = members.set_index("customer_id")["join_date"].clip(lower=pd.Timestamp("2023-07-01"))
    years = (AS_OF - start).dt.days / 365.25
    count = visits.groupby("customer_id").size().reindex(start.index, fill_value=0)
    return count / years


def test_kfc_tiers_weekly_monthly_and_half_yearly_shoppers(visits, members):
    """Heavy ≈ once a week, medium ≈ once a month, light ≈ twice a year, all well represented."""
    rate = _visits_per_year(visits, members)
    heavy, medium, light = rate[rate >= 30], rate[(rate >= 8) & (rate < 20)], rate[rate < 4]
    assert len(heavy) / len(rate) > 0.10
    assert len(medium) / len(rate) > 0.20
    assert len(light) / len(rate) > 0.25
    assert 40 <= heavy.median() <= 65       # about 52 visits a year
    assert 10 <= medium.median() <= 15      # about 12
    assert 1 <= light[light > 0].median() <= 3  # about 2
    # and the tiers are visible as a dip between them: fewer members at 20–30 than at 8–20
    assert ((rate >= 20) & (rate < 30)).sum() < len(medium) / 2


def _recent_rate_ratio(visits: pd.DataFrame, window_days: int = 180) -> pd.DataFrame:
    """Per member: visit rate in the ``window_days`` before the last visit ÷ the rate before.

    ≈ 1 for a steady shopper; well below 1 when visits thin out before stopping.
    """
    first = visits.groupby("customer_id")["date"].transform("min")
    last = visits.groupby("customer_id")["date"].transform("max")
    cut = last - pd.Timedelta(days=window_days)
    per = pd.DataFrame({"customer_id": visits["customer_id"], "recent": visits["date"] > cut,
                        "first": first, "cut": cut, "last": last}).groupby("customer_id").agg(
        recent=("recent", "sum"), n=("recent", "size"), first=("first", "first"),
        cut=("cut", "first"), last=("last", "first"))
    per["early_days"] = (per["cut"] - per["first"]).dt.days
    per["ratio"] = (per["recent"] / window_days) / ((per["n"] - per["recent"]) / per["early_days"])
    return per[(per["n"] >= 12) & (per["early_days"] > 90)]


def test_churners_fade_out_well_before_the_end(visits):
    """Regular shoppers who stopped before July 2025 had been visiting less and less."""
    per = _recent_rate_ratio(visits)
    stopped = per[per["last"] < pd.Timestamp("2025-07-01")]
    active = per[per["last"] >= pd.Timestamp("2025-12-01")]
    assert len(stopped) > 0.04 * visits["customer_id"].nunique()
    assert stopped["ratio"].median() < 0.75          # thinning before they stop …
    assert 0.9 < active["ratio"].median() < 1.15     # … unlike the members still shopping
    assert (stopped["ratio"] < 0.8).mean() > 2 * (active["ratio"] < 0.8).mean()


def test_new_members_join_in_2025_and_the_new_store_has_only_new_members(members, visits):
    new = members[members["join_date"] >= pd.Timestamp("2025-01-01")]
    assert 0.06 < len(new) / len(members) < 0.20
    s7 = members[members["home_store"] == "S7"]
    assert len(s7) > 200 and (s7["join_date"] >= pd.Timestamp("2024-09-28")).all()
    first_visit = visits.groupby("customer_id")["date"].min()
    assert (first_visit.reindex(new["customer_id"]).dropna() >= pd.Timestamp("2025-01-01")).all()


def test_razor_to_nappies_lift_is_about_three(tx):
    products = _table("retail_products").set_index("product_name")["product_id"]
    bought = tx[tx["quantity"] > 0]
    receipts = bought["receipt_id"].nunique()
    razor = set(bought.loc[bought["product_id"] == products["剃须刀"], "receipt_id"])
    nappies = set(bought.loc[bought["product_id"] == products["纸尿裤"], "receipt_id"])
    confidence = len(razor & nappies) / len(razor)
    lift = confidence / (len(nappies) / receipts)
    assert 2.6 <= lift <= 3.4, lift
    assert len(razor & nappies) > 300  # enough baskets to pass any sensible minimum support
    assert len(razor) / receipts == pytest.approx(0.025, abs=0.004)


def test_returns_reference_an_earlier_purchase_of_the_same_member_and_product(tx):
    returns = tx[tx["quantity"] < 0]
    assert 0.002 < len(returns) / len(tx) < 0.01
    assert returns["original_receipt_id"].notna().all()
    assert tx.loc[tx["quantity"] > 0, "original_receipt_id"].isna().all()
    assert (returns["amount"] < 0).all()
    original = tx[tx["quantity"] > 0].set_index(["receipt_id", "product_id"])
    match = original.loc[list(zip(returns["original_receipt_id"], returns["product_id"]))]
    assert (match["customer_id"].to_numpy() == returns["customer_id"].to_numpy()).all()
    assert (match["date"].to_numpy() < returns["date"].to_numpy()).all()
    assert (-returns["quantity"].to_numpy() <= match["quantity"].to_numpy()).all()
    assert (match["unit_price"].to_numpy() == returns["unit_price"].to_numpy()).all()


def test_a_few_percent_of_receipts_are_non_member_purchases(tx):
    per_receipt = tx.drop_duplicates("receipt_id")
    share = per_receipt["customer_id"].isna().mean()
    assert 0.02 <= share <= 0.07, share
