"""Start and drive sandboxed runner workers (the grader's side of :mod:`crmlab.grader.runner`).

On Linux with bubblewrap (``bwrap``) each worker runs in its own namespaces: no network, its own
process tree, a read-only view of only the system, the Python installation, the ``crmlab``
package and the datasets (never the instructor's files, the answer key, the gradebook or other
submissions), a size-limited private ``/tmp`` holding the job folder, and the documented
minimal environment :data:`JOB_ENVIRONMENT`. When the grader runs as root, the job's process
additionally switches to an unprivileged user, so the process-count limit applies and nothing
outside the sandbox is writable. Without bubblewrap :func:`require_sandbox` refuses (fail
closed); ``sandbox=False`` runs the workers with resource limits only, for trusted code.

A :class:`Worker` sends each job's cells in a memory file and reads the job's answers and output
itself, from pipes created per job: the worker process, template of every job, never holds them.
:func:`close_all_workers` stops every worker and removes its temporary folder (also on Ctrl-C).

Examples
--------
>>> limits = Limits(cell_timeout=3)
>>> limits.cell_timeout
3
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


JOB_UID_BASE = 61000  # unprivileged user ids for jobs when grading as root (one per worker)

#: The whole environment student code gets (nothing from the teacher's shell). Arrow uses the
#: system allocator: its own (mimalloc) reserves address space in large blocks, which the job's
#: RLIMIT_AS counts, so a student could fail to build a tiny table far below the memory limit.
JOB_ENVIRONMENT = {
    "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TZ": "UTC",
    "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0",
    "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    "ARROW_DEFAULT_MEMORY_POOL": "system",
}
#: Set in the job's environment when the grader runs submissions on a hidden data variant:
#: :func:`crmlab.datasets.data_dir` then reads the tables from this folder.
VARIANT_VARIABLE = "CRMLAB_DATA_VARIANT"


class SandboxUnavailable(RuntimeError):
    """Bubblewrap is missing or does not work here (grading refuses unless told to go unsandboxed)."""


@dataclass
class Limits:
    """Resource limits for one submission (defaults documented in ``exercises/README.md``)."""

    cell_timeout: float = 30.0
    notebook_timeout: float = 300.0
    memory_mb: int = 2048
    output_bytes: int = 10 * 2**20
    nproc: int = 64
    disk_mb: int = 256  # size of the private /tmp holding the job folder (bubblewrap only)


def bwrap_path() -> str | None:
    """The bubblewrap executable when it is installed and works here (with ``--size``), else None."""
    path = shutil.which("bwrap")
    if path is None or sys.platform != "linux":
        return None
    probe = subprocess.run([path, *_namespace_flags(), "--ro-bind", "/", "/", "--size", str(2**20),
                            "--tmpfs", "/tmp", "--die-with-parent", "true"], capture_output=True, check=False)
    return path if probe.returncode == 0 else None


NO_SANDBOX_NOTICE = ("sandbox OFF (--no-sandbox): submissions ran as this user with resource limits only; "
                     "student code could read any file this user can read, including the source notebook")


def require_sandbox() -> str:
    """The bubblewrap path, or :class:`SandboxUnavailable` saying how to fix it."""
    path = bwrap_path()
    if path is None:
        found = shutil.which("bwrap")
        why = ("bubblewrap (bwrap) is not installed" if found is None else
               f"bubblewrap ({found}) does not work here (no user namespaces, or a version without --size)")
        raise SandboxUnavailable(
            f"{why}, so submissions cannot be isolated: student code could read the answer key and "
            "other students' work. Install it (e.g. `apt-get install bubblewrap`) or, only for code "
            "you trust, pass --no-sandbox")
    return path


def _namespace_flags() -> list[str]:
    flags = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    if os.geteuid() != 0:
        flags.insert(0, "--unshare-user")
    return flags


def readable_roots() -> list[str]:
    """Folders the runner needs to read: system, Python, site-packages, crmlab, datasets."""
    import crmlab
    from crmlab.datasets import shipped_data_dir

    roots = {"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc"}
    roots.update({sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))})
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        roots.add(sysconfig.get_paths()[key])
    roots.update(p for p in sys.path if p and os.path.isdir(p) and "site-packages" in p)
    roots.add(str(Path(crmlab.__file__).resolve().parent))
    roots.add(str(shipped_data_dir().resolve()))
    real = sorted({os.path.realpath(r) for r in roots if os.path.exists(r)})
    # keep only the outermost folders (a nested one is covered by its parent)
    return [r for r in real if not any(r != o and r.startswith(o.rstrip("/") + "/") for o in real)]


def visible_to_jobs(path: str | Path) -> bool:
    """True when ``path`` lies in a folder the sandbox shows to student code (read-only)."""
    real = os.path.realpath(path)
    return any(real == r or real.startswith(r.rstrip("/") + "/") for r in readable_roots())


JOB_DIR = "/tmp/job"


def _bwrap_command(bwrap: str, limits: Limits, variant: Path | None, argv: list[str]) -> list[str]:
    from crmlab.datasets import shipped_data_dir

    cmd = [bwrap, *_namespace_flags(), "--die-with-parent", "--new-session", "--clearenv"]
    # Fresh size-limited /tmp (holding the job folder) and /dev/shm first: binds below may live
    # under /tmp (a checkout or venv there) and must be mounted on top of the empty tmpfs.
    size = str(int(limits.disk_mb) * 2**20)
    cmd += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", size, "--tmpfs", "/tmp",
            "--perms", "1777", "--size", str(max(int(limits.disk_mb) // 4, 1) * 2**20), "--tmpfs", "/dev/shm"]
    roots = readable_roots()
    parents = sorted({str(p) for r in roots for p in Path(r).parents if str(p) != "/"}, key=len)
    for parent in parents:  # bwrap would create them owner-only; the job's user must pass through
        cmd += ["--perms", "0755", "--dir", parent]
    for root in roots:
        cmd += ["--ro-bind", root, root]
    if variant is not None:  # the hidden variant replaces the shipped tables, wherever code looks
        shipped = str(shipped_data_dir().resolve())
        cmd += ["--ro-bind", str(variant), shipped, "--ro-bind", str(variant), "/data"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(top):  # merged-/usr systems: /bin -> usr/bin
            cmd += ["--symlink", os.readlink(top), top]
    env = {**JOB_ENVIRONMENT, "CRMLAB_SANDBOX": "bwrap", "HOME": JOB_DIR, "MPLCONFIGDIR": "/tmp"}
    if variant is not None:
        env[VARIANT_VARIABLE] = "/data"
    for key, value in env.items():
        cmd += ["--setenv", key, value]
    cmd += ["--chdir", "/tmp"]
    if os.geteuid() == 0:  # keep just what the worker needs to switch the job to `nobody` and kill it
        cmd += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                "--cap-add", "CAP_KILL", "--cap-add", "CAP_DAC_OVERRIDE", "--cap-add", "CAP_FOWNER"]
    return cmd + ["--", *argv]


_LIVE: set[Worker] = set()
_LIVE_LOCK = threading.Lock()


def close_all_workers() -> None:
    """Stop every running worker and remove its temporary folder (on interrupt too)."""
    with _LIVE_LOCK:
        workers = list(_LIVE)
    for worker in workers:
        worker.close()


class Worker:
    """One long-lived runner worker; runs jobs one at a time, each in a fresh fork of it.

    The worker is a clean template: it receives only a job's settings and three descriptors,
    never a notebook's cells, answers or output (see :func:`crmlab.grader.runner.run_job`); this
    object reads the answers and output straight from the child's pipes.
    """

    def __init__(self, preload: list[str], limits: Limits, sandbox: bool = True, index: int = 0,
                 variant: Path | None = None) -> None:
        self.limits = limits
        self.uid = JOB_UID_BASE + index  # as root: each worker's jobs run as their own user
        self.jobs = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.root = Path(tempfile.mkdtemp(prefix="crmlab-grade-"))
        with _LIVE_LOCK:
            _LIVE.add(self)
        try:
            self._start(preload, sandbox, variant)
        except BaseException:
            self.close()
            raise

    def _start(self, preload: list[str], sandbox: bool, variant: Path | None) -> None:
        import socket

        self.bwrap = require_sandbox() if sandbox else None
        argv = [sys.executable, "-m", "crmlab.grader.runner", *preload]
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.socket = ours
        if self.bwrap:
            argv = _bwrap_command(self.bwrap, self.limits, variant, argv)
            env = {"PATH": JOB_ENVIRONMENT["PATH"]}
            self.inner_dir = JOB_DIR
        else:
            job_dir = self.root / "job"
            env = {**JOB_ENVIRONMENT, "CRMLAB_SANDBOX": "none", "HOME": str(job_dir),
                   "MPLCONFIGDIR": str(self.root)}
            if variant is not None:
                env[VARIANT_VARIABLE] = str(variant)
            self.inner_dir = str(job_dir)
        self.process = subprocess.Popen(argv, stdin=theirs.fileno(), stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, env=env, cwd=self.root, start_new_session=True)
        theirs.close()
        self._buffer = b""
        ready = self._read_reply(time.monotonic() + 120, [])
        if not ready or not ready.get("ready"):
            raise RuntimeError("the grading worker did not start")

    def _read_reply(self, deadline: float, collectors: list[_Collector]) -> dict[str, Any] | None:
        """Wait for the worker's next reply line, reading the job's pipes meanwhile."""
        stdout = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            watched = [stdout] + [c.fd for c in collectors if c.open]
            ready = select.select(watched, [], [], remaining)[0]
            for collector in collectors:
                if collector.fd in ready:
                    collector.read()
            if stdout in ready:
                chunk = os.read(stdout, 1 << 16)
                if not chunk:
                    return None
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            reply = json.loads(line)
        except ValueError:
            return None
        return reply if isinstance(reply, dict) else None

    def _send(self, request: dict[str, Any], cells: list[dict[str, Any]]) -> tuple[_Collector, _Collector]:
        import socket

        events_r, events_w = os.pipe()
        output_r, output_w = os.pipe()
        cells_fd = os.memfd_create("crmlab-cells", os.MFD_CLOEXEC)
        try:
            data = json.dumps(cells).encode("utf-8")
            view = memoryview(data)
            while view:
                view = view[os.write(cells_fd, view):]
            os.lseek(cells_fd, 0, os.SEEK_SET)
            socket.send_fds(self.socket, [json.dumps(request).encode("utf-8")], [events_w, output_w, cells_fd])
        except BaseException:
            for fd in (events_r, output_r):
                os.close(fd)
            raise
        finally:
            for fd in (events_w, output_w, cells_fd):
                os.close(fd)
        return (_Collector(events_r, 64 * 2**20), _Collector(output_r, int(self.limits.output_bytes)))

    def run(self, job_id: str, cells: list[dict[str, Any]], questions: list[dict[str, Any]]) -> dict[str, Any]:
        """Run one job; returns the worker's reply plus ``events`` and ``output`` (truncated).

        ``job_id`` is only a label for this process: the worker sees a job number.
        """
        if not self.bwrap:
            job_dir = Path(self.inner_dir)
            if job_dir.exists():
                shutil.rmtree(job_dir, ignore_errors=True)
            job_dir.mkdir()
            os.chmod(job_dir, 0o777)
        self.jobs += 1
        request = {"job": self.jobs, "dir": self.inner_dir, "questions": questions,
                   "uid": self.uid if self.bwrap else None, **asdict(self.limits)}
        events, output = self._send(request, cells)
        try:
            reply = self._read_reply(time.monotonic() + self.limits.notebook_timeout + 30, [events, output])
            if reply is None or reply.get("job") != self.jobs:
                reply = {"exit": None, "timed_out": False, "failure": "the grading worker stopped"}
                self.close()
            # everything in the job's namespace is dead now: read the pipes to their end
            finish = time.monotonic() + (2.0 if self.bwrap else 0.2)
            for collector in (events, output):
                while collector.open and time.monotonic() < finish:
                    select.select([collector.fd], [], [], max(0.0, finish - time.monotonic()))
                    collector.read()
        finally:
            events.close()
            output.close()
        reply["job"] = job_id
        reply["events"] = parse_events(events.data.decode("utf-8", errors="replace"))
        reply["events_dropped"] = events.dropped
        text = output.data.decode("utf-8", errors="replace")
        if output.dropped:
            text += f"\n… ({output.dropped:,} more bytes of output were dropped)"
        reply["output"] = text if len(text) <= 20_000 else text[:12_000] + "\n…\n" + text[-8_000:]
        if not self.bwrap:
            shutil.rmtree(self.inner_dir, ignore_errors=True)
        return reply

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def close(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                try:
                    os.killpg(self.process.pid, 9)
                except (ProcessLookupError, PermissionError):
                    self.process.kill()
            self.process.wait()
            try:
                self.process.stdout.close()
            except OSError:
                pass
        sock = getattr(self, "socket", None)
        if sock is not None:
            sock.close()
        shutil.rmtree(self.root, ignore_errors=True)
        with _LIVE_LOCK:
            _LIVE.discard(self)


class _Collector:
    """Reads one pipe without blocking, keeping at most ``limit`` bytes (the rest is dropped)."""

    def __init__(self, fd: int, limit: int) -> None:
        self.fd, self.limit = fd, limit
        self.data = bytearray()
        self.dropped = 0
        self.open = True
        os.set_blocking(fd, False)

    def read(self) -> None:
        while self.open:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                return
            if not chunk:
                self.open = False
                return
            room = max(self.limit - len(self.data), 0)
            self.data += chunk[:room]
            self.dropped += len(chunk) - min(len(chunk), room)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
            self.open = False


def parse_events(text: str) -> list[dict[str, Any]]:
    """Parse the runner's JSON-lines events defensively: bad lines are skipped."""
    events: list[dict[str, Any]] = []
    for raw in text.split("\n"):
        if not raw.strip():
            continue
        try:
            event = json.loads(raw)
        except (ValueError, RecursionError):
            continue
        if isinstance(event, dict):
            events.append(event)
    return events
