"""Data-quality scores: completeness, validity and uniqueness per column.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlab._checks import CrmlabInputError, require_columns, require_not_empty
from crmlab.quality.normalize import normalize_phone, valid_credit_code


# --------------------------------------------------------------------------------------------
# Data-quality score and first-time buyers
# --------------------------------------------------------------------------------------------

def _valid_date(value: Any) -> bool:
    return not pd.isna(pd.to_datetime(value, errors="coerce"))


#: Validators by name for :func:`quality_score`.
VALIDATORS: dict[str, Callable[[Any], bool]] = {
    "phone": lambda v: normalize_phone(v) is not None,
    "credit_code": valid_credit_code,
    "date": _valid_date,
    "nonnegative": lambda v: (lambda x: not np.isnan(x) and x >= 0)(
        pd.to_numeric(pd.Series([v]), errors="coerce").iloc[0]),
    "email": lambda v: bool(re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-zA-Z]{2,}", str(v))),
}


def quality_score(table: pd.DataFrame, *, validators: Mapping[str, Any] | None = None,
                  unique: Sequence[str] = (), columns: Sequence[str] | None = None
                  ) -> pd.DataFrame:
    """Completeness, validity and uniqueness per column: "complete, accurate, timely" measured.

    * completeness = share of rows with a value (blank text counts as missing);
    * validity = share of present values that pass the column's validator (NaN if none);
    * uniqueness = distinct present values / present values, for columns in ``unique`` (which
      should identify a row or an entity, e.g. a record id or credit code), else NaN;
    * score = mean of the three measures that apply.

    Parameters
    ----------
    table
        Any table.
    validators
        Column → validator name (``"phone"``, ``"credit_code"``, ``"date"``, ``"nonnegative"``,
        ``"email"``) or a function of one value returning True when valid.
    unique
        Columns that should hold each value once.
    columns
        Columns to report (default: all).

    Returns
    -------
    pandas.DataFrame
        One row per reported column: ``column``, ``present`` (count), ``completeness``,
        ``validity``, ``uniqueness`` and ``score``.

    Examples
    --------
    >>> t = pd.DataFrame({"id": [1, 2, 2], "phone": ["13812345678", "bad", None]})
    >>> q = quality_score(t, validators={"phone": "phone"}, unique=["id"])
    >>> q.set_index("column").loc["phone", ["completeness", "validity"]].round(3).tolist()
    [0.667, 0.5]
    """
    if not isinstance(table, pd.DataFrame):
        raise CrmlabInputError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    validators = dict(validators or {})
    columns = list(table.columns) if columns is None else list(columns)
    require_columns(table, [*columns, *validators, *unique], what="the table")
    require_not_empty(table, what="the table")
    rows = []
    for column in columns:
        series = table[column]
        present = series.notna() & (series.astype("string").str.strip() != "").fillna(False)
        n_present = int(present.sum())
        check = validators.get(column)
        if isinstance(check, str):
            if check not in VALIDATORS:
                raise CrmlabInputError(f"unknown validator {check!r} for column {column!r} "
                                       f"(choose from {', '.join(VALIDATORS)})")
            check = VALIDATORS[check]
        validity = np.nan
        if check is not None and n_present:
            validity = float(np.mean([bool(check(v)) for v in series[present]]))
        uniqueness = (series[present].nunique() / n_present
                      if column in unique and n_present else np.nan)
        completeness = n_present / len(table)
        parts = [m for m in (completeness, validity, uniqueness) if not np.isnan(m)]
        rows.append({"column": column, "present": n_present, "completeness": completeness,
                     "validity": validity, "uniqueness": uniqueness,
                     "score": float(np.mean(parts))})
    return pd.DataFrame(rows)

