"""crmlab.customers: the one customer summary, the functions built on it, and the conventions
every module follows (written in the crmlab package docstring)."""

from __future__ import annotations

import inspect
from functools import partial
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlab import btyd, loyalty, pareto, segmentation, value
from crmlab._checks import EXAMPLES_PER_REASON, CrmlabExclusionWarning, CrmlabInputError
from crmlab.customers import _summary, customer_summary, first_time_buyers
from crmlab.datasets import load_dataset

AS_OF = "2026-01-01"


@pytest.fixture(scope="module")
def retail() -> pd.DataFrame:
    return load_dataset("retail_transactions")


# --------------------------------------------------------------------------- the tie test
def test_rfm_value_churn_and_btyd_agree_on_the_retail_data(retail):
    """The four summaries of one log and one as-of date give the same numbers per customer."""
    rfm = segmentation.rfm_table(retail, as_of=AS_OF).set_index("customer_id")
    hv = value.historic_value(retail, as_of=AS_OF).set_index("customer_id")
    churn = loyalty.churn_features(retail, as_of=AS_OF).set_index("customer_id")
    assert len(rfm) > 4000
    for other in (hv, churn):
        assert other.index.equals(rfm.index)
        for column in ("recency", "frequency", "monetary", "returns"):
            pd.testing.assert_series_equal(other[column], rfm[column], check_names=False)
    pd.testing.assert_series_equal(hv["first_purchase"], rfm["first_purchase"])
    assert (hv["mean_spend"] == rfm["mean_spend"]).all()
    assert rfm.attrs["as_of"] == hv.attrs["as_of"] == churn.attrs["as_of"] == pd.Timestamp(AS_OF)
    # the member of the issue that had three different answers: one answer now
    m13 = [frame.loc["M00013", ["recency", "frequency", "monetary"]].tolist()
           for frame in (rfm, hv, churn)]
    assert m13[0] == m13[1] == m13[2]

    # BTYD counts calendar days (its documented convention), from the same core: with days as
    # occasions, its repeat count is the purchase days − 1, its recency the days from the first
    # to the last purchase, and T the days from the first purchase to the last day observed.
    # (A day whose net is exactly 0 counts as a BTYD purchase, as in the CDNOW summaries.)
    days, _ = _summary(retail, customer="customer_id", date="date", amount="amount",
                       occasion=None, as_of=AS_OF, free_purchases=True)
    days = days.set_index("customer_id")
    bt = btyd.summary_data(retail, observation_end="2025-12-31", freq="D")
    assert bt.index.equals(days.index)
    assert (bt["frequency"] == days["frequency"] - 1).all()
    span = (days["last_purchase"] - days["first_purchase"]).dt.days
    assert (bt["recency"] == span).all()
    assert (bt["T"] == (pd.Timestamp("2025-12-31") - days["first_purchase"]).dt.days).all()
    # and counting days instead of receipts changes only the count of occasions
    by_day = customer_summary(retail, occasion=None, as_of=AS_OF).set_index("customer_id")
    for column in ("monetary", "returns"):
        pd.testing.assert_series_equal(by_day[column], rfm[column].reindex(by_day.index),
                                       check_names=False)
    assert (by_day["frequency"] <= rfm["frequency"].reindex(by_day.index)).all()


# --------------------------------------------------------------------------- the core
def test_summary_hand_worked():
    tx = pd.DataFrame({
        "customer_id": ["a", "a", "a", "b", "b", None, "c", "a"],
        "receipt_id": ["r1", "r1", "r2", "r3", "r4", "r5", "r6", "r7"],
        "date": ["2025-01-05", "2025-01-05", "2025-03-01", "2025-02-01", "2025-02-03",
                 "2025-02-02", "2025-02-20", "2025-04-01"],
        "amount": [60.0, 40.0, -10.0, 30.0, 12.5, 5.0, -8.0, 50.0]})
    s = customer_summary(tx, as_of="2025-04-01").set_index("customer_id")
    # a: r1 (100) is a purchase, r2 (−10) a return only, r7 is on the as-of date: excluded
    assert s.loc["a"].tolist() == [pd.Timestamp("2025-01-05"), pd.Timestamp("2025-01-05"), 86, 1,
                                   90.0, 10.0]
    assert s.loc["b", ["recency", "frequency", "monetary"]].tolist() == [57, 2, 42.5]
    assert "c" not in s.index  # only returned goods
    report = s.attrs["excluded"]
    assert report.counts == {"rows without a customer id": 1,
                             "rows dated on or after the as-of date": 1,
                             "rows of customers who only returned goods (no purchase)": 1}
    assert s.attrs["occasion"] == "receipt_id"


def _plain_summary(tx: pd.DataFrame, occasion: str | None, as_of: pd.Timestamp) -> pd.DataFrame:
    """The plain pandas computation of the customer_summary docstring."""
    tx = tx.dropna(subset=["customer_id", "date", "amount"])
    tx = tx[tx["date"] < as_of].assign(day=lambda t: t["date"].dt.normalize())
    occ = occasion or "day"
    per_occ = tx.groupby(["customer_id", occ]).agg(day=("day", "min"), net=("amount", "sum"))
    bought = per_occ[per_occ["net"] > 0].groupby("customer_id")["day"]
    summary = pd.DataFrame({
        "first_purchase": bought.min(), "last_purchase": bought.max(),
        "frequency": bought.size(),
        "monetary": tx.groupby("customer_id")["amount"].sum().round(6),
        "returns": (-tx["amount"].clip(upper=0)).groupby(tx["customer_id"]).sum().round(6),
    }).dropna(subset=["frequency"])
    summary["recency"] = (as_of - summary["last_purchase"]).dt.days
    return summary


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c", None]), st.integers(0, 9),
                          st.integers(0, 40), st.integers(-30, 60)), min_size=1, max_size=60),
       st.booleans())
def test_summary_matches_plain_pandas(rows, by_receipt):
    tx = pd.DataFrame(rows, columns=["customer_id", "receipt", "day", "amount"])
    # one receipt belongs to one customer and one day, as in a real till
    tx["receipt_id"] = tx["customer_id"].fillna("?") + "-" + tx["receipt"].astype(str)
    first_day = tx.groupby("receipt_id")["day"].transform("min")
    tx["date"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(first_day, unit="D")
    tx["amount"] = tx["amount"].astype(float)
    as_of = pd.Timestamp("2025-02-01")
    occasion = "receipt_id" if by_receipt else None
    expected = _plain_summary(tx, occasion, as_of)
    if expected.empty:
        with pytest.raises(CrmlabInputError):
            customer_summary(tx, occasion=occasion, as_of=as_of)
        return
    got = customer_summary(tx, occasion=occasion, as_of=as_of).set_index("customer_id")
    assert got.index.tolist() == expected.index.tolist()
    for column in ("first_purchase", "last_purchase", "recency", "frequency", "monetary",
                   "returns"):
        assert got[column].tolist() == expected[column].tolist(), column


def test_first_time_buyers_hand_worked():
    tx = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "c", None, "e", "e"],
                       "date": ["2024-12-31", "2025-01-05", "2025-01-01", "2025-01-01",
                                "2025-02-01", "2025-01-10", "2024-12-01", "2025-01-09"],
                       "amount": [10, 20, 5, 7, 9, 100, -3, 4]})
    out = first_time_buyers(tx, period="2025-01")
    # a bought in December, c in February; e's December row is a return, not a purchase
    assert out["customer_id"].tolist() == ["b", "e"]
    assert out["first_spend"].tolist() == [12.0, 4.0]   # b's two rows on one day: one occasion
    assert "1 row without a customer id" in str(out.attrs["excluded"])
    both = first_time_buyers(tx, period=("2025-01-01", "2025-02-01"))   # both ends included
    assert both["customer_id"].tolist() == ["b", "e", "c"]


def test_first_time_buyers_bad_inputs():
    tx = pd.DataFrame({"customer_id": ["a"], "date": ["not a date"], "amount": [1]})
    with pytest.raises(CrmlabInputError, match="must hold dates"):
        first_time_buyers(tx, period="2025")
    with pytest.raises(CrmlabInputError, match="not a period"):
        first_time_buyers(tx.assign(date="2025-01-01"), period="someday")
    with pytest.raises(CrmlabInputError, match="before it starts"):
        first_time_buyers(tx.assign(date="2025-01-01"), period=("2025-02-01", "2025-01-01"))


# --------------------------------------------------------------------------- conventions
def _public_functions():
    import crmlab.quality
    import crmlab.sales
    import crmlab.scorecard
    import crmlab.service
    import crmlab.survey
    from crmlab import basket, customers

    for module in (customers, segmentation, value, loyalty, pareto, basket, btyd,
                   crmlab.sales, crmlab.service, crmlab.quality, crmlab.scorecard, crmlab.survey):
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                yield f"{module.__name__}.{name}", inspect.signature(obj)


def test_one_default_customer_column_everywhere():
    defaults = {name: sig.parameters["customer"].default for name, sig in _public_functions()
                if "customer" in sig.parameters}
    assert len(defaults) >= 10
    assert {d for d in defaults.values() if d is not None} == {"customer_id"}, defaults


def test_as_of_is_keyword_only_everywhere():
    with_as_of = {name: sig.parameters["as_of"] for name, sig in _public_functions()
                  if "as_of" in sig.parameters}
    assert len(with_as_of) >= 8
    assert {name for name, p in with_as_of.items() if p.kind is not p.KEYWORD_ONLY} == set()


#: Functions whose leading positional arguments are all inputs, not options: two tables or
#: arrays that go together (X and y, this year and last year, a model and its data), the terms of
#: a formula (margin, retention, discount), or the month a grading is for. Everything after them
#: is keyword-only too. A new public function either follows convention 1 or is added here with
#: its reason.
SEVERAL_INPUTS = {
    "crmlab.segmentation.segment_profile": ["segments"],
    "crmlab.value.retention_clv": ["retention", "discount", "horizon"],
    "crmlab.value.clv_sensitivity": ["retention_rates", "discount_rates", "horizon"],
    "crmlab.value.share_of_wallet": ["total_category_spend"],
    "crmlab.loyalty.evaluate_churn_model": ["X", "y"],
    "crmlab.loyalty.gains_table": ["scores"],
    "crmlab.loyalty.feature_effects": ["X", "y"],
    "crmlab.basket.rules_with_item": ["item"],
    "crmlab.btyd.customer_lifetime_value": ["spend_model", "frequency", "recency", "T", "monetary_value"],
    "crmlab.btyd.simulate_customers": ["r", "alpha", "a", "b", "T"],
    "crmlab.btyd.repeat_purchase_table": ["frequency", "T"],
    "crmlab.btyd.calibration_holdout_table": ["summary"],
    "crmlab.btyd.tracking_table": ["data"],
    "crmlab.sales.campaign_roi": ["opportunities"],
    "crmlab.quality.evaluate_duplicates": ["truth"],
    "crmlab.quality.golden_record": ["clusters", "rules"],
    "crmlab.scorecard.calendar_months_between": ["end"],
    "crmlab.scorecard.yoy_class": ["last_period"],
    "crmlab.scorecard.monthly_grading": ["month_end"],
    "crmlab.scorecard.grading_history": ["month_ends"],
    "crmlab.scorecard.export_grade_table": ["path"],
    # the survey: the answers and their codebook (the questionnaire's definition) go together;
    # a question (or two, for a cross-tab) of it is what is being tallied or compared
    "crmlab.survey.read_responses": ["codebook"],
    "crmlab.survey.validate": ["codebook"],
    "crmlab.survey.tally": ["question", "codebook"],
    "crmlab.survey.tally_hierarchy": ["question", "codebook"],
    "crmlab.survey.statistics_table": ["codebook"],
    "crmlab.survey.factual_mode": ["question", "codebook"],
    "crmlab.survey.wilson_interval": ["n"],
    "crmlab.survey.likert_summary": ["items"],
    "crmlab.survey.reliability": ["codebook"],
    "crmlab.survey.apply_reverse_coding": ["codebook"],
    "crmlab.survey.servqual_gaps": ["codebook"],
    "crmlab.survey.importance_performance": ["codebook"],
    "crmlab.survey.crosstab": ["row", "column"],
    "crmlab.survey.survey_report": ["codebook", "out_dir"],
    "crmlab.survey.key_findings": ["codebook", "validation"],
    "crmlab.survey.compare_groups": ["codebook", "by"],
}


def test_data_first_everything_else_keyword_only():
    loose = {name: [p.name for p in list(sig.parameters.values())[1:]
                    if p.kind is p.POSITIONAL_OR_KEYWORD]
             for name, sig in _public_functions()}
    assert {name: names for name, names in loose.items() if names} == SEVERAL_INPUTS


def test_positional_and_keyword_as_of(retail):
    tx = retail.head(2000)
    for func in (customer_summary, segmentation.rfm_table, value.historic_value,
                 loyalty.churn_features, loyalty.churn_labels):
        with pytest.raises(TypeError):
            func(tx, "2025-01-01")
        assert func(tx, as_of="2025-01-01").attrs["as_of"] == pd.Timestamp("2025-01-01")


def test_default_as_of_is_the_day_after_the_last_date():
    tx = pd.DataFrame({"customer_id": ["a", "b"], "date": ["2025-03-01", "2025-03-09 18:30"],
                       "amount": [5.0, 6.0]})
    for func in (customer_summary, segmentation.rfm_table, value.historic_value,
                 partial(loyalty.churn_features, category=None), loyalty.churn_labels):
        out = func(tx)
        assert out.attrs["as_of"] == pd.Timestamp("2025-03-10"), func
        assert out.attrs["excluded"].excluded == 0
    stages = segmentation.lifecycle_stage(segmentation.rfm_table(tx))
    assert stages.tolist() == ["new", "new"]


def test_a_log_without_receipt_ids_counts_days():
    tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
                       "date": ["2025-01-01 09:00", "2025-01-01 17:00", "2025-01-04", "2025-01-02"],
                       "amount": [10.0, 5.0, 20.0, 7.0]})
    rfm = segmentation.rfm_table(tx)
    assert rfm["frequency"].tolist() == [2, 1]          # a: two days, not three rows
    assert rfm.attrs["occasion"] == "calendar day"
    assert value.historic_value(tx)["frequency"].tolist() == [2, 1]
    assert loyalty.churn_features(tx, category=None)["frequency"].tolist() == [2, 1]
    with pytest.raises(CrmlabInputError, match="missing column 'ticket'"):
        segmentation.rfm_table(tx, occasion="ticket")  # a column named by the user must exist


def test_a_table_without_customer_is_refused_not_guessed(retail):
    for func in (pareto.top_share, pareto.customers_for_share, pareto.gini, pareto.pareto_table,
                 pareto.abc_classes, pareto.lorenz_curve):
        with pytest.raises(CrmlabInputError, match="customer="):
            func(retail)
    # with the column named, the share is the customers' share (0.84 on the retail data, not
    # the 0.47 of reading each line as a customer)
    with pytest.warns(CrmlabExclusionWarning, match="rows without a customer id"):
        share = pareto.top_share(retail, top=0.34, customer="customer_id")
    members = retail.dropna(subset=["customer_id"]).groupby("customer_id")["amount"].sum()
    assert share == pytest.approx(pareto.top_share(members, top=0.34))
    assert share > 0.8


def test_scalar_results_warn_how_many_rows_were_left_out():
    tx = pd.DataFrame({"id": ["a", "b", None, "a", None], "amount": [5.0, 3.0, 1.0, 2.0, 4.0]})
    for func in (pareto.top_share, pareto.customers_for_share, pareto.gini):
        with pytest.warns(CrmlabExclusionWarning,
                          match=r"2 rows without a customer id \(e\.g\. 2, 4\)"):
            func(tx, customer="id")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pareto.gini(tx.dropna(), customer="id")   # nothing left out: no warning


# --------------------------------------------------------------------------- exclusion reports
def test_a_large_exclusion_keeps_attrs_small():
    n = 10_000
    tx = pd.DataFrame({"customer_id": [None] * n + ["a", "b"],
                       "date": ["2025-01-01"] * (n + 2), "amount": 1.0})
    rfm = segmentation.rfm_table(tx)
    report = rfm.attrs["excluded"]
    assert report.counts == {"rows without a customer id": n}
    assert len(report.examples["rows without a customer id"]) == EXAMPLES_PER_REASON
    # what pandas deep-copies on every later operation is a few hundred bytes, not 10,000
    # labels (the size is what makes later operations slow; it is measured, not timed)
    assert len(pickle.dumps(rfm.attrs)) < 1_000
    later = rfm.assign(x=1)[["monetary", "x"]] * 2
    assert later.attrs["excluded"].counts == report.counts
    with pytest.raises(CrmlabInputError, match="return_report=True"):
        report.rows()
    # the full list on request
    rfm, full = segmentation.rfm_table(tx, return_report=True)
    assert full.rows("rows without a customer id").tolist() == list(range(n))
    assert len(pickle.dumps(rfm.attrs)) < 1_000


def test_every_module_uses_one_attrs_key():
    import crmlab.basket
    import crmlab.customers
    import crmlab.sales
    import crmlab.service

    import crmlab.quality.linkage
    import crmlab.scorecard.indicators
    import crmlab.value_index

    modules = (crmlab.basket, crmlab.sales, crmlab.service, crmlab.customers, segmentation,
               value, loyalty, pareto, crmlab.scorecard.indicators, crmlab.quality.linkage,
               crmlab.value_index)
    source = "".join(inspect.getsource(m) for m in modules)
    assert 'attrs["exclusions"]' not in source and 'attrs["excluded"] = str(' not in source
    # a report in attrs is always the small one
    assert 'attrs["excluded"] = report\n' not in source


def test_error_wording_is_plain_english():
    with pytest.raises(CrmlabInputError, match="the transactions are missing column 'amount'"):
        segmentation.rfm_table(pd.DataFrame({"customer_id": ["a"], "date": ["2025-01-01"]}))
    tx = pd.DataFrame({"customer_id": ["a", None], "date": ["2025-01-01"] * 2, "amount": 1.0})
    assert "1 row without a customer id" in str(segmentation.rfm_table(tx).attrs["excluded"])
    assert np.isfinite(segmentation.rfm_table(tx)["monetary"]).all()


def test_lifecycle_stage_names_the_as_of_date_it_used():
    c = pd.DataFrame({"first_purchase": pd.to_datetime(["2025-03-01"]),
                      "last_purchase": pd.to_datetime(["2025-03-05"])})
    # default: the day after the last purchase in the table (never "None" in a message)
    assert segmentation.lifecycle_stage(c).tolist() == ["new"]
    with pytest.raises(CrmlabInputError, match="on or after the as-of date 2025-03-01"):
        segmentation.lifecycle_stage(c, as_of="2025-03-01")
