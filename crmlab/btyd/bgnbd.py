"""BG/NBD and MBG/NBD: buy till you die, where customers can leave only after a purchase.

* :class:`BetaGeoModel` is the BG/NBD model of Fader, Hardie & Lee (2005): while alive a customer
  buys as a Poisson process with rate λ ~ Gamma(r, α); after each repeat purchase they drop out
  with probability p ~ Beta(a, b).
* :class:`ModifiedBetaGeoModel` is the MBG/NBD model of Batislam, Denizel & Filiztekin (2007):
  the same, but a customer may also drop out right after the first purchase (at time 0), so a
  one-time buyer with a long silence is no longer certainly alive.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import special

from crmlab._checks import CrmlabInputError
from crmlab.btyd._base import RFMModel, check_times, compress
from crmlab.btyd._special import bg_expected, bg_pmf

__all__ = ["BetaGeoModel", "ModifiedBetaGeoModel", "simulate_customers"]


class BetaGeoModel(RFMModel):
    """The BG/NBD model (Fader, Hardie & Lee 2005) of repeat purchasing, 购买频次与流失模型.

    While "alive", a customer buys at a steady random rate λ (a Poisson process); rates differ
    between customers following a Gamma(r, α) distribution. After every repeat purchase the
    customer may "die" (leave for good) with probability p; p differs between customers following
    a Beta(a, b) distribution. Nobody observes dying: the model infers it from a long silence.

    Parameters
    ----------
    penalizer_coef
        L2 penalty, lifetimes' convention (see :class:`~crmlab.btyd._base.RFMModel`): time is
        rescaled so that the longest T is 1, and ``penalizer_coef · (r² + α² + a² + b²)`` on
        the rescaled parameters is added to the mean negative log-likelihood. 0 (the default) is
        plain maximum likelihood; 0.001 stabilises fits on small or odd data sets. Its effect
        does not depend on the time unit.
    tol
        Relative tolerance on the objective for L-BFGS-B (``ftol``).
    max_iter
        Maximum number of L-BFGS-B iterations.

    Attributes
    ----------
    params_ : dict
        ``{"r": …, "alpha": …, "a": …, "b": …}`` (α in the data's time unit).
    summary_ : DataFrame
        Estimates, standard errors (inverse Hessian of the log-likelihood) and 95 % intervals.
    log_likelihood_ : float
        Log-likelihood of the fitted data at ``params_`` (the papers' scale, without penalty).
    n_customers_ : float
        Number of customers (sum of weights) used.
    converged_ : bool
    optimizer_result_ : scipy.optimize.OptimizeResult

    Examples
    --------
    >>> sim = simulate_customers(2000, r=0.5, alpha=5.0, a=0.8, b=2.5, T=40, random_state=1)
    >>> model = BetaGeoModel().fit(sim)
    >>> sorted(model.params_)
    ['a', 'alpha', 'b', 'r']
    >>> 0 <= model.probability_alive(2, 30.0, 40.0) <= 1
    True
    """

    _PARAM_NAMES = ("r", "alpha", "a", "b")
    _TIME_PARAMS: ClassVar[tuple[str, ...]] = ("alpha",)
    _MODEL = "BG/NBD"

    def _data(self, x, t_x, big_t, w):
        return _BGData(x, t_x, big_t, w)

    def _p_alive(self, x, t_x, big_t):
        r, alpha, a, b = self._params()
        return 1.0 / (1.0 + _alive_odds(x, t_x, big_t, r, alpha, a, b))

    def _expected(self, t):
        """``(a+b−1)/(a−1)·[1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))]`` (eq. 9)."""
        r, alpha, a, b = self._params()
        return bg_expected(t, r, alpha, a, b)

    def _conditional_expected(self, t, x, t_x, big_t):
        """Eq. 10 of Fader et al. (2005), evaluated as P(alive)·E[X(t) | r+x, α+T, a, b+x]."""
        r, alpha, a, b = self._params()
        return self._p_alive(x, t_x, big_t) * bg_expected(t, r + x, alpha + big_t, a, b + x)

    def _pmf(self, n, t):
        r, alpha, a, b = self._params()
        return bg_pmf(n, t, r, alpha, a, b)

    def _posterior_pmf(self, n, t, x, big_t):
        r, alpha, a, b = self._params()
        return bg_pmf(n, t, r + x, alpha + big_t, a, b + x)

    def simulate(self, n: int, T=52.0, *, holdout: float | None = None,
                 random_state=None) -> pd.DataFrame:
        """Draw ``n`` customers from the fitted model (see :func:`simulate_customers`)."""
        return simulate_customers(n, *self._params(), T=T, holdout=holdout,
                                  random_state=random_state)


class ModifiedBetaGeoModel(RFMModel):
    """The MBG/NBD model (Batislam, Denizel & Filiztekin 2007): BG/NBD plus drop-out at time 0.

    As :class:`BetaGeoModel`, except that the customer gets a chance to drop out right after the
    first purchase too. One-time buyers can therefore have left (their P(alive) falls with a
    long silence), which often suits shops with many one-off customers. Attributes as for
    :class:`BetaGeoModel`.

    Parameters
    ----------
    penalizer_coef
        L2 penalty on the parameters with time rescaled so that the longest T is 1 (see
        :class:`BetaGeoModel`); 0 (default) is plain maximum likelihood.
    tol
        Relative tolerance on the objective for L-BFGS-B (``ftol``).
    max_iter
        Maximum number of L-BFGS-B iterations.

    Examples
    --------
    >>> from crmlab.datasets import load_dataset
    >>> cdnow = load_dataset("cdnow_summary")
    >>> mbg = ModifiedBetaGeoModel().fit(cdnow)
    >>> {k: round(v, 3) for k, v in mbg.params_.items()}
    {'r': 0.525, 'alpha': 6.183, 'a': 0.891, 'b': 1.614}
    >>> round(mbg.probability_alive(0, 0.0, 38.86), 3)   # a one-time buyer, 39 weeks ago
    0.39
    """

    _PARAM_NAMES = ("r", "alpha", "a", "b")
    _TIME_PARAMS: ClassVar[tuple[str, ...]] = ("alpha",)
    _MODEL = "MBG/NBD"

    def _data(self, x, t_x, big_t, w):
        return _MBGData(x, t_x, big_t, w)

    def _p_alive(self, x, t_x, big_t):
        r, alpha, a, b = self._params()
        log_odds = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + big_t)
                                                          - np.log(alpha + t_x))
        return special.expit(-log_odds)

    def _expected(self, t):
        """``b/(a−1)·[1 − (α/(α+t))^r ₂F₁(r, b+1; a+b; t/(α+t))]``."""
        r, alpha, a, b = self._params()
        return b / (a + b) * bg_expected(t, r, alpha, a, b + 1)

    def _conditional_expected(self, t, x, t_x, big_t):
        r, alpha, a, b = self._params()
        return self._p_alive(x, t_x, big_t) * bg_expected(t, r + x, alpha + big_t, a, b + x + 1)

    def _pmf(self, n, t):
        r, alpha, a, b = self._params()
        return b / (a + b) * bg_pmf(n, t, r, alpha, a, b + 1) + a / (a + b) * (n == 0)

    def _posterior_pmf(self, n, t, x, big_t):
        r, alpha, a, b = self._params()
        return bg_pmf(n, t, r + x, alpha + big_t, a, b + x + 1)

    def simulate(self, n: int, T=52.0, *, holdout: float | None = None,
                 random_state=None) -> pd.DataFrame:
        """Draw ``n`` customers from the fitted model (as :func:`simulate_customers`)."""
        return simulate_customers(n, *self._params(), T=T, holdout=holdout,
                                  random_state=random_state, drop_at_start=True)


class _MBGData:
    """MBG/NBD log-likelihood and its analytic gradient on merged rows.

    Per customer ``log L = A + c1 − (r+x)·ln(α+T) + softplus(d)`` with
    ``A = lnΓ(r+x) − lnΓ(r) + r·ln α``, ``c1 = ln B(a, b+x+1) − ln B(a, b)`` and
    ``d = ln a − ln(b+x) + (r+x)·(ln(α+T) − ln(α+t_x))``; ``expit(d)`` is the posterior
    probability that the customer dropped out right after t_x.
    """

    def __init__(self, x, t_x, big_t, w):
        cols, self.w = compress({"x": x, "t_x": t_x, "T": big_t}, w)
        self.x, self.t_x, self.big_t = cols["x"], cols["t_x"], cols["T"]
        self.total_weight = float(self.w.sum())
        # terms that depend on a customer only through x are computed once per distinct x
        self.ux, self.code = np.unique(self.x, return_inverse=True)
        self.w_x = np.bincount(self.code, weights=self.w, minlength=len(self.ux))

    def neg_ll(self, params: np.ndarray) -> float:
        return self.neg_ll_and_grad(params)[0]

    def neg_ll_and_grad(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        r, alpha, a, b = params
        ux, code, w, w_x, dg = self.ux, self.code, self.w, self.w_x, special.digamma
        log_t, log_tx = np.log(alpha + self.big_t), np.log(alpha + self.t_x)
        inv_t, inv_tx = 1 / (alpha + self.big_t), 1 / (alpha + self.t_x)
        rx = r + self.x
        d = (np.log(a) - np.log(b + ux))[code] + rx * (log_t - log_tx)
        died = special.expit(d)
        w_died = w * died
        s_died = np.bincount(code, weights=w_died, minlength=len(ux))
        per_x = (special.gammaln(r + ux) - special.gammaln(r) + r * np.log(alpha)
                 + special.betaln(a, b + ux + 1) - special.betaln(a, b))
        ll = np.dot(w_x, per_x) - np.dot(w * rx, log_t) + np.dot(w, np.logaddexp(0.0, d))
        dg_ab, dg_abx = dg(a + b), dg(a + b + ux + 1)
        g_r = (np.dot(w_x, dg(r + ux) - dg(r) + np.log(alpha)) - np.dot(w, log_t)
               + np.dot(w_died, log_t - log_tx))
        g_alpha = (r * self.total_weight / alpha - np.dot(w * rx, inv_t)
                   + np.dot(w_died * rx, inv_t - inv_tx))
        g_a = np.dot(w_x, dg_ab - dg_abx) + s_died.sum() / a
        g_b = (np.dot(w_x, dg(b + ux + 1) - dg_abx - dg(b) + dg_ab)
               - np.dot(s_died, 1 / (b + ux)))
        return -float(ll), -np.array([g_r, g_alpha, g_a, g_b])


def _alive_odds(x, t_x, big_t, r, alpha, a, b):
    """δ(x>0)·a/(b+x−1)·((α+T)/(α+t_x))^(r+x): odds of having dropped out vs being alive."""
    safe_x = np.maximum(x, 1)
    log_odds = np.log(a) - np.log(b + safe_x - 1) + (r + x) * (
        np.log(alpha + big_t) - np.log(alpha + t_x))
    with np.errstate(over="ignore"):
        return np.where(x > 0, np.exp(log_odds), 0.0)


class _BGData:
    """BG/NBD data prepared once, so that each likelihood evaluation is a few array passes.

    * identical (x, t_x, T) rows are merged into one weighted row when that saves work (real data
      measured in days repeats a lot);
    * terms that depend on a customer only through the integer frequency x are computed once per
      distinct x;
    * customers without repeat purchases only need ``log(α+T)``, summed per distinct T.

    Per customer, ``log L = A(x) + c1(x) − (r+x)·log(α+T) + softplus(d)`` with
    ``d = c2(x) − c1(x) − (r+x)·(log(α+t_x) − log(α+T))`` (d = −∞ when x = 0), where
    ``A = lnΓ(r+x) − lnΓ(r) + r·ln α``, ``c1 = ln B(a, b+x) − ln B(a, b)`` and
    ``c2 = ln B(a+1, b+x−1) − ln B(a, b)``; ``expit(d)`` is the posterior probability that the
    customer dropped out right after t_x, which is all the gradient needs.
    """

    def __init__(self, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray, w: np.ndarray):
        keep = w > 0
        x, t_x, big_t, w = x[keep], t_x[keep], big_t[keep], w[keep]
        zero = x == 0
        self.t0, inverse = np.unique(big_t[zero], return_inverse=True)
        self.w0 = np.bincount(inverse, weights=w[zero], minlength=len(self.t0))
        x, t_x, big_t, w = x[~zero], t_x[~zero], big_t[~zero], w[~zero]
        if len(x) > 1000:
            rows = pd.DataFrame({"x": x, "t_x": t_x, "T": big_t, "w": w})
            merged = rows.groupby(["x", "t_x", "T"], sort=False)["w"].sum()
            if len(merged) < 0.7 * len(rows):
                x = merged.index.get_level_values(0).to_numpy(float)
                t_x = merged.index.get_level_values(1).to_numpy(float)
                big_t = merged.index.get_level_values(2).to_numpy(float)
                w = merged.to_numpy(float)
        self.ux, self.code = np.unique(x, return_inverse=True)
        self.w_x = np.bincount(self.code, weights=w, minlength=len(self.ux))
        self.x, self.t_x, self.big_t, self.w = x, t_x, big_t, w
        self.wx = w * x
        self.n0, self.n_rep = float(self.w0.sum()), float(w.sum())
        self.total_weight = self.n0 + self.n_rep

    def neg_ll(self, params: np.ndarray) -> float:
        return self.neg_ll_and_grad(params)[0]

    def neg_ll_and_grad(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        r, alpha, a, b = params
        dg = special.digamma
        log_alpha, log_bab, dg_ab = np.log(alpha), special.betaln(a, b), dg(a + b)
        dg_b, dg_r = dg(b), dg(r)

        # customers without repeat purchases (x = 0): A = r·ln α, c1 = 0
        log_t0 = np.log(alpha + self.t0)
        ll = self.n0 * r * log_alpha - r * np.dot(self.w0, log_t0)
        g_r = self.n0 * log_alpha - np.dot(self.w0, log_t0)
        g_alpha = self.n0 * r / alpha - r * np.dot(self.w0, 1 / (alpha + self.t0))
        g_a = self.n0 * (dg_ab - dg(a + b))  # = 0, kept for symmetry with the formula
        g_b = 0.0
        if self.n_rep == 0:
            return -ll, -np.array([g_r, g_alpha, g_a, g_b])

        # per distinct x > 0
        ux = self.ux
        dg_abx = dg(a + b + ux)
        common = special.gammaln(r + ux) - special.gammaln(r) + r * log_alpha
        common_r = dg(r + ux) - dg_r + log_alpha
        c1 = special.betaln(a, b + ux) - log_bab
        c2 = special.betaln(a + 1, b + ux - 1) - log_bab
        c1_a, c1_b = dg_ab - dg_abx, dg(b + ux) - dg_abx - dg_b + dg_ab
        c2_a, c2_b = 1 / a + dg_ab - dg_abx, dg(b + ux - 1) - dg_abx - dg_b + dg_ab

        # per customer (or merged row)
        w = self.w
        inv_t, inv_tx = 1 / (alpha + self.big_t), 1 / (alpha + self.t_x)
        log_t = np.log(alpha + self.big_t)
        gap = np.log(alpha + self.t_x) - log_t  # ≤ 0
        rx = r + self.x
        d = (c2 - c1)[self.code] - rx * gap
        died = special.expit(d)  # posterior P(dropped out right after t_x)
        w_died = w * died
        ll += (np.dot(self.w_x, common + c1) - r * np.dot(w, log_t) - np.dot(self.wx, log_t)
               + np.dot(w, np.logaddexp(0.0, d)))
        g_r += np.dot(self.w_x, common_r) - np.dot(w, log_t) - np.dot(w_died, gap)
        g_alpha += (r * self.n_rep / alpha - r * np.dot(w, inv_t) - np.dot(self.wx, inv_t)
                    - np.dot(w_died * rx, inv_tx - inv_t))
        s_died = np.bincount(self.code, weights=w_died, minlength=len(ux))
        g_a += np.dot(self.w_x, c1_a) + np.dot(s_died, c2_a - c1_a)
        g_b += np.dot(self.w_x, c1_b) + np.dot(s_died, c2_b - c1_b)
        return -ll, -np.array([g_r, g_alpha, g_a, g_b])


def simulate_customers(
    n: int, r: float, alpha: float, a: float, b: float, T=52.0, *,
    holdout: float | None = None, random_state=None, drop_at_start: bool = False,
) -> pd.DataFrame:
    """Draw ``n`` synthetic customers from a BG/NBD model: one summary row each.

    Each customer gets a rate λ ~ Gamma(r, scale 1/α) and a drop-out probability p ~ Beta(a, b);
    after each repeat purchase they leave with probability p. ``T`` (a number, or one per
    customer) is how long each has been observed. With ``holdout`` the same customers are
    followed for another ``holdout`` time units, giving ``frequency_holdout``. With
    ``drop_at_start=True`` customers may also leave at time 0 (the MBG/NBD model).

    Exact and vectorised: the number of repeat purchases made before dropping out is geometric,
    the number of Poisson purchases in (0, T] is Poisson(λT), and given n purchases in (0, T]
    the time of the k-th is T times a Beta(k, n−k+1) variable.

    Parameters
    ----------
    n
        Number of customers.
    r, alpha
        Shape and rate of the Gamma distribution of purchase rates (α in the time unit of
        ``T``).
    a, b
        Parameters of the Beta distribution of drop-out probabilities.
    T
        Observation time of each customer since the first purchase (one number or one each).
    holdout
        Optional length of a holdout period that follows ``T``.
    random_state
        Seed (or :class:`numpy.random.Generator`) for repeatable draws.
    drop_at_start
        Let customers drop out at time 0 as well (MBG/NBD).

    Returns
    -------
    DataFrame
        One row per customer: ``frequency`` (repeat purchases in (0, T]), ``recency`` (time of
        the last one, 0 without), ``T``, with ``holdout`` also ``frequency_holdout`` and
        ``duration_holdout``, and ``alive`` (still a customer at the end of the observation).

    Examples
    --------
    >>> sim = simulate_customers(5, r=0.25, alpha=4.4, a=0.8, b=2.4, T=39, random_state=0)
    >>> list(sim.columns)
    ['frequency', 'recency', 'T', 'alive']
    >>> big = simulate_customers(20_000, r=0.25, alpha=4.4, a=0.8, b=2.4, T=39, random_state=0)
    >>> bool(abs(big["frequency"].mean() - 1.222) < 0.05)  # the model's E[X(39)] is 1.222
    True
    """
    for name, value in {"r": r, "alpha": alpha, "a": a, "b": b}.items():
        if not value > 0:
            raise CrmlabInputError(f"{name} must be > 0, got {value}")
    rng = np.random.default_rng(random_state)
    big_t = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    check_times(big_t, "T")
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    # repeat purchases made before dropping out (BG/NBD: ≥ 1, the drop-out follows a purchase)
    lives = rng.geometric(np.clip(p, 1e-300, 1.0)) - int(drop_at_start)
    arrivals_cal = rng.poisson(lam * big_t)
    x = np.minimum(lives, arrivals_cal)
    t_x = np.zeros(n)
    some = x > 0
    t_x[some] = big_t[some] * rng.beta(x[some], arrivals_cal[some] - x[some] + 1)
    out = pd.DataFrame({"frequency": x.astype("int64"), "recency": t_x, "T": big_t})
    purchases_seen = arrivals_cal
    if holdout:
        extra = rng.poisson(lam * holdout)
        out["frequency_holdout"] = np.minimum(lives - x, extra).astype("int64")
        out["duration_holdout"] = float(holdout)
        purchases_seen = arrivals_cal + extra
    out["alive"] = lives > purchases_seen  # dropped out after purchase number `lives`
    return out
