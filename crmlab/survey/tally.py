"""Tallies (问卷统计) exactly as the training prescribes.

After invalid and blank questionnaires are set aside, each collector adds up their own
questionnaires (个人统计, cumulative counts), the group adds its members' tallies (小组统计), the
class adds the groups' (大组统计), and the absolute counts become relative ones: count for an
option ÷ number of *valid* questionnaires = percentage. For a factual question the training uses
the answer given most often (the mode, “选择”统计).

Examples
--------
>>> import pandas as pd
>>> from crmlab.survey import Codebook, tally
>>> cb = Codebook.from_dict({"title": "t", "questions": [
...     {"id": "q", "text": "?", "type": "single", "options": {1: "是", 2: "否"}}]})
>>> tally(pd.DataFrame({"q": [1, 1, 2, None]}), "q", cb)[["label", "count", "percent"]].values.tolist()
[['是', 2, 50.0], ['否', 1, 25.0], ['no answer', 1, 25.0]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmlab._checks import CrmlabInputError, require_columns
from crmlab.survey.codebook import Codebook, Question
from crmlab.survey.validation import answered, question_values

__all__ = ["tally", "tally_hierarchy", "statistics_table", "factual_mode", "NO_ANSWER",
           "multiple_choice_codes"]

#: Label of the row counting valid questionnaires that left the question unanswered.
NO_ANSWER = "no answer"


def multiple_choice_codes(values: pd.Series, *, separator: str = ";") -> pd.DataFrame:
    """Long table (``row``, ``code``) of the options chosen in a multiple-choice column.

    Parameters
    ----------
    values
        One answer per questionnaire, codes joined by ``separator`` (``"1;3"``); missing or
        empty = nothing ticked.
    separator
        The character between codes.

    Returns
    -------
    DataFrame
        One row per option ticked: ``row`` (the index label of the answer) and ``code``.

    Examples
    --------
    >>> multiple_choice_codes(pd.Series(["1;2", "3", None], index=[10, 11, 12]))
       row  code
    0   10     1
    1   10     2
    2   11     3
    """
    parts = values.astype("string").str.split(separator, regex=False).explode().str.strip()
    parts = parts[parts.notna() & (parts != "")]
    codes = pd.to_numeric(parts, errors="coerce")
    if codes.isna().any():
        raise CrmlabInputError(f"multiple-choice column {values.name!r} holds codes that are not "
                               f"numbers: {parts[codes.isna()].unique()[:3].tolist()}; validate first")
    return pd.DataFrame({"row": parts.index, "code": codes.astype("int64").to_numpy()})


_NONE = -1e18  # sentinel code of "no answer" while counting


def _counts(valid: pd.DataFrame, q: Question, keys: list[str]) -> pd.Series:
    """Number of answers per (keys…, code); unanswered questionnaires count under ``_NONE``.

    Works on distinct answers where it can (a multiple-choice column repeats a few
    combinations many times), so a million questionnaires are tallied in a fraction of a second.
    """
    key_columns = [valid[k] for k in keys]
    if q.type == "multiple":
        raw = valid[q.id].where(answered(valid[q.id]))
        combos = pd.DataFrame({**{k: c for k, c in zip(keys, key_columns)}, "_combo": raw})
        per_combo = combos.value_counts(dropna=False, sort=False).rename("n").reset_index()
        try:
            split = {c: (sorted({int(x) for x in str(c).split(q.separator) if x.strip()})
                         if isinstance(c, str) else [_NONE]) for c in per_combo["_combo"].unique()}
        except ValueError:
            raise CrmlabInputError(f"multiple-choice column {q.id!r} holds codes that are not "
                                   "numbers; validate first") from None
        per_combo["code"] = per_combo["_combo"].map(split)
        long = per_combo.explode("code")
        long["code"] = long["code"].astype("float64")
        if not keys:
            return long.groupby("code", sort=False)["n"].sum()
        return long.groupby([*keys, "code"], sort=False, observed=True)["n"].sum()
    if q.type == "text":
        code = pd.Series(np.where(answered(valid[q.id]).to_numpy(), 1.0, _NONE), index=valid.index)
    else:
        code = question_values(valid[q.id]).fillna(_NONE)
    if not keys:
        return code.value_counts(sort=False).rename_axis("code")
    frame = pd.DataFrame({**{k: c for k, c in zip(keys, key_columns)}, "code": code})
    return frame.groupby([*keys, "code"], sort=False, observed=True).size()


def tally(valid: pd.DataFrame, question: str, codebook: Codebook, *,
          by: str | Sequence[str] | None = None, include_no_answer: bool = True) -> pd.DataFrame:
    """Counts and percentages of the answers to one question, per option (统计表 rows).

    Parameters
    ----------
    valid
        The *valid* questionnaires (``validate(...).valid``): percentages are of valid
        questionnaires, as the training prescribes.
    question
        A question id of ``codebook``.
    codebook
        Gives the question's type, options and labels.
    by
        Column(s) to tally separately (``"collector"``, ``["group", "collector"]`` …).
    include_no_answer
        Add a ``no answer`` row so that single-choice counts add up to the valid questionnaires.

    Returns
    -------
    DataFrame
        ``[by…,] code, label, count, percent`` with every option listed (zero counts too).
        For a multiple-choice question, ``percent`` is replaced by ``percent_of_respondents``
        (count ÷ valid questionnaires; these add up to more than 100) and
        ``percent_of_answers`` (count ÷ all options ticked; these add up to 100). A text
        question is tallied as answered / not answered. A number question lists each value.

    Examples
    --------
    >>> cb = Codebook.from_dict({"title": "t", "questions": [
    ...     {"id": "why", "text": "选择我们的原因", "type": "multiple",
    ...      "options": {1: "价格", 2: "速度", 3: "服务"}}]})
    >>> tally(pd.DataFrame({"why": ["1;2", "3", None]}), "why", cb)  # 3 respondents, 3 ticks
       code      label  count  percent_of_respondents  percent_of_answers
    0     1         价格      1               33.333333           33.333333
    1     2         速度      1               33.333333           33.333333
    2     3         服务      1               33.333333           33.333333
    3  <NA>  no answer      1               33.333333                 NaN
    """
    q = codebook.question(question)
    keys = [by] if isinstance(by, str) else list(by or [])
    require_columns(valid, [question, *keys], what="the valid questionnaires")
    counts = _counts(valid, q, keys)
    if q.type == "text":
        labels = {1.0: "answered"}
    elif q.type == "number":
        values = sorted(c for c in counts.index.get_level_values("code").unique() if c != _NONE)
        labels = {v: f"{v:g}" for v in values}
    else:
        labels = {float(c): lab for c, lab in q.labels.items()}
    codes = list(labels) + ([_NONE] if include_no_answer else [])
    if keys:
        sizes = valid.groupby(keys, sort=True, observed=True).size().rename("_n").reset_index()
        grid = sizes.loc[sizes.index.repeat(len(codes))].reset_index(drop=True)
        grid["code"] = np.tile(np.array(codes, dtype=float), len(sizes))
        index = pd.MultiIndex.from_frame(grid[[*keys, "code"]])
    else:
        grid = pd.DataFrame({"code": np.array(codes, dtype=float), "_n": len(valid)})
        index = pd.Index(grid["code"], name="code")
    out = grid.copy()
    out["count"] = counts.reindex(index, fill_value=0).to_numpy().astype("int64")
    out["label"] = out["code"].map({**labels, _NONE: NO_ANSWER})
    code = out["code"].where(out["code"] != _NONE)
    out["code"] = code if q.type == "number" else code.astype("Int64")
    denominator = out["_n"].where(out["_n"] > 0)
    if q.type == "multiple":
        answered_rows = out["label"] != NO_ANSWER
        ticked = out["count"].where(answered_rows, 0)
        ticks = ticked.groupby([out[k] for k in keys], sort=False).transform("sum") if keys \
            else ticked.sum()
        out["percent_of_respondents"] = 100 * out["count"] / denominator
        out["percent_of_answers"] = (100 * out["count"] / ticks).where(answered_rows)
        value_columns = ["count", "percent_of_respondents", "percent_of_answers"]
    else:
        out["percent"] = 100 * out["count"] / denominator
        value_columns = ["count", "percent"]
    return out[[*keys, "code", "label", *value_columns]].reset_index(drop=True)


def tally_hierarchy(valid: pd.DataFrame, question: str, codebook: Codebook, *,
                    levels: Sequence[str] = ("collector", "group", "class")) -> pd.DataFrame:
    """Individual → group → class tallies, each built by adding the level below, checked.

    The collector tallies are counted from the questionnaires; every higher level is the *sum*
    of the tallies of the level below (the way the students do it on paper), and is compared
    with a direct count of the valid questionnaires of that unit (``direct_count``); ``agrees``
    is True when they match, which they must unless a questionnaire lost its collector or group.

    Parameters
    ----------
    valid
        The valid questionnaires.
    question
        A question id of ``codebook``.
    codebook
        Gives the question's options and labels.
    levels
        Columns from the finest level (the collector) to the coarsest (the class).

    Returns
    -------
    DataFrame
        ``level, unit, code, label, count, direct_count, agrees, valid_questionnaires, percent``
        (``unit`` names the collector/group/class, coarser levels first, joined with " / ").

    Examples
    --------
    >>> cb = Codebook.from_dict({"title": "t", "questions": [
    ...     {"id": "q1", "text": "性别", "type": "single", "options": {1: "男", 2: "女"}}]})
    >>> valid = pd.DataFrame({"class": ["A"] * 3, "group": [1, 1, 2],
    ...                       "collector": ["王", "李", "张"], "q1": [1, 2, 2]})
    >>> h = tally_hierarchy(valid, "q1", cb)
    >>> h[h["label"] == "女"][["level", "unit", "count", "direct_count", "agrees"]]
            level       unit  count  direct_count  agrees
    1   collector  A / 1 / 李      1             1    True
    4   collector  A / 1 / 王      0             0    True
    7   collector  A / 2 / 张      1             1    True
    10      group      A / 1      1             1    True
    13      group      A / 2      1             1    True
    16      class          A      2             2    True
    """
    levels = list(levels)
    require_columns(valid, levels, what="the valid questionnaires")
    if valid[levels].isna().any().any():
        bad = valid[levels].isna().any(axis=1)
        raise CrmlabInputError(f"{int(bad.sum())} valid questionnaires have no "
                               f"{'/'.join(levels)} (rows {list(valid.index[bad][:5])})")
    path = levels[::-1]  # coarsest first: class, group, collector
    finest = tally(valid, question, codebook, by=path)
    value = "count"
    pieces = []
    current = finest
    for depth in range(len(path), 0, -1):
        keys = path[:depth]
        if depth < len(path):
            current = current.groupby([*keys, "code", "label"], sort=False, dropna=False,
                                      observed=True)[value].sum().reset_index()
        direct = tally(valid, question, codebook, by=keys)
        merged = current[[*keys, "code", "label", value]].merge(
            direct[[*keys, "code", "label", "count"]].rename(columns={"count": "direct_count"}),
            on=[*keys, "code", "label"], how="outer")
        sizes = valid.groupby(keys, observed=True).size().rename("valid_questionnaires").reset_index()
        merged = merged.merge(sizes, on=keys, how="left")
        merged["count"] = merged["count"].fillna(0).astype("int64")
        merged["direct_count"] = merged["direct_count"].fillna(0).astype("int64")
        merged["agrees"] = merged["count"] == merged["direct_count"]
        share_base = merged["valid_questionnaires"].where(merged["valid_questionnaires"] > 0)
        merged["percent"] = 100 * merged["count"] / share_base
        unit = merged[keys[0]].astype(str).astype(object)
        for k in keys[1:]:
            unit = unit + " / " + merged[k].astype(str).astype(object)
        merged.insert(0, "unit", unit)
        merged.insert(0, "level", keys[-1])
        pieces.append(merged[["level", "unit", "code", "label", "count", "direct_count", "agrees",
                              "valid_questionnaires", "percent"]])
        current = current[[*keys, "code", "label", value]]
    return pd.concat(pieces, ignore_index=True)


def factual_mode(valid: pd.DataFrame, question: str, codebook: Codebook, *,
                 by: str | Sequence[str] | None = "collector") -> pd.DataFrame:
    """The answer given most often (众数) to a factual question, per unit (“选择”统计).

    Ties are resolved to the smallest code and every tied code is listed in ``tied``.

    Parameters
    ----------
    valid
        The valid questionnaires.
    question
        A question id of ``codebook`` (a closed question).
    codebook
        Gives the question's options and labels.
    by
        The unit column(s) (default ``"collector"``); ``None`` for all questionnaires.

    Returns
    -------
    DataFrame
        ``[by…,] mode, label, count, answers, share, tied``.

    Examples
    --------
    >>> cb = Codebook.from_dict({"title": "t", "questions": [
    ...     {"id": "q1", "text": "性别", "type": "single", "options": {1: "男", 2: "女"}}]})
    >>> factual_mode(pd.DataFrame({"q1": [1, 2, 2]}), "q1", cb, by=None)  # doctest: +NORMALIZE_WHITESPACE
       mode label  count  answers      share tied
    0     2     女      2        3  66.666667
    """
    q = codebook.question(question)
    if q.type in ("multiple", "text", "number"):
        raise CrmlabInputError(f"the mode needs a single-choice or scale question; {question!r} "
                               f"is {q.type}")
    counts = tally(valid, question, codebook, by=by, include_no_answer=False)
    keys = [by] if isinstance(by, str) else list(by or [])
    rows = []
    grouped = counts.groupby(keys, sort=False) if keys else [((), counts)]
    for key, part in grouped:
        answers = int(part["count"].sum())
        top = part["count"].max()
        winners = part.loc[part["count"] == top, "code"].tolist() if answers else []
        mode = min(winners) if winners else pd.NA
        row = dict(zip(keys, key if isinstance(key, tuple) else (key,)))
        row.update({"mode": mode, "label": q.labels.get(mode, "") if winners else NO_ANSWER,
                    "count": int(top) if answers else 0, "answers": answers,
                    "share": 100 * top / answers if answers else np.nan,
                    "tied": ", ".join(str(w) for w in winners) if len(winners) > 1 else ""})
        rows.append(row)
    out = pd.DataFrame(rows)
    out["mode"] = out["mode"].astype("Int64")
    return out


def statistics_table(valid: pd.DataFrame, codebook: Codebook, *,
                     questions: Sequence[str] | None = None) -> pd.DataFrame:
    """The training's statistics table (统计表): every closed question, every option, counts and %.

    Multiple-choice questions report the percent of respondents (the training's definition:
    count ÷ valid questionnaires). Open text and number questions are left out.

    Parameters
    ----------
    valid
        The valid questionnaires.
    codebook
        The questionnaire definition.
    questions
        The question ids to include; default every closed question, in codebook order.

    Returns
    -------
    DataFrame
        ``number, question, text, code, label, count, percent``.

    Examples
    --------
    >>> cb = Codebook.from_dict({"title": "t", "questions": [
    ...     {"id": "q1", "number": 1, "text": "性别", "type": "single",
    ...      "options": {1: "男", 2: "女"}}]})
    >>> statistics_table(pd.DataFrame({"q1": [1, 2, 2]}), cb)
       number question text  code      label  count    percent
    0       1       q1   性别     1          男      1  33.333333
    1       1       q1   性别     2          女      2  66.666667
    2       1       q1   性别  <NA>  no answer      0   0.000000
    """
    wanted = questions or [q.id for q in codebook.questions
                           if q.type in ("single", "multiple", "likert", "rating")]
    parts = []
    for qid in wanted:
        q = codebook.question(qid)
        t = tally(valid, qid, codebook)
        if q.type == "multiple":
            t = t.rename(columns={"percent_of_respondents": "percent"}).drop(columns="percent_of_answers")
        t.insert(0, "text", q.text)
        t.insert(0, "question", qid)
        t.insert(0, "number", q.number)
        parts.append(t)
    out = pd.concat(parts, ignore_index=True)
    out["number"] = out["number"].astype("Int64")
    return out
