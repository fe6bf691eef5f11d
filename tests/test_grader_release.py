"""Release (crmlab assign) and the student self-check, on the mini lab fixture."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
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
    sha = hashlib.sha256(checks.read_bytes()).hexdigest()
    assert sources[1] == ('from crmlab.grader import check, check_all\n'
                          f'check.bind("lab_mini", "{sha}")  # this notebook\'s self-check data: lab_mini.checks.json')
    assert nb.metadata["crmlab"] == {"released": True, "lab": "lab_mini", "checks_sha256": sha}
    assert any(s.startswith("# EXAMPLES q4") for s in sources)  # public examples stay visible
    assert [s for s in sources if s.startswith("check(")] == [
        'check("q1", spend)', 'check("q2", top_share)', 'check("q3", vip)', 'check("q4", repeat_rate)',
        'check("q5", big)']
    assert all(c.get("outputs") == [] and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
    data = json.loads(checks.read_text())
    assert set(data["questions"]) == {"q1", "q2", "q3", "q4", "q5"}
    digests = {q: json.dumps(d.get("digests")) for q, d in data["questions"].items()}
    assert '"B"' not in digests["q3"] and "50.0" not in digests["q1"] and "0.5" not in digests["q2"]
    assert {q: d["check"] for q, d in data["questions"].items()} == {
        "q1": "value", "q2": "value", "q3": "format", "q4": "examples", "q5": "value"}


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
        "✗ q1: values differ in column `total` (the self-check does not say which rows for whole numbers, "
        "text and labels: that would let a script recover them one cell at a time)",
        "✓ q2 looks correct",
        "✗ q2: the value is not correct",
        "✓ q3: the form is right; the value itself is not checked here (it is graded)",
        "✗ q3: 'Z' is not one of the choices A, B, C",
        "✗ q5: the collection is not the expected one (2 distinct items expected; the self-check does not "
        "say which are missing, so that no script can find them one by one)",
        "? q9: no question 'q9' in the self-check data of lab_mini; its questions are q1, q2, q3, q4, q5",
    ]


def test_check_all_reads_the_notebook_variables(in_release, capsys):
    from crmlab.grader import check_all

    namespace = {"spend": SPEND, "top_share": 0.6, "vip": "A", "check_all": check_all}
    exec("check_all()", namespace)
    out = capsys.readouterr().out
    assert "✓ q1 looks correct" in out and "✗ q2: the value is not correct" in out
    assert "✓ q3: the form is right" in out  # a choice: the form only, else a loop over A, B, C finds it
    assert "✗ q4: `repeat_rate` is not defined yet" in out and "2 of 5 questions pass their self-check" in out


def _rate_wrong(orders):
    return float(orders["customer_id"].duplicated().mean())


def _rate_right(orders):
    return float((orders.groupby("customer_id").size() >= 2).mean())


def _rate_raises(orders):
    raise KeyError("customer_id")


def test_function_self_check_runs_the_public_examples(in_release, capsys):
    # The question shows repeat_rate(orders of members [5, 6, 6, 7]) == 1/3; the self-check runs
    # that example and shows the first failure with its input, the expected and the returned value.
    from crmlab.grader import check

    check("q4", _rate_right)
    check("q4", _rate_wrong)
    check("q4", _rate_raises)
    check("q4", lambda orders: object())
    check("q4", 3)
    lines = capsys.readouterr().out.strip().split("\n")
    call = "example 1: repeat_rate(DataFrame({'customer_id': [5, 6, 6, 7]}))"
    assert lines == [
        "✓ q4: its 1 public example(s) pass; the grader also uses other inputs",
        f"✗ q4: {call} should return 0.3333333333333333, got 0.25 (the value is not correct)",
        f"✗ q4: {call} raised KeyError: 'customer_id' (expected 0.3333333333333333)",
        f"✗ q4: {call} the return value cannot be graded: a value of type object cannot be graded; use numbers, "
        "text, booleans, dates, lists, dicts, Series or DataFrames (expected 0.3333333333333333)",
        "✗ q4: `repeat_rate` should be a function",
    ]


def test_a_value_the_self_check_accepts_is_never_graded_zero(released):
    # round(x, 6) with rtol=1e-6: the self-check (hashes of rounding cells) said ✓ and the grader
    # gave 0. Both now use the same rule (compare.numbers_match), so they agree either way.
    from crmlab.grader.compare import check_digest, compare, make_digest
    from crmlab.grader.plain import to_plain

    opts = {"rtol": 1e-6, "atol": 1e-9}
    for exact in (0.3183098861837907, 0.2718281828459045, 123.456789012, 5e-9):
        digest = make_digest("sequence", opts, to_plain([exact]), "salt")
        for student in (round(exact, 6), round(exact, 7), exact * (1 + 3e-6), exact * (1 + 6e-6), exact + 2e-9):
            self_ok = check_digest(digest, to_plain([student]), opts, "salt").ok
            grader_ok = compare("sequence", opts, to_plain([exact]), to_plain([student])).ok
            assert self_ok == grader_ok, (exact, student)


def test_renamed_notebooks_beside_two_labs_checks_load_their_own(released, tmp_path, monkeypatch, capsys):
    # What `--out release/` gives for two labs: both sidecars in one folder. A renamed notebook
    # (wang_li_lab02.ipynb) finds its data by the hash in its first cell, not by its file name.
    from crmlab.grader import check

    folder = tmp_path / "downloads"
    folder.mkdir()
    notebook, checks = released["first"]
    shutil.copy(checks, folder / "lab_mini.checks.json")
    other = json.loads(checks.read_text())
    other.update(lab="lab_other", salt="another-salt")
    (folder / "lab_other.checks.json").write_text(json.dumps(other))
    shutil.copy(notebook, folder / "wang_li_lab_mini.ipynb")
    monkeypatch.chdir(folder)
    monkeypatch.delenv("CRMLAB_GRADING", raising=False)
    sha = hashlib.sha256(checks.read_bytes()).hexdigest()
    selfcheck.bind("lab_mini", sha)
    check("q2", 0.5)
    assert capsys.readouterr().out == "✓ q2 looks correct\n"
    (folder / "lab_mini.checks.json").rename(folder / "lab_mini (1).checks.json")  # a browser's rename
    selfcheck.bind("lab_mini", sha)
    assert selfcheck._LOADED["path"].endswith("lab_mini (1).checks.json")
    # another release of the same lab: refused, with what to do
    (folder / "lab_mini (1).checks.json").write_text(json.dumps({**other, "lab": "lab_mini"}))
    with pytest.raises(selfcheck.SelfCheckError, match="another release of lab_mini, not to this notebook: download"):
        selfcheck.bind("lab_mini", sha)
    check("q2", 0.5)
    assert "another release of lab_mini" in capsys.readouterr().out
    (folder / "lab_mini (1).checks.json").unlink()
    with pytest.raises(selfcheck.SelfCheckError, match=r"no self-check data for lab_mini .* other labs: lab_other"):
        selfcheck.bind("lab_mini", sha)
    selfcheck._LOADED.clear()


def test_a_brute_force_over_the_released_file_learns_nothing_faster_than_computing(released):
    # The lab02 attack: the salt ships in the file, so every candidate can be hashed offline.
    # - a choice (and a True/False or a small whole number) leaves no trace of its value: every
    #   candidate passes the format check alike;
    # - a single number is hashed with scrypt: each try costs as much as a self-check, and a
    #   share to 6 significant digits has about a million candidates (hours, not seconds);
    # - cells of tables stay fast hashes: they reveal at most the public-data answer, and the
    #   grader uses a hidden data variant (see test_grader_variants.py).
    from crmlab.grader.compare import SLOW_HASH_COST, _hash, _slow_hash, cell_tokens, check_digest
    from crmlab.grader.plain import to_plain

    data = json.loads(released["first"][1].read_text())
    q3 = data["questions"]["q3"]
    assert q3["digests"]["vip"] == {"facts": {"t": "scalar"}, "format_only": True, "kind": "choice"}
    passing = [c for c in "ABC" if check_digest(q3["digests"]["vip"], to_plain(c), q3["options"], "x").ok]
    assert passing == ["A", "B", "C"]
    q2 = data["questions"]["q2"]["digests"]["top_share"]
    token = cell_tokens(0.5, data["questions"]["q2"]["options"], "number", False)[0]
    salt = f"{data['salt']}:q2:top_share"
    assert q2["slow"] and q2["cells"] == [[_slow_hash(salt, token)]] and _hash(salt, token) not in json.dumps(q2)
    assert SLOW_HASH_COST >= 2**13


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
