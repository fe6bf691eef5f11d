"""Questions graded by hand: review pages, a score sheet to fill in, and merging it back.

A question with ``compare=manual`` (a written answer, a discussion, a chart's interpretation) is
not scored by the grader: each student's answer (the value of the ``answer=`` variable, usually
a text) is kept in the result, and every grading run writes into ``<out>/manual/``:

- ``<question>.html``: the question's rubric and the model answer, then **all students' answers
  side by side** (one card each, with any score already given);
- ``scores.csv`` and ``scores.xlsx``: one row per student and manual question with columns
  ``student, name, question, max, points, comment``: fill in ``points`` (and ``comment``) in
  either file (Excel may save the CSV as GBK; both encodings are read).

``crmlab grade ... --merge-manual manual/scores.xlsx`` then validates the sheet (known
students and questions, points within 0–max) and stores the scores in ``manual/merged.json``,
which every later run applies, so regrading (``--force``) keeps them. An empty ``points`` cell
means "not graded yet"; a later merge replaces a student's earlier score for that question.

Examples
--------
>>> answer_text({"t": "scalar", "v": "Champions: they buy most often."})
'Champions: they buy most often.'
>>> answer_text({"t": "list", "items": [{"t": "scalar", "v": "a"}, {"t": "scalar", "v": 1}]})
"['a', 1]"
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from crmlab._checks import CrmlabInputError
from crmlab.i18n import t
from crmlab.grader.authoring import Lab
from crmlab.grader.jobs import atomic_write

MANUAL = "manual"
MAX_ANSWER_CHARS = 20_000
COLUMNS = ["student", "name", "question", "max", "points", "comment"]


def answer_text(plain: Any) -> str:
    """A student's exported answer as text for the reviewer (a string as it is; tables printed)."""
    from crmlab.grader.checks import from_plain

    if isinstance(plain, dict) and plain.get("t") == "scalar" and isinstance(plain.get("v"), str):
        text = plain["v"]
    else:
        try:
            value = from_plain(plain)
        except (KeyError, TypeError, ValueError):
            value = plain
        text = value.to_string(max_rows=60) if hasattr(value, "to_string") else str(value)
    return text[:MAX_ANSWER_CHARS] + (" …" if len(text) > MAX_ANSWER_CHARS else "")


def manual_entry(question: Any, got: dict[str, Any], reason: str | None) -> dict[str, Any]:
    """The result entry of a manual question: no points yet, the answer kept for review."""
    parts = []
    for name in question.answer:
        event = got.get(name)
        if event is None:
            parts.append(reason or t("grade.not_defined", name=name))
        elif "error" in event:
            parts.append(f"({event['error']})")
        else:
            parts.append(answer_text(event.get("value")))
    return {"points": 0.0, "max": question.points, "ok": False, "manual": True,
            "message": t("grade.manual_scored"), "answer": "\n\n".join(parts)}


def merged_path(out: Path) -> Path:
    return Path(out) / "manual" / "merged.json"


def load_merged(out: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """student → question → {points, comment} from earlier merges (empty when none)."""
    path = merged_path(out)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _read_sheet(path: Path) -> list[dict[str, str]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # noqa: BLE001 - a corrupt workbook: say so
            raise CrmlabInputError(f"{path} is not a readable Excel workbook ({exc})") from None
        rows = list(sheet.iter_rows(values_only=True))
        if not rows:
            return []
        header = [str(h or "").strip() for h in rows[0]]
        return [{h: "" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() and h != "points"
                                         else str(v)).strip() for h, v in zip(header, row, strict=False)}
                for row in rows[1:] if any(v is not None for v in row)]
    from crmlab.grader.lms import read_csv_rows

    return read_csv_rows(path)


def merge_scores(path: str | Path, lab: Lab, out: str | Path, students: set[str]) -> int:
    """Validate a filled-in score sheet and store its scores for every later run; returns how many.

    Raises :class:`CrmlabInputError` naming the row for an unknown student or question, a
    question that is not graded by hand, or points that are not a number within 0–max.
    """
    path, out = Path(path), Path(out)
    if not path.is_file():
        raise CrmlabInputError(f"{path} does not exist")
    rows = _read_sheet(path)
    missing = {"student", "question", "points"} - set(rows[0] if rows else {})
    if missing:
        raise CrmlabInputError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    maxima = {q.id: q.points for q in lab.questions if q.compare == MANUAL}
    merged = load_merged(out)
    count = 0
    for number, row in enumerate(rows, start=2):
        where = f"{path}, row {number}"
        student, qid, raw = row["student"], row["question"], row["points"]
        if qid not in maxima:
            known = ", ".join(maxima) or "none"
            raise CrmlabInputError(f"{where}: {qid!r} is not a question graded by hand (those are: {known})")
        if student not in students:
            raise CrmlabInputError(f"{where}: no graded submission from {student!r}")
        if raw == "":
            continue
        try:
            points = float(raw)
        except ValueError:
            raise CrmlabInputError(f"{where}: points {raw!r} is not a number") from None
        if not 0 <= points <= maxima[qid]:
            raise CrmlabInputError(f"{where}: {points:g} points is outside 0–{maxima[qid]:g} for {qid}")
        merged.setdefault(student, {})[qid] = {"points": points, "comment": row.get("comment", "")}
        count += 1
    atomic_write(merged_path(out), json.dumps(merged, ensure_ascii=False, indent=1, sort_keys=True))
    return count


def model_answers(lab: Lab, expected: dict[str, Any]) -> dict[str, str]:
    """The model answer of each hand-graded question, as text, from an answer key.

    Parameters
    ----------
    lab : Lab
        The parsed source notebook.
    expected : dict
        Its answer key (``expected["answers"][question][name]["value"]``).

    Returns
    -------
    dict
        Question id → the model answer (several answer variables joined by a blank line).

    Examples
    --------
    >>> from crmlab.grader.authoring import parse_lab
    >>> from crmlab.grader.plain import to_plain
    >>> lab = parse_lab({"cells": [{"cell_type": "code", "metadata": {}, "source":
    ...     "# QUESTION d1 points=1 answer=why compare=manual\\n# RUBRIC: 1 point: a reason\\nwhy = 'C0042 pays late'"}]})
    >>> model_answers(lab, {"answers": {"d1": {"why": {"value": to_plain("C0042 pays late")}}}})
    {'d1': 'C0042 pays late'}
    """
    answers = expected.get("answers", {})
    return {q.id: "\n\n".join(answer_text(answers[q.id][name]["value"]) for name in q.answer
                               if name in answers.get(q.id, {}))
            for q in lab.questions if q.compare == MANUAL}


def write_review(out: str | Path, lab: Lab, results: list[dict[str, Any]], expected: dict[str, Any],
                 merged: dict[str, dict[str, dict[str, Any]]]) -> int:
    """Write the review pages and score sheets for the manual questions; returns answers still to grade."""
    questions = [q for q in lab.questions if q.compare == MANUAL]
    if not questions:
        return 0
    folder = Path(out) / "manual"
    people = sorted(results, key=lambda r: (r.get("name") or r["student"], r["student"]))
    sheet, pending = [], 0
    for q in questions:
        cards = []
        for result in people:
            info = result["questions"].get(q.id, {})
            given = merged.get(result["student"], {}).get(q.id)
            pending += given is None
            sheet.append([result["student"], result.get("name", ""), q.id, q.points,
                          "" if given is None else given["points"], "" if given is None else given["comment"]])
            score = "not graded yet" if given is None else f"{given['points']:g} / {q.points:g} {given['comment']}"
            own = (result.get("model_answers") or {}).get(q.id)  # graded on the student's own data
            own_html = ("" if own is None else
                        f"<details><summary>model answer on this student's data</summary>"
                        f"<pre>{html.escape(own)}</pre></details>")
            cards.append(f"<div class='card'><h3>{html.escape(result.get('name') or result['student'])} "
                         f"<small>{html.escape(result['student'])}</small></h3>"
                         f"<pre>{html.escape(str(info.get('answer', '(no answer)')))}</pre>{own_html}"
                         f"<p class='score'>{html.escape(score)}</p></div>")
        model = model_answers(lab, expected).get(q.id, "")
        page = (f"<!doctype html>\n<html><head><meta charset='utf-8'><title>{html.escape(q.id)}</title><style>"
                "body{font-family:sans-serif}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(22em,1fr));"
                "gap:1em}.card{border:1px solid #ccc;padding:.5em}pre{white-space:pre-wrap}.score{color:#555}"
                f"</style></head><body>\n<h1>{html.escape(q.id)} ({q.points:g} points, graded by hand)</h1>\n"
                f"<h2>Rubric</h2><pre>{html.escape(q.rubric or '(none given)')}</pre>\n"
                f"<h2>Model answer</h2><pre>{html.escape(model)}</pre>\n"
                f"<h2>{len(cards)} answers</h2><div class='grid'>\n" + "\n".join(cards) + "\n</div></body></html>\n")
        atomic_write(folder / f"{q.id}.html", page)
    _write_sheets(folder, sheet)
    return pending


def _write_sheets(folder: Path, rows: list[list[Any]]) -> None:
    from crmlab._spreadsheet import csv_text, text_cells_as_text

    atomic_write(folder / "scores.csv", csv_text(COLUMNS, rows))  # BOM, and no cell runs as a formula
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "scores"
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append(row)
    text_cells_as_text(sheet)  # a name starting with "=" is text, never a formula
    tmp = folder / ".scores.xlsx.tmp"
    book.save(tmp)
    tmp.replace(folder / "scores.xlsx")
