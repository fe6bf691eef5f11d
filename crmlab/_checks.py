"""Input checks shared by every topic module: clear messages in the user's terms.

Every public function validates its input with these helpers so that a missing column, a text
value in a numeric column or an unparseable date produces the same kind of message everywhere,
and rows that must be excluded are *reported*, never dropped silently.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


class CrmlabInputError(ValueError):
    """Raised when input data cannot be used as it is; the message says what to fix."""


def require_columns(df: pd.DataFrame, columns: Iterable[str], *, what: str = "the table") -> None:
    """Raise :class:`CrmlabInputError` naming every column of ``columns`` missing from ``df``.

    Examples
    --------
    >>> require_columns(pd.DataFrame({"a": [1]}), ["a", "b"], what="the transactions")
    Traceback (most recent call last):
    ...
    crmlab._checks.CrmlabInputError: the transactions are missing column 'b' (it has: 'a')
    """
    if not isinstance(df, pd.DataFrame):
        raise CrmlabInputError(f"{what} must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        have = ", ".join(repr(str(c)) for c in df.columns[:12])
        more = " …" if len(df.columns) > 12 else ""
        plural = "s" if len(missing) > 1 else ""
        verb = "are" if what.endswith("s") else "is"  # "the transactions are", "the table is"
        raise CrmlabInputError(
            f"{what} {verb} missing column{plural} {names} (it has: {have}{more})")


def require_not_empty(df: pd.DataFrame | pd.Series, *, what: str = "the table") -> None:
    """Raise :class:`CrmlabInputError` when ``df`` has no rows."""
    if len(df) == 0:
        raise CrmlabInputError(f"{what} is empty: there is nothing to compute")


def _describe_rows(index: Sequence, limit: int = 5) -> str:
    shown = ", ".join(str(i) for i in list(index)[:limit])
    return shown + (f" and {len(index) - limit} more" if len(index) > limit else "")


def _refuse_unreadable(values: pd.Series, bad: pd.Series, *, column: str, what: str, kind: str,
                       why: str) -> None:
    """Raise when ``bad`` marks values that could not be converted, naming rows and examples."""
    if bad.any():
        examples = ", ".join(repr(v) for v in values[bad].unique()[:3])
        raise CrmlabInputError(
            f"column {column!r} of {what} must hold {kind}; rows "
            f"{_describe_rows(values.index[bad])} hold {examples}{why}"
        )


def to_numeric(values: pd.Series, *, column: str, what: str = "the table") -> pd.Series:
    """Convert a column to numbers; text that is not a number raises with the offending rows.

    Missing values stay missing (NaN); only values that are present but not numbers are errors.

    Examples
    --------
    >>> to_numeric(pd.Series(["1", "2.5", None]), column="amount").tolist()
    [1.0, 2.5, nan]
    """
    converted = pd.to_numeric(values, errors="coerce")
    _refuse_unreadable(values, converted.isna() & values.notna(), column=column, what=what,
                       kind="numbers", why="")
    return converted.astype(float)


def to_datetime(values: pd.Series, *, column: str, what: str = "the table") -> pd.Series:
    """Parse a column as dates; unparseable values raise with the offending rows.

    Examples
    --------
    >>> to_datetime(pd.Series(["2024-01-31", None]), column="date").dt.day.tolist()
    [31.0, nan]
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    converted = pd.to_datetime(values, errors="coerce", format="mixed")
    bad = converted.isna() & values.notna() & (values.astype("string").str.strip() != "")
    _refuse_unreadable(values, bad, column=column, what=what, kind="dates",
                       why=" which cannot be read as a date")
    return converted


#: How many example labels an :class:`ExclusionReport` keeps per reason.
EXAMPLES_PER_REASON = 3


class CrmlabExclusionWarning(UserWarning):
    """Rows were left out of a computation that returns a single number (the message says why)."""


def _singular(phrase: str) -> str:
    """'rows without a date' → 'row without a date' (the first word of a reason is a plural)."""
    first, _, rest = phrase.partition(" ")
    if first.endswith("ies"):
        first = first[:-3] + "y"
    elif first.endswith("s"):
        first = first[:-1]
    return f"{first} {rest}".strip()


@dataclass(eq=False)
class ExclusionReport:
    """What a computation left out, and why: a count and a few example labels per reason.

    Every function that leaves rows out attaches one of these as ``result.attrs["excluded"]``
    (functions returning a single number warn with :class:`CrmlabExclusionWarning` instead).
    A reason starts with a plural noun ("rows without a customer id", "customers who only
    returned goods"); each excluded row is counted under its first reason only.

    The report stays small: counts and at most :data:`EXAMPLES_PER_REASON` example labels per
    reason, because pandas deep-copies ``attrs`` on every later operation. The full list of
    excluded labels is kept only when the function was asked for it (``return_report=True``),
    then :meth:`rows` gives it.

    Equality is identity (``eq=False``): pandas compares ``attrs`` in ``concat``.

    Examples
    --------
    >>> report = ExclusionReport(received=5, keep_rows=True)
    >>> report.add("rows without a customer id", pd.Index([3, 7, 8, 9]))
    >>> print(report)
    5 rows received, 4 excluded: 4 rows without a customer id (e.g. 3, 7, 8)
    >>> report.rows("rows without a customer id").tolist()
    [3, 7, 8, 9]
    """

    received: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, tuple] = field(default_factory=dict)
    keep_rows: bool = False
    _rows: dict[str, pd.Index] = field(default_factory=dict, repr=False)

    def add(self, reason: str, labels: Sequence) -> None:
        """Record the rows (or customers) ``labels`` excluded for ``reason`` (none: ignored)."""
        n = len(labels)
        if not n:
            return
        self.counts[reason] = self.counts.get(reason, 0) + n
        shown = self.examples.get(reason, ())
        if len(shown) < EXAMPLES_PER_REASON:
            more = pd.Index(labels[:EXAMPLES_PER_REASON - len(shown)]).tolist()
            self.examples[reason] = shown + tuple(more)
        if self.keep_rows:
            labels = pd.Index(labels)
            self._rows[reason] = labels if reason not in self._rows else \
                self._rows[reason].append(labels)

    @property
    def reasons(self) -> list[str]:
        """The reasons, in the order they were first recorded."""
        return list(self.counts)

    @property
    def excluded(self) -> int:
        """Number of rows (or customers) excluded, over all reasons."""
        return sum(self.counts.values())

    def rows(self, reason: str | None = None) -> pd.Index:
        """Every excluded label (of one reason, or of all); needs ``return_report=True``."""
        if not self.keep_rows:
            raise CrmlabInputError(
                "this report keeps only counts and a few examples; call the function again "
                "with return_report=True to get every excluded row")
        if reason is not None:
            return self._rows.get(reason, pd.Index([]))
        return pd.Index([]).append(list(self._rows.values())) if self._rows else pd.Index([])

    def brief(self) -> ExclusionReport:
        """A copy with counts and examples only (what goes into ``attrs``)."""
        return ExclusionReport(self.received, dict(self.counts), dict(self.examples))

    def to_frame(self) -> pd.DataFrame:
        """One row per reason: ``reason``, ``rows`` (the count) and ``examples``."""
        return pd.DataFrame({"reason": self.reasons, "rows": list(self.counts.values()),
                             "examples": [list(self.examples[r]) for r in self.reasons]})

    def describe(self, reason: str) -> str:
        """'2 rows without a date (e.g. 4, 9)': one reason in words (in the language of
        :func:`crmlab.i18n.language`; the reasons are recorded in English)."""
        from crmlab.i18n import EXCLUSION_KEYS, language, retranslate, t

        n = self.counts[reason]
        shown = ", ".join(str(label) for label in self.examples[reason])
        if language() == "zh":
            return t("excluded.reason", count=n, reason=retranslate(reason, EXCLUSION_KEYS), examples=shown)
        return t("excluded.reason", count=n, reason=reason if n != 1 else _singular(reason), examples=shown)

    def __str__(self) -> str:
        from crmlab.i18n import t

        if not self.counts:
            return t("excluded.all_used", received=self.received)
        parts = t("excluded.separator").join(self.describe(reason) for reason in self.counts)
        return t("excluded.summary", received=self.received, excluded=self.excluded, parts=parts)


def warn_excluded(report: ExclusionReport, *, what: str, stacklevel: int = 3) -> None:
    """Warn (:class:`CrmlabExclusionWarning`) how many rows ``what`` left out and why."""
    if report.excluded:
        from crmlab.i18n import t

        warnings.warn(t("excluded.warning", what=what, report=report), CrmlabExclusionWarning,
                      stacklevel=stacklevel)


def finish_report(result: pd.DataFrame, report: ExclusionReport, *, return_report: bool,
                  **attrs: Any) -> Any:
    """Attach the small report (and ``attrs``) to ``result``; add the full one when asked."""
    result.attrs["excluded"] = report.brief()
    result.attrs.update(attrs)
    return (result, report) if return_report else result


# --------------------------------------------------------------------------- as-of date
def parse_as_of(as_of: Any, dates: pd.Series | None = None, *, name: str = "as_of",
                moment: bool = False) -> pd.Timestamp:
    """The analysis date as a day (midnight): ``as_of``, or the day after the last of ``dates``.

    ``moment=True`` keeps the time of day (a service-desk report is made at a moment).

    The one rule of the package: the as-of date is *exclusive* (the first day not analysed);
    rows dated on or after it are left out and reported (:func:`cut_at_as_of`). The default,
    the day after the last date in the data, keeps every row.

    Examples
    --------
    >>> parse_as_of("2026-01-01 15:30")
    Timestamp('2026-01-01 00:00:00')
    >>> parse_as_of(None, pd.Series(pd.to_datetime(["2025-03-01 09:00", "2025-03-09 18:00"])))
    Timestamp('2025-03-10 00:00:00')
    """
    if as_of is None:
        if dates is None or dates.notna().sum() == 0:
            raise CrmlabInputError(f"{name} is needed: give the analysis date, e.g. "
                                   f"{name}='2026-01-01'")
        last = dates.max()
        return _naive(last).normalize() + pd.Timedelta(days=1)
    try:
        stamp = pd.Timestamp(as_of)
    except (TypeError, ValueError) as exc:
        raise CrmlabInputError(f"{name} must be a date such as '2026-01-01', got {as_of!r}"
                               ) from exc
    if pd.isna(stamp):
        raise CrmlabInputError(f"{name} must be a date such as '2026-01-01', got {as_of!r}")
    return stamp if moment else _naive(stamp).normalize()


def _naive(stamp: pd.Timestamp) -> pd.Timestamp:
    """The local clock time of a time-zone-aware stamp (the customer's calendar day)."""
    return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp


def cut_at_as_of(work: pd.DataFrame, as_of: Any, report: ExclusionReport, *,
                 date: str = "date") -> tuple[pd.DataFrame, pd.Timestamp]:
    """Rows of ``work`` dated before the as-of date, and that date; later rows are reported.

    Examples
    --------
    >>> work = pd.DataFrame({"date": pd.to_datetime(["2025-01-01", "2025-02-01"])})
    >>> report = ExclusionReport(received=2)
    >>> kept, day = cut_at_as_of(work, "2025-02-01", report)
    >>> len(kept), str(day.date()), report.counts
    (1, '2025-02-01', {'rows dated on or after the as-of date': 1})
    """
    day = parse_as_of(as_of, work[date])
    dates = work[date]
    if isinstance(dates.dtype, pd.DatetimeTZDtype):
        dates = dates.dt.tz_localize(None)
    late = (dates >= day).to_numpy()
    report.add("rows dated on or after the as-of date", work.index[late])
    return work[~late], day


# --------------------------------------------------------------------------- column choices
def require_choice(argument: str, given: Any, *, meaning: str, example: str) -> None:
    """Refuse a table passed without naming the column ``argument=`` must choose; never guess.

    Examples
    --------
    >>> require_choice("customer", None, meaning="customer ids", example="customer='customer_id'")
    Traceback (most recent call last):
    ...
    crmlab._checks.CrmlabInputError: a table was given without customer=: name its column of customer ids, e.g. customer='customer_id'
    """
    if given is None:
        raise CrmlabInputError(f"a table was given without {argument}=: name its column of "
                               f"{meaning}, e.g. {example}")


def checked_transactions(
    transactions: pd.DataFrame,
    *,
    customer: str,
    date: str,
    amount: str | None = None,
    extra: Sequence[str] = (),
    what: str = "the transactions",
    keep_rows: bool = False,
) -> tuple[pd.DataFrame, ExclusionReport]:
    """The rows of a transaction table usable per customer, and a report of the rest.

    Checks that the columns exist, the table is not empty, dates parse and amounts are numbers
    (raising :class:`CrmlabInputError` otherwise); rows without a customer id, a date or (when
    ``amount`` is given) an amount are left out and reported (each row under its first reason;
    ``keep_rows=True`` keeps every label in the report). Cut at the as-of date with
    :func:`cut_at_as_of`.

    Returns
    -------
    (DataFrame, ExclusionReport)
        Columns ``customer``, ``date`` (datetime), ``amount`` (float, when asked for) and the
        ``extra`` columns as they are; the index keeps the input's row labels.

    Examples
    --------
    >>> tx = pd.DataFrame({"id": ["a", None, "b"], "day": ["2025-01-02", "2025-01-03", None],
    ...                    "paid": [10, 20, 30]})
    >>> work, report = checked_transactions(tx, customer="id", date="day", amount="paid")
    >>> work["amount"].tolist(), str(report)
    ([10.0], '3 rows received, 2 excluded: 1 row without a customer id (e.g. 1); 1 row without a date (e.g. 2)')
    """
    require_columns(transactions, [customer, date, *([amount] if amount else []), *extra],
                    what=what)
    require_not_empty(transactions, what=what)
    report = ExclusionReport(received=len(transactions), keep_rows=keep_rows)
    work = pd.DataFrame({"customer": transactions[customer],
                         "date": to_datetime(transactions[date], column=date, what=what)},
                        index=transactions.index)
    needed = ["customer", "date"]
    if amount:
        work["amount"] = to_numeric(transactions[amount], column=amount, what=what)
        needed.append("amount")
    for column in extra:
        work[column] = transactions[column]
    missing = work[needed].isna().to_numpy()
    counted = np.zeros(len(work), dtype=bool)  # each row is reported under its first reason
    for position, column in enumerate(needed):
        label = {"customer": "a customer id", "date": "a date", "amount": "an amount"}[column]
        report.add(f"rows without {label}", work.index[missing[:, position] & ~counted])
        counted |= missing[:, position]
    return work[~counted], report
