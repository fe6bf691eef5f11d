"""Autograde a folder of submissions: gradebook, LMS exports, feedback, late penalty, overrides.

``crmlab grade SOURCE.ipynb SUBMISSIONS/ --out grades/`` runs the instructor's source once
(cached in ``grades/.private/expected.json``, owner-only and never visible to student code; with
``--variant-seed`` on a hidden variant of the datasets), then every submission in a sandboxed runner
(:mod:`crmlab.grader.sandbox`), compares the exported answers in this process with
:mod:`crmlab.grader.compare`, and writes, atomically and as each submission finishes,
``grades/results/<student>.json``. A rerun skips students whose result matches the same
submission and source, unless ``force``. At the end it writes ``gradebook.csv``, ``canvas.csv``,
``moodle.csv`` and ``feedback/<student>.md`` / ``.html``.

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
from crmlab.grader.compare import Verdict, compare, compare_function
from crmlab.grader.jobs import (answers_from_events, atomic_write, cell_errors, compute_expected, load_source,
                                notebook_cells, preload_modules, question_payload, sha256_file)
from crmlab.grader.sandbox import NO_SANDBOX_NOTICE, Limits, Worker, close_all_workers, require_sandbox, visible_to_jobs

MAX_NOTEBOOK_BYTES = 20 * 2**20
_CANVAS_NAME = re.compile(r"^(?P<name>[a-z0-9]+?)(?:_(?P<late>late))?_(?P<id>\d+)_\d+_.*\.ipynb$", re.I)
_MOODLE_DIR = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_file_?$")


@dataclass
class Submission:
    """One student's notebook; ``lms_id`` is the LMS user id when the file name carries one."""

    student: str
    path: Path
    lms_id: str = ""


@dataclass
class Policy:
    """Late-penalty policy: ``penalty_per_day`` of the total per started day late (course choice:
    10 %), zero from ``zero_after_days`` days late on (None: never)."""

    deadline: datetime | None = None
    penalty_per_day: float = 0.10
    zero_after_days: int | None = None
    submission_times: dict[str, datetime] = field(default_factory=dict)


def safe_name(student: str) -> str:
    """A file-name-safe version of a student name (for results and feedback files)."""
    cleaned = re.sub(r"[^\w.-]+", "_", student, flags=re.UNICODE).strip("._")
    return cleaned or "student"


def discover_submissions(folder: str | Path) -> list[Submission]:
    """Find submissions: ``<student>.ipynb`` files, Canvas downloads or Moodle folders.

    - ``alice.ipynb`` → student ``alice``;
    - Canvas ``smithjane_late_12345_67890_lab01.ipynb`` → ``smithjane`` (id 12345);
    - Moodle ``Jane Smith_12345_assignsubmission_file_/lab01.ipynb`` → ``Jane Smith`` (id 12345);
    - any other sub-folder holding one notebook → the folder's name.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise CrmlabInputError(f"submissions folder {folder} does not exist")
    found: dict[str, Submission] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_file() and path.suffix == ".ipynb":
            match = _CANVAS_NAME.match(path.name)
            sub = Submission(match["name"], path, match["id"]) if match else Submission(path.stem, path)
        elif path.is_dir():
            notebooks = sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
            if not notebooks:
                continue
            match = _MOODLE_DIR.match(path.name)
            sub = Submission(match["name"], notebooks[0], match["id"]) if match else Submission(path.name, notebooks[0])
        else:
            continue
        if sub.student in found:
            raise CrmlabInputError(f"two submissions for {sub.student!r}: {found[sub.student].path.name} and {path.name}")
        found[sub.student] = sub
    return list(found.values())


# -- one submission -------------------------------------------------------------------------------

def read_submission(path: Path) -> tuple[list[dict[str, Any]] | None, str | None]:
    """The code cells of a submitted notebook, or (None, reason) when it cannot be read."""
    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            return None, f"the notebook file is {size / 2**20:.0f} MB (limit {MAX_NOTEBOOK_BYTES // 2**20} MB)"
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        return None, f"not a valid notebook file (JSON error: {str(exc)[:200]})"
    except OSError as exc:
        return None, f"cannot read the file ({exc.strerror})"
    if not isinstance(data, dict):
        return None, "not a valid notebook file (no notebook object)"
    if data.get("nbformat") != 4:
        try:
            import nbformat

            data = nbformat.reads(json.dumps(data), as_version=4)
        except Exception as exc:  # noqa: BLE001
            return None, f"not a readable notebook ({type(exc).__name__})"
    cells = data.get("cells")
    if not isinstance(cells, list):
        return None, "not a valid notebook file (no list of cells)"
    clean = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(s, str) for s in source):
            source = "".join(source)
        if not isinstance(source, str):
            return None, "not a valid notebook file (a cell's source is not text)"
        meta = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        clean.append({"cell_type": "code", "source": source, "metadata": meta})
    return notebook_cells({"cells": clean}), None


def _question_verdict(question: Any, expected: dict[str, Any], got: dict[str, Any]) -> Verdict:
    if question.compare == "function":
        event = got.get(question.answer[0])
        if event is None or "error" in event or not isinstance(event.get("calls"), list):
            return Verdict(False, [event.get("error", "no answer") if event else "no answer"], 0.0)
        return compare_function(question.returns, question.options, expected[question.answer[0]]["calls"],
                                event["calls"])
    verdicts = []
    for name in question.answer:
        event = got.get(name)
        if event is None:
            verdicts.append(Verdict(False, [f"`{name}` was not computed"]))
        elif "error" in event:
            verdicts.append(Verdict(False, [str(event["error"])]))
        else:
            try:
                verdicts.append(compare(question.compare, question.options, expected[name]["value"], event.get("value")))
            except (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError):
                verdicts.append(Verdict(False, ["the answer could not be read"]))
    if len(verdicts) == 1:
        return verdicts[0]
    problems = [f"`{n}`: {v.message}" for n, v in zip(question.answer, verdicts, strict=True) if not v.ok]
    return Verdict(all(v.ok for v in verdicts), problems, sum(v.ok for v in verdicts) / len(verdicts))


def _stop_reason(reply: dict[str, Any], limits: Limits) -> tuple[str, str | None]:
    if reply.get("failure"):
        return "runner failure", str(reply["failure"])
    if reply.get("timed_out"):
        return "timeout", f"the notebook ran longer than {limits.notebook_timeout:g} s and was stopped"
    code = reply.get("exit")
    done = any(e.get("done") for e in reply.get("events", []))
    if code not in (0, None) or not done:
        if isinstance(code, int) and code < 0:
            how = f"was killed by signal {-code}" + (" (memory limit?)" if -code in (9, 6, 11) else "")
        else:
            how = f"exited early (exit code {code}: os._exit or a crash)"
        return "crashed", f"the notebook's process {how}"
    return "ok", None


def score_reply(lab: Lab, expected: dict[str, Any], reply: dict[str, Any], limits: Limits) -> dict[str, Any]:
    """Per-question points and reasons from a runner reply (all comparison happens here)."""
    status, reason = _stop_reason(reply, limits)
    answers = answers_from_events(reply.get("events", []), lab)
    errors = cell_errors(reply.get("events", []))
    questions = {}
    for q in lab.questions:
        got = answers[q.id]
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


def grade_submission(worker: Worker | None, lab: Lab, nb: Any, expected: dict[str, Any], sub: Submission,
                     limits: Limits) -> dict[str, Any]:
    """Grade one submission with a running worker; never raises for a bad submission."""
    cells, problem = read_submission(sub.path)
    if cells is None:
        result = {"status": "invalid notebook", "reason": problem, "cell_errors": [], "output": "", "seconds": 0.0,
                  "questions": {q.id: {"points": 0.0, "max": q.points, "ok": False, "message": problem}
                                for q in lab.questions}}
    else:
        reply = worker.run(safe_name(sub.student), cells, question_payload(lab, nb))
        result = score_reply(lab, expected, reply, limits)
    result.update(student=sub.student, lms_id=sub.lms_id, submission=str(sub.path),
                  submission_sha256=sha256_file(sub.path), source_key=expected["key"],
                  mtime=datetime.fromtimestamp(sub.path.stat().st_mtime).isoformat(timespec="seconds"))
    return result


# -- batch ----------------------------------------------------------------------------------------

class Progress:
    """A plain-text progress bar on stderr (one line redrawn on a terminal, else every 10 %)."""

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
          progress: bool = True, variant_seed: str | None = None) -> list[dict[str, Any]]:
    """Grade every submission and write all outputs; returns the gradebook rows.

    Parameters
    ----------
    source : path
        The instructor's source notebook (with solutions).
    submissions : path
        Folder of ``<student>.ipynb`` files (or a Canvas/Moodle download).
    out : path
        Output folder (created).
    jobs : int, optional
        Submissions graded at once (default: the number of CPU cores).
    force : bool
        Regrade submissions that already have a current result.
    student : str, optional
        Grade only this student (always regraded); the gradebook still lists everyone graded.
    sandbox : bool
        Run submissions in bubblewrap (default). When it is missing this raises
        :class:`~crmlab.grader.sandbox.SandboxUnavailable` (fail closed); ``False`` runs them
        unisolated and says so in ``gradebook.meta.json``.
    variant_seed : str, optional
        A secret: the source and every submission run on a hidden variant of the course
        datasets generated from it (see :mod:`crmlab.grader.variants`). Default: the secret in
        ``<out>/.private/variant-seed`` when that file exists.
    """
    source, out = Path(source), Path(out)
    limits = limits or Limits()
    policy = policy or Policy()
    out.mkdir(parents=True, exist_ok=True)
    nb, lab = load_source(source)
    subs = discover_submissions(submissions)
    if student is not None:
        subs = [s for s in subs if s.student == student]
        if not subs:
            raise CrmlabInputError(f"no submission from {student!r} in {submissions}")
    override_rows = read_overrides(overrides, lab) if overrides else []
    bwrap = _check_sandbox(sandbox, [out, source, Path(submissions)])
    private = private_dir(out)
    variant = _data_variant(variant_seed, private, nb)
    cache = private / "expected.json" if sandbox else None  # unsandboxed jobs could read any file
    notices: list[str] = []
    try:
        expected = compute_expected(source, cache=cache, sandbox=sandbox, variant=variant)
        if variant is not None:
            public = compute_expected(source, cache=private / "expected-public.json" if sandbox else None,
                                      sandbox=sandbox)
            notices = variant_notices(lab, public, expected)
            for notice in notices:
                print(f"warning: {notice}", file=sys.stderr)
        todo = [s for s in subs if force or student is not None or not _is_current(out, s, expected["key"])]
        _run_batch(todo, lab, nb, expected, out, limits, jobs or os.cpu_count() or 1, sandbox, progress, variant)
    finally:
        close_all_workers()  # also on Ctrl-C / SIGTERM: no process or temporary folder stays behind
    results = []
    for path in sorted((out / "results").glob("*.json")):
        try:
            results.append(json.loads(path.read_text(encoding="utf-8")))
        except ValueError:
            continue
    rows = gradebook_rows(results, lab, policy, override_rows)
    write_outputs(out, rows, results, lab, source.stem)
    meta = {"crmlab": __import__("crmlab").__version__, "finished": datetime.now().isoformat(timespec="seconds"),
            "source": source.name, "sandbox": f"bubblewrap ({bwrap})" if bwrap else "OFF (--no-sandbox)",
            "isolated": bool(bwrap), "variant": bool(variant), "variant_notices": notices,
            "graded_this_run": len(todo),
            "in_gradebook": len(rows), "limits": asdict(limits)}
    if not bwrap:
        meta["warning"] = NO_SANDBOX_NOTICE
    atomic_write(out / "gradebook.meta.json", json.dumps(meta, ensure_ascii=False, indent=1) + "\n")
    return rows


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


def _data_variant(secret: str | None, private: Path, nb: Any) -> Path | None:
    """The hidden data variant's folder for ``secret`` (or the one in ``.private/variant-seed``)."""
    if secret is None and (private / "variant-seed").is_file():
        secret = (private / "variant-seed").read_text(encoding="utf-8").strip()
    if not secret:
        return None
    from crmlab.grader.variants import make_variant, topics_used

    code = "\n".join(c["source"] for c in notebook_cells(nb))
    return make_variant(secret, private / "variants", topics_used(code))


def variant_notices(lab: Lab, public: dict[str, Any], variant: dict[str, Any]) -> list[str]:
    """Check the source's answers on the public data against the variant.

    A ``data=fixed`` answer that changes is an error in the lab (raised); a ``data=varies``
    answer that stays the same is returned as a notice: a hard-coded answer would pass there.
    """
    notices = []
    for q in lab.questions:
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
    """
    private = out / ".private"
    private.mkdir(parents=True, exist_ok=True)
    os.chmod(private, 0o700)
    return private


def _run_batch(todo: list[Submission], lab: Lab, nb: Any, expected: dict[str, Any], out: Path, limits: Limits,
               jobs: int, sandbox: bool, progress: bool, variant: Path | None = None) -> None:
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
                result = grade_submission(worker, lab, nb, expected, sub, limits)
            except Exception as exc:  # noqa: BLE001 - one failure never stops the batch
                result = {"student": sub.student, "lms_id": sub.lms_id, "submission": str(sub.path),
                          "status": "runner failure", "reason": f"{type(exc).__name__}: {exc}", "cell_errors": [],
                          "output": "", "seconds": None, "submission_sha256": None, "source_key": expected["key"],
                          "questions": {q.id: {"points": 0.0, "max": q.points, "ok": False,
                                               "message": "the grader could not run this submission"}
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

def _parse_time(value: str | datetime, what: str) -> datetime:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise CrmlabInputError(f"{what}: {value!r} is not a date-time like 2026-03-01T23:59") from None


def late_days(submitted: str | datetime, deadline: str | datetime) -> int:
    """Started days after the deadline (0 when on time; one minute late counts as 1 day)."""
    delta = _parse_time(submitted, "submission time") - _parse_time(deadline, "deadline")
    seconds = delta.total_seconds()
    return 0 if seconds <= 0 else math.ceil(seconds / 86400)


def read_submission_times(path: str | Path) -> dict[str, datetime]:
    """A CSV with columns ``student,submitted_at`` (ISO date-times) → student → time."""
    times = {}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"student", "submitted_at"} - set(reader.fieldnames or [])
        if missing:
            raise CrmlabInputError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        for number, row in enumerate(reader, start=2):
            times[row["student"].strip()] = _parse_time(row["submitted_at"], f"{path}, line {number}")
    return times


def read_overrides(path: str | Path, lab: Lab) -> list[dict[str, Any]]:
    """Manual points: CSV ``student,question,points[,comment]``; points replace the grader's."""
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


def gradebook_rows(results: list[dict[str, Any]], lab: Lab, policy: Policy,
                   overrides: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per student: per-question points (after overrides), late penalty, total, status."""
    rows = []
    by_student = {(o["student"], o["question"]): o for o in overrides}
    unknown = {o["student"] for o in overrides} - {r["student"] for r in results}
    if unknown:
        print(f"warning: overrides for students without a submission: {', '.join(sorted(unknown))}", file=sys.stderr)
    for result in sorted(results, key=lambda r: r["student"]):
        row: dict[str, Any] = {"student": result["student"]}
        notes = []
        for q in lab.questions:
            points = float(result["questions"].get(q.id, {}).get("points", 0.0))
            override = by_student.get((result["student"], q.id))
            if override:
                points = override["points"]
                notes.append(f"{q.id} set to {points:g} by the instructor" + (f" ({override['comment']})"
                                                                              if override["comment"] else ""))
            row[q.id] = points
        raw = round(sum(row[q.id] for q in lab.questions), 4)
        days = 0
        if policy.deadline is not None:
            submitted = policy.submission_times.get(result["student"]) or _parse_time(result["mtime"], "file time")
            days = late_days(submitted, policy.deadline)
        factor = 1.0
        if days:
            factor = 0.0 if policy.zero_after_days is not None and days >= policy.zero_after_days else \
                max(0.0, 1.0 - days * policy.penalty_per_day)
            notes.append(f"{days} day(s) late: {100 * (1 - factor):.0f} % deducted")
        errors = [m["message"] for m in result["questions"].values() if not m.get("ok")]
        row.update(raw_total=raw, late_days=days, total=round(raw * factor, 2), max=lab.total_points,
                   status=result["status"], notes="; ".join(notes),
                   errors=shorten(" | ".join(dict.fromkeys(errors)), 500), lms_id=result.get("lms_id", ""))
        rows.append(row)
    return rows


# -- outputs --------------------------------------------------------------------------------------

def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, ending with "…".

    >>> shorten("the value is not correct", 16)
    'the value is …'
    """
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space + 1] if space > limit // 2 else cut) + "…"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe.

    Numbers are left alone (``-1.5`` stays a number).

    >>> print(spreadsheet_safe('=HYPERLINK("http://x")'), spreadsheet_safe(-1.5), spreadsheet_safe("wang"))
    '=HYPERLINK("http://x") -1.5 wang
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_text(header: list[str], rows: list[list[Any]]) -> str:
    """CSV for a spreadsheet: UTF-8 with BOM (Excel on Chinese Windows reads it right), no formulas."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(h) for h in header])
    writer.writerows([[spreadsheet_safe(v) for v in row] for row in rows])
    return buffer.getvalue()


def write_outputs(out: Path, rows: list[dict[str, Any]], results: list[dict[str, Any]], lab: Lab, lab_name: str) -> None:
    """gradebook.csv, canvas.csv, moodle.csv and one feedback file per student (Markdown + HTML)."""
    qids = [q.id for q in lab.questions]
    header = ["student", *qids, "raw_total", "late_days", "total", "max", "status", "notes", "errors"]
    atomic_write(out / "gradebook.csv", _csv_text(header, [[r[h] for h in header] for r in rows]))
    # Canvas gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, then the assignment.
    canvas = [[r["student"], r["lms_id"], "", "", "", r["total"]] for r in rows]
    atomic_write(out / "canvas.csv", _csv_text(["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                                                lab_name], canvas))
    # Moodle "upload grading worksheet": Identifier (Participant <id>), Full name, Grade, Maximum Grade, Feedback.
    moodle = [[f"Participant {r['lms_id']}" if r["lms_id"] else r["student"], r["student"], r["total"], r["max"],
               r["notes"]] for r in rows]
    atomic_write(out / "moodle.csv", _csv_text(["Identifier", "Full name", "Grade", "Maximum Grade",
                                                "Feedback comments"], moodle))
    by_student = {r["student"]: r for r in results}
    for row in rows:
        markdown = feedback_markdown(by_student[row["student"]], row, lab, lab_name)
        atomic_write(out / "feedback" / f"{safe_name(row['student'])}.md", markdown)
        atomic_write(out / "feedback" / f"{safe_name(row['student'])}.html", _markdown_to_html(markdown, lab_name))


def feedback_markdown(result: dict[str, Any], row: dict[str, Any], lab: Lab, lab_name: str) -> str:
    """What a student reads: score, each question's verdict, the notes, their own errors."""
    lines = [f"# {lab_name}: feedback for {row['student']}", "",
             f"**Score: {row['total']:g} / {row['max']:g}**" + (f" (status: {row['status']})" if row["status"] != "ok" else ""),
             ""]
    if result.get("reason"):
        lines += [f"> {result['reason']}", ""]
    lines += ["| question | points | result |", "|---|---|---|"]
    for q in lab.questions:
        info = result["questions"].get(q.id, {})
        mark = "✓ correct" if info.get("ok") else "✗ " + str(info.get("message", "")).replace("|", "/")
        lines.append(f"| {q.id} | {row[q.id]:g} / {q.points:g} | {mark} |")
    if row["notes"]:
        lines += ["", "**Notes:** " + row["notes"]]
    if result.get("cell_errors"):
        lines += ["", "## Errors in your notebook", ""] + [f"- {e}" for e in result["cell_errors"][:20]]
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


