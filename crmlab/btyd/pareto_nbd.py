"""The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987), the original BTYD model."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import integrate, special

from crmlab._checks import CrmlabInputError
from crmlab.btyd._base import RFMModel, check_times, compress
from crmlab.btyd._special import nbd_log_pmf, pareto_log_a0

__all__ = ["ParetoNBDModel"]


class ParetoNBDModel(RFMModel):
    """The Pareto/NBD model: Poisson purchasing, exponential lifetimes (帕累托/负二项模型).

    While alive a customer buys as a Poisson process with rate λ ~ Gamma(r, α); independently,
    their lifetime is exponential with a drop-out rate μ ~ Gamma(s, β), so they can leave at any
    moment, not only after a purchase as in BG/NBD. The likelihood and P(alive) follow Fader &
    Hardie's (2005) note on the Pareto/NBD derivations; their hypergeometric term is evaluated
    in log space and stays finite for any frequency.

    Attributes as for :class:`~crmlab.btyd.BetaGeoModel`, with
    ``params_ = {"r", "alpha", "s", "beta"}`` (α and β in the data's time unit).

    Parameters
    ----------
    penalizer_coef
        L2 penalty on the parameters with time rescaled so that the longest T is 1 (see
        :class:`~crmlab.btyd.BetaGeoModel`); 0 (default) is plain maximum likelihood.
    tol
        Relative tolerance on the objective for L-BFGS-B (``ftol``).
    max_iter
        Maximum number of L-BFGS-B iterations.

    Examples
    --------
    >>> from crmlab.datasets import load_dataset
    >>> cdnow = load_dataset("cdnow_summary")
    >>> pnbd = ParetoNBDModel().fit(cdnow)
    >>> {k: round(v, 2) for k, v in pnbd.params_.items()}   # Fader, Hardie & Lee (2005)
    {'r': 0.55, 'alpha': 10.58, 's': 0.61, 'beta': 11.67}
    >>> round(pnbd.conditional_expected_purchases(39, 2, 30.43, 38.86), 3)
    1.455
    """

    _PARAM_NAMES = ("r", "alpha", "s", "beta")
    _TIME_PARAMS: ClassVar[tuple[str, ...]] = ("alpha", "beta")
    _MODEL = "Pareto/NBD"

    def _data(self, x, t_x, big_t, w):
        return _ParetoData(x, t_x, big_t, w)

    def _p_alive(self, x, t_x, big_t):
        r, alpha, s, beta = self._params()
        log_odds = (np.log(s) - np.log(r + s + x) + (r + x) * np.log(alpha + big_t)
                    + s * np.log(beta + big_t) + pareto_log_a0(r, alpha, s, beta, x, t_x, big_t))
        return special.expit(-log_odds)

    def _expected(self, t):
        """``r·β/(α·(s−1))·[1 − (β/(β+t))^{s−1}]`` (the limit ``r·β/α·ln(1+t/β)`` at s = 1)."""
        r, alpha, s, beta = self._params()
        return _expected_alive(t, r, alpha, s, beta)

    def _conditional_expected(self, t, x, t_x, big_t):
        r, alpha, s, beta = self._params()
        return self._p_alive(x, t_x, big_t) * _expected_alive(t, r + x, alpha + big_t, s,
                                                             beta + big_t)

    def _pmf(self, n, t):
        r, alpha, s, beta = self._params()
        return _pmf_alive(n, t, r, alpha, s, beta)

    def _posterior_pmf(self, n, t, x, big_t):
        r, alpha, s, beta = self._params()
        return _pmf_alive(n, t, r + x, alpha + big_t, s, beta + big_t)

    def simulate(self, n: int, T=52.0, *, holdout: float | None = None,
                 random_state=None) -> pd.DataFrame:
        """Draw ``n`` customers from the fitted model: one summary row each (as
        :func:`~crmlab.btyd.simulate_customers`, with columns ``frequency``, ``recency``, ``T``,
        optionally ``frequency_holdout``/``duration_holdout``, and ``alive``)."""
        r, alpha, s, beta = self._params()
        rng = np.random.default_rng(random_state)
        big_t = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
        check_times(big_t, "T")
        lam = rng.gamma(r, 1.0 / alpha, n)
        death = rng.exponential(1.0 / rng.gamma(s, 1.0 / beta, n))
        active = np.minimum(death, big_t)
        x = rng.poisson(lam * active)
        t_x = np.where(x > 0, active * rng.beta(np.maximum(x, 1), 1), 0.0)
        out = pd.DataFrame({"frequency": x.astype("int64"), "recency": t_x, "T": big_t})
        seen = big_t
        if holdout:
            later = np.minimum(death, big_t + holdout) - active
            out["frequency_holdout"] = rng.poisson(lam * later).astype("int64")
            out["duration_holdout"] = float(holdout)
            seen = big_t + holdout
        out["alive"] = death > seen
        return out


def _expected_alive(t, r, alpha, s: float, beta):
    """E[purchases in (0, t]] for a customer alive at 0 with Gamma(r, α), Gamma(s, β) rates."""
    log_ratio = np.log(beta) - np.log(beta + np.asarray(t, dtype=float))  # ≤ 0
    if abs(s - 1) < 1e-10:
        survival_integral = -log_ratio
    else:
        survival_integral = -np.expm1((s - 1) * log_ratio) / (s - 1)
    return r * beta / alpha * survival_integral


def _pmf_alive(n, t, r, alpha, s: float, beta):
    """P(n purchases in (0, t]) for a customer alive at 0.

    Dying at τ ~ Pareto(s, β) (density ``s·β^s/(β+τ)^{s+1}``) leaves an NBD count over (0, τ]:
    ``P(n) = NBD(n; t)·(β/(β+t))^s + ∫₀ᵗ NBD(n; τ)·s·β^s/(β+τ)^{s+1} dτ``, integrated by
    adaptive quadrature on τ = t·u (vectorised over all n, t and customers).
    """
    n, t, r, alpha, beta = np.broadcast_arrays(*(np.asarray(v, dtype=float)
                                                 for v in (n, t, r, alpha, beta)))
    if n.size == 0:
        return np.zeros(n.shape)
    survive = np.exp(nbd_log_pmf(n, r, alpha, t) + s * (np.log(beta) - np.log(beta + t)))

    def integrand(u: float) -> np.ndarray:
        tau = t * u
        log_density = np.log(s) + s * np.log(beta) - (s + 1) * np.log(beta + tau)
        return np.exp(nbd_log_pmf(n, r, alpha, tau) + log_density) * t

    with np.errstate(all="ignore"):
        died, _ = integrate.quad_vec(integrand, 0.0, 1.0, epsabs=1e-13, epsrel=1e-10)
    return survive + died


class _ParetoData:
    """Pareto/NBD log-likelihood (Fader & Hardie 2005 note, eq. 18) on merged rows."""

    def __init__(self, x, t_x, big_t, w):
        cols, self.w = compress({"x": x, "t_x": t_x, "T": big_t}, w)
        self.x, self.t_x, self.big_t = cols["x"], cols["t_x"], cols["T"]
        self.total_weight = float(self.w.sum())
        if self.total_weight == 0:
            raise CrmlabInputError("all weights are 0: there is nothing to fit")

    def neg_ll(self, params: np.ndarray) -> float:
        r, alpha, s, beta = params
        x, big_t = self.x, self.big_t
        log_a0 = pareto_log_a0(r, alpha, s, beta, x, self.t_x, big_t)
        ll = (special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
              + np.logaddexp(-(r + x) * np.log(alpha + big_t) - s * np.log(beta + big_t),
                             np.log(s) - np.log(r + s + x) + log_a0))
        return -float(np.dot(self.w, ll))
