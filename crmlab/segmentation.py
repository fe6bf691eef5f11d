"""Customer segmentation (客户细分): RFM, visit-frequency tiers, lifecycle stages, k-means.

The RFM table is the customer summary of :mod:`crmlab.customers` (the rules for purchase
occasions, returns, money and the as-of date are written there once). Rows left out are
reported in ``result.attrs["excluded"]``. Conventions of this module (tested):

* **Scores** follow the common tutorial convention: quintiles (``bins=5``) of the customers'
  *rank* (``method="first"``, i.e. ties broken by row order, which is customer-id order in an
  :func:`rfm_table`), because ties in raw frequencies make ``pandas.qcut`` fail. Recency is
  reversed: 5 = bought most recently. The result equals ``pd.qcut(x.rank(method="first"), bins)``.
* **Named segments** come from the R × F grid in :data:`RFM_SEGMENT_GRID` (see there); pass your
  own grid to change it.

Examples
--------
>>> import pandas as pd
>>> tx = pd.DataFrame({
...     "receipt_id": ["r1", "r2", "r3", "r4", "r5"],
...     "customer_id": ["a", "a", "b", "b", None],
...     "date": pd.to_datetime(["2025-12-01", "2025-12-20", "2025-06-01", "2025-06-09",
...                             "2025-12-31"]),
...     "amount": [100.0, 50.0, 80.0, -30.0, 9.0]})
>>> rfm = rfm_table(tx, as_of="2026-01-01")
>>> rfm[["customer_id", "recency", "frequency", "monetary", "returns"]]
  customer_id  recency  frequency  monetary  returns
0           a       12          2     150.0      0.0
1           b      214          1      50.0     30.0
>>> print(rfm.attrs["excluded"])
5 rows received, 1 excluded: 1 row without a customer id (e.g. 4)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlab._checks import (
    CrmlabInputError, ExclusionReport, finish_report, parse_as_of, require_columns,
    require_not_empty, to_datetime, to_numeric,
)
from crmlab.customers import _day_numbers, _summary
from crmlab.i18n import Bilingual

__all__ = [
    "rfm_table", "rfm_scores", "rfm_segments", "RFM_SEGMENT_GRID", "SEGMENT_ORDER",
    "SEGMENT_ACTIONS", "frequency_tiers", "lifecycle_stage", "LIFECYCLE_STAGES",
    "kmeans_pipeline", "kmeans_segments", "choose_k", "segment_profile",
]


# --------------------------------------------------------------------------- RFM table
def rfm_table(transactions: pd.DataFrame, *, customer: str = "customer_id", date: str = "date",
              amount: str = "amount", occasion: str | None = "receipt_id", as_of: Any = None,
              return_report: bool = False) -> pd.DataFrame | tuple[pd.DataFrame, ExclusionReport]:
    """Recency, frequency and monetary value (RFM) of every customer.

    The customer summary of :func:`crmlab.customers.customer_summary` (same rules for
    occasions, returns and the as-of date) with the mean spend per purchase occasion.

    Parameters
    ----------
    transactions
        One row per transaction or receipt line; returns have negative amounts.
    customer, date, amount
        Column names: customer id, date of the purchase, signed amount (CNY).
    occasion
        Column of receipt ids; when the log has no such column (or ``None``), calendar days.
    as_of
        The analysis date (e.g. ``"2026-01-01"``, exclusive); default: the day after the last
        date. Rows dated on or after it are excluded and reported.
    return_report
        Also return the full :class:`~crmlab._checks.ExclusionReport` (every excluded row).

    Returns
    -------
    DataFrame
        One row per customer, sorted by id: ``<customer>``, ``first_purchase``,
        ``last_purchase``, ``recency`` (days), ``frequency`` (occasions), ``monetary`` (net
        spend), ``mean_spend`` (monetary / frequency), ``returns`` (amount returned, ≥ 0).
        ``attrs["excluded"]`` reports every row left out and why; ``attrs["as_of"]`` the date.

    Notes
    -----
    Plain pandas: ``s = customer_summary(tx, ...)`` (see there for its own plain version),
    then ``s["mean_spend"] = s["monetary"] / s["frequency"]``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "receipt_id": [1, 2, 3],
    ...                    "date": ["2025-01-01", "2025-01-11", "2025-01-05"],
    ...                    "amount": [10.0, 30.0, 5.0]})
    >>> rfm_table(tx, as_of="2025-01-31")[["customer_id", "recency", "frequency", "mean_spend"]]
      customer_id  recency  frequency  mean_spend
    0           a       20          2        20.0
    1           b       26          1         5.0
    """
    result, report = _summary(transactions, customer=customer, date=date, amount=amount,
                              occasion=occasion, as_of=as_of, keep_rows=return_report)
    result.insert(result.columns.get_loc("monetary") + 1, "mean_spend",
                  result["monetary"] / result["frequency"])
    return finish_report(result, report, return_report=return_report)


# --------------------------------------------------------------------------- RFM scores
def _rank_scores(values: pd.Series, bins: int) -> np.ndarray:
    """Score 1..bins: equal-count bins of rank(method='first'), exactly like ``pd.qcut``.

    ``pd.qcut`` on ranks 1..n puts edge k at ``1 + (n - 1) k / bins`` (right-closed bins); a rank
    r lies above edge k when ``(r - 1) * bins > (n - 1) * k``, computed here in integers.
    """
    n = len(values)
    r = values.rank(method="first").to_numpy().astype(np.int64)
    score = np.ones(n, dtype=np.int64)
    for k in range(1, bins):
        score += (r - 1) * bins > (n - 1) * k
    return score


def rfm_scores(
    rfm: pd.DataFrame,
    *,
    bins: int = 5,
    recency: str = "recency",
    frequency: str = "frequency",
    monetary: str = "monetary",
) -> pd.DataFrame:
    """Score each customer 1..``bins`` on recency, frequency and monetary value.

    Scores are equal-count bins of the customers' rank (``rank(method="first")``), so ties never
    break the binning; recency is reversed (``bins`` = most recent buyer). Ties are broken by row
    order, so two customers with the same frequency can get neighbouring scores.

    Parameters
    ----------
    rfm
        One row per customer, e.g. the output of :func:`rfm_table`.
    bins
        Number of scores (5 gives 1..5); at least 2.
    recency, frequency, monetary
        The columns holding days since the last purchase, purchase occasions and net spend.

    Returns
    -------
    DataFrame
        A copy of ``rfm`` with ``R``, ``F``, ``M`` (ints), ``rfm_code`` (e.g. ``"545"``) and
        ``rfm_sum`` (R + F + M).

    Notes
    -----
    Plain pandas (pandas 3's ``qcut``; pandas 2 places edge ties differently)::

        F = pd.qcut(rfm["frequency"].rank(method="first"), bins, labels=False) + 1
        R = bins - pd.qcut(rfm["recency"].rank(method="first"), bins, labels=False)

    The implementation compares each rank with the bin edges in integer arithmetic (no
    floating-point edge cases, same result on every pandas version); a test checks it against
    ``pd.qcut``.

    Examples
    --------
    >>> rfm = pd.DataFrame({"recency": [5, 40, 300, 12, 90],
    ...                     "frequency": [9, 3, 1, 5, 1], "monetary": [900, 120, 30, 400, 60]})
    >>> rfm_scores(rfm)[["R", "F", "M", "rfm_code"]]
       R  F  M rfm_code
    0  5  5  5      555
    1  3  3  3      333
    2  1  1  1      111
    3  4  4  4      444
    4  2  2  2      222
    """
    if not isinstance(bins, (int, np.integer)) or bins < 2:
        raise CrmlabInputError(f"bins must be a whole number of at least 2, got {bins!r}")
    require_columns(rfm, [recency, frequency, monetary], what="the RFM table")
    require_not_empty(rfm, what="the RFM table")
    out = rfm.copy()
    for column in (recency, frequency, monetary):
        values = to_numeric(rfm[column], column=column, what="the RFM table")
        if values.isna().any():
            rows = ", ".join(str(i) for i in values.index[values.isna()][:5])
            raise CrmlabInputError(f"column {column!r} of the RFM table is missing for rows "
                                   f"{rows}; every customer needs R, F and M")
        out[column] = values if column == monetary else rfm[column]
    out["R"] = bins + 1 - _rank_scores(out[recency].astype(float), bins)
    out["F"] = _rank_scores(out[frequency].astype(float), bins)
    out["M"] = _rank_scores(out[monetary].astype(float), bins)
    width = len(str(bins))  # "545" for bins ≤ 9, "040510" for bins 10..99
    base = 10 ** width
    code = (out["R"] * base + out["F"]) * base + out["M"]
    names = {c: str(c).zfill(3 * width) for c in np.unique(code.to_numpy())}
    out["rfm_code"] = code.map(names).astype(str)
    out["rfm_sum"] = out["R"] + out["F"] + out["M"]
    return out


# --------------------------------------------------------------------------- named segments
#: Named segments in the R × F grid (rows R = 5 … 1, columns F = 1 … 5): the grid most RFM
#: tutorials use, with one change — the R1 × F1 cell (longest absent, fewest purchases) is called
#: "Lost" instead of "Hibernating". Pass your own grid (same shape, or a dict {(R, F): name}) to
#: :func:`rfm_segments` to change it.
RFM_SEGMENT_GRID = pd.DataFrame(
    [
        ["New", "Potential loyalist", "Potential loyalist", "Champions", "Champions"],
        ["Promising", "Potential loyalist", "Potential loyalist", "Loyal", "Loyal"],
        ["About to sleep", "About to sleep", "Need attention", "Loyal", "Loyal"],
        ["Hibernating", "Hibernating", "At risk", "At risk", "Can't lose them"],
        ["Lost", "Hibernating", "At risk", "At risk", "Can't lose them"],
    ],
    index=pd.Index([5, 4, 3, 2, 1], name="R"),
    columns=pd.Index([1, 2, 3, 4, 5], name="F"),
)

#: Segment names from best to worst, the category order of :func:`rfm_segments`.
SEGMENT_ORDER = ("Champions", "Loyal", "Potential loyalist", "New", "Promising", "Need attention",
                 "About to sleep", "At risk", "Can't lose them", "Hibernating", "Lost")

#: What a marketer typically does with each segment (a starting point for discussion), in the
#: language chosen with :func:`crmlab.set_language`.
SEGMENT_ACTIONS = Bilingual({
    "Champions": ("reward them; early access, ask for reviews and referrals",
                  "奖励他们：新品抢先体验，请他们写评价、推荐朋友"),
    "Loyal": ("up-sell higher-value products; membership tier benefits",
              "向上销售更高价值的商品；会员等级权益"),
    "Potential loyalist": ("offer membership or loyalty programme; recommend related products",
                           "邀请加入会员或积分计划；推荐相关商品"),
    "New": ("onboarding: a welcome offer that brings them back a second time",
            "新客引导：用欢迎优惠让他们第二次再来"),
    "Promising": ("build awareness of the range; small free trials",
                  "让他们了解更多商品；小份免费试用"),
    "Need attention": ("limited-time offers based on their past purchases",
                       "根据以往购买推送限时优惠"),
    "About to sleep": ("reactivate with popular products and reminders before they drift away",
                       "在他们流失之前，用热门商品和提醒把他们唤醒"),
    "At risk": ("personal contact, win-back offers; find out what went wrong",
                "一对一联系，发挽回优惠；弄清哪里出了问题"),
    "Can't lose them": ("win them back at high priority (they used to buy a lot)",
                        "优先挽回（他们过去买得很多）"),
    "Hibernating": ("cheap reminders only; do not spend much",
                    "只发低成本的提醒；不要多花钱"),
    "Lost": ("ignore, or one low-cost revival campaign",
             "放弃，或做一次低成本的唤回活动"),
})


def _grid_lookup(grid: pd.DataFrame | Mapping[tuple[int, int], str]) -> dict[tuple[int, int], str]:
    if isinstance(grid, pd.DataFrame):
        return {(int(r), int(f)): str(grid.loc[r, f]) for r in grid.index for f in grid.columns}
    if isinstance(grid, Mapping):
        return {(int(r), int(f)): str(name) for (r, f), name in grid.items()}
    raise CrmlabInputError("grid must be a DataFrame (rows R, columns F) or a dict "
                           "{(R, F): segment name}")


def rfm_segments(
    scores: pd.DataFrame,
    *,
    grid: pd.DataFrame | Mapping[tuple[int, int], str] | None = None,
    r: str = "R",
    f: str = "F",
) -> pd.Series:
    """Name each customer's segment from their R and F scores (see :data:`RFM_SEGMENT_GRID`).

    Parameters
    ----------
    scores
        Output of :func:`rfm_scores` (or any frame with R and F score columns).
    grid
        The R × F table of names; default :data:`RFM_SEGMENT_GRID` (for ``bins=5``).
    r, f
        The columns holding the R and F scores.

    Returns
    -------
    Series
        Categorical segment names (categories in :data:`SEGMENT_ORDER` when the default names are
        used), same index as ``scores``.

    Examples
    --------
    >>> s = pd.DataFrame({"R": [5, 1, 3], "F": [5, 1, 3]})
    >>> rfm_segments(s).tolist()
    ['Champions', 'Lost', 'Need attention']
    """
    require_columns(scores, [r, f], what="the scores")
    lookup = _grid_lookup(RFM_SEGMENT_GRID if grid is None else grid)
    pairs = list(zip(scores[r].to_numpy(), scores[f].to_numpy()))
    unknown = sorted({(int(a), int(b)) for a, b in set(pairs) if (a, b) not in lookup})
    if unknown:
        raise CrmlabInputError(
            f"the segment grid has no name for (R, F) = {', '.join(map(str, unknown[:5]))}: "
            f"scores made with bins other than 5 need a grid of their own (grid=...)"
        )
    names = [lookup[p] for p in pairs]
    order = [s for s in SEGMENT_ORDER if s in set(lookup.values())]
    order += sorted(set(lookup.values()) - set(order))
    return pd.Series(pd.Categorical(names, categories=order), index=scores.index, name="segment")


# --------------------------------------------------------------------------- frequency tiers
def frequency_tiers(
    rfm: pd.DataFrame,
    *,
    heavy_max_days: float = 14,
    medium_max_days: float = 75,
    labels: Sequence[str] = ("heavy", "medium", "light"),
    single_label: str = "one visit",
    first: str = "first_purchase",
    last: str = "last_purchase",
    frequency: str = "frequency",
) -> pd.DataFrame:
    """Heavy / medium / light shoppers by the mean interval between visits (the KFC case).

    KFC calls a customer *heavy* who comes about once a week, *medium* about once a month and
    *light* about once in six months. The mean interval between visits is
    ``(last_purchase - first_purchase) / (frequency - 1)`` days. The default cut-offs lie between
    those rhythms (on a log scale): heavy ≤ 14 days (weekly to fortnightly), medium ≤ 75 days
    (about monthly), light = longer. A customer with one visit has no interval and gets
    ``single_label``.

    Parameters
    ----------
    rfm
        One row per customer with first and last purchase dates and frequency (e.g.
        :func:`rfm_table`).
    heavy_max_days
        Longest mean interval (days) of a heavy shopper.
    medium_max_days
        Longest mean interval (days) of a medium shopper; longer is light.
    labels
        The names of the three tiers, heavy first.
    single_label
        The tier of customers with one visit.
    first, last, frequency
        The columns of the first purchase date, last purchase date and number of visits.

    Returns
    -------
    DataFrame
        A copy of ``rfm`` with ``mean_interval_days`` (NaN for one visit) and ``tier``
        (categorical: heavy, medium, light, one visit).

    Examples
    --------
    >>> rfm = pd.DataFrame({"first_purchase": pd.to_datetime(["2025-01-01"] * 3),
    ...                     "last_purchase": pd.to_datetime(["2025-03-01", "2025-12-27",
    ...                                                      "2025-01-01"]),
    ...                     "frequency": [9, 5, 1]})
    >>> frequency_tiers(rfm)[["mean_interval_days", "tier"]]
       mean_interval_days       tier
    0                7.38      heavy
    1               90.00      light
    2                 NaN  one visit
    """
    require_columns(rfm, [first, last, frequency], what="the RFM table")
    if not 0 < heavy_max_days < medium_max_days:
        raise CrmlabInputError(
            f"need 0 < heavy_max_days < medium_max_days, got {heavy_max_days} and "
            f"{medium_max_days}"
        )
    if len(labels) != 3:
        raise CrmlabInputError(f"labels must name 3 tiers (heavy, medium, light), got {labels}")
    start = to_datetime(rfm[first], column=first, what="the RFM table")
    end = to_datetime(rfm[last], column=last, what="the RFM table")
    visits = to_numeric(rfm[frequency], column=frequency, what="the RFM table")
    if (visits < 1).any() or visits.isna().any():
        raise CrmlabInputError(f"column {frequency!r} must be at least 1 for every customer")
    if (end < start).any():
        rows = ", ".join(str(i) for i in rfm.index[(end < start).to_numpy()][:5])
        raise CrmlabInputError(f"{last!r} is before {first!r} for rows {rows}")
    span = (end - start).dt.days.astype(float)
    interval = (span / (visits - 1)).where(visits > 1).round(2)
    tier = np.select([interval <= heavy_max_days, interval <= medium_max_days,
                      interval.notna()], list(labels), default=single_label)
    out = rfm.copy()
    out["mean_interval_days"] = interval
    out["tier"] = pd.Categorical(tier, categories=[*labels, single_label], ordered=True)
    return out


# --------------------------------------------------------------------------- lifecycle
#: Lifecycle stages in order (客户生命周期): never bought → new → active → lapsing → lost.
LIFECYCLE_STAGES = ("potential", "new", "active", "lapsing", "lost")


def lifecycle_stage(
    customers: pd.DataFrame,
    *,
    as_of: Any = None,
    first: str = "first_purchase",
    last: str = "last_purchase",
    new_days: int = 90,
    lapsing_days: int = 180,
    lost_days: int = 365,
) -> pd.Series:
    """Lifecycle stage of each customer from the first and last purchase dates.

    With ``d`` = days from the last purchase to ``as_of`` (the analysis date, exclusive;
    default the day after the latest ``last`` date):

    * ``potential`` (潜在客户): no purchase yet (``first`` missing, e.g. a member who never bought);
    * ``lost`` (流失客户): ``d > lost_days``;
    * ``lapsing``: ``lapsing_days < d ≤ lost_days``;
    * ``new`` (新客户): first purchase at most ``new_days`` before ``as_of`` (and not lapsing);
    * ``active`` (现实客户): everyone else.

    Parameters
    ----------
    customers
        One row per customer with first and last purchase dates (missing for a customer who
        never bought), e.g. :func:`rfm_table` or :func:`crmlab.customers.customer_summary`.
    as_of
        The analysis date (exclusive), anything :func:`pandas.Timestamp` reads.
    first, last
        The columns of the first and last purchase dates.
    new_days
        A first purchase at most this many days before ``as_of`` makes a customer new.
    lapsing_days
        More days than this since the last purchase: lapsing.
    lost_days
        More days than this since the last purchase: lost.

    Returns
    -------
    Series
        Ordered categorical (:data:`LIFECYCLE_STAGES`), same index as ``customers``.

    Examples
    --------
    >>> c = pd.DataFrame({"first_purchase": pd.to_datetime([None, "2025-11-01", "2024-01-01",
    ...                                                     "2024-01-01", "2023-01-01"]),
    ...                   "last_purchase": pd.to_datetime([None, "2025-12-01", "2025-12-01",
    ...                                                    "2025-05-01", "2024-06-01"])})
    >>> lifecycle_stage(c, as_of="2026-01-01").tolist()
    ['potential', 'new', 'active', 'lapsing', 'lost']
    """
    require_columns(customers, [first, last], what="the customer table")
    if not 0 < new_days <= lapsing_days < lost_days:
        raise CrmlabInputError(
            "need 0 < new_days ≤ lapsing_days < lost_days, got "
            f"{new_days}, {lapsing_days}, {lost_days}"
        )
    start = to_datetime(customers[first], column=first, what="the customer table")
    end = to_datetime(customers[last], column=last, what="the customer table")
    as_of_stamp = parse_as_of(as_of, end)
    day = _day_numbers(pd.Series([as_of_stamp]))[0]
    if (start.isna() != end.isna()).any():
        rows = ", ".join(str(i) for i in customers.index[(start.isna() != end.isna())][:5])
        raise CrmlabInputError(f"rows {rows} have only one of {first!r} and {last!r}")
    since_last = day - _day_numbers(end)
    since_first = day - _day_numbers(start)
    late = start.notna().to_numpy() & (since_first < 1)
    if late.any():
        rows = ", ".join(str(i) for i in customers.index[late][:5])
        raise CrmlabInputError(f"rows {rows} first bought on or after the as-of date "
                               f"{as_of_stamp.date()}")
    stage = np.select(
        [start.isna().to_numpy(), since_last > lost_days, since_last > lapsing_days,
         since_first <= new_days],
        ["potential", "lost", "lapsing", "new"], default="active")
    return pd.Series(pd.Categorical(stage, categories=LIFECYCLE_STAGES, ordered=True),
                     index=customers.index, name="stage")


# --------------------------------------------------------------------------- k-means
def kmeans_pipeline(k: int = 4, *, log: bool = True, random_state: int = 42,
                    n_init: int | str = "auto") -> Any:
    """A scikit-learn pipeline: optional ``log1p``, standard scaling, then ``KMeans(k)``.

    RFM values are very skewed (a few customers spend 100× the median), so without the log the
    clusters mostly separate the few largest customers from everyone else.

    Parameters
    ----------
    k
        Number of clusters.
    log
        Apply ``log1p`` to the features first (they must not be negative).
    random_state
        Seed of k-means, so that results repeat.
    n_init
        Number of k-means starts (scikit-learn's ``n_init``).

    Returns
    -------
    sklearn.pipeline.Pipeline
        Unfitted; ``fit_predict(features)`` gives the cluster of each row.

    Examples
    --------
    >>> pipe = kmeans_pipeline(3)
    >>> [name for name, _ in pipe.steps]
    ['log1p', 'scale', 'kmeans']
    """
    from sklearn.cluster import KMeans
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    steps = [("log1p", FunctionTransformer(np.log1p, feature_names_out="one-to-one"))] if log \
        else []
    steps += [("scale", StandardScaler()),
              ("kmeans", KMeans(n_clusters=k, random_state=random_state, n_init=n_init))]
    return Pipeline(steps)


def _features(features: pd.DataFrame, columns: Sequence[str], log: bool) -> pd.DataFrame:
    require_columns(features, columns, what="the features")
    require_not_empty(features, what="the features")
    x = pd.DataFrame({c: to_numeric(features[c], column=c, what="the features") for c in columns})
    if x.isna().any().any():
        bad = x.columns[x.isna().any()].tolist()
        raise CrmlabInputError(f"the features have missing values in {bad}; fill or drop them")
    if log and (x < 0).any().any():
        bad = x.columns[(x < 0).any()].tolist()
        raise CrmlabInputError(
            f"the features {bad} have negative values, which log1p cannot take; pass log=False "
            f"or exclude those customers (e.g. net monetary < 0)"
        )
    return x


def kmeans_segments(
    features: pd.DataFrame,
    *,
    k: int = 4,
    columns: Sequence[str] = ("recency", "frequency", "monetary"),
    log: bool = True,
    random_state: int = 42,
    order_by: str | None = "monetary",
) -> pd.Series:
    """Cluster customers with :func:`kmeans_pipeline`; clusters numbered by value.

    Cluster numbers from k-means are arbitrary; here cluster 0 is the one with the highest mean
    ``order_by`` (default monetary), 1 the next, and so on, so results read the same every run.

    Parameters
    ----------
    features
        One row per customer, e.g. :func:`rfm_table`.
    k
        Number of clusters (between 1 and the number of customers).
    columns
        The feature columns to cluster on (no missing values).
    log
        Apply ``log1p`` before scaling (features must not be negative).
    random_state
        Seed of k-means.
    order_by
        The column whose cluster mean orders the cluster numbers (largest = 0); ``None`` keeps
        k-means' own numbering.

    Returns
    -------
    Series
        Integer cluster label (``cluster``), same index as ``features``.

    Examples
    --------
    >>> f = pd.DataFrame({"recency": [5, 7, 300, 320, 6], "frequency": [20, 25, 1, 2, 22],
    ...                   "monetary": [5e3, 6e3, 50, 80, 4e3]})
    >>> kmeans_segments(f, k=2).tolist()
    [0, 0, 1, 1, 0]
    """
    columns = list(columns)
    x = _features(features, columns, log)
    if not 1 <= k <= len(x):
        raise CrmlabInputError(f"k must be between 1 and the number of customers ({len(x)}), "
                               f"got {k}")
    labels = kmeans_pipeline(k, log=log, random_state=random_state).fit_predict(x)
    if order_by is not None:
        require_columns(features, [order_by], what="the features")
        means = pd.Series(features[order_by].to_numpy(dtype=float)).groupby(labels).mean()
        rename = {old: new for new, old in enumerate(means.sort_values(ascending=False).index)}
        labels = np.array([rename[c] for c in labels])
    return pd.Series(labels.astype(np.int64), index=features.index, name="cluster")


def choose_k(
    features: pd.DataFrame,
    *,
    ks: Sequence[int] = range(2, 9),
    columns: Sequence[str] = ("recency", "frequency", "monetary"),
    log: bool = True,
    random_state: int = 42,
    silhouette_sample: int | None = 2000,
) -> pd.DataFrame:
    """Inertia (elbow method) and silhouette score for each k, to help choose the number of groups.

    The silhouette is computed on a random sample of ``silhouette_sample`` customers (seeded)
    because its cost grows with the square of the number of customers; ``None`` uses everyone.

    Parameters
    ----------
    features
        One row per customer, e.g. :func:`rfm_table`.
    ks
        The numbers of clusters to try (each between 2 and the number of customers - 1).
    columns
        The feature columns to cluster on.
    log
        Apply ``log1p`` before scaling.
    random_state
        Seed of k-means and of the silhouette sample.
    silhouette_sample
        Number of customers the silhouette is computed on; ``None`` for all.

    Returns
    -------
    DataFrame
        ``k``, ``inertia`` (within-cluster sum of squares on the scaled features, lower is
        tighter) and ``silhouette`` (-1..1, higher = better separated).

    Examples
    --------
    >>> f = pd.DataFrame({"recency": [5, 7, 300, 320, 6, 150, 160],
    ...                   "frequency": [20, 25, 1, 2, 22, 6, 5],
    ...                   "monetary": [5e3, 6e3, 50, 80, 4e3, 700, 650]})
    >>> t = choose_k(f, ks=[2, 3])
    >>> t["k"].tolist(), bool(t["inertia"].is_monotonic_decreasing)
    ([2, 3], True)
    """
    from sklearn.metrics import silhouette_score

    columns = list(columns)
    x = _features(features, columns, log)
    rows = []
    for k in ks:
        if not 2 <= k < len(x):
            raise CrmlabInputError(f"every k must be between 2 and n - 1 = {len(x) - 1}, got {k}")
        pipe = kmeans_pipeline(k, log=log, random_state=random_state)
        labels = pipe.fit_predict(x)
        scaled = pipe[:-1].transform(x)
        sample = (None if silhouette_sample is None or silhouette_sample >= len(x)
                  else silhouette_sample)
        sil = silhouette_score(scaled, labels, sample_size=sample, random_state=random_state)
        rows.append({"k": int(k), "inertia": float(pipe[-1].inertia_), "silhouette": float(sil)})
    return pd.DataFrame(rows)


def segment_profile(
    rfm: pd.DataFrame,
    segments: pd.Series | str,
    *,
    recency: str = "recency",
    frequency: str = "frequency",
    monetary: str = "monetary",
) -> pd.DataFrame:
    """Describe segments (RFM names, clusters, tiers …) in business terms.

    Parameters
    ----------
    rfm
        One row per customer with recency, frequency and monetary columns.
    segments
        The segment of each customer (same length and order as ``rfm``), or the name of a
        column of ``rfm`` holding it.
    recency, frequency, monetary
        The columns averaged (and, for monetary, summed) per segment.

    Returns
    -------
    DataFrame
        One row per segment (empty categories dropped): ``segment``, ``customers``,
        ``customer_share``, ``revenue`` (sum of monetary), ``revenue_share``, ``mean_recency``,
        ``mean_frequency``, ``mean_monetary``; sorted by revenue, largest first.

    Examples
    --------
    >>> rfm = pd.DataFrame({"recency": [10, 20, 300], "frequency": [5, 3, 1],
    ...                     "monetary": [500.0, 300.0, 200.0]})
    >>> segment_profile(rfm, pd.Series(["a", "a", "b"]))[["segment", "customers", "revenue_share"]]
      segment  customers  revenue_share
    0       a          2            0.8
    1       b          1            0.2
    """
    require_columns(rfm, [recency, frequency, monetary], what="the RFM table")
    require_not_empty(rfm, what="the RFM table")
    if isinstance(segments, str):
        require_columns(rfm, [segments], what="the RFM table")
        segments = rfm[segments]
    if len(segments) != len(rfm):
        raise CrmlabInputError(f"segments has {len(segments)} labels for {len(rfm)} customers")
    if segments.isna().any():
        raise CrmlabInputError("some customers have no segment label (NaN); label every customer")
    frame = pd.DataFrame({
        "segment": np.asarray(segments),
        "r": to_numeric(rfm[recency], column=recency, what="the RFM table").to_numpy(),
        "f": to_numeric(rfm[frequency], column=frequency, what="the RFM table").to_numpy(),
        "m": to_numeric(rfm[monetary], column=monetary, what="the RFM table").to_numpy(),
    })
    g = frame.groupby("segment", observed=True, sort=True)
    out = pd.DataFrame({
        "customers": g.size(),
        "revenue": g["m"].sum(),
        "mean_recency": g["r"].mean(),
        "mean_frequency": g["f"].mean(),
        "mean_monetary": g["m"].mean(),
    }).reset_index()
    out["customer_share"] = out["customers"] / len(frame)
    total = frame["m"].sum()
    out["revenue_share"] = out["revenue"] / total if total else np.nan
    out = out.sort_values("revenue", ascending=False, kind="stable").reset_index(drop=True)
    return out[["segment", "customers", "customer_share", "revenue", "revenue_share",
                "mean_recency", "mean_frequency", "mean_monetary"]]
