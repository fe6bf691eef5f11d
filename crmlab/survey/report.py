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
from crmlab.i18n import catalogue_table, using
from crmlab.i18n import t as catalogue_t
from crmlab.survey import stats
from crmlab.survey.codebook import Codebook
from crmlab.survey.groups import compare_groups, crosstab_table, group_labels, overall_items
from crmlab.survey.tally import statistics_table
from crmlab.survey.validation import ValidationResult, answered, validate

__all__ = ["survey_report", "SurveyReport", "key_findings", "TEXT", "report_language"]

#: Every heading, column name and sentence of the report, per language: views of the course's one
#: message catalogue (:data:`crmlab.i18n.MESSAGES`, keys ``survey.report.*``), where they are translated.
TEXT: dict[str, dict[str, str]] = catalogue_table("survey.report.")
#: Column names of the tables, per language (keys ``survey.column.*``).
COLUMNS: dict[str, dict[str, str]] = catalogue_table("survey.column.")
#: Values shown in tables that are words, per language (funnel stages, test names …; ``survey.value.*``).
VALUES: dict[str, dict[str, str]] = catalogue_table("survey.value.")
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
    from crmlab._spreadsheet import text_cells_as_text

    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            text_cells_as_text(sheet)  # a respondent's "=..." comment stays text, never a formula
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
    lang = report_language(codebook, lang)
    with using(lang):  # the charts' own texts (crmlab.plots) in the report's language
        return _survey_report(responses, codebook, out_dir, lang, title=title, by=by, crosstabs=crosstabs,
                              max_rejected_rows=max_rejected_rows, max_text_answers=max_text_answers)


def _survey_report(responses: pd.DataFrame | ValidationResult, codebook: Codebook, out_dir: str | Path, lang: str,
                   *, title: str | None, by: str | None, crosstabs: Sequence[tuple[str, str]],
                   max_rejected_rows: int, max_text_answers: int) -> SurveyReport:
    from crmlab.plots import survey as plots

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
              sheet=catalogue_t("survey.sheet.statistics", lang))
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
    doc.table(funnel, 1, sheet=catalogue_t("survey.sheet.funnel", doc.lang), figure=image)
    if len(result.rejected):
        rejected = result.rejected.drop(columns=["reasons"]).rename(
            columns={c: "questionnaire" for c in result.rejected.columns[1:2] if c not in
                     ("status", "reason", "detail")})
        doc.table(rejected.head(max_rows),
                  sheet=catalogue_t("survey.sheet.rejected", doc.lang))
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
    doc.table(counts, 2, figure=image, sheet=f"{catalogue_t('survey.sheet.matrix', doc.lang)}_{first.matrix}")


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
    doc.table(shown, 1, sheet=catalogue_t("survey.sheet.likert", doc.lang))
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
    doc.sheets[_sheet_name(catalogue_t("survey.sheet.free_text", doc.lang), doc.sheets)] = _display(
        pd.concat(listed, ignore_index=True)[["text", "questionnaire", "answer_text"]], doc.lang)


def _group_section(doc: _Doc, valid: pd.DataFrame, codebook: Codebook, by: str) -> None:
    name = _by_name(codebook, by)
    doc.h(2, doc.t("groups", by=name))
    doc.p(doc.t("groups_note"))
    measures, tests = compare_groups(valid, codebook, by)
    doc.table(measures, 2, sheet=catalogue_t("survey.sheet.group_measures", doc.lang))
    doc.table(tests, 4, sheet=catalogue_t("survey.sheet.group_tests", doc.lang))


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
        doc.table(pd.DataFrame(rows), 3, sheet=catalogue_t("survey.sheet.reliability", doc.lang))
        main_role = "perception" if "perception" in roles else roles[0]
        doc.p(doc.t("item_analysis", role=main_role))
        doc.table(stats.reliability(valid, codebook, role=main_role).items, 3,
                  sheet=catalogue_t("survey.sheet.item_analysis", doc.lang))
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
