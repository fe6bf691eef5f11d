"""A personal dataset per student: ``crmlab assign --roster`` and grading on each owner's data.

The fixture lab (written here, in tmp_path) asks four questions on ``b2b_customers``: a count, a
mean, a choice marked ``data=fixed`` and a table. Roster students get notebooks bound to their
own variant of the table; a computing submission scores full marks on its owner's data, one that
carries a classmate's numbers scores zero on the data questions, and a notebook released for
one student but handed in by another is graded on the submitter's data and noted.

Grading runs unsandboxed here (``sandbox=False``): these tests are about which data each
submission meets, not isolation (``tests/test_grader_attacks.py`` covers the sandbox).
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from crmlab.grader.sandbox import Limits

SECRET = "roster-test-secret-2026-spring"
LIMITS = Limits(cell_timeout=30, notebook_timeout=60, memory_mb=1024)
SOLUTIONS = {
    "q1": 'n_long_terms = int((customers["payment_terms_months"] >= 3).sum())',
    "q2": 'mean_outlook = customers["outlook_points"].mean()',
    "q3": 'average = "B"',
    "q4": 'per_region = customers.groupby("region", observed=True).size().reset_index(name="n")',
    "q5": 'why = f"{int((customers[\'payment_terms_months\'] >= 3).sum())} customers have terms of 3 months or more"',
}
MARKERS = {
    "q1": "# QUESTION q1 points=1 answer=n_long_terms compare=number",
    "q2": "# QUESTION q2 points=1 answer=mean_outlook compare=number rtol=1e-6",
    "q3": "# QUESTION q3 points=1 answer=average compare=choice choices=A|B data=fixed",
    "q4": "# QUESTION q4 points=2 answer=per_region compare=frame ignore_order=true",
    "q5": "# QUESTION q5 points=1 answer=why compare=manual\n# RUBRIC: 1 point: the count on the student's data",
}
ROSTER = "学号,姓名,email\n20230101,王丽,wl@example.edu\n20230102,张伟,zw@example.edu\n" \
         "20230103,李娜,ln@example.edu\n20230104,陈静,cj@example.edu\n"


def write_lab(path: Path) -> Path:
    cells = [nbformat.v4.new_markdown_cell("# Roster lab (test fixture)"),
             nbformat.v4.new_code_cell('import pandas as pd\nfrom crmlab.datasets import load_dataset\n\n'
                                       'customers = load_dataset("b2b_customers")')]
    for qid, marker in MARKERS.items():
        cells.append(nbformat.v4.new_markdown_cell(f"**{qid}**"))
        cells.append(nbformat.v4.new_code_cell(f"{marker}\n### BEGIN SOLUTION\n{SOLUTIONS[qid]}\n### END SOLUTION"))
    nb = nbformat.v4.new_notebook(cells=cells)
    for number, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{number}"
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    from crmlab.grader.roster import assign_roster

    root = tmp_path_factory.mktemp("roster")
    source = write_lab(root / "lab_roster.ipynb")
    roster = root / "roster.csv"
    roster.write_bytes(ROSTER.encode("gbk"))  # as Excel saves it on Chinese Windows
    notebooks = assign_roster(source, roster, root / "release", SECRET, limits=LIMITS, sandbox=False, jobs=2)
    return {"root": root, "source": source, "roster": roster, "notebooks": notebooks}


def personal_call(notebook: Path) -> str:
    nb = nbformat.read(notebook, 4)
    return next(c.source for c in nb.cells if c.get("id") == "crmlab-personal-data")


def answers_on(notebook: Path, monkeypatch, tmp_path: Path) -> dict:
    """Run the notebook's personal-data cell as the student's kernel would, then the solutions."""
    from crmlab.datasets import load_dataset

    monkeypatch.setenv("CRMLAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("CRMLAB_GRADING", raising=False)
    monkeypatch.delenv("CRMLAB_DATA_VARIANT", raising=False)
    exec(personal_call(notebook), {})  # sets CRMLAB_DATA_VARIANT for this process (monkeypatch restores it)
    scope = {"pd": pd, "customers": load_dataset("b2b_customers")}
    for code in SOLUTIONS.values():
        exec(code, scope)
    return {name: scope[name] for name in ("n_long_terms", "mean_outlook", "average", "per_region", "why")}


def test_each_roster_student_gets_an_own_notebook_with_other_numbers(released, monkeypatch, tmp_path):
    from crmlab.datasets import load_dataset
    from crmlab.grader import selfcheck

    ids = [p.parent.name for p in released["notebooks"]]
    assert ids == ["20230101", "20230102", "20230103", "20230104"]
    first, second = released["notebooks"][:2]
    nb = nbformat.read(first, 4)
    assert nb.metadata["crmlab"]["student"] == "20230101"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].get("id") == "crmlab-personal-data" and "王丽 (20230101)" in code[0].source  # before load_dataset
    assert "load_dataset" in code[1].source and SECRET not in first.read_text(encoding="utf-8")
    assert personal_call(first) != personal_call(second)
    public = load_dataset("b2b_customers")
    mine, theirs = answers_on(first, monkeypatch, tmp_path), answers_on(second, monkeypatch, tmp_path)
    assert mine["mean_outlook"] != theirs["mean_outlook"] != public["outlook_points"].mean()
    assert not mine["per_region"].equals(theirs["per_region"])
    # the self-check of each notebook works on its owner's numbers: mine pass mine, not theirs
    monkeypatch.chdir(first.parent)
    selfcheck.bind("lab_roster", __import__("hashlib").sha256((first.parent / "lab_roster.checks.json")
                                                              .read_bytes()).hexdigest())
    assert selfcheck.verdict("q2", mine["mean_outlook"]).ok and selfcheck.verdict("q4", mine["per_region"]).ok
    assert not selfcheck.verdict("q2", theirs["mean_outlook"]).ok
    assert not selfcheck.verdict("q4", theirs["per_region"]).ok


def fill(notebook: Path, code: dict[str, str], target: Path) -> Path:
    nb = nbformat.read(notebook, 4)
    for cell in nb.cells:
        qid = cell.get("metadata", {}).get("crmlab", {}).get("question")
        if qid:
            cell.source = cell.source.split("\n", 1)[0] + "\n" + code[qid]
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    return target


def hard_coded(values: dict) -> dict[str, str]:
    frame = values["per_region"]
    return {"q1": f"n_long_terms = {values['n_long_terms']}", "q2": f"mean_outlook = {values['mean_outlook']!r}",
            "q3": 'average = "B"',
            "q4": f"per_region = pd.DataFrame({ {c: frame[c].tolist() for c in frame.columns}!r})",
            "q5": f"why = {values['why']!r}"}


def test_grading_uses_each_owners_data(released, monkeypatch, tmp_path):
    from crmlab.grader.grade import grade

    books = dict(zip(["wang", "zhang", "li", "chen"], released["notebooks"], strict=True))
    subs = tmp_path / "subs"
    fill(books["wang"], SOLUTIONS, subs / "20230101" / "lab_roster.ipynb")
    fill(books["zhang"], SOLUTIONS, subs / "20230102" / "lab_roster.ipynb")
    # 李娜 hands in her own notebook carrying 王丽's numbers (copied, not computed)
    wang = answers_on(books["wang"], monkeypatch, tmp_path)
    fill(books["li"], hard_coded(wang), subs / "20230103" / "lab_roster.ipynb")
    # 陈静 hands in 王丽's notebook (its key and metadata are 王丽's), computing the answers
    fill(books["wang"], SOLUTIONS, subs / "20230104" / "lab_roster.ipynb")
    monkeypatch.delenv("CRMLAB_DATA_VARIANT", raising=False)
    out = tmp_path / "grades"
    rows = {r["number"]: r for r in grade(released["source"], subs, out, roster=released["roster"],
                                          variant_seed=SECRET, sandbox=False, jobs=2, limits=LIMITS,
                                          progress=False, lang="en")}
    assert rows["20230101"]["total"] == rows["20230102"]["total"] == 5.0
    li = rows["20230103"]
    assert (li["q1"], li["q2"], li["q3"], li["q4"]) == (0.0, 0.0, 1.0, 0.0)  # only data=fixed q3 stands
    chen = rows["20230104"]
    assert chen["total"] == 5.0  # graded on 陈静's own data, which the notebook computes
    assert chen["notes"] == ("this notebook was released for 王丽 (20230101), handed in by 陈静 (20230104): "
                             "graded on 陈静 (20230104)'s data")
    assert rows["20230101"]["notes"] == rows["20230103"]["notes"] == ""
    # the written answer (q5, graded by hand) is shown beside the model answer on its owner's data
    review = (out / "manual" / "q5.html").read_text(encoding="utf-8")
    zhang = answers_on(books["zhang"], monkeypatch, tmp_path)
    assert wang["why"] != zhang["why"]
    for who in (wang, zhang):
        assert f"model answer on this student's data</summary><pre>{who['why']}</pre>" in review
    results = {json.loads(p.read_text())["data_owner"] for p in (out / "results").glob("*.json")}
    assert results == {"20230101", "20230102", "20230103", "20230104"}
    assert ("personal data: 4 submission(s) graded on their owner's data, 0 on the common hidden data (not on the "
            "roster); 1 notebook(s) of another student") in (out / "summary.txt").read_text(encoding="utf-8")
    meta = json.loads((out / "gradebook.meta.json").read_text())
    assert meta["personal_data"] is True and SECRET not in json.dumps(meta)
    # the same submissions without the roster: one common hidden variant, the copy still scores zero there
    plain = {r["student"]: r for r in grade(released["source"], subs, tmp_path / "common", variant_seed=SECRET,
                                            sandbox=False, jobs=2, limits=LIMITS, progress=False, lang="en")}
    assert plain["20230101"]["total"] == 5.0 and plain["20230103"]["q2"] == 0.0
    assert all(r["notes"] == "" for r in plain.values())
    assert json.loads((tmp_path / "common" / "gradebook.meta.json").read_text())["personal_data"] is False


def test_without_a_roster_the_release_is_unchanged(released, tmp_path):
    from crmlab.cli import main
    from crmlab.grader.release import assign

    source = released["source"]
    assert main(["assign", str(source), "--out", str(tmp_path / "cli"), "--no-sandbox"]) == 0
    assign(source, tmp_path / "api", sandbox=False)
    for name in ("lab_roster.ipynb", "lab_roster.checks.json"):
        assert (tmp_path / "cli" / name).read_bytes() == (tmp_path / "api" / name).read_bytes()
    nb = nbformat.read(tmp_path / "cli" / "lab_roster.ipynb", 4)
    assert "student" not in nb.metadata["crmlab"] and "use_personal_data" not in json.dumps(nb)
    assert sorted(p.name for p in (tmp_path / "cli").iterdir()) == ["lab_roster.checks.json", "lab_roster.ipynb"]


def test_bad_rosters_and_weak_secrets_are_refused(released, tmp_path):
    from crmlab._checks import CrmlabInputError
    from crmlab.grader.roster import assign_roster, read_class

    twice = tmp_path / "twice.csv"
    twice.write_text("学号,姓名\n20230101,王丽\n20230101,张伟\n", encoding="utf-8")
    with pytest.raises(CrmlabInputError, match="20230101 appears more than once"):
        read_class(twice)
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("学号,姓名,lms_id\n,王丽,555\n555,张伟,\n", encoding="utf-8")
    with pytest.raises(CrmlabInputError, match="the id 555 is used twice"):
        read_class(mixed)
    missing = tmp_path / "missing.csv"
    missing.write_text("学号,姓名,lms_id\n20230101,王丽,\n,张伟,\n", encoding="utf-8")
    with pytest.raises(CrmlabInputError, match="line 3: 张伟 has no 学号"):
        read_class(missing)
    with pytest.raises(CrmlabInputError, match="at least 16 characters"):
        assign_roster(released["source"], released["roster"], tmp_path / "r", "too-short", sandbox=False)


def test_the_command_line(released, tmp_path, capsys):
    from crmlab.cli import main

    source, roster = str(released["source"]), str(released["roster"])
    assert main(["assign", source, "--roster", roster, "--out", str(tmp_path / "r"), "--no-sandbox"]) == 2
    assert "--roster needs the class's secret" in capsys.readouterr().err
    assert main(["assign", source, "--variant-seed", SECRET, "--out", str(tmp_path / "r"), "--no-sandbox"]) == 2
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    assert main(["assign", source, "--roster", roster, "--variant-seed-file", str(secret), "--out",
                 str(tmp_path / "r"), "--no-sandbox", "--jobs", "2"]) == 0
    assert "wrote 4 personal notebooks" in capsys.readouterr().out
    # the same secret and roster give the same notebooks as the function did
    for notebook in released["notebooks"]:
        again = tmp_path / "r" / notebook.parent.name / notebook.name
        assert again.read_bytes() == notebook.read_bytes()
