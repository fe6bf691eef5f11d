"""What every customer-base model shares: input checks, the fit, standard errors, warnings, JSON.

The contract (one for all models in :mod:`crmlab.btyd`):

* ``fit(summary)`` with a DataFrame holding the model's columns (e.g. ``frequency``, ``recency``,
  ``T``; the ``_cal`` columns of a calibration/holdout summary also work), or
  ``fit(frequency, recency, T)`` with one array each; ``weights`` counts customers per row;
* after ``fit``: ``params_`` (dict), ``summary_`` (estimates, standard errors from the inverse
  Hessian of the log-likelihood, 95 % Wald intervals), ``log_likelihood_`` on the papers' scale
  (the sum over customers, time in the data's unit, no penalty), ``n_customers_``,
  ``converged_``; all computed during ``fit``, nothing lazily, and no training data is kept;
* predictions keep the customers' index: given pandas, they return a Series (or a DataFrame);
* calling a prediction before ``fit`` raises :class:`NotFittedError`;
* ``save(path)`` / :func:`load_model` write and read plain JSON (never pickle).

``scikit-learn`` is not imported: the models provide ``get_params`` / ``set_params`` themselves,
so ``sklearn.base.clone`` works on them without making ``import crmlab.btyd`` pay for sklearn.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import optimize

from crmlab._checks import CrmlabInputError, to_numeric

#: Fits on fewer customers (sum of weights) than this warn that the estimates are unreliable.
MIN_CUSTOMERS = 100
#: A fitted parameter (time parameters measured with the longest T as unit) outside
#: [1/BOUNDARY, BOUNDARY] is treated as a boundary solution and warned about.
BOUNDARY = 1e4


class NotFittedError(CrmlabInputError, AttributeError):
    """A model was asked for predictions before ``fit`` (or ``load_model``).

    Examples
    --------
    >>> from crmlab.btyd import BetaGeoModel
    >>> try:
    ...     BetaGeoModel().probability_alive(1, 5.0, 10.0)
    ... except NotFittedError as err:
    ...     print(err)
    this BetaGeoModel is not fitted yet: call fit(...) first (or load a saved model with load_model)
    """


class BTYDConvergenceWarning(UserWarning):
    """The likelihood maximisation stopped without converging; the parameters may be unreliable.

    Examples
    --------
    >>> import warnings
    >>> from crmlab.btyd import BetaGeoModel, simulate_customers
    >>> sim = simulate_customers(2000, r=0.5, alpha=5.0, a=0.8, b=2.5, T=40, random_state=1)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = BetaGeoModel(max_iter=2).fit(sim)   # far too few iterations
    >>> BTYDConvergenceWarning in {w.category for w in caught}
    True
    """


class BTYDDegenerateFitWarning(UserWarning):
    """The fit is degenerate: too few customers, a boundary solution or a singular Hessian.

    Examples
    --------
    >>> import warnings
    >>> from crmlab.btyd import BetaGeoModel, simulate_customers
    >>> sim = simulate_customers(30, r=0.5, alpha=5.0, a=0.8, b=2.5, T=40, random_state=1)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = BetaGeoModel().fit(sim)   # 30 customers: fewer than MIN_CUSTOMERS
    >>> BTYDDegenerateFitWarning in {w.category for w in caught}
    True
    """


# ---- inputs ---------------------------------------------------------------------------------

def column(values, name: str) -> np.ndarray:
    """A 1-D float array from a Series/array/list; NaN or infinite values raise."""
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values).ravel())
    arr = to_numeric(series, column=name, what="the customer summary").to_numpy(dtype=float)
    bad = ~np.isfinite(arr)
    if bad.any():
        rows = series.index[bad][:5].tolist()
        raise CrmlabInputError(f"{name} has missing or infinite values (rows {rows}); remove or "
                               "fill them before fitting")
    return arr


def from_summary(first, rest: tuple, names: tuple[str, ...], what: str) -> tuple:
    """``(first, *rest)`` as given, or the columns ``names`` of a summary DataFrame ``first``."""
    if isinstance(first, pd.DataFrame) and all(v is None for v in rest):
        cols = []
        for name in names:
            for candidate in (name, f"{name}_cal"):
                if candidate in first.columns:
                    cols.append(first[candidate])
                    break
            else:
                raise CrmlabInputError(
                    f"{what}: the summary has no column {name!r} (nor {name + '_cal'!r}); "
                    f"it needs {', '.join(names)}, e.g. from summary_data(...)")
        return tuple(cols)
    if any(v is None for v in rest):
        raise CrmlabInputError(f"{what}: give a summary DataFrame, or {', '.join(names)}")
    return (first, *rest)


def index_of(*values) -> pd.Index | None:
    """The index of the first pandas input (an Index labels by its own values)."""
    for value in values:
        if isinstance(value, pd.Series | pd.DataFrame):
            return value.index
        if isinstance(value, pd.Index):
            return value
    return None


def labelled(value, index: pd.Index | None, name: str | None = None):
    """A float (0-d), a Series on ``index`` (1-D of matching length) or the array itself."""
    value = np.asarray(value, dtype=float)
    if value.ndim == 0:
        return float(value)
    if index is not None and value.ndim == 1 and len(value) == len(index):
        return pd.Series(value, index=index, name=name)
    return value


def check_rfm(frequency, recency, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Checked (x, t_x, T) arrays of one customer summary for fitting."""
    x, t_x, big_t = column(frequency, "frequency"), column(recency, "recency"), column(T, "T")
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


def weights_of(weights, n: int) -> np.ndarray:
    if weights is None:
        return np.ones(n)
    w = column(weights, "weights")
    if len(w) != n or (w < 0).any():
        raise CrmlabInputError("weights must be one non-negative number per customer")
    return w


def broadcast_rfm(frequency, recency, T):
    """Prediction inputs (x, t_x, T) broadcast together and checked."""
    x, t_x, big_t = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in
                                          (frequency, recency, T)))
    if np.any(~np.isfinite(x)) or np.any(~np.isfinite(t_x)) or np.any(~np.isfinite(big_t)):
        raise CrmlabInputError("frequency, recency and T must not contain missing values")
    if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > big_t * (1 + 1e-9) + 1e-12):
        raise CrmlabInputError("need frequency ≥ 0 and 0 ≤ recency ≤ T for every customer")
    return x, t_x, big_t


def check_times(t: np.ndarray, name: str) -> None:
    if np.any(~np.isfinite(t)) or np.any(t < 0):
        raise CrmlabInputError(f"{name} must be finite and ≥ 0 (a length of time)")


def compress(columns: dict[str, np.ndarray], w: np.ndarray) -> tuple[dict[str, np.ndarray],
                                                                      np.ndarray]:
    """Merge identical rows into one weighted row (real data repeats patterns a lot)."""
    keep = w > 0
    columns = {k: v[keep] for k, v in columns.items()}
    w = w[keep]
    if len(w) <= 1000:
        return columns, w
    frame = pd.DataFrame(columns)
    frame["__w"] = w
    merged = frame.groupby(list(columns), sort=False)["__w"].sum()
    if len(merged) > 0.7 * len(frame):
        return columns, w
    return ({k: merged.index.get_level_values(i).to_numpy(float) for i, k in enumerate(columns)},
            merged.to_numpy(float))


# ---- fitting --------------------------------------------------------------------------------

@cache
def _blas_controller():
    """The process's BLAS libraries, found once (scanning them takes ~20 ms)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@dataclass
class Fit:
    params: np.ndarray
    result: optimize.OptimizeResult


def maximise(data, n_params: int, penalizer: float, tol: float, max_iter: int, model: str,
             init: np.ndarray | None = None) -> Fit:
    """Minimise mean negative log-likelihood + penalizer·Σθ² over log-parameters.

    ``data`` has ``neg_ll(params)`` (the summed negative log-likelihood) and ``total_weight``;
    if it also has ``neg_ll_and_grad`` the analytic gradient is used, otherwise 3-point finite
    differences.
    """
    total = data.total_weight
    analytic = hasattr(data, "neg_ll_and_grad")

    def objective(log_params: np.ndarray):
        params = np.exp(log_params)
        if analytic:
            value, grad = data.neg_ll_and_grad(params)
            return (value / total + penalizer * np.sum(params ** 2),
                    grad * params / total + 2 * penalizer * params ** 2)
        value = data.neg_ll(params) / total + penalizer * np.sum(params ** 2)
        return value if np.isfinite(value) else 1e300

    start = np.zeros(n_params) if init is None else np.log(init)
    options = {"maxiter": max_iter, "ftol": tol, "gtol": 1e-9 if analytic else 1e-7}
    # One BLAS thread: the optimiser's tiny matrix work is ~10× slower when OpenBLAS threads
    # contend for a busy machine, and the likelihood itself is element-wise numpy.
    with _blas_controller().limit(limits=1, user_api="blas"), \
            np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        result = optimize.minimize(objective, start, jac=True if analytic else "3-point",
                                   method="L-BFGS-B", options=options)
    # a parameter past RUNAWAY has run off: the optimiser stops there or at inf depending on the
    # scipy version (q ≈ 1e14 with scipy 1.12, inf with 1.17), and no real customer base needs it
    if not np.all(np.isfinite(result.x)) or not np.isfinite(result.fun) or np.any(result.x > np.log(RUNAWAY)):
        raise CrmlabInputError(
            f"the {model} fit failed: the parameters ran off to infinity, so the likelihood has "
            "no maximum for this data (e.g. too few customers or repeat buyers). Try "
            "penalizer_coef=0.001, or use more customers / a longer period."
        )
    return Fit(np.exp(result.x), result)


#: A fitted parameter beyond this has run off to infinity (the likelihood has no maximum).
RUNAWAY = 1e12


def hessian(data, theta: np.ndarray) -> np.ndarray:
    """Hessian of the summed negative log-likelihood at ``theta`` (central differences)."""
    steps = 1e-4 * np.maximum(np.abs(theta), 1e-6)
    n = len(theta)
    out = np.empty((n, n))
    with np.errstate(all="ignore"):
        if hasattr(data, "neg_ll_and_grad"):
            for j, h in enumerate(steps):
                up, down = theta.copy(), theta.copy()
                up[j] += h
                down[j] -= h
                out[:, j] = (data.neg_ll_and_grad(up)[1] - data.neg_ll_and_grad(down)[1]) / (2 * h)
            return (out + out.T) / 2

        def f(*moves):
            shifted = theta.copy()
            for j, k in moves:
                shifted[j] += k * steps[j]
            return data.neg_ll(shifted)

        centre = f()
        for j in range(n):
            out[j, j] = (f((j, 1)) - 2 * centre + f((j, -1))) / steps[j] ** 2
            for k in range(j):
                out[j, k] = out[k, j] = (f((j, 1), (k, 1)) - f((j, 1), (k, -1)) - f((j, -1), (k, 1))
                                         + f((j, -1), (k, -1))) / (4 * steps[j] * steps[k])
    return out


def standard_errors(hess: np.ndarray, model: str) -> tuple[np.ndarray, str | None]:
    """Standard errors from the inverse Hessian, or NaN and the reason it is singular."""
    n = len(hess)
    if not np.all(np.isfinite(hess)):
        return np.full(n, np.nan), "the Hessian could not be evaluated"
    eig = np.linalg.eigvalsh(hess)
    if eig.min() <= 0 or eig.max() / eig.min() > 1e12:
        return np.full(n, np.nan), (
            f"the Hessian of the {model} log-likelihood is singular or not positive definite "
            "(condition number above 1e12): the data cannot tell some parameters apart, so "
            "their standard errors are undefined")
    return np.sqrt(np.diag(np.linalg.inv(hess))), None


def summary_table(names: tuple[str, ...], theta: np.ndarray, se: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"coef": theta, "se": se, "lower_95": theta - 1.96 * se,
                         "upper_95": theta + 1.96 * se}, index=pd.Index(names, name="parameter"))


def warn_degenerate(model: str, n_customers: float, scaled: dict[str, float], penalizer: float,
                    singular: str | None, minimum: int = MIN_CUSTOMERS) -> None:
    """Warn about the three kinds of degenerate fit, each with its meaning and a remedy."""
    if n_customers < minimum:
        warnings.warn(
            f"the {model} fit used only {n_customers:g} customers (fewer than {minimum}): with so "
            "few customers the population parameters are barely identified and can be absurd. "
            "Fit on more customers, or add penalizer_coef=0.001 to shrink the parameters.",
            BTYDDegenerateFitWarning, stacklevel=4)
    far = {k: v for k, v in scaled.items() if not 1 / BOUNDARY <= v <= BOUNDARY}
    if far and penalizer == 0:
        shown = ", ".join(f"{k} = {v:.3g}" for k, v in far.items())
        warnings.warn(
            f"the {model} fit reached a boundary solution ({shown}, time parameters measured in "
            "units of the longest T): the likelihood keeps improving as the parameter runs off, "
            "so the data do not pin it down (often: too few repeat buyers, or a cohort that "
            "behaves alike). Treat the estimates as unreliable; refit with penalizer_coef=0.001 "
            "or with more data.", BTYDDegenerateFitWarning, stacklevel=4)
    if singular:
        warnings.warn(f"{singular}. Refit with penalizer_coef=0.001 or with more varied data.",
                      BTYDDegenerateFitWarning, stacklevel=4)


def warn_not_converged(model: str, result: optimize.OptimizeResult) -> None:
    warnings.warn(
        f"the {model} fit did not converge ({result.message}); its parameters may be "
        "unreliable. Try a larger max_iter, penalizer_coef=0.001, or check that the data "
        "has enough repeat buyers.", BTYDConvergenceWarning, stacklevel=4)


# ---- the base class -------------------------------------------------------------------------

class Model:
    """Shared behaviour: parameters, the not-fitted error, sklearn-style params, JSON save/load."""

    _PARAM_NAMES: ClassVar[tuple[str, ...]] = ()
    _MODEL: ClassVar[str] = ""

    def __init__(self, penalizer_coef: float = 0.0, tol: float = 1e-12, max_iter: int = 1000):
        self.penalizer_coef = penalizer_coef
        self.tol = tol
        self.max_iter = max_iter

    # sklearn-compatible parameter protocol (without importing sklearn)
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"penalizer_coef": self.penalizer_coef, "tol": self.tol, "max_iter": self.max_iter}

    def set_params(self, **params) -> Model:
        for key, value in params.items():
            if key not in self.get_params():
                raise CrmlabInputError(f"{type(self).__name__} has no parameter {key!r}")
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        changed = {k: v for k, v in self.get_params().items()
                   if v != type(self)().get_params()[k]}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    def _params(self) -> tuple[float, ...]:
        if not hasattr(self, "params_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet: call "
                                 "fit(...) first (or load a saved model with load_model)")
        return tuple(float(self.params_[k]) for k in self._PARAM_NAMES)

    def _check_penalizer(self) -> None:
        if not (np.isfinite(self.penalizer_coef) and self.penalizer_coef >= 0):
            raise CrmlabInputError("penalizer_coef must be a number ≥ 0")

    def _store(self, params: np.ndarray, se: np.ndarray, log_likelihood: float,
               n_customers: float, result: optimize.OptimizeResult) -> None:
        self.params_ = dict(zip(self._PARAM_NAMES, map(float, params)))
        self.summary_ = summary_table(self._PARAM_NAMES, np.asarray(params, float), se)
        self.log_likelihood_ = float(log_likelihood)
        self.n_customers_ = float(n_customers)
        self.converged_ = bool(result.success)
        self.optimizer_result_ = result
        if not result.success:
            warn_not_converged(self._MODEL, result)

    def save(self, path: str | Path) -> Path:
        """Write the fitted model to a plain JSON file (parameters, fit metadata, version)."""
        from crmlab import __version__

        self._params()
        record = {
            "format": "crmlab.btyd model",
            "model": type(self).__name__,
            "crmlab_version": __version__,
            "hyperparameters": self.get_params(),
            "params": dict(self.params_),
            "fit": {key: getattr(self, attr) for key, attr in
                    (("log_likelihood", "log_likelihood_"), ("n_customers", "n_customers_"),
                     ("converged", "converged_"), ("cohort_size", "cohort_size_"),
                     ("excluded", "excluded_")) if hasattr(self, attr)},
        }
        if hasattr(self, "summary_"):
            record["fit"]["standard_errors"] = {
                k: (None if np.isnan(v) else float(v)) for k, v in self.summary_["se"].items()}
        path = Path(path)
        path.write_text(json.dumps(record, indent=2), encoding="utf-8")
        return path


def load_model(path: str | Path) -> Model:
    """Read a model written by ``save``: JSON only, checked against the known model classes.

    Parameters
    ----------
    path
        The JSON file written by the model's ``save``.

    Returns
    -------
    Model
        A fitted model of the saved class, with the saved ``params_``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from crmlab.btyd import BetaGeoModel
    >>> m = BetaGeoModel()
    >>> m.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    >>> path = m.save(pathlib.Path(tempfile.mkdtemp()) / "bg.json")
    >>> load_model(path).params_ == m.params_
    True
    """
    from crmlab import btyd

    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError included
        raise CrmlabInputError(f"cannot read a saved model from {path}: {exc}") from exc
    if not isinstance(record, dict) or record.get("format") != "crmlab.btyd model":
        raise CrmlabInputError(f"{path} is not a model saved by crmlab.btyd (no 'format' tag)")
    cls = getattr(btyd, str(record.get("model")), None)
    if not (isinstance(cls, type) and issubclass(cls, Model)):
        raise CrmlabInputError(f"{path} holds an unknown model type {record.get('model')!r}")
    model = cls(**record.get("hyperparameters", {}))
    params = record.get("params", {})
    if sorted(params) != sorted(cls._PARAM_NAMES) or not all(
            isinstance(v, int | float) and np.isfinite(v) and v > 0 for v in params.values()):
        raise CrmlabInputError(f"{path}: the parameters must be {', '.join(cls._PARAM_NAMES)}, "
                               "each a positive number")
    model.params_ = {k: float(params[k]) for k in cls._PARAM_NAMES}
    fit = record.get("fit", {})
    for key in ("log_likelihood", "n_customers", "converged", "cohort_size", "excluded"):
        if key in fit:
            setattr(model, f"{key}_", fit[key])
    if "standard_errors" in fit:
        se = np.array([np.nan if fit["standard_errors"].get(k) is None
                       else fit["standard_errors"][k] for k in cls._PARAM_NAMES], dtype=float)
        model.summary_ = summary_table(cls._PARAM_NAMES,
                                       np.array([model.params_[k] for k in cls._PARAM_NAMES]), se)
    return model


class RFMModel(Model):
    """A continuous-time model fitted on frequency / recency / T (BG/NBD, MBG/NBD, Pareto/NBD).

    **penalizer_coef** follows the convention of ``lifetimes``' BG/NBD and MBG/NBD fitters
    (0.11.3): time is first rescaled so that the longest T is 1 (which makes the penalty's
    effect independent of the time unit), then ``penalizer_coef · Σθ²`` over the rescaled
    parameters is added to the *mean* negative log-likelihood per customer. The reported
    parameters are in the data's time unit. (lifetimes' Pareto/NBD fitter adds the penalty to
    the *summed* negative log-likelihood instead: its ``c`` corresponds to ``c / n`` here.)
    """

    _TIME_PARAMS: ClassVar[tuple[str, ...]] = ()

    def _data(self, x, t_x, big_t, w):  # pragma: no cover - each model defines it
        raise NotImplementedError

    def _check_fit_data(self, x: np.ndarray, w: np.ndarray) -> None:
        if not np.any((x > 0) & (w > 0)):
            raise CrmlabInputError(
                "no customer has a repeat purchase (every frequency is 0), so the model cannot "
                "learn how often customers buy or drop out. Use a longer observation period, or "
                "check that summary_data counted repeat purchases (several purchases on one day "
                "count as one).")

    def fit(self, frequency, recency=None, T=None, weights=None):
        """Estimate the parameters by maximum likelihood from one row per customer.

        Parameters
        ----------
        frequency, recency, T
            Repeat purchases x, time of the last repeat purchase t_x and age T (same time unit),
            e.g. the columns of :func:`summary_data`; or pass that summary DataFrame alone as
            ``frequency`` (columns ``frequency``, ``recency``, ``T`` or their ``_cal`` versions).
        weights
            Optional number of customers each row stands for (to fit on a compressed table).
        """
        frequency, recency, T = from_summary(frequency, (recency, T), ("frequency", "recency", "T"),
                                             f"{type(self).__name__}.fit")
        self._check_penalizer()
        x, t_x, big_t = check_rfm(frequency, recency, T)
        w = weights_of(weights, len(x))
        self._check_fit_data(x, w)
        longest = float(big_t[w > 0].max())
        if longest <= 0:
            raise CrmlabInputError("every customer has T = 0 (acquired on the last day): there "
                                   "is no observed time to learn from")
        scale = 1.0 / longest
        data = self._data(x, t_x * scale, big_t * scale, w)
        fit = maximise(data, len(self._PARAM_NAMES), self.penalizer_coef, self.tol,
                       self.max_iter, self._MODEL)
        unit = np.array([scale if k in self._TIME_PARAMS else 1.0 for k in self._PARAM_NAMES])
        se, singular = standard_errors(hessian(data, fit.params), self._MODEL)
        with np.errstate(all="ignore"):
            log_lik = -data.neg_ll(fit.params) + np.log(scale) * float(np.dot(w, x))
        warn_degenerate(self._MODEL, float(w.sum()), dict(zip(self._PARAM_NAMES, fit.params)),
                        self.penalizer_coef, singular)
        self._store(fit.params / unit, se / unit, log_lik, w.sum(), fit.result)
        return self

    def log_likelihood(self, frequency, recency=None, T=None, weights=None) -> float:
        """Log-likelihood of a customer summary under the fitted parameters (no penalty)."""
        frequency, recency, T = from_summary(frequency, (recency, T), ("frequency", "recency", "T"),
                                             "log_likelihood")
        x, t_x, big_t = check_rfm(frequency, recency, T)
        data = self._data(x, t_x, big_t, weights_of(weights, len(x)))
        with np.errstate(all="ignore"):
            return float(-data.neg_ll(np.array(self._params())))

    def _rfm(self, frequency, recency, T):
        frequency, recency, T = from_summary(frequency, (recency, T), ("frequency", "recency", "T"),
                                             type(self).__name__)
        return index_of(frequency, recency, T), *broadcast_rfm(frequency, recency, T)

    def probability_alive(self, frequency, recency=None, T=None):
        """P(alive): probability that a customer with this history has not dropped out."""
        index, x, t_x, big_t = self._rfm(frequency, recency, T)
        return labelled(self._p_alive(x, t_x, big_t), index, "p_alive")

    def expected_purchases(self, t):
        """Expected number of repeat purchases by a *new* customer in (0, t]: E[X(t)]."""
        t_arr = np.asarray(t, dtype=float)
        check_times(t_arr, "t")
        return labelled(self._expected(t_arr), index_of(t), "expected_purchases")

    def conditional_expected_purchases(self, t, frequency, recency=None, T=None):
        """Expected repeat purchases in the next ``t`` time units, given each customer's history.

        Equal to P(alive) times the expectation for an alive customer whose parameters are
        updated by the history; finite for any frequency and horizon.
        """
        t_arr = np.asarray(t, dtype=float)
        check_times(t_arr, "t")
        index, x, t_x, big_t = self._rfm(frequency, recency, T)
        value = self._conditional_expected(t_arr, x, t_x, big_t)
        return labelled(value, index if index is not None else index_of(t), "expected_purchases")

    def probability_of_purchases(self, n, t):
        """P(X(t) = n): probability that a new customer makes exactly n repeat purchases in t."""
        n_arr, t_arr = np.broadcast_arrays(np.asarray(n, dtype=float), np.asarray(t, dtype=float))
        check_times(t_arr, "t")
        if np.any(n_arr < 0) or np.any(n_arr != np.round(n_arr)):
            raise CrmlabInputError("n must hold whole numbers ≥ 0 (numbers of purchases)")
        return labelled(self._pmf(n_arr, t_arr), index_of(n, t))

    def conditional_probability_of_purchases(self, n: int, t: float, frequency, recency=None,
                                             T=None):
        """P(Y(t) = n | history): exactly ``n`` repeat purchases in the next ``t`` time units.

        ``P(alive)·P(n | alive, updated parameters) + (1 − P(alive))·[n = 0]``.
        """
        if int(n) != n or n < 0:
            raise CrmlabInputError("n must be a whole number ≥ 0")
        check_times(np.asarray(t, dtype=float), "t")
        index, x, t_x, big_t = self._rfm(frequency, recency, T)
        alive = self._p_alive(x, t_x, big_t)
        value = alive * self._posterior_pmf(float(n), float(t), x, big_t) + (1 - alive) * (n == 0)
        return labelled(value, index, "probability")
