"""The codebook (问卷编码本): what each column of a survey means and which answers are allowed.

A codebook is written by a teacher or analyst as a YAML (or JSON) file; the format is documented
at the top of the course's ``datasets/survey_codebook.yaml``. :class:`Codebook` reads it, checks
it (duplicate ids, bad scales, pairs pointing nowhere) and answers the questions the rest of
``crmlab.survey`` asks: which questions are Likert items of the perception block, which are
required, which are reverse-coded, which codes are allowed.

Examples
--------
>>> from crmlab.survey import course_codebook
>>> cb = course_codebook()
>>> cb.question("gender").options
{1: '男', 2: '女'}
>>> len(cb.items(role="perception"))
13
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from crmlab._checks import CrmlabInputError

__all__ = ["Codebook", "Question", "Scale", "CodebookError", "course_codebook", "QUESTION_TYPES",
           "QUALITY_DEFAULTS"]

#: The answer types a question may have.
QUESTION_TYPES = ("single", "multiple", "likert", "rating", "number", "text")
_ROLES = ("expectation", "perception", "importance", "overall")
_SECTIONS = ("opening", "body", "appendix")
_ID_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class CodebookError(CrmlabInputError):
    """The codebook itself is wrong (duplicate ids, a bad scale, an unknown type …).

    Examples
    --------
    >>> try:
    ...     Codebook.from_dict({"title": "t", "questions": [
    ...         {"id": "q1", "text": "a", "type": "single", "options": {1: "是"}},
    ...         {"id": "q1", "text": "b", "type": "text"}]})
    ... except CodebookError as err:
    ...     print(err)
    the codebook has 1 problem(s):
      - question id 'q1' is used 2 times
    """


@dataclass(frozen=True)
class Scale:
    """An answer scale such as a 5-point agreement scale or the 0–10 recommendation scale.

    Parameters
    ----------
    name
        The scale's name in the codebook (``agree5``).
    min, max
        The lowest and highest answer code.
    labels
        Code → label for some or all codes.

    Examples
    --------
    >>> s = Scale("recommend11", 0, 10, {0: "完全不可能", 10: "极有可能"})
    >>> s.points, s.codes[:3]
    (11, [0, 1, 2])
    """

    name: str
    min: int
    max: int
    labels: dict[int, str] = field(default_factory=dict)

    @property
    def points(self) -> int:
        """Number of answer codes on the scale (5 for 1–5, 11 for 0–10)."""
        return self.max - self.min + 1

    @property
    def codes(self) -> list[int]:
        return list(range(self.min, self.max + 1))


@dataclass(frozen=True)
class Question:
    """One question of the questionnaire (one column of the data, or one per option).

    Usually built by :class:`Codebook` from the YAML entry of the same keys (documented at the
    top of ``datasets/survey_codebook.yaml``); each parameter is the attribute of that name.

    Parameters
    ----------
    id
        The column name in the data.
    text
        The question as printed.
    type
        One of :data:`QUESTION_TYPES`.
    number
        The question's number on the paper form.
    options
        Code → label of a single or multiple choice.
    scale
        The answer :class:`Scale` of a likert or rating question.
    minimum, maximum
        The allowed range of a number question.
    required
        A questionnaire without this answer is invalid.
    reverse
        A reverse-coded (反向计分) Likert item.
    dimension
        The dimension id the item measures.
    role
        ``expectation``, ``perception``, ``importance`` or ``overall``.
    pair
        For an expectation item: the id of its perception item.
    block
        The straight-lining block the item belongs to.
    factual
        A factual question (tallied by its most frequent answer).
    separator
        The character between the codes of a multiple-choice answer.
    section
        ``opening``, ``body`` or ``appendix``.
    matrix, row
        For one row of a matrix question: the matrix's id and the row's text.

    Examples
    --------
    >>> q = Question("q1", "您的性别", "single", options={1: "男", 2: "女"})
    >>> q.coded, q.allowed_codes
    (True, [1, 2])
    """

    id: str
    text: str
    type: str
    number: int | None = None
    options: dict[int, str] | None = None
    scale: Scale | None = None
    minimum: float | None = None
    maximum: float | None = None
    required: bool = False
    reverse: bool = False
    dimension: str | None = None
    role: str | None = None
    pair: str | None = None
    block: str | None = None
    factual: bool = False
    separator: str = ";"
    section: str = "body"
    matrix: str | None = None
    row: str | None = None

    @property
    def stem(self) -> str:
        """The question text without its matrix row (the whole text for other questions)."""
        if self.row is not None and self.text.endswith(f"—{self.row}"):
            return self.text[: -len(self.row) - 1]
        return self.text

    @property
    def coded(self) -> bool:
        """True when answers are codes from a fixed list (single, likert, rating)."""
        return self.type in ("single", "likert", "rating")

    @property
    def allowed_codes(self) -> list[int]:
        """The codes a coded or multiple-choice answer may take."""
        if self.type in ("single", "multiple"):
            return list(self.options or {})
        if self.type in ("likert", "rating") and self.scale is not None:
            return self.scale.codes
        return []

    @property
    def labels(self) -> dict[int, str]:
        """Code → label for the tally tables (options, or the scale's labels)."""
        if self.options:
            return dict(self.options)
        if self.scale is not None:
            return {c: self.scale.labels.get(c, str(c)) for c in self.scale.codes}
        return {}


@dataclass
class StraightLiningRule:
    """Reject a questionnaire whose answers are identical on every item of ``block``."""

    block: str
    min_items: int
    middle: str = "keep"


#: Default settings of the optional quality checks (``quality:`` in the codebook).
QUALITY_DEFAULTS: dict[str, Any] = {
    "speeders": {"column": None, "fraction_of_median": 1 / 3, "min_seconds": None},
    "repeated_ip": {"column": None, "enabled": False},
}


class Codebook:
    """A questionnaire definition: questions, scales, dimensions and validation rules.

    Build it with :meth:`from_yaml`, :meth:`from_json` or :meth:`from_dict`; the definition is
    checked at once and every problem is reported together in one :class:`CodebookError`.

    Parameters
    ----------
    title
        The survey's title.
    questions
        The :class:`Question` objects, in questionnaire order.
    id_column
        The column holding the questionnaire number.
    administrative
        Column → description of the columns filled in by the collector.
    dimensions
        Dimension id → label.
    scales
        Scale name → :class:`Scale`.
    straight_lining
        The straight-lining rules (a block answered identically is rejected).
    quality
        Settings of the optional speeder and repeated-IP checks (:data:`QUALITY_DEFAULTS`).

    Examples
    --------
    >>> cb = Codebook.from_dict({"title": "t", "id_column": "no", "questions": [
    ...     {"id": "q1", "text": "满意吗", "type": "single", "options": {1: "是", 2: "否"}}]})
    >>> cb.ids
    ['q1']
    """

    def __init__(self, title: str, questions: list[Question], *, id_column: str | None = None,
                 administrative: dict[str, str] | None = None,
                 dimensions: dict[str, str] | None = None,
                 scales: dict[str, Scale] | None = None,
                 straight_lining: list[StraightLiningRule] | None = None,
                 quality: dict[str, Any] | None = None) -> None:
        self.title = title
        self.questions = list(questions)
        self.id_column = id_column
        self.administrative = dict(administrative or {})
        self.dimensions = dict(dimensions or {})
        self.scales = dict(scales or {})
        self.straight_lining = list(straight_lining or [])
        self.quality = _quality_settings(quality or {})
        self._by_id = {q.id: q for q in self.questions}

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def from_yaml(cls, path: str | Path) -> Codebook:
        """Read a codebook from a YAML file (format: see the module docstring)."""
        import yaml

        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"codebook file not found: {path}")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise CodebookError(f"codebook {path.name} is not valid YAML: {exc}") from None
        return cls.from_dict(data, source=path.name)

    @classmethod
    def from_json(cls, path: str | Path) -> Codebook:
        """Read a codebook from a JSON file with the same structure as the YAML format."""
        path = Path(path)
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise CodebookError(f"codebook {path.name} is not valid JSON: {exc}") from None
        return cls.from_dict(data, source=path.name)

    @classmethod
    def read(cls, path: str | Path) -> Codebook:
        """Read a ``.yaml``/``.yml`` or ``.json`` codebook, chosen by the file name."""
        return cls.from_json(path) if str(path).lower().endswith(".json") else cls.from_yaml(path)

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "the codebook") -> Codebook:
        """Build and check a codebook from plain data (as loaded from YAML or JSON)."""
        if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
            raise CodebookError(f"{source} must be a mapping with a 'questions' list")
        problems: list[str] = []
        scales: dict[str, Scale] = {}
        for name, spec in (data.get("scales") or {}).items():
            scale = _parse_scale(str(name), spec, problems)
            if scale is not None:
                scales[str(name)] = scale
        questions = []
        for position, spec in enumerate(data["questions"], start=1):
            for row_spec in _expand_matrix(position, spec, problems):
                question = _parse_question(position, row_spec, scales, problems)
                if question is not None:
                    questions.append(question)
        rules = [StraightLiningRule(str(r.get("block")), int(r.get("min_items", 2)),
                                    str(r.get("middle", "keep")))
                 for r in data.get("straight_lining") or []]
        try:
            quality = _quality_settings(data.get("quality") or {})
        except ValueError as exc:
            problems.append(str(exc))
            quality = {}
        codebook = cls(
            str(data.get("title", "")), questions, id_column=data.get("id_column"),
            administrative={str(k): str(v) for k, v in (data.get("administrative") or {}).items()},
            dimensions={str(k): str(v) for k, v in (data.get("dimensions") or {}).items()},
            scales=scales, straight_lining=rules, quality=quality,
        )
        problems.extend(codebook._check())
        if problems:
            listed = "\n  - ".join(problems)
            raise CodebookError(f"{source} has {len(problems)} problem(s):\n  - {listed}")
        return codebook

    def _check(self) -> list[str]:
        problems = []
        seen: dict[str, int] = {}
        for q in self.questions:
            seen[q.id] = seen.get(q.id, 0) + 1
        problems += [f"question id {i!r} is used {n} times" for i, n in seen.items() if n > 1]
        clash = set(seen) & set(self.administrative)
        problems += [f"{c!r} is both a question and an administrative column" for c in sorted(clash)]
        owners: dict[int, set] = {}
        for q in self.questions:
            if q.number is not None:
                owners.setdefault(q.number, set()).add(q.matrix or q.id)
        dup_numbers = sorted(n for n, who in owners.items() if len(who) > 1)
        if dup_numbers:
            problems.append(f"question numbers used twice: {dup_numbers} (the rows of one matrix "
                            "question share its number; other questions need their own)")
        for q in self.questions:
            if q.pair is not None:
                other = self._by_id.get(q.pair)
                if other is None:
                    problems.append(f"question {q.id!r}: pair {q.pair!r} is not a question")
                elif other.type != q.type or other.scale != q.scale:
                    problems.append(f"question {q.id!r}: its pair {q.pair!r} has another scale")
                elif other.reverse != q.reverse:
                    problems.append(f"question {q.id!r}: reverse-coded but its pair is not (or "
                                    "the other way round)")
            if q.dimension is not None and self.dimensions and q.dimension not in self.dimensions:
                problems.append(f"question {q.id!r}: dimension {q.dimension!r} is not listed "
                                f"under 'dimensions' ({', '.join(self.dimensions)})")
        blocks = {q.block for q in self.questions if q.block}
        for rule in self.straight_lining:
            if rule.block not in blocks:
                problems.append(f"straight_lining block {rule.block!r} has no questions")
            elif rule.min_items < 2:
                problems.append(f"straight_lining block {rule.block!r}: min_items must be ≥ 2")
            if rule.middle not in ("keep", "reject"):
                problems.append(f"straight_lining block {rule.block!r}: middle must be 'keep' or "
                                f"'reject', not {rule.middle!r}")
        if self.id_column is not None and self.id_column in seen:
            problems.append(f"id_column {self.id_column!r} must not be a question")
        return problems

    # ---- lookup ---------------------------------------------------------------------------
    @property
    def ids(self) -> list[str]:
        """Question ids in questionnaire order."""
        return [q.id for q in self.questions]

    def question(self, qid: str) -> Question:
        """The question with id ``qid``; a clear error names the known ids otherwise."""
        try:
            return self._by_id[qid]
        except KeyError:
            raise CrmlabInputError(
                f"the codebook has no question {qid!r} (questions: {', '.join(self.ids[:10])}"
                f"{' …' if len(self.ids) > 10 else ''})"
            ) from None

    def items(self, *, role: str | None = None, dimension: str | None = None,
              type: str | None = None, block: str | None = None) -> list[str]:
        """Ids of the questions matching every given attribute, in questionnaire order.

        Examples
        --------
        >>> course_codebook().items(role="perception", dimension="assurance")
        ['p_ass1', 'p_ass2']
        """
        return [q.id for q in self.questions
                if (role is None or q.role == role) and (dimension is None or q.dimension == dimension)
                and (type is None or q.type == type) and (block is None or q.block == block)]

    @property
    def required(self) -> list[str]:
        return [q.id for q in self.questions if q.required]

    @property
    def reverse_items(self) -> list[str]:
        return [q.id for q in self.questions if q.reverse]

    def pairs(self) -> list[tuple[str, str]]:
        """(expectation item, perception item) pairs for SERVQUAL gaps."""
        return [(q.id, q.pair) for q in self.questions if q.pair]

    def matrices(self) -> dict[str, list[str]]:
        """Matrix id → the ids of its rows, for questions written with ``rows:``.

        Examples
        --------
        >>> cb = Codebook.from_dict({"title": "t", "questions": [{"id": "m", "number": 4,
        ...     "text": "请评价", "type": "single", "options": {1: "好", 2: "差"},
        ...     "rows": [{"id": "m_a", "text": "态度"}, {"id": "m_b", "text": "速度"}]}]})
        >>> cb.matrices(), cb.question("m_b").text
        ({'m': ['m_a', 'm_b']}, '请评价—速度')
        """
        out: dict[str, list[str]] = {}
        for q in self.questions:
            if q.matrix:
                out.setdefault(q.matrix, []).append(q.id)
        return out

    def __len__(self) -> int:
        return len(self.questions)

    def __repr__(self) -> str:
        return f"Codebook({self.title!r}, {len(self.questions)} questions)"

    # ---- output ---------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """One row per question: number, id, type, text, allowed answers, flags."""
        rows = []
        for q in self.questions:
            if q.type in ("single", "multiple"):
                allowed = " / ".join(f"{c}={lab}" for c, lab in (q.options or {}).items())
            elif q.scale is not None:
                allowed = f"{q.scale.min}–{q.scale.max}"
            elif q.type == "number":
                allowed = f"{_fmt(q.minimum)}–{_fmt(q.maximum)}"
            else:
                allowed = "free text"
            rows.append({"number": q.number, "id": q.id, "type": q.type, "text": q.text,
                         "answers": allowed, "required": q.required, "reverse": q.reverse,
                         "dimension": q.dimension or "", "role": q.role or ""})
        return pd.DataFrame(rows)

    def render_questionnaire(self) -> str:
        """The printable questionnaire (Markdown): opening, body questions, appendix, thanks.

        Examples
        --------
        >>> print(course_codebook().render_questionnaire().splitlines()[0])
        # 物流企业客户满意度调查
        """
        lines = [f"# {self.title}", "", "问卷编号 (questionnaire number): ________", "",
                 "您好！我们是客户关系管理课程的学生，正在做一项客户满意度调查。问卷匿名，"
                 "答案没有对错之分，只用于课程学习。谢谢您的支持！", "",
                 "填表说明：请在选中的答案编号上画“√”；多选题可选多项。", ""]
        current_section = None
        headings = {"body": "## 正文 (questions)", "appendix": "## 附录：您的背景资料 (background)",
                    "opening": "## 开头 (opening)"}
        for q in self.questions:
            if q.section != current_section:
                lines += [headings.get(q.section, f"## {q.section}"), ""]
                current_section = q.section
            star = " *" if q.required else ""
            lines.append(f"{q.number or '-'}. {q.text}{star}")
            if q.type in ("single", "multiple"):
                lines.append("   " + "   ".join(f"({c}) {lab}" for c, lab in (q.options or {}).items()))
            elif q.scale is not None:
                cells = [f"{c}" + (f" {q.scale.labels[c]}" if c in q.scale.labels else "")
                         for c in q.scale.codes]
                lines.append("   " + " | ".join(cells))
            elif q.type == "number":
                lines.append("   ______")
            else:
                lines.append("   ________________________________")
            lines.append("")
        lines += ["(* 必答题 required)", "", "再次感谢您的合作！ Thank you!"]
        return "\n".join(lines)


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


_ROW_KEYS = ("id", "text", "dimension", "role", "reverse", "pair", "block", "required")


def _expand_matrix(position: int, spec: Any, problems: list[str]) -> list[Any]:
    """A matrix question (``rows:``) becomes one question per row sharing its number."""
    if not isinstance(spec, dict) or "rows" not in spec:
        return [spec]
    rows = spec.get("rows")
    where = f"question {spec.get('id', '#' + str(position))!r}"
    if not isinstance(rows, list) or not rows:
        problems.append(f"{where}: 'rows' must be a list of rows, each with an 'id' and a 'text'")
        return []
    stem = str(spec.get("text", spec.get("id", "")))
    shared = {k: v for k, v in spec.items() if k not in ("rows", "id", "text")}
    out = []
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or "id" not in row or "text" not in row:
            problems.append(f"{where}: row {i} needs an 'id' and a 'text'")
            continue
        unknown = sorted(set(row) - set(_ROW_KEYS))
        if unknown:
            problems.append(f"{where}: row {row['id']!r} has keys a row cannot have: {unknown} "
                            f"(allowed: {', '.join(_ROW_KEYS)})")
        out.append({**shared, **row, "text": f"{stem}—{row['text']}",
                    "_matrix": str(spec.get("id")), "_row": str(row["text"])})
    return out


def _quality_settings(raw: Any) -> dict[str, dict[str, Any]]:
    """The ``quality:`` section merged over :data:`QUALITY_DEFAULTS` (unknown keys are errors)."""
    if not isinstance(raw, dict):
        raise ValueError("'quality' must be a mapping (speeders, repeated_ip)")
    out = {}
    for check, defaults in QUALITY_DEFAULTS.items():
        given = raw.get(check)
        if given is None:
            given = {}
        if given is True:
            given = {"enabled": True}
        if given is False:
            given = {"enabled": False, "fraction_of_median": None}
        if not isinstance(given, dict):
            raise ValueError(f"quality.{check} must be a mapping or true/false")
        unknown = sorted(set(given) - set(defaults) - {"enabled"})
        if unknown:
            raise ValueError(f"quality.{check}: unknown setting(s) {unknown} "
                             f"(known: {', '.join(defaults)})")
        out[check] = {**defaults, **given}
    unknown = sorted(set(raw) - set(QUALITY_DEFAULTS))
    if unknown:
        raise ValueError(f"quality: unknown check(s) {unknown} (known: {', '.join(QUALITY_DEFAULTS)})")
    return out


def _parse_scale(name: str, spec: Any, problems: list[str]) -> Scale | None:
    if not isinstance(spec, dict) or "min" not in spec or "max" not in spec:
        problems.append(f"scale {name!r} needs 'min' and 'max'")
        return None
    try:
        low, high = int(spec["min"]), int(spec["max"])
    except (TypeError, ValueError):
        problems.append(f"scale {name!r}: min and max must be whole numbers")
        return None
    if low >= high:
        problems.append(f"scale {name!r}: min ({low}) must be below max ({high})")
        return None
    labels = {int(k): str(v) for k, v in (spec.get("labels") or {}).items()}
    outside = sorted(c for c in labels if not low <= c <= high)
    if outside:
        problems.append(f"scale {name!r}: labels for codes {outside} outside {low}–{high}")
    return Scale(name, low, high, labels)


def _parse_question(position: int, spec: Any, scales: dict[str, Scale],
                    problems: list[str]) -> Question | None:
    where = f"question #{position}"
    if not isinstance(spec, dict) or "id" not in spec:
        problems.append(f"{where} needs an 'id'")
        return None
    qid = str(spec["id"])
    where = f"question {qid!r}"
    if not _ID_PATTERN.match(qid):
        problems.append(f"{where}: an id may hold only letters, digits and _")
    qtype = spec.get("type")
    if qtype not in QUESTION_TYPES:
        problems.append(f"{where}: type {qtype!r} is not one of {', '.join(QUESTION_TYPES)}")
        return None
    options = None
    if qtype in ("single", "multiple"):
        raw = spec.get("options")
        if not isinstance(raw, dict) or not raw:
            problems.append(f"{where}: a {qtype}-choice question needs 'options' (code: label)")
            return None
        try:
            options = {int(k): str(v) for k, v in raw.items()}
        except (TypeError, ValueError):
            problems.append(f"{where}: option codes must be whole numbers")
            return None
    scale = None
    if qtype in ("likert", "rating"):
        name = spec.get("scale")
        if isinstance(name, dict):
            scale = _parse_scale(f"{qid}.scale", name, problems)
        elif name in scales:
            scale = scales[name]
        else:
            problems.append(f"{where}: scale {name!r} is not defined under 'scales'")
            return None
        if scale is None:
            return None
    reverse = bool(spec.get("reverse", False))
    if reverse and qtype != "likert":
        problems.append(f"{where}: only Likert items can be reverse-coded")
    role = spec.get("role")
    if role is not None and role not in _ROLES:
        problems.append(f"{where}: role {role!r} is not one of {', '.join(_ROLES)}")
    section = spec.get("section", "body")
    if section not in _SECTIONS:
        problems.append(f"{where}: section {section!r} is not one of {', '.join(_SECTIONS)}")
    minimum, maximum = spec.get("minimum"), spec.get("maximum")
    if minimum is not None and maximum is not None and float(minimum) > float(maximum):
        problems.append(f"{where}: minimum {minimum} is above maximum {maximum}")
    number = spec.get("number")
    return Question(
        id=qid, text=str(spec.get("text", qid)), type=qtype,
        number=int(number) if number is not None else None, options=options, scale=scale,
        minimum=None if minimum is None else float(minimum),
        maximum=None if maximum is None else float(maximum),
        required=bool(spec.get("required", False)), reverse=reverse,
        dimension=spec.get("dimension"), role=role, pair=spec.get("pair"), block=spec.get("block"),
        factual=bool(spec.get("factual", False)), separator=str(spec.get("separator", ";")),
        section=section, matrix=spec.get("_matrix"), row=spec.get("_row"),
    )


def course_codebook() -> Codebook:
    """The codebook of the course's survey dataset (``datasets/survey_codebook.yaml``).

    Returns
    -------
    Codebook
        The checked codebook of ``load_dataset("survey_responses")``.

    Examples
    --------
    >>> cb = course_codebook()
    >>> cb.id_column, len(cb.items(role="expectation"))
    ('questionnaire_no', 13)
    """
    from crmlab.datasets import data_dir

    return Codebook.from_yaml(data_dir() / "survey_codebook.yaml")
