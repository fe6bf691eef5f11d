"""MBG/NBD, Pareto/NBD, BG/BB and sBG: published fits, lifetimes' numbers, stability, contract."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special

from crmlab import btyd
from crmlab._checks import CrmlabInputError
from crmlab.datasets import load_dataset
from crmlab.value import retention_clv

DATA = Path(__file__).parent / "data"
# Fader, Hardie & Lee (2005), "A note on implementing the Pareto/NBD model in MATLAB" / "Counting
# your customers the easy way", table 1: Pareto/NBD on the 2,357-customer CDNOW sample.
PUBLISHED_PARETO = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
PUBLISHED_PARETO_LL = -9595.0
# Fader, Hardie & Shang (2010), Marketing Science 29(6): BG/BB on the 1995 donor cohort.
PUBLISHED_BGBB = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
PUBLISHED_BGBB_LL = -33225.6
# Fader & Hardie (2007), J. Interactive Marketing 21(1): sBG on years 0–7.
PUBLISHED_SBG = {"regular": {"alpha": 0.704, "beta": 1.182},
                 "high_end": {"alpha": 0.668, "beta": 3.806}}
PUBLISHED_SBG_LL = {"regular": -1680.27, "high_end": -1611.16}
CDNOW_BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return load_dataset("cdnow_summary")


@pytest.fixture(scope="module")
def donations() -> pd.DataFrame:
    return pd.read_csv(DATA / "donations" / "donations.csv")


@pytest.fixture(scope="module")
def survivors() -> pd.DataFrame:
    return pd.read_csv(DATA / "sbg" / "survivors.csv", index_col="year")


@pytest.fixture(scope="module")
def pareto(cdnow) -> btyd.ParetoNBDModel:
    return btyd.ParetoNBDModel().fit(cdnow)


@pytest.fixture(scope="module")
def mbg(cdnow) -> btyd.ModifiedBetaGeoModel:
    return btyd.ModifiedBetaGeoModel().fit(cdnow)


@pytest.fixture(scope="module")
def bgbb(donations) -> btyd.BetaGeoBetaBinomModel:
    return btyd.BetaGeoBetaBinomModel().fit(donations, weights=donations["weights"])


def fixed(cls, **params):
    model = cls()
    model.params_ = params
    return model


def assert_published(fitted: dict, published: dict) -> None:
    for name, value in published.items():
        assert fitted[name] == pytest.approx(value, rel=0.005), name


# ---- published reference results -----------------------------------------------------------

def test_pareto_nbd_reproduces_published_cdnow_fit(pareto):
    assert_published(pareto.params_, PUBLISHED_PARETO)
    assert pareto.log_likelihood_ == pytest.approx(PUBLISHED_PARETO_LL, abs=0.1)
    assert pareto.converged_


def test_bgbb_reproduces_published_donations_fit(bgbb, donations):
    assert donations["weights"].sum() == 11_104  # the cohort size in the paper
    assert_published(bgbb.params_, PUBLISHED_BGBB)
    assert bgbb.log_likelihood_ == pytest.approx(PUBLISHED_BGBB_LL, abs=0.1)


@pytest.mark.parametrize("segment", ["regular", "high_end"])
def test_sbg_reproduces_published_fits(survivors, segment):
    model = btyd.ShiftedBetaGeoModel().fit(survivors.loc[:7, segment])
    assert_published(model.params_, PUBLISHED_SBG[segment])
    assert model.log_likelihood_ == pytest.approx(PUBLISHED_SBG_LL[segment], abs=0.01)


@pytest.mark.parametrize("segment", ["regular", "high_end"])
def test_sbg_projects_years_8_to_12_close_to_actual(survivors, segment):
    # Fader & Hardie (2007, fig. 4): fitted on years 0-7, the sBG projection follows the actual
    # counts over years 8-12, where a constant retention rate (the textbook formula) falls far
    # below them.
    model = btyd.ShiftedBetaGeoModel().fit(survivors.loc[:7, segment])
    actual = survivors.loc[8:, segment]
    projected = model.expected_survivors(actual.index)
    assert ((projected - actual).abs() / actual).max() < 0.05
    constant = 1000 * (survivors.loc[7, segment] / 1000) ** (actual.index.to_numpy() / 7)
    assert (actual - constant).iloc[-1] / actual.iloc[-1] > 0.2  # year 12
    assert list(projected.index) == list(actual.index)


# ---- lifetimes 0.11.3 on the same data (computed in its own environment) --------------------

def test_mbg_matches_lifetimes_on_cdnow(mbg, cdnow):
    expected = {"r": 0.524837725567698, "alpha": 6.182988479134173, "a": 0.8913562809310741,
                "b": 1.6140000256718765}
    for k, v in expected.items():
        assert mbg.params_[k] == pytest.approx(v, rel=1e-5), k
    np.testing.assert_allclose(mbg.summary_["se"], [0.08326, 0.69560, 0.15479, 0.53747],
                               rtol=2e-3)
    assert mbg.conditional_expected_purchases(39, 2, 30.43, 38.86) == pytest.approx(1.26267077,
                                                                                     rel=1e-6)
    assert mbg.probability_alive(0, 0.0, 38.86) == pytest.approx(0.38971644, rel=1e-6)
    assert mbg.expected_purchases(39) == pytest.approx(1.18228379, rel=1e-6)
    assert mbg.probability_of_purchases(2, 39) == pytest.approx(0.08687059, rel=1e-6)


def test_pareto_predictions_match_lifetimes(pareto):
    assert pareto.conditional_expected_purchases(39, 2, 30.43, 38.86) == pytest.approx(
        1.45512512, rel=1e-5)
    assert pareto.probability_alive(2, 30.43, 38.86) == pytest.approx(0.86912173, rel=1e-5)
    assert pareto.expected_purchases(39) == pytest.approx(1.21341023, rel=1e-5)
    # lifetimes' conditional_probability_of_n_purchases_up_to_time (Fader & Hardie note 028)
    assert pareto.conditional_probability_of_purchases(1, 39, 2, 30.43, 38.86) == pytest.approx(
        0.21926716, rel=1e-5)


def test_bgbb_predictions_match_lifetimes(bgbb):
    expected = {"alpha": 1.2035223936080575, "beta": 0.7497163581757686,
                "gamma": 0.6567181695499168, "delta": 2.783441982887393}
    for k, v in expected.items():
        assert bgbb.params_[k] == pytest.approx(v, rel=1e-5), k
    np.testing.assert_allclose(bgbb.summary_["se"], [0.069391, 0.029448, 0.051010, 0.320819],
                               rtol=2e-3)
    assert bgbb.conditional_expected_purchases(5, 3, 4, 6) == pytest.approx(1.0345716, rel=1e-6)
    assert bgbb.probability_alive(3, 4, 6) == pytest.approx(0.43959389, rel=1e-6)


# ---- penalizer -----------------------------------------------------------------------------

def test_penalizer_reproduces_lifetimes(cdnow):
    # lifetimes 0.11.3 BetaGeoFitter(penalizer_coef=0.001) and ModifiedBetaGeoFitter(0.001)
    bg = btyd.BetaGeoModel(penalizer_coef=0.001).fit(cdnow)
    for k, v in {"r": 0.2428, "alpha": 4.405, "a": 0.498, "b": 1.323}.items():
        assert bg.params_[k] == pytest.approx(v, abs=6e-4 * max(1, v)), k
    mbg = btyd.ModifiedBetaGeoModel(penalizer_coef=0.001).fit(cdnow)
    for k, v in {"r": 0.61714964, "alpha": 6.77704851, "a": 0.72057354, "b": 1.05963708}.items():
        assert mbg.params_[k] == pytest.approx(v, rel=1e-4), k


@pytest.mark.parametrize("cls", [btyd.BetaGeoModel, btyd.ModifiedBetaGeoModel,
                                 btyd.ParetoNBDModel])
def test_penalizer_effect_does_not_depend_on_the_time_unit(cdnow, cls):
    weeks = cls(penalizer_coef=0.01).fit(cdnow)
    days = cls(penalizer_coef=0.01).fit(cdnow["frequency"], cdnow["recency"] * 7, cdnow["T"] * 7)
    for name, value in weeks.params_.items():
        factor = 7 if name in cls._TIME_PARAMS else 1
        assert days.params_[name] == pytest.approx(value * factor, rel=1e-4), name
    # and the penalty really acts: it moves the estimates away from maximum likelihood
    plain = cls().fit(cdnow)
    assert max(abs(weeks.params_[k] / plain.params_[k] - 1) for k in plain.params_) > 0.05


# ---- log-likelihood on the papers' scale ---------------------------------------------------

@pytest.mark.parametrize("cls", [btyd.BetaGeoModel, btyd.ModifiedBetaGeoModel,
                                 btyd.ParetoNBDModel])
def test_fitted_log_likelihood_is_in_the_data_time_unit(cdnow, cls):
    # the fit works on time rescaled to the longest T; log_likelihood_ must still be the
    # log-likelihood of the data as given (an independent evaluation on unscaled data)
    model = cls().fit(cdnow)
    assert model.log_likelihood_ == pytest.approx(model.log_likelihood(cdnow), abs=1e-6)


def test_pareto_log_likelihood_by_numerical_integration(pareto, cdnow):
    # L = Γ(r+x)α^r/Γ(r) · [ (α+T)^-(r+x) (β/(β+T))^s + ∫_{t_x}^T (α+τ)^-(r+x) s β^s/(β+τ)^{s+1} dτ ]
    r, alpha, s, beta = (pareto.params_[k] for k in ("r", "alpha", "s", "beta"))
    total = 0.0
    for x, t_x, big_t in cdnow[["frequency", "recency", "T"]].iloc[:40].to_numpy():
        integral, _ = integrate.quad(lambda tau: (alpha + tau) ** -(r + x) * s * beta ** s
                                     / (beta + tau) ** (s + 1), t_x, big_t, epsabs=0, epsrel=1e-12)
        lik = (special.gamma(r + x) * alpha ** r / special.gamma(r)
               * ((alpha + big_t) ** -(r + x) * (beta / (beta + big_t)) ** s + integral))
        total += np.log(lik)
    assert pareto.log_likelihood(cdnow.iloc[:40]) == pytest.approx(total, rel=1e-9)


# ---- no NaN or inf for heavy buyers and long horizons ---------------------------------------

def log_space_bg_conditional(t, x, t_x, big_t, r, alpha, a, b):
    """E[Y(t) | x, t_x, T] of BG/NBD from the untransformed series, summed in log space."""
    z = t / (alpha + big_t + t)
    c = a + b + x - 1
    k = np.arange(0, 200_000)
    log_terms = (special.gammaln(r + x + k) - special.gammaln(r + x) + special.gammaln(b + x + k)
                 - special.gammaln(b + x) - special.gammaln(c + k) + special.gammaln(c)
                 - special.gammaln(k + 1) + k * np.log(z))
    log_hyp = special.logsumexp(log_terms)
    bracket = 1 - np.exp((r + x) * np.log((alpha + big_t) / (alpha + big_t + t)) + log_hyp)
    odds = a / (b + x - 1) * ((alpha + big_t) / (alpha + t_x)) ** (r + x)
    return (a + b + x - 1) / (a - 1) * bracket / (1 + odds)


@pytest.mark.parametrize(("t", "t_x", "big_t"), [(39, 38.86, 38.86), (52, 39.0, 39.0),
                                                   (13, 38.5, 39.0)])
def test_bgnbd_heavy_buyer_x_3000_matches_log_space_series(t, t_x, big_t):
    model = fixed(btyd.BetaGeoModel, **CDNOW_BG)
    expected = log_space_bg_conditional(t, 3000, t_x, big_t, *CDNOW_BG.values())
    assert model.conditional_expected_purchases(t, 3000, t_x, big_t) == pytest.approx(
        expected, rel=1e-9)


def test_bgnbd_heavy_buyer_matches_lifetimes():
    # lifetimes 0.11.3 with its own CDNOW fit (r .242593, α 4.413532, a .792886, b 2.425752)
    model = fixed(btyd.BetaGeoModel, r=0.24259292827982182, alpha=4.413532265271819,
                  a=0.7928859664406882, b=2.42575238262586)
    assert model.conditional_expected_purchases(39, 3000, 38.86, 38.86) == pytest.approx(
        2061.568198, rel=1e-8)
    assert model.conditional_expected_purchases(13, 3000, 39, 39) == pytest.approx(
        807.4230519, rel=1e-8)


heavy = st.tuples(st.integers(0, 1_000_000), st.floats(0, 1), st.floats(0.01, 500)).map(
    lambda v: (v[0], v[1] * v[2] if v[0] > 0 else 0.0, v[2]))
positive = st.floats(0.02, 50)


@settings(max_examples=40, deadline=None)
@given(heavy, st.floats(0, 1e6), positive, positive, positive, positive)
@pytest.mark.parametrize("cls", [btyd.BetaGeoModel, btyd.ModifiedBetaGeoModel,
                                 btyd.ParetoNBDModel])
def test_predictions_are_finite_for_any_frequency_and_horizon(cls, cust, t, p1, p2, p3, p4):
    model = fixed(cls, **dict(zip(cls._PARAM_NAMES, (p1, p2, p3, p4))))
    alive = model.probability_alive(*cust)
    expected = model.conditional_expected_purchases(t, *cust)
    new = model.expected_purchases(t)
    assert 0 <= alive <= 1
    assert np.isfinite(expected) and expected >= 0
    assert np.isfinite(new) and new >= 0


@settings(max_examples=25, deadline=None)
@given(heavy, st.floats(0.1, 1e4), positive, positive, positive, positive)
def test_pareto_probability_alive_matches_direct_integration(cust, t, r, alpha, s, beta):
    x, t_x, big_t = cust
    model = fixed(btyd.ParetoNBDModel, r=r, alpha=alpha, s=s, beta=beta)
    # P(alive) = 1 / (1 + s·∫_{t_x}^T ((α+T)/(α+τ))^{r+x} ((β+T)/(β+τ))^{s+1} dτ / (β+T))
    log_f = lambda tau: ((r + x) * (np.log(alpha + big_t) - np.log(alpha + tau))  # noqa: E731
                         + (s + 1) * (np.log(beta + big_t) - np.log(beta + tau)))
    top = max(log_f(t_x), log_f(big_t))
    integral, _ = integrate.quad(lambda tau: np.exp(log_f(tau) - top), t_x, big_t,
                                 epsabs=0, epsrel=1e-10, limit=200,
                                 points=[end + (big_t - t_x) * f * sign for f in
                                         (1e-9, 1e-7, 1e-5, 1e-3, 1e-1)
                                         for end, sign in ((t_x, 1), (big_t, -1))]
                                 if big_t > t_x else None)
    log_odds = np.log(s) - np.log(beta + big_t) + top + np.log(integral) if integral > 0 \
        else -np.inf
    assert model.probability_alive(x, t_x, big_t) == pytest.approx(special.expit(-log_odds),
                                                                    rel=1e-6, abs=1e-12)


def test_portfolio_total_is_finite_with_very_heavy_buyers(cdnow):
    model = fixed(btyd.BetaGeoModel, **CDNOW_BG)
    x = np.concatenate([cdnow["frequency"].to_numpy(), [900, 1110, 2710, 10_000, 1_000_000]])
    t_x = np.concatenate([cdnow["recency"].to_numpy(), [38.0] * 5])
    big_t = np.concatenate([cdnow["T"].to_numpy(), [39.0] * 5])
    gg = fixed(btyd.GammaGammaModel, p=6.25, q=3.74, gamma=15.44)
    clv = btyd.customer_lifetime_value(model, gg, x, t_x, big_t, np.full(len(x), 30.0))
    assert np.isfinite(clv).all() and np.isfinite(clv.sum())


# ---- probability distributions are consistent with the expectations -------------------------

@pytest.mark.parametrize("cls", [btyd.ModifiedBetaGeoModel, btyd.ParetoNBDModel,
                                 btyd.BetaGeoModel])
def test_count_distribution_sums_to_one_and_has_the_expected_mean(cls, cdnow):
    model = fixed(cls, **dict(zip(cls._PARAM_NAMES, (0.55, 10.6, 0.61, 11.7)
                                  if cls is btyd.ParetoNBDModel else (0.52, 6.18, 0.89, 1.61))))
    n = np.arange(0, 400)
    probs = np.asarray(model.probability_of_purchases(n, 39.0))
    assert probs.sum() == pytest.approx(1, abs=1e-6)
    assert (probs >= 0).all()
    assert (n * probs).sum() == pytest.approx(model.expected_purchases(39.0), rel=1e-5)
    # the conditional distribution too
    cond = np.array([model.conditional_probability_of_purchases(k, 26.0, 4, 30.0, 38.0)
                     for k in range(0, 150)])
    assert cond.sum() == pytest.approx(1, abs=1e-6)
    assert (np.arange(150) * cond).sum() == pytest.approx(
        model.conditional_expected_purchases(26.0, 4, 30.0, 38.0), rel=1e-5)


def test_bgbb_distribution_and_expectations_by_enumeration():
    params = dict(alpha=1.2, beta=0.75, gamma=0.66, delta=2.8)
    model = fixed(btyd.BetaGeoBetaBinomModel, **params)
    probs = model.probability_of_purchases(np.arange(0, 7), 6)
    assert probs.sum() == pytest.approx(1, abs=1e-12)
    assert (np.arange(7) * probs).sum() == pytest.approx(model.expected_purchases(6), rel=1e-10)
    # E[X(n)] = E[p]·Σ_{t=1..n} E[(1−θ)^t], summed term by term
    a, b, g, d = params.values()
    by_hand = a / (a + b) * sum(np.exp(special.betaln(g, d + t) - special.betaln(g, d))
                                for t in range(1, 7))
    assert model.expected_purchases(6) == pytest.approx(by_hand, rel=1e-12)
    # eq. 13 of Fader, Hardie & Shang (2010) written out
    x, t_x, n, m = 3, 4, 6, 5
    lik = np.exp(-(-model.log_likelihood([x], [t_x], [n])))
    eq13 = (1 / lik * np.exp(special.betaln(a + x + 1, b + n - x) - special.betaln(a, b))
            * d / (g - 1) * np.exp(special.gammaln(g + d) - special.gammaln(1 + d))
            * (np.exp(special.gammaln(1 + d + n) - special.gammaln(g + d + n))
               - np.exp(special.gammaln(1 + d + n + m) - special.gammaln(g + d + n + m))))
    assert model.conditional_expected_purchases(m, x, t_x, n) == pytest.approx(eq13, rel=1e-10)


def test_bgbb_conditional_distribution_sums_to_one_with_the_expected_mean(bgbb):
    probs = np.array([bgbb.conditional_probability_of_purchases(k, 5, 3, 4, 6) for k in range(6)])
    assert probs.sum() == pytest.approx(1, abs=1e-12)
    assert (np.arange(6) * probs).sum() == pytest.approx(
        bgbb.conditional_expected_purchases(5, 3, 4, 6), rel=1e-10)
    # and by simulation: donors with this history, followed for 5 more periods
    sim = bgbb.simulate(200_000, periods=6, holdout_periods=5, random_state=11)
    same = sim[(sim["frequency"] == 3) & (sim["recency"] == 4)]
    observed = same["frequency_holdout"].value_counts(normalize=True).reindex(range(6),
                                                                               fill_value=0)
    np.testing.assert_allclose(observed, probs, atol=0.02)


def test_bgbb_gamma_equal_to_one_is_the_limit():
    near = fixed(btyd.BetaGeoBetaBinomModel, alpha=1.2, beta=0.75, gamma=1.0 + 1e-6, delta=2.8)
    at = fixed(btyd.BetaGeoBetaBinomModel, alpha=1.2, beta=0.75, gamma=1.0, delta=2.8)
    assert at.expected_purchases(6) == pytest.approx(near.expected_purchases(6), rel=1e-5)


# ---- sBG --------------------------------------------------------------------------------------

def test_sbg_curves_and_derl_by_direct_summation():
    model = fixed(btyd.ShiftedBetaGeoModel, alpha=0.704, beta=1.182)
    t = np.arange(0, 6000)
    survival = np.asarray(model.survival(t))
    assert survival[0] == 1
    np.testing.assert_allclose(model.retention_rate(t[1:10]), survival[1:10] / survival[:9],
                               rtol=1e-12)
    np.testing.assert_allclose(model.churn_probability(t[1:10]), -np.diff(survival[:10]),
                               rtol=1e-10)
    d = 0.1
    for renewals in (0, 3):
        n = renewals + 1
        future = survival[n:] / survival[n - 1] / (1 + d) ** np.arange(len(survival) - n)
        assert model.derl(d, renewals) == pytest.approx(future.sum(), rel=1e-10)
    # value grows with tenure: the survivors of many renewals are the loyal ones
    assert model.clv(100, d, renewals=5) > model.clv(100, d, renewals=0)


def test_sbg_clv_generalises_the_retention_formula():
    # everyone with the same churn probability 0.2: α, β → ∞ with α/(α+β) = 0.2
    homogeneous = fixed(btyd.ShiftedBetaGeoModel, alpha=2e7, beta=8e7)
    assert homogeneous.clv(100, 0.1) == pytest.approx(retention_clv(100, 0.8, 0.1), rel=1e-6)
    assert homogeneous.clv(100, 0.01, renewals=10) == pytest.approx(
        retention_clv(100, 0.8, 0.01), rel=1e-5)
    # heterogeneity with the same first-year retention gives a higher value
    mixed = fixed(btyd.ShiftedBetaGeoModel, alpha=0.8, beta=3.2)
    assert mixed.retention_rate(1) == pytest.approx(0.8)
    assert mixed.clv(100, 0.1) > 1.2 * retention_clv(100, 0.8, 0.1)


def test_sbg_bad_inputs(survivors):
    model = btyd.ShiftedBetaGeoModel()
    with pytest.raises(CrmlabInputError, match="not increase"):
        model.fit([1000, 600, 700])
    with pytest.raises(CrmlabInputError, match="at least two"):
        model.fit([1000])
    fitted = model.fit(survivors.loc[:7, "regular"])
    with pytest.raises(CrmlabInputError, match="discount_rate"):
        fitted.derl(0.0)
    with pytest.raises(CrmlabInputError, match="whole numbers"):
        fitted.survival(1.5)


# ---- simulation ------------------------------------------------------------------------------

@pytest.mark.parametrize("cls", [btyd.ModifiedBetaGeoModel, btyd.ParetoNBDModel])
def test_simulation_matches_the_model(cls):
    truth = dict(zip(cls._PARAM_NAMES, (0.55, 10.6, 0.61, 11.7) if cls is btyd.ParetoNBDModel
                     else (0.52, 6.18, 0.89, 1.61)))
    sim = fixed(cls, **truth).simulate(40_000, T=39.0, holdout=39.0, random_state=7)
    model = fixed(cls, **truth)
    # mean frequency vs E[X(T)], and mean holdout frequency vs the conditional expectation
    assert sim["frequency"].mean() == pytest.approx(model.expected_purchases(39.0), rel=0.03)
    predicted = model.conditional_expected_purchases(39.0, sim["frequency"], sim["recency"],
                                                     sim["T"])
    assert sim["frequency_holdout"].mean() == pytest.approx(predicted.mean(), rel=0.04)
    refit = cls().fit(sim)
    for k, v in truth.items():
        assert refit.params_[k] == pytest.approx(v, rel=0.25), k


def test_bgbb_simulation_recovers_parameters(bgbb):
    sim = bgbb.simulate(30_000, periods=6, holdout_periods=5, random_state=3)
    refit = btyd.BetaGeoBetaBinomModel().fit(sim)
    for k, v in bgbb.params_.items():
        assert refit.params_[k] == pytest.approx(v, rel=0.2), k
    predicted = bgbb.conditional_expected_purchases(5, sim["frequency"], sim["recency"],
                                                    sim["periods"])
    assert sim["frequency_holdout"].mean() == pytest.approx(predicted.mean(), rel=0.03)


def test_sbg_simulation_recovers_parameters():
    truth = fixed(btyd.ShiftedBetaGeoModel, alpha=0.7, beta=1.2)
    counts = truth.simulate(20_000, 8, random_state=1)
    refit = btyd.ShiftedBetaGeoModel().fit(counts)
    assert refit.params_["alpha"] == pytest.approx(0.7, rel=0.1)
    assert refit.params_["beta"] == pytest.approx(1.2, rel=0.1)


# ---- the shared contract ----------------------------------------------------------------------

MODELS = [btyd.BetaGeoModel, btyd.ModifiedBetaGeoModel, btyd.ParetoNBDModel]


@pytest.mark.parametrize("cls", MODELS)
def test_fit_on_summary_equals_fit_on_columns_and_keeps_the_index(cls, cdnow):
    summary = cdnow.set_index("customer_id").iloc[:800]
    a = cls().fit(summary)
    b = cls().fit(summary["frequency"].to_numpy(), summary["recency"].to_numpy(),
                  summary["T"].to_numpy())
    assert a.params_ == b.params_
    for prediction in (a.probability_alive(summary),
                       a.conditional_expected_purchases(10, summary),
                       a.conditional_expected_purchases(10, summary["frequency"],
                                                        summary["recency"], summary["T"])):
        assert isinstance(prediction, pd.Series)
        assert prediction.index.equals(summary.index)
    assert isinstance(a.probability_alive(2, 10.0, 20.0), float)


def test_bgbb_predictions_keep_the_index(bgbb, donations):
    p = bgbb.probability_alive(donations)
    assert isinstance(p, pd.Series) and p.index.equals(donations.index)


@pytest.mark.parametrize("cls", [*MODELS, btyd.BetaGeoBetaBinomModel, btyd.ShiftedBetaGeoModel,
                                 btyd.GammaGammaModel])
def test_unfitted_models_say_so(cls):
    model = cls()
    with pytest.raises(btyd.NotFittedError, match="not fitted yet: call fit"):
        model._params()
    assert not hasattr(model, "summary_")


def test_predictions_before_fit_raise_not_fitted():
    with pytest.raises(btyd.NotFittedError):
        btyd.ParetoNBDModel().probability_alive(1, 1.0, 2.0)
    with pytest.raises(btyd.NotFittedError):
        btyd.ShiftedBetaGeoModel().survival(3)
    with pytest.raises(btyd.NotFittedError):
        btyd.BetaGeoBetaBinomModel().expected_purchases(3)


def test_fitted_models_hold_no_training_data(pareto, cdnow):
    blob = pickle.dumps(pareto)
    assert len(blob) < 5_000  # parameters, summary and optimiser result, not 2,357 rows
    arrays = [v for v in vars(pareto).values() if isinstance(v, np.ndarray)]
    assert all(a.size < 10 for a in arrays)


def test_import_does_not_load_sklearn():
    code = "import sys, crmlab.btyd; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("cls", MODELS)
def test_save_and_load_round_trip_as_plain_json(cls, cdnow, tmp_path):
    model = cls(penalizer_coef=0.001).fit(cdnow)
    path = model.save(tmp_path / "model.json")
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["model"] == cls.__name__ and record["crmlab_version"]
    assert record["hyperparameters"]["penalizer_coef"] == 0.001
    loaded = btyd.load_model(path)
    assert type(loaded) is cls and loaded.params_ == model.params_
    assert loaded.log_likelihood_ == model.log_likelihood_
    pd.testing.assert_frame_equal(loaded.summary_, model.summary_)
    assert loaded.probability_alive(2, 30.0, 38.0) == model.probability_alive(2, 30.0, 38.0)


def test_sbg_save_and_load_keeps_the_cohort_size(survivors, tmp_path):
    model = btyd.ShiftedBetaGeoModel().fit(survivors.loc[:7, "regular"])
    loaded = btyd.load_model(model.save(tmp_path / "sbg.json"))
    assert loaded.cohort_size_ == 1000
    assert loaded.expected_survivors(12) == model.expected_survivors(12)


def test_load_rejects_files_that_are_not_saved_models(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "crmlab.btyd model", "model": "os.system",
                               "params": {}}), encoding="utf-8")
    with pytest.raises(CrmlabInputError, match="unknown model"):
        btyd.load_model(bad)
    bad.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(CrmlabInputError, match="cannot read"):
        btyd.load_model(bad)
    bad.write_text(json.dumps({"format": "crmlab.btyd model", "model": "BetaGeoModel",
                               "params": {"r": -1, "alpha": 1, "a": 1, "b": 1}}))
    with pytest.raises(CrmlabInputError, match="positive"):
        btyd.load_model(bad)


# ---- degenerate fits and bad input ------------------------------------------------------------

@pytest.mark.parametrize("cls", MODELS)
def test_a_single_customer_warns_with_meaning_and_remedy(cls):
    with pytest.warns(btyd.BTYDDegenerateFitWarning, match="fewer than 100.*penalizer_coef"):
        cls().fit([3], [20.0], [30.0])


def test_boundary_solution_warns(cdnow):
    # everyone buys at the same steady pace and nobody leaves: the drop-out parameters run off
    rng = np.random.default_rng(0)
    x = rng.poisson(10, 500)
    big_t = np.full(500, 40.0)
    with pytest.warns(btyd.BTYDDegenerateFitWarning, match="boundary solution"):
        btyd.BetaGeoModel().fit(x, np.where(x > 0, 40.0, 0.0), big_t)


def test_singular_hessian_warns():
    # two customers with one pattern: the four parameters cannot be told apart
    with pytest.warns(btyd.BTYDDegenerateFitWarning, match="Hessian"):
        btyd.ParetoNBDModel().fit([2, 2], [5.0, 5.0], [10.0, 10.0])


def test_negative_spend_is_an_error_everywhere(cdnow):
    gg = fixed(btyd.GammaGammaModel, p=6.25, q=3.74, gamma=15.44)
    bg = fixed(btyd.BetaGeoModel, **CDNOW_BG)
    with pytest.raises(CrmlabInputError, match="must not be negative"):
        gg.expected_average_spend(2, -5.0)
    with pytest.raises(CrmlabInputError, match="must not be negative"):
        btyd.customer_lifetime_value(bg, gg, 2, 30.0, 38.0, -5.0)
    with pytest.raises(CrmlabInputError, match="> 0"):
        btyd.GammaGammaModel().fit([2, 3], [-5.0, 10.0])


def test_bgbb_rejects_impossible_patterns():
    with pytest.raises(CrmlabInputError, match="frequency ≤ recency ≤ periods"):
        btyd.BetaGeoBetaBinomModel().fit([3], [2], [6])
    with pytest.raises(CrmlabInputError, match="recency must be 0 exactly"):
        btyd.BetaGeoBetaBinomModel().fit([0], [2], [6])


def test_fit_warns_nothing_on_healthy_data(cdnow, donations):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        btyd.ParetoNBDModel().fit(cdnow)
        btyd.BetaGeoBetaBinomModel().fit(donations, weights=donations["weights"])


def test_mbg_gradient_matches_finite_differences(cdnow):
    from scipy import optimize

    from crmlab.btyd.bgnbd import _MBGData

    data = _MBGData(*(cdnow[c].to_numpy(float) for c in ("frequency", "recency", "T")),
                    np.ones(len(cdnow)))
    theta = np.array([0.5, 6.0, 0.9, 1.6])
    numeric = optimize.approx_fprime(theta, data.neg_ll, 1e-7)
    np.testing.assert_allclose(data.neg_ll_and_grad(theta)[1], numeric, rtol=1e-4)


def test_bg_expected_is_continuous_where_a_plus_b_is_one():
    # a + b = 1 makes the hypergeometric series' c zero (0·∞ in floating point); the value
    # must lie between its neighbours on either side (found by the property test above)
    values = [fixed(btyd.BetaGeoModel, r=1.0, alpha=1.0, a=0.5, b=b).expected_purchases(1.0)
              for b in (0.4999, 0.5, 0.5001)]
    assert values[0] < values[1] < values[2]
    assert values[1] == pytest.approx((values[0] + values[2]) / 2, rel=1e-7)


def test_bg_expected_purchases_far_ahead_with_a_large_a():
    """a = 50, t ≫ α: the Euler form's power underflows while its ₂F₁ overflows (0·∞ = NaN, found
    by the property test). By hand: z → 1, ₂F₁(1, 1; 50; 1) = Γ(50)Γ(48)/Γ(49)² = 49/48, so
    E[X(t)] = 50/49 · (1 − (α/(α+t)) · 49/48)."""
    model = fixed(btyd.BetaGeoModel, r=1.0, alpha=0.125, a=50.0, b=1.0)
    t = 502504.0
    by_hand = 50 / 49 * (1 - 0.125 / (0.125 + t) * 49 / 48)
    assert model.expected_purchases(t) == pytest.approx(by_hand, rel=1e-9)
