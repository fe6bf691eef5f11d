"""Tallies: counts and percentages of valid questionnaires; collector → group → class sums."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlab._checks import CrmlabInputError
from crmlab.datasets import load_dataset
from crmlab.survey import (
    Codebook, course_codebook, factual_mode, statistics_table, tally, tally_hierarchy, validate,
)

CB = Codebook.from_dict({"title": "t", "questions": [
    {"id": "q", "text": "q", "type": "single", "options": {1: "是", 2: "否", 3: "不知道"}},
    {"id": "m", "text": "m", "type": "multiple", "options": {1: "a", 2: "b", 3: "c"}},
    {"id": "note", "text": "n", "type": "text"},
    {"id": "age", "text": "age", "type": "number"},
]})
DATA = pd.DataFrame({
    "class": ["C1"] * 6, "group": [1, 1, 1, 2, 2, 2], "collector": ["张", "张", "李", "王", "王", "王"],
    "q": [1, 1, 2, 1, None, 2], "m": ["1;2", "2", None, "1;2;3", "3", "2"],
    "note": ["x", None, "", "y", None, None], "age": [30, 30, 41, None, 25, 30],
})


def test_single_choice_hand_worked():
    t = tally(DATA, "q", CB)
    # 6 valid questionnaires: 是 3 (50 %), 否 2 (33.3 %), 不知道 0, no answer 1 (16.7 %)
    assert t["label"].tolist() == ["是", "否", "不知道", "no answer"]
    assert t["count"].tolist() == [3, 2, 0, 1]
    assert t["percent"].tolist() == pytest.approx([50, 100 / 3, 0, 100 / 6])
    assert t["count"].sum() == len(DATA)


def test_multiple_choice_both_percentages():
    t = tally(DATA, "m", CB).set_index("label")
    # ticks: a 2, b 4, c 2 = 8 ticks on 5 answered of 6 questionnaires
    assert t.loc[["a", "b", "c"], "count"].tolist() == [2, 4, 2]
    assert t.loc["b", "percent_of_respondents"] == pytest.approx(4 / 6 * 100)
    assert t.loc["b", "percent_of_answers"] == pytest.approx(4 / 8 * 100)
    assert t.loc[["a", "b", "c"], "percent_of_answers"].sum() == pytest.approx(100)
    assert t.loc["no answer", "count"] == 1


def test_text_and_number_questions():
    t = tally(DATA, "note", CB)
    assert t["count"].tolist() == [2, 4]
    n = tally(DATA, "age", CB)
    assert n.set_index("label")["count"].to_dict() == {"25": 1, "30": 3, "41": 1, "no answer": 1}


def test_tally_by_collector_lists_every_option():
    t = tally(DATA, "q", CB, by="collector")
    assert len(t) == 3 * 4
    li = t[t["collector"] == "李"].set_index("label")
    assert li.loc["否", "count"] == 1 and li.loc["否", "percent"] == 100.0


def test_hierarchy_sums_agree_with_direct_counts():
    h = tally_hierarchy(DATA, "q", CB)
    assert h["agrees"].all()
    group1 = h[(h["level"] == "group") & (h["unit"] == "C1 / 1")].set_index("label")
    assert group1.loc["是", "count"] == 2 and group1.loc["是", "percent"] == pytest.approx(200 / 3)
    cls = h[h["level"] == "class"].set_index("label")
    assert cls.loc["是", "count"] == 3 and cls.loc["是", "valid_questionnaires"] == 6
    with pytest.raises(CrmlabInputError, match="have no collector/group/class"):
        tally_hierarchy(DATA.assign(group=[1, None, 1, 2, 2, 2]), "q", CB)


def test_hierarchy_on_course_data():
    cb = course_codebook()
    valid = validate(load_dataset("survey_responses"), cb).valid
    for question in ("gender", "services", "satisfaction"):
        h = tally_hierarchy(valid, question, cb)
        assert h["agrees"].all()
        direct = tally(valid, question, cb).set_index("label")["count"]
        cls = h[h["level"] == "class"].set_index("label")["count"]
        assert cls.to_dict() == direct.to_dict()


def test_factual_mode_and_ties():
    m = factual_mode(DATA, "q", CB, by="collector").set_index("collector")
    assert m.loc["张", "mode"] == 1 and m.loc["张", "share"] == 100.0
    # 王: 1 and 2 once each (one no answer) → tie resolved to the smaller code, both listed
    assert m.loc["王", "mode"] == 1 and m.loc["王", "tied"] == "1, 2"
    overall = factual_mode(DATA, "q", CB, by=None)
    assert overall["mode"].tolist() == [1]
    with pytest.raises(CrmlabInputError, match="single-choice"):
        factual_mode(DATA, "m", CB)


def test_statistics_table_counts_and_percentages():
    cb = course_codebook()
    valid = validate(load_dataset("survey_responses"), cb).valid
    table = statistics_table(valid, cb)
    single = table[table["question"] == "gender"]
    assert single["count"].sum() == len(valid)
    assert single["percent"].sum() == pytest.approx(100)
    assert set(table["question"]) == {q.id for q in cb.questions
                                      if q.type in ("single", "multiple", "likert", "rating")}
    naive = (valid["satisfaction"] == 4).sum()
    got = table[(table["question"] == "satisfaction") & (table["code"] == 4)]["count"].item()
    assert got == naive


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from([1, 2, 3, None])),
                min_size=1, max_size=40))
def test_tally_matches_value_counts(rows):
    df = pd.DataFrame(rows, columns=["collector", "q"]).assign(group=1, **{"class": "K"})
    t = tally(df, "q", CB)
    counts = df["q"].value_counts(dropna=False)
    for code, n in zip(t["code"], t["count"]):
        key = float("nan") if pd.isna(code) else code
        expected = int(df["q"].isna().sum()) if pd.isna(code) else int(counts.get(key, 0))
        assert n == expected
