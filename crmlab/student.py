"""The student edition: the course as a student receives it, with no solutions in it.

``make student`` (or ``crmlab student --out student/``) writes::

    student/
      README.md              what to open first and how to run crmlab
      notebooks/             the chapter notebooks (links to the labs point at ../labs/)
      notebooks/zh/          the Chinese edition of every chapter notebook (中文版)
      labs/                  every lab released with ``crmlab assign``: stubs + self-checks
      labs/zh/               every lab released in Chinese (``crmlab assign --lang zh``)
      datasets/              the course data (CSV) and its data cards
      reports/               the investigation-report template and assignment sheets

Labs go through the grader's own release step (:func:`crmlab.grader.release.assign`), so the
student edition holds exactly what ``crmlab assign`` gives students, in both languages; a chapter
or a lab whose Chinese edition is missing or out of date stops the build (naming it). :func:`leaks` scans a
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
# 客户关系管理 · CRM analytics — student edition（学生版）

This folder is your copy of the course. Open it in JupyterLab and start with
`notebooks/00_getting_started.ipynb` (English) or `notebooks/zh/00_getting_started.ipynb` (中文版).

这是你的课程副本。用 JupyterLab 打开，从 `notebooks/zh/00_getting_started.ipynb`（中文版）开始；
实训在 `labs/zh/`，每道题后面都有自测单元格，`labNN_*.checks.json` 要和实训笔记本放在同一个文件夹里。

| chapter 章节 | read (English) | 阅读（中文） | solve (graded lab) | 实训（中文） |
|---|---|---|---|---|
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

## 中文说明

- **章节笔记本**：中文版在 `notebooks/zh/`，从 `notebooks/zh/00_getting_started.ipynb` 开始；图表和提示
  都是中文，数据的列名（如 `customer_id`）保持英文，因为代码要用它们。
- **实训与自测**：中文版实训在 `labs/zh/`。每道题后面都有一个自测单元格（`check(...)`），运行它可以在
  交作业之前知道答案是否正确；自测不是成绩。`labNN_*.checks.json` 要和实训笔记本放在同一个文件夹里。
  按老师的要求提交 `.ipynb` 文件，它会被自动评分，反馈也是中文。
- **自己运行 `crmlab` 命令**：`.venv/bin/crmlab datasets list`（Windows：`.venv\\Scripts\\crmlab`），
  或先激活环境，或在笔记本里写 `!crmlab datasets list`。
- **数据**：`datasets/` 里是全部数据表（CSV）和数据卡 `datasets/README.md`（附中文说明）。
- **调查报告**（实训一、四）：模板、任务书和评分表在 `reports/`；
  `crmlab report build my_report.ipynb --out build/` 把报告笔记本转成 Word 文档和网页。
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
        in_labs = path.relative_to(out).parts[0] == "labs"  # labs/ and labs/zh/
        hits = leaks_in_text(text, lines if in_labs else set())
        if hits:
            found[str(path.relative_to(out))] = hits
    return found


def _title(nb: Path) -> str:
    source = json.loads(nb.read_text(encoding="utf-8"))["cells"][0]["source"]
    return ("".join(source) if isinstance(source, list) else source).split("\n")[0].lstrip("# ").strip()


def _chapter_rows(notebooks: list[Path], labs: list[Path]) -> str:
    by_number = {lab.name[3:5]: lab for lab in labs}
    rows = []
    for nb in notebooks:
        zh = nb.parent / "zh" / nb.name
        title = _title(nb) + (f" · {_title(zh)}" if zh.is_file() else "")
        lab = by_number.get(nb.name[:2])
        solve = (f"`labs/{lab.name}` | `labs/zh/{lab.name}`") if lab else " | "
        rows.append(f"| {title} | `notebooks/{nb.name}` | `notebooks/zh/{nb.name}` | {solve} |")
    return "\n".join(rows)


def _chinese_editions(root: Path, chapters: list[Path], sources: list[Path]) -> None:
    """Refuse a course whose Chinese editions are missing or out of date (naming each problem)."""
    from crmlab._checks import CrmlabInputError
    from crmlab.editions import EditionError, edition_path, load_translation, problems, translation_path

    found = []
    for nb in [*chapters, *sources]:
        try:
            translation = load_translation(translation_path(nb))
        except EditionError as exc:
            found.append(str(exc))
            continue
        found += [f"{nb.relative_to(root)}: {p}" for p in problems(json.loads(nb.read_text(encoding="utf-8")),
                                                                   translation)]
        if nb in chapters and not edition_path(nb).is_file():
            found.append(f"{edition_path(nb).relative_to(root)} is missing: python -m crmlab.editions build {nb}")
    if found:
        raise CrmlabInputError(f"the Chinese edition is incomplete ({len(found)} problem(s)):\n  " + "\n  ".join(found))


def _copy_notebook(src: Path, dest: Path) -> None:
    """Copy a chapter notebook; its references to the instructors' ``exercises/`` become ``labs/``
    (``labs/zh/`` from the Chinese edition in ``notebooks/zh/``)."""
    text = src.read_text(encoding="utf-8")
    if src.parent.name == "zh":
        text = text.replace("../../exercises/", "../../labs/zh/").replace("`exercises/", "`labs/zh/")
    text = text.replace("../exercises/", "../labs/").replace("`exercises/", "`labs/").replace("student/labs/", "labs/")
    dest.write_text(text, encoding="utf-8")


def build(root: str | Path, out: str | Path, *, sandbox: bool = True) -> StudentEdition:
    """Write the student edition of the course at ``root`` into ``out`` (replaced if present).

    Raises :class:`~crmlab._checks.CrmlabInputError` when the course folder is incomplete or
    when the finished edition would leak a solution (nothing is left behind then).
    """
    from crmlab._checks import CrmlabInputError
    from crmlab.grader.jobs import compute_expected
    from crmlab.grader.release import assign
    from crmlab.grader.sandbox import bwrap_path

    root, out = Path(root), Path(out)
    sources = sorted((root / "exercises").glob("lab*.ipynb"))
    chapters = sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not sources or not chapters:
        raise CrmlabInputError(f"{root} is not the course folder: it needs notebooks/ and exercises/lab*.ipynb")
    if out.resolve() in (root.resolve(), *root.resolve().parents):
        raise CrmlabInputError(f"--out {out} would overwrite the course itself; choose a new folder")
    _chinese_editions(root, chapters, sources)
    if out.exists():
        shutil.rmtree(out)
    edition = StudentEdition(out)
    (out / "notebooks" / "zh").mkdir(parents=True)
    for nb in chapters:
        _copy_notebook(nb, out / "notebooks" / nb.name)
        _copy_notebook(nb.parent / "zh" / nb.name, out / "notebooks" / "zh" / nb.name)
        edition.notebooks += [out / "notebooks" / nb.name, out / "notebooks" / "zh" / nb.name]
    for source in sources:
        # the instructor's own (trusted) code, run once for both releases: sandboxed when bubblewrap is there
        expected = compute_expected(source, sandbox=sandbox and bwrap_path() is not None)
        for lang, folder in (("en", out / "labs"), ("zh", out / "labs" / "zh")):
            notebook, checks = assign(source, folder, sandbox=sandbox, expected=expected, lang=lang)
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
