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

Messages are in the lab's language: the release's ``check.bind(lab, sha256, "zh")`` line and
the self-check data's ``language`` choose it (:mod:`crmlab.i18n`).

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
from crmlab.i18n import t, using

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
        raise SelfCheckError(t("selfcheck.invalid_data", path=path)) from None
    if not isinstance(data, dict) or not isinstance(data.get("questions"), dict):
        raise SelfCheckError(t("selfcheck.invalid_data", path=path))
    return raw, data


def _folders() -> list[Path]:
    """Where the notebook's data can be: the working folder and, in JupyterLab, the notebook's."""
    folders = [Path.cwd()]
    session = os.environ.get("JPY_SESSION_NAME") or getattr(sys.modules.get("__main__"), "__session__", None)
    if session and Path(session).parent.is_dir():
        folders.append(Path(session).parent.resolve())
    return list(dict.fromkeys(folders))


def _lang() -> str | None:
    """The bound lab's language (from ``bind`` or the loaded data), None when unknown."""
    data = _LOADED.get("data") or {}
    return _LOADED.get("language") or (data.get("language") if isinstance(data, dict) else None)


def bind(lab: str, sha256: str, language: str | None = None) -> None:
    """Bind this notebook to its self-check data (the release's first cells call this).

    ``language`` is the release's language (``"zh"`` for ``crmlab assign --lang zh``): the
    self-check's messages use it.

    Looks for a ``*.checks.json`` whose content has the SHA-256 ``sha256`` in the working folder
    (and the notebook's folder in JupyterLab), trying ``<lab>.checks.json`` first; raises
    :class:`SelfCheckError` saying what to do when there is none or only another release's.
    """
    _LOADED.clear()
    _LOADED.update(lab=lab, sha256=sha256, language=language)
    if _grading():
        return
    with using(language):
        _bind(lab, sha256)


def _bind(lab: str, sha256: str) -> None:
    candidates = [p for folder in _folders() for p in sorted(folder.glob("*.checks.json"))]
    candidates.sort(key=lambda p: p.name != f"{lab}.checks.json")
    for path in candidates:
        raw = path.read_bytes()
        if hashlib.sha256(raw).hexdigest() == sha256:
            _LOADED.update(data=_read(path)[1], path=str(path))
            return
    same_lab = [p.name for p in candidates if _lab_of(p) == lab]
    if same_lab:
        problem = t("selfcheck.other_release", files=", ".join(same_lab), lab=lab)
    else:
        where = t("selfcheck.or").join(str(f) for f in _folders())
        others = t("selfcheck.other_labs", files=", ".join(p.name for p in candidates)) if candidates else ""
        problem = t("selfcheck.no_data", lab=lab, where=where, others=others)
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
    with using(_lang()):
        try:
            raw, data = _read(path)
        except FileNotFoundError:
            raise SelfCheckError(t("selfcheck.not_found", path=path)) from None
        bound = _LOADED.get("sha256")
        if bound and hashlib.sha256(raw).hexdigest() != bound:
            raise SelfCheckError(t("selfcheck.wrong_file", path=path, lab=_LOADED.get("lab")))
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
        raise SelfCheckError(t("selfcheck.none_here"))
    raise SelfCheckError(t("selfcheck.several", files=", ".join(p.name for p in candidates)))


def _data_for(qid: str) -> dict[str, Any]:
    data = _data()
    if qid not in data["questions"]:
        raise SelfCheckError(t("selfcheck.unknown_question", qid=qid, lab=data.get("lab"),
                               questions=", ".join(data["questions"])))
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


def _readable(plain: Any) -> Any:
    """A plain scalar, list or set back as the Python value a student wrote; ``_UNREADABLE`` for
    the other plain forms (series, frames, dicts)."""
    if not isinstance(plain, dict):
        return _UNREADABLE
    if plain.get("t") == "scalar":
        value = plain.get("v")
        return next(iter(value.values())) if isinstance(value, dict) else value
    if plain.get("t") in ("list", "set") and isinstance(plain.get("items"), list):
        items = [_readable(item) for item in plain["items"]]
        return _UNREADABLE if any(item is _UNREADABLE for item in items) else items
    return _UNREADABLE


_UNREADABLE = object()


def show_plain(plain: Any) -> str:
    """A plain answer (see :mod:`crmlab.grader.plain`) as short text: a scalar, list or set as
    Python writes it, anything else as its plain JSON.

    >>> show_plain({"t": "list", "items": [{"t": "scalar", "v": 0.5}, {"t": "scalar", "v": "a"}]})
    "[0.5, 'a']"
    """
    value = _readable(plain)
    return show(json.dumps(plain, ensure_ascii=False) if value is _UNREADABLE else value)


def _call(func: Any, args: tuple, kwargs: dict[str, Any]) -> dict[str, Any]:
    """One call as the grader records it: the plain return value, or what went wrong."""
    import copy

    try:
        result = func(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    except Exception as exc:  # noqa: BLE001 - the student's function may raise anything
        return {"error": t("selfcheck.raised", error=f"{type(exc).__name__}: {exc}")}
    plain, error = _plain(result)
    return {"error": t("selfcheck.cannot_grade", error=error)} if error else {"value": plain}


def _check_examples(name: str, func: Any, question: dict[str, Any]) -> Verdict:
    """Run the question's public examples; the first failure with its input, expected and got."""
    scope: dict[str, Any] = {}
    exec(question["examples"]["code"], scope)  # the examples cell shown in the notebook
    cases = list(scope["examples"])
    calls = [_call(func, args, kwargs) for args, kwargs in cases]
    expected = question["examples"]["expected"]
    for number, ((args, kwargs), want, got) in enumerate(zip(cases, expected, calls, strict=True), start=1):
        shown = ", ".join([show(a) for a in args] + [f"{k}={show(v)}" for k, v in kwargs.items()])
        call = t("selfcheck.example", number=number, call=f"{name}({shown})")
        if "error" in got:
            return Verdict(False, [t("selfcheck.example_error", call=call, error=got["error"],
                                     want=show_plain(want.get("value")))])
        verdict = compare(question["returns"], question["options"], want["value"], got["value"])
        if not verdict.ok:
            return Verdict(False, [t("selfcheck.example_wrong", call=call, want=show_plain(want["value"]),
                                     got=show_plain(got["value"]), message=verdict.message)])
    return Verdict(True, note=t("selfcheck.examples_pass", count=len(cases)))


def verdict(qid: str, *values: Any) -> Verdict:
    """The self-check verdict for question ``qid`` given the answer value(s), without printing."""
    with using(_lang()):
        data = _data_for(qid)
    with using(data.get("language") or _lang()):
        return _verdict(data, qid, values)


def _verdict(data: dict[str, Any], qid: str, values: tuple[Any, ...]) -> Verdict:
    question = data["questions"][qid]
    names = question["answer"]
    if len(values) != len(names):
        return Verdict(False, [t("selfcheck.needs_values", qid=qid, count=len(names), names=", ".join(names))])
    if question["compare"] == "function":
        if not callable(values[0]):
            return Verdict(False, [t("selfcheck.not_function", name=names[0])])
        if question.get("check") == "examples":
            return _check_examples(names[0], values[0], question)
        return Verdict(True, note=t("selfcheck.function_note"))
    if question["compare"] == "manual":
        empty = [n for n, v in zip(names, values, strict=True) if not (isinstance(v, str) and v.strip())]
        if empty:
            return Verdict(False, [t("selfcheck.needs_text", name=empty[0])])
        return Verdict(True, note=t("selfcheck.manual_note"))
    problems: list[str] = []
    notes: list[str] = []
    for name, value in zip(names, values, strict=True):
        plain, error = _plain(value)
        if error:
            problems.append(t("compare.named", name=name, message=error))
            continue
        salt = f"{data['salt']}:{qid}:{name}"
        result = check_digest(question["digests"][name], plain, question["options"], salt)
        if not result.ok:
            problems += [t("compare.named", name=name, message=p) if len(names) > 1 else p for p in result.problems]
        elif result.note:
            notes.append(result.note)
    if problems and question.get("checks"):  # the lab's public partial-credit checks say what to fix first
        from crmlab.grader.checks import public_check_problems  # not at import: keeps `check` light

        problems = public_check_problems(question["checks"], names, values) + problems
    return Verdict(not problems, problems, note=notes[0] if notes else None)


def _line(qid: str, result: Verdict) -> str:
    if not result.ok:
        return t("selfcheck.wrong", qid=qid, problems=t("compare.list_sep").join(result.problems))
    return t("selfcheck.ok_note", qid=qid, note=result.note) if result.note else t("selfcheck.ok", qid=qid)


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
    with using(_lang()):
        try:
            result = verdict(qid, *values)
        except SelfCheckError as exc:
            print(t("selfcheck.cannot_check", qid=qid, problem=exc))
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
    with using(_lang()):
        try:
            data = _data()
        except SelfCheckError as exc:
            print(f"? {exc}")
            return
    with using(data.get("language") or _lang()):
        passed = 0
        for qid, question in data["questions"].items():
            missing = [n for n in question["answer"] if n not in namespace]
            if missing:
                print(t("selfcheck.not_defined", qid=qid, name=missing[0]))
                continue
            result = verdict(qid, *(namespace[n] for n in question["answer"]))
            passed += result.ok
            print(_line(qid, result))
        print(t("selfcheck.summary", passed=passed, total=len(data["questions"])))


check.load = load  # type: ignore[attr-defined]
check.bind = bind  # type: ignore[attr-defined]
