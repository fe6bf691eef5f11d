"""The BG/BB model (Fader, Hardie & Shang 2010) for discrete transaction opportunities."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from crmlab._checks import CrmlabInputError
from crmlab.btyd._base import (
    MIN_CUSTOMERS, Model, column, compress, from_summary, hessian, index_of, labelled, maximise,
    standard_errors, warn_degenerate, weights_of,
)

__all__ = ["BetaGeoBetaBinomModel"]

_NAMES = ("frequency", "recency", "periods")


class BetaGeoBetaBinomModel(Model):
    """BG/BB: buy till you die when purchases can only happen at discrete occasions (离散时间模型).

    Each period (a year of donations, a monthly box, a yearly event) an alive customer transacts
    with probability p ~ Beta(α, β); at the start of each period an alive customer drops out for
    good with probability θ ~ Beta(γ, δ). A customer's history over ``periods`` = n
    opportunities is summarised by ``frequency`` x (periods with a transaction, after the first
    one) and ``recency`` t_x (the last such period; 0 if none).

    Parameters
    ----------
    penalizer_coef
        ``penalizer_coef · (α² + β² + γ² + δ²)`` added to the mean negative log-likelihood per
        customer (lifetimes' BG/BB convention; there is no time unit to rescale).
    tol, max_iter
        As for :class:`~crmlab.btyd.BetaGeoModel`.

    Attributes
    ----------
    params_ : dict
        ``{"alpha": …, "beta": …, "gamma": …, "delta": …}``.
    summary_, log_likelihood_, n_customers_, converged_, optimizer_result_
        As for :class:`~crmlab.btyd.BetaGeoModel`; the log-likelihood is the papers' (summed
        over donors).

    Examples
    --------
    Fitted on the donations data (one row per pattern, ``weights`` = donors) this gives
    Fader, Hardie & Shang's estimates; here they are set directly:

    >>> model = BetaGeoBetaBinomModel()
    >>> model.params_ = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
    >>> round(model.expected_purchases(6), 2)     # repeat donations of a new donor in 6 years
    2.22
    >>> # a donor who gave in 3 of 6 years, last in year 4: alive, and donations in 5 more years
    >>> round(model.probability_alive(3, 4, 6), 3), round(model.conditional_expected_purchases(5, 3, 4, 6), 3)
    (0.439, 1.034)
    """

    _PARAM_NAMES = ("alpha", "beta", "gamma", "delta")
    _MODEL = "BG/BB"

    def fit(self, frequency, recency=None, periods=None, weights=None) -> BetaGeoBetaBinomModel:
        """Estimate α, β, γ, δ from one row per customer or per (x, t_x, n) pattern.

        Parameters
        ----------
        frequency, recency, periods
            x, t_x and n as whole numbers, or a summary DataFrame with these columns.
        weights
            Number of customers with each pattern (Fader & Hardie publish data this way).
        """
        frequency, recency, periods = from_summary(frequency, (recency, periods), _NAMES,
                                                   "BetaGeoBetaBinomModel.fit")
        self._check_penalizer()
        x, t_x, n = _check_patterns(frequency, recency, periods)
        w = weights_of(weights, len(x))
        if not np.any((x > 0) & (w > 0)):
            raise CrmlabInputError("no customer has a repeat transaction (every frequency is "
                                   "0): the model cannot learn anything; observe more periods")
        data = _BGBBData(x, t_x, n, w)
        fit = maximise(data, 4, self.penalizer_coef, self.tol, self.max_iter, self._MODEL)
        se, singular = standard_errors(hessian(data, fit.params), self._MODEL)
        warn_degenerate(self._MODEL, float(w.sum()), dict(zip(self._PARAM_NAMES, fit.params)),
                        self.penalizer_coef, singular, minimum=MIN_CUSTOMERS)
        self._store(fit.params, se, -data.neg_ll(fit.params), w.sum(), fit.result)
        return self

    def log_likelihood(self, frequency, recency=None, periods=None, weights=None) -> float:
        """Log-likelihood of the patterns under the fitted parameters (summed, no penalty)."""
        frequency, recency, periods = from_summary(frequency, (recency, periods), _NAMES,
                                                   "log_likelihood")
        x, t_x, n = _check_patterns(frequency, recency, periods)
        return -_BGBBData(x, t_x, n, weights_of(weights, len(x))).neg_ll(
            np.array(self._params()))

    def _history(self, frequency, recency, periods):
        frequency, recency, periods = from_summary(frequency, (recency, periods), _NAMES,
                                                   "BetaGeoBetaBinomModel")
        index = index_of(frequency, recency, periods)
        x, t_x, n = np.broadcast_arrays(*(np.asarray(v, dtype=float)
                                          for v in (frequency, recency, periods)))
        _check_patterns(x.ravel(), t_x.ravel(), n.ravel())
        return index, x, t_x, n

    def probability_alive(self, frequency, recency=None, periods=None):
        """P(alive in period n+1 | x, t_x, n) (Fader, Hardie & Shang 2010, eq. 11)."""
        a, b, g, d = self._params()
        index, x, t_x, n = self._history(frequency, recency, periods)
        log_alive = (special.betaln(a + x, b + n - x) - special.betaln(a, b)
                     + special.betaln(g, d + n + 1) - special.betaln(g, d))
        return labelled(np.exp(log_alive - _log_lik(self._params(), x, t_x, n)), index, "p_alive")

    def expected_purchases(self, periods):
        """E[X(n)]: expected transactions of a new customer over the first ``periods`` n."""
        a, b, g, d = self._params()
        n = _whole(periods, "periods")
        return labelled(a / (a + b) * _alive_periods(n, g, d), index_of(periods),
                        "expected_purchases")

    def conditional_expected_purchases(self, future_periods, frequency, recency=None,
                                       periods=None):
        """Expected transactions in the next ``future_periods`` given (x, t_x, n) (eq. 13).

        P(alive in n+1) × E[p | history] × E[number of the next periods alive], with
        θ ~ Beta(γ, δ+n+1) for a customer known to be alive in period n+1.
        """
        a, b, g, d = self._params()
        m = _whole(future_periods, "future_periods")
        index, x, t_x, n = self._history(frequency, recency, periods)
        alive = np.asarray(self.probability_alive(x, t_x, n))
        periods_alive = np.where(m > 0, 1 + _alive_periods(np.maximum(m - 1, 0), g, d + n + 1), 0)
        return labelled(alive * (a + x) / (a + b + n) * periods_alive, index,
                        "expected_purchases")

    def probability_of_purchases(self, k, periods):
        """P(X(n) = k): a new customer transacts in exactly ``k`` of the first n periods.

        ``C(n,k)·B(α+k, β+n−k)/B(α,β)·B(γ, δ+n)/B(γ,δ)
        + Σ_{i=k}^{n−1} C(i,k)·B(α+k, β+i−k)/B(α,β)·B(γ+1, δ+i)/B(γ,δ)`` (FHS 2010, eq. 7).
        """
        a, b, g, d = self._params()
        k_arr, n_arr = np.broadcast_arrays(_whole(k, "k"), _whole(periods, "periods"))
        log_binom = _log_choose(n_arr, k_arr)
        out = np.where(k_arr <= n_arr, np.exp(
            log_binom + special.betaln(a + k_arr, b + np.maximum(n_arr - k_arr, 0))
            - special.betaln(a, b) + special.betaln(g, d + n_arr) - special.betaln(g, d)), 0.0)
        for i in range(int(n_arr.max(initial=0))):
            use = (i >= k_arr) & (i < n_arr)
            term = np.exp(_log_choose(np.full_like(k_arr, i), k_arr)
                          + special.betaln(a + k_arr, b + np.maximum(i - k_arr, 0))
                          - special.betaln(a, b) + special.betaln(g + 1, d + i)
                          - special.betaln(g, d))
            out = out + np.where(use, term, 0.0)
        return labelled(out, index_of(k, periods))

    def conditional_probability_of_purchases(self, k: int, future_periods: int, frequency,
                                             recency=None, periods=None):
        """P(exactly ``k`` transactions in the next ``future_periods`` | x, t_x, n).

        A customer alive in period n+1 stays alive for L of the next m periods (θ ~ Beta(γ,
        δ+n+1)) and transacts in each with p ~ Beta(α+x, β+n−x), a beta-binomial count given L:
        ``P(alive)·Σ_l P(L=l)·BB(k; l) + (1 − P(alive))·[k = 0]``.
        """
        a, b, g, d = self._params()
        if int(k) != k or k < 0 or int(future_periods) != future_periods or future_periods < 1:
            raise CrmlabInputError("k must be a whole number ≥ 0 and future_periods ≥ 1")
        index, x, t_x, n = self._history(frequency, recency, periods)
        alive = np.asarray(self.probability_alive(x, t_x, n))
        d1, log_gd = d + n + 1, special.betaln(g, d + n + 1)
        total = np.zeros(np.shape(x))
        for l in range(max(int(k), 1), int(future_periods) + 1):
            log_p_l = (special.betaln(g + 1, d1 + l - 1) if l < future_periods
                       else special.betaln(g, d1 + l - 1)) - log_gd
            log_bb = (_log_choose(l, k) + special.betaln(a + x + k, b + n - x + l - k)
                      - special.betaln(a + x, b + n - x))
            total = total + np.exp(log_p_l + log_bb)
        value = alive * total + (1 - alive) * (k == 0)
        return labelled(value, index, "probability")

    def simulate(self, n: int, periods: int, *, holdout_periods: int = 0,
                 random_state=None) -> pd.DataFrame:
        """Draw ``n`` customers observed for ``periods`` opportunities (and a holdout).

        Returns ``frequency``, ``recency``, ``periods``, ``alive`` (alive in the next period)
        and, with ``holdout_periods``, ``frequency_holdout``.
        """
        a, b, g, d = self._params()
        rng = np.random.default_rng(random_state)
        p, theta = rng.beta(a, b, n), rng.beta(g, d, n)
        lifetime = rng.geometric(np.clip(theta, 1e-300, 1.0)) - 1  # periods alive
        total = periods + holdout_periods
        buys = (rng.random((n, total)) < p[:, None]) & (np.arange(total)[None, :] < lifetime[:, None])
        cal = buys[:, :periods]
        x = cal.sum(axis=1)
        t_x = np.where(x > 0, periods - np.argmax(cal[:, ::-1], axis=1), 0)
        out = pd.DataFrame({"frequency": x, "recency": t_x, "periods": periods})
        if holdout_periods:
            out["frequency_holdout"] = buys[:, periods:].sum(axis=1)
        out["alive"] = lifetime > total
        return out


def _alive_periods(m, g: float, d):
    """Σ_{t=1}^{m} E[(1−θ)^t] for θ ~ Beta(γ, δ): expected periods alive among the next m.

    ``δ/(γ−1)·[1 − Γ(γ+δ)Γ(1+δ+m)/(Γ(γ+δ+m)Γ(1+δ))]``, and ``δ·(ψ(1+δ+m) − ψ(1+δ))`` at γ = 1.
    """
    m, d = np.broadcast_arrays(np.asarray(m, dtype=float), np.asarray(d, dtype=float))
    if abs(g - 1) < 1e-9:
        return d * (special.digamma(1 + d + m) - special.digamma(1 + d))
    log_ratio = (special.gammaln(g + d) + special.gammaln(1 + d + m) - special.gammaln(g + d + m)
                 - special.gammaln(1 + d))
    return -d / (g - 1) * np.expm1(log_ratio)


def _log_choose(n, k):
    return special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(np.maximum(n - k, 0) + 1)


def _whole(values, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if np.any(~np.isfinite(arr)) or np.any(arr < 0) or np.any(arr != np.round(arr)):
        raise CrmlabInputError(f"{name} must hold whole numbers ≥ 0 (numbers of periods)")
    return arr


def _check_patterns(frequency, recency, periods):
    x, t_x, n = (column(v, name) for v, name in zip((frequency, recency, periods), _NAMES))
    if not (len(x) == len(t_x) == len(n)) or len(x) == 0:
        raise CrmlabInputError("frequency, recency and periods must be non-empty and of one length")
    problems = {
        "frequency, recency and periods must be whole numbers": (
            (x != np.round(x)) | (t_x != np.round(t_x)) | (n != np.round(n))),
        "periods must be ≥ 1": n < 1,
        "need 0 ≤ frequency ≤ recency ≤ periods (x transactions in periods 1…t_x)": (
            (x < 0) | (x > t_x) | (t_x > n)),
        "recency must be 0 exactly when frequency is 0": (x == 0) != (t_x == 0),
    }
    for message, mask in problems.items():
        if mask.any():
            raise CrmlabInputError(f"{message}; positions {np.flatnonzero(mask)[:5].tolist()} "
                                   "break this rule")
    return x, t_x, n


def _log_lik(params, x, t_x, n) -> np.ndarray:
    """Per-pattern log-likelihood (FHS 2010, eq. 5), summed over i in log space."""
    a, b, g, d = params
    log_ab, log_gd = special.betaln(a, b), special.betaln(g, d)
    terms = [special.betaln(a + x, b + n - x) - log_ab + special.betaln(g, d + n) - log_gd]
    gap = n - t_x
    for i in range(int(gap.max(initial=0))):
        term = (special.betaln(a + x, b + t_x - x + i) - log_ab
                + special.betaln(g + 1, d + t_x + i) - log_gd)
        terms.append(np.where(i < gap, term, -np.inf))
    return special.logsumexp(np.stack(terms), axis=0)


class _BGBBData:
    def __init__(self, x, t_x, n, w):
        cols, self.w = compress({"x": x, "t_x": t_x, "n": n}, w)
        self.x, self.t_x, self.n = cols["x"], cols["t_x"], cols["n"]
        self.total_weight = float(self.w.sum())

    def neg_ll(self, params: np.ndarray) -> float:
        return -float(np.dot(self.w, _log_lik(params, self.x, self.t_x, self.n)))
