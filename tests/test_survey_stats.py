"""Survey statistics against hand-worked examples, published values and second computations."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from crmlab._checks import CrmlabInputError
from crmlab.survey import (
    Codebook, bottom_box, cronbach_alpha, crosstab, csat, importance_performance, likert_summary,
    nps, reliability, servqual_gaps, top_box, wilson_interval,
)

# pingouin's documented example dataset `cronbach_alpha` (15 respondents × 10 items, 1–7):
# pingouin.cronbach_alpha(...) -> (0.5917188485995826, [0.195, 0.840]), tested against R psych.
PINGOUIN_ITEMS = pd.DataFrame({f"Q{i + 1}": q for i, q in enumerate([
    [3, 5, 7, 2, 6, 1, 4, 2, 6, 5, 4, 4, 5, 6, 4], [2, 4, 3, 4, 5, 2, 3, 4, 5, 4, 3, 2, 5, 5, 3],
    [4, 6, 5, 3, 6, 3, 5, 4, 5, 6, 5, 3, 6, 5, 5], [1, 3, 5, 3, 5, 4, 3, 3, 5, 4, 2, 2, 2, 4, 5],
    [4, 5, 6, 2, 4, 2, 5, 7, 1, 3, 5, 5, 3, 2, 3], [5, 1, 4, 2, 4, 5, 2, 2, 6, 5, 3, 3, 3, 2, 1],
    [1, 2, 3, 2, 4, 2, 1, 2, 5, 3, 2, 4, 2, 1, 3], [4, 5, 3, 6, 6, 3, 2, 4, 2, 1, 3, 2, 4, 4, 2],
    [3, 5, 6, 6, 7, 5, 4, 6, 3, 7, 4, 3, 4, 6, 3], [2, 5, 5, 3, 5, 2, 3, 5, 2, 2, 1, 4, 5, 5, 4]])})


# ---- Wilson ---------------------------------------------------------------------------------
def test_wilson_hand_worked():
    # 8 of 10, z = 1.959964: centre = (0.8 + z²/20) / (1 + z²/10) = 0.7165,
    # half = z/(1+z²/10) · sqrt(0.016 + z²/400) = 0.2268 → (0.4902, 0.9433)
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.490162, abs=1e-6)
    assert high == pytest.approx(0.943318, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_matches_scipy(kn, confidence):
    k, n = kn
    ci = sps.binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    low, high = wilson_interval(k, n, confidence=confidence)
    assert low == pytest.approx(ci.low, abs=1e-9)
    assert high == pytest.approx(ci.high, abs=1e-9)
    assert low <= k / n <= high


def test_wilson_vectorised_and_edge_cases():
    low, high = wilson_interval(np.array([0, 5]), np.array([10, 10]))
    assert low[0] == 0.0 and high[1] == pytest.approx(wilson_interval(5, 10)[1])
    assert all(np.isnan(wilson_interval(0, 0)))
    with pytest.raises(CrmlabInputError, match="successes ≤ n"):
        wilson_interval(11, 10)
    with pytest.raises(CrmlabInputError, match="confidence"):
        wilson_interval(1, 10, confidence=95)


# ---- top box, CSAT, NPS ------------------------------------------------------------------------
def test_top_and_bottom_box():
    scores = [5, 4, 4, 3, 2, 1, 1, None]
    assert top_box(scores) == pytest.approx(3 / 7)
    assert bottom_box(scores) == pytest.approx(3 / 7)
    assert top_box(scores, boxes=1) == pytest.approx(1 / 7)
    assert top_box([10, 9, 8, 0], scale=11, boxes=2, minimum=0) == pytest.approx(0.5)
    with pytest.raises(CrmlabInputError, match="between 1 and 5"):
        top_box([6, 4])
    with pytest.raises(CrmlabInputError, match="numbers"):
        top_box(["good", 4])


def test_csat_with_wilson_ci():
    r = csat([5, 4, 4, 3, 2, 1, 5, 5, 4, 3])  # 6 of 10 answer 4 or 5
    assert (r.csat, r.satisfied, r.n) == (60.0, 6, 10)
    low, high = wilson_interval(6, 10)
    assert (r.ci_low, r.ci_high) == pytest.approx((100 * low, 100 * high))
    with pytest.raises(CrmlabInputError, match="at least one"):
        csat([None, None])


def test_nps_hand_worked():
    # 10 answers: promoters 9,10,10,9 (4); passives 7,8 (2); detractors 0,3,6,5 (4) → NPS 0
    r = nps([9, 10, 10, 9, 7, 8, 0, 3, 6, 5, None])
    assert (r.promoters, r.passives, r.detractors, r.n, r.missing) == (4, 2, 4, 10, 1)
    assert r.nps == 0.0
    # var = (p + d − (p − d)²)/n = 0.8/10 → se = 0.28284; ±1.95996·28.284 = ±55.44
    assert r.ci_high == pytest.approx(55.4362, abs=1e-3)
    assert r.ci_low == pytest.approx(-55.4362, abs=1e-3)
    assert nps([10] * 5).nps == 100.0 and nps([10] * 5).ci_high == 100.0


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 10), min_size=1, max_size=200))
def test_nps_equals_naive_count(scores):
    r = nps(scores)
    naive = 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)
    assert r.nps == pytest.approx(naive)
    assert r.promoters + r.passives + r.detractors == len(scores)
    assert -100 <= r.ci_low <= r.nps <= r.ci_high <= 100


def test_nps_rejects_bad_scores():
    with pytest.raises(CrmlabInputError, match="between 0 and 10"):
        nps([11, 5])
    with pytest.raises(CrmlabInputError, match="whole numbers"):
        nps([7.5, 5])
    with pytest.raises(CrmlabInputError, match="at least one"):
        nps([])


# ---- Likert summary -------------------------------------------------------------------------------
def test_likert_summary_hand_worked():
    df = pd.DataFrame({"q": [5, 4, 4, 2, None], "r": [1, 1, 3, 5, 5]})
    s = likert_summary(df).set_index("item")
    assert s.loc["q", "n"] == 4 and s.loc["q", "mean"] == 3.75
    assert s.loc["q", "sd"] == pytest.approx(np.std([5, 4, 4, 2], ddof=1))
    assert s.loc["q", "top_box"] == 75.0 and s.loc["q", "bottom_box"] == 25.0
    assert [s.loc["r", c] for c in range(1, 6)] == [40.0, 0.0, 20.0, 0.0, 40.0]
    assert s[list(range(1, 6))].sum(axis=1).tolist() == pytest.approx([100.0, 100.0])


# ---- Cronbach's alpha -----------------------------------------------------------------------------
def test_alpha_matches_pingouin_published_example():
    r = cronbach_alpha(PINGOUIN_ITEMS, maximum=7)
    assert r.alpha == pytest.approx(0.5917188485995826, abs=1e-12)
    assert (round(r.ci_low, 3), round(r.ci_high, 3)) == (0.195, 0.840)
    assert (r.n, r.k) == (15, 10)


def test_alpha_hand_computation_from_variances():
    # items a, b, c for 5 respondents; totals 4, 7, 9, 13, 14
    df = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [1, 3, 3, 4, 4]})
    # var(a)=2.5, var(b)=2.3, var(c)=1.5, var(total)=17.3 (ddof=1)
    # alpha = 3/2 · (1 − 6.3/17.3) = 0.953757...
    hand = 3 / 2 * (1 - (2.5 + 2.3 + 1.5) / 17.3)
    r = cronbach_alpha(df)
    assert r.alpha == pytest.approx(hand, abs=1e-12)
    # alpha if 'a' deleted: 2 · (1 − (2.3 + 1.5)/var(b + c)); b + c = 3,5,6,9,9 → var 6.8
    items = r.items.set_index("item")
    assert items.loc["a", "alpha_if_deleted"] == pytest.approx(2 * (1 - 3.8 / 6.8))
    # corrected item-total r of 'a' = corr(a, b + c)
    assert items.loc["a", "item_total_r"] == pytest.approx(np.corrcoef(df.a, df.b + df.c)[0, 1])


def test_alpha_item_analysis_equals_recomputation():
    r = cronbach_alpha(PINGOUIN_ITEMS, maximum=7).items.set_index("item")
    for item in PINGOUIN_ITEMS.columns:
        rest = PINGOUIN_ITEMS.drop(columns=item)
        assert r.loc[item, "alpha_if_deleted"] == pytest.approx(cronbach_alpha(rest).alpha)
        assert r.loc[item, "item_total_r"] == pytest.approx(
            np.corrcoef(PINGOUIN_ITEMS[item], rest.sum(axis=1))[0, 1])


def test_alpha_reverse_coding_and_missing_policies():
    df = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [5, 3, 3, 2, 2]})
    flipped = cronbach_alpha(df, reverse=["c"])
    manual = cronbach_alpha(df.assign(c=6 - df.c))
    assert flipped.alpha == pytest.approx(manual.alpha)
    assert cronbach_alpha(df).alpha < flipped.alpha
    gappy = pd.concat([df.assign(c=6 - df.c), pd.DataFrame({"a": [3.0], "b": [np.nan], "c": [4.0]})],
                      ignore_index=True)
    listwise = cronbach_alpha(gappy)
    assert (listwise.n, listwise.excluded) == (5, 1)
    assert listwise.alpha == pytest.approx(manual.alpha)
    pairwise = cronbach_alpha(gappy, missing="pairwise")
    cov = gappy.cov().to_numpy()  # pandas' pairwise-complete covariances
    assert pairwise.alpha == pytest.approx(3 / 2 * (1 - np.trace(cov) / cov.sum()))
    assert pairwise.n == 6


def test_alpha_bad_input():
    with pytest.raises(CrmlabInputError, match="at least 2 items"):
        cronbach_alpha(pd.DataFrame({"a": [1, 2, 3]}))
    with pytest.raises(CrmlabInputError, match="not a number"):
        cronbach_alpha(pd.DataFrame({"a": [1, 2, 3], "b": ["x", 2, 3]}))
    with pytest.raises(CrmlabInputError, match="listwise"):
        cronbach_alpha(PINGOUIN_ITEMS, missing="mean")
    with pytest.raises(CrmlabInputError, match="empty"):
        cronbach_alpha(PINGOUIN_ITEMS.iloc[:0])


# ---- SERVQUAL, IPA -------------------------------------------------------------------------------
TINY = Codebook.from_dict({
    "title": "tiny", "dimensions": {"rel": "可靠性", "tan": "有形性"},
    "scales": {"a5": {"min": 1, "max": 5}},
    "questions": [
        {"id": "e1", "text": "E1", "type": "likert", "scale": "a5", "dimension": "rel",
         "role": "expectation", "pair": "p1"},
        {"id": "e2", "text": "E2", "type": "likert", "scale": "a5", "dimension": "rel",
         "role": "expectation", "pair": "p2", "reverse": True},
        {"id": "e3", "text": "E3", "type": "likert", "scale": "a5", "dimension": "tan",
         "role": "expectation", "pair": "p3"},
        {"id": "p1", "text": "P1", "type": "likert", "scale": "a5", "dimension": "rel", "role": "perception"},
        {"id": "p2", "text": "P2", "type": "likert", "scale": "a5", "dimension": "rel",
         "role": "perception", "reverse": True},
        {"id": "p3", "text": "P3", "type": "likert", "scale": "a5", "dimension": "tan", "role": "perception"},
        {"id": "i_rel", "text": "I", "type": "likert", "scale": "a5", "dimension": "rel", "role": "importance"},
        {"id": "i_tan", "text": "I", "type": "likert", "scale": "a5", "dimension": "tan", "role": "importance"},
    ]})
TINY_DATA = pd.DataFrame({"e1": [5, 4], "e2": [1, 2], "e3": [3, 4], "p1": [3, 3], "p2": [3, 4],
                          "p3": [4, 5], "i_rel": [5, 4], "i_tan": [2, 3]})


def test_servqual_gaps_hand_worked():
    items = servqual_gaps(TINY_DATA, TINY).set_index("perception_item")
    # p1 − e1: 3 − 4.5 = −1.5; e2 reversed 5,4 → 4.5, p2 reversed 3,2 → 2.5: gap −2; p3−e3 = 1
    assert items["gap"].tolist() == [-1.5, -2.0, 1.0]
    assert items.loc["p1", "ratio"] == pytest.approx(3 / 4.5)
    dims = servqual_gaps(TINY_DATA, TINY, level="dimension").set_index("dimension")
    assert dims.loc["rel", "expectation"] == 4.5 and dims.loc["rel", "perception"] == 2.75
    assert dims.loc["rel", "gap"] == -1.75 and dims.loc["tan", "gap"] == 1.0
    # importance 4.5 and 2.5 → weights 0.642857, 0.357143
    assert dims.loc["rel", "weight"] == pytest.approx(4.5 / 7)
    assert dims.loc["rel", "weighted_gap"] == pytest.approx(-1.75 * 4.5 / 7)


def test_ipa_quadrants_and_boundary():
    ipa = importance_performance(TINY_DATA, TINY).set_index("dimension")
    # cut-offs: importance mean (4.5 + 2.5)/2 = 3.5, performance (2.75 + 4.5)/2 = 3.625
    assert ipa.loc["rel", "quadrant"].startswith("concentrate here")
    assert ipa.loc["tan", "quadrant"].startswith("possible overkill")
    # a value exactly at the cut-off counts as high (≥)
    at_cut = importance_performance(TINY_DATA, TINY, cut=(4.5, 4.5)).set_index("dimension")
    assert at_cut.loc["rel", "quadrant"].startswith("concentrate here")
    assert at_cut.loc["tan", "quadrant"].startswith("possible overkill")
    mid = importance_performance(TINY_DATA, TINY, cut="midpoint")
    assert (mid["importance_cut"] == 3).all()
    with pytest.raises(CrmlabInputError, match="cut must be"):
        importance_performance(TINY_DATA, TINY, cut="median")


def test_reliability_uses_codebook_reverse_coding():
    rows = pd.DataFrame({"p1": [1, 2, 4, 5, 3], "p2": [5, 4, 2, 1, 3], "p3": [1, 3, 4, 5, 3]})
    r = reliability(rows, TINY)
    manual = cronbach_alpha(rows.assign(p2=6 - rows.p2))
    assert r.alpha == pytest.approx(manual.alpha)


# ---- crosstab ----------------------------------------------------------------------------------------
def test_crosstab_hand_worked_and_second_computation():
    df = pd.DataFrame({"a": [1] * 30 + [2] * 30, "b": [1] * 20 + [2] * 10 + [1] * 10 + [2] * 20})
    r = crosstab(df, "a", "b")
    # expected 15 in each cell: χ² = 4 · 5²/15 = 6.6667, V = sqrt(6.6667/60) = 0.3333
    assert r.chi2 == pytest.approx(20 / 3)
    assert r.cramers_v == pytest.approx(1 / 3)
    assert r.p_value == pytest.approx(sps.chi2.sf(20 / 3, 1))
    from scipy.stats.contingency import association
    assert r.cramers_v == pytest.approx(association(r.table.to_numpy(), method="cramer"))
    assert r.percent.loc[1].tolist() == pytest.approx([200 / 3, 100 / 3])
    yates = crosstab(df, "a", "b", correction=True)
    assert yates.chi2 == pytest.approx(4 * 4.5 ** 2 / 15)
    assert r.warning is None


def test_crosstab_warns_on_small_expected_counts():
    df = pd.DataFrame({"a": [1, 1, 2, 2, 1], "b": [1, 2, 1, 2, 1]})
    with pytest.warns(UserWarning, match="expected counts"):
        r = crosstab(df, "a", "b")
    assert "unreliable" in r.warning


def test_crosstab_labels_and_errors():
    cb = Codebook.from_dict({"title": "t", "questions": [
        {"id": "g", "text": "g", "type": "single", "options": {1: "男", 2: "女"}},
        {"id": "s", "text": "s", "type": "single", "options": {1: "yes", 2: "no"}}]})
    df = pd.DataFrame({"g": [1, 2] * 20, "s": [1, 1, 2, 2] * 10})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = crosstab(df, "g", "s", codebook=cb)
    assert list(r.table.index) == ["男", "女"] and list(r.table.columns) == ["yes", "no"]
    with pytest.raises(CrmlabInputError, match="2×2"):
        crosstab(df.assign(s=1), "g", "s")
    with pytest.raises(CrmlabInputError, match="missing column"):
        crosstab(df, "g", "nope")
