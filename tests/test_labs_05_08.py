"""Labs 05–08: the by-hand answers agree with an independent computation, and each lab's header
states what the questions add up to.

``tests/test_exercises.py`` checks that each lab releases and grades (solutions full marks, blank
release zero). This file checks that the *solutions themselves are right*: each lab's question
cells are run in this process (on the public data and on a hidden data variant), and every answer
computed by hand with pandas is compared with the ``crmlab`` function that computes the same thing
(or with a value worked out by hand here). It also checks that the header's table (sections, time,
questions, points) matches the questions' ``points=`` in both the English source and its Chinese
translation.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmlab.datasets import VARIANT_VARIABLE
from crmlab.editions import load_translation, translation_path
from crmlab.grader.authoring import parse_lab

EXERCISES = Path(__file__).resolve().parent.parent / "exercises"
LABS = {"lab05": "lab05_survey", "lab06": "lab06_churn", "lab07": "lab07_data_quality",
        "lab08": "lab08_crm_functions"}
SECRET = "test-labs-05-08-variant"


def _cells(stem: str) -> list[dict]:
    return json.loads((EXERCISES / f"{stem}.ipynb").read_text(encoding="utf-8"))["cells"]


def parse(stem: str):
    """The lab's questions. The ``zh="…"`` of ``# CHECK`` lines is dropped first, so this runs
    whether or not the parser of this checkout knows the Chinese check messages yet."""
    nb = json.loads((EXERCISES / f"{stem}.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        cell["source"] = [re.sub(r' zh="[^"]*"', "", line) if line.startswith("# CHECK") else line
                          for line in cell["source"]]
    return parse_lab(nb, stem)


def run_lab(stem: str) -> dict:
    """Run the source's code cells (setup, solutions, hidden inputs) and return the namespace."""
    namespace: dict = {}
    for cell in _cells(stem):
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            exec(compile(source, f"{stem}:{cell['id']}", "exec"), namespace)  # noqa: S102 - our own lab
    return namespace


@pytest.fixture(scope="module")
def variant_dir(tmp_path_factory):
    from crmlab.grader.variants import make_variant

    return make_variant(SECRET, tmp_path_factory.mktemp("variant"), topics=None)


@pytest.fixture(scope="module", params=["public", "variant"])
def data(request, variant_dir):
    """Which data the labs run on: the shipped tables, or a hidden variant of them."""
    if request.param == "public":
        yield request.param
        return
    old = os.environ.get(VARIANT_VARIABLE)
    os.environ[VARIANT_VARIABLE] = str(variant_dir)
    try:
        yield request.param
    finally:
        if old is None:
            os.environ.pop(VARIANT_VARIABLE, None)
        else:
            os.environ[VARIANT_VARIABLE] = old


_cache: dict[tuple[str, str], dict] = {}


def answers(stem: str, data: str) -> dict:
    if (stem, data) not in _cache:
        _cache[(stem, data)] = run_lab(stem)
    return _cache[(stem, data)]


# --------------------------------------------------------------------------------------------
# the header of every lab


def _header(stem: str) -> str:
    return " ".join("".join(_cells(stem)[0]["source"]).split())


@pytest.mark.parametrize("stem", LABS.values())
def test_the_header_states_sections_time_questions_and_points(stem):
    """The header format of exercises/README.md ("Question types"), in English and Chinese."""
    lab = parse(stem)
    header = _header(stem)
    chapter = re.search(r"This lab goes with chapter (\d) \(`notebooks/0\1_\w+\.ipynb`\)", header)
    assert chapter and stem[3:5] == "0" + chapter[1]
    sections = re.search(r"\*\*Chapter sections needed:\*\* ([^*]+?)\. \*", header)
    assert sections and re.search(r"\d", sections[1])
    minutes = re.search(r"\*\*Time:\*\* about (\d+) minutes", header)
    assert minutes and 30 <= int(minutes[1]) <= 120
    stated = re.search(r"\*\*Questions:\*\* (\d+) questions, ([\d.]+) points", header)
    assert stated and int(stated[1]) == len(lab.questions) and math.isclose(float(stated[2]), lab.total_points)
    for q in lab.questions:   # the hand-graded part is named with its points
        if q.compare == "manual":
            assert f"{q.id.upper()} ({q.points:g} points) is a written answer" in header
    # the Chinese header states the same numbers and points at the Chinese chapter
    nb_path = EXERCISES / f"{stem}.ipynb"
    zh = load_translation(translation_path(nb_path)).cells[_cells(stem)[0]["id"]][1]
    assert f"约 {minutes[1]} 分钟" in zh and f"共 {len(lab.questions)} 题，{lab.total_points:g} 分" in zh
    assert f"notebooks/zh/0{chapter[1]}_" in zh


@pytest.mark.parametrize("stem", LABS.values())
def test_the_header_names_the_questions_whose_self_check_confirms_the_form_only(stem):
    """The header lists exactly the questions whose released self-check confirms the form only,
    as the release decides it (``crmlab.grader.release.checks_data``: ``selfcheck=format``, or a
    low-information answer such as a whole number anywhere in the question makes the *whole*
    question form-only unless ``selfcheck=value``). A header naming only one answer of a mixed
    question would tell the student the other answers are checked when they are not."""
    from crmlab.grader.plain import to_plain
    from crmlab.grader.release import checks_data

    ns = answers(stem, "public")
    header = _header(stem)
    listed = re.search(r"\(((?:Q\d+, )*Q\d+)\) it only confirms that your answer has the right form", header)
    assert listed
    lab = parse(stem)
    key = {"answers": {q.id: {n: {"value": None if q.compare in ("manual", "function") else to_plain(ns[n])}
                              for n in q.answer} for q in lab.questions}}
    released = checks_data(lab, key, "salt", stem)["questions"]
    form_only = {qid.upper() for qid, entry in released.items()
                 if entry["check"] == "format" and entry["compare"] != "function"}
    assert set(listed[1].split(", ")) == form_only


@pytest.mark.parametrize("stem", LABS.values())
def test_at_most_one_question_is_a_plain_crmlab_call_and_choices_weigh_little(stem):
    lab = parse(stem)
    assert 7 <= len(lab.questions) <= 10 and 9 <= lab.total_points <= 11
    for q in lab.questions:
        if q.compare in ("choice", "bool"):
            assert q.points <= 1 and q.selfcheck == "format", q.id
    assert any(q.compare == "manual" for q in lab.questions)


# --------------------------------------------------------------------------------------------
# lab 05: the survey


def test_lab05_paper_stack_by_hand():
    """The stack's rules worked out by hand: A03 blank; the second A02 a duplicate; A05 out of
    range (satisfaction 6); A06, A08, A11 miss a required answer; A09 unreadable ("四")."""
    ns = answers(LABS["lab05"], "public")
    assert ns["a11_status"] == "B"
    assert sorted(ns["stack_valid"]) == ["A01", "A02", "A04", "A10", "A12", "A13", "A14"]
    # satisfaction of the valid ones 4 5 3 3 4 5 2 → 4 of 7; recommend 9 10 7 6 9 10 4 → (4 − 2) / 7
    assert ns["stack_csat"] == pytest.approx(400 / 7)
    assert ns["stack_nps"] == pytest.approx(200 / 7)


def test_lab05_the_stack_agrees_with_validate():
    """crmlab's validate, given a codebook for the stack's four questions, rejects the same ones."""
    from crmlab.survey import Codebook

    ns = answers(LABS["lab05"], "public")
    codebook = Codebook.from_dict({
        "title": "stack", "id_column": "questionnaire_no",
        "scales": {"s5": {"min": 1, "max": 5}, "r11": {"min": 0, "max": 10}},
        "questions": [
            {"id": "gender", "number": 1, "text": "性别", "type": "single", "options": {1: "男", 2: "女"},
             "required": True},
            {"id": "satisfaction", "number": 2, "text": "满意", "type": "likert", "scale": "s5", "required": True},
            {"id": "recommend", "number": 3, "text": "推荐", "type": "likert", "scale": "r11", "required": True},
            {"id": "comment", "number": 4, "text": "意见", "type": "text"},
        ]})
    checked = validate_stack(ns["stack"], codebook)
    assert sorted(checked.valid["questionnaire_no"]) == sorted(ns["stack_valid"])
    numbers = ns["stack"]["questionnaire_no"].tolist()
    numbers[6] = "A02 copy"   # the second questionnaire numbered A02 (row 6)
    reasons = {numbers[row]: reason for row, reason in zip(checked.rejected["row"], checked.rejected["reason"])}
    assert reasons == {"A03": "blank", "A02 copy": "duplicate_number", "A05": "out_of_range",
                       "A06": "missing_required", "A08": "missing_required", "A09": "unreadable",
                       "A11": "missing_required"}


def validate_stack(stack: pd.DataFrame, codebook):
    from crmlab.survey import validate

    return validate(stack, codebook)


def test_lab05_nps_function_against_crmlab():
    from crmlab.survey import nps

    ns = answers(LABS["lab05"], "public")
    for scores in ([10, 9, 7, 3], [10, 9, 8, 7, 6, 5], [10, 10, 10, None, 0], [7, 8, 8, 7],
                   [0, 1, 2, 9, float("nan"), 6, 9, 10, 3]):
        assert ns["nps_by_hand"](scores) == pytest.approx(nps(pd.Series(scores, dtype="float64")).nps)
    assert ns["nps_by_hand"]([10, 9, 7, 3]) == 25.0


def test_lab05_data_answers_against_crmlab(data):
    from crmlab.survey import course_codebook, csat, nps, servqual_gaps, tally, validate

    ns = answers(LABS["lab05"], data)
    codebook = course_codebook()
    valid = ns["valid"]
    # Q5: the group tally is crmlab's tally by group without the "no answer" and zero rows
    reference = tally(valid, "occupation", codebook, by="group")
    reference = reference[reference["code"].notna() & (reference["count"] > 0)]
    mine = ns["group_tally"].astype({"code": int}).sort_values(["group", "code"]).reset_index(drop=True)
    reference = reference.astype({"code": int}).sort_values(["group", "code"]).reset_index(drop=True)
    assert mine["count"].tolist() == reference["count"].tolist()
    np.testing.assert_allclose(mine["percent"], reference["percent"], rtol=1e-9)
    # Q6: CSAT and NPS of the 45+ respondents
    older = valid[valid["age_band"] >= 4]
    assert ns["csat_45"] == pytest.approx(csat(older["satisfaction"]).csat)
    assert ns["nps_45"] == pytest.approx(nps(older["recommend"]).nps)
    # Q7: the empathy gap of 宏图快递
    gaps = servqual_gaps(valid, codebook, level="dimension", by="company").set_index(["company", "dimension"])
    assert ns["gap_emp"] == pytest.approx(gaps.loc[("宏图快递", "empathy"), "gap"])
    assert ns["ratio_emp"] == pytest.approx(gaps.loc[("宏图快递", "empathy"), "ratio"])
    # Q8: the stricter duplicate rule predicted by hand = validate(duplicates="reject_all")
    strict = validate(ns["responses"], codebook, duplicates="reject_all").valid
    assert ns["valid_strict"] == len(strict) < len(valid)
    assert ns["csat_strict"] == pytest.approx(csat(strict["satisfaction"]).csat)


# --------------------------------------------------------------------------------------------
# lab 06: loyalty and churn


def test_lab06_by_hand_answers_against_crmlab(data):
    from sklearn.metrics import roc_auc_score

    from crmlab import loyalty
    from crmlab.datasets import load_dataset

    ns = answers(LABS["lab06"], data)
    tx = load_dataset("retail_transactions")
    states = ["active", "at_risk", "churned"]
    # Q2: the dormancy rule (1 and 3 calendar months) as of 2025-09-01
    labels = loyalty.churn_labels(tx, as_of="2025-09-01")
    assert ns["state_counts"].reindex(states).tolist() == labels["state"].value_counts().reindex(states).tolist()
    # Q3: the 6-month line keeps out of "churned" exactly the members churned at 3 but not at 6 months
    longer = loyalty.churn_labels(tx, as_of="2025-09-01", at_risk_months=2, churned_months=6)
    both = labels.merge(longer, on="customer_id", suffixes=("_3", "_6"))
    assert ns["saved_by_6m"] == int(((both["state_3"] == "churned") & (both["state_6"] != "churned")).sum()) > 0
    # Q5: the YoY rule as of 2025-07-01
    yoy = loyalty.churn_labels(tx, as_of="2025-07-01", method="yoy")
    assert ns["yoy_counts"].reindex(states).tolist() == yoy["state"].value_counts().reindex(states).tolist()
    # Q6: YoY-churned members with a purchase from July 2025 on (computed from crmlab's labels)
    churned = set(yoy.loc[yoy["state"] == "churned", "customer_id"])
    later = tx[(tx["date"] >= "2025-07-01") & (tx["amount"] > 0)]
    assert ns["came_back"] == len(churned & set(later["customer_id"].dropna())) > 0
    # Q8: the recency baseline on crmlab's churn data set
    X, y = loyalty.churn_dataset(tx, as_of="2025-07-01", horizon_days=90,
                                 customers=load_dataset("retail_members"))
    assert ns["baseline_auc"] == pytest.approx(roc_auc_score(y, X["recency"]))
    # Q9: the win-back list with the manager's return probabilities
    p_return = labels.set_index("customer_id")["state"].astype(str).map({"at_risk": 0.35, "churned": 0.08})
    winback = loyalty.winback_list(tx, as_of="2025-09-01", return_probability=p_return.dropna())
    mine = ns["winback_top5"]
    assert mine["customer_id"].tolist() == winback["customer_id"].head(5).tolist()
    np.testing.assert_allclose(mine["expected_value"], winback["expected_value"].head(5), rtol=1e-9)


def test_lab06_quarterly_churn_rate_by_sets(data):
    """Q4 recomputed another way: members with purchases per quarter (inclusive day bounds)."""
    from crmlab.datasets import load_dataset

    ns = answers(LABS["lab06"], data)
    tx = load_dataset("retail_transactions")
    tx = tx[tx["customer_id"].notna() & (tx["amount"] > 0)]
    q1 = tx[(tx["date"] >= "2025-01-01") & (tx["date"] <= "2025-03-31")].groupby("customer_id").size()
    q2 = tx[(tx["date"] >= "2025-04-01") & (tx["date"] <= "2025-06-30")].groupby("customer_id").size()
    lost = q1.index.difference(q2.index)
    assert ns["churn_rate_q2"] == pytest.approx(100 * len(lost) / len(q1))
    assert ns["churn_rate_q2"] + ns["retention_q2"] == pytest.approx(100)


def test_lab06_the_fixed_answers():
    ns = answers(LABS["lab06"], "public")
    assert ns["loyalty_measure"] == "B" and ns["honest"] is False


# --------------------------------------------------------------------------------------------
# lab 07: customer information quality


def test_lab07_quality_measures_against_crmlab(data):
    from crmlab import quality
    from crmlab.datasets import load_dataset

    ns = answers(LABS["lab07"], data)
    master = load_dataset("customer_master")
    # Q2: completeness of contact_person per source system = quality_score on each part
    for system, part in master.groupby("source_system", observed=True):
        score = quality.quality_score(part, columns=["contact_person"]).set_index("column")
        assert ns["contact_completeness"][str(system)] == pytest.approx(score.loc["contact_person", "completeness"])
    # Q3: uniqueness of the phone as typed and normalised
    raw = quality.quality_score(master, columns=["phone"], unique=["phone"]).set_index("column")
    normalised = master.assign(phone=master["phone"].map(quality.normalize_phone))
    norm = quality.quality_score(normalised, columns=["phone"], unique=["phone"]).set_index("column")
    assert ns["phone_unique_raw"] == pytest.approx(raw.loc["phone", "uniqueness"])
    assert ns["phone_unique_norm"] == pytest.approx(norm.loc["phone", "uniqueness"])
    assert ns["phone_unique_norm"] < ns["phone_unique_raw"]
    # Q7: precision, recall and F1 counted by hand = evaluate_duplicates
    scores = quality.evaluate_duplicates(quality.find_duplicates(master, threshold=0.75),
                                         load_dataset("customer_master_truth"))
    assert ns["precision_75"] == pytest.approx(scores["precision"])
    assert ns["recall_75"] == pytest.approx(scores["recall"])
    assert ns["f1_75"] == pytest.approx(scores["f1"])


def test_lab07_first_time_buyers_against_crmlab(data):
    from crmlab.customers import first_time_buyers
    from crmlab.datasets import load_dataset

    ns = answers(LABS["lab07"], data)
    tx = load_dataset("retail_transactions")
    new = first_time_buyers(tx, period="2025-05")
    assert ns["new_in_may"] == len(new) > 0
    later = tx[tx["customer_id"].isin(new["customer_id"]) & (tx["amount"] > 0) & (tx["date"] < "2025-07-01")]
    first = new.set_index("customer_id")["first_purchase"]
    returned = later.loc[later["date"] > later["customer_id"].map(first), "customer_id"].nunique()
    assert ns["repeat_pct"] == pytest.approx(100 * returned / len(new))


def test_lab07_golden_record_and_names_against_crmlab():
    from crmlab import quality

    ns = answers(LABS["lab07"], "public")
    firm = ns["firm"]
    rules = {"phone": "most_recent", "address": "most_complete", "credit_code": "most_complete"}
    golden = quality.golden_record(firm, pd.Series(["k"] * len(firm)), rules).iloc[0]
    assert (ns["golden_phone"], ns["golden_address"], ns["golden_code"]) == \
        (golden["phone"], golden["address"], golden["credit_code"])
    # worked by hand: r3 is the most recent with a phone; r1 has the most fields (6) but no code,
    # the next by completeness and recency with a code is r2
    assert (ns["golden_phone"], ns["golden_address"], ns["golden_code"]) == \
        ("0351-7654321", "太原市长风街1号", "91140100MA0K5RQ70Y")
    assert quality.valid_credit_code(ns["golden_code"])
    strip = ns["strip_legal_form"]
    for name, expected in [("山西煤业集团有限公司", "山西煤业"), ("山西煤产品总公司", "山西煤产品"),
                           # 有限公司 is the whole name, but 公司 is not: it is stripped
                           ("有限公司", "有限"), ("太原集团公司", "太原"), ("集团有限公司", "集团")]:
        assert strip(name) == expected
    assert (ns["dimension"], ns["worse_error"]) == ("D", "A")


def test_lab07_the_model_false_merge_is_one():
    ns = answers(LABS["lab07"], "public")
    truth = ns["truth"].set_index("record_id")["entity_id"]
    clusters = ns["clusters_75"].set_index("record_id")["cluster_id"]
    first, second = ns["shown"]["record_id"].iloc[:2]
    assert clusters[first] == clusters[second] and truth[first] != truth[second]


# --------------------------------------------------------------------------------------------
# lab 08: CRM in marketing, sales and service


def test_lab08_rule_metrics_against_crmlab_basket():
    from crmlab import basket

    ns = answers(LABS["lab08"], "public")
    assert ns["rule_metrics"]([["a", "b"], ["a"], ["b"]], "a", "b") == pytest.approx([1 / 3, 0.5, 0.75])
    tiny = [["剃须刀", "纸尿裤", "啤酒"], ["纸尿裤", "牛奶"], ["剃须刀", "纸尿裤"], ["牛奶", "面包"],
            ["剃须刀", "纸尿裤", "牛奶"], ["面包"], ["牛奶", "纸尿裤", "纸尿裤"], ["面包", "牛奶"]]
    rules = basket.association_rules(tiny, min_support=0.1, min_confidence=0.1)
    for _, rule in rules[(rules["antecedents"].map(len) == 1) & (rules["consequents"].map(len) == 1)].iterrows():
        got = ns["rule_metrics"](tiny, rule["antecedents"][0], rule["consequents"][0])
        assert got == pytest.approx([rule["support"], rule["confidence"], rule["lift"]])


def test_lab08_data_answers_against_crmlab(data):
    from crmlab import basket, sales, service
    from crmlab.datasets import load_dataset

    ns = answers(LABS["lab08"], data)
    opps, campaigns = load_dataset("sales_opportunities"), load_dataset("campaigns")
    tickets = load_dataset("service_tickets")
    # Q2: win rate per owner of the deals created in 2024
    rates = sales.win_rate(opps[opps["created"].dt.year == 2024], by="owner")
    rates = rates.set_index(rates["owner"].astype(str))["win_rate"]
    mine = ns["win_rate_2024"]
    assert sorted(mine.index) == sorted(rates.index)
    np.testing.assert_allclose(mine.sort_index(), rates.sort_index(), rtol=1e-12)
    # Q4: the category rule 母婴用品 → 个人护理 from crmlab.basket
    lines = load_dataset("retail_transactions").merge(load_dataset("retail_products")[["product_id", "category"]],
                                                      on="product_id", suffixes=("_tx", ""))
    baskets = basket.baskets_from_transactions(lines, basket="receipt_id", item="category", quantity="quantity")
    rules = basket.association_rules(baskets, min_support=0.005, min_confidence=0.01)
    rule = rules[(rules["antecedents"] == ("母婴用品",)) & (rules["consequents"] == ("个人护理",))].iloc[0]
    assert (ns["support_bc"], ns["confidence_bc"], ns["lift_bc"]) == pytest.approx(
        (rule["support"], rule["confidence"], rule["lift"]))
    # Q5: the telesales channel's return at a 25 % margin from campaign_roi
    roi = sales.campaign_roi(campaigns, opps, gross_margin=0.25)
    phone = roi[roi["channel"] == "电话营销"]
    assert ns["response_rate_phone"] == pytest.approx(
        phone["responses"].sum() / campaigns.loc[campaigns["channel"] == "电话营销", "contacts"].sum())
    assert ns["roi_phone_25"] == pytest.approx((0.25 * phone["revenue"].sum() - phone["cost"].sum())
                                               / phone["cost"].sum())
    # Q6: the vital few of the e-mail tickets
    pareto = service.complaint_pareto(tickets[tickets["channel"] == "邮件"])
    assert sorted(ns["vital_email"]) == sorted(pareto.loc[pareto["vital_few"], "category"])
    assert ns["vital_email_share"] == pytest.approx(pareto.loc[pareto["vital_few"], "share"].sum())
    # Q7: escalation with the vice-president at more than 1 × the window
    stricter = pd.DataFrame({"level": [1, 2, 3], "overdue_ratio": [0.0, 0.5, 1.0],
                             "notify": ["team lead", "service manager", "vice president"]})
    escalated = service.escalate(tickets, as_of="2025-12-31 23:59:59", rules=stricter)
    default = service.escalate(tickets, as_of="2025-12-31 23:59:59")
    assert ns["vp_tickets"] == int((escalated["escalation_level"] == 3).sum()) > \
        int((default["escalation_level"] == 3).sum())


def test_lab08_forecast_by_counting_decided_deals(data):
    """Q8 recomputed without the funnel: for each open deal, the share of decided deals that
    reached its stage (or a later one) and were won."""
    from crmlab.datasets import load_dataset

    ns = answers(LABS["lab08"], data)
    opps = load_dataset("sales_opportunities")
    order = {"lead": 0, "qualified": 1, "proposal": 2, "negotiation": 3, "won": 4}
    decided = opps[opps["stage"].isin(["won", "lost"])]
    reached = decided["stage_reached"].astype(str).map(order)
    expected = 0.0
    for _, deal in opps[~opps["stage"].isin(["won", "lost"])].iterrows():
        at_least = decided[reached >= order[str(deal["stage_reached"])]]
        expected += deal["amount"] * (at_least["stage"] == "won").mean()
    assert ns["forecast_open"] == pytest.approx(expected) and expected > 0


def test_lab08_the_fixed_answer():
    assert answers(LABS["lab08"], "public")["budget_measure"] == "D"
