"""Survey-platform quality checks: speeders, repeated IPs, the straight-lining middle rule and
keep_first with a rejected first copy; every outcome checked against the answer key."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmlab.survey import Codebook, read_responses, validate
from crmlab.survey.validation import seconds_taken

HERE = Path(__file__).parent / "data" / "survey" / "platforms"
CB = Codebook.from_yaml(HERE / "codebook.yaml")
KEY = pd.read_csv(HERE / "answer_key.csv")


@pytest.mark.parametrize("name, has_ip", [("wjx_text_gbk.csv", True), ("wjx_number.xlsx", True),
                                          ("qualtrics_numeric.csv", True),
                                          ("tencent_utf8.csv", False)])
def test_outcomes_match_the_answer_key(name, has_ip):
    r = validate(read_responses(HERE / name, CB), CB)
    expected = KEY["expected"].where(has_ip | (KEY["expected"] != "repeated_ip"), "valid")
    got = pd.Series("valid", index=range(len(KEY)), dtype=object)
    positions = r.rejected["row"].map(lambda row: list(r.valid.index.union(r.rejected["row"])).index(row))
    got[positions.to_numpy()] = r.rejected["reason"].to_numpy()
    assert got.tolist() == expected.tolist()
    assert r.received == len(r.valid) + len(r.rejected)


def test_speeder_limit_is_a_third_of_the_median_of_non_blank_questionnaires():
    df = read_responses(HERE / "wjx_text_gbk.csv", CB)
    median = KEY.loc[KEY["expected"] != "blank", "seconds"].median()
    r = validate(df, CB)
    detail = r.rejected.set_index("reason").loc["speeder", "detail"]
    assert f"25 s < {0.3333 * median:.0f} s" in detail
    assert (KEY["seconds"] < 0.3333 * median).sum() == 1  # only the planted speeder


def test_quality_checks_can_be_turned_off_or_set(tmp_path):
    text = (HERE / "codebook.yaml").read_text(encoding="utf-8")
    off = text.replace("speeders: {fraction_of_median: 0.3333}", "speeders: false") \
              .replace("repeated_ip: {enabled: true}", "repeated_ip: {enabled: false}")
    (tmp_path / "off.yaml").write_text(off, encoding="utf-8")
    cb = Codebook.from_yaml(tmp_path / "off.yaml")
    r = validate(read_responses(HERE / "wjx_text_gbk.csv", cb), cb)
    assert sorted(r.rejected["reason"]) == ["blank", "straight_lining"]
    strict = text.replace("speeders: {fraction_of_median: 0.3333}", "speeders: {min_seconds: 200}")
    (tmp_path / "strict.yaml").write_text(strict, encoding="utf-8")
    cb = Codebook.from_yaml(tmp_path / "strict.yaml")
    r = validate(read_responses(HERE / "wjx_text_gbk.csv", cb), cb)
    slow_enough = KEY["seconds"] >= 200
    assert int((r.rejected["reason"] == "speeder").sum()) == int(
        (~slow_enough & (KEY["expected"] != "blank")).sum())


def test_all_middle_is_kept_unless_the_rule_says_reject(tmp_path):
    r = validate(read_responses(HERE / "wjx_text_gbk.csv", CB), CB)
    assert "20" in r.valid["questionnaire_no"].tolist()  # 一般 everywhere, kept
    text = (HERE / "codebook.yaml").read_text(encoding="utf-8").replace(
        "{block: attitudes, min_items: 4}", "{block: attitudes, min_items: 4, middle: reject}")
    (tmp_path / "cb.yaml").write_text(text, encoding="utf-8")
    cb = Codebook.from_yaml(tmp_path / "cb.yaml")
    r = validate(read_responses(HERE / "wjx_text_gbk.csv", cb), cb)
    assert r.rejected.set_index("questionnaire_no").loc["20", "reason"] == "straight_lining"


def test_keep_first_keeps_the_later_valid_copy_when_the_first_was_rejected():
    cb = Codebook.from_dict({"title": "t", "id_column": "no", "questions": [
        {"id": "q", "text": "?", "type": "single", "options": {1: "是", 2: "否"}}]})
    df = pd.DataFrame({"no": ["7", "7", "7", "8"], "q": [5, 1, 2, 1]}, index=[2, 3, 4, 5])
    r = validate(df, cb)
    assert r.rejected[["row", "reason"]].values.tolist() == [[2, "out_of_range"],
                                                             [4, "duplicate_number"]]
    assert r.rejected["detail"].iloc[1].startswith("no = 7, first used on row 3")
    assert r.valid.index.tolist() == [3, 5]
    every = validate(df, cb, duplicates="reject_all")
    assert every.rejected["row"].tolist() == [2, 3, 4]


def test_seconds_taken_formats():
    got = seconds_taken(pd.Series(["3分22秒", "202秒", "202", "1小时0分5秒", "", "abc"]))
    np.testing.assert_array_equal(got, [202, 202, 202, 3605, np.nan, np.nan])
