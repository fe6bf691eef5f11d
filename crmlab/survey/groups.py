"""Group comparison: CSAT, NPS and Likert means per group, with intervals and a test each.

``compare_groups(valid, codebook, by)`` splits the valid questionnaires by the answer to a
question (the membership type, say) or an administrative column, and gives:

* per group and measure the estimate with its 95 % interval — CSAT (Wilson), NPS (normal
  approximation, :func:`crmlab.survey.nps`), Likert means (t interval);
* per measure one test across the groups — Pearson's χ² on the counts (satisfied / not;
  promoters / passives / detractors) with Cramér's V, and Kruskal–Wallis on the scores (Likert
  items, the 0–10 recommendation) with the effect size ε² = H / (n − 1).

Group names are the codebook's labels (``VIP会员``), never codes.

Examples
--------
>>> import pandas as pd
>>> from crmlab.survey import Codebook
>>> cb = Codebook.from_dict({"title": "t", "scales": {"s": {"min": 1, "max": 5}}, "questions": [
...     {"id": "g", "text": "组", "type": "single", "options": {1: "甲", 2: "乙"}},
...     {"id": "sat", "text": "满意", "type": "likert", "scale": "s", "role": "overall"}]})
>>> df = pd.DataFrame({"g": [1, 1, 1, 2, 2, 2], "sat": [5, 4, 4, 2, 1, 3]})
>>> measures, tests = compare_groups(df, cb, "g")
>>> measures[measures["measure"] == "CSAT %"][["group", "value"]].values.tolist()
[['甲', 100.0], ['乙', 0.0]]
>>> tests[["measure", "test"]].values.tolist()[:2]
[['CSAT %', 'chi-square'], ['mean: 满意', 'Kruskal–Wallis']]
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats as sps

from crmlab._checks import CrmlabInputError
from crmlab.survey import stats
from crmlab.survey.codebook import Codebook

__all__ = ["compare_groups", "group_labels", "overall_items", "kruskal_wallis", "chi_square"]


def overall_items(codebook: Codebook) -> tuple[str | None, str | None]:
    """The overall-satisfaction Likert item and the 0–10 recommendation item (``role: overall``)."""
    satisfaction = next((q.id for q in codebook.questions if q.role == "overall" and q.type == "likert"), None)
    recommend = next((q.id for q in codebook.questions if q.role == "overall" and q.type == "rating"
                      and q.scale is not None and (q.scale.min, q.scale.max) == (0, 10)), None)
    return satisfaction, recommend


def group_labels(valid: pd.DataFrame, codebook: Codebook, by: str) -> pd.Series:
    """The group of each questionnaire, named by the codebook's label when ``by`` is a question."""
    if by not in valid.columns:
        raise CrmlabInputError(f"cannot compare groups by {by!r}: it is neither a question nor a "
                               f"column of the responses ({', '.join(map(str, valid.columns[:12]))} …)")
    values = valid[by]
    if by in codebook.ids and codebook.question(by).labels:
        labels = codebook.question(by).labels
        order = list(labels.values())
        named = values.astype("float64").map({float(c): lab for c, lab in labels.items()})
        return pd.Series(pd.Categorical(named, categories=order), index=valid.index, name=by)
    return values.astype("string").astype(object).where(values.notna()).rename(by)


def chi_square(table: np.ndarray) -> tuple[float, int, float, float]:
    """Pearson's χ² (no continuity correction), degrees of freedom, p and Cramér's V."""
    table = np.asarray(table, dtype=float)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if min(table.shape) < 2:
        return np.nan, 0, np.nan, np.nan
    chi2, p, dof, _ = sps.chi2_contingency(table, correction=False)
    v = float(np.sqrt(chi2 / (table.sum() * (min(table.shape) - 1))))
    return float(chi2), int(dof), float(p), v


def kruskal_wallis(samples: list[np.ndarray]) -> tuple[float, int, float, float]:
    """Kruskal–Wallis H (tie-corrected), degrees of freedom, p and ε² = H / (n − 1).

    Computed from the counts of each distinct value per group (mid-ranks), so a million
    answers on a 5-point scale cost one sort; it equals :func:`scipy.stats.kruskal`.

    Examples
    --------
    >>> h, df, p, eps = kruskal_wallis([np.array([1, 2, 2, 3]), np.array([3, 4, 5, 5])])
    >>> from scipy.stats import kruskal
    >>> bool(np.isclose(h, kruskal([1, 2, 2, 3], [3, 4, 5, 5]).statistic)), df
    (True, 1)
    """
    samples = [np.asarray(s, dtype=float) for s in samples if len(s)]
    if len(samples) < 2:
        return np.nan, 0, np.nan, np.nan
    values = np.concatenate(samples)
    uniq, inverse = np.unique(values, return_inverse=True)
    if len(uniq) < 2:
        return np.nan, 0, np.nan, np.nan
    group = np.repeat(np.arange(len(samples)), [len(s) for s in samples])
    counts = np.bincount(group * len(uniq) + inverse, minlength=len(samples) * len(uniq)) \
        .reshape(len(samples), len(uniq)).astype(float)
    ties = counts.sum(axis=0)
    n = ties.sum()
    midrank = np.cumsum(ties) - (ties - 1) / 2
    rank_sums = counts @ midrank
    h = 12 / (n * (n + 1)) * np.sum(rank_sums ** 2 / counts.sum(axis=1)) - 3 * (n + 1)
    h /= 1 - np.sum(ties ** 3 - ties) / (n ** 3 - n)
    dof = len(samples) - 1
    return float(h), dof, float(sps.chi2.sf(h, dof)), float(h / (n - 1))


def _t_interval(values: np.ndarray) -> tuple[float, float, float]:
    n = len(values)
    mean = float(values.mean()) if n else np.nan
    if n < 2:
        return mean, np.nan, np.nan
    half = sps.t.ppf(0.975, n - 1) * values.std(ddof=1) / np.sqrt(n)
    return mean, mean - half, mean + half


def compare_groups(valid: pd.DataFrame, codebook: Codebook, by: str, *,
                   items: list[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-group measures with 95 % intervals, and one test per measure.

    Parameters
    ----------
    valid
        The valid questionnaires.
    codebook
        The questionnaire definition (which items are CSAT, NPS and Likert items).
    by
        The question or column whose groups are compared (e.g. ``"gender"``).
    items
        Likert items whose means are compared; default every Likert item.

    Returns
    -------
    (measures, tests)
        ``measures``: ``measure, group, n, value, ci_low, ci_high``; ``tests``: ``measure, test,
        statistic, df, p_value, effect_size, effect`` (``Cramér's V`` or ``ε²``).

    Examples
    --------
    >>> from crmlab.datasets import load_dataset
    >>> from crmlab.survey import course_codebook, validate
    >>> valid = validate(load_dataset("survey_responses"), course_codebook()).valid
    >>> measures, tests = compare_groups(valid, course_codebook(), by="gender", items=[])
    >>> measures[["measure", "group", "n"]].head(2)
      measure group    n
    0  CSAT %     男  222
    1  CSAT %     女  161
    >>> tests["test"].tolist()   # CSAT, NPS, and the mean of the 0–10 recommendation
    ['chi-square', 'chi-square', 'Kruskal–Wallis']
    """
    groups = group_labels(valid, codebook, by)
    present = groups.notna().to_numpy()
    order = [g for g in (groups.cat.categories if hasattr(groups, "cat") else
                         pd.unique(groups[present])) if (groups == g).any()]
    satisfaction, recommend = overall_items(codebook)
    measures, tests = [], []
    if satisfaction:
        q = codebook.question(satisfaction)
        counts = []
        for g in order:
            scores = valid.loc[(groups == g).to_numpy(), satisfaction].dropna()
            if not len(scores):
                continue
            c = stats.csat(scores, scale=q.scale.points, minimum=q.scale.min)
            measures.append(("CSAT %", g, c.n, c.csat, c.ci_low, c.ci_high))
            counts.append([c.satisfied, c.n - c.satisfied])
        tests.append(("CSAT %", "chi-square", *chi_square(np.array(counts)), "Cramér's V"))
    if recommend:
        counts, samples = [], []
        for g in order:
            scores = valid.loc[(groups == g).to_numpy(), recommend].dropna()
            if not len(scores):
                continue
            r = stats.nps(scores)
            measures.append(("NPS", g, r.n, r.nps, r.ci_low, r.ci_high))
            counts.append([r.promoters, r.passives, r.detractors])
            samples.append(scores.to_numpy(dtype=float))
        tests.append(("NPS", "chi-square", *chi_square(np.array(counts)), "Cramér's V"))
        tests.append((f"mean: {codebook.question(recommend).text}", "Kruskal–Wallis",
                      *kruskal_wallis(samples), "ε²"))
    likert = items if items is not None else codebook.items(type="likert")
    for item in likert:
        name = f"mean: {_short(codebook, item)}"
        samples = []
        for g in order:
            values = valid.loc[(groups == g).to_numpy(), item].dropna().to_numpy(dtype=float)
            if len(values):
                measures.append((name, g, len(values), *_t_interval(values)))
                samples.append(values)
        tests.append((name, "Kruskal–Wallis", *kruskal_wallis(samples), "ε²"))
    measure_frame = pd.DataFrame(measures, columns=["measure", "group", "n", "value", "ci_low",
                                                    "ci_high"])
    test_frame = pd.DataFrame(tests, columns=["measure", "test", "statistic", "df", "p_value",
                                              "effect_size", "effect"])
    return measure_frame, test_frame


def _short(codebook: Codebook, item: str) -> str:
    """An item's text as a person reads it (a matrix row by its row text)."""
    q = codebook.question(item)
    return q.row if q.row is not None else q.text


def crosstab_table(valid: pd.DataFrame, codebook: Codebook, row: str, column: str):
    """Cross-tab of two questions by label with χ² and Cramér's V (warnings captured)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = stats.crosstab(valid, row, column, codebook=codebook)
    return result, [str(w.message) for w in caught]
