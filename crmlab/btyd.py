"""Buy-till-you-die models: BG/NBD for *how often* and Gamma-Gamma for *how much* customers buy.

In a non-contractual business (a shop, a web store) nobody tells the firm when they stop being a
customer: they simply stop buying. "Buy till you die" (BTYD) models infer from each customer's
purchase history three numbers — *frequency* (how many repeat purchases), *recency* (when the last
one was) and *T* (how long we have known the customer) — how likely the customer is still
"alive" (P(alive), 存活概率), how many purchases to expect in the future, and, with a spend model,
the customer's lifetime value (客户终身价值, CLV).

* :func:`summary_data` turns a transaction log into frequency / recency / T / monetary value per
  customer, optionally split into a calibration and a holdout period.
* :class:`BetaGeoModel` is the BG/NBD model of Fader, Hardie & Lee (2005): while alive a customer
  buys as a Poisson process with rate λ ~ Gamma(r, α); after each repeat purchase they drop out
  with probability p ~ Beta(a, b).
* :class:`GammaGammaModel` is the Gamma-Gamma spend model (Fader, Hardie & Lee 2005; Fader &
  Hardie 2013): a customer's transaction values vary around their own mean, and those means vary
  across customers.
* :func:`customer_lifetime_value` combines the two into a discounted sum of expected margin.
* :func:`simulate_customers` draws synthetic customers from a BG/NBD model (for teaching and
  benchmarks), and the ``*_table`` functions build the diagnostics the notebook plots.

Both models are fitted by maximum likelihood with :func:`scipy.optimize.minimize` (L-BFGS-B) on
log-parameters, with a vectorised log-likelihood and its analytic gradient.

Examples
--------
>>> from crmlab.datasets import load_dataset
>>> cdnow = load_dataset("cdnow_summary")
>>> bg = BetaGeoModel().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
>>> {k: round(v, 3) for k, v in bg.params_.items()}
{'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from scipy import optimize, special
from sklearn.base import BaseEstimator

from crmlab._checks import (
    CrmlabInputError, ExclusionReport, checked_transactions, require_columns, require_not_empty,
    to_numeric,
)
from crmlab.customers import _summary as _core_summary

__all__ = [
    "summary_data", "BetaGeoModel", "GammaGammaModel", "customer_lifetime_value",
    "simulate_customers", "repeat_purchase_table", "calibration_holdout_table",
    "probability_alive_matrix", "BTYDConvergenceWarning", "TIME_UNITS",
]

#: Length of one time unit in days, for the ``freq`` argument of :func:`summary_data`.
#: "M" is an average month (365.25 / 12 days), so that 12 months make a year.
TIME_UNITS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}


class BTYDConvergenceWarning(UserWarning):
    """The likelihood maximisation stopped without converging; the parameters may be unreliable."""


# --------------------------------------------------------------------------------------------
# Summary data
# --------------------------------------------------------------------------------------------

def summary_data(
    transactions: pd.DataFrame,
    customer: str = "customer_id",
    date: str = "date",
    amount: str | None = "amount",
    observation_end: str | pd.Timestamp | None = None,
    freq: str = "W",
    calibration_end: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Frequency, recency, T and monetary value per customer, the input of the BTYD models.

    A customer's first purchase starts their clock; every later *day* with a purchase is one
    repeat transaction (several purchases on one day count as one, their amounts added up, as in
    the CDNOW papers). Times are measured in units of ``freq`` and are fractional
    (10 days = 1.4286 weeks).

    * ``frequency`` — number of repeat transactions (days with a purchase after the first day);
    * ``recency`` — time from the first purchase to the last repeat purchase (0 if none);
    * ``T`` — time from the first purchase to the end of the (calibration) period;
    * ``monetary_value`` — mean value of the *repeat* transactions (0 if none), the input of the
      Gamma-Gamma model (the first purchase is left out, as in Fader, Hardie & Lee 2005).

    With ``calibration_end`` the history is split: the columns above get the suffix ``_cal`` and
    are computed on purchases up to and including ``calibration_end``; ``frequency_holdout`` and
    ``monetary_value_holdout`` count the transactions after it up to ``observation_end``, and
    ``duration_holdout`` is the holdout length. Customers whose first purchase is after
    ``calibration_end`` are left out (reported in ``result.attrs["excluded"]``).

    Parameters
    ----------
    transactions
        One row per purchase.
    customer, date, amount
        Column names. ``amount=None`` leaves out the monetary columns.
    observation_end
        Last day observed (inclusive); default: the last date in the data.
    freq
        Time unit: ``"D"`` days, ``"W"`` weeks (7 days), ``"M"`` average months (30.44 days).
    calibration_end
        Optional last day of the calibration period.

    Returns
    -------
    DataFrame indexed by customer. Rows excluded (missing customer id or date, purchases after
    ``observation_end``, customers first seen after ``calibration_end``) are described by the
    :class:`~crmlab._checks.ExclusionReport` in ``result.attrs["excluded"]``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 1, 1, 2],
    ...                    "date": ["2024-01-01", "2024-01-08", "2024-01-08", "2024-01-22",
    ...                             "2024-01-15"],
    ...                    "amount": [10, 5, 7, 20, 8]})
    >>> summary_data(tx, observation_end="2024-01-29").reset_index()
       customer_id  frequency  recency    T  monetary_value
    0            1          2      3.0  4.0            16.0
    1            2          0      0.0  2.0             0.0
    """
    if freq not in TIME_UNITS:
        raise CrmlabInputError(
            f"freq must be one of {', '.join(map(repr, TIME_UNITS))} (days, weeks, months); "
            f"got {freq!r}"
        )
    tx, report = checked_transactions(transactions, customer=customer, date=date, amount=amount)
    tx["day"] = tx["date"].dt.normalize()

    end = _as_day(observation_end, "observation_end") if observation_end is not None \
        else tx["day"].max()
    late = tx.index[tx["day"] > end]
    report.add(f"dated after observation_end {end.date()}", late)
    tx = tx.drop(late)
    if tx.empty:
        raise CrmlabInputError(f"no usable transactions remain: {report}")

    unit = pd.Timedelta(days=TIME_UNITS[freq])
    if calibration_end is None:
        out = _summarise(tx, end, unit, amount is not None, report)
    else:
        cal_end = _as_day(calibration_end, "calibration_end")
        if cal_end >= end:
            raise CrmlabInputError(
                f"calibration_end ({cal_end.date()}) must be before observation_end "
                f"({end.date()}): the holdout period would be empty"
            )
        first = tx.groupby("customer")["day"].transform("min")
        new_later = tx.index[first > cal_end]
        report.add(f"of customers whose first purchase is after calibration_end {cal_end.date()}",
                   new_later)
        tx = tx.drop(new_later)
        if tx.empty:
            raise CrmlabInputError(f"no customer made a purchase by calibration_end: {report}")
        in_cal = tx["day"] <= cal_end
        out = _summarise(tx[in_cal], cal_end, unit, amount is not None, report).add_suffix("_cal")
        holdout = _daily(tx[~in_cal], amount is not None)
        counts = holdout.groupby("customer").size()
        out["frequency_holdout"] = counts.reindex(out.index, fill_value=0).astype("int64")
        if amount is not None:
            means = holdout.groupby("customer")["amount"].mean()
            out["monetary_value_holdout"] = means.reindex(out.index, fill_value=0.0)
        out["duration_holdout"] = (end - cal_end) / unit
    out.index.name = customer
    out.attrs["excluded"] = report
    return out


def _as_day(value: str | pd.Timestamp, name: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(value).normalize()
    except (ValueError, TypeError) as exc:
        raise CrmlabInputError(f"{name} must be a date such as '1997-09-30', got {value!r}") from exc


def _daily(tx: pd.DataFrame, with_amount: bool) -> pd.DataFrame:
    """One row per customer and day (several purchases on one day are one transaction)."""
    grouped = tx.groupby(["customer", "day"], sort=True)
    daily = grouped["amount"].sum().reset_index() if with_amount else grouped.size().reset_index()
    return daily


def _summarise(tx: pd.DataFrame, end: pd.Timestamp, unit: pd.Timedelta,
               with_amount: bool, report: ExclusionReport) -> pd.DataFrame:
    """BTYD's frequency / recency / T / monetary value from the customer summary of
    :mod:`crmlab.customers` with calendar days as occasions and ``end`` the last day observed:
    frequency = purchase days − 1, recency = last − first purchase, T = end − first purchase,
    monetary value = mean net spend of the repeat purchase days. A day with a net of 0 counts
    as a purchase (the published CDNOW summaries count its $0 records); customers who only
    returned goods have no purchase and are reported in ``report``."""
    work = tx if with_amount else tx.assign(amount=1.0)
    summary, core_report = _core_summary(
        work, customer="customer", date="day", amount="amount", occasion=None,
        as_of=end + pd.Timedelta(days=1), keep_rows=True, spends=True, free_purchases=True)
    for reason in core_report.reasons:
        report.add(reason, core_report.rows(reason))
    first = summary["first_purchase"].to_numpy()
    out = pd.DataFrame(index=pd.Index(summary["customer"].to_numpy()))
    out["frequency"] = (summary["frequency"] - 1).to_numpy()
    out["recency"] = (summary["last_purchase"].to_numpy() - first) / unit
    out["T"] = (end.to_datetime64() - first) / unit
    if with_amount:
        repeats = out["frequency"].to_numpy()
        repeat_spend = (summary["purchase_spend"] - summary["first_spend"]).to_numpy()
        out["monetary_value"] = np.where(repeats > 0, repeat_spend / np.maximum(repeats, 1), 0.0)
    return out


# --------------------------------------------------------------------------------------------
# Shared fitting machinery
# --------------------------------------------------------------------------------------------

def _column(values, name: str) -> np.ndarray:
    """A 1-D float array from a Series/array/list; NaN or infinite values raise."""
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values).ravel())
    arr = to_numeric(series, column=name, what="the customer summary").to_numpy(dtype=float)
    bad = ~np.isfinite(arr)
    if bad.any():
        rows = series.index[bad][:5].tolist()
        raise CrmlabInputError(f"{name} has missing or infinite values (rows {rows}); remove or "
                               "fill them before fitting")
    return arr


def _check_rfm(frequency, recency, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, t_x, big_t = _column(frequency, "frequency"), _column(recency, "recency"), _column(T, "T")
    if not (len(x) == len(t_x) == len(big_t)):
        raise CrmlabInputError(f"frequency, recency and T must have the same length; got "
                               f"{len(x)}, {len(t_x)} and {len(big_t)}")
    if len(x) == 0:
        raise CrmlabInputError("the customer summary is empty: there is nothing to fit")
    problems = {
        "frequency must be a whole number ≥ 0": (x < 0) | (x != np.round(x)),
        "recency must be ≥ 0": t_x < 0,
        "T must be ≥ 0": big_t < 0,
        "recency must not exceed T": t_x > big_t * (1 + 1e-9) + 1e-12,
        "recency must be 0 when frequency is 0": (x == 0) & (t_x > 0),
    }
    for message, mask in problems.items():
        if mask.any():
            rows = np.flatnonzero(mask)
            shown = ", ".join(map(str, rows[:5])) + (f" and {len(rows) - 5} more" if len(rows) > 5
                                                     else "")
            raise CrmlabInputError(f"{message}; positions {shown} break this rule (check how "
                                   "the summary was built, e.g. with summary_data)")
    return x, t_x, big_t


def _weights(weights, n: int) -> np.ndarray:
    if weights is None:
        return np.ones(n)
    w = _column(weights, "weights")
    if len(w) != n or (w < 0).any():
        raise CrmlabInputError("weights must be one non-negative number per customer")
    return w


@cache
def _blas_controller():
    """The process's BLAS libraries, found once (scanning them takes ~20 ms)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@dataclass
class _Fit:
    params: np.ndarray
    result: optimize.OptimizeResult


def _maximise(neg_ll_and_grad, n_params: int, penalizer: float, total_weight: float,
              tol: float, max_iter: int, model: str, init: np.ndarray | None = None) -> _Fit:
    """Minimise mean negative log-likelihood + penalizer·Σθ² over log-parameters θ."""

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        value, grad = neg_ll_and_grad(params)
        value = value / total_weight + penalizer * np.sum(params ** 2)
        grad = grad * params / total_weight + 2 * penalizer * params ** 2
        return value, grad

    start = np.zeros(n_params) if init is None else np.log(init)
    # One BLAS thread: the optimiser's tiny matrix work is ~10× slower when OpenBLAS threads
    # contend for a busy machine, and the likelihood itself is element-wise numpy.
    with _blas_controller().limit(limits=1, user_api="blas"), \
            np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        result = optimize.minimize(objective, start, jac=True, method="L-BFGS-B",
                                   options={"maxiter": max_iter, "ftol": tol, "gtol": 1e-9})
    if not np.all(np.isfinite(result.x)) or not np.isfinite(result.fun):
        raise CrmlabInputError(
            f"the {model} fit failed: the parameters ran off to infinity, so the likelihood has "
            "no maximum for this data (e.g. every customer spends the same, or too few "
            "customers). Try penalizer_coef=0.001, or use more customers / a longer period."
        )
    if not result.success:
        warnings.warn(
            f"the {model} fit did not converge ({result.message}); its parameters may be "
            "unreliable. Try a larger max_iter, penalizer_coef=0.001, or check that the data "
            "has enough repeat buyers.", BTYDConvergenceWarning, stacklevel=3)
    return _Fit(np.exp(result.x), result)


# --------------------------------------------------------------------------------------------
# BG/NBD
# --------------------------------------------------------------------------------------------

class BetaGeoModel(BaseEstimator):
    """The BG/NBD model (Fader, Hardie & Lee 2005) of repeat purchasing, 购买频次与流失模型.

    While "alive", a customer buys at a steady random rate λ (a Poisson process); rates differ
    between customers following a Gamma(r, α) distribution. After every repeat purchase the
    customer may "die" (leave for good) with probability p; p differs between customers following
    a Beta(a, b) distribution. Nobody observes dying: the model infers it from a long silence.

    Parameters
    ----------
    penalizer_coef
        L2 penalty on the parameters, added to the *mean* negative log-likelihood
        (``penalizer_coef · (r² + α² + a² + b²)``, the convention of the ``lifetimes`` package).
        0 (the default) is plain maximum likelihood; a small value such as 0.001 stabilises fits
        on small or odd data sets.
    tol
        Relative tolerance on the objective for L-BFGS-B (``ftol``).
    max_iter
        Maximum number of L-BFGS-B iterations.

    Attributes
    ----------
    params_ : dict
        ``{"r": …, "alpha": …, "a": …, "b": …}``.
    log_likelihood_ : float
        Log-likelihood of the fitted data at ``params_`` (without the penalty).
    n_customers_ : int
        Number of customers (sum of weights) used.
    optimizer_result_ : scipy.optimize.OptimizeResult

    Examples
    --------
    >>> sim = simulate_customers(2000, r=0.5, alpha=5.0, a=0.8, b=2.5, T=40, random_state=1)
    >>> model = BetaGeoModel().fit(sim["frequency"], sim["recency"], sim["T"])
    >>> sorted(model.params_)
    ['a', 'alpha', 'b', 'r']
    >>> 0 <= float(model.probability_alive(2, 30.0, 40.0)) <= 1
    True
    """

    _PARAM_NAMES = ("r", "alpha", "a", "b")

    def __init__(self, penalizer_coef: float = 0.0, tol: float = 1e-12, max_iter: int = 1000):
        self.penalizer_coef = penalizer_coef
        self.tol = tol
        self.max_iter = max_iter

    # ---- fitting --------------------------------------------------------------------------
    def fit(self, frequency, recency, T, weights=None) -> BetaGeoModel:
        """Estimate r, α, a, b by maximum likelihood from one row per customer.

        Parameters
        ----------
        frequency, recency, T
            Repeat purchases x, time of the last repeat purchase t_x and age T (same time unit),
            e.g. the columns of :func:`summary_data`.
        weights
            Optional number of customers each row stands for (to fit on a compressed table).
        """
        if self.penalizer_coef < 0:
            raise CrmlabInputError("penalizer_coef must be ≥ 0")
        x, t_x, big_t = _check_rfm(frequency, recency, T)
        w = _weights(weights, len(x))
        if not np.any((x > 0) & (w > 0)):
            raise CrmlabInputError(
                "no customer has a repeat purchase (every frequency is 0), so the model cannot "
                "learn how often customers buy or drop out. Use a longer observation period, or "
                "check that summary_data counted repeat purchases (several purchases on one day "
                "count as one)."
            )
        data = _BGData(x, t_x, big_t, w)
        fit = _maximise(data.neg_ll_and_grad, 4, self.penalizer_coef, w.sum(), self.tol,
                        self.max_iter, "BG/NBD")
        self.params_ = dict(zip(self._PARAM_NAMES, map(float, fit.params)))
        self.log_likelihood_ = float(-data.neg_ll_and_grad(fit.params)[0])
        self.n_customers_ = float(w.sum())
        self.optimizer_result_ = fit.result
        self._data = data
        return self

    @property
    def summary_(self) -> pd.DataFrame:
        """Estimates with standard errors and 95 % Wald intervals (from the observed information).

        The standard errors come from the inverse Hessian of the negative log-likelihood at the
        estimates (central differences of the analytic gradient). They ignore any penalty.
        """
        return _summary(self, self._PARAM_NAMES)

    def _params(self) -> tuple[float, float, float, float]:
        if not hasattr(self, "params_"):
            raise CrmlabInputError("this BetaGeoModel is not fitted yet: call fit(...) first")
        return tuple(self.params_[k] for k in self._PARAM_NAMES)  # type: ignore[return-value]

    def log_likelihood(self, frequency, recency, T, weights=None) -> float:
        """Log-likelihood of a customer summary under the fitted parameters."""
        x, t_x, big_t = _check_rfm(frequency, recency, T)
        data = _BGData(x, t_x, big_t, _weights(weights, len(x)))
        return float(-data.neg_ll_and_grad(np.array(self._params()))[0])

    # ---- predictions ----------------------------------------------------------------------
    def expected_purchases(self, t) -> np.ndarray | float:
        """Expected number of repeat purchases by a *new* customer in (0, t]: E[X(t)].

        ``(a+b-1)/(a-1) · [1 − (α/(α+t))^r · ₂F₁(r, b; a+b−1; t/(α+t))]`` (Fader et al. 2005,
        eq. 9).
        """
        r, alpha, a, b = self._params()
        t = np.asarray(t, dtype=float)
        _check_times(t, "t")

        def formula(a: float) -> np.ndarray:
            z = t / (alpha + t)
            return (a + b - 1) / (a - 1) * (
                1 - (alpha / (alpha + t)) ** r * special.hyp2f1(r, b, a + b - 1, z))

        return _scalar_or_array(_around_one(formula, a))

    def probability_alive(self, frequency, recency, T) -> np.ndarray | float:
        """P(alive): probability that a customer with this history has not dropped out.

        ``1 / (1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))`` — a customer who has never
        made a repeat purchase cannot have dropped out yet (the BG/NBD assumption), so their
        P(alive) is 1.
        """
        r, alpha, a, b = self._params()
        x, t_x, big_t = _broadcast_rfm(frequency, recency, T)
        ratio = _alive_odds(x, t_x, big_t, r, alpha, a, b)
        return _scalar_or_array(1.0 / (1.0 + ratio))

    def conditional_expected_purchases(self, t, frequency, recency, T) -> np.ndarray | float:
        """Expected repeat purchases in the next ``t`` time units for customers with this history.

        Fader et al. (2005), eq. 10: E[Y(t) | x, t_x, T].
        """
        r, alpha, a, b = self._params()
        t = np.asarray(t, dtype=float)
        _check_times(t, "t")
        x, t_x, big_t = _broadcast_rfm(frequency, recency, T)

        def formula(a: float) -> np.ndarray:
            z = t / (alpha + big_t + t)
            head = (a + b + x - 1) / (a - 1)
            tail = 1 - ((alpha + big_t) / (alpha + big_t + t)) ** (r + x) * special.hyp2f1(
                r + x, b + x, a + b + x - 1, z)
            return head * tail / (1 + _alive_odds(x, t_x, big_t, r, alpha, a, b))

        return _scalar_or_array(_around_one(formula, a))

    def probability_of_purchases(self, n, t) -> np.ndarray | float:
        """P(X(t) = n): probability that a new customer makes exactly n repeat purchases in t.

        Fader et al. (2005), eq. 8. Used for the fitted-vs-actual histogram.
        """
        r, alpha, a, b = self._params()
        n, t = np.broadcast_arrays(np.asarray(n, dtype=float), np.asarray(t, dtype=float))
        _check_times(t, "t")
        log_b_ab = special.betaln(a, b)
        log_nb = (special.gammaln(r + n) - special.gammaln(r) - special.gammaln(n + 1)
                  + r * np.log(alpha / (alpha + t)) + n * _safe_log(t / (alpha + t)))
        first = np.exp(special.betaln(a, b + n) - log_b_ab + log_nb)
        # P(NBD count ≤ n−1) = regularised incomplete beta: I_{α/(α+t)}(r, n).
        below = np.where(n > 0, special.betainc(r, np.maximum(n, 1), alpha / (alpha + t)), 0.0)
        safe_n = np.maximum(n, 1)
        second = np.where(
            n > 0, np.exp(special.betaln(a + 1, b + safe_n - 1) - log_b_ab) * (1 - below), 0.0)
        return _scalar_or_array(first + second)


def _summary(model, names: tuple[str, ...]) -> pd.DataFrame:
    if not hasattr(model, "_data"):
        raise CrmlabInputError(f"this {type(model).__name__} is not fitted yet: call fit(...) first")
    theta = np.array([model.params_[k] for k in names])
    steps = 1e-5 * np.maximum(np.abs(theta), 1e-3)
    hessian = np.empty((len(theta), len(theta)))
    for j, h in enumerate(steps):
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        hessian[:, j] = (model._data.neg_ll_and_grad(up)[1]
                         - model._data.neg_ll_and_grad(down)[1]) / (2 * h)
    hessian = (hessian + hessian.T) / 2
    try:
        se = np.sqrt(np.diag(np.linalg.inv(hessian)))
    except np.linalg.LinAlgError:
        se = np.full(len(theta), np.nan)
    return pd.DataFrame({"coef": theta, "se": se, "lower_95": theta - 1.96 * se,
                         "upper_95": theta + 1.96 * se}, index=pd.Index(names, name="parameter"))


def _around_one(formula, a: float, step: float = 1e-5):
    """Evaluate ``formula(a)``; at a = 1 (a removable 0/0 in eqs. 9–10) average a ± step."""
    if abs(a - 1) < step:
        return 0.5 * (formula(1 - step) + formula(1 + step))
    return formula(a)


def _safe_log(values: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.where(values > 0, np.log(np.where(values > 0, values, 1.0)), -np.inf)


def _check_times(t: np.ndarray, name: str) -> None:
    if np.any(~np.isfinite(t)) or np.any(t < 0):
        raise CrmlabInputError(f"{name} must be finite and ≥ 0 (a length of time)")


def _scalar_or_array(value):
    value = np.asarray(value, dtype=float)
    return float(value) if value.ndim == 0 else value


def _broadcast_rfm(frequency, recency, T):
    x, t_x, big_t = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in
                                          (frequency, recency, T)))
    if np.any(~np.isfinite(x)) or np.any(~np.isfinite(t_x)) or np.any(~np.isfinite(big_t)):
        raise CrmlabInputError("frequency, recency and T must not contain missing values")
    if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > big_t * (1 + 1e-9) + 1e-12):
        raise CrmlabInputError("need frequency ≥ 0 and 0 ≤ recency ≤ T for every customer")
    return x, t_x, big_t


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


# --------------------------------------------------------------------------------------------
# Gamma-Gamma
# --------------------------------------------------------------------------------------------

class GammaGammaModel(BaseEstimator):
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

    def __init__(self, penalizer_coef: float = 0.0, tol: float = 1e-12, max_iter: int = 1000):
        self.penalizer_coef = penalizer_coef
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, frequency, monetary_value, weights=None) -> GammaGammaModel:
        """Estimate p, q, γ from repeat-purchase counts and mean repeat spend.

        Customers with ``frequency == 0`` carry no spend information and are left out (their
        number is in ``excluded_``). Mean spends must be > 0 for repeat buyers.
        """
        if self.penalizer_coef < 0:
            raise CrmlabInputError("penalizer_coef must be ≥ 0")
        x, m = _column(frequency, "frequency"), _column(monetary_value, "monetary_value")
        if len(x) != len(m):
            raise CrmlabInputError("frequency and monetary_value must have the same length")
        w = _weights(weights, len(x))
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
        fit = _maximise(data.neg_ll_and_grad, 3, self.penalizer_coef, w[keep].sum(), self.tol,
                        self.max_iter, "Gamma-Gamma", init=init)
        self.params_ = dict(zip(self._PARAM_NAMES, map(float, fit.params)))
        self.log_likelihood_ = float(-data.neg_ll_and_grad(fit.params)[0])
        self.excluded_ = int((~repeat).sum())
        self.optimizer_result_ = fit.result
        self._data = data
        return self

    @property
    def summary_(self) -> pd.DataFrame:
        """Estimates with standard errors and 95 % Wald intervals (see :attr:`BetaGeoModel.summary_`)."""
        return _summary(self, self._PARAM_NAMES)

    def _params(self) -> tuple[float, float, float]:
        if not hasattr(self, "params_"):
            raise CrmlabInputError("this GammaGammaModel is not fitted yet: call fit(...) first")
        return tuple(self.params_[k] for k in self._PARAM_NAMES)  # type: ignore[return-value]

    def log_likelihood(self, frequency, monetary_value) -> float:
        """Log-likelihood of repeat buyers' (x, z̄) under the fitted parameters."""
        x, m = _column(frequency, "frequency"), _column(monetary_value, "monetary_value")
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
        x, m = np.broadcast_arrays(np.asarray(frequency, dtype=float),
                                   np.asarray(monetary_value, dtype=float))
        if np.any(~np.isfinite(x)) or np.any(x < 0) or np.any(~np.isfinite(m)):
            raise CrmlabInputError("frequency must be ≥ 0 and monetary_value finite")
        if q <= 1:
            raise CrmlabInputError(
                f"the fitted q = {q:.3g} ≤ 1, so the population mean spend is infinite; the "
                "expected spend is undefined. Refit with penalizer_coef > 0 or more data.")
        m = np.where(x > 0, m, 0.0)
        return _scalar_or_array(p * (gamma + x * m) / (p * x + q - 1))

    def population_mean_spend(self) -> float:
        """Mean spend per transaction across all customers: p·γ/(q−1)."""
        p, q, gamma = self._params()
        return p * gamma / (q - 1) if q > 1 else float("inf")


class _GGData:
    def __init__(self, x: np.ndarray, m: np.ndarray, w: np.ndarray):
        self.x, self.w = x, w
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


# --------------------------------------------------------------------------------------------
# CLV, simulation, diagnostics
# --------------------------------------------------------------------------------------------

def customer_lifetime_value(
    transaction_model: BetaGeoModel,
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
        Fitted :class:`BetaGeoModel` and :class:`GammaGammaModel`.
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

    Examples
    --------
    >>> from crmlab.datasets import load_dataset
    >>> s = load_dataset("cdnow_summary")
    >>> bg = BetaGeoModel().fit(s["frequency"], s["recency"], s["T"])
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
    spend = np.asarray(spend_model.expected_average_spend(frequency, monetary_value))
    value = np.zeros(np.broadcast(np.asarray(frequency), np.asarray(recency), np.asarray(T),
                                  spend).shape)
    previous = 0.0
    for k in range(1, int(periods) + 1):
        cumulative = np.asarray(transaction_model.conditional_expected_purchases(
            k * period_length, frequency, recency, T))
        value = value + margin * spend * (cumulative - previous) / (1 + discount_rate) ** k
        previous = cumulative
    return _scalar_or_array(value)


def simulate_customers(
    n: int, r: float, alpha: float, a: float, b: float, T=52.0, *,
    holdout: float | None = None, random_state=None,
) -> pd.DataFrame:
    """Draw ``n`` synthetic customers from a BG/NBD model: one summary row each.

    Each customer gets a rate λ ~ Gamma(r, scale 1/α) and a drop-out probability p ~ Beta(a, b);
    after each repeat purchase they leave with probability p. ``T`` (a number, or one per
    customer) is how long each has been observed. With ``holdout`` the same customers are
    followed for another ``holdout`` time units, giving ``frequency_holdout``.

    Exact and vectorised: the number of repeat purchases made before dropping out is geometric,
    the number of Poisson purchases in (0, T] is Poisson(λT), and given n purchases in (0, T]
    the time of the k-th is T times a Beta(k, n−k+1) variable.

    Examples
    --------
    >>> sim = simulate_customers(5, r=0.25, alpha=4.4, a=0.8, b=2.4, T=39, random_state=0)
    >>> list(sim.columns)
    ['frequency', 'recency', 'T', 'alive']
    """
    for name, value in {"r": r, "alpha": alpha, "a": a, "b": b}.items():
        if not value > 0:
            raise CrmlabInputError(f"{name} must be > 0, got {value}")
    rng = np.random.default_rng(random_state)
    big_t = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    _check_times(big_t, "T")
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    lives = rng.geometric(np.clip(p, 1e-300, 1.0))  # repeat purchases until (and incl.) drop-out
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


def repeat_purchase_table(model: BetaGeoModel, frequency, T, max_frequency: int = 7) -> pd.DataFrame:
    """Actual vs model-predicted number of customers by repeat purchases in the calibration period.

    The model count for n repeat purchases is Σ_i P(X(T_i) = n) over customers (each with their
    own T); the last row, ``max_frequency``, collects ``max_frequency`` or more ("7+").

    Returns
    -------
    DataFrame with columns ``frequency`` (0 … max_frequency), ``label``, ``actual``, ``model``.
    """
    x = _column(frequency, "frequency")
    big_t = _column(T, "T")
    if int(max_frequency) != max_frequency or max_frequency < 1:
        raise CrmlabInputError("max_frequency must be a whole number ≥ 1")
    levels = np.arange(max_frequency + 1)
    actual = np.array([(x == n).sum() for n in levels[:-1]] + [(x >= max_frequency).sum()])
    probs = model.probability_of_purchases(levels[:-1, None], big_t[None, :]).sum(axis=1)
    model_counts = np.append(probs, len(x) - probs.sum())
    labels = [str(n) for n in levels[:-1]] + [f"{max_frequency}+"]
    return pd.DataFrame({"frequency": levels, "label": labels, "actual": actual.astype("int64"),
                         "model": model_counts})


def calibration_holdout_table(model: BetaGeoModel, summary: pd.DataFrame,
                              max_frequency: int = 7) -> pd.DataFrame:
    """Mean holdout purchases by calibration frequency: actual vs model (conditional expectation).

    ``summary`` is the output of :func:`summary_data` with ``calibration_end`` (columns
    ``frequency_cal``, ``recency_cal``, ``T_cal``, ``frequency_holdout``, ``duration_holdout``).
    Customers with ``max_frequency`` or more calibration purchases are grouped together.
    """
    need = ["frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout"]
    require_columns(summary, need, what="the calibration/holdout summary")
    require_not_empty(summary, what="the calibration/holdout summary")
    predicted = model.conditional_expected_purchases(
        summary["duration_holdout"].to_numpy(float), summary["frequency_cal"].to_numpy(float),
        summary["recency_cal"].to_numpy(float), summary["T_cal"].to_numpy(float))
    group = np.minimum(summary["frequency_cal"].to_numpy(), max_frequency)
    frame = pd.DataFrame({"frequency_cal": group, "actual": summary["frequency_holdout"].to_numpy(),
                          "model": predicted})
    out = frame.groupby("frequency_cal").agg(customers=("actual", "size"), actual=("actual", "mean"),
                                             model=("model", "mean")).reset_index()
    out["label"] = out["frequency_cal"].astype(str).where(out["frequency_cal"] < max_frequency,
                                                          f"{max_frequency}+")
    return out[["frequency_cal", "label", "customers", "actual", "model"]]


def probability_alive_matrix(model: BetaGeoModel, T: float, max_frequency: int = 20,
                             recency_step: float = 1.0) -> pd.DataFrame:
    """P(alive) on a grid of frequency (rows) × recency (columns) for customers of age ``T``.

    The classic picture: a customer who bought often but not recently is probably gone, while one
    who bought rarely and not recently may simply be a slow buyer. Frequency 0 has recency 0 only
    (P(alive) = 1); other cells with recency > T are not possible and are NaN.
    """
    if not T > 0:
        raise CrmlabInputError("T must be > 0")
    recencies = np.arange(0.0, T + 1e-9, recency_step)
    freqs = np.arange(0, int(max_frequency) + 1)
    grid_x, grid_t = np.meshgrid(freqs, recencies, indexing="ij")
    values = np.asarray(model.probability_alive(grid_x, grid_t, T), dtype=float)
    values[(grid_x == 0) & (grid_t > 0)] = np.nan
    frame = pd.DataFrame(values, index=pd.Index(freqs, name="frequency"),
                         columns=pd.Index(np.round(recencies, 6), name="recency"))
    return frame

