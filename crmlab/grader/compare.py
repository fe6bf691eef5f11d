"""Compare a student's answer with the instructor's: one set of rules for grading and self-check.

Both sides are *plain* data (see :mod:`crmlab.grader.plain`), so nothing the student's object
does (a rigged ``__eq__``, a patched library) takes part. The grader holds the expected plain
value and compares with real tolerances (:func:`compare`); the released notebook only holds a
*digest* (:func:`make_digest`): the visible facts (type, columns, row count, length) and salted
hashes of each expected cell rounded to the tolerance, checked by :func:`check_digest`. The two
paths share the structural checks and the messages, which speak the student's terms ("missing
column `monetary`", "3 rows too many", "values differ from row 12 on") and never show the
expected values.

Examples
--------
>>> from crmlab.grader.plain import to_plain
>>> compare("number", {"rtol": 1e-6, "atol": 0.0}, to_plain(0.5), to_plain(0.5000001)).ok
True
>>> compare("number", {"rtol": 1e-6, "atol": 0.0}, to_plain(0.5), to_plain(0.6)).message
'the value is not correct'
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from typing import Any

from crmlab.i18n import MESSAGES, t, tn

_KINDS = ("number", "text", "datetime", "bool", "mixed")
_TYPES = ("frame", "series", "list", "set", "dict", "scalar")


def _kind_words(kind: str) -> str:
    """What a column of ``kind`` holds, in words ("numbers", "dates" …)."""
    return t(f"compare.kind.{kind}") if kind in _KINDS else str(kind)


def _join(problems: list[str]) -> str:
    return t("compare.list_sep").join(problems)


class Verdict:
    """The outcome of comparing one answer: ``ok`` and what is wrong, in the student's terms."""

    __slots__ = ("ok", "problems", "fraction", "note")

    def __init__(self, ok: bool, problems: list[str] | None = None, fraction: float | None = None,
                 note: str | None = None) -> None:
        self.ok = ok
        self.problems = list(problems or [])
        self.fraction = fraction  # share of credit (function questions: cases passed)
        self.note = note  # what a passing self-check did not verify (format-only checks)

    def __repr__(self) -> str:
        return f"Verdict(ok={self.ok}, problems={self.problems!r}, fraction={self.fraction})"

    @property
    def score(self) -> float:
        return self.fraction if self.fraction is not None else float(self.ok)

    @property
    def message(self) -> str:
        return t("compare.correct") if self.ok else _join(self.problems) or t("compare.not_correct")


# -- scalars ---------------------------------------------------------------------------------

def _is_number(v: Any) -> bool:
    return (isinstance(v, (int, float)) and not isinstance(v, bool)) or (isinstance(v, dict) and "f" in v)


def _as_float(v: Any) -> float:
    return float(v["f"]) if isinstance(v, dict) else float(v)


def _scalar_kind(v: Any) -> str:
    if v is None:
        return "missing"
    if isinstance(v, bool):
        return "bool"
    if _is_number(v):
        return "number"
    if isinstance(v, dict) and "d" in v:
        return "datetime"
    if isinstance(v, str):
        return "text"
    return "nested"


def _norm_text(v: str, options: dict[str, Any], choice: bool = False) -> str:
    text = v.strip()
    if choice:
        return "".join(text.split()).casefold()
    return text.casefold() if options.get("case_insensitive") else text


def numbers_match(expected: float, actual: float, options: dict[str, Any]) -> bool:
    """The self-check's rule for numbers: the expected value's rounding cell is the actual
    value's cell or a neighbour (see :func:`_number_tokens`).

    Every value within ``atol + rtol * |expected|`` matches, and nothing farther than about
    four times that. The grader accepts these too, so a ✓ from the self-check never meets a 0.

    >>> numbers_match(0.3, round(0.3 + 4e-7, 6), {"rtol": 1e-6, "atol": 0.0})
    True
    >>> numbers_match(0.3, 0.3001, {"rtol": 1e-6, "atol": 0.0})
    False
    """
    return _number_tokens(expected, options, False)[0] in _number_tokens(actual, options, True)


def values_equal(e: Any, a: Any, options: dict[str, Any], kind: str = "") -> bool:
    """The grader's cell matcher for two plain scalars: within tolerance, or what the
    self-check accepts (:func:`numbers_match`)."""
    ke, ka = _scalar_kind(e), _scalar_kind(a)
    if ke == "missing" or ka == "missing":
        return ke == ka
    if ke != ka:
        return False
    if ke == "number":
        x, y = _as_float(e), _as_float(a)
        if math.isinf(x) or math.isinf(y):
            return x == y
        return (abs(y - x) <= options.get("atol", 0.0) + options.get("rtol", 0.0) * abs(x)
                or numbers_match(x, y, options))
    if ke == "text":
        return _norm_text(e, options, kind == "choice") == _norm_text(a, options, kind == "choice")
    if ke == "nested":
        return _canonical_json(e) == _canonical_json(a)
    return e == a


def _canonical_json(v: Any) -> str:
    return json.dumps(v, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


# -- tokens for the self-check hashes --------------------------------------------------------

def _number_tokens(x: float, options: dict[str, Any], neighbours: bool) -> list[str]:
    """Grid cells of ``x``: step ``max(rtol * 2**q, atol)`` where ``2**(q-1) <= |x| < 2**q``.

    The step is between 1 and 2 times the tolerance, so a value within tolerance of the expected
    one lands in the same or a neighbouring cell of the same grid (the student's side tries the
    neighbours, and the next grid when ``x`` sits near a power of two).
    """
    rtol, atol = options.get("rtol", 0.0), options.get("atol", 0.0)
    if math.isinf(x):
        return ["inf" if x > 0 else "-inf"]
    if not neighbours:
        if abs(x) <= atol:
            return ["0"]
        q = math.frexp(x)[1]
        return [f"{q}:{round(x / max(rtol * 2.0 ** q, atol, 1e-300))}"]
    tokens = ["0"] if abs(x) <= 2 * atol else []
    q = math.frexp(x)[1]
    grids = [q]
    if abs(x) * (1 + 2 * rtol) >= 2.0 ** q:
        grids.append(q + 1)
    if abs(x) / (1 + 2 * rtol) < 2.0 ** (q - 1) or x == 0:
        grids.append(q - 1)
    for grid in grids:
        k = round(x / max(rtol * 2.0 ** grid, atol, 1e-300))
        tokens += [f"{grid}:{k + d}" for d in (-1, 0, 1)]
    return tokens


def cell_tokens(v: Any, options: dict[str, Any], kind: str, neighbours: bool) -> list[str]:
    """Canonical strings for one plain scalar (with rounding neighbours for the student's side)."""
    k = _scalar_kind(v)
    if k == "number":
        return ["n" + t for t in _number_tokens(_as_float(v), options, neighbours)]
    if k == "text":
        return ["s" + _norm_text(v, options, kind == "choice")]
    if k == "nested":
        return ["j" + _canonical_json(v)]
    return [k[0] + _canonical_json(v)]


def column_tokens(values: list[Any], options: dict[str, Any], kind: str) -> list[str]:
    """Central tokens of a whole column (numpy-vectorised for numbers; same result as per cell)."""
    if values and all(type(v) in (int, float) for v in values):
        import numpy as np

        arr = np.asarray(values, dtype=np.float64)
        if np.isfinite(arr).all():
            rtol, atol = options.get("rtol", 0.0), options.get("atol", 0.0)
            q = np.frexp(arr)[1]
            k = np.round(arr / np.maximum(np.maximum(rtol * np.ldexp(1.0, q), atol), 1e-300))
            zero = np.abs(arr) <= atol
            return ["n0" if z else f"n{qq}:{int(kk)}" for z, qq, kk in zip(zero.tolist(), q.tolist(), k.tolist(),
                                                                          strict=True)]
    if all(type(v) is str for v in values):
        return ["s" + _norm_text(v, options, kind == "choice") for v in values]
    return [cell_tokens(v, options, kind, False)[0] for v in values]


def _column_hash(salt: str, tokens: list[str]) -> str:
    return hashlib.blake2b("\x1f".join(tokens).encode(), key=salt.encode()[:64], digest_size=8).hexdigest()


def _hash(salt: str, token: str) -> str:
    return hashlib.blake2b(token.encode(), key=salt.encode()[:64], digest_size=6).hexdigest()


#: scrypt cost for single-value answers: ~25 ms per try on a laptop, so checking one answer
#: stays instant while trying a million candidates offline takes hours.
SLOW_HASH_COST = 2**13


def _slow_hash(salt: str, token: str) -> str:
    return hashlib.scrypt(token.encode(), salt=salt.encode(), n=SLOW_HASH_COST, r=8, p=1, dklen=12).hex()


def low_information(kind: str, expected: dict[str, Any]) -> bool:
    """Answers a script could find by trying every possibility with the self-check: a choice,
    a True/False, or a whole number below a million. Their self-check confirms the format only
    (unless the author opts in with ``selfcheck=value``).

    >>> low_information("number", {"t": "scalar", "v": 719}), low_information("number", {"t": "scalar", "v": 0.42})
    (True, False)
    """
    if kind in ("choice", "bool"):
        return True
    if kind == "number" and expected.get("t") == "scalar" and _scalar_kind(expected.get("v")) == "number":
        value = _as_float(expected["v"])
        return math.isfinite(value) and value == int(value) and abs(value) < 1e6
    return False


# -- the shared structure: turn plain answers into rows of cells -----------------------------

def _index_values(index: dict[str, Any], n: int) -> list[Any]:
    if "range" in index:
        start, _, step = index["range"]
        return [start + i * step for i in range(n)]
    return index["values"]


def _sort_key(cell: Any) -> tuple:
    k = _scalar_kind(cell)
    if k == "number":
        x = _as_float(cell)
        return (1, float(f"{x:.6e}") if not math.isinf(x) else x)
    if k == "missing":
        return (0, 0)
    return (2, k, _canonical_json(cell))


def _column_sort_keys(col: list[Any]) -> list[Any]:
    """Sort keys of one column as numpy arrays (last key = most significant), missing values first."""
    import numpy as np

    missing = np.fromiter((v is None for v in col), dtype=bool, count=len(col))
    present = [v for v in col if v is not None]
    if all(type(v) in (int, float) for v in present):
        values = np.array([0.0 if v is None else v for v in col], dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = 10.0 ** (np.floor(np.log10(np.abs(values))) - 6)
            values = np.where(values == 0, 0.0, np.round(values / scale) * scale)  # 7 significant digits
        return [values, ~missing]
    if all(type(v) is str for v in present):
        ranks = np.unique(np.array(["" if v is None else v for v in col], dtype=object), return_inverse=True)[1]
        return [ranks, ~missing]
    keys = [_sort_key(v) for v in col]
    rank = {key: i for i, key in enumerate(sorted(set(keys)))}
    return [np.array([rank[k] for k in keys])]


def _row_order(columns: list[list[Any]], n: int) -> list[int]:
    """Row positions sorted by all columns (first column most significant); stable."""
    if n == 0:
        return []
    import numpy as np

    keys: list[Any] = []
    for col in reversed(columns):
        keys += _column_sort_keys(col)
    return np.lexsort(keys).tolist()


def _items(plain: dict[str, Any]) -> list[Any] | None:
    """The scalar items of a list-like answer (list, set, tuple, array or Series), else None."""
    t = plain.get("t")
    if t in ("list", "set"):
        return [item.get("v") if item.get("t") == "scalar" else item for item in plain["items"]]
    if t == "series":
        return plain["values"]
    return None


def _describe(plain: dict[str, Any]) -> str:
    if plain.get("t") == "scalar":
        kind = _scalar_kind(plain.get("v"))
        key = f"compare.value.{kind}"
        return t(key if key in MESSAGES else "compare.value.other")
    return t(f"compare.type.{plain.get('t')}" if plain.get("t") in _TYPES else "compare.type.unknown")


def _columns(names: Any) -> str:
    return ", ".join(f"`{c}`" for c in names)


# A "reference" is what the answer is checked against: the expected plain value (grader) or the
# digest (self-check). Both expose the same visible facts; cells are matched by a function.

class _Reference:
    """Visible facts, cells per column (values or hashes), row labels, and the cell matcher."""

    def __init__(self, facts: dict[str, Any], cells: list[list[Any]], index: list[Any] | None,
                 match: Callable[[Any, Any, str], bool],
                 column_ok: Callable[[int, list[Any]], bool] | None = None,
                 whole: set[int] | None = None) -> None:
        self.facts, self.cells, self.index, self.match = facts, cells, index, match
        self.column_ok = column_ok  # fast path: does a whole column match (None: check cell by cell)
        self.whole = whole or set()  # columns a digest checks only as a whole (no per-cell hashes)

    def columns_to_check(self, ref_columns: list[int], actual: list[list[Any]]) -> list[int]:
        """Positions (in ``ref_columns``) whose cells need the cell-by-cell check."""
        if self.column_ok is None:
            return list(range(len(ref_columns)))
        return [j for j, (ref_j, col) in enumerate(zip(ref_columns, actual, strict=True))
                if not self.column_ok(ref_j, col)]


def _check_frame(ref: _Reference, actual: dict[str, Any], options: dict[str, Any]) -> list[str]:
    facts = ref.facts
    if actual.get("t") != "frame":
        return [t("compare.expected_got", want=t("compare.type.frame"), got=_describe(actual))]
    problems: list[str] = []
    a_cols = actual["columns"]
    dup = sorted({c for c in a_cols if a_cols.count(c) > 1})
    if dup:
        problems.append(t("compare.duplicate_columns", columns=_columns(dup)))
    wanted = list(options.get("columns") or facts["columns"])
    missing = [c for c in wanted if c not in a_cols]
    if missing:
        problems.append(tn("compare.missing_columns", len(missing), columns=_columns(missing)))
    if not options.get("columns"):
        extra = [c for c in a_cols if c not in facts["columns"]]
        if extra:
            problems.append(tn("compare.extra_columns", len(extra), columns=_columns(extra)))
    diff = actual["nrows"] - facts["nrows"]
    if diff:
        problems.append(tn("compare.rows_off", abs(diff), how=t("compare.too_many" if diff > 0 else "compare.too_few")))
    shared = [c for c in wanted if c in a_cols and c not in dup]
    for c in shared:
        e_kind = facts["kinds"][facts["columns"].index(c)]
        a_kind = actual["kinds"][a_cols.index(c)]
        if e_kind != a_kind and not (e_kind in ("text", "mixed") and a_kind in ("text", "mixed")
                                     and not options.get("check_dtype")):
            problems.append(t("compare.column_kind", column=c, want=_kind_words(e_kind), got=_kind_words(a_kind)))
    if problems:
        return problems
    e_cols = [ref.cells[facts["columns"].index(c)] for c in wanted]
    a_data = [actual["data"][a_cols.index(c)] for c in wanted]
    kinds = [facts["kinds"][facts["columns"].index(c)] for c in wanted]
    n = facts["nrows"]
    a_index = _index_values(actual["index"], n)
    order = list(range(n))
    if options.get("ignore_order"):
        order = _row_order(a_data, n)
    first, bad_cols, bad_rows = None, set(), 0
    ordered = [[col[i] for i in order] for col in a_data]
    ref_columns = [facts["columns"].index(c) for c in wanted]
    slow = ref.columns_to_check(ref_columns, ordered)
    whole = [wanted[j] for j in slow if ref_columns[j] in ref.whole]
    slow = [j for j in slow if ref_columns[j] not in ref.whole]
    for pos in range(n if slow else 0):
        row_bad = [wanted[j] for j in slow if not ref.match(e_cols[j][pos], ordered[j][pos], kinds[j])]
        if row_bad:
            bad_rows += 1
            first = pos if first is None else first
            bad_cols.update(row_bad)
    if first is not None:
        where = t("compare.after_sorting_rows") if options.get("ignore_order") else ""
        cols = _columns(c for c in wanted if c in bad_cols)
        key = f"compare.frame_differs.{'one' if len(bad_cols) == 1 else 'many'}"
        problems.append(t(key, where=where, first=first, bad=bad_rows, count=n, columns=cols))
    if whole:
        problems.append(t("compare.whole_columns", columns=_columns(whole)))
    if not options.get("ignore_index", True) and ref.index is not None:
        problems += _index_problems(ref, [a_index[order[p]] for p in range(n)])
    return problems


def _index_problems(ref: _Reference, a_index: list[Any]) -> list[str]:
    if isinstance(ref.index, str):  # a digest's whole-index hash
        if not ref.match(ref.index, a_index, "whole-index"):
            return [t("compare.index_differs_whole")]
        return []
    for pos, (e, a) in enumerate(zip(ref.index, a_index, strict=True)):
        if not ref.match(e, a, "index"):
            return [t("compare.index_differs", position=pos)]
    return []


def _check_sequence(ref: _Reference, actual: dict[str, Any], options: dict[str, Any], kind: str) -> list[str]:
    facts = ref.facts
    if kind == "series":
        if actual.get("t") != "series":
            return [t("compare.expected_got", want=t("compare.type.series"), got=_describe(actual))]
        items = actual["values"]
    else:
        items = _items(actual)
        if items is None:
            return [t("compare.expected_got", want=t("compare.expected_list"), got=_describe(actual))]
    problems = []
    diff = len(items) - facts["length"]
    if diff:
        key = "compare.rows_off" if kind == "series" else "compare.items_off"
        problems.append(tn(key, abs(diff), how=t("compare.too_many" if diff > 0 else "compare.too_few")))
    if kind == "series":
        if options.get("check_name") and actual.get("name") != facts.get("name"):
            problems.append(t("compare.series_name"))
        if facts["kind"] != actual["kind"] and not {facts["kind"], actual["kind"]} <= {"text", "mixed"}:
            problems.append(t("compare.series_kind", want=_kind_words(facts["kind"]), got=_kind_words(actual["kind"])))
    if problems:
        return problems
    n = facts["length"]
    order = _row_order([items], n) if options.get("ignore_order") else list(range(n))
    ordered = [items[i] for i in order]
    slow = ref.columns_to_check([0], [ordered])
    if slow and 0 in ref.whole:
        problems.append(t("compare.sequence_differs_whole"))
        slow = []
    bad = [p for p in range(n if slow else 0) if not ref.match(ref.cells[0][p], ordered[p], kind)]
    if bad:
        key = "compare.sequence_differs_row" if kind == "series" else "compare.sequence_differs_position"
        where = t("compare.after_sorting") if options.get("ignore_order") else ""
        problems.append(t(key, where=where, first=bad[0], bad=len(bad), count=n))
    if kind == "series" and not options.get("ignore_index", True) and ref.index is not None:
        a_index = _index_values(actual["index"], n)
        problems += _index_problems(ref, [a_index[order[p]] for p in range(n)])
    return problems


def _check_set(ref: _Reference, actual: dict[str, Any], options: dict[str, Any]) -> list[str]:
    items = _items(actual)
    if items is None:
        return [t("compare.expected_got", want=t("compare.expected_collection"), got=_describe(actual))]
    expected = ref.cells[0]
    if 0 in ref.whole:
        if ref.column_ok is not None and ref.column_ok(0, items):
            return []
        return [t("compare.set_differs_whole", count=ref.facts.get("length", "?"))]
    hit = [any(ref.match(e, a, "set") for a in items) for e in expected]
    extra = [a for a in items if not any(ref.match(e, a, "set") for e in expected)]
    problems = []
    if not all(hit):
        problems.append(tn("compare.items_missing", hit.count(False)))
    if extra:
        problems.append(tn("compare.items_extra", len({_canonical_json(a) for a in extra})))
    return problems


def _check_scalar(ref: _Reference, actual: dict[str, Any], options: dict[str, Any], kind: str) -> list[str]:
    want = {"number": "number", "text": "text", "choice": "text", "bool": "bool"}[kind]
    value = actual.get("v") if actual.get("t") == "scalar" else None
    if actual.get("t") != "scalar" or _scalar_kind(value) not in (want, "missing"):
        words = t("compare.want.choice" if kind == "choice" else f"compare.want.{want}")
        return [t("compare.expected_got", want=words, got=_describe(actual))]
    choices = options.get("choices")
    if kind == "choice" and choices:
        labels = {_norm_text(c, options, True) for c in choices}
        if _norm_text(value, options, True) not in labels:
            return [t("compare.not_a_choice", value=value.strip(), choices=", ".join(choices))]
    if not ref.match(ref.cells[0][0], value, kind):
        return [t("compare.value_wrong")]
    return []


def _run_checks(ref: _Reference, actual: dict[str, Any], kind: str, options: dict[str, Any]) -> Verdict:
    if not isinstance(actual, dict) or "t" not in actual:
        return Verdict(False, [t("compare.unreadable")])
    if kind == "frame":
        problems = _check_frame(ref, actual, options)
    elif kind in ("series", "sequence"):
        problems = _check_sequence(ref, actual, options, kind)
    elif kind == "set":
        problems = _check_set(ref, actual, options)
    else:
        problems = _check_scalar(ref, actual, options, kind)
    return Verdict(not problems, problems)


# -- the grader's side: full expected value ---------------------------------------------------

def _reference_from_plain(kind: str, expected: dict[str, Any], options: dict[str, Any],
                          tokens: bool = False) -> _Reference:
    if kind == "frame":
        if expected.get("t") != "frame":
            raise ValueError(f"the instructor's answer is {_describe(expected)}, not a DataFrame")
        facts = {k: expected[k] for k in ("t", "columns", "kinds", "nrows")}
        cells = expected["data"]
        n = expected["nrows"]
        index = _index_values(expected["index"], n)
        if options.get("ignore_order"):
            wanted = list(options.get("columns") or expected["columns"])
            order = _row_order([cells[expected["columns"].index(c)] for c in wanted], n)
            cells = [[col[i] for i in order] for col in cells]
            index = [index[i] for i in order]
    elif kind in ("series", "sequence", "set"):
        items = _items(expected)
        if items is None:
            raise ValueError(f"the instructor's answer is {_describe(expected)}, not a list-like value")
        facts = {"t": expected["t"], "length": len(items), "kind": expected.get("kind"),
                 "name": expected.get("name")}
        n = len(items)
        index = _index_values(expected["index"], n) if expected.get("t") == "series" else None
        if options.get("ignore_order") and kind == "series":
            order = _row_order([items], n)
            items, index = [items[i] for i in order], [index[i] for i in order]
        cells = [items]
    else:
        if expected.get("t") != "scalar":
            raise ValueError(f"the instructor's answer is {_describe(expected)}, not a single value")
        facts, cells, index = {"t": "scalar"}, [[expected["v"]]], None
    return _Reference(facts, cells, index, lambda e, a, k: values_equal(e, a, options, kind))


def compare(kind: str, options: dict[str, Any], expected: dict[str, Any], actual: dict[str, Any]) -> Verdict:
    """Compare two plain answers with the rule ``kind`` (``number``, ``frame`` …) and its options."""
    return _run_checks(_reference_from_plain(kind, expected, options), actual, kind, options)


# -- the self-check's side: a digest ----------------------------------------------------------

def make_digest(kind: str, options: dict[str, Any], expected: dict[str, Any], salt: str,
                format_only: bool = False) -> dict[str, Any]:
    """Visible facts plus salted hashes of the expected cells (rounded to the tolerance).

    A single value (number, text) gets a slow hash (scrypt), so recovering it by trying
    candidates takes longer than computing it; ``format_only`` keeps no trace of the value at
    all (for low-information answers, see :func:`low_information`). In a table, a column of
    decimal numbers gets a fast hash per cell (the self-check can say which row is wrong) and
    any other column (:func:`enumerable`: whole numbers, text, labels, dates), the row labels
    and a set get one slow hash of the whole, so they cannot be recovered cell by cell.
    """
    ref = _reference_from_plain(kind, expected, options)
    if format_only:  # the form only: the type and its shape (columns, rows, length), no value
        facts = {"t": ref.facts["t"]} if ref.facts["t"] == "scalar" else ref.facts
        return {"kind": kind, "facts": facts, "format_only": True}
    if ref.facts["t"] == "scalar" and kind not in ("set", "sequence", "series", "frame"):
        tokens = cell_tokens(ref.cells[0][0], options, kind, False)
        return {"kind": kind, "facts": ref.facts, "cells": [[_slow_hash(salt, tokens[0])]], "index": None,
                "columns": [None], "slow": True}
    wanted = options.get("columns")

    def column_digest(col: list[Any], column: str | None) -> tuple[Any, str | None]:
        """(per-cell hashes or "whole", column hash); (None, None) for a column not compared."""
        if kind == "frame" and wanted and column not in wanted:
            return None, None
        if kind == "set" or enumerable(col):
            return "whole", _slow_hash(salt, _WHOLE + "\x1f".join(whole_tokens(col, options, kind)))
        return [_hash(salt, t) for t in column_tokens(col, options, kind)], \
            _column_hash(salt, column_tokens(col, options, kind))

    names = ref.facts["columns"] if kind == "frame" else [None]
    pairs = [column_digest(col, name) for col, name in zip(ref.cells, names, strict=True)]
    cells, columns = [p[0] for p in pairs], [p[1] for p in pairs]
    if kind == "set":
        ref.facts["length"] = len(set(whole_tokens(ref.cells[0], options, kind)))
    index = None
    if ref.index is not None and not options.get("ignore_index", True):
        index = _slow_hash(salt, _WHOLE + "\x1f".join(whole_tokens(ref.index, {}, "index")))
    return {"kind": kind, "facts": ref.facts, "cells": cells, "index": index, "columns": columns}


_WHOLE = "whole\x1e"


def enumerable(values: list[Any]) -> bool:
    """True unless every value is a number and some are not whole: such a column (whole numbers,
    text, labels, dates, booleans) could be recovered cell by cell by trying every plausible value,
    so a digest keeps only one slow hash of the whole column.

    Examples
    --------
    >>> enumerable([3, 7, 12]), enumerable(["VIP", "普通型"]), enumerable([54.81, 12.0])
    (True, True, False)
    """
    numbers = [v for v in values if v is not None and not (isinstance(v, float) and v != v)]
    return not numbers or not all(type(v) in (int, float) for v in numbers) or all(
        float(v).is_integer() for v in numbers)


def whole_tokens(values: list[Any], options: dict[str, Any], kind: str) -> list[str]:
    """Tokens of a column checked as a whole: whole numbers exactly (a float within the tolerance
    of a whole number counts as that number), everything else as :func:`column_tokens`; a set's
    tokens sorted and unique."""
    rtol, atol = options.get("rtol", 0.0), options.get("atol", 0.0)
    tokens = []
    for v in values:
        if type(v) in (int, float) and v == v and abs(v) != float("inf") and \
                abs(v - round(v)) <= atol + rtol * abs(v) + 1e-9 * max(1.0, abs(v)):
            tokens.append(f"i{int(round(v))}")
        else:
            tokens.append(cell_tokens(v, options, kind, False)[0])
    return sorted(set(tokens)) if kind == "set" else tokens


def check_digest(digest: dict[str, Any], actual: dict[str, Any], options: dict[str, Any], salt: str) -> Verdict:
    """Check a student's plain answer against a digest made by :func:`make_digest`."""
    kind = digest["kind"]
    if digest.get("format_only"):
        facts = digest["facts"]
        if kind == "set":
            ok = _items(actual) is not None
            verdict = Verdict(ok, [] if ok else [t("compare.expected_got", want=t("compare.expected_collection"),
                                                     got=_describe(actual))])
        else:
            size = facts.get("nrows", facts.get("length", 1))
            cells = [[None] * size for _ in facts.get("columns", [None])]
            ref = _Reference(facts, cells, None, lambda e, a, k: True, lambda j, values: True)
            verdict = _run_checks(ref, actual, kind, options)
        verdict.note = t("compare.format_only_note")
        return verdict
    hasher = _slow_hash if digest.get("slow") else _hash

    def match(ref_hash: Any, a: Any, k: str) -> bool:
        opts = {} if k == "index" else options
        if hasher(salt, cell_tokens(a, opts, kind, False)[0]) == ref_hash:  # the usual case: one hash
            return True
        return any(hasher(salt, t) == ref_hash for t in dict.fromkeys(cell_tokens(a, opts, kind, True)))

    column_hashes = digest.get("columns") or []
    whole = {j for j, c in enumerate(digest["cells"]) if c == "whole"}

    def column_ok(ref_j: int, values: list[Any]) -> bool:
        wanted = column_hashes[ref_j] if ref_j < len(column_hashes) else None
        if ref_j in whole:
            return _slow_hash(salt, _WHOLE + "\x1f".join(whole_tokens(values, options, kind))) == wanted
        return wanted is not None and _column_hash(salt, column_tokens(values, options, kind)) == wanted

    def match_or_whole_index(ref_hash: Any, a: Any, k: str) -> bool:
        if k == "whole-index":
            return _slow_hash(salt, _WHOLE + "\x1f".join(whole_tokens(a, {}, "index"))) == ref_hash
        return match(ref_hash, a, k)

    ref = _Reference(digest["facts"], digest["cells"], digest.get("index"), match_or_whole_index, column_ok,
                     whole)
    return _run_checks(ref, actual, kind, options)


def compare_function(kind: str, options: dict[str, Any], expected: list[dict[str, Any]],
                     calls: list[dict[str, Any]], label: str = "compare.case") -> Verdict:
    """Score a function answer: each case's return value against the instructor's.

    ``expected`` and ``calls`` hold one ``{"value": plain}`` (or ``{"error": "..."}``) per case.
    Cases failing for the same reason are reported once ("hidden cases 1–3: …").
    """
    failures: dict[str, list[int]] = {}
    passed = 0
    for number, want in enumerate(expected, start=1):
        got = calls[number - 1] if number - 1 < len(calls) else {"error": t("compare.not_called")}
        if "error" in got:
            failures.setdefault(str(got["error"]), []).append(number)
            continue
        verdict = compare(kind, options, want["value"], got.get("value"))
        if verdict.ok:
            passed += 1
        else:
            failures.setdefault(verdict.message, []).append(number)
    problems = [t("compare.case_failed", cases=_cases(label, numbers), message=message)
                for message, numbers in failures.items()]
    total = max(len(expected), 1)
    return Verdict(passed == len(expected), problems, passed / total)


def _cases(label: str, numbers: list[int]) -> str:
    """``label`` is a message key with ``.one``/``.many`` forms (e.g. ``compare.case``)."""
    if len(numbers) == 1:
        text = str(numbers[0])
    elif numbers == list(range(numbers[0], numbers[-1] + 1)):
        text = f"{numbers[0]}–{numbers[-1]}"
    else:
        text = ", ".join(map(str, numbers))
    return tn(label, len(numbers), numbers=text)
