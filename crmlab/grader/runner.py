"""Execute one notebook's code and export the named answers as plain JSON (the runner side).

This module runs *inside* the sandbox (see :mod:`crmlab.grader.sandbox`). A long-lived worker
(``python -m crmlab.grader.runner``) imports pandas, numpy, matplotlib and the lab's modules
once, then serves jobs: each request is a message on a Unix socket carrying the job's settings
and three descriptors (the write ends of an events pipe and an output pipe, and a memory file
holding the cells). Every job runs in a **forked child** (a fresh copy of the clean worker, so it
starts in ~10 ms instead of a kernel's ~0.8 s) that reads its cells, drops privileges (to a
per-worker unprivileged user when started as root), sets resource limits, runs the cells with
IPython (magics work), and writes its answers as JSON lines on the events pipe. The worker never
reads the cells, the answers or the output (only the grader holds the pipes' read ends), so the
next job, forked from the same worker, inherits nothing of any earlier one. The worker waits for
the child with a hard time limit, kills whatever it left behind, wipes the private temporary
folders, and answers with one JSON line: exit code, time, whether it timed out.

Nothing here decides a grade: events are plain data (never pickle), and the grader compares them
in its own process. Student code can write to the pipe too, but forging an answer requires
knowing the answer, which never enters the sandbox; it cannot delete or rewrite what was sent.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import select
import signal
import sys
import time
from typing import Any

_MAX_EVENT_TEXT = 2000
_dumps = json.dumps  # bound before any student code runs (a job may patch json.dumps)


class CellTimeout(BaseException):
    """Raised in a cell that ran past the per-cell time limit."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise CellTimeout("the cell ran longer than the time limit")


class _Events:
    """JSON-lines writer on the pipe to the worker (opened before student code runs)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def write(self, **event: Any) -> None:
        try:
            line = _dumps(event, ensure_ascii=False, allow_nan=False) + "\n"
        except (TypeError, ValueError) as exc:
            line = _dumps({"q": event.get("q"), "var": event.get("var"),
                               "error": _en("grade.unwritable", error=exc)}) + "\n"
        data = line.encode()
        try:
            while data:
                data = data[os.write(self.fd, data):]
        except OSError:
            pass  # the worker stopped reading (size cap): the grader reports the missing events


_SHELL: list[Any] = []


def _shell() -> Any:
    """The IPython shell that runs cells (created once in the worker, inherited by each child)."""
    if _SHELL:
        return _SHELL[0]
    from IPython.core.interactiveshell import InteractiveShell

    class GradingShell(InteractiveShell):
        def enable_gui(self, gui: Any = None) -> None:  # %matplotlib inline without a kernel
            return None

        def enable_matplotlib(self, gui: Any = None) -> tuple[str, str]:
            import matplotlib

            matplotlib.use("Agg")
            return "agg", "agg"

    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False  # no history database in the job folder
    shell = GradingShell.instance(config=config, colors="NoColor")
    shell.run_line_magic("xmode", "Plain")
    _SHELL.append(shell)
    return shell


def _en(key: str, **fields: Any) -> str:
    """A catalogue message in English: the grader renders it in the submission's language
    (:func:`crmlab.i18n.retranslate`)."""
    from crmlab.i18n import t

    return t(key, "en", **fields)


def _short(text: str) -> str:
    text = str(text)
    return text if len(text) <= _MAX_EVENT_TEXT else text[:_MAX_EVENT_TEXT] + " …"


def _error_text(exc: BaseException) -> str:
    return _short(f"{type(exc).__name__}: {exc}")


def _limit_time(seconds: float) -> None:
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)


def _export(events: _Events, shell: Any, question: dict[str, Any], cell_timeout: float) -> bool:
    """Export one question's answers; False when a variable is not defined (yet)."""
    from crmlab.grader.plain import UnsupportedAnswer, to_plain

    names = question["answer"]
    namespace = shell.user_ns
    if any(name not in namespace for name in names):
        return False
    if question["compare"] == "function":
        _export_function(events, shell, question, cell_timeout)
        return True
    for name in names:
        try:
            _limit_time(cell_timeout)
            value = to_plain(namespace[name])
            signal.setitimer(signal.ITIMER_REAL, 0)
            events.write(q=question["id"], var=name, value=value)
        except UnsupportedAnswer as exc:
            events.write(q=question["id"], var=name, error=_short(str(exc)))
        except BaseException as exc:  # noqa: BLE001 - hostile objects raise anything
            signal.setitimer(signal.ITIMER_REAL, 0)
            events.write(q=question["id"], var=name, error=_en("grade.answer_unreadable", error=_error_text(exc)))
    return True


def _export_function(events: _Events, shell: Any, question: dict[str, Any], cell_timeout: float) -> None:
    name = question["answer"][0]
    func = shell.user_ns[name]
    if not callable(func):
        events.write(q=question["id"], var=name, error=_en("grade.not_a_function", name=name))
        return
    record: dict[str, Any] = {}
    for key, variable, code in (("calls", "cases", question["hidden"]), ("examples", "examples",
                                                                       question.get("examples"))):
        if code is None:
            continue
        scope: dict[str, Any] = {}
        try:
            exec(code, scope)  # the instructor's hidden-inputs / public-examples cell (plain data)
            cases = list(scope[variable])
        except BaseException as exc:  # noqa: BLE001
            events.write(q=question["id"], var=name, error=_en("grade.cases_not_built", variable=variable,
                                                               error=_error_text(exc)))
            return
        record[key] = _call_cases(func, cases, cell_timeout)
    events.write(q=question["id"], var=name, **record)


def _call_cases(func: Any, cases: list[Any], cell_timeout: float) -> list[dict[str, Any]]:
    """Call ``func`` once per ``(args, kwargs)`` case: each return value as plain data, or why not."""
    import copy

    from crmlab.grader.plain import UnsupportedAnswer, to_plain

    calls = []
    for args, kwargs in cases:
        try:
            _limit_time(cell_timeout)
            result = func(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        except CellTimeout:
            calls.append({"error": _en("grade.call_timeout")})
            continue
        except BaseException as exc:  # noqa: BLE001
            calls.append({"error": _en("selfcheck.raised", error=_error_text(exc))})
            continue
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        try:
            _limit_time(cell_timeout)
            calls.append({"value": to_plain(result)})
        except UnsupportedAnswer as exc:
            calls.append({"error": _en("selfcheck.cannot_grade", error=_short(str(exc)))})
        except BaseException as exc:  # noqa: BLE001 - hostile return values raise anything
            calls.append({"error": _en("grade.return_unreadable", error=_error_text(exc))})
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    return calls


def run_cells(job: dict[str, Any], cells: list[dict[str, Any]], events: _Events) -> None:
    """Run the job's cells in order, exporting each question's answers right after its cell."""
    questions = {q["id"]: q for q in job["questions"]}
    exported: set[str] = set()
    failed: dict[str, str] = {}
    shell = _shell()
    timeout = float(job["cell_timeout"])
    for number, cell in enumerate(cells):
        events.write(cell=number, started=True)
        started = time.perf_counter()
        try:
            _limit_time(timeout)
            result = shell.run_cell(cell["source"], store_history=False, silent=False)
            signal.setitimer(signal.ITIMER_REAL, 0)
            error = result.error_in_exec or result.error_before_exec
        except BaseException as exc:  # noqa: BLE001 - a timeout can land outside run_cell's guard
            signal.setitimer(signal.ITIMER_REAL, 0)
            error = exc
        events.write(cell=number, seconds=round(time.perf_counter() - started, 4),
                     error=None if error is None else _error_text(error))
        qid = cell.get("question")
        if qid in questions and error is not None:
            failed[qid] = _error_text(error)
        if qid in questions and qid not in exported and _export(events, shell, questions[qid], timeout):
            exported.add(qid)
    for qid, question in questions.items():
        if qid not in exported and not _export(events, shell, question, timeout):
            missing = [n for n in question["answer"] if n not in shell.user_ns]
            why = _en("grade.cell_raised", error=failed[qid]) if qid in failed else ""
            events.write(q=qid, var=missing[0], error=_en("grade.undefined", name=missing[0], why=why))
    events.write(done=True)


# -- the forked child ------------------------------------------------------------------------

def _drop_privileges(uid: int | None) -> None:
    """Switch to an unprivileged user when started as root inside the sandbox (None: stay)."""
    if uid is not None and os.getuid() == 0:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)


def _set_limits(job: dict[str, Any]) -> None:
    def cap(which: int, value: int) -> None:
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass

    cap(resource.RLIMIT_CORE, 0)
    cap(resource.RLIMIT_FSIZE, int(job["output_bytes"]))
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[0])
    cap(resource.RLIMIT_AS, pages * resource.getpagesize() + int(job["memory_mb"]) * 2**20)
    cap(resource.RLIMIT_NPROC, int(job["nproc"]))


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _child(job: dict[str, Any], private_fds: list[int], fds: JobFds) -> None:
    """Runs in the forked child: never returns."""
    code = 0
    try:
        os.setsid()
        for fd in private_fds:
            os.close(fd)
        cells = json.loads(_read_all(fds.cells).decode("utf-8"))
        os.close(fds.cells)
        os.chdir(job["dir"])
        _drop_privileges(job.get("uid"))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(fds.output, 1)
        os.dup2(fds.output, 2)
        os.close(fds.output)
        sys.stdout = open(1, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
        events = _Events(fds.events)
        _set_limits(job)
        os.environ["HOME"] = job["dir"]
        os.environ["CRMLAB_GRADING"] = "1"
        sys.path.insert(0, job["dir"])
        run_cells(job, cells, events)
    except BaseException:  # noqa: BLE001
        code = 3
        try:
            import traceback

            os.write(2, ("crmlab runner: " + traceback.format_exc()).encode())
        except BaseException:  # noqa: BLE001
            pass
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001 - a closed or replaced stream
                pass
        os._exit(code)  # skip atexit handlers registered by student code


class JobFds:
    """The three descriptors the grader sends with a job: events and output pipes (write ends,
    read by the grader only) and a memory file holding the job's cells (read by the child only)."""

    def __init__(self, fds: list[int]) -> None:
        if len(fds) != 3:
            raise ValueError(f"a job needs 3 file descriptors, got {len(fds)}")
        self.events, self.output, self.cells = fds

    def close(self) -> None:
        for fd in (self.events, self.output, self.cells):
            try:
                os.close(fd)
            except OSError:
                pass


def _wipe(path: str) -> None:
    import shutil

    for entry in os.listdir(path) if os.path.isdir(path) else []:
        full = os.path.join(path, entry)
        if os.path.isdir(full) and not os.path.islink(full):
            shutil.rmtree(full, ignore_errors=True)
        else:
            try:
                os.unlink(full)
            except OSError:
                pass


def _kill_all(pid: int, private_pid_namespace: bool) -> None:
    for target in ((-1,) if private_pid_namespace else ()) + (-pid,):
        try:
            os.kill(target, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _prepare_dir(job: dict[str, Any]) -> None:
    """Inside the sandbox the job folder lives in the size-limited private /tmp: make it."""
    if os.environ.get("CRMLAB_SANDBOX") == "bwrap":
        os.makedirs(job["dir"], exist_ok=True)
        os.chmod(job["dir"], 0o777)


def run_job(job: dict[str, Any], fds: JobFds, private_fds: list[int]) -> dict[str, Any]:
    """Fork a child for one job and enforce the hard deadline; returns how the child ended.

    This process never reads what the child produces: the answers and the output go through
    pipes whose read ends only the grader holds, and the cells through a memory file that only
    the child reads, so the next job (forked from this same clean process) inherits nothing of
    this one.
    """
    started = time.perf_counter()
    _prepare_dir(job)
    pid = os.fork()
    if pid == 0:
        _child(job, private_fds, fds)
    fds.close()
    pidfd = os.pidfd_open(pid)
    deadline = started + float(job["notebook_timeout"])
    timed_out = False
    while True:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            timed_out = True
            break
        if select.select([pidfd], [], [], remaining)[0]:
            break
    private_ns = os.environ.get("CRMLAB_SANDBOX") == "bwrap"
    _kill_all(pid, private_ns)
    _, status = os.waitpid(pid, 0)
    os.close(pidfd)
    if private_ns:  # reap whatever else died in our namespace, then empty the private folders
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass
        for place in ("/tmp", "/dev/shm"):
            _wipe(place)
    return {"job": job["job"], "seconds": round(time.perf_counter() - started, 4), "timed_out": timed_out,
            "exit": os.waitstatus_to_exitcode(status)}


def _preload(modules: list[str]) -> None:
    import importlib

    os.environ.setdefault("MPLBACKEND", "Agg")
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a lab may import something missing: its cell will say so
            pass
    _shell()
    for stream in (sys.stdout, sys.stderr):  # what importing printed goes to /dev/null, not to a job
        stream.flush()


def _not_dumpable() -> None:
    """Hide this worker's memory and file descriptors from its (same-user) children."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
    except (OSError, AttributeError):
        pass


MAX_REQUEST = 4 * 2**20


def serve(preload: list[str]) -> None:
    """Serve jobs: one request (JSON + 3 descriptors) per message on the socket at fd 0, one JSON
    reply per line on stdout."""
    import socket

    requests = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET, fileno=os.dup(0))
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(null, fd)
    _not_dumpable()
    _preload(preload)
    replies.write(json.dumps({"ready": True, "pid": os.getpid()}) + "\n")
    replies.flush()
    while True:
        data, fds, _, _ = socket.recv_fds(requests, MAX_REQUEST, 3)
        if not data:
            break
        job: dict[str, Any] = {}
        try:
            job = json.loads(data)
            reply = run_job(job, JobFds(fds), [requests.fileno(), replies.fileno(), null])
        except Exception as exc:  # noqa: BLE001 - report, keep serving
            for fd in fds:
                try:
                    os.close(fd)
                except OSError:
                    pass
            reply = {"job": job.get("job"), "exit": None, "timed_out": False, "failure": repr(exc)}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


if __name__ == "__main__":  # pragma: no cover - started by crmlab.grader.sandbox
    serve([m for m in sys.argv[1:] if m])
