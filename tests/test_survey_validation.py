"""Questionnaire validation: the planted answer key is recovered exactly; each rule by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlab._checks import CrmlabInputError
from crmlab.datasets import load_dataset
from crmlab.survey import REASONS, Codebook, course_codebook, validate

SMALL = Codebook.from_dict({
    "title": "t", "id_column": "no",
    "scales": {"a5": {"min": 1, "max": 5}},
    "straight_lining": [{"block": "b", "min_items": 3}],
    "questions": [
        {"id": "sex", "text": "性别", "type": "single", "options": {1: "男", 2: "女"}, "required": True},
        {"id": "l1", "text": "l1", "type": "likert", "scale": "a5", "block": "b", "required": True},
        {"id": "l2", "text": "l2", "type": "likert", "scale": "a5", "block": "b"},
        {"id": "l3", "text": "l3", "type": "likert", "scale": "a5", "block": "b", "reverse": True},
        {"id": "svc", "text": "svc", "type": "multiple", "options": {1: "a", 2: "b", 3: "c"}},
        {"id": "years", "text": "years", "type": "number", "minimum": 0, "maximum": 30},
        {"id": "note", "text": "note", "type": "text"},
    ]})


def small_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "no":    ["A1", "A2", "A3", "A4", "A5", "A2", "A7", "A8", None, "A10", "A11"],
        "sex":   [1,     2,    None, 3,    1,    1,    "女x", 2,    1,    None,  2],
        "l1":    [4,     5,    None, 4,    3,    2,    4,    5,    4,    None,  3],
        "l2":    [3,     5,    None, 4,    3,    2,    4,    5,    4,    None,  3],
        "l3":    [2,     5,    None, 4,    3,    2,    4,    4,    4,    None,  None],
        "svc":   ["1;2", "3",  None, "2",  "4",  "1",  "1",  "2;3", "1", None,  "1"],
        "years": [3,     1,    None, 2,    2,    40,   1,    0,    1,    None,  2],
        "note":  ["ok",  None, None, None, None, None, None, None, None, "  ",  None],
    })


def test_each_rule_on_a_hand_built_table():
    r = validate(small_frame(), SMALL)
    got = r.rejected.set_index("row")["reason"].to_dict()
    assert got == {
        1: "straight_lining",   # 5, 5, 5 on the block (the reverse item too)
        2: "blank",             # nothing answered
        3: "out_of_range",      # sex = 3
        4: "out_of_range",      # multiple-choice option 4 does not exist
        5: "duplicate_number",  # A2 again (and years 40 is impossible: second reason)
        6: "unreadable",        # "女x" in a coded question
        8: "missing_number",
        9: "blank",             # only whitespace in the text question
    }
    assert r.rejected.set_index("row").loc[5, "reasons"] == "duplicate_number; out_of_range; straight_lining"
    assert r.rejected.set_index("row").loc[3, "status"] == "invalid"
    assert r.rejected.set_index("row").loc[2, "status"] == "blank"
    # row 10: l3 missing is not required, and 2 answers < min_items 3 → not straight-lining
    assert 10 in r.valid.index and 0 in r.valid.index and 7 in r.valid.index
    assert r.received == len(r.valid) + len(r.rejected) == 11
    assert "sex = 3 (out_of_range)" in r.rejected.set_index("row").loc[3, "detail"]


def test_missing_required_and_issues_table():
    df = small_frame().iloc[[0]].assign(l1=np.nan)
    r = validate(df, SMALL)
    assert r.rejected["reason"].tolist() == ["missing_required"]
    assert r.issues[["question", "reason"]].values.tolist() == [["l1", "missing_required"]]


def test_duplicates_reject_all_and_blank_first_copy():
    df = small_frame()
    r = validate(df, SMALL, duplicates="reject_all")
    assert set(r.rejected.loc[r.rejected["reason"] == "duplicate_number", "row"]) == {1, 5}
    assert "no = A2, used on 2 questionnaires (duplicate_number)" in r.rejected.set_index("row").loc[1, "detail"]
    default = validate(df, SMALL).rejected.set_index("row")
    assert default.loc[5, "detail"].startswith("no = A2, first used on row 1 (duplicate_number)")
    # a blank first copy does not make the later real questionnaire a duplicate
    df2 = pd.concat([df.iloc[[2]].assign(no="A1"), df.iloc[[0]]], ignore_index=True)
    assert validate(df2, SMALL).rejected["reason"].tolist() == ["blank"]
    with pytest.raises(CrmlabInputError, match="keep_first"):
        validate(df, SMALL, duplicates="last")


def test_valid_answers_are_numbers():
    r = validate(small_frame(), SMALL)
    assert str(r.valid["sex"].dtype) == "Int64"
    assert r.valid["years"].dtype == "float64"


def test_missing_columns_named():
    with pytest.raises(CrmlabInputError, match="missing columns 'l2', 'svc'"):
        validate(small_frame().drop(columns=["l2", "svc"]), SMALL)


def test_course_dataset_answer_key_recovered_exactly():
    responses = load_dataset("survey_responses")
    key = load_dataset("survey_answer_key").set_index("entry_id")
    r = validate(responses, course_codebook())
    rejected = r.rejected.assign(entry_id=responses.loc[r.rejected["row"], "entry_id"].to_numpy())
    expected = key[key["status"] != "valid"]
    assert sorted(rejected["entry_id"]) == sorted(expected.index)
    got = rejected.set_index("entry_id").sort_index()
    assert got["reason"].tolist() == expected.sort_index()["reason"].tolist()
    assert got["status"].tolist() == expected.sort_index()["status"].astype(str).tolist()
    assert set(r.valid["entry_id"]) == set(key.index[key["status"] == "valid"])
    funnel = r.funnel().set_index("stage")["questionnaires"]
    assert funnel["received"] == funnel.drop(["received", "valid"]).sum() + funnel["valid"]
    assert r.exclusions.excluded == len(r.rejected)


def test_reason_order_is_documented():
    assert REASONS[0] == "blank" and REASONS[-1] == "straight_lining"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["A", "B", "C", None]),
                          st.sampled_from([1, 2, 3, None, "x"]),
                          st.sampled_from([1, 2, 5, 6, None]),
                          st.sampled_from([1, 3, 5, None]),
                          st.sampled_from(["1", "1;3", "9", None])), min_size=1, max_size=30))
def test_no_questionnaire_is_lost(rows):
    df = pd.DataFrame(rows, columns=["no", "sex", "l1", "l2", "svc"]).assign(
        l3=3, years=1, note=None)
    r = validate(df, SMALL)
    assert len(r.valid) + len(r.rejected) == len(df)
    assert set(r.valid.index).isdisjoint(r.rejected["row"])
    assert r.rejected["reason"].isin(REASONS).all()
    valid = r.valid
    assert valid["sex"].dropna().isin([1, 2]).all() and valid["l1"].notna().all()
    assert valid["l1"].isin([1, 2, 3, 4, 5]).all()
