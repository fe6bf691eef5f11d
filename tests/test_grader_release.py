"""Release (crmlab assign) and the student self-check, on the mini lab fixture."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from crmlab.grader import selfcheck
from crmlab.grader.jobs import compute_expected
from crmlab.grader.release import assign, strip_solutions

SOURCE = Path(__file__).parent / "grader_cases" / "lab_mini.ipynb"


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    root = tmp_path_factory.mktemp("release")
    expected = compute_expected(SOURCE, cache=root / "expected.json")
    first = assign(SOURCE, root / "a", expected=expected)
    second = assign(SOURCE, root / "b", expected=expected)
    return {"root": root, "expected": expected, "first": first, "second": second}


def test_strip_solutions_keeps_indentation_and_surrounding_code():
    source = "def f(x):\n    y = 1\n    ### BEGIN SOLUTION\n    return x + y\n    ### END SOLUTION\n"
    assert strip_solutions(source, "q9") == ('def f(x):\n    y = 1\n    # YOUR CODE HERE\n'
                                             '    raise NotImplementedError("q9: replace this line with your code")\n')


def test_release_strips_solutions_and_hidden_inputs_and_adds_checks(released):
    notebook, checks = released["first"]
    nb = nbformat.read(notebook, 4)
    text = notebook.read_text()
    assert "BEGIN SOLUTION" not in text and "HIDDEN INPUTS" not in text
    assert "groupby" not in text.split("def repeat_rate")[1].split("check(")[0]  # q4's body is gone
    assert 'vip = "B"' not in text and "cases = [" not in text
    sources = [c.source for c in nb.cells if c.cell_type == "code"]
    assert sources[1] == "from crmlab.grader import check, check_all"
    assert [s for s in sources if s.startswith("check(")] == [
        'check("q1", spend)', 'check("q2", top_share)', 'check("q3", vip)', 'check("q4", repeat_rate)',
        'check("q5", big)']
    assert all(c.get("outputs") == [] and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
    data = json.loads(checks.read_text())
    assert set(data["questions"]) == {"q1", "q2", "q3", "q4", "q5"}
    digests = {q: json.dumps(d.get("digests")) for q, d in data["questions"].items()}
    assert '"B"' not in digests["q3"] and "50.0" not in digests["q1"] and "0.5" not in digests["q2"]


def test_release_is_deterministic(released):
    # (tests/test_exercises.py re-runs each lab's source as a submission: the answers are stable too)
    (a_nb, a_checks), (b_nb, b_checks) = released["first"], released["second"]
    assert a_nb.read_bytes() == b_nb.read_bytes() and a_checks.read_bytes() == b_checks.read_bytes()


@pytest.fixture
def in_release(released, monkeypatch):
    monkeypatch.chdir(released["first"][0].parent)
    monkeypatch.delenv("CRMLAB_GRADING", raising=False)
    selfcheck._LOADED.clear()
    yield
    selfcheck._LOADED.clear()


TX = pd.DataFrame({"customer_id": [1, 1, 2, 3, 3, 3, 4], "amount": [10.0, 20.0, 5.0, 7.5, 2.5, 40.0, 15.0]})
SPEND = TX.groupby("customer_id", as_index=False)["amount"].sum().rename(columns={"amount": "total"})


def test_self_check_says_what_is_wrong_without_the_answer(in_release, capsys):
    from crmlab.grader import check

    check("q1", SPEND.sample(frac=1, random_state=3))
    check("q1", SPEND.rename(columns={"total": "monetary"}))
    check("q1", pd.concat([SPEND, SPEND.head(3)]))
    wrong = SPEND.copy()
    wrong.loc[3, "total"] = 0
    check("q1", wrong)
    check("q2", 0.5)
    check("q2", 0.6)
    check("q3", " b ")
    check("q3", "Z")
    check("q5", {1, 3, 4})
    check("q9", 1)
    lines = capsys.readouterr().out.strip().split("\n")
    assert lines == [
        "✓ q1 looks correct",
        "✗ q1: missing column `total`; unexpected column `monetary`",
        "✗ q1: 3 rows too many",
        "✗ q1: after sorting the rows, values differ from row 3 on (1 of 4 rows; column `total`)",
        "✓ q2 looks correct",
        "✗ q2: the value is not correct",
        "✓ q3 looks correct",
        "✗ q3: 'Z' is not one of the choices A, B, C",
        "✗ q5: 1 item that should not be there",
        "? q9: no question 'q9' in the self-check data (lab_mini.checks.json); check the question id",
    ]


def test_check_all_reads_the_notebook_variables(in_release, capsys):
    from crmlab.grader import check_all

    namespace = {"spend": SPEND, "top_share": 0.5, "vip": "A", "check_all": check_all}
    exec("check_all()", namespace)
    out = capsys.readouterr().out
    assert "✓ q1 looks correct" in out and "✗ q3: the value is not correct" in out
    assert "✗ q4: `repeat_rate` is not defined yet" in out and "2 of 5 questions look correct" in out


def test_self_check_is_silent_under_the_grader(in_release, capsys, monkeypatch):
    from crmlab.grader import check

    monkeypatch.setenv("CRMLAB_GRADING", "1")
    check("q2", 0.6)
    assert capsys.readouterr().out == ""


def test_self_check_without_its_data_explains_the_fix(tmp_path, monkeypatch, capsys):
    from crmlab.grader import check

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CRMLAB_GRADING", raising=False)
    selfcheck._LOADED.clear()
    check("q1", 1)
    assert "keep the file that came with the lab next to the notebook" in capsys.readouterr().out


def test_importing_the_student_api_stays_light():
    code = ("import sys; from crmlab.grader import check, check_all; "
            "print(sorted(m for m in ('pandas', 'numpy', 'nbclient', 'nbformat') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONWARNINGS": "ignore"}).stdout
    assert out.strip() == "[]"
