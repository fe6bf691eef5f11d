"""crmlab.service and the service tickets: hand-worked SLA ageing and escalation (with their
boundaries), resolution times, satisfaction, complaint Pareto, planted patterns, bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab import service
from crmlab._checks import CrmlabInputError
from crmlab.datasets import load_dataset

AS_OF = "2025-12-31 23:59:59"


@pytest.fixture(scope="module")
def tickets() -> pd.DataFrame:
    return load_dataset("service_tickets")


def make(severity, opened, resolved, **extra) -> pd.DataFrame:
    n = len(severity)
    return pd.DataFrame({"ticket_id": [f"t{i}" for i in range(n)], "severity": severity,
                         "opened": pd.to_datetime(opened, format="ISO8601"),
                         "resolved": pd.to_datetime(resolved, format="ISO8601"), **extra})


def test_deadlines_by_hand():
    t = make(["P1", "P2", "P3", "P4"], ["2025-03-01 09:30"] * 4, [None] * 4)
    due = service.sla_deadlines(t)
    assert due.dt.strftime("%Y-%m-%d %H:%M").tolist() == [
        "2025-03-01 13:30", "2025-03-02 09:30", "2025-03-04 09:30", "2025-03-08 09:30"]
    custom = pd.DataFrame({"severity": ["P1", "P2", "P3", "P4"], "resolve_hours": [1, 2, 3, 4]})
    assert service.sla_deadlines(t, sla=custom).dt.hour.tolist() == [10, 11, 12, 13]


def test_ageing_by_hand_with_boundaries():
    t = make(["P1", "P1", "P2", "P2", "P3"],
             ["2025-03-01 08:00", "2025-03-01 08:00", "2025-03-01 08:00", "2025-03-01 08:00",
              "2025-03-05 08:00"],
             ["2025-03-01 12:00",            # exactly at the 4 h deadline: in time
              "2025-03-01 12:00:01",         # one second late
              None,                          # open: 24 h window ends 03-02 08:00
              "2025-03-04 00:00",            # resolved after as_of: counts as open
              None])                         # opened after as_of: excluded
    aged = service.ticket_ageing(t, as_of="2025-03-03 08:00")
    assert aged["ticket_id"].tolist() == ["t0", "t1", "t2", "t3"]
    assert aged["sla_status"].tolist() == ["resolved in time", "resolved late", "open overdue",
                                           "open overdue"]
    assert aged["age_hours"].tolist() == pytest.approx([4, 4 + 1 / 3600, 48, 48])
    assert aged["overdue_hours"].tolist() == pytest.approx([0, 1 / 3600, 24, 24])
    assert aged["sla_met"].tolist() == [True, False, False, False]
    assert aged.attrs["excluded"].excluded == 1
    assert t["resolved"].notna().sum() == 3  # input not mutated


def test_escalation_levels_at_their_boundaries():
    # P2: 24 h window. Level 1 > 0 h late, level 2 > 12 h late, level 3 > 48 h late.
    opened = "2025-03-01 00:00"
    resolved = ["2025-03-02 00:00", "2025-03-02 00:00:01", "2025-03-02 12:00",
                "2025-03-02 12:00:01", "2025-03-04 00:00", "2025-03-04 00:00:01"]
    t = make(["P2"] * 6, [opened] * 6, resolved)
    out = service.escalate(t, as_of="2025-04-01")
    assert out["escalation_level"].tolist() == [0, 1, 1, 2, 2, 3]
    assert out["notify"].tolist()[0] == ""
    assert out["notify"].tolist()[-1].startswith("分管副总")
    rules = pd.DataFrame({"level": [1], "overdue_ratio": [1.0], "notify": ["boss"]})
    assert service.escalate(t, as_of="2025-04-01", rules=rules)["escalation_level"].tolist() == \
        [0, 0, 0, 0, 1, 1]  # only the two tickets 48 h late are more than 1 × 24 h late


def test_escalation_queue_only_open_overdue_sorted():
    t = make(["P1", "P3", "P1", "P4"], ["2025-03-01 08:00"] * 4,
             [None, None, "2025-03-01 09:00", None])
    q = service.escalation_queue(t, as_of="2025-03-01 20:01")
    # t0: P1 due 12:00, 8 h 1 min late > 2 × 4 h → level 3; t1 (P3) and t3 (P4) not due yet
    assert q["ticket_id"].tolist() == ["t0"]
    assert q["escalation_level"].tolist() == [3]


def test_resolution_times_by_hand():
    t = make(["P2"] * 5, ["2025-03-01 00:00"] * 5,
             ["2025-03-01 10:00", "2025-03-01 20:00", "2025-03-02 06:00", "2025-03-03 00:00",
              None], channel=["微信", "微信", "微信", "邮件", "邮件"])
    r = service.resolution_times(t, as_of="2025-04-01").set_index("channel")
    assert r.loc["微信", "resolved"] == 3
    assert r.loc["微信", "median_hours"] == pytest.approx(20)
    assert r.loc["微信", "mean_hours"] == pytest.approx((10 + 20 + 30) / 3)
    assert r.loc["微信", "sla_met_rate"] == pytest.approx(2 / 3)   # 30 h > 24 h
    assert r.loc["邮件", "resolved"] == 1 and r.loc["邮件", "median_hours"] == pytest.approx(48)
    assert r.index.tolist() == ["微信", "邮件"]
    overall = service.resolution_times(t, by=None, as_of="2025-04-01")
    assert overall["median_hours"].item() == pytest.approx(25)  # median of 10, 20, 30, 48


def test_satisfaction_by_hand():
    t = pd.DataFrame({"satisfaction": [5, 4, 3, 1, None, 5], "g": list("aaabbb")})
    s = service.satisfaction_summary(t, by="g").set_index("g")
    assert s.loc["a", "mean_score"] == pytest.approx(4) and s.loc["a", "csat"] == pytest.approx(2 / 3)
    assert s.loc["b", "surveyed"] == 2 and s.loc["b", "csat"] == pytest.approx(0.5)
    total = service.satisfaction_summary(t)
    assert total["mean_score"].item() == pytest.approx(18 / 5)
    assert total.attrs["excluded"].excluded == 1


def test_complaint_pareto_by_hand_and_boundary():
    t = pd.DataFrame({"category": ["质量"] * 5 + ["交付"] * 3 + ["账单"] * 2 + [None]})
    p = service.complaint_pareto(t)
    assert p["tickets"].tolist() == [5, 3, 2]
    assert p["cumulative_share"].tolist() == pytest.approx([0.5, 0.8, 1.0])
    # 交付 ends exactly at 80 %: in the vital few; 账单 starts at 80 %: not
    assert p["vital_few"].tolist() == [True, True, False]
    assert p.attrs["excluded"].excluded == 1
    tie = service.complaint_pareto(pd.DataFrame({"category": ["b", "a"]}))
    assert tie["category"].tolist() == ["a", "b"]


# ---- the shipped data ---------------------------------------------------------------------
def test_dataset_deadlines_and_escalation_follow_the_rule_tables(tickets):
    assert len(tickets) == 3000
    pd.testing.assert_series_equal(service.sla_deadlines(tickets), tickets["deadline"],
                                   check_names=False)
    out = service.escalate(tickets, as_of=AS_OF)
    assert (out["escalation_level"].to_numpy() == tickets["escalation_level"].to_numpy()).all()
    assert out.attrs["excluded"].excluded == 0


def test_dataset_planted_patterns(tickets):
    p = service.complaint_pareto(tickets)
    assert p["category"].head(3).tolist() == ["产品质量", "交付延迟", "账单错误"]
    assert 0.65 <= p["cumulative_share"].iloc[2] <= 0.75
    assert p["vital_few"].sum() == 5
    r = service.resolution_times(tickets, as_of=AS_OF).set_index("channel")
    assert set(r.index[:2]) == {"微信", "电话"} and r.index[-1] == "邮件"
    cat = service.resolution_times(tickets, by="category", as_of=AS_OF)
    assert cat["category"].iloc[-1] == "安装调试"
    s = service.satisfaction_summary(tickets.assign(escalated=tickets["escalation_level"] > 0),
                                     by="escalated").set_index("escalated")
    assert s.loc[False, "mean_score"] - s.loc[True, "mean_score"] > 1.2
    aged = service.ticket_ageing(tickets, as_of=AS_OF)
    assert aged["is_open"].sum() == tickets["resolved"].isna().sum() == 16
    q = service.escalation_queue(tickets, as_of=AS_OF)
    assert q["escalation_level"].tolist() == [3, 2, 1]
    surveyed = tickets["satisfaction"].notna()
    assert tickets.loc[surveyed, "resolved"].notna().all()
    assert tickets.loc[surveyed, "satisfaction"].between(1, 5).all()
    assert 0.5 < surveyed.sum() / tickets["resolved"].notna().sum() < 0.7


# ---- bad input ----------------------------------------------------------------------------
def test_bad_input_messages():
    t = make(["P1", "P9"], ["2025-03-01"] * 2, [None] * 2)
    with pytest.raises(CrmlabInputError, match="no SLA rule: 'P9'"):
        service.ticket_ageing(t, as_of="2025-04-01")
    with pytest.raises(CrmlabInputError, match="missing column 'severity'"):
        service.ticket_ageing(t.drop(columns="severity"), as_of="2025-04-01")
    with pytest.raises(CrmlabInputError, match="as_of"):
        service.ticket_ageing(t, as_of="whenever")
    with pytest.raises(CrmlabInputError, match="as_of is needed"):
        service.ticket_ageing(t, as_of=None)
    bad_dates = pd.DataFrame({"severity": ["P1"], "opened": ["yesterday-ish"], "resolved": [None]})
    with pytest.raises(CrmlabInputError, match="must hold dates"):
        service.ticket_ageing(bad_dates, as_of="2025-04-01")
    backwards = make(["P1"], ["2025-03-02"], ["2025-03-01"])
    with pytest.raises(CrmlabInputError, match="resolved before they were opened"):
        service.ticket_ageing(backwards, as_of="2025-04-01")
    with pytest.raises(CrmlabInputError, match="whole scores 1–5"):
        service.satisfaction_summary(pd.DataFrame({"satisfaction": [5, 7]}))
    with pytest.raises(CrmlabInputError, match="whole scores 1–5"):
        service.satisfaction_summary(pd.DataFrame({"satisfaction": ["good"]}))
    with pytest.raises(CrmlabInputError, match="is empty"):
        service.complaint_pareto(pd.DataFrame({"category": []}))
    with pytest.raises(CrmlabInputError, match="no ticket is resolved"):
        service.resolution_times(make(["P1"], ["2025-03-01"], [None], channel=["微信"]),
                                 as_of="2025-04-01")
    rules = pd.DataFrame({"level": [1, 2], "overdue_ratio": [1.0, 0.5], "notify": ["a", "b"]})
    with pytest.raises(CrmlabInputError, match="more overdue time"):
        service.escalate(make(["P1"], ["2025-03-01"], [None]), as_of="2025-04-01", rules=rules)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=20),
       st.sampled_from(["P1", "P2", "P3", "P4"]))
def test_escalation_never_decreases_with_lateness(hours_late, severity):
    hours = dict(zip(service.DEFAULT_SLA["severity"], service.DEFAULT_SLA["resolve_hours"]))
    late = sorted(hours_late)
    opened = pd.Timestamp("2025-03-01")
    resolved = [opened + pd.Timedelta(hours=hours[severity] + h) for h in late]
    t = pd.DataFrame({"severity": severity, "opened": opened, "resolved": resolved})
    out = service.escalate(t, as_of="2026-01-01")
    levels = out["escalation_level"].tolist()
    assert levels == sorted(levels)
    assert all((lvl > 0) == (h > 0) for lvl, h in zip(levels, late, strict=True))
    assert out["overdue_hours"].tolist() == pytest.approx([float(h) for h in late])
