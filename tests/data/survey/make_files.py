"""Write the malformed-survey files of this folder (run: python tests/data/survey/make_files.py).

Each file is built from the first questionnaires of the course dataset and broken in one way;
README.md in this folder lists what each file tests and the expected outcome. The files are
committed; this script documents how they were made and can rebuild them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crmlab.datasets import load_dataset
from crmlab.survey import course_codebook

HERE = Path(__file__).resolve().parent


def base(rows: int = 12) -> pd.DataFrame:
    """The first ``rows`` valid questionnaires of the course data, as plain text cells."""
    key = load_dataset("survey_answer_key")
    df = load_dataset("survey_responses")
    df = df[key["status"].eq("valid").to_numpy()].head(rows).reset_index(drop=True)
    df["survey_date"] = df["survey_date"].dt.strftime("%Y-%m-%d")
    return df.astype(object).where(df.notna(), "")


def write_csv(df: pd.DataFrame, name: str, encoding: str = "utf-8") -> None:
    text = df.to_csv(index=False, lineterminator="\n")
    (HERE / name).write_bytes(text.encode(encoding))


def wjx_export(df: pd.DataFrame, *, numeric: bool) -> pd.DataFrame:
    """The same answers as a 问卷星 export: metadata, “N、题干” headers, text or number answers."""
    cb = course_codebook()
    out = pd.DataFrame({
        "序号": range(1, len(df) + 1),
        "提交答卷时间": [f"2025/11/{5 + i % 3} 10:{10 + i:02d}:00" for i in range(len(df))],
        "所用时间": [f"{2 + i % 4}分{(7 * i) % 60}秒" for i in range(len(df))],
        "来源": "手机提交", "来源详情": "直接访问", "来自IP": "10.0.0.1(北京-北京)",
    })
    for q in cb.questions:
        header = f"{q.number}、{q.text}"
        column = df[q.id]
        if q.type == "multiple":
            codes = column.astype(str).str.split(";")
            if numeric:
                for code, label in q.options.items():
                    out[f"第{q.number}题({label})"] = codes.map(lambda c, k=code: int(str(k) in c))
            else:
                out[header] = codes.map(lambda c: "┋".join(q.options[int(x)] for x in c if x))
        elif q.type in ("single", "likert") and not numeric:
            out[header] = column.map(lambda v: q.labels.get(int(v), v) if v != "" else "(跳过)")
        else:
            out[header] = column.map(lambda v: v if v != "" else (-3 if numeric else "(跳过)"))
    return out


def main() -> None:
    df = base()
    write_csv(df, "utf8.csv")
    write_csv(df, "utf8_bom.csv", "utf-8-sig")
    write_csv(df, "gbk.csv", "gbk")
    df.to_excel(HERE / "responses.xlsx", index=False)
    # blank rows: two empty lines and one line of commas between questionnaires
    text = df.to_csv(index=False, lineterminator="\n").splitlines()
    blank = text[:4] + [""] + text[4:8] + ["," * (df.shape[1] - 1), ""] + text[8:]
    (HERE / "blank_rows.csv").write_text("\n".join(blank) + "\n", encoding="utf-8")
    bad = df.copy()
    bad.loc[2, "p_rel1"] = "四"
    bad.loc[5, "satisfaction"] = "3分"
    write_csv(bad, "text_in_numbers.csv")
    bad = df.copy()
    bad.loc[1, "gender"] = 3
    bad.loc[3, "services"] = "2;9"
    bad.loc[7, "e_tan1"] = 7
    write_csv(bad, "unknown_codes.csv")
    bad = df.copy()
    bad.loc[6, "questionnaire_no"] = bad.loc[2, "questionnaire_no"]
    bad.loc[9, "questionnaire_no"] = bad.loc[2, "questionnaire_no"]
    write_csv(bad, "duplicate_numbers.csv")
    (HERE / "empty.csv").write_bytes(b"")
    (HERE / "header_only.csv").write_text(",".join(df.columns) + "\n", encoding="utf-8")
    write_csv(df.assign(备注="调查员备注", extra_score=1), "extra_columns.csv")
    write_csv(df.drop(columns=["p_rel1", "gender"]), "missing_required_columns.csv")
    write_csv(df.drop(columns=["comment", "years_customer"]), "missing_optional_columns.csv")
    wjx = wjx_export(df, numeric=False)
    wjx.loc[0, "34、您使用过该企业的哪些服务（可多选）"] = "快递┋其他【请注明】〖顺路带货〗"
    wjx.loc[4, "35、您对该企业还有什么意见或建议"] = "(跳过)"
    write_csv(wjx, "wjx_text_export.csv", "gbk")
    wjx_numeric_export = wjx_export(df, numeric=True)
    wjx_numeric_export.to_excel(HERE / "wjx_number_export.xlsx", index=False)
    (HERE / "legacy.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    (HERE / "undecodable.csv").write_bytes("编号,性别\n1,".encode("utf-8") + b"\xff\xfe\xff\n")
    (HERE / "ragged.csv").write_text("questionnaire_no,gender\n1,1\n2,1,5,6\n", encoding="utf-8")


if __name__ == "__main__":
    main()
