"""Gradebook policy (late penalty, overrides), submission discovery, notebook reading, rubric,
and the CLI wiring. No sandbox here: results are built by hand."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from crmlab._checks import CrmlabInputError
from crmlab.grader import rubric
from crmlab.grader.authoring import parse_lab
from crmlab.grader.grade import (Policy, discover_submissions, gradebook_rows, late_days, read_overrides,
                                 read_submission, safe_name, write_outputs)

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = ROOT / "exercises" / "rubric_presentation.yaml"
LAB = parse_lab({"cells": [
    {"cell_type": "code", "metadata": {}, "source": "# QUESTION q1 points=2 answer=a compare=number\na = 1"},
    {"cell_type": "code", "metadata": {}, "source": "# QUESTION q2 points=3 answer=b compare=number\nb = 1"},
]})


def _result(student, q1, q2, status="ok", mtime="2026-03-01T12:00:00"):
    return {"student": student, "lms_id": "", "status": status, "mtime": mtime, "cell_errors": [], "reason": None,
            "questions": {"q1": {"points": q1, "max": 2.0, "ok": q1 == 2, "message": "correct" if q1 == 2 else "x"},
                          "q2": {"points": q2, "max": 3.0, "ok": q2 == 3, "message": "correct" if q2 == 3 else "y"}}}


@pytest.mark.parametrize("submitted, days", [
    ("2026-03-01T23:59", 0), ("2026-03-02T00:00", 1), ("2026-03-02T23:58", 1), ("2026-03-03T00:00", 2),
])
def test_late_days_count_started_days(submitted, days):
    assert late_days(submitted, "2026-03-01T23:59") == days


def test_late_penalty_and_overrides_in_the_gradebook(tmp_path):
    overrides = tmp_path / "overrides.csv"
    overrides.write_text("student,question,points,comment\nbo,q2,1.5,partial credit after review\n")
    policy = Policy(deadline=datetime(2026, 3, 1, 23, 59), penalty_per_day=0.1, zero_after_days=5,
                    submission_times={"bo": datetime(2026, 3, 3, 9, 0)}, times_from_files=True)
    rows = gradebook_rows([_result("al", 2, 3), _result("bo", 2, 0), _result("cy", 2, 3, mtime="2026-03-09T00:00")],
                          LAB, policy, read_overrides(overrides, LAB))
    al, bo, cy = rows
    assert (al["raw_total"], al["late_days"], al["total"]) == (5.0, 0, 5.0)
    # bo: 2 + 1.5 (override) = 3.5, two days late at 10 % a day → 3.5 × 0.8 = 2.8
    assert (bo["q2"], bo["raw_total"], bo["late_days"], bo["total"]) == (1.5, 3.5, 2, 2.8)
    assert "q2 set to 1.5 by the instructor (partial credit after review)" in bo["notes"]
    # cy: file time 8 days late ≥ zero_after_days → 0
    assert (cy["late_days"], cy["total"]) == (8, 0.0)
    # without --times-from-files a file time never makes anyone late
    policy.times_from_files = False
    assert [r["late_days"] for r in gradebook_rows([_result("cy", 2, 3, mtime="2026-03-09T00:00")], LAB, policy, [])] == [0]


@pytest.mark.parametrize("content, message", [
    ("student,question,points\nal,q7,1\n", "line 2: unknown question 'q7'"),
    ("student,question,points\nal,q1,2.5\n", "line 2: 2.5 points is outside 0–2 for q1"),
    ("student,question,points\nal,q1,lots\n", "not a number"),
    ("student,points\nal,1\n", "missing column"),
])
def test_bad_overrides_name_the_line(tmp_path, content, message):
    path = tmp_path / "o.csv"
    path.write_text(content)
    with pytest.raises(CrmlabInputError, match=message):
        read_overrides(path, LAB)


def test_outputs_are_written(tmp_path):
    rows = gradebook_rows([_result("Li Wei", 2, 0)], LAB, Policy(), [])
    write_outputs(tmp_path, rows, [_result("Li Wei", 2, 0)], LAB, "lab01")
    text = (tmp_path / "gradebook.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "student,name,number,q1,q2,raw_total,late_days,total,max,status,notes,errors"
    assert "Li Wei,,,2.0,0.0,2.0,0,2.0,5.0,ok,,y" in text
    assert "**Score: 2 / 5**" in (tmp_path / "feedback" / "Li_Wei.md").read_text()


def test_csv_files_open_right_in_excel_and_never_run_formulas(tmp_path):
    from crmlab.grader.grade import shorten

    long = "the value is not correct " * 40
    results = [_result(name, 2, 0) for name in ("王丽", "-2+3", "@SUM(A1)", "+1")]
    results[0]["questions"]["q2"]["message"] = long
    rows = gradebook_rows(results, LAB, Policy(), [])
    write_outputs(tmp_path, rows, results, LAB, "lab01")
    raw = (tmp_path / "gradebook.csv").read_bytes()
    assert raw.startswith("\ufeff".encode()) and "王丽".encode() in raw  # UTF-8 with BOM
    import csv

    with open(tmp_path / "gradebook.csv", newline="", encoding="utf-8-sig") as handle:
        book = {r["student"]: r for r in csv.DictReader(handle)}
    assert set(book) == {"王丽", "'-2+3", "'@SUM(A1)", "'+1"}
    assert book["'+1"]["total"] == "2.0"  # numbers are not escaped
    # the gradebook shortens at a word boundary; the feedback file keeps the whole text
    assert book["王丽"]["errors"].endswith(" …") and len(book["王丽"]["errors"]) <= 500
    assert book["王丽"]["errors"] == shorten(long, 500) and "  " not in book["王丽"]["errors"]
    assert long.strip() in (tmp_path / "feedback" / "王丽.md").read_text()


def test_discovery_of_plain_canvas_and_moodle_layouts(tmp_path):
    (tmp_path / "alice.ipynb").write_text("{}")
    (tmp_path / "smithjane_late_12345_67890_lab01.ipynb").write_text("{}")
    moodle = tmp_path / "Wang Fang_4321_assignsubmission_file_"
    moodle.mkdir()
    (moodle / "lab01.ipynb").write_text("{}")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    found = {s.student: (s.name, s.late) for s in discover_submissions(tmp_path)}
    assert found == {"alice": ("", False), "12345": ("smithjane", True), "4321": ("Wang Fang", False)}
    with pytest.raises(CrmlabInputError, match="does not exist"):
        discover_submissions(tmp_path / "nope")


def test_reading_submissions_never_raises(tmp_path):
    cases = {"empty.ipynb": "", "list.ipynb": "[1, 2]", "deep.ipynb": "[" * 100000,
             "badsrc.ipynb": json.dumps({"nbformat": 4, "cells": [{"cell_type": "code", "source": 5}]}),
             "ok.ipynb": json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
                 {"cell_type": "code", "source": ["# QUESTION q1 points=1 answer=a compare=number\n", "a = 1"],
                  "metadata": {}, "outputs": []}]})}
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
    for name in ("empty.ipynb", "list.ipynb", "deep.ipynb", "badsrc.ipynb"):
        cells, reason = read_submission(tmp_path / name)
        assert cells is None and "not a valid notebook" in reason, name
    cells, reason = read_submission(tmp_path / "ok.ipynb")
    assert reason is None and cells == [{"source": "# QUESTION q1 points=1 answer=a compare=number\na = 1",
                                         "question": "q1"}]
    assert safe_name("../../etc/passwd") == "etc_passwd" and safe_name("王 芳") == "王_芳"


# -- rubric -----------------------------------------------------------------------------------

PARTS = ["theory_practice", "own_insight", "complete", "clear_viewpoint", "clear_audible", "organised", "fluent",
         "pace", "pleasant_voice", "natural", "expressive", "engaging", "poised", "self_presentation", "persuasive"]
FULL = [15, 15, 10, 10, 15, 5, 5, 3, 2, 5, 3, 2, 5, 3, 2]


def _sheet(rows):
    return pd.DataFrame([dict(zip(["rater", "role", "student", *PARTS], r, strict=True)) for r in rows])


def test_the_course_rubric_is_100_points_in_four_items():
    spec = rubric.load_rubric(RUBRIC)
    assert spec.total == 100 and spec.items == ["content", "delivery", "expression", "posture"]
    assert spec.parts.groupby("item", sort=False)["max"].sum().tolist() == [50, 30, 10, 10]
    assert spec.weights == {"teacher": 0.6, "student": 0.4}


def test_weighted_raters_and_group_rollup():
    spec = rubric.load_rubric(RUBRIC)
    half = [v / 2 for v in FULL]
    teacher = _sheet([("T1", "teacher", "li", *FULL), ("T1", "teacher", "wang", *half)])
    peers = _sheet([("S1", "student", "li", *half), ("S2", "student", "li", *FULL),
                    ("S1", "student", "wang", *half), ("S2", "student", "wang", *half)])
    result = rubric.score(rubric.read_sheets([teacher, peers], spec), spec,
                          groups=pd.DataFrame({"student": ["li", "wang"], "group": ["G1", "G1"]}))
    by = result.students.set_index("student")
    # li: teacher 100, students mean 75 → 0.6·100 + 0.4·75 = 90; wang: 50 everywhere → 50
    assert by.loc["li", "total"] == 90.0 and by.loc["wang", "total"] == 50.0
    assert by.loc["li", "content"] == 0.6 * 50 + 0.4 * 37.5
    assert (by.loc["li", "raters_student"], by.loc["li", "raters_teacher"]) == (2, 1)
    assert result.groups.to_dict("records") == [{"group": "G1", "members": 2, "score": 70.0, "lowest": 50.0,
                                                 "highest": 90.0}]
    assert result.warnings == []


def test_missing_raters_are_reported_and_weights_renormalised():
    spec = rubric.load_rubric(RUBRIC)
    sheets = rubric.read_sheets([_sheet([("T1", "teacher", "li", *FULL), ("S1", "student", "li", *FULL),
                                         ("S1", "student", "wang", *[0] * 15)])], spec)
    result = rubric.score(sheets, spec)
    assert result.students.set_index("student").loc["wang", "total"] == 0.0
    assert result.warnings == ["no teacher score for wang (weights renormalised over the roles present)"]


@pytest.mark.parametrize("change, message", [
    ({"own_insight": 16}, "outside the allowed range: rater T1, student li, own_insight: 16"),
    ({"own_insight": -1}, "outside the allowed range"),
    ({"own_insight": "good"}, "missing or not numbers"),
    ({"charisma": 3}, "unknown rubric item 'charisma'"),
])
def test_bad_score_sheets_are_refused(change, message):
    spec = rubric.load_rubric(RUBRIC)
    sheet = _sheet([("T1", "teacher", "li", *FULL)])
    for key, value in change.items():
        sheet[key] = value
    with pytest.raises(CrmlabInputError, match=message):
        rubric.read_sheets([sheet], spec)


def test_sheets_missing_a_part_or_scoring_twice_are_refused():
    spec = rubric.load_rubric(RUBRIC)
    sheet = _sheet([("T1", "teacher", "li", *FULL)])
    with pytest.raises(CrmlabInputError, match="missing score column"):
        rubric.read_sheets([sheet.drop(columns="pace")], spec)
    with pytest.raises(CrmlabInputError, match="scored student li more than once"):
        rubric.read_sheets([_sheet([("T1", "teacher", "li", *FULL)] * 2)], spec)


def test_bad_rubrics_are_refused():
    with pytest.raises(CrmlabInputError, match="add up to 10, not the stated total 100"):
        rubric.parse_rubric({"total": 100, "items": [{"id": "a", "parts": [{"id": "x", "max": 10}]}]})
    with pytest.raises(CrmlabInputError, match="used twice"):
        rubric.parse_rubric({"items": [{"id": "a", "parts": [{"id": "x", "max": 1}, {"id": "x", "max": 2}]}]})
    with pytest.raises(CrmlabInputError, match="must be positive"):
        rubric.parse_rubric({"items": [{"id": "a", "parts": [{"id": "x", "max": 0}]}]})


def test_rubric_cli_scores_and_exports(tmp_path, capsys):
    from crmlab.cli import main

    spec_sheet = _sheet([("T1", "teacher", "li", *FULL)])
    spec_sheet.to_csv(tmp_path / "t.csv", index=False)
    code = main(["rubric", "score", str(tmp_path / "t.csv"), "--rubric", str(RUBRIC), "--out", str(tmp_path / "o")])
    assert code == 0
    assert pd.read_csv(tmp_path / "o" / "students.csv")["total"].tolist() == [100.0]
    (tmp_path / "bad.csv").write_text("rater,role,student\nT1,teacher,li\n")
    assert main(["rubric", "score", str(tmp_path / "bad.csv"), "--rubric", str(RUBRIC)]) == 2
    assert "missing score column" in capsys.readouterr().err


def test_rubric_exports_are_for_excel_bom_and_no_formulas(tmp_path):
    """A student named '=HYPERLINK(...)' stays text; Chinese names survive Excel (UTF-8 BOM)."""
    from crmlab.cli import main

    sheet = _sheet([("T1", "teacher", '=HYPERLINK("http://x","点我")', *FULL), ("T1", "teacher", "王丽", *FULL)])
    sheet.to_csv(tmp_path / "t.csv", index=False)
    assert main(["rubric", "score", str(tmp_path / "t.csv"), "--rubric", str(RUBRIC), "--out",
                 str(tmp_path / "o")]) == 0
    for name in ("students.csv", "details.csv"):
        raw = (tmp_path / "o" / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), name
        students = set(pd.read_csv(tmp_path / "o" / name, encoding="utf-8-sig")["student"])
        assert students == {"'=HYPERLINK(\"http://x\",\"点我\")", "王丽"}, name


def test_grading_commands_are_registered():
    from crmlab.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["grade", "lab.ipynb", "subs", "--out", "g", "--jobs", "3", "--force",
                              "--student", "li", "--deadline", "2026-03-01T23:59", "--overrides", "o.csv"])
    assert (args.jobs, args.force, args.student, args.late_penalty) == (3, True, "li", 0.10)
    assert parser.parse_args(["assign", "lab.ipynb", "--out", "r"]).out == Path("r")
    args = parser.parse_args(["grade", "lab.ipynb", "subs.zip", "--out", "g", "--roster", "r.csv", "--times", "t.csv",
                              "--times-partial", "--times-from-files", "--merge-manual", "m.xlsx", "--lang", "zh"])
    assert (args.roster, args.times, args.times_partial, args.times_from_files, args.merge_manual, args.lang) == (
        Path("r.csv"), Path("t.csv"), True, True, Path("m.xlsx"), "zh")


def test_grade_cli_refuses_times_without_a_deadline(tmp_path, capsys):
    from crmlab.cli import main

    assert main(["grade", "lab.ipynb", str(tmp_path), "--out", str(tmp_path / "g"), "--times", "t.csv"]) == 2
    assert "--times/--times-from-files need --deadline" in capsys.readouterr().err


def test_an_unsandboxed_worker_still_grades():
    from crmlab.grader.grade import score_reply
    from crmlab.grader.plain import to_plain
    from crmlab.grader.sandbox import Limits, Worker

    limits = Limits(cell_timeout=3, notebook_timeout=20)
    worker = Worker(["numpy"], limits, sandbox=False)
    try:
        reply = worker.run("x", [{"source": "import os\na = 1 + 1", "question": "q1"},
                                 {"source": "b = 2\nraise ValueError('oops')", "question": "q2"}],
                           [{"id": "q1", "answer": ["a"], "compare": "number", "hidden": None},
                            {"id": "q2", "answer": ["b"], "compare": "number", "hidden": None}])
    finally:
        worker.close()
    expected = {"key": "k", "answers": {"q1": {"a": {"value": to_plain(2)}}, "q2": {"b": {"value": to_plain(3)}}}}
    result = score_reply(LAB, expected, reply, limits)
    assert result["status"] == "errors" and result["questions"]["q1"]["points"] == 2.0
    assert result["questions"]["q2"] == {"points": 0.0, "max": 3.0, "ok": False, "message": "the value is not correct"}
    assert result["cell_errors"] == ["code cell 2: ValueError: oops"]



def test_jobs_use_the_system_allocator_for_arrow_memory():
    # pandas keeps text in Arrow memory. Arrow's default allocator (mimalloc) reserves address
    # space in large blocks, which the job's memory limit (RLIMIT_AS) counts, so a job well under
    # its limit could fail to build a two-row text column. Jobs use the system allocator instead.
    from crmlab.grader.grade import score_reply
    from crmlab.grader.plain import to_plain
    from crmlab.grader.sandbox import Limits, Worker

    lab = parse_lab({"cells": [
        {"cell_type": "code", "metadata": {}, "source": "# QUESTION q1 points=1 answer=n compare=number\nn = 2"},
        {"cell_type": "code", "metadata": {}, "source": "# QUESTION q2 points=1 answer=system compare=number\nsystem = 1"},
    ]})
    limits = Limits(cell_timeout=10, notebook_timeout=30, memory_mb=512)
    worker = Worker(["pandas"], limits, sandbox=False)
    try:
        reply = worker.run("x", [
            {"source": "import pandas as pd, pyarrow as pa\nhog = bytearray(300 * 2**20)\n"
                       "n = len(pd.Series(['a', 'b']).str.upper())", "question": "q1"},
            {"source": "system = int(pa.default_memory_pool().backend_name == 'system')",
             "question": "q2"}],
            [{"id": "q1", "answer": ["n"], "compare": "number", "hidden": None},
             {"id": "q2", "answer": ["system"], "compare": "number", "hidden": None}])
    finally:
        worker.close()
    expected = {"key": "k", "answers": {"q1": {"n": {"value": to_plain(2)}},
                                        "q2": {"system": {"value": to_plain(1)}}}}
    result = score_reply(lab, expected, reply, limits)
    assert result["cell_errors"] == []
    assert [result["questions"][q]["points"] for q in ("q1", "q2")] == [1.0, 1.0]


def test_sheets_saved_by_excel_gbk_bom_and_xlsx_read_the_same(tmp_path):
    spec = rubric.load_rubric(RUBRIC)
    sheet = _sheet([("王老师", "teacher", "李娜", *FULL), ("王老师", "teacher", "张伟", *[v / 2 for v in FULL])])
    text = sheet.to_csv(index=False, lineterminator="\r\n")
    (tmp_path / "gbk.csv").write_bytes(text.encode("gbk"))          # Excel "CSV" on Chinese Windows
    (tmp_path / "bom.csv").write_bytes(text.encode("utf-8-sig"))    # Excel "CSV UTF-8"
    with pd.ExcelWriter(tmp_path / "book.xlsx") as writer:          # one sheet per rater
        sheet.iloc[:1].to_excel(writer, sheet_name="王老师-李娜", index=False)
        sheet.iloc[1:].to_excel(writer, sheet_name="王老师-张伟", index=False)
    totals = []
    for name in ("gbk.csv", "bom.csv", "book.xlsx"):
        result = rubric.score(rubric.read_sheets([tmp_path / name], spec), spec)
        totals.append(result.students.set_index("student")["total"].to_dict())
    assert totals == [{"张伟": 50.0, "李娜": 100.0}] * 3
    with pytest.raises(CrmlabInputError, match="score sheet .*nope.csv does not exist"):
        rubric.read_sheets([tmp_path / "nope.csv"], spec)


def _rotation():
    # four groups of two; each group's members score the next group (G1 → G2 → G3 → G4 → G1)
    groups = pd.DataFrame({"student": [f"s{i}" for i in range(1, 9)], "group": ["G1", "G1", "G2", "G2", "G3", "G3",
                                                                                "G4", "G4"]})
    nxt = {"G1": "G2", "G2": "G3", "G3": "G4", "G4": "G1"}
    member = dict(zip(groups["student"], groups["group"], strict=True))
    rows = [(rater, "student", target, *FULL) for rater in groups["student"] for target in groups["student"]
            if member[target] == nxt[member[rater]]]
    return groups, nxt, member, rows


def test_declared_peer_assignments_warn_only_about_missing_assigned_scores(tmp_path):
    spec = rubric.parse_rubric({"items": [{"id": "content", "parts": [{"id": p, "max": m} for p, m in
                                                                     zip(PARTS, FULL, strict=True)]}]})
    groups, nxt, member, rows = _rotation()
    rows = [r for r in rows if not (r[0] == "s1" and r[2] == "s4")]  # s1 forgot s4
    sheets = rubric.read_sheets([_sheet(rows)], spec)
    # undeclared: every rater "missed" the six students outside the group they scored: one line
    undeclared = rubric.score(sheets, spec, groups=groups).warnings
    assert len(undeclared) == 1 and undeclared[0].startswith("49 score(s) missing: a rater did not score every")
    (tmp_path / "assign.csv").write_text("rater,group\n" + "".join(
        f"{s},{nxt[member[s]]}\n" for s in groups["student"]), encoding="gbk")
    assignments = rubric.read_assignments(tmp_path / "assign.csv", groups)
    assert len(assignments) == 16
    result = rubric.score(sheets, spec, groups=groups, assignments=assignments)
    assert result.warnings == ["1 assigned score(s) missing: s1 → s4"]
    with pytest.raises(CrmlabInputError, match="give the groups file too"):
        rubric.read_assignments(tmp_path / "assign.csv")
    # a rater whose whole sheet is missing is an error, not 2 warnings among many
    without_s8 = rubric.read_sheets([_sheet([r for r in rows if r[0] != "s8"])], spec)
    with pytest.raises(CrmlabInputError, match="no scores at all from rater.s. s8, who have assignments"):
        rubric.score(without_s8, spec, groups=groups, assignments=assignments)


def test_rubric_cli_exit_status_is_0_complete_1_missing_2_unusable(tmp_path, capsys):
    from crmlab.cli import main

    groups, nxt, member, rows = _rotation()
    spec_path = tmp_path / "r.yaml"
    spec_path.write_text("items:\n  - id: content\n    parts:\n" + "".join(
        f"      - {{id: {p}, max: {m}}}\n" for p, m in zip(PARTS, FULL, strict=True)), encoding="utf-8")
    _sheet(rows).to_csv(tmp_path / "peers.csv", index=False)
    groups.to_csv(tmp_path / "groups.csv", index=False)
    (tmp_path / "assign.csv").write_text("rater,group\n" + "".join(
        f"{s},{nxt[member[s]]}\n" for s in groups["student"]), encoding="utf-8")
    base = ["rubric", "score", str(tmp_path / "peers.csv"), "--rubric", str(spec_path), "--groups",
            str(tmp_path / "groups.csv")]
    assert main([*base, "--assignments", str(tmp_path / "assign.csv")]) == 0
    assert capsys.readouterr().err == ""
    assert main(base) == 1
    assert capsys.readouterr().err.count("\n") == 1  # one line, not one per name
    assert main(["rubric", "score", str(tmp_path / "peers.csv"), str(tmp_path / "missing.csv"), "--rubric",
                 str(spec_path)]) == 2
    assert "missing.csv does not exist" in capsys.readouterr().err


def test_no_sandbox_is_recorded_and_keeps_the_key_off_the_disk_and_counts_are_per_run(tmp_path, capsys):
    import json
    import shutil

    from crmlab.cli import main

    cases = Path(__file__).parent / "grader_cases"
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("correct", "blank"):
        shutil.copy(cases / "submissions" / f"{name}.ipynb", subs)
    out = tmp_path / "out"
    args = ["grade", str(cases / "lab_mini.ipynb"), str(subs), "--out", str(out), "--quiet", "--no-sandbox",
            "--jobs", "1", "--timeout", "60"]
    assert main(args) == 0
    printed = capsys.readouterr()
    assert "graded 2 submission(s)" in printed.out and "sandbox OFF (--no-sandbox)" in printed.out
    meta = json.loads((out / "gradebook.meta.json").read_text())
    assert meta["sandbox"] == "OFF (--no-sandbox)" and meta["isolated"] is False and "warning" in meta
    assert not list(out.rglob("expected*.json"))  # unsandboxed jobs could read it: kept in memory only
    assert main(args + ["--student", "correct", "--force"]) == 0
    assert "graded 1 submission(s) (2 in " in capsys.readouterr().out
