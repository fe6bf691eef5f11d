"""Loyalty and churn (客户忠诚与流失): who is leaving, who will leave, whom to win back.

The course defines loyalty as *continued buying behaviour* — it predicts the future — and
satisfaction as a feeling after consumption about the past. So churn is read from behaviour:

* :func:`churn_labels` — active / at risk / churned as of a date, from months without a
  purchase (the course's 1- and 3-month dormancy lines) or from year-on-year sales (below 50 %
  of last year is the course's "lost" line);
* :func:`churn_features`, :func:`churn_target`, :func:`churn_dataset` — model inputs computed
  only from purchases up to a cut-off, and the label from the window after it (no leakage);
* :func:`churn_model` — a scikit-learn pipeline (scaling/one-hot + logistic regression or a
  random forest); :func:`evaluate_churn_model`, :func:`gains_table` and
  :func:`feature_effects` for an honest out-of-time evaluation explained in words;
* :func:`winback_list` — lost and at-risk customers ranked by historic value × probability of
  return (the course: win back the high-value lost customers first).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlab._checks import (
    CrmlabInputError, ExclusionReport, checked_transactions, cut_at_as_of, finish_report,
    parse_as_of, require_columns, to_datetime,
)
from crmlab.customers import _summary

__all__ = [
    "CHURN_STATES", "churn_labels", "churn_features", "churn_target", "churn_dataset",
    "churn_model", "evaluate_churn_model", "gains_table", "feature_effects", "winback_list",
]

#: Loyalty states, from best to worst.
CHURN_STATES = ("active", "at_risk", "churned")


def _prepare(transactions: pd.DataFrame, *, customer: str, date: str, amount: str | None,
             as_of: Any = None, keep_rows: bool = False
             ) -> tuple[pd.DataFrame, ExclusionReport, pd.Timestamp]:
    """Validated working copy (customer, date, amount) of the rows before ``as_of``.

    Rows without a customer id (non-members) or date, or dated on or after ``as_of``, are
    excluded and reported.
    """
    work, report = checked_transactions(transactions, customer=customer, date=date,
                                        amount=amount, keep_rows=keep_rows)
    if not amount:
        work["amount"] = 1.0
    work, as_of = cut_at_as_of(work, as_of, report)
    return work, report, as_of


def churn_labels(transactions: pd.DataFrame, *, as_of: Any = None, method: str = "inactivity",
                 customer: str = "customer_id", date: str = "date", amount: str = "amount",
                 at_risk_months: float = 1, churned_months: float = 3,
                 lost_below: float = 0.50, at_risk_below: float = 0.80,
                 return_report: bool = False) -> pd.DataFrame:
    """Label every customer active / at risk / churned as of a date (客户流失).

    Only purchases before ``as_of`` are used, so a label never depends on the future.
    Customers who bought nothing before ``as_of`` are not customers yet and are not listed.

    Parameters
    ----------
    transactions
        One row per purchase or receipt line (refunds may be negative).
    as_of
        The analysis date (exclusive); default the day after the last date.
    method
        ``"inactivity"``: calendar months since the last purchase (via
        :func:`crmlab.scorecard.dormancy`): fewer than ``at_risk_months`` → active, from
        ``at_risk_months`` up to ``churned_months`` → at risk, more than ``churned_months`` →
        churned (course: 1 and 3 months). ``"yoy"``: sales in the 12 months ending at
        ``as_of`` over the 12 months before (via :func:`crmlab.scorecard.yoy_class`): below
        ``lost_below`` (course: 50 %) → churned, below ``at_risk_below`` (80 %) → at risk, else
        active; customers with no sales in the earlier year are active (new) when they bought
        in the last year.
    customer, date, amount
        Column names.
    at_risk_months, churned_months
        The month limits of ``method="inactivity"`` (course: 1 and 3).
    lost_below, at_risk_below
        The year-on-year ratios of ``method="yoy"`` (course: 0.50 and 0.80).
    return_report
        Also return the full :class:`~crmlab._checks.ExclusionReport`.

    Returns
    -------
    DataFrame, one row per customer (sorted): ``customer``, ``last_purchase``, the measure
    (``months_since_purchase`` or ``sales_last_12m``, ``sales_prior_12m``, ``yoy_ratio``) and
    ``state`` (ordered categorical of :data:`CHURN_STATES`). ``attrs["excluded"]`` reports rows
    left out.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "c"], "amount": [5.0, 5.0, 5.0],
    ...                    "date": ["2025-12-20", "2025-10-15", "2025-06-01"]})
    >>> churn_labels(tx, as_of="2026-01-01")["state"].tolist()
    ['active', 'at_risk', 'churned']
    """
    from crmlab import scorecard

    work, report, as_of = _prepare(transactions, customer=customer, date=date, amount=amount,
                                   as_of=as_of, keep_rows=return_report)
    if work.empty:
        raise CrmlabInputError(f"no purchases before {as_of.date()}: nothing to label")
    last = work.groupby("customer", sort=True)["date"].max()
    if method == "inactivity":
        dorm = scorecard.dormancy(last, as_of=as_of, short_months=at_risk_months,
                                  long_months=churned_months)
        state = dorm["dormancy"].astype(str).map(
            {"short": "active", "medium": "at_risk", "long": "churned"})
        out = pd.DataFrame({customer: last.index, "last_purchase": last.to_numpy(),
                            "months_since_purchase": dorm["months_since_order"].to_numpy(),
                            "state": state.to_numpy()})
    elif method == "yoy":
        if not 0 < lost_below < at_risk_below:
            raise CrmlabInputError("need 0 < lost_below < at_risk_below")
        start_last = as_of - pd.DateOffset(years=1)  # the last 12 months: [start_last, as_of)
        start_prior = as_of - pd.DateOffset(years=2)
        recent = work[work["date"] >= start_last].groupby("customer")["amount"].sum()
        prior = work[(work["date"] >= start_prior) & (work["date"] < start_last)].groupby(
            "customer")["amount"].sum()
        this = recent.reindex(last.index, fill_value=0.0).clip(lower=0)
        before = prior.reindex(last.index).clip(lower=0)
        yoy = scorecard.yoy_class(this, before, decline_from=lost_below, flat_from=at_risk_below,
                                  increase_from=max(1.2, at_risk_below + 1e-9))
        state = yoy["yoy_class"].astype(str).map(
            {"increase": "active", "flat": "active", "decline": "at_risk", "lost": "churned",
             "new": "active", "inactive": "churned"})
        out = pd.DataFrame({customer: last.index, "last_purchase": last.to_numpy(),
                            "sales_last_12m": this.to_numpy(),
                            "sales_prior_12m": before.fillna(0.0).to_numpy(),
                            "yoy_ratio": yoy["yoy_ratio"].to_numpy(),
                            "state": state.to_numpy()})
    else:
        raise CrmlabInputError(f"method must be 'inactivity' or 'yoy', got {method!r}")
    out["state"] = pd.Categorical(out["state"], categories=CHURN_STATES, ordered=True)
    out["state"] = pd.Categorical(out["state"], categories=CHURN_STATES, ordered=True)
    return finish_report(out, report, return_report=return_report, as_of=as_of)


def churn_features(transactions: pd.DataFrame, *, as_of: Any = None,
                   customer: str = "customer_id", date: str = "date", amount: str = "amount",
                   occasion: str | None = "receipt_id", category: str | None = "category",
                   recent_days: int = 90, return_report: bool = False) -> pd.DataFrame:
    """Behavioural features per customer from purchases before ``as_of`` only.

    Nothing on or after ``as_of`` is read, so deleting later transactions never changes the
    result (tested) — the rule that keeps a churn model honest.

    ``recency``, ``frequency``, ``monetary``, ``returns`` and the purchase dates are the
    customer summary of :func:`crmlab.customers.customer_summary` (same rules, so they agree
    with :func:`crmlab.segmentation.rfm_table`). Added here: ``tenure_days`` (as_of − first
    purchase), ``mean_spend`` (monetary / frequency), ``recent_purchases`` (purchase occasions)
    and ``recent_spend`` (net) in the last ``recent_days`` days, ``prior_spend`` (the
    ``recent_days`` before those), ``spend_trend`` (recent / (recent + prior), 0.5 = steady,
    and 0.5 when both are 0), ``return_share`` (share of rows with a negative amount) and
    ``n_categories`` (distinct categories; 0 when ``category=None``).

    Parameters
    ----------
    transactions
        One row per receipt line (refunds negative).
    as_of
        The first day not read (exclusive); default the day after the last date.
    customer, date, amount
        Column names.
    occasion
        The receipt column (one purchase occasion per receipt); ``None`` (or a log without
        it) counts calendar days.
    category
        The product-category column counted by ``n_categories``; ``None`` to skip it.
    recent_days
        Length of the recent window (and of the prior window before it), in days.
    return_report
        Also return the full :class:`~crmlab._checks.ExclusionReport`.

    Returns
    -------
    DataFrame, one row per customer who bought (sorted), ``customer`` column first.
    ``attrs["excluded"]`` reports rows left out.

    Notes
    -----
    Plain pandas for the windows: ``recent = tx[tx[date] >= as_of - recent_days days]``, then
    ``recent.groupby(customer)[amount].sum()`` (and the purchase occasions counted as in
    :func:`~crmlab.customers.customer_summary`).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "receipt_id": ["r1", "r2", "r3"],
    ...                    "date": ["2025-01-01", "2025-03-01", "2025-02-01"],
    ...                    "amount": [10.0, 30.0, 5.0], "category": ["x", "y", "x"]})
    >>> f = churn_features(tx, as_of="2025-03-31")
    >>> f[["customer_id", "recency", "frequency", "monetary"]].values.tolist()
    [['a', 30, 2, 40.0], ['b', 58, 1, 5.0]]
    """
    if category:
        require_columns(transactions, [category], what="the transactions")
    summary, report = _summary(transactions, customer=customer, date=date, amount=amount,
                               occasion=occasion, as_of=as_of, keep_rows=return_report)
    as_of = summary.attrs["as_of"]
    # The rows the summary used: kept by the same checks, buyers only.
    work, _, _ = _prepare(transactions, customer=customer, date=date, amount=amount, as_of=as_of)
    work = work[work["customer"].isin(summary[customer])]
    occ = summary.attrs["occasion"]
    work["occasion"] = (transactions.loc[work.index, occ] if occ != "calendar day"
                        else work["date"].dt.normalize())
    recent_from = as_of - pd.Timedelta(days=recent_days)
    prior_from = recent_from - pd.Timedelta(days=recent_days)
    is_recent = work["date"] >= recent_from
    is_prior = (work["date"] >= prior_from) & ~is_recent
    per_occasion = work[is_recent].groupby(["customer", "occasion"], dropna=False)["amount"].sum()
    bought = per_occasion[per_occasion > 0].groupby(level="customer").size()
    out = summary.set_index(customer)[["recency", "frequency", "monetary", "returns",
                                       "first_purchase", "last_purchase"]].copy()
    out.insert(1, "tenure_days", (as_of - out["first_purchase"]).dt.days.astype("int64"))
    out["mean_spend"] = out["monetary"] / out["frequency"]
    out["recent_purchases"] = bought.reindex(out.index, fill_value=0).astype("int64")
    out["recent_spend"] = work[is_recent].groupby("customer")["amount"].sum().reindex(
        out.index, fill_value=0.0)
    out["prior_spend"] = work[is_prior].groupby("customer")["amount"].sum().reindex(
        out.index, fill_value=0.0)
    r, p = out["recent_spend"].clip(lower=0), out["prior_spend"].clip(lower=0)
    out["spend_trend"] = np.where(r + p > 0, r / (r + p).where(r + p > 0, 1), 0.5)
    out["return_share"] = (work["amount"] < 0).groupby(work["customer"]).mean()
    out["n_categories"] = (transactions.loc[work.index, category].astype(str)
                           .groupby(work["customer"]).nunique()) if category else 0
    out = out.drop(columns=["first_purchase", "last_purchase"])
    out = out.rename_axis(customer).reset_index()
    return finish_report(out, report, return_report=return_report, as_of=as_of)


def churn_target(transactions: pd.DataFrame, *, as_of: Any, customers: Any,
                 horizon_days: int = 90, customer: str = "customer_id",
                 date: str = "date") -> pd.Series:
    """1 when a customer makes no purchase in the ``horizon_days`` from ``as_of`` on, else 0.

    The label window is ``[as_of, as_of + horizon_days)``: the as-of date is the first day
    the features did not see. ``customers`` lists whom to label (usually those with features).

    Parameters
    ----------
    transactions
        One row per purchase or receipt line.
    as_of
        The first day of the label window (required).
    customers
        The customer ids to label.
    horizon_days
        Length of the label window in days.
    customer, date
        Column names.

    Returns
    -------
    Series
        0/1 (``churned``), indexed by the ids in ``customers``, in their order.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "date": ["2025-01-01", "2025-02-15", "2025-01-05"]})
    >>> churn_target(tx, as_of="2025-02-01", customers=["a", "b"], horizon_days=30).tolist()
    [0, 1]
    """
    as_of = parse_as_of(as_of)
    require_columns(transactions, [customer, date], what="the transactions")
    dates = to_datetime(transactions[date], column=date, what="the transactions")
    window = (dates >= as_of) & (dates < as_of + pd.Timedelta(days=horizon_days))
    buyers = set(transactions.loc[window, customer].dropna())
    customers = pd.Index(customers)
    return pd.Series([0 if c in buyers else 1 for c in customers], index=customers,
                     name="churned", dtype="int64")


def churn_dataset(transactions: pd.DataFrame, *, as_of: Any, horizon_days: int = 90,
                  customers: pd.DataFrame | None = None, customer: str = "customer_id",
                  date: str = "date", **feature_options: Any) -> tuple[pd.DataFrame, pd.Series]:
    """Features before ``as_of`` and the churn label from the following ``horizon_days``.

    Only customers who bought in the year before ``as_of`` are included (long-gone customers
    are not "at risk of churning" any more). ``customers`` (e.g. ``retail_members``) adds
    descriptive columns joined on ``customer``; its date columns are skipped.

    Parameters
    ----------
    transactions
        One row per purchase or receipt line.
    as_of
        The first day after the features' period and the first day of the label window.
    horizon_days
        Length of the label window in days (see :func:`churn_target`).
    customers
        Optional customer table whose columns are joined to the features.
    customer, date
        Column names.
    **feature_options
        Passed to :func:`churn_features` (``amount``, ``occasion``, ``category``,
        ``recent_days``).

    Returns
    -------
    (X, y): X indexed by customer, y the 0/1 label aligned with it.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "c"], "receipt_id": [1, 2, 3, 4, 5],
    ...                    "date": ["2025-01-05", "2025-02-20", "2025-01-10", "2025-01-25",
    ...                             "2025-03-10"],
    ...                    "amount": [10.0, 20.0, 5.0, 8.0, 7.0], "category": ["x"] * 5})
    >>> X, y = churn_dataset(tx, as_of="2025-02-01", horizon_days=60)  # c: first buys later
    >>> X[["recency", "frequency", "monetary"]].join(y)  # doctest: +NORMALIZE_WHITESPACE
                 recency  frequency  monetary  churned
    customer_id
    a                 27          1      10.0        0
    b                  7          2      13.0        1
    """
    as_of = parse_as_of(as_of)
    X = churn_features(transactions, as_of=as_of, customer=customer, date=date,
                       **feature_options)
    X = X[X["recency"] <= 365].set_index(customer)
    if customers is not None:
        require_columns(customers, [customer], what="the customers")
        extra = customers.set_index(customer)
        extra = extra[[c for c in extra.columns
                       if not pd.api.types.is_datetime64_any_dtype(extra[c])]]
        X = X.join(extra, how="left")
    y = churn_target(transactions, as_of=as_of, customers=X.index, horizon_days=horizon_days,
                     customer=customer, date=date)
    return X, y


def churn_model(kind: str = "logistic", *, numeric: list[str] | None = None,
                categorical: list[str] | None = None, random_state: int = 0):
    """An unfitted scikit-learn pipeline for churn: preprocessing + a classifier.

    Numeric columns are log-transformed (``sign(x)·log1p(|x|)``, taming skewed spend) and
    standardised; categorical columns one-hot encoded (unknown categories ignored). Columns are
    chosen by dtype when not given.

    Parameters
    ----------
    kind
        ``"logistic"`` (logistic regression: coefficients readable as odds ratios) or
        ``"forest"`` (a random forest of 300 trees, leaves of ≥ 20 customers: captures
        interactions, explained by permutation importance).
    numeric, categorical
        Column lists (default: numbers vs everything else at fit time).
    random_state
        Seed of the forest.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Unfitted, with the steps ``prepare`` and ``classify``.

    Examples
    --------
    >>> model = churn_model("logistic")
    >>> [name for name, _ in model.steps]
    ['prepare', 'classify']
    """
    from sklearn.compose import ColumnTransformer, make_column_selector
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    num_cols = numeric if numeric is not None else make_column_selector(dtype_include="number")
    cat_cols = categorical if categorical is not None else make_column_selector(
        dtype_exclude="number")
    signed_log = FunctionTransformer(_signed_log1p, feature_names_out="one-to-one")
    prepare = ColumnTransformer([
        ("numeric", make_pipeline(signed_log, StandardScaler()), num_cols),
        ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), cat_cols),
    ], verbose_feature_names_out=False)
    if kind == "logistic":
        classifier = LogisticRegression(max_iter=2000)
    elif kind == "forest":
        classifier = RandomForestClassifier(n_estimators=300, min_samples_leaf=20, n_jobs=1,
                                            random_state=random_state)
    else:
        raise CrmlabInputError(f"kind must be 'logistic' or 'forest', got {kind!r}")
    return Pipeline([("prepare", prepare), ("classify", classifier)])


def _signed_log1p(x):
    x = np.asarray(x, dtype=float)
    return np.sign(x) * np.log1p(np.abs(x))


def evaluate_churn_model(model, X: pd.DataFrame, y: pd.Series, *,
                         threshold: float = 0.5) -> pd.Series:
    """ROC AUC, average precision, and precision/recall at ``threshold`` on held-out data.

    Use data from a *later* period than the training data (out-of-time validation): a churn
    model is used on the future, so it must be judged on it.

    Parameters
    ----------
    model
        A fitted classifier with ``predict_proba`` (e.g. :func:`churn_model` after ``fit``).
    X
        The features of the evaluation customers.
    y
        Their 0/1 churn labels (both classes must occur).
    threshold
        Probability from which a customer is flagged as a churner.

    Returns
    -------
    Series: customers, churn_rate (base rate), roc_auc, average_precision, threshold,
    precision, recall, flagged (customers with probability ≥ threshold).

    Examples
    --------
    >>> X = pd.DataFrame({"recency": [5, 10, 20, 200, 250, 300, 15, 220],
    ...                   "frequency": [9, 7, 8, 1, 2, 1, 6, 2]})
    >>> y = pd.Series([0, 0, 0, 1, 1, 1, 0, 1])
    >>> model = churn_model().fit(X, y)
    >>> evaluate_churn_model(model, X, y)[["churn_rate", "roc_auc", "flagged"]].tolist()
    [0.5, 1.0, 4.0]

    (Judged on its own training data here only to show the call.)
    """
    from sklearn.metrics import (average_precision_score, precision_score, recall_score,
                                 roc_auc_score)

    y = pd.Series(y)
    if y.nunique() < 2:
        raise CrmlabInputError("the evaluation data holds only one class: AUC is undefined")
    prob = model.predict_proba(X)[:, 1]
    flagged = prob >= threshold
    return pd.Series({
        "customers": len(y), "churn_rate": float(y.mean()),
        "roc_auc": roc_auc_score(y, prob), "average_precision": average_precision_score(y, prob),
        "threshold": threshold,
        "precision": precision_score(y, flagged, zero_division=0),
        "recall": recall_score(y, flagged, zero_division=0),
        "flagged": int(flagged.sum()),
    })


def gains_table(y_true: Any, scores: Any, *, bins: int = 10) -> pd.DataFrame:
    """Cumulative gains and lift by score band (deciles by default), best-scored first.

    Customers are sorted by score (highest first; ties keep input order) and cut into ``bins``
    groups of (nearly) equal size. For the top k groups: ``cum_share_customers``,
    ``cum_share_positives`` (the gains curve: share of all churners caught) and ``lift`` =
    cum_share_positives / cum_share_customers (1 = no better than random).

    Parameters
    ----------
    y_true
        The 0/1 outcome of each customer (1 = churned).
    scores
        The model's score of each customer (higher = more likely to churn).
    bins
        Number of bands (10 = deciles).

    Returns
    -------
    DataFrame
        One row per band, best first: ``band``, ``customers``, ``positives``, ``min_score``,
        ``rate``, ``cum_share_customers``, ``cum_share_positives`` and ``lift``.

    Examples
    --------
    >>> g = gains_table([1, 1, 0, 0], [0.9, 0.8, 0.3, 0.1], bins=2)
    >>> g[["cum_share_positives", "lift"]].values.tolist()
    [[1.0, 2.0], [1.0, 1.0]]
    """
    y = np.asarray(y_true, dtype=float)
    s = np.asarray(scores, dtype=float)
    if len(y) != len(s):
        raise CrmlabInputError("y_true and scores must have the same length")
    if len(y) == 0:
        raise CrmlabInputError("no customers to rank")
    if np.isnan(s).any() or np.isnan(y).any():
        raise CrmlabInputError("y_true and scores must not contain missing values")
    if not 1 <= bins <= len(y):
        raise CrmlabInputError(f"bins must be between 1 and the number of customers ({len(y)})")
    order = np.argsort(-s, kind="stable")
    band = np.arange(len(y)) * bins // len(y) + 1
    frame = pd.DataFrame({"band": band, "y": y[order], "score": s[order]})
    g = frame.groupby("band").agg(customers=("y", "size"), positives=("y", "sum"),
                                  min_score=("score", "min"))
    total_pos = max(frame["y"].sum(), 1e-12)
    g["rate"] = g["positives"] / g["customers"]
    g["cum_share_customers"] = g["customers"].cumsum() / len(y)
    g["cum_share_positives"] = g["positives"].cumsum() / total_pos
    g["lift"] = g["cum_share_positives"] / g["cum_share_customers"]
    return g.reset_index()


def feature_effects(model, X: pd.DataFrame, y: pd.Series | None = None, *,
                    n_repeats: int = 5, random_state: int = 0) -> pd.DataFrame:
    """How each feature moves the churn prediction, with a sentence per feature.

    Logistic regression: the coefficient of each standardised column as an odds ratio per
    standard deviation ("one SD more recency multiplies the odds of churning by 2.1").
    Other models: permutation importance on ``(X, y)`` (drop in ROC AUC when the column is
    shuffled), which says how much a feature matters but not in which direction.

    Parameters
    ----------
    model
        A fitted :func:`churn_model` pipeline.
    X
        Features (for permutation importance: held-out data).
    y
        The 0/1 labels of ``X``; needed for permutation importance only.
    n_repeats
        Shuffles per column (permutation importance).
    random_state
        Seed of the shuffles.

    Returns
    -------
    DataFrame sorted by strength: ``feature``, ``effect`` (odds ratio or AUC drop), ``kind``,
    ``explanation``.

    Examples
    --------
    >>> X = pd.DataFrame({"recency": [5, 10, 20, 200, 250, 300, 15, 220],
    ...                   "frequency": [9, 7, 8, 1, 2, 1, 6, 2]})
    >>> model = churn_model().fit(X, [0, 0, 0, 1, 1, 1, 0, 1])
    >>> effects = feature_effects(model, X).set_index("feature")
    >>> bool(effects.loc["recency", "effect"] > 1), bool(effects.loc["frequency", "effect"] < 1)
    (True, True)
    """
    classifier = model.named_steps["classify"]
    if hasattr(classifier, "coef_"):
        names = model.named_steps["prepare"].get_feature_names_out()
        odds = np.exp(classifier.coef_[0])
        numeric = set(model.named_steps["prepare"].named_transformers_["numeric"]
                      .get_feature_names_out())
        out = pd.DataFrame({"feature": names, "effect": odds,
                            "kind": ["odds ratio per SD" if f in numeric else
                                     "odds ratio vs other categories" for f in names]})
        out["explanation"] = [_explain_odds(f, o, f in numeric)
                              for f, o in zip(out["feature"], out["effect"])]
        out["_strength"] = np.abs(np.log(odds))
    else:
        from sklearn.inspection import permutation_importance

        if y is None:
            raise CrmlabInputError("permutation importance needs the labels y")
        result = permutation_importance(model, X, y, scoring="roc_auc", n_repeats=n_repeats,
                                        random_state=random_state, n_jobs=1)
        out = pd.DataFrame({"feature": X.columns, "effect": result.importances_mean,
                            "kind": "ROC AUC drop when shuffled"})
        out["explanation"] = [
            f"shuffling {f} lowers the ROC AUC by {d:.3f}" if d > 0.001 else
            f"{f} adds little (AUC drop {d:.3f})" for f, d in zip(out["feature"], out["effect"])]
        out["_strength"] = out["effect"]
    # rounded before sorting: two effects equal but for the last bits of floating point (e.g. a
    # city with one store and that store) keep the features' order on every machine
    out["_strength"] = out["_strength"].round(12)
    out = out.sort_values("_strength", ascending=False, kind="mergesort").drop(
        columns="_strength")
    return out.reset_index(drop=True)


def _explain_odds(feature: str, odds: float, numeric: bool) -> str:
    verb, factor = ("multiplies", odds) if odds >= 1 else ("divides", 1 / odds)
    if numeric:
        return f"one standard deviation more {feature} {verb} the odds of churning by {factor:.2f}"
    return f"being in {feature} {verb} the odds of churning by {factor:.2f}"


def winback_list(transactions: pd.DataFrame, *, as_of: Any = None,
                 return_probability: pd.Series | None = None, states=("churned", "at_risk"),
                 value_months: int = 12, customer: str = "customer_id", date: str = "date",
                 amount: str = "amount", top: int | None = None,
                 **label_options: Any) -> pd.DataFrame:
    """Lost and at-risk customers ranked by expected value of winning them back (挽回流失客户).

    ``expected_value = historic_value × p_return``, where ``historic_value`` is the customer's
    net spend in the window ``(last purchase − value_months, last purchase]`` and
    ``p_return`` the probability that they buy again — from a model (``return_probability``,
    e.g. 1 − churn probability, indexed by customer) or, when not given, measured from history:
    the share of customers in the same state one quarter (91 days) earlier who bought again
    within that quarter (the overall share when nobody was in that state then).

    Parameters
    ----------
    transactions, as_of, customer, date, amount
        As in :func:`churn_labels` (only data before ``as_of`` is used).
    return_probability
        Optional probability per customer; customers it lacks get the measured rate.
    states
        Which states to list (default: churned and at risk).
    value_months
        Window of the historic value.
    top
        Keep only the first ``top`` rows.
    **label_options
        Passed to :func:`churn_labels` (e.g. ``method="yoy"``).

    Returns
    -------
    DataFrame ranked by expected value: ``rank``, customer, ``state``, ``last_purchase``,
    ``historic_value``, ``p_return``, ``expected_value``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "c"], "amount": [900.0, 50.0, 20.0],
    ...                    "date": ["2025-06-01", "2025-06-01", "2025-12-30"]})
    >>> w = winback_list(tx, as_of="2026-01-01",
    ...                  return_probability=pd.Series({"a": .2, "b": .9}))
    >>> w[["customer_id", "expected_value"]].values.tolist()
    [['a', 180.0], ['b', 45.0]]
    """
    labels = churn_labels(transactions, as_of=as_of, customer=customer, date=date, amount=amount,
                          **label_options)
    as_of = labels.attrs["as_of"]
    labels = labels.set_index(customer)
    work, _, _ = _prepare(transactions, customer=customer, date=date, amount=amount, as_of=as_of)
    last = work["customer"].map(labels["last_purchase"])
    in_window = work["date"] > last - pd.DateOffset(months=value_months)
    value = work[in_window].groupby("customer")["amount"].sum()
    chosen = labels[labels["state"].isin(states)]
    measured = _measured_return_rates(transactions, as_of=as_of, customer=customer, date=date,
                                      amount=amount, **label_options)
    p = chosen["state"].astype(str).map(measured).astype(float)
    if return_probability is not None:
        given = pd.Series(return_probability, dtype=float)
        if ((given < 0) | (given > 1)).any():
            raise CrmlabInputError("return_probability must be between 0 and 1")
        p = given.reindex(chosen.index).fillna(p)
    out = pd.DataFrame({
        customer: chosen.index, "state": chosen["state"].to_numpy(),
        "last_purchase": chosen["last_purchase"].to_numpy(),
        "historic_value": value.reindex(chosen.index, fill_value=0.0).to_numpy(),
        "p_return": p.to_numpy(),
    })
    out["expected_value"] = out["historic_value"].clip(lower=0) * out["p_return"]
    out = out.sort_values(["expected_value", customer], ascending=[False, True],
                          kind="mergesort").reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out.head(top) if top else out


def _measured_return_rates(transactions, *, as_of, customer, date, amount,
                           **label_options) -> dict[str, float]:
    """Share of customers in each state 91 days before ``as_of`` who bought again since."""
    earlier = as_of - pd.Timedelta(days=91)
    try:
        past = churn_labels(transactions, as_of=earlier, customer=customer, date=date, amount=amount,
                            **label_options)
    except CrmlabInputError:
        return {}
    dates = to_datetime(transactions[date], column=date, what="the transactions")
    window = (dates >= earlier) & (dates < as_of)
    came_back = past[customer].isin(set(transactions.loc[window, customer].dropna()))
    rates = came_back.groupby(past["state"].astype(str)).mean().to_dict()
    return {state: rates.get(state, float(came_back.mean())) for state in CHURN_STATES}
