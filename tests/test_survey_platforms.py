"""Every platform export of tests/data/survey/platforms reads back to the same answer key."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmlab._checks import CrmlabInputError
from crmlab.survey import Codebook, read_responses, validate

HERE = Path(__file__).parent / "data" / "survey" / "platforms"
CB = Codebook.from_yaml(HERE / "codebook.yaml")
KEY = pd.read_csv(HERE / "answer_key.csv", dtype={"channels": str, "channels_other": str,
                                                   "advice": str})
CODED = ["member", "gender", "spend", "att_staff", "att_speed", "att_price", "att_after",
         "satisfaction", "recommend"]
EXPORTS = {  # file: (encoding label, platform, has the 其他 text, has an IP column)
    "wjx_text_gbk.csv": ("GB18030", "wjx", True),
    "wjx_text_joined_utf8bom.csv": ("UTF-8 with BOM", "wjx", True),
    "wjx_number_gb18030.csv": ("GB18030", "wjx", False),
    "wjx_number_utf8.csv": ("UTF-8", "wjx", False),
    "wjx_number.xlsx": ("Excel workbook", "wjx", False),
    "wjx_number_text_cells.xlsx": ("Excel workbook", "wjx", False),
    "tencent_utf8.csv": ("UTF-8 with BOM", "tencent", False),
    "qualtrics_numeric.csv": ("UTF-8", "qualtrics", True),
    "qualtrics_choice_text.csv": ("UTF-8", "qualtrics", True),
    "qualtrics_numeric_recode99.csv": ("UTF-8", "qualtrics", True),
    "google_forms.csv": ("UTF-8", "google", True),
}


def check_against_key(df: pd.DataFrame, other: bool) -> None:
    got = df.reset_index(drop=True)
    for column in CODED:
        np.testing.assert_array_equal(got[column].astype(float).to_numpy(),
                                      KEY[column].astype(float).to_numpy(), err_msg=column)
    assert got["channels"].fillna("").tolist() == KEY["channels"].fillna("").tolist()
    assert got["advice"].fillna("").tolist() == KEY["advice"].fillna("").tolist()
    if other:
        assert got["channels_other"].fillna("").tolist() == KEY["channels_other"].fillna("").tolist()


@pytest.mark.parametrize("name", list(EXPORTS))
@pytest.mark.parametrize("codebook", ["codebook.yaml", "codebook_rows_as_questions.yaml"])
def test_every_export_reads_back_to_the_answer_key(name, codebook):
    encoding, platform, other = EXPORTS[name]
    df = read_responses(HERE / name, Codebook.from_yaml(HERE / codebook))
    assert df.attrs["encoding"] == encoding
    assert df.attrs["platform"] == platform
    check_against_key(df, other)
    assert not any("matched no question" in n for n in df.attrs["notes"]), df.attrs["notes"]


def test_wjx_option_columns_are_recognised_despite_brackets_in_the_title():
    df = read_responses(HERE / "wjx_number_gb18030.csv", CB)
    assert "combined 6 option columns→channels (one column per option)" in df.attrs["notes"]
    assert "used the platform's '序号' as the questionnaire number" in df.attrs["notes"]


def test_blank_by_text_questionnaire_is_blank_not_missing_required():
    """(空) in every option column is “not ticked”, so questionnaire 5 is blank (白卷)."""
    for name in ("wjx_text_gbk.csv", "wjx_number_gb18030.csv"):
        r = validate(read_responses(HERE / name, CB), CB)
        row = r.rejected.set_index("questionnaire_no").loc["5"]
        assert (row["status"], row["reason"]) == ("blank", "blank")


def test_a_2_in_a_01_column_is_rejected_with_its_reason():
    r = validate(read_responses(HERE / "wjx_number_bad_tick.csv", CB), CB)
    row = r.rejected.set_index("questionnaire_no").loc["23"]
    assert row["reason"] == "out_of_range"
    assert "channels = " in row["detail"] and "门店:2" in row["detail"]


def test_two_headers_for_one_single_answer_question_is_an_error(tmp_path):
    frame = pd.read_csv(HERE / "wjx_number_utf8.csv", dtype=str)
    frame["5、满意度（复制）"] = frame["5、总体而言，您对我们的服务满意吗？"]
    frame = frame.rename(columns={"5、满意度（复制）": "5、总体满意度"})
    frame.to_csv(tmp_path / "two.csv", index=False)
    with pytest.raises(CrmlabInputError, match="2 columns match the single-answer question "
                                               "satisfaction .*'5、总体满意度'"):
        read_responses(tmp_path / "two.csv", CB)


def test_unknown_option_column_and_unknown_matrix_row_are_errors(tmp_path):
    frame = pd.read_csv(HERE / "wjx_number_utf8.csv", dtype=str)
    frame["7、您通常通过哪些渠道与我们联系？(可多选)(邮件)"] = "0"
    frame.to_csv(tmp_path / "opt.csv", index=False)
    with pytest.raises(CrmlabInputError, match="name no option .*（“邮件”）|“邮件”"):
        read_responses(tmp_path / "opt.csv", CB)
    frame = pd.read_csv(HERE / "wjx_number_utf8.csv", dtype=str)
    frame["4、请对以下说法表明您的态度（单选）—包装完好"] = "4"
    frame.to_csv(tmp_path / "row.csv", index=False)
    with pytest.raises(CrmlabInputError, match="matrix question 4 but names none of its rows"):
        read_responses(tmp_path / "row.csv", CB)


def test_unmatched_columns_and_questions_are_named_in_the_notes(tmp_path):
    frame = pd.read_csv(HERE / "wjx_number_utf8.csv", dtype=str)
    frame = frame.drop(columns=["8、您对我们还有什么建议？"])
    frame["9、您的职业"] = "学生"
    frame.to_csv(tmp_path / "x.csv", index=False)
    notes = read_responses(tmp_path / "x.csv", CB).attrs["notes"]
    assert "1 column(s) matched no question of the codebook, kept as they are: '9、您的职业'" in notes
    assert "1 optional question(s) matched no column of the file, left empty: advice " \
           "“您对我们还有什么建议？”" in notes


def test_codebook_matrix_forms_are_equivalent():
    rows = Codebook.from_yaml(HERE / "codebook_rows_as_questions.yaml")
    assert rows.ids == CB.ids
    assert [q.text for q in rows.questions] == [q.text for q in CB.questions]
    assert CB.matrices() == {"attitudes": ["att_staff", "att_speed", "att_price", "att_after"]}
    assert CB.question("att_after").reverse and CB.question("att_after").number == 4
    assert CB.question("att_speed").stem == "请对以下说法表明您的态度（单选）"


def test_qualtrics_seen_but_unanswered_minus_99_is_missing_and_counted():
    """The export option "Recode seen but unanswered questions as -99": every -99 is missing."""
    raw = pd.read_csv(HERE / "qualtrics_numeric_recode99.csv", dtype=str, skiprows=[1, 2])
    answers = raw.loc[:, "Q1":]
    expected = int((answers == "-99").to_numpy().sum())
    assert expected > 0
    df = read_responses(HERE / "qualtrics_numeric_recode99.csv", CB)
    note = f"{expected} answer(s) coded -99 (Qualtrics: seen but unanswered) read as missing"
    assert note in df.attrs["notes"]
    assert not df[CODED].isin([-99, "-99"]).any().any()
