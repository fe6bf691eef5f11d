"""Adversarial grading suite: hostile submissions earn nothing they did not compute, and the
batch always finishes with a clear status for each.

All fixture submissions (``tests/grader_cases/submissions/``) answer the mini lab
(``tests/grader_cases/lab_mini.ipynb``, 7 points: q1 2, q2 1, q3 1, q4 2, q5 1). They are
graded in ONE sandboxed batch (two workers in parallel, short limits) shared by every test
here. Without bubblewrap the suite is skipped on a developer's machine (several fixtures try to
delete files and read secrets, which only the sandbox stops) but FAILS under CI (``CI`` set), so
the attack suite can never silently stop running there.

Added for issue 12: a =HYPERLINK(...) file name (made at run time: such a name cannot be
checked out on Windows), an environment probe (with a dummy CANVAS_API_TOKEN in the grader's
environment), a disk filler (32 MB quota here), a memory scan after a correct classmate
(``grader_cases/classmates/``: graded one after the other on one worker), the answer-key hunter
refused without bubblewrap, and Ctrl-C / SIGTERM cleaning up. Hard-coded public-data answers are
in ``test_grader_variants.py``; the brute force over a released check file and renamed notebooks
beside two labs' check files are in ``test_grader_release.py``.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import pytest

from crmlab.grader.jobs import sha256_file
from crmlab.grader.sandbox import Limits, bwrap_path

CASES = Path(__file__).parent / "grader_cases"
SOURCE = CASES / "lab_mini.ipynb"
LIMITS = Limits(cell_timeout=2, notebook_timeout=6, memory_mb=1024, output_bytes=2**20, disk_mb=32)
UNDER_CI = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")
HYPERLINK = '=HYPERLINK("evil.example","pay")'  # a student name a spreadsheet would run as a formula
TOKEN = "dummy-canvas-token-3f9a1c"  # planted in the teacher's environment; must never reach a job

pytestmark = pytest.mark.skipif(bwrap_path() is None and not UNDER_CI,
                                reason="bubblewrap is needed to run hostile submissions")


def require_bwrap():
    if bwrap_path() is None:  # only reached under CI: the attack suite must run there
        pytest.fail("bubblewrap (bwrap) is missing or not working, and CI is set: install it "
                    "(apt-get install bubblewrap); the attack suite must not be skipped in CI")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from crmlab.grader.grade import grade

    require_bwrap()
    root = tmp_path_factory.mktemp("attacks")
    subs = root / "subs"
    shutil.copytree(CASES / "submissions", subs)
    shutil.copy(CASES / "submissions" / "correct.ipynb", subs / f"{HYPERLINK}.ipynb")
    os.environ["CANVAS_API_TOKEN"] = TOKEN
    before = {p.name: sha256_file(p) for p in subs.iterdir()}
    data_dir = __import__("crmlab.datasets", fromlist=["data_dir"]).data_dir()
    data_before = sorted(p.name for p in data_dir.iterdir())
    try:
        rows = grade(SOURCE, subs, root / "out", jobs=2, limits=LIMITS, progress=False)
    finally:
        del os.environ["CANVAS_API_TOKEN"]
    results = {p.stem: json.loads(p.read_text()) for p in (root / "out" / "results").glob("*.json")}
    return {"rows": {r["student"]: r for r in rows}, "results": results, "out": root / "out", "subs": subs,
            "before": before, "data_dir": data_dir, "data_before": data_before}


def _row(graded, name):
    return graded["rows"][name]


def _messages(graded, name):
    return [q["message"] for q in graded["results"][name]["questions"].values()]


def test_every_submission_has_a_row_and_a_status(graded):
    names = {p.stem for p in (CASES / "submissions").glob("*.ipynb")} | {HYPERLINK}
    assert set(graded["rows"]) == names
    with open(graded["out"] / "gradebook.csv", newline="", encoding="utf-8-sig") as handle:
        book = list(csv.DictReader(handle))
    assert {r["student"] for r in book} == (names - {HYPERLINK}) | {"'" + HYPERLINK}
    assert all(r["status"] for r in book)


def test_a_correct_submission_earns_full_marks_and_a_blank_release_zero(graded):
    assert _row(graded, "correct")["total"] == 7.0 and _row(graded, "correct")["status"] == "ok"
    assert _row(graded, "blank")["total"] == 0.0
    assert "q1: replace this line with your code" in " ".join(graded["results"]["blank"]["cell_errors"])


def test_warnings_on_stderr_do_not_cost_points(graded):
    # nbgrader scores zero when a test cell writes to stderr; here stderr is just output.
    assert _row(graded, "stderr_warning")["total"] == 7.0
    assert _row(graded, "stderr_warning")["status"] == "ok"


def test_an_infinite_loop_costs_only_its_own_question(graded):
    row = _row(graded, "infinite_loop")
    assert (row["q2"], row["total"]) == (0.0, 6.0)
    assert "ran longer than the time limit" in graded["results"]["infinite_loop"]["questions"]["q2"]["message"]


def test_a_loop_that_blocks_the_cell_alarm_hits_the_notebook_timeout_and_keeps_earlier_answers(graded):
    row = _row(graded, "ignores_alarm")
    assert row["status"] == "timeout" and row["total"] == 2.0  # q1 was exported before the loop
    assert any("ran longer than 6 s" in m for m in _messages(graded, "ignores_alarm"))


def test_a_fork_bomb_is_contained(graded):
    row = _row(graded, "fork_bomb")
    assert row["total"] == 2.0 and row["status"] in ("timeout", "errors")
    # the other submissions graded in parallel were not affected
    assert _row(graded, "correct")["total"] == 7.0 and _row(graded, "no_markers")["total"] == 7.0


def test_sys_exit_is_an_error_not_the_end(graded):
    assert _row(graded, "sys_exit")["total"] == 7.0
    assert "SystemExit" in " ".join(graded["results"]["sys_exit"]["cell_errors"])


@pytest.mark.parametrize("name, status, why", [
    ("os_exit", "crashed", "exited early"),
    ("segfault", "crashed", "killed by signal 11"),
])
def test_a_process_that_dies_keeps_what_it_answered(graded, name, status, why):
    row = _row(graded, name)
    assert (row["status"], row["q1"], row["total"]) == (status, 2.0, 2.0)
    assert any(why in m for m in _messages(graded, name))


def test_output_and_memory_caps(graded):
    huge = graded["results"]["huge_print"]
    assert _row(graded, "huge_print")["total"] == 2.0
    assert len(huge["output"]) <= 20_010 and "more bytes of output were dropped" in huge["output"]
    assert _row(graded, "memory_hog")["total"] == 2.0
    assert "MemoryError" in " ".join(graded["results"]["memory_hog"]["cell_errors"])


def test_deleting_files_hurts_nobody(graded):
    assert _row(graded, "deletes_files")["total"] == 7.0
    assert SOURCE.is_file()
    assert sorted(p.name for p in graded["data_dir"].iterdir()) == graded["data_before"]
    assert "could not delete" in graded["results"]["deletes_files"]["output"]


def test_secrets_are_out_of_reach(graded):
    # the attack looks for the source notebook, the answer key, other submissions, the worker's
    # file descriptors and the network, and copies the VIP answer from the source if it can.
    result = graded["results"]["reads_secrets"]
    assert _row(graded, "reads_secrets")["total"] == 0.0
    assert "LEAKS: []" in result["output"], result["output"][-2000:]


def test_forged_results_and_fake_passed_messages_earn_nothing(graded):
    assert _row(graded, "forges_results")["total"] == 0.0
    assert not (graded["out"] / "results" / "forges_results.json").read_text().count('"points": 2')


def test_patched_libraries_builtins_check_and_assert_rewriting_earn_nothing(graded):
    # nbgrader's hidden asserts fell to an input transformer; otter's to a patched doctest runner.
    assert _row(graded, "patches_everything")["total"] == 0.0


def test_objects_that_claim_equality_are_refused(graded):
    assert _row(graded, "hostile_objects")["total"] == 0.0
    assert any("cannot be graded" in m for m in _messages(graded, "hostile_objects"))


def test_a_submission_cannot_edit_its_own_file(graded):
    assert _row(graded, "edits_own_notebook")["total"] == 7.0
    after = {p.name: sha256_file(p) for p in graded["subs"].iterdir()}
    assert after == graded["before"]


def test_answers_are_found_without_the_marker_lines(graded):
    assert _row(graded, "no_markers")["total"] == 7.0


def test_an_invalid_notebook_file_gets_a_status(graded):
    row = _row(graded, "not_json")
    assert (row["status"], row["total"]) == ("invalid notebook", 0.0)
    assert "not a valid notebook file" in row["errors"]


def test_feedback_and_lms_exports(graded):
    out = graded["out"]
    feedback = (out / "feedback" / "infinite_loop.md").read_text()
    assert "**Score: 6 / 7**" in feedback and "| q2 | 0 / 1 |" in feedback
    assert "<table>" in (out / "feedback" / "infinite_loop.html").read_text()
    with open(out / "canvas.csv", newline="", encoding="utf-8-sig") as handle:
        canvas = list(csv.reader(handle))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "lab_mini"]
    assert ["correct", "", "", "", "", "7.0"] in canvas
    with open(out / "moodle.csv", newline="", encoding="utf-8-sig") as handle:
        moodle = list(csv.DictReader(handle))
    assert {"Identifier", "Full name", "Grade", "Maximum Grade", "Feedback comments"} == set(moodle[0])


def test_rerun_skips_graded_and_regrades_one_student(graded):
    from crmlab.grader.grade import grade

    out = graded["out"]
    stamp = {p.name: p.stat().st_mtime_ns for p in (out / "results").glob("*.json")}
    rows = grade(SOURCE, graded["subs"], out, jobs=1, limits=LIMITS, progress=False)
    assert {p.name: p.stat().st_mtime_ns for p in (out / "results").glob("*.json")} == stamp
    assert {r["student"]: r["total"] for r in rows} == {k: v["total"] for k, v in graded["rows"].items()}
    from crmlab.cli import main  # the regrade goes through the command line

    assert main(["grade", str(SOURCE), str(graded["subs"]), "--out", str(out), "--student", "correct",
                 "--quiet", "--cell-timeout", "2", "--timeout", "6", "--memory-mb", "1024"]) == 0
    changed = [n for n, t in stamp.items() if (out / "results" / n).stat().st_mtime_ns != t]
    assert changed == ["correct.json"]
    assert json.loads((out / "results" / "correct.json").read_text())["status"] == "ok"


def test_parallel_jobs_cannot_clash_on_ports(graded):
    # otter crashed once on a kernel port clash; here there are no kernel ports, and two jobs
    # graded side by side can both listen on the same port (private network namespaces).
    for name in ("binds_port_a", "binds_port_b"):
        row = _row(graded, name)
        assert (row["status"], row["total"]) == ("ok", 7.0), graded["results"][name]["cell_errors"]


def test_a_formula_as_a_student_name_is_escaped_in_every_csv(graded):
    # A file named =HYPERLINK(...).ipynb: its name reaches three CSV files a teacher opens in a
    # spreadsheet. Every cell starting with = + - @ gets a leading apostrophe; the grade is kept.
    assert _row(graded, HYPERLINK)["total"] == 7.0
    for name in ("gradebook.csv", "canvas.csv", "moodle.csv"):
        raw = (graded["out"] / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), name  # UTF-8 with BOM: Excel reads non-ASCII names right
        with open(graded["out"] / name, newline="", encoding="utf-8-sig") as handle:
            cells = [cell for row in csv.reader(handle) for cell in row]
        assert "'" + HYPERLINK in cells, name
        assert not [c for c in cells if c[:1] in ("=", "@", "+") or (c[:1] == "-" and not c[1:2].isdigit())], name


def test_student_code_gets_only_the_documented_environment(graded):
    from crmlab.grader.sandbox import JOB_ENVIRONMENT

    result = graded["results"]["probes_environment"]
    assert _row(graded, "probes_environment")["total"] == 7.0
    assert TOKEN not in json.dumps(result) and "TOKEN LEAK: []" in result["output"]
    line = next(x for x in result["output"].splitlines() if x.startswith("ENV KEYS:"))
    keys = set(json.loads(line[len("ENV KEYS:"):]))
    assert keys == set(JOB_ENVIRONMENT) | {"CRMLAB_SANDBOX", "HOME", "MPLCONFIGDIR", "CRMLAB_GRADING", "PWD"}


def test_a_disk_filler_stops_at_the_quota(graded):
    # The job folder and /tmp share one size-limited private tmpfs (32 MB here), /dev/shm a
    # quarter of it: the writes stop with ENOSPC (28) and nothing lands on the real disk.
    result = graded["results"]["fills_disk"]
    assert _row(graded, "fills_disk")["total"] == 7.0
    line = next(x for x in result["output"].splitlines() if x.startswith("DISK FILLED:"))
    # the job folder fills the 32 MB /tmp (a little goes to the file system's own overhead)
    assert line == "DISK FILLED: . 32 MB errno 28; /tmp 0 MB errno 28; /dev/shm 8 MB errno 28", line


def test_a_memory_scan_after_a_correct_classmate_finds_nothing(tmp_path):
    # The jobs of one worker run one after another, each forked from the same template process.
    # That process never receives a job's cells, answers or output, so the second job finds
    # neither the classmate's marker nor any result record in its own memory.
    from crmlab.grader.grade import grade

    require_bwrap()
    subs = tmp_path / "subs"
    shutil.copytree(CASES / "classmates", subs)
    limits = Limits(cell_timeout=60, notebook_timeout=90, memory_mb=1024)
    rows = {r["student"]: r for r in grade(SOURCE, subs, tmp_path / "out", jobs=1, limits=limits, progress=False)}
    results = {p.stem: json.loads(p.read_text()) for p in (tmp_path / "out" / "results").glob("*.json")}
    assert rows["a_correct_classmate"]["total"] == 7.0
    assert "PLANTED-" in results["a_correct_classmate"]["output"]
    scan = results["b_scans_memory"]
    assert "MEMORY SCAN: 0 markers, 0 records" in scan["output"], scan["output"][-2000:]
    assert rows["b_scans_memory"]["total"] == 0.0


def test_without_bubblewrap_grading_refuses_unless_told(tmp_path, monkeypatch, capsys):
    # The "answer key hunter" walks the disk for expected.json and the source: with the sandbox
    # missing and --no-sandbox not given, nothing runs at all (exit 2, clear message).
    from crmlab.cli import main
    from crmlab.grader import sandbox

    require_bwrap()
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(CASES / "submissions" / "reads_secrets.ipynb", subs / "hunter.ipynb")
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    out = tmp_path / "out"
    assert main(["grade", str(SOURCE), str(subs), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "refused" in err and "bubblewrap" in err and "--no-sandbox" in err
    assert not (out / "results").exists() and not list(out.rglob("expected.json"))


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_an_interrupted_run_leaves_no_temporary_folder(tmp_path, signame):
    # Ctrl-C (SIGINT) or a kill (SIGTERM) while a submission loops: the workers stop and every
    # crmlab-grade-* folder (which held a student's cells) is removed.
    import signal
    import subprocess
    import sys
    import time

    require_bwrap()
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(CASES / "submissions" / "ignores_alarm.ipynb", subs / "loops.ipynb")
    temp = tmp_path / "temp"
    temp.mkdir()
    cmd = [sys.executable, "-m", "crmlab", "grade", str(SOURCE), str(subs), "--out", str(tmp_path / "out"),
           "--quiet", "--timeout", "120", "--cell-timeout", "2"]
    process = subprocess.Popen(cmd, env={**os.environ, "TMPDIR": str(temp)}, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not (tmp_path / "out" / ".private" / "expected.json").exists():
        time.sleep(0.2)  # the source has run: the submission's worker is next
    time.sleep(3)
    assert list(temp.glob("crmlab-grade-*")), "the run should be grading the looping submission now"
    process.send_signal(getattr(signal, signame))
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "interrupted" in err and list(temp.iterdir()) == []
