"""The 80/20 rule (二八法则), Lorenz curve and Gini, ABC classes, Class I/II/III, customer pyramid.

Every function takes the value of each customer either as a Series (index = customer id, values =
sales or profit), or as a DataFrame with ``value=`` naming the value column and ``customer=`` the
customer-id column, in which case the rows are first **summed per customer** (so a transaction
table can be passed directly). A DataFrame without ``customer=`` is refused: a table of lines and
a table of customers look alike, so the package never guesses which one it got. Rows without a
customer id are excluded and reported: in ``result.attrs["excluded"]`` (an
:class:`~crmlab._checks.ExclusionReport`) for tables and Series, as a
:class:`~crmlab._checks.CrmlabExclusionWarning` for the functions that return one number.

Conventions (chosen by the project, documented here once and tested):

* **Ordering.** Customers are sorted by value, largest first; equal values are ordered by customer
  id so that results are deterministic.
* **Shares along the curve.** :func:`top_share` and :func:`customers_for_share` read the Pareto
  curve with straight lines between customers (linear interpolation), so "the top 20 %" is
  well-defined even when 20 % of the customers is not a whole number. At whole numbers of
  customers the answer equals plain counting.
* **Rank classes** (:func:`sales_rank_class`, :func:`pyramid_layers`): a customer belongs to the
  first class whose cut-off exceeds the share of customers ranked *strictly ahead* of them,
  ``(rank_min - 1) / n < cutoff``. Equal values therefore always share a class (rank with
  ``method="min"``); with 10 customers exactly one is in the top 10 %, with 5 customers the best
  one is (nobody is ahead of them), and a tie across a cut-off puts the whole tie in the upper
  class.
* **ABC classes** (:func:`abc_classes`): by default a customer is A while the customers ahead of
  them hold less than 80 % of the value (``rule="start"``: class A is the *smallest* group of top
  customers that reaches 80 %); ``rule="end"`` instead requires the customer's own cumulative
  share to be at most 80 %. For values [10, 4, 3, 2, 1] the two rules give A A A B C and
  A A B B C. Ties share a class in both rules.
* **Gini** uses the population formula ``G = ΣiΣj |xi - xj| / (2 n² mean)`` (0 = everyone equal,
  approaching 1 when one customer holds everything); ``correction=True`` multiplies by
  ``n / (n - 1)`` (the sample version, which reaches exactly 1). [1, 2, 3, 4, 10] → 0.4 (0.5
  corrected).

Negative customer values (a customer who only returned goods) make shares meaningless, so they
raise by default; pass ``negatives="exclude"`` to leave such customers out (reported).

Examples
--------
>>> import pandas as pd
>>> sales = pd.Series([10, 4, 3, 2, 1], index=list("abcde"))
>>> round(top_share(sales, top=0.2), 3)
0.5
>>> round(gini(sales), 3)
0.4
>>> abc_classes(sales).tolist()
['A', 'A', 'A', 'B', 'C']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from crmlab._checks import (
    CrmlabInputError, ExclusionReport, require_choice, require_columns, to_numeric, warn_excluded,
)
from crmlab._ids import id_codes

__all__ = [
    "customer_values", "pareto_table", "top_share", "customers_for_share", "lorenz_curve", "gini",
    "abc_classes", "sales_rank_class", "pyramid_layers", "customer_pyramid",
    "PYRAMID_LABELS", "PYRAMID_CUTOFFS",
]

#: Layers of the customer pyramid (客户金字塔), top first: 贵宾型, 重要型, 普通型.
PYRAMID_LABELS = ("VIP", "important", "ordinary")
#: Top 5 % are VIP, the next 15 % (up to the 80/20 line at 20 %) important, the rest ordinary.
PYRAMID_CUTOFFS = (0.05, 0.20)

Negatives = Literal["raise", "exclude"]
_EPS = 1e-9


# --------------------------------------------------------------------------- input handling
def customer_values(
    values: pd.Series | pd.DataFrame,
    *,
    value: str | None = None,
    customer: str | None = None,
    negatives: Negatives = "raise",
    allow_negative: bool = False,
    what: str = "values",
) -> tuple[pd.Series, ExclusionReport]:
    """One number per customer, checked, plus a report of what had to be left out.

    Parameters
    ----------
    values
        A Series indexed by customer id, or a DataFrame.
    value, customer
        For a DataFrame: the value column and the customer-id column (required). The rows are
        summed per customer (sums rounded to 6 decimals to remove floating-point noise) and rows
        without an id are excluded (reported). For one row per customer already, pass a Series
        (``df.set_index("customer_id")["sales"]``).
    negatives
        ``"raise"`` (default) or ``"exclude"`` customers whose value is below zero.
    allow_negative
        Keep negative values without complaint (ranking functions only need an order).
    what
        How the data is named in error messages (``"the values"``, ``"the sales"`` …).

    Returns
    -------
    (Series, ExclusionReport)
        Values as floats, named ``value`` (or the value column's name), index = customer id.

    Notes
    -----
    Plain pandas: ``df.groupby(customer)[value].sum().round(6)`` (rows without an id dropped by
    ``groupby``, here reported). The implementation numbers the ids once
    (:func:`crmlab._ids.id_codes`, threaded on millions of text ids) and sums with
    ``numpy.bincount``; a test checks both agree.

    Examples
    --------
    >>> tx = pd.DataFrame({"id": ["a", "b", "a", None], "amount": [5, 2, 1, 9]})
    >>> v, report = customer_values(tx, value="amount", customer="id")
    >>> v.to_dict(), str(report)
    ({'a': 6.0, 'b': 2.0}, '4 rows received, 1 excluded: 1 row without a customer id (e.g. 3)')
    """
    report = ExclusionReport()
    if isinstance(values, pd.DataFrame):
        if value is None:
            raise CrmlabInputError(
                f"{what} is a table: say which column holds the value, e.g. value='sales'"
            )
        require_choice("customer", customer, meaning="customer ids",
                       example="customer='customer_id' (or pass a Series indexed by customer)")
        require_columns(values, [value, customer], what=what)
        report.received = len(values)
        numbers = to_numeric(values[value], column=value, what=what)
        # Customers in id order (pandas puts numbers before text when ids are mixed).
        codes, uniques = id_codes(values[customer], sort=True)  # missing id → -1
        no_id = codes < 0
        report.add("rows without a customer id", values.index[no_id])
        # Rows without an id fall in bin 0, which is dropped. Sums are rounded to 6 decimals:
        # that removes the noise of floating-point summation, so that customers with equal
        # totals tie exactly whatever order their rows came in.
        sums = np.bincount(codes + 1, weights=numbers.to_numpy(), minlength=len(uniques) + 1)
        if np.isnan(sums[1:]).any():
            _reject_nan(numbers[~no_id], column=value, what=what)
        sums = np.round(sums[1:], 6)
        series = pd.Series(sums, index=pd.Index(uniques, name=customer))
        series.name = value
    elif isinstance(values, pd.Series):
        report.received = len(values)
        series = to_numeric(values, column=str(values.name or "value"), what=what)
        _reject_nan(series, column=str(values.name or "value"), what=what)
        series.name = values.name if values.name is not None else "value"
    else:
        try:
            series = pd.Series(np.asarray(values, dtype=float), name="value")
        except (TypeError, ValueError) as exc:
            raise CrmlabInputError(
                f"{what} must be a pandas Series, a DataFrame or a list of numbers, "
                f"got {type(values).__name__}"
            ) from exc
        report.received = len(series)
        _reject_nan(series, column="value", what=what)
    if len(series) == 0:
        raise CrmlabInputError(f"{what} has no customers: there is nothing to compute")
    if not allow_negative:
        negative = series < 0
        if negative.any():
            if negatives == "exclude":
                report.add("customers with a negative value", series.index[negative])
                series = series[~negative]
                if len(series) == 0:
                    raise CrmlabInputError(f"every customer in {what} has a negative value")
            elif negatives == "raise":
                rows = ", ".join(str(i) for i in series.index[negative][:5])
                raise CrmlabInputError(
                    f"{what} has {int(negative.sum())} customer(s) with a negative value "
                    f"({rows}); shares of a total are meaningless with negatives. Fix the data, "
                    f"or pass negatives='exclude' to leave them out (they will be reported)"
                )
            else:
                raise CrmlabInputError(f"negatives must be 'raise' or 'exclude', not {negatives!r}")
    return series.astype(float), report


def _reject_nan(series: pd.Series, *, column: str, what: str) -> None:
    missing = series.isna()
    if missing.any():
        rows = ", ".join(str(i) for i in series.index[missing][:5])
        more = " …" if missing.sum() > 5 else ""
        raise CrmlabInputError(
            f"column {column!r} of {what} has {int(missing.sum())} missing value(s) (rows "
            f"{rows}{more}); fill them (e.g. with 0 for no sales) or drop them first"
        )


def _sorted_desc(series: pd.Series) -> pd.Series:
    """Largest value first, equal values ordered by customer id (deterministic)."""
    ids = series.index
    try:
        order = np.lexsort((np.asarray(ids), -series.to_numpy()))
    except TypeError:  # ids of mixed types cannot be compared: keep input order among ties
        order = np.argsort(-series.to_numpy(), kind="stable")
    return series.iloc[order]


def _positive_total(series: pd.Series, what: str) -> float:
    total = float(series.sum())
    if total <= 0:
        raise CrmlabInputError(
            f"the values in {what} add up to {total:g}: shares of the total need a positive total"
        )
    return total


# --------------------------------------------------------------------------- 80/20 table
def pareto_table(
    values: pd.Series | pd.DataFrame,
    *,
    value: str | None = "amount",
    customer: str | None = None,
    negatives: Negatives = "raise",
) -> pd.DataFrame:
    """Customers sorted by value with their rank, share and the cumulative shares (二八法则).

    Parameters
    ----------
    values
        Value per customer (Series indexed by customer), or a table; see :func:`customer_values`.
    value, customer
        Column names when ``values`` is a table (``customer`` sums rows per customer).
    negatives
        ``"raise"`` or ``"exclude"`` customers with a negative total.

    Returns
    -------
    DataFrame
        One row per customer, largest value first: ``customer``, ``value``, ``rank`` (1 = largest,
        ties by customer id), ``share`` of the total value, ``cum_customer_share`` (rank / n) and
        ``cum_value_share``. ``attrs["excluded"]`` reports rows left out.

    Notes
    -----
    Plain pandas, from the values per customer ``v`` (see :func:`customer_values`)::

        t = v.sort_values(ascending=False).rename("value").rename_axis("customer").reset_index()
        t["share"] = t["value"] / t["value"].sum()
        t["cum_value_share"] = t["share"].cumsum()

    (ties are ordered by customer id here, so the order is the same on every run).

    Examples
    --------
    >>> t = pareto_table(pd.Series([1, 2, 3, 4, 10], index=list("vwxyz")))
    >>> t[["customer", "rank", "cum_customer_share", "cum_value_share"]].head(2)
      customer  rank  cum_customer_share  cum_value_share
    0        z     1                 0.2              0.5
    1        y     2                 0.4              0.7
    """
    series, report = customer_values(
        values, value=value, customer=customer, negatives=negatives, what="the values"
    )
    total = _positive_total(series, "the values")
    ordered = _sorted_desc(series)
    n = len(ordered)
    amounts = ordered.to_numpy()
    rank = np.arange(1, n + 1)
    table = pd.DataFrame({
        "customer": ordered.index.to_numpy(),
        "value": amounts,
        "rank": rank,
        "share": amounts / total,
        "cum_customer_share": rank / n,
        "cum_value_share": np.cumsum(amounts) / total,
    })
    table.attrs["excluded"] = report.brief()
    return table


def _curve(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Points (customer share, value share) of the Pareto curve, from (0, 0) to (1, 1)."""
    total = _positive_total(series, "the values")
    amounts = np.sort(series.to_numpy())[::-1]
    x = np.arange(len(amounts) + 1) / len(amounts)
    y = np.concatenate([[0.0], np.cumsum(amounts) / total])
    y[-1] = 1.0
    return x, y


def _check_fraction(fraction: float, name: str) -> float:
    if not isinstance(fraction, (int, float, np.number)) or not 0 <= fraction <= 1:
        raise CrmlabInputError(f"{name} must be a fraction between 0 and 1 (0.2 = 20 %), got "
                               f"{fraction!r}")
    return float(fraction)


def top_share(
    values: pd.Series | pd.DataFrame,
    *,
    top: float = 0.2,
    value: str | None = "amount",
    customer: str | None = None,
    negatives: Negatives = "raise",
) -> float:
    """Share of the total value held by the top ``top`` fraction of customers ("20 % → ? %").

    Reads the Pareto curve with linear interpolation between customers (see module notes).

    Parameters
    ----------
    values
        Value per customer (a Series indexed by customer id), or a table whose rows are summed
        per customer (then ``customer=`` is required); see :func:`customer_values`.
    top
        The fraction of customers, largest first (0.2 = the top 20 %).
    value
        The value column when ``values`` is a table.
    customer
        The customer-id column when ``values`` is a table.
    negatives
        ``"raise"`` (default) or ``"exclude"`` customers with a negative total.

    Returns
    -------
    float
        The share (0–1) of the total value those customers hold. Rows left out (no customer id,
        negative customers excluded) are announced by a
        :class:`~crmlab._checks.CrmlabExclusionWarning`.

    Notes
    -----
    Plain pandas at a whole number of customers ``k = top * n``:
    ``v.sort_values(ascending=False).head(k).sum() / v.sum()``.

    Examples
    --------
    >>> # top 20 % of [1, 2, 3, 4, 10] is the one customer with 10 of 20: 50 %
    >>> top_share(pd.Series([1, 2, 3, 4, 10]), top=0.2)
    0.5
    """
    top = _check_fraction(top, "top")
    series, report = customer_values(values, value=value, customer=customer, negatives=negatives)
    warn_excluded(report, what="top_share")
    x, y = _curve(series)
    return float(np.interp(top, x, y))


def customers_for_share(
    values: pd.Series | pd.DataFrame,
    *,
    share: float = 0.8,
    value: str | None = "amount",
    customer: str | None = None,
    negatives: Negatives = "raise",
) -> float:
    """Smallest fraction of (top) customers that together hold ``share`` of the value.

    The inverse of :func:`top_share` (linear interpolation between customers).

    Parameters
    ----------
    values
        Value per customer (a Series indexed by customer id), or a table whose rows are summed
        per customer (then ``customer=`` is required); see :func:`customer_values`.
    share
        The share of the total value to reach (0.8 = 80 %).
    value
        The value column when ``values`` is a table.
    customer
        The customer-id column when ``values`` is a table.
    negatives
        ``"raise"`` (default) or ``"exclude"`` customers with a negative total.

    Returns
    -------
    float
        The fraction (0–1) of customers, largest first, that hold ``share`` of the value. Rows
        left out are announced by a :class:`~crmlab._checks.CrmlabExclusionWarning`.

    Examples
    --------
    >>> # [10, 4, 3, 2, 1]: 2 customers hold 70 %, 3 hold 85 %; 80 % is 2/3 of the way
    >>> round(customers_for_share(pd.Series([1, 2, 3, 4, 10]), share=0.8), 4)
    0.5333
    """
    share = _check_fraction(share, "share")
    series, report = customer_values(values, value=value, customer=customer, negatives=negatives)
    warn_excluded(report, what="customers_for_share")
    x, y = _curve(series)
    # y is non-decreasing; take the first point where it reaches the share (flat parts: earliest).
    i = int(np.searchsorted(y, share - _EPS, side="left"))
    if i == 0:
        return 0.0
    y0, y1 = y[i - 1], y[i]
    return float(x[i - 1] + (share - y0) / (y1 - y0) * (x[i] - x[i - 1]))


# --------------------------------------------------------------------------- Lorenz and Gini
def lorenz_curve(
    values: pd.Series | pd.DataFrame,
    *,
    value: str | None = "amount",
    customer: str | None = None,
    negatives: Negatives = "raise",
) -> pd.DataFrame:
    """Points of the Lorenz curve: customers from the *smallest* up, cumulative shares.

    Parameters
    ----------
    values
        Value per customer (a Series indexed by customer id), or a table whose rows are summed
        per customer (then ``customer=`` is required); see :func:`customer_values`.
    value
        The value column when ``values`` is a table.
    customer
        The customer-id column when ``values`` is a table.
    negatives
        ``"raise"`` (default) or ``"exclude"`` customers with a negative total.

    Returns
    -------
    DataFrame
        ``n + 1`` rows from (0, 0) to (1, 1): ``cum_customer_share`` and ``cum_value_share``.
        The Pareto curve is the same curve turned round (largest customers first).

    Examples
    --------
    >>> lorenz_curve(pd.Series([1, 2, 3, 4, 10]))["cum_value_share"].round(2).tolist()
    [0.0, 0.05, 0.15, 0.3, 0.5, 1.0]
    """
    series, report = customer_values(values, value=value, customer=customer, negatives=negatives)
    total = _positive_total(series, "the values")
    amounts = np.sort(series.to_numpy())
    n = len(amounts)
    y = np.concatenate([[0.0], np.cumsum(amounts) / total])
    y[-1] = 1.0
    out = pd.DataFrame({"cum_customer_share": np.arange(n + 1) / n, "cum_value_share": y})
    out.attrs["excluded"] = report.brief()
    return out


def gini(
    values: pd.Series | pd.DataFrame,
    *,
    correction: bool = False,
    value: str | None = "amount",
    customer: str | None = None,
    negatives: Negatives = "raise",
) -> float:
    """Gini coefficient of customer value: 0 = all equal, near 1 = one customer has everything.

    Population formula ``G = ΣiΣj |xi - xj| / (2 n² mean)``, computed in O(n log n) as
    ``G = 2 Σ i·x(i) / (n Σ x) - (n + 1) / n`` with values sorted ascending (i = 1..n). It equals
    1 minus twice the area under the Lorenz curve. ``correction=True`` multiplies by n/(n-1).

    Parameters
    ----------
    values
        Value per customer (a Series indexed by customer id), or a table whose rows are summed
        per customer (then ``customer=`` is required); see :func:`customer_values`.
    correction
        Multiply by ``n / (n - 1)`` (the sample version, which reaches exactly 1).
    value
        The value column when ``values`` is a table.
    customer
        The customer-id column when ``values`` is a table.
    negatives
        ``"raise"`` (default) or ``"exclude"`` customers with a negative total.

    Returns
    -------
    float
        The Gini coefficient, between 0 and 1. Rows left out are announced by a
        :class:`~crmlab._checks.CrmlabExclusionWarning`.

    Notes
    -----
    Plain numpy, the definition in O(n²) for the values ``x = v.to_numpy()``:
    ``np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())``.

    Examples
    --------
    >>> gini(pd.Series([1, 2, 3, 4, 10]))  # 2*80/(5*20) - 6/5
    0.4
    >>> gini(pd.Series([1, 2, 3, 4, 10]), correction=True)
    0.5
    """
    series, report = customer_values(values, value=value, customer=customer, negatives=negatives)
    warn_excluded(report, what="gini")
    total = _positive_total(series, "the values")
    amounts = np.sort(series.to_numpy())
    n = len(amounts)
    if correction and n < 2:
        raise CrmlabInputError("the corrected Gini needs at least 2 customers")
    g = 2.0 * float(np.dot(np.arange(1, n + 1), amounts)) / (n * total) - (n + 1) / n
    g = max(g, 0.0)
    if correction:
        g *= n / (n - 1)
    return round(g, 12)


# --------------------------------------------------------------------------- classes
def _check_cutoffs(cutoffs: Sequence[float], labels: Sequence[str]) -> list[float]:
    cuts = [float(c) for c in cutoffs]
    if len(labels) != len(cuts) + 1:
        raise CrmlabInputError(
            f"{len(cuts)} cut-off(s) make {len(cuts) + 1} classes, but {len(labels)} labels were "
            f"given: {list(labels)}"
        )
    if any(not 0 < c < 1 for c in cuts) or any(b <= a for a, b in zip(cuts, cuts[1:])):
        raise CrmlabInputError(
            f"cut-offs must be increasing fractions between 0 and 1, got {list(cutoffs)}"
        )
    if len(set(labels)) != len(labels):
        raise CrmlabInputError(f"class labels must be distinct, got {list(labels)}")
    return cuts


def _rank_classes(series: pd.Series, cuts: list[float], labels: Sequence[str]) -> pd.Series:
    """Class by the share of customers ranked strictly ahead (rank method='min')."""
    n = len(series)
    ahead = series.rank(method="min", ascending=False).to_numpy() - 1
    codes = np.zeros(n, dtype=np.int64)
    for cut in cuts:
        codes += ahead >= cut * n - _EPS
    dtype = pd.CategoricalDtype(list(labels), ordered=True)
    return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype), index=series.index,
                     name="class")


def sales_rank_class(
    values: pd.Series,
    *,
    cutoffs: Sequence[float] = (0.10, 0.30),
    labels: Sequence[str] = ("I", "II", "III"),
) -> pd.Series:
    """Class I / II / III by sales rank, as in the course's grading rules (客户分级).

    Class I = the top 10 % of customers by sales, Class II = the next 20 % (10–30 %), Class III =
    the rest. A customer is in the first class whose cut-off exceeds the share of customers with
    *strictly higher* sales: ``(rank_min - 1) / n < cutoff``. Equal sales get the same class
    (``rank(method="min")``), so a tie across a cut-off lifts the whole tie into the upper class.
    Negative sales (net returns) are allowed: only the order matters.

    Parameters
    ----------
    values
        Sales per customer, indexed by customer id. Missing values raise.
    cutoffs
        Increasing fractions of customers where each class ends.
    labels
        One label per class, best first.

    Returns
    -------
    Series
        Ordered categorical (I < II < III, i.e. best first), same index as ``values``.

    Examples
    --------
    >>> sales = pd.Series(range(10, 0, -1), index=list("abcdefghij"))  # 10 customers
    >>> sales_rank_class(sales).tolist()
    ['I', 'II', 'II', 'III', 'III', 'III', 'III', 'III', 'III', 'III']
    """
    cuts = _check_cutoffs(cutoffs, labels)
    if isinstance(values, pd.DataFrame):
        raise CrmlabInputError("sales_rank_class takes a Series of sales per customer; pass "
                               "df['sales'] (or sum per customer first)")
    series, _ = customer_values(values, allow_negative=True, what="the sales")
    return _rank_classes(series, cuts, labels)


def pyramid_layers(
    values: pd.Series | pd.DataFrame,
    *,
    cutoffs: Sequence[float] = PYRAMID_CUTOFFS,
    labels: Sequence[str] = PYRAMID_LABELS,
    inactive_at_most: float | None = None,
    inactive_label: str = "inactive",
    value: str | None = "amount",
    customer: str | None = None,
    negatives: Negatives = "raise",
) -> pd.Series:
    """The pyramid layer (客户金字塔) of each customer, by value rank.

    By default the top 5 % of customers are ``VIP`` (贵宾型), the next 15 % ``important`` (重要型)
    and the rest ``ordinary`` (普通型): the two upper layers are the "20 %" of the 80/20 rule.
    The classic four-layer pyramid (top 1 %, next 4 %, next 15 %, the remaining 80 %) is
    ``cutoffs=(0.01, 0.05, 0.20)`` with four labels. Same rank rule as :func:`sales_rank_class`.

    Parameters
    ----------
    values
        Value per customer (a Series indexed by customer id), or a table whose rows are summed
        per customer (then ``customer=`` is required); see :func:`customer_values`.
    cutoffs
        Increasing fractions of customers where a layer ends (default: 5 % and 20 %).
    labels
        One label per layer, top first (one more than ``cutoffs``).
    inactive_at_most
        When given, customers whose value is at most this (e.g. ``0``: no purchases) form an
        extra bottom layer ``inactive_label`` and are not counted when ranking the others.
    inactive_label
        The label of that extra bottom layer.
    value
        The value column when ``values`` is a table.
    customer
        The customer-id column when ``values`` is a table.
    negatives
        ``"raise"`` (default) or ``"exclude"`` customers with a negative total.

    Returns
    -------
    Series
        Ordered categorical, top layer first, indexed by customer.

    Examples
    --------
    >>> v = pd.Series([500, 90, 80, 0, 10], index=list("abcde"))
    >>> pyramid_layers(v, cutoffs=(0.25, 0.5), inactive_at_most=0).tolist()
    ['VIP', 'important', 'ordinary', 'inactive', 'ordinary']
    """
    cuts = _check_cutoffs(cutoffs, labels)
    series, report = customer_values(values, value=value, customer=customer, negatives=negatives)
    all_labels = list(labels)
    if inactive_at_most is None:
        layer = _rank_classes(series, cuts, labels)
        layer.attrs["excluded"] = report.brief()
        return layer
    if inactive_label in all_labels:
        raise CrmlabInputError(f"inactive_label {inactive_label!r} is already a layer label")
    all_labels.append(inactive_label)
    inactive = series <= inactive_at_most
    layer = pd.Series(pd.Categorical([inactive_label] * len(series), categories=all_labels,
                                     ordered=True), index=series.index, name="class")
    if (~inactive).any():
        active = _rank_classes(series[~inactive], cuts, labels)
        layer[~inactive] = active.astype(str).to_numpy()
    layer.attrs["excluded"] = report.brief()
    return layer


def customer_pyramid(
    values: pd.Series | pd.DataFrame,
    *,
    cutoffs: Sequence[float] = PYRAMID_CUTOFFS,
    labels: Sequence[str] = PYRAMID_LABELS,
    inactive_at_most: float | None = None,
    inactive_label: str = "inactive",
    value: str | None = "amount",
    customer: str | None = None,
    negatives: Negatives = "raise",
) -> pd.DataFrame:
    """Summary of the customer pyramid: size, value share and average value of each layer.

    Parameters
    ----------
    values
        Value per customer (a Series indexed by customer id), or a table whose rows are summed
        per customer (then ``customer=`` is required); see :func:`customer_values`.
    cutoffs
        Increasing fractions of customers where a layer ends (see :func:`pyramid_layers`).
    labels
        One label per layer, top first (one more than ``cutoffs``).
    inactive_at_most
        When given, customers whose value is at most this form an extra bottom layer.
    inactive_label
        The label of that extra bottom layer.
    value
        The value column when ``values`` is a table.
    customer
        The customer-id column when ``values`` is a table.
    negatives
        ``"raise"`` (default) or ``"exclude"`` customers with a negative total.

    Returns
    -------
    DataFrame
        One row per layer, top first: ``layer``, ``customers``, ``customer_share``, ``value``,
        ``value_share``, ``mean_value``, ``min_value``. A layer with no customers is kept (zeros).
        ``attrs["excluded"]`` reports rows left out.

    Examples
    --------
    >>> v = pd.Series([500, 90, 80, 0, 10], index=list("abcde"))
    >>> p = customer_pyramid(v, cutoffs=(0.2, 0.6))
    >>> p[["layer", "customers", "value_share"]]
           layer  customers  value_share
    0        VIP          1     0.735294
    1  important          2     0.250000
    2   ordinary          2     0.014706
    """
    series, report = customer_values(values, value=value, customer=customer,
                                     negatives=negatives)
    layer = pyramid_layers(series, cutoffs=cutoffs, labels=labels,
                           inactive_at_most=inactive_at_most, inactive_label=inactive_label)
    total = _positive_total(series, "the values")
    grouped = series.groupby(layer, observed=False)
    out = pd.DataFrame({
        "layer": layer.cat.categories.astype(str),
        "customers": grouped.size().to_numpy(),
        "value": grouped.sum().to_numpy(),
    })
    out["customer_share"] = out["customers"] / len(series)
    out["value_share"] = out["value"] / total
    out["mean_value"] = (out["value"] / out["customers"].where(out["customers"] > 0)).fillna(0.0)
    out["min_value"] = grouped.min().fillna(0.0).to_numpy()
    out = out[["layer", "customers", "customer_share", "value", "value_share", "mean_value",
               "min_value"]]
    out.attrs["excluded"] = report.brief()
    return out


def abc_classes(
    values: pd.Series | pd.DataFrame,
    *,
    cutoffs: Sequence[float] = (0.8, 0.95),
    labels: Sequence[str] = ("A", "B", "C"),
    rule: Literal["start", "end"] = "start",
    value: str | None = "amount",
    customer: str | None = None,
    negatives: Negatives = "raise",
) -> pd.Series:
    """A / B / C classes by cumulative share of value (largest customers first).

    ``rule="start"`` (default): a customer is in the first class whose cut-off exceeds the share
    held by the customers ranked *ahead* of them, so class A is the smallest group of top
    customers reaching 80 % of the value. ``rule="end"``: a customer is in the first class whose
    cut-off is at least their *own* cumulative share (including themselves). Equal values are
    treated as one block (they share a class).

    Parameters
    ----------
    values
        Value per customer (a Series indexed by customer id), or a table whose rows are summed
        per customer (then ``customer=`` is required); see :func:`customer_values`.
    cutoffs
        Increasing cumulative value shares where a class ends (default: 80 % and 95 %).
    labels
        One label per class, best first (one more than ``cutoffs``).
    rule
        ``"start"`` (share of the customers ahead) or ``"end"`` (own cumulative share).
    value
        The value column when ``values`` is a table.
    customer
        The customer-id column when ``values`` is a table.
    negatives
        ``"raise"`` (default) or ``"exclude"`` customers with a negative total.

    Returns
    -------
    Series
        Ordered categorical (A < B < C: best first), index = customer, in the input's order.

    Examples
    --------
    >>> v = pd.Series([10, 4, 3, 2, 1], index=list("abcde"))
    >>> abc_classes(v).tolist(), abc_classes(v, rule="end").tolist()
    (['A', 'A', 'A', 'B', 'C'], ['A', 'A', 'B', 'B', 'C'])
    """
    cuts = _check_cutoffs(cutoffs, labels)
    if rule not in ("start", "end"):
        raise CrmlabInputError(f"rule must be 'start' or 'end', not {rule!r}")
    series, report = customer_values(values, value=value, customer=customer, negatives=negatives)
    total = _positive_total(series, "the values")
    values_arr = series.to_numpy()
    order = np.argsort(-values_arr, kind="stable")
    amounts = values_arr[order]
    cum_end = np.cumsum(amounts) / total
    block = pd.Series(amounts)
    if rule == "start":
        start = pd.Series(cum_end - amounts / total).groupby(block).transform("min").to_numpy()
        sorted_codes = sum((start >= c - _EPS).astype(np.int64) for c in cuts)
    else:
        end = pd.Series(cum_end).groupby(block).transform("max").to_numpy()
        sorted_codes = sum((end > c + _EPS).astype(np.int64) for c in cuts)
    codes = np.empty(len(amounts), dtype=np.int64)
    codes[order] = sorted_codes
    dtype = pd.CategoricalDtype(list(labels), ordered=True)
    out = pd.Series(pd.Categorical.from_codes(codes, dtype=dtype), index=series.index,
                    name="class")
    out.attrs["excluded"] = report.brief()
    return out
