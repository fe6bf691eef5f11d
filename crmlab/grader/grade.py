"""Autograde a folder of submissions: gradebook, LMS exports, feedback, late penalty, overrides.

``crmlab grade SOURCE.ipynb SUBMISSIONS/ --out grades/`` runs the instructor's source once
(cached in ``grades/.private/expected.json``, owner-only and never visible to student code; with
``--variant-seed`` on a hidden variant of the datasets), then every submission in a sandboxed runner
(:mod:`crmlab.grader.sandbox`), compares the exported answers in this process with
:mod:`crmlab.grader.compare`, and writes, atomically and as each submission finishes,
``grades/results/<student>.json``. A rerun skips students whose result matches the same
submission and source, unless ``force``. At the end it writes ``gradebook.csv``, ``canvas.csv``,
``moodle.csv``, ``feedback/<student>.md`` / ``.html``, the review pages and score sheets of the
questions graded by hand (:mod:`crmlab.grader.manual`) and ``summary.txt``.

Submissions come from a folder or zip, Canvas or Moodle download (:mod:`crmlab.grader.lms`),
keyed by LMS id; late days from a times file, Canvas's late tags or, when asked, file times
(:class:`Policy`). Questions with ``# CHECK`` lines score partial credit
(:mod:`crmlab.grader.checks`); a wrong number gets a hint for common slips
(:mod:`crmlab.grader.hints`). Feedback and summary use :mod:`crmlab.i18n`.

Statuses (gradebook column ``status``): ``ok``; ``errors`` (some cells raised); ``timeout``
(the notebook ran past its time limit); ``crashed`` (the process ended early: ``sys.exit``
is caught like any error, but ``os._exit``, a segfault or the memory limit end it);
``invalid notebook`` (not a readable notebook file); ``runner failure`` (the sandbox itself
failed; the message says why).

Examples
--------
>>> late_days("2026-03-02T10:00", deadline="2026-03-01T23:59")
1
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import os
import queue
import re
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from crmlab._checks import CrmlabInputError
from crmlab.grader.authoring import Lab
from crmlab.grader.checks import run_checks, solution_problems
from crmlab.grader.compare import Verdict, compare, compare_function
from crmlab.grader.hints import numeric_hint
from crmlab.grader.lms import (Submission, apply_roster, discover_submissions, match_times, parse_time, read_roster,
                               read_times)
from crmlab.grader.manual import MANUAL, load_merged, manual_entry, merge_scores, write_review
from crmlab._spreadsheet import csv_text, spreadsheet_safe  # noqa: F401  (spreadsheet_safe: public name)
from crmlab.i18n import MESSAGES, language, retranslate, t, using
from crmlab.grader.jobs import (answers_from_events, atomic_write, cell_errors, compute_expected, load_source,
                                notebook_cells, preload_modules, question_payload, sha256_file)
from crmlab.grader.sandbox import NO_SANDBOX_NOTICE, Limits, Worker, close_all_workers, require_sandbox, visible_to_jobs

MAX_NOTEBOOK_BYTES = 20 * 2**20


@dataclass
class Policy:
    """Late-penalty policy: ``penalty_per_day`` of the total per started day late (course choice:
    10 %), zero from ``zero_after_days`` days late on (None: never).

    A student's submission time is ``submission_times[key]`` (from a times file or the LMS
    export); without one, the file's modification time only when ``times_from_files``; else a
    Canvas late tag (``late_tags``) counts as one day late; else the student is on time.

    Parameters
    ----------
    deadline
        The deadline; None: nobody is late.
    penalty_per_day
        Share of the total deducted per started day late.
    zero_after_days
        From this many days late on the total is 0; None: never.
    submission_times
        Student key → submission time.
    times_from_files
        Use the notebook file's modification time when a student has no submission time.
    late_tags
        Student keys the LMS marked late.

    Examples
    --------
    >>> policy = Policy(deadline=datetime(2026, 3, 1, 23, 59), zero_after_days=5,
    ...                 submission_times={"bo": datetime(2026, 3, 3, 9, 0)})
    >>> late_days(policy.submission_times["bo"], policy.deadline) * policy.penalty_per_day
    0.2
    """

    deadline: datetime | None = None
    penalty_per_day: float = 0.10
    zero_after_days: int | None = None
    submission_times: dict[str, datetime] = field(default_factory=dict)
    times_from_files: bool = False
    late_tags: set[str] = field(default_factory=set)


def safe_name(student: str) -> str:
    """A file-name-safe version of a student name (for results and feedback files).

    Parameters
    ----------
    student
        The student's key or name.

    Returns
    -------
    str
        Letters (any script), digits, ``.``, ``-`` and ``_`` only; ``"student"`` when nothing
        is left.

    Examples
    --------
    >>> safe_name("Li Wei / 李伟"), safe_name("../..")
    ('Li_Wei_李伟', 'student')
    """
    cleaned = re.sub(r"[^\w.-]+", "_", student, flags=re.UNICODE).strip("._")
    return cleaned or "student"


# -- one submission -------------------------------------------------------------------------------

def read_submission(path: Path) -> tuple[list[dict[str, Any]] | None, str | None]:
    """The code cells of a submitted notebook, or (None, reason) when it cannot be read.

    Parameters
    ----------
    path
        The submitted ``.ipynb`` file (untrusted: any content is handled).

    Returns
    -------
    (list of dict or None, str or None)
        The code cells (``source`` and ``question``) and None, or None and why the file
        cannot be graded.

    Examples
    --------
    >>> import json, tempfile
    >>> path = Path(tempfile.mkdtemp()) / "al.ipynb"
    >>> _ = path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
    ...     "cells": [{"cell_type": "markdown", "metadata": {}, "source": "notes"},
    ...               {"cell_type": "code", "metadata": {}, "source": "a = 1", "outputs": [],
    ...                "execution_count": None}]}))
    >>> read_submission(path)
    ([{'source': 'a = 1', 'question': None}], None)
    >>> _ = path.write_text("not a notebook")
    >>> read_submission(path)[1]
    'not a valid notebook file (JSON error: Expecting value: line 1 column 1 (char 0))'
    """
    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            return None, t("grade.file_too_large", size=f"{size / 2**20:.0f}", limit=MAX_NOTEBOOK_BYTES // 2**20)
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        return None, t("grade.bad_json", error=str(exc)[:200])
    except OSError as exc:
        return None, t("grade.cannot_read", error=exc.strerror)
    if not isinstance(data, dict):
        return None, t("grade.no_notebook")
    if data.get("nbformat") != 4:
        try:
            import nbformat

            data = nbformat.reads(json.dumps(data), as_version=4)
        except Exception as exc:  # noqa: BLE001
            return None, t("grade.unreadable", error=type(exc).__name__)
    cells = data.get("cells")
    if not isinstance(cells, list):
        return None, t("grade.no_cells")
    clean = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(s, str) for s in source):
            source = "".join(source)
        if not isinstance(source, str):
            return None, t("grade.source_not_text")
        meta = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        clean.append({"cell_type": "code", "source": source, "metadata": meta})
    return notebook_cells({"cells": clean}), None


def _with_hint(verdict: Verdict, question: Any, expected: Any, got: Any) -> Verdict:
    """Add a hint for a numeric slip (percent vs share, a factor, rounded early) when one fits."""
    if verdict.ok or question.compare != "number":
        return verdict
    values = [p.get("v") if isinstance(p, dict) and p.get("t") == "scalar" else None for p in (expected, got)]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return verdict
    hint = numeric_hint(float(values[0]), float(values[1]), question.options)
    return Verdict(False, [*verdict.problems, hint], verdict.fraction) if hint else verdict


def _checked_verdict(question: Any, expected: dict[str, Any], got: dict[str, Any]) -> Verdict:
    """Partial credit: the question's checks, each worth its points."""
    for name in question.answer:
        event = got.get(name)
        if event is None or "error" in event or "value" not in event:
            reason = retranslate(str(event["error"])[:500]) if event and "error" in event else \
                t("grade.not_computed", name=name)
            return Verdict(False, [reason], 0.0)
    values = {name: got[name]["value"] for name in question.answer}
    wanted = {name: expected[name]["value"] for name in question.answer}

    def full() -> Verdict:
        verdicts = [compare(question.compare, question.options, wanted[n], values[n]) for n in question.answer]
        return Verdict(all(v.ok for v in verdicts), [p for v in verdicts for p in v.problems])

    earned, problems = run_checks(question.checks, question.answer, values, wanted, full)
    return Verdict(not problems, problems, earned / question.points)


def _question_verdict(question: Any, expected: dict[str, Any], got: dict[str, Any]) -> Verdict:
    if question.compare == "function":
        event = got.get(question.answer[0])
        if event is None or "error" in event or not isinstance(event.get("calls"), list):
            error = event.get("error") if event else None
            return Verdict(False, [retranslate(error) if error else t("grade.no_answer")], 0.0)
        calls = [{"error": retranslate(c["error"])} if isinstance(c, dict) and isinstance(c.get("error"), str)
                 else c for c in event["calls"]]
        return compare_function(question.returns, question.options, expected[question.answer[0]]["calls"], calls)
    if question.checks:
        return _checked_verdict(question, expected, got)
    verdicts = []
    for name in question.answer:
        event = got.get(name)
        if event is None:
            verdicts.append(Verdict(False, [t("grade.not_computed", name=name)]))
        elif "error" in event:
            verdicts.append(Verdict(False, [retranslate(str(event["error"]))]))
        else:
            try:
                verdict = compare(question.compare, question.options, expected[name]["value"], event.get("value"))
                verdicts.append(_with_hint(verdict, question, expected[name]["value"], event.get("value")))
            except (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError):
                verdicts.append(Verdict(False, [t("compare.unreadable")]))
    if len(verdicts) == 1:
        return verdicts[0]
    problems = [t("compare.named", name=n, message=v.message) for n, v in zip(question.answer, verdicts, strict=True)
                if not v.ok]
    return Verdict(all(v.ok for v in verdicts), problems, sum(v.ok for v in verdicts) / len(verdicts))


def _stop_reason(reply: dict[str, Any], limits: Limits) -> tuple[str, str | None]:
    if reply.get("failure"):
        return "runner failure", str(reply["failure"])
    if reply.get("timed_out"):
        return "timeout", t("grade.timeout", seconds=f"{limits.notebook_timeout:g}")
    code = reply.get("exit")
    done = any(e.get("done") for e in reply.get("events", []))
    if code not in (0, None) or not done:
        if isinstance(code, int) and code < 0:
            return "crashed", t("grade.killed_memory" if -code in (9, 6, 11) else "grade.killed", signal=-code)
        return "crashed", t("grade.exited", code=code)
    return "ok", None


def score_reply(lab: Lab, expected: dict[str, Any], reply: dict[str, Any], limits: Limits) -> dict[str, Any]:
    """Per-question points and reasons from a runner reply (all comparison happens here), with
    messages in the language in force (:func:`crmlab.i18n.using`).

    Parameters
    ----------
    lab
        The parsed source notebook (:func:`crmlab.grader.authoring.parse_lab`).
    expected
        The answer key (``compute_expected``): ``expected["answers"][question]``.
    reply
        What the sandboxed runner sent back: ``events``, ``exit``, ``timed_out``, ``failure``,
        ``output`` and ``seconds``.
    limits
        The limits the job ran under (for the timeout message).

    Returns
    -------
    dict
        ``status``, ``reason``, ``questions`` (per question: ``points``, ``max``, ``ok``,
        ``message``), ``cell_errors``, ``output`` and ``seconds``.

    Examples
    --------
    >>> from crmlab.grader.authoring import parse_lab
    >>> lab = parse_lab({"cells": [{"cell_type": "code", "metadata": {},
    ...     "source": "# QUESTION q1 points=2 answer=a compare=number\\na = 1"}]})
    >>> scored = score_reply(lab, {"answers": {}}, {"timed_out": True, "events": []}, Limits())
    >>> scored["status"], scored["questions"]["q1"]["points"]
    ('timeout', 0.0)
    """
    status, reason = _stop_reason(reply, limits)
    answers = answers_from_events(reply.get("events", []), lab)
    errors = cell_errors(reply.get("events", []))
    questions = {}
    for q in lab.questions:
        got = answers[q.id]
        if q.compare == MANUAL:
            questions[q.id] = manual_entry(q, got, reason)
            continue
        if not got and reason:
            verdict = Verdict(False, [reason], 0.0)
        else:
            verdict = _question_verdict(q, expected["answers"][q.id], got)
        questions[q.id] = {"points": round(q.points * verdict.score, 4), "max": q.points, "ok": verdict.ok,
                           "message": verdict.message}
    if status == "ok" and errors:
        status = "errors"
    return {"status": status, "reason": reason, "questions": questions, "cell_errors": errors[:50],
            "output": reply.get("output", ""), "seconds": reply.get("seconds")}


def stopped_cell(events: list[dict[str, Any]], cells: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The code cell that was running when a job stopped (1-based number and its first line).

    Parameters
    ----------
    events
        The runner's events; ``{"cell": i, "started": True}`` when cell ``i`` (0-based) starts,
        ``{"cell": i, …}`` when it ends.
    cells
        The code cells that were run.

    Returns
    -------
    dict or None
        ``cell`` (1-based) and ``start`` (its first non-blank line, at most 80 characters);
        None when no cell was left running.

    Examples
    --------
    >>> events = [{"cell": 0, "started": True}, {"cell": 0}, {"cell": 1, "started": True}]
    >>> stopped_cell(events, [{"source": "a = 1"}, {"source": "\\nwhile True:\\n    pass"}])
    {'cell': 2, 'start': 'while True:'}
    """
    started, finished = None, set()
    for event in events:
        if isinstance(event.get("cell"), int):
            if event.get("started"):
                started = event["cell"]
            else:
                finished.add(event["cell"])
    if started is None or started in finished or not 0 <= started < len(cells):
        return None
    lines = [line.strip() for line in cells[started]["source"].split("\n") if line.strip()]
    return {"cell": started + 1, "start": (lines[0][:80] if lines else "")}


def submission_language(path: Path) -> str | None:
    """The language a submitted notebook was released in (its ``crmlab.language`` metadata), or
    None (an English release, or a file that cannot be read).

    Parameters
    ----------
    path : Path
        The submitted notebook.

    Returns
    -------
    str or None
        ``"zh"`` for a Chinese release.

    Examples
    --------
    >>> submission_language(Path("no-such-file.ipynb")) is None
    True
    """
    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            return None
        meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get("crmlab", {})
    except (OSError, ValueError, UnicodeDecodeError, AttributeError, RecursionError):
        return None
    value = meta.get("language") if isinstance(meta, dict) else None
    return value if isinstance(value, str) else None


def grade_submission(worker: Worker | None, lab: Lab, nb: Any, expected: dict[str, Any], sub: Submission,
                     limits: Limits, lang: str | None = None) -> dict[str, Any]:
    """Grade one submission with a running worker; never raises for a bad submission.

    Parameters
    ----------
    worker
        A running sandboxed :class:`~crmlab.grader.sandbox.Worker` (not used when the file is
        not a readable notebook).
    lab
        The parsed source notebook.
    nb
        The source notebook itself (for the question payload).
    expected
        The answer key.
    sub
        The submission.
    limits
        The resource limits.
    lang
        The language of the messages; default: the language the submission was released in
        (:func:`submission_language`), else :func:`crmlab.i18n.language`'s. The result records it.

    Returns
    -------
    dict
        The :func:`score_reply` result with the student, the file's hash and time and the
        answer key's ``source_key``; status ``invalid notebook`` when the file cannot be read.

    Examples
    --------
    >>> import tempfile
    >>> from crmlab.grader.authoring import parse_lab
    >>> lab = parse_lab({"cells": [{"cell_type": "code", "metadata": {},
    ...     "source": "# QUESTION q1 points=2 answer=a compare=number\\na = 1"}]})
    >>> path = Path(tempfile.mkdtemp()) / "al.ipynb"
    >>> _ = path.write_text("{")
    >>> result = grade_submission(None, lab, None, {"key": "k"}, Submission("al", path), Limits())
    >>> result["status"], result["questions"]["q1"]["points"]
    ('invalid notebook', 0.0)
    """
    lang = language(lang or submission_language(sub.path))
    with using(lang):
        result = _grade_submission(worker, lab, nb, expected, sub, limits)
    result["language"] = lang
    return result


def _grade_submission(worker: Worker | None, lab: Lab, nb: Any, expected: dict[str, Any], sub: Submission,
                      limits: Limits) -> dict[str, Any]:
    """:func:`grade_submission`'s work, in the language in force."""
    cells, problem = read_submission(sub.path)
    if cells is None:
        result = {"status": "invalid notebook", "reason": problem, "cell_errors": [], "output": "", "seconds": 0.0,
                  "questions": {q.id: {"points": 0.0, "max": q.points, "ok": False, "message": problem}
                                for q in lab.questions}}
    else:
        reply = worker.run(safe_name(sub.student), cells, question_payload(lab, nb))
        result = score_reply(lab, expected, reply, limits)
        if result["status"] in ("timeout", "crashed"):
            result["stopped_cell"] = stopped_cell(reply.get("events", []), cells)
    result.update(student=sub.student, lms_id=sub.lms_id, name=sub.name, submission=str(sub.path),
                  submission_sha256=sha256_file(sub.path), source_key=expected["key"],
                  mtime=datetime.fromtimestamp(sub.path.stat().st_mtime).isoformat(timespec="seconds"))
    return result


# -- batch ----------------------------------------------------------------------------------------

class Progress:
    """A plain-text progress bar on stderr (one line redrawn on a terminal, else every 10 %).

    Parameters
    ----------
    total
        Number of submissions to grade.
    stream
        Where to write (default ``sys.stderr``).

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> bar = Progress(2, stream=out)
    >>> bar.step(True); bar.step(False)
    >>> print(out.getvalue())  # doctest: +ELLIPSIS
    [###############...............] 1/2 graded (0 with problems) ... s
    [##############################] 2/2 graded (1 with problems) ... s
    <BLANKLINE>
    """

    def __init__(self, total: int, stream: Any = None) -> None:
        self.total, self.done, self.failed = total, 0, 0
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.lock = threading.Lock()

    def step(self, ok: bool) -> None:
        with self.lock:
            self.done += 1
            self.failed += not ok
            if not self.tty and self.done % max(1, self.total // 10) and self.done != self.total:
                return
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            line = (f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} graded"
                    f" ({self.failed} with problems) {time.perf_counter() - self.started:.1f} s")
            self.stream.write(("\r" + line) if self.tty else line + "\n")
            if self.tty and self.done == self.total:
                self.stream.write("\n")
            self.stream.flush()


def _result_path(out: Path, student: str) -> Path:
    return out / "results" / f"{safe_name(student)}.json"


def _is_current(out: Path, sub: Submission, key: str) -> bool:
    path = _result_path(out, sub.student)
    if not path.is_file():
        return False
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return False
    return old.get("source_key") == key and old.get("submission_sha256") == sha256_file(sub.path)


def grade(source: str | Path, submissions: str | Path, out: str | Path, *, jobs: int | None = None,
          force: bool = False, student: str | None = None, limits: Limits | None = None,
          policy: Policy | None = None, overrides: str | Path | None = None, sandbox: bool = True,
          progress: bool = True, variant_seed: str | None = None, roster: str | Path | None = None,
          times: str | Path | None = None, times_partial: bool = False, merge_manual: str | Path | None = None,
          lang: str | None = None, similarity: bool = False) -> list[dict[str, Any]]:
    """Grade every submission and write all outputs; returns the gradebook rows.

    The run summary (late students, extra notebooks, roster problems, answers to grade by hand)
    is written to ``out/summary.txt``.

    Parameters
    ----------
    source : path
        The instructor's source notebook (with solutions).
    submissions : path
        Folder or ``.zip``: ``<student>.ipynb`` files, a Canvas or a Moodle download
        (:func:`crmlab.grader.lms.discover_submissions`).
    out : path
        Output folder (created).
    jobs : int, optional
        Submissions graded at once (default: the number of CPU cores).
    force : bool
        Regrade submissions that already have a current result (hand-graded scores are kept).
    student : str, optional
        Grade only this student (LMS id, 学号 or unique name; always regraded); the gradebook
        still lists everyone graded.
    sandbox : bool
        Run submissions in bubblewrap (default). When it is missing this raises
        :class:`~crmlab.grader.sandbox.SandboxUnavailable` (fail closed); ``False`` runs them
        unisolated and says so in ``gradebook.meta.json``.
    variant_seed : str, optional
        A secret: the source and every submission run on a hidden variant of the course
        datasets generated from it (see :mod:`crmlab.grader.variants`). Default: the secret in
        ``<out>/.private/variant-seed`` when that file exists.
    roster : path, optional
        Class list CSV (学号, 姓名, lms_id, email) to name and number the students. With a
        variant secret too, each roster student's submission is graded on the student's own
        data (a personal dataset, :mod:`crmlab.grader.roster`).
    times : path, optional
        Submission times (:func:`crmlab.grader.lms.read_times`); every student must be listed
        unless ``times_partial`` (then the others count as on time).
    merge_manual : path, optional
        A filled-in ``manual/scores.csv`` or ``.xlsx`` to merge (kept for later runs).
    limits : Limits, optional
        Time and memory limits of each submission (default :class:`Limits()`).
    policy : Policy, optional
        The late-penalty policy (default: nobody is late).
    overrides : path, optional
        A CSV of manual points (:func:`read_overrides`).
    progress : bool
        Show a progress bar on stderr.
    times_partial : bool
        With ``times``, students missing from the times file count as on time.
    lang : str, optional
        Language of feedback and summary (default: the lab's ``crmlab.language`` metadata,
        then ``CRMLAB_LANG``, then the locale).
    similarity : bool
        Also write ``similarity.html`` and ``similarity.csv``: pairs of submissions whose own code
        is unusually similar (:mod:`crmlab.grader.similarity`).

    Returns
    -------
    list of dict
        The gradebook rows (:func:`gradebook_rows`), one per student.

    Examples
    --------
    >>> rows = grade("lab02_source.ipynb", "submissions.zip", "grades/")  # doctest: +SKIP
    >>> rows[0]["total"], rows[0]["status"]  # doctest: +SKIP
    (8.5, 'ok')
    """
    source, out = Path(source), Path(out)
    limits = limits or Limits()
    policy = policy or Policy()
    out.mkdir(parents=True, exist_ok=True)
    nb, lab = load_source(source)
    explicit = lang  # --lang: every submission's feedback in it; else each in its release's language
    lang = language(lang or (nb.get("metadata", {}).get("crmlab") or {}).get("language"))
    subs, summary = _the_class(submissions, source.stem, out, roster, lang)
    _late_sources(policy, subs, times, times_partial)
    if student is not None:
        subs = [s for s in subs if student in (s.student, s.lms_id, s.number, s.name)]
        if len(subs) != 1:
            raise CrmlabInputError(f"{len(subs) or 'no'} submissions from {student!r} in {submissions}"
                                   + (" (use the LMS id or 学号)" if subs else ""))
    override_rows = read_overrides(overrides, lab) if overrides else []
    bwrap = _check_sandbox(sandbox, [out, source, Path(submissions)])
    private = private_dir(out)
    variant = _data_variant(variant_seed, private, nb)
    plan, topics = _personal_plan(roster, variant, variant_seed, private, nb, subs, lang)
    cache = private / "expected.json" if sandbox else None  # unsandboxed jobs could read any file
    notices: list[str] = []
    try:
        expected = compute_expected(source, cache=cache, sandbox=sandbox, variant=variant)
        failing = solution_problems(lab, expected)
        if failing:
            raise CrmlabInputError(f"{source}: the solution fails its own checks: " + "; ".join(failing))
        if variant is not None:
            public = compute_expected(source, cache=private / "expected-public.json" if sandbox else None,
                                      sandbox=sandbox)
            notices = variant_notices(lab, public, expected)
            for notice in notices:
                print(f"warning: {notice}", file=sys.stderr)
        if plan is None:
            todo = [s for s in subs if force or student is not None or not _is_current(out, s, expected["key"])]
            _run_batch(todo, lab, nb, expected, out, limits, jobs or os.cpu_count() or 1, sandbox, progress, variant,
                       explicit)
        else:
            from crmlab.grader.roster import owner_source_key, run_personal_batch

            todo = [s for s in subs if force or student is not None or not _is_current(
                out, s, owner_source_key(source, plan.get(s.student), expected["key"], topics))]
            run_personal_batch(todo, plan, lab, nb, source, expected, out, private, limits,
                               jobs or os.cpu_count() or 1, sandbox, progress, variant, topics, explicit)
    finally:
        close_all_workers()  # also on Ctrl-C / SIGTERM: no process or temporary folder stays behind
    results = _load_results(out, subs)
    for result in results:  # --lang: everyone's feedback in it (the stored messages keep their language)
        result["language"] = explicit or result.get("language") or lang
    if merge_manual:
        count = merge_scores(merge_manual, lab, out, {r["student"] for r in results})
        summary.append(t("summary.manual_merged", lang, count=count, path=merge_manual))
    manual = load_merged(out)
    rows = gradebook_rows(results, lab, policy, override_rows, manual=manual, lang=lang)
    write_outputs(out, rows, results, lab, source.stem, lang=lang)
    pending = write_review(out, lab, results, expected, manual)
    if pending:
        summary.append(t("summary.manual_pending", lang, count=pending, path=out / "manual"))
    summary[:0] = _late_summary(rows, policy, lang)
    if plan is not None:
        from crmlab.grader.roster import summary_line

        summary.append(summary_line(plan, lang))
    if similarity:
        from crmlab.grader.similarity import write_similarity

        summary.append(write_similarity(out, nb, lab, subs, source.stem))
    atomic_write(out / "summary.txt", "\n".join(summary) + ("\n" if summary else ""))
    meta = {"crmlab": __import__("crmlab").__version__, "finished": datetime.now().isoformat(timespec="seconds"),
            "source": source.name, "sandbox": f"bubblewrap ({bwrap})" if bwrap else "OFF (--no-sandbox)",
            "isolated": bool(bwrap), "variant": bool(variant), "variant_notices": notices,
            "personal_data": plan is not None,
            "graded_this_run": len(todo),
            "in_gradebook": len(rows), "limits": asdict(limits)}
    if not bwrap:
        meta["warning"] = NO_SANDBOX_NOTICE
    atomic_write(out / "gradebook.meta.json", json.dumps(meta, ensure_ascii=False, indent=1) + "\n")
    return rows


def _the_class(submissions: str | Path, assignment: str, out: Path, roster: str | Path | None,
               lang: str) -> tuple[list[Submission], list[str]]:
    """The submissions (with roster details) and the summary lines about them."""
    subs = discover_submissions(submissions, assignment=assignment, unzip_to=out / "unzipped")
    summary: list[str] = []
    if roster:
        subs, summary = apply_roster(subs, read_roster(roster), lang)
    return subs, summary + _extra_notebooks(subs, assignment, lang)


def _load_results(out: Path, subs: list[Submission]) -> list[dict[str, Any]]:
    """Every stored result, with today's display details (roster names) laid over."""
    current = {s.student: s for s in subs}
    results = []
    for path in sorted((out / "results").glob("*.json")):
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        sub = current.get(result.get("student"))
        if sub is not None:
            result.update(name=sub.name, number=sub.number, email=sub.email)
        results.append(result)
    return results


def _late_sources(policy: Policy, subs: list[Submission], times: str | Path | None, partial: bool) -> None:
    """Fill the policy's submission times and late tags; refuse a deadline with no way to tell lateness."""
    if times is not None:
        policy.submission_times = match_times(read_times(times), subs, partial=partial, where=str(times))
    policy.late_tags = {s.student for s in subs if s.late}
    if policy.deadline is None:
        return
    canvas = any(s.lms == "canvas" for s in subs)
    if times is None and not policy.times_from_files and not canvas and subs:
        raise CrmlabInputError("a deadline needs submission times: --times FILE (a CSV student,submitted_at or "
                               "Moodle's grading worksheet), a Canvas download (its late tags), or "
                               "--times-from-files (file modification times; wrong after copying or unzipping)")


def _extra_notebooks(subs: list[Submission], assignment: str, lang: str) -> list[str]:
    lines = []
    for sub in subs:
        if sub.others:
            key = "summary.others" if sub.picked_by_name else "summary.not_by_name"
            lines.append(t(key, lang, student=sub.display, graded=sub.path.name, others=", ".join(sub.others),
                           assignment=assignment))
    return lines


def _late_summary(rows: list[dict[str, Any]], policy: Policy, lang: str) -> list[str]:
    if policy.deadline is None:
        return []
    late = [r for r in rows if r["late_days"]]
    if not late:
        return [t("summary.on_time", lang, deadline=policy.deadline.isoformat(timespec="minutes"))]
    details = ", ".join(t("summary.late_one", lang, student=r.get("name") or r["student"], days=r["late_days"])
                        for r in sorted(late, key=lambda r: -r["late_days"]))
    return [t("summary.late", lang, count=len(late), details=details)]


def _check_sandbox(sandbox: bool, paths: list[Path]) -> str | None:
    """The bubblewrap in use (None: told to run without); fails closed without one."""
    if not sandbox:
        print(f"warning: {NO_SANDBOX_NOTICE}", file=sys.stderr)
        return None
    bwrap = require_sandbox()
    shown = [str(p) for p in paths if visible_to_jobs(p)]
    if shown:
        raise CrmlabInputError(f"{', '.join(shown)} would be readable by student code (inside the Python "
                               "installation, the crmlab package or the datasets folder): move it elsewhere")
    return bwrap


def _variant_secret(secret: str | None, private: Path) -> str | None:
    """``secret``, else the one kept in ``.private/variant-seed``, else None."""
    if secret is None and (private / "variant-seed").is_file():
        secret = (private / "variant-seed").read_text(encoding="utf-8").strip()
    return secret or None


def _personal_plan(roster: str | Path | None, variant: Path | None, secret: str | None, private: Path, nb: Any,
                   subs: list[Submission], lang: str) -> tuple[dict[str, Any] | None, list[str]]:
    """With a roster and a variant secret: each submission's owner (personal data), and the lab's topics."""
    if roster is None or variant is None:
        return None, []
    from crmlab.grader.roster import owners, personal_topics, read_class

    topics = personal_topics(nb)
    if not topics:  # the lab reads no course table: one common variant, as without a roster
        return None, []
    return owners(subs, read_class(roster), _variant_secret(secret, private), lang), topics


def _data_variant(secret: str | None, private: Path, nb: Any) -> Path | None:
    """The hidden data variant's folder for ``secret`` (or the one in ``.private/variant-seed``)."""
    secret = _variant_secret(secret, private)
    if not secret:
        return None
    from crmlab.grader.variants import make_variant, topics_used

    code = "\n".join(c["source"] for c in notebook_cells(nb))
    return make_variant(secret, private / "variants", topics_used(code))


def variant_notices(lab: Lab, public: dict[str, Any], variant: dict[str, Any]) -> list[str]:
    """Check the source's answers on the public data against the variant.

    A ``data=fixed`` answer that changes is an error in the lab (raised); a ``data=varies``
    answer that stays the same is returned as a notice: a hard-coded answer would pass there.

    Parameters
    ----------
    lab
        The parsed source notebook.
    public, variant
        The answer keys computed on the public data and on the hidden variant.

    Returns
    -------
    list of str
        One notice per question whose answer does not change with the data.

    Examples
    --------
    >>> from crmlab.grader.authoring import parse_lab
    >>> lab = parse_lab({"cells": [{"cell_type": "code", "metadata": {},
    ...     "source": "# QUESTION q1 points=2 answer=a compare=number\\na = 1"}]})
    >>> key = {"answers": {"q1": {"a": {"value": {"t": "scalar", "v": 1}}}}}
    >>> [n.split(":")[0] for n in variant_notices(lab, key, key)]   # same answer on both data
    ['q1']
    """
    notices = []
    for q in lab.questions:
        if q.compare == MANUAL:  # a model text: graded by hand on any data
            continue
        same = _question_verdict(q, public["answers"][q.id], variant["answers"][q.id]).ok
        if q.data_fixed and not same:
            raise CrmlabInputError(f"{q.id} is marked data=fixed, but the source's answer changes on the hidden "
                                   "data variant: remove data=fixed, or make the answer independent of the data")
        if not q.data_fixed and same:
            notices.append(f"{q.id}: the source's answer is the same on the public data and on the hidden variant, "
                           "so a submission that hard-codes it would pass (mark it data=fixed if the data does "
                           "not matter, or ask about something the variant changes)")
    return notices


def private_dir(out: Path) -> Path:
    """``<out>/.private``: the answer key cache, the variant secret and generated variants.

    Owner-only (0700). The sandbox never shows ``out`` to student code; it is never released.

    Parameters
    ----------
    out
        The grading output folder.

    Returns
    -------
    Path
        The folder, created when missing.

    Examples
    --------
    >>> import tempfile
    >>> private = private_dir(Path(tempfile.mkdtemp()))
    >>> private.name, oct(private.stat().st_mode & 0o777)
    ('.private', '0o700')
    """
    private = out / ".private"
    private.mkdir(parents=True, exist_ok=True)
    os.chmod(private, 0o700)
    return private


def _run_batch(todo: list[Submission], lab: Lab, nb: Any, expected: dict[str, Any], out: Path, limits: Limits,
               jobs: int, sandbox: bool, progress: bool, variant: Path | None = None, lang: str | None = None) -> None:
    if not todo:
        return
    pending: queue.Queue[Submission] = queue.Queue()
    for sub in todo:
        pending.put(sub)
    bar = Progress(len(todo)) if progress else None
    preload = preload_modules(nb)

    def work(index: int) -> None:
        worker = None
        while True:
            try:
                sub = pending.get_nowait()
            except queue.Empty:
                break
            try:
                if worker is None or not worker.alive:
                    if worker is not None:
                        worker.close()
                    worker = Worker(preload, limits, sandbox=sandbox, index=index, variant=variant)
                result = grade_submission(worker, lab, nb, expected, sub, limits, lang)
            except Exception as exc:  # noqa: BLE001 - one failure never stops the batch
                result = {"student": sub.student, "lms_id": sub.lms_id, "submission": str(sub.path),
                          "status": "runner failure", "reason": f"{type(exc).__name__}: {exc}", "cell_errors": [],
                          "output": "", "seconds": None, "submission_sha256": None, "source_key": expected["key"],
                          "questions": {q.id: {"points": 0.0, "max": q.points, "ok": False,
                                               "message": t("grade.could_not_run", lang)}
                                        for q in lab.questions}}
            atomic_write(_result_path(out, sub.student), json.dumps(result, ensure_ascii=False, indent=1))
            if bar:
                bar.step(result["status"] in ("ok",))
        if worker is not None:
            worker.close()

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(max(1, min(jobs, len(todo))))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


# -- policy: late penalty and overrides -----------------------------------------------------------

_parse_time = parse_time  # the CLI's name for it


def late_days(submitted: str | datetime, deadline: str | datetime) -> int:
    """Started days after the deadline (0 when on time; one minute late counts as 1 day).

    Parameters
    ----------
    submitted, deadline
        Times as :class:`~datetime.datetime` or ISO text.

    Returns
    -------
    int
        The number of started days late.

    Examples
    --------
    >>> late_days("2026-03-02T00:00", "2026-03-01T23:59"), late_days("2026-03-01", "2026-03-01T23:59")
    (1, 0)
    """
    delta = _parse_time(submitted, "submission time") - _parse_time(deadline, "deadline")
    seconds = delta.total_seconds()
    return 0 if seconds <= 0 else math.ceil(seconds / 86400)


def read_overrides(path: str | Path, lab: Lab) -> list[dict[str, Any]]:
    """Manual points: CSV ``student,question,points[,comment]``; points replace the grader's.

    Parameters
    ----------
    path
        The CSV file (UTF-8, with or without BOM).
    lab
        The parsed source notebook: questions and their maximum points are checked.

    Returns
    -------
    list of dict
        One entry per line: ``student``, ``question``, ``points`` and ``comment``.

    Examples
    --------
    >>> import tempfile
    >>> from crmlab.grader.authoring import parse_lab
    >>> lab = parse_lab({"cells": [{"cell_type": "code", "metadata": {},
    ...     "source": "# QUESTION q2 points=3 answer=b compare=number\\nb = 1"}]})
    >>> path = Path(tempfile.mkdtemp()) / "overrides.csv"
    >>> _ = path.write_text("student,question,points,comment\\nbo,q2,1.5,right idea\\n")
    >>> read_overrides(path, lab)
    [{'student': 'bo', 'question': 'q2', 'points': 1.5, 'comment': 'right idea'}]
    """
    rows = []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"student", "question", "points"} - set(reader.fieldnames or [])
        if missing:
            raise CrmlabInputError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        maxima = {q.id: q.points for q in lab.questions}
        for number, row in enumerate(reader, start=2):
            where = f"{path}, line {number}"
            qid = row["question"].strip()
            if qid not in maxima:
                raise CrmlabInputError(f"{where}: unknown question {qid!r} (known: {', '.join(maxima)})")
            try:
                points = float(row["points"])
            except ValueError:
                raise CrmlabInputError(f"{where}: points {row['points']!r} is not a number") from None
            if not 0 <= points <= maxima[qid]:
                raise CrmlabInputError(f"{where}: {points:g} points is outside 0–{maxima[qid]:g} for {qid}")
            rows.append({"student": row["student"].strip(), "question": qid, "points": points,
                         "comment": (row.get("comment") or "").strip()})
    return rows


def _late(result: dict[str, Any], policy: Policy) -> tuple[int, bool]:
    """(started days late, whether only the LMS's late tag says so)."""
    if policy.deadline is None:
        return 0, False
    key = result["student"]
    submitted = policy.submission_times.get(key)
    if submitted is None and policy.times_from_files and result.get("mtime"):
        submitted = parse_time(result["mtime"], "file time")
    if submitted is not None:
        return late_days(submitted, policy.deadline), False
    return (1, True) if key in policy.late_tags else (0, False)


def gradebook_rows(results: list[dict[str, Any]], lab: Lab, policy: Policy, overrides: list[dict[str, Any]],
                   manual: dict[str, dict[str, dict[str, Any]]] | None = None,
                   lang: str | None = None) -> list[dict[str, Any]]:
    """One row per student: per-question points (after hand grading and overrides), late penalty, total, status.

    Parameters
    ----------
    results
        The graded results (one dict per student, as :func:`grade_submission` returns).
    lab
        The parsed source notebook.
    policy
        The late-penalty policy.
    overrides
        Manual points (:func:`read_overrides`); they replace the grader's.
    manual
        Hand-graded scores: student → question → ``points`` and ``comment``.
    lang
        Language of the notes.

    Returns
    -------
    list of dict
        Sorted by student: the question points, ``raw_total``, ``late_days``, ``total`` (after
        the penalty), ``max``, ``status``, ``notes``, ``errors`` and the student's names.

    Examples
    --------
    >>> from crmlab.grader.authoring import parse_lab
    >>> lab = parse_lab({"cells": [{"cell_type": "code", "metadata": {},
    ...     "source": "# QUESTION q1 points=5 answer=a compare=number\\na = 1"}]})
    >>> result = {"student": "bo", "status": "ok", "questions": {"q1": {"points": 4.0, "ok": False,
    ...                                                               "message": "almost"}}}
    >>> policy = Policy(deadline=datetime(2026, 3, 1, 23, 59),
    ...                 submission_times={"bo": datetime(2026, 3, 3, 9, 0)})   # 2 days late
    >>> row = gradebook_rows([result], lab, policy, [])[0]
    >>> row["raw_total"], row["late_days"], row["total"]    # 4 × (1 − 2 × 10 %)
    (4.0, 2, 3.2)
    """
    rows = []
    manual = manual or {}
    by_student = {(o["student"], o["question"]): o for o in overrides}
    unknown = {o["student"] for o in overrides} - {r["student"] for r in results}
    if unknown:
        print(f"warning: overrides for students without a submission: {', '.join(sorted(unknown))}", file=sys.stderr)
    for result in sorted(results, key=lambda r: r["student"]):
        key = result["student"]
        row: dict[str, Any] = {"student": key, "name": result.get("name", ""), "number": result.get("number", "")}
        notes, overridden = list(result.get("notes") or []), {}  # e.g. a notebook released for someone else
        rlang = result.get("language") or lang  # the student's release's language
        for q in lab.questions:
            points = float(result["questions"].get(q.id, {}).get("points", 0.0))
            if q.compare == MANUAL and q.id in manual.get(key, {}):
                points = float(manual[key][q.id]["points"])
                if manual[key][q.id]["comment"]:
                    notes.append(t("grade.manual_note", rlang, question=q.id, comment=manual[key][q.id]["comment"]))
            override = by_student.get((key, q.id))
            if override:
                points = override["points"]
                message = "grade.overridden_comment" if override["comment"] else "grade.overridden"
                overridden[q.id] = t(message, rlang, question=q.id, points=points, comment=override["comment"])
                notes.append(overridden[q.id])
            row[q.id] = points
        raw = round(sum(row[q.id] for q in lab.questions), 4)
        days, tag_only = _late(result, policy)
        factor = 1.0
        if days:
            factor = 0.0 if policy.zero_after_days is not None and days >= policy.zero_after_days else \
                max(0.0, 1.0 - days * policy.penalty_per_day)
            notes.append(t("grade.late_tag" if tag_only else "grade.late", rlang, days=days, percent=100 * (1 - factor)))
        errors = [m["message"] for qid, m in result["questions"].items() if not m.get("ok") and not m.get("manual")
                  and qid not in overridden]
        row.update(raw_total=raw, late_days=days, total=round(raw * factor, 2), max=lab.total_points,
                   status=result["status"], notes="; ".join(notes),
                   errors=shorten(" | ".join(dict.fromkeys(errors)), 500), lms_id=result.get("lms_id", ""),
                   overridden=overridden)
        rows.append(row)
    return rows


# -- outputs --------------------------------------------------------------------------------------

def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, ending with "…".

    Parameters
    ----------
    text
        Any text.
    limit
        The most characters the result may have.

    Returns
    -------
    str
        ``text`` itself when short enough.

    Examples
    --------
    >>> shorten("the value is not correct", 16)
    'the value is …'
    """
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space + 1] if space > limit // 2 else cut) + "…"


def write_outputs(out: Path, rows: list[dict[str, Any]], results: list[dict[str, Any]], lab: Lab, lab_name: str,
                  lang: str | None = None) -> None:
    """gradebook.csv, canvas.csv, moodle.csv and one feedback file per student (Markdown + HTML).

    Parameters
    ----------
    out
        The grading output folder.
    rows
        The gradebook rows (:func:`gradebook_rows`).
    results
        The graded results, for the feedback files.
    lab
        The parsed source notebook.
    lab_name
        The lab's name, in the LMS files and the feedback title.
    lang
        Language of the feedback.

    Examples
    --------
    >>> import tempfile
    >>> from crmlab.grader.authoring import parse_lab
    >>> lab = parse_lab({"cells": [{"cell_type": "code", "metadata": {},
    ...     "source": "# QUESTION q1 points=5 answer=a compare=number\\na = 1"}]})
    >>> results = [{"student": "bo", "status": "ok",
    ...             "questions": {"q1": {"points": 5.0, "ok": True, "message": "correct"}}}]
    >>> out = Path(tempfile.mkdtemp())
    >>> write_outputs(out, gradebook_rows(results, lab, Policy(), []), results, lab, "lab01")
    >>> sorted(p.relative_to(out).as_posix() for p in out.rglob("*.*"))
    ['canvas.csv', 'feedback/bo.html', 'feedback/bo.md', 'gradebook.csv', 'moodle.csv']
    """
    qids = [q.id for q in lab.questions]
    header = ["student", "name", "number", *qids, "raw_total", "late_days", "total", "max", "status", "notes",
              "errors"]
    atomic_write(out / "gradebook.csv", csv_text(header, [[r[h] for h in header] for r in rows]))
    # Canvas gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, then the assignment.
    canvas = [[r["name"] or r["student"], r["lms_id"], "", "", "", r["total"]] for r in rows]  # Canvas matches on ID
    atomic_write(out / "canvas.csv", csv_text(["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                                                lab_name], canvas))
    # Moodle "upload grading worksheet": Identifier (Participant <id>), Full name, Grade, Maximum Grade, Feedback.
    moodle = [[f"Participant {r['lms_id']}" if r["lms_id"] else r["student"], r["name"] or r["student"], r["total"],
               r["max"], r["notes"]] for r in rows]
    atomic_write(out / "moodle.csv", csv_text(["Identifier", "Full name", "Grade", "Maximum Grade",
                                                "Feedback comments"], moodle))
    by_student = {r["student"]: r for r in results}
    manual = load_merged(out)
    for row in rows:
        result = by_student[row["student"]]
        markdown = feedback_markdown(result, row, lab, lab_name, lang=result.get("language") or lang,
                                     manual=manual.get(row["student"], {}))
        atomic_write(out / "feedback" / f"{safe_name(row['student'])}.md", markdown)
        atomic_write(out / "feedback" / f"{safe_name(row['student'])}.html", _markdown_to_html(markdown, lab_name))


def _verdict_text(q: Any, info: dict[str, Any], row: dict[str, Any], manual: dict[str, dict[str, Any]],
                  lang: str | None) -> str:
    if q.id in row.get("overridden", {}):
        return row["overridden"][q.id]
    if info.get("manual"):
        given = manual.get(q.id)
        if given is None:
            return t("grade.manual_pending", lang)
        return t("grade.manual_comment", lang, comment=given["comment"]) if given["comment"] else \
            t("grade.manual_scored", lang)
    if info.get("ok"):
        return t("grade.correct", lang)
    return t("grade.wrong", lang, message=str(info.get("message", "")))


def feedback_markdown(result: dict[str, Any], row: dict[str, Any], lab: Lab, lab_name: str, *,
                      lang: str | None = None, manual: dict[str, dict[str, Any]] | None = None) -> str:
    """What a student reads: score, each question's verdict, the notes, their own errors.

    Parameters
    ----------
    result
        The student's graded result.
    row
        The student's gradebook row (:func:`gradebook_rows`).
    lab
        The parsed source notebook.
    lab_name
        The lab's name, in the title.
    lang
        Language of the texts.
    manual
        The student's hand-graded scores: question → ``points`` and ``comment``.

    Returns
    -------
    str
        The feedback in Markdown (a title, the score, one table row per question).

    Examples
    --------
    >>> from crmlab.grader.authoring import parse_lab
    >>> lab = parse_lab({"cells": [{"cell_type": "code", "metadata": {},
    ...     "source": "# QUESTION q1 points=5 answer=a compare=number\\na = 1"}]})
    >>> result = {"student": "bo", "status": "ok",
    ...           "questions": {"q1": {"points": 5.0, "ok": True, "message": "correct"}}}
    >>> text = feedback_markdown(result, gradebook_rows([result], lab, Policy(), [])[0], lab, "lab01")
    >>> "5 / 5" in text, "| q1 | 5 / 5 |" in text
    (True, True)
    """
    name = f"grade.status_name.{row['status']}"
    shown = t(name, lang) if name in MESSAGES else row["status"]
    status = f" ({t('grade.status', lang, status=shown)})" if row["status"] != "ok" else ""
    lines = ["# " + t("grade.feedback_title", lang, lab=lab_name, student=row.get("name") or row["student"]), "",
             "**" + t("grade.score", lang, total=row["total"], max=row["max"]) + "**" + status, ""]
    if result.get("reason"):
        stopped = result.get("stopped_cell")
        where = t("grade.stopped_in_cell", lang, cell=stopped["cell"], start=stopped["start"]) if stopped else ""
        reason = str(result["reason"]).rstrip("。.")
        lines += ["> " + t("grade.reason_line" if where else "grade.reason_only", lang, reason=reason, where=where), ""]
    lines += [t("grade.table_header", lang), "|---|---|---|"]
    for q in lab.questions:
        text = _verdict_text(q, result["questions"].get(q.id, {}), row, manual or {}, lang)
        lines.append(f"| {q.id} | {row[q.id]:g} / {q.points:g} | {text.replace('|', '/')} |")
    if row["notes"]:
        lines += ["", t("grade.notes", lang, notes=row["notes"])]
    if result.get("cell_errors"):
        lines += ["", t("grade.errors_heading", lang), ""] + [f"- {e}" for e in result["cell_errors"][:20]]
    return "\n".join(lines) + "\n"


def _markdown_to_html(markdown: str, title: str) -> str:
    body = []
    in_table = False
    for line in markdown.split("\n"):
        if line.startswith("|") and not line.startswith("|---"):
            cells = [html.escape(c.strip()) for c in line.strip("|").split("|")]
            tag = "th" if not in_table else "td"
            if not in_table:
                body.append("<table>")
                in_table = True
            body.append("<tr>" + "".join(f"<{tag}>{c}</{tag}>" for c in cells) + "</tr>")
            continue
        if line.startswith("|---"):
            continue
        if in_table:
            body.append("</table>")
            in_table = False
        text = html.escape(line)
        text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
        if line.startswith("# "):
            body.append(f"<h1>{text[2:]}</h1>")
        elif line.startswith("## "):
            body.append(f"<h2>{text[3:]}</h2>")
        elif line.startswith("&gt; "):
            body.append(f"<blockquote>{text[5:]}</blockquote>")
        elif line.startswith("- "):
            body.append(f"<li>{text[2:]}</li>")
        elif line:
            body.append(f"<p>{text}</p>")
    if in_table:
        body.append("</table>")
    return (f"<!doctype html>\n<html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            "<style>body{font-family:sans-serif;max-width:50em}td,th{border:1px solid #ccc;padding:4px}"
            "table{border-collapse:collapse}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


