"""The scorecard's rule language: bands, categories, direct points, rank classes.

A :class:`Scorecard` is a list of :class:`ScoreItem` (a column, a maximum and a rule); it scores a
customer table, explains each customer's points, and round-trips through YAML/JSON.
:func:`default_scorecard` is the course's six-item card.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmlab._checks import (
    CrmlabInputError,
    _describe_rows,
    require_columns,
    require_not_empty,
    to_numeric,
)
from crmlab.scorecard.indicators import _non_negative


GRADES = ("A", "B", "C", "D")
#: Brand / industry-standing labels the default scorecard knows.
BRAND_STANDINGS = ("global500", "global500_affiliate", "top50", "top50_affiliate", "other")

# --------------------------------------------------------------------------------------------
# scorecard rules
# --------------------------------------------------------------------------------------------
def _check_points(points: Iterable[float], where: str) -> list[float]:
    values = [float(p) for p in points]
    if any(not math.isfinite(p) or p < 0 for p in values):
        raise CrmlabInputError(f"{where}: points must be finite and >= 0, got {values}")
    return values


@dataclass(frozen=True)
class BandRule:
    """Points by numeric band: ``edges`` split the number line, ``points`` has one more entry.

    ``closed="left"``: a value exactly on an edge belongs to the band *above* it
    (``[edge_i, edge_i+1)``); ``closed="right"``: to the band *below* it (``(edge_i, edge_i+1]``).
    ``missing_points`` scores a missing value (``None``: missing values are an error).

    Parameters
    ----------
    edges : tuple of float
        Band edges, increasing.
    points : tuple of float
        Points of each band, lowest band first (one more than ``edges``).
    closed : {"left", "right"}
        Which band a value exactly on an edge belongs to (see above).
    missing_points : float, optional
        Points for a missing value; None makes a missing value an error.

    Examples
    --------
    >>> BandRule(edges=(1, 2, 4), points=(15, 10, 8, 5)).apply(pd.Series([0, 1, 2, 3.9, 4])).tolist()
    [15.0, 10.0, 8.0, 8.0, 5.0]
    """

    edges: tuple[float, ...]
    points: tuple[float, ...]
    closed: str = "left"
    missing_points: float | None = None
    kind = "bands"

    def __post_init__(self) -> None:
        object.__setattr__(self, "edges", tuple(float(e) for e in self.edges))
        object.__setattr__(self, "points", tuple(_check_points(self.points, "band rule")))
        if len(self.points) != len(self.edges) + 1:
            raise CrmlabInputError(
                f"a band rule needs one more points value than edges: {len(self.edges)} edges, "
                f"{len(self.points)} points"
            )
        if any(b <= a for a, b in zip(self.edges, self.edges[1:])):
            raise CrmlabInputError(f"band edges must increase strictly, got {list(self.edges)}")
        if self.closed not in ("left", "right"):
            raise CrmlabInputError(f"closed must be 'left' or 'right', got {self.closed!r}")

    def max_points(self) -> float:
        extra = [] if self.missing_points is None else [self.missing_points]
        return max([*self.points, *extra])

    def apply(self, values: pd.Series, *, column: str = "value", what: str = "the customers"
              ) -> pd.Series:
        numbers = to_numeric(values, column=column, what=what)
        missing = numbers.isna()
        if missing.any() and self.missing_points is None:
            raise CrmlabInputError(
                f"column {column!r} of {what} is empty in rows "
                f"{_describe_rows(values.index[missing])}; this scorecard item has no points "
                f"for a missing value"
            )
        side = "right" if self.closed == "left" else "left"
        band = np.searchsorted(np.asarray(self.edges), numbers.fillna(0).to_numpy(), side=side)
        scored = np.asarray(self.points)[band]
        if missing.any():
            scored = np.where(missing, self.missing_points, scored)
        return pd.Series(scored.astype(float), index=values.index)

    def describe_value(self, value: Any) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "missing"
        number = float(value)
        side = "right" if self.closed == "left" else "left"
        i = int(np.searchsorted(np.asarray(self.edges), number, side=side))
        lo = self.edges[i - 1] if i > 0 else None
        hi = self.edges[i] if i < len(self.edges) else None
        lo_op, hi_op = ("≤", "<") if self.closed == "left" else ("<", "≤")
        parts = ([f"{lo:g} {lo_op}"] if lo is not None else []) + ["value"] + \
                ([f"{hi_op} {hi:g}"] if hi is not None else [])
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rule": self.kind, "edges": list(self.edges),
                               "points": list(self.points), "closed": self.closed}
        if self.missing_points is not None:
            out["missing_points"] = self.missing_points
        return out


@dataclass(frozen=True)
class CategoryRule:
    """Points by label: ``points`` maps each allowed label to its points; other labels are errors.

    Parameters
    ----------
    points : mapping of str to float
        Label → points.
    judged : mapping of str to str, optional
        Label → a column holding each customer's own points for that label, from 0 up to the
        label's points (a judgement per customer, e.g. brand standing "other": 0–5). When the
        column is absent from the customers the label scores its points, as without ``judged``.

    Examples
    --------
    >>> CategoryRule({"global500": 20, "other": 5}).apply(pd.Series(["other"])).tolist()
    [5.0]
    >>> rule = CategoryRule({"global500": 20, "other": 5}, judged={"other": "other_points"})
    >>> rule.apply(pd.Series(["other", "global500"]),
    ...            judged_values=pd.DataFrame({"other_points": [2, None]})).tolist()
    [2.0, 20.0]
    """

    points: Mapping[str, float]
    judged: Mapping[str, str] = field(default_factory=dict)
    kind = "categories"

    def __post_init__(self) -> None:
        values = _check_points(self.points.values(), "category rule")
        object.__setattr__(self, "points", dict(zip((str(k) for k in self.points), values)))
        if not self.points:
            raise CrmlabInputError("a category rule needs at least one label")
        unknown = [label for label in self.judged if label not in self.points]
        if unknown:
            raise CrmlabInputError(f"a category rule judges labels it does not have: {', '.join(unknown)}")
        object.__setattr__(self, "judged", {str(k): str(v) for k, v in self.judged.items()})

    def max_points(self) -> float:
        return max(self.points.values())

    def apply(self, values: pd.Series, *, column: str = "value", what: str = "the customers",
              judged_values: pd.DataFrame | None = None) -> pd.Series:
        codes, uniques = pd.factorize(values)  # labels are few: look each one up once
        per_label = np.array([self.points.get(str(u).strip(), np.nan) for u in uniques] + [np.nan])
        scored = per_label[codes]  # code -1 (missing) picks the trailing NaN
        unknown = np.isnan(scored)
        if unknown.any():
            shown = ", ".join(repr(v) for v in pd.unique(values[unknown].astype(str))[:5])
            raise CrmlabInputError(
                f"column {column!r} of {what} has unknown labels {shown} in rows "
                f"{_describe_rows(values.index[unknown])}; allowed: {', '.join(self.points)}"
            )
        scored = pd.Series(scored, index=values.index)
        for label, judged_column in self.judged.items():
            if judged_values is None or judged_column not in judged_values.columns:
                continue
            rows = values.astype(str).str.strip() == label
            given = pd.to_numeric(judged_values.loc[rows, judged_column], errors="coerce")
            bad = given.isna() | (given < 0) | (given > self.points[label])
            if bad.any():
                raise CrmlabInputError(
                    f"column {judged_column!r} of {what} must hold the points (0 to "
                    f"{self.points[label]:g}) of every customer labelled {label!r} in {column!r}; rows "
                    f"{_describe_rows(given.index[bad])} have none or a value outside that range")
            scored[rows] = given.astype(float)
        return scored

    def describe_value(self, value: Any) -> str:
        return _short_number(value)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rule": self.kind, "points": dict(self.points)}
        if self.judged:
            out["judged"] = dict(self.judged)
        return out


@dataclass(frozen=True)
class DirectPointsRule:
    """The column already holds the points (a judgement such as industry outlook), 0..max.

    Values outside ``0 .. max_points`` of the item, or missing, are errors.

    Examples
    --------
    >>> DirectPointsRule().apply(pd.Series([12, 0]), limit=15).tolist()
    [12.0, 0.0]
    """

    kind = "direct"

    def max_points(self) -> float:
        return math.inf

    def apply(self, values: pd.Series, *, column: str = "value", what: str = "the customers",
              limit: float = math.inf) -> pd.Series:
        numbers = to_numeric(values, column=column, what=what)
        bad = numbers.isna() | (numbers < 0) | (numbers > limit)
        if bad.any():
            raise CrmlabInputError(
                f"column {column!r} of {what} must hold points between 0 and {limit:g}; rows "
                f"{_describe_rows(values.index[bad])} are missing or out of range"
            )
        return numbers

    def describe_value(self, value: Any) -> str:
        return _short_number(value)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.kind}


@dataclass(frozen=True)
class RankClassRule:
    """Points by sales-rank class: customers ranked by the column inside the scored set.

    The classes come from :func:`crmlab.pareto.sales_rank_class` with ``cutoffs`` and
    ``labels`` (course: top 10 % Class I, next 20 % Class II, the rest Class III); ``points``
    maps each class label to points.

    Parameters
    ----------
    points : mapping of str to float
        Class label (``"I"``, ``"II"``, ``"III"``) → points.
    cutoffs : tuple of float
        Cumulative shares of customers that close each class but the last.

    Examples
    --------
    >>> rule = RankClassRule({"I": 15, "II": 10, "III": 5})
    >>> rule.apply(pd.Series([900.0, 500, 100, 50, 10, 5, 4, 3, 2, 1])).tolist()
    [15.0, 10.0, 10.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0]
    """

    points: Mapping[str, float]
    cutoffs: tuple[float, ...] = (0.10, 0.30)
    kind = "rank_class"

    def __post_init__(self) -> None:
        values = _check_points(self.points.values(), "rank-class rule")
        object.__setattr__(self, "points", dict(zip((str(k) for k in self.points), values)))
        object.__setattr__(self, "cutoffs", tuple(float(c) for c in self.cutoffs))
        if len(self.points) != len(self.cutoffs) + 1:
            raise CrmlabInputError(
                f"a rank-class rule needs one class label per band: {len(self.cutoffs)} cutoffs "
                f"make {len(self.cutoffs) + 1} classes, but {len(self.points)} labels were given"
            )

    def max_points(self) -> float:
        return max(self.points.values())

    def classes(self, values: pd.Series, *, column: str = "sales",
                what: str = "the customers") -> pd.Series:
        from crmlab.pareto import sales_rank_class

        numbers = _non_negative(values, column=column, what=what)
        if numbers.isna().any():
            raise CrmlabInputError(
                f"column {column!r} of {what} is empty in rows "
                f"{_describe_rows(values.index[numbers.isna()])}; use 0 for no sales"
            )
        classes = sales_rank_class(numbers, cutoffs=self.cutoffs, labels=tuple(self.points))
        return pd.Series(np.asarray(classes, dtype=object), index=values.index).astype(str)

    def apply(self, values: pd.Series, *, column: str = "sales", what: str = "the customers"
              ) -> pd.Series:
        return self.classes(values, column=column, what=what).map(self.points).astype(float)

    def describe_value(self, value: Any) -> str:
        return _short_number(value)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.kind, "cutoffs": list(self.cutoffs), "points": dict(self.points)}


_RULES = {cls.kind: cls for cls in (BandRule, CategoryRule, DirectPointsRule, RankClassRule)}


def _rule_from_dict(data: Mapping[str, Any], item: str) -> Any:
    data = dict(data)
    kind = data.pop("rule", None)
    if kind not in _RULES:
        raise CrmlabInputError(
            f"scorecard item {item!r}: unknown rule {kind!r}; use one of {', '.join(_RULES)}"
        )
    try:
        if kind == "bands":
            return BandRule(edges=tuple(data["edges"]), points=tuple(data["points"]),
                            closed=data.get("closed", "left"),
                            missing_points=data.get("missing_points"))
        if kind == "categories":
            return CategoryRule(points=data["points"], judged=data.get("judged") or {})
        if kind == "rank_class":
            return RankClassRule(points=data["points"],
                                 cutoffs=tuple(data.get("cutoffs", (0.10, 0.30))))
        return DirectPointsRule()
    except KeyError as exc:
        raise CrmlabInputError(f"scorecard item {item!r}: rule {kind!r} needs {exc}") from None


@dataclass(frozen=True)
class ScoreItem:
    """One scorecard item: ``name`` (output column), ``column`` read, ``max_points``, ``rule``.

    Parameters
    ----------
    name : str
        The item's name, also the output column of its points.
    column : str
        The input column the rule reads.
    max_points : float
        The most points the item can give.
    rule : BandRule, CategoryRule, DirectPointsRule or RankClassRule
        How a value becomes points.
    label : str
        A display name (e.g. Chinese) for explanations and exports.

    Examples
    --------
    >>> item = ScoreItem("outlook", "outlook_points", 15, DirectPointsRule(), label="行业发展前景")
    >>> item.to_dict()["rule"]
    'direct'
    """

    name: str
    column: str
    max_points: float
    rule: Any
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "max_points", float(self.max_points))
        if not self.max_points > 0:
            raise CrmlabInputError(f"scorecard item {self.name!r}: max_points must be > 0")
        if self.rule.max_points() != math.inf and self.rule.max_points() > self.max_points:
            raise CrmlabInputError(
                f"scorecard item {self.name!r}: its rule gives up to {self.rule.max_points():g} "
                f"points but the item's maximum is {self.max_points:g}"
            )

    def apply(self, customers: pd.DataFrame, what: str) -> pd.Series:
        if isinstance(self.rule, DirectPointsRule):
            return self.rule.apply(customers[self.column], column=self.column, what=what,
                                   limit=self.max_points)
        if isinstance(self.rule, CategoryRule) and self.rule.judged:
            return self.rule.apply(customers[self.column], column=self.column, what=what,
                                   judged_values=customers)
        return self.rule.apply(customers[self.column], column=self.column, what=what)

    def to_dict(self) -> dict[str, Any]:
        out = {"name": self.name, "label": self.label, "column": self.column,
               "max_points": self.max_points}
        out.update(self.rule.to_dict())
        return out


# --------------------------------------------------------------------------------------------
# the scorecard
# --------------------------------------------------------------------------------------------
def _short_number(value: Any) -> str:
    """A value for a sentence: floats with at most three decimals, other values as they are."""
    if isinstance(value, (float, np.floating)) and math.isfinite(value):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return str(value)


def points_to_grade(total: Any, *, grade_floors: Mapping[str, float] | None = None) -> Any:
    """Map points to grades: A ``>= 80``, B ``60 <= p < 80``, C ``50 <= p < 60``, D ``< 50``.

    ``grade_floors`` maps each grade but the last to its lowest total (course: A 80, B 60,
    C 50; everything below the last floor gets the next letter, D). Scalars give a string,
    arrays/Series give a Series.

    Parameters
    ----------
    total : float or array-like
        Total points.
    grade_floors : mapping of str to float, optional
        Grade → lowest total, best grade first; default A 80, B 60, C 50.

    Returns
    -------
    str or pandas.Series
        The grade of each total.

    Examples
    --------
    >>> [points_to_grade(p) for p in (100, 80, 79.9, 60, 50, 49.9, 0)]
    ['A', 'A', 'B', 'B', 'C', 'D', 'D']
    """
    floors = dict(grade_floors or {"A": 80, "B": 60, "C": 50})
    labels, bounds = _grade_ladder(floors)
    scalar = np.ndim(total) == 0
    values = np.atleast_1d(np.asarray(total, dtype=float))
    if np.isnan(values).any():
        raise CrmlabInputError("a total of points is missing (NaN): it cannot be graded")
    # bounds ascending: lowest floor first; a value on a floor belongs to the grade above it
    band = np.searchsorted(bounds, values, side="right")
    grades = np.asarray(labels[::-1], dtype=object)[band]
    if scalar:
        return str(grades[0])
    index = total.index if isinstance(total, pd.Series) else None
    return pd.Series(grades, index=index, name="grade")


def _grade_ladder(floors: Mapping[str, float]) -> tuple[list[str], np.ndarray]:
    names = list(floors)
    values = [float(floors[n]) for n in names]
    if any(b >= a for a, b in zip(values, values[1:])):
        raise CrmlabInputError(f"grade floors must decrease from the best grade, got {floors}")
    last = chr(ord(names[-1][0]) + 1) if len(names[-1]) == 1 else "below " + names[-1]
    labels = [*names, last]
    return labels, np.asarray(values[::-1])


@dataclass
class Scorecard:
    """A declarative grading scorecard: items with rules, and grade floors.

    ``score(customers)`` returns one row per customer with each item's points, the ``total``
    and the ``grade``; it also keeps that table in ``scores_`` so ``explain(customer_id)`` can
    say in words why a customer got its grade. Save and load with :meth:`to_yaml`,
    :meth:`to_json`, :meth:`save`, :meth:`load`, so a teacher can change the rules without code.

    Parameters
    ----------
    items
        The :class:`ScoreItem` list; item names become output columns (``points_<name>``).
    grade_floors
        Grade → lowest total (best grade first); below the last floor is the next letter.
    name
        A title for reports.
    id_column
        The customer identifier column carried to the output.

    Examples
    --------
    >>> card = default_scorecard()
    >>> [item.max_points for item in card.items]
    [15.0, 15.0, 15.0, 20.0, 20.0, 15.0]
    >>> Scorecard.from_yaml(card.to_yaml()) == card
    True
    """

    items: list[ScoreItem]
    grade_floors: dict[str, float] = field(default_factory=lambda: {"A": 80, "B": 60, "C": 50})
    name: str = "scorecard"
    id_column: str = "customer_id"

    def __post_init__(self) -> None:
        names = [item.name for item in self.items]
        if not names:
            raise CrmlabInputError("a scorecard needs at least one item")
        if len(set(names)) != len(names):
            raise CrmlabInputError(f"scorecard item names must be unique, got {names}")
        self.grade_floors = {str(k): float(v) for k, v in self.grade_floors.items()}
        _grade_ladder(self.grade_floors)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scorecard) and self.to_dict() == other.to_dict()

    @property
    def max_total(self) -> float:
        """The highest total the scorecard can give."""
        return float(sum(item.max_points for item in self.items))

    @property
    def grades(self) -> list[str]:
        """Grade letters, best first."""
        return _grade_ladder(self.grade_floors)[0]

    def required_columns(self) -> list[str]:
        """Columns ``score`` reads (the id column and each item's column)."""
        return [self.id_column, *dict.fromkeys(item.column for item in self.items)]

    def score(self, customers: pd.DataFrame) -> pd.DataFrame:
        """Score every customer: ``points_<item>`` per item, ``total`` and ``grade``.

        The input columns are kept in front; the input is not modified.

        Raises
        ------
        CrmlabInputError
            Missing columns, empty table, duplicated customer ids, or values a rule cannot
            score (unknown labels, missing numbers, points out of range).
        """
        what = "the customers to score"
        require_columns(customers, self.required_columns(), what=what)
        require_not_empty(customers, what=what)
        dup = customers[self.id_column].duplicated(keep=False)
        if dup.any():
            raise CrmlabInputError(
                f"customer ids must be unique (one row per customer); repeated in rows "
                f"{_describe_rows(customers.index[dup])}"
            )
        out = customers.copy()
        for item in self.items:
            if isinstance(item.rule, RankClassRule):
                out[f"class_{item.name}"] = item.rule.classes(customers[item.column],
                                                              column=item.column, what=what)
            out[f"points_{item.name}"] = item.apply(customers, what)
        point_cols = [f"points_{item.name}" for item in self.items]
        out["total"] = out[point_cols].sum(axis=1)
        out["grade"] = pd.Categorical(
            points_to_grade(out["total"], grade_floors=self.grade_floors),
            categories=self.grades, ordered=True)
        self.scores_ = out
        return out

    def explain(self, customer_id: Any, scores: pd.DataFrame | None = None) -> str:
        """Say in words why a customer got its grade and what would raise it.

        Uses ``scores`` or the table of the last :meth:`score` call.

        Examples
        --------
        >>> card = default_scorecard()
        >>> _ = card.score(pd.DataFrame({"customer_id": ["C9"], "sales": [1.0],
        ...     "yoy_ratio": [0.9], "payment_terms_months": [2], "max_delay_months": [1.5],
        ...     "brand_standing": ["top50"], "outlook_points": [9]}))
        >>> print(card.explain("C9"))
        Customer C9: grade B, 62 of 100 points (A ≥ 80, B ≥ 60, C ≥ 50, D below).
        Points lost (38):
        - yoy_growth 销量同比增长: 10 of 15 (yoy_ratio = 0.9, band 0.8 ≤ value < 1.2)
        - payment_terms 账期: 8 of 15 (payment_terms_months = 2, band 2 ≤ value < 4)
        - payment_record 回款资信: 10 of 20 (max_delay_months = 1.5, band 1 < value ≤ 2)
        - brand_standing 品牌及行业知名度: 10 of 20 (brand_standing = top50)
        - outlook 行业发展前景: 9 of 15 (outlook_points = 9)
        To reach A it needs 18 more points: no single item closes the gap; the largest possible gains are brand_standing (+10), payment_record (+10), payment_terms (+7).
        """
        table = scores if scores is not None else getattr(self, "scores_", None)
        if table is None:
            raise CrmlabInputError("nothing scored yet: call score(customers) first")
        rows = table[table[self.id_column] == customer_id]
        if rows.empty:
            raise CrmlabInputError(f"customer {customer_id!r} is not in the scored table")
        row = rows.iloc[0]
        total = float(row["total"])
        grade = points_to_grade(total, grade_floors=self.grade_floors)
        ladder = ", ".join(f"{g} ≥ {v:g}" for g, v in self.grade_floors.items())
        lines = [f"Customer {customer_id}: grade {grade}, {total:g} of {self.max_total:g} points "
                 f"({ladder}, {self.grades[-1]} below)."]
        gaps = []
        for item in self.items:
            got = float(row[f"points_{item.name}"])
            lost = item.max_points - got
            if lost <= 0:
                continue
            if f"class_{item.name}" in row.index:
                detail = f"Class {row[f'class_{item.name}']} by {item.column}"
            else:
                shown = _short_number(row[item.column])
                band = item.rule.describe_value(row[item.column])
                detail = f"{item.column} = {shown}" + (f", band {band}" if band != shown else "")
            label = f" {item.label}" if item.label else ""
            gaps.append((lost, item.name, f"- {item.name}{label}: {got:g} of "
                                          f"{item.max_points:g} ({detail})"))
        if gaps:
            lines.append(f"Points lost ({self.max_total - total:g}):")
            lines.extend(text for _, _, text in gaps)
        else:
            lines.append("No points lost: every item is at its maximum.")
        better = [g for g in self.grades if g in self.grade_floors and
                  self.grade_floors[g] > total]
        if better:
            target = better[-1]
            needed = self.grade_floors[target] - total
            ranked = sorted(gaps, key=lambda g: (-g[0], g[1]))
            single = [f"{name} (+{lost:g})" for lost, name, _ in ranked if lost >= needed]
            if single:
                how = "bringing any one of " + ", ".join(single) + " to its maximum would do it"
            else:
                how = ("no single item closes the gap; the largest possible gains are "
                       + ", ".join(f"{name} (+{lost:g})" for lost, name, _ in ranked[:3]))
            lines.append(f"To reach {target} it needs {needed:g} more points: {how}.")
        if grade == self.grades[-1]:
            lines.append(f"A grade {grade} customer may be dropped with a vice-president's "
                         f"approval, or where the reason lies with the customer (客户方因素).")
        return "\n".join(lines)

    # --- persistence --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain data (for YAML/JSON)."""
        return {"name": self.name, "id_column": self.id_column,
                "grade_floors": dict(self.grade_floors),
                "items": [item.to_dict() for item in self.items]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scorecard:
        """Build a scorecard from :meth:`to_dict`-shaped plain data (checked, clear errors)."""
        if not isinstance(data, Mapping) or "items" not in data:
            raise CrmlabInputError("a scorecard file needs an 'items' list")
        items = []
        for i, raw in enumerate(data["items"]):
            raw = dict(raw)
            name = raw.pop("name", None) or f"item{i + 1}"
            try:
                column = raw.pop("column")
                max_points = float(raw.pop("max_points"))
            except KeyError as exc:
                raise CrmlabInputError(f"scorecard item {name!r} needs {exc}") from None
            label = raw.pop("label", "") or ""
            items.append(ScoreItem(name=name, column=column, max_points=max_points,
                                   rule=_rule_from_dict(raw, name), label=label))
        return cls(items=items,
                   grade_floors=dict(data.get("grade_floors", {"A": 80, "B": 60, "C": 50})),
                   name=data.get("name", "scorecard"),
                   id_column=data.get("id_column", "customer_id"))

    def to_yaml(self) -> str:
        """The scorecard as YAML text (Chinese labels kept readable)."""
        import yaml

        return yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False)

    @classmethod
    def from_yaml(cls, text: str) -> Scorecard:
        """Read a scorecard from YAML text."""
        import yaml

        return cls.from_dict(_parsed(text, yaml.safe_load, yaml.YAMLError, "YAML"))

    def to_json(self) -> str:
        """The scorecard as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str) -> Scorecard:
        """Read a scorecard from JSON text."""
        return cls.from_dict(_parsed(text, json.loads, json.JSONDecodeError, "JSON"))

    def save(self, path: str | Path) -> Path:
        """Write to ``.yaml``/``.yml`` or ``.json`` (by the file's suffix)."""
        path = Path(path)
        text = self.to_json() if path.suffix.lower() == ".json" else self.to_yaml()
        path.write_text(text, encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> Scorecard:
        """Read a ``.yaml``/``.yml`` or ``.json`` scorecard file."""
        path = Path(path)
        text = path.read_text(encoding="utf-8")
        return cls.from_json(text) if path.suffix.lower() == ".json" else cls.from_yaml(text)


def _parsed(text: str, load: Callable[[str], Any], error: type[Exception], language: str) -> Any:
    """``load(text)``; a syntax error becomes an input error naming the language."""
    try:
        return load(text)
    except error as exc:
        raise CrmlabInputError(f"the scorecard is not valid {language}: {exc}") from None


def default_scorecard(*, new_customer_yoy_points: float = 10) -> Scorecard:
    """The course's six-item, 100-point scorecard (客户分级评分表, chapter 4).

    ============== ===================== === ===============================================
    item           column                max rule
    ============== ===================== === ===============================================
    sales_rank     sales                 15  Class I 15 · II 10 · III 5 (top 10 % / 10–30 %)
    yoy_growth     yoy_ratio             15  ≥ 1.2 → 15 · [0.8, 1.2) → 10 · [0.5, 0.8) → 8 ·
                                             < 0.5 → 5 · NaN (new) → ``new_customer_yoy_points``
    payment_terms  payment_terms_months  15  < 1 (or cash = 0) → 15 · [1, 2) → 10 · [2, 4) → 8
                                             · ≥ 4 → 5
    payment_record max_delay_months      20  ≤ 0 → 20 · (0, 1] → 15 · (1, 2] → 10 · (2, 4] → 5
                                             · > 4 → 0
    brand_standing brand_standing        20  global500 20 · global500_affiliate 15 · top50 10 ·
                                             top50_affiliate 8 · other 0–5 (see below)
    outlook        outlook_points        15  the product manager's judgement, 0–15
    ============== ===================== === ===============================================

    Brand standing "other" is a judgement, "5 points or less": each such customer's points
    (0–5) come from the column ``brand_other_points``; without that column "other" scores 5.

    A customer new this year has no YoY base: it scores ``new_customer_yoy_points`` (default
    10, the "flat" band: the regulation gives no rule, so a newcomer is neither rewarded nor
    punished for growth it could not show). The same applies to any missing ratio, including a
    customer with no sales in either period (``inactive``): its sales-rank item (Class III) and
    payment items carry the judgement. Grades: A ≥ 80, B ≥ 60, C ≥ 50, D below.

    Parameters
    ----------
    new_customer_yoy_points : float
        Points of the YoY item for a customer without a YoY ratio.

    Returns
    -------
    Scorecard
        The six items above; edit it or save it as YAML (:meth:`Scorecard.save`).

    Examples
    --------
    >>> card = default_scorecard()
    >>> [item.name for item in card.items][:3], card.max_total
    (['sales_rank', 'yoy_growth', 'payment_terms'], 100.0)
    """
    items = [
        ScoreItem("sales_rank", "sales", 15,
                  RankClassRule(points={"I": 15, "II": 10, "III": 5}, cutoffs=(0.10, 0.30)),
                  label="销售额排名"),
        ScoreItem("yoy_growth", "yoy_ratio", 15,
                  BandRule(edges=(0.5, 0.8, 1.2), points=(5, 8, 10, 15), closed="left",
                           missing_points=new_customer_yoy_points), label="销量同比增长"),
        ScoreItem("payment_terms", "payment_terms_months", 15,
                  BandRule(edges=(1, 2, 4), points=(15, 10, 8, 5), closed="left"),
                  label="账期"),
        ScoreItem("payment_record", "max_delay_months", 20,
                  BandRule(edges=(0, 1, 2, 4), points=(20, 15, 10, 5, 0), closed="right"),
                  label="回款资信"),
        ScoreItem("brand_standing", "brand_standing", 20,
                  CategoryRule({"global500": 20, "global500_affiliate": 15, "top50": 10,
                                "top50_affiliate": 8, "other": 5},
                                judged={"other": "brand_other_points"}), label="品牌及行业知名度"),
        ScoreItem("outlook", "outlook_points", 15, DirectPointsRule(), label="行业发展前景"),
    ]
    return Scorecard(items=items, name="客户分级评分表 (course default)")


