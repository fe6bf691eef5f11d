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


def multiple_choice_codes(values: pd.Series, separator: str = ";") -> pd.DataFrame:
    """Long table (``row``, ``code``) of the options chosen in a multiple-choice column."""
    parts = values.astype("string").str.split(separator, regex=False).explode().str.strip()
    parts = parts[parts.notna() & (parts != "")]
    codes = pd.to_numeric(parts, errors="coerce")
    if codes.isna().any():
        raise CrmlabInputError(f"multiple-choice column {values.name!r} holds codes that are not "
                               f"numbers: {parts[codes.isna()].unique()[:3].tolist()}; validate first")
    return pd.DataFrame({"row": parts.index, "code": codes.astype("int64").to_numpy()})


def _codes_frame(data: pd.DataFrame, q: Question) -> pd.DataFrame:
    """Long table (``_pos``, ``code``) of answers; unanswered rows get code NaN."""
    if q.type == "multiple":
        positions = pd.Series(np.arange(len(data)), index=data.index)
        if not data.index.is_unique:
            data = data.reset_index(drop=True)
            positions = pd.Series(np.arange(len(data)))
        chosen = multiple_choice_codes(data[q.id], q.separator)
        pos = positions.loc[chosen["row"]].to_numpy()
        answered_pos = np.unique(pos)
        blank = np.setdiff1d(np.arange(len(data)), answered_pos)
        return pd.DataFrame({"_pos": np.concatenate([pos, blank]),
                             "code": np.concatenate([chosen["code"].to_numpy(dtype=float),
                                                     np.full(blank.size, np.nan)])})
    if q.type == "text":
        return pd.DataFrame({"_pos": np.arange(len(data)),
                             "code": np.where(answered(data[q.id]).to_numpy(), 1.0, np.nan)})
    values = question_values(data[q.id]).to_numpy()
    return pd.DataFrame({"_pos": np.arange(len(data)), "code": values})


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
    """
    q = codebook.question(question)
    keys = [by] if isinstance(by, str) else list(by or [])
    require_columns(valid, [question, *keys], what="the valid questionnaires")
    long = _codes_frame(valid, q)
    if keys:
        groups = valid[keys].reset_index(drop=True)
        long = pd.concat([groups.iloc[long["_pos"].to_numpy()].reset_index(drop=True),
                          long.reset_index(drop=True)], axis=1)
        sizes = groups.value_counts(sort=False).rename("_n").reset_index()
    else:
        sizes = pd.DataFrame({"_n": [len(valid)]})
    if q.type == "text":
        labels = {1: "answered"}
    elif q.type == "number":
        labels = {v: f"{v:g}" for v in sorted(long["code"].dropna().unique())}
    else:
        labels = q.labels
    long["code"] = long["code"].fillna(-1e18)
    counts = long.groupby([*keys, "code"], sort=False, observed=True).size().rename("count")
    codes = list(labels) + ([-1e18] if include_no_answer else [])
    if keys:
        grid = sizes[keys].merge(pd.DataFrame({"code": codes}), how="cross")
    else:
        grid = pd.DataFrame({"code": codes})
    out = grid.merge(counts.reset_index(), on=[*keys, "code"], how="left")
    out["count"] = out["count"].fillna(0).astype("int64")
    out = out.merge(sizes, on=keys, how="left") if keys else out.assign(_n=len(valid))
    out["label"] = out["code"].map(lambda c: NO_ANSWER if c == -1e18 else labels.get(c, str(c)))
    out["code"] = out["code"].map(lambda c: pd.NA if c == -1e18 else c).astype("Int64") \
        if q.type != "number" else out["code"].where(out["code"] != -1e18)
    denominator = out["_n"].where(out["_n"] > 0)
    if q.type == "multiple":
        ticks = out[out["label"] != NO_ANSWER].groupby(keys, sort=False)["count"].transform("sum") \
            if keys else out.loc[out["label"] != NO_ANSWER, "count"].sum()
        out["percent_of_respondents"] = 100 * out["count"] / denominator
        out["percent_of_answers"] = (100 * out["count"] / ticks).where(out["label"] != NO_ANSWER)
        value_columns = ["count", "percent_of_respondents", "percent_of_answers"]
    else:
        out["percent"] = 100 * out["count"] / denominator
        value_columns = ["count", "percent"]
    out = out[[*keys, "code", "label", *value_columns]]
    if keys:
        out = out.sort_values(keys, kind="stable")
    return out.reset_index(drop=True)


def tally_hierarchy(valid: pd.DataFrame, question: str, codebook: Codebook, *,
                    levels: Sequence[str] = ("collector", "group", "class")) -> pd.DataFrame:
    """Individual → group → class tallies, each built by adding the level below, checked.

    The collector tallies are counted from the questionnaires; every higher level is the *sum*
    of the tallies of the level below (the way the students do it on paper), and is compared
    with a direct count of the valid questionnaires of that unit (``direct_count``); ``agrees``
    is True when they match, which they must unless a questionnaire lost its collector or group.

    Parameters
    ----------
    levels
        Columns from the finest level (the collector) to the coarsest (the class).

    Returns
    -------
    DataFrame
        ``level, unit, code, label, count, direct_count, agrees, valid_questionnaires, percent``
        (``unit`` names the collector/group/class, coarser levels first, joined with " / ").
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
        merged.insert(0, "unit", merged[keys].astype(str).agg(" / ".join, axis=1))
        merged.insert(0, "level", keys[-1])
        pieces.append(merged[["level", "unit", "code", "label", "count", "direct_count", "agrees",
                              "valid_questionnaires", "percent"]])
        current = current[[*keys, "code", "label", value]]
    return pd.concat(pieces, ignore_index=True)


def factual_mode(valid: pd.DataFrame, question: str, codebook: Codebook, *,
                 by: str | Sequence[str] | None = "collector") -> pd.DataFrame:
    """The answer given most often (众数) to a factual question, per unit (“选择”统计).

    Ties are resolved to the smallest code and every tied code is listed in ``tied``.

    Returns
    -------
    DataFrame
        ``[by…,] mode, label, count, answers, share, tied``.
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


def statistics_table(valid: pd.DataFrame, codebook: Codebook,
                     questions: Sequence[str] | None = None) -> pd.DataFrame:
    """The training's statistics table (统计表): every closed question, every option, counts and %.

    Multiple-choice questions report the percent of respondents (the training's definition:
    count ÷ valid questionnaires). Open text and number questions are left out.

    Returns
    -------
    DataFrame
        ``number, question, text, code, label, count, percent``.
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
