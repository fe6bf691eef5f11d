"""The concept quizzes: bank validity, independent recomputation of every computed answer,
deterministic drawing, papers that differ, and a built quiz that ``assign`` releases and ``grade``
scores (solutions 10/10, blank release 0) in English and in Chinese."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmlab import basket, pareto, quiz, scorecard, segmentation, value
from crmlab._checks import CrmlabInputError
from crmlab.survey import stats

BANKS = quiz.bank_files()
CHAPTERS = sorted(BANKS)


def test_every_chapter_01_to_08_has_a_valid_bank_of_10_questions_with_2_versions_each():
    assert set(range(1, 9)) <= set(CHAPTERS)
    for chapter in CHAPTERS:
        bank = quiz.load_bank(chapter)
        assert bank.chapter == chapter and BANKS[chapter].name.startswith(f"ch{chapter:02d}_{bank.topic}")
        assert len(bank.questions) >= 10, chapter
        assert len({q.id for q in bank.questions}) == len(bank.questions)
        for q in bank.questions:
            assert len(q.versions) >= 2, (chapter, q.id)
            for v in q.versions:
                assert v.text["en"].strip() and v.text["zh"].strip()
                assert re.search(r"[\u4e00-\u9fff]", v.text["zh"]), (chapter, q.id, "the Chinese text has no Chinese")
                assert "{" not in v.text["en"].replace("{{", "") or q.id == "support", (chapter, q.id)
                if q.kind == "choice":
                    assert len(v.options) == 4 and v.answer in quiz.LABELS
                    assert all(re.search(r"[\u4e00-\u9fff0-9]", o["zh"]) for o in v.options)


def test_versions_give_other_answers_where_the_question_allows():
    """A neighbour's paper has another version; for most questions that means another answer."""
    same = []
    for chapter in CHAPTERS:
        for q in quiz.load_bank(chapter).questions:
            answers = {json.dumps(v.answer) for v in q.versions}
            texts = {(v.text["en"], tuple(o["en"] for o in v.options)) for v in q.versions}
            assert len(texts) == len(q.versions), (chapter, q.id, "two versions read the same")
            if len(answers) == 1:
                same.append((chapter, q.id))
    assert same == [], same


# --------------------------------------------------------------------- independent recomputation

def _dates(*values):
    return pd.to_datetime(list(values))


def _tiers(p):
    rfm = pd.DataFrame({"first_purchase": _dates(p["first"]), "last_purchase": _dates(p["last"]),
                        "frequency": [p["visits"]]})
    return segmentation.frequency_tiers(rfm).iloc[0]


def _lifecycle(p):
    customers = pd.DataFrame({"first_purchase": _dates(p["first"]), "last_purchase": _dates(p["last"])})
    return str(segmentation.lifecycle_stage(customers, as_of=p["as_of"]).iloc[0])


def _rfm_r(p):
    n = len(p["recency"])
    rfm = pd.DataFrame({"recency": p["recency"], "frequency": range(1, n + 1), "monetary": range(1, n + 1)})
    scores = segmentation.rfm_scores(rfm, bins=n)
    return int(scores.loc[rfm["recency"] == p["target"], "R"].iloc[0])


def _scored(p):
    """Score the customer in a field of ten whose ranks put it in Class p["cls"]."""
    position = {"I": 0, "II": 1, "III": 5}[p["cls"]]
    n = 10
    frame = pd.DataFrame({"customer_id": [f"c{i}" for i in range(n)], "sales": [100.0 - 10 * i for i in range(n)],
                          "yoy_ratio": 1.0, "payment_terms_months": 0.0, "max_delay_months": 0.0,
                          "brand_standing": "other", "outlook_points": 0.0})
    for column, key in (("yoy_ratio", "yoy"), ("payment_terms_months", "terms"), ("max_delay_months", "delay"),
                        ("brand_standing", "brand"), ("outlook_points", "outlook")):
        frame.loc[position, column] = p[key]
    scored = scorecard.default_scorecard().score(frame)
    assert scored.loc[position, "class_sales_rank"] == p["cls"]
    return scored.loc[position]


def _item_points(item, column, raw):
    neutral = {"cls": "III", "yoy": 1.0, "terms": 0, "delay": 0, "brand": "other", "outlook": 0}
    return float(_scored({**neutral, column: raw})[f"points_{item}"])


def _consecutive_c(p):
    grades = pd.DataFrame({"customer_id": "x", "grade": p["grades"],
                           "month": pd.date_range("2025-01-31", periods=len(p["grades"]), freq="ME")})
    return grade_history_last(grades)


def grade_history_last(grades):
    from crmlab.scorecard import grade_history

    return str(grade_history(grades).sort_values("month")["grade"].iloc[-1])


def _dormancy(p):
    return str(scorecard.dormancy(_dates(p["last"]), as_of=p["as_of"])["dormancy"].iloc[0])


def _collections(p):  # the regulation's matrix, by hand: ageing ≥ 2 months and owing ≥ 100,000 are "large/old"
    old, large = p["age"] >= 2, p["amount"] >= 100_000
    return {(True, True): "key", (False, True): "on_site", (True, False): "letter", (False, False): "defer"}[(old, large)]


def _nps_answers(p):
    return [10] * p["p"] + [7] * p["q"] + [0] * p["d"]


def _nps_group(p):
    result = stats.nps([p["score"]])
    return "promoter" if result.promoters else "passive" if result.passives else "detractor"


def _rule(p, measure):
    rules = basket.association_rules(p["baskets"], min_support=0.01, min_confidence=0.01)
    row = rules[(rules["antecedents"] == (p["a"],)) & (rules["consequents"] == (p["b"],))]
    assert len(row) == 1
    return float(row[measure].iloc[0])


def _binary_scores(p):
    """A population with p["flagged"] flagged, p["hit"] of them churners, p["churners"] churners in all."""
    flagged, hit, churners = p["flagged"], p["hit"], p["churners"]
    y_true = [1] * hit + [0] * (flagged - hit) + [1] * (churners - hit) + [0] * 10
    y_pred = [1] * flagged + [0] * (churners - hit + 10)
    return np.array(y_true), np.array(y_pred)


def _precision(p):
    from sklearn.metrics import precision_score

    return 100 * precision_score(*_binary_scores(p))


def _recall(p):
    from sklearn.metrics import recall_score

    return 100 * recall_score(*_binary_scores(p))


def _base_rate(p):
    from sklearn.metrics import accuracy_score

    y = np.array([1] * p["churn"] + [0] * (100 - p["churn"]))
    return 100 * accuracy_score(y, np.zeros(100, dtype=int))


def _escalation(p):
    late = p["open_for"] - p["sla"]
    return 0 if late <= 0 else 3 if late > 2 * p["sla"] else 2 if late > p["sla"] / 2 else 1


CHECKS = {
    # chapter 0
    "line_amount": lambda p: round(p["qty"] * p["price"] * (1 - p["discount"]), 2),
    "group_sum": lambda p: float(pd.DataFrame(p["lines"], columns=["store", "amount"])
                                 .groupby("store")["amount"].sum()[p["store"]]),
    # chapter 1
    "kfc_tier": lambda p: str(_tiers(p)["tier"]),
    "mean_interval": lambda p: float(_tiers(p)["mean_interval_days"]),
    "lifecycle": _lifecycle,
    "rfm_r": _rfm_r,
    # chapter 2
    "top_share": lambda p: 100 * pareto.top_share(pd.Series(p["values"], dtype=float), top=0.2),
    "gini": lambda p: pareto.gini(pd.Series(p["values"], dtype=float)),
    "class_count": lambda p: int((pareto.sales_rank_class(pd.Series(range(p["n"], 0, -1), dtype=float))
                                  == p["cls"]).sum()),
    "abc_count": lambda p: int((pareto.abc_classes(pd.Series(p["values"], dtype=float), rule=p["rule"]) == "A").sum()),
    "customers_for_share": lambda p: 100 * pareto.customers_for_share(pd.Series(p["values"], dtype=float), share=0.8),
    "table_lookup": lambda p: dict((float(a.strip(" %")), float(b.strip(" %"))) for a, b in
                                   (row.strip("|").split("|") for row in p["table"].split("\n")))[p["top"]],
    # chapter 3
    "clv": lambda p: float(value.retention_clv(p["m"], p["r"], p["d"])),
    "clv_horizon": lambda p: float(value.retention_clv(p["m"], p["r"], p["d"], horizon=p["h"])),
    "clv_increase": lambda p: 100 * (value.retention_clv(p["m"], p["r2"], p["d"])
                                     / value.retention_clv(p["m"], p["r1"], p["d"]) - 1),
    "share_of_wallet": lambda p: 100 * float(value.share_of_wallet(p["ours"], p["total"])),
    "discounting": lambda p: math.isclose(p["future"] / (1 + p["pct"] / 100), p["present"]),
    # chapter 4 (and 6)
    "yoy_class": lambda p: str(scorecard.yoy_class([p["this"]], [p["last"]])["yoy_class"].iloc[0]),
    "yoy_ratio": lambda p: 100 * float(scorecard.yoy_class([p["this"]], [p["last"]])["yoy_ratio"].iloc[0]),
    "rank_points": lambda p: _scored({"cls": p["cls"], "yoy": 1.0, "terms": 0, "delay": 0, "brand": "other",
                                      "outlook": 0})["points_sales_rank"],
    "terms_points": lambda p: _item_points("payment_terms", "terms", p["terms"]),
    "record_points": lambda p: _item_points("payment_record", "delay", p["delay"]),
    "scorecard_total": lambda p: float(_scored(p)["total"]),
    "scorecard_grade": lambda p: str(_scored(p)["grade"]),
    "points_grade": lambda p: str(scorecard.points_to_grade(p["total"])),
    "consecutive_c": _consecutive_c,
    "dormancy": _dormancy,
    "collections": _collections,
    # chapter 5
    "nps": lambda p: stats.nps(_nps_answers(p)).nps,
    "nps_group": _nps_group,
    "csat": lambda p: 100 * stats.top_box(np.repeat([1, 2, 3, 4, 5], p["counts"])),
    "percent_of_valid": lambda p: 100 * p["count"] / (p["received"] - p["blank"] - p["invalid"]),
    "mode": lambda p: max(("weekly", "monthly", "rarely"), key=lambda k: p[k]),
    "reverse_code": lambda p: int(stats.reverse_code(p["answer"])),
    "satisfaction_ratio": lambda p: p["p"] / p["e"],
    # chapter 6
    "dormancy_state": lambda p: {"short": "active", "medium": "at risk", "long": "churned"}[_dormancy(p)],
    "base_rate_accuracy": _base_rate,
    "precision": _precision,
    "recall": _recall,
    "gains_lift": lambda p: p["reached"] / p["top"],
    "product": lambda p: p["value"] * p["p"],
    # chapter 7
    "completeness": lambda p: 100 * pd.Series([1.0] * p["filled"] + [np.nan] * (p["records"] - p["filled"])).notna().mean(),
    "uniqueness": lambda p: 100 * (lambda s: s.nunique() / s.count())(
        pd.Series([f"code{i % p['distinct']}" for i in range(p["present"])])),
    "pair_precision": lambda p: 100 * p["correct"] / p["found"],
    "pair_recall": lambda p: 100 * p["correct"] / p["true_pairs"],
    "f1": lambda p: 2 * p["p"] * p["r"] / (p["p"] + p["r"]),
    "pairs": lambda p: math.comb(p["n"], 2),
    # chapter 8
    "roi": lambda p: 100 * (p["revenue"] * p["margin"] / 100 - p["cost"]) / p["cost"],
    "cost_per_response": lambda p: p["cost"] / p["responses"],
    "win_rate": lambda p: 100 * float(__import__("crmlab.sales", fromlist=["win_rate"]).win_rate(
        pd.DataFrame({"stage": ["won"] * p["won"] + ["lost"] * p["lost"] + ["negotiation"] * p["open"]}))["win_rate"].iloc[0]),
    "funnel": lambda p: p["proposal"] + p["negotiation"] + p["won"],
    "support": lambda p: _rule(p, "support"),
    "confidence": lambda p: _rule(p, "confidence"),
    "lift": lambda p: _rule(p, "lift"),
    "escalation": _escalation,
}


def _decimals(number: float) -> int:
    text = repr(float(number))
    return len(text.split(".")[1].rstrip("0")) if "." in text else 0


def _computed_questions():
    for chapter in CHAPTERS:
        for q in quiz.load_bank(chapter).questions:
            for index, v in enumerate(q.versions, start=1):
                yield pytest.param(q, v, id=f"ch{chapter:02d}-{q.id}-v{index}")


def test_every_number_question_has_an_independent_check():
    for chapter in CHAPTERS:
        for q in quiz.load_bank(chapter).questions:
            if q.kind == "number":
                assert q.check in CHECKS, (chapter, q.id)
            if q.check is not None:
                assert q.check in CHECKS, (chapter, q.id, q.check)
                assert all(v.params for v in q.versions), (chapter, q.id, "a checked version without params")


@pytest.mark.parametrize("q,v", [p for p in _computed_questions() if p.values[0].check])
def test_the_computed_answer_is_recomputed_independently(q, v):
    computed = CHECKS[q.check](v.params)
    if q.kind == "number":
        assert abs(v.answer - computed) <= q.tolerance / 2, (v.answer, computed)
        assert round(float(computed), _decimals(v.answer)) == pytest.approx(v.answer, abs=1e-9), (v.answer, computed)
    elif q.kind == "bool":
        assert computed is v.answer or computed == v.answer
    else:
        values = [o.get("value") for o in v.options]
        assert all(x is not None for x in values), "a computed choice needs a value on every option"
        chosen = values[quiz.LABELS.index(v.answer)]
        if isinstance(computed, (int, float)) and not isinstance(computed, bool):
            nearest = min(values, key=lambda x: abs(x - computed))
            assert chosen == nearest and abs(chosen - computed) <= 1, (chosen, computed)
        else:
            assert chosen == computed, (chosen, computed)
            assert values.count(computed) == 1


@pytest.mark.parametrize("q,v", [p for p in _computed_questions() if p.values[0].kind == "number"])
def test_the_grader_accepts_the_unrounded_value_and_refuses_one_three_tolerances_off(q, v):
    """A student who types the exact value (164.0871…) scores; a slip of 3 tolerances does not."""
    from crmlab.grader.compare import values_equal

    options = {"rtol": 0.0, "atol": q.tolerance}
    assert values_equal(v.answer, float(CHECKS[q.check](v.params)), options)
    assert values_equal(v.answer, v.answer + q.tolerance / 2, options)
    assert not values_equal(v.answer, v.answer + 3 * q.tolerance, options)
    assert not values_equal(v.answer, v.answer - 3 * q.tolerance, options)


def test_the_store_tables_shown_match_the_lines_computed_on():
    q = next(q for q in quiz.load_bank(0).questions if q.check == "group_sum")
    for v in q.versions:
        rows = [[c.strip() for c in r.strip("|").split("|")] for r in v.params["table"].split("\n")]
        assert [[s, float(a)] for s, a in rows] == [[s, float(a)] for s, a in v.params["lines"]]


def test_the_basket_tables_shown_match_the_baskets_computed_on():
    for q in quiz.load_bank(8).questions:
        if q.check in ("support", "confidence", "lift"):
            for v in q.versions:
                rows = [r.split("|")[2].strip() for r in v.params["table"].split("\n")]
                assert [[i.strip() for i in r.split(",")] for r in rows] == v.params["baskets"]
                assert len(v.params["table_zh"].split("\n")) == len(rows)


# --------------------------------------------------------------------------------- validation

def _bank(**question):
    base = {"id": "q", "kind": "choice",
            "text": {"en": "Which?", "zh": "哪个？"},
            "options": [{"en": x, "zh": x + "项"} for x in "wxyz"],
            "versions": [{"answer": "A"}, {"answer": "B", "text": {"en": "Which one?", "zh": "哪一个？"}}]}
    base.update(question)
    return {"chapter": 9, "topic": "t", "title": {"en": "T", "zh": "题"}, "questions": [base]}


@pytest.mark.parametrize("change,message", [
    ({"text": {"en": "Which?"}}, "the zh text is missing"),
    ({"versions": [{"answer": "E"}, {"answer": "B", "text": {"en": "Other?", "zh": "另一个？"}}]},
     "the answer 'E' is not among the options A/B/C/D"),
    ({"versions": [{"answer": "A"}]}, "needs at least 2 versions, has 1"),
    ({"kind": "number", "versions": [{"answer": 1}, {"answer": 2}]}, "needs a tolerance > 0"),
    ({"kind": "bool", "versions": [{"answer": "yes"}, {"answer": True, "text": {"en": "B", "zh": "乙"}}]},
     "must be true or false"),
    ({"kind": "essay"}, "kind 'essay' must be one of choice, bool, number"),
    ({"anwser": "A"}, "unknown key(s) anwser"),
    ({"versions": [{"answer": "A"}, {"text": {"en": "Other?", "zh": "另一个？"}}]}, "version 2: no answer"),
    ({"options": [{"en": "w", "zh": "甲"}] * 3}, "needs exactly 4 options"),
    ({"versions": [{"answer": "A"}, {"answer": "A"}]}, "two versions are identical"),
    ({"text": {"en": "Spent {amount}?", "zh": "花了 {amount}？"}, "versions": [{"answer": "A", "params": {"n": 1}},
                                                                          {"answer": "B", "params": {"n": 2}}]},
     "cannot fill in the parameters"),
])
def test_a_bad_bank_is_refused_with_a_clear_error(change, message):
    with pytest.raises(CrmlabInputError, match=re.escape(message)):
        quiz.parse_bank(_bank(**change))


def test_duplicate_ids_are_refused():
    data = _bank()
    data["questions"].append(dict(data["questions"][0]))
    with pytest.raises(CrmlabInputError, match="duplicate id 'q'"):
        quiz.parse_bank(data)


def test_every_problem_is_listed_at_once():
    data = _bank(versions=[{"answer": "E"}])
    with pytest.raises(CrmlabInputError) as info:
        quiz.parse_bank(data)
    assert "2 problem(s)" in str(info.value)


# ------------------------------------------------------------------------------ drawing, papers

def test_drawing_is_deterministic_and_papers_next_to_each_other_differ(tmp_path):
    for chapter in CHAPTERS:
        bank = quiz.load_bank(chapter)
        a1, a2 = quiz.draw(bank, seed="room-101"), quiz.draw(bank, seed="room-101")
        assert a1 == a2 and len(a1.items) == 10
        papers = [quiz.draw(bank, seed="room-101", paper=k) for k in range(3)]
        for left, right in zip(papers, papers[1:]):
            assert [i.question.id for i in left.items] == [i.question.id for i in right.items]
            assert all(x.version != y.version and (x.text != y.text or x.options != y.options)
                       for x, y in zip(left.items, right.items))
        version2 = quiz.draw(bank, version=2)
        assert [i.version for i in version2.items] == [2] * 10
        assert [i.question.id for i in version2.items] == [q.id for q in bank.questions[:10]]
    # another seed draws other versions somewhere
    bank = quiz.load_bank(4)
    assert [i.version for i in quiz.draw(bank, seed=1).items] != [i.version for i in quiz.draw(bank, seed=2).items]


def test_build_writes_byte_identical_files_twice_and_the_paper_holds_no_answers(tmp_path):
    first = quiz.build_quiz(8, tmp_path / "one", versions=2, seed=3, lang="zh")
    quiz.build_quiz(8, tmp_path / "two", versions=2, seed=3, lang="zh")
    names = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert names == sorted(f"{q.stem}{suffix}" for q in first
                           for suffix in (".ipynb", "_paper.md", "_paper.html", "_key.md", "_key.html"))
    for name in names:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    paper = (tmp_path / "one" / "quiz08_crm_functions_zh_A_paper.md").read_text(encoding="utf-8")
    key = (tmp_path / "one" / "quiz08_crm_functions_zh_A_key.md").read_text(encoding="utf-8")
    assert "参考答案" not in paper and "BEGIN SOLUTION" not in paper and "参考答案" in key
    assert "姓名" in paper and "第 10 题" in paper and "第 11 题" not in paper
    html = (tmp_path / "one" / "quiz08_crm_functions_zh_A_paper.html").read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "<table>" in html and "剃须刀" in html
    # the key lists exactly the answers the notebook grades
    nb = json.loads((tmp_path / "one" / "quiz08_crm_functions_zh_A.ipynb").read_text(encoding="utf-8"))
    assert nb["metadata"]["crmlab"]["language"] == "zh"
    solutions = re.findall(r"### BEGIN SOLUTION\n(q\d+) = (.+)\n", "\n".join("".join(c["source"]) for c in nb["cells"]))
    rows = re.findall(r"^\| (\d+) \| \*\*([^*(（]+)", key, flags=re.M)
    shown = {"True": "对", "False": "错"}
    for (var, answer), (number, keyed) in zip(solutions, rows):
        assert var == f"q{number}"
        assert shown.get(answer, answer.strip('"')) == keyed.strip()


def test_the_cli_builds_and_checks(tmp_path, capsys):
    from crmlab.cli import main

    assert main(["quiz", "check"]) == 0
    assert "ch08_crm_functions.yaml: 12 questions" in capsys.readouterr().out
    assert main(["quiz", "build", "--chapter", "3", "--version", "2", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "quiz03_value_v2.ipynb").exists() and (tmp_path / "quiz03_value_v2_key.html").exists()
    assert main(["quiz", "build", "--chapter", "42", "--out", str(tmp_path)]) == 2
    assert "no question bank for chapter 42" in capsys.readouterr().err


def test_a_broken_bank_folder_fails_the_check(tmp_path, capsys):
    from crmlab.cli import main

    shutil.copy(BANKS[2], tmp_path / BANKS[2].name)
    text = (tmp_path / BANKS[2].name).read_text(encoding="utf-8").replace("answer: D\n", "answer: E\n", 1)
    (tmp_path / BANKS[2].name).write_text(text, encoding="utf-8")
    assert main(["quiz", "check", "--bank-dir", str(tmp_path)]) == 1
    assert "is not among the options" in capsys.readouterr().out


# ------------------------------------------------------------- end to end: assign and grade

@pytest.mark.parametrize("chapter,lang", [(2, "en"), (5, "zh")])
def test_a_built_quiz_releases_and_grades_full_marks_for_the_key_and_zero_for_blank(tmp_path, chapter, lang):
    from crmlab.grader.grade import Submission, grade_submission
    from crmlab.grader.jobs import compute_expected, load_source, preload_modules
    from crmlab.grader.release import assign
    from crmlab.grader.sandbox import Limits, Worker

    (built,) = quiz.build_quiz(chapter, tmp_path / "built", seed="exam", lang=lang)
    source = tmp_path / "built" / f"{built.stem}.ipynb"
    nb, lab = load_source(source)
    assert len(lab.questions) == 10 and lab.total_points == 10
    assert all(q.data_fixed and q.selfcheck == "format" for q in lab.questions)
    limits = Limits(cell_timeout=60, notebook_timeout=120)
    # the quiz is code this module generated (no student code), so no sandbox is needed here
    worker = Worker(preload_modules(nb), limits, sandbox=False)
    try:
        expected = compute_expected(source, worker=worker)
        released, checks = assign(source, tmp_path / "release", expected=expected)
        text = released.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text
        if lang == "zh":
            assert "第 1 题" in text and "crmlab.set_language(\\\"zh\\\")" in text
        # one wrong answer: the key with q1 changed to another valid answer
        wrong = json.loads(source.read_text(encoding="utf-8"))
        cell = next(c for c in wrong["cells"] if c.get("id") == "q1")
        first = built.items[0]
        if first.question.kind == "choice":
            other = '"A"' if first.answer != "A" else '"B"'
        elif first.question.kind == "bool":
            other = str(not first.answer)
        else:
            other = repr(first.answer + 10 * first.question.tolerance + 1)
        cell["source"] = re.sub(r"q1 = .+", f"q1 = {other}", "".join(cell["source"]))
        (tmp_path / "wrong.ipynb").write_text(json.dumps(wrong), encoding="utf-8")
        shutil.copy(source, tmp_path / "key.ipynb")
        results = {name: grade_submission(worker, lab, nb, expected, Submission(name, path), limits)
                   for name, path in (("key", tmp_path / "key.ipynb"), ("blank", released),
                                      ("wrong", tmp_path / "wrong.ipynb"))}
    finally:
        worker.close()
    points = {name: sum(q["points"] for q in r["questions"].values()) for name, r in results.items()}
    assert points == {"key": 10.0, "blank": 0.0, "wrong": 9.0}, {
        n: {q: v["message"] for q, v in r["questions"].items() if not v["ok"]} for n, r in results.items()}
    assert results["key"]["status"] == "ok"
    data = json.loads(checks.read_text(encoding="utf-8"))
    assert {q["check"] for q in data["questions"].values()} == {"format"}  # the self-check reveals no answer


def test_crmlab_assign_and_grade_on_the_command_line_grade_a_chinese_quiz(tmp_path, capsys):
    """The same path a teacher takes: build → crmlab assign → crmlab grade (unsandboxed here: the
    submissions are the quiz's own key and blank release, no student code)."""
    import csv

    from crmlab.cli import main

    assert main(["quiz", "build", "--chapter", "6", "--seed", "A-101", "--lang", "zh", "--out",
                 str(tmp_path / "built")]) == 0
    source = tmp_path / "built" / "quiz06_churn_zh_sA-101.ipynb"
    assert main(["assign", str(source), "--out", str(tmp_path / "release"), "--no-sandbox"]) == 0
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(source, subs / "wang.ipynb")
    shutil.copy(tmp_path / "release" / source.name, subs / "li.ipynb")
    assert main(["grade", str(source), str(subs), "--out", str(tmp_path / "grades"), "--no-sandbox", "--quiet"]) == 0
    capsys.readouterr()
    with open(tmp_path / "grades" / "gradebook.csv", encoding="utf-8-sig", newline="") as handle:
        totals = {row["student"]: (float(row["total"]), float(row["max"])) for row in csv.DictReader(handle)}
    assert totals == {"wang": (10.0, 10.0), "li": (0.0, 10.0)}
    feedback = (tmp_path / "grades" / "feedback" / "wang.md").read_text(encoding="utf-8")
    assert "得分" in feedback  # the quiz's language (metadata crmlab.language = zh) sets the feedback's
