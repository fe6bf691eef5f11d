"""Tests of crmlab.segmentation: hand-worked RFM, scoring against pandas.qcut, segments, tiers,
lifecycle, k-means helpers, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlab._checks import CrmlabInputError
from crmlab.segmentation import (
    RFM_SEGMENT_GRID, SEGMENT_ACTIONS, SEGMENT_ORDER, choose_k, frequency_tiers, kmeans_segments,
    lifecycle_stage, rfm_scores, rfm_segments, rfm_table, segment_profile,
)


def small_transactions() -> pd.DataFrame:
    # member a: receipts r1 (2 lines, 30 + 20 on 12-01), r2 (10 on 12-20)  → F 2, M 60, last 12-20
    # member b: r3 (100 on 06-01), r4 a return of -40 on 07-01 (return only) → F 1, M 60, ret 40
    # member c: r5 (5 on 12-30) and r6 (8 on 12-30, a second receipt the same day)
    # a row without member id, and a return-only customer d
    return pd.DataFrame({
        "receipt_id": ["r1", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8"],
        "customer_id": ["a", "a", "a", "b", "b", "c", "c", None, "d"],
        "date": ["2025-12-01", "2025-12-01", "2025-12-20", "2025-06-01", "2025-07-01",
                 "2025-12-30", "2025-12-30", "2025-12-31", "2025-11-11"],
        "amount": [30.0, 20.0, 10.0, 100.0, -40.0, 5.0, 8.0, 99.0, -12.0],
    })


def test_rfm_table_hand_worked():
    tx = small_transactions()
    rfm = rfm_table(tx, as_of="2026-01-01")
    assert rfm["customer_id"].tolist() == ["a", "b", "c"]
    # recency: 2026-01-01 − 2025-12-20 = 12 days; − 2025-06-01 = 214; − 2025-12-30 = 2
    assert rfm["recency"].tolist() == [12, 214, 2]
    assert rfm["frequency"].tolist() == [2, 1, 2]  # c: two receipts on one day = 2 occasions
    assert rfm["monetary"].tolist() == pytest.approx([60.0, 60.0, 13.0])
    assert rfm["mean_spend"].tolist() == pytest.approx([30.0, 60.0, 6.5])
    assert rfm["returns"].tolist() == pytest.approx([0.0, 40.0, 0.0])
    assert rfm["first_purchase"].tolist() == list(pd.to_datetime(["2025-12-01", "2025-06-01",
                                                                   "2025-12-30"]))
    report = rfm.attrs["excluded"]
    assert report.received == 9
    assert list(report.examples["rows without a customer id"]) == [7]
    assert list(report.examples["rows of customers who only returned goods (no purchase)"]) == [8]
    assert rfm.attrs["as_of"] == pd.Timestamp("2026-01-01")
    assert tx.equals(small_transactions())  # input not mutated


def test_rfm_table_by_day_and_default_as_of():
    rfm = rfm_table(small_transactions(), occasion=None)
    # by calendar day c has 1 occasion (two receipts on 2025-12-30)
    assert rfm["frequency"].tolist() == [2, 1, 1]
    # default as-of = the day after the last date among *usable* rows: 2025-12-31 has no member
    # id, so the last usable day is 2025-12-30 and as-of is 2025-12-31
    assert rfm.attrs["as_of"] == pd.Timestamp("2025-12-31")
    assert rfm["recency"].tolist() == [11, 213, 1]


def test_rfm_table_rows_after_as_of_are_reported():
    rfm = rfm_table(small_transactions(), as_of="2025-12-15")
    # a: only r1 counts (r2 on 12-20 is after), c: nothing left → not in the table
    assert rfm["customer_id"].tolist() == ["a", "b"]
    assert rfm["monetary"].tolist() == pytest.approx([50.0, 60.0])
    late = rfm.attrs["excluded"].examples["rows dated on or after the as-of date"]
    assert sorted(late) == [2, 5, 6]  # row 7 (no id) is counted once, under its first reason


def naive_rfm(tx: pd.DataFrame, as_of: str) -> pd.DataFrame:
    """A second, plain-pandas computation of the same definitions."""
    tx = tx.dropna(subset=["customer_id"]).copy()
    tx["date"] = pd.to_datetime(tx["date"])
    occ = tx.groupby(["customer_id", "receipt_id"]).agg(net=("amount", "sum"), day=("date", "min"))
    occ = occ[occ["net"] > 0].reset_index()
    per = occ.groupby("customer_id").agg(last=("day", "max"), frequency=("receipt_id", "nunique"))
    per["monetary"] = tx.groupby("customer_id")["amount"].sum()
    per["recency"] = (pd.Timestamp(as_of) - per["last"]).dt.days
    return per.reset_index()


@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d", None]), st.integers(0, 6),
                          st.integers(0, 40), st.floats(-50, 200, allow_nan=False)),
                min_size=1, max_size=40), st.booleans())
@settings(max_examples=40, deadline=None)
def test_rfm_table_matches_naive_pandas(rows, receipt_order):
    tx = pd.DataFrame(rows, columns=["customer_id", "receipt_id", "day", "amount"])
    tx["date"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(tx["day"], unit="D")
    # a receipt belongs to one customer on one day
    tx["receipt_id"] = tx["customer_id"].fillna("-") + tx["receipt_id"].astype(str) + tx["day"].astype(str)
    if receipt_order:  # lines exported receipt by receipt: receipts are numbered by runs
        tx = tx.sort_values("receipt_id", kind="stable")
    want = naive_rfm(tx, "2025-03-01")
    want = want[want["frequency"] > 0]
    if want.empty:
        with pytest.raises(CrmlabInputError):
            rfm_table(tx, as_of="2025-03-01")
        return
    got = rfm_table(tx, as_of="2025-03-01")
    assert got["customer_id"].tolist() == want["customer_id"].tolist()
    assert got["frequency"].tolist() == want["frequency"].tolist()
    assert got["recency"].tolist() == want["recency"].tolist()
    # monetary is rounded to 6 decimals (documented), hence the absolute tolerance
    assert got["monetary"].to_numpy() == pytest.approx(want["monetary"].to_numpy(), abs=1e-6)
    report = got.attrs["excluded"]
    assert report.excluded + tx.index.isin(
        tx.index[tx["customer_id"].isin(got["customer_id"])]).sum() == len(tx)


@given(st.lists(st.integers(0, 6), min_size=1, max_size=60), st.integers(2, 7))
@settings(max_examples=40, deadline=None)
def test_rank_scores_equal_pandas_qcut(values, bins):
    if int(pd.__version__.split(".")[0]) < 3:
        pytest.skip("pandas 2's qcut places edge ties differently; the reference is pandas 3's qcut")
    rfm = pd.DataFrame({"recency": values, "frequency": values[::-1],
                        "monetary": [float(v) for v in values]})
    s = rfm_scores(rfm, bins=bins)
    for column, score, reverse in (("recency", "R", True), ("frequency", "F", False),
                                   ("monetary", "M", False)):
        ranks = rfm[column].rank(method="first")
        if len(values) == 1:
            expected = np.array([1])
        else:
            expected = pd.qcut(ranks, bins, labels=False).to_numpy() + 1
        if reverse:
            expected = bins + 1 - expected
        assert s[score].tolist() == list(expected)
        assert s[score].between(1, bins).all()
    assert (s["rfm_sum"] == s["R"] + s["F"] + s["M"]).all()


def test_rfm_scores_hand_worked_and_ties():
    rfm = pd.DataFrame({"recency": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
                        "frequency": [1, 1, 1, 1, 1, 1, 2, 2, 3, 9],
                        "monetary": np.arange(10.0)})
    s = rfm_scores(rfm)
    # 10 customers, 5 bins → 2 per bin; recency 1 (most recent) gets R = 5
    assert s["R"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    # ties in frequency are broken by row order (rank method="first"): six 1s span bins 1–3
    assert s["F"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert s["rfm_code"].iloc[0] == "511"
    assert "R" not in rfm.columns  # input not mutated


def test_segments_grid_and_overrides():
    s = pd.DataFrame({"R": [5, 5, 4, 3, 2, 1, 1, 1], "F": [5, 1, 1, 3, 5, 1, 2, 5]})
    got = rfm_segments(s).tolist()
    assert got == ["Champions", "New", "Promising", "Need attention", "Can't lose them", "Lost",
                   "Hibernating", "Can't lose them"]
    assert set(RFM_SEGMENT_GRID.to_numpy().ravel()) == set(SEGMENT_ORDER) == set(SEGMENT_ACTIONS)
    custom = rfm_segments(pd.DataFrame({"R": [1, 2], "F": [1, 2]}),
                          grid={(1, 1): "gone", (2, 2): "meh"})
    assert custom.tolist() == ["gone", "meh"]
    with pytest.raises(CrmlabInputError, match=r"no name for \(R, F\) = \(6, 1\)"):
        rfm_segments(pd.DataFrame({"R": [6], "F": [1]}))


def test_frequency_tiers_hand_worked_and_boundaries():
    start = pd.Timestamp("2025-01-01")
    rfm = pd.DataFrame({
        "first_purchase": [start] * 5,
        # spans 14*4 = 56 days over 5 visits → 14.0 (heavy, inclusive); 75*2 = 150 over 3 →
        # 75.0 (medium, inclusive); 151 over 2 → 151 (light); one visit; 0-day span, 2 visits
        "last_purchase": [start + pd.Timedelta(days=d) for d in (56, 150, 151, 0, 0)],
        "frequency": [5, 3, 2, 1, 2],
    })
    t = frequency_tiers(rfm)
    assert t["mean_interval_days"].tolist()[:3] == [14.0, 75.0, 151.0]
    assert t["tier"].astype(str).tolist() == ["heavy", "medium", "light", "one visit", "heavy"]
    t = frequency_tiers(rfm, heavy_max_days=7, medium_max_days=31)
    assert t["tier"].astype(str).tolist()[:3] == ["medium", "light", "light"]
    with pytest.raises(CrmlabInputError, match="heavy_max_days < medium_max_days"):
        frequency_tiers(rfm, heavy_max_days=80)


def test_lifecycle_boundaries():
    as_of = pd.Timestamp("2026-01-01")
    day = lambda n: as_of - pd.Timedelta(days=n)  # noqa: E731
    c = pd.DataFrame({
        "first_purchase": [pd.NaT, day(90), day(91), day(400), day(400), day(400), day(400)],
        "last_purchase": [pd.NaT, day(10), day(10), day(180), day(181), day(365), day(366)],
    })
    got = lifecycle_stage(c, as_of=as_of).astype(str).tolist()
    assert got == ["potential", "new", "active", "active", "lapsing", "lapsing", "lost"]
    with pytest.raises(CrmlabInputError, match="after the as-of date"):
        lifecycle_stage(c, as_of="2020-01-01")
    with pytest.raises(CrmlabInputError, match="lapsing_days < lost_days"):
        lifecycle_stage(c, as_of=as_of, lost_days=10)


def clustered_features(n=60, seed=42):
    rng = np.random.default_rng(seed)
    big = pd.DataFrame({"recency": rng.integers(1, 10, n), "frequency": rng.integers(40, 60, n),
                        "monetary": rng.uniform(5000, 8000, n)})
    small = pd.DataFrame({"recency": rng.integers(200, 400, n), "frequency": rng.integers(1, 3, n),
                          "monetary": rng.uniform(20, 80, n)})
    return pd.concat([big, small], ignore_index=True)


def test_kmeans_finds_planted_groups_and_orders_by_value():
    f = clustered_features()
    labels = kmeans_segments(f, k=2)
    assert labels.iloc[:60].eq(0).all() and labels.iloc[60:].eq(1).all()
    k = choose_k(f, ks=[2, 3, 4])
    assert k["k"].tolist() == [2, 3, 4]
    assert k["silhouette"].idxmax() == 0  # two planted groups: k = 2 separates best
    assert k["inertia"].is_monotonic_decreasing
    p = segment_profile(f, labels)
    assert p["customers"].tolist() == [60, 60]
    assert p["revenue"].sum() == pytest.approx(f["monetary"].sum())
    assert p["revenue_share"].sum() == pytest.approx(1.0)
    assert p.loc[0, "mean_frequency"] == pytest.approx(f["frequency"].iloc[:60].mean())


def test_kmeans_bad_input():
    f = clustered_features()
    f.loc[3, "monetary"] = -5.0
    with pytest.raises(CrmlabInputError, match="negative values, which log1p"):
        kmeans_segments(f)
    with pytest.raises(CrmlabInputError, match="k must be between"):
        kmeans_segments(clustered_features(), k=500)


@pytest.mark.parametrize("change, message", [
    (lambda t: t.drop(columns="amount"), "missing column 'amount'"),
    (lambda t: t.iloc[:0], "empty"),
    (lambda t: t.assign(amount=["x"] * len(t)), "must hold numbers"),
    (lambda t: t.assign(date=["someday"] * len(t)), "must hold dates"),
    (lambda t: t.assign(customer_id=None), "no usable rows"),
    (lambda t: t.assign(amount=-1.0), "no purchases"),
])
def test_rfm_table_bad_input(change, message):
    with pytest.raises(CrmlabInputError, match=message):
        rfm_table(change(small_transactions()))


def test_rfm_table_reports_missing_dates_and_amounts():
    tx = small_transactions()
    tx.loc[0, "date"] = None
    tx.loc[2, "amount"] = np.nan
    rfm = rfm_table(tx, as_of="2026-01-01")
    reasons = rfm.attrs["excluded"].examples
    assert list(reasons["rows without a date"]) == [0]
    assert list(reasons["rows without an amount"]) == [2]
    assert rfm.loc[rfm["customer_id"] == "a", "monetary"].item() == 20.0


def test_rfm_scores_bad_input():
    with pytest.raises(CrmlabInputError, match="bins must be"):
        rfm_scores(pd.DataFrame({"recency": [1], "frequency": [1], "monetary": [1.0]}), bins=1)
    with pytest.raises(CrmlabInputError, match="missing for rows 1"):
        rfm_scores(pd.DataFrame({"recency": [1, None], "frequency": [1, 2],
                                 "monetary": [1.0, 2.0]}))
    with pytest.raises(CrmlabInputError, match="missing column 'monetary'"):
        rfm_scores(pd.DataFrame({"recency": [1], "frequency": [1]}))


def test_docstring_examples_run():
    import doctest

    import crmlab.segmentation

    result = doctest.testmod(crmlab.segmentation, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 10 and result.failed == 0


def test_time_zone_dates_count_local_calendar_days():
    # 2025-01-01 00:30 in Shanghai is still 2024-12-31 in UTC: the local day must be used
    tx = small_transactions()
    tx["date"] = pd.to_datetime(tx["date"]).dt.tz_localize("Asia/Shanghai") + pd.Timedelta("30min")
    rfm = rfm_table(tx, as_of="2026-01-01")
    assert rfm["recency"].tolist() == [12, 214, 2]
    assert rfm["last_purchase"].iloc[0] == pd.Timestamp("2025-12-20")
    stages = lifecycle_stage(rfm.assign(first_purchase=rfm["first_purchase"].dt.tz_localize("UTC")),
                             as_of="2026-01-01")
    assert stages.astype(str).tolist() == ["new", "lapsing", "new"]


def test_customer_ids_of_mixed_types():
    tx = small_transactions().assign(customer_id=[1, 1, 1, "b", "b", 2.5, 2.5, None, "d"])
    rfm = rfm_table(tx, as_of="2026-01-01")
    assert sorted(map(str, rfm["customer_id"])) == ["1", "2.5", "b"]


@pytest.mark.parametrize("order", [[0, 1, 2, 3], [3, 1, 0, 2]])
def test_rfm_table_receipt_number_used_by_two_customers(order):
    # Receipt "r1" carries lines of members a and b (two tills reusing a number): it is one
    # purchase occasion for each of them, whatever the row order (runs or hashing).
    tx = pd.DataFrame({"customer_id": ["a", "b", "a", "b"], "receipt_id": ["r1", "r1", "r2", "r2"],
                       "date": ["2025-03-01", "2025-03-01", "2025-03-05", "2025-03-09"],
                       "amount": [10.0, 4.0, 6.0, 1.0]}).iloc[order]
    rfm = rfm_table(tx, as_of="2025-03-10")
    assert rfm["customer_id"].tolist() == ["a", "b"]
    assert rfm["frequency"].tolist() == [2, 2]
    assert rfm["monetary"].tolist() == [16.0, 5.0]
    assert rfm["recency"].tolist() == [5, 1]
