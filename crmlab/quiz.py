"""Concept quizzes for class: a bilingual question bank and a builder (课堂测验).

The bank is one YAML file per chapter, ``exercises/quizzes/chNN_<topic>.yaml`` (format in
``exercises/README.md``, section "Quizzes"). Each question has at least two **versions** (other
numbers, other customers, options reordered), every text in English and Chinese. A quiz draws one
version of each question, deterministically from a version number or a seed, and is written as

* a lab **source notebook** in the authoring format of ``exercises/README.md`` (one
  ``# QUESTION`` cell per question, ``data=fixed selfcheck=format``), which ``crmlab assign``
  releases and ``crmlab grade`` grades like any lab; the Chinese quiz is generated directly in
  Chinese (notebook metadata ``crmlab.language = "zh"``), not through a translation file;
* a printable **paper** (Markdown and HTML) and a separate **answer key** for the teacher.

``build_quiz(2, out, versions=3)`` writes papers A, B and C: neighbouring papers take different
versions of every question.

Examples
--------
>>> bank = load_bank(2)
>>> len(bank.questions) >= 10 and all(len(q.versions) >= 2 for q in bank.questions)
True
>>> quiz = draw(bank, version=1, lang="zh")
>>> quiz.items[0].version == 1 and quiz.lang == "zh"
True
"""

from __future__ import annotations

import hashlib
import html
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crmlab._checks import CrmlabInputError

#: The folder of the course's question banks (``exercises/quizzes`` of the course folder).
BANK_DIR = Path(__file__).resolve().parent.parent / "exercises" / "quizzes"
KINDS = ("choice", "bool", "number")
LANGS = ("en", "zh")
LABELS = ("A", "B", "C", "D")
#: Questions in a quiz (the issue: "a short concept quiz per chapter, 10 questions").
QUIZ_LENGTH = 10
_ID = re.compile(r"^[a-z0-9_]+$")
_BANK_KEYS = {"chapter", "topic", "title", "questions"}
_QUESTION_KEYS = {"id", "kind", "text", "options", "explain", "tolerance", "check", "versions"}
_VERSION_KEYS = {"text", "options", "explain", "params", "answer"}

#: Fixed texts of the notebook and the paper, per language.
UI: dict[str, dict[str, str]] = {
    "en": {
        "quiz": "Quiz", "chapter": "Chapter", "paper": "paper", "key": "Answer key",
        "question": "Question", "point": "point", "points": "points",
        "name": "Name: ____________  Student number: ____________  Class: ________",
        "intro_nb": ("{n} questions, 1 point each. Write each answer in the code cell under its "
                     "question, replacing the line `raise NotImplementedError(...)`: a letter in quotes "
                     "for a choice (`q1 = \"B\"`), `True` or `False` for a true/false statement, a number "
                     "for a calculation. Run the check cell after it: it confirms the *form* of your answer "
                     "only; the value is graded after you hand in the notebook."),
        "intro_paper": "{n} questions, 1 point each. Circle one letter, T or F, or write the number.",
        "answer_choice": "Answer: `{var} = \"A\"` … `\"D\"` (one letter).",
        "answer_bool": "Answer: `{var} = True` or `{var} = False`.",
        "answer_number": "Answer: a number in `{var}` (tolerance ± {tol}).",
        "tf_line": "True or false? **T** / **F**", "true": "True", "false": "False",
        "write": "Answer: ______________", "tolerance": "accepted within ± {tol}",
        "key_note": ("For the teacher only. The last column names the bank question and its version; "
                     "the source notebook `{stem}.ipynb` grades the same answers."),
        "answer": "Answer", "bank": "bank question",
        "explain": "Why",
        "sep": ": ",
    },
    "zh": {
        "quiz": "课堂测验", "chapter": "第 {n} 章", "paper": "试卷", "key": "参考答案",
        "question": "第 {n} 题", "point": "分", "points": "分",
        "name": "姓名：____________  学号：____________  班级：________",
        "intro_nb": ("共 {n} 题，每题 1 分。请在每道题下面的代码单元格中作答，替换 "
                     "`raise NotImplementedError(...)` 这一行：选择题写带引号的字母（`q1 = \"B\"`），"
                     "判断题写 `True`（对）或 `False`（错），计算题写一个数字。运行其后的自测单元格："
                     "它只检查答案的**格式**，答案是否正确在交卷后评分。"),
        "intro_paper": "共 {n} 题，每题 1 分。选择题圈出一个字母，判断题圈出“对”或“错”，计算题写出数字。",
        "answer_choice": "作答：`{var} = \"A\"` … `\"D\"`（一个字母）。",
        "answer_bool": "作答：`{var} = True`（对）或 `{var} = False`（错）。",
        "answer_number": "作答：在 `{var}` 中写一个数字（允许误差 ± {tol}）。",
        "tf_line": "判断对错：**对** / **错**", "true": "对", "false": "错",
        "write": "答：______________", "tolerance": "误差 ± {tol} 以内算对",
        "key_note": "仅供教师使用。最后一列是题库中的题目编号和版本；源笔记本 `{stem}.ipynb` 按同样的答案评分。",
        "answer": "答案", "bank": "题库题目",
        "explain": "解析",
        "sep": "：",
    },
}


@dataclass(frozen=True)
class Version:
    """One version of a question: its texts (both languages), options, answer and parameters.

    :func:`parse_bank` builds them from a bank's ``versions`` entries, with the ``params`` already
    filled into the texts.

    Parameters
    ----------
    text : dict of str to str
        The question's text per language (``"en"``, ``"zh"``).
    answer : str, bool or float
        The answer: a letter ``A``–``D`` (choice), ``True``/``False`` (bool) or a number.
    options : tuple of dict
        For a choice question, the four options in order (``A`` first), each ``{"en": …, "zh": …}``
        (and ``"value"`` when the bank gives one); empty for the other kinds.
    params : dict
        The numbers or names filled into the texts (``{values}`` …); the bank's checks recompute
        the answer from them.
    explain : dict of str to str or None
        Why the answer is right, per language, for the answer key.

    Examples
    --------
    >>> version = Version(text={"en": "Is the 80/20 split a law?", "zh": "二八比例是定律吗？"}, answer=False)
    >>> version.text["zh"], version.answer, version.options, version.explain
    ('二八比例是定律吗？', False, (), None)
    """

    text: dict[str, str]
    answer: Any
    options: tuple[dict[str, Any], ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    explain: dict[str, str] | None = None


@dataclass(frozen=True)
class Question:
    """A bank question: id, kind (choice / bool / number), tolerance, and its versions.

    Parameters
    ----------
    id : str
        The question's id in its bank (lower-case letters, digits, ``_``).
    kind : {"choice", "bool", "number"}
        Four options with one letter as the answer, a true/false statement, or a number.
    versions : tuple of Version
        At least two versions (other numbers, other customers, options reordered).
    tolerance : float
        For a number question, how far from the answer is still right (graded as
        ``atol``); 0 for the other kinds.
    check : str or None
        The name of the independent recomputation of the answers in ``tests/test_quiz.py``.

    Examples
    --------
    >>> question = Question(id="pareto_is_a_law", kind="bool", versions=(
    ...     Version(text={"en": "Is the 80/20 split a law?", "zh": "二八比例是定律吗？"}, answer=False),
    ...     Version(text={"en": "Must the real split be measured?", "zh": "真实比例需要测算吗？"}, answer=True)))
    >>> [version.answer for version in question.versions], question.tolerance, question.check
    ([False, True], 0.0, None)
    """

    id: str
    kind: str
    versions: tuple[Version, ...]
    tolerance: float = 0.0
    check: str | None = None  # the name of the independent recomputation in tests/test_quiz.py


@dataclass(frozen=True)
class Bank:
    """One chapter's question bank.

    :func:`load_bank` reads and validates one from ``exercises/quizzes/chNN_<topic>.yaml``
    (through :func:`parse_bank`).

    Parameters
    ----------
    chapter : int
        The chapter number.
    topic : str
        A short name used in file names (``quiz02_pareto_A.ipynb``).
    title : dict of str to str
        The chapter's title per language.
    questions : tuple of Question
        The questions in the bank's order.
    path : Path or None
        The file it was read from.

    Examples
    --------
    >>> bank = parse_bank({"chapter": 2, "topic": "pareto", "title": {"en": "Pareto", "zh": "帕累托"},
    ...     "questions": [{"id": "top_share", "kind": "number", "tolerance": 0.5,
    ...                    "text": {"en": "Spent: {values} yuan. The largest customer's share, in %?",
    ...                             "zh": "消费额：{values} 元。消费额最大的客户占百分之几？"},
    ...                    "versions": [{"params": {"values": [50, 10, 20, 10, 10]}, "answer": 50},
    ...                                 {"params": {"values": [1000, 3000, 2500, 2000, 1500]}, "answer": 30}]}]})
    >>> bank.chapter, bank.topic, len(bank.questions), bank.path
    (2, 'pareto', 1, None)
    >>> bank.questions[0].versions[1].text["en"]
    "Spent: 1,000, 3,000, 2,500, 2,000, 1,500 yuan. The largest customer's share, in %?"
    >>> load_bank(2).path.name
    'ch02_pareto.yaml'
    """

    chapter: int
    topic: str
    title: dict[str, str]
    questions: tuple[Question, ...]
    path: Path | None = None


@dataclass(frozen=True)
class Item:
    """A drawn question: the bank question, the version drawn (1-based) and its rendered texts.

    :func:`draw` makes one per question of a quiz, its texts in the quiz's language.

    Parameters
    ----------
    number : int
        The question's number in the quiz, from 1 (the answer variable is ``q<number>``).
    question : Question
        The bank question it was drawn from.
    version : int
        The version drawn, from 1 (``question.versions[version - 1]``).
    text : str
        The question's text in the quiz's language.
    options : tuple of str
        A choice question's four options in that language (``A`` first); empty otherwise.
    answer : str, bool or float
        The version's answer.
    explain : str or None
        The version's explanation in that language.

    Examples
    --------
    >>> item = draw(load_bank(2), version=2, lang="zh").items[0]
    >>> item.number, item.version
    (1, 2)
    >>> drawn = item.question.versions[1]
    >>> item.text == drawn.text["zh"] and item.answer == drawn.answer
    True
    """

    number: int
    question: Question
    version: int
    text: str
    options: tuple[str, ...]
    answer: Any
    explain: str | None


@dataclass(frozen=True)
class Quiz:
    """A drawn quiz in one language, with the label of its paper (``A``, ``v1``, ``s42`` …).

    Made by :func:`draw`; :func:`write_quiz` writes its files, named after ``quiz.stem``.

    Parameters
    ----------
    bank : Bank
        The chapter's bank it was drawn from.
    lang : {"en", "zh"}
        The language of its texts.
    label : str
        The paper's label in titles and file names.
    items : tuple of Item
        The drawn questions, numbered from 1.

    Examples
    --------
    >>> quiz = draw(load_bank(2), version=2, lang="zh")
    >>> quiz.label, quiz.stem, len(quiz.items)
    ('v2', 'quiz02_pareto_zh_v2', 10)
    >>> draw(load_bank(2), paper=1, label="B").stem
    'quiz02_pareto_B'
    """

    bank: Bank
    lang: str
    label: str
    items: tuple[Item, ...]

    @property
    def stem(self) -> str:
        """The file name stem, e.g. ``quiz02_pareto_A`` or ``quiz02_pareto_zh_A``."""
        lang = "_zh" if self.lang == "zh" else ""
        return f"quiz{self.bank.chapter:02d}_{self.bank.topic}{lang}_{self.label}"


# ---------------------------------------------------------------------------------------- bank


def _texts(value: Any, where: str, problems: list[str]) -> dict[str, str] | None:
    if not isinstance(value, dict):
        problems.append(f"{where}: needs an English and a Chinese text (en: …, zh: …)")
        return None
    missing = [lang for lang in LANGS if not isinstance(value.get(lang), str) or not value[lang].strip()]
    if missing:
        problems.append(f"{where}: the {' and '.join(missing)} text is missing or empty")
        return None
    extra = sorted(set(value) - set(LANGS) - {"value"})
    if extra:
        problems.append(f"{where}: unknown key(s) {', '.join(extra)} (expected en, zh)")
    return value


def _shown(value: Any) -> str:
    """A parameter as printed in a question: lists as ``a, b, c``, large whole numbers with commas."""
    if isinstance(value, (list, tuple)):
        return ", ".join(_shown(v) for v in value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 1_000:
        return f"{value:,}"
    return str(value)


def _fill(text: str, params: dict[str, Any], where: str, problems: list[str]) -> str:
    if not params:
        return text
    try:
        return text.format_map({key: _shown(value) for key, value in params.items()})
    except (KeyError, IndexError, ValueError) as exc:
        problems.append(f"{where}: cannot fill in the parameters ({type(exc).__name__}: {exc})")
        return text


def _version(q: dict[str, Any], v: Any, kind: str, where: str, problems: list[str]) -> Version | None:
    if not isinstance(v, dict):
        problems.append(f"{where}: a version must be a mapping")
        return None
    unknown = sorted(set(v) - _VERSION_KEYS)
    if unknown:
        problems.append(f"{where}: unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(_VERSION_KEYS))})")
    if "answer" not in v:
        problems.append(f"{where}: no answer")
    params = v.get("params") or {}
    if not isinstance(params, dict):
        problems.append(f"{where}: params must be a mapping")
        params = {}
    text = _texts(v.get("text", q.get("text")), f"{where} text", problems)
    answer = v.get("answer")
    options: list[dict[str, Any]] = []
    if kind == "choice":
        raw = v.get("options", q.get("options"))
        if not isinstance(raw, list) or len(raw) != len(LABELS):
            problems.append(f"{where}: a choice question needs exactly {len(LABELS)} options")
        else:
            for i, option in enumerate(raw):
                checked = _texts(option, f"{where} option {LABELS[i]}", problems)
                if checked is not None:
                    options.append(checked)
        if not isinstance(answer, str) or answer.strip().upper() not in LABELS:
            problems.append(f"{where}: the answer {answer!r} is not among the options {'/'.join(LABELS)}")
        else:
            answer = answer.strip().upper()
    elif kind == "bool":
        if not isinstance(answer, bool):
            problems.append(f"{where}: the answer of a true/false question must be true or false, not {answer!r}")
    elif kind == "number":
        if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
            problems.append(f"{where}: the answer of a number question must be a finite number, not {answer!r}")
    explain = v.get("explain", q.get("explain"))
    if explain is not None:
        explain = _texts(explain, f"{where} explain", problems)
    if text is None:
        return None
    filled = {lang: _fill(text[lang], params, f"{where} {lang} text", problems) for lang in LANGS}
    opts = tuple({**{lang: _fill(o[lang], params, f"{where} option", problems) for lang in LANGS},
                  **({"value": o["value"]} if "value" in o else {})} for o in options)
    if len({o["en"] for o in opts}) < len(opts) or len({o["zh"] for o in opts}) < len(opts):
        problems.append(f"{where}: two options have the same text")
    if explain is not None:
        explain = {lang: _fill(explain[lang], params, f"{where} explain", problems) for lang in LANGS}
    return Version(text=filled, answer=answer, options=opts, params=dict(params), explain=explain)


def parse_bank(data: Any, path: Path | None = None) -> Bank:
    """Validate a bank read from YAML and return it; every problem is reported at once.

    Parameters
    ----------
    data
        The parsed YAML: ``chapter``, ``topic``, ``title`` (en, zh) and ``questions``.
    path
        Where it was read from (used in error messages).

    Returns
    -------
    Bank

    Raises
    ------
    CrmlabInputError
        A question without both languages, an answer not among its options, fewer than two
        versions, a duplicate id, an unknown kind, and the like; the message lists each one.

    Examples
    --------
    >>> parse_bank({"chapter": 9, "topic": "x", "title": {"en": "X", "zh": "某"}, "questions": []})
    Traceback (most recent call last):
    ...
    crmlab._checks.CrmlabInputError: question bank: no questions
    """
    name = str(path) if path is not None else "question bank"
    problems: list[str] = []
    if not isinstance(data, dict):
        raise CrmlabInputError(f"{name}: not a question bank (expected a mapping with chapter, topic, questions)")
    unknown = sorted(set(data) - _BANK_KEYS)
    if unknown:
        problems.append(f"unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(_BANK_KEYS))})")
    chapter = data.get("chapter")
    if isinstance(chapter, bool) or not isinstance(chapter, int) or chapter < 0:
        problems.append(f"chapter must be a whole number, not {chapter!r}")
        chapter = -1
    topic = str(data.get("topic") or "")
    if not _ID.match(topic):
        problems.append(f"topic {topic!r} must be lower-case letters, digits or _")
    title = _texts(data.get("title"), "title", problems) or {"en": "", "zh": ""}
    raw_questions = data.get("questions") or []
    if not raw_questions:
        raise CrmlabInputError(f"{name}: no questions")
    questions: list[Question] = []
    seen: set[str] = set()
    for index, q in enumerate(raw_questions, start=1):
        if not isinstance(q, dict):
            problems.append(f"question {index}: must be a mapping")
            continue
        qid = str(q.get("id") or "")
        where = f"question {qid or index}"
        unknown = sorted(set(q) - _QUESTION_KEYS)
        if unknown:
            problems.append(f"{where}: unknown key(s) {', '.join(unknown)} "
                            f"(allowed: {', '.join(sorted(_QUESTION_KEYS))})")
        if not _ID.match(qid):
            problems.append(f"{where}: id {qid!r} must be lower-case letters, digits or _")
        elif qid in seen:
            problems.append(f"{where}: duplicate id {qid!r}")
        seen.add(qid)
        kind = q.get("kind")
        if kind not in KINDS:
            problems.append(f"{where}: kind {kind!r} must be one of {', '.join(KINDS)}")
            continue
        tolerance = q.get("tolerance", 0.0)
        if kind == "number" and (isinstance(tolerance, bool) or not isinstance(tolerance, (int, float))
                                 or not tolerance > 0):
            problems.append(f"{where}: a number question needs a tolerance > 0, not {tolerance!r}")
            tolerance = 0.0
        raw_versions = q.get("versions") or []
        if not isinstance(raw_versions, list) or len(raw_versions) < 2:
            problems.append(f"{where}: needs at least 2 versions, has {len(raw_versions) if isinstance(raw_versions, list) else 0}")
            raw_versions = raw_versions if isinstance(raw_versions, list) else []
        versions = [_version(q, v, kind, f"{where} version {i}", problems)
                    for i, v in enumerate(raw_versions, start=1)]
        texts = [(v.text["en"], v.answer) for v in versions if v is not None]
        if len(set(texts)) < len(texts):
            problems.append(f"{where}: two versions are identical (same text and answer)")
        questions.append(Question(id=qid, kind=kind, versions=tuple(v for v in versions if v is not None),
                                  tolerance=float(tolerance), check=q.get("check")))
    if problems:
        raise CrmlabInputError(f"{name}: {len(problems)} problem(s):\n  " + "\n  ".join(problems))
    return Bank(chapter=chapter, topic=topic, title=title, questions=tuple(questions), path=path)


def bank_files(bank_dir: str | Path | None = None) -> dict[int, Path]:
    """The bank files of a folder by chapter number (``chNN_<topic>.yaml``).

    Parameters
    ----------
    bank_dir
        The folder (default: the course's ``exercises/quizzes``).

    Returns
    -------
    dict
        Chapter number → path, in chapter order.

    Examples
    --------
    >>> sorted(bank_files())
    [0, 1, 2, 3, 4, 5, 6, 7, 8]
    """
    folder = Path(bank_dir) if bank_dir is not None else BANK_DIR
    files: dict[int, Path] = {}
    for path in sorted(folder.glob("ch[0-9][0-9]_*.yaml")):
        files[int(path.name[2:4])] = path
    return files


def load_bank(chapter: int | str | Path, *, bank_dir: str | Path | None = None) -> Bank:
    """Read and validate one chapter's bank.

    Parameters
    ----------
    chapter
        A chapter number (looked up in ``bank_dir``) or the path of a bank file.
    bank_dir
        The folder of the banks (default: the course's ``exercises/quizzes``).

    Returns
    -------
    Bank

    Examples
    --------
    >>> load_bank(5).title["zh"]
    '客户满意度调研'
    """
    import yaml

    if isinstance(chapter, (str, Path)) and str(chapter).endswith((".yaml", ".yml")):
        path = Path(chapter)
    else:
        files = bank_files(bank_dir)
        number = int(chapter)
        if number not in files:
            raise CrmlabInputError(f"no question bank for chapter {number} in {bank_dir or BANK_DIR} "
                                   f"(chapters with a bank: {', '.join(map(str, sorted(files))) or 'none'}; "
                                   "another folder: --bank-dir)")
        path = files[number]
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CrmlabInputError(f"{path}: not valid YAML: {exc}") from None
    return parse_bank(data, path)


# ---------------------------------------------------------------------------------------- draw


def _offset(seed: int | str, chapter: int, qid: str) -> int:
    digest = hashlib.sha256(f"crmlab-quiz:{seed}:{chapter}:{qid}".encode()).hexdigest()
    return int(digest[:12], 16)


def paper_label(index: int) -> str:
    """``A``, ``B``, … ``Z``, ``AA`` … for paper 0, 1, …

    Parameters
    ----------
    index
        The paper's number from 0.

    Returns
    -------
    str

    Examples
    --------
    >>> [paper_label(i) for i in (0, 1, 25, 26)]
    ['A', 'B', 'Z', 'AA']
    """
    label = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        label = chr(ord("A") + rest) + label
    return label


def _item(number: int, q: Question, index: int, lang: str) -> Item:
    v = q.versions[index]
    explain = v.explain[lang] if v.explain else None
    return Item(number=number, question=q, version=index + 1, text=v.text[lang],
                options=tuple(o[lang] for o in v.options), answer=v.answer, explain=explain)


def draw(bank: Bank, *, version: int | None = None, seed: int | str | None = None, paper: int = 0,
         lang: str = "en", label: str | None = None, count: int | None = QUIZ_LENGTH) -> Quiz:
    """Draw one version of every question, deterministically.

    Parameters
    ----------
    bank
        The chapter's bank.
    version
        Take version ``version`` (1-based) of every question (wrapping round for questions with
        fewer versions). Default when no seed is given: 1.
    seed
        Instead, pick each question's version from a hash of the seed, chapter and question id.
    paper
        Paper number 0, 1, 2 … (``A``, ``B``, ``C``): adds ``paper`` to every question's version,
        so neighbouring papers differ on every question.
    lang
        ``"en"`` or ``"zh"``.
    label
        The paper's label in file names and titles (default: ``A``/``B``… when ``paper`` is
        used with several papers, else ``v<version>`` or ``s<seed>``).
    count
        How many questions (default 10; ``None``: all). Without a seed the first ``count``
        questions of the bank; with a seed a sample of them chosen by the seed (in bank order),
        the same on every paper of that seed.

    Returns
    -------
    Quiz

    Examples
    --------
    >>> bank = load_bank(2)
    >>> a, b = draw(bank, seed=7, paper=0), draw(bank, seed=7, paper=1)
    >>> all(x.version != y.version for x, y in zip(a.items, b.items))
    True
    """
    if lang not in LANGS:
        raise CrmlabInputError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    if version is not None and seed is not None:
        raise CrmlabInputError("give a version or a seed, not both")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int) or version < 1):
        raise CrmlabInputError(f"version must be a whole number from 1, not {version!r}")
    if paper < 0:
        raise CrmlabInputError(f"paper must be 0 or more, not {paper}")
    chosen = list(bank.questions)
    if count is not None:
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= len(chosen):
            raise CrmlabInputError(f"the chapter {bank.chapter} bank has {len(chosen)} questions; "
                                   f"cannot draw {count!r}")
        if seed is not None:
            keep = sorted(chosen, key=lambda q: _offset(f"pick:{seed}", bank.chapter, q.id))[:count]
            chosen = [q for q in chosen if q in keep]
        else:
            chosen = chosen[:count]
    items = []
    for number, q in enumerate(chosen, start=1):
        base = _offset(seed, bank.chapter, q.id) if seed is not None else (version or 1) - 1
        items.append(_item(number, q, (base + paper) % len(q.versions), lang))
    if label is None:
        label = f"s{seed}" if seed is not None else f"v{version or 1}"
    return Quiz(bank=bank, lang=lang, label=label, items=tuple(items))


# ---------------------------------------------------------------------------------------- write


def _number_text(value: float) -> str:
    """A number as a person writes it: ``1999000``, ``164.09``, ``-25``, ``0.005`` (no exponent)."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.12f}".rstrip("0").rstrip(".")


def _ui(quiz: Quiz, key: str, **kwargs: Any) -> str:
    return UI[quiz.lang][key].format(**kwargs)


def _title(quiz: Quiz) -> str:
    bank = quiz.bank
    if quiz.lang == "zh":
        return f"{_ui(quiz, 'quiz')} · {_ui(quiz, 'chapter', n=bank.chapter)} · {bank.title['zh']}（{_ui(quiz, 'paper')} {quiz.label}）"
    return f"{_ui(quiz, 'quiz')} · {_ui(quiz, 'chapter')} {bank.chapter} · {bank.title['en']} ({_ui(quiz, 'paper')} {quiz.label})"


def _heading(quiz: Quiz, item: Item) -> str:
    if quiz.lang == "zh":
        return f"{_ui(quiz, 'question', n=item.number)}（1 {_ui(quiz, 'point')}）"
    return f"{_ui(quiz, 'question')} {item.number} (1 {_ui(quiz, 'point')})"


def _answer_text(quiz: Quiz, item: Item) -> str:
    if item.question.kind == "choice":
        return item.answer
    if item.question.kind == "bool":
        return _ui(quiz, "true" if item.answer else "false")
    tolerance = _ui(quiz, "tolerance", tol=_number_text(item.question.tolerance))
    return f"{_number_text(item.answer)}（{tolerance}）" if quiz.lang == "zh" else f"{_number_text(item.answer)} ({tolerance})"


def _body(quiz: Quiz, item: Item) -> list[str]:
    lines = [item.text.strip(), ""]
    if item.question.kind == "choice":
        lines += [f"- **{label}.** {option}" for label, option in zip(LABELS, item.options)] + [""]
    elif item.question.kind == "bool":
        lines += [_ui(quiz, "tf_line"), ""]
    return lines


def _solution_line(item: Item, var: str) -> str:
    if item.question.kind == "choice":
        return f'{var} = "{item.answer}"'
    if item.question.kind == "bool":
        return f"{var} = {bool(item.answer)}"
    return f"{var} = {item.answer!r}"


def _marker(item: Item, var: str) -> str:
    kind = item.question.kind
    options = {"choice": f"compare=choice choices={'|'.join(LABELS)}", "bool": "compare=bool",
               "number": f"compare=number rtol=0 atol={_number_text(item.question.tolerance)}"}[kind]
    return f"# QUESTION {var} points=1 answer={var} {options} data=fixed selfcheck=format"


def source_notebook(quiz: Quiz) -> Any:
    """The quiz as a lab source notebook (authoring format; the instructor's copy with solutions).

    Parameters
    ----------
    quiz
        A drawn quiz (:func:`draw`).

    Returns
    -------
    nbformat.NotebookNode
        Cells: the title and instructions, a setup cell (``crmlab.set_language``), then per
        question a markdown cell (text and options) and a ``# QUESTION qN`` cell whose solution
        assigns the answer to ``qN``. Metadata ``crmlab.language`` is the quiz's language (the
        grader's feedback follows it) and ``crmlab.quiz`` records the bank question and version
        of every ``qN``.

    Examples
    --------
    >>> nb = source_notebook(draw(load_bank(2), version=2))
    >>> nb.cells[3].source.splitlines()[0]
    '# QUESTION q1 points=1 answer=q1 compare=choice choices=A|B|C|D data=fixed selfcheck=format'
    """
    import nbformat

    v4 = nbformat.v4
    n = len(quiz.items)
    cells = [v4.new_markdown_cell(f"# {_title(quiz)}\n\n{_ui(quiz, 'intro_nb', n=n)}", id="quiz-intro"),
             v4.new_code_cell(f'import crmlab\ncrmlab.set_language("{quiz.lang}")', id="quiz-setup")]
    record = []
    for item in quiz.items:
        var = f"q{item.number}"
        hint = _ui(quiz, f"answer_{item.question.kind}", var=var,
                   tol=_number_text(item.question.tolerance))
        text = "\n".join([f"## {_heading(quiz, item)}", "", *_body(quiz, item), hint])
        cells.append(v4.new_markdown_cell(text, id=f"{var}-text"))
        code = "\n".join([_marker(item, var), "### BEGIN SOLUTION", _solution_line(item, var), "### END SOLUTION"])
        cells.append(v4.new_code_cell(code, id=var))
        record.append({"question": var, "bank_id": item.question.id, "version": item.version})
    nb = v4.new_notebook(cells=cells)
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "crmlab": {"language": quiz.lang, "quiz": {"chapter": quiz.bank.chapter, "topic": quiz.bank.topic,
                                                   "paper": quiz.label, "questions": record}},
    }
    nbformat.validate(nb)
    return nb


def paper_markdown(quiz: Quiz) -> str:
    """The printable paper: title, name line, questions and options (no answers).

    Parameters
    ----------
    quiz
        A drawn quiz (:func:`draw`).

    Returns
    -------
    str
        Markdown (pipe tables for the tables given in questions).

    Examples
    --------
    >>> "Answer key" in paper_markdown(draw(load_bank(2)))
    False
    """
    lines = [f"# {_title(quiz)}", "", _ui(quiz, "name"), "", _ui(quiz, "intro_paper", n=len(quiz.items)), ""]
    for item in quiz.items:
        lines += [f"## {_heading(quiz, item)}", "", *_body(quiz, item)]
        if item.question.kind == "number":
            lines += [_ui(quiz, "write"), ""]
    return "\n".join(lines).rstrip() + "\n"


def key_markdown(quiz: Quiz) -> str:
    """The teacher's answer key: each answer, the bank question and version, and the explanation.

    Parameters
    ----------
    quiz
        A drawn quiz (:func:`draw`).

    Returns
    -------
    str
        Markdown: a table of answers (numbers with their tolerance), then the explanations.

    Examples
    --------
    >>> key_markdown(draw(load_bank(2))).splitlines()[0]
    '# Answer key · Quiz · Chapter 2 · The 80/20 rule and the customer pyramid (paper v1)'
    """
    lines = [f"# {_ui(quiz, 'key')} · {_title(quiz)}", "", _ui(quiz, "key_note", stem=quiz.stem), "",
             f"| # | {_ui(quiz, 'answer')} | {_ui(quiz, 'bank')} |", "|---|---|---|"]
    for item in quiz.items:
        lines.append(f"| {item.number} | **{_answer_text(quiz, item)}** | {item.question.id} v{item.version} |")
    lines.append("")
    for item in quiz.items:
        if item.explain:
            lines += [f"- **{item.number}.** {_ui(quiz, 'explain')}{_ui(quiz, 'sep')}{item.explain.strip()}"]
    return "\n".join(lines).rstrip() + "\n"


def _inline(text: str) -> str:
    text = html.escape(text, quote=False)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", text)


def markdown_to_html(markdown: str, title: str) -> str:
    """A self-contained printable HTML page from the quiz's Markdown subset.

    Headings (``#``, ``##``), paragraphs, ``- `` list items, pipe tables, ``**bold**`` and
    ```code``` are converted; everything else is escaped text.

    Parameters
    ----------
    markdown
        The text (from :func:`paper_markdown` or :func:`key_markdown`).
    title
        The page title.

    Returns
    -------
    str
        A complete HTML document (UTF-8, print-friendly style, CJK fonts first).

    Examples
    --------
    >>> "<td>3</td>" in markdown_to_html("| a |\\n|---|\\n| 3 |", "t")
    True
    """
    body: list[str] = []
    table: list[list[str]] = []
    items: list[str] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            body.append("<p>" + "<br>".join(_inline(p) for p in paragraph) + "</p>")
            paragraph.clear()
        if items:
            body.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
            items.clear()
        if table:
            head, *rows = table
            cells = "".join(f"<th>{_inline(c)}</th>" for c in head)
            body.append(f"<table><tr>{cells}</tr>" + "".join(
                "<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>" for row in rows) + "</table>")
            table.clear()

    for line in markdown.splitlines():
        stripped = line.strip()
        if stripped.startswith("|"):
            if not re.fullmatch(r"\|[\s:|-]+\|?", stripped):
                if not table:
                    flush()
                table.append([c.strip() for c in stripped.strip("|").split("|")])
            continue
        if table:
            flush()
        if stripped.startswith("#"):
            flush()
            level = min(len(stripped) - len(stripped.lstrip("#")), 3)
            body.append(f"<h{level}>{_inline(stripped.lstrip('#').strip())}</h{level}>")
        elif stripped.startswith("- "):
            if paragraph:
                flush()
            items.append(stripped[2:])
        elif not stripped:
            flush()
        else:
            if items:
                flush()
            paragraph.append(stripped)
    flush()
    style = ("body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;max-width:46em;margin:2em auto;"
             "line-height:1.5}h2{font-size:1.05em;margin-top:1.4em;break-after:avoid}ul{list-style:none;"
             "padding-left:1em}table{border-collapse:collapse;margin:.4em 0}td,th{border:1px solid #999;"
             "padding:2px 8px;text-align:center}@media print{h2{break-inside:avoid}}")
    return (f"<!doctype html>\n<html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def write_quiz(quiz: Quiz, out: str | Path) -> list[Path]:
    """Write one quiz: ``<stem>.ipynb`` (source), ``<stem>_paper.md/.html``, ``<stem>_key.md/.html``.

    Parameters
    ----------
    quiz
        A drawn quiz.
    out
        The folder (created if needed).

    Returns
    -------
    list of Path
        The five files written.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     names = [p.name for p in write_quiz(draw(load_bank(1), version=2), folder)]
    >>> names[0], names[-1]
    ('quiz01_segmentation_v2.ipynb', 'quiz01_segmentation_v2_key.html')
    """
    import nbformat

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paper, key = paper_markdown(quiz), key_markdown(quiz)
    files = {
        out / f"{quiz.stem}.ipynb": nbformat.writes(source_notebook(quiz)) + "\n",
        out / f"{quiz.stem}_paper.md": paper,
        out / f"{quiz.stem}_paper.html": markdown_to_html(paper, _title(quiz)),
        out / f"{quiz.stem}_key.md": key,
        out / f"{quiz.stem}_key.html": markdown_to_html(key, f"{_ui(quiz, 'key')} · {_title(quiz)}"),
    }
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    return list(files)


def build_quiz(chapter: int | str | Path, out: str | Path, *, version: int | None = None,
               seed: int | str | None = None, versions: int | None = None, lang: str = "en",
               bank_dir: str | Path | None = None, count: int | None = QUIZ_LENGTH) -> list[Quiz]:
    """Build one quiz, or ``versions`` papers A, B, C … for an exam room, and write their files.

    Parameters
    ----------
    chapter
        Chapter number (or a bank file's path).
    out
        Output folder.
    version, seed
        How the versions are drawn (see :func:`draw`); default version 1.
    versions
        Write this many papers, labelled A, B, C …; paper *k* takes each question's version
        ``base + k``, so papers next to each other differ on every question.
    lang
        ``"en"`` or ``"zh"``.
    bank_dir
        The folder of the banks (default: the course's ``exercises/quizzes``).
    count
        Questions per quiz (default 10; ``None``: the whole bank).

    Returns
    -------
    list of Quiz
        The quizzes written (their files are ``out/<quiz.stem>*``).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     quizzes = build_quiz(2, folder, versions=2, seed=1)
    >>> [q.stem for q in quizzes]
    ['quiz02_pareto_A', 'quiz02_pareto_B']
    """
    bank = load_bank(chapter, bank_dir=bank_dir)
    if versions is not None and (isinstance(versions, bool) or not isinstance(versions, int) or versions < 1):
        raise CrmlabInputError(f"versions must be a whole number from 1, not {versions!r}")
    if versions is None:
        quizzes = [draw(bank, version=version, seed=seed, lang=lang, count=count)]
    else:
        quizzes = [draw(bank, version=version, seed=seed, paper=k, lang=lang, label=paper_label(k), count=count)
                   for k in range(versions)]
    for quiz in quizzes:
        write_quiz(quiz, out)
    return quizzes
