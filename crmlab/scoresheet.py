"""Printable score sheets from a rubric YAML: an Excel form for the class and a Word form per rater.

``crmlab scoresheet exercises/rubric_presentation.yaml --out sheets/`` writes

- ``<rubric>.xlsx``: one row per (rater, student), the columns ``crmlab rubric score`` reads
  (``rater``, ``role``, ``student`` and one column per part, with its maximum in the header
  comment row), data validation that rejects points above a part's maximum, and a total column.
  Saved as CSV (UTF-8) it is a score sheet for ``crmlab rubric score``.
- ``<rubric>.docx``: the paper form: item, part, base or distinction, maximum, an empty
  column to write the points in, and lines for the rater, the student or group and the date.

The sheet is built from the rubric's own parts (:func:`crmlab.grader.rubric.load_rubric`), so
the form and the scoring can never disagree.

Examples
--------
>>> from crmlab.grader.rubric import parse_rubric
>>> spec = parse_rubric({"items": [{"id": "content", "parts": [{"id": "theory", "max": 15}]}]})
>>> sheet_columns(spec)
['rater', 'role', 'student', 'theory', 'total']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crmlab.report_build import CJK_FONT, LATIN_FONT, _east_asian

KIND_LABELS = {"base": "基本分 (base)", "distinction": "优秀分 (distinction)"}


def sheet_columns(spec: Any) -> list[str]:
    """The score sheet's columns: who rates whom, one per part, and the total."""
    return ["rater", "role", "student", *spec.parts["part"], "total"]


def write_xlsx(spec: Any, path: Path, raters: int = 1, students: int = 30) -> Path:
    """The Excel score sheet (header, maxima row, validated blank rows, a total formula)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "scores"
    columns = sheet_columns(spec)
    ws.append(columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    parts = spec.parts.reset_index(drop=True)
    first, last = get_column_letter(4), get_column_letter(3 + len(parts))
    role_rule = DataValidation(type="list", formula1='"' + ",".join(spec.weights or {"teacher": 1}) + '"',
                               allow_blank=True)
    ws.add_data_validation(role_rule)
    rows = max(1, raters) * max(1, students)
    for i, part in parts.iterrows():
        column = get_column_letter(4 + i)
        ws[f"{column}1"].comment = Comment(f"{part['label']}: 0–{part['max']:g} ({part['kind']})", "crmlab")
        rule = DataValidation(type="decimal", operator="between", formula1="0", formula2=f"{part['max']:g}",
                              allow_blank=True, showErrorMessage=True,
                              error=f"{part['label']}: 0 to {part['max']:g} points")
        ws.add_data_validation(rule)
        rule.add(f"{column}2:{column}{rows + 1}")
    role_rule.add(f"B2:B{rows + 1}")
    total = get_column_letter(len(columns))
    for r in range(2, rows + 2):
        ws[f"{total}{r}"] = f"=IF(COUNT({first}{r}:{last}{r})=0,\"\",SUM({first}{r}:{last}{r}))"
    ws.freeze_panes = "D2"
    info = wb.create_sheet("rubric")
    info.append(["item", "part", "label", "kind", "max"])
    for _, part in parts.iterrows():
        info.append([part["item"], part["part"], part["label"], part["kind"], float(part["max"])])
    info.append(["", "", "total", "", spec.total])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_docx(spec: Any, path: Path) -> Path:
    """The paper score sheet for one rater and one student or group."""
    from crmlab._extras import optional_import

    Document = optional_import("docx", purpose="writing a Word score sheet").Document
    from docx.shared import Pt

    doc = Document()
    for name in ("Normal", "Title", "Table Grid"):
        doc.styles[name].font.name = LATIN_FONT
        _east_asian(doc.styles[name], CJK_FONT)
    doc.styles["Normal"].font.size = Pt(11)
    doc.add_paragraph(spec.name, style="Title")
    doc.add_paragraph("评分人 (rater)：__________   身份 (teacher / student)：__________   "
                      "被评学生或小组：__________   日期：__________")
    parts = spec.parts.reset_index(drop=True)
    table = doc.add_table(rows=1, cols=5, style="Table Grid")
    for cell, text in zip(table.rows[0].cells, ["项目 (item)", "评分点 (part)", "类别", "满分", "得分"]):
        cell.text = text
    for _, part in parts.iterrows():
        cells = table.add_row().cells
        cells[0].text, cells[1].text = str(part["item"]), str(part["label"])
        cells[2].text = KIND_LABELS.get(part["kind"], str(part["kind"]))
        cells[3].text = f"{part['max']:g}"
    cells = table.add_row().cells
    cells[1].text, cells[3].text = "合计 (total)", f"{spec.total:g}"
    base = parts.loc[parts["kind"] == "base", "max"].sum()
    doc.add_paragraph(f"基本分合计 {base:g} 分，优秀分合计 {spec.total - base:g} 分。未达到某一评分点时酌情扣分"
                      "（0 到该点满分之间的任何分数）。")
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


def write_sheets(rubric: str | Path, out: str | Path, raters: int = 1, students: int = 30) -> list[Path]:
    """Write ``<out>/<rubric stem>.xlsx`` and ``.docx`` from the rubric YAML at ``rubric``."""
    from crmlab.grader.rubric import load_rubric

    rubric, out = Path(rubric), Path(out)
    spec = load_rubric(rubric)
    return [write_xlsx(spec, out / f"{rubric.stem}.xlsx", raters=raters, students=students),
            write_docx(spec, out / f"{rubric.stem}.docx")]
