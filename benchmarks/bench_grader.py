"""Benchmark: autograde 100 submissions of a lab; compare with the nbclient floor and nbgrader.

    python benchmarks/bench_grader.py [--n 100] [--nbgrader-venv /tmp/nbg-venv]

The lab is the grader's mini lab (tests/grader_cases/lab_mini.ipynb: setup + 5 questions incl.
a DataFrame, a function with hidden inputs and a choice). The 100 submissions are a realistic
mix: 61 correct, 25 wrong, 12 blank (the release), 1 infinite loop, 1 crash (``os._exit``).
Measured in the same run, on the same machine:

- **crmlab**: ``crmlab.grader.grade.grade`` with ``--jobs 2`` (sandboxed with bubblewrap) and a
  hidden data variant (``--variant-seed``; generated once beforehand and cached, as on a
  teacher's second run: its generation time is reported separately), including the source runs
  (on the variant and on the public data), worker start-up and writing every output;
- **floor**: nbclient starting a kernel and running each correct notebook, one at a time, no
  grading (measured on a sample, per submission);
- **nbgrader**: ``nbgrader autograde`` (0.9.x, in a separate venv: ``python -m venv
  /tmp/nbg-venv && /tmp/nbg-venv/bin/pip install nbgrader pandas``) on the same 100
  submissions converted to nbgrader's format (same code, the checks as hidden assert cells);
- the student self-check: ``from crmlab.grader import check`` import time and one check.

Per-cell timeout is 5 s for both graders so the infinite loop costs the same; "excluding
timeouts" subtracts that. Results go to benchmarks/results/grader.md.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "tests" / "grader_cases" / "lab_mini.ipynb"
CELL_TIMEOUT = 5.0
VARIANT_SECRET = "bench-variant-secret"

SOLUTIONS = {
    "q1": 'spend = tx.groupby("customer_id", as_index=False)["amount"].sum().rename(columns={"amount": "total"})',
    "q2": 'top_share = spend["total"].max() / spend["total"].sum()',
    "q3": 'vip = "B"',
    "q4": ('def repeat_rate(orders):\n    counts = orders.groupby("customer_id").size()\n'
           '    return float((counts >= 2).mean())'),
    "q5": 'big = set(spend.loc[spend["total"] > 20, "customer_id"])',
}
WRONG = {
    "q1": 'spend = tx.groupby("customer_id", as_index=False)["amount"].mean().rename(columns={"amount": "total"})',
    "q2": 'top_share = spend["total"].max() / len(spend)',
    "q3": 'vip = "A"',
    "q4": 'def repeat_rate(orders):\n    return float(orders["customer_id"].duplicated().mean())',
    "q5": 'big = set(spend.loc[spend["total"] >= 15, "customer_id"])',
}
BLANK = {q: 'raise NotImplementedError("not done")' if q != "q4" else
         'def repeat_rate(orders):\n    raise NotImplementedError("not done")' for q in SOLUTIONS}
# nbgrader's hidden tests: the same checks as the crmlab source, as asserts
NBGRADER_TESTS = {
    "q1": ('expected = pd.DataFrame({"customer_id": [1, 2, 3, 4], "total": [30.0, 5.0, 50.0, 15.0]})\n'
           'assert list(spend.columns) == ["customer_id", "total"]\n'
           'pd.testing.assert_frame_equal(spend.sort_values("customer_id").reset_index(drop=True), expected,'
           ' check_dtype=False)'),
    "q2": "assert abs(top_share - 0.5) <= 1e-6 * 0.5",
    "q3": 'assert vip.strip().upper() == "B"',
    "q4": ('assert abs(repeat_rate(pd.DataFrame({"customer_id": [1, 1, 2]})) - 0.5) < 1e-9\n'
           'assert abs(repeat_rate(pd.DataFrame({"customer_id": [1, 2, 3, 3, 3]})) - 1 / 3) < 1e-9'),
    "q5": "assert set(big) == {1, 3}",
}
POINTS = {"q1": 2, "q2": 1, "q3": 1, "q4": 2, "q5": 1}


def mix(n: int) -> list[tuple[str, dict[str, str]]]:
    """(kind, code per question) for n submissions: 61 % correct, 25 % wrong, 12 % blank, 1 loop, 1 crash."""
    kinds = []
    n_correct, n_wrong = round(0.61 * n), round(0.25 * n)
    n_blank = n - n_correct - n_wrong - 2
    kinds += [("correct", dict(SOLUTIONS))] * n_correct
    for i in range(n_wrong):  # each wrong submission gets one or two questions wrong
        code = dict(SOLUTIONS)
        for q in list(WRONG)[i % 5: i % 5 + 1 + i % 2]:
            code[q] = WRONG[q]
        kinds.append(("wrong", code))
    kinds += [("blank", dict(BLANK))] * n_blank
    loop = dict(SOLUTIONS)
    loop["q2"] = "while True:\n    pass"
    crash = dict(SOLUTIONS)
    crash["q3"] = "import os\nos._exit(1)"
    kinds += [("loop", loop), ("crash", crash)]
    return kinds


def crmlab_submission(code: dict[str, str]) -> nbformat.NotebookNode:
    nb = nbformat.read(SOURCE, 4)
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("# HIDDEN INPUTS"):
            continue
        if cell.cell_type == "code" and cell.source.startswith("# QUESTION"):
            qid = cell.source.split()[2]
            cell = copy.deepcopy(cell)
            cell.source = cell.source.split("\n", 1)[0] + "\n" + code[qid]
        cells.append(cell)
    nb.cells = cells
    return nb


def nbgrader_source() -> nbformat.NotebookNode:
    nb = nbformat.read(SOURCE, 4)
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("# HIDDEN INPUTS"):
            continue
        cell = copy.deepcopy(cell)
        cell.pop("id", None)
        if cell.cell_type == "code" and cell.source.startswith("# QUESTION"):
            qid = cell.source.split()[2]
            sol = "### BEGIN SOLUTION\n" + SOLUTIONS[qid] + "\n### END SOLUTION"
            if qid == "q4":
                sol = ('def repeat_rate(orders):\n    ### BEGIN SOLUTION\n    counts = orders.groupby("customer_id").size()\n'
                       '    return float((counts >= 2).mean())\n    ### END SOLUTION')
            cell.source = sol
            cell.metadata["nbgrader"] = {"grade": False, "solution": True, "locked": False,
                                         "grade_id": f"{qid}_answer", "schema_version": 3}
            cells.append(cell)
            test = new_code_cell(NBGRADER_TESTS[qid])
            test.pop("id", None)
            test.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": POINTS[qid],
                                         "grade_id": f"{qid}_tests", "schema_version": 3}
            cells.append(test)
        else:
            cells.append(cell)
    nb.cells = cells
    nb.nbformat_minor = 4
    return nb


def nbgrader_submission(release: nbformat.NotebookNode, code: dict[str, str]) -> nbformat.NotebookNode:
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if grade_id.endswith("_answer"):
            cell.source = code[grade_id.split("_")[0]]
    return nb


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def bench_crmlab(work: Path, kinds) -> dict:
    from crmlab.grader.grade import grade, private_dir
    from crmlab.grader.jobs import load_source, notebook_cells
    from crmlab.grader.sandbox import Limits, bwrap_path
    from crmlab.grader.variants import make_variant, topics_used

    subs = work / "crmlab_subs"
    subs.mkdir()
    for i, (kind, code) in enumerate(kinds):
        nbformat.write(crmlab_submission(code), subs / f"s{i:03d}_{kind}.ipynb")
    limits = Limits(cell_timeout=CELL_TIMEOUT, notebook_timeout=60)
    out = work / "crmlab_out"
    # variants on: the secret's tables are generated once and cached beside the gradebook
    code = "\n".join(cell["source"] for cell in notebook_cells(load_source(SOURCE)[0]))
    variant_seconds, _ = timed(make_variant, VARIANT_SECRET, private_dir(out) / "variants", topics_used(code))
    seconds, rows = timed(grade, SOURCE, subs, out, jobs=2, limits=limits, progress=False,
                          variant_seed=VARIANT_SECRET)
    totals = {r["student"]: r["total"] for r in rows}
    ok = all((totals[f"s{i:03d}_{k}"] == 7.0) == (k == "correct") for i, (k, _) in enumerate(kinds))
    warm_seconds, _ = timed(grade, SOURCE, subs, out, jobs=2, limits=limits, progress=False,
                            variant_seed=VARIANT_SECRET)
    return {"seconds": seconds, "sandbox": "bubblewrap" if bwrap_path() else "none", "correct": ok,
            "timeouts": CELL_TIMEOUT, "rerun_seconds": warm_seconds, "variant_seconds": variant_seconds,
            "statuses": {s: sum(r["status"] == s for r in rows) for s in {r["status"] for r in rows}}}


def bench_floor(work: Path, kinds, sample: int) -> dict:
    from nbclient import NotebookClient

    times = []
    correct = [code for kind, code in kinds if kind == "correct"][:sample]
    for code in correct:
        nb = crmlab_submission(code)
        client = NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(work)}})
        seconds, _ = timed(client.execute)
        times.append(seconds)
    return {"per_submission": statistics.median(times), "sample": len(times)}


def bench_nbgrader(work: Path, kinds, venv: Path) -> dict:
    nbgrader = venv / "bin" / "nbgrader"
    if not nbgrader.exists():
        return {"skipped": f"{nbgrader} not installed"}
    course = work / "nbgrader_course"
    (course / "source" / "mini").mkdir(parents=True)
    nbformat.write(nbgrader_source(), course / "source" / "mini" / "mini.ipynb")
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.root = r'%s'\nc.ExecutePreprocessor.timeout = %d\n"
        "c.Execute.timeout = %d\n" % (course, CELL_TIMEOUT, CELL_TIMEOUT))
    env = {**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)
    run = dict(cwd=course, env=env, capture_output=True, text=True)
    gen = subprocess.run([str(nbgrader), "generate_assignment", "mini", "--force", "--create"], **run)
    if gen.returncode:
        gen = subprocess.run([str(nbgrader), "generate_assignment", "mini", "--force"], **run)
    if gen.returncode:
        return {"skipped": "generate_assignment failed: " + gen.stderr[-500:]}
    release = nbformat.read(course / "release" / "mini" / "mini.ipynb", 4)
    for i, (kind, code) in enumerate(kinds):
        folder = course / "submitted" / f"s{i:03d}_{kind}" / "mini"
        folder.mkdir(parents=True)
        nbformat.write(nbgrader_submission(release, code), folder / "mini.ipynb")
    seconds, proc = timed(subprocess.run, [str(nbgrader), "autograde", "mini", "--force"], **run)
    graded = len(list((course / "autograded").glob("*/mini")))
    if graded < len(kinds) - 1:
        return {"skipped": f"autograde failed ({graded} graded): " + proc.stderr[-800:], "seconds": seconds}
    failed = [p.name for p in (course / "submitted").iterdir() if not (course / "autograded" / p.name / "mini").exists()]
    version = subprocess.run([str(nbgrader), "--version"], **run).stdout.strip().splitlines()[-1]
    return {"seconds": seconds, "version": version, "exit": proc.returncode, "not_graded": failed}


def bench_selfcheck(work: Path) -> dict:
    from crmlab.grader.release import assign

    release = work / "release"
    assign(SOURCE, release, sandbox=True)
    code = ("import time; t = time.perf_counter(); from crmlab.grader import check, check_all; "
            "print(time.perf_counter() - t)")
    imports = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                    check=True).stdout) for _ in range(5)]
    script = f"""
import os, time, statistics, contextlib, io
import numpy as np, pandas as pd
os.chdir({str(release)!r})
from crmlab.grader import check
from crmlab.grader.compare import make_digest, check_digest, _Reference
from crmlab.grader.plain import to_plain
tx = pd.DataFrame({{"customer_id": [1, 1, 2, 3, 3, 3, 4], "amount": [10.0, 20.0, 5.0, 7.5, 2.5, 40.0, 15.0]}})
spend = tx.groupby("customer_id", as_index=False)["amount"].sum().rename(columns={{"amount": "total"}})
def run(fn, n=20):
    times = []
    for _ in range(n):
        t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    return statistics.median(times)
with contextlib.redirect_stdout(io.StringIO()):
    small = run(lambda: check("q1", spend))
rng = np.random.default_rng(42)
big = pd.DataFrame({{"customer_id": np.arange(10000), "recency": rng.integers(0, 365, 10000),
                    "frequency": rng.integers(1, 50, 10000), "monetary": rng.gamma(2, 300, 10000).round(2),
                    "segment": rng.choice(["Champions", "Loyal", "At risk"], 10000)}})
opts = {{"rtol": 1e-6, "atol": 1e-9, "ignore_order": True, "ignore_index": True, "check_dtype": False, "columns": None}}
digest = make_digest("frame", opts, to_plain(big), "salt")
large = run(lambda: check_digest(digest, to_plain(big), opts, "salt"), n=5)
print(small, large)
"""
    small, large = map(float, subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                             check=True).stdout.split())
    return {"import": statistics.median(imports), "check_small": small, "check_10k_rows": large}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--floor-sample", type=int, default=8)
    parser.add_argument("--nbgrader-venv", type=Path, default=Path("/tmp/nbg-venv"))
    args = parser.parse_args()
    kinds = mix(args.n)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-grader-") as tmp:
        work = Path(tmp)
        crm = bench_crmlab(work, kinds)
        floor = bench_floor(work, kinds, args.floor_sample)
        nbg = bench_nbgrader(work, kinds, args.nbgrader_venv)
        selfcheck = bench_selfcheck(work)
    load_after = os.getloadavg()
    n = args.n
    counts = ", ".join(f"{sum(k == kind for k, _ in kinds)} {kind}" for kind in ("correct", "wrong", "blank", "loop",
                                                                              "crash"))
    rows = [("crmlab grade --jobs 2 --variant-seed (variant cached)", crm["seconds"], crm["seconds"] - crm["timeouts"])]
    rows.append(("floor: nbclient kernel + run (1 at a time)", floor["per_submission"] * n,
                 floor["per_submission"] * n))
    if "seconds" in nbg and "skipped" not in nbg:
        rows.append((f"nbgrader autograde ({nbg['version']})", nbg["seconds"], nbg["seconds"] - CELL_TIMEOUT))
    lines = [
        "# Grader benchmark", "",
        f"Machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} cores; "
        f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after (other work was running: "
        "numbers are noisy, ratios from the same run are the fair comparison).", "",
        f"{n} submissions of `tests/grader_cases/lab_mini.ipynb` ({counts}); per-cell timeout {CELL_TIMEOUT:g} s for both graders. crmlab sandbox: "
        f"{crm['sandbox']}; statuses {crm['statuses']}; every score as expected: {crm['correct']}.", "",
        "| run | total s | total s excl. timeouts | s / submission (excl.) |", "|---|---:|---:|---:|",
    ]
    for name, total, excl in rows:
        lines.append(f"| {name} | {total:.1f} | {excl:.1f} | {excl / n:.3f} |")
    if "skipped" in nbg:
        lines += ["", f"nbgrader: skipped ({nbg['skipped']})"]
    else:
        ratio = (nbg["seconds"] - CELL_TIMEOUT) / (crm["seconds"] - crm["timeouts"])
        lines += ["", f"Throughput vs nbgrader: **{ratio:.1f}×** (target ≥ 2×)."]
        if nbg.get("not_graded"):
            lines.append(f"nbgrader exited with code {nbg['exit']} and left out {', '.join(nbg['not_graded'])} "
                         "(its kernel died: 'Removing failed assignment'); crmlab gave it status `crashed` "
                         "with the points it had earned before.")
    lines += [f"Floor sample: {floor['sample']} notebooks, median {floor['per_submission']:.2f} s each "
              f"(extrapolated to {n}).",
              f"Re-running `crmlab grade` on the graded folder (all results current, skipped): "
              f"{crm['rerun_seconds']:.2f} s.",
              f"Generating the hidden data variant (once per secret, then cached): {crm['variant_seconds']:.1f} s "
              "(every generated table: the mini lab names none, so nothing narrows it).", "",
              "| self-check | seconds | target |", "|---|---:|---:|",
              f"| `from crmlab.grader import check, check_all` (median of 5 fresh interpreters) | "
              f"{selfcheck['import']:.3f} | < 0.5 |",
              f"| `check('q1', spend)` (4-row frame, median of 20) | {selfcheck['check_small']:.4f} | < 0.1 |",
              f"| digest check of a 10,000 × 5 frame (median of 5) | {selfcheck['check_10k_rows']:.4f} | — |"]
    text = "\n".join(lines) + "\n"
    print(text)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "grader.md").write_text(text, encoding="utf-8")
    print(json.dumps({"crmlab": crm, "floor": floor, "nbgrader": nbg, "selfcheck": selfcheck}, default=str))


if __name__ == "__main__":
    main()
