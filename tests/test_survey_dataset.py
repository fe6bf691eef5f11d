"""The survey dataset: byte-identical regeneration and the patterns planted for the lessons."""

from __future__ import annotations

import warnings

import pytest

from crmlab.datasets import data_dir, generate_table, load_dataset, regenerate
from crmlab.survey import (
    course_codebook, crosstab, importance_performance, nps, reliability, servqual_gaps, validate,
)


def test_regeneration_is_byte_identical(tmp_path):
    written = regenerate(tmp_path, topics=["survey"])
    assert written == {"survey_responses": 405, "survey_answer_key": 405}
    for name in written:
        assert (tmp_path / f"{name}.csv").read_bytes() == (data_dir() / f"{name}.csv").read_bytes()


def test_shape_of_the_class():
    df = load_dataset("survey_responses")
    assert df["class"].nunique() == 1 and df["group"].nunique() == 8
    assert df.groupby("group")["collector"].nunique().eq(5).all()
    per_student = df.groupby("collector").size()
    assert per_student.between(9, 13).all()
    assert df.groupby("group")["company"].nunique().eq(1).all()
    assert df["entry_id"].is_unique


def test_answer_key_counts():
    key = load_dataset("survey_answer_key")
    assert key["reason"].value_counts().to_dict() == {
        "blank": 5, "out_of_range": 5, "missing_required": 5, "straight_lining": 4,
        "duplicate_number": 3}
    assert (key["status"] == "blank").sum() == 5


@pytest.fixture(scope="module")
def valid():
    return validate(load_dataset("survey_responses"), course_codebook()).valid


def test_planted_patterns(valid):
    cb = course_codebook()
    gaps = servqual_gaps(valid, cb, level="dimension").set_index("dimension")
    assert gaps["gap"].idxmin() == "responsiveness"
    assert gaps.loc["tangibles", "gap"] > 0 > gaps.loc["reliability", "gap"]
    ipa = importance_performance(valid, cb).set_index("dimension")["quadrant"].str.split(" \\(").str[0]
    assert ipa.to_dict() == {"tangibles": "possible overkill", "reliability": "concentrate here",
                             "responsiveness": "concentrate here", "assurance": "keep up the good work",
                             "empathy": "low priority"}
    assert reliability(valid, cb).alpha > 0.85
    per_company = valid.groupby("company", observed=True)["recommend"].apply(lambda s: nps(s).nps)
    assert per_company.idxmax() == "捷安速递"
    sat = valid.assign(satisfied=valid["satisfaction"] >= 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert crosstab(sat, "frequency", "satisfied").p_value < 0.001
        assert crosstab(sat, "gender", "satisfied").p_value > 0.05


def test_reverse_item_matters(valid):
    cb = course_codebook()
    from crmlab.survey import cronbach_alpha
    items = valid[cb.items(role="perception")].astype(float)
    assert cronbach_alpha(items).alpha < reliability(valid, cb).alpha
    raw = cronbach_alpha(items).items.set_index("item")
    assert raw.loc["p_emp3", "item_total_r"] < 0


def test_scale_makes_more_classes():
    big = generate_table("survey_responses", scale=3)
    assert big["class"].nunique() == 3 and big["entry_id"].is_unique
    assert big["questionnaire_no"].nunique() == len(big) - 3 * 3  # 3 planted duplicates a class
