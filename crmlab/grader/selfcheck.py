"""Student self-checks in a released lab: ``check("q1", rfm)`` and ``check_all()``.

A released notebook's first cells bind it to its own self-check data: ``check.bind(lab,
sha256)`` finds the ``*.checks.json`` file with that content next to the notebook (whatever the
notebook or the file was renamed to, wherever it runs), and refuses a file of another lab or
release with a message that says what to do. The checks then say what is wrong in the student's
terms without showing the answer, with the same comparison code and tolerances as the grader
(:mod:`crmlab.grader.compare`), so a ✓ never meets a 0 for the same value:

- function questions: the question's public examples are run, and the first that fails is
  shown with its input, the expected and the returned value;
- data answers: structure (type, columns, rows) and values through salted hashes;
- low-information answers (a choice, True/False, a small whole number): the form only.

Importing this module is light (standard library only); pandas is only used when an answer is a
pandas object, which means the student already imported it.

Examples
--------
>>> from crmlab.grader import check, check_all   # doctest: +SKIP
>>> check("q1", rfm)                              # doctest: +SKIP
✓ q1 looks correct
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from crmlab.grader.compare import Verdict, check_digest, compare

_LOADED: dict[str, Any] = {}


class SelfCheckError(RuntimeError):
    """The self-check data cannot be found, belongs to another lab, or does not know the question."""


def _grading() -> bool:
    return os.environ.get("CRMLAB_GRADING") == "1"


def _read(path: Path) -> tuple[bytes, dict[str, Any]]:
    raw = path.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError:
        raise SelfCheckError(f"{path} is not valid self-check data (was it edited?)") from None
    if not isinstance(data, dict) or not isinstance(data.get("questions"), dict):
        raise SelfCheckError(f"{path} is not valid self-check data (was it edited?)")
    return raw, data


def _folders() -> list[Path]:
    """Where the notebook's data can be: the working folder and, in JupyterLab, the notebook's."""
    folders = [Path.cwd()]
    session = os.environ.get("JPY_SESSION_NAME") or getattr(sys.modules.get("__main__"), "__session__", None)
    if session and Path(session).parent.is_dir():
        folders.append(Path(session).parent.resolve())
    return list(dict.fromkeys(folders))


def bind(lab: str, sha256: str) -> None:
    """Bind this notebook to its self-check data (the release's first cells call this).

    Looks for a ``*.checks.json`` whose content has the SHA-256 ``sha256`` in the working folder
    (and the notebook's folder in JupyterLab), trying ``<lab>.checks.json`` first; raises
    :class:`SelfCheckError` saying what to do when there is none or only another release's.
    """
    _LOADED.clear()
    _LOADED.update(lab=lab, sha256=sha256)
    if _grading():
        return
    candidates = [p for folder in _folders() for p in sorted(folder.glob("*.checks.json"))]
    candidates.sort(key=lambda p: p.name != f"{lab}.checks.json")
    for path in candidates:
        raw = path.read_bytes()
        if hashlib.sha256(raw).hexdigest() == sha256:
            _LOADED.update(data=_read(path)[1], path=str(path))
            return
    same_lab = [p.name for p in candidates if _lab_of(p) == lab]
    if same_lab:
        problem = (f"{', '.join(same_lab)} belongs to another release of {lab}, not to this notebook: download "
                   f"the notebook and {lab}.checks.json again, together, and keep them in the same folder")
    else:
        where = " or ".join(str(f) for f in _folders())
        others = f" (the files here belong to other labs: {', '.join(p.name for p in candidates)})" if candidates else ""
        problem = (f"no self-check data for {lab} in {where}{others}: put {lab}.checks.json, which came with "
                   f"this notebook, next to it, or call check.load(path)")
    _LOADED["error"] = problem
    raise SelfCheckError(problem)


def _lab_of(path: Path) -> str | None:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("lab")
    except (ValueError, OSError, AttributeError):
        return None


def load(path: str | os.PathLike[str]) -> None:
    """Use the self-check data in ``path`` (when it is not next to the notebook)."""
    path = Path(path)
    try:
        raw, data = _read(path)
    except FileNotFoundError:
        raise SelfCheckError(f"self-check data {path} not found") from None
    bound = _LOADED.get("sha256")
    if bound and hashlib.sha256(raw).hexdigest() != bound:
        raise SelfCheckError(f"{path} is not the self-check data of this notebook ({_LOADED.get('lab')}): "
                             "use the .checks.json file that came with it")
    _LOADED.pop("error", None)
    _LOADED.update(data=data, path=str(path))


def _data() -> dict[str, Any]:
    if _LOADED.get("data"):
        return _LOADED["data"]
    if _LOADED.get("error"):
        raise SelfCheckError(_LOADED["error"])
    candidates = [p for folder in _folders() for p in sorted(folder.glob("*.checks.json"))]
    if len(candidates) == 1:  # a notebook released before binding existed
        load(candidates[0])
        return _LOADED["data"]
    if not candidates:
        raise SelfCheckError("no self-check data (a *.checks.json file) in this folder: keep the file that came "
                             "with the lab next to the notebook, or call check.load(path)")
    raise SelfCheckError(f"several self-check files here ({', '.join(p.name for p in candidates)}): run the "
                         "notebook's first cells (its check.bind line picks the right one), or call check.load(path)")


def _data_for(qid: str) -> dict[str, Any]:
    data = _data()
    if qid not in data["questions"]:
        raise SelfCheckError(f"no question {qid!r} in the self-check data of {data.get('lab')}; "
                             f"its questions are {', '.join(data['questions'])}")
    return data


def _plain(value: Any) -> tuple[dict[str, Any] | None, str | None]:
    from crmlab.grader.plain import UnsupportedAnswer, to_plain

    try:
        return to_plain(value), None
    except UnsupportedAnswer as exc:
        return None, str(exc)


def show(value: Any, limit: int = 200) -> str:
    """A short one-line text for a value in a message (a DataFrame as its columns' lists).

    >>> show([1, 2, 3]), show("B")
    ('[1, 2, 3]', "'B'")
    """
    module = type(value).__module__
    if module.startswith("pandas") and hasattr(value, "to_dict") and hasattr(value, "columns"):
        text = f"DataFrame({value.to_dict('list')!r})"
    elif module.startswith("pandas") and hasattr(value, "tolist"):
        text = f"Series({value.tolist()!r})"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def show_plain(plain: Any) -> str:
    """A plain answer (see :mod:`crmlab.grader.plain`) as short text."""
    if isinstance(plain, dict) and plain.get("t") == "scalar":
        value = plain.get("v")
        return show(next(iter(value.values())) if isinstance(value, dict) else value)
    return show(json.dumps(plain, ensure_ascii=False))


def _call(func: Any, args: tuple, kwargs: dict[str, Any]) -> dict[str, Any]:
    """One call as the grader records it: the plain return value, or what went wrong."""
    import copy

    try:
        result = func(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    except Exception as exc:  # noqa: BLE001 - the student's function may raise anything
        return {"error": f"raised {type(exc).__name__}: {exc}"}
    plain, error = _plain(result)
    return {"error": f"the return value cannot be graded: {error}"} if error else {"value": plain}


def _check_examples(name: str, func: Any, question: dict[str, Any]) -> Verdict:
    """Run the question's public examples; the first failure with its input, expected and got."""
    scope: dict[str, Any] = {}
    exec(question["examples"]["code"], scope)  # the examples cell shown in the notebook
    cases = list(scope["examples"])
    calls = [_call(func, args, kwargs) for args, kwargs in cases]
    expected = question["examples"]["expected"]
    for number, ((args, kwargs), want, got) in enumerate(zip(cases, expected, calls, strict=True), start=1):
        shown = ", ".join([show(a) for a in args] + [f"{k}={show(v)}" for k, v in kwargs.items()])
        call = f"example {number}: {name}({shown})"
        if "error" in got:
            return Verdict(False, [f"{call} {got['error']} (expected {show_plain(want.get('value'))})"])
        verdict = compare(question["returns"], question["options"], want["value"], got["value"])
        if not verdict.ok:
            return Verdict(False, [f"{call} should return {show_plain(want['value'])}, got "
                                   f"{show_plain(got['value'])} ({verdict.message})"])
    return Verdict(True, note=f"its {len(cases)} public example(s) pass; the grader also uses other inputs")


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
        if question.get("check") == "examples":
            return _check_examples(names[0], values[0], question)
        return Verdict(True, note="a function: it will be called with hidden inputs when graded")
    if question["compare"] == "manual":
        empty = [n for n, v in zip(names, values, strict=True) if not (isinstance(v, str) and v.strip())]
        if empty:
            return Verdict(False, [f"`{empty[0]}` should hold your written answer as text"])
        return Verdict(True, note="a written answer: graded by hand")
    problems: list[str] = []
    notes: list[str] = []
    for name, value in zip(names, values, strict=True):
        plain, error = _plain(value)
        if error:
            problems.append(f"`{name}`: {error}")
            continue
        salt = f"{data['salt']}:{qid}:{name}"
        result = check_digest(question["digests"][name], plain, question["options"], salt)
        prefix = f"`{name}`: " if len(names) > 1 else ""
        if not result.ok:
            problems += [prefix + p for p in result.problems]
        elif result.note:
            notes.append(result.note)
    if problems and question.get("checks"):  # the lab's public partial-credit checks say what to fix first
        from crmlab.grader.checks import public_check_problems  # not at import: keeps `check` light

        problems = public_check_problems(question["checks"], names, values) + problems
    return Verdict(not problems, problems, note=notes[0] if notes else None)


def _line(qid: str, result: Verdict) -> str:
    if not result.ok:
        return f"✗ {qid}: " + "; ".join(result.problems)
    return f"✓ {qid}: {result.note}" if result.note else f"✓ {qid} looks correct"


def check(qid: str, *values: Any) -> None:
    """Check your answer to question ``qid`` and print whether it looks correct, or what is wrong.

    Parameters
    ----------
    qid : str
        The question id, e.g. ``"q1"`` (the id after ``# QUESTION`` in the question's cell).
    *values
        Your answer: the variable(s) named in the question (or your function).

    Returns
    -------
    None
        It prints one line: ``✓`` when the answer looks correct, ``✗`` and what is wrong,
        or ``?`` when the self-check data is missing.

    Examples
    --------
    >>> import json, tempfile, nbformat
    >>> from crmlab.grader.authoring import parse_lab
    >>> from crmlab.grader.plain import to_plain
    >>> from crmlab.grader.release import checks_data
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
    ...     "# QUESTION q1 points=2 answer=share compare=number\\nshare = 0.84")])
    >>> key = {"answers": {"q1": {"share": {"value": to_plain(0.84)}}}}
    >>> path = Path(tempfile.mkdtemp()) / "lab02.checks.json"
    >>> _ = path.write_text(json.dumps(checks_data(parse_lab(nb), key, "salt", "lab02")))
    >>> check.load(path)   # a released notebook finds its file by itself
    >>> check("q1", 0.84)
    ✓ q1 looks correct
    >>> check("q1", 0.47)
    ✗ q1: the value is not correct
    """
    if _grading():
        return
    try:
        result = verdict(qid, *values)
    except SelfCheckError as exc:
        print(f"? {qid}: {exc}")
        return
    print(_line(qid, result))


def check_all() -> None:
    """Check every question of the lab, reading the answers from the notebook's variables.

    Returns
    -------
    None
        It prints one line per question and how many pass.

    Examples
    --------
    >>> import json, tempfile, nbformat
    >>> from crmlab.grader.authoring import parse_lab
    >>> from crmlab.grader.plain import to_plain
    >>> from crmlab.grader.release import checks_data
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
    ...     "# QUESTION q1 points=2 answer=share compare=number\\nshare = 0.84")])
    >>> key = {"answers": {"q1": {"share": {"value": to_plain(0.84)}}}}
    >>> path = Path(tempfile.mkdtemp()) / "lab02.checks.json"
    >>> _ = path.write_text(json.dumps(checks_data(parse_lab(nb), key, "salt", "lab02")))
    >>> check.load(path)
    >>> share = 0.84   # the student's variable
    >>> check_all()
    ✓ q1 looks correct
    1 of 1 questions pass their self-check
    """
    if _grading():
        return
    frame = sys._getframe(1)
    namespace = {**frame.f_globals, **frame.f_locals}
    try:
        data = _data()
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
        print(_line(qid, result))
    print(f"{passed} of {len(data['questions'])} questions pass their self-check")


check.load = load  # type: ignore[attr-defined]
check.bind = bind  # type: ignore[attr-defined]
