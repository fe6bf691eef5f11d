"""Every number of the survey report, recomputed from the answer key with plain pandas.

The report is written by the command on the 问卷星 by-text export (GBK) of the platform fixtures,
with ``--by member`` and ``--crosstab gender member``; the numbers are read back from the Excel
workbook (统计表.xlsx) and the Markdown, and compared with computations on
``tests/data/survey/platforms/answer_key.csv`` (the questionnaires the key marks valid).
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import openpyxl  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from scipy.stats import norm, t as student_t  # noqa: E402

from crmlab.cli import main  # noqa: E402

HERE = Path(__file__).parent / "data" / "survey" / "platforms"
KEY = pd.read_csv(HERE / "answer_key.csv", dtype={"channels": str, "advice": str})
VALID = KEY[KEY["expected"] == "valid"].reset_index(drop=True)
MEMBER = {1: "普通会员", 2: "VIP会员"}
GENDER = {1: "男", 2: "女"}
CHANNELS = {1: "门店", 2: "电话", 3: "微信", 4: "小程序", 5: "APP", 6: "其他"}
ROWS = {"att_staff": "店员服务态度好", "att_speed": "送货速度快", "att_price": "价格合理",
        "att_after": "售后服务让人失望"}
Z = norm.ppf(0.975)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    code = main(["survey", "report", str(HERE / "wjx_text_gbk.csv"), "--codebook",
                 str(HERE / "codebook.yaml"), "--out", str(out), "--by", "member",
                 "--crosstab", "gender", "member"])
    assert code == 0  # 4 questionnaires rejected: normal, not an error
    sheets = pd.read_excel(out / "统计表.xlsx", sheet_name=None)
    return out, sheets


def wilson(k: int, n: int) -> tuple[float, float]:
    p = k / n
    centre = (p + Z ** 2 / (2 * n)) / (1 + Z ** 2 / n)
    half = Z / (1 + Z ** 2 / n) * np.sqrt(p * (1 - p) / n + Z ** 2 / (4 * n ** 2))
    return 100 * (centre - half), 100 * (centre + half)


def nps_by_hand(scores: pd.Series) -> tuple[float, float, float]:
    p, d = (scores >= 9).mean(), (scores <= 6).mean()
    se = np.sqrt((p + d - (p - d) ** 2) / len(scores))
    return 100 * (p - d), 100 * (p - d - Z * se), 100 * (p - d + Z * se)


def chi2_by_hand(observed: pd.DataFrame) -> tuple[float, float]:
    o = observed.to_numpy(dtype=float)
    expected = o.sum(axis=1, keepdims=True) * o.sum(axis=0, keepdims=True) / o.sum()
    chi2 = ((o - expected) ** 2 / expected).sum()
    return chi2, np.sqrt(chi2 / (o.sum() * (min(o.shape) - 1)))


def kruskal_by_hand(values: pd.Series, groups: pd.Series) -> tuple[float, float]:
    """H with the tie correction, from pandas mid-ranks; ε² = H / (n − 1)."""
    n = len(values)
    ranks = values.rank()
    h = 12 / (n * (n + 1)) * sum(r.sum() ** 2 / len(r) for _, r in ranks.groupby(groups)) - 3 * (n + 1)
    ties = values.value_counts()
    h /= 1 - ((ties ** 3 - ties).sum() / (n ** 3 - n))
    return h, h / (n - 1)


def test_funnel(report):
    _, sheets = report
    funnel = sheets["问卷检查"].set_index("阶段")["问卷数"]
    assert funnel["收到问卷"] == len(KEY) and funnel["有效问卷"] == len(VALID)
    rejected = sheets["剔除问卷"]
    got = dict(zip(rejected["问卷编号"].astype(int), rejected["原因"]))
    names = {"blank": "白卷", "speeder": "答题过快", "repeated_ip": "IP 地址重复",
             "straight_lining": "所有题选同一答案"}
    want = KEY[KEY["expected"] != "valid"].set_index("questionnaire_no")["expected"].map(names).to_dict()
    assert got == want


def test_statistics_table_counts_and_percents(report):
    _, sheets = report
    table = sheets["统计表"]
    n = len(VALID)
    for column, labels, number in (("member", MEMBER, 1), ("gender", GENDER, 2)):
        part = table[table["题号"] == number].set_index("答案")
        for code, label in labels.items():
            count = int((VALID[column] == code).sum())
            assert part.loc[label, "人数"] == count
            assert part.loc[label, "百分比%"] == pytest.approx(100 * count / n)
        assert part.loc["未回答", "人数"] == int(VALID[column].isna().sum())
    ticks = VALID["channels"].str.split(";").explode().astype(int).value_counts()
    part = table[table["题号"] == 7].set_index("答案")
    for code, label in CHANNELS.items():
        assert part.loc[label, "人数"] == ticks.get(code, 0)
        assert part.loc[label, "百分比%"] == pytest.approx(100 * ticks.get(code, 0) / n)
    assert 0 < ticks.min() and ticks.get(1) < n  # no channel at 0 % or 100 %
    for row, text in ROWS.items():
        part = table[table["题目"] == f"请对以下说法表明您的态度（单选）—{text}"].set_index("答案")
        assert part.loc["非常同意", "人数"] == int((VALID[row] == 5).sum())


def test_csat_and_nps_with_intervals(report):
    _, sheets = report
    rows = sheets["CSAT_NPS"].set_index("指标")
    k = int((VALID["satisfaction"] >= 4).sum())
    low, high = wilson(k, len(VALID))
    assert rows.loc["CSAT（前两项%）", "数值"] == pytest.approx(100 * k / len(VALID))
    assert rows.loc["CSAT（前两项%）", ["95%置信下限", "95%置信上限"]].tolist() == pytest.approx([low, high])
    assert rows.loc["NPS", ["数值", "95%置信下限", "95%置信上限"]].tolist() == pytest.approx(
        list(nps_by_hand(VALID["recommend"])))


def test_group_measures_by_label(report):
    _, sheets = report
    measures = sheets["分组指标"]
    assert set(measures["组别"]) == {"普通会员", "VIP会员"}
    for code, label in MEMBER.items():
        part = VALID[VALID["member"] == code]
        rows = measures[measures["组别"] == label].set_index("指标")
        k = int((part["satisfaction"] >= 4).sum())
        assert rows.loc["CSAT %", "数值"] == pytest.approx(100 * k / len(part))
        assert rows.loc["CSAT %", ["95%置信下限", "95%置信上限"]].tolist() == pytest.approx(
            list(wilson(k, len(part))))
        assert rows.loc["NPS", ["数值", "95%置信下限", "95%置信上限"]].tolist() == pytest.approx(
            list(nps_by_hand(part["recommend"])))
        for row, text in ROWS.items():
            values = part[row]
            half = student_t.ppf(0.975, len(values) - 1) * values.std() / np.sqrt(len(values))
            got = rows.loc[f"均值：{text}", ["数值", "95%置信下限", "95%置信上限"]].tolist()
            assert got == pytest.approx([values.mean(), values.mean() - half, values.mean() + half])


def test_group_tests_and_effect_sizes(report):
    _, sheets = report
    tests = sheets["分组检验"].set_index("指标")
    csat = pd.crosstab(VALID["member"], VALID["satisfaction"] >= 4)
    chi2, v = chi2_by_hand(csat)
    assert tests.loc["CSAT %", ["统计量", "效应量"]].tolist() == pytest.approx([chi2, v])
    assert tests.loc["CSAT %", "检验"] == "卡方检验"
    groups = pd.cut(VALID["recommend"], [-1, 6, 8, 10], labels=["d", "pa", "p"])
    chi2, v = chi2_by_hand(pd.crosstab(VALID["member"], groups))
    assert tests.loc["NPS", ["统计量", "效应量"]].tolist() == pytest.approx([chi2, v])
    for row, text in ROWS.items():
        h, eps = kruskal_by_hand(VALID[row], VALID["member"])
        assert tests.loc[f"均值：{text}", ["统计量", "效应量"]].tolist() == pytest.approx([h, eps])


def test_crosstab_of_two_questions(report):
    out, sheets = report
    table = pd.crosstab(VALID["gender"].map(GENDER), VALID["member"].map(MEMBER))
    got = sheets["gender×member"].set_index("您的性别")
    for g in GENDER.values():
        for m in MEMBER.values():
            assert got.loc[g, m] == table.loc[g, m]
    chi2, v = chi2_by_hand(table)
    md = (out / "report.md").read_text(encoding="utf-8")
    assert f"χ² = {chi2:.2f}" in md and f"Cramér's V = {v:.3f}" in md


def test_lowest_item_finding_flips_the_reverse_worded_row(report):
    out, _ = report
    scored = {text: (6 - VALID[row] if row == "att_after" else VALID[row]).mean()
              for row, text in ROWS.items()}
    lowest = min(scored, key=scored.get)
    md = (out / "report.md").read_text(encoding="utf-8")
    assert f"得分最低的题目：{lowest}（均值 {scored[lowest]:.2f}，反向题已反向计分）" in md


def test_free_text_listed_with_questionnaire_numbers(report):
    _, sheets = report
    texts = sheets["开放题"]
    advice = texts[texts["题目"] == "您对我们还有什么建议？"]
    want = VALID[VALID["advice"].fillna("") != ""]
    assert advice["问卷编号"].astype(int).tolist() == want["questionnaire_no"].tolist()
    assert advice["回答"].tolist() == want["advice"].tolist()
    other = texts[texts["题目"].str.contains("其他")]
    assert other["问卷编号"].astype(int).tolist() == VALID.loc[VALID["channels_other"].notna(),
                                                                "questionnaire_no"].tolist()


def test_likert_sheet_means_and_label_columns(report):
    _, sheets = report
    likert = sheets["李克特"].set_index("题目")
    for row, text in ROWS.items():
        name = text + ("（反向题）" if row == "att_after" else "")
        assert likert.loc[name, "均值"] == pytest.approx(VALID[row].mean())
        assert likert.loc[name, "非常同意"] == pytest.approx(100 * (VALID[row] == 5).mean())


def test_html_self_contained_aligned_and_workbook_frozen(report):
    out, sheets = report
    html = (out / "report.html").read_text(encoding="utf-8")
    sources = re.findall(r'src="([^"]+)"', html)
    # funnel, 5 closed questions + 1 matrix, NPS, Likert
    assert len(sources) == 9 and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "td.num{text-align:right" in html and "text-align:left" in html
    assert '<td class="num">36</td>' in html
    assert "<link" not in html and "http" not in html.replace("http-equiv", "")
    for heading in ("主要发现", "问卷检查", "统计表", "各题统计", "开放题回答", "分组比较：您的会员类型",
                    "交叉分析"):
        assert heading in html
    workbook = openpyxl.load_workbook(out / "统计表.xlsx")
    assert all(ws.freeze_panes == "A2" for ws in workbook.worksheets)
    assert len(workbook.sheetnames) == len(sheets) >= 9


def test_english_report(tmp_path, capsys):
    assert main(["survey", "report", str(HERE / "google_forms.csv"), "--codebook",
                 str(HERE / "codebook.yaml"), "--out", str(tmp_path), "--lang", "en",
                 "--by", "member"]) == 0
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Group comparison by 您的会员类型" in html and "Key findings" in html
    table = pd.read_excel(tmp_path / "statistics_tables.xlsx", sheet_name="statistics")
    assert list(table.columns) == ["no.", "text", "answer", "count", "%"]
    assert "CSAT" in capsys.readouterr().out


def test_strict_and_unusable_input(tmp_path, capsys):
    argv = ["survey", "report", str(HERE / "wjx_text_gbk.csv"), "--codebook",
            str(HERE / "codebook.yaml"), "--out", str(tmp_path)]
    assert main(argv + ["--strict"]) == 1
    assert main(argv + ["--by", "nope"]) == 2
    assert "neither a question" in capsys.readouterr().err


@pytest.mark.parametrize("argv, shown", [
    (["survey", "report", "--help"], ["--by BY", "--crosstab ROW COLUMN", "--lang {zh,en}",
                                      "(default: survey_report)", "(default: keep_first)",
                                      "--strict", "Exit status: 0"]),
    (["survey", "codebook", "draft", "--help"], ["(default: codebook.yaml)", "--force"]),
])
def test_help_shows_every_option_with_its_default(argv, shown, capsys):
    with pytest.raises(SystemExit):
        main(argv)
    raw = capsys.readouterr().out
    text = " ".join(raw.split())
    options = [o for o in re.split(r"\n  (?=--)", raw.split("options:")[1])[1:]
               if not o.startswith(("--help", "--codebook"))]
    assert options and all("default" in " ".join(o.split()) for o in options), options
    for piece in shown:
        assert piece in text


def test_kruskal_wallis_from_counts_equals_scipy():
    from scipy.stats import kruskal

    from crmlab.survey.groups import kruskal_wallis

    rng = np.random.default_rng(5)
    for groups in ([rng.integers(1, 6, 40), rng.integers(2, 6, 25), rng.integers(1, 4, 31)],
                   [rng.normal(0, 1, 30), rng.normal(0.5, 1, 20)]):
        h, dof, p, eps = kruskal_wallis(groups)
        reference = kruskal(*groups)
        assert (h, p) == pytest.approx((reference.statistic, reference.pvalue))
        assert dof == len(groups) - 1 and eps == pytest.approx(h / (sum(map(len, groups)) - 1))


def test_matrix_sheet_counts_per_row_and_label(report):
    _, sheets = report
    matrix = sheets["矩阵_attitudes"].set_index("题目")
    labels = {1: "非常不同意", 2: "不同意", 3: "一般", 4: "同意", 5: "非常同意"}
    for row, text in ROWS.items():
        name = text + ("（反向题）" if row == "att_after" else "")
        for code, label in labels.items():
            assert matrix.loc[name, label] == int((VALID[row] == code).sum())
        assert matrix.loc[name, "均值"] == pytest.approx(VALID[row].mean())
