"""Student self-checks in a released lab: ``check("q1", rfm)`` and ``check_all()``.

The checks read ``<lab>.checks.json`` (written by ``crmlab assign`` next to the released
notebook) and compare the student's answer with the instructor's through the salted digests of
:func:`crmlab.grader.compare.make_digest`: the verdict says what is wrong in the student's terms
without showing the answer. Importing this module is light (standard library only); pandas is
only used when an answer is a pandas object, which means the student already imported it.

Examples
--------
>>> from crmlab.grader import check, check_all   # doctest: +SKIP
>>> check("q1", rfm)                              # doctest: +SKIP
✓ q1 looks correct
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from crmlab.grader.compare import Verdict, check_digest

_LOADED: dict[str, Any] = {}


class SelfCheckError(RuntimeError):
    """The self-check data cannot be found or does not know the question."""


def _grading() -> bool:
    return os.environ.get("CRMLAB_GRADING") == "1"


def load(path: str | os.PathLike[str]) -> None:
    """Use the self-check data in ``path`` (normally found automatically next to the notebook)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SelfCheckError(f"self-check data {path} not found") from None
    except ValueError:
        raise SelfCheckError(f"{path} is not valid self-check data (was it edited?)") from None
    _LOADED.clear()
    _LOADED.update(data=data, path=str(path))


def _session_lab() -> str | None:
    session = os.environ.get("JPY_SESSION_NAME") or getattr(sys.modules.get("__main__"), "__session__", None)
    return Path(session).stem if session else None


def _data_for(qid: str) -> dict[str, Any]:
    if _LOADED.get("data") and qid in _LOADED["data"].get("questions", {}):
        return _LOADED["data"]
    candidates = sorted(Path.cwd().glob("*.checks.json"))
    if not candidates:
        raise SelfCheckError("no self-check data (a *.checks.json file) in this folder: keep the file that came "
                             "with the lab next to the notebook, or call check.load(path)")
    lab = _session_lab()
    ordered = sorted(candidates, key=lambda p: p.name != f"{lab}.checks.json")
    for path in ordered:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if qid in data.get("questions", {}):
            _LOADED.update(data=data, path=str(path))
            return data
    names = ", ".join(p.name for p in candidates)
    raise SelfCheckError(f"no question {qid!r} in the self-check data ({names}); check the question id")


def _plain(value: Any) -> tuple[dict[str, Any] | None, str | None]:
    from crmlab.grader.plain import UnsupportedAnswer, to_plain

    try:
        return to_plain(value), None
    except UnsupportedAnswer as exc:
        return None, str(exc)


def verdict(qid: str, *values: Any) -> Verdict:
    """The self-check verdict for question ``qid`` given the answer value(s), without printing."""
    data = _data_for(qid)
    question = data["questions"][qid]
    names = question["answer"]
    if len(values) != len(names):
        expected = ", ".join(names)
        return Verdict(False, [f"{qid} needs {len(names)} value(s): {expected}"])
    if question["compare"] == "function":
        if not callable(values[0]):
            return Verdict(False, [f"`{names[0]}` should be a function"])
        return Verdict(True, ["a function: it will be called with hidden inputs when graded"])
    if question["compare"] == "manual":
        empty = [n for n, v in zip(names, values, strict=True) if not (isinstance(v, str) and v.strip())]
        if empty:
            return Verdict(False, [f"`{empty[0]}` should hold your written answer as text"])
        return Verdict(True, ["a written answer: graded by hand"])
    problems: list[str] = []
    for name, value in zip(names, values, strict=True):
        plain, error = _plain(value)
        if error:
            problems.append(f"`{name}`: {error}")
            continue
        salt = f"{data['salt']}:{qid}:{name}"
        result = check_digest(question["digests"][name], plain, question["options"], salt)
        if not result.ok:
            prefix = f"`{name}`: " if len(names) > 1 else ""
            problems += [prefix + p for p in result.problems]
    if problems and question.get("checks"):  # the lab's public partial-credit checks say what to fix first
        from crmlab.grader.checks import public_check_problems  # not at import: keeps `check` light

        problems = public_check_problems(question["checks"], names, values) + problems
    return Verdict(not problems, problems)


def check(qid: str, *values: Any) -> None:
    """Check your answer to question ``qid`` and print whether it looks correct, or what is wrong.

    Parameters
    ----------
    qid : str
        The question id, e.g. ``"q1"`` (the id after ``# QUESTION`` in the question's cell).
    *values
        Your answer: the variable(s) named in the question (or your function).
    """
    if _grading():
        return
    try:
        result = verdict(qid, *values)
    except SelfCheckError as exc:
        print(f"? {qid}: {exc}")
        return
    if result.ok:
        note = f" ({result.problems[0]})" if result.problems else ""
        print(f"✓ {qid} looks correct{note}")
    else:
        print(f"✗ {qid}: " + "; ".join(result.problems))


def check_all() -> None:
    """Check every question of the lab, reading the answers from the notebook's variables."""
    if _grading():
        return
    frame = sys._getframe(1)
    namespace = {**frame.f_globals, **frame.f_locals}
    try:
        data = _LOADED.get("data") or _data_for_any()
    except SelfCheckError as exc:
        print(f"? {exc}")
        return
    passed = 0
    for qid, question in data["questions"].items():
        missing = [n for n in question["answer"] if n not in namespace]
        if missing:
            print(f"✗ {qid}: `{missing[0]}` is not defined yet")
            continue
        result = verdict(qid, *(namespace[n] for n in question["answer"]))
        passed += result.ok
        print(f"✓ {qid} looks correct" if result.ok else f"✗ {qid}: " + "; ".join(result.problems))
    print(f"{passed} of {len(data['questions'])} questions look correct")


def _data_for_any() -> dict[str, Any]:
    candidates = sorted(Path.cwd().glob("*.checks.json"))
    lab = _session_lab()
    for path in sorted(candidates, key=lambda p: p.name != f"{lab}.checks.json"):
        load(path)
        return _LOADED["data"]
    raise SelfCheckError("no self-check data (a *.checks.json file) in this folder: keep the file that came "
                         "with the lab next to the notebook, or call check.load(path)")


check.load = load  # type: ignore[attr-defined]
