"""The survey report: a self-contained HTML file (charts embedded), a Markdown twin and an Excel
workbook of every table (统计表.xlsx, one sheet per table, header row frozen).

Sections follow the training: key findings; the response funnel (received → valid, with every
rejected questionnaire and its reason); the statistics table and one chart per closed question
(counts and percentages of valid questionnaires, answers by label); overall satisfaction (CSAT)
and recommendation (NPS) with intervals; Likert items with a diverging chart; the free-text
answers by question with their questionnaire numbers; with ``by``, the group comparison (per-group
CSAT, NPS and Likert means with intervals, χ² and Kruskal–Wallis tests with effect sizes); any
cross-tabulations asked for (χ², Cramér's V); reliability, SERVQUAL gaps and importance–
performance when the codebook has the items. Headings and column names are Chinese or English
(``lang``; Chinese by default when the codebook's texts are Chinese) and come from the one
catalogue :data:`TEXT` below.

Examples
--------
>>> import tempfile
>>> from crmlab.datasets import load_dataset
>>> from crmlab.survey import course_codebook, survey_report
>>> out = survey_report(load_dataset("survey_responses").head(40), course_codebook(), tempfile.mkdtemp())
>>> sorted(p.name for p in out.paths)
['report.html', 'report.md', '统计表.xlsx']
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmlab._checks import CrmlabInputError
from crmlab.survey import stats
from crmlab.survey.codebook import Codebook
from crmlab.survey.groups import compare_groups, crosstab_table, group_labels, overall_items
from crmlab.survey.tally import statistics_table
from crmlab.survey.validation import ValidationResult, answered, validate

__all__ = ["survey_report", "SurveyReport", "key_findings", "TEXT", "report_language"]

#: Every heading, column name and sentence of the report, per language (one place to translate).
TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Survey report", "workbook": "statistics_tables.xlsx",
        "findings": "Key findings (主要发现)",
        "funnel": "Response funnel (检查问卷: 废卷与白卷)",
        "funnel_note": "Blank (白卷) and invalid (废卷) questionnaires are not counted. Every "
                       "questionnaire received is either valid or listed below with its reason.",
        "more_rejected": "… and {n} more rejected questionnaires.",
        "statistics": "Statistics table (统计表)",
        "statistics_note": "Count of valid questionnaires choosing each answer, and that count ÷ "
                           "valid questionnaires (multiple choice: percent of respondents, so "
                           "options add up to more than 100 %).",
        "questions": "Answers per question (各题统计)",
        "overall": "Overall satisfaction and recommendation (CSAT, NPS)",
        "overall_note": "CSAT: percent answering one of the two highest answers (Wilson 95 % "
                        "interval); NPS: percent promoters (9–10) − percent detractors (0–6).",
        "likert": "Likert items (李克特量表)",
        "likert_note": "Answers as given (reverse-worded items are marked in the codebook); top "
                       "and bottom box are the percent of the two highest / lowest answers.",
        "likert_axis": "percent of answers (left: disagree, right: agree)",
        "bar_axis": "percent of valid questionnaires",
        "answer": "answer", "reverse": " (reverse-worded)",
        "texts": "Free-text answers (开放题)",
        "texts_more": "… and {n} more answers.", "other_text": "{q}: “other” written in",
        "groups": "Group comparison by {by}",
        "groups_note": "Per group: CSAT and NPS with 95 % intervals, Likert means with t intervals. "
                       "Tests across groups: chi-square on the counts (effect size Cramér's V), "
                       "Kruskal–Wallis on the scores (effect size ε² = H / (n − 1)).",
        "crosstabs": "Cross-tabulations (交叉分析)",
        "crosstab_line": "{row} × {col}: χ² = {chi2:.2f}, df = {dof}, p = {p:.4f}, Cramér's V = {v:.3f}",
        "counts": "counts", "row_percent": "row %",
        "reliability": "Reliability (信度: Cronbach's alpha)",
        "reliability_note": "Listwise deletion; reverse-coded items recoded; 95 % Feldt confidence interval.",
        "item_analysis": "Item analysis ({role} items):",
        "servqual": "SERVQUAL gaps (服务质量差距) and satisfaction ratio",
        "servqual_note": "Gap = perception − expectation (negative: expectations not met); ratio = "
                         "perception ÷ expectation, the course's satisfaction ratio (below 1: not met).",
        "ipa": "Importance–performance analysis (重要性–绩效分析)",
        "ipa_note": "Cut-offs are the means over dimensions; a value at or above its cut-off counts as high.",
        "by_unit": "By {by}:",
        "f_received": "{received} questionnaires received, {valid} valid ({pct:.1f} %); {rejected} "
                      "set aside as blank or invalid.",
        "f_csat": "CSAT {csat:.1f} % of respondents are satisfied or very satisfied (95 % CI "
                  "{lo:.1f}–{hi:.1f} %).",
        "f_nps": "NPS {nps:+.1f} (95 % CI {lo:+.1f} to {hi:+.1f}): {p} promoters, {pa} passives, "
                 "{d} detractors.",
        "f_by": "By {by}: highest NPS {best} ({bv:+.1f}), lowest {worst} ({wv:+.1f}).",
        "f_by_csat": "By {by}: CSAT {best} {bv:.1f} % vs {worst} {wv:.1f} % ({sig}, χ² p = {p:.3f}).",
        "sig": "a significant difference", "nosig": "no significant difference",
        "f_gap": "Largest shortfall: {label} (perception − expectation = {gap:+.2f}; satisfaction "
                 "ratio {ratio:.2f}).",
        "f_met": "Expectations met or exceeded on: {labels}.",
        "f_focus": "Improve first (important but under-performing): {labels}.",
        "f_overkill": "Possible over-investment (performing well, less important): {labels}.",
        "f_low_item": "Lowest-rated item: {item} (mean {mean:.2f}, reverse-worded items flipped).",
    },
    "zh": {
        "title": "调查报告", "workbook": "统计表.xlsx",
        "findings": "主要发现",
        "funnel": "问卷检查（废卷与白卷）",
        "funnel_note": "白卷和废卷不计入统计。收到的每份问卷要么有效，要么在下表中列出剔除原因。",
        "more_rejected": "……另有 {n} 份被剔除的问卷。",
        "statistics": "统计表",
        "statistics_note": "选择各答案的有效问卷数，及其占有效问卷数的百分比（多选题为占答题人数的百分比，"
                           "各选项之和可超过 100%）。",
        "questions": "各题统计",
        "overall": "总体满意度与推荐意愿（CSAT、NPS）",
        "overall_note": "CSAT：选择最高两档答案的百分比（Wilson 95% 置信区间）；NPS：推荐者（9–10 分）"
                        "百分比减去贬损者（0–6 分）百分比。",
        "likert": "李克特量表题",
        "likert_note": "按原始答案统计（反向题在编码本中标出）；前两项/后两项为最高/最低两档答案的百分比。",
        "likert_axis": "答案百分比（左：不同意，右：同意）",
        "bar_axis": "占有效问卷的百分比",
        "answer": "答案", "reverse": "（反向题）",
        "texts": "开放题回答",
        "texts_more": "……另有 {n} 条回答。", "other_text": "{q}：“其他”填写内容",
        "groups": "分组比较：{by}",
        "groups_note": "各组 CSAT、NPS（95% 置信区间）及李克特题均值（t 区间）。组间检验：计数用卡方检验"
                       "（效应量 Cramér's V），分数用 Kruskal–Wallis 检验（效应量 ε² = H / (n − 1)）。",
        "crosstabs": "交叉分析",
        "crosstab_line": "{row} × {col}：χ² = {chi2:.2f}，自由度 {dof}，p = {p:.4f}，Cramér's V = {v:.3f}",
        "counts": "人数", "row_percent": "行百分比",
        "reliability": "信度（Cronbach's alpha）",
        "reliability_note": "成列删除缺失值；反向题已反向计分；95% Feldt 置信区间。",
        "item_analysis": "题项分析（{role}）：",
        "servqual": "SERVQUAL 服务质量差距与满意度比值",
        "servqual_note": "差距 = 感知 − 期望（负值：未达期望）；比值 = 感知 ÷ 期望（小于 1：未达期望）。",
        "ipa": "重要性–绩效分析",
        "ipa_note": "分界线为各维度的平均值；不低于分界线即为“高”。",
        "by_unit": "按 {by}：",
        "f_received": "共收到问卷 {received} 份，有效 {valid} 份（{pct:.1f}%）；{rejected} 份为白卷或废卷，未计入。",
        "f_csat": "CSAT 为 {csat:.1f}%：满意或非常满意的受访者比例（95% 置信区间 {lo:.1f}–{hi:.1f}%）。",
        "f_nps": "NPS 为 {nps:+.1f}（95% 置信区间 {lo:+.1f} 至 {hi:+.1f}）：推荐者 {p} 人，中立者 {pa} 人，"
                 "贬损者 {d} 人。",
        "f_by": "按 {by}：NPS 最高为 {best}（{bv:+.1f}），最低为 {worst}（{wv:+.1f}）。",
        "f_by_csat": "按 {by}：{best} 的 CSAT 为 {bv:.1f}%，{worst} 为 {wv:.1f}%（{sig}，卡方检验 p = {p:.3f}）。",
        "sig": "差异显著", "nosig": "差异不显著",
        "f_gap": "差距最大：{label}（感知 − 期望 = {gap:+.2f}；满意度比值 {ratio:.2f}）。",
        "f_met": "达到或超过期望：{labels}。",
        "f_focus": "优先改进（重要但表现不佳）：{labels}。",
        "f_overkill": "可能过度投入（表现好但不太重要）：{labels}。",
        "f_low_item": "得分最低的题目：{item}（均值 {mean:.2f}，反向题已反向计分）。",
    },
}
#: Column names of the tables, per language.
COLUMNS: dict[str, dict[str, str]] = {
    "en": {"stage": "stage", "questionnaires": "questionnaires", "percent_of_received": "% of received",
           "number": "no.", "question": "question", "text": "text", "code": "code",
           "label": "answer", "count": "count", "percent": "%",
           "percent_of_respondents": "% of respondents", "percent_of_answers": "% of answers",
           "measure": "measure", "value": "value", "ci_low": "95% CI low", "ci_high": "95% CI high",
           "n": "n", "group": "group", "test": "test", "statistic": "statistic", "df": "df",
           "p_value": "p", "effect_size": "effect size", "effect": "effect measure",
           "row": "row", "status": "status", "reason": "reason", "detail": "detail",
           "item": "item", "mean": "mean", "sd": "sd", "top_box": "top-2-box %",
           "bottom_box": "bottom-2-box %", "answer_text": "answer", "questionnaire": "questionnaire no.",
           "scale": "scale", "items": "items", "alpha": "alpha"},
    "zh": {"stage": "阶段", "questionnaires": "问卷数", "percent_of_received": "占收到问卷%",
           "number": "题号", "question": "题目代码", "text": "题目", "code": "代码",
           "label": "答案", "count": "人数", "percent": "百分比%",
           "percent_of_respondents": "占答题人数%", "percent_of_answers": "占选择次数%",
           "measure": "指标", "value": "数值", "ci_low": "95%置信下限", "ci_high": "95%置信上限",
           "n": "样本量", "group": "组别", "test": "检验", "statistic": "统计量", "df": "自由度",
           "p_value": "p值", "effect_size": "效应量", "effect": "效应量指标",
           "row": "行号", "status": "状态", "reason": "原因", "detail": "详情",
           "item": "题目代码", "mean": "均值", "sd": "标准差", "top_box": "前两项%",
           "bottom_box": "后两项%", "answer_text": "回答", "questionnaire": "问卷编号",
           "scale": "量表", "items": "题数", "alpha": "alpha"},
}
#: Values shown in tables that are words, per language (funnel stages, test names …).
VALUES: dict[str, dict[str, str]] = {
    "en": {"duplicate_number": "questionnaire number used twice",
           "missing_number": "no questionnaire number", "unreadable": "text where a number is expected",
           "out_of_range": "answer code not allowed", "missing_required": "required question not answered",
           "speeder": "answered too fast", "repeated_ip": "IP address used before",
           "straight_lining": "same answer everywhere (straight-lining)"},
    "zh": {"received": "收到问卷", "valid": "有效问卷", "rejected: ": "剔除：", "blank": "白卷",
           "invalid": "废卷", "chi-square": "卡方检验", "Kruskal–Wallis": "Kruskal–Wallis 检验",
           "mean: ": "均值：", "no answer": "未回答", "CSAT (% top-2-box)": "CSAT（前两项%）",
           "duplicate_number": "问卷编号重复", "missing_number": "无问卷编号",
           "unreadable": "数字题填了文字", "out_of_range": "答案不在允许范围", "missing_required": "必答题未答",
           "speeder": "答题过快", "repeated_ip": "IP 地址重复", "straight_lining": "所有题选同一答案"},
}
_CJK = re.compile(r"[\u4e00-\u9fff]")


def report_language(codebook: Codebook, lang: str | None = None) -> str:
    """``lang`` if given, else ``"zh"`` when the codebook's question texts are Chinese.

    Examples
    --------
    >>> from crmlab.survey import course_codebook
    >>> report_language(course_codebook()), report_language(course_codebook(), "en")
    ('zh', 'en')
    """
    if lang is not None:
        if lang not in TEXT:
            raise CrmlabInputError(f"lang must be one of {', '.join(TEXT)}, not {lang!r}")
        return lang
    chinese = sum(bool(_CJK.search(q.text)) for q in codebook.questions)
    return "zh" if chinese * 2 >= max(len(codebook.questions), 1) else "en"


@dataclass
class SurveyReport:
    """What :func:`survey_report` wrote, the validation it was based on and every table.

    Each parameter is the attribute of that name.

    Parameters
    ----------
    html, markdown, workbook
        The files written: ``report.html``, ``report.md`` and the Excel workbook.
    figures
        The chart images (PNG) the documents show.
    validation
        The :class:`ValidationResult` the analysis used.
    findings
        The plain-language findings (:func:`key_findings`).
    tables
        Every table of the report, by sheet name.

    Examples
    --------
    >>> import tempfile
    >>> cb = Codebook.from_dict({"title": "服务调查", "id_column": "no", "questions": [
    ...     {"id": "q1", "number": 1, "text": "您的性别", "type": "single",
    ...      "options": {1: "男", 2: "女"}}]})
    >>> rep = survey_report(pd.DataFrame({"no": [1, 2, 3], "q1": [1, 2, 2]}), cb,
    ...                     tempfile.mkdtemp(), lang="en")
    >>> rep.html.name, list(rep.tables)
    ('report.html', ['funnel', 'statistics'])
    """

    html: Path
    markdown: Path
    workbook: Path
    figures: list[Path]
    validation: ValidationResult
    findings: list[str]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def paths(self) -> list[Path]:
        return [self.html, self.markdown, self.workbook]


class _Doc:
    """Blocks rendered to HTML (images inline), Markdown (images as files) and Excel (tables)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.blocks: list[tuple[str, Any]] = []
        self.sheets: dict[str, pd.DataFrame] = {}

    def t(self, key: str, **values: Any) -> str:
        return TEXT[self.lang][key].format(**values)

    def h(self, level: int, text: str) -> None:
        self.blocks.append((f"h{level}", text))

    def p(self, text: str) -> None:
        self.blocks.append(("p", text))

    def bullets(self, items: list[str]) -> None:
        self.blocks.append(("ul", items))

    def table(self, frame: pd.DataFrame, digits: int = 2, *, sheet: str | None = None,
              figure: tuple[str, bytes] | None = None) -> None:
        shown = _display(frame, self.lang)
        if sheet:
            self.sheets[_sheet_name(sheet, self.sheets)] = shown
        self.blocks.append(("table", (_format_frame(shown, digits), figure)))

    def figure(self, name: str, draw, size=(8, 4.5), *, inline: bool = True,
               left: float | None = None) -> tuple[str, bytes]:
        """Draw a chart to PNG; ``left`` fixes the left margin (fraction of the width) instead
        of a tight layout, which costs a second drawing pass."""
        from matplotlib.figure import Figure

        from crmlab.plots import use_cjk_font

        use_cjk_font(warn=False)
        fig = Figure(figsize=size, dpi=90)
        ax = fig.subplots()
        draw(ax)
        if left is None:
            fig.tight_layout()
        else:
            fig.subplots_adjust(left=left, right=0.97, top=0.95, bottom=0.55 / size[1] + 0.05)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", metadata={"Software": None},
                    pil_kwargs={"compress_level": 3})
        image = (name, buffer.getvalue())
        if inline:
            self.blocks.append(("img", image))
        return image

    def images(self) -> list[tuple[str, bytes]]:
        found = [v for k, v in self.blocks if k == "img"]
        found += [v[1] for k, v in self.blocks if k == "table" and v[1] is not None]
        return found

    def to_html(self, title: str) -> str:
        lang = "zh-CN" if self.lang == "zh" else "en"
        parts = [f"<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n"
                 f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>"]
        for kind, value in self.blocks:
            if kind.startswith("h"):
                parts.append(f"<{kind}>{html.escape(value)}</{kind}>")
            elif kind == "p":
                parts.append(f"<p>{html.escape(value)}</p>")
            elif kind == "ul":
                parts.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in value) + "</ul>")
            elif kind == "table":
                frame, image = value
                table = _html_table(frame)
                if image is None:
                    parts.append(table)
                else:
                    parts.append(f'<div class="pair">{table}{_html_image(image)}</div>')
            elif kind == "img":
                parts.append(_html_image(value))
        parts.append("</body>\n</html>\n")
        return "\n".join(parts)

    def to_markdown(self, figure_dir: str) -> str:
        lines: list[str] = []
        for kind, value in self.blocks:
            if kind.startswith("h"):
                lines += ["#" * int(kind[1]) + " " + value, ""]
            elif kind == "p":
                lines += [value, ""]
            elif kind == "ul":
                lines += [f"- {i}" for i in value] + [""]
            elif kind == "table":
                lines += [_markdown_table(value[0]), ""]
                if value[1] is not None:
                    lines += [f"![{value[1][0]}]({figure_dir}/{value[1][0]}.png)", ""]
            elif kind == "img":
                lines += [f"![{value[0]}]({figure_dir}/{value[0]}.png)", ""]
        return "\n".join(lines)


_CSS = ("body{font-family:'Noto Sans CJK SC','Microsoft YaHei','PingFang SC',sans-serif;"
        "max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
        "table{border-collapse:collapse;margin:1em 0;font-size:0.9em}"
        "th,td{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}"
        "th.num,td.num{text-align:right;font-variant-numeric:tabular-nums}"
        "th{background:#f3f3f3}img{max-width:100%}h1{border-bottom:2px solid #2166ac}"
        ".pair{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}"
        ".pair figure{flex:1 1 420px;margin:1em 0}")


def _html_image(image: tuple[str, bytes]) -> str:
    name, png = image
    data = base64.b64encode(png).decode("ascii")
    return f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,{data}"></figure>'


def _html_table(frame: pd.DataFrame) -> str:
    numeric = frame.attrs.get("numeric", set())
    cls = [' class="num"' if c in numeric else "" for c in frame.columns]
    head = "".join(f"<th{k}>{html.escape(str(c))}</th>" for c, k in zip(frame.columns, cls))
    rows = "".join("<tr>" + "".join(f"<td{k}>{html.escape(str(v))}</td>" for v, k in zip(row, cls))
                   + "</tr>" for row in frame.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _display(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Column names and word values in the report's language (numbers untouched)."""
    out = frame.copy()
    words = VALUES[lang]
    for c in out.columns:
        if words and (out[c].dtype == object or pd.api.types.is_string_dtype(out[c])):
            out[c] = out[c].map(lambda v: _translate(v, words) if isinstance(v, str) else v)
    out.columns = [COLUMNS[lang].get(str(c), str(c)) for c in out.columns]
    return out


def _translate(value: str, words: dict[str, str]) -> str:
    if value in words:
        return words[value]
    for prefix in ("rejected: ", "mean: "):
        if value.startswith(prefix) and prefix in words:
            return words[prefix] + value[len(prefix):]
    return value


def _sheet_name(name: str, taken: dict) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:28] or "sheet"
    candidate, k = base, 2
    while candidate in taken:
        candidate, k = f"{base[:26]}_{k}", k + 1
    return candidate


def _format_frame(frame: pd.DataFrame, digits: int) -> pd.DataFrame:
    out = frame.copy()
    numeric = set()
    for c in out.columns:
        if pd.api.types.is_bool_dtype(out[c]):
            out[c] = out[c].astype(str)
        elif pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].map(lambda v: "" if pd.isna(v) else f"{v:.{digits}f}")
            numeric.add(c)
        elif pd.api.types.is_integer_dtype(out[c]):
            out[c] = out[c].astype(object).where(out[c].notna(), "").astype(str)
            numeric.add(c)
        else:
            out[c] = out[c].astype(object).where(out[c].notna(), "").astype(str)
    out.attrs["numeric"] = numeric
    return out


def _markdown_table(frame: pd.DataFrame) -> str:
    def cell(v: Any) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")

    numeric = frame.attrs.get("numeric", set())
    head = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---:" if c in numeric else "---" for c in frame.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def _write_workbook(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    """One sheet per table, header row frozen, columns wide enough for their text."""
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "A2"
            for j, column in enumerate(frame.columns, start=1):
                width = max([len(str(column))] + [len(str(v)) for v in frame[column].head(200)])
                sheet.column_dimensions[sheet.cell(1, j).column_letter].width = min(60, 2 + 1.6 * width)
                if pd.api.types.is_float_dtype(frame[column]):
                    for cell in sheet.iter_rows(min_row=2, min_col=j, max_col=j):
                        cell[0].number_format = "0.00"


def _short(codebook: Codebook, qid: str) -> str:
    q = codebook.question(qid)
    return q.row if q.row is not None else q.text


def _by_name(codebook: Codebook, by: str) -> str:
    return codebook.question(by).text if by in codebook.ids else codebook.administrative.get(by, by)


def _scored_mean(values: pd.Series, q) -> float:
    """Mean answer with a reverse-worded item flipped (higher = better on every item)."""
    mean = values.astype("float64").mean()
    return q.scale.min + q.scale.max - mean if q.reverse and q.scale is not None else mean


def key_findings(valid: pd.DataFrame, codebook: Codebook, validation: ValidationResult | None = None,
                 *, by: str | None = None, lang: str = "en") -> list[str]:
    """Plain-language findings: response rate, CSAT, NPS, groups by label, gaps, IPA priorities.

    A finding is written only when the codebook has the questions it needs (a CSAT item, the
    recommendation question, expectation/perception pairs, importance items).

    Parameters
    ----------
    valid
        The valid questionnaires.
    codebook
        The questionnaire definition.
    validation
        The :class:`ValidationResult` of :func:`validate`, for the response-rate sentence.
    by
        Optional question or column whose groups are compared.
    lang
        ``"en"`` or ``"zh"``.

    Returns
    -------
    list of str
        One sentence per finding.

    Examples
    --------
    >>> from crmlab.datasets import load_dataset
    >>> from crmlab.survey import course_codebook, validate
    >>> checked = validate(load_dataset("survey_responses"), course_codebook())
    >>> key_findings(checked.valid, course_codebook(), checked)[0]
    '405 questionnaires received, 383 valid (94.6 %); 22 set aside as blank or invalid.'
    """
    t = TEXT[lang]
    found: list[str] = []
    if validation is not None:
        found.append(t["f_received"].format(
            received=validation.received, valid=len(validation.valid),
            pct=100 * len(validation.valid) / max(validation.received, 1),
            rejected=len(validation.rejected)))
    satisfaction, recommend = overall_items(codebook)
    if satisfaction and valid[satisfaction].notna().any():
        q = codebook.question(satisfaction)
        c = stats.csat(valid[satisfaction].dropna(), scale=q.scale.points, minimum=q.scale.min)
        found.append(t["f_csat"].format(csat=c.csat, lo=c.ci_low, hi=c.ci_high))
    if recommend and valid[recommend].notna().any():
        r = stats.nps(valid[recommend])
        found.append(t["f_nps"].format(nps=r.nps, lo=r.ci_low, hi=r.ci_high, p=r.promoters,
                                       pa=r.passives, d=r.detractors))
    if by and by in valid.columns:
        groups = group_labels(valid, codebook, by)
        name = _by_name(codebook, by)
        if recommend:
            per = valid[recommend].groupby(groups, observed=True).apply(
                lambda s: stats.nps(s).nps if s.notna().any() else np.nan).dropna()
            if len(per) > 1:
                found.append(t["f_by"].format(by=name, best=per.idxmax(), bv=per.max(),
                                              worst=per.idxmin(), wv=per.min()))
        if satisfaction:
            measures, tests = compare_groups(valid, codebook, by, items=[])
            csat_rows = measures[measures["measure"] == "CSAT %"].set_index("group")["value"]
            test = tests[tests["measure"] == "CSAT %"].iloc[0]
            if len(csat_rows) > 1 and test["p_value"] == test["p_value"]:
                found.append(t["f_by_csat"].format(
                    by=name, best=csat_rows.idxmax(), bv=csat_rows.max(), worst=csat_rows.idxmin(),
                    wv=csat_rows.min(), p=test["p_value"],
                    sig=t["sig"] if test["p_value"] < 0.05 else t["nosig"]))
    likert = [i for i in codebook.items(type="likert") if i != satisfaction]
    if likert and not codebook.pairs():
        means = {_short(codebook, i): _scored_mean(valid[i], codebook.question(i)) for i in likert}
        means = {k: v for k, v in means.items() if v == v}
        if means:
            low = min(means, key=means.get)
            found.append(t["f_low_item"].format(item=low, mean=means[low]))
    if codebook.pairs():
        dims = stats.servqual_gaps(valid, codebook, level="dimension")
        worst = dims.sort_values("gap").iloc[0]
        found.append(t["f_gap"].format(label=worst["label"], gap=worst["gap"], ratio=worst["ratio"]))
        met = dims.loc[dims["gap"] >= 0, "label"].tolist()
        if met:
            found.append(t["f_met"].format(labels=", ".join(met)))
        if "importance" in dims.columns:
            ipa = stats.importance_performance(valid, codebook)
            focus = ipa.loc[ipa["quadrant"].str.startswith("concentrate"), "label"].tolist()
            if focus:
                found.append(t["f_focus"].format(labels=", ".join(focus)))
            overkill = ipa.loc[ipa["quadrant"].str.startswith("possible overkill"), "label"].tolist()
            if overkill:
                found.append(t["f_overkill"].format(labels=", ".join(overkill)))
    return found


def survey_report(responses: pd.DataFrame | ValidationResult, codebook: Codebook,
                  out_dir: str | Path, *, title: str | None = None, by: str | None = None,
                  crosstabs: Sequence[tuple[str, str]] = (), lang: str | None = None,
                  max_rejected_rows: int = 200, max_text_answers: int = 300) -> SurveyReport:
    """Validate, analyse and write ``report.html``, ``report.md`` and the Excel workbook.

    Parameters
    ----------
    responses
        Questionnaires as read (they are validated here), or a :class:`ValidationResult`.
    codebook
        The questionnaire definition.
    out_dir
        Folder to write to (created); Markdown figures go to ``out_dir/figures``.
    title
        Report title (default: the codebook's).
    by
        A question (``member``) or column whose groups are compared, named by their labels.
    crosstabs
        Pairs of closed single-answer questions to cross-tabulate (χ², Cramér's V).
    lang
        ``"zh"`` or ``"en"`` for headings and column names (default: Chinese when the
        codebook's texts are Chinese).
    max_rejected_rows, max_text_answers
        At most this many rejected questionnaires / free-text answers per question are listed,
        in the documents and the workbook (all are counted, and the documents say how many
        more there are).

    Returns
    -------
    SurveyReport
        The paths written, the validation, the findings and every table.

    Examples
    --------
    >>> import tempfile
    >>> cb = Codebook.from_dict({"title": "服务调查", "id_column": "no", "questions": [
    ...     {"id": "q1", "number": 1, "text": "您的性别", "type": "single",
    ...      "options": {1: "男", 2: "女"}}]})
    >>> rep = survey_report(pd.DataFrame({"no": [1, 2, 3], "q1": [1, 2, 2]}), cb,
    ...                     tempfile.mkdtemp(), lang="en")
    >>> rep.workbook.name, [p.name for p in rep.figures]
    ('statistics_tables.xlsx', ['funnel.png', 'q_q1.png'])
    """
    from crmlab.plots import survey as plots

    lang = report_language(codebook, lang)
    result = responses if isinstance(responses, ValidationResult) else validate(responses, codebook)
    valid = result.valid
    if len(valid) == 0:
        raise CrmlabInputError("no valid questionnaire: there is nothing to report "
                               f"({result.received} received, all rejected)")
    if by is not None and by not in valid.columns:
        raise CrmlabInputError(f"--by {by!r} is neither a question of the codebook nor a column "
                               f"of the responses (questions: {', '.join(codebook.ids[:12])} …)")
    for pair in crosstabs:
        for qid in pair:
            if codebook.question(qid).type not in ("single", "likert", "rating"):
                raise CrmlabInputError(f"cannot cross-tabulate {qid!r}: only single-answer "
                                       "questions (single, likert, rating) can be cross-tabulated")
    out = Path(out_dir)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    title = title or codebook.title or TEXT[lang]["title"]
    doc = _Doc(lang)
    doc.h(1, title)
    findings = key_findings(valid, codebook, result, by=by, lang=lang)
    doc.h(2, doc.t("findings"))
    doc.bullets(findings)
    _funnel_section(doc, result, plots, max_rejected_rows)
    doc.h(2, doc.t("statistics"))
    doc.p(doc.t("statistics_note"))
    table = statistics_table(valid, codebook)
    doc.table(table.drop(columns=["question", "code"]), 1,
              sheet="统计表" if lang == "zh" else "statistics")
    _question_sections(doc, valid, codebook, plots, table)
    _overall_section(doc, valid, codebook, plots)
    _likert_section(doc, valid, codebook, plots)
    _text_section(doc, valid, codebook, max_text_answers)
    if by is not None:
        _group_section(doc, valid, codebook, by)
    if crosstabs:
        _crosstab_section(doc, valid, codebook, crosstabs)
    _course_sections(doc, valid, codebook, plots)

    figures = []
    for name, png in doc.images():
        path = out / "figures" / f"{name}.png"
        path.write_bytes(png)
        figures.append(path)
    html_path = out / "report.html"
    html_path.write_text(doc.to_html(title), encoding="utf-8")
    md_path = out / "report.md"
    md_path.write_text(doc.to_markdown("figures"), encoding="utf-8")
    workbook = out / TEXT[lang]["workbook"]
    _write_workbook(workbook, doc.sheets)
    return SurveyReport(html_path, md_path, workbook, figures, result, findings, dict(doc.sheets))


def _funnel_section(doc: _Doc, result: ValidationResult, plots, max_rows: int) -> None:
    doc.h(2, doc.t("funnel"))
    doc.p(doc.t("funnel_note"))
    funnel = result.funnel()
    named = funnel.assign(stage=funnel["stage"].map(lambda v: _translate(v, VALUES[doc.lang])))
    image = doc.figure("funnel", lambda ax: plots.funnel_chart(named, ax=ax), (8, 3.5),
                       inline=False)
    doc.table(funnel, 1, sheet="问卷检查" if doc.lang == "zh" else "funnel", figure=image)
    if len(result.rejected):
        rejected = result.rejected.drop(columns=["reasons"]).rename(
            columns={c: "questionnaire" for c in result.rejected.columns[1:2] if c not in
                     ("status", "reason", "detail")})
        doc.table(rejected.head(max_rows),
                  sheet="剔除问卷" if doc.lang == "zh" else "rejected")
        if len(result.rejected) > max_rows:
            doc.p(doc.t("more_rejected", n=len(result.rejected) - max_rows))


def _question_sections(doc: _Doc, valid: pd.DataFrame, codebook: Codebook, plots,
                       statistics: pd.DataFrame) -> None:
    """One table (counts, %) with its bar chart per closed question; a matrix as one chart."""
    per_question = {qid: part for qid, part in statistics.groupby("question", sort=False)}
    doc.h(2, doc.t("questions"))
    done: set[str] = set()
    for q in codebook.questions:
        if q.type not in ("single", "multiple", "likert", "rating") or q.id in done:
            continue
        if q.matrix:
            rows = codebook.matrices()[q.matrix]
            done.update(rows)
            _matrix_block(doc, valid, codebook, rows, plots)
            continue
        table = per_question[q.id][["label", "count", "percent"]].reset_index(drop=True)
        percent = "percent"
        shown = table[table["count"] > 0] if q.type == "rating" else table
        shown = shown.assign(label=shown["label"].map(lambda v: _translate(v, VALUES[doc.lang])))
        number = f"{q.number}. " if q.number is not None else ""
        doc.h(3, f"{number}{q.text}")
        longest = max(sum(2 if ord(ch) > 0x2e80 else 1 for ch in str(label))
                      for label in shown["label"])
        image = doc.figure(f"q_{q.id}", lambda ax, s=shown: plots.tally_bar(
            s, percent=percent, ax=ax, xlabel=doc.t("bar_axis")),
            (6, 0.4 * len(shown) + 1.3), inline=False, left=min(0.5, 0.04 + 0.0135 * longest))
        doc.table(table, 1, figure=image)


def _matrix_block(doc: _Doc, valid: pd.DataFrame, codebook: Codebook, rows: list[str], plots) -> None:
    first = codebook.question(rows[0])
    number = f"{first.number}. " if first.number is not None else ""
    doc.h(3, f"{number}{first.stem}")
    summary = _likert_frame(valid, codebook, rows)
    labels = first.labels
    image = doc.figure(f"q_{first.matrix}", lambda ax: plots.likert_bars(
        summary, label="text", ax=ax, answer_labels=labels, xlabel=doc.t("likert_axis"),
        legend_title=doc.t("answer")), (9, 0.5 * len(rows) + 2.0), inline=False)
    counts = pd.DataFrame({"text": summary["text"]})
    for code, label in labels.items():
        counts[label] = [int((valid[r].astype("float64") == code).sum()) for r in rows]
    counts["n"] = summary["n"].astype(int).to_numpy()
    counts["mean"] = summary["mean"].to_numpy()
    doc.table(counts, 2, figure=image, sheet=f"{'矩阵' if doc.lang == 'zh' else 'matrix'}_{first.matrix}")


def _likert_frame(valid: pd.DataFrame, codebook: Codebook, items: list[str]) -> pd.DataFrame:
    summary = stats.likert_summary(valid, items, codebook=codebook)
    summary["text"] = [_short(codebook, i) + (TEXT["zh" if _CJK.search(_short(codebook, i)) else "en"]
                                              ["reverse"] if codebook.question(i).reverse else "")
                       for i in items]
    return summary


def _overall_section(doc: _Doc, valid: pd.DataFrame, codebook: Codebook, plots) -> None:
    satisfaction, recommend = overall_items(codebook)
    if not (satisfaction or recommend):
        return
    doc.h(2, doc.t("overall"))
    doc.p(doc.t("overall_note"))
    rows = []
    if satisfaction:
        q = codebook.question(satisfaction)
        c = stats.csat(valid[satisfaction].dropna(), scale=q.scale.points, minimum=q.scale.min)
        rows.append({"measure": "CSAT (% top-2-box)", "value": c.csat, "ci_low": c.ci_low,
                     "ci_high": c.ci_high, "n": c.n})
    image = None
    if recommend and valid[recommend].notna().any():
        r = stats.nps(valid[recommend])
        rows.append({"measure": "NPS", "value": r.nps, "ci_low": r.ci_low, "ci_high": r.ci_high,
                     "n": r.n})
        image = doc.figure("nps", lambda ax: plots.nps_bar(r, ax=ax), (8, 2.4), inline=False)
    doc.table(pd.DataFrame(rows), 1, sheet="CSAT_NPS", figure=image)


def _likert_section(doc: _Doc, valid: pd.DataFrame, codebook: Codebook, plots) -> None:
    likert = [i for i in codebook.items(type="likert") if codebook.question(i).role == "perception"] \
        or codebook.items(type="likert")
    if not likert:
        return
    doc.h(2, doc.t("likert"))
    doc.p(doc.t("likert_note"))
    summary = _likert_frame(valid, codebook, likert)
    labels = codebook.question(likert[0]).labels
    shown = summary.drop(columns=["item"]).rename(columns=lambda c: labels.get(c, c))
    doc.table(shown, 1, sheet="李克特" if doc.lang == "zh" else "likert")
    doc.figure("likert", lambda ax: plots.likert_bars(
        summary, label="text", ax=ax, answer_labels=labels, xlabel=doc.t("likert_axis"),
        legend_title=doc.t("answer")), (10, 0.42 * len(likert) + 2.0))


def _text_section(doc: _Doc, valid: pd.DataFrame, codebook: Codebook, limit: int) -> None:
    columns = [(q.id, q.text) for q in codebook.questions if q.type == "text"]
    columns += [(f"{q.id}_other", doc.t("other_text", q=q.text)) for q in codebook.questions
                if q.type == "multiple" and f"{q.id}_other" in valid.columns]
    columns = [(c, name) for c, name in columns if answered(valid[c]).any()]
    if not columns:
        return
    doc.h(2, doc.t("texts"))
    numbers = (valid[codebook.id_column] if codebook.id_column in valid.columns
               else pd.Series(valid.index, index=valid.index)).astype(str)
    listed = []
    for column, name in columns:
        given = answered(valid[column])
        frame = pd.DataFrame({"questionnaire": numbers[given].to_numpy(),
                              "answer_text": valid.loc[given, column].astype(str).str.strip().to_numpy()})
        doc.h(3, name)
        doc.table(frame.head(limit))
        if len(frame) > limit:
            doc.p(doc.t("texts_more", n=len(frame) - limit))
        listed.append(frame.head(limit).assign(text=name))
    doc.sheets[_sheet_name("开放题" if doc.lang == "zh" else "free_text", doc.sheets)] = _display(
        pd.concat(listed, ignore_index=True)[["text", "questionnaire", "answer_text"]], doc.lang)


def _group_section(doc: _Doc, valid: pd.DataFrame, codebook: Codebook, by: str) -> None:
    name = _by_name(codebook, by)
    doc.h(2, doc.t("groups", by=name))
    doc.p(doc.t("groups_note"))
    measures, tests = compare_groups(valid, codebook, by)
    doc.table(measures, 2, sheet="分组指标" if doc.lang == "zh" else "group_measures")
    doc.table(tests, 4, sheet="分组检验" if doc.lang == "zh" else "group_tests")


def _crosstab_section(doc: _Doc, valid: pd.DataFrame, codebook: Codebook, pairs) -> None:
    doc.h(2, doc.t("crosstabs"))
    for row, col in pairs:
        result, warned = crosstab_table(valid, codebook, row, col)
        doc.h(3, f"{_short(codebook, row)} × {_short(codebook, col)}")
        doc.p(doc.t("crosstab_line", row=_short(codebook, row), col=_short(codebook, col),
                    chi2=result.chi2, dof=result.dof, p=result.p_value, v=result.cramers_v))
        for message in warned:
            doc.p(message)
        counts = result.table.copy()
        counts.columns = [str(c) for c in counts.columns]
        counts = counts.reset_index().rename(columns={counts.index.name or "index": _short(codebook, row)})
        counts.columns = [str(c) for c in counts.columns]
        doc.table(counts, 0, sheet=f"{row}×{col}")
        percent = result.percent.copy()
        percent.columns = [str(c) for c in percent.columns]
        percent = percent.reset_index()
        percent.columns = [_short(codebook, row)] + [str(c) for c in percent.columns[1:]]
        doc.p(doc.t("row_percent"))
        doc.table(percent, 1, sheet=f"{row}×{col} %")


def _course_sections(doc: _Doc, valid: pd.DataFrame, codebook: Codebook, plots) -> None:
    """Reliability, SERVQUAL gaps and IPA, when the codebook has the items for them."""
    roles = [r for r in ("expectation", "perception") if len(codebook.items(role=r, type="likert")) >= 2]
    if roles:
        doc.h(2, doc.t("reliability"))
        rows = []
        for role in roles:
            a = stats.reliability(valid, codebook, role=role)
            rows.append({"scale": role, "items": a.k, "n": a.n, "alpha": a.alpha,
                         "ci_low": a.ci_low, "ci_high": a.ci_high})
            for dim in codebook.dimensions:
                if len(codebook.items(role=role, dimension=dim, type="likert")) >= 2:
                    d = stats.reliability(valid, codebook, role=role, dimension=dim)
                    rows.append({"scale": f"{role}: {dim}", "items": d.k, "n": d.n,
                                 "alpha": d.alpha, "ci_low": d.ci_low, "ci_high": d.ci_high})
        doc.p(doc.t("reliability_note"))
        doc.table(pd.DataFrame(rows), 3, sheet="信度" if doc.lang == "zh" else "reliability")
        main_role = "perception" if "perception" in roles else roles[0]
        doc.p(doc.t("item_analysis", role=main_role))
        doc.table(stats.reliability(valid, codebook, role=main_role).items, 3,
                  sheet="题项分析" if doc.lang == "zh" else "item_analysis")
    if not codebook.pairs():
        return
    doc.h(2, doc.t("servqual"))
    doc.p(doc.t("servqual_note"))
    dims = stats.servqual_gaps(valid, codebook, level="dimension")
    image = doc.figure("gaps", lambda ax: plots.gap_chart(dims, ax=ax), (8, 3.8), inline=False)
    doc.table(dims, 2, sheet="SERVQUAL", figure=image)
    doc.table(stats.servqual_gaps(valid, codebook, level="item"), 2, sheet="SERVQUAL_items")
    if "importance" in dims.columns:
        doc.h(2, doc.t("ipa"))
        ipa = stats.importance_performance(valid, codebook)
        doc.p(doc.t("ipa_note"))
        image = doc.figure("ipa", lambda ax: plots.ipa_chart(ipa, ax=ax), (7, 5.5), inline=False)
        doc.table(ipa, 2, sheet="IPA", figure=image)
