"""Generator of the satisfaction-survey tables (training 3, 客户满意度调研训练).

Story: one class of 40 students in 8 groups of 5; each group surveys the customers of one
logistics firm, each student collects 9–11 paper questionnaires (SERVQUAL expectation and
perception items, overall satisfaction, 0–10 recommendation, importance of each dimension,
services used, a comment, background). The entries are typed in by the students, so some
questionnaires are blank (白卷) or invalid (废卷); the true reason is kept in
``survey_answer_key`` so that validation can be checked against it.

The questions come from ``datasets/survey_codebook.yaml``. ``scale=k`` makes ``k`` classes
(rounded, at least one), generated in batches so a large scale streams.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from crmlab.datasets._spec import TableSpec

COMPANIES = ("顺达物流", "迅通快运", "安运物流", "捷安速递", "华货供应链", "通达冷链", "远航货运", "宏图快递")
DIMENSIONS = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
# Company quality relative to the average, per dimension (points on the 5-point scale):
# 捷安速递 is the best firm, 远航货运 the weakest; everybody is good at tangibles and weakest at
# responsiveness (complaint handling) and reliability (keeping promises).
_QUALITY = np.array([
    [0.3, 0.1, -0.1, 0.2, 0.0],
    [0.2, -0.3, -0.4, 0.0, -0.2],
    [0.4, 0.0, -0.2, 0.1, 0.1],
    [0.5, 0.6, 0.4, 0.5, 0.4],
    [0.3, -0.1, -0.3, 0.1, -0.1],
    [0.4, 0.2, 0.0, 0.2, 0.2],
    [0.0, -0.7, -0.8, -0.4, -0.5],
    [0.2, -0.2, -0.2, 0.0, 0.0],
])
# Mean answers before company effects, per dimension.
_EXPECT = np.array([3.9, 4.6, 4.4, 4.3, 4.0])
_PERCEIVE = np.array([4.0, 3.6, 3.3, 3.8, 3.5])
_IMPORTANCE = np.array([3.3, 4.6, 4.3, 4.0, 3.6])

_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘")
_GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超",
          "秀英", "霞", "平", "刚", "桂英", "浩然", "子涵", "欣怡", "梓轩", "雨桐", "宇航", "思彤",
          "俊杰", "佳怡", "博文"]
_COMMENTS = {
    "reliability": ["上次货物晚到了两天，希望能准时。", "收费和报价不一致，多收了费用。", "有一箱货物破损了。"],
    "responsiveness": ["投诉之后一周都没人回复。", "客服电话总是打不通。", "跟踪信息很久才更新。"],
    "assurance": ["司机态度不太好。", "希望能提供保价服务。"],
    "empathy": ["取件时间不够灵活，周末不能取件。", "希望能根据我们的需要安排送货。"],
    "tangibles": ["车辆比较旧。", "单据填写不清楚。"],
    "good": ["服务很好，继续保持！", "总体满意，价格合理。", "送货很快，点赞。"],
}

_ADMIN = {"entry_id": "int", "questionnaire_no": "str", "class": "category", "group": "int",
          "collector": "str", "company": "category", "survey_date": "date"}

# The question columns, in the order of the codebook (kept here so the spec does not need to
# read the YAML file at import time; a test checks they agree with the codebook).
_E_ITEMS = ["e_tan1", "e_tan2", "e_rel1", "e_rel2", "e_rel3", "e_res1", "e_res2", "e_res3",
            "e_ass1", "e_ass2", "e_emp1", "e_emp2", "e_emp3"]
_P_ITEMS = ["p" + c[1:] for c in _E_ITEMS]
_ITEM_DIM = np.array([0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4])
_REVERSE = np.array([False] * 12 + [True])
_IMP_ITEMS = ["imp_tan", "imp_rel", "imp_res", "imp_ass", "imp_emp"]
QUESTION_COLUMNS = {
    **{c: "int" for c in _E_ITEMS + _P_ITEMS}, "satisfaction": "int", "recommend": "int",
    **{c: "int" for c in _IMP_ITEMS}, "services": "str", "comment": "str", "gender": "int",
    "age_band": "int", "occupation": "int", "frequency": "int", "years_customer": "int",
}
_REQUIRED = _E_ITEMS + _P_ITEMS + ["satisfaction", "recommend", *_IMP_ITEMS, "gender", "age_band"]

TABLES = [
    TableSpec(
        "survey_responses",
        "One questionnaire as typed in by the student who collected it (satisfaction survey of "
        "logistics firms, SERVQUAL items), blank and invalid ones included.",
        columns={**_ADMIN, **QUESTION_COLUMNS},
        primary_key=("entry_id",),
    ),
    TableSpec(
        "survey_answer_key",
        "For each entered questionnaire: valid, blank (白卷) or invalid (废卷), and the true "
        "reason it must be rejected.",
        columns={"entry_id": "int", "questionnaire_no": "str", "status": "category",
                 "reason": "str", "detail": "str"},
        primary_key=("entry_id",),
        foreign_keys={"entry_id": "survey_responses.entry_id"},
    ),
]

#: Planted rejections per class: reason -> how many.
PLANTED = {"blank": 5, "out_of_range": 5, "missing_required": 5, "straight_lining": 4,
           "duplicate_number": 3}
_CLASSES_PER_BATCH = 100


def generate(seed: int, scale: float = 1.0) -> Iterator[tuple[str, pd.DataFrame]]:
    """Yield ``("survey_responses", chunk)`` and ``("survey_answer_key", chunk)`` pairs."""
    rng = np.random.default_rng(seed)
    n_classes = max(1, int(round(scale)))
    next_entry = 1
    for start in range(0, n_classes, _CLASSES_PER_BATCH):
        stop = min(n_classes, start + _CLASSES_PER_BATCH)
        frames, keys = [], []
        for class_index in range(start, stop):
            responses, key = _one_class(rng, class_index, next_entry)
            next_entry += len(responses)
            frames.append(responses)
            keys.append(key)
        yield "survey_responses", pd.concat(frames, ignore_index=True)
        yield "survey_answer_key", pd.concat(keys, ignore_index=True)


def _class_name(index: int) -> str:
    return f"物流{23 + index // 99:02d}{index % 99 + 1:02d}"


def _one_class(rng: np.random.Generator, class_index: int, first_entry: int):
    class_name = _class_name(class_index)
    names = _student_names(rng, 40)
    per_student = rng.integers(9, 12, size=40)
    n = int(per_student.sum())
    student = np.repeat(np.arange(40), per_student)
    group = student // 5 + 1
    seq = np.concatenate([np.arange(1, k + 1) for k in per_student])
    company_of_group = rng.permutation(len(COMPANIES))
    company = company_of_group[group - 1]
    numbers = np.array([f"{class_name[-4:]}-{g}-{s % 5 + 1}-{q:02d}"
                        for g, s, q in zip(group, student, seq)], dtype=object)
    day = np.datetime64("2025-11-03") + (group - 1) % 4 * 2 + rng.integers(0, 7, size=n)

    answers = _valid_answers(rng, company)
    frame = pd.DataFrame({
        "questionnaire_no": numbers, "class": class_name, "group": group,
        "collector": np.array(names, dtype=object)[student],
        "company": np.array(COMPANIES, dtype=object)[company], "survey_date": day,
        **answers,
    })
    status = np.array(["valid"] * n, dtype=object)
    reason = np.array([""] * n, dtype=object)
    detail = np.array([""] * n, dtype=object)
    chosen = rng.choice(n, size=sum(PLANTED.values()) - PLANTED["duplicate_number"], replace=False)
    cursor = 0
    for why, count in PLANTED.items():
        if why == "duplicate_number":
            continue
        for row in chosen[cursor:cursor + count]:
            detail[row] = _corrupt(rng, frame, row, why)
            status[row] = "blank" if why == "blank" else "invalid"
            reason[row] = why
        cursor += count
    frame["status"], frame["reason"], frame["detail"] = status, reason, detail

    # Duplicates: a valid questionnaire typed in twice (two), and one whose number was copied
    # onto a different questionnaire of the same collector (one). The later entry is rejected.
    valid_rows = np.flatnonzero(status == "valid")
    originals = rng.choice(valid_rows, size=PLANTED["duplicate_number"], replace=False)
    extra = []
    for k, row in enumerate(sorted(originals)):
        if k < PLANTED["duplicate_number"] - 1:
            copy = frame.iloc[[row]].copy()
            copy["detail"] = f"the same questionnaire {frame.at[row, 'questionnaire_no']} typed in twice"
        else:
            copy = pd.DataFrame(_valid_answers(rng, company[[row]]))
            for c in ("questionnaire_no", "class", "group", "collector", "company", "survey_date"):
                copy[c] = frame.at[row, c]
            copy["detail"] = (f"another questionnaire numbered {frame.at[row, 'questionnaire_no']}"
                              " (number written twice)")
        copy["status"], copy["reason"] = "invalid", "duplicate_number"
        copy["_after"] = row + 0.5 + rng.integers(1, 4)  # entered a few rows later
        extra.append(copy)
    frame["_after"] = np.arange(n, dtype=float)
    frame = pd.concat([frame, *extra], ignore_index=True).sort_values("_after", kind="stable")
    frame = frame.drop(columns="_after").reset_index(drop=True)
    frame.insert(0, "entry_id", np.arange(first_entry, first_entry + len(frame)))
    key = frame[["entry_id", "questionnaire_no", "status", "reason", "detail"]].copy()
    responses = frame.drop(columns=["status", "reason", "detail"])
    for column, kind in QUESTION_COLUMNS.items():
        if kind == "int":
            responses[column] = responses[column].astype("Int64")
    return responses, key


def _student_names(rng: np.random.Generator, count: int) -> list[str]:
    names: list[str] = []
    while len(names) < count:
        name = _SURNAMES[rng.integers(len(_SURNAMES))] + _GIVEN[rng.integers(len(_GIVEN))]
        if name not in names:
            names.append(name)
    return names


def _likert(values: np.ndarray, low: int = 1, high: int = 5) -> np.ndarray:
    return np.clip(np.rint(values), low, high).astype(float)


def _valid_answers(rng: np.random.Generator, company: np.ndarray) -> dict[str, np.ndarray]:
    """Answers of attentive respondents: no missing required answer, no straight-lining."""
    n = len(company)
    frequency = rng.choice([1, 2, 3, 4], size=n, p=[0.2, 0.3, 0.35, 0.15])
    # Frequent users are more satisfied (the planted association for the crosstab lesson).
    attitude = rng.normal(0, 1, n) + 0.45 * (2.5 - frequency)
    e_dim = _EXPECT[_ITEM_DIM]
    expectation = _likert(e_dim + 0.3 * rng.normal(0, 1, (n, 1)) + rng.normal(0, 0.55, (n, 13)))
    quality = _QUALITY[company][:, _ITEM_DIM]
    perception = _likert(_PERCEIVE[_ITEM_DIM] + quality + 0.55 * attitude[:, None]
                         + rng.normal(0, 0.6, (n, 13)))
    for block in (expectation, perception):
        _break_straight_lines(rng, block)
    importance = _likert(_IMPORTANCE + rng.normal(0, 0.6, (n, 5)))
    performance = perception.mean(axis=1)
    satisfaction_latent = 3.5 + 1.1 * (performance - 3.6) + rng.normal(0, 0.45, n)
    satisfaction = _likert(satisfaction_latent)
    recommend = _likert(7.2 + 2.4 * (satisfaction_latent - 3.6) + rng.normal(0, 1.2, n), 0, 10)
    raw_e = np.where(_REVERSE, 6 - expectation, expectation)
    raw_p = np.where(_REVERSE, 6 - perception, perception)
    out: dict[str, np.ndarray] = {}
    for j, col in enumerate(_E_ITEMS):
        out[col] = raw_e[:, j]
    for j, col in enumerate(_P_ITEMS):
        out[col] = raw_p[:, j]
    out["satisfaction"] = satisfaction
    out["recommend"] = recommend
    for j, col in enumerate(_IMP_ITEMS):
        out[col] = importance[:, j]
    out["services"] = _services(rng, n)
    out["comment"] = _comments(rng, perception, performance)
    out["gender"] = rng.choice([1.0, 2.0], size=n, p=[0.56, 0.44])
    out["age_band"] = rng.choice([1.0, 2.0, 3.0, 4.0, 5.0], size=n, p=[0.12, 0.34, 0.30, 0.17, 0.07])
    occupation = rng.choice([1.0, 2.0, 3.0, 4.0], size=n, p=[0.35, 0.30, 0.28, 0.07])
    out["occupation"] = np.where(rng.random(n) < 0.05, np.nan, occupation)
    out["frequency"] = frequency.astype(float)
    years = np.minimum(rng.geometric(0.25, n) - 1, 20).astype(float)
    out["years_customer"] = np.where(rng.random(n) < 0.1, np.nan, years)
    return out


def _break_straight_lines(rng: np.random.Generator, block: np.ndarray) -> None:
    """An attentive respondent never gives one answer to all 13 items: nudge one item."""
    flat = np.flatnonzero((block == block[:, :1]).all(axis=1))
    for row in flat:
        j = rng.integers(0, 12)
        block[row, j] += -1 if block[row, j] > 1 else 1
    # The reverse-coded item is stored as 6 - x: a block of identical *raw* answers would need
    # x_13 = 6 - x; nudge those too so that valid rows never look straight-lined.
    raw = np.where(_REVERSE, 6 - block, block)
    for row in np.flatnonzero((raw == raw[:, :1]).all(axis=1)):
        block[row, 0] += -1 if block[row, 0] > 1 else 1


def _services(rng: np.random.Generator, n: int) -> np.ndarray:
    weights = np.array([0.45, 0.7, 0.3, 0.2, 0.15, 0.05])
    picks = rng.random((n, 6)) < weights
    none = ~picks.any(axis=1)
    picks[none, 1] = True
    texts = np.array([";".join(str(j + 1) for j in np.flatnonzero(r)) for r in picks], dtype=object)
    texts[rng.random(n) < 0.06] = None
    return texts


def _comments(rng: np.random.Generator, perception: np.ndarray, performance: np.ndarray) -> np.ndarray:
    dim_means = np.stack([perception[:, _ITEM_DIM == d].mean(axis=1) for d in range(5)], axis=1)
    weakest = dim_means.argmin(axis=1)
    out = np.empty(len(performance), dtype=object)
    writes = rng.random(len(performance)) < 0.4
    for i in np.flatnonzero(writes):
        pool = _COMMENTS["good"] if performance[i] >= 4.2 else _COMMENTS[DIMENSIONS[weakest[i]]]
        out[i] = pool[rng.integers(len(pool))]
    return out


def _corrupt(rng: np.random.Generator, frame: pd.DataFrame, row: int, why: str) -> str:
    """Make questionnaire ``row`` blank or invalid for reason ``why``; return the detail."""
    questions = list(QUESTION_COLUMNS)
    if why == "blank":
        for c in questions:
            frame.at[row, c] = None if QUESTION_COLUMNS[c] == "str" else np.nan
        return "no question answered"
    if why == "out_of_range":
        kind = rng.integers(0, 4)
        if kind == 0:
            col, value = _P_ITEMS[rng.integers(13)], 6.0
        elif kind == 1:
            col, value = _E_ITEMS[rng.integers(13)], 0.0
        elif kind == 2:
            col, value = "recommend", 11.0
        else:
            col, value = "gender", 3.0
        frame.at[row, col] = value
        return f"{col} = {int(value)}"
    if why == "missing_required":
        cols = list(rng.choice(_REQUIRED, size=int(rng.integers(1, 4)), replace=False))
        for c in cols:
            frame.at[row, c] = np.nan
        return "no answer to " + ", ".join(sorted(cols, key=_REQUIRED.index))
    if why == "straight_lining":
        value = float(rng.choice([3, 4, 5]))
        for c in _P_ITEMS:
            frame.at[row, c] = value
        return f"every perception item answered {int(value)}"
    raise ValueError(why)
