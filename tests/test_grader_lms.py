"""LMS downloads as they come (Canvas, Moodle, zips, plain folders), rosters and submission times.

The fixtures follow the documented layouts, not our reader:

- Canvas "Download Submissions" zip: flat files ``<name>_<user id>_<submission id>_<file>``,
  the name being the student's sortable name lower-cased without spaces or punctuation (Chinese
  names stay in Chinese characters), ``late`` after the name for a late submission, and ``-1``
  before the extension when Canvas renamed a re-uploaded file; Canvas writes UTF-8 names.
- Moodle "Download all submissions": one folder per student and plugin,
  ``<Full name>_<participant id>_assignsubmission_file_`` (and ``..._onlinetext_`` holding
  ``onlinetext.html``); Moodle's grading worksheet has "Identifier" ("Participant 103") and
  "Last modified (submission)" ("Monday, 2 March 2026, 10:05 AM", "-" when nothing was handed in).
- A zip re-packed on Chinese Windows stores GBK names without the UTF-8 flag.
"""

from __future__ import annotations

import json
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from crmlab._checks import CrmlabInputError
from crmlab.grader.grade import Policy, _late_sources
from crmlab.grader.lms import (apply_roster, discover_submissions, match_times, read_roster, read_times,
                               safe_extract)

NB = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []})
CANVAS = [
    "zhangwei_12345_900001_lab02_pareto.ipynb",     # Zhang Wei (Latin name, lower-cased, no space)
    "张伟_23456_900002_lab02_pareto.ipynb",          # 张伟 …
    "张伟_34567_900003_lab02_pareto.ipynb",          # … and another 张伟: two students
    "lifang_late_45678_900004_lab02_pareto-1.ipynb",  # late, re-uploaded file renamed -1
    "wangfang_LATE_56789_900005_lab02_pareto.ipynb",  # the upper-case tag of older downloads
    "chenjing_67890_900006_lab02_pareto-Copy1.ipynb",  # Jupyter's copy sorts first …
    "chenjing_67890_900006_lab02_pareto.ipynb",        # … the one named like the lab is graded
]


def _canvas_zip(path: Path, names=CANVAS) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name in names:
            archive.writestr(zipfile.ZipInfo(name, (2026, 3, 2, 9, 30, 0)), NB)
    return path


def test_canvas_zip_with_unicode_names_duplicates_late_tags_and_copies(tmp_path):
    subs = discover_submissions(_canvas_zip(tmp_path / "submissions.zip"), assignment="lab02_pareto",
                                unzip_to=tmp_path / "x")
    found = {s.student: (s.name, s.late, s.path.name, s.others) for s in subs}
    assert found == {
        "12345": ("zhangwei", False, CANVAS[0], []),
        "23456": ("张伟", False, CANVAS[1], []),
        "34567": ("张伟", False, CANVAS[2], []),
        "45678": ("lifang", True, CANVAS[3], []),
        "56789": ("wangfang", True, CANVAS[4], []),
        "67890": ("chenjing", False, CANVAS[6], [CANVAS[5]]),
    }
    assert all(s.lms == "canvas" and s.picked_by_name for s in subs)
    # the zip's own times are kept on the extracted files (for --times-from-files)
    assert datetime.fromtimestamp(subs[0].path.stat().st_mtime) == datetime(2026, 3, 2, 9, 30)


def test_moodle_folders_onlinetext_and_several_notebooks(tmp_path):
    layout = {
        "张伟_101_assignsubmission_file_/lab02_pareto.ipynb": NB,
        "张伟_102_assignsubmission_file_/lab02_pareto-Copy1.ipynb": NB,
        "张伟_102_assignsubmission_file_/lab02_pareto.ipynb": NB,
        "张伟_102_assignsubmission_file_/.ipynb_checkpoints/lab02_pareto-checkpoint.ipynb": NB,
        "Li Fang_103_assignsubmission_onlinetext_/onlinetext.html": "<p>see my notebook</p>",
        "Li Fang_103_assignsubmission_file_/Untitled.ipynb": NB,
        "Ma Li_104_assignsubmission_file_/draft.ipynb": NB,
        "Ma Li_104_assignsubmission_file_/final.ipynb": NB,
    }
    for name, text in layout.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    subs = {s.student: s for s in discover_submissions(tmp_path, assignment="lab02_pareto")}
    assert {k: (s.name, s.path.name, s.others, s.picked_by_name) for k, s in subs.items()} == {
        "101": ("张伟", "lab02_pareto.ipynb", [], True),
        "102": ("张伟", "lab02_pareto.ipynb", ["lab02_pareto-Copy1.ipynb"], True),
        "103": ("Li Fang", "Untitled.ipynb", [], True),
        "104": ("Ma Li", "draft.ipynb", ["final.ipynb"], False),  # no pick by name: the summary says so
    }


def test_moodle_flat_files_and_plain_folders(tmp_path):
    (tmp_path / "Wang Fang_4321_assignsubmission_file_lab02_pareto.ipynb").write_text(NB)
    (tmp_path / "2023001_刘洋.ipynb").write_text(NB)
    (tmp_path / "zhao").mkdir()
    (tmp_path / "zhao" / "lab02_pareto.ipynb").write_text(NB)
    found = {s.student: (s.name, s.lms) for s in discover_submissions(tmp_path, assignment="lab02_pareto")}
    assert found == {"4321": ("Wang Fang", "moodle"), "2023001_刘洋": ("", ""), "zhao": ("", "")}


def test_a_zip_from_chinese_windows_has_gbk_names(tmp_path):
    # Windows' "send to compressed folder" stores names in the ANSI code page (GBK) without the
    # UTF-8 flag; build one by writing a same-length ASCII name and patching the bytes.
    real = "张伟_23456_900002_lab02_pareto.ipynb".encode("gbk")
    placeholder = "A" * 4 + "_23456_900002_lab02_pareto.ipynb"
    assert len(placeholder.encode()) == len(real)
    path = tmp_path / "win.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(placeholder, NB)
    path.write_bytes(path.read_bytes().replace(placeholder.encode(), real))
    subs = discover_submissions(path, assignment="lab02_pareto", unzip_to=tmp_path / "x")
    assert [(s.student, s.name) for s in subs] == [("23456", "张伟")]


@pytest.mark.parametrize("member", ["../evil.ipynb", "/etc/evil.ipynb"])
def test_unsafe_zip_members_are_refused(tmp_path, member):
    path = tmp_path / "bad.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(member, NB)
    with pytest.raises(CrmlabInputError, match="unsafe member"):
        safe_extract(path, tmp_path / "x")
    (tmp_path / "not.zip").write_text("plain text")
    with pytest.raises(CrmlabInputError, match="not a readable zip"):
        discover_submissions(tmp_path / "not.zip")


def test_roster_in_gbk_maps_ids_numbers_and_reports_who_is_missing(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_bytes(("学号,姓名,lms_id,邮箱\r\n2023001,张伟,23456,zw1@uni.cn\r\n2023002,张伟,34567,zw2@uni.cn\r\n"
                        "2023003,刘洋,,ly@uni.cn\r\n2023004,周敏,99999,zm@uni.cn\r\n").encode("gbk"))
    subs = discover_submissions(_canvas_zip(tmp_path / "c.zip", CANVAS[1:3]), assignment="lab02_pareto",
                                unzip_to=tmp_path / "x")
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "2023003_刘洋.ipynb").write_text(NB)
    subs += discover_submissions(tmp_path / "plain")
    subs, problems = apply_roster(subs, read_roster(roster), "en")
    assert [(s.student, s.name, s.number, s.email) for s in subs] == [
        ("23456", "张伟", "2023001", "zw1@uni.cn"), ("34567", "张伟", "2023002", "zw2@uni.cn"),
        ("2023003", "刘洋", "2023003", "ly@uni.cn")]
    assert problems == ["1 student(s) on the roster without a submission: 周敏"]
    assert apply_roster(subs, read_roster(roster), "zh")[1] == ["名单中 1 名学生未提交：周敏"]


def test_a_roster_needs_names_and_ids(tmp_path):
    (tmp_path / "r.csv").write_text("email\na@b.c\n", encoding="utf-8")
    with pytest.raises(CrmlabInputError, match="needs a name column"):
        read_roster(tmp_path / "r.csv")
    (tmp_path / "r.csv").write_text("学号,姓名\n1,a\n1,b\n", encoding="utf-8-sig")
    with pytest.raises(CrmlabInputError, match="number 1 appears more than once"):
        read_roster(tmp_path / "r.csv")


def _subs(tmp_path):
    return discover_submissions(_canvas_zip(tmp_path / "c.zip"), assignment="lab02_pareto", unzip_to=tmp_path / "x")


def test_a_partial_times_file_is_an_error_unless_asked(tmp_path):
    subs = _subs(tmp_path)
    times = tmp_path / "times.csv"
    times.write_text("student,submitted_at\n45678,2026-03-03T08:00\nwangfang,2026-03-02T00:30\n", encoding="utf-8")
    with pytest.raises(CrmlabInputError, match="no time for 4 student.*--times-partial"):
        match_times(read_times(times), subs)
    mapped = match_times(read_times(times), subs, partial=True)
    assert mapped == {"45678": datetime(2026, 3, 3, 8, 0), "56789": datetime(2026, 3, 2, 0, 30)}
    # an unknown student, or a name two students share, is always an error
    times.write_text("student,submitted_at\nnobody,2026-03-03T08:00\n张伟,2026-03-03T08:00\n", encoding="utf-8")
    with pytest.raises(CrmlabInputError, match="no submission from nobody; 张伟 matches several students"):
        match_times(read_times(times), subs, partial=True)


def test_moodle_grading_worksheet_times(tmp_path):
    sheet = tmp_path / "Grades-lab02.csv"
    sheet.write_text(
        "Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,"
        "Last modified (submission),Last modified (grade),Feedback comments\n"
        "Participant 101,张伟,zw1@uni.cn,Submitted for grading,,10.00,Yes,\"Monday, 2 March 2026, 10:05 AM\",-,\n"
        "Participant 105,周敏,zm@uni.cn,No submission,,10.00,Yes,-,-,\n", encoding="utf-8-sig")
    assert read_times(sheet) == {"101": datetime(2026, 3, 2, 10, 5)}


def test_late_sources_canvas_tags_and_deadline_without_times(tmp_path):
    subs = _subs(tmp_path)
    policy = Policy(deadline=datetime(2026, 3, 1, 23, 59))
    _late_sources(policy, subs, None, False)
    assert policy.late_tags == {"45678", "56789"} and policy.submission_times == {}
    moodle = tmp_path / "m" / "张伟_101_assignsubmission_file_"
    moodle.mkdir(parents=True)
    (moodle / "lab02_pareto.ipynb").write_text(NB)
    with pytest.raises(CrmlabInputError, match="a deadline needs submission times"):
        _late_sources(Policy(deadline=datetime(2026, 3, 1)), discover_submissions(tmp_path / "m"), None, False)
    _late_sources(Policy(deadline=datetime(2026, 3, 1), times_from_files=True), discover_submissions(tmp_path / "m"),
                  None, False)


def test_a_zipped_moodle_download_inside_a_folder(tmp_path):
    # Moodle's own zip holds the per-submission folders at the top; a teacher who re-zips the
    # unpacked folder adds one level, which is looked through (a single student folder is not).
    with zipfile.ZipFile(tmp_path / "moodle.zip", "w") as archive:
        archive.writestr("lab02-download/张伟_101_assignsubmission_file_/lab02_pareto.ipynb", NB)
        archive.writestr("lab02-download/张伟_102_assignsubmission_file_/lab02_pareto.ipynb", NB)
        archive.writestr("lab02-download/Li Fang_103_assignsubmission_onlinetext_/onlinetext.html", "<p>hi</p>")
    subs = discover_submissions(tmp_path / "moodle.zip", assignment="lab02_pareto", unzip_to=tmp_path / "x")
    assert [(s.student, s.name, s.lms) for s in subs] == [("101", "张伟", "moodle"), ("102", "张伟", "moodle")]
    (tmp_path / "one" / "zhao").mkdir(parents=True)
    (tmp_path / "one" / "zhao" / "lab02_pareto.ipynb").write_text(NB)
    assert [s.student for s in discover_submissions(tmp_path / "one")] == ["zhao"]


def test_times_with_a_zone_compare_with_a_local_deadline(monkeypatch):
    import time as _time

    from crmlab.grader.grade import late_days
    from crmlab.grader.lms import parse_time

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    _time.tzset()
    try:
        # 16:30 UTC on 1 March is 00:30 on 2 March in Beijing: 31 minutes after a 23:59 deadline
        assert parse_time("2026-03-01T16:30:00Z", "t") == datetime(2026, 3, 2, 0, 30)
        assert late_days("2026-03-01T16:30:00Z", "2026-03-01T23:59") == 1
        assert late_days("2026-03-01T15:30:00+00:00", "2026-03-01T23:59") == 0
    finally:
        monkeypatch.delenv("TZ")
        _time.tzset()
