"""Reading survey exports (CSV in UTF-8 / UTF-8 with BOM / GBK, Excel) into codebook columns.

Real exports rarely use the codebook's ids as headers. :func:`read_responses` maps them:

* a header equal to a question id, or to its text, maps to that question;
* numbered headers of Chinese survey platforms, ``1、题干`` (问卷星), ``1.题干`` (腾讯问卷),
  ``第1题`` or ``Q1``, map by question number (and the text is checked when present);
* multiple-choice questions exported as one column per option (``第6题(选项)``,
  ``6.题干:选项``) are combined into one column of codes (``"1;3"``); a single column of option
  texts joined with ``┋`` is turned into codes too; ``其他〖…〗`` keeps the written text in a
  ``<id>_other`` column;
* answers given as option text (“男”, “非常满意”) become codes; ``(跳过)`` (skipped by the
  questionnaire's logic) becomes missing, and so do −2/−3 in 问卷星's numeric exports;
* 问卷星's six metadata columns (序号, 提交答卷时间, 所用时间, 来源, 来源详情, 来自IP) are kept;
  when the codebook's questionnaire-number column is absent, 序号 (or 腾讯问卷's 编号) is used.

Nothing is guessed silently: the encoding used, every header mapping that was not exact, empty
rows skipped, extra columns kept and missing optional questions are listed in
``df.attrs["notes"]``. A file that cannot be read raises :class:`~crmlab._checks.CrmlabInputError`
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

__all__ = ["read_responses", "detect_encoding", "WJX_METADATA", "TENCENT_METADATA",
           "SKIPPED_MARKERS"]

#: Metadata columns of a 问卷星 (wjx.cn) export, in order.
WJX_METADATA = ("序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP")
#: Metadata columns of a 腾讯问卷 export.
TENCENT_METADATA = ("编号", "开始答题时间", "结束答题时间", "答题时长")
#: Cell texts meaning “not asked / skipped” (treated as missing).
SKIPPED_MARKERS = ("(跳过)", "（跳过）", "(空)", "（空）")
_WJX_NUMERIC_SKIPS = ("-2", "-3")
_MULTI_JOINERS = ("┋", "|")
_NUMBERED = re.compile(r"^(?:第\s*(\d+)\s*题|[Qq]\s*(\d+)|(\d+))\s*[、.．:：)）]?\s*(.*)$", re.S)
_OTHER = re.compile(r"^(.*?)[【〖\[(（](.*)$", re.S)


def detect_encoding(raw: bytes) -> tuple[str, str]:
    """Decode-test ``raw``: UTF-8 with BOM, UTF-8, then GB18030 (a superset of GBK), strictly.

    Returns the Python codec and a label for messages; raises when none decodes the bytes.

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


def read_responses(path: str | Path, codebook: Codebook, *, sheet: int | str = 0) -> pd.DataFrame:
    """Read a survey export and return one column per codebook question.

    Parameters
    ----------
    path
        A ``.csv`` (UTF-8, UTF-8 with BOM or GBK/GB18030, detected strictly) or ``.xlsx`` file.
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
        ``column_map`` (header → question id) and ``notes`` (what was done, in words).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"responses file not found: {path}")
    table, encoding = _read_table(path, sheet)
    notes = [f"read {path.name} as {encoding}"]
    table.index = pd.RangeIndex(2, len(table) + 2, name="row")
    if table.shape[1] == 0:
        raise CrmlabInputError(f"{path.name} has no columns")
    dup_headers = table.columns[table.columns.duplicated()].tolist()
    if dup_headers:
        raise CrmlabInputError(f"{path.name} has duplicated column headers: {dup_headers[:5]}")
    empty_rows = table.index[(table.astype(str).apply(lambda s: s.str.strip()) == "").all(axis=1)]
    if len(empty_rows):
        table = table.drop(index=empty_rows)
        notes.append(f"skipped {len(empty_rows)} completely empty row(s) (spreadsheet rows "
                     f"{', '.join(map(str, empty_rows[:10]))}{' …' if len(empty_rows) > 10 else ''})")
    if len(table) == 0:
        raise CrmlabInputError(f"{path.name} has column headers but no questionnaires")
    platform = "wjx" if sum(h in table.columns for h in WJX_METADATA) >= 3 else (
        "tencent" if sum(h in table.columns for h in TENCENT_METADATA) >= 3 else None)
    if platform:
        notes.append(f"recognised a {'问卷星' if platform == 'wjx' else '腾讯问卷'} export")
    mapping, option_columns, extra, map_notes = _map_headers(list(table.columns), codebook, platform)
    notes += map_notes
    out: dict[str, pd.Series] = {}
    for header in table.columns:
        if header in extra:
            continue
        target = mapping.get(header)
        if target is not None and target not in codebook.ids:
            out[target] = table[header]
    for q in codebook.questions:
        headers = [h for h, t in mapping.items() if t == q.id]
        if q.id in option_columns:
            out[q.id] = _combine_option_columns(table, option_columns[q.id], q)
            continue
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
    missing = [q for q in codebook.questions if q.id not in out]
    required_missing = [q.id for q in missing if q.required]
    if required_missing:
        unmatched = [h for h in extra]
        raise CrmlabInputError(
            f"{path.name} has no column for required question(s) {', '.join(required_missing[:8])}"
            f"{' …' if len(required_missing) > 8 else ''}"
            + (f"; columns not matched to the codebook: {', '.join(map(repr, unmatched[:8]))}"
               if unmatched else "")
            + " (headers must be the question id, its text, or “N、text” with its number)")
    for q in missing:
        out[q.id] = pd.Series(np.nan, index=table.index)
    if missing:
        notes.append(f"{len(missing)} optional question(s) not in the file, left empty: "
                     f"{', '.join(q.id for q in missing)}")
    for header in extra:
        out[header] = table[header].replace("", np.nan)
    if extra:
        notes.append(f"{len(extra)} column(s) not in the codebook, kept as they are: "
                     f"{', '.join(map(repr, extra[:8]))}{' …' if len(extra) > 8 else ''}")
    if codebook.id_column and codebook.id_column not in out:
        notes.append(f"no questionnaire-number column {codebook.id_column!r}: duplicate "
                     "numbers cannot be checked")
    admin = [c for c in out if c not in codebook.ids and c not in extra
             and not c.endswith("_other")]
    order = admin + [q.id for q in codebook.questions] + \
        [c for c in out if c.endswith("_other") and c not in admin] + list(extra)
    result = pd.DataFrame({c: out[c] for c in order}, index=table.index)
    for c in admin + list(extra):
        result[c] = result[c].replace("", np.nan)
    result.attrs.update(encoding=encoding, source=str(path), column_map=mapping, notes=notes)
    return result


def _map_headers(headers: list[str], codebook: Codebook, platform: str | None):
    """Header → question id (or admin column); multiple-choice option columns; extras; notes."""
    by_text = {_norm(q.text): q.id for q in codebook.questions}
    by_number = {q.number: q for q in codebook.questions if q.number is not None}
    admin = set(codebook.administrative) | ({codebook.id_column} if codebook.id_column else set())
    mapping: dict[str, str] = {}
    options: dict[str, list[tuple[str, int]]] = {}
    extra: list[str] = []
    notes: list[str] = []
    loose: list[str] = []
    for header in headers:
        h = str(header).strip()
        if h in codebook.ids or h in admin:
            mapping[header] = h
            continue
        if _norm(h) in by_text:
            mapping[header] = by_text[_norm(h)]
            loose.append(f"{h!r}→{mapping[header]}")
            continue
        match = _NUMBERED.match(unicodedata.normalize("NFKC", h))
        q = None
        rest = ""
        if match:
            number = int(next(g for g in match.groups()[:3] if g))
            rest = match.group(4).strip()
            q = by_number.get(number)
        if q is None and h not in (WJX_METADATA + TENCENT_METADATA):
            # "题干:选项" without a number
            for candidate in codebook.questions:
                if candidate.type == "multiple" and _norm(h).startswith(_norm(candidate.text)):
                    q, rest = candidate, h
                    break
        if q is None:
            extra.append(header)
            continue
        if q.type == "multiple":
            option = _option_of_header(rest, q)
            if option is not None:
                options.setdefault(q.id, []).append((header, option))
                continue
        if rest and _norm(rest) != _norm(q.text) and not _norm(rest).startswith(_norm(q.text)):
            notes.append(f"column {h!r} matched question {q.number} ({q.id}) by its number, "
                         f"though its text differs from the codebook's “{q.text}”")
        mapping[header] = q.id
        loose.append(f"{h!r}→{q.id}")
    for qid, cols in options.items():
        notes.append(f"combined {len(cols)} option columns→{qid} (one column per option)")
    if loose:
        shown = "; ".join(loose[:6]) + (f"; … ({len(loose) - 6} more)" if len(loose) > 6 else "")
        notes.append(f"matched {len(loose)} header(s) to the codebook by text or number: {shown}")
    if codebook.id_column and codebook.id_column not in mapping.values():
        for meta in ("序号", "编号"):
            if meta in headers:
                mapping[meta] = codebook.id_column
                extra.remove(meta)
                notes.append(f"used the platform's {meta!r} as the questionnaire number")
                break
    return mapping, options, extra, notes


def _option_of_header(rest: str, q: Question) -> int | None:
    """The option code named by a one-column-per-option header, or None for a joined column."""
    text = rest
    norm_text = _norm(q.text)
    if _norm(text).startswith(norm_text) and _norm(text) != norm_text:
        # "题干:选项" or "题干(选项)"
        stripped = unicodedata.normalize("NFKC", text).strip()
        for sep in (":", "："):
            if sep in stripped:
                text = stripped.split(sep, 1)[1]
                break
        else:
            text = stripped[stripped.find("(") + 1:] if "(" in stripped else stripped
            text = text[:text.rfind(")")] if text.endswith(")") else text
    elif text.startswith(("(", "（")):
        body = unicodedata.normalize("NFKC", text)[1:]
        text = body[:body.rfind(")")] if ")" in body else body
    else:
        return None
    label = _norm(text)
    for code, option in (q.options or {}).items():
        if _norm(option) == label or str(code) == label:
            return code
    for code, option in (q.options or {}).items():
        if label.startswith(_norm(option)):  # 其他【请注明】
            return code
    return None


def _combine_option_columns(table: pd.DataFrame, columns: list[tuple[str, int]], q: Question) -> pd.Series:
    ticked = []
    for header, code in sorted(columns, key=lambda hc: hc[1]):
        cell = table[header].astype(str).str.strip()
        on = ~cell.isin(["", "0", "-2", "-3", "(跳过)", "（跳过）", "未选中", "否"])
        ticked.append(np.where(on, str(code), ""))
    stacked = np.stack(ticked, axis=1)
    joined = [q.separator.join(c for c in row if c) for row in stacked]
    return pd.Series(joined, index=table.index).replace("", np.nan)


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
    """A multiple-choice column of codes or option texts joined by ┋ (or the codebook separator)."""
    lookup = {_norm(label): code for code, label in (q.options or {}).items()}
    other_texts = {}
    codes_out = []
    for row, cell in values.items():
        if cell == "":
            codes_out.append(np.nan)
            continue
        parts = re.split("|".join(map(re.escape, (*_MULTI_JOINERS, q.separator))), cell)
        codes = []
        for part in (p.strip() for p in parts):
            if not part:
                continue
            if re.fullmatch(r"\d+", part):
                codes.append(part)
                continue
            code = lookup.get(_norm(part))
            if code is None:
                m = _OTHER.match(part)
                if m:
                    code = lookup.get(_norm(m.group(1))) or next(
                        (c for lab, c in lookup.items() if lab.startswith(_norm(m.group(1)))), None)
                    if code is not None:
                        inner = re.findall(r"〖(.*?)〗", part)
                        other_texts[row] = (inner[-1] if inner else m.group(2)).strip("】〗]）)〖【 ")
            codes.append(str(code) if code is not None else part)
        codes_out.append(q.separator.join(codes) if codes else np.nan)
    other = pd.Series(other_texts, dtype=object).reindex(values.index) if other_texts else None
    return pd.Series(codes_out, index=values.index, dtype=object), other
