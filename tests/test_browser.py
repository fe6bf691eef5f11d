"""A real browser: `make lab`'s JupyterLab, a chapter notebook run to the end in headless Chromium.

Uses the system's Chromium and its driver (Debian: `apt-get install chromium chromium-driver`;
`.ci/run` installs them) driven by Selenium; nothing is downloaded at test time. Skipped, with
the reason, where make, the browser, its driver or Selenium is missing.

The notebook run is a copy of chapter 0 (in the git-ignored `build/`, so the course's stored
outputs are never touched) with one extra cell, `!crmlab --version`, which proves the notebook
kernel finds the `crmlab` command. The screenshot of the notebook's first page is written to
`build/browser-test/first_page.png`; `docs/notebook_in_browser.png` is a kept copy for the README.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
WORK = ROOT / "build" / "browser-test"
NOTEBOOK = "00_getting_started.ipynb"

pytestmark = [
    pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed"),
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium browser (Debian: apt-get install chromium)"),
    pytest.mark.skipif(DRIVER is None, reason="no chromedriver (Debian: apt-get install chromium-driver)"),
    pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "jupyter").exists(), reason="needs `make lab`'s .venv"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_server(url: str, token: str, server: subprocess.Popen, seconds: float = 120) -> None:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(request, timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"JupyterLab did not answer within {seconds:.0f} s")


def _click_menu(driver, menu: str, item: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, 60)
    wait.until(ec.element_to_be_clickable(
        (By.XPATH, f"//div[contains(@class,'lm-MenuBar-itemLabel') and normalize-space()='{menu}']"))).click()
    wait.until(ec.element_to_be_clickable(
        (By.XPATH, f"//div[contains(@class,'lm-Menu-itemLabel') and normalize-space()='{item}']"))).click()


def _run_state(path: Path) -> tuple[int, int, list[str]]:
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    done = sum(c.execution_count is not None for c in code)
    errors = [f"cell {i}: {o.get('ename')}: {o.get('evalue')}" for i, c in enumerate(nb.cells)
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    return done, len(code), errors


def test_chapter_notebook_runs_to_the_end_in_chromium():
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    nb = nbformat.read(ROOT / "notebooks" / NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.cells.append(nbformat.v4.new_code_cell("!crmlab --version"))
    copy = WORK / NOTEBOOK
    nbformat.write(nb, copy)

    port, token = _free_port(), "crmlab-browser-test"
    lab_args = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token} --ServerApp.port_retries=0"
    server = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_ARGS={lab_args}"], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    driver = None
    try:
        _wait_for_server(f"http://127.0.0.1:{port}/api/status", token, server)
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000",
                    "--lang=zh-CN"):
            options.add_argument(arg)
        driver = webdriver.Chrome(service=Service(DRIVER), options=options)
        relative = copy.relative_to(ROOT).as_posix()
        driver.get(f"http://127.0.0.1:{port}/lab/tree/{relative}?token={token}")
        wait = WebDriverWait(driver, 180)
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")))
        wait.until(lambda d: "Idle" in d.find_element(By.CSS_SELECTOR, "#jp-main-statusbar").text)
        time.sleep(2)
        driver.save_screenshot(str(WORK / "first_page.png"))

        _click_menu(driver, "Run", "Run All Cells")
        deadline, done, total, errors = time.monotonic() + 600, 0, 1, []
        while time.monotonic() < deadline:
            time.sleep(5)
            status = driver.find_element(By.CSS_SELECTOR, "#jp-main-statusbar").text
            if "Idle" not in status:
                continue
            _click_menu(driver, "File", "Save Notebook")
            time.sleep(2)
            done, total, errors = _run_state(copy)
            if errors or done == total:
                break
        assert not errors, errors
        assert done == total, f"only {done} of {total} code cells ran within the time limit"
        last = nbformat.read(copy, as_version=4).cells[-1]
        printed = "".join(o.get("text", "") for o in last.outputs)
        assert printed.startswith("crmlab "), f"`!crmlab --version` printed {printed!r}: crmlab is not on the kernel's PATH"
    finally:
        if driver is not None:
            driver.quit()
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
