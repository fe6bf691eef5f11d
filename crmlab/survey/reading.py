"""Reading survey exports (CSV in UTF-8 / UTF-8 with BOM / GBK, Excel) into codebook columns.

Real exports rarely use the codebook's ids as headers. :func:`read_responses` maps them:

* a header equal to a question id, or to its text, maps to that question;
* numbered headers of Chinese survey platforms, ``1、题干`` (问卷星), ``1.题干`` (腾讯问卷),
  ``第1题`` or ``Q1``, map by question number (and the text is checked when present);
* multiple-choice questions exported as one column per option (``7、题干(可多选)(选项)``: the
  option is the *last* bracketed group, full-width or not; ``7.题干:选项``) are combined into one
  column of codes (``"1;3"``): ``1`` or the option's text is ticked, ``0``, ``(空)`` and an empty
  cell are not, anything else (a ``2``) is kept so that validation rejects it; a single column of
  option texts or codes joined with ``┋``, ``|`` or ``,`` (Qualtrics, Google Forms) is turned into
  codes too; ``其他〖…〗`` (or Google's free “Other” text) keeps the written text in ``<id>_other``;
* matrix questions (``4、请评价以下方面—服务态度``, Google's ``Question [Row]``, Qualtrics
  ``Q4_1`` with text ``… - 服务态度``) map to the codebook's rows (one question with ``rows:``, or
  one question per row whose text is ``title—row``);
* answers given as option text (“男”, “非常满意”) become codes; ``(跳过)`` (skipped by the
  questionnaire's logic) becomes missing, and so do −2/−3 in 问卷星's numeric exports and −99
  in Qualtrics exports ("seen but unanswered", an export option);
* Qualtrics CSVs (three header rows: ids, question texts, ``{"ImportId": …}``) are recognised and
  their two extra header rows dropped;
* 问卷星's six metadata columns (序号, 提交答卷时间, 所用时间, 来源, 来源详情, 来自IP) are kept;
  when the codebook's questionnaire-number column is absent, 序号 (or 腾讯问卷's 编号) is used.

Nothing is guessed silently: the encoding used, every header mapping that was not exact, empty
rows skipped, export columns that match no question and codebook questions that match no column
are listed in ``df.attrs["notes"]``; two columns for one single-answer question, or an option
column naming no option of the codebook, are errors. A file that cannot be read raises :class:`~crmlab._checks.CrmlabInputError`
with the reason. The index is the spreadsheet row number (header = row 1), so messages point at
rows a person can find.

Examples
--------
>>> import tempfile, pathlib
>>> from crmlab.survey import Codebook, read_responses
>>> cb = Codebook.from_dict({"title": "t", "id_column": "no", "questions": [
...     {"id": "sex", "number": 1, "text": "您的性别", "type": "single",
...      "options": {1: "男", 2: "女"}}]})
>>> path = pathlib.Path(tempfile.mkdtemp()) / "export.csv"
>>> _ = path.write_bytes("no,1、您的性别\\n7,女\\n".encode("gbk"))
>>> df = read_responses(path, cb)
>>> df["sex"].tolist(), df.attrs["encoding"]
([2.0], 'GB18030')
"""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from crmlab._checks import CrmlabInputError
from crmlab.survey.codebook import Codebook, Question

__all__ = ["read_responses", "detect_encoding", "read_export", "split_option", "split_row",
           "WJX_METADATA", "TENCENT_METADATA", "QUALTRICS_METADATA", "GOOGLE_METADATA",
           "SKIPPED_MARKERS", "TIME_TAKEN_COLUMNS", "IP_COLUMNS"]

#: Metadata columns of a 问卷星 (wjx.cn) export, in order.
WJX_METADATA = ("序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP")
#: Metadata columns of a 腾讯问卷 export.
TENCENT_METADATA = ("编号", "开始答题时间", "结束答题时间", "答题时长")
#: Metadata columns of a Qualtrics CSV export (first header row).
QUALTRICS_METADATA = ("StartDate", "EndDate", "Status", "IPAddress", "Progress",
                      "Duration (in seconds)", "Finished", "RecordedDate", "ResponseId",
                      "RecipientLastName", "RecipientFirstName", "RecipientEmail",
                      "ExternalReference", "LocationLatitude", "LocationLongitude",
                      "DistributionChannel", "UserLanguage")
#: Metadata columns of a Google Forms CSV export.
GOOGLE_METADATA = ("Timestamp", "时间戳记", "Email Address", "电子邮件地址", "Score", "分数")
_PLATFORM_NAMES = {"wjx": "问卷星", "tencent": "腾讯问卷", "qualtrics": "Qualtrics",
                   "google": "Google Forms"}
_METADATA = {"wjx": WJX_METADATA, "tencent": TENCENT_METADATA, "qualtrics": QUALTRICS_METADATA,
             "google": GOOGLE_METADATA}
#: Columns holding the time a respondent took, per platform (used by the speeder check).
TIME_TAKEN_COLUMNS = ("所用时间", "答题时长", "Duration (in seconds)")
#: Columns holding the respondent's IP address.
IP_COLUMNS = ("来自IP", "IP地址", "IPAddress")
#: Cell texts of an option column meaning “not ticked”.
UNTICKED = ("", "0", "(空)", "（空）", "未选中", "否")
#: Cell texts meaning “not asked / skipped” (treated as missing).
SKIPPED_MARKERS = ("(跳过)", "（跳过）", "(空)", "（空）")
_WJX_NUMERIC_SKIPS = ("-2", "-3")
#: Qualtrics' export option "Recode seen but unanswered questions as -99".
_QUALTRICS_SEEN_UNANSWERED = "-99"
_MULTI_SPLIT = re.compile(r"\s*(?:┋|\||,|，)\s*")
_ROW_SPLIT = re.compile(r"\s*(?:——|—|－|-|:|：)\s*")
_NUMBERED = re.compile(r"^(?:第\s*(\d+)\s*题|[Qq]\s*(\d+)|(\d+))\s*[、.．:：)）]?\s*(.*)$", re.S)
_OTHER = re.compile(r"^(.*?)[【〖\[(（](.*)$", re.S)


def detect_encoding(raw: bytes) -> tuple[str, str]:
    """Decode-test ``raw``: UTF-8 with BOM, UTF-8, then GB18030 (a superset of GBK), strictly.

    Parameters
    ----------
    raw
        The file's bytes.

    Returns
    -------
    (str, str)
        The Python codec and a label for messages. Raises :class:`CrmlabInputError` when none
        of the three decodes the bytes.

    Examples
    --------
    >>> detect_encoding("满意".encode("gbk"))
    ('gb18030', 'GB18030')
    >>> detect_encoding("\\ufeff满意".encode("utf-8"))
    ('utf-8-sig', 'UTF-8 with BOM')
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        raw_rest, codec, label = raw[3:], "utf-8-sig", "UTF-8 with BOM"
        try:
            raw_rest.decode("utf-8")
            return codec, label
        except UnicodeDecodeError as exc:
            raise CrmlabInputError(f"the file starts with a UTF-8 mark but byte {exc.start + 3} "
                                   "is not UTF-8; re-save it as UTF-8") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CrmlabInputError("the file is UTF-16 encoded; save it as CSV UTF-8 (or .xlsx)")
    try:
        raw.decode("utf-8")
        return "utf-8", "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        raw.decode("gb18030")
        return "gb18030", "GB18030"
    except UnicodeDecodeError as exc:
        raise CrmlabInputError(
            f"the file is neither UTF-8 nor GBK/GB18030 (undecodable byte at position "
            f"{exc.start}); open it in Excel and save as 'CSV UTF-8', or as .xlsx") from None


def _norm(text: object) -> str:
    """Header/answer text for matching: NFKC (full-width → half-width), no spaces or end marks."""
    s = unicodedata.normalize("NFKC", str(text)).strip()
    s = re.sub(r"\s+", "", s)
    return s.rstrip("?？:：*。.")


def _read_table(path: Path, sheet: int | str) -> tuple[pd.DataFrame, str]:
    suffix = path.suffix.lower()
    if suffix == ".xls":
        try:
            import xlrd  # noqa: F401
        except ImportError:
            raise CrmlabInputError(
                f"{path.name} is a legacy Excel .xls file, which needs the xlrd package: open it in "
                "Excel and save as .xlsx (or CSV UTF-8), or `pip install xlrd`") from None
    if suffix in (".xlsx", ".xlsm", ".xls"):
        try:
            table = pd.read_excel(path, sheet_name=sheet, dtype=object, header=0)
        except ValueError as exc:
            raise CrmlabInputError(f"cannot read sheet {sheet!r} of {path.name}: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - corrupt workbook: say so in the user's terms
            raise CrmlabInputError(f"{path.name} is not a readable Excel workbook ({exc})") from None
        table.columns = [str(c) for c in table.columns]
        table = table.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v))
                          else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)))
        return table, "Excel workbook"
    if suffix not in (".csv", ".txt", ".tsv"):
        raise CrmlabInputError(f"cannot read {path.name}: use a .csv, .xlsx or .xls file")
    raw = path.read_bytes()
    if not raw.strip():
        raise CrmlabInputError(f"{path.name} is empty: there are no questionnaires in it")
    codec, label = detect_encoding(raw)
    text = raw.decode(codec)
    sep = "\t" if suffix == ".tsv" or ("\t" in text.split("\n", 1)[0] and "," not in text.split("\n", 1)[0]) else ","
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                            skip_blank_lines=False, sep=sep)
    except pd.errors.ParserError as exc:
        raise CrmlabInputError(f"{path.name} is not a well-formed CSV file: "
                               f"{str(exc).strip()}") from None
    return table, label



_OPENERS = {")": "(（", "）": "(（", "]": "[", "】": "【", "〗": "〖"}


def split_option(header: str) -> tuple[str, str] | None:
    """Split ``title(option)`` at the *last* bracketed group that ends the header.

    Brackets may be full-width or not and may nest, so ``(可多选)`` and other brackets in the
    title stay in the title. Returns None when the header does not end with a bracket.

    Examples
    --------
    >>> split_option("您通常通过哪些渠道联系？(可多选)(门店)")
    ('您通常通过哪些渠道联系？(可多选)', '门店')
    >>> split_option("渠道（可多选）（其他（请注明））")
    ('渠道（可多选）', '其他（请注明）')
    >>> split_option("您的性别") is None
    True
    """
    s = str(header).strip()
    if not s or s[-1] not in _OPENERS:
        return None
    closers, openers = (")）", "(（") if s[-1] in ")）" else (s[-1], _OPENERS[s[-1]])
    depth = 0
    for i in range(len(s) - 1, -1, -1):
        if s[i] in closers:
            depth += 1
        elif s[i] in openers:
            depth -= 1
            if depth == 0:
                return s[:i].strip(), s[i + 1:-1].strip()
    return None


def split_row(text: str) -> tuple[str, str] | None:
    """Split a matrix header ``title—row`` (also ``title - row``, ``title:row``, ``title [row]``).

    Examples
    --------
    >>> split_row("请评价以下方面—服务态度")
    ('请评价以下方面', '服务态度')
    >>> split_row("请评价以下方面 [送货速度]")
    ('请评价以下方面', '送货速度')
    """
    s = str(text).strip()
    bracket = split_option(s) if s.endswith("]") else None
    if bracket and bracket[0]:
        return bracket
    parts = list(_ROW_SPLIT.finditer(s))
    if not parts:
        return None
    last = parts[-1]
    title, row = s[:last.start()].strip(), s[last.end():].strip()
    return (title, row) if title and row else None


def read_export(path: str | Path, *, sheet: int | str = 0) -> tuple[pd.DataFrame, list[str], str | None]:
    """The raw table of an export (all cells as text), the reading notes and the platform.

    Empty rows are dropped (and noted); a Qualtrics file's question-text and ImportId rows are
    removed, and its headers become ``Qn、question text`` so that they can be matched by number.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"responses file not found: {path}")
    table, encoding = _read_table(path, sheet)
    notes = [f"read {path.name} as {encoding}"]
    if table.shape[1] == 0:
        raise CrmlabInputError(f"{path.name} has no columns")
    dup_headers = table.columns[table.columns.duplicated()].tolist()
    if dup_headers:
        raise CrmlabInputError(f"{path.name} has duplicated column headers: {dup_headers[:5]}")
    table.index = pd.RangeIndex(2, len(table) + 2, name="row")
    platform = None
    if len(table) >= 2 and table.iloc[1].astype(str).str.startswith('{"ImportId"').any():
        platform = "qualtrics"
        texts = table.iloc[0]
        table = table.iloc[2:]
        table.columns = [_qualtrics_header(h, texts[h]) for h in table.columns]
        notes.append("dropped the Qualtrics question-text and ImportId header rows (rows 2–3)")
    empty_rows = table.index[(table.astype(str).apply(lambda s: s.str.strip()) == "").all(axis=1)]
    if len(empty_rows):
        table = table.drop(index=empty_rows)
        notes.append(f"skipped {len(empty_rows)} completely empty row(s) (spreadsheet rows "
                     f"{', '.join(map(str, empty_rows[:10]))}{' …' if len(empty_rows) > 10 else ''})")
    if len(table) == 0:
        raise CrmlabInputError(f"{path.name} has column headers but no questionnaires")
    if platform is None:
        platform = next((name for name, meta in _METADATA.items()
                         if sum(h in table.columns for h in meta) >= (1 if name == "google" else 3)),
                        None)
    if platform:
        notes.append(f"recognised a {_PLATFORM_NAMES[platform]} export")
    return table, notes, platform


def _qualtrics_header(header: str, text: object) -> str:
    """``Q4_2`` + “请评价 - 服务态度” → ``Q4、请评价 - 服务态度`` (metadata and ``_TEXT`` kept)."""
    m = re.fullmatch(r"Q(\d+)(?:_(\d+))?", str(header))
    text = str(text).strip()
    if not m or not text:
        return header
    text = re.sub(r"\s*-\s*Selected Choice$", "", text)
    return f"Q{m.group(1)}、{text}"


def read_responses(path: str | Path, codebook: Codebook, *, sheet: int | str = 0) -> pd.DataFrame:
    """Read a survey export and return one column per codebook question.

    Parameters
    ----------
    path
        A ``.csv`` (UTF-8, UTF-8 with BOM or GBK/GB18030, detected strictly) or ``.xlsx`` file
        exported by 问卷星 (by option text, number or score), 腾讯问卷, Qualtrics or Google Forms,
        or typed in by hand with the codebook's ids as headers.
    codebook
        The questionnaire definition: headers are mapped to its question ids and option texts
        to its codes.
    sheet
        Excel sheet name or position.

    Returns
    -------
    DataFrame
        Administrative and metadata columns first, then the questions in codebook order, then
        any extra columns. Index: spreadsheet row number. ``attrs``: ``encoding``, ``source``,
        ``platform``, ``column_map`` (header → question id) and ``notes`` (what was done).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> cb = Codebook.from_dict({"title": "t", "id_column": "no", "questions": [
    ...     {"id": "q1", "number": 1, "text": "您的性别", "type": "single",
    ...      "options": {1: "男", 2: "女"}}]})
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "export.csv"
    >>> _ = path.write_text("no,q1\\n1,男\\n2,女\\n", encoding="gbk")   # typed in Excel, saved as GBK
    >>> responses = read_responses(path, cb)
    >>> responses["q1"].to_dict()   # option texts turned into codes; index = spreadsheet row
    {2: 1.0, 3: 2.0}
    >>> responses.attrs["notes"]
    ['read export.csv as GB18030']
    """
    path = Path(path)
    table, notes, platform = read_export(path, sheet=sheet)
    encoding = notes[0].rsplit(" as ", 1)[1]
    plan = _map_headers(list(table.columns), codebook, platform)
    notes += plan.notes
    if platform == "qualtrics":
        table, seen_unanswered = _seen_unanswered_as_missing(table, set(plan.admin) | set(plan.meta))
        if seen_unanswered:
            notes.append(f"{seen_unanswered} answer(s) coded -99 (Qualtrics: seen but unanswered) "
                         "read as missing")
    out: dict[str, pd.Series] = {}
    for header, target in plan.admin.items():
        out[target] = table[header].replace("", np.nan)
    for q in codebook.questions:
        if q.id in plan.options:
            out[q.id], other = _combine_option_columns(table, plan.options[q.id], q)
            if other is not None:
                out[f"{q.id}_other"] = other
            continue
        headers = plan.single.get(q.id)
        if not headers:
            continue
        values = table[headers[0]].astype(str).str.strip()
        values = values.mask(values.isin(SKIPPED_MARKERS), "")
        if platform == "wjx":
            values = values.mask(values.isin(_WJX_NUMERIC_SKIPS), "")
        if q.type == "multiple":
            out[q.id], other = _multiple_from_text(values, q)
            if other is not None:
                out[f"{q.id}_other"] = other
        elif q.type == "text":
            out[q.id] = values.replace("", np.nan)
        else:
            out[q.id] = _codes_from_text(values, q)
    for qid, header in plan.other_text.items():
        out[f"{qid}_other"] = table[header].replace("", np.nan)
    missing = [q for q in codebook.questions if q.id not in out]
    required_missing = [q.id for q in missing if q.required]
    if required_missing:
        raise CrmlabInputError(
            f"{path.name} has no column for required question(s) {', '.join(required_missing[:8])}"
            f"{' …' if len(required_missing) > 8 else ''}"
            + (f"; columns not matched to the codebook: {', '.join(map(repr, plan.extra[:8]))}"
               if plan.extra else "")
            + " (headers must be the question id, its text, or “N、text” with its number)")
    for q in missing:
        out[q.id] = pd.Series(np.nan, index=table.index)
    if missing:
        notes.append(f"{len(missing)} optional question(s) matched no column of the file, left "
                     f"empty: {', '.join(f'{q.id} “{q.text}”' for q in missing)}")
    for header in plan.meta:
        out[header] = table[header].replace("", np.nan)
    for header in plan.extra:
        out[header] = table[header].replace("", np.nan)
    if plan.extra:
        notes.append(f"{len(plan.extra)} column(s) matched no question of the codebook, kept as "
                      f"they are: {', '.join(map(repr, plan.extra))}")
    admin = list(plan.admin.values())
    if codebook.id_column and codebook.id_column not in out:
        out[codebook.id_column] = pd.Series(table.index.astype(str), index=table.index)
        admin.insert(0, codebook.id_column)
        notes.append(f"no questionnaire-number column {codebook.id_column!r}: numbered the "
                     "questionnaires by their spreadsheet row, so duplicates cannot be checked")
    others = [c for c in out if c.endswith("_other") and c not in admin]
    order = admin + list(plan.meta) + [q.id for q in codebook.questions] + others + list(plan.extra)
    result = pd.DataFrame({c: out[c] for c in order}, index=table.index)
    result.attrs.update(encoding=encoding, source=str(path), platform=platform,
                        column_map=plan.column_map, notes=notes)
    return result


class _Plan:
    """Where each export column goes: admin, single answer, option columns, metadata, extra."""

    def __init__(self) -> None:
        self.admin: dict[str, str] = {}
        self.single: dict[str, list[str]] = {}
        self.options: dict[str, list[tuple[str, int]]] = {}
        self.other_text: dict[str, str] = {}
        self.meta: list[str] = []
        self.extra: list[str] = []
        self.notes: list[str] = []
        self.column_map: dict[str, str] = {}


def _map_headers(headers: list[str], codebook: Codebook, platform: str | None) -> _Plan:
    """Decide where every header goes; ambiguities are errors, loose matches are notes."""
    plan = _Plan()
    admin = set(codebook.administrative) | ({codebook.id_column} if codebook.id_column else set())
    metadata = set(_METADATA.get(platform, ())) if platform else set()
    loose: list[str] = []
    bad_options: list[str] = []
    for header in headers:
        h = str(header).strip()
        if h in codebook.ids or h in admin:
            if h in admin:
                plan.admin[header] = h
            else:
                plan.single.setdefault(h, []).append(header)
            plan.column_map[header] = h
            continue
        if h in metadata:
            plan.meta.append(header)
            continue
        found = _resolve(h, codebook)
        if found is None:
            plan.extra.append(header)
            continue
        kind, q, detail = found
        plan.column_map[header] = q.id
        if kind == "option":
            plan.options.setdefault(q.id, []).append((header, detail))
        elif kind == "bad_option":
            bad_options.append(f"{h!r} (“{detail}”)")
            plan.options.setdefault(q.id, [])
        elif kind == "other_text":
            plan.other_text[q.id] = header
        else:
            plan.single.setdefault(q.id, []).append(header)
            if detail:
                plan.notes.append(detail)
        loose.append(f"{h!r}→{q.id}" + (f"[{detail}]" if kind == "option" else ""))
    if bad_options:
        raise CrmlabInputError(
            f"{len(bad_options)} option column(s) name no option of their question in the "
            f"codebook: {', '.join(bad_options)}; add the option to the codebook (or fix its text)")
    for qid, columns in plan.options.items():
        both = plan.single.pop(qid, [])
        if both:
            raise CrmlabInputError(
                f"question {qid} has one column per option ({', '.join(h for h, _ in columns)}) "
                f"and also the column(s) {', '.join(map(repr, both))}: keep one form of it")
        codes = [c for _, c in columns]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise CrmlabInputError(f"question {qid}: option(s) {twice} have two columns each")
        plan.notes.append(f"combined {len(columns)} option columns→{qid} (one column per option)")
    for qid, cols in plan.single.items():
        if len(cols) > 1:
            raise CrmlabInputError(
                f"{len(cols)} columns match the single-answer question {qid} "
                f"(“{codebook.question(qid).text}”): {', '.join(map(repr, cols))}; rename or "
                "remove all but one (or describe them as separate questions in the codebook)")
    if loose:
        shown = "; ".join(loose[:6]) + (f"; … ({len(loose) - 6} more)" if len(loose) > 6 else "")
        plan.notes.append(f"matched {len(loose)} header(s) to the codebook by text or number: {shown}")
    if codebook.id_column and codebook.id_column not in plan.admin.values():
        for meta in ("序号", "编号", "ResponseId"):
            if meta in plan.meta:
                plan.admin[meta] = codebook.id_column
                plan.meta.remove(meta)
                plan.column_map[meta] = codebook.id_column
                plan.notes.append(f"used the platform's {meta!r} as the questionnaire number")
                break
    if metadata:
        plan.notes.append(f"kept the platform's columns {', '.join(map(repr, plan.meta))}")
    return plan


def _resolve(h: str, codebook: Codebook):
    """(kind, question, detail) for one header, or None when it matches no question."""
    text = _norm(h)
    for q in codebook.questions:
        if _norm(q.text) == text:
            return "single", q, ""
    match = _NUMBERED.match(unicodedata.normalize("NFKC", h))
    number, rest = None, h
    if match:
        number = int(next(g for g in match.groups()[:3] if g))
        rest = match.group(4).strip()
        if re.fullmatch(r"_\d+_TEXT", rest):  # Qualtrics: text typed into an "other" option
            q = next((q for q in codebook.questions if q.number == number and q.type == "multiple"),
                     None)
            return ("other_text", q, "") if q is not None else None
        for q in codebook.questions:
            if q.number is None and _norm(q.text) == _norm(rest):
                return "single", q, ""
    candidates = [q for q in codebook.questions if number is not None and q.number == number]
    if not candidates:
        row = _row_question(rest, codebook)
        if row is not None:
            return "single", row, ""
        candidates = _by_stem(rest, codebook)
    if not candidates:
        return None
    if len(candidates) > 1 or candidates[0].row is not None:
        return _matrix_row(h, rest, candidates)
    q = candidates[0]
    if q.type == "multiple":
        option = _option_of_header(rest, q)
        if option is not None:
            return option
    if rest and _norm(rest) != _norm(q.text) and not _norm(rest).startswith(_norm(q.text)):
        if number is None:
            return None
        return "single", q, (f"column {h!r} matched question {q.number} ({q.id}) by its number, "
                             f"though its text differs from the codebook's “{q.text}”")
    return "single", q, ""


def _row_question(rest: str, codebook: Codebook) -> Question | None:
    """The question whose text is ``title—row`` for a header ``title—row`` / ``title [row]`` / …"""
    split = split_row(rest)
    if split is None:
        return None
    key = (_norm(split[0]), _norm(split[1]))
    for q in codebook.questions:
        pieces = (q.stem, q.row) if q.row is not None else (
            split_row(q.text) if "—" in q.text else None)
        if pieces is not None and (_norm(pieces[0]), _norm(pieces[1])) == key:
            return q
    return None


def _by_stem(rest: str, codebook: Codebook) -> list[Question]:
    """Questions whose text (or matrix title) begins the header: ``题干:选项``, ``题干 [行]``."""
    norm = _norm(rest)
    found = [q for q in codebook.questions if q.row is not None and norm.startswith(_norm(q.stem))]
    if found:
        return found
    return [q for q in codebook.questions if q.type == "multiple" and norm.startswith(_norm(q.text))
            and norm != _norm(q.text)]


def _matrix_row(h: str, rest: str, rows: list[Question]):
    """The matrix row a header names, by row text (``title—row``) or Qualtrics' ``_k`` position."""
    split = split_row(rest)
    if split is not None:
        for q in rows:
            row = q.row if q.row is not None else (split_row(q.text) or ("", q.text))[1]
            if _norm(row) == _norm(split[1]):
                return "single", q, ""
    raise CrmlabInputError(
        f"column {h!r} belongs to matrix question {rows[0].number} but names none of its rows "
        f"({', '.join(q.row or q.text for q in rows)}); add the row to the codebook or fix its text")


def _option_of_header(rest: str, q: Question):
    """("option", q, code) for a one-column-per-option header; ("bad_option", q, text) when the
    header names an option the codebook lacks; None for the question's own (joined) column."""
    text = unicodedata.normalize("NFKC", rest).strip()
    stem = _norm(q.text)
    label = None
    pieces = split_option(text)
    if pieces is not None and (not pieces[0] or _norm(pieces[0]) == stem
                               or _norm(pieces[0]).startswith(stem) or stem.startswith(_norm(pieces[0]))):
        label = pieces[1]
    elif ":" in text and _norm(text.rsplit(":", 1)[0]).startswith(stem[: max(1, len(stem) // 2)]):
        label = text.rsplit(":", 1)[1]
    if label is None:
        return None
    code = _option_code(label, q)
    if code is not None:
        return "option", q, code
    if _norm(label) in _QUALIFIERS:
        return None  # "题干(可多选)": the question's own column, options joined in its cells
    return "bad_option", q, label


_QUALIFIERS = {"可多选", "多选", "多选题", "必答", "单选", "最多选3项", "请选择"}


def _option_code(label: str, q: Question) -> int | None:
    norm = _norm(label)
    for code, option in (q.options or {}).items():
        if _norm(option) == norm or str(code) == norm:
            return code
    for code, option in (q.options or {}).items():
        if norm.startswith(_norm(option)) or _norm(option).startswith(norm + "("):
            return code  # 其他【请注明】 / 其他
    return None


def _seen_unanswered_as_missing(table: pd.DataFrame, admin: set[str]) -> tuple[pd.DataFrame, int]:
    """Blank every answer cell holding Qualtrics' −99 (seen but unanswered); the count blanked."""
    answers = [h for h in table.columns if h not in admin]
    cells = table[answers].astype(str).apply(lambda column: column.str.strip())
    unanswered = cells == _QUALTRICS_SEEN_UNANSWERED
    count = int(unanswered.to_numpy().sum())
    if count:
        table = table.copy()
        table[answers] = table[answers].mask(unanswered, "")
    return table, count


def _combine_option_columns(table: pd.DataFrame, columns: list[tuple[str, int]],
                            q: Question) -> tuple[pd.Series, pd.Series | None]:
    """One 0/1 (or option-text / (空)) column per option → ``"1;3"``; bad cells kept as text."""
    parts: list[np.ndarray] = []
    skipped = np.ones(len(table), dtype=bool)
    other_text = pd.Series(np.nan, index=table.index, dtype=object)
    for header, code in sorted(columns, key=lambda hc: hc[1]):
        cell = table[header].astype(str).str.strip()
        label = (q.options or {}).get(code, str(code))
        kinds = cell.map(lambda v, lab=label: _option_cell(v, lab))
        skipped &= (kinds == "skipped").to_numpy()
        token = np.where(kinds == "ticked", str(code),
                         np.where(kinds == "bad", label + ":" + cell.to_numpy(dtype=object), ""))
        parts.append(token.astype(object))
        written = cell.str.extract(r"〖(.*)〗", expand=False)
        other_text = other_text.fillna(written.where(kinds == "ticked"))
    stacked = np.stack(parts, axis=1)
    joined = [q.separator.join(c for c in row if c) for row in stacked]
    out = pd.Series(joined, index=table.index, dtype=object).replace("", np.nan)
    out[skipped] = np.nan
    return out, (other_text if other_text.notna().any() else None)


def _option_cell(value: str, label: str) -> str:
    """``ticked``, ``unticked``, ``skipped`` or ``bad`` for one cell of an option column."""
    if value in UNTICKED:
        return "unticked"
    if value in SKIPPED_MARKERS or value in _WJX_NUMERIC_SKIPS:
        return "skipped"
    if value in ("1", "是", "选中") or _norm(value) == _norm(label) or (
            _norm(value).startswith(_norm(label)) and "〖" in value):
        return "ticked"
    return "bad"


def _codes_from_text(values: pd.Series, q: Question) -> pd.Series:
    """Numbers stay numbers; option or scale labels become their codes; the rest stays text."""
    numbers = pd.to_numeric(values.where(values != ""), errors="coerce")
    text = (values != "") & numbers.isna()
    if not text.any():
        return numbers.astype("float64")
    lookup = {_norm(label): float(code) for code, label in q.labels.items()}
    mapped = values[text].map(lambda v: lookup.get(_norm(v)))
    out = numbers.astype(object)
    out[text] = mapped.where(mapped.notna(), values[text])
    if not (out[text].map(lambda v: isinstance(v, str))).any():
        return out.astype("float64")
    return out


def _multiple_from_text(values: pd.Series, q: Question) -> tuple[pd.Series, pd.Series | None]:
    """A multiple-choice column of codes or option texts joined by ┋, |, “, ” or the separator."""
    cache: dict[str, tuple[object, object]] = {}
    for cell in pd.unique(values):
        cache[cell] = _choices(cell, q)
    codes = values.map(lambda c: cache[c][0])
    other = values.map(lambda c: cache[c][1])
    return codes.astype(object), (other if other.notna().any() else None)


def _choices(cell: str, q: Question) -> tuple[object, object]:
    """Codes (``"1;3"``) and the “other” text of one joined multiple-choice cell."""
    if cell == "":
        return np.nan, np.nan
    lookup = {_norm(label): code for code, label in (q.options or {}).items()}
    tokens = [t for t in re.split(_MULTI_SPLIT.pattern + "|" + re.escape(q.separator), cell)]
    codes: list[str] = []
    other = np.nan
    i = 0
    while i < len(tokens):
        for j in range(len(tokens), i, -1):  # longest run of tokens forming one label (“A, B”)
            joined = _norm(",".join(tokens[i:j]))
            if joined in lookup:
                codes.append(str(lookup[joined]))
                i = j
                break
        else:
            part = tokens[i].strip()
            i += 1
            if not part:
                continue
            if re.fullmatch(r"\d+", part):
                codes.append(part)
                continue
            m = _OTHER.match(part)
            code = None
            if m:
                code = next((c for lab, c in lookup.items() if lab.startswith(_norm(m.group(1)))
                             and _norm(m.group(1))), None)
                if code is not None:
                    inner = re.findall(r"〖(.*?)〗", part)
                    other = (inner[-1] if inner else m.group(2)).strip("】〗]）)〖【 ")
            if code is None:
                fallback = _other_option(q)
                if fallback is not None and not _looks_like_code(part):
                    code, other = fallback, part
            codes.append(str(code) if code is not None else part)
    return (q.separator.join(codes) if codes else np.nan), other


def _other_option(q: Question) -> int | None:
    """The code of the “other” option (其他… / Other…), used for Google's free “Other” text."""
    return next((c for c, lab in (q.options or {}).items()
                 if _norm(lab).startswith(("其他", "其它", "Other", "other"))), None)


def _looks_like_code(part: str) -> bool:
    return bool(re.fullmatch(r"-?\d+(\.\d+)?", part))
