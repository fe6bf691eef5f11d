"""Build the platform-export fixtures from one answer key (run from this folder; deterministic).

The answer key ``answer_key.csv`` holds the 40 questionnaires in codes, as the respondents gave
them, plus the time taken, the IP address and the outcome validation must reach (``expected``).
Each export below writes that key in one platform's documented layout (README.md lists them);
``tests/test_survey_platforms.py`` reads every export back and compares it with the key.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

HERE = Path(__file__).parent
CB = yaml.safe_load((HERE / "codebook.yaml").read_text(encoding="utf-8"))
Q = {q["id"]: q for q in CB["questions"]}
MATRIX = Q["attitudes"]
ROWS = [r["id"] for r in MATRIX["rows"]]
ROW_TEXT = {r["id"]: r["text"] for r in MATRIX["rows"]}
AGREE = CB["scales"]["agree5"]["labels"]
SATISFIED = CB["scales"]["satisfied5"]["labels"]
CHANNELS = Q["channels"]["options"]
TITLE = {qid: q["text"] for qid, q in Q.items()}
ADVICE = ["送货再快一点就好了", "希望小程序能查物流", "", "店员很热情", "价格有点贵", ""]


def answer_key(n: int = 40, seed: int = 13) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    key = pd.DataFrame({"questionnaire_no": np.arange(1, n + 1)})
    key["member"] = rng.choice([1, 2], n, p=[0.6, 0.4])
    key["gender"] = rng.choice([1, 2], n).astype(float)
    key["spend"] = rng.choice([200, 500, 800, 1500, 3000], n).astype(float)
    base = np.clip(np.round(rng.normal(3.6, 0.9, n) + 0.5 * (key["member"] == 2)), 1, 5)
    for row in ROWS[:3]:
        key[row] = np.clip(base + rng.integers(-1, 2, n), 1, 5)
    key["att_after"] = 6 - np.clip(base + rng.integers(-1, 2, n), 1, 5)  # reverse-worded
    key["satisfaction"] = np.clip(base + rng.integers(-1, 1, n), 1, 5)
    key["recommend"] = np.clip(np.round(2 * base + rng.integers(-2, 2, n)), 0, 10)
    picks = [sorted(rng.choice(6, rng.integers(1, 4), replace=False) + 1) for _ in range(n)]
    key["channels"] = [";".join(map(str, p)) for p in picks]
    key["channels_other"] = [("朋友介绍" if 6 in p else "") for p in picks]
    key["advice"] = [ADVICE[i % len(ADVICE)] for i in range(n)]
    key["seconds"] = rng.integers(90, 400, n)
    key["ip"] = [f"112.{10 + i}.{(7 * i) % 250}.{(13 * i) % 250}" for i in range(n)]
    key["expected"] = "valid"
    # planted cases (row = questionnaire_no - 1)
    blank = 4
    key.loc[blank, ["gender", "spend", *ROWS, "satisfaction", "recommend"]] = np.nan
    key.loc[blank, ["channels", "channels_other", "advice"]] = ""
    key.loc[blank, "member"] = np.nan
    key.loc[blank, "expected"] = "blank"
    key.loc[8, "seconds"] = 25
    key.loc[8, "expected"] = "speeder"
    key.loc[13, "ip"] = key.loc[12, "ip"]
    key.loc[13, "expected"] = "repeated_ip"
    key.loc[16, ROWS] = 5  # identical, contradicted by the reverse-worded row
    key.loc[16, "expected"] = "straight_lining"
    key.loc[19, ROWS] = 3  # all middle (一般): kept
    key.loc[24, ["spend", "gender"]] = np.nan  # skipped optional questions
    key.loc[2, "channels"] = "1;6"
    key.loc[2, "channels_other"] = "朋友介绍"
    key["member"] = key["member"].astype("Int64")
    return key


def duration(seconds: int) -> str:
    m, s = divmod(int(seconds), 60)
    return f"{m}分{s}秒" if m else f"{s}秒"


def wjx_meta(key: pd.DataFrame) -> pd.DataFrame:
    start = pd.Timestamp("2026-03-02 09:00:00")
    return pd.DataFrame({
        "序号": key["questionnaire_no"],
        "提交答卷时间": [str(start + pd.Timedelta(minutes=17 * i)) for i in range(len(key))],
        "所用时间": key["seconds"].map(duration), "来源": "微信", "来源详情": "N/A",
        "来自IP": key["ip"] + "(广东-广州)"})


def cell(value, labels=None, skip="(跳过)"):
    if value is None or value is pd.NA or value == "" or (isinstance(value, float) and np.isnan(value)):
        return skip
    if isinstance(value, str):
        return value
    return labels[int(value)] if labels else (int(value) if float(value).is_integer() else value)


def wjx(key: pd.DataFrame, *, by_text: bool, joined: bool = False) -> pd.DataFrame:
    """问卷星: 按选项文本 (by_text) or 按选项序号; matrix “4、title—row”; options “7、…(可多选)(选项)”."""
    out = wjx_meta(key)
    skip = "(跳过)" if by_text else -3
    out[f"1、{TITLE['member']}"] = [cell(v, Q["member"]["options"] if by_text else None, skip)
                                   for v in key["member"]]
    out[f"2、{TITLE['gender']}"] = [cell(v, Q["gender"]["options"] if by_text else None, skip)
                                   for v in key["gender"]]
    # the by-number export writes -2 for a question hidden by a jump and -3 for one skipped
    out[f"3、{TITLE['spend']}"] = [cell(v, None, "(跳过)" if by_text else -2) for v in key["spend"]]
    for row in ROWS:
        out[f"4、{MATRIX['text']}—{ROW_TEXT[row]}"] = [cell(v, AGREE if by_text else None, skip)
                                                      for v in key[row]]
    out[f"5、{TITLE['satisfaction']}"] = [cell(v, SATISFIED if by_text else None, skip)
                                         for v in key["satisfaction"]]
    out[f"6、{TITLE['recommend']}"] = [cell(v, None, skip) for v in key["recommend"]]
    ticks = key["channels"].str.split(";")
    blank = key["expected"] == "blank"
    if joined:
        out[f"7、{TITLE['channels']}"] = [
            "(跳过)" if b else "┋".join(CHANNELS[int(c)] + (f"〖{o}〗" if c == "6" else "")
                                       for c in t)
            for t, o, b in zip(ticks, key["channels_other"], blank)]
    else:
        for code, label in CHANNELS.items():
            header = f"7、{TITLE['channels']}({label}{'【请注明】' if code == 6 else ''})"
            if by_text:
                out[header] = ["(空)" if b or str(code) not in t else
                               (f"{label}【请注明】〖{o}〗" if code == 6 else label)
                               for t, o, b in zip(ticks, key["channels_other"], blank)]
            else:
                out[header] = [-3 if b else int(str(code) in t) for t, b in zip(ticks, blank)]
    out[f"8、{TITLE['advice']}"] = [a if a else "(跳过)" for a in key["advice"]]
    return out


def tencent(key: pd.DataFrame) -> pd.DataFrame:
    """腾讯问卷: 编号, 开始/结束答题时间, 答题时长; “N.题干”; options “7.题干:选项” (1/0)."""
    start = pd.Timestamp("2026-03-02 09:00:00")
    out = pd.DataFrame({"编号": key["questionnaire_no"],
                        "开始答题时间": [str(start + pd.Timedelta(minutes=17 * i)) for i in range(len(key))]})
    out["结束答题时间"] = [str(pd.Timestamp(t) + pd.Timedelta(seconds=int(s)))
                         for t, s in zip(out["开始答题时间"], key["seconds"])]
    out["答题时长"] = key["seconds"].map(lambda s: f"{s}秒")
    out[f"1.{TITLE['member']}"] = [cell(v, Q["member"]["options"], "") for v in key["member"]]
    out[f"2.{TITLE['gender']}"] = [cell(v, Q["gender"]["options"], "") for v in key["gender"]]
    out[f"3.{TITLE['spend']}"] = [cell(v, None, "") for v in key["spend"]]
    for row in ROWS:
        out[f"4.{MATRIX['text']}:{ROW_TEXT[row]}"] = [cell(v, AGREE, "") for v in key[row]]
    out[f"5.{TITLE['satisfaction']}"] = [cell(v, SATISFIED, "") for v in key["satisfaction"]]
    out[f"6.{TITLE['recommend']}"] = [cell(v, None, "") for v in key["recommend"]]
    ticks = key["channels"].str.split(";")
    for code, label in CHANNELS.items():
        out[f"7.{TITLE['channels']}:{label}"] = [int(str(code) in t) if t != [""] else ""
                                                 for t in ticks]
    out[f"8.{TITLE['advice']}"] = key["advice"]
    return out


def qualtrics(key: pd.DataFrame, *, numeric: bool, recode_unanswered: bool = False) -> pd.DataFrame:
    """Qualtrics CSV: row 1 ids, row 2 question texts, row 3 ImportId JSON; then the answers.

    ``recode_unanswered``: the export option "Recode seen but unanswered questions as -99" (every
    question the respondent saw and left empty holds -99; an unselected choice's text stays empty)."""
    start = pd.Timestamp("2026-03-02 09:00:00")
    cols: dict[str, tuple[str, str, list]] = {}
    times = [start + pd.Timedelta(minutes=17 * i) for i in range(len(key))]
    meta = {
        "StartDate": [str(t) for t in times],
        "EndDate": [str(t + pd.Timedelta(seconds=int(s))) for t, s in zip(times, key["seconds"])],
        "Status": ["IP Address"] * len(key), "IPAddress": list(key["ip"]),
        "Progress": [100] * len(key), "Duration (in seconds)": list(key["seconds"]),
        "Finished": ["True"] * len(key), "RecordedDate": [str(t) for t in times],
        "ResponseId": [f"R_{i:04d}xQ" for i in key["questionnaire_no"]],
    }
    for name, values in meta.items():
        cols[name] = (name.replace(" (in seconds)", ""), json.dumps({"ImportId": name[:1].lower() + name[1:]}), values)

    def add(qid, number, text, values, labels=None):
        cols[qid] = (text, json.dumps({"ImportId": f"QID{number}"}),
                     [cell(v, None if numeric else labels, "") for v in values])

    add("Q1", 1, TITLE["member"], key["member"], Q["member"]["options"])
    add("Q2", 2, TITLE["gender"], key["gender"], Q["gender"]["options"])
    add("Q3", 3, TITLE["spend"], key["spend"])
    for i, row in enumerate(ROWS, start=1):
        cols[f"Q4_{i}"] = (f"{MATRIX['text']} - {ROW_TEXT[row]}", json.dumps({"ImportId": f"QID4_{i}"}),
                           [cell(v, None if numeric else AGREE, "") for v in key[row]])
    add("Q5", 5, TITLE["satisfaction"], key["satisfaction"], SATISFIED)
    add("Q6", 6, TITLE["recommend"], key["recommend"])
    ticks = key["channels"].str.split(";")
    cols["Q7"] = (f"{TITLE['channels']} - Selected Choice", json.dumps({"ImportId": "QID7"}),
                  [",".join(t if numeric else [CHANNELS[int(c)] for c in t]) if t != [""] else ""
                   for t in ticks])
    cols["Q7_6_TEXT"] = (f"{TITLE['channels']} - 其他 - Text", json.dumps({"ImportId": "QID7_6_TEXT"}),
                         list(key["channels_other"]))
    add("Q8", 8, TITLE["advice"], key["advice"])
    if recode_unanswered:
        for qid, (text, import_id, values) in list(cols.items()):
            if qid.startswith("Q") and not qid.endswith("_TEXT"):
                cols[qid] = (text, import_id, [-99 if v == "" else v for v in values])
    header = pd.DataFrame([[c[0] for c in cols.values()], [c[1] for c in cols.values()]],
                          columns=list(cols))
    body = pd.DataFrame({k: c[2] for k, c in cols.items()})
    return pd.concat([header, body], ignore_index=True)


def google(key: pd.DataFrame) -> pd.DataFrame:
    """Google Forms: Timestamp, one column per question text, grids “Question [Row]”, checkboxes
    joined by “, ” with the free “Other” text among them; no question numbers."""
    start = pd.Timestamp("2026-03-02 09:00:00")
    out = pd.DataFrame({"Timestamp": [(start + pd.Timedelta(minutes=17 * i)).strftime("%Y/%m/%d %I:%M:%S %p GMT+8")
                                      for i in range(len(key))]})
    out[TITLE["member"]] = [cell(v, Q["member"]["options"], "") for v in key["member"]]
    out[TITLE["gender"]] = [cell(v, Q["gender"]["options"], "") for v in key["gender"]]
    out[TITLE["spend"]] = [cell(v, None, "") for v in key["spend"]]
    for row in ROWS:
        out[f"{MATRIX['text']} [{ROW_TEXT[row]}]"] = [cell(v, AGREE, "") for v in key[row]]
    out[TITLE["satisfaction"]] = [cell(v, SATISFIED, "") for v in key["satisfaction"]]
    out[TITLE["recommend"]] = [cell(v, None, "") for v in key["recommend"]]
    ticks = key["channels"].str.split(";")
    out[TITLE["channels"]] = [", ".join(CHANNELS[int(c)] if c != "6" else o for c in t) if t != [""] else ""
                              for t, o in zip(ticks, key["channels_other"])]
    out[TITLE["advice"]] = key["advice"]
    return out


def write_csv(frame: pd.DataFrame, name: str, encoding: str, *, header: bool = True) -> None:
    (HERE / name).write_bytes(frame.to_csv(index=False, header=header, lineterminator="\r\n")
                              .encode(encoding))


def main() -> None:
    key = answer_key()
    key.to_csv(HERE / "answer_key.csv", index=False, encoding="utf-8")
    write_csv(wjx(key, by_text=True), "wjx_text_gbk.csv", "gbk")
    write_csv(wjx(key, by_text=True, joined=True), "wjx_text_joined_utf8bom.csv", "utf-8-sig")
    number = wjx(key, by_text=False)
    write_csv(number, "wjx_number_gb18030.csv", "gb18030")
    write_csv(wjx(key, by_text=False, joined=False), "wjx_number_utf8.csv", "utf-8")
    number.to_excel(HERE / "wjx_number.xlsx", index=False)          # numbers stored as numbers
    number.astype(str).to_excel(HERE / "wjx_number_text_cells.xlsx", index=False)  # as text
    bad = number.copy()
    bad.loc[22, f"7、{TITLE['channels']}(门店)"] = 2  # a 2 in a 0/1 column
    write_csv(bad, "wjx_number_bad_tick.csv", "gbk")
    write_csv(tencent(key), "tencent_utf8.csv", "utf-8-sig")
    write_csv(qualtrics(key, numeric=True), "qualtrics_numeric.csv", "utf-8")
    write_csv(qualtrics(key, numeric=False), "qualtrics_choice_text.csv", "utf-8")
    write_csv(qualtrics(key, numeric=True, recode_unanswered=True), "qualtrics_numeric_recode99.csv",
              "utf-8")
    write_csv(google(key), "google_forms.csv", "utf-8")


if __name__ == "__main__":
    main()
