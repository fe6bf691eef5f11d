"""The shifted-beta-geometric (sBG) model of contract renewals (Fader & Hardie 2007)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from crmlab._checks import CrmlabInputError
from crmlab.btyd._base import (
    Model, column, hessian, index_of, labelled, maximise, standard_errors, warn_degenerate,
)

__all__ = ["ShiftedBetaGeoModel"]


class ShiftedBetaGeoModel(Model):
    """sBG: retention of subscribers whose churn probabilities differ (合约型客户留存模型).

    At every renewal an active subscriber cancels with their own probability θ, and θ varies
    across subscribers following a Beta(α, β) distribution. The retention rate of the cohort
    then *rises* over time, ``r_t = (β+t−1)/(α+β+t−1)``, because the customers most likely to
    cancel leave first. The simple retention-based CLV (:func:`crmlab.value.retention_clv`,
    one constant r) is the special case where everyone has the same θ (α, β → ∞ with
    α/(α+β) = 1 − r); ignoring heterogeneity undervalues the customer base.

    Fitted on a cohort's survivor counts: ``survivors[t]`` customers are still active at the
    start of period t, ``survivors[0]`` is the cohort size.

    Parameters
    ----------
    penalizer_coef
        ``penalizer_coef · (α² + β²)`` added to the mean negative log-likelihood per customer.
    tol, max_iter
        As for :class:`~crmlab.btyd.BetaGeoModel`.

    Attributes
    ----------
    params_ : dict
        ``{"alpha": …, "beta": …}``.
    summary_, log_likelihood_, n_customers_, converged_, optimizer_result_
        As for the other models; the log-likelihood is the one Fader & Hardie (2007) maximise.
    cohort_size_ : int
        ``survivors[0]``, the default size for :meth:`expected_survivors`.

    Examples
    --------
    >>> regular = [1000, 631, 468, 382, 326, 289, 262, 241]   # Fader & Hardie (2007)
    >>> sbg = ShiftedBetaGeoModel().fit(regular)
    >>> {k: round(v, 3) for k, v in sbg.params_.items()}
    {'alpha': 0.704, 'beta': 1.182}
    >>> sbg.expected_survivors([8, 12]).round(0).tolist()      # actual: 223, 173
    [220.0, 170.0]
    >>> round(sbg.clv(margin=100, discount_rate=0.1), 1)       # a new subscriber
    269.5
    """

    _PARAM_NAMES = ("alpha", "beta")
    _MODEL = "sBG"

    def fit(self, survivors) -> ShiftedBetaGeoModel:
        """Estimate α, β from a cohort's active-customer counts at the start of periods 0, 1, ….

        The likelihood counts ``survivors[t−1] − survivors[t]`` customers lost in period t
        (each with P(T = t)) and ``survivors[-1]`` still active (each with S(last period)).
        """
        self._check_penalizer()
        counts = column(survivors, "survivors")
        if len(counts) < 2:
            raise CrmlabInputError("give at least two counts: the cohort size and the number "
                                   "still active one period later")
        if np.any(counts < 0) or np.any(counts != np.round(counts)) or counts[0] <= 0:
            raise CrmlabInputError("survivors must be whole numbers ≥ 0, the first (the cohort "
                                   "size) > 0")
        if np.any(np.diff(counts) > 0):
            raise CrmlabInputError("survivors must not increase: a cohort only loses customers "
                                   "(count each cohort separately; re-joiners are new customers)")
        data = _SBGData(counts)
        fit = maximise(data, 2, self.penalizer_coef, self.tol, self.max_iter, self._MODEL)
        se, singular = standard_errors(hessian(data, fit.params), self._MODEL)
        warn_degenerate(self._MODEL, float(counts[0]), dict(zip(self._PARAM_NAMES, fit.params)),
                        self.penalizer_coef, singular)
        self._store(fit.params, se, -data.neg_ll(fit.params), counts[0], fit.result)
        self.cohort_size_ = int(counts[0])
        return self

    def _periods(self, t, name: str = "t") -> np.ndarray:
        arr = np.asarray(t, dtype=float)
        if np.any(~np.isfinite(arr)) or np.any(arr < 0) or np.any(arr != np.round(arr)):
            raise CrmlabInputError(f"{name} must hold whole numbers of periods ≥ 0")
        return arr

    def survival(self, t):
        """S(t) = B(α, β+t)/B(α, β): share of the cohort still active at the start of period t."""
        alpha, beta = self._params()
        arr = self._periods(t)
        return labelled(np.exp(special.betaln(alpha, beta + arr) - special.betaln(alpha, beta)),
                        index_of(t), "survival")

    def churn_probability(self, t):
        """P(T = t) = B(α+1, β+t−1)/B(α, β): share of the cohort lost in period t ≥ 1."""
        alpha, beta = self._params()
        arr = self._periods(t)
        if np.any(arr < 1):
            raise CrmlabInputError("t must be ≥ 1: customers are lost from period 1 on")
        return labelled(np.exp(special.betaln(alpha + 1, beta + arr - 1)
                               - special.betaln(alpha, beta)), index_of(t), "churn")

    def retention_rate(self, t):
        """r_t = S(t)/S(t−1) = (β+t−1)/(α+β+t−1): the retention curve, rising with t ≥ 1."""
        alpha, beta = self._params()
        arr = self._periods(t)
        if np.any(arr < 1):
            raise CrmlabInputError("t must be ≥ 1: the first renewal is at the end of period 1")
        return labelled((beta + arr - 1) / (alpha + beta + arr - 1), index_of(t), "retention")

    def expected_survivors(self, t, cohort_size: float | None = None):
        """Expected active customers at the start of period t: cohort size × S(t)."""
        size = self._cohort(cohort_size)
        value = size * np.asarray(self.survival(t))
        return labelled(value, index_of(t), "expected_survivors")

    def _cohort(self, cohort_size) -> float:
        size = cohort_size if cohort_size is not None else getattr(self, "cohort_size_", None)
        if size is None or not size > 0:
            raise CrmlabInputError("give cohort_size (the model was not fitted on a cohort)")
        return float(size)

    def discounted_expected_residual_lifetime(self, discount_rate: float, renewals=0):
        """DERL: expected discounted number of future payments of an active subscriber.

        For a subscriber who has renewed ``renewals`` = n−1 times and is about to decide on the
        n-th renewal (Fader & Hardie 2010):
        ``DERL = (β+n−1)/(α+β+n−1) · ₂F₁(1, β+n; α+β+n; 1/(1+d))``, counting the coming payment
        undiscounted and each later one discounted by 1/(1+d) per period.
        """
        alpha, beta = self._params()
        d = _rate(discount_rate)
        n = self._periods(renewals, "renewals") + 1
        value = (beta + n - 1) / (alpha + beta + n - 1) * _hyp2f1_one(beta + n, alpha + beta + n,
                                                                      1 / (1 + d))
        return labelled(value, index_of(renewals), "derl")

    derl = discounted_expected_residual_lifetime

    def clv(self, margin: float, discount_rate: float, renewals=0):
        """Expected discounted margin of an active subscriber's future renewals.

        Renewal payments arrive at the end of each period, as in
        :func:`crmlab.value.retention_clv`: ``margin · DERL / (1+d)``. With one retention rate
        r for everyone this is ``margin · r / (1+d−r)``; here the retention rate of a
        subscriber who has already renewed often is higher, so the value grows with
        ``renewals``.
        """
        if not np.all(np.isfinite(np.asarray(margin, dtype=float))):
            raise CrmlabInputError("margin must be a finite amount per period")
        d = _rate(discount_rate)
        derl = np.asarray(self.derl(d, renewals))
        return labelled(np.asarray(margin, dtype=float) * derl / (1 + d), index_of(renewals),
                        "clv")

    def simulate(self, cohort_size: int, periods: int, *, random_state=None) -> pd.Series:
        """Survivor counts at the start of periods 0…``periods`` for a simulated cohort."""
        alpha, beta = self._params()
        rng = np.random.default_rng(random_state)
        lifetime = rng.geometric(rng.beta(alpha, beta, int(cohort_size)))  # period of loss
        counts = [(lifetime > t).sum() for t in range(int(periods) + 1)]
        return pd.Series(counts, index=pd.RangeIndex(periods + 1, name="period"),
                         name="survivors")


def _hyp2f1_one(b, c, z: float) -> np.ndarray:
    """₂F₁(1, b; c; z) for 0 < b < c and 0 < z < 1; summed directly where scipy gives NaN.

    The terms ``Π_{j<k} (b+j)/(c+j) · z^k`` fall at least as fast as z^k, so summing until
    z^k < 1e-17 is exact to double precision (scipy fails for huge b and c).
    """
    b, c = np.broadcast_arrays(np.asarray(b, dtype=float), np.asarray(c, dtype=float))
    value = np.asarray(special.hyp2f1(1.0, b, c, z), dtype=float)
    bad = ~np.isfinite(value)
    if bad.any():
        value = value.copy()
        k = np.arange(int(np.ceil(-39 / np.log(z))) + 1)[:, None]
        log_terms = np.cumsum(np.log((b[bad] + k) / (c[bad] + k)) + np.log(z), axis=0)
        value[bad] = 1 + np.exp(log_terms).sum(axis=0)
    return value


def _rate(discount_rate: float) -> float:
    if not (np.isfinite(discount_rate) and discount_rate > 0):
        raise CrmlabInputError("discount_rate must be > 0 per period (0.1 = 10 %): without "
                               "discounting the residual lifetime can be infinite")
    return float(discount_rate)


class _SBGData:
    def __init__(self, counts: np.ndarray):
        self.lost = -np.diff(counts)
        self.t = np.arange(1, len(counts), dtype=float)
        self.active = counts[-1]
        self.total_weight = float(counts[0])

    def neg_ll(self, params: np.ndarray) -> float:
        alpha, beta = params
        log_b = special.betaln(alpha, beta)
        lost = np.dot(self.lost, special.betaln(alpha + 1, beta + self.t - 1) - log_b)
        kept = self.active * (special.betaln(alpha, beta + self.t[-1]) - log_b)
        return -float(lost + kept)
