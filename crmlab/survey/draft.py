"""A first codebook drafted from a survey export (``crmlab survey codebook draft``).

An analyst starts from the platform's export: :func:`draft_codebook` reads its headers and
answers and proposes one question per question number — its text, a guessed type (single,
multiple with the options found, a matrix with its rows, a 0–10 rating, a number, free text) and
the option labels seen — which the analyst then edits (dimensions, roles, reverse-worded rows,
required questions). Draft from the *by option text* export when there is one: a by-number
export holds codes only, so its options are drafted as ``选项1``, ``选项2`` … to be renamed.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "export.csv"
>>> _ = path.write_text("序号,提交答卷时间,所用时间,来源,来源详情,来自IP,1、您的性别,2、渠道(可多选)(门店),"
...                     "2、渠道(可多选)(微信)\\n1,t,3秒,微信,N/A,1.1.1.1,男,门店,(空)\\n"
...                     "2,t,4秒,微信,N/A,1.1.1.2,女,(空),微信\\n", encoding="utf-8")
>>> data = draft_codebook(path)
>>> [(q["id"], q["type"], q["options"]) for q in data["questions"]]
[('q1', 'single', {1: '男', 2: '女'}), ('q2', 'multiple', {1: '门店', 2: '微信'})]
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from crmlab.survey.reading import (
    _METADATA, _NUMBERED, _QUALIFIERS, SKIPPED_MARKERS, UNTICKED, _norm, read_export, split_option,
    split_row,
)

__all__ = ["draft_codebook", "write_draft", "KNOWN_SCALES"]

#: Answer scales recognised from their labels (a by-text export of a Likert question).
KNOWN_SCALES: dict[str, dict[int, str]] = {
    "agree5": {1: "非常不同意", 2: "不同意", 3: "一般", 4: "同意", 5: "非常同意"},
    "satisfied5": {1: "非常不满意", 2: "不满意", 3: "一般", 4: "满意", 5: "非常满意"},
    "important5": {1: "非常不重要", 2: "不重要", 3: "一般", 4: "重要", 5: "非常重要"},
}
_MISSING = set(SKIPPED_MARKERS) | {"", "-2", "-3"}
_JOINED = re.compile(r"┋|\|")
_JOINED_COMMA = re.compile(r"┋|\||,\s*|，")
_FREE_TEXT = re.compile(r"建议|意见|原因|为什么|请说明|请填写|看法|comment|why|suggest", re.I)


def draft_codebook(path: str | Path, *, sheet: int | str = 0) -> dict[str, Any]:
    """Propose a codebook (as plain data, ready for YAML) from a survey export.

    Parameters
    ----------
    path
        A ``.csv`` or ``.xlsx`` export (see :func:`~crmlab.survey.read_responses`).
    sheet
        Excel sheet name or position.

    Returns
    -------
    dict
        ``title``, ``id_column``, ``scales`` used, ``questions`` and ``notes`` (what was guessed).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "export.csv"
    >>> _ = path.write_text("1、您的性别,2、您对我们的服务满意吗\\n男,满意\\n女,非常满意\\n女,一般\\n",
    ...                     encoding="utf-8")
    >>> draft = draft_codebook(path)
    >>> draft["questions"]
    [{'id': 'q1', 'number': 1, 'text': '您的性别', 'type': 'single', 'options': {1: '男', 2: '女'}}, {'id': 'q2', 'number': 2, 'text': '您对我们的服务满意吗', 'type': 'likert', 'scale': 'satisfied5'}]
    >>> draft["scales"]["satisfied5"]["labels"][4]
    '满意'
    """
    table, notes, platform = read_export(path, sheet=sheet)
    metadata = set(_METADATA.get(platform, ())) if platform else set()
    groups: dict[str, tuple[int | None, list[str]]] = {}
    position = 0
    for header in table.columns:
        if header in metadata:
            continue
        number, rest = _number_and_rest(header)
        if re.fullmatch(r"_\d+_TEXT", rest):
            notes.append(f"column {header!r} holds the text of an “other” option: not a question")
            continue
        key = str(number) if number is not None else _stem_key(rest)
        if key not in groups:
            position += 1
            groups[key] = (number if number is not None else position, [])
        groups[key][1].append(header)
    scales: dict[str, Any] = {}
    joiner = _JOINED_COMMA if platform in ("qualtrics", "google") else _JOINED
    questions = [_draft_question(number, headers, table, scales, joiner)
                 for number, headers in groups.values()]
    id_column = next((m for m in ("序号", "编号", "ResponseId") if m in table.columns), None)
    return {"title": Path(path).stem, "id_column": "questionnaire_no" if id_column else None,
            "scales": scales, "questions": questions,
            "notes": notes + [f"{len(questions)} questions drafted; check every type and label"]}


def _number_and_rest(header: str) -> tuple[int | None, str]:
    match = _NUMBERED.match(str(header).strip())
    if match and match.group(4):
        return int(next(g for g in match.groups()[:3] if g)), match.group(4).strip()
    return None, str(header).strip()


def _stem_key(rest: str) -> str:
    """Google Forms grids ``Question [Row]`` group by their question."""
    if rest.endswith("]"):
        split = split_row(rest)
        if split:
            return "stem:" + _norm(split[0])
    return "text:" + rest


def _answers(table: pd.DataFrame, header: str) -> list[str]:
    values = table[header].astype(str).str.strip()
    return [v for v in pd.unique(values) if v not in _MISSING]


def _draft_question(number: int, headers: list[str], table: pd.DataFrame,
                    scales: dict[str, Any], joiner: re.Pattern) -> dict[str, Any]:
    rests = [_number_and_rest(h)[1] for h in headers]
    qid = f"q{number}"
    if len(headers) > 1:
        options = _option_labels(rests, headers, table)
        if options is not None:
            title = split_option(rests[0]) or (rests[0].rsplit(":", 1)[0], "")
            return {"id": qid, "number": number, "text": title[0], "type": "multiple",
                    "options": {i: lab for i, lab in enumerate(options, start=1)}}
        splits = [split_row(r) or ("", r) for r in rests]
        answers = [a for h in headers for a in _answers(table, h)]
        spec = {"id": qid, "number": number, "text": splits[0][0] or rests[0]}
        spec.update(_answer_type(answers, scales))
        spec["rows"] = [{"id": f"{qid}_{k}", "text": row}
                        for k, (_, row) in enumerate(splits, start=1)]
        return spec
    answers = _answers(table, headers[0])
    spec = {"id": qid, "number": number, "text": rests[0]}
    joined = [a for a in answers if joiner.search(a)]
    if joined:
        parts = list(dict.fromkeys(p.strip() for a in answers for p in joiner.split(a)
                                   if p.strip()))
        parts = list(dict.fromkeys(re.sub(r"〖.*〗$", "", p) for p in parts))
        if len(parts) <= 15 and not _FREE_TEXT.search(rests[0]):
            spec.update(type="multiple", options={i: lab for i, lab in enumerate(parts, start=1)})
            return spec
    if _FREE_TEXT.search(rests[0]) or any(len(a) > 8 for a in answers):
        spec["type"] = "text"
        return spec
    spec.update(_answer_type(answers, scales))
    return spec


def _option_labels(rests: list[str], headers: list[str], table: pd.DataFrame) -> list[str] | None:
    """The options of one-column-per-option headers, or None when they are matrix rows."""
    labels = []
    for rest, header in zip(rests, headers):
        pieces = split_option(rest)
        label = pieces[1] if pieces else (rest.rsplit(":", 1)[1] if ":" in rest else None)
        if label is None or _norm(label) in _QUALIFIERS:
            return None
        cells = set(_answers(table, header)) - set(UNTICKED) - {"1"}
        if any(not _norm(c).startswith(_norm(label)[:2]) for c in cells):
            return None
        labels.append(re.sub(r"【.*】$", "", label))
    return labels


def _answer_type(answers: list[str], scales: dict[str, Any]) -> dict[str, Any]:
    numbers = pd.to_numeric(pd.Series(answers, dtype=object), errors="coerce")
    if len(answers) and numbers.notna().all():
        whole = bool((numbers == numbers.round()).all())
        low, high = float(numbers.min()), float(numbers.max())
        if whole and 0 <= low and high <= 10 and high > 5:
            scales["recommend11"] = {"min": 0, "max": 10, "labels": {0: "完全不可能", 10: "极有可能"}}
            return {"type": "rating", "scale": "recommend11"}
        if whole and 1 <= low and high <= 7 and numbers.nunique() <= 7:
            return {"type": "single",
                    "options": {int(c): f"选项{int(c)}" for c in range(1, int(high) + 1)}}
        return {"type": "number", "minimum": 0}
    texts = list(dict.fromkeys(answers))
    for name, labels in KNOWN_SCALES.items():
        if texts and set(texts) <= set(labels.values()):
            scales[name] = {"min": 1, "max": 5, "labels": dict(labels)}
            return {"type": "likert", "scale": name}
    if texts and len(texts) <= 12 and all(len(t) <= 20 for t in texts):
        return {"type": "single", "options": {i: t for i, t in enumerate(texts, start=1)}}
    return {"type": "text"}


_HEADER = """\
# Codebook drafted by `crmlab survey codebook draft` from {source}.
# Check and edit before use (format: docs/survey_codebook.md):
#   - every question's type and option labels (a by-number export only has codes: 选项1 …);
#   - required: true for questions that must be answered;
#   - matrix rows: dimension, role (expectation | perception | importance | overall), reverse: true
#     for reverse-worded rows; the overall satisfaction / recommendation question: role: overall;
#   - straight_lining blocks and the quality checks (speeders, repeated_ip) if you want them.
"""


def write_draft(path: str | Path, out: str | Path, *, sheet: int | str = 0) -> list[str]:
    """Draft a codebook from ``path`` and write it to ``out`` as YAML; return the notes."""
    import yaml

    data = draft_codebook(path, sheet=sheet)
    notes = data.pop("notes")
    if not data["scales"]:
        data.pop("scales")
    if data["id_column"] is None:
        data.pop("id_column")
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    Path(out).write_text(_HEADER.format(source=Path(path).name) + text, encoding="utf-8")
    return notes
