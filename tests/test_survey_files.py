"""The malformed-files suite (tests/data/survey/README.md): a clear message or an exact report."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crmlab._checks import CrmlabInputError
from crmlab.survey import course_codebook, detect_encoding, read_responses, validate

FILES = Path(__file__).parent / "data" / "survey"
CB = course_codebook()


def read(name: str) -> pd.DataFrame:
    return read_responses(FILES / name, CB)


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return read("utf8.csv")


def answers(df: pd.DataFrame) -> pd.DataFrame:
    return df[CB.ids].reset_index(drop=True).astype(str)


@pytest.mark.parametrize("name, encoding", [
    ("utf8.csv", "UTF-8"), ("utf8_bom.csv", "UTF-8 with BOM"), ("gbk.csv", "GB18030"),
    ("responses.xlsx", "Excel workbook"),
])
def test_same_answers_whatever_the_encoding(reference, name, encoding):
    df = read(name)
    assert df.attrs["encoding"] == encoding
    assert df.attrs["notes"][0] == f"read {name} as {encoding}"
    pd.testing.assert_frame_equal(answers(df), answers(reference))
    assert df["questionnaire_no"].tolist() == reference["questionnaire_no"].tolist()
    assert validate(df, CB).rejected.empty


def test_index_is_the_spreadsheet_row(reference):
    assert reference.index[0] == 2 and reference.index[-1] == 13


def test_blank_rows_skipped_and_reported(reference):
    df = read("blank_rows.csv")
    assert len(df) == 12
    assert any("skipped 3 completely empty row(s) (spreadsheet rows 5, 10, 11)" in n
               for n in df.attrs["notes"])
    pd.testing.assert_frame_equal(answers(df), answers(reference))


@pytest.mark.parametrize("name, rejected", [
    ("text_in_numbers.csv", {4: ("unreadable", "p_rel1 = 四"), 7: ("unreadable", "satisfaction = 3分")}),
    ("unknown_codes.csv", {3: ("out_of_range", "gender = 3"), 5: ("out_of_range", "services = 2;9"),
                           9: ("out_of_range", "e_tan1 = 7")}),
    ("duplicate_numbers.csv", {
        8: ("duplicate_number", "questionnaire_no = 2301-1-1-03, first used on row 4"),
        11: ("duplicate_number", "questionnaire_no = 2301-1-1-03, first used on row 4")}),
])
def test_exact_rejection_reports(name, rejected):
    r = validate(read(name), CB)
    got = {row: (reason, detail.split(" (")[0]) for row, reason, detail in
           r.rejected[["row", "reason", "detail"]].itertuples(index=False)}
    assert got == rejected
    assert len(r.valid) == 12 - len(rejected)


@pytest.mark.parametrize("name, message", [
    ("empty.csv", "empty.csv is empty"),
    ("header_only.csv", "has column headers but no questionnaires"),
    ("missing_required_columns.csv", "no column for required question\\(s\\) p_rel1, gender"),
    ("legacy.xls", "save as .xlsx .*or `pip install xlrd`"),
    ("undecodable.csv", "neither UTF-8 nor GBK/GB18030 .*position 16"),
    ("ragged.csv", "not a well-formed CSV file: .*Expected 2 fields in line 3, saw 4"),
])
def test_unusable_files_get_clear_messages(name, message):
    with pytest.raises(CrmlabInputError, match=message):
        read(name)


def test_missing_file_and_unknown_type(tmp_path):
    with pytest.raises(FileNotFoundError, match="responses file not found"):
        read_responses(tmp_path / "nope.csv", CB)
    (tmp_path / "x.sav").write_bytes(b"$FL2")
    with pytest.raises(CrmlabInputError, match="use a .csv, .xlsx or .xls"):
        read_responses(tmp_path / "x.sav", CB)


def test_extra_and_missing_optional_columns(reference):
    extra = read("extra_columns.csv")
    assert list(extra.columns[-2:]) == ["备注", "extra_score"]
    assert any("2 column(s) matched no question of the codebook, kept" in n for n in extra.attrs["notes"])
    missing = read("missing_optional_columns.csv")
    assert missing["comment"].isna().all() and missing["years_customer"].isna().all()
    assert any("left empty: comment “" in n for n in missing.attrs["notes"])
    assert validate(missing, CB).rejected.empty


def test_wjx_text_export(reference):
    df = read("wjx_text_export.csv")
    assert df.attrs["encoding"] == "GB18030"
    assert "recognised a 问卷星 export" in df.attrs["notes"]
    assert df["questionnaire_no"].tolist() == [str(i) for i in range(1, 13)]
    assert {"提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"} <= set(df.columns)
    expected = answers(reference)
    got = answers(df)
    # the planted 其他〖顺路带货〗 adds option 6 to the first questionnaire's services
    expected.loc[0, "services"] = "2;6"
    pd.testing.assert_frame_equal(got, expected)
    assert df["services_other"].iloc[0] == "顺路带货"
    assert validate(df, CB).rejected.empty


def test_wjx_number_export_option_columns(reference):
    df = read("wjx_number_export.xlsx")
    assert any("combined 6 option columns→services" in n for n in df.attrs["notes"])
    pd.testing.assert_frame_equal(answers(df), answers(reference))


def test_encoding_detection_is_strict():
    assert detect_encoding("abc".encode()) == ("utf-8", "UTF-8")
    assert detect_encoding("问卷".encode("gb18030")) == ("gb18030", "GB18030")
    with pytest.raises(CrmlabInputError, match="UTF-16"):
        detect_encoding("\ufeffabc".encode("utf-16"))
    with pytest.raises(CrmlabInputError, match="starts with a UTF-8 mark"):
        detect_encoding(b"\xef\xbb\xbfok\xff")


def test_text_answers_become_codes(tmp_path):
    path = tmp_path / "labels.csv"
    rows = read("utf8.csv").head(2).copy()
    rows["gender"] = ["女", "男"]
    rows["satisfaction"] = ["非常满意", "不满意"]
    rows["frequency"] = ["(跳过)", "每月一次"]
    rows.to_csv(path, index=False, encoding="utf-8-sig")
    df = read_responses(path, CB)
    assert df["gender"].tolist() == [2.0, 1.0]
    assert df["satisfaction"].tolist() == [5.0, 2.0]
    assert pd.isna(df["frequency"].iloc[0]) and df["frequency"].iloc[1] == 3.0


def test_tencent_export_with_option_columns(tmp_path, reference):
    """腾讯问卷: metadata 编号/开始答题时间/…, headers “N.题干”, one “N.题干:选项” column per option."""
    frame = pd.DataFrame({"编号": range(1, 13), "开始答题时间": "2025-11-05 10:00:00",
                          "结束答题时间": "2025-11-05 10:04:00", "答题时长": "240秒"})
    for q in CB.questions:
        values = reference[q.id].reset_index(drop=True)
        if q.type == "multiple":
            codes = values.fillna("").astype(str).str.split(";")
            for code, label in q.options.items():
                frame[f"{q.number}.{q.text}:{label}"] = codes.map(lambda c, k=code: int(str(k) in c))
        else:
            frame[f"{q.number}.{q.text}"] = values
    path = tmp_path / "tencent.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    df = read_responses(path, CB)
    assert "recognised a 腾讯问卷 export" in df.attrs["notes"]
    assert "used the platform's '编号' as the questionnaire number" in df.attrs["notes"]
    pd.testing.assert_frame_equal(answers(df), answers(reference))
