"""Partial credit inside a question (# CHECK lines) and hints for numeric slips.

Replies are built by hand (the events a job would send), so no notebook runs here: the checks
run in the grader's process on exported data, which is exactly what is tested.
"""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab._checks import CrmlabInputError
from crmlab.grader.authoring import parse_lab
from crmlab.grader.checks import public_source, solution_problems
from crmlab.grader.grade import score_reply
from crmlab.grader.hints import numeric_hint
from crmlab.grader.plain import to_plain
from crmlab.grader.sandbox import Limits

Q1 = ("# QUESTION q1 points=3 answer=spend compare=frame ignore_order=true\n"
      '# CHECK 1 public "one row per member, with columns member_id and total": '
      'sorted(spend.columns) == ["member_id", "total"] and len(spend) == 4\n'
      '# CHECK 1 "the totals are right (whatever the column is called)": '
      "sorted(spend.iloc[:, 1].round(6)) == sorted(expected['total'].round(6))\n"
      '# CHECK 1 "the table does not match yet": compare\n'
      "### BEGIN SOLUTION\nspend = tx.groupby('member_id', as_index=False)['amount'].sum()\n### END SOLUTION")
Q2 = "# QUESTION q2 points=1 answer=top_share compare=number rtol=1e-6\ntop_share = 0.4"
LAB = parse_lab({"cells": [{"cell_type": "code", "metadata": {}, "source": Q1},
                           {"cell_type": "code", "metadata": {}, "source": Q2}]})
RIGHT = pd.DataFrame({"member_id": [1, 2, 3, 4], "total": [30.0, 5.0, 50.0, 15.0]})
EXPECTED = {"key": "k", "answers": {"q1": {"spend": {"value": to_plain(RIGHT)}},
                                    "q2": {"top_share": {"value": to_plain(50 / 100)}}}}


def _score(spend, top_share=0.5):
    events = [{"q": "q1", "var": "spend", "value": to_plain(spend)},
              {"q": "q2", "var": "top_share", "value": to_plain(top_share)}, {"done": True}]
    return score_reply(LAB, EXPECTED, {"exit": 0, "events": events}, Limits())["questions"]


def test_three_checks_give_partial_credit_with_their_messages():
    right = _score(RIGHT)["q1"]
    assert (right["points"], right["ok"], right["message"]) == (3.0, True, "correct")
    # one capitalised column: the totals are right (1 of 3), the other two checks explain why not 3
    capital = _score(RIGHT.rename(columns={"total": "Total"}))["q1"]
    assert capital["points"] == 1.0
    assert capital["message"].startswith("one row per member, with columns member_id and total; "
                                         "the table does not match yet (")
    # the right shape (rows shuffled: order is ignored) with wrong totals: 1 of 3
    wrong = _score(RIGHT.assign(total=[1.0, 2.0, 3.0, 4.0]).iloc[::-1])["q1"]
    assert wrong["points"] == 1.0 and wrong["message"].startswith("the totals are right (whatever the column is called)")
    # not a table at all: every check fails, no error escapes
    assert _score(7)["q1"]["points"] == 0.0


def test_numeric_slips_get_a_hint_in_the_feedback():
    assert _score(RIGHT, 50.0)["q2"]["message"] == ("the value is not correct; looks like a percentage: the answer "
                                                    "is a share (divide by 100)")
    assert _score(RIGHT, 0.7)["q2"]["message"] == "the value is not correct"


@pytest.mark.parametrize("expected, got, hint", [
    (0.25, 25.0, "looks like a percentage: the answer is a share (divide by 100)"),
    (25.0, 0.25, "looks like a share: the answer is a percentage (multiply by 100)"),
    (1234.5, 1.2345, "off by a factor of 1,000 (thousands?): check the units"),
    (12.5, 125.0, "off by a factor of 10: check the units"),
    (2 / 3, 0.67, "looks rounded to 2 decimals too early: keep full precision until the end"),
    (2 / 3, 1.0, "looks rounded to 0 decimals too early: keep full precision until the end"),
    (100.0, 100.0005, "close, but outside the tolerance"),   # 5e-6 relative: within 10× rtol
    (3.0, -3.0, "the sign is wrong"),
    (0.0, 5.0, None),            # no scale to tell slips apart
    (0.25, 0.5, None),           # a plain wrong answer
    (0.5, 0.5000001, None),      # within the tolerance: not wrong at all
])
def test_numeric_hints(expected, got, hint):
    assert numeric_hint(expected, got, {"rtol": 1e-6, "atol": 0.0}) == hint


def test_a_loose_tolerance_withholds_hints_it_cannot_back():
    # with rtol=0.05, 0.67 is within tolerance of 2/3 (correct, no hint) …
    assert numeric_hint(2 / 3, 0.67, {"rtol": 0.05, "atol": 0.0}) is None
    # … and rounding to 1 decimal (0.7) is also within it: no "rounded too early" for 0.7
    assert numeric_hint(2 / 3, 0.7, {"rtol": 0.05, "atol": 0.0}) is None


@pytest.mark.parametrize("header, message", [
    ('# CHECK 1 "a": x > 0\n# CHECK 1 "b": compare', "add up to 2 points, not the question's 3"),
    ('# CHECK 3 public "a": x == expected', "public check 'x == expected' uses the expected answer"),
    ('# CHECK 3 "a": os.system("ls")', "uses os"),
    ('# CHECK 3 "a": x >', "not a Python expression"),
    ("# CHECK 3 a: x > 0", "a check reads"),
    ('# CHECK 3 public "a": compare', "cannot be public"),
])
def test_bad_checks_are_refused_with_the_cell_named(header, message):
    cell = f"# QUESTION q1 points=3 answer=x compare=number\n{header}\nx = 1"
    with pytest.raises(CrmlabInputError, match=message):
        parse_lab({"cells": [{"cell_type": "code", "metadata": {}, "source": cell}]})
    with pytest.raises(CrmlabInputError, match="do not apply to compare=manual"):
        parse_lab({"cells": [{"cell_type": "code", "metadata": {},
                              "source": '# QUESTION d1 points=1 answer=t compare=manual\n# CHECK 1 "a": len(t) > 9'}]})


def test_the_release_keeps_only_public_checks_and_the_solution_must_pass_its_checks():
    released = public_source(Q1)
    assert "# CHECK 1 public" in released and "expected" not in released and ": compare" not in released
    assert solution_problems(LAB, EXPECTED) == []
    bad = {"key": "k", "answers": {"q1": {"spend": {"value": to_plain(RIGHT.head(3))}}, "q2": EXPECTED["answers"]["q2"]}}
    assert solution_problems(LAB, bad) == ["q1: 'one row per member, with columns member_id and total'"]


def test_the_self_check_runs_the_public_checks_on_the_students_own_values(tmp_path, monkeypatch):
    from crmlab.grader import selfcheck
    from crmlab.grader.release import checks_data

    data = checks_data(LAB, EXPECTED, "salt", "lab")
    assert data["questions"]["q1"]["checks"] == [{
        "points": 1.0, "message": "one row per member, with columns member_id and total", "public": True,
        "test": 'sorted(spend.columns) == ["member_id", "total"] and len(spend) == 4'}]
    (tmp_path / "lab.checks.json").write_text(__import__("json").dumps(data), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(selfcheck, "_LOADED", {})
    assert selfcheck.verdict("q1", RIGHT).ok
    problems = selfcheck.verdict("q1", RIGHT.rename(columns={"total": "Total"})).problems
    assert problems[0] == "one row per member, with columns member_id and total (1 point)"
    assert len(problems) > 1  # then the usual self-check details (the missing column)
