"""The student edition: the course as a student receives it, with no solutions in it.

``make student`` (or ``crmlab student --out student/``) writes::

    student/
      README.md              what to open first and how to run crmlab
      notebooks/             the chapter notebooks (links to the labs point at ../labs/)
      labs/                  every lab released with ``crmlab assign``: stubs + self-checks
      datasets/              the course data (CSV) and its data cards
      reports/               the investigation-report template and assignment sheets

Labs go through the grader's own release step (:func:`crmlab.grader.release.assign`), so the
student edition holds exactly what ``crmlab assign`` gives students. :func:`leaks` scans a
built edition for anything that must not be there (solution markers, hidden inputs, solution
lines of the instructor's sources); the build refuses to finish when it finds one.

Examples
--------
>>> leaks_in_text("x = 1\\n### BEGIN SOLUTION\\n", solution_lines=set())
['solution marker `### BEGIN SOLUTION`']
>>> leaks_in_text("rfm = compute(tx)", solution_lines={"rfm = compute(tx)"})
['solution line `rfm = compute(tx)`']
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

#: Strings that only instructors' sources contain.
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "# HIDDEN INPUTS")

#: Files from ``reports/`` that students get (the model reports are the teacher's to share).
REPORT_FILES = ("README.md", "report_template.ipynb", "assignment_training1.md", "assignment_training4.md",
                "rubric_report.yaml")

STUDENT_README = """\
# 客户关系管理 · CRM analytics — student edition

This folder is your copy of the course. Open it in JupyterLab and start with
`notebooks/00_getting_started.ipynb`.

| chapter | read | solve (graded lab) |
|---|---|---|
{rows}

## Labs and self-checks

Each lab in `labs/` has a self-check cell after every question: run it to see whether your
answer is right before you hand the notebook in. Keep `labNN_*.checks.json` next to its lab.
Hand in the `.ipynb` file the way your teacher tells you (it is graded automatically).

## Running `crmlab` yourself

After set-up the `crmlab` command lives in the course's virtual environment:

- `.venv/bin/crmlab datasets list` (Windows: `.venv\\Scripts\\crmlab datasets list`), or
- activate the environment first (`source .venv/bin/activate`, on Windows
  `.venv\\Scripts\\activate`; with conda `conda activate crmlab`) and type `crmlab ...`, or
- inside a course notebook: `!crmlab datasets list` (the notebook's kernel finds it).

## Data

`datasets/` holds every table as CSV with its data card (`datasets/README.md`). In a notebook,
`crmlab.datasets.load_dataset("retail_members")` loads the same tables.

## Reports (trainings 1 and 4)

`reports/` holds the investigation-report template, the assignment sheets and the rubric your
report is marked with; `crmlab report build my_report.ipynb --out build/` turns your report
notebook into a Word document and a web page.
"""


@dataclass
class StudentEdition:
    """What :func:`build` wrote."""

    out: Path
    notebooks: list[Path] = field(default_factory=list)
    labs: list[Path] = field(default_factory=list)
    datasets: list[Path] = field(default_factory=list)
    reports: list[Path] = field(default_factory=list)


def solution_lines(source: Path) -> set[str]:
    """The non-trivial lines inside the solution regions of an instructor's lab."""
    nb = json.loads(source.read_text(encoding="utf-8"))
    lines: set[str] = set()
    for cell in nb["cells"]:
        inside = False
        for line in "".join(cell.get("source", "")).split("\n"):
            stripped = line.strip()
            if stripped in ("### BEGIN SOLUTION", "### END SOLUTION"):
                inside = stripped == "### BEGIN SOLUTION"
            elif inside and len(stripped) >= 12 and not stripped.startswith("#"):
                lines.add(stripped)
    return lines


def notebook_text(raw: str) -> str:
    """Every cell's source and every text output of a notebook (JSON) as plain lines."""
    nb = json.loads(raw)
    parts = []
    for cell in nb.get("cells", []):
        parts.append("".join(cell.get("source", "")))
        for output in cell.get("outputs", []):
            parts.append("".join(output.get("text", "")))
            parts += ["".join(v) for k, v in output.get("data", {}).items() if k.startswith("text/")]
    return "\n".join(parts)


def leaks_in_text(text: str, solution_lines: set[str]) -> list[str]:
    """What in ``text`` must not reach students: markers and instructors' solution lines."""
    found = [f"solution marker `{m}`" for m in MARKERS if m in text]
    present = {line.strip() for line in text.split("\n")}
    found += [f"solution line `{line}`" for line in sorted(solution_lines & present)]
    return found


def leaks(out: str | Path, sources: list[Path]) -> dict[str, list[str]]:
    """Scan a built edition: file (relative) → what leaked. Empty when clean.

    Lab notebooks are scanned for every solution line of every source; other files for the
    markers only (a chapter notebook may teach a call that a lab also uses).
    """
    out = Path(out)
    lines = set().union(*(solution_lines(s) for s in sources)) if sources else set()
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        if path.suffix not in (".ipynb", ".json", ".md", ".py", ".yaml", ".txt"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".ipynb":
            text = notebook_text(text)
        hits = leaks_in_text(text, lines if path.parent.name == "labs" else set())
        if hits:
            found[str(path.relative_to(out))] = hits
    return found


def _chapter_rows(notebooks: list[Path], labs: list[Path]) -> str:
    by_number = {lab.name[3:5]: lab for lab in labs}
    rows = []
    for nb in notebooks:
        title = json.loads(nb.read_text(encoding="utf-8"))["cells"][0]["source"]
        title = ("".join(title) if isinstance(title, list) else title).split("\n")[0].lstrip("# ").strip()
        lab = by_number.get(nb.name[:2])
        rows.append(f"| {title} | `notebooks/{nb.name}` | {f'`labs/{lab.name}`' if lab else ''} |")
    return "\n".join(rows)


def _copy_notebook(src: Path, dest: Path) -> None:
    """Copy a chapter notebook; its references to the instructors' ``exercises/`` become ``labs/``."""
    text = src.read_text(encoding="utf-8")
    text = text.replace("../exercises/", "../labs/").replace("`exercises/", "`labs/").replace("student/labs/", "labs/")
    dest.write_text(text, encoding="utf-8")


def build(root: str | Path, out: str | Path, *, sandbox: bool = True) -> StudentEdition:
    """Write the student edition of the course at ``root`` into ``out`` (replaced if present).

    Raises :class:`~crmlab._checks.CrmlabInputError` when the course folder is incomplete or
    when the finished edition would leak a solution (nothing is left behind then).
    """
    from crmlab._checks import CrmlabInputError
    from crmlab.grader.release import assign

    root, out = Path(root), Path(out)
    sources = sorted((root / "exercises").glob("lab*.ipynb"))
    chapters = sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not sources or not chapters:
        raise CrmlabInputError(f"{root} is not the course folder: it needs notebooks/ and exercises/lab*.ipynb")
    if out.resolve() in (root.resolve(), *root.resolve().parents):
        raise CrmlabInputError(f"--out {out} would overwrite the course itself; choose a new folder")
    if out.exists():
        shutil.rmtree(out)
    edition = StudentEdition(out)
    (out / "notebooks").mkdir(parents=True)
    for nb in chapters:
        _copy_notebook(nb, out / "notebooks" / nb.name)
        edition.notebooks.append(out / "notebooks" / nb.name)
    for source in sources:
        notebook, checks = assign(source, out / "labs", sandbox=sandbox)
        edition.labs += [notebook, checks]
    shutil.copytree(root / "datasets", out / "datasets")
    edition.datasets = sorted((out / "datasets").iterdir())
    if (root / "reports").is_dir():
        (out / "reports").mkdir()
        for name in REPORT_FILES:
            if (root / "reports" / name).is_file():
                shutil.copy2(root / "reports" / name, out / "reports" / name)
                edition.reports.append(out / "reports" / name)
    readme = STUDENT_README.format(rows=_chapter_rows(chapters, [p for p in edition.labs if p.suffix == ".ipynb"]))
    (out / "README.md").write_text(readme, encoding="utf-8")
    found = leaks(out, sources)
    if found:
        shutil.rmtree(out)
        detail = "; ".join(f"{path}: {', '.join(hits[:3])}" for path, hits in found.items())
        raise CrmlabInputError(f"the student edition would leak solutions, so it was not written: {detail}")
    return edition
