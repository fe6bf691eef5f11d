"""Partial credit: several checks in one question, each with its points and its message.

Checks are comment lines right under a question's marker (next to any ``# RUBRIC:`` lines)::

    # QUESTION q1 points=3 answer=rfm compare=frame ignore_order=true
    # CHECK 1 public "the columns should be customer_id, recency, frequency, monetary": sorted(rfm.columns) == ["customer_id", "frequency", "monetary", "recency"]
    # CHECK 0.5 "recency counts days, so it is never negative": (rfm["recency"] >= 0).all()
    # CHECK 1.5 "the values are not right yet": compare

``# CHECK <points> [public] "<message>" [zh="<中文>"]: <test>``: the message's Chinese text
(``zh="..."``) is what students of the Chinese release read (``crmlab assign --lang zh`` refuses a
check without it); the test is a Python expression over the
answer variables (rebuilt as numbers, lists, Series or DataFrames from the exported data), the
instructor's answer (``expected``, or ``expected_<name>`` with several answer variables), and
``np``/``pd``; or the word ``compare``: the question's own comparison with its options. The
points of the checks add up to the question's points; a student gets the points of each check
that passes and reads the message of each that fails.

The grader runs the checks in its own process on the exported (plain) data: nothing of the
student's code runs there. ``public`` checks must not use ``expected``; they stay visible in the
released notebook and the self-check runs them too; the others are removed from the release.
The solution must pass every check (the grader refuses a source whose own answer fails one).

Examples
--------
>>> checks = parse_checks('# QUESTION q1 points=3 answer=x compare=number\\n# CHECK 1 public "positive": x > 0\\n'
...                       '# CHECK 2 "right value": compare', ("x",), 3.0, "q1")
>>> [(c.points, c.public, c.message, c.test) for c in checks]
[(1.0, True, 'positive', 'x > 0'), (2.0, False, 'right value', 'compare')]
>>> check = parse_checks('# QUESTION q1 points=1 answer=x compare=number\\n'
...                      '# CHECK 1 "positive" zh="应为正数": x > 0', ("x",), 1.0, "q1")[0]
>>> check.text("en"), check.text("zh")
('positive', '应为正数')
>>> from_plain({"t": "list", "items": [{"t": "scalar", "v": 1}, {"t": "scalar", "v": {"f": "inf"}}]})
[1, inf]
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass
from typing import Any

from crmlab._checks import CrmlabInputError
from crmlab.i18n import language, t, tn

CHECK_PREFIX = "# CHECK"
#: A rubric line's Chinese text (shown instead of the ``# RUBRIC:`` lines in the Chinese release).
RUBRIC_ZH_PREFIX = "# RUBRIC zh:"
_CHECK = re.compile(r'^# CHECK\s+(?P<points>\d+(?:\.\d+)?)(?P<public>\s+public)?\s+"(?P<message>[^"]+)"'
                    r'(?:\s+zh="(?P<zh>[^"]+)")?\s*:\s*(?P<test>.+)$')
_SAFE_BUILTINS = {name: getattr(builtins, name) for name in (
    "abs", "all", "any", "bool", "dict", "float", "int", "isinstance", "len", "list", "max", "min", "range", "round",
    "set", "sorted", "str", "sum", "tuple", "zip", "True", "False", "None")}


@dataclass(frozen=True)
class Check:
    """One check of a question: ``test`` is an expression or ``compare``."""

    points: float
    message: str
    test: str
    public: bool = False
    message_zh: str = ""  # the message in Chinese (zh="..." on the # CHECK line)

    def text(self, lang: str | None = None) -> str:
        """The message in ``lang`` (default: :func:`crmlab.i18n.language`); English when the
        check has no Chinese text."""
        return self.message_zh if language(lang) == "zh" and self.message_zh else self.message

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """The check as the self-check data holds it (the message in ``lang`` when given)."""
        message = self.text(lang) if lang else self.message
        return {"points": self.points, "message": message, "test": self.test, "public": self.public}


def header_lines(source: str) -> list[str]:
    """The comment lines right under a question's marker (``# RUBRIC:`` and ``# CHECK`` lines)."""
    lines = source.lstrip("\n").split("\n")[1:]
    header = []
    for line in lines:
        if not line.startswith(("# RUBRIC:", RUBRIC_ZH_PREFIX, CHECK_PREFIX)):
            break
        header.append(line)
    return header


def parse_checks(source: str, answer: tuple[str, ...], points: float, where: str) -> tuple[Check, ...]:
    """The checks of a question cell, validated (syntax, names, points adding up)."""
    checks = []
    allowed = set(answer) | {"np", "pd", "math"} | set(_SAFE_BUILTINS)
    hidden_names = {"expected"} | {f"expected_{name}" for name in answer}
    for line in header_lines(source):
        if not line.startswith(CHECK_PREFIX):
            continue
        match = _CHECK.match(line.strip())
        if not match:
            raise CrmlabInputError(f'{where}: a check reads # CHECK <points> [public] "<message>" [zh="<中文>"]: '
                                   f'<test>, got {line!r}')
        test = match["test"].strip()
        public = bool(match["public"])
        if test != "compare":
            try:
                tree = ast.parse(test, mode="eval")
            except SyntaxError as exc:
                raise CrmlabInputError(f"{where}: the check {test!r} is not a Python expression ({exc.msg})") from None
            names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
            unknown = sorted(names - allowed - hidden_names)
            if unknown:
                raise CrmlabInputError(f"{where}: the check {test!r} uses {', '.join(unknown)}: checks see only the "
                                       f"answer ({', '.join(answer)}), expected, np, pd and math")
            if public and names & hidden_names:
                raise CrmlabInputError(f"{where}: the public check {test!r} uses the expected answer; students would "
                                       "see it: make it private (drop 'public')")
        elif public:
            raise CrmlabInputError(f"{where}: a 'compare' check cannot be public (the self-check compares anyway)")
        checks.append(Check(float(match["points"]), match["message"], test, public, match["zh"] or ""))
    if checks and abs(sum(c.points for c in checks) - points) > 1e-9:
        raise CrmlabInputError(f"{where}: the checks add up to {sum(c.points for c in checks):g} points, "
                               f"not the question's {points:g}")
    return tuple(checks)


def public_source(source: str, lang: str = "en") -> str:
    """A question cell's source without its non-public ``# CHECK`` lines (for the release); in a
    release in Chinese (``lang="zh"``) the public ones show only their Chinese message, and the
    ``# RUBRIC zh:`` lines replace the ``# RUBRIC:`` ones (English releases drop the former).

    Examples
    --------
    >>> public_source('# QUESTION q1 points=1 answer=x compare=number\\n# CHECK 1 public "positive" zh="应为正数": x > 0', "zh")
    '# QUESTION q1 points=1 answer=x compare=number\\n# CHECK 1 public "应为正数": x > 0'
    """
    header = header_lines(source)
    out = []
    for line in source.split("\n"):
        if line in header and line.startswith(("# RUBRIC:", RUBRIC_ZH_PREFIX)):
            if line.startswith(RUBRIC_ZH_PREFIX if lang == "zh" else "# RUBRIC:"):
                out.append(line if lang != "zh" else "# 评分标准：" + line[len(RUBRIC_ZH_PREFIX):].strip())
            continue
        match = _CHECK.match(line.strip()) if line in header and line.startswith(CHECK_PREFIX) else None
        if line in header and line.startswith(CHECK_PREFIX) and not (match and match["public"]):
            continue
        if match and lang == "zh" and match["zh"]:
            line = f'{CHECK_PREFIX} {match["points"]} public "{match["zh"]}": {match["test"].strip()}'
        out.append(line)
    return "\n".join(out)


def from_plain(plain: Any) -> Any:
    """Rebuild an exported answer (see :mod:`crmlab.grader.plain`) as Python/pandas objects."""
    import pandas as pd

    kind = plain.get("t") if isinstance(plain, dict) else None
    if kind == "scalar":
        return _scalar(plain["v"])
    if kind in ("list", "set"):
        items = [from_plain(item) for item in plain["items"]]
        return set(items) if kind == "set" else items
    if kind == "dict":
        return {from_plain(k): from_plain(v) for k, v in plain["items"]}
    if kind == "series":
        return pd.Series([_scalar(v) for v in plain["values"]], index=_index(plain["index"], len(plain["values"])),
                         name=plain.get("name"))
    if kind == "frame":
        data = {name: [_scalar(v) for v in values] for name, values in zip(plain["columns"], plain["data"],
                                                                            strict=True)}
        return pd.DataFrame(data, index=_index(plain["index"], plain["nrows"]))
    raise ValueError(t("compare.unreadable"))


def _scalar(value: Any) -> Any:
    import pandas as pd

    if isinstance(value, dict) and "f" in value:
        return float(value["f"])
    if isinstance(value, dict) and "d" in value:
        return pd.Timestamp(value["d"])
    return float("nan") if value is None else value


def _index(index: dict[str, Any], n: int) -> Any:
    import pandas as pd

    if "range" in index:
        return pd.RangeIndex(*index["range"])
    values = [_scalar(v) if not isinstance(v, list) else tuple(_scalar(x) for x in v) for v in index["values"]]
    return pd.MultiIndex.from_tuples(values) if values and isinstance(values[0], tuple) else pd.Index(values)


def _namespace(answer: tuple[str, ...], got: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    import math

    import numpy as np
    import pandas as pd

    names: dict[str, Any] = {"np": np, "pd": pd, "math": math}
    for name in answer:
        names[name] = from_plain(got[name])
        names[f"expected_{name}"] = from_plain(expected[name])
    names["expected"] = names[f"expected_{answer[0]}"]
    return names


def run_checks(checks: tuple[Check, ...], answer: tuple[str, ...], got: dict[str, Any], expected: dict[str, Any],
               compare_verdict: Any) -> tuple[float, list[str]]:
    """(points earned, messages of the failed checks) for one student's plain answers.

    ``compare_verdict`` is a callable returning the question's own comparison verdict (called only
    when a ``compare`` check exists). ``got`` and ``expected`` map answer names to plain values.
    """
    try:
        names = _namespace(answer, got, expected)
    except (KeyError, TypeError, ValueError):
        names = None
    earned, problems = 0.0, []
    for check in checks:
        if check.test == "compare":
            verdict = compare_verdict()
            passed, detail = verdict.ok, ("" if verdict.ok else verdict.message)
        elif names is None:
            passed, detail = False, ""
        else:
            try:
                passed, detail = bool(eval(check.test, {"__builtins__": _SAFE_BUILTINS}, dict(names))), ""  # noqa: S307
            except Exception:  # noqa: BLE001 - the student's value did not fit the test: the check fails
                passed, detail = False, ""
        if passed:
            earned += check.points
        elif detail:
            problems.append(t("checks.failed_detail", message=check.text(), detail=detail))
        else:
            problems.append(check.text())
    return earned, problems


def solution_problems(lab: Any, expected: dict[str, Any]) -> list[str]:
    """Checks the instructor's own answer fails (each must pass: it would cost students points)."""
    problems = []
    for q in lab.questions:
        if not q.checks:
            continue
        values = {name: expected["answers"][q.id][name]["value"] for name in q.answer}
        _, failed = run_checks(tuple(c for c in q.checks if c.test != "compare"), q.answer, values, values,
                               lambda: None)
        problems += [f"{q.id}: {message!r}" for message in failed]
    return problems


def public_check_problems(checks: list[dict[str, Any]], answer: list[str], values: tuple[Any, ...]) -> list[str]:
    """The self-check's side: messages of the public checks the student's own values fail."""
    import math

    import numpy as np
    import pandas as pd

    names = {"np": np, "pd": pd, "math": math, **dict(zip(answer, values, strict=True))}
    failed = []
    for check in checks:
        try:
            passed = bool(eval(check["test"], {"__builtins__": _SAFE_BUILTINS}, dict(names)))  # noqa: S307
        except Exception:  # noqa: BLE001 - the value does not fit the test yet: it fails
            passed = False
        if not passed:
            failed.append(tn("checks.failed_points", 1 if check["points"] == 1 else 2, message=check["message"],
                             points=f"{check['points']:g}"))
    return failed
