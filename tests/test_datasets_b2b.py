"""The B2B manufacturer's planted patterns, each computed independently with plain pandas.

The data card (datasets/README.md, "B2B manufacturer") promises these; chapter 3 (customer
indicators and grading, 客户分级) relies on each.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

from crmlab.datasets import load_dataset

END = pd.Timestamp("2025-12-31")
STANDINGS = {"global500", "global500_affiliate", "top50", "top50_affiliate", "other"}


@cache
def _table(name: str) -> pd.DataFrame:
    return load_dataset(name)


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return _table("b2b_customers")


@pytest.fixture(scope="module")
def sales() -> pd.DataFrame:
    return _table("b2b_monthly_sales")


@pytest.fixture(scope="module")
def invoices() -> pd.DataFrame:
    return _table("b2b_invoices")


@pytest.fixture(scope="module")
def yearly(sales) -> pd.DataFrame:
    return sales.assign(year=sales["month"].dt.year).pivot_table(
        index="customer_id", columns="year", values="sales", aggfunc="sum")


def test_customers_table_is_as_documented(customers):
    assert len(customers) == 300 and customers["customer_id"].iloc[0] == "C0001"
    assert customers["company_name"].is_unique
    assert customers["company_name"].str.contains("公司").all()
    assert set(customers["brand_standing"].cat.categories) == STANDINGS
    assert customers["outlook_points"].between(0, 15).all()
    assert set(customers["payment_terms_months"]) <= {0, 1, 2, 3, 4, 6}
    assert (customers["payment_terms_months"] == 0).any()  # cash customers
    assert set(customers["region"].cat.categories) == {"华北", "华东", "华南", "华中", "西南", "西北", "东北"}
    assert customers["since"].max() <= END


def test_monthly_sales_has_all_24_months_per_customer_and_matches_invoices(sales, invoices):
    assert (sales.groupby("customer_id").size() == 24).all()
    assert set(sales["month"]) == set(pd.date_range("2024-01-01", "2025-12-01", freq="MS"))
    assert (sales["sales"] >= 0).all() and (sales["sales"] == 0).any()
    month = invoices["invoice_date"].dt.to_period("M").dt.to_timestamp()
    from_invoices = invoices.groupby([invoices["customer_id"], month])["amount"].sum()
    positive = sales[sales["sales"] > 0].set_index(["customer_id", "month"])["sales"]
    assert len(from_invoices) == len(positive)
    np.testing.assert_allclose(positive.sort_index().to_numpy(),
                               from_invoices.sort_index().to_numpy(), atol=0.005)


def test_invoice_due_dates_follow_the_payment_terms(customers, invoices):
    terms = invoices["customer_id"].map(customers.set_index("customer_id")["payment_terms_months"])
    # e.g. invoice 2024-01-31 with 1 month terms is due 2024-02-29 (calendar months, clipped)
    expected = [d + pd.DateOffset(months=int(t)) for d, t in zip(invoices["invoice_date"], terms)]
    assert (invoices["due_date"] == pd.Series(expected, index=invoices.index)).all()
    paid = invoices["paid_date"].dropna()
    assert (paid <= END).all()
    assert (paid >= invoices.loc[paid.index, "invoice_date"]).all()
    assert invoices["invoice_id"].is_monotonic_increasing
    assert invoices["invoice_date"].is_monotonic_increasing


def test_every_yoy_class_and_new_customers_are_present(yearly):
    ratio = yearly[2025] / yearly[2024].replace(0, np.nan)
    classes = pd.cut(ratio, [0, 0.5, 0.8, 1.2, np.inf], right=False,
                     labels=["lost", "decline", "flat", "increase"]).value_counts()
    assert (classes >= 25).all(), classes
    new = yearly[(yearly[2024] == 0) & (yearly[2025] > 0)]
    assert 10 <= len(new) <= 40
    # the planted ratios keep clear of the class boundaries (no 79.99 % vs 80 % ambiguity)
    edges = np.array([0.5, 0.8, 1.2])
    assert (np.abs(ratio.dropna().to_numpy()[:, None] - edges[None, :]) > 0.02).all()


def test_new_customers_start_in_2025_after_their_since_date(customers, invoices, yearly):
    new = yearly.index[yearly[2024] == 0]
    first = invoices.groupby("customer_id")["invoice_date"].min()
    since = customers.set_index("customer_id")["since"]
    assert (first.loc[new] >= pd.Timestamp("2025-01-01")).all()
    assert (since.loc[new] <= first.loc[new]).all()
    assert (since.loc[new] >= pd.Timestamp("2024-10-01")).all()


def test_dormant_customers_long_medium_and_short(invoices):
    """Months since the last order at 2025-12-31: > 3 (long), 1–3 (medium), < 1 (short)."""
    last = invoices.groupby("customer_id")["invoice_date"].max()
    days = (END - last).dt.days
    long_, medium, short = (days > 92).sum(), ((days >= 31) & (days <= 92)).sum(), (days < 31).sum()
    assert long_ >= 15 and medium >= 10 and short >= 200
    # nobody falls right on the 3-month line (Sept 2025): the classes are unambiguous
    assert not last.between(pd.Timestamp("2025-09-01"), pd.Timestamp("2025-09-30")).any()


def _open_at(invoices: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    issued = invoices["invoice_date"] <= as_of
    unpaid = invoices["paid_date"].isna() | (invoices["paid_date"] > as_of)
    return invoices[issued & unpaid]


def test_receivables_fill_all_four_collection_cells_at_year_end(invoices):
    """Open amount > / < 100,000 CNY × oldest open invoice overdue > / < 2 months."""
    open_ = _open_at(invoices, END)
    per = open_.groupby("customer_id").agg(amount=("amount", "sum"), due=("due_date", "min"))
    overdue_2m = per["due"] < END - pd.DateOffset(months=2)
    big = per["amount"] > 100_000
    cells = pd.crosstab(big, overdue_2m)
    assert cells.shape == (2, 2) and (cells >= 5).all().all(), cells


def test_receivables_can_be_aged_at_any_month_end(invoices):
    """An invoice paid after a month end was open at it: mid-2024 had open receivables too."""
    for as_of in (pd.Timestamp("2024-06-30"), pd.Timestamp("2025-03-31")):
        open_ = _open_at(invoices, as_of)
        assert open_["paid_date"].notna().mean() > 0.9  # most were paid later
        assert (open_["due_date"] < as_of).any() and (open_["due_date"] >= as_of).any()


def test_payment_behaviour_ranges_from_on_time_to_more_than_four_months_late(invoices):
    delay = (invoices["paid_date"] - invoices["due_date"]).dt.days
    worst = delay.groupby(invoices["customer_id"]).max().dropna()
    bands = pd.cut(worst, [-np.inf, 0, 30, 61, 122, np.inf],
                   labels=["on time", "< 1 month", "1-2 months", "2-4 months", "> 4 months"]).value_counts()
    assert (bands >= 10).all(), bands
    assert bands["on time"] >= 80


def test_pareto_top_fifth_of_customers_hold_about_three_quarters_of_sales(yearly):
    total = np.sort(yearly.sum(axis=1).to_numpy())[::-1]
    share = total[: len(total) // 5].sum() / total.sum()
    assert 0.68 <= share <= 0.82, share


# An independent, naive implementation of the course's 100-point scorecard (COURSE_SPEC §2),
# with the conventions documented in the data card: year-to-date sales and YoY, the worst
# payment delay in the 12 months to the month end (open overdue invoices late up to it).
_STANDING_POINTS = {"global500": 20, "global500_affiliate": 15, "top50": 10,
                    "top50_affiliate": 8, "other": 5}


def _naive_scores(customers, sales, invoices, month_end: pd.Timestamp) -> pd.Series:
    ids = customers.set_index("customer_id")
    this = sales[(sales["month"].dt.year == month_end.year) & (sales["month"] <= month_end)]
    last = sales[(sales["month"].dt.year == month_end.year - 1)
                 & (sales["month"] <= month_end - pd.DateOffset(years=1))]
    this = this.groupby("customer_id")["sales"].sum().reindex(ids.index, fill_value=0)
    last = last.groupby("customer_id")["sales"].sum().reindex(ids.index, fill_value=0)
    pct = this.rank(ascending=False, method="first") / len(this)
    a = np.select([pct <= 0.10, pct <= 0.30], [15, 10], 5)
    yoy = this / last.replace(0, np.nan)
    b = np.select([yoy >= 1.2, yoy >= 0.8, yoy >= 0.5, yoy < 0.5], [15, 10, 8, 5], 10)
    t = ids["payment_terms_months"]
    c = np.select([t >= 4, t >= 2, t >= 1], [5, 8, 10], 15)
    window = invoices[(invoices["invoice_date"] <= month_end)
                      & (invoices["paid_date"].isna() | (invoices["paid_date"] > month_end - pd.DateOffset(months=12)))]
    settled = window["paid_date"].where(window["paid_date"] <= month_end, month_end)
    delay = (settled - window["due_date"]).dt.days.clip(lower=0)
    worst = delay.groupby(window["customer_id"]).max().reindex(ids.index, fill_value=0)
    d = np.select([worst <= 0, worst < 30, worst < 61, worst < 122], [20, 15, 10, 5], 0)
    e = ids["brand_standing"].astype(str).map(_STANDING_POINTS)
    f = ids["outlook_points"]
    return pd.Series(a + b + c + d, index=ids.index) + e + f


def test_a_handful_of_customers_slide_from_b_to_c_twice_in_a_row(customers, sales, invoices):
    """Grade B (60–80) at mid-2025, then C (50–60) at both November and December 2025."""
    june, nov, dec = (_naive_scores(customers, sales, invoices, pd.Timestamp(m))
                      for m in ("2025-06-30", "2025-11-30", "2025-12-31"))
    in_c = lambda s: (s >= 50) & (s < 60)  # noqa: E731 - half-open grade intervals
    sliders = june.index[(june >= 60) & (june < 80) & in_c(nov) & in_c(dec)]
    assert len(sliders) >= 4, list(sliders)
    # the planted sliders: top-50 firms with 2-month terms whose sales collapsed in H2 2025
    planted = customers[(customers["brand_standing"] == "top50")
                        & (customers["payment_terms_months"] == 2)
                        & (customers["outlook_points"] == 8)]["customer_id"]
    assert len(set(sliders) & set(planted)) >= 3
