"""Diagnostics of fitted customer-base models: the tables behind the standard charts.

* :func:`repeat_purchase_table` — customers by number of repeat purchases, actual vs model;
* :func:`calibration_holdout_table` — mean holdout purchases by calibration frequency,
  including the heaviest buyers;
* :func:`probability_alive_matrix` and :func:`expected_purchases_matrix` — frequency × recency
  grids of P(alive) and of expected future purchases;
* :func:`calibration_holdout_data` — from a transaction log in one call: the
  calibration/holdout summary and the tracking data; :func:`tracking_table` adds a model's
  expected repeat transactions per calendar period (Fader, Hardie & Lee 2005, figure 3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlab._checks import CrmlabInputError, checked_transactions, require_columns, require_not_empty
from crmlab.btyd._base import RFMModel, column
from crmlab.btyd._summary import TIME_UNITS, summary_data

__all__ = ["repeat_purchase_table", "calibration_holdout_table", "probability_alive_matrix",
           "expected_purchases_matrix", "CalibrationHoldoutData", "calibration_holdout_data",
           "tracking_table"]


def repeat_purchase_table(model: RFMModel, frequency, T, *, max_frequency: int = 7) -> pd.DataFrame:
    """Actual vs model-predicted number of customers by repeat purchases in the calibration period.

    The model count for n repeat purchases is Σ_i P(X(T_i) = n) over customers (each with their
    own T); the last row, ``max_frequency``, collects ``max_frequency`` or more ("7+").

    Parameters
    ----------
    model
        A fitted transaction model (:class:`~crmlab.btyd.BetaGeoModel` …).
    frequency, T
        Each customer's repeat purchases and age in the calibration period.
    max_frequency
        The last row's frequency, which collects that many purchases or more.

    Returns
    -------
    DataFrame with columns ``frequency`` (0 … max_frequency), ``label``, ``actual``, ``model``.

    Examples
    --------
    >>> from crmlab.btyd import BetaGeoModel
    >>> bg = BetaGeoModel()
    >>> bg.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    >>> repeat_purchase_table(bg, [0, 0, 1, 3], [39, 39, 39, 30], max_frequency=2).round(3)
       frequency label  actual  model
    0          0     0       2  2.328
    1          1     1       1  0.792
    2          2    2+       1  0.880
    """
    x = column(frequency, "frequency")
    big_t = column(T, "T")
    if int(max_frequency) != max_frequency or max_frequency < 1:
        raise CrmlabInputError("max_frequency must be a whole number ≥ 1")
    levels = np.arange(max_frequency + 1)
    actual = np.array([(x == n).sum() for n in levels[:-1]] + [(x >= max_frequency).sum()])
    probs = model.probability_of_purchases(levels[:-1, None], big_t[None, :]).sum(axis=1)
    model_counts = np.append(probs, len(x) - probs.sum())
    labels = [str(n) for n in levels[:-1]] + [f"{max_frequency}+"]
    return pd.DataFrame({"frequency": levels, "label": labels, "actual": actual.astype("int64"),
                         "model": model_counts})


def calibration_holdout_table(model: RFMModel, summary: pd.DataFrame, *, max_frequency: int = 7,
                              heavy_bins: bool = True) -> pd.DataFrame:
    """Mean holdout purchases by calibration frequency: actual vs model (conditional expectation).

    ``summary`` is the output of :func:`summary_data` with ``calibration_end`` (columns
    ``frequency_cal``, ``recency_cal``, ``T_cal``, ``frequency_holdout``, ``duration_holdout``).
    Frequencies below ``max_frequency`` get one row each. The heavier buyers — the customers
    who matter most and where a model most often fails — are not lumped together: with
    ``heavy_bins`` they are grouped in bins that double in width (7–13, 14–27, 28–55, …) up to
    the heaviest buyer; ``heavy_bins=False`` gives one ``7+`` row as in Fader et al. (2005).

    Parameters
    ----------
    model
        A transaction model fitted on the calibration period.
    summary
        The calibration/holdout summary.
    max_frequency
        Frequencies below it get a row each.
    heavy_bins
        Split the heavier buyers into bins of doubling width (default) or keep one row.

    Returns
    -------
    DataFrame
        One row per frequency group with customers: ``frequency_cal`` (the group's lowest
        frequency), ``label``, ``customers``, ``actual`` and ``model`` (mean holdout purchases).

    Examples
    --------
    >>> from crmlab.btyd import BetaGeoModel
    >>> bg = BetaGeoModel()
    >>> bg.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    >>> s = pd.DataFrame({"frequency_cal": [0, 1, 2, 9], "recency_cal": [0, 20, 30, 38],
    ...                   "T_cal": [39.0] * 4, "frequency_holdout": [0, 1, 2, 8],
    ...                   "duration_holdout": [39.0] * 4})
    >>> calibration_holdout_table(bg, s, max_frequency=2).round(3)  # bins 2–3, 4–7, 8+
       frequency_cal label  customers  actual  model
    0              0     0          1     0.0  0.195
    1              1     1          1     1.0  0.573
    2              2   2–3          1     2.0  1.211
    3              8    8+          1     8.0  6.002
    """
    need = ["frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout"]
    require_columns(summary, need, what="the calibration/holdout summary")
    require_not_empty(summary, what="the calibration/holdout summary")
    if int(max_frequency) != max_frequency or max_frequency < 1:
        raise CrmlabInputError("max_frequency must be a whole number ≥ 1")
    x = summary["frequency_cal"].to_numpy(float)
    predicted = np.asarray(model.conditional_expected_purchases(
        summary["duration_holdout"].to_numpy(float), x, summary["recency_cal"].to_numpy(float),
        summary["T_cal"].to_numpy(float)))
    lower = np.arange(max_frequency, dtype=float)
    if heavy_bins:
        edge = float(max_frequency)
        while edge <= x.max():
            lower = np.append(lower, edge)
            edge *= 2
    else:
        lower = np.append(lower, float(max_frequency))
    group = np.searchsorted(lower, x, side="right") - 1
    frame = pd.DataFrame({"group": group, "actual": summary["frequency_holdout"].to_numpy(float),
                          "model": predicted})
    out = frame.groupby("group").agg(customers=("actual", "size"), actual=("actual", "mean"),
                                     model=("model", "mean")).reset_index()
    starts = lower[out["group"]]
    ends = np.append(lower[1:] - 1, np.inf)[out["group"]]
    labels = [f"{s:g}" if s == e else (f"{s:g}+" if not np.isfinite(e) else f"{s:g}–{e:g}")
              for s, e in zip(starts, ends)]
    return pd.DataFrame({"frequency_cal": starts.astype("int64"), "label": labels,
                         "customers": out["customers"], "actual": out["actual"],
                         "model": out["model"]})


def probability_alive_matrix(model: RFMModel, *, T: float, max_frequency: int = 20,
                             recency_step: float = 1.0) -> pd.DataFrame:
    """P(alive) on a grid of frequency (rows) × recency (columns) for customers of age ``T``.

    The classic picture: a customer who bought often but not recently is probably gone, while one
    who bought rarely and not recently may simply be a slow buyer. Frequency 0 has recency 0 only
    (P(alive) = 1); other cells with recency > T are not possible and are NaN.

    Parameters
    ----------
    model
        A fitted transaction model.
    T
        The customers' age (time since the first purchase), in the model's time unit.
    max_frequency
        The largest frequency (rows 0 … max_frequency).
    recency_step
        Distance between the recency columns (0, step, 2·step, … up to T).

    Returns
    -------
    DataFrame
        P(alive), index ``frequency``, columns ``recency``.

    Examples
    --------
    >>> from crmlab.btyd import BetaGeoModel
    >>> bg = BetaGeoModel()
    >>> bg.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    >>> probability_alive_matrix(bg, T=39, max_frequency=2, recency_step=13).round(3)  # doctest: +NORMALIZE_WHITESPACE
    recency     0.0    13.0   26.0   39.0
    frequency
    0          1.000    NaN    NaN    NaN
    1          0.151  0.496  0.663  0.754
    2          0.025  0.358  0.660  0.812
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


def expected_purchases_matrix(model: RFMModel, *, t: float, T: float, max_frequency: int = 20,
                              recency_step: float = 1.0) -> pd.DataFrame:
    """Expected purchases in the next ``t`` on a grid of frequency (rows) × recency (columns).

    For customers of age ``T``: who is worth most in the coming period? Frequent *and* recent
    buyers (top right); frequent buyers who went quiet are expected to buy little, as they have
    probably left. Frequency 0 has recency 0 only; impossible cells are NaN.

    Parameters
    ----------
    model
        A fitted transaction model.
    t
        Length of the coming period, in the model's time unit.
    T
        The customers' age (time since the first purchase).
    max_frequency
        The largest frequency (rows 0 … max_frequency).
    recency_step
        Distance between the recency columns (0, step, 2·step, … up to T).

    Returns
    -------
    DataFrame
        Expected purchases in the next ``t``, index ``frequency``, columns ``recency``.

    Examples
    --------
    >>> from crmlab.btyd import BetaGeoModel
    >>> bg = BetaGeoModel()
    >>> bg.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    >>> m = expected_purchases_matrix(bg, t=52, T=39, max_frequency=5, recency_step=13)
    >>> m.shape
    (6, 4)
    >>> m.loc[5].round(2).tolist()    # 5 repeat purchases, last one 0, 13, 26, 39 weeks in
    [0.0, 0.3, 2.67, 4.26]
    """
    if not T > 0 or not t > 0:
        raise CrmlabInputError("t and T must be > 0")
    recencies = np.arange(0.0, T + 1e-9, recency_step)
    freqs = np.arange(0, int(max_frequency) + 1)
    grid_x, grid_t = np.meshgrid(freqs, recencies, indexing="ij")
    values = np.asarray(model.conditional_expected_purchases(t, grid_x, grid_t, T), dtype=float)
    values[(grid_x == 0) & (grid_t > 0)] = np.nan
    return pd.DataFrame(values, index=pd.Index(freqs, name="frequency"),
                        columns=pd.Index(np.round(recencies, 6), name="recency"))


@dataclass
class CalibrationHoldoutData:
    """What :func:`calibration_holdout_data` builds from a transaction log.

    Each parameter is kept as the attribute of the same name.

    Parameters
    ----------
    summary
        The calibration/holdout customer summary (as :func:`summary_data` with
        ``calibration_end``), the input of ``fit`` and :func:`calibration_holdout_table`.
    tracking
        One row per calendar period from the first purchase of the cohort: ``period``
        (0, 1, …), ``start`` (its first day), ``repeat_transactions`` (actual repeat
        transactions of the summary's customers in it) and ``calibration`` (True for periods
        that end by ``calibration_end``).
    births
        Number of customers by first-purchase day, counted in days from the first period's
        start: what a model needs to turn its E[X(t)] into expected calendar-time counts.
    freq
        The time unit (``"D"``, ``"W"`` or ``"M"``).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "amount": [10, 5, 20],
    ...                    "date": ["2024-01-01", "2024-01-09", "2024-01-03"]})
    >>> data = calibration_holdout_data(tx, calibration_end="2024-01-07")
    >>> data.freq, data.summary["frequency_holdout"].tolist()
    ('W', [1, 0])
    """

    summary: pd.DataFrame
    tracking: pd.DataFrame
    births: pd.Series
    freq: str


def calibration_holdout_data(transactions: pd.DataFrame, *, calibration_end, observation_end=None,
                             customer: str = "customer_id", date: str = "date",
                             amount: str | None = "amount", freq: str = "W"
                             ) -> CalibrationHoldoutData:
    """The calibration/holdout summary and the tracking data of a transaction log, in one call.

    Repeat transactions follow :func:`summary_data`'s rules (one per customer and day, the
    first day not counted). Only customers first seen by ``calibration_end`` are tracked, as
    in the summary; its ``attrs["excluded"]`` reports what was left out.

    Parameters
    ----------
    transactions
        One row per purchase (or receipt line).
    calibration_end
        The last day of the calibration period.
    observation_end
        The last day observed; default the last date in the data.
    customer, date, amount
        Column names (``amount=None`` when there is none).
    freq
        The time unit: ``"D"``, ``"W"`` (default) or ``"M"``.

    Returns
    -------
    CalibrationHoldoutData
        ``summary``, ``tracking``, ``births`` and ``freq``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 1, 2, 2],
    ...                    "date": ["2024-01-01", "2024-01-09", "2024-01-20", "2024-01-03",
    ...                             "2024-01-16"],
    ...                    "amount": [10, 5, 7, 20, 8]})
    >>> data = calibration_holdout_data(tx, calibration_end="2024-01-10", observation_end="2024-01-21")
    >>> data.tracking
       period      start  repeat_transactions  calibration
    0       0 2024-01-01                    0         True
    1       1 2024-01-08                    1        False
    2       2 2024-01-15                    2        False
    >>> data.births.to_dict()
    {0: 1, 2: 1}
    """
    summary = summary_data(transactions, customer=customer, date=date, amount=amount,
                           observation_end=observation_end, freq=freq,
                           calibration_end=calibration_end)
    tx, _ = checked_transactions(transactions, customer=customer, date=date, amount=amount)
    days = tx.assign(day=tx["date"].dt.normalize())[["customer", "day"]].drop_duplicates()
    end = (pd.Timestamp(observation_end).normalize() if observation_end is not None
           else days["day"].max())
    cal_end = pd.Timestamp(calibration_end).normalize()
    days = days[days["customer"].isin(summary.index) & (days["day"] <= end)]
    first = days.groupby("customer")["day"].transform("min")
    start = first.min()
    unit = TIME_UNITS[freq]
    offset = (days["day"] - start).dt.days.to_numpy()
    period = np.floor(offset / unit).astype("int64")
    n_periods = int(np.floor((end - start).days / unit)) + 1
    repeat = (days["day"] > first).to_numpy()
    counts = np.bincount(period[repeat], minlength=n_periods)
    starts = start + pd.to_timedelta(np.round(np.arange(n_periods) * unit), unit="D")
    period_last = start + pd.to_timedelta(np.ceil((np.arange(n_periods) + 1) * unit) - 1, unit="D")
    tracking = pd.DataFrame({"period": np.arange(n_periods), "start": starts,
                             "repeat_transactions": counts.astype("int64"),
                             "calibration": period_last <= cal_end})
    birth_days = (days.groupby("customer")["day"].min() - start).dt.days
    births = birth_days.value_counts().sort_index()
    births.index.name, births.name = "birth_day", "customers"
    tracking.attrs["observation_end_day"] = int((end - start).days)
    return CalibrationHoldoutData(summary, tracking, births, freq)


def tracking_table(model: RFMModel, data: CalibrationHoldoutData) -> pd.DataFrame:
    """Actual vs expected repeat transactions per calendar period, and cumulated.

    A customer first seen on day b is expected to have made E[X(t)] repeat purchases t time
    units later; summed over customers this gives the expected cumulative count at the end of
    each period. This is the tracking plot of Fader, Hardie & Lee (2005, figure 3): a model
    fitted on the calibration period should keep following the actual line after it.

    Parameters
    ----------
    model
        A transaction model fitted on ``data.summary``.
    data
        The result of :func:`calibration_holdout_data`.

    Returns
    -------
    DataFrame
        ``data.tracking`` with ``expected`` (repeat transactions per period),
        ``cumulative_actual`` and ``cumulative_expected``.

    Examples
    --------
    >>> from crmlab.btyd import BetaGeoModel
    >>> bg = BetaGeoModel()
    >>> bg.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 1, 2, 2],
    ...                    "date": ["2024-01-01", "2024-01-09", "2024-01-20", "2024-01-03",
    ...                             "2024-01-16"],
    ...                    "amount": [10, 5, 7, 20, 8]})
    >>> table = tracking_table(bg, calibration_holdout_data(tx, calibration_end="2024-01-10", observation_end="2024-01-21"))
    >>> table[["period", "cumulative_actual", "cumulative_expected"]].round(3)
       period  cumulative_actual  cumulative_expected
    0       0                  0                0.077
    1       1                  1                0.179
    2       2                  3                0.275
    """
    if not isinstance(data, CalibrationHoldoutData):
        raise CrmlabInputError("tracking_table needs the result of calibration_holdout_data(...)")
    tracking = data.tracking.copy()
    unit = TIME_UNITS[data.freq]
    last_day = np.minimum(np.ceil((tracking["period"].to_numpy() + 1) * unit) - 1,
                          tracking.attrs.get("observation_end_day", np.inf))
    births = data.births.index.to_numpy(float)
    ages = (last_day[:, None] - births[None, :]) / unit
    expected = np.asarray(model.expected_purchases(np.maximum(ages, 0.0)))
    cumulative = expected @ data.births.to_numpy(float)
    tracking["expected"] = np.diff(cumulative, prepend=0.0)
    tracking["cumulative_actual"] = tracking["repeat_transactions"].cumsum()
    tracking["cumulative_expected"] = cumulative
    return tracking
