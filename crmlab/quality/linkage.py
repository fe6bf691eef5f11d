"""Record linkage: blocking, a weighted similarity score per pair, clustering without chaining.

:func:`candidate_pairs` (blocking), :func:`duplicate_pairs` (scored pairs) and
:func:`find_duplicates` (clusters, one id per real-world entity).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlab._checks import CrmlabInputError, ExclusionReport, require_columns, require_not_empty
from crmlab.quality.normalize import (
    _clean_code,
    _clean_generic,
    normalize_address,
    normalize_phone,
    parse_company_name,
    valid_credit_code,
)


# --------------------------------------------------------------------------------------------
# Comparators: how one field of two records is compared (similarity in [0, 1])
# --------------------------------------------------------------------------------------------

def _cpdist(a: Sequence[str], b: Sequence[str], scorer: Callable) -> np.ndarray:
    from rapidfuzz import process

    if not len(a):
        return np.zeros(0)
    return np.asarray(process.cpdist(a, b, scorer=scorer, workers=1), dtype=float)


def _ratio(a, b):
    from rapidfuzz import fuzz

    return _cpdist(a, b, fuzz.ratio) / 100.0


def _jaro_winkler(a, b):
    from rapidfuzz.distance import JaroWinkler

    return _cpdist(a, b, JaroWinkler.normalized_similarity)


def _levenshtein(a, b):
    from rapidfuzz.distance import Levenshtein

    return _cpdist(a, b, Levenshtein.normalized_similarity)


def _exact(a, b):
    return np.fromiter((x == y for x, y in zip(a, b)), dtype=float, count=len(a))


def _company_similarity(a, b):
    """Indel ratio of region + core; when either name lacks a region, of the cores only."""
    a_reg, a_core = zip(*a) if len(a) else ((), ())
    b_reg, b_core = zip(*b) if len(b) else ((), ())
    both = np.fromiter((bool(x and y) for x, y in zip(a_reg, b_reg)), dtype=bool, count=len(a))
    full_a = [r + c if k else c for r, c, k in zip(a_reg, a_core, both)]
    full_b = [r + c if k else c for r, c, k in zip(b_reg, b_core, both)]
    return _ratio(full_a, full_b)


def _phone_similarity(a, b):
    """1 for the same number; 0.9 when only the area code is missing on one side; else 0."""
    out = np.zeros(len(a))
    for k, (x, y) in enumerate(zip(a, b)):
        if x == y:
            out[k] = 1.0
        elif x[-7:] == y[-7:] and (x.split("-")[-1] == y.split("-")[-1]):
            out[k] = 0.9
    return out


_NUMBER = re.compile(r"\d+")


def _address_similarity(a, b):
    """Indel ratio, halved when both addresses hold a house number and the first ones differ."""
    sims = _ratio(a, b)
    for k, (x, y) in enumerate(zip(a, b)):
        nx, ny = _NUMBER.findall(x), _NUMBER.findall(y)
        if nx and ny and nx[0] != ny[0]:
            sims[k] *= 0.5
    return sims


#: Comparator name → (normaliser of one value, similarity of arrays of normalised values).
COMPARATORS: dict[str, tuple[Callable[[Any], Any], Callable]] = {
    "company_name": (lambda v: (lambda p: None if p is None else (p.region, p.core))(
        parse_company_name(v)), _company_similarity),
    "phone": (normalize_phone, _phone_similarity),
    "address": (normalize_address, _address_similarity),
    "ratio": (_clean_generic, _ratio),
    "jaro_winkler": (_clean_generic, _jaro_winkler),
    "levenshtein": (_clean_generic, _levenshtein),
    "exact": (_clean_generic, _exact),
}

#: Default fields for the shipped customer master: column → (comparator, weight, weight when
#: the values differ). A firm has several phone lines, so two different numbers are weak
#: evidence against a match (weight 0.1) while the same number is strong evidence for it (0.3).
COMPANY_FIELDS: dict[str, tuple[str, float, float]] = {
    "company_name": ("company_name", 0.4, 0.4),
    "phone": ("phone", 0.3, 0.1),
    "address": ("address", 0.3, 0.3),
}

#: Default blocking keys: records sharing any of these keys become candidate pairs.
#: ``(column, n)`` blocks on the first n characters of the normalised value (for company names,
#: of the core name, after the region, so 山西华通… and 太原华通… share a key); ``(column, regex)``
#: on the regex's first match (for addresses: everything up to the house number).
COMPANY_BLOCKING: tuple = ("credit_code", "phone", ("company_name", 2), ("address", r"^\D*\d+"))


def _normalized_column(records: pd.DataFrame, column: str, comparator: str) -> list:
    normalise = COMPARATORS[comparator][0]
    cache: dict[Any, Any] = {}
    out = []
    for value in records[column].tolist():
        key = value if isinstance(value, str) else repr(value)
        if key not in cache:
            cache[key] = normalise(value)
        out.append(cache[key])
    return out


def _parse_fields(fields: Mapping[str, Any] | None) -> dict[str, tuple[str, float, float]]:
    fields = COMPANY_FIELDS if fields is None else fields
    parsed: dict[str, tuple[str, float, float]] = {}
    for column, spec in fields.items():
        spec = (spec,) if isinstance(spec, str) else tuple(spec)
        comparator, weight = spec[0], (spec[1] if len(spec) > 1 else 1.0)
        if comparator not in COMPARATORS:
            raise CrmlabInputError(
                f"field {column!r}: unknown comparator {comparator!r} "
                f"(choose from {', '.join(COMPARATORS)})")
        weight = float(weight)
        if not weight > 0:
            raise CrmlabInputError(f"field {column!r}: weight must be positive, got {weight}")
        differ = float(spec[2]) if len(spec) > 2 else weight
        if not 0 <= differ <= weight:
            raise CrmlabInputError(f"field {column!r}: the weight when values differ must be "
                                   f"between 0 and the weight {weight}, got {differ}")
        parsed[column] = (comparator, weight, differ)
    if not parsed:
        raise CrmlabInputError("fields is empty: name at least one column to compare")
    return parsed


def _block_values(records: pd.DataFrame, item: Any, fields: dict[str, tuple[str, float, float]],
                  normalized: dict[str, list]) -> tuple[str, list]:
    if callable(item):
        keys = pd.Series(item(records), index=records.index)
        return _block_label(item), [None if pd.isna(k) else str(k) for k in keys]
    column, n = (item, None) if isinstance(item, str) else item
    if column not in records.columns:
        raise CrmlabInputError(f"blocking key {column!r} is not a column of the records")
    if column in normalized:
        values = normalized[column]
        if fields[column][0] == "company_name":  # region + core: a prefix counts from the core
            values = [None if v is None else (v[0] + "|" + v[1][:n] if n else v[0] + v[1])
                      for v in values]
            n = None
    elif column in ("credit_code",):
        values = [_clean_code(v) for v in records[column].tolist()]
    else:
        values = [_clean_generic(v) for v in records[column].tolist()]
    if isinstance(n, str):
        pattern = re.compile(n)
        values = [None if v is None else (lambda m: m.group() if m else None)(pattern.search(v))
                  for v in values]
    elif n is not None:
        values = [None if v is None or len(v) < min(n, 2) else v[:n] for v in values]
    return _block_label(item), values


def _block_label(item: Any) -> str:
    if callable(item):
        return getattr(item, "__name__", "callable")
    column, n = (item, None) if isinstance(item, str) else item
    return column if n is None else f"{column}[:{n}]"


def candidate_pairs(records: pd.DataFrame, *, blocking: Iterable = COMPANY_BLOCKING,
                    fields: Mapping[str, Any] | None = None,
                    max_block_size: int = 500, _normalized: dict | None = None) -> pd.DataFrame:
    """Pairs of record positions that share at least one blocking key (never all n² pairs).

    Parameters
    ----------
    records
        One row per record.
    blocking
        Keys; each is a column name (records with the same normalised value are compared), a
        ``(column, n)`` tuple (first ``n`` characters of the normalised value), a
        ``(column, regex)`` tuple (the first match of ``regex`` in it) or a function of
        the records returning one key per row. Missing keys never match.
    fields
        Used to normalise blocking columns that are also compared fields (see
        :func:`duplicate_pairs`).
    max_block_size
        Blocks with more records than this are skipped (they would add ~n²/2 pairs of mostly
        different records); their records are reported in ``result.attrs["excluded"]`` (an
        :class:`crmlab._checks.ExclusionReport`: how many records, and a few of their labels, per
        blocking key). A record left out of one key's blocks may still be compared through
        another key.
    _normalized : dict, optional
        Internal: normalised columns already computed by :func:`duplicate_pairs`; leave unset.

    Returns
    -------
    DataFrame with columns ``i`` and ``j`` (0-based positions, ``i < j``) and ``keys`` (which
    blocking keys the pair shares). ``attrs["block_stats"]`` counts pairs per key.

    Examples
    --------
    >>> df = pd.DataFrame({"phone": ["0351-1234567", "(0351)1234567", "010-88886666"],
    ...                    "company_name": ["甲", "乙", "丙"], "address": [None] * 3})
    >>> candidate_pairs(df, blocking=["phone"])[["i", "j"]].values.tolist()
    [[0, 1]]
    """
    parsed = _parse_fields(fields) if fields is not None else {
        c: s for c, s in _parse_fields(None).items() if c in records.columns}
    normalized = _normalized if _normalized is not None else {
        c: _normalized_column(records, c, spec[0]) for c, spec in parsed.items()
        if c in records.columns}
    n = len(records)
    codes_all: list[np.ndarray] = []
    key_of: list[np.ndarray] = []
    stats, skipped = {}, ExclusionReport(received=n)
    for k, item in enumerate(blocking):
        label, values = _block_values(records, item, parsed, normalized)
        keys = pd.Series(values, dtype=object)
        present = keys.notna().to_numpy()
        pos = np.flatnonzero(present)
        if not len(pos):
            stats[label] = 0
            continue
        codes_k, uniques = pd.factorize(keys[present].to_numpy(), sort=True)
        order = np.argsort(codes_k, kind="stable")
        sorted_pos, sorted_codes = pos[order], codes_k[order]
        starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
        sizes = np.diff(np.r_[starts, len(sorted_codes)])
        pieces = []
        for size in np.unique(sizes[sizes >= 2]):
            first = starts[sizes == size]
            if size > max_block_size:
                members = sorted_pos[first[:, None] + np.arange(size)[None, :]].ravel()
                skipped.add(f"records in {label} blocks of more than {max_block_size} records "
                            f"(not compared on {label})", records.index[np.sort(members)])
                continue
            members = sorted_pos[first[:, None] + np.arange(size)[None, :]]  # blocks × size
            a, b = np.triu_indices(size, k=1)
            pieces.append((members[:, a].astype(np.int64) * n + members[:, b]).ravel())
        codes = np.unique(np.concatenate(pieces)) if pieces else np.zeros(0, dtype=np.int64)
        stats[label] = len(codes)
        codes_all.append(codes)
        key_of.append(np.full(len(codes), k))
    if codes_all:
        frame = pd.DataFrame({"code": np.concatenate(codes_all),
                              "bit": np.left_shift(1, np.concatenate(key_of))})
        masks = frame.groupby("code", sort=True)["bit"].sum()
        labels = [_block_label(item) for item in blocking]
        names = {m: ",".join(labels[k] for k in range(len(labels)) if m >> k & 1)
                 for m in masks.unique()}
        code_values = masks.index.to_numpy()
        out = pd.DataFrame({"i": code_values // n, "j": code_values % n,
                            "keys": masks.map(names).to_numpy()})
    else:
        out = pd.DataFrame({"i": np.zeros(0, dtype=np.int64), "j": np.zeros(0, dtype=np.int64),
                            "keys": pd.Series([], dtype=object)})
    out.attrs["block_stats"] = stats
    out.attrs["excluded"] = skipped
    return out


# --------------------------------------------------------------------------------------------
# Scoring pairs and clustering them
# --------------------------------------------------------------------------------------------

def _check_records(records: pd.DataFrame, columns: Iterable[str], key: str | None) -> None:
    require_columns(records, [*columns, *([key] if key else [])], what="records")
    require_not_empty(records, what="records")
    if key:
        dup = records[key].duplicated(keep=False)
        if dup.any():
            raise CrmlabInputError(
                f"column {key!r} of records must identify each record once; "
                f"{records.loc[dup, key].nunique()} values repeat, e.g. "
                f"{records.loc[dup, key].iloc[0]!r}")


def _id_values(records: pd.DataFrame, column: str) -> list[str | None]:
    values = [_clean_code(v) for v in records[column].tolist()]
    if column == "credit_code":  # an invalid code is a typing error: it decides nothing
        values = [v if v is not None and valid_credit_code(v) else None for v in values]
    return values


def duplicate_pairs(records: pd.DataFrame, *, fields: Mapping[str, Any] | None = None,
                    blocking: Iterable = COMPANY_BLOCKING,
                    id_fields: Sequence[str] = ("credit_code",), threshold: float = 0.7,
                    key: str | None = "record_id", max_block_size: int = 500,
                    _ids: dict | None = None) -> pd.DataFrame:
    """Score every candidate pair of records; one row per pair with each field's similarity.

    The score is transparent: for the fields present in *both* records,
    ``score = Σ weight × similarity / Σ weight`` (a missing value neither helps nor hurts).
    Identifier fields (``id_fields``, e.g. the unified social credit code) decide alone when both
    records hold a valid one: the same code → score 1, different codes → score 0.

    Parameters
    ----------
    records
        One row per record.
    fields
        Column → comparator name or ``(comparator, weight)``. Comparators: ``"company_name"``
        (region + core name, Indel ratio), ``"phone"`` (canonical number, 1 / 0.9 / 0),
        ``"address"`` (normalised, Indel ratio, halved when house numbers differ), ``"ratio"``,
        ``"jaro_winkler"``, ``"levenshtein"``, ``"exact"`` (lower-cased, spaces collapsed).
        Default :data:`COMPANY_FIELDS`.
    blocking
        Which records are compared at all (see :func:`candidate_pairs`).
    id_fields
        Columns that identify an entity when present; an invalid credit code is ignored.
    threshold
        Pairs with ``score >= threshold`` are matches (column ``match``).
    key
        Column that names each record (``None``: the index).
    max_block_size
        See :func:`candidate_pairs`.
    _ids : dict, optional
        Internal: filled with the cleaned identifiers for :func:`find_duplicates`; leave unset.

    Returns
    -------
    DataFrame: ``left``, ``right`` (record keys), ``i``, ``j`` (positions), ``keys`` (shared
    blocking keys), ``sim_<field>`` per field (NaN when missing on either side), ``id_agree``
    (True / False / NA), ``score`` and ``match``.

    Examples
    --------
    >>> df = pd.DataFrame({"record_id": ["a", "b", "c"],
    ...     "company_name": ["山西煤业有限公司", "山西煤矿有限责任公司", "陕西煤业有限公司"],
    ...     "phone": ["0351-2345678", "+86 351 2345678", "029-88776655"],
    ...     "address": ["太原市长风街1号", "山西省太原市长风街1号", "西安市长安路9号"]})
    >>> duplicate_pairs(df, id_fields=())[["left", "right", "match"]].values.tolist()
    [['a', 'b', True]]
    >>> everyone = lambda records: ["all"] * len(records)   # compare every pair (tiny tables only)
    >>> duplicate_pairs(df, blocking=[everyone])["score"].round(3).tolist()
    [0.9, 0.429, 0.304]
    """
    parsed = _parse_fields(fields)
    ids_by_field = _ids if _ids is not None else {}
    id_fields = [c for c in id_fields if c in records.columns or c not in ("credit_code",)]
    _check_records(records, [*parsed, *id_fields], key)
    if not 0 <= threshold <= 1:
        raise CrmlabInputError(f"threshold must be between 0 and 1, got {threshold}")
    blocking = list(blocking)
    if not blocking:
        raise CrmlabInputError("blocking is empty: give at least one key (comparing all pairs "
                               "of a large table is never feasible)")
    # block only on columns the records have (the default keys include credit_code)
    blocking = [b for b in blocking if callable(b) or (b if isinstance(b, str) else b[0])
                in records.columns]
    normalized = {c: _normalized_column(records, c, spec[0]) for c, spec in parsed.items()}
    pairs = candidate_pairs(records, blocking=blocking, fields=parsed,
                            max_block_size=max_block_size, _normalized=normalized)
    i, j = pairs["i"].to_numpy(), pairs["j"].to_numpy()
    names = records[key].to_numpy() if key else records.index.to_numpy()
    out = pd.DataFrame({"left": names[i], "right": names[j], "i": i, "j": j,
                        "keys": pairs["keys"].to_numpy()})
    num = np.zeros(len(out))
    den = np.zeros(len(out))
    for column, (comparator, weight, differ) in parsed.items():
        values = np.empty(len(records), dtype=object)
        values[:] = normalized[column]
        a, b = values[i], values[j]
        present = np.fromiter((x is not None and y is not None for x, y in zip(a, b)),
                              dtype=bool, count=len(out))
        sims = np.full(len(out), np.nan)
        sims[present] = COMPARATORS[comparator][1](list(a[present]), list(b[present]))
        out[f"sim_{column}"] = sims
        w = np.where(sims[present] > 0, weight, differ)
        num[present] += w * sims[present]
        den[present] += w
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    agree = pd.Series(pd.NA, index=out.index, dtype="boolean")
    for column in id_fields:
        values = np.empty(len(records), dtype=object)
        values[:] = ids_by_field.setdefault(column, _id_values(records, column))
        a, b = values[i], values[j]
        both = np.fromiter((x is not None and y is not None for x, y in zip(a, b)), dtype=bool,
                           count=len(out))
        same = np.fromiter((x == y for x, y in zip(a, b)), dtype=bool, count=len(out))
        undecided = agree.isna().to_numpy()
        agree[both & undecided] = same[both & undecided]
    decided = agree.notna().to_numpy()
    score[decided] = agree[decided].astype(float).to_numpy()
    out["id_agree"] = agree
    out["score"] = score
    out["match"] = np.nan_to_num(score, nan=0.0) >= threshold
    out.attrs["block_stats"] = pairs.attrs["block_stats"]
    out.attrs["excluded"] = pairs.attrs["excluded"]
    return out


def _find(parent: list[int], x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def _cluster(n: int, pairs: pd.DataFrame, ids: list[set], *, chain_threshold: float,
             max_cluster_size: int) -> tuple[np.ndarray, int]:
    """Merge matched pairs strongest first, refusing merges the guard forbids."""
    parent = list(range(n))
    members: dict[int, list[int]] = {}
    codes: dict[int, set] = {}
    scores = dict(zip(zip(pairs["i"].tolist(), pairs["j"].tolist()), pairs["score"].tolist()))
    edges = pairs.loc[pairs["match"], ["i", "j", "score"]].sort_values(
        ["score", "i", "j"], ascending=[False, True, True], kind="mergesort")
    refused = 0
    for a, b in zip(edges["i"].tolist(), edges["j"].tolist()):
        ra, rb = _find(parent, a), _find(parent, b)
        if ra == rb:
            continue
        ma, mb = members.get(ra, [ra]), members.get(rb, [rb])
        ca, cb = codes.get(ra, ids[ra]), codes.get(rb, ids[rb])
        ok = len(ma) + len(mb) <= max_cluster_size and not (ca and cb and ca != cb)
        if ok and len(ma) + len(mb) > 2:
            cross = [scores.get((x, y) if x < y else (y, x)) for x in ma for y in mb]
            cross = [s for s in cross if s is not None and s == s]  # s == s: not NaN
            ok = bool(cross) and sum(cross) / len(cross) >= chain_threshold
        if not ok:
            refused += 1
            continue
        parent[rb] = ra
        members[ra] = ma + mb
        codes[ra] = ca | cb
        members.pop(rb, None)
        codes.pop(rb, None)
    roots = np.array([_find(parent, x) for x in range(n)])
    return roots, refused


def find_duplicates(records: pd.DataFrame, *, fields: Mapping[str, Any] | None = None,
                    blocking: Iterable = COMPANY_BLOCKING,
                    id_fields: Sequence[str] = ("credit_code",), threshold: float = 0.7,
                    chain_threshold: float | None = None, max_cluster_size: int = 50,
                    key: str | None = "record_id", max_block_size: int = 500) -> pd.DataFrame:
    """Group records that are one customer: a cluster (entity) id for every record.

    1. **Blocking** (:func:`candidate_pairs`): only records sharing a key (same phone, same code,
       same first characters of the core name or address) are compared — never all n² pairs.
    2. **Scoring** (:func:`duplicate_pairs`): weighted field similarities; identifiers decide.
    3. **Clustering**: matched pairs (``score >= threshold``) are merged strongest first
       (transitive closure) with a guard against chaining unrelated records: two groups are not
       merged when they hold different valid identifiers, when the merged group would exceed
       ``max_cluster_size``, or when the mean score of all compared pairs across the two groups
       is below ``chain_threshold`` (default: ``threshold``) — A≈B and B≈C does not make A≈C if
       A and C were compared and clearly differ.

    Parameters
    ----------
    records, fields, blocking, id_fields, threshold, key, max_block_size
        As in :func:`duplicate_pairs`; the defaults suit the shipped ``customer_master``.
    chain_threshold
        Minimum mean cross-group score for merging groups of more than two records.
    max_cluster_size
        No cluster grows beyond this many records.

    Returns
    -------
    DataFrame with one row per record in input order: the key column, ``cluster_id``
    (``"C000001"``…, numbered by first appearance) and ``cluster_size``. ``attrs`` holds
    ``candidate_pairs``, ``matched_pairs``, ``refused_merges`` and ``excluded`` (the
    records of oversized blocks, as in :func:`candidate_pairs`).

    Examples
    --------
    The first two records share a phone number (written two ways), an address and a core name:

    >>> records = pd.DataFrame({
    ...     "record_id": ["r1", "r2", "r3"],
    ...     "company_name": ["北京华通商贸有限公司", "北京市华通商贸公司", "上海华通商贸有限公司"],
    ...     "phone": ["010-62345678", "(010) 6234 5678", "021-55667788"],
    ...     "address": ["北京市海淀区学院路5号", "海淀区学院路5号", "上海市徐汇区漕溪路8号"]})
    >>> find_duplicates(records, id_fields=())
      record_id cluster_id  cluster_size
    0        r1    C000001             2
    1        r2    C000001             2
    2        r3    C000002             1
    """
    ids_by_field: dict[str, list] = {}
    pairs = duplicate_pairs(records, fields=fields, blocking=blocking, id_fields=id_fields,
                            threshold=threshold, key=key, max_block_size=max_block_size,
                            _ids=ids_by_field)
    if max_cluster_size < 2:
        raise CrmlabInputError(f"max_cluster_size must be at least 2, got {max_cluster_size}")
    n = len(records)
    ids: list[set] = [set() for _ in range(n)]
    for column in id_fields:
        if column in records.columns:
            for pos, value in enumerate(ids_by_field.get(column) or _id_values(records, column)):
                if value is not None:
                    ids[pos].add((column, value))
    roots, refused = _cluster(n, pairs, ids,
                              chain_threshold=threshold if chain_threshold is None
                              else chain_threshold, max_cluster_size=max_cluster_size)
    codes, first = pd.factorize(roots)
    names = records[key].to_numpy() if key else records.index.to_numpy()
    out = pd.DataFrame({(key or "record"): names,
                        "cluster_id": [f"C{c + 1:06d}" for c in codes],
                        "cluster_size": np.bincount(codes)[codes]})
    out.attrs.update(candidate_pairs=len(pairs), matched_pairs=int(pairs["match"].sum()),
                     refused_merges=refused, excluded=pairs.attrs["excluded"])
    return out


