"""The codebook format: reading, self-checks, lookups and the printable questionnaire."""

from __future__ import annotations

import json

import pytest

from crmlab.datasets._gen_survey import QUESTION_COLUMNS, TABLES
from crmlab.survey import Codebook, CodebookError, course_codebook


def test_course_codebook_structure():
    cb = course_codebook()
    assert len(cb) == 40
    assert cb.id_column == "questionnaire_no"
    assert set(cb.dimensions) == {"tangibles", "reliability", "responsiveness", "assurance", "empathy"}
    for dim in cb.dimensions:
        assert len(cb.items(role="perception", dimension=dim)) >= 2
        assert len(cb.items(role="importance", dimension=dim)) == 1
    assert cb.reverse_items == ["e_emp3", "p_emp3"]
    assert len(cb.pairs()) == 13
    assert cb.question("recommend").scale.codes == list(range(11))
    assert cb.question("frequency").factual


def test_codebook_matches_the_generated_table():
    spec = TABLES[0]
    assert list(QUESTION_COLUMNS) == [c for c in spec.columns if c in QUESTION_COLUMNS]
    cb = course_codebook()
    assert sorted(cb.ids) == sorted(QUESTION_COLUMNS)
    assert set(cb.administrative) == {c for c in spec.columns if c not in QUESTION_COLUMNS}


def test_printable_questionnaire_and_overview():
    text = course_codebook().render_questionnaire()
    assert text.startswith("# 物流企业客户满意度调查")
    assert "问卷编号" in text and "再次感谢" in text
    assert "36. 您的性别 *" in text and "(1) 男   (2) 女" in text
    overview = course_codebook().to_frame()
    assert overview.shape[0] == 40 and overview.loc[overview.id == "years_customer", "answers"].item() == "0–30"


def base(**question):
    q = {"id": "q1", "text": "t", "type": "single", "options": {1: "a"}}
    q.update(question)
    return {"title": "t", "questions": [q]}


@pytest.mark.parametrize("data, message", [
    ({"title": "t", "questions": [{"id": "a", "type": "text"}, {"id": "a", "type": "text"}]},
     "question id 'a' is used 2 times"),
    (base(type="poll"), "type 'poll' is not one of"),
    (base(options=None), "needs 'options'"),
    (base(type="likert", scale="s7"), "scale 's7' is not defined"),
    ({"title": "t", "scales": {"s": {"min": 5, "max": 1}}, "questions": []}, "min (5) must be below max (1)"),
    ({"title": "t", "scales": {"s": {"min": 1, "max": 5, "labels": {6: "x"}}}, "questions": []},
     "labels for codes [6] outside 1–5"),
    (base(reverse=True), "only Likert items can be reverse-coded"),
    (base(pair="nowhere"), "pair 'nowhere' is not a question"),
    (base(role="feeling"), "role 'feeling'"),
    (base(id="bad id"), "letters, digits and _"),
    ({"title": "t", "straight_lining": [{"block": "x"}], "questions": []}, "block 'x' has no questions"),
    ([1, 2], "must be a mapping"),
])
def test_codebook_problems_are_reported(data, message):
    with pytest.raises(CodebookError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        Codebook.from_dict(data)


def test_all_problems_reported_together():
    data = {"title": "t", "questions": [{"id": "a", "type": "text"}, {"id": "a", "type": "x"},
                                        {"id": "b", "type": "single"}]}
    with pytest.raises(CodebookError, match="2 problem"):
        Codebook.from_dict(data)


def test_yaml_and_json_files(tmp_path):
    data = base()
    (tmp_path / "cb.json").write_text(json.dumps(data), encoding="utf-8")
    assert Codebook.read(tmp_path / "cb.json").ids == ["q1"]
    (tmp_path / "cb.yaml").write_text("title: t\nquestions: [ {id: q1", encoding="utf-8")
    with pytest.raises(CodebookError, match="not valid YAML"):
        Codebook.read(tmp_path / "cb.yaml")
    with pytest.raises(FileNotFoundError, match="codebook file not found"):
        Codebook.read(tmp_path / "missing.yaml")
    with pytest.raises(Exception, match="no question 'zz'"):
        course_codebook().question("zz")
