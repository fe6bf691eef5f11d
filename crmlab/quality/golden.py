"""Golden records: one surviving record per cluster, by documented survivorship rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from crmlab._checks import CrmlabInputError, require_columns, to_datetime


# --------------------------------------------------------------------------------------------
# Golden record
# --------------------------------------------------------------------------------------------

#: Survivorship rules :func:`golden_record` understands.
SURVIVORSHIP_RULES = ("most_recent", "most_complete", "most_frequent")


def golden_record(records: pd.DataFrame, clusters: pd.DataFrame | pd.Series,
                  rules: Mapping[str, str] | None = None, *, key: str = "record_id",
                  cluster: str = "cluster_id", date: str | None = "updated_at",
                  default_rule: str = "most_complete") -> pd.DataFrame:
    """One surviving ("golden") record per cluster, field by field by survivorship rules.

    Rules (a missing value never wins while the cluster has a non-missing one):

    * ``"most_recent"``: the value of the record with the latest ``date`` (e.g. a phone number
      changes; the latest one is most likely right);
    * ``"most_complete"``: the value of the record with the most non-missing fields (the most
      carefully keyed record); ties go to the most recent record;
    * ``"most_frequent"``: the value most records agree on; ties go to the value of the most
      recent record.

    Remaining ties go to the record listed first. Columns without a rule use ``default_rule``.

    Parameters
    ----------
    records
        The records (with ``key``).
    clusters
        :func:`find_duplicates` output (``key`` and ``cluster``), or a Series of cluster ids
        aligned with ``records``.
    rules
        Column → rule. Columns not named (except key and date) use ``default_rule``.
    key, cluster : str
        The record-id column (in ``records`` and ``clusters``) and the cluster-id column.
    date
        Column telling when a record was last updated (``None``: input order counts as time,
        later rows more recent).
    default_rule : str
        The rule for columns not in ``rules``: one of :data:`SURVIVORSHIP_RULES`.

    Returns
    -------
    DataFrame, one row per cluster (ordered by cluster id): ``cluster_id``, ``n_records``,
    ``record_ids`` (comma-joined), then the merged columns.

    Examples
    --------
    >>> recs = pd.DataFrame({"record_id": ["a", "b", "c"], "phone": ["1", None, "2"],
    ...                      "name": ["X", "X", "Y"], "updated_at": ["2024-01-01", "2025-01-01",
    ...                                                              "2023-01-01"]})
    >>> g = golden_record(recs, pd.Series(["k", "k", "k"]),
    ...                   {"phone": "most_recent", "name": "most_frequent"})
    >>> g[["phone", "name"]].values.tolist()
    [['1', 'X']]
    """
    require_columns(records, [key] + ([date] if date else []), what="records")
    if isinstance(clusters, pd.DataFrame):
        require_columns(clusters, [key, cluster], what="clusters")
        labels = records[key].map(pd.Series(clusters[cluster].to_numpy(),
                                            index=clusters[key].to_numpy()))
        if labels.isna().any():
            raise CrmlabInputError(f"{int(labels.isna().sum())} records have no cluster "
                                   f"(e.g. {records.loc[labels.isna(), key].iloc[0]!r})")
    else:
        if len(clusters) != len(records):
            raise CrmlabInputError("clusters must have one label per record")
        labels = pd.Series(np.asarray(clusters), index=records.index)
    rules = dict(rules or {})
    columns = [c for c in records.columns if c not in (key, date)]
    for column in rules:
        if column not in records.columns:
            raise CrmlabInputError(f"rule for {column!r}, which is not a column of records")
    for column in columns:
        rules.setdefault(column, default_rule)
    bad = {c: r for c, r in rules.items() if r not in SURVIVORSHIP_RULES}
    if bad:
        raise CrmlabInputError(f"unknown survivorship rules {bad}; use one of "
                               f"{', '.join(SURVIVORSHIP_RULES)}")
    work = records.copy()
    work["_cluster"] = labels.to_numpy()
    work["_order"] = np.arange(len(work))
    work["_time"] = (to_datetime(work[date], column=date, what="records") if date
                     else pd.Series(np.arange(len(work)), index=work.index))
    filled = work[columns].notna() & (work[columns].astype("string").apply(
        lambda s: s.str.strip() != "").fillna(False))
    work["_complete"] = filled.sum(axis=1)
    recent = work.sort_values(["_cluster", "_time", "_order"], ascending=[True, False, True],
                              kind="mergesort")
    complete = work.sort_values(["_cluster", "_complete", "_time", "_order"],
                                ascending=[True, False, False, True], kind="mergesort")
    grouped = recent.groupby("_cluster", sort=True)
    out = pd.DataFrame({
        "cluster_id": grouped.size().index,
        "n_records": grouped.size().to_numpy(),
        "record_ids": grouped[key].agg(lambda s: ",".join(map(str, sorted(s)))).to_numpy(),
    })
    for column in (c for c in records.columns if c in rules):
        rule = rules[column]
        if rule == "most_recent":
            values = recent.groupby("_cluster", sort=True)[column].first()
        elif rule == "most_complete":
            values = complete.groupby("_cluster", sort=True)[column].first()
        else:
            values = recent.groupby("_cluster", sort=True)[column].agg(_mode_first)
        out[column] = values.reindex(out["cluster_id"]).to_numpy()
    if date:
        out[date] = grouped["_time"].max().to_numpy()
    return out


def _mode_first(values: pd.Series) -> Any:
    """Most frequent non-missing value; ties → the one that appears first (most recent)."""
    present = values.dropna()
    if present.empty:
        return values.iloc[0] if len(values) else None
    counts = present.value_counts(sort=False)  # keeps order of first appearance
    return counts.index[int(np.argmax(counts.to_numpy()))]


