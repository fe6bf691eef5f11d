"""Tests for crmlab.loyalty: churn labels, leak-free features, model evaluation, win-back."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlab import loyalty as L
from crmlab._checks import CrmlabInputError

TX = pd.DataFrame({
    "receipt_id": ["r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"],
    "customer_id": ["a", "a", "a", "b", "b", "c", "c", None, "d"],
    "date": pd.to_datetime(["2024-11-10", "2025-03-01", "2025-12-20", "2025-01-15",
                            "2025-10-15", "2024-06-01", "2025-06-01", "2025-12-01",
                            "2026-01-05"]),
    "amount": [100.0, 50.0, 30.0, 200.0, -20.0, 400.0, 80.0, 999.0, 10.0],
    "category": ["x", "y", "x", "x", "x", "z", "z", "x", "x"],
})


# ---------------------------------------------------------------- labels
def test_inactivity_labels_hand_worked():
    lab = L.churn_labels(TX, as_of="2025-12-31").set_index("customer_id")
    # a: last 2025-12-20, 0 whole months → active; b: 2025-10-15, 2 months → at risk;
    # c: 2025-06-01, 6 months → churned; d bought only after as_of → not listed
    assert lab["state"].astype(str).to_dict() == {"a": "active", "b": "at_risk", "c": "churned"}
    # calendar months: 10-15 → 12-15 is 2 months, then 16 of December's 31 days
    assert lab.loc["b", "months_since_purchase"] == pytest.approx(2 + 16 / 31)
    assert "1 row without a customer id" in str(lab.attrs["excluded"])


def test_inactivity_boundaries_follow_the_course():
    # exactly one month → at risk (medium); exactly three months → still at risk; more → churned
    tx = pd.DataFrame({"customer_id": ["p", "q", "r", "s"], "amount": 1.0,
                       "date": ["2025-12-01", "2025-11-30", "2025-09-30", "2025-09-29"]})
    states = L.churn_labels(tx, as_of="2025-12-31").set_index("customer_id")["state"].astype(str)
    assert states.to_dict() == {"p": "active", "q": "at_risk", "r": "at_risk", "s": "churned"}


def test_yoy_labels_hand_worked():
    # as of 2025-12-31 (exclusive): the 12 months before it vs the 12 months before those
    tx = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "c", "c", "d"],
                       "date": ["2024-05-01", "2025-05-01", "2024-05-01", "2025-05-01",
                                "2024-05-01", "2025-05-01", "2025-07-01"],
                       "amount": [100, 49, 100, 50, 100, 80, 10]})
    lab = L.churn_labels(tx, as_of="2025-12-31", method="yoy").set_index("customer_id")
    assert lab["state"].astype(str).to_dict() == {
        "a": "churned",    # 49 % < 50 % : the course's "lost" line
        "b": "at_risk",    # exactly 50 % is decline, not lost
        "c": "active",     # 80 % is flat
        "d": "active",     # new this year
    }
    assert lab.loc["a", "yoy_ratio"] == pytest.approx(0.49)


def test_labels_ignore_the_future():
    later = pd.concat([TX, pd.DataFrame({"customer_id": ["c"], "date": [pd.Timestamp("2026-01-02")],
                                         "amount": [5.0], "receipt_id": ["r10"],
                                         "category": ["x"]})], ignore_index=True)
    pd.testing.assert_frame_equal(L.churn_labels(TX, as_of="2025-12-31"),
                                  L.churn_labels(later, as_of="2025-12-31"))


# ---------------------------------------------------------------- features
def test_features_hand_worked():
    f = L.churn_features(TX, as_of="2025-12-31").set_index("customer_id")
    a = f.loc["a"]
    assert a["recency"] == 11                  # 2025-12-20 → 12-31
    assert a["tenure_days"] == 416                   # 2024-11-10 → 2025-12-31
    assert a["frequency"] == 3 and a["monetary"] == 180.0
    assert a["mean_spend"] == pytest.approx(60.0)
    assert a["recent_purchases"] == 1 and a["recent_spend"] == 30.0   # since 2025-10-02
    assert a["prior_spend"] == 0.0                   # 2025-07-04 .. 2025-10-02: nothing
    assert a["spend_trend"] == 1.0 and a["n_categories"] == 2
    b = f.loc["b"]
    assert b["return_share"] == 0.5 and b["monetary"] == 180.0
    assert b["spend_trend"] == 0.5                   # recent refund only: clipped to 0 → steady
    assert "d" not in f.index


def test_window_features_match_the_plain_pandas_of_the_docstring():
    rng = np.random.default_rng(3)
    n = 600
    tx = pd.DataFrame({"receipt_id": [f"r{i}" for i in range(n)],
                       "customer_id": rng.choice([f"m{i}" for i in range(40)], n),
                       "date": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365, n), "D"),
                       "amount": np.round(rng.normal(60, 40, n), 2), "category": rng.choice(list("xyz"), n)})
    as_of, days = pd.Timestamp("2025-12-01"), 90
    f = L.churn_features(tx, as_of=as_of, recent_days=days).set_index("customer_id")
    seen = tx[tx["date"] < as_of]
    seen = seen[seen["customer_id"].isin(f.index)]
    recent = seen[seen["date"] >= as_of - pd.Timedelta(days=days)]
    prior = seen[(seen["date"] >= as_of - pd.Timedelta(days=2 * days)) & ~seen.index.isin(recent.index)]
    plain_recent = recent.groupby("customer_id")["amount"].sum().reindex(f.index, fill_value=0.0)
    plain_prior = prior.groupby("customer_id")["amount"].sum().reindex(f.index, fill_value=0.0)
    receipts = recent.groupby(["customer_id", "receipt_id"])["amount"].sum()
    plain_count = (receipts[receipts > 0].groupby(level="customer_id").size()
                   .reindex(f.index, fill_value=0))
    pd.testing.assert_series_equal(f["recent_spend"], plain_recent, check_names=False)
    pd.testing.assert_series_equal(f["prior_spend"], plain_prior, check_names=False)
    pd.testing.assert_series_equal(f["recent_purchases"], plain_count.astype("int64"), check_names=False)
    assert plain_recent.ne(0).sum() > 10 and plain_prior.ne(0).sum() > 10   # both windows are used


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 30), st.lists(st.integers(1, 400), min_size=1, max_size=15))
def test_no_future_leakage(cut, later_days):
    """Features as of the cut-off do not change when later transactions are deleted or added."""
    as_of = pd.Timestamp("2025-06-01") + pd.Timedelta(days=cut)
    rng = np.random.default_rng(cut)
    extra = pd.DataFrame({
        "receipt_id": [f"z{i}" for i in range(len(later_days))],
        "customer_id": rng.choice(["a", "b", "c", "new"], len(later_days)),
        "date": [as_of + pd.Timedelta(days=d) for d in later_days],
        "amount": rng.normal(50, 30, len(later_days)), "category": "q",
    })
    base = TX[TX["date"] <= as_of]
    with_future = pd.concat([base, extra], ignore_index=True)
    pd.testing.assert_frame_equal(L.churn_features(base, as_of=as_of),
                                  L.churn_features(with_future, as_of=as_of))


def test_target_window_is_half_open():
    tx = pd.DataFrame({"customer_id": ["a", "b", "c"],
                       "date": ["2025-01-31", "2025-03-02", "2025-03-01"]})
    # as of 2025-02-01 (exclusive), 29 days: window [2025-02-01, 2025-03-02); a's purchase on
    # the last day before the cut-off does not count, nor b's on the first day after the window
    y = L.churn_target(tx, as_of="2025-02-01", customers=["a", "b", "c"], horizon_days=29)
    assert y.to_dict() == {"a": 1, "b": 1, "c": 0}


def test_bad_inputs():
    with pytest.raises(CrmlabInputError, match="missing column 'customer_id'"):
        L.churn_labels(TX.drop(columns="customer_id"), as_of="2025-12-31")
    with pytest.raises(CrmlabInputError, match="as_of must be a date"):
        L.churn_labels(TX, as_of="someday")
    with pytest.raises(TypeError):  # as_of is keyword-only everywhere
        L.churn_labels(TX, "2025-12-31")
    with pytest.raises(CrmlabInputError, match="method"):
        L.churn_labels(TX, as_of="2025-12-31", method="magic")
    with pytest.raises(CrmlabInputError, match="must hold numbers"):
        L.churn_features(TX.assign(amount=TX["amount"].astype(object).where(
            TX.index != 2, "abc")), as_of="2025-12-31")
    with pytest.raises(CrmlabInputError, match="must hold dates"):
        L.churn_labels(TX.assign(date=TX["date"].astype(str).where(TX.index != 0, "soon")),
                       as_of="2025-12-31")
    with pytest.raises(CrmlabInputError, match="no purchases before"):
        L.churn_labels(TX, as_of="2000-01-01")
    with pytest.raises(CrmlabInputError, match="empty"):
        L.churn_features(TX.head(0), as_of="2025-12-31")
    with pytest.raises(CrmlabInputError, match="kind"):
        L.churn_model("svm")


# ---------------------------------------------------------------- gains
def test_gains_table_hand_worked():
    # 10 customers, 3 churners scored 1st, 2nd and 6th: top 20 % catches 2/3 → lift 3.33
    y = [1, 1, 0, 0, 0, 1, 0, 0, 0, 0]
    s = [0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]
    g = L.gains_table(y, s, bins=5)
    assert g["customers"].tolist() == [2] * 5
    assert g["cum_share_positives"].round(4).tolist() == [0.6667, 0.6667, 1.0, 1.0, 1.0]
    assert g.loc[0, "lift"] == pytest.approx((2 / 3) / 0.2)
    assert g["lift"].iloc[-1] == pytest.approx(1.0)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.floats(0, 1)), min_size=10, max_size=60))
def test_gains_properties(rows):
    y = [a for a, _ in rows]
    s = [b for _, b in rows]
    g = L.gains_table(y, s, bins=10)
    assert g["customers"].sum() == len(rows)
    assert (np.diff(g["cum_share_positives"]) >= -1e-12).all()
    if sum(y):
        assert g["cum_share_positives"].iloc[-1] == pytest.approx(1.0)


def test_gains_bad_inputs():
    with pytest.raises(CrmlabInputError, match="same length"):
        L.gains_table([1, 0], [0.5])
    with pytest.raises(CrmlabInputError, match="bins"):
        L.gains_table([1, 0], [0.5, 0.2], bins=3)


# ---------------------------------------------------------------- model on synthetic data
def _synthetic(n: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"recency": rng.exponential(60, n), "frequency": rng.poisson(5, n) + 1,
                      "city": rng.choice(["甲", "乙"], n)})
    logit = -1 + X["recency"] / 40 - 0.3 * X["frequency"] + (X["city"] == "甲") * 0.8
    y = pd.Series((rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int))
    return X, y


def test_model_learns_planted_effects_and_explains_them():
    X, y = _synthetic(1500, 1)
    Xt, yt = _synthetic(800, 2)
    model = L.churn_model("logistic").fit(X, y)
    ev = L.evaluate_churn_model(model, Xt, yt)
    assert ev["roc_auc"] > 0.75 and 0 <= ev["precision"] <= 1
    eff = L.feature_effects(model, Xt, yt).set_index("feature")
    assert eff.loc["recency", "effect"] > 1      # more days since purchase → more churn
    assert eff.loc["frequency", "effect"] < 1
    assert "multiplies the odds" in eff.loc["recency", "explanation"]
    assert eff.loc["city_甲", "effect"] > eff.loc["city_乙", "effect"]
    # AUC agrees with a naive pairwise count (probability a churner outranks a stayer)
    p = model.predict_proba(Xt)[:, 1]
    pos, neg = p[yt.to_numpy() == 1], p[yt.to_numpy() == 0]
    naive = ((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())
    assert ev["roc_auc"] == pytest.approx(naive)


def test_forest_pipeline_and_permutation_effects():
    X, y = _synthetic(600, 3)
    model = L.churn_model("forest", random_state=0).fit(X, y)
    model.set_params(classify__n_estimators=50)
    eff = L.feature_effects(model.fit(X, y), X, y, n_repeats=2)
    assert eff.iloc[0]["feature"] == "recency"
    assert (eff["kind"] == "ROC AUC drop when shuffled").all()


def test_evaluation_needs_both_classes():
    X, y = _synthetic(200, 4)
    model = L.churn_model().fit(X, y)
    with pytest.raises(CrmlabInputError, match="one class"):
        L.evaluate_churn_model(model, X, pd.Series([0] * len(X)))


# ---------------------------------------------------------------- win-back
def test_winback_hand_worked():
    w = L.winback_list(TX, as_of="2025-12-31",
                       return_probability=pd.Series({"b": 0.5, "c": 0.25}))
    # the value window is (last purchase − 12 months, last purchase]
    # b (at risk): last 2025-10-15, 200 − 20 = 180, × 0.5 = 90
    # c (churned): last 2025-06-01; 2024-06-01 is exactly 12 months before → outside: 80 × 0.25
    assert w["customer_id"].tolist() == ["b", "c"]
    assert w["historic_value"].tolist() == [180.0, 80.0]
    assert w["expected_value"].tolist() == [90.0, 20.0]
    assert w["rank"].tolist() == [1, 2]


def test_winback_measured_return_rates_are_probabilities():
    w = L.winback_list(TX, as_of="2025-12-31")
    # 91 days earlier (2025-10-01) a, b and c were all churned (no purchase for > 3 months);
    # a and b bought again since → churned customers return with p = 2/3; nobody was at risk
    # then, so b (at risk now) gets the overall rate, also 2/3
    p = w.set_index("customer_id")["p_return"]
    assert p["b"] == pytest.approx(2 / 3) and p["c"] == pytest.approx(2 / 3)
    with pytest.raises(CrmlabInputError, match="between 0 and 1"):
        L.winback_list(TX, as_of="2025-12-31", return_probability=pd.Series({"b": 2.0}))


def test_docstring_examples_run():
    import doctest

    result = doctest.testmod(L, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 5 and result.failed == 0
