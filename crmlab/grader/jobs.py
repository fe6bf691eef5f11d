"""Turn notebooks into runner jobs and runner events into answers (shared by release and grade).

Examples
--------
>>> import nbformat
>>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("# QUESTION q1 points=1 answer=x compare=number\\nx = 1")])
>>> [cell["question"] for cell in notebook_cells(nb)]
['q1']
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from crmlab._checks import CrmlabInputError
from crmlab.grader.authoring import HIDDEN_PREFIX, Lab, cell_source, first_line, marker_id, parse_lab, read_notebook
from crmlab.grader.sandbox import Limits, Worker

#: Imported once in each worker before any job, so a job starts without import time.
BASE_PRELOAD = ["numpy", "pandas", "matplotlib", "matplotlib.pyplot", "crmlab", "crmlab.grader.plain",
                "crmlab.datasets"]


def notebook_cells(nb: Any) -> list[dict[str, Any]]:
    """The code cells to run, in order, with the question id each one answers (or None).

    Hidden-inputs cells are left out (they exist only in the source; the runner builds the cases
    itself), so the instructor's source runs exactly like a student's submission.
    """
    cells = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code" or first_line(cell).startswith(HIDDEN_PREFIX):
            continue
        cells.append({"source": cell_source(cell), "question": marker_id(cell)})
    return cells


def question_payload(lab: Lab, nb: Any) -> list[dict[str, Any]]:
    """What the runner needs to know about each question: names, kind, hidden-input code."""
    payload = []
    for q in lab.questions:
        hidden = cell_source(nb["cells"][lab.hidden_cells[q.id]]) if q.id in lab.hidden_cells else None
        examples = cell_source(nb["cells"][lab.example_cells[q.id]]) if q.id in lab.example_cells else None
        payload.append({"id": q.id, "answer": list(q.answer), "compare": q.compare, "hidden": hidden,
                        "examples": examples})
    return payload


def preload_modules(nb: Any) -> list[str]:
    """Modules the lab imports (read from its code, never executed), to import once per worker."""
    names = list(BASE_PRELOAD)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell_source(cell)
        names += [f"crmlab.{m}" for m in re.findall(r"\bcrmlab\.([a-z_]+)", source)]
        try:
            tree = ast.parse("\n".join(line for line in source.split("\n") if not line.lstrip().startswith(("%", "!"))))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
                names += [f"{node.module}.{alias.name}" for alias in node.names if node.module == "crmlab"]
    return list(dict.fromkeys(names))


def answers_from_events(events: list[dict[str, Any]], lab: Lab) -> dict[str, dict[str, dict[str, Any]]]:
    """question id → variable → the first event that exported it (``value``, ``calls`` or ``error``)."""
    answers: dict[str, dict[str, dict[str, Any]]] = {q.id: {} for q in lab.questions}
    for event in events:
        qid, var = event.get("q"), event.get("var")
        if qid in answers and isinstance(var, str) and var not in answers[qid]:
            answers[qid][var] = event
    return answers


def cell_errors(events: list[dict[str, Any]]) -> list[str]:
    """'cell N: error' for each cell that raised (N counts code cells from 1)."""
    from crmlab.i18n import retranslate, t

    return [t("grade.code_cell_error", cell=e["cell"] + 1, error=retranslate(e["error"])) for e in events
            if isinstance(e.get("cell"), int) and isinstance(e.get("error"), str)]


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def atomic_write(path: Path, text: str) -> None:
    """Write a file so that readers see the old or the new content, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def load_source(source: str | Path) -> tuple[Any, Lab]:
    nb = read_notebook(source)
    return nb, parse_lab(nb, name=str(source))


def compute_expected(source: str | Path, limits: Limits | None = None, cache: Path | None = None,
                     sandbox: bool = True, worker: Worker | None = None,
                     variant: Path | None = None) -> dict[str, Any]:
    """Run the instructor's source once and return its answers as plain data.

    The result (``{"key", "answers": {qid: {var: event}}}``) is cached in ``cache`` (a JSON
    file) and reused while the source and the data variant are unchanged. ``worker`` reuses a
    running worker (its own limits and data variant apply); ``variant`` is the folder of a hidden
    data variant (see :mod:`crmlab.grader.variants`). Raises :class:`CrmlabInputError`
    when the source does not produce an answer for every question.
    """
    import crmlab

    nb, lab = load_source(source)
    key = f"{sha256_file(source)}:{crmlab.__version__}"
    if variant is not None:
        key += f":variant-{Path(variant).name}"
    if cache is not None and cache.is_file():
        cached = json.loads(cache.read_text(encoding="utf-8"))
        if cached.get("key") == key:
            return cached
    limits = limits or Limits(cell_timeout=600, notebook_timeout=3600)
    own = worker is None
    worker = worker or Worker(preload_modules(nb), limits, sandbox=sandbox, variant=variant)
    try:
        reply = worker.run("source", notebook_cells(nb), question_payload(lab, nb))
    finally:
        if own:
            worker.close()
    answers = answers_from_events(reply["events"], lab)
    problems = [f"{qid}: {event.get('error')}" for qid, by_var in answers.items()
                for event in by_var.values() if "error" in event]
    problems += [f"{q.id}: `{name}` was not produced" for q in lab.questions for name in q.answer
                 if name not in answers[q.id]]
    problems += cell_errors(reply["events"])
    if reply.get("timed_out"):
        problems.append("the source ran past the notebook time limit")
    if problems:
        raise CrmlabInputError(f"{source}: the solutions do not run cleanly: " + "; ".join(problems[:10])
                               + ("\n" + reply.get("output", "")[-3000:] if reply.get("output") else ""))
    result = {"key": key, "answers": answers}
    if cache is not None:
        atomic_write(cache, json.dumps(result, ensure_ascii=False))
    return result
