"""crmlab.sales and the sales datasets: hand-worked funnel, win rate, cycle, pipeline, alerts and
campaign ROI; planted patterns; byte-identical regeneration; bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab import sales
from crmlab._checks import CrmlabInputError
from crmlab.datasets import data_dir, load_dataset, regenerate


@pytest.fixture(scope="module")
def opps() -> pd.DataFrame:
    return load_dataset("sales_opportunities")


@pytest.fixture(scope="module")
def campaigns() -> pd.DataFrame:
    return load_dataset("campaigns")


# Ten opportunities, worked by hand:
# reached lead 10 · qualified 7 · proposal 5 · negotiation 3 · won 2
SMALL = pd.DataFrame({
    "opportunity_id": [f"O{i}" for i in range(10)],
    "owner": ["A", "A", "A", "A", "A", "B", "B", "B", "B", "B"],
    "stage_reached": ["lead", "lead", "qualified", "qualified", "proposal", "proposal",
                      "negotiation", "won", "won", "lead"],
    "stage": ["lost", "lost", "lost", "qualified", "lost", "proposal", "lost", "won", "won",
              "lead"],
    "amount": [10.0, 20, 30, 40, 50, 60, 70, 80, 90, 100],
    "created": pd.to_datetime(["2025-01-01"] * 10),
    "closed": pd.to_datetime(["2025-01-05", "2025-01-10", "2025-02-01", None, "2025-03-01",
                              None, "2025-03-02", "2025-01-31", "2025-03-02", None]),
    "campaign_id": ["X", "X", "X", None, "Y", "Y", "Z", "X", "Y", "Q"],
})


def test_funnel_by_hand():
    f = sales.sales_funnel(SMALL)
    assert f["reached"].tolist() == [10, 7, 5, 3, 2]
    assert f["conversion"].tolist()[1:] == pytest.approx([7 / 10, 5 / 7, 3 / 5, 2 / 3])
    assert np.isnan(f["conversion"].iloc[0])
    assert f["overall_conversion"].tolist() == pytest.approx([1, 0.7, 0.5, 0.3, 0.2])
    # value reaching 'proposal': amounts of rows 4, 5, 6, 7, 8 = 50+60+70+80+90
    assert f.loc[f["stage"] == "proposal", "value"].item() == 350


def test_funnel_without_open_and_by_owner():
    f = sales.sales_funnel(SMALL, include_open=False)
    # open rows 3 (qualified), 5 (proposal), 9 (lead) leave: 7 decided
    assert f["reached"].tolist() == [7, 5, 4, 3, 2]
    assert f.attrs["excluded"].excluded == 3
    g = sales.sales_funnel(SMALL, by="owner")
    assert g.loc[g["owner"] == "A", "reached"].tolist() == [5, 3, 1, 0, 0]
    assert g.loc[g["owner"] == "B", "reached"].tolist() == [5, 4, 4, 3, 2]
    assert np.isnan(g.loc[(g["owner"] == "A") & (g["stage"] == "won"), "conversion"].item())


def test_win_rate_by_hand():
    w = sales.win_rate(SMALL, by="owner", amount="amount")
    a = w[w["owner"] == "A"].iloc[0]
    assert (a["won"], a["lost"], a["open"]) == (0, 4, 1)
    assert a["win_rate"] == 0
    b = w[w["owner"] == "B"].iloc[0]
    assert (b["won"], b["lost"], b["decided"], b["open"]) == (2, 1, 3, 2)
    assert b["win_rate"] == pytest.approx(2 / 3)
    assert b["value_win_rate"] == pytest.approx((80 + 90) / (70 + 80 + 90))
    total = sales.win_rate(SMALL)
    assert total["win_rate"].item() == pytest.approx(2 / 7)
    assert total.attrs["excluded"].excluded == 3


def test_win_rate_nan_without_decided_deals():
    w = sales.win_rate(pd.DataFrame({"stage": ["lead", "proposal"]}))
    assert np.isnan(w["win_rate"].item())


def test_sales_cycle_by_hand():
    c = sales.sales_cycle(SMALL)
    # won: created 01-01 → 01-31 (30 days) and → 03-02 (60 days)
    assert c["deals"].item() == 2
    assert c["mean_days"].item() == pytest.approx(45)
    assert c["median_days"].item() == pytest.approx(45)
    lost = sales.sales_cycle(SMALL, outcomes=("lost",))
    # lost: 4, 9, 31, 59, 60 days
    assert lost["median_days"].item() == pytest.approx(31)
    assert lost["max_days"].item() == pytest.approx(60)


def test_pipeline_by_owner_by_hand():
    p = sales.pipeline_by_owner(SMALL).set_index("owner")
    assert p.loc["A", "open_amount"] == 40
    assert p.loc["B", "open_amount"] == 160       # 60 + 100
    assert p.loc["B", "won_amount"] == 170
    assert p.index.tolist() == ["B", "A"]          # largest open pipeline first


def test_big_deal_alert_boundary():
    deals = pd.DataFrame({"amount": [300_000, 299_999.99, 450_000, 900_000],
                          "stage": ["lead", "proposal", "negotiation", "won"]})
    alerts = sales.big_deal_alerts(deals)
    assert alerts["amount"].tolist() == [450_000, 300_000]
    assert len(sales.big_deal_alerts(deals, open_only=False)) == 3
    assert len(sales.big_deal_alerts(deals, threshold=1e6)) == 0


def test_campaign_roi_by_hand():
    camps = pd.DataFrame({"campaign_id": ["X", "Y", "Z", "W"], "name": list("xyzw"),
                          "cost": [100.0, 50.0, 40.0, 10.0], "contacts": [1000, 100, 20, 5],
                          "responses": [50, 10, 4, 0]})
    roi = sales.campaign_roi(camps, SMALL).set_index("campaign_id")
    # X: leads 0,1,2,7; won 7 (80) → ROI (80 − 100)/100 = −0.2; cost per response 100/50 = 2
    assert roi.loc["X", "leads"] == 4 and roi.loc["X", "won_deals"] == 1
    assert roi.loc["X", "revenue"] == 80
    assert roi.loc["X", "roi"] == pytest.approx(-0.2)
    assert roi.loc["X", "cost_per_response"] == pytest.approx(2)
    assert roi.loc["X", "cost_per_lead"] == pytest.approx(25)
    assert roi.loc["X", "cost_per_win"] == pytest.approx(100)
    assert roi.loc["X", "response_rate"] == pytest.approx(0.05)
    # Y: leads 4, 5, 8; won 8 (90) → (90 − 50)/50 = 0.8
    assert roi.loc["Y", "roi"] == pytest.approx(0.8)
    # Z: no win → revenue 0, ROI −1, cost per win undefined
    assert roi.loc["Z", "roi"] == pytest.approx(-1) and np.isnan(roi.loc["Z", "cost_per_win"])
    # W: no responses, no leads
    assert np.isnan(roi.loc["W", "cost_per_response"]) and roi.loc["W", "leads"] == 0
    # sorted by ROI; unknown campaign Q and the organic lead reported
    assert roi.index.tolist()[0] == "Y"
    report = sales.campaign_roi(camps, SMALL).attrs["excluded"]
    assert "unknown campaign" in str(report) and "organic" in str(report)
    margin = sales.campaign_roi(camps, SMALL, gross_margin=0.5).set_index("campaign_id")
    assert margin.loc["Y", "roi"] == pytest.approx((45 - 50) / 50)


# ---- the shipped data ---------------------------------------------------------------------
def test_dataset_shape_and_planted_funnel(opps):
    assert len(opps) == 1500
    assert opps["customer_id"].str.fullmatch(r"C0\d{3}").all()
    assert opps["customer_id"].str[1:].astype(int).between(1, 300).all()
    f = sales.sales_funnel(opps)
    assert f["reached"].tolist() == [1500, 938, 609, 453, 291]      # the data card's numbers
    assert f["reached"].is_monotonic_decreasing
    assert f["conversion"].iloc[1:].between(0.55, 0.8).all()
    is_open = ~opps["stage"].isin(["won", "lost"])
    assert is_open.sum() == 38
    assert opps.loc[is_open, "closed"].isna().all() and opps.loc[~is_open, "closed"].notna().all()
    assert (opps.loc[is_open, "stage"].astype(str) == opps.loc[is_open, "stage_reached"].astype(str)).all()
    assert (opps.loc[opps["stage"] == "won", "stage_reached"] == "won").all()
    assert (opps["closed"].dropna() >= opps.loc[opps["closed"].notna(), "created"]).all()


def test_dataset_planted_owner_and_channel_patterns(opps, campaigns):
    w = sales.win_rate(opps, by="owner").set_index("owner")["win_rate"]
    assert w.idxmax() == "王芳" and w.idxmin() == "赵磊"
    roi = sales.campaign_roi(campaigns, opps)
    by_channel = roi.groupby("channel", observed=True)[["cost", "revenue"]].sum()
    channel_roi = by_channel["revenue"] / by_channel["cost"] - 1
    assert channel_roi.idxmax() == "行业研讨会" and channel_roi.idxmin() == "搜索广告"
    # cheapest cost per response is an e-mail campaign, yet not the best ROI
    assert roi.loc[roi["cost_per_response"].idxmin(), "channel"] == "邮件营销"
    assert roi.iloc[0]["channel"] != "邮件营销" or roi.iloc[0]["cost_per_response"] > \
        roi["cost_per_response"].min()
    assert roi.attrs["excluded"].excluded == opps["campaign_id"].isna().sum() == 600
    assert len(sales.big_deal_alerts(opps)) == 4


def test_regeneration_is_byte_identical(tmp_path):
    regenerate(tmp_path, topics=["sales", "service"])
    for name in ("campaigns.csv", "sales_opportunities.csv", "service_tickets.csv"):
        assert (tmp_path / name).read_bytes() == (data_dir() / name).read_bytes(), name


def test_larger_scale_generates_more_rows():
    from crmlab.datasets import _gen_sales

    chunks = list(_gen_sales.generate(5, scale=2))
    opps = pd.concat([c for t, c in chunks if t == "sales_opportunities"])
    assert len(opps) == pytest.approx(3000, abs=20) and opps["opportunity_id"].is_unique


# ---- bad input ----------------------------------------------------------------------------
def test_bad_input_messages():
    with pytest.raises(CrmlabInputError, match="missing column 'stage_reached'"):
        sales.sales_funnel(SMALL.drop(columns="stage_reached"))
    with pytest.raises(CrmlabInputError, match="unknown stages 'closing'"):
        sales.sales_funnel(SMALL.assign(stage_reached=["closing"] + ["lead"] * 9))
    with pytest.raises(CrmlabInputError, match="negative amounts in rows \\[0\\]"):
        sales.sales_funnel(SMALL.assign(amount=[-1.0] + [1.0] * 9))
    with pytest.raises(CrmlabInputError, match="must hold numbers"):
        sales.win_rate(SMALL.assign(amount=["lots"] * 10), amount="amount")
    with pytest.raises(CrmlabInputError, match="is empty"):
        sales.sales_funnel(SMALL.iloc[:0])
    with pytest.raises(CrmlabInputError, match="close before they were created"):
        sales.sales_cycle(SMALL.assign(created=pd.Timestamp("2025-02-15")))
    with pytest.raises(CrmlabInputError, match="must hold dates"):
        sales.sales_cycle(SMALL.assign(closed=["soon"] * 10))
    camps = pd.DataFrame({"campaign_id": ["X", "X"], "cost": [1.0, 2.0], "contacts": [1, 1],
                          "responses": [0, 0]})
    with pytest.raises(CrmlabInputError, match="more than once"):
        sales.campaign_roi(camps, SMALL)
    with pytest.raises(CrmlabInputError, match="more responses than contacts"):
        sales.campaign_roi(camps.assign(campaign_id=["X", "Y"], responses=[5, 0]), SMALL)
    with pytest.raises(CrmlabInputError, match="gross_margin"):
        sales.campaign_roi(camps.iloc[:1], SMALL, gross_margin=0)


# ---- properties -----------------------------------------------------------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(list(sales.FUNNEL_STAGES)), min_size=1, max_size=40))
def test_funnel_properties(reached):
    opps = pd.DataFrame({"stage_reached": reached, "amount": np.arange(len(reached), dtype=float)})
    f = sales.sales_funnel(opps)
    assert f["reached"].is_monotonic_decreasing and f["reached"].iloc[0] == len(reached)
    assert f["conversion"].dropna().between(0, 1).all()
    # naive count: an opportunity reached stage i when its own stage's position is ≥ i
    position = [sales.FUNNEL_STAGES.index(s) for s in reached]
    assert f["reached"].tolist() == [sum(p >= i for p in position)
                                     for i in range(len(sales.FUNNEL_STAGES))]
    assert f["value"].iloc[0] == pytest.approx(opps["amount"].sum())
