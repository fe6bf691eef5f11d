"""Release a lab to students: strip solutions and hidden inputs, add self-checks.

``crmlab assign SOURCE.ipynb --out DIR`` writes ``DIR/<lab>.ipynb`` and ``DIR/<lab>.checks.json``
(see ``exercises/README.md``). The same source always gives byte-identical files: cell ids are
kept or derived from the question id, the hash salt is derived from the source's content, and
JSON is written with sorted keys.

Examples
--------
>>> strip_solutions("x = 1\\n### BEGIN SOLUTION\\ny = 2\\n### END SOLUTION", "q1")
'x = 1\\n# YOUR CODE HERE\\nraise NotImplementedError("q1: replace this line with your code")'
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

from crmlab.grader.authoring import BEGIN_SOLUTION, END_SOLUTION, HIDDEN_PREFIX, cell_source, first_line, marker_id
from crmlab._checks import CrmlabInputError
from crmlab.grader.checks import public_source, solution_problems
from crmlab.grader.compare import make_digest
from crmlab.grader.jobs import atomic_write, compute_expected, load_source
from crmlab.grader.sandbox import Limits, bwrap_path

IMPORT_CELL = "from crmlab.grader import check, check_all"


def strip_solutions(source: str, qid: str) -> str:
    """Replace every solution region by a stub that fails loudly, keeping its indentation."""
    out: list[str] = []
    inside = False
    for line in source.split("\n"):
        stripped = line.strip()
        if stripped == BEGIN_SOLUTION:
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out += [f"{indent}# YOUR CODE HERE",
                    f'{indent}raise NotImplementedError("{qid}: replace this line with your code")']
        elif stripped == END_SOLUTION:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def _clean(cell: Any) -> Any:
    cell = copy.deepcopy(cell)
    if cell.get("cell_type") == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
    meta = cell.get("metadata", {})
    for key in ("execution", "collapsed", "scrolled"):
        meta.pop(key, None)
    return cell


def _code_cell(source: str, cell_id: str, meta: dict[str, Any]) -> Any:
    import nbformat

    return nbformat.from_dict({"cell_type": "code", "execution_count": None, "id": cell_id,
                               "metadata": {"crmlab": meta}, "outputs": [], "source": source})


def salt_for(source_path: Path) -> str:
    """A per-lab hash salt: derived from the source, so unknown to students and deterministic."""
    return hashlib.sha256(b"crmlab-selfcheck\0" + source_path.read_bytes()).hexdigest()[:32]


def release_notebook(nb: Any, lab: Any) -> Any:
    """The student version of a parsed source notebook (a new nbformat node)."""
    import nbformat

    released = copy.deepcopy(nb)
    cells: list[Any] = []
    import_added = False
    for cell in nb["cells"]:
        if cell.get("cell_type") == "code" and first_line(cell).startswith(HIDDEN_PREFIX):
            continue
        new = _clean(cell)
        qid = marker_id(cell)
        if qid is not None:
            new["source"] = public_source(strip_solutions(cell_source(cell), qid))  # private checks stay home
            new.setdefault("metadata", {})["crmlab"] = {"question": qid}
        cells.append(new)
        if cell.get("cell_type") == "code" and not import_added:
            cells.append(_code_cell(IMPORT_CELL, "crmlab-selfcheck-import", {"selfcheck": "import"}))
            import_added = True
        if qid is not None:
            q = lab.question(qid)
            call = f'check("{qid}", {", ".join(q.answer)})'
            cells.append(_code_cell(call, f"crmlab-check-{qid}", {"selfcheck": qid}))
    released["cells"] = cells
    released.setdefault("metadata", {})["crmlab"] = {"released": True}
    nbformat.validate(released)
    return released


def checks_data(lab: Any, expected: dict[str, Any], salt: str, name: str) -> dict[str, Any]:
    """The self-check sidecar: per question, its names, rule, and a digest of each answer."""
    questions = {}
    for q in lab.questions:
        entry: dict[str, Any] = {"answer": list(q.answer), "compare": q.compare, "returns": q.returns,
                                 "options": q.options, "points": q.points}
        if q.checks:
            entry["checks"] = [c.to_dict() for c in q.checks if c.public]
        if q.compare not in ("function", "manual"):  # manual: graded by hand, nothing to check against
            entry["digests"] = {name_: make_digest(q.compare, q.options, expected["answers"][q.id][name_]["value"],
                                                   f"{salt}:{q.id}:{name_}")
                                for name_ in q.answer}
        questions[q.id] = entry
    return {"lab": name, "format": 1, "salt": salt, "questions": questions}


def assign(source: str | Path, out: str | Path, limits: Limits | None = None, sandbox: bool = True,
           expected: dict[str, Any] | None = None) -> tuple[Path, Path]:
    """Release ``source`` into folder ``out``; returns the notebook and sidecar paths."""
    import nbformat

    source, out = Path(source), Path(out)
    nb, lab = load_source(source)
    if expected is None:
        # the instructor's own (trusted) code: sandboxed when bubblewrap is there
        expected = compute_expected(source, limits=limits, sandbox=sandbox and bwrap_path() is not None)
    failing = solution_problems(lab, expected)
    if failing:
        raise CrmlabInputError(f"{source}: the solution fails its own checks: " + "; ".join(failing))
    released = release_notebook(nb, lab)
    notebook_path = out / source.name
    checks_path = out / f"{source.stem}.checks.json"
    atomic_write(notebook_path, nbformat.writes(released) + "\n")
    data = checks_data(lab, expected, salt_for(source), source.stem)
    atomic_write(checks_path, json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1) + "\n")
    return notebook_path, checks_path
