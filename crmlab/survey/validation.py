"""Checking questionnaires (检查问卷): which are valid, which are blank (白卷) or invalid (废卷), and why.

The training's first tally step is to set aside blank and invalid questionnaires; they are not
counted. :func:`validate` does that for a whole table at once and keeps every reason, so that
the response funnel reconciles: received = valid + rejected.

Rules (each questionnaire may break several; the *primary* reason is the first in
:data:`REASONS` order):

``blank``
    no question answered at all (administrative columns do not count).
``duplicate_number``
    the questionnaire number was already used by an earlier questionnaire that is kept (data-entry
    order; a first copy rejected for another reason does not count, so a later valid copy is
    kept); with ``duplicates="reject_all"`` every non-blank copy is rejected.
``missing_number``
    no questionnaire number (only when the codebook names an ``id_column``).
``unreadable``
    a numeric answer holds text that is not a number (``"四"``, ``"3分"``).
``out_of_range``
    a code that is not allowed (6 on a 1–5 scale, gender 3, an unknown multiple-choice option) or
    a number outside the codebook's minimum–maximum (an impossible value).
``missing_required``
    a required question has no answer.
``speeder``
    answered faster than the codebook's ``quality.speeders`` limit (default a third of the median
    of the platform's time-taken column: 所用时间, 答题时长, ``Duration (in seconds)``).
``repeated_ip``
    (only when ``quality.repeated_ip`` is enabled) the respondent's IP address was already used
    by an earlier questionnaire that is kept.
``straight_lining``
    every item of a straight-lining block has the same raw answer (at least ``min_items``
    answered); with a reverse-coded item in the block this is a contradiction, so the
    questionnaire was not answered attentively. The same *middle* answer everywhere (一般) is not
    rejected on its own (a reverse-worded item cannot contradict a neutral answer) unless the
    rule says ``middle: reject``.

Examples
--------
>>> from crmlab.datasets import load_dataset
>>> from crmlab.survey import course_codebook, validate
>>> result = validate(load_dataset("survey_responses"), course_codebook())
>>> result.received == len(result.valid) + len(result.rejected)
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlab._compat import str_len, str_strip
from crmlab._checks import CrmlabInputError, ExclusionReport, require_columns
from crmlab.survey.codebook import Codebook, Question

__all__ = ["validate", "ValidationResult", "REASONS", "REASON_LABELS", "answered", "question_values",
           "seconds_taken"]

#: Rejection reasons, in priority order (the first one a questionnaire breaks is its primary one).
REASONS = ("blank", "duplicate_number", "missing_number", "unreadable", "out_of_range",
           "missing_required", "speeder", "repeated_ip", "straight_lining")
#: Plain-language label of each reason (English with the course's Chinese term).
REASON_LABELS = {
    "blank": "blank questionnaire (白卷)",
    "duplicate_number": "questionnaire number used twice",
    "missing_number": "no questionnaire number",
    "unreadable": "text where a number is expected",
    "out_of_range": "answer code not allowed / impossible value",
    "missing_required": "required question not answered",
    "speeder": "answered too fast (speeder)",
    "repeated_ip": "IP address used by an earlier questionnaire",
    "straight_lining": "same answer to every item of a block (straight-lining)",
}


@dataclass
class ValidationResult:
    """Outcome of :func:`validate`.

    Each parameter is the attribute of that name.

    Parameters
    ----------
    valid
        The valid questionnaires (rows of the input, answers converted to numbers).
    rejected
        One row per rejected questionnaire: ``row`` (the input's index label), the questionnaire
        number, ``status`` (``blank`` or ``invalid``), the primary ``reason``, every reason
        (``reasons``) and a readable ``detail``.
    issues
        One row per problem found: ``row``, ``question``, ``reason``, ``value``.
    received
        Number of questionnaires received (rows of the input).
    exclusions
        An :class:`~crmlab._checks.ExclusionReport` keyed by primary reason.

    Examples
    --------
    >>> cb = Codebook.from_dict({"title": "t", "id_column": "no", "questions": [
    ...     {"id": "q1", "text": "性别", "type": "single", "options": {1: "男", 2: "女"}}]})
    >>> result = validate(pd.DataFrame({"no": [1, 2, 3], "q1": [1, 3, None]}), cb)
    >>> result
    <ValidationResult: 3 questionnaires received: 1 valid, 2 rejected (1 blank, 1 out_of_range)>
    >>> result.rejected[["row", "status", "reason"]]
       row   status        reason
    0    1  invalid  out_of_range
    1    2    blank         blank
    """

    valid: pd.DataFrame
    rejected: pd.DataFrame
    issues: pd.DataFrame
    received: int
    exclusions: ExclusionReport

    def funnel(self) -> pd.DataFrame:
        """The response funnel: received, each primary rejection reason, valid."""
        rows = [("received", self.received)]
        counts = self.rejected["reason"].value_counts()
        rows += [(f"rejected: {REASON_LABELS[r]}", int(counts.get(r, 0))) for r in REASONS
                 if counts.get(r, 0)]
        rows.append(("valid", len(self.valid)))
        frame = pd.DataFrame(rows, columns=["stage", "questionnaires"])
        frame["percent_of_received"] = (100 * frame["questionnaires"] / max(self.received, 1)).round(1)
        return frame

    def summary(self) -> pd.DataFrame:
        """Rejected questionnaires per primary reason (zero rows omitted)."""
        counts = self.rejected["reason"].value_counts()
        return pd.DataFrame({"reason": [r for r in REASONS if counts.get(r, 0)],
                             "label": [REASON_LABELS[r] for r in REASONS if counts.get(r, 0)],
                             "questionnaires": [int(counts[r]) for r in REASONS if counts.get(r, 0)]})

    def __str__(self) -> str:
        from crmlab.i18n import MESSAGES, language, t

        zh = language() == "zh"
        words = {r: t(f"survey.value.{r}") if zh and f"survey.value.{r}" in MESSAGES else r
                 for r in self.summary()["reason"]}
        parts = t("survey.validation.separator").join(
            t("survey.validation.part", count=n, reason=words[r])
            for r, n in zip(self.summary()["reason"], self.summary()["questionnaires"]))
        text = t("survey.validation.summary", received=self.received, valid=len(self.valid),
                 rejected=len(self.rejected))
        return text + (t("survey.validation.parts", parts=parts) if parts else "")

    def __repr__(self) -> str:
        return f"<ValidationResult: {self}>"


def answered(values: pd.Series) -> pd.Series:
    """True where a cell holds an answer (not missing, not an empty or blank string)."""
    present = values.notna()
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return present
    mask = present.to_numpy()
    text = _stripped_text(values[mask])
    blank = np.zeros(len(values), dtype=bool)
    blank[np.flatnonzero(mask)] = str_len(text) == 0
    return present & ~blank


def _stripped_text(values: pd.Series) -> np.ndarray:
    """Cells as text without surrounding spaces (numpy's vectorised string functions)."""
    return str_strip(values.to_numpy(dtype=object).astype(str))


def _by_unique(values: pd.Series, convert) -> pd.Series:
    """Apply ``convert`` once per distinct non-missing value and map the results back."""
    present = values.notna()
    uniq = pd.unique(values[present].to_numpy(dtype=object))
    lookup = {u: convert(u) for u in uniq}
    return pd.Series(values.to_numpy(dtype=object), index=values.index).map(lookup)


def _as_number(value: object) -> float:
    try:
        return float(str(value).strip())
    except ValueError:
        return float("nan")


def question_values(values: pd.Series) -> pd.Series:
    """The numeric value of each answer (NaN where missing or not a number)."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        if values.dtype == np.float64:
            return values
        return pd.Series(values.to_numpy(dtype="float64", na_value=np.nan), index=values.index,
                         name=values.name)
    return _by_unique(values, _as_number).astype("float64")


def _integer_codes(numbers: pd.Series) -> pd.Series:
    """Whole-number codes (floats with NaN) as a nullable ``Int64`` column, without a slow cast."""
    values = numbers.to_numpy(dtype="float64")
    mask = np.isnan(values)
    data = np.where(mask, 0, values).astype("int64")
    return pd.Series(pd.arrays.IntegerArray(data, mask), index=numbers.index, name=numbers.name)


def validate(responses: pd.DataFrame, codebook: Codebook, *, duplicates: str = "keep_first",
             check_straight_lining: bool = True) -> ValidationResult:
    """Sort questionnaires into valid and rejected ones, with every reason.

    Parameters
    ----------
    responses
        One row per questionnaire, one column per codebook question (plus administrative
        columns). Use :func:`crmlab.survey.read_responses` for files exported by survey tools.
    codebook
        The questionnaire definition (allowed codes, required questions, straight-lining blocks).
    duplicates
        ``"keep_first"`` (default): the first non-blank questionnaire with a number is kept and
        later ones are rejected; ``"reject_all"``: every questionnaire sharing a number is
        rejected (use it when you cannot tell which copy is right).
    check_straight_lining
        Apply the codebook's straight-lining rules (default True).

    Returns
    -------
    ValidationResult

    Examples
    --------
    >>> import pandas as pd
    >>> from crmlab.survey import Codebook
    >>> cb = Codebook.from_dict({"title": "t", "id_column": "no", "questions": [
    ...     {"id": "q1", "text": "?", "type": "single", "options": {1: "yes", 2: "no"},
    ...      "required": True}]})
    >>> r = validate(pd.DataFrame({"no": [1, 2, 2, 2, 3], "q1": [1, 5, 2, 1, None]}), cb)
    >>> r.rejected[["row", "reason"]].values.tolist()
    [[1, 'out_of_range'], [3, 'duplicate_number'], [4, 'blank']]

    The first copy of number 2 was rejected (5 is no option), so the second, valid one is kept
    and the third is the duplicate.
    """
    if duplicates not in ("keep_first", "reject_all"):
        raise CrmlabInputError(f"duplicates must be 'keep_first' or 'reject_all', not {duplicates!r}")
    require_columns(responses, codebook.ids + ([codebook.id_column] if codebook.id_column else []),
                    what="the responses")
    n = len(responses)
    flags: dict[str, np.ndarray] = {}
    issue_parts: list[pd.DataFrame] = []
    converted: dict[str, pd.Series] = {}
    any_answer = np.zeros(n, dtype=bool)
    missing_required = np.zeros(n, dtype=bool)
    missing_parts: list[tuple[str, np.ndarray]] = []

    def flag(reason: str, question: str, mask: np.ndarray, values: pd.Series | None) -> None:
        if not mask.any():
            return
        flags[reason] = flags.get(reason, np.zeros(n, dtype=bool)) | mask
        pos = np.flatnonzero(mask)
        if values is None:
            shown = ""
        elif pd.api.types.is_numeric_dtype(values):
            shown = np.array([f"{v:g}" if v == v else "" for v in values.iloc[pos].astype(float)],
                             dtype=object)
        else:
            shown = values.iloc[pos].astype("string").fillna("").to_numpy()
        issue_parts.append(pd.DataFrame({"_pos": pos, "question": question, "reason": reason,
                                         "value": shown}))

    for q in codebook.questions:
        raw = responses[q.id]
        present = answered(raw).to_numpy()
        any_answer |= present
        if q.required:
            missing = ~present
            missing_required |= missing
            missing_parts.append((q.id, missing))
        if q.type in ("single", "likert", "rating", "number"):
            numbers = question_values(raw)
            values = numbers.to_numpy()
            unreadable = present & np.isnan(values)
            flag("unreadable", q.id, unreadable, raw)
            if q.type == "number":
                bad = np.zeros(n, dtype=bool)
                if q.minimum is not None:
                    bad |= values < q.minimum
                if q.maximum is not None:
                    bad |= values > q.maximum
            else:
                bad = ~np.isnan(values) & ~np.isin(values, q.allowed_codes)
            flag("out_of_range", q.id, bad, raw)
            converted[q.id] = numbers
        elif q.type == "multiple":
            flag("out_of_range", q.id, present & _bad_multiple(raw, q), raw)
    blank = ~any_answer
    # Missing required answers matter only on questionnaires that are not blank.
    for qid, missing in missing_parts:
        flag("missing_required", qid, missing & ~blank, None)
    if check_straight_lining:
        for rule in codebook.straight_lining:
            items = codebook.items(block=rule.block)
            block = np.column_stack([converted.get(i, question_values(responses[i])).to_numpy()
                                     for i in items])
            count = (~np.isnan(block)).sum(axis=1)
            filled = np.where(np.isnan(block), np.inf, block)
            low = filled.min(axis=1)
            high = np.where(np.isnan(block), -np.inf, block).max(axis=1)
            same = (low == high) & (count >= rule.min_items)
            if rule.middle == "keep":
                same &= low != _middle(codebook, items)
            flag("straight_lining", f"block:{rule.block}", same,
                 pd.Series(np.where(same, low, np.nan)).astype("Int64"))
    flags["blank"] = blank
    _check_speeders(responses, codebook, blank, flag)
    if codebook.id_column:
        ids = responses[codebook.id_column]
        has_id = answered(ids).to_numpy()
        flag("missing_number", codebook.id_column, ~has_id & ~blank, None)
        kept = ~np.logical_or.reduce(list(flags.values()))
        dup, shown = _repeats(ids, has_id & ~blank, responses.index, duplicates, kept)
        flag("duplicate_number", codebook.id_column, dup, shown)
    _check_repeated_ip(responses, codebook, flags, flag)

    reason_matrix = np.column_stack([flags.get(r, np.zeros(n, dtype=bool)) for r in REASONS])
    rejected_mask = reason_matrix.any(axis=1)
    rejected_pos = np.flatnonzero(rejected_mask)
    primary = np.array(REASONS, dtype=object)[reason_matrix[rejected_pos].argmax(axis=1)]

    issues = (pd.concat(issue_parts, ignore_index=True) if issue_parts
              else pd.DataFrame({"_pos": np.array([], dtype=int), "question": [], "reason": [],
                                 "value": []}))
    issues = issues[~(blank[issues["_pos"].to_numpy()] & (issues["reason"] != "blank"))]
    issues = issues.sort_values(["_pos", "reason"], key=lambda s: s.map(REASONS.index)
                                if s.name == "reason" else s, kind="stable")
    index = responses.index
    rejected = _rejected_frame(responses, codebook, index, rejected_pos, primary, reason_matrix,
                               issues, blank)
    issues = issues.assign(row=index[issues["_pos"].to_numpy()])
    if codebook.id_column:
        issues.insert(0, codebook.id_column,
                      responses[codebook.id_column].to_numpy()[issues["_pos"].to_numpy()])
    issues = issues[[c for c in ("row", codebook.id_column, "question", "reason", "value")
                     if c]].reset_index(drop=True)

    keep = ~rejected_mask
    columns = {}
    for column in responses.columns:
        if column in converted:
            numbers = converted[column][keep]
            columns[column] = (numbers if codebook.question(column).type == "number"
                               else _integer_codes(numbers))
        else:
            columns[column] = responses[column][keep]
    valid = pd.DataFrame(columns, index=responses.index[keep], copy=False)
    exclusions = ExclusionReport(received=n)
    for reason in REASONS:
        exclusions.add(reason, rejected["row"][rejected["reason"] == reason].pipe(pd.Index))
    return ValidationResult(valid=valid, rejected=rejected, issues=issues, received=n,
                            exclusions=exclusions)


def _repeats(values: pd.Series, candidates: np.ndarray, index: pd.Index, duplicates: str,
             kept: np.ndarray | None = None) -> tuple[np.ndarray, pd.Series | None]:
    """Copies of a value among ``candidates`` after the one that is kept (the first copy in
    ``kept``, else the first copy), or every copy for ``reject_all``; with a note naming the row
    of the kept copy."""
    n = len(values)
    dup = np.zeros(n, dtype=bool)
    where = np.flatnonzero(candidates)
    sub = pd.Series(values[candidates].to_numpy() if pd.api.types.is_numeric_dtype(values)
                    else _stripped_text(values[candidates]))
    if not len(where) or not sub.duplicated().any():
        return dup, None
    groups = pd.Series(where).groupby(sub.to_numpy())
    if duplicates == "keep_first":
        good = pd.Series(np.where(kept[where], where, np.iinfo(np.int64).max) if kept is not None
                         else where)
        anchor = good.groupby(sub.to_numpy()).transform("min").to_numpy()
        anchor = np.where(anchor == np.iinfo(np.int64).max, groups.transform("min").to_numpy(),
                          anchor)
        marks = where > anchor
        note = ", first used on row " + index[anchor[marks]].astype(str).to_numpy(dtype=object)
    else:
        marks = sub.duplicated(keep=False).to_numpy()
        note = ", used on " + groups.transform("size").to_numpy()[marks].astype(str) \
            .astype(object) + " questionnaires"
    dup[where[marks]] = True
    shown = pd.Series("", index=index, dtype=object)
    shown.iloc[where[marks]] = values.iloc[where[marks]].astype(str).to_numpy(dtype=object) + note
    return dup, shown


def _middle(codebook: Codebook, items: list[str]) -> float:
    """The middle code of the items' scale (NaN for an even scale or no scale)."""
    scale = codebook.question(items[0]).scale
    if scale is None or (scale.max - scale.min) % 2:
        return float("nan")
    return (scale.min + scale.max) / 2


def seconds_taken(values: pd.Series) -> pd.Series:
    """Seconds from a time-taken column: numbers, ``"123秒"``, ``"2分3秒"``, ``"1小时2分"``.

    Examples
    --------
    >>> seconds_taken(pd.Series(["2分3秒", "45秒", "1小时", 90, None])).tolist()
    [123.0, 45.0, 3600.0, 90.0, nan]
    """
    import re

    def parse(value: object) -> float:
        text = str(value).strip()
        try:
            return float(text)
        except ValueError:
            pass
        parts = re.fullmatch(r"(?:(\d+)\s*(?:小时|时))?\s*(?:(\d+)\s*分(?:钟)?)?\s*(?:(\d+)\s*秒)?", text)
        if not text or parts is None or not any(parts.groups()):
            return float("nan")
        h, m, sec = (int(g or 0) for g in parts.groups())
        return float(3600 * h + 60 * m + sec)

    return _by_unique(values, parse).astype("float64")


def _find_column(responses: pd.DataFrame, given: str | None, known: tuple[str, ...]) -> str | None:
    if given:
        require_columns(responses, [given], what="the responses")
        return given
    return next((c for c in known if c in responses.columns), None)


def _check_speeders(responses: pd.DataFrame, codebook: Codebook, blank: np.ndarray, flag) -> None:
    from crmlab.survey.reading import TIME_TAKEN_COLUMNS

    rule = codebook.quality.get("speeders", {})
    if rule.get("enabled") is False:
        return
    column = _find_column(responses, rule.get("column"), TIME_TAKEN_COLUMNS)
    if column is None:
        return
    seconds = seconds_taken(responses[column]).to_numpy()
    limit = rule.get("min_seconds")
    if limit is None and rule.get("fraction_of_median") is not None:
        usable = seconds[~blank & ~np.isnan(seconds)]
        limit = float(rule["fraction_of_median"]) * float(np.median(usable)) if len(usable) else None
    if limit is None:
        return
    fast = ~blank & (seconds < limit)
    flag("speeder", column, fast, pd.Series([f"{v:g} s < {limit:.0f} s" for v in seconds],
                                            index=responses.index, dtype=object))


def _check_repeated_ip(responses: pd.DataFrame, codebook: Codebook, flags: dict, flag) -> None:
    from crmlab.survey.reading import IP_COLUMNS

    rule = codebook.quality.get("repeated_ip", {})
    if not rule.get("enabled"):
        return
    column = _find_column(responses, rule.get("column"), IP_COLUMNS)
    if column is None:
        return
    ips = responses[column].astype("string").str.replace(r"\s*[(（].*$", "", regex=True).str.strip()
    kept = ~np.logical_or.reduce(list(flags.values()))
    candidates = kept & ips.notna().to_numpy() & (ips != "").fillna(False).to_numpy()
    dup, shown = _repeats(ips.astype(object), candidates, responses.index, "keep_first", kept)
    flag("repeated_ip", column, dup, shown)


def _bad_multiple(raw: pd.Series, q: Question) -> np.ndarray:
    """True where a multiple-choice answer holds a code that is not an option."""
    allowed = {str(c) for c in q.allowed_codes}

    def bad(value: object) -> bool:
        parts = [p.strip() for p in str(value).split(q.separator)]
        return any(p and (p.lstrip("0") or "0") not in allowed for p in parts)

    flags = _by_unique(raw, bad)
    return flags.eq(True).to_numpy()


def _rejected_frame(responses, codebook, index, rejected_pos, primary, reason_matrix, issues,
                    blank) -> pd.DataFrame:
    sub_matrix = reason_matrix[rejected_pos]
    joined = np.full(len(rejected_pos), "", dtype=object)
    for j, reason in enumerate(REASONS):
        joined = joined + np.where(sub_matrix[:, j], reason + "; ", "").astype(object)
    reasons_all = [r[:-2] for r in joined]
    sub = issues[issues["_pos"].isin(rejected_pos)]
    value = sub["value"].astype(object).astype(str)
    text = (sub["question"].astype(object) + np.where(value != "", " = " + value, "")
            + " (" + sub["reason"].astype(object) + ")")
    rank = sub.groupby("_pos").cumcount().to_numpy()
    shown = text[rank < 6].astype(object) + ", "
    details = shown.groupby(sub["_pos"][rank < 6]).sum().str[:-2]
    extra = pd.Series(rank, index=sub.index).groupby(sub["_pos"]).max() - 5
    more = extra[extra > 0]
    details.loc[more.index] = [f"{listed} … (+{n})" for listed, n in
                               zip(details.loc[more.index], more)]
    frame = pd.DataFrame({"row": index[rejected_pos]})
    if codebook.id_column:
        frame[codebook.id_column] = responses[codebook.id_column].to_numpy()[rejected_pos]
    frame["status"] = np.where(blank[rejected_pos], "blank", "invalid")
    frame["reason"] = primary
    frame["reasons"] = reasons_all
    detail = details.reindex(rejected_pos).to_numpy()
    frame["detail"] = np.where(blank[rejected_pos], "no question answered", detail)
    return frame
