"""Similarity report: a planted copy ranks first among independent submissions.

The generator below writes genuinely different solutions of the grader's mini lab
(``tests/grader_cases/lab_mini.ipynb``): for each question several approaches (pandas idioms,
plain loops, numpy, ``Counter``, half-correct ones), the student's own variable names, comments
and exploration cells, in their own order. Twenty students draw different combinations; a
twenty-first copies one of them, renaming every variable, reordering the cells, rewriting the
comments, adding an exploration cell and changing one line.
"""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

import nbformat
import pytest

CASES = Path(__file__).parent / "grader_cases"
SOURCE = CASES / "lab_mini.ipynb"

# {a} {b} {c}: names the student chooses; «x¦y»: a small choice each student makes their own way.
# Each list holds the approaches to one question, the last ones half-correct.
APPROACHES = {
    "q1": [
        'spend = tx.groupby("customer_id", as_index=False)["amount"]«.sum()¦.agg("sum")»'
        '«.rename(columns={{"amount": "total"}})¦\nspend.columns = ["customer_id", "total"]»',
        '{a} = tx.groupby("customer_id")["amount"]«.sum()¦.agg("sum")¦.apply(sum)»\n'
        '«spend = {a}.reset_index(name="total")¦spend = pd.DataFrame({{"customer_id": {a}.index, "total": {a}.values}})»',
        'spend = tx.pivot_table(index="customer_id", values="amount", aggfunc="sum").reset_index()'
        '«\nspend.columns = ["customer_id", "total"]¦.rename(columns={{"amount": "total"}})»',
        '{a} = {{}}\nfor {b}, {c} in zip(tx["customer_id"], tx["amount"]):\n'
        '«    {a}[{b}] = {a}.get({b}, 0) + {c}¦    if {b} in {a}:\n        {a}[{b}] += {c}\n    else:\n        {a}[{b}] = {c}»\n'
        'spend = pd.DataFrame({{"customer_id": list({a}«.keys()¦»), "total": list({a}.values())}})',
        'spend = tx.groupby("customer_id").agg(total=("amount", "sum")).reset_index()«¦\nspend = spend[["customer_id", "total"]]»',
        '{a} = «sorted(set(tx["customer_id"]))¦sorted(tx["customer_id"].unique())»\n'
        '{b} = [«tx.loc[tx["customer_id"] == {c}, "amount"].sum()¦tx[tx.customer_id == {c}].amount.sum()» for {c} in {a}]\n'
        'spend = pd.DataFrame({{"customer_id": {a}, "total": {b}}})',
        'spend = tx.groupby("customer_id", as_index=False)["amount"].mean()\nspend.columns = ["customer_id", "total"]',
    ],
    "q2": [
        'top_share = «spend["total"].max() / spend["total"].sum()¦spend.total.max() / spend.total.sum()»',
        '{a} = spend.sort_values("total", ascending=False)«¦.reset_index(drop=True)»\n{b} = {a}["total"]«.iloc[0]¦.values[0]»\n'
        'top_share = {b} / {a}["total"].sum()',
        'top_share = «max(spend["total"]) / sum(spend["total"])¦max(list(spend["total"])) / sum(list(spend["total"]))»',
        '{a} = spend["total"]«.to_numpy()¦.values»\ntop_share = «float(np.max({a}) / np.sum({a}))¦{a}.max() / {a}.sum()»',
        '{a} = 0\n{b} = 0\nfor {c} in spend["total"]:\n    {b} «+= {c}¦= {b} + {c}»\n    if {c} > {a}:\n        {a} = {c}\n'
        'top_share = {a} / {b}',
        'top_share = spend["total"].max() / len(spend)',
    ],
    "q3": [
        'vip = "B"',
        '{a} = spend.loc[spend["total"].idxmax(), "customer_id"]\nvip = {{1: "A", 3: "B", 4: "C"}}[«{a}¦int({a})»]',
        '{a} = spend.sort_values("total")«.iloc[-1]["customer_id"]¦["customer_id"].iloc[-1]»\nvip = "B" if {a} == 3 else "A"',
        'vip = "A"',
    ],
    "q4": [
        'def repeat_rate(orders):\n    {a} = orders.groupby("customer_id").size()\n'
        '    return «float(({a} >= 2).mean())¦({a} > 1).sum() / len({a})»',
        'def repeat_rate(orders):\n    {a} = orders["customer_id"].value_counts()\n'
        '    return «({a} > 1).sum() / len({a})¦float(({a} >= 2).mean())¦len({a}[{a} > 1]) / {a}.size»',
        'def repeat_rate(orders):\n    {a} = {{}}\n    for {b} in orders«["customer_id"]¦.customer_id»:\n'
        '        {a}[{b}] = {a}.get({b}, 0) + 1\n'
        '«    {c} = [{b} for {b} in {a} if {a}[{b}] >= 2]\n    return len({c}) / len({a})¦'
        '    return sum(1 for {b} in {a} if {a}[{b}] > 1) / len({a})»',
        'def repeat_rate(orders):\n    {a} = orders["customer_id"].duplicated(keep=False)\n'
        '    return orders.loc[{a}, "customer_id"].nunique() / orders["customer_id"].nunique()',
        'from collections import Counter\n\ndef repeat_rate(orders):\n    {a} = Counter(orders["customer_id"])\n'
        '    return «sum(1 for {b} in {a}.values() if {b} > 1)¦len([{b} for {b} in {a}.values() if {b} >= 2])» / len({a})',
        'def repeat_rate(orders):\n    return float(orders["customer_id"].duplicated().mean())',
    ],
    "q5": [
        'big = set(spend.loc[spend["total"] > 20, "customer_id"]«¦.tolist()»)',
        'big = set()\nfor _, {a} in spend.iterrows():\n    if {a}["total"] > 20:\n        big.add(«{a}["customer_id"]¦int({a}["customer_id"])»)',
        'big = {{{a} for {a}, {b} in zip(spend["customer_id"], spend["total"]) if {b} > 20}}',
        'big = set(spend.query("total > 20")«["customer_id"]¦.customer_id»)',
        '{a} = spend[spend«.total¦["total"]» > 20]\nbig = set({a}.customer_id.tolist())',
        'big = set(spend.loc[spend["total"] >= 15, "customer_id"])',
    ],
}
NAMES = ["tmp", "result", "data", "x", "y", "z", "counts", "totals", "row", "best", "cid", "value", "acc", "seen",
         "per_member", "s", "t", "vals", "n", "k", "agg", "table", "m", "item", "top", "summ", "freq", "w", "num"]
COMMENTS = ["# my answer", "# compute it", "# 计算", "# step 1", "# TODO check", "# using pandas", "# done",
            "# try again", "# 结果"]
EXPLORE = ['tx.head()', 'print(len(tx))', 'tx.describe()', 'tx["amount"].hist()', 'print(tx.dtypes)',
           'tx.sort_values("amount").tail(3)', 'print(tx["customer_id"].nunique(), "members")']


CHOSEN: dict[str, dict[str, set[str]]] = {}  # question → code → the names its student chose


def names(rng: random.Random) -> dict[str, str]:
    a, b, c = rng.sample(NAMES, 3)
    return {"a": a, "b": b, "c": c}


def student_code(rng: random.Random, choice: dict[str, int]) -> tuple[dict[str, str], list[str]]:
    """Per question the chosen approach with the student's names and comments; plus exploration cells."""
    code = {}
    for qid, index in choice.items():
        text = re.sub("«([^«»]*)»", lambda m: rng.choice(m[1].split("¦")), APPROACHES[qid][index])
        chosen = names(rng)
        text = text.format(**chosen)
        if rng.random() < 0.5:
            text = rng.choice(COMMENTS) + "\n" + text
        CHOSEN.setdefault(qid, {})[text] = set(chosen.values())
        code[qid] = text
    return code, rng.sample(EXPLORE, rng.randint(0, 3))


def notebook(release: Path, code: dict[str, str], explore: list[str], order: list[str] | None = None) -> nbformat.NotebookNode:
    """The released notebook with the answers filled in, exploration cells after the setup cell."""
    nb = nbformat.read(release, 4)
    cells, questions = [], {}
    for cell in nb.cells:
        qid = cell.get("metadata", {}).get("crmlab", {}).get("question")
        if qid:
            cell.source = cell.source.split("\n", 1)[0] + "\n" + code[qid]
            questions[qid] = cell
            cells.append(qid)
        else:
            cells.append(cell)
        if cell.get("id") == "crmlab-selfcheck-import":
            cells += [nbformat.v4.new_code_cell(e) for e in explore]
    if order:  # answer the questions in another order (each cell keeps its marker line)
        slots = iter(order)
        cells = [next(slots) if isinstance(c, str) else c for c in cells]
    nb.cells = [questions[c] if isinstance(c, str) else c for c in cells]
    return nb


def planted_copy(code: dict[str, str], explore: list[str], rng: random.Random) -> tuple[dict[str, str], list[str]]:
    """A copy with every chosen name renamed, comments rewritten, one line changed, one cell added."""
    copied = {}
    renames = {}
    for qid, text in code.items():
        chosen = CHOSEN[qid][text]
        lines = [line for line in text.split("\n") if not line.lstrip().startswith("#")]
        text = "# " + rng.choice(["copied? no, mine", "答案", "final version"]) + "\n" + "\n".join(lines)
        for name in sorted(chosen):  # the copier renames the variables, not the methods they call
            renames.setdefault(name, f"my_{name}_{rng.randint(10, 99)}")
            text = re.sub(rf"(?<![.\w]){name}\b", renames[name], text)
        copied[qid] = text
    copied["q2"] += "\nprint(top_share)"  # one line added
    return copied, [*reversed(explore), "tx.info()"]


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    from crmlab.grader.release import assign

    root = tmp_path_factory.mktemp("similarity")
    release = assign(SOURCE, root / "release", sandbox=False)[0]
    rng = random.Random(19)
    subs = root / "subs"
    subs.mkdir()
    chosen, originals = set(), {}
    while len(chosen) < 20:
        choice = {qid: rng.randrange(len(options)) for qid, options in APPROACHES.items()}
        key = tuple(choice.values())
        if key in chosen:
            continue
        chosen.add(key)
        student = f"s{len(chosen):02d}"
        code, explore = student_code(rng, choice)
        originals[student] = (code, explore)
        nbformat.write(notebook(release, code, explore), subs / f"{student}.ipynb")
    code, explore = planted_copy(*originals["s07"], rng)
    nbformat.write(notebook(release, code, explore, order=["q4", "q1", "q2", "q5", "q3"]), subs / "s21.ipynb")
    return {"root": root, "subs": subs, "release": release}


def test_the_planted_copy_ranks_first(classroom):
    from crmlab.grader.jobs import load_source
    from crmlab.grader.lms import discover_submissions
    from crmlab.grader.similarity import write_similarity

    nb, lab = load_source(SOURCE)
    out = classroom["root"] / "out"
    subs = discover_submissions(classroom["subs"], assignment="lab_mini")
    assert len(subs) == 21
    line = write_similarity(out, nb, lab, subs, "lab_mini")
    rows = list(csv.DictReader((out / "similarity.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert {rows[0]["student_a"], rows[0]["student_b"]} == {"s07", "s21"}
    assert float(rows[0]["score"]) > float(rows[1]["score"]) and "a reason to look, not a verdict" in line
    page = (out / "similarity.html").read_text(encoding="utf-8")
    assert "a reason to look, not a verdict" in page and "<mark>" in page
    first_row = re.search(r"<tr><td><a href='#pair1'>1</a></td>(.*?)</tr>", page)[1]
    assert "s07" in first_row and "s21" in first_row  # the page ranks the copy first too
    # the release itself is no one's own code: a blank release shares nothing with anyone
    nbformat.write(nbformat.read(classroom["release"], 4), classroom["subs"] / "blank.ipynb")
    subs = discover_submissions(classroom["subs"], assignment="lab_mini")
    write_similarity(out, nb, lab, subs, "lab_mini")
    rows = list(csv.DictReader((out / "similarity.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert "blank" not in {r["student_a"] for r in rows} | {r["student_b"] for r in rows}
    (classroom["subs"] / "blank.ipynb").unlink()


def test_renaming_and_comments_do_not_change_the_tokens():
    from crmlab.grader.similarity import normalised_tokens

    first = normalised_tokens('counts = orders.groupby("customer_id").size()  # per member\nrate = (counts >= 2).mean()')
    second = normalised_tokens("# 计算\nc = orders.groupby('customer_id').size()\nr = (c >= 2).mean()")
    assert [t for t, _, _ in first] == [t for t, _, _ in second]
    third = normalised_tokens('c = orders["customer_id"].value_counts()\nr = (c > 1).mean()')
    assert [t for t, _, _ in first] != [t for t, _, _ in third]


def test_grade_writes_the_report(tmp_path):
    from crmlab.grader.grade import grade
    from crmlab.grader.sandbox import Limits

    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("correct.ipynb", "blank.ipynb"):
        src = CASES / "submissions" / name
        if src.exists():
            (subs / name).write_bytes(src.read_bytes())
    if len(list(subs.iterdir())) < 2:
        pytest.skip("the mini lab's submission fixtures moved")
    grade(SOURCE, subs, tmp_path / "out", jobs=1, sandbox=False, progress=False, similarity=True,
          limits=Limits(cell_timeout=10, notebook_timeout=60))
    assert (tmp_path / "out" / "similarity.html").is_file() and (tmp_path / "out" / "similarity.csv").is_file()
    assert "similarity:" in (tmp_path / "out" / "summary.txt").read_text(encoding="utf-8")


def test_the_csv_is_for_excel_and_never_runs_a_name_as_a_formula():
    from crmlab.grader.similarity import Pair, _report_csv

    text = _report_csv([Pair("=HYPERLINK(\"x\")", "s02", 0.9, 0.9, 0.8, {1, 2})], {"s02": "王丽"}, 0.3)
    assert text.startswith("\ufeff")
    row = next(csv.DictReader(text.lstrip("\ufeff").splitlines()))
    assert row["student_a"] == "'=HYPERLINK(\"x\")" and row["name_b"] == "王丽"
