"""Message catalogue: the course's user-facing messages in English and Chinese.

Every message has a dotted key (``<area>.<what>``) and one text per language with named format
fields; :func:`t` picks the language and fills the fields. The language is, in order: the
``lang`` argument (e.g. a lab's ``crmlab.language`` metadata), the ``CRMLAB_LANG`` environment
variable, the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG`` starting with ``zh``), else English.
Adding an area (``survey.*``, ``cli.*``) means adding keys here; ``tests/test_i18n.py`` checks
that every key has every language with the same fields.

Examples
--------
>>> t("grade.score", "en", total=7.5, max=10)
'Score: 7.5 / 10'
>>> t("grade.score", "zh", total=7.5, max=10)
'得分：7.5 / 10'
>>> resolve_language("zh_CN.UTF-8")
'zh'
"""

from __future__ import annotations

import os
import string

LANGUAGES = ("en", "zh")

MESSAGES: dict[str, dict[str, str]] = {
    # feedback a student reads
    "grade.feedback_title": {"en": "{lab}: feedback for {student}", "zh": "{lab}：{student} 的反馈"},
    "grade.score": {"en": "Score: {total:g} / {max:g}", "zh": "得分：{total:g} / {max:g}"},
    "grade.status": {"en": "status: {status}", "zh": "状态：{status}"},
    "grade.table_header": {"en": "| question | points | result |", "zh": "| 题目 | 得分 | 结果 |"},
    "grade.correct": {"en": "✓ correct", "zh": "✓ 正确"},
    "grade.wrong": {"en": "✗ {message}", "zh": "✗ {message}"},
    "grade.overridden": {"en": "{question} set to {points:g} by the instructor",
                         "zh": "{question} 由教师改为 {points:g} 分"},
    "grade.overridden_comment": {"en": "{question} set to {points:g} by the instructor ({comment})",
                                 "zh": "{question} 由教师改为 {points:g} 分（{comment}）"},
    "grade.manual_pending": {"en": "graded by hand: not graded yet", "zh": "人工评分：尚未评分"},
    "grade.manual_scored": {"en": "graded by hand", "zh": "人工评分"},
    "grade.manual_comment": {"en": "graded by hand: {comment}", "zh": "人工评分：{comment}"},
    "grade.manual_note": {"en": "{question} (graded by hand): {comment}", "zh": "{question}（人工评分）：{comment}"},
    "grade.late": {"en": "{days} day(s) late: {percent:.0f} % deducted", "zh": "迟交 {days} 天：扣除 {percent:.0f}%"},
    "grade.late_tag": {"en": "marked late by the LMS (time unknown, counted as 1 day): {percent:.0f} % deducted",
                       "zh": "学习平台标记为迟交（时间未知，按 1 天计）：扣除 {percent:.0f}%"},
    "grade.notes": {"en": "**Notes:** {notes}", "zh": "**说明：** {notes}"},
    "grade.errors_heading": {"en": "## Errors in your notebook", "zh": "## 你的笔记本中的错误"},
    "grade.stopped_in_cell": {"en": "It stopped while running code cell {cell} (starts with: {start})",
                              "zh": "停止时正在运行第 {cell} 个代码单元（开头：{start}）"},
    # the run summary an instructor reads
    "summary.graded": {"en": "graded {count} submission(s) ({total} in {path})",
                       "zh": "本次评了 {count} 份作业（{path} 中共 {total} 份）"},
    "summary.variant": {"en": "hidden data variant", "zh": "使用了隐藏数据变体"},
    "summary.problems": {"en": "{count} with status timeout/crashed/invalid (see the gradebook)",
                         "zh": "{count} 份状态为超时/崩溃/无效（见成绩表）"},
    "summary.late": {"en": "{count} student(s) late: {details}", "zh": "{count} 名学生迟交：{details}"},
    "summary.late_one": {"en": "{student} {days} day(s)", "zh": "{student} {days} 天"},
    "summary.on_time": {"en": "no student was late (deadline {deadline})", "zh": "无人迟交（截止 {deadline}）"},
    "summary.others": {"en": "{student}: graded {graded}; also handed in {others}",
                       "zh": "{student}：评分 {graded}；另交了 {others}"},
    "summary.not_by_name": {"en": "{student}: no notebook named {assignment}.ipynb, graded {graded}; also handed in {others}",
                            "zh": "{student}：没有名为 {assignment}.ipynb 的笔记本，评分 {graded}；另交了 {others}"},
    "summary.not_on_roster": {"en": "{student} ({file}) is not on the roster", "zh": "{student}（{file}）不在名单中"},
    "summary.no_submission": {"en": "{count} student(s) on the roster without a submission: {students}",
                              "zh": "名单中 {count} 名学生未提交：{students}"},
    "summary.roster_ambiguous": {"en": "{student}: {count} students of this name on the roster and no id to tell them "
                                       "apart (name the file with the 学号)",
                                 "zh": "{student}：名单中有 {count} 名同名学生且没有编号可区分（请用学号命名文件）"},
    "summary.manual_pending": {"en": "{count} answer(s) to grade by hand: see {path}",
                               "zh": "{count} 个答案需人工评分：见 {path}"},
    "summary.manual_merged": {"en": "merged {count} hand-graded score(s) from {path}",
                              "zh": "已从 {path} 合并 {count} 个人工评分"},
}


def resolve_language(value: str | None) -> str | None:
    """``zh``/``zh_CN.UTF-8``/``Chinese`` → ``zh``; ``en…`` → ``en``; anything else → None."""
    if not value:
        return None
    value = value.strip().lower()
    if value.startswith(("zh", "chinese", "中文")):
        return "zh"
    if value.startswith(("en", "english")):
        return "en"
    return None


_chosen_language: str | None = None


def set_language(lang: str | None) -> None:
    """Choose the language of charts, tables and messages for this Python session.

    The course's chapter notebooks call it in their first code cell (``crmlab.set_language("zh")``
    in the Chinese edition); ``None`` goes back to ``CRMLAB_LANG``/the locale.

    Parameters
    ----------
    lang : {"en", "zh"} or None
        The language (``"zh_CN"``, ``"Chinese"`` … are understood too).

    Raises
    ------
    ValueError
        For a language the course is not written in.

    Examples
    --------
    >>> set_language("zh"); tr("Customers", "客户")
    '客户'
    >>> set_language(None)
    """
    global _chosen_language
    if lang is None:
        _chosen_language = None
        return
    found = resolve_language(lang)
    if found is None:
        raise ValueError(f"the course is written in {' and '.join(LANGUAGES)}, not {lang!r}")
    _chosen_language = found


def tr(en: str, zh: str) -> str:
    """The text in the chosen language (:func:`set_language`): a notebook's own labels.

    Parameters
    ----------
    en, zh : str
        The English and the Chinese text.

    Returns
    -------
    str
        ``zh`` when the language is Chinese, else ``en``.

    Examples
    --------
    >>> set_language("en"); tr("Share of customers", "客户占比")
    'Share of customers'
    >>> set_language("zh"); tr("Share of customers", "客户占比")
    '客户占比'
    >>> set_language(None)
    """
    return zh if language() == "zh" else en


def language(preferred: str | None = None) -> str:
    """The language to use: ``preferred``, else :func:`set_language`'s choice, else
    ``CRMLAB_LANG``, else the locale, else ``en``."""
    for value in (preferred, _chosen_language, os.environ.get("CRMLAB_LANG"), os.environ.get("LC_ALL"),
                  os.environ.get("LC_MESSAGES"), os.environ.get("LANG")):
        found = resolve_language(value)
        if found:
            return found
    return "en"


def t(key: str, lang: str | None = None, **fields: object) -> str:
    """The message ``key`` in ``lang`` (see :func:`language`) with its fields filled in."""
    texts = MESSAGES[key]
    return texts[language(lang)].format(**fields)


def fields_of(text: str) -> set[str]:
    """The format field names in a message text."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
