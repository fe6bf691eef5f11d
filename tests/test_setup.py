"""The README's set-up: `make lab` serves the course, and a second `make` does not reinstall."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
in_project_venv = Path(sys.prefix).resolve() == (ROOT / ".venv").resolve()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _make_dry_run(target: str) -> list[str]:
    out = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=True)
    joined = out.stdout.replace("\\\n", " ")  # make -n keeps backslash continuations
    return [line for line in joined.splitlines() if line.strip()]


@needs_make
@pytest.mark.skipif(not in_project_venv, reason="runs make's own .venv; only meaningful there")
def test_second_make_does_not_reinstall():
    """After set-up, the install stamp is up to date: `make lab`/`make test` go straight on."""
    lines = _make_dry_run("test")
    assert not any("pip install" in line for line in lines), lines
    assert any("pytest" in line for line in lines)


@needs_make
@pytest.mark.skipif(not in_project_venv, reason="runs make's own .venv; only meaningful there")
def test_make_lab_serves_the_course():
    """Start exactly the server `make lab` would start (headless) and list the notebooks."""
    command = next(line for line in _make_dry_run("lab") if "jupyter lab" in line)
    port, token = _free_port(), "crmlab-test-token"
    argv = shlex.split(command) + [
        "--no-browser", "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={token}",
        "--ServerApp.port_retries=0",
    ]
    if os.geteuid() == 0 and "--allow-root" not in argv:
        argv.append("--allow-root")
    server = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/api/contents/notebooks"
        request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
        deadline, listing = time.monotonic() + 60, None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    listing = json.load(response)
                break
            except OSError:
                time.sleep(0.5)
        assert listing is not None, "JupyterLab did not answer within 60 s"
        names = {item["name"] for item in listing["content"]}
        expected = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
        assert expected and expected <= names
        assert "00_getting_started.ipynb" in names
        # without the token the server refuses: the course is not open to anyone on the machine
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=5)
        assert refused.value.code == 403
    finally:
        server.terminate()
        server.wait(timeout=20)
