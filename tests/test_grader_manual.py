"""A class graded end to end from a Canvas zip: late tags and a partial times file, a crash
named by its cell, a written answer graded by hand (review page, score sheet, merge, regrade
keeps it), an override, and feedback in English and Chinese.

One grading run without the sandbox (the submissions here are harmless; the hostile ones are in
test_grader_attacks.py), then two cheap reruns that reuse the stored results.
"""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import nbformat
import pytest

from crmlab._checks import CrmlabInputError
from crmlab.grader.sandbox import Limits

LIMITS = Limits(cell_timeout=10, notebook_timeout=30, memory_mb=1024)
RUBRIC = "1 point: names the segment\n2 points: two reasons from the data"


def _code(source):
    return nbformat.v4.new_code_cell(source)


def _source(path: Path) -> Path:
    nb = nbformat.v4.new_notebook(cells=[
        _code("x = [1, 2, 3]"),
        _code("# QUESTION q1 points=2 answer=total compare=number\n### BEGIN SOLUTION\ntotal = sum(x)\n### END SOLUTION"),
        _code("# QUESTION d1 points=3 answer=d1_text compare=manual\n"
              + "\n".join(f"# RUBRIC: {line}" for line in RUBRIC.split("\n"))
              + "\n### BEGIN SOLUTION\nd1_text = 'Champions: most recent and most frequent buyers.'\n### END SOLUTION"),
    ])
    nbformat.write(nb, path)
    return path


def _submission(*cells: str) -> str:
    return nbformat.writes(nbformat.v4.new_notebook(cells=[_code(c) for c in cells]))


SUBMISSIONS = {
    "zhangwei_12345_900001_lab_demo.ipynb": _submission(
        "x = [1, 2, 3]", "# QUESTION q1\ntotal = 6", "# QUESTION d1\nd1_text = 'Champions, <b>because</b> they buy often.'"),
    "张伟_late_23456_900002_lab_demo.ipynb": _submission(
        "x = [1, 2, 3]", "# QUESTION q1\ntotal = 5", "# QUESTION d1\nd1_text = '忠诚客户：最近、最常购买。'"),
    "lifang_late_34567_900003_lab_demo.ipynb": _submission(
        "x = [1, 2, 3]", "# QUESTION q1\ntotal = 6", "import os\nos._exit(3)", "d1_text = 'never reached'"),
    "chenjing_45678_900004_lab_demo-Copy1.ipynb": _submission("total = 0"),
    "chenjing_45678_900004_lab_demo.ipynb": _submission(
        "x = [1, 2, 3]", "# QUESTION q1\ntotal = 6.0", "# QUESTION d1\nd1_text = 'At risk'"),
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from crmlab.grader.grade import Policy, grade, parse_time

    root = tmp_path_factory.mktemp("class")
    source = _source(root / "lab_demo.ipynb")
    with zipfile.ZipFile(root / "submissions.zip", "w") as archive:
        for name, text in SUBMISSIONS.items():
            archive.writestr(name, text)
    times = root / "times.csv"
    times.write_text("student,submitted_at\n34567,2026-03-03T08:00\n", encoding="utf-8")
    policy = Policy(deadline=parse_time("2026-03-01T23:59", "deadline"))
    rows = grade(source, root / "submissions.zip", root / "out", jobs=1, limits=LIMITS, policy=policy,
                 sandbox=False, progress=False, times=times, times_partial=True, lang="en")
    return {"root": root, "source": source, "out": root / "out", "times": times, "policy": policy,
            "rows": {r["student"]: r for r in rows}}


def test_the_first_run_scores_late_work_and_names_the_crashing_cell(run):
    rows = run["rows"]
    assert set(rows) == {"12345", "23456", "34567", "45678"}
    assert (rows["12345"]["q1"], rows["12345"]["d1"], rows["12345"]["total"]) == (2.0, 0.0, 2.0)
    # 张伟: Canvas late tag, no time in the (partial) times file → 1 day, 10 %
    assert (rows["23456"]["late_days"], rows["23456"]["notes"]) == (
        1, "marked late by the LMS (time unknown, counted as 1 day): 10 % deducted")
    # lifang: the times file says 2 started days → 2 × 10 %: 2 × 0.8 = 1.6
    assert (rows["34567"]["status"], rows["34567"]["late_days"], rows["34567"]["total"]) == ("crashed", 2, 1.6)
    canvas = (run["out"] / "canvas.csv").read_text(encoding="utf-8-sig").splitlines()
    assert canvas[0] == "Student,ID,SIS User ID,SIS Login ID,Section,lab_demo"
    assert {"zhangwei,12345,,,,2.0", "张伟,23456,,,,0.0"} <= set(canvas)  # matched on the user id
    feedback = (run["out"] / "feedback" / "34567.md").read_text(encoding="utf-8")
    assert "It stopped while running code cell 3 (starts with: import os)" in feedback
    summary = (run["out"] / "summary.txt").read_text(encoding="utf-8").splitlines()
    assert summary == [
        "2 student(s) late: lifang 2 day(s), 张伟 1 day(s)",
        "chenjing: graded chenjing_45678_900004_lab_demo.ipynb; also handed in chenjing_45678_900004_lab_demo-Copy1.ipynb",
        f"4 answer(s) to grade by hand: see {run['out'] / 'manual'}",
    ]


def test_review_page_shows_every_answer_side_by_side(run):
    page = (run["out"] / "manual" / "d1.html").read_text(encoding="utf-8")
    assert "1 point: names the segment\n2 points: two reasons from the data" in page
    assert "Champions: most recent and most frequent buyers." in page  # the model answer
    assert page.count("class='card'") == 4
    assert "Champions, &lt;b&gt;because&lt;/b&gt; they buy often." in page  # escaped, never rendered
    assert "忠诚客户：最近、最常购买。" in page
    # lifang's notebook ended before the answer: the card says why instead of an answer
    assert "the notebook&#x27;s process exited early (exit code 3: os._exit or a crash)</pre>" in page
    with open(run["out"] / "manual" / "scores.csv", encoding="utf-8-sig", newline="") as handle:
        sheet = list(csv.DictReader(handle))
    assert [(r["student"], r["question"], r["max"], r["points"]) for r in sheet] == [
        ("45678", "d1", "3.0", ""), ("34567", "d1", "3.0", ""), ("12345", "d1", "3.0", ""), ("23456", "d1", "3.0", "")]


def test_merging_hand_grades_then_regrading_keeps_them(run):
    from openpyxl import load_workbook

    from crmlab.grader.grade import grade

    book = load_workbook(run["out"] / "manual" / "scores.xlsx")
    sheet = book.active
    filled = {"12345": (3, "clear"), "23456": (2.5, "只给了一个理由")}
    for row in sheet.iter_rows(min_row=2):
        if row[0].value in filled:
            row[4].value, row[5].value = filled[row[0].value]
    book.save(run["root"] / "filled.xlsx")
    overrides = run["root"] / "overrides.csv"
    overrides.write_text("student,question,points,comment\n23456,q1,1,arithmetic slip\n", encoding="utf-8")
    common = dict(jobs=1, limits=LIMITS, policy=run["policy"], sandbox=False, progress=False, times=run["times"],
                  times_partial=True)
    rows = {r["student"]: r for r in grade(run["source"], run["root"] / "submissions.zip", run["out"],
                                           merge_manual=run["root"] / "filled.xlsx", overrides=overrides,
                                           lang="zh", **common)}
    # 张伟: q1 1 (override) + d1 2.5 (by hand) = 3.5, one day late → 3.15
    assert (rows["12345"]["total"], rows["23456"]["raw_total"], rows["23456"]["total"]) == (5.0, 3.5, 3.15)
    feedback = (run["out"] / "feedback" / "23456.md").read_text(encoding="utf-8")
    assert "| q1 | 1 / 2 | q1 由教师改为 1 分（arithmetic slip） |" in feedback
    assert "| d1 | 2.5 / 3 | 人工评分：只给了一个理由 |" in feedback
    assert rows["23456"]["notes"] == ("q1 由教师改为 1 分（arithmetic slip）; d1（人工评分）：只给了一个理由; "
                                      "学习平台标记为迟交（时间未知，按 1 天计）：扣除 10%")
    assert feedback.startswith("# lab_demo：张伟 的反馈\n\n**得分：3.15 / 5**")
    summary = (run["out"] / "summary.txt").read_text(encoding="utf-8")
    assert "已从" in summary and "2 个答案需人工评分" in summary
    # a forced regrade reruns every notebook and keeps the hand-graded scores
    rows = {r["student"]: r for r in grade(run["source"], run["root"] / "submissions.zip", run["out"], force=True,
                                           **common)}
    assert (rows["12345"]["d1"], rows["23456"]["d1"], rows["45678"]["d1"]) == (3.0, 2.5, 0.0)
    assert json.loads((run["out"] / "manual" / "merged.json").read_text())["12345"]["d1"]["comment"] == "clear"


@pytest.mark.parametrize("content, message", [
    ("student,question,points\n12345,q1,2\n", "'q1' is not a question graded by hand"),
    ("student,question,points\n99999,d1,2\n", "no graded submission from '99999'"),
    ("student,question,points\n12345,d1,4\n", "4 points is outside 0–3 for d1"),
    ("student,question,points\n12345,d1,good\n", "not a number"),
    ("student,points\n12345,1\n", "missing column"),
])
def test_bad_score_sheets_name_the_row(run, tmp_path, content, message):
    from crmlab.grader.authoring import parse_lab, read_notebook
    from crmlab.grader.manual import merge_scores

    path = tmp_path / "s.csv"
    path.write_text(content, encoding="gbk")
    lab = parse_lab(read_notebook(run["source"]))
    with pytest.raises(CrmlabInputError, match=message):
        merge_scores(path, lab, tmp_path, set(run["rows"]))


def test_score_sheets_never_turn_names_into_formulas(tmp_path):
    from openpyxl import load_workbook

    from crmlab.grader.manual import _write_sheets

    _write_sheets(tmp_path, [["s1", "=HYPERLINK(\"http://x\")", "d1", 3.0, "", ""]])
    cell = load_workbook(tmp_path / "scores.xlsx").active["B2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x")', "s")
    assert 's1,"\'=HYPERLINK(""http://x"")",d1' in (tmp_path / "scores.csv").read_text(encoding="utf-8-sig")


def test_the_grade_command_prints_the_run_summary(run, capsys):
    from crmlab.cli import main

    code = main(["grade", str(run["source"]), str(run["root"] / "submissions.zip"), "--out", str(run["out"]),
                 "--no-sandbox", "--quiet", "--jobs", "1", "--deadline", "2026-03-01T23:59", "--times",
                 str(run["times"]), "--times-partial", "--lang", "en"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith(f"graded 0 submission(s) (4 in {run['out'] / 'gradebook.csv'}); 1 with status")
    assert "2 student(s) late: lifang 2 day(s), 张伟 1 day(s)\n" in out
    # without --times-partial the same file is refused: it lists one student of four
    assert main(["grade", str(run["source"]), str(run["root"] / "submissions.zip"), "--out", str(run["out"]),
                 "--no-sandbox", "--quiet", "--deadline", "2026-03-01T23:59", "--times", str(run["times"])]) == 2
    assert "has no time for 3 student(s)" in capsys.readouterr().err
