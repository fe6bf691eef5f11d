"""Start and drive sandboxed runner workers (the grader's side of :mod:`crmlab.grader.runner`).

On Linux with bubblewrap (``bwrap``) each worker runs in its own namespaces: no network, its own
process tree, a read-only view of only the system, the Python installation, the ``crmlab``
package and the datasets (never the instructor's files, the answer key, the gradebook or other
submissions), a private ``/tmp`` and one writable job folder. When the grader runs as root, the
job's process additionally switches to the unprivileged ``nobody`` user, so the process-count
limit applies and nothing outside the sandbox is writable. Without bubblewrap the workers run
with the same resource limits and a private temporary folder only, and :func:`isolation_warning`
says so.

Examples
--------
>>> limits = Limits(cell_timeout=3)
>>> limits.cell_timeout
3
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


JOB_UID_BASE = 61000  # unprivileged user ids for jobs when grading as root (one per worker)


@dataclass
class Limits:
    """Resource limits for one submission (defaults documented in ``exercises/README.md``)."""

    cell_timeout: float = 30.0
    notebook_timeout: float = 300.0
    memory_mb: int = 2048
    output_bytes: int = 10 * 2**20
    nproc: int = 64


def bwrap_path() -> str | None:
    """The bubblewrap executable when it is installed and works here, else None."""
    path = shutil.which("bwrap")
    if path is None or sys.platform != "linux":
        return None
    probe = subprocess.run([path, *_namespace_flags(), "--ro-bind", "/", "/", "--die-with-parent", "true"],
                           capture_output=True, check=False)
    return path if probe.returncode == 0 else None


def isolation_warning() -> str | None:
    """A warning to show when submissions cannot be isolated from the file system."""
    if bwrap_path():
        return None
    return ("warning: bubblewrap (bwrap) is not available, so submissions run with resource limits "
            "and a private temporary folder only: student code could read files this user can read "
            "(install bubblewrap, e.g. `apt-get install bubblewrap`, for real isolation)")


def _namespace_flags() -> list[str]:
    flags = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    if os.geteuid() != 0:
        flags.insert(0, "--unshare-user")
    return flags


def _readable_roots() -> list[str]:
    """Folders the runner needs to read: system, Python, site-packages, crmlab, datasets."""
    import crmlab
    from crmlab.datasets import data_dir

    roots = {"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc"}
    roots.update({sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))})
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        roots.add(sysconfig.get_paths()[key])
    roots.update(p for p in sys.path if p and os.path.isdir(p) and "site-packages" in p)
    roots.add(str(Path(crmlab.__file__).resolve().parent))
    roots.add(str(data_dir().resolve()))
    real = sorted({os.path.realpath(r) for r in roots if os.path.exists(r)})
    # keep only the outermost folders (a nested one is covered by its parent)
    return [r for r in real if not any(r != o and r.startswith(o.rstrip("/") + "/") for o in real)]


def _bwrap_command(bwrap: str, job_dir: Path, argv: list[str]) -> list[str]:
    cmd = [bwrap, *_namespace_flags(), "--die-with-parent", "--new-session"]
    # Fresh /tmp and /dev/shm first: binds below may live under /tmp (a checkout or venv there)
    # and must be mounted on top of the empty tmpfs, not hidden by it.
    cmd += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/dev/shm"]
    roots = _readable_roots()
    parents = sorted({str(p) for r in roots for p in Path(r).parents if str(p) != "/"}, key=len)
    for parent in parents:  # bwrap would create them owner-only; the job's user must pass through
        cmd += ["--perms", "0755", "--dir", parent]
    for root in roots:
        cmd += ["--ro-bind", root, root]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(top):  # merged-/usr systems: /bin -> usr/bin
            cmd += ["--symlink", os.readlink(top), top]
    cmd += ["--bind", str(job_dir), "/job", "--chdir", "/job",
            "--setenv", "CRMLAB_SANDBOX", "bwrap", "--setenv", "HOME", "/job",
            "--setenv", "MPLCONFIGDIR", "/tmp", "--unsetenv", "PYTHONPATH"]
    if os.geteuid() == 0:  # keep just what the worker needs to switch the job to `nobody` and kill it
        cmd += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                "--cap-add", "CAP_KILL", "--cap-add", "CAP_DAC_OVERRIDE", "--cap-add", "CAP_FOWNER"]
    return cmd + ["--", *argv]


class Worker:
    """One long-lived runner worker with its own job folder; runs jobs one at a time."""

    def __init__(self, preload: list[str], limits: Limits, sandbox: bool = True, index: int = 0) -> None:
        self.limits = limits
        self.uid = JOB_UID_BASE + index  # as root: each worker's jobs run as their own user
        self.root = Path(tempfile.mkdtemp(prefix="crmlab-grade-"))
        self.job_dir = self.root / "job"
        self.job_dir.mkdir()
        os.chmod(self.job_dir, 0o777)
        self.bwrap = bwrap_path() if sandbox else None
        argv = [sys.executable, "-m", "crmlab.grader.runner", *preload]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JPY_", "PYTHONPATH"))}
        # Arrow's own allocator (mimalloc) reserves address space in large blocks, which the job's
        # RLIMIT_AS counts: a student could fail to build a tiny table while far below the memory
        # limit. The system allocator takes only what is used.
        env.update(MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
                   MKL_NUM_THREADS="1", ARROW_DEFAULT_MEMORY_POOL="system")
        if self.bwrap:
            argv = _bwrap_command(self.bwrap, self.job_dir, argv)
            self.inner_dir = "/job"
        else:
            env.update(CRMLAB_SANDBOX="none", HOME=str(self.job_dir), MPLCONFIGDIR=str(self.root))
            self.inner_dir = str(self.job_dir)
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True, env=env, cwd=self.root,
                                        start_new_session=True)
        ready = self._read_reply(timeout=120)
        if not ready or not ready.get("ready"):
            self.close()
            raise RuntimeError("the grading worker did not start")

    def _read_reply(self, timeout: float) -> dict[str, Any] | None:
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        if not result or not result[0]:
            return None
        return json.loads(result[0])

    def run(self, job_id: str, cells: list[dict[str, Any]], questions: list[dict[str, Any]],
            files: dict[str, Path] | None = None) -> dict[str, Any]:
        """Run one job; returns the worker's reply plus ``events`` and ``output`` (truncated)."""
        _clear(self.job_dir)
        (self.job_dir / "cells.json").write_text(json.dumps(cells), encoding="utf-8")
        for name, source in (files or {}).items():
            shutil.copy(source, self.job_dir / name)
        for path in self.job_dir.iterdir():
            os.chmod(path, 0o666)
        request = {"job": job_id, "dir": self.inner_dir, "questions": questions,
                   "uid": self.uid if self.bwrap else None, **asdict(self.limits)}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        reply = self._read_reply(self.limits.notebook_timeout + 30)
        if reply is None or reply.get("job") != job_id:
            reply = {"job": job_id, "exit": None, "timed_out": False, "failure": "the grading worker stopped"}
            self.close()
        reply["events"] = parse_events(reply.get("events") or "")
        output = str(reply.get("output") or "")
        reply["output"] = output if len(output) <= 20_000 else output[:12_000] + "\n…\n" + output[-8_000:]
        _clear(self.job_dir)
        return reply

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)


def _clear(folder: Path) -> None:
    for path in folder.iterdir():
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


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
