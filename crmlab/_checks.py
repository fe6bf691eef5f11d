"""Input checks shared by every topic module: clear messages in the user's terms.

Every public function validates its input with these helpers so that a missing column, a text
value in a numeric column or an unparseable date produces the same kind of message everywhere,
and rows that must be excluded are *reported*, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd


class CrmlabInputError(ValueError):
    """Raised when input data cannot be used as it is; the message says what to fix."""


def require_columns(df: pd.DataFrame, columns: Iterable[str], *, what: str = "the table") -> None:
    """Raise :class:`CrmlabInputError` naming every column of ``columns`` missing from ``df``.

    Examples
    --------
    >>> require_columns(pd.DataFrame({"a": [1]}), ["a", "b"], what="transactions")
    Traceback (most recent call last):
    ...
    crmlab._checks.CrmlabInputError: transactions is missing column 'b' (it has: 'a')
    """
    if not isinstance(df, pd.DataFrame):
        raise CrmlabInputError(f"{what} must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        have = ", ".join(repr(str(c)) for c in df.columns[:12])
        more = " …" if len(df.columns) > 12 else ""
        plural = "s" if len(missing) > 1 else ""
        raise CrmlabInputError(f"{what} is missing column{plural} {names} (it has: {have}{more})")


def require_not_empty(df: pd.DataFrame | pd.Series, *, what: str = "the table") -> None:
    """Raise :class:`CrmlabInputError` when ``df`` has no rows."""
    if len(df) == 0:
        raise CrmlabInputError(f"{what} is empty: there is nothing to compute")


def _describe_rows(index: Sequence, limit: int = 5) -> str:
    shown = ", ".join(str(i) for i in list(index)[:limit])
    return shown + (f" and {len(index) - limit} more" if len(index) > limit else "")


def to_numeric(values: pd.Series, *, column: str, what: str = "the table") -> pd.Series:
    """Convert a column to numbers; text that is not a number raises with the offending rows.

    Missing values stay missing (NaN); only values that are present but not numbers are errors.

    Examples
    --------
    >>> to_numeric(pd.Series(["1", "2.5", None]), column="amount").tolist()
    [1.0, 2.5, nan]
    """
    converted = pd.to_numeric(values, errors="coerce")
    bad = converted.isna() & values.notna()
    if bad.any():
        rows = values.index[bad]
        examples = ", ".join(repr(v) for v in values[bad].unique()[:3])
        raise CrmlabInputError(
            f"column {column!r} of {what} must hold numbers; rows {_describe_rows(rows)} hold "
            f"{examples}"
        )
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
    if bad.any():
        rows = values.index[bad]
        examples = ", ".join(repr(v) for v in values[bad].unique()[:3])
        raise CrmlabInputError(
            f"column {column!r} of {what} must hold dates; rows {_describe_rows(rows)} hold "
            f"{examples} which cannot be read as a date"
        )
    return converted


@dataclass(eq=False)
class ExclusionReport:
    """What a computation left out, and why: ``reasons`` maps a reason to the excluded rows.

    Functions that must exclude rows (a refund with no customer id, say) return or attach one of
    these so that the count of every kind of excluded row is visible to the user.

    Equality is identity (``eq=False``): pandas compares ``DataFrame.attrs`` in ``concat`` and
    ``round``, and a generated ``__eq__`` over index objects would raise there.
    """

    received: int = 0
    reasons: dict[str, pd.Index] = field(default_factory=dict)

    def add(self, reason: str, index: pd.Index) -> None:
        """Record rows excluded for ``reason`` (ignored when ``index`` is empty)."""
        if len(index):
            previous = self.reasons.get(reason)
            self.reasons[reason] = index if previous is None else previous.append(index)

    @property
    def excluded(self) -> int:
        """Number of distinct rows excluded for any reason."""
        if not self.reasons:
            return 0
        return len(pd.Index([]).append(list(self.reasons.values())).unique())

    def to_frame(self) -> pd.DataFrame:
        """One row per reason with the number of rows it excluded."""
        return pd.DataFrame(
            {"reason": list(self.reasons), "rows": [len(ix) for ix in self.reasons.values()]}
        )

    def __str__(self) -> str:
        if not self.reasons:
            return f"all {self.received} rows used"
        parts = "; ".join(f"{len(ix)} {reason}" for reason, ix in self.reasons.items())
        return f"{self.received} rows received, {self.excluded} excluded: {parts}"


def checked_transactions(
    transactions: pd.DataFrame,
    *,
    customer: str,
    date: str,
    amount: str | None = None,
    extra: Sequence[str] = (),
    what: str = "the transactions",
) -> tuple[pd.DataFrame, ExclusionReport]:
    """The rows of a transaction table usable per customer, and a report of the rest.

    Checks that the columns exist, the table is not empty, dates parse and amounts are numbers
    (raising :class:`CrmlabInputError` otherwise); rows without a customer id, a date or (when
    ``amount`` is given) an amount are left out and reported. Cutting at an as-of date is left
    to the caller, because topics differ on whether that day itself belongs to the past.

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
    ([10.0], '3 rows received, 2 excluded: 1 rows without a customer id; 1 rows without a date')
    """
    require_columns(transactions, [customer, date, *([amount] if amount else []), *extra],
                    what=what)
    require_not_empty(transactions, what=what)
    report = ExclusionReport(received=len(transactions))
    work = pd.DataFrame({"customer": transactions[customer],
                         "date": to_datetime(transactions[date], column=date, what=what)},
                        index=transactions.index)
    needed = ["customer", "date"]
    if amount:
        work["amount"] = to_numeric(transactions[amount], column=amount, what=what)
        needed.append("amount")
    for column in extra:
        work[column] = transactions[column]
    missing = work[needed].isna()
    for column, label in (("customer", "a customer id"), ("date", "a date"),
                          ("amount", "an amount")):
        if column in needed:
            report.add(f"rows without {label}", work.index[missing[column].to_numpy()])
    return work[~missing.any(axis=1).to_numpy()], report
