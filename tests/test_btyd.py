"""BG/NBD and Gamma-Gamma: published CDNOW results, hand-worked values, gradients and properties."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize
from sklearn.base import clone

from crmlab import btyd
from crmlab.btyd import bgnbd, gamma_gamma
from crmlab._checks import CrmlabInputError
from crmlab.datasets import load_dataset

# Fader, Hardie & Lee (2005), "Counting your customers the easy way", Marketing Science 24(2),
# table/section 5: BG/NBD on the 2,357-customer CDNOW sample, 39-week calibration period.
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_BGNBD_LL = -9582.4
# Fader, Hardie & Lee (2005) "RFM and CLV" / Fader & Hardie (2013) Gamma-Gamma note.
PUBLISHED_GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}
# The same parameters, as rounded in the published tables.
PARAMS = dict(r=0.243, alpha=4.414, a=0.793, b=2.426)


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return load_dataset("cdnow_summary")


@pytest.fixture(scope="module")
def cdnow_split() -> pd.DataFrame:
    tx = load_dataset("cdnow_transactions")
    return btyd.summary_data(tx[tx["in_sample"]], calibration_end="1997-09-30",
                             observation_end="1998-06-30")


@pytest.fixture(scope="module")
def bg(cdnow) -> btyd.BetaGeoModel:
    return btyd.BetaGeoModel().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


def fixed_model(**params) -> btyd.BetaGeoModel:
    model = btyd.BetaGeoModel()
    model.params_ = {**PARAMS, **params}
    return model


def assert_close_to_published(fitted: dict, published: dict) -> None:
    for name, value in published.items():
        assert fitted[name] == pytest.approx(value, rel=0.005), name


# ---- reference results ---------------------------------------------------------------------

def test_bgnbd_reproduces_published_cdnow_fit(bg):
    assert_close_to_published(bg.params_, PUBLISHED_BGNBD)
    assert bg.log_likelihood_ == pytest.approx(PUBLISHED_BGNBD_LL, abs=0.1)


def test_gamma_gamma_reproduces_published_cdnow_fit(cdnow):
    repeat = cdnow[cdnow["frequency"] > 0]
    gg = btyd.GammaGammaModel().fit(repeat["frequency"], repeat["monetary_value"])
    assert_close_to_published(gg.params_, PUBLISHED_GG)


def test_gamma_gamma_leaves_out_one_time_buyers(cdnow):
    gg = btyd.GammaGammaModel().fit(cdnow["frequency"], cdnow["monetary_value"])
    assert gg.excluded_ == 1411  # 2,357 customers − 946 repeat buyers (published counts)
    assert_close_to_published(gg.params_, PUBLISHED_GG)


def test_summary_from_raw_sample_matches_published_summary(cdnow, cdnow_split):
    published = cdnow.set_index("customer_id").loc[cdnow_split.index]
    assert len(cdnow_split) == 2357
    assert (published["frequency"].to_numpy() == cdnow_split["frequency_cal"].to_numpy()).all()
    # published values are rounded to 2 decimals
    np.testing.assert_allclose(cdnow_split["recency_cal"], published["recency"], atol=0.0051)
    np.testing.assert_allclose(cdnow_split["T_cal"], published["T"], atol=0.0051)
    np.testing.assert_allclose(cdnow_split["monetary_value_cal"], published["monetary_value"],
                               atol=0.0051)
    assert (cdnow_split["duration_holdout"] == 39).all()  # 1997-09-30 → 1998-06-30: 273 days


def test_models_fitted_from_raw_transactions_reproduce_published_fits(cdnow_split):
    s = cdnow_split
    bg = btyd.BetaGeoModel().fit(s["frequency_cal"], s["recency_cal"], s["T_cal"])
    assert_close_to_published(bg.params_, PUBLISHED_BGNBD)
    assert bg.log_likelihood_ == pytest.approx(PUBLISHED_BGNBD_LL, abs=0.5)
    gg = btyd.GammaGammaModel().fit(s["frequency_cal"], s["monetary_value_cal"])
    assert_close_to_published(gg.params_, PUBLISHED_GG)


def test_predictions_match_lifetimes_on_cdnow(bg):
    # lifetimes 0.11.3 BetaGeoFitter fitted on the same summary (run in a separate venv):
    # conditional_expected_number_of_purchases_up_to_time(39, 2, 30.43, 38.86) = 1.2259104241743999
    # conditional_probability_alive(2, 30.43, 38.86) = 0.72660914
    # expected_number_of_purchases_up_to_time(39) = 1.1950162284461952
    assert bg.conditional_expected_purchases(39, 2, 30.43, 38.86) == pytest.approx(1.22591, rel=1e-4)
    assert bg.probability_alive(2, 30.43, 38.86) == pytest.approx(0.726609, rel=1e-4)
    assert bg.expected_purchases(39) == pytest.approx(1.195016, rel=1e-4)


def test_standard_errors_match_lifetimes(bg, cdnow):
    # lifetimes 0.11.3 BetaGeoFitter(...).summary["se(coef)"] and GammaGammaFitter on CDNOW
    np.testing.assert_allclose(bg.summary_["se"], [0.012557, 0.378221, 0.185719, 0.705345], rtol=1e-3)
    repeat = cdnow[cdnow["frequency"] > 0]
    gg = btyd.GammaGammaModel().fit(repeat["frequency"], repeat["monetary_value"])
    np.testing.assert_allclose(gg.summary_["se"], [1.189687, 0.290166, 4.159994], rtol=1e-3)
    assert list(gg.summary_.index) == ["p", "q", "gamma"]
    row = bg.summary_.loc["r"]
    assert row["lower_95"] == pytest.approx(row["coef"] - 1.96 * row["se"])
    with pytest.raises(AttributeError):  # computed by fit, not lazily: unfitted has none
        btyd.BetaGeoModel().summary_


# ---- likelihood and gradient ----------------------------------------------------------------

def naive_bgnbd_log_likelihood(r, alpha, a, b, x, t_x, big_t) -> float:
    """Fader et al. (2005) eq. 6, one customer at a time with math.lgamma, no logs of sums."""
    def beta(u, v):
        return math.exp(math.lgamma(u) + math.lgamma(v) - math.lgamma(u + v))

    total = 0.0
    for xi, ti, Ti in zip(x, t_x, big_t):
        xi = int(xi)
        gamma_part = math.exp(math.lgamma(r + xi) - math.lgamma(r)) * alpha ** r
        like = beta(a, b + xi) / beta(a, b) * gamma_part / (alpha + Ti) ** (r + xi)
        if xi > 0:
            like += beta(a + 1, b + xi - 1) / beta(a, b) * gamma_part / (alpha + ti) ** (r + xi)
        total += math.log(like)
    return total


def test_bgnbd_log_likelihood_matches_naive_loop(cdnow):
    sample = cdnow.sample(300, random_state=3)
    model = fixed_model()
    vectorised = model.log_likelihood(sample["frequency"], sample["recency"], sample["T"])
    naive = naive_bgnbd_log_likelihood(**PARAMS, x=sample["frequency"], t_x=sample["recency"],
                                       big_t=sample["T"])
    assert vectorised == pytest.approx(naive, rel=1e-10)


def naive_gg_log_likelihood(p, q, gamma, x, m) -> float:
    total = 0.0
    for xi, mi in zip(x, m):
        total += (math.lgamma(p * xi + q) - math.lgamma(p * xi) - math.lgamma(q)
                  + q * math.log(gamma) + (p * xi - 1) * math.log(mi) + p * xi * math.log(xi)
                  - (p * xi + q) * math.log(gamma + xi * mi))
    return total


def test_gamma_gamma_log_likelihood_matches_naive_loop(cdnow):
    repeat = cdnow[cdnow["frequency"] > 0]
    gg = btyd.GammaGammaModel()
    gg.params_ = dict(PUBLISHED_GG)
    naive = naive_gg_log_likelihood(6.25, 3.74, 15.44, repeat["frequency"], repeat["monetary_value"])
    assert gg.log_likelihood(repeat["frequency"], repeat["monetary_value"]) == pytest.approx(naive, rel=1e-10)


@pytest.mark.parametrize("params", [[0.243, 4.414, 0.793, 2.426], [1.3, 0.7, 2.5, 0.9]])
def test_bgnbd_gradient_matches_finite_differences(cdnow, params):
    s = cdnow.sample(400, random_state=1)
    data = bgnbd._BGData(*(s[c].to_numpy(float) for c in ("frequency", "recency", "T")), np.ones(len(s)))
    point = np.array(params)
    numeric = optimize.approx_fprime(point, lambda v: data.neg_ll_and_grad(v)[0], 1e-6)
    np.testing.assert_allclose(data.neg_ll_and_grad(point)[1], numeric, rtol=1e-4, atol=1e-3)


def test_gamma_gamma_gradient_matches_finite_differences(cdnow):
    r = cdnow[cdnow["frequency"] > 0]
    data = gamma_gamma._GGData(r["frequency"].to_numpy(float), r["monetary_value"].to_numpy(float),
                        np.ones(len(r)))
    point = np.array([6.0, 3.5, 16.0])
    numeric = optimize.approx_fprime(point, lambda v: data.neg_ll_and_grad(v)[0], 1e-6)
    np.testing.assert_allclose(data.neg_ll_and_grad(point)[1], numeric, rtol=1e-4, atol=1e-3)


def test_weights_fit_equals_fit_on_expanded_rows(cdnow):
    compressed = cdnow.groupby(["frequency", "recency", "T"]).size().reset_index(name="n")
    weighted = btyd.BetaGeoModel().fit(compressed["frequency"], compressed["recency"],
                                       compressed["T"], weights=compressed["n"])
    assert_close_to_published(weighted.params_, PUBLISHED_BGNBD)
    assert weighted.log_likelihood_ == pytest.approx(PUBLISHED_BGNBD_LL, abs=0.1)


def test_penalizer_shrinks_parameters(cdnow):
    plain = btyd.BetaGeoModel().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    shrunk = btyd.BetaGeoModel(penalizer_coef=0.1).fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert sum(v ** 2 for v in shrunk.params_.values()) < sum(v ** 2 for v in plain.params_.values())
    assert shrunk.log_likelihood_ < plain.log_likelihood_


# ---- formulas by hand ----------------------------------------------------------------------

def test_probability_alive_by_hand():
    # x=2, t_x=30.43, T=38.86: odds = a/(b+x-1) · ((α+T)/(α+t_x))^(r+x)
    #   = 0.793/3.426 · (43.274/34.844)^2.243 = 0.231465 · 1.62513 = 0.376161 → 1/(1+odds)
    odds = 0.793 / 3.426 * ((4.414 + 38.86) / (4.414 + 30.43)) ** 2.243
    assert fixed_model().probability_alive(2, 30.43, 38.86) == pytest.approx(1 / (1 + odds), rel=1e-12)
    assert 1 / (1 + odds) == pytest.approx(0.72667, abs=1e-4)
    assert fixed_model().probability_alive(0, 0, 38.86) == 1.0


def test_expected_purchases_is_mean_of_count_distribution():
    # An independent route to E[X(t)]: Σ n · P(X(t) = n) from eq. 8 (no hypergeometric function).
    model = fixed_model()
    n = np.arange(0, 400)
    for t in (1.0, 10.0, 39.0, 78.0):
        probs = model.probability_of_purchases(n, t)
        assert probs.sum() == pytest.approx(1.0, abs=1e-6)
        assert (n * probs).sum() == pytest.approx(model.expected_purchases(t), rel=1e-5)


def test_probability_of_zero_purchases_by_hand():
    # P(X(t)=0) = B(a, b)/B(a, b) · (α/(α+t))^r = (4.414/43.414)^0.243 for t = 39
    assert fixed_model().probability_of_purchases(0, 39.0) == pytest.approx(
        (4.414 / 43.414) ** 0.243, rel=1e-12)


def test_expected_average_spend_by_hand():
    gg = btyd.GammaGammaModel()
    gg.params_ = dict(PUBLISHED_GG)
    # p(γ + x·z̄)/(p·x + q − 1) = 6.25·(15.44 + 44.70)/(12.5 + 2.74) = 375.875/15.24 = 24.6637
    assert gg.expected_average_spend(2, 22.35) == pytest.approx(375.875 / 15.24, rel=1e-12)
    # no repeat purchase → population mean p·γ/(q − 1) = 96.5/2.74
    assert gg.expected_average_spend(0, 0.0) == pytest.approx(96.5 / 2.74, rel=1e-12)
    assert gg.population_mean_spend() == pytest.approx(96.5 / 2.74, rel=1e-12)


def test_clv_one_period_by_hand():
    bg = fixed_model()
    gg = btyd.GammaGammaModel()
    gg.params_ = dict(PUBLISHED_GG)
    spend = 375.875 / 15.24
    purchases = bg.conditional_expected_purchases(4.0, 2, 30.43, 38.86)
    clv = btyd.customer_lifetime_value(bg, gg, 2, 30.43, 38.86, 22.35, periods=1,
                                       period_length=4.0, discount_rate=0.1, margin=0.3)
    assert clv == pytest.approx(0.3 * spend * purchases / 1.1, rel=1e-12)


def test_clv_sums_discounted_period_increments():
    bg = fixed_model()
    gg = btyd.GammaGammaModel()
    gg.params_ = dict(PUBLISHED_GG)
    x, tx, T, m = np.array([0, 1, 5]), np.array([0, 10.0, 35.0]), np.array([30.0, 38.0, 38.0]), np.array([0, 20.0, 40.0])
    cum = [bg.conditional_expected_purchases(k * 4.0, x, tx, T) for k in range(0, 4)]
    spend = gg.expected_average_spend(x, m)
    expected = sum(spend * (cum[k] - cum[k - 1]) / 1.02 ** k for k in range(1, 4))
    got = btyd.customer_lifetime_value(bg, gg, x, tx, T, m, periods=3, period_length=4.0,
                                       discount_rate=0.02)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    # undiscounted, CLV = spend × purchases expected over the whole 12 weeks
    flat = btyd.customer_lifetime_value(bg, gg, x, tx, T, m, periods=3, period_length=4.0,
                                        discount_rate=0.0)
    np.testing.assert_allclose(flat, spend * cum[3], rtol=1e-12)


# ---- properties ------------------------------------------------------------------------------

customer = st.tuples(st.integers(0, 40), st.floats(0, 1), st.floats(1, 80)).map(
    lambda v: (v[0], v[1] * v[2] if v[0] > 0 else 0.0, v[2]))
param = st.floats(0.05, 20)


@settings(max_examples=60, deadline=None)
@given(customer, param, param, param, param)
def test_probability_alive_is_a_probability(cust, r, alpha, a, b):
    p = fixed_model(r=r, alpha=alpha, a=a, b=b).probability_alive(*cust)
    assert 0.0 <= p <= 1.0


@settings(max_examples=60, deadline=None)
@given(customer, st.floats(0, 100), st.floats(0.01, 50), param, param, st.floats(0.05, 5),
       st.floats(1.05, 20))
def test_conditional_expectation_non_negative_and_increasing(cust, t, dt, r, alpha, a, b):
    model = fixed_model(r=r, alpha=alpha, a=a, b=b)
    first = model.conditional_expected_purchases(t, *cust)
    later = model.conditional_expected_purchases(t + dt, *cust)
    assert first >= -1e-9
    assert later >= first - 1e-9 * max(1.0, abs(first))


@settings(max_examples=60, deadline=None)
@given(st.floats(0, 200), st.floats(0.01, 50), param, param, st.floats(0.05, 5), st.floats(1.05, 20))
def test_expected_purchases_non_negative_and_increasing(t, dt, r, alpha, a, b):
    model = fixed_model(r=r, alpha=alpha, a=a, b=b)
    assert model.expected_purchases(t) >= -1e-9
    assert model.expected_purchases(t + dt) >= model.expected_purchases(t) - 1e-9


def test_a_equal_to_one_is_the_limit_of_nearby_values():
    # eqs. 9-10 divide by a − 1; at a = 1 the value is the limit from either side
    at_one = fixed_model(a=1.0)
    near = fixed_model(a=1.001)
    assert at_one.expected_purchases(10.0) == pytest.approx(near.expected_purchases(10.0), rel=1e-3)
    assert at_one.conditional_expected_purchases(10.0, 2, 5.0, 20.0) == pytest.approx(
        near.conditional_expected_purchases(10.0, 2, 5.0, 20.0), rel=1e-3)


def test_expected_purchases_at_zero_is_zero():
    assert fixed_model().expected_purchases(0.0) == pytest.approx(0.0, abs=1e-12)
    assert fixed_model().conditional_expected_purchases(0.0, 3, 20.0, 30.0) == pytest.approx(0.0, abs=1e-12)


# ---- simulation ------------------------------------------------------------------------------

def test_simulation_recovers_parameters():
    sim = btyd.simulate_customers(30_000, r=0.5, alpha=6.0, a=1.2, b=3.0, T=52.0, random_state=7)
    fit = btyd.BetaGeoModel().fit(sim["frequency"], sim["recency"], sim["T"])
    for name, true in {"r": 0.5, "alpha": 6.0, "a": 1.2, "b": 3.0}.items():
        assert fit.params_[name] == pytest.approx(true, rel=0.15), name


def test_simulated_mean_frequency_matches_expected_purchases():
    # Monte Carlo vs the closed form E[X(T)] (eq. 9): an independent check of both.
    sim = btyd.simulate_customers(200_000, **PARAMS, T=39.0, holdout=39.0, random_state=11)
    model = fixed_model()
    se = sim["frequency"].std() / math.sqrt(len(sim))
    assert abs(sim["frequency"].mean() - model.expected_purchases(39.0)) < 4 * se
    total = sim["frequency"] + sim["frequency_holdout"]
    assert abs(total.mean() - model.expected_purchases(78.0)) < 4 * total.std() / math.sqrt(len(sim))
    # customers with no calibration purchase: mean holdout purchases vs the conditional expectation
    zero = sim[sim["frequency"] == 0]
    expected = model.conditional_expected_purchases(39.0, 0, 0.0, 39.0)
    assert abs(zero["frequency_holdout"].mean() - expected) < 4 * zero["frequency_holdout"].std() / math.sqrt(len(zero))


def test_simulation_is_reproducible_and_consistent():
    a = btyd.simulate_customers(1000, **PARAMS, T=39.0, random_state=5)
    b = btyd.simulate_customers(1000, **PARAMS, T=39.0, random_state=5)
    pd.testing.assert_frame_equal(a, b)
    assert (a["recency"] <= a["T"]).all() and (a.loc[a["frequency"] == 0, "recency"] == 0).all()
    assert a.loc[a["frequency"] == 0, "alive"].all()  # BG/NBD: no drop-out before a repeat purchase


# ---- summary_data ----------------------------------------------------------------------------

def test_summary_data_by_hand():
    tx = pd.DataFrame({
        "cust": ["a", "a", "a", "a", "b", "c"],
        "when": ["2024-01-01", "2024-01-08", "2024-01-08 15:30", "2024-01-22", "2024-01-15", "2024-01-29"],
        "value": [10.0, 5.0, 7.0, 20.0, 8.0, 3.0],
    })
    out = btyd.summary_data(tx, customer="cust", date="when", amount="value",
                            observation_end="2024-01-29", freq="D")
    # a: days 1, 8 (two purchases = one transaction of 12), 22 → x=2, t_x=21, T=28, mean (12+20)/2
    assert out.loc["a"].tolist() == [2, 21.0, 28.0, 16.0]
    assert out.loc["b"].tolist() == [0, 0.0, 14.0, 0.0]
    assert out.loc["c"].tolist() == [0, 0.0, 0.0, 0.0]
    weeks = btyd.summary_data(tx, customer="cust", date="when", amount="value",
                              observation_end="2024-01-29")
    assert weeks.loc["a", "recency"] == pytest.approx(3.0) and weeks.loc["a", "T"] == pytest.approx(4.0)


def test_summary_data_calibration_split_by_hand():
    tx = pd.DataFrame({"customer_id": [1, 1, 1, 1, 2, 3],
                       "date": ["2024-01-01", "2024-01-05", "2024-01-20", "2024-01-25", "2024-01-03",
                                "2024-01-20"],
                       "amount": [10, 20, 30, 50, 5, 9]})
    out = btyd.summary_data(tx, observation_end="2024-01-31", calibration_end="2024-01-10", freq="D")
    assert list(out.index) == [1, 2]  # customer 3 first bought after the calibration period
    assert out.loc[1, ["frequency_cal", "recency_cal", "T_cal", "monetary_value_cal"]].tolist() == [1, 4.0, 9.0, 20.0]
    assert out.loc[1, ["frequency_holdout", "monetary_value_holdout", "duration_holdout"]].tolist() == [2, 40.0, 21.0]
    assert out.loc[2, "frequency_holdout"] == 0
    report = out.attrs["excluded"]
    assert report.excluded == 1 and "after calibration_end" in str(report)


def test_summary_data_reports_excluded_rows():
    tx = pd.DataFrame({"customer_id": [1, None, 1, 2], "date": ["2024-01-01", "2024-01-02", "2024-03-01", None],
                       "amount": [1.0, 2.0, 3.0, 4.0]})
    out = btyd.summary_data(tx, observation_end="2024-02-01")
    report = out.attrs["excluded"]
    assert report.received == 4 and report.excluded == 3
    text = str(report)
    assert "customer id" in text and "without a date" in text and "after observation_end" in text
    assert list(out.index) == [1]


# ---- bad input -------------------------------------------------------------------------------

def test_summary_data_bad_inputs():
    tx = pd.DataFrame({"customer_id": [1, 2], "date": ["2024-01-01", "yesterday"], "amount": [1, 2]})
    with pytest.raises(CrmlabInputError, match="must hold dates"):
        btyd.summary_data(tx)
    with pytest.raises(CrmlabInputError, match="missing column 'amount'"):
        btyd.summary_data(tx.drop(columns="amount"))
    good = tx.assign(date=["2024-01-01", "2024-01-05"])
    with pytest.raises(CrmlabInputError, match="freq must be one of"):
        btyd.summary_data(good, freq="Q")
    with pytest.raises(CrmlabInputError, match="must be before observation_end"):
        btyd.summary_data(good, calibration_end="2024-02-01")
    with pytest.raises(CrmlabInputError, match="must hold numbers"):
        btyd.summary_data(good.assign(amount=["1", "ten"]))
    with pytest.raises(CrmlabInputError, match="is empty"):
        btyd.summary_data(good.iloc[:0])


@pytest.mark.parametrize("frequency, recency, T, message", [
    ([1, 2], [1.0, 5.0], [3.0, 4.0], "recency must not exceed T"),
    ([0, 2], [1.0, 2.0], [3.0, 4.0], "recency must be 0 when frequency is 0"),
    ([-1, 2], [0.0, 2.0], [3.0, 4.0], "whole number"),
    ([1.5, 2], [1.0, 2.0], [3.0, 4.0], "whole number"),
    ([0, 2], [0.0, 2.0], [-1.0, 4.0], "T must be ≥ 0"),
    ([1, 2], [1.0, np.nan], [3.0, 4.0], "missing or infinite"),
    ([1, 2], [1.0, 2.0], [3.0], "same length"),
    ([], [], [], "empty"),
    (["1", "x"], [1.0, 2.0], [3.0, 4.0], "must hold numbers"),
])
def test_bgnbd_rejects_bad_summaries(frequency, recency, T, message):
    with pytest.raises(CrmlabInputError, match=message):
        btyd.BetaGeoModel().fit(frequency, recency, T)


def test_customer_acquired_on_the_last_day_adds_nothing_to_the_likelihood(cdnow):
    # T = 0 (first purchase on the last day of the period) is valid and has likelihood 1
    model = fixed_model()
    base = model.log_likelihood(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    more = model.log_likelihood(list(cdnow["frequency"]) + [0], list(cdnow["recency"]) + [0.0],
                                list(cdnow["T"]) + [0.0])
    assert more == pytest.approx(base, rel=1e-12)


def test_bgnbd_without_repeat_buyers_says_what_to_do():
    with pytest.raises(CrmlabInputError, match="no customer has a repeat purchase"):
        btyd.BetaGeoModel().fit([0, 0, 0], [0, 0, 0], [5.0, 6.0, 7.0])


def test_gamma_gamma_bad_inputs_and_degenerate_data():
    with pytest.raises(CrmlabInputError, match="needs customers with at least one repeat"):
        btyd.GammaGammaModel().fit([0, 0, 1], [0.0, 0.0, 10.0])
    with pytest.raises(CrmlabInputError, match="must be > 0 for customers with repeat"):
        btyd.GammaGammaModel().fit([1, 2, 3], [10.0, 0.0, 5.0])
    # identical spends: no heterogeneity, q and γ run off to infinity
    with pytest.raises(CrmlabInputError, match="ran off to infinity.*penalizer_coef"):
        btyd.GammaGammaModel().fit([1, 2, 3, 1], [20.0, 20.0, 20.0, 20.0])
    # the penalty gives the same data a finite answer
    assert np.isfinite(list(btyd.GammaGammaModel(penalizer_coef=0.01).fit(
        [1, 2, 3, 1], [20.0, 20.0, 20.0, 20.0]).params_.values())).all()


def test_too_few_iterations_warn_with_advice(cdnow):
    with pytest.warns(btyd.BTYDConvergenceWarning, match="did not converge.*max_iter"):
        btyd.BetaGeoModel(max_iter=3).fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


def test_unfitted_models_and_bad_prediction_inputs():
    with pytest.raises(CrmlabInputError, match="not fitted"):
        btyd.BetaGeoModel().probability_alive(1, 1.0, 2.0)
    with pytest.raises(CrmlabInputError, match="not fitted"):
        btyd.GammaGammaModel().expected_average_spend(1, 10.0)
    with pytest.raises(CrmlabInputError, match="≥ 0"):
        fixed_model().expected_purchases(-1.0)
    with pytest.raises(CrmlabInputError, match="recency ≤ T"):
        fixed_model().probability_alive(2, 10.0, 5.0)
    with pytest.raises(CrmlabInputError, match="penalizer_coef"):
        btyd.BetaGeoModel(penalizer_coef=-1).fit([1], [1.0], [2.0])


def test_estimators_follow_sklearn_conventions(bg):
    copy = clone(bg)
    assert copy.get_params() == {"max_iter": 1000, "penalizer_coef": 0.0, "tol": 1e-12}
    assert not hasattr(copy, "params_")
    assert btyd.GammaGammaModel(penalizer_coef=0.01).get_params()["penalizer_coef"] == 0.01
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fitted = copy.fit(btyd.simulate_customers(500, **PARAMS, T=39.0, random_state=3))
    assert fitted is copy


# ---- diagnostics -----------------------------------------------------------------------------

def test_repeat_purchase_table_counts(bg, cdnow):
    table = btyd.repeat_purchase_table(bg, cdnow["frequency"], cdnow["T"], max_frequency=7)
    assert table["actual"].tolist() == [1411, 439, 214, 100, 62, 38, 29, 64]  # Fader et al. fig. 2
    assert table["model"].sum() == pytest.approx(2357)
    assert table["model"].iloc[0] == pytest.approx(1407.7, abs=0.5)
    assert table["label"].iloc[-1] == "7+"


def test_calibration_holdout_table(bg, cdnow_split):
    table = btyd.calibration_holdout_table(bg, cdnow_split)
    assert table["customers"].sum() == 2357
    first = cdnow_split[cdnow_split["frequency_cal"] == 0]["frequency_holdout"].mean()
    assert table.loc[0, "actual"] == pytest.approx(first)
    # the model's mean for x = 0 equals the conditional expectation of any one such customer
    # averaged over their T; it must lie between the youngest and oldest customer's value
    assert 0.2 < table.loc[0, "model"] < 0.25
    assert table["model"].is_monotonic_increasing


def test_probability_alive_matrix_shape_and_pattern(bg):
    matrix = btyd.probability_alive_matrix(bg, T=39.0, max_frequency=10, recency_step=1.0)
    assert matrix.shape == (11, 40)
    assert matrix.loc[0, 0.0] == 1.0 and matrix.loc[0].iloc[1:].isna().all()
    # a frequent buyer who went quiet long ago is likely gone; a recent one is likely alive
    assert matrix.loc[10, 5.0] < 0.05 < 0.9 < matrix.loc[10, 39.0]
    values = matrix.stack().dropna()
    assert len(values) == 10 * 40 + 1 and values.between(0, 1).all()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 60), st.floats(0.5, 100)),
                min_size=1, max_size=40))
def test_summary_data_matches_naive_loop(rows):
    tx = pd.DataFrame(rows, columns=["customer_id", "day", "amount"])
    tx["date"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(tx["day"], unit="D")
    out = btyd.summary_data(tx, observation_end="2024-03-31", freq="D")
    end = 90  # 2024-01-01 → 2024-03-31
    for customer, group in tx.groupby("customer_id"):
        per_day: dict[int, float] = {}
        for day, amount in zip(group["day"], group["amount"]):
            per_day[day] = per_day.get(day, 0.0) + amount
        days = sorted(per_day)
        repeat = [per_day[d] for d in days[1:]]
        row = out.loc[customer]
        assert row["frequency"] == len(days) - 1
        assert row["recency"] == days[-1] - days[0]
        assert row["T"] == end - days[0]
        assert row["monetary_value"] == pytest.approx(sum(repeat) / len(repeat) if repeat else 0.0)
