"""Benchmark: a personal dataset per student, 100 students (release and grading cost).

    python benchmarks/bench_grader_personal.py [--n 100] [--jobs 2] [--no-sandbox]

The lab is the grader's data mini lab (tests/grader_cases/lab_data_mini.ipynb: four questions
on ``b2b_customers``). Measured in the same run, on the same machine:

- ``crmlab assign --roster``: one notebook per student, each with its own variant of the b2b
  tables and its self-check data computed on it (the source runs once per student);
- ``crmlab grade --roster --variant-seed``: each submission graded on its owner's variant (per
  student: the variant generated, a worker started on it, the source run on it, then the
  submission), first run and a rerun (all results current);
- the same submissions graded without the roster (one common hidden variant, as before), for
  the per-student overhead;
- the similarity report over the 100 submissions.

The submissions are a realistic mix (61 computing, 25 with one or two wrong answers, 12 blank,
1 infinite loop, 1 crash), each handed in as the student's own released notebook. Per-cell
timeout 5 s. Results go to benchmarks/results/grader_personal.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "tests" / "grader_cases" / "lab_data_mini.ipynb"
SECRET = "bench-personal-secret-2026"
CELL_TIMEOUT = 5.0
SOLUTIONS = {
    "q1": 'n_long_terms = int((customers["payment_terms_months"] >= 3).sum())',
    "q2": 'mean_outlook = customers["outlook_points"].mean()',
    "q3": 'average = "B"',
    "q4": 'per_region = customers.groupby("region", observed=True).size().reset_index(name="n")',
}
WRONG = {
    "q1": 'n_long_terms = int((customers["payment_terms_months"] > 3).sum())',
    "q2": 'mean_outlook = customers["outlook_points"].median()',
    "q3": 'average = "A"',
    "q4": 'per_region = customers.groupby("region", observed=True).size().reset_index(name="count")',
}


def mix(n: int) -> list[tuple[str, dict[str, str]]]:
    kinds = []
    n_correct, n_wrong = round(0.61 * n), round(0.25 * n)
    kinds += [("correct", dict(SOLUTIONS))] * n_correct
    for i in range(n_wrong):
        code = dict(SOLUTIONS)
        for q in list(WRONG)[i % 4: i % 4 + 1 + i % 2]:
            code[q] = WRONG[q]
        kinds.append(("wrong", code))
    kinds += [("blank", {q: 'raise NotImplementedError("not done")' for q in SOLUTIONS})] * (n - n_correct - n_wrong - 2)
    kinds += [("loop", {**SOLUTIONS, "q2": "while True:\n    pass"}),
              ("crash", {**SOLUTIONS, "q3": "import os\nos._exit(1)"})]
    return kinds


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def main() -> None:
    from crmlab.grader.grade import grade
    from crmlab.grader.lms import discover_submissions
    from crmlab.grader.jobs import load_source
    from crmlab.grader.roster import assign_roster
    from crmlab.grader.sandbox import Limits, bwrap_path
    from crmlab.grader.similarity import write_similarity

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-sandbox", action="store_true")
    args = parser.parse_args()
    sandbox = not args.no_sandbox and bwrap_path() is not None
    limits = Limits(cell_timeout=CELL_TIMEOUT, notebook_timeout=60)
    kinds = mix(args.n)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-personal-") as tmp:
        work = Path(tmp)
        roster = work / "roster.csv"
        roster.write_text("学号,姓名\n" + "".join(f"2026{i:04d},学生{i}\n" for i in range(len(kinds))), encoding="utf-8")
        assign_seconds, notebooks = timed(assign_roster, SOURCE, roster, work / "release", SECRET, limits=limits,
                                          sandbox=sandbox, jobs=args.jobs)
        subs = work / "subs"
        for (kind, code), notebook in zip(kinds, notebooks, strict=True):
            nb = nbformat.read(notebook, 4)
            for cell in nb.cells:
                qid = cell.get("metadata", {}).get("crmlab", {}).get("question")
                if qid:
                    cell.source = cell.source.split("\n", 1)[0] + "\n" + code[qid]
            (subs / notebook.parent.name).mkdir(parents=True)
            nbformat.write(nb, subs / notebook.parent.name / notebook.name)
        common = dict(jobs=args.jobs, limits=limits, sandbox=sandbox, progress=False, variant_seed=SECRET)
        personal_seconds, rows = timed(grade, SOURCE, subs, work / "personal", roster=roster, **common)
        rerun_seconds, _ = timed(grade, SOURCE, subs, work / "personal", roster=roster, **common)
        shared_seconds, shared_rows = timed(grade, SOURCE, subs, work / "shared", **common)
        expected = {"correct": 5.0, "blank": 0.0}
        by_number = {r["number"]: r for r in rows}
        right = all(by_number[n.parent.name]["total"] == expected[k] for (k, _), n in zip(kinds, notebooks, strict=True)
                    if k in expected)
        nb, lab = load_source(SOURCE)
        similarity_seconds, _ = timed(write_similarity, work / "personal", nb, lab,
                                      discover_submissions(subs, assignment=SOURCE.stem), SOURCE.stem)
        disk = sum(p.stat().st_size for p in (work / "personal" / ".private" / "variants").rglob("*")
                   if p.is_file() and p.stat().st_nlink == 1)
    load_after = os.getloadavg()
    n = len(kinds)
    lines = [
        "# Grader benchmark: a personal dataset per student", "",
        f"Machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} cores; load average "
        f"{load_before[0]:.1f} before, {load_after[0]:.1f} after. Sandbox: {'bubblewrap' if sandbox else 'OFF'}; "
        f"--jobs {args.jobs}; per-cell timeout {CELL_TIMEOUT:g} s (the loop costs it once per run).", "",
        f"{n} students, `tests/grader_cases/lab_data_mini.ipynb` (b2b tables), each handing in their own released "
        f"notebook ({', '.join(f'{sum(k == kind for k, _ in kinds)} {kind}' for kind in ('correct', 'wrong', 'blank', 'loop', 'crash'))}). Every computing submission "
        f"full marks and every blank zero on its owner's data: {right}.", "",
        "| step | total s | s / student |", "|---|---:|---:|",
        f"| `crmlab assign --roster` (variant + source run + release per student) | {assign_seconds:.1f} | "
        f"{assign_seconds / n:.3f} |",
        f"| `crmlab grade --roster --variant-seed` (owner's data per submission) | {personal_seconds:.1f} | "
        f"{personal_seconds / n:.3f} |",
        f"| rerun, all results current | {rerun_seconds:.1f} | {rerun_seconds / n:.3f} |",
        f"| same submissions, no roster (one common hidden variant) | {shared_seconds:.1f} | {shared_seconds / n:.3f} |",
        f"| similarity report ({n * (n - 1) // 2} pairs) | {similarity_seconds:.1f} | — |", "",
        f"Per-student overhead of grading on the owner's data: {(personal_seconds - shared_seconds) / n:.3f} s. "
        f"nbgrader autograde took 6.27 s per submission on this machine (benchmarks/results/grader.md, mini lab): "
        f"throughput vs nbgrader with personal data **{6.27 * n / max(personal_seconds - CELL_TIMEOUT, 1e-9):.1f}×** "
        "(target ≥ 2×).",
        f"Variants on disk in `.private/variants/` (tables not shared with the shipped files by hard links): "
        f"{disk / 2**20:.1f} MB for {n} students.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    (ROOT / "benchmarks" / "results" / "grader_personal.md").write_text(text, encoding="utf-8")
    if not right:
        sys.exit(1)


if __name__ == "__main__":
    main()
