"""`crmlab survey codebook draft`: a starting codebook from an export, usable as it is."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmlab.cli import main
from crmlab.survey import Codebook, read_responses
from crmlab.survey.draft import draft_codebook

HERE = Path(__file__).parent / "data" / "survey" / "platforms"
KEY = pd.read_csv(HERE / "answer_key.csv", dtype={"channels": str})


def test_draft_of_a_wjx_text_export_guesses_every_type():
    data = draft_codebook(HERE / "wjx_text_gbk.csv")
    got = [(q["id"], q["number"], q["type"]) for q in data["questions"]]
    assert got == [("q1", 1, "single"), ("q2", 2, "single"), ("q3", 3, "number"),
                   ("q4", 4, "likert"), ("q5", 5, "likert"), ("q6", 6, "rating"),
                   ("q7", 7, "multiple"), ("q8", 8, "text")]
    q = {q["id"]: q for q in data["questions"]}
    assert q["q1"]["options"] == {1: "VIP会员", 2: "普通会员"}
    assert q["q4"]["text"] == "请对以下说法表明您的态度（单选）"
    assert [r["text"] for r in q["q4"]["rows"]] == ["店员服务态度好", "送货速度快", "价格合理",
                                                    "售后服务让人失望"]
    assert q["q4"]["scale"] == "agree5" and q["q5"]["scale"] == "satisfied5"
    assert q["q7"]["text"] == "您通常通过哪些渠道与我们联系？(可多选)"
    assert q["q7"]["options"] == {1: "门店", 2: "电话", 3: "微信", 4: "小程序", 5: "APP", 6: "其他"}
    assert data["id_column"] == "questionnaire_no"


@pytest.mark.parametrize("name", ["wjx_text_gbk.csv", "tencent_utf8.csv", "google_forms.csv",
                                  "qualtrics_choice_text.csv"])
def test_drafted_codebook_reads_its_export(tmp_path, name, capsys):
    out = tmp_path / "codebook.yaml"
    assert main(["survey", "codebook", "draft", str(HERE / name), "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    cb = Codebook.from_yaml(out)
    df = read_responses(HERE / name, cb).reset_index(drop=True)
    for k, row in enumerate(["att_staff", "att_speed", "att_price", "att_after"], start=1):
        np.testing.assert_array_equal(df[f"q4_{k}"].astype(float), KEY[row].astype(float))
    np.testing.assert_array_equal(df["q6"].astype(float), KEY["recommend"].astype(float))
    # the channel options keep the labels of the export, so ticks are counted per label
    labels = cb.question("q7").options
    ticked = df["q7"].fillna("").map(lambda c: sorted(labels[int(x)] for x in c.split(";") if x))
    names = {1: "门店", 2: "电话", 3: "微信", 4: "小程序", 5: "APP", 6: "其他"}
    expected = KEY["channels"].fillna("").map(lambda c: sorted(names[int(x)] for x in c.split(";") if x))
    if name == "google_forms.csv":  # Google writes the free “Other” text instead of 其他
        expected = expected.map(lambda t: sorted("朋友介绍" if x == "其他" else x for x in t))
    assert ticked.tolist() == expected.tolist()
