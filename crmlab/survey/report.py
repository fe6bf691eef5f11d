"""The survey report: one self-contained HTML file (charts embedded as PNG) and a Markdown twin.

Sections follow the training: the response funnel (received → valid, with every rejected
questionnaire and its reason), the statistics table (counts and percentages of valid
questionnaires for every closed question), then the analysis the satisfaction report of
training 4 builds on — overall satisfaction (CSAT, NPS), Likert items, reliability, SERVQUAL gaps,
importance–performance — and key findings stated in words. Sections whose questions the codebook
lacks are left out.

Examples
--------
>>> import tempfile
>>> from crmlab.datasets import load_dataset
>>> from crmlab.survey import course_codebook, survey_report
>>> out = survey_report(load_dataset("survey_responses"), course_codebook(), tempfile.mkdtemp())
>>> sorted(p.name for p in out.paths)
['report.html', 'report.md']
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from crmlab._checks import CrmlabInputError
from crmlab.survey import stats
from crmlab.survey.codebook import Codebook
from crmlab.survey.tally import statistics_table
from crmlab.survey.validation import ValidationResult, validate

__all__ = ["survey_report", "SurveyReport", "key_findings"]


@dataclass
class SurveyReport:
    """What :func:`survey_report` wrote, and the validation it was based on."""

    html: Path
    markdown: Path
    figures: list[Path]
    validation: ValidationResult
    findings: list[str]

    @property
    def paths(self) -> list[Path]:
        return [self.html, self.markdown]


class _Doc:
    """Blocks rendered twice: to HTML (images inline) and to Markdown (images as files)."""

    def __init__(self) -> None:
        self.blocks: list[tuple[str, Any]] = []

    def h(self, level: int, text: str) -> None:
        self.blocks.append((f"h{level}", text))

    def p(self, text: str) -> None:
        self.blocks.append(("p", text))

    def bullets(self, items: list[str]) -> None:
        self.blocks.append(("ul", items))

    def table(self, frame: pd.DataFrame, digits: int = 2) -> None:
        self.blocks.append(("table", _format_frame(frame, digits)))

    def figure(self, name: str, draw, size=(8, 4.5)) -> None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=size, dpi=100)
        ax = fig.subplots()
        draw(ax)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", metadata={"Software": None},
                    pil_kwargs={"compress_level": 3})
        self.blocks.append(("img", (name, buffer.getvalue())))

    def to_html(self, title: str) -> str:
        parts = [f"<!DOCTYPE html>\n<html lang=\"zh\">\n<head>\n<meta charset=\"utf-8\">\n"
                 f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>"]
        for kind, value in self.blocks:
            if kind.startswith("h"):
                parts.append(f"<{kind}>{html.escape(value)}</{kind}>")
            elif kind == "p":
                parts.append(f"<p>{html.escape(value)}</p>")
            elif kind == "ul":
                parts.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in value) + "</ul>")
            elif kind == "table":
                parts.append(value.to_html(index=False, escape=True, border=0, na_rep=""))
            elif kind == "img":
                name, png = value
                data = base64.b64encode(png).decode("ascii")
                parts.append(f'<figure><img alt="{html.escape(name)}" '
                             f'src="data:image/png;base64,{data}"></figure>')
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
                lines += [_markdown_table(value), ""]
            elif kind == "img":
                lines += [f"![{value[0]}]({figure_dir}/{value[0]}.png)", ""]
        return "\n".join(lines)


_CSS = ("body{font-family:'Noto Sans CJK SC','Microsoft YaHei','PingFang SC',sans-serif;"
        "max-width:1000px;margin:2em auto;padding:0 1em;color:#222}"
        "table{border-collapse:collapse;margin:1em 0;font-size:0.9em}"
        "th,td{border-bottom:1px solid #ddd;padding:3px 8px;text-align:right}"
        "th{background:#f3f3f3}img{max-width:100%}h1{border-bottom:2px solid #2166ac}")


def _format_frame(frame: pd.DataFrame, digits: int) -> pd.DataFrame:
    out = frame.copy()
    out.columns = [str(c) for c in out.columns]
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].map(lambda v: "" if pd.isna(v) else f"{v:.{digits}f}")
        else:
            out[c] = out[c].astype(object).where(out[c].notna(), "").astype(str)
    return out


def _markdown_table(frame: pd.DataFrame) -> str:
    def cell(v: Any) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")

    head = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def _overall_items(codebook: Codebook) -> tuple[str | None, str | None]:
    satisfaction = next((q.id for q in codebook.questions if q.role == "overall" and q.type == "likert"), None)
    recommend = next((q.id for q in codebook.questions if q.role == "overall" and q.type == "rating"
                      and q.scale is not None and (q.scale.min, q.scale.max) == (0, 10)), None)
    return satisfaction, recommend


def key_findings(valid: pd.DataFrame, codebook: Codebook, validation: ValidationResult | None = None,
                 *, by: str | None = None) -> list[str]:
    """Plain-language findings: response rate, satisfaction, NPS, largest gaps, IPA priorities."""
    found: list[str] = []
    if validation is not None:
        found.append(f"{validation.received} questionnaires received, {len(validation.valid)} valid "
                     f"({100 * len(validation.valid) / max(validation.received, 1):.1f} %); "
                     f"{len(validation.rejected)} set aside as blank or invalid.")
    satisfaction, recommend = _overall_items(codebook)
    if satisfaction and valid[satisfaction].notna().any():
        q = codebook.question(satisfaction)
        c = stats.csat(valid[satisfaction], scale=q.scale.points, minimum=q.scale.min)
        found.append(f"CSAT {c.csat:.1f} % of respondents are satisfied or very satisfied "
                     f"(95 % CI {c.ci_low:.1f}–{c.ci_high:.1f} %).")
    if recommend and valid[recommend].notna().any():
        r = stats.nps(valid[recommend])
        found.append(f"NPS {r.nps:+.1f} (95 % CI {r.ci_low:+.1f} to {r.ci_high:+.1f}): "
                     f"{r.promoters} promoters, {r.passives} passives, {r.detractors} detractors.")
        if by and by in valid.columns:
            per = valid.groupby(by, observed=True)[recommend].apply(lambda s: stats.nps(s).nps)
            found.append(f"By {by}: highest NPS {per.idxmax()} ({per.max():+.1f}), lowest "
                         f"{per.idxmin()} ({per.min():+.1f}).")
    if codebook.pairs():
        dims = stats.servqual_gaps(valid, codebook, level="dimension")
        worst = dims.sort_values("gap").iloc[0]
        found.append(f"Largest shortfall: {worst['label']} (perception − expectation = "
                     f"{worst['gap']:+.2f}; satisfaction ratio {worst['ratio']:.2f}).")
        met = dims.loc[dims["gap"] >= 0, "label"].tolist()
        if met:
            found.append(f"Expectations met or exceeded on: {', '.join(met)}.")
        if "importance" in dims.columns:
            ipa = stats.importance_performance(valid, codebook)
            focus = ipa.loc[ipa["quadrant"].str.startswith("concentrate"), "label"].tolist()
            if focus:
                found.append(f"Improve first (important but under-performing): {', '.join(focus)}.")
            overkill = ipa.loc[ipa["quadrant"].str.startswith("possible overkill"), "label"].tolist()
            if overkill:
                found.append(f"Possible over-investment (performing well, less important): "
                             f"{', '.join(overkill)}.")
    return found


def survey_report(responses: pd.DataFrame | ValidationResult, codebook: Codebook,
                  out_dir: str | Path, *, title: str | None = None, by: str | None = "company",
                  max_rejected_rows: int = 200) -> SurveyReport:
    """Validate, analyse and write ``report.html`` (self-contained) and ``report.md``.

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
        A column to compare units on (e.g. the surveyed company); ignored when absent.
    max_rejected_rows
        At most this many rejected questionnaires are listed (all are counted).
    """
    from crmlab.plots import survey as plots

    result = responses if isinstance(responses, ValidationResult) else validate(responses, codebook)
    valid = result.valid
    if len(valid) == 0:
        raise CrmlabInputError("no valid questionnaire: there is nothing to report "
                               f"({result.received} received, all rejected)")
    by = by if by and by in valid.columns else None
    out = Path(out_dir)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    title = title or codebook.title or "Survey report"
    doc = _Doc()
    doc.h(1, title)
    findings = key_findings(valid, codebook, result, by=by)
    doc.h(2, "Key findings (主要发现)")
    doc.bullets(findings)

    doc.h(2, "1. Response funnel (检查问卷: 废卷与白卷)")
    doc.p("Blank (白卷) and invalid (废卷) questionnaires are not counted. Every questionnaire "
          "received is either valid or listed below with its reason.")
    funnel = result.funnel()
    doc.table(funnel, 1)
    doc.figure("funnel", lambda ax: plots.funnel_chart(funnel, ax=ax), (8, 3.5))
    if len(result.rejected):
        shown = result.rejected.head(max_rejected_rows)
        doc.table(shown.drop(columns=["reasons"]))
        if len(result.rejected) > max_rejected_rows:
            doc.p(f"… and {len(result.rejected) - max_rejected_rows} more rejected questionnaires.")

    doc.h(2, "2. Statistics table (统计表)")
    doc.p("Count of valid questionnaires choosing each answer, and that count ÷ valid "
          "questionnaires (multiple choice: percent of respondents, so options add up to more "
          "than 100 %).")
    doc.table(statistics_table(valid, codebook), 1)

    satisfaction, recommend = _overall_items(codebook)
    if satisfaction or recommend:
        doc.h(2, "3. Overall satisfaction and recommendation (CSAT, NPS)")
        rows = []
        if satisfaction:
            q = codebook.question(satisfaction)
            c = stats.csat(valid[satisfaction], scale=q.scale.points, minimum=q.scale.min)
            rows.append({"measure": "CSAT (% top-2-box)", "value": c.csat, "ci_low": c.ci_low,
                         "ci_high": c.ci_high, "n": c.n})
        if recommend:
            r = stats.nps(valid[recommend])
            rows.append({"measure": "NPS", "value": r.nps, "ci_low": r.ci_low, "ci_high": r.ci_high,
                         "n": r.n})
            doc.figure("nps", lambda ax: plots.nps_bar(r, ax=ax), (8, 2.4))
        doc.table(pd.DataFrame(rows), 1)
        if by:
            per = []
            for unit, part in valid.groupby(by, observed=True):
                row = {by: unit, "questionnaires": len(part)}
                if satisfaction:
                    row["CSAT %"] = stats.csat(part[satisfaction], scale=q.scale.points,
                                               minimum=q.scale.min).csat
                if recommend:
                    row["NPS"] = stats.nps(part[recommend]).nps
                per.append(row)
            doc.p(f"By {by}:")
            doc.table(pd.DataFrame(per), 1)

    likert = [i for i in codebook.items(type="likert") if codebook.question(i).role == "perception"] \
        or codebook.items(type="likert")
    if likert:
        doc.h(2, "4. Likert items (李克特量表)")
        doc.p("Answers as given (reverse-worded items are marked in the codebook); top and bottom "
              "box are the percent of the two highest / lowest answers.")
        summary = stats.likert_summary(valid, likert, codebook=codebook)
        doc.table(summary, 1)
        doc.figure("likert", lambda ax: plots.likert_bars(summary, ax=ax),
                   (9, 0.42 * len(likert) + 1.8))

    roles = [r for r in ("expectation", "perception") if len(codebook.items(role=r)) >= 2]
    if roles:
        doc.h(2, "5. Reliability (信度: Cronbach's alpha)")
        rows = []
        for role in roles:
            a = stats.reliability(valid, codebook, role=role)
            rows.append({"scale": role, "items": a.k, "n": a.n, "alpha": a.alpha,
                         "ci_low": a.ci_low, "ci_high": a.ci_high})
            for dim in codebook.dimensions:
                if len(codebook.items(role=role, dimension=dim)) >= 2:
                    d = stats.reliability(valid, codebook, role=role, dimension=dim)
                    rows.append({"scale": f"{role}: {dim}", "items": d.k, "n": d.n, "alpha": d.alpha,
                                 "ci_low": d.ci_low, "ci_high": d.ci_high})
        doc.p("Listwise deletion; reverse-coded items recoded; 95 % Feldt confidence interval.")
        doc.table(pd.DataFrame(rows), 3)
        main_role = "perception" if "perception" in roles else roles[0]
        doc.p(f"Item analysis ({main_role} items):")
        doc.table(stats.reliability(valid, codebook, role=main_role).items, 3)

    if codebook.pairs():
        doc.h(2, "6. SERVQUAL gaps (服务质量差距) and satisfaction ratio")
        doc.p("Gap = perception − expectation (negative: expectations not met); ratio = "
              "perception ÷ expectation, the course's satisfaction ratio (below 1: not met).")
        dims = stats.servqual_gaps(valid, codebook, level="dimension")
        doc.table(dims, 2)
        doc.figure("gaps", lambda ax: plots.gap_chart(dims, ax=ax), (8, 3.8))
        doc.table(stats.servqual_gaps(valid, codebook, level="item"), 2)
        if "importance" in dims.columns:
            doc.h(2, "7. Importance–performance analysis (重要性–绩效分析)")
            ipa = stats.importance_performance(valid, codebook)
            doc.p("Cut-offs are the means over dimensions; a value at or above its cut-off counts "
                  "as high.")
            doc.table(ipa, 2)
            doc.figure("ipa", lambda ax: plots.ipa_chart(ipa, ax=ax), (7, 5.5))

    figures = []
    for kind, value in doc.blocks:
        if kind == "img":
            path = out / "figures" / f"{value[0]}.png"
            path.write_bytes(value[1])
            figures.append(path)
    html_path = out / "report.html"
    html_path.write_text(doc.to_html(title), encoding="utf-8")
    md_path = out / "report.md"
    md_path.write_text(doc.to_markdown("figures"), encoding="utf-8")
    return SurveyReport(html_path, md_path, figures, result, findings)
