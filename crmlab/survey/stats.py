"""Survey statistics: Likert summaries, top-box, CSAT, NPS, Wilson intervals, Cronbach's alpha,
SERVQUAL gaps, the satisfaction ratio, importance–performance analysis and crosstabs.

Conventions
-----------
* Proportions are fractions (0–1) in results' ``*_share`` fields and percentages (0–100) in
  ``percent``/``csat``/``nps`` fields; the docstring of each function says which.
* Missing answers are left out of each statistic and the number used (``n``) is reported.
* Reverse-coded items (反向计分) are recoded ``min + max − x`` before any mean, gap or alpha.

Examples
--------
>>> round(nps([10, 10, 9, 8, 7, 6, 0]).nps, 4)     # 3 promoters, 2 detractors of 7
14.2857
>>> [round(x, 4) for x in wilson_interval(8, 10)]
[0.4902, 0.9433]
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as sps

from crmlab._checks import CrmlabInputError, require_columns, require_not_empty
from crmlab.survey.codebook import Codebook

__all__ = [
    "wilson_interval", "top_box", "bottom_box", "likert_summary", "csat", "CSATResult", "nps",
    "NPSResult", "cronbach_alpha", "CronbachResult", "reliability", "reverse_code",
    "apply_reverse_coding", "servqual_gaps", "importance_performance", "IPA_QUADRANTS",
    "crosstab", "CrosstabResult",
]


# ---- proportions -------------------------------------------------------------------------
def wilson_interval(successes, n, *, confidence: float = 0.95):
    """Wilson score interval for a proportion (better than ``p ± z·se`` for small n or p near 0/1).

    Parameters
    ----------
    successes, n
        Counts (numbers or arrays of the same shape). ``n = 0`` gives ``(nan, nan)``.
    confidence
        Two-sided confidence level, default 0.95.

    Returns
    -------
    (low, high)
        Fractions between 0 and 1 (floats, or arrays for array input).

    Examples
    --------
    >>> [round(x, 4) for x in wilson_interval(0, 20)]
    [0.0, 0.1611]
    """
    if not 0 < confidence < 1:
        raise CrmlabInputError(f"confidence must be between 0 and 1, got {confidence}")
    k = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    if np.any(m < 0) or np.any(k < 0) or np.any(k > m):
        raise CrmlabInputError("wilson_interval needs 0 ≤ successes ≤ n")
    z = sps.norm.ppf(0.5 + confidence / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / m
        centre = (p + z * z / (2 * m)) / (1 + z * z / m)
        half = z / (1 + z * z / m) * np.sqrt(p * (1 - p) / m + z * z / (4 * m * m))
        # exact bounds at the edges (k = 0 → low 0, k = n → high 1) despite rounding
        low = np.where(m > 0, np.where(k == 0, 0.0, np.clip(centre - half, 0, 1)), np.nan)
        high = np.where(m > 0, np.where(k == m, 1.0, np.clip(centre + half, 0, 1)), np.nan)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


def _scores(scores, *, what: str, low: float | None = None, high: float | None = None) -> np.ndarray:
    """Answered scores as floats (missing left out); values outside [low, high] raise."""
    series = pd.Series(scores) if not isinstance(scores, pd.Series) else scores
    numbers = pd.to_numeric(series, errors="coerce")
    bad = numbers.isna() & series.notna()
    if bad.any():
        raise CrmlabInputError(f"{what} must be numbers; found {series[bad].unique()[:3].tolist()}")
    values = numbers.dropna().to_numpy(dtype=float)
    outside = values[((values < low) if low is not None else False)
                     | ((values > high) if high is not None else False)]
    if outside.size:
        raise CrmlabInputError(f"{what} must lie between {low:g} and {high:g}; found "
                               f"{sorted(set(outside.tolist()))[:5]} (validate the survey first)")
    return values


def top_box(scores, *, scale: int = 5, boxes: int = 2, minimum: int = 1) -> float:
    """Share (0–1) of answers in the top ``boxes`` codes of a ``scale``-point scale.

    Top-2-box on a 1–5 scale counts the 4s and 5s. Missing answers are left out.

    Parameters
    ----------
    scores
        The answers (a list, array or Series of codes; missing allowed).
    scale
        Number of points on the scale (5 for 1–5).
    boxes
        How many of the top codes count (2 = top-2-box).
    minimum
        The lowest code (1 for 1–5, 0 for 0–10).

    Returns
    -------
    float
        The share of answers in the top box; NaN when there is no answer.

    Examples
    --------
    >>> top_box([5, 4, 4, 3, 1, None])
    0.6
    """
    values = _scores(scores, what="top_box scores", low=minimum, high=minimum + scale - 1)
    if values.size == 0:
        return float("nan")
    return float(np.mean(values >= minimum + scale - boxes))


def bottom_box(scores, *, scale: int = 5, boxes: int = 2, minimum: int = 1) -> float:
    """Share (0–1) of answers in the bottom ``boxes`` codes (1s and 2s for bottom-2 of 1–5).

    Parameters
    ----------
    scores
        The answers (a list, array or Series of codes; missing left out).
    scale
        Number of points on the scale (5 for 1–5).
    boxes
        How many of the bottom codes count (2 = bottom-2-box).
    minimum
        The lowest code (1 for 1–5, 0 for 0–10).

    Returns
    -------
    float
        The share of answers in the bottom box; NaN when there is no answer.

    Examples
    --------
    >>> bottom_box([5, 4, 2, 1, 1, None])
    0.6
    """
    values = _scores(scores, what="bottom_box scores", low=minimum, high=minimum + scale - 1)
    if values.size == 0:
        return float("nan")
    return float(np.mean(values <= minimum + boxes - 1))


def reverse_code(values, *, minimum: int = 1, maximum: int = 5):
    """Recode a reverse-worded item: ``minimum + maximum − x`` (on 1–5: 1↔5, 2↔4).

    Parameters
    ----------
    values
        The answers (a number, array or Series).
    minimum, maximum
        The lowest and highest code of the scale.

    Returns
    -------
    same type as ``values``
        The recoded answers (missing stay missing).

    Examples
    --------
    >>> reverse_code(pd.Series([1, 2, 3, 5])).tolist()
    [5, 4, 3, 1]
    """
    return minimum + maximum - values


def apply_reverse_coding(data: pd.DataFrame, codebook: Codebook, *,
                         items: Sequence[str] | None = None) -> pd.DataFrame:
    """A copy of ``data`` with the codebook's reverse-coded items recoded (only those present).

    Parameters
    ----------
    data
        Questionnaires, one column per question.
    codebook
        Says which items are reverse-coded and on which scale.
    items
        Recode only these of the reverse-coded items; default all.

    Returns
    -------
    DataFrame
        A copy of ``data``; the other columns are unchanged.

    Examples
    --------
    >>> from crmlab.survey import course_codebook
    >>> course_codebook().reverse_items
    ['e_emp3', 'p_emp3']
    >>> apply_reverse_coding(pd.DataFrame({"p_emp3": [1, 4], "p_emp1": [1, 4]}),
    ...                      course_codebook()).values.tolist()
    [[5, 1], [2, 4]]
    """
    out = data.copy()
    for qid in codebook.reverse_items:
        if qid in out.columns and (items is None or qid in items):
            scale = codebook.question(qid).scale
            out[qid] = reverse_code(out[qid], minimum=scale.min, maximum=scale.max)
    return out


def likert_summary(data: pd.DataFrame, items: Sequence[str] | None = None, *,
                   codebook: Codebook | None = None, minimum: int = 1, maximum: int = 5,
                   boxes: int = 2, reverse: bool = False) -> pd.DataFrame:
    """One row per Likert item: n, mean, sd, percent per code, top- and bottom-box percent.

    Parameters
    ----------
    data
        Valid questionnaires.
    items
        Item columns; default every Likert question of ``codebook``.
    codebook
        Gives the items' text and scale (then ``minimum``/``maximum`` are taken from it).
    minimum, maximum
        The scale's lowest and highest code when there is no codebook.
    boxes
        Width of the top/bottom box (2 = top-2-box).
    reverse
        Apply the codebook's reverse coding first (the distributions then read "higher =
        better"); default False shows answers as given.

    Returns
    -------
    DataFrame
        ``item, text, n, mean, sd, top_box, bottom_box`` (percent) and one column per code with
        the percent of answers.

    Examples
    --------
    >>> likert_summary(pd.DataFrame({"q": [5, 4, 4, 2]}))[["n", "mean", "top_box"]].values.tolist()
    [[4.0, 3.75, 75.0]]
    """
    if items is None:
        if codebook is None:
            items = list(data.columns)
        else:
            items = codebook.items(type="likert")
    items = list(items)
    require_columns(data, items, what="the responses")
    if reverse and codebook is not None:
        data = apply_reverse_coding(data, codebook, items=items)
    rows = []
    for item in items:
        low, high = minimum, maximum
        text = item
        if codebook is not None and item in codebook.ids:
            q = codebook.question(item)
            text = q.text
            if q.scale is not None:
                low, high = q.scale.min, q.scale.max
        values = _scores(data[item], what=f"column {item!r}", low=low, high=high)
        n = values.size
        row = {"item": item, "text": text, "n": n,
               "mean": values.mean() if n else np.nan,
               "sd": values.std(ddof=1) if n > 1 else np.nan,
               "top_box": 100 * np.mean(values >= high - boxes + 1) if n else np.nan,
               "bottom_box": 100 * np.mean(values <= low + boxes - 1) if n else np.nan}
        for code in range(low, high + 1):
            row[code] = 100 * np.mean(values == code) if n else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass
class CSATResult:
    """Customer satisfaction score: percent of satisfied answers (top-box) with a Wilson CI.

    Returned by :func:`csat`; each parameter is the attribute of that name.

    Parameters
    ----------
    csat
        Percent (0–100) of answers in the top box.
    satisfied
        Number of those answers.
    n
        Number of answers (missing left out).
    ci_low, ci_high
        Wilson score interval of the percent.
    confidence
        Confidence level of the interval.

    Examples
    --------
    >>> r = csat([5, 4, 3, 2, 4])   # 3 of 5; Wilson 95 % interval 23.1 % to 88.2 %
    >>> round(r.ci_low, 1), round(r.ci_high, 1)
    (23.1, 88.2)
    """

    csat: float
    satisfied: int
    n: int
    ci_low: float
    ci_high: float
    confidence: float

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.__dict__])


def csat(scores, *, scale: int = 5, boxes: int = 2, minimum: int = 1,
         confidence: float = 0.95) -> CSATResult:
    """CSAT: percent of respondents answering in the top ``boxes`` codes (4 or 5 of 1–5).

    Parameters
    ----------
    scores
        The answers (missing left out).
    scale
        Number of points on the scale.
    boxes
        How many of the top codes count as satisfied.
    minimum
        The lowest code.
    confidence
        Confidence level of the Wilson interval.

    Returns
    -------
    CSATResult
        The percent, counts and interval.

    Examples
    --------
    >>> r = csat([5, 4, 3, 2, 4])
    >>> r.csat, r.satisfied, r.n
    (60.0, 3, 5)
    """
    values = _scores(scores, what="CSAT scores", low=minimum, high=minimum + scale - 1)
    n = int(values.size)
    if n == 0:
        raise CrmlabInputError("CSAT needs at least one answered score")
    k = int(np.sum(values >= minimum + scale - boxes))
    low, high = wilson_interval(k, n, confidence=confidence)
    return CSATResult(100 * k / n, k, n, 100 * low, 100 * high, confidence)


@dataclass
class NPSResult:
    """Net promoter score (−100…100) with its parts and a confidence interval.

    Returned by :func:`nps`; each parameter is the attribute of that name.

    Parameters
    ----------
    nps
        % promoters − % detractors.
    promoters, passives, detractors
        Number of answers in each group.
    n
        Number of answers used.
    ci_low, ci_high
        The interval (normal approximation, clipped to −100…100).
    confidence
        Its confidence level.
    missing
        Number of missing answers left out.

    Examples
    --------
    >>> r = nps([10, 9, 8, 7, 6, 5, None])   # p = d = 1/3: se = √(2/3 / 6) = 1/3
    >>> r.missing, round(r.ci_high, 2)        # 1.96 × 33.33
    (1, 65.33)
    """

    nps: float
    promoters: int
    passives: int
    detractors: int
    n: int
    ci_low: float
    ci_high: float
    confidence: float
    missing: int = 0

    def to_frame(self) -> pd.DataFrame:
        """Long table for charts: group (promoters/passives/detractors), count, percent."""
        groups = ["detractors", "passives", "promoters"]
        counts = [self.detractors, self.passives, self.promoters]
        return pd.DataFrame({"group": groups, "count": counts,
                             "percent": [100 * c / self.n for c in counts]})


def nps(scores, *, promoter_min: int = 9, detractor_max: int = 6,
        confidence: float = 0.95) -> NPSResult:
    """Net promoter score from 0–10 "would you recommend" answers.

    NPS = % promoters (9–10) − % detractors (0–6). The interval uses the normal approximation
    with the variance of a difference of two multinomial shares,
    ``var = (p + d − (p − d)²) / n`` (p, d = promoter and detractor fractions), clipped to
    [−100, 100]. Missing answers are left out and counted in ``missing``.

    Parameters
    ----------
    scores
        The 0–10 answers.
    promoter_min
        The lowest promoter answer.
    detractor_max
        The highest detractor answer.
    confidence
        Confidence level of the interval.

    Returns
    -------
    NPSResult
        The score, its parts and the interval.

    Examples
    --------
    >>> r = nps([10, 9, 8, 7, 6, 5])
    >>> r.nps, r.promoters, r.passives, r.detractors
    (0.0, 2, 2, 2)
    """
    series = pd.Series(scores) if not isinstance(scores, pd.Series) else scores
    values = _scores(series, what="recommendation scores (0–10)", low=0, high=10)
    if np.any(values != np.round(values)):
        raise CrmlabInputError("recommendation scores must be whole numbers 0–10")
    n = int(values.size)
    if n == 0:
        raise CrmlabInputError("NPS needs at least one answered recommendation score")
    promoters = int(np.sum(values >= promoter_min))
    detractors = int(np.sum(values <= detractor_max))
    p, d = promoters / n, detractors / n
    score = 100 * (p - d)
    se = np.sqrt(max(p + d - (p - d) ** 2, 0) / n)
    z = sps.norm.ppf(0.5 + confidence / 2)
    return NPSResult(score, promoters, n - promoters - detractors, detractors, n,
                     float(max(-100.0, score - 100 * z * se)), float(min(100.0, score + 100 * z * se)),
                     confidence, int(series.isna().sum()))


# ---- reliability -------------------------------------------------------------------------
@dataclass
class CronbachResult:
    """Cronbach's alpha with Feldt's confidence interval and an item analysis.

    Returned by :func:`cronbach_alpha`; each parameter is the attribute of that name.

    Parameters
    ----------
    alpha
        Cronbach's alpha.
    ci_low, ci_high
        Feldt's interval.
    n
        Number of respondents used.
    k
        Number of items.
    missing
        How missing answers were handled (``"listwise"`` or ``"pairwise"``).
    excluded
        Respondents left out (listwise).
    confidence
        Confidence level of the interval.
    items
        Per item: mean, sd, corrected item–total correlation and alpha if deleted.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [1, 3, 3, 4, 4]})
    >>> cronbach_alpha(df)
    CronbachResult(alpha=0.954, ci=(0.766, 0.995), n=5, k=3, missing='listwise')
    """

    alpha: float
    ci_low: float
    ci_high: float
    n: int
    k: int
    missing: str
    excluded: int
    confidence: float
    items: pd.DataFrame = field(repr=False)

    @property
    def ci(self) -> tuple[float, float]:
        return (self.ci_low, self.ci_high)

    def __repr__(self) -> str:
        return (f"CronbachResult(alpha={self.alpha:.3f}, ci=({self.ci_low:.3f}, {self.ci_high:.3f}),"
                f" n={self.n}, k={self.k}, missing={self.missing!r})")


def _alpha_from_cov(cov: np.ndarray) -> float:
    k = cov.shape[0]
    total = cov.sum()
    if k < 2 or total <= 0:
        return float("nan")
    return k / (k - 1) * (1 - np.trace(cov) / total)


def cronbach_alpha(items: pd.DataFrame, *, missing: str = "listwise", confidence: float = 0.95,
                   reverse: Sequence[str] = (), minimum: int = 1, maximum: int = 5) -> CronbachResult:
    """Cronbach's alpha (内部一致性信度) of a scale, with item analysis.

    ``alpha = k/(k−1) · (1 − Σ var(item) / var(total))``, computed from the items' covariance
    matrix. The confidence interval is Feldt's (1965): with ``F`` quantiles on
    ``(n − 1, (n − 1)(k − 1))`` degrees of freedom,
    ``[1 − (1 − α)·F(1 − γ/2), 1 − (1 − α)·F(γ/2)]``.

    Parameters
    ----------
    items
        One column per item, one row per respondent.
    missing
        ``"listwise"`` (default): only respondents who answered every item are used, the others
        are counted in ``excluded``; ``"pairwise"``: each covariance uses every respondent who
        answered both items (``n`` is then the number of respondents with at least two answers).
    confidence
        Confidence level of Feldt's interval.
    reverse
        Items to reverse-code (``minimum + maximum − x``) first.
    minimum, maximum
        The scale's lowest and highest code (for the reverse coding).

    Returns
    -------
    CronbachResult
        ``alpha``, ``ci_low``/``ci_high``, ``n``, ``k`` and ``items``: per item mean, sd,
        corrected item–total correlation (with the total of the *other* items) and alpha if the
        item is deleted.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [1, 3, 3, 4, 4]})
    >>> round(cronbach_alpha(df).alpha, 4)
    0.9538
    """
    if missing not in ("listwise", "pairwise"):
        raise CrmlabInputError(f"missing must be 'listwise' or 'pairwise', not {missing!r}")
    if not isinstance(items, pd.DataFrame):
        raise CrmlabInputError("cronbach_alpha needs a DataFrame with one column per item")
    if items.shape[1] < 2:
        raise CrmlabInputError(f"Cronbach's alpha needs at least 2 items, got {items.shape[1]}")
    require_not_empty(items, what="the items")
    data = pd.DataFrame({c: pd.to_numeric(items[c], errors="coerce") for c in items.columns})
    text = data.isna() & items.notna()
    if text.any().any():
        column = text.any().idxmax()
        raise CrmlabInputError(f"item {column!r} holds text that is not a number "
                               f"(rows {list(items.index[text[column]][:5])})")
    for column in reverse:
        if column not in data.columns:
            raise CrmlabInputError(f"reverse item {column!r} is not one of the items")
        data[column] = reverse_code(data[column], minimum=minimum, maximum=maximum)
    k = data.shape[1]
    if missing == "listwise":
        used = data.dropna()
        n, excluded = len(used), len(data) - len(used)
        cov = used.cov().to_numpy()
    else:
        counts = data.notna().sum(axis=1)
        n, excluded = int((counts >= 2).sum()), int((counts < 2).sum())
        cov = data.cov(min_periods=2).to_numpy()
    if n < 3:
        raise CrmlabInputError(f"Cronbach's alpha needs at least 3 complete respondents, got {n}")
    if np.isnan(cov).any():
        raise CrmlabInputError("some pairs of items were never answered together")
    alpha = _alpha_from_cov(cov)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    gamma = 1 - confidence
    ci_low = 1 - (1 - alpha) * sps.f.ppf(1 - gamma / 2, df1, df2)
    ci_high = 1 - (1 - alpha) * sps.f.ppf(gamma / 2, df1, df2)
    rows = []
    for i, column in enumerate(data.columns):
        others = [j for j in range(k) if j != i]
        sub = cov[np.ix_(others, others)]
        r_it = cov[i, others].sum() / np.sqrt(cov[i, i] * sub.sum()) if cov[i, i] > 0 else np.nan
        source = used[column] if missing == "listwise" else data[column]
        rows.append({"item": column, "mean": source.mean(), "sd": source.std(ddof=1),
                     "item_total_r": r_it, "alpha_if_deleted": _alpha_from_cov(sub)})
    return CronbachResult(float(alpha), float(ci_low), float(ci_high), int(n), k, missing,
                          int(excluded), confidence, pd.DataFrame(rows))


def reliability(data: pd.DataFrame, codebook: Codebook, *, role: str = "perception",
                dimension: str | None = None, missing: str = "listwise",
                confidence: float = 0.95) -> CronbachResult:
    """Cronbach's alpha of the codebook's items of ``role`` (and ``dimension``), reverse-coded.

    Parameters
    ----------
    data
        Valid questionnaires.
    codebook
        Says which items have the role (and dimension) and which are reverse-coded.
    role
        ``"perception"`` (default), ``"expectation"`` …
    dimension
        Only the items of this dimension; default all of the role.
    missing
        ``"listwise"`` or ``"pairwise"`` (see :func:`cronbach_alpha`).
    confidence
        Confidence level of Feldt's interval.

    Returns
    -------
    CronbachResult
        As :func:`cronbach_alpha`.

    Examples
    --------
    >>> from crmlab.datasets import load_dataset
    >>> from crmlab.survey import course_codebook, validate
    >>> valid = validate(load_dataset("survey_responses"), course_codebook()).valid
    >>> reliability(valid, course_codebook()).alpha > 0.8
    True
    """
    items = codebook.items(role=role, dimension=dimension)
    if len(items) < 2:
        raise CrmlabInputError(f"the codebook has {len(items)} item(s) with role={role!r}"
                               f"{f' and dimension={dimension!r}' if dimension else ''}; alpha needs 2+")
    require_columns(data, items, what="the responses")
    recoded = apply_reverse_coding(data[items].astype("float64"), codebook)
    return cronbach_alpha(recoded, missing=missing, confidence=confidence)


# ---- SERVQUAL and importance–performance ----------------------------------------------------
def servqual_gaps(data: pd.DataFrame, codebook: Codebook, *, level: str = "item",
                  by: str | None = None) -> pd.DataFrame:
    """SERVQUAL gap scores (差距): perception − expectation, and the satisfaction ratio P ÷ E.

    The course defines satisfaction as what customers experienced compared with what they
    expected: ``gap = P − E`` (negative = expectations not met) and ``ratio = P / E`` (below 1 =
    not met). Reverse-coded items are recoded first. An item's gap uses the respondents who
    answered both its expectation and its perception item.

    Parameters
    ----------
    data
        Valid questionnaires.
    codebook
        Pairs each expectation item with its perception item.
    level
        ``"item"``: one row per expectation/perception pair; ``"dimension"``: one row per
        dimension (unweighted mean of its items' means), with the mean importance rating and the
        importance-weighted gap (weight = importance ÷ sum of importances).
    by
        Optional grouping column (e.g. ``"company"``): the table is computed per group.

    Returns
    -------
    DataFrame
        Per item: ``dimension``, ``expectation_item``, ``perception_item``, ``text``, ``n``,
        ``expectation``, ``perception``, ``gap`` and ``ratio``; per dimension: ``dimension``,
        ``label``, ``items``, ``expectation``, ``perception``, ``gap``, ``ratio`` and, when the
        codebook has importance items, ``importance``, ``weight`` and ``weighted_gap``. With
        ``by``, the group column comes first.

    Examples
    --------
    >>> from crmlab.datasets import load_dataset
    >>> from crmlab.survey import course_codebook, validate
    >>> cb = course_codebook()
    >>> valid = validate(load_dataset("survey_responses"), cb).valid
    >>> gaps = servqual_gaps(valid, cb, level="dimension").set_index("dimension")
    >>> gaps["gap"].idxmin()   # the largest shortfall: complaint handling and replies
    'responsiveness'
    """
    if level not in ("item", "dimension"):
        raise CrmlabInputError(f"level must be 'item' or 'dimension', not {level!r}")
    pairs = codebook.pairs()
    if not pairs:
        raise CrmlabInputError("the codebook pairs no expectation item with a perception item")
    needed = [c for pair in pairs for c in pair] + ([by] if by else [])
    require_columns(data, needed, what="the responses")
    if by is not None:
        parts = []
        for key, group in data.groupby(by, sort=True, observed=True):
            parts.append(servqual_gaps(group, codebook, level=level).assign(**{by: key}))
        out = pd.concat(parts, ignore_index=True)
        return out[[by, *[c for c in out.columns if c != by]]]
    recoded = apply_reverse_coding(data[[c for pair in pairs for c in pair]].astype("float64"),
                                   codebook)
    rows = []
    for e_item, p_item in pairs:
        both = recoded[[e_item, p_item]].dropna()
        e_mean, p_mean = both[e_item].mean(), both[p_item].mean()
        rows.append({"dimension": codebook.question(e_item).dimension, "expectation_item": e_item,
                     "perception_item": p_item, "text": codebook.question(p_item).text,
                     "n": len(both), "expectation": e_mean, "perception": p_mean,
                     "gap": p_mean - e_mean, "ratio": p_mean / e_mean if e_mean else np.nan})
    items = pd.DataFrame(rows)
    if level == "item":
        return items
    dims = (items.groupby("dimension", sort=False)
            .agg(items=("perception_item", "size"), expectation=("expectation", "mean"),
                 perception=("perception", "mean")).reset_index())
    dims["gap"] = dims["perception"] - dims["expectation"]
    dims["ratio"] = dims["perception"] / dims["expectation"]
    dims.insert(1, "label", dims["dimension"].map(codebook.dimensions).fillna(dims["dimension"]))
    importance = {codebook.question(q).dimension: q for q in codebook.items(role="importance")}
    if importance and all(d in importance for d in dims["dimension"]):
        require_columns(data, list(importance.values()), what="the responses")
        dims["importance"] = [data[importance[d]].astype("float64").mean() for d in dims["dimension"]]
        dims["weight"] = dims["importance"] / dims["importance"].sum()
        dims["weighted_gap"] = dims["weight"] * dims["gap"]
    return dims


#: Quadrant names of importance–performance analysis (Martilla & James 1977).
IPA_QUADRANTS = {
    (True, False): "concentrate here (重点改进)",
    (True, True): "keep up the good work (继续保持)",
    (False, False): "low priority (次要改进)",
    (False, True): "possible overkill (过度投入)",
}


def importance_performance(data: pd.DataFrame, codebook: Codebook, *,
                           cut: str | tuple[float, float] = "mean") -> pd.DataFrame:
    """Importance–performance analysis (IPA) of the dimensions, with quadrants.

    Importance = mean of the dimension's importance item; performance = mean of its perception
    items (reverse-coded first). A dimension is *high* on an axis when its value is **at or
    above** the cut-off (≥).

    Parameters
    ----------
    data
        Valid questionnaires.
    codebook
        Names each dimension's importance item and perception items.
    cut
        ``"mean"`` (default): cut-offs are the means of the dimensions' importance and
        performance (the data-centred grid); ``"midpoint"``: the scale midpoint (3 on 1–5);
        or an explicit ``(importance_cut, performance_cut)``.

    Returns
    -------
    DataFrame
        ``dimension, label, importance, performance, gap, quadrant`` plus the cut-offs used
        (``importance_cut``, ``performance_cut``).

    Examples
    --------
    >>> from crmlab import datasets, survey
    >>> cb = survey.course_codebook()
    >>> ipa = importance_performance(survey.validate(datasets.load_dataset("survey_responses"),
    ...                                              cb).valid, cb)
    >>> ipa.set_index("dimension").loc["responsiveness", "quadrant"]
    'concentrate here (重点改进)'
    """
    dims = servqual_gaps(data, codebook, level="dimension")
    if "importance" not in dims.columns:
        raise CrmlabInputError("IPA needs one importance question (role: importance) per dimension")
    if cut == "mean":
        i_cut, p_cut = dims["importance"].mean(), dims["perception"].mean()
    elif cut == "midpoint":
        scale = codebook.question(codebook.items(role="importance")[0]).scale
        i_cut = p_cut = (scale.min + scale.max) / 2
    elif isinstance(cut, tuple) and len(cut) == 2:
        i_cut, p_cut = map(float, cut)
    else:
        raise CrmlabInputError(f"cut must be 'mean', 'midpoint' or (importance, performance), not {cut!r}")
    out = dims[["dimension", "label", "importance"]].copy()
    out["performance"] = dims["perception"]
    out["gap"] = dims["gap"]
    out["quadrant"] = [IPA_QUADRANTS[(bool(i >= i_cut), bool(p >= p_cut))]
                       for i, p in zip(out["importance"], out["performance"])]
    out["importance_cut"], out["performance_cut"] = i_cut, p_cut
    return out


# ---- crosstab ----------------------------------------------------------------------------
@dataclass
class CrosstabResult:
    """A contingency table with Pearson's chi-square test and Cramér's V.

    Returned by :func:`crosstab`; each parameter is the attribute of that name.

    Parameters
    ----------
    table
        Counts: the row question's answers × the column question's answers.
    percent
        Row percentages.
    chi2, p_value, dof
        Pearson's chi-square statistic, its p-value and degrees of freedom.
    cramers_v
        Cramér's V (0 = independent, 1 = one answer fixes the other).
    expected
        The expected counts under independence.
    warning
        Why the test is unreliable (small expected counts), or None.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1] * 10 + [2] * 10, "b": ([1] * 5 + [2] * 5) * 2})
    >>> r = crosstab(df, "a", "b")   # the same split in both rows: independent
    >>> r.table.values.tolist(), r.chi2, r.cramers_v
    ([[5, 5], [5, 5]], 0.0, 0.0)
    """

    table: pd.DataFrame
    percent: pd.DataFrame
    chi2: float
    p_value: float
    dof: int
    cramers_v: float
    expected: pd.DataFrame
    warning: str | None = None

    def __repr__(self) -> str:
        return (f"CrosstabResult(chi2={self.chi2:.3f}, dof={self.dof}, p={self.p_value:.4f}, "
                f"cramers_v={self.cramers_v:.3f})")


def crosstab(data: pd.DataFrame, row: str, column: str, *, codebook: Codebook | None = None,
             correction: bool = False, min_expected: float = 5.0) -> CrosstabResult:
    """Cross-tabulate two closed questions and test their independence (chi-square, scipy).

    Rows with either answer missing are left out. ``percent`` holds row percentages. Cramér's
    V = sqrt(χ² / (n · (min(r, c) − 1))). When more than 20 % of expected counts are below
    ``min_expected`` or any is below 1 (Cochran's rule), the test is unreliable: ``warning``
    says so and a :class:`UserWarning` is issued (merge categories, or use Fisher's exact test
    on a 2×2 table). ``correction`` applies Yates' continuity correction on 2×2 tables.

    Parameters
    ----------
    data
        Valid questionnaires.
    row, column
        The two closed questions (columns of ``data``).
    codebook
        Optional: labels the answer codes in the tables.
    correction
        Apply Yates' continuity correction (2×2 tables only).
    min_expected
        The expected count below which a cell is "small" for Cochran's rule.

    Returns
    -------
    CrosstabResult
        The tables and the test.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1] * 30 + [2] * 30, "b": [1] * 20 + [2] * 10 + [1] * 10 + [2] * 20})
    >>> r = crosstab(df, "a", "b")
    >>> round(r.chi2, 4), round(r.cramers_v, 4)
    (6.6667, 0.3333)
    """
    require_columns(data, [row, column], what="the responses")
    pair = data[[row, column]].dropna()
    require_not_empty(pair, what=f"the answers to both {row!r} and {column!r}")
    table = pd.crosstab(pair[row], pair[column])
    if codebook is not None:
        for axis, qid in ((0, row), (1, column)):
            if qid in codebook.ids and codebook.question(qid).labels:
                labels = codebook.question(qid).labels
                if axis == 0:
                    table = table.rename(index=lambda c: labels.get(int(c), c))
                else:
                    table = table.rename(columns=lambda c: labels.get(int(c), c))
    if min(table.shape) < 2:
        raise CrmlabInputError(f"{row!r} × {column!r} has only one category on one side; "
                               "a chi-square test needs at least a 2×2 table")
    chi2, p, dof, expected = sps.chi2_contingency(table.to_numpy(), correction=correction)
    n = table.to_numpy().sum()
    v = float(np.sqrt(chi2 / (n * (min(table.shape) - 1))))
    small = expected < min_expected
    warning = None
    if small.mean() > 0.2 or (expected < 1).any():
        warning = (f"{int(small.sum())} of {expected.size} expected counts are below "
                   f"{min_expected:g} (smallest {expected.min():.2f}): the chi-square p-value is "
                   "unreliable; merge categories or use an exact test")
        warnings.warn(warning, UserWarning, stacklevel=2)
    percent = table.div(table.sum(axis=1), axis=0) * 100
    return CrosstabResult(table, percent, float(chi2), float(p), int(dof), v,
                          pd.DataFrame(expected, index=table.index, columns=table.columns), warning)
