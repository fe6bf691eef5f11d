"""The Gamma-Gamma spend model and customer lifetime value from a transaction model."""

from __future__ import annotations

import numpy as np
from scipy import special

from crmlab._checks import CrmlabInputError
from crmlab.btyd._base import (
    Model, RFMModel, column, from_summary, hessian, index_of, labelled, maximise,
    standard_errors, warn_degenerate, weights_of,
)

__all__ = ["GammaGammaModel", "customer_lifetime_value", "MIN_REPEAT_BUYERS"]

#: Gamma-Gamma fits on fewer repeat buyers than this warn that the estimates are unreliable.
MIN_REPEAT_BUYERS = 50


class GammaGammaModel(Model):
    """The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005; Fader & Hardie 2013).

    Each customer's transaction values are Gamma(p, ν) around their own mean p/ν; across customers
    ν is Gamma(q, γ). Fitted on customers with at least one repeat purchase, from their number of
    repeat transactions x and mean repeat-transaction value z̄. It assumes spend and purchase
    frequency are independent: check ``corr(frequency, monetary_value)`` is small first.

    Parameters
    ----------
    penalizer_coef, tol, max_iter
        As for :class:`BetaGeoModel`.

    Attributes
    ----------
    params_ : dict
        ``{"p": …, "q": …, "gamma": …}``.
    log_likelihood_ : float
    excluded_ : int
        Customers left out of the fit because they had no repeat purchase.

    Examples
    --------
    >>> from crmlab.datasets import load_dataset
    >>> s = load_dataset("cdnow_summary")
    >>> repeat = s[s["frequency"] > 0]
    >>> gg = GammaGammaModel().fit(repeat["frequency"], repeat["monetary_value"])
    >>> {k: round(v, 2) for k, v in gg.params_.items()}
    {'p': 6.25, 'q': 3.74, 'gamma': 15.45}
    >>> round(gg.expected_average_spend(2, 22.35), 2)
    24.66
    """

    _PARAM_NAMES = ("p", "q", "gamma")
    _MODEL = "Gamma-Gamma"

    def fit(self, frequency, monetary_value=None, weights=None) -> GammaGammaModel:
        """Estimate p, q, γ from repeat-purchase counts and mean repeat spend.

        Customers with ``frequency == 0`` carry no spend information and are left out (their
        number is in ``excluded_``). Mean spends must be > 0 for repeat buyers. ``frequency``
        may also be a summary DataFrame with columns ``frequency`` and ``monetary_value``.
        """
        frequency, monetary_value = from_summary(frequency, (monetary_value,),
                                                 ("frequency", "monetary_value"),
                                                 "GammaGammaModel.fit")
        self._check_penalizer()
        x, m = column(frequency, "frequency"), column(monetary_value, "monetary_value")
        if len(x) != len(m):
            raise CrmlabInputError("frequency and monetary_value must have the same length")
        w = weights_of(weights, len(x))
        if (x < 0).any() or (x != np.round(x)).any():
            raise CrmlabInputError("frequency must hold whole numbers ≥ 0")
        repeat = x > 0
        bad = repeat & (m <= 0)
        if bad.any():
            raise CrmlabInputError(
                f"monetary_value must be > 0 for customers with repeat purchases; positions "
                f"{np.flatnonzero(bad)[:5].tolist()} are ≤ 0 (remove zero-value or refund-only "
                "customers, or use net spend > 0)")
        keep = repeat & (w > 0)
        if keep.sum() < 2:
            raise CrmlabInputError(
                "the Gamma-Gamma model needs customers with at least one repeat purchase (and "
                f"more than one of them); found {int(keep.sum())}. Use a longer observation period.")
        data = _GGData(x[keep], m[keep], w[keep])
        init = np.array([1.0, 1.0, max(float(np.median(m[keep])), 1e-3)])
        fit = maximise(data, 3, self.penalizer_coef, self.tol, self.max_iter, self._MODEL,
                       init=init)
        se, singular = standard_errors(hessian(data, fit.params), self._MODEL)
        warn_degenerate(self._MODEL, float(w[keep].sum()), {}, self.penalizer_coef, singular,
                        minimum=MIN_REPEAT_BUYERS)
        self._store(fit.params, se, -data.neg_ll(fit.params), w[keep].sum(), fit.result)
        self.excluded_ = int((~repeat).sum())
        return self

    def log_likelihood(self, frequency, monetary_value) -> float:
        """Log-likelihood of repeat buyers' (x, z̄) under the fitted parameters."""
        x, m = column(frequency, "frequency"), column(monetary_value, "monetary_value")
        keep = x > 0
        return float(-_GGData(x[keep], m[keep], np.ones(keep.sum())).neg_ll_and_grad(
            np.array(self._params()))[0])

    def expected_average_spend(self, frequency, monetary_value) -> np.ndarray | float:
        """E[spend per transaction | x, z̄]: a weighted mean of the population mean and z̄.

        ``(p·(γ + x·z̄)) / (p·x + q − 1)``, i.e. weight ``p·x/(p·x+q−1)`` on the customer's own
        mean z̄ and the rest on the population mean ``p·γ/(q−1)``. A customer without repeat
        purchases gets the population mean.
        """
        p, q, gamma = self._params()
        index = index_of(frequency, monetary_value)
        x, m = np.broadcast_arrays(np.asarray(frequency, dtype=float),
                                   np.asarray(monetary_value, dtype=float))
        if np.any(~np.isfinite(x)) or np.any(x < 0) or np.any(~np.isfinite(m)):
            raise CrmlabInputError("frequency must be ≥ 0 and monetary_value finite")
        if np.any(m < 0):
            raise CrmlabInputError(
                "monetary_value must not be negative (a mean spend per transaction); net out "
                "refunds per customer first and leave out customers whose net spend is ≤ 0")
        if q <= 1:
            raise CrmlabInputError(
                f"the fitted q = {q:.3g} ≤ 1, so the population mean spend is infinite; the "
                "expected spend is undefined. Refit with penalizer_coef > 0 or more data.")
        m = np.where(x > 0, m, 0.0)
        return labelled(p * (gamma + x * m) / (p * x + q - 1), index, "expected_spend")

    def population_mean_spend(self) -> float:
        """Mean spend per transaction across all customers: p·γ/(q−1)."""
        p, q, gamma = self._params()
        return p * gamma / (q - 1) if q > 1 else float("inf")


class _GGData:
    def __init__(self, x: np.ndarray, m: np.ndarray, w: np.ndarray):
        self.x, self.w = x, w
        self.total_weight = float(w.sum())
        self.log_m, self.log_x, self.xm = np.log(m), np.log(x), x * m

    def neg_ll_and_grad(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        p, q, gamma = params
        x, w = self.x, self.w
        px = p * x
        log_denominator = np.log(gamma + self.xm)
        ll_i = (special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q)
                + q * np.log(gamma) + (px - 1) * self.log_m + px * self.log_x
                - (px + q) * log_denominator)
        dg_pxq = special.digamma(px + q)
        g_p = x * (dg_pxq - special.digamma(px) + self.log_m + self.log_x - log_denominator)
        g_q = dg_pxq - special.digamma(q) + np.log(gamma) - log_denominator
        g_gamma = q / gamma - (px + q) / (gamma + self.xm)
        grad = np.array([np.dot(w, g_p), np.dot(w, g_q), np.dot(w, g_gamma)])
        return -float(np.dot(w, ll_i)), -grad

    def neg_ll(self, params: np.ndarray) -> float:
        return self.neg_ll_and_grad(params)[0]


def customer_lifetime_value(
    transaction_model: RFMModel,
    spend_model: GammaGammaModel,
    frequency, recency, T, monetary_value,
    *,
    periods: int = 12,
    period_length: float = 52 / 12,
    discount_rate: float = 0.01,
    margin: float = 1.0,
) -> np.ndarray | float:
    """Customer lifetime value: the discounted sum of expected margin over the next periods.

    ``CLV = Σ_{k=1..periods} margin · E[spend] · (E[Y(k·L)] − E[Y((k−1)·L)]) / (1+d)^k``, where
    E[Y(t)] is the BG/NBD conditional expected number of purchases in the next t time units,
    L = ``period_length`` (in the models' time unit) and d = ``discount_rate`` per period.
    Purchases expected in period k are discounted as if they were made at the end of period k.

    Parameters
    ----------
    transaction_model, spend_model
        A fitted transaction model (:class:`BetaGeoModel`, :class:`ModifiedBetaGeoModel`,
        :class:`ParetoNBDModel`) and a fitted :class:`GammaGammaModel`.
    frequency, recency, T, monetary_value
        Each customer's summary (as from :func:`summary_data`).
    periods
        Number of periods to add up (default 12).
    period_length
        Length of one period in the time unit of the models (default 52/12: a month, when the
        model was fitted in weeks).
    discount_rate
        Discount rate per period (default 0.01 a month ≈ 12.7 % a year).
    margin
        Profit margin as a share of spend (default 1: CLV in revenue).

    Returns
    -------
    float or ndarray or Series
        The CLV of each customer (a float for one customer; a Series named ``clv`` keeping the
        customers' index when the summary is given as Series).

    Examples
    --------
    >>> from crmlab.datasets import load_dataset
    >>> s = load_dataset("cdnow_summary")
    >>> from crmlab.btyd import BetaGeoModel
    >>> bg = BetaGeoModel().fit(s)
    >>> rep = s[s["frequency"] > 0]
    >>> gg = GammaGammaModel().fit(rep["frequency"], rep["monetary_value"])
    >>> clv = customer_lifetime_value(bg, gg, 2, 30.43, 38.86, 22.35)
    >>> round(clv, 1)
    36.2
    """
    if int(periods) != periods or periods < 1:
        raise CrmlabInputError("periods must be a whole number ≥ 1")
    if not period_length > 0:
        raise CrmlabInputError("period_length must be > 0")
    if not discount_rate > -1:
        raise CrmlabInputError("discount_rate must be > -1 (it is a rate per period, 0.01 = 1 %)")
    index = index_of(frequency, recency, T, monetary_value)
    spend = np.asarray(spend_model.expected_average_spend(frequency, monetary_value))
    frequency, recency, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    value = np.zeros(np.broadcast(np.asarray(frequency), np.asarray(recency), np.asarray(T),
                                  spend).shape)
    previous = 0.0
    for k in range(1, int(periods) + 1):
        cumulative = np.asarray(transaction_model.conditional_expected_purchases(
            k * period_length, frequency, recency, T))
        value = value + margin * spend * (cumulative - previous) / (1 + discount_rate) ** k
        previous = cumulative
    return labelled(value, index, "clv")
