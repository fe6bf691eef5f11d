"""Parse the lab authoring format: question markers, solution regions, hidden inputs.

The format is documented in ``exercises/README.md``. A question is a code cell whose first line
is ``# QUESTION <id> points=<p> answer=<names> compare=<kind> [option=value ...]``; a
hidden-inputs cell starts with ``# HIDDEN INPUTS <id>``, a public-examples cell (kept in the
release, run by the self-check) with ``# EXAMPLES <id>``; solutions sit between
``### BEGIN SOLUTION`` and ``### END SOLUTION``. Two options apply to every kind:
``data=fixed`` (the answer does not depend on the datasets; default ``data=varies``) and
``selfcheck=value|format`` (override the self-check's default, see ``exercises/README.md``).

Examples
--------
>>> q = parse_marker("# QUESTION q1 points=2 answer=rfm compare=frame ignore_order=true")
>>> q.id, q.points, q.answer, q.compare, q.options["ignore_order"]
('q1', 2.0, ('rfm',), 'frame', True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from crmlab._checks import CrmlabInputError
from crmlab.grader.checks import header_lines, parse_checks

QUESTION_PREFIX = "# QUESTION"
HIDDEN_PREFIX = "# HIDDEN INPUTS"
EXAMPLES_PREFIX = "# EXAMPLES"
BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"

#: Comparison kinds and the options each accepts (with their defaults).
_NUMERIC = {"rtol": 1e-6, "atol": 1e-9}
_TABULAR = {**_NUMERIC, "ignore_order": False, "ignore_index": True, "check_dtype": False}
COMPARE_OPTIONS: dict[str, dict[str, Any]] = {
    "number": dict(_NUMERIC),
    "text": {"case_insensitive": False},
    "choice": {"choices": None},
    "bool": {},
    "set": dict(_NUMERIC),
    "sequence": dict(_NUMERIC),
    "frame": {**_TABULAR, "columns": None},
    "series": {**_TABULAR, "check_name": False},
    "manual": {},
}
RUBRIC_PREFIX = "# RUBRIC:"
_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_BOOLS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


@dataclass(frozen=True)
class Question:
    """One graded question of a lab, as declared by its marker line."""

    id: str
    points: float
    answer: tuple[str, ...]
    compare: str
    options: dict[str, Any] = field(default_factory=dict)
    returns: str | None = None  # for compare="function": how each return value is compared
    data_fixed: bool = False  # data=fixed: the answer is the same on every data variant
    selfcheck: str | None = None  # "value" / "format": the author's choice; None: the default rule
    rubric: str = ""  # for compare="manual": the "# RUBRIC:" lines under the marker
    checks: tuple[Any, ...] = ()  # partial-credit checks (crmlab.grader.checks.Check), in order

    @property
    def value_kind(self) -> str:
        """The comparison applied to each value (``returns`` for function questions)."""
        return self.returns if self.compare == "function" else self.compare

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "points": self.points, "answer": list(self.answer),
                "compare": self.compare, "returns": self.returns, "options": dict(self.options),
                "data": "fixed" if self.data_fixed else "varies", "selfcheck": self.selfcheck}


@dataclass
class Lab:
    """A parsed source notebook: its questions (in order) and hidden inputs by question id."""

    questions: list[Question]
    question_cells: dict[str, int]
    hidden_cells: dict[str, int]
    example_cells: dict[str, int] = field(default_factory=dict)

    @property
    def total_points(self) -> float:
        return float(sum(q.points for q in self.questions))

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)


def _parse_value(key: str, raw: str, default: Any, where: str) -> Any:
    if isinstance(default, bool):
        if raw.lower() not in _BOOLS:
            raise CrmlabInputError(f"{where}: option {key}={raw!r} must be true or false")
        return _BOOLS[raw.lower()]
    if isinstance(default, float):
        try:
            value = float(raw)
        except ValueError:
            raise CrmlabInputError(f"{where}: option {key}={raw!r} must be a number") from None
        if value < 0:
            raise CrmlabInputError(f"{where}: option {key}={raw!r} must not be negative")
        return value
    if key in ("columns", "choices"):
        items = tuple(item for item in raw.split("|") if item)
        if not items:
            raise CrmlabInputError(f"{where}: option {key}= needs at least one item")
        return items
    return raw


def parse_marker(line: str, where: str = "marker") -> Question:
    """Parse one ``# QUESTION ...`` line into a :class:`Question` (errors name the problem)."""
    line = line.strip()
    if not line.startswith(QUESTION_PREFIX):
        raise CrmlabInputError(f"{where}: a question marker starts with {QUESTION_PREFIX!r}")
    parts = line[len(QUESTION_PREFIX):].split()
    if not parts or "=" in parts[0]:
        raise CrmlabInputError(f"{where}: the marker needs a question id right after '# QUESTION'")
    qid, raw_options = parts[0], parts[1:]
    if not _ID.match(qid):
        raise CrmlabInputError(f"{where}: question id {qid!r} may only use letters, digits, _ and -")
    where = f"{where} (question {qid})"
    pairs: dict[str, str] = {}
    for item in raw_options:
        key, sep, value = item.partition("=")
        if not sep or not value:
            raise CrmlabInputError(f"{where}: {item!r} is not key=value")
        if key in pairs:
            raise CrmlabInputError(f"{where}: option {key!r} given twice")
        pairs[key] = value
    for required in ("points", "answer", "compare"):
        if required not in pairs:
            raise CrmlabInputError(f"{where}: missing {required}=")
    try:
        points = float(pairs.pop("points"))
    except ValueError:
        raise CrmlabInputError(f"{where}: points must be a number") from None
    if not points > 0:
        raise CrmlabInputError(f"{where}: points must be positive")
    answer = tuple(name for name in pairs.pop("answer").split(",") if name)
    bad = [name for name in answer if not _NAME.match(name)]
    if not answer or bad:
        raise CrmlabInputError(f"{where}: answer= must name Python variables, got {bad or answer}")
    compare = pairs.pop("compare")
    data = pairs.pop("data", "varies")
    if data not in ("fixed", "varies"):
        raise CrmlabInputError(f"{where}: data={data!r} must be fixed or varies")
    selfcheck = pairs.pop("selfcheck", None)
    if selfcheck not in (None, "value", "format"):
        raise CrmlabInputError(f"{where}: selfcheck={selfcheck!r} must be value or format")
    returns = None
    if compare == "function":
        returns = pairs.pop("returns", None)
        if returns is None:
            raise CrmlabInputError(f"{where}: compare=function needs returns=<kind>")
        if len(answer) != 1:
            raise CrmlabInputError(f"{where}: compare=function takes exactly one function name")
        kind = returns
    else:
        kind = compare
    if kind not in COMPARE_OPTIONS:
        known = ", ".join([*COMPARE_OPTIONS, "function"])
        raise CrmlabInputError(f"{where}: unknown comparison {kind!r} (known: {known})")
    defaults = COMPARE_OPTIONS[kind]
    options = dict(defaults)
    for key, raw in pairs.items():
        if key not in defaults:
            allowed = ", ".join(defaults) or "none"
            raise CrmlabInputError(f"{where}: option {key!r} does not apply to {kind} (allowed: {allowed})")
        options[key] = _parse_value(key, raw, defaults[key], where)
    return Question(qid, points, answer, compare, options, returns, data_fixed=data == "fixed", selfcheck=selfcheck)


def cell_source(cell: Any) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def first_line(cell: Any) -> str:
    return cell_source(cell).lstrip("\n").split("\n", 1)[0].strip()


def marker_id(cell: Any) -> str | None:
    """The question id of a (student or source) code cell, from its metadata or marker line."""
    if cell.get("cell_type") != "code":
        return None
    meta = cell.get("metadata", {}).get("crmlab", {})
    if isinstance(meta, dict) and isinstance(meta.get("question"), str):
        return meta["question"]
    line = first_line(cell)
    if line.startswith(QUESTION_PREFIX):
        parts = line[len(QUESTION_PREFIX):].split()
        if parts and _ID.match(parts[0]):
            return parts[0]
    return None


def check_solution_regions(source: str, where: str) -> int:
    """Count the solution regions of a cell, raising if the markers are unbalanced."""
    depth = count = 0
    for line in source.split("\n"):
        stripped = line.strip()
        if stripped == BEGIN_SOLUTION:
            if depth:
                raise CrmlabInputError(f"{where}: {BEGIN_SOLUTION} inside another solution region")
            depth, count = 1, count + 1
        elif stripped == END_SOLUTION:
            if not depth:
                raise CrmlabInputError(f"{where}: {END_SOLUTION} without {BEGIN_SOLUTION}")
            depth = 0
    if depth:
        raise CrmlabInputError(f"{where}: {BEGIN_SOLUTION} is never closed by {END_SOLUTION}")
    return count


def rubric_text(source: str) -> str:
    """The ``# RUBRIC:`` comment lines right under a question's marker line (among any ``# CHECK`` lines), joined."""
    return "\n".join(line[len(RUBRIC_PREFIX):].strip() for line in header_lines(source)
                     if line.startswith(RUBRIC_PREFIX))


def parse_lab(nb: Any, name: str = "notebook") -> Lab:
    """Parse and validate a source notebook (an ``nbformat`` node or a plain dict).

    Raises :class:`CrmlabInputError` naming the cell (1-based) for any malformed marker, an
    unbalanced solution region, a duplicate id, a function question without hidden inputs, or
    hidden inputs for an unknown question.
    """
    questions: list[Question] = []
    question_cells: dict[str, int] = {}
    hidden_cells: dict[str, int] = {}
    example_cells: dict[str, int] = {}
    for index, cell in enumerate(nb.get("cells", [])):
        where = f"{name}, cell {index + 1}"
        if cell.get("cell_type") != "code":
            continue
        source, line = cell_source(cell), first_line(cell)
        regions = check_solution_regions(source, where)
        if line.startswith(QUESTION_PREFIX):
            question = parse_marker(line, where)
            rubric = rubric_text(source)
            if rubric and question.compare != "manual":
                raise CrmlabInputError(f"{where}: {RUBRIC_PREFIX} lines belong to compare=manual questions")
            checks = parse_checks(source, question.answer, question.points, where)
            if checks and question.compare in ("manual", "function"):
                raise CrmlabInputError(f"{where}: # CHECK lines do not apply to compare={question.compare}")
            question = replace(question, rubric=rubric, checks=checks)
            if question.id in question_cells:
                raise CrmlabInputError(f"{where}: question id {question.id!r} used twice")
            questions.append(question)
            question_cells[question.id] = index
        elif line.startswith((HIDDEN_PREFIX, EXAMPLES_PREFIX)):
            hidden = line.startswith(HIDDEN_PREFIX)
            what, variable, cells = (("hidden inputs", "cases", hidden_cells) if hidden
                                     else ("public examples", "examples", example_cells))
            qid = line[len(HIDDEN_PREFIX if hidden else EXAMPLES_PREFIX):].strip()
            if qid not in question_cells:
                raise CrmlabInputError(f"{where}: {what} for {qid!r}, which is not a question above")
            if questions[[q.id for q in questions].index(qid)].compare != "function":
                raise CrmlabInputError(f"{where}: {what} are for function questions; {qid!r} is not one")
            if qid in cells:
                raise CrmlabInputError(f"{where}: a second {what} cell for {qid!r}")
            if not re.search(rf"^{variable}\s*=", source, flags=re.M):
                raise CrmlabInputError(f"{where}: the {what} cell must define `{variable} = [...]`")
            cells[qid] = index
        elif regions:
            raise CrmlabInputError(f"{where}: a solution region outside a question cell")
    if not questions:
        raise CrmlabInputError(f"{name}: no '# QUESTION' cell found (see exercises/README.md)")
    for q in questions:
        if q.compare == "function" and q.id not in hidden_cells:
            raise CrmlabInputError(f"{name}: function question {q.id!r} has no '# HIDDEN INPUTS {q.id}' cell")
    return Lab(questions, question_cells, hidden_cells, example_cells)


def read_notebook(path: str | Path) -> Any:
    """Read a notebook file as nbformat v4 (errors say which file and why)."""
    import nbformat

    path = Path(path)
    try:
        return nbformat.read(path, as_version=4)
    except FileNotFoundError:
        raise
    except Exception as exc:  # invalid JSON, wrong schema
        raise CrmlabInputError(f"{path}: not a readable notebook ({type(exc).__name__}: {exc})") from None
