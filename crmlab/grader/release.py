"""Release a lab to students: strip solutions and hidden inputs, add self-checks.

``crmlab assign SOURCE.ipynb --out DIR`` writes ``DIR/<lab>.ipynb`` and ``DIR/<lab>.checks.json``
(see ``exercises/README.md``). ``--lang zh`` releases the Chinese edition: the markdown from
``exercises/translations/<lab>.zh.yaml`` (:mod:`crmlab.editions`; a missing or stale translation
is an error naming the cells), the language line switched, the stubs, the self-check texts and
the ``# CHECK`` messages (their ``zh="..."`` texts) in Chinese, and ``crmlab.language = "zh"`` in
the notebook's metadata. The same source always gives byte-identical files: cell ids are
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

from crmlab._checks import CrmlabInputError
from crmlab.grader.authoring import (BEGIN_SOLUTION, END_SOLUTION, EXAMPLES_PREFIX, HIDDEN_PREFIX, cell_source,
                                     first_line, marker_id)
from crmlab.grader.checks import RUBRIC_ZH_PREFIX, public_source, solution_problems
from crmlab.grader.compare import low_information, make_digest
from crmlab.grader.jobs import atomic_write, compute_expected, load_source
from crmlab.grader.sandbox import Limits, bwrap_path
from crmlab.i18n import LANGUAGES, MESSAGES, t

IMPORT_CELL = "from crmlab.grader import check, check_all"
#: Added at the top of every release: what the self-check and the grader use (English; the
#: Chinese text is the catalogue's ``release.about_checks``).
ABOUT_CHECKS = MESSAGES["release.about_checks"]["en"]


def strip_solutions(source: str, qid: str, lang: str = "en") -> str:
    """Replace every solution region by a stub that fails loudly, keeping its indentation.

    Parameters
    ----------
    source
        The code of a question cell of the source notebook.
    qid
        The question id, named in the stub's error.
    lang
        The language of the stub's comment and error text (``"en"`` or ``"zh"``).

    Returns
    -------
    str
        The code with each ``### BEGIN SOLUTION`` … ``### END SOLUTION`` region replaced.

    Examples
    --------
    >>> print(strip_solutions("def f(x):\\n    ### BEGIN SOLUTION\\n    return 2 * x\\n    ### END SOLUTION", "q3"))
    def f(x):
        # YOUR CODE HERE
        raise NotImplementedError("q3: replace this line with your code")
    """
    out: list[str] = []
    inside = False
    for line in source.split("\n"):
        stripped = line.strip()
        if stripped == BEGIN_SOLUTION:
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out += [f"{indent}{t('release.stub_comment', lang)}",
                    f'{indent}raise NotImplementedError("{t("release.stub_error", lang, qid=qid)}")']
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
    """A per-lab hash salt: derived from the source, so unknown to students and deterministic.

    Parameters
    ----------
    source_path
        The instructor's source notebook (never released).

    Returns
    -------
    str
        32 hexadecimal characters of SHA-256 over a fixed prefix and the file's bytes.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "lab.ipynb"
    >>> _ = path.write_text("{}")
    >>> salt = salt_for(path)
    >>> len(salt), salt == hashlib.sha256(b"crmlab-selfcheck\\0{}").hexdigest()[:32]
    (32, True)
    """
    return hashlib.sha256(b"crmlab-selfcheck\0" + source_path.read_bytes()).hexdigest()[:32]


def bind_line(name: str, checks_sha256: str, lang: str = "en") -> str:
    """The release's import cell: it binds the notebook to its own self-check data.

    Parameters
    ----------
    name
        The lab's name (the sidecar is ``<name>.checks.json``).
    checks_sha256
        The SHA-256 of the sidecar's content.
    lang
        The release's language: another than English is passed to ``check.bind`` so that the
        self-check speaks it.

    Returns
    -------
    str
        Two lines of code: the import and ``check.bind(...)``.

    Examples
    --------
    >>> print(bind_line("lab02", "ab12"))
    from crmlab.grader import check, check_all
    check.bind("lab02", "ab12")  # this notebook's self-check data: lab02.checks.json
    """
    language = f', "{lang}"' if lang != "en" else ""
    return (f"{IMPORT_CELL}\n"
            f'check.bind("{name}", "{checks_sha256}"{language})  # {t("release.bind_comment", lang, name=name)}')


def release_notebook(nb: Any, lab: Any, name: str = "lab", checks_sha256: str = "", lang: str = "en") -> Any:
    """The student version of a parsed source notebook (a new nbformat node), bound to the
    self-check data whose SHA-256 is ``checks_sha256`` (see :func:`crmlab.grader.selfcheck.bind`).

    Solutions become stubs, hidden-input cells and outputs are removed, a note on the
    self-checks and the import cell are added before the first code cell, and a ``check(...)``
    cell follows each question.

    Parameters
    ----------
    nb
        The source notebook (an nbformat node).
    lab
        Its parsed questions (:func:`crmlab.grader.authoring.parse_lab`).
    name
        The lab's name.
    checks_sha256
        The SHA-256 of the self-check sidecar.
    lang
        The release's language: ``nb`` is already in it (see :func:`lab_edition`); the texts the
        release adds follow it.

    Returns
    -------
    nbformat.NotebookNode
        The released notebook (validated).

    Examples
    --------
    >>> import nbformat
    >>> from crmlab.grader.authoring import parse_lab
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
    ...     "# QUESTION q1 points=2 answer=share compare=number\\n### BEGIN SOLUTION\\n"
    ...     "share = 0.84\\n### END SOLUTION")])
    >>> released = release_notebook(nb, parse_lab(nb), "lab02", "ab12")
    >>> print(released.cells[1].source)
    # QUESTION q1 points=2 answer=share compare=number
    # YOUR CODE HERE
    raise NotImplementedError("q1: replace this line with your code")
    >>> released.cells[-1].source
    'check("q1", share)'
    """
    import nbformat

    released = copy.deepcopy(nb)
    cells: list[Any] = []
    after: dict[str, int] = {}  # question id → position of its cell (or of its examples cell)
    import_added = False
    for cell in nb["cells"]:
        if cell.get("cell_type") == "code" and first_line(cell).startswith(HIDDEN_PREFIX):
            continue
        if cell.get("cell_type") == "code" and not import_added:
            cells.append(nbformat.from_dict({"cell_type": "markdown", "id": "crmlab-about-checks",
                                             "metadata": {"crmlab": {"selfcheck": "about"}},
                                             "source": t("release.about_checks", lang)}))
        new = _clean(cell)
        qid = marker_id(cell)
        if qid is not None:
            new["source"] = public_source(strip_solutions(cell_source(cell), qid, lang), lang)  # private checks stay home
            new.setdefault("metadata", {})["crmlab"] = {"question": qid}
        cells.append(new)
        if cell.get("cell_type") == "code" and not import_added:
            cells.append(_code_cell(bind_line(name, checks_sha256, lang), "crmlab-selfcheck-import",
                                    {"selfcheck": "import"}))
            import_added = True
        if qid is not None:
            after[qid] = len(cells) - 1
        elif cell.get("cell_type") == "code" and first_line(cell).startswith(EXAMPLES_PREFIX):
            shown = first_line(cell)[len(EXAMPLES_PREFIX):].strip()
            after[shown] = max(after.get(shown, -1), len(cells) - 1)
    # a self-check cell after each question (after its public examples when they follow it)
    for qid, index in sorted(after.items(), key=lambda item: -item[1]):
        q = lab.question(qid)
        call = f'check("{qid}", {", ".join(q.answer)})'
        cells.insert(index + 1, _code_cell(call, f"crmlab-check-{qid}", {"selfcheck": qid}))
    released["cells"] = cells
    released.setdefault("metadata", {})["crmlab"] = {"released": True, "lab": name, "checks_sha256": checks_sha256}
    if lang != "en":
        released["metadata"]["crmlab"]["language"] = lang
    nbformat.validate(released)
    return released


def checks_data(lab: Any, expected: dict[str, Any], salt: str, name: str,
                examples: dict[str, str] | None = None, lang: str = "en") -> dict[str, Any]:
    """The self-check sidecar: per question, its names, rule, and what the self-check may use.

    - a function question: its public examples (the code shown in the notebook and the expected
      return values, both public) or nothing (format only);
    - a low-information answer (choice, True/False, whole number below a million; see
      :func:`~crmlab.grader.compare.low_information`), unless ``selfcheck=value``: its type only;
    - any other answer: visible facts and salted hashes (a slow hash for a single value).

    Public check messages are in ``lang``; a release in another language than English records
    it (``"language"``), so the self-check speaks it.

    Parameters
    ----------
    lab
        The parsed source notebook.
    expected
        The answer key (``expected["answers"][question][name]["value"]``).
    salt
        The lab's hash salt (:func:`salt_for`).
    name
        The lab's name.
    examples
        Question id → the code of its public examples cell.
    lang
        The release's language.

    Returns
    -------
    dict
        ``lab``, ``format``, ``salt`` and ``questions`` (per question: ``answer``, ``compare``,
        ``returns``, ``options``, ``points``, ``check`` and, for data answers, ``digests``).

    Examples
    --------
    >>> import nbformat
    >>> from crmlab.grader.authoring import parse_lab
    >>> from crmlab.grader.plain import to_plain
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
    ...     "# QUESTION q1 points=2 answer=share compare=number\\nshare = 0.84")])
    >>> key = {"answers": {"q1": {"share": {"value": to_plain(0.84)}}}}
    >>> data = checks_data(parse_lab(nb), key, "salt", "lab02")
    >>> data["questions"]["q1"]["check"], "0.84" in json.dumps(data)   # hashed, not shown
    ('value', False)
    """
    questions = {}
    for q in lab.questions:
        entry: dict[str, Any] = {"answer": list(q.answer), "compare": q.compare, "returns": q.returns,
                                 "options": q.options, "points": q.points}
        if q.checks:
            entry["checks"] = [c.to_dict(lang) for c in q.checks if c.public]
        if q.compare == "function":
            event = expected["answers"][q.id][q.answer[0]]
            if q.selfcheck != "format" and examples and q.id in examples and "examples" in event:
                entry.update(check="examples", examples={"code": examples[q.id], "expected": event["examples"]})
            else:
                entry["check"] = "format"
        elif q.compare == "manual":  # graded by hand: nothing to check against
            entry["check"] = "manual"
        else:
            values = {n: expected["answers"][q.id][n]["value"] for n in q.answer}
            fmt = q.selfcheck == "format" or (q.selfcheck is None and
                                              any(low_information(q.compare, v) for v in values.values()))
            entry["check"] = "format" if fmt else "value"
            entry["digests"] = {n: make_digest(q.compare, q.options, v, f"{salt}:{q.id}:{n}", format_only=fmt)
                                for n, v in values.items()}
        questions[q.id] = entry
    data = {"lab": name, "format": 2, "salt": salt, "questions": questions}
    if lang != "en":
        data["language"] = lang
    return data


def lab_edition(source: str | Path, nb: Any, lab: Any, lang: str) -> Any:
    """The ``lang`` edition of a lab's source: markdown from its translation file
    (``<folder>/translations/<lab>.<lang>.yaml``), the language line switched
    (:func:`crmlab.editions.build_edition`), every ``# CHECK`` message with its ``lang`` text.

    Parameters
    ----------
    source : path
        The source notebook (to find its translation).
    nb : notebook
        The parsed source (nbformat node).
    lab : Lab
        Its questions (:func:`crmlab.grader.authoring.parse_lab`).
    lang : str
        ``"en"`` (returns ``nb`` unchanged) or ``"zh"``.

    Returns
    -------
    notebook
        The edition (an nbformat node).

    Raises
    ------
    CrmlabInputError
        When a translation is missing, stale or empty (naming the cells), or a check has no
        text in ``lang`` (naming the question).

    Examples
    --------
    >>> lab_edition("lab.ipynb", {"cells": []}, None, "en")
    {'cells': []}
    """
    if lang == "en":
        return nb
    if lang not in LANGUAGES:
        raise CrmlabInputError(f"--lang {lang!r}: the course is written in {', '.join(LANGUAGES)}")
    import nbformat

    from crmlab.editions import EditionError, build_edition, load_translation, translation_path

    missing = [f"{q.id} ({c.message!r})" for q in lab.questions for c in q.checks if not c.message_zh]
    missing += [f"{q.id} (# RUBRIC: lines without # RUBRIC zh: lines)" for q in lab.questions
                if q.rubric and RUBRIC_ZH_PREFIX not in cell_source(nb["cells"][lab.question_cells[q.id]])]
    if missing:
        raise CrmlabInputError(t("release.missing_chinese", source=source, missing="; ".join(missing)))
    try:
        edition = build_edition(json.loads(nbformat.writes(nb)), load_translation(translation_path(source, lang)), lang)
    except EditionError as exc:
        raise CrmlabInputError(t("release.cannot_release", lab=Path(source).name, edition=lang, problem=exc)) from None
    return nbformat.from_dict(edition)


def assign(source: str | Path, out: str | Path, limits: Limits | None = None, sandbox: bool = True,
           expected: dict[str, Any] | None = None, lang: str = "en") -> tuple[Path, Path]:
    """Release ``source`` into folder ``out``; returns the notebook and sidecar paths.

    Parameters
    ----------
    source
        The instructor's source notebook (with solutions).
    out
        The release folder.
    limits
        Limits for running the source to compute the answer key.
    sandbox
        Run the source in bubblewrap when it is installed.
    expected
        An answer key already computed (the source is then not run).
    lang
        ``"zh"`` releases the Chinese edition (:func:`lab_edition`).

    Returns
    -------
    (Path, Path)
        ``out/<lab>.ipynb`` and ``out/<lab>.checks.json``.

    Examples
    --------
    >>> import tempfile, nbformat
    >>> from crmlab.grader.plain import to_plain
    >>> folder = Path(tempfile.mkdtemp())
    >>> nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
    ...     "# QUESTION q1 points=2 answer=share compare=number\\n### BEGIN SOLUTION\\n"
    ...     "share = 0.84\\n### END SOLUTION")]), folder / "lab02.ipynb")
    >>> key = {"key": "k", "answers": {"q1": {"share": {"value": to_plain(0.84)}}}}
    >>> notebook, sidecar = assign(folder / "lab02.ipynb", folder / "release", expected=key)
    >>> notebook.name, sidecar.name
    ('lab02.ipynb', 'lab02.checks.json')
    """
    import nbformat

    source, out = Path(source), Path(out)
    nb, lab = load_source(source)
    nb = lab_edition(source, nb, lab, lang)  # before running anything: a missing translation fails fast
    if expected is None:
        # the instructor's own (trusted) code: sandboxed when bubblewrap is there
        expected = compute_expected(source, limits=limits, sandbox=sandbox and bwrap_path() is not None)
    failing = solution_problems(lab, expected)
    if failing:
        raise CrmlabInputError(f"{source}: the solution fails its own checks: " + "; ".join(failing))
    notebook_path = out / source.name
    checks_path = out / f"{source.stem}.checks.json"
    examples = {qid: cell_source(nb["cells"][index]) for qid, index in lab.example_cells.items()}
    data = checks_data(lab, expected, salt_for(source), source.stem, examples, lang)
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1) + "\n"
    atomic_write(checks_path, text)
    released = release_notebook(nb, lab, source.stem, hashlib.sha256(text.encode("utf-8")).hexdigest(), lang)
    atomic_write(notebook_path, nbformat.writes(released) + "\n")
    return notebook_path, checks_path
