"""A personal dataset per student: release one notebook per roster student, grade each on its owner's data.

``crmlab assign SOURCE --roster ROSTER.csv --variant-seed-file SECRET --out DIR`` writes
``DIR/<student id>/<lab>.ipynb`` and its ``<lab>.checks.json`` for every roster student. Each
notebook starts with a call to :func:`crmlab.grader.personal.use_personal_data` carrying the
student's data key (derived from the secret and the student id), so ``load_dataset(...)`` gives
the student's own variant of the course tables (:mod:`crmlab.grader.variants`); its self-check
data is computed on that variant. The student id is the roster's 学号, else its LMS id.

``crmlab grade SOURCE SUBMISSIONS --roster ROSTER.csv --variant-seed ...`` then grades each
submission on its owner's variant: the owner is the roster student the submission is matched to
(:func:`crmlab.grader.lms.apply_roster`), whatever notebook they handed in. The source runs once
per owner (cached in ``<out>/.private/expected/``). A notebook released for student A but handed
in by student B is graded on B's data, and the gradebook's notes say so. Submissions not on the
roster are graded on the common hidden variant of the secret.

Examples
--------
>>> student = RosterStudent("20230101", name="王丽", number="20230101")
>>> student.display
'王丽 (20230101)'
"""

from __future__ import annotations

import hashlib
import json
import queue
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crmlab._checks import CrmlabInputError
from crmlab.grader.personal import check_secret, data_fingerprint, student_key

_SAFE_ID = re.compile(r"^\w[\w.@-]*$", re.UNICODE)
PERSONAL_CELL_ID = "crmlab-personal-data"
_KEY_IN_CODE = re.compile(r"use_personal_data\(\s*['\"](?P<student>[^'\"]*)['\"]\s*,\s*['\"](?P<key>[^'\"]*)['\"]")

_TEXT = {
    "about": {
        "en": ("**Your own data.** This notebook belongs to {who}. Its first cell makes `load_dataset(...)` read "
               "your personal copy of the course data: the same tables, columns and patterns as in the chapters, "
               "other customers and numbers. Compute every answer from it: the grader runs your notebook again on "
               "your data, so numbers copied from a classmate or from the chapter notebooks are wrong here. "
               "`check(...)` after each question runs on your computer with your data; it is not your grade. "
               "Hand in this notebook, not a classmate's: the grader sees whose data a notebook carries."),
        "zh": ("**你自己的数据。** 本笔记本属于 {who}。第一个代码单元让 `load_dataset(...)` 读取你个人的课程数据副本："
               "与各章相同的表、列和规律，但客户和数字不同。请用它计算每个答案：评分程序会用你的数据重新运行你的笔记本，"
               "从同学或章节笔记本抄来的数字在这里是错的。每道题后的 `check(...)` 在你的电脑上用你的数据检查，不是成绩。"
               "请提交这个笔记本，不要提交同学的：评分程序能看出笔记本属于谁的数据。"),
    },
    "cell": {"en": "# Your own copy of the course data ({who}): run this cell first.",
             "zh": "# 你个人的课程数据（{who}）：请先运行本单元。"},
    "other_owner": {"en": "this notebook was released for {other}, handed in by {owner}: graded on {owner}'s data",
                    "zh": "本笔记本发给 {other}，由 {owner} 提交：按 {owner} 的数据评分"},
    "changed_key": {"en": "the notebook's personal-data line was changed (its key is no roster student's): "
                          "graded on {owner}'s data",
                    "zh": "笔记本的个人数据行被改动过（其密钥不属于名单上的任何学生）：按 {owner} 的数据评分"},
    "summary": {"en": "personal data: {owned} submission(s) graded on their owner's data, {common} on the common "
                       "hidden data (not on the roster); {other} notebook(s) of another student or with a changed key "
                       "(see the gradebook's notes)",
                "zh": "个人数据：{owned} 份提交按其本人的数据评分，{common} 份按共同的隐藏数据评分（不在名单上）；"
                      "{other} 份笔记本属于其他学生或密钥被改动（见成绩册备注）"},
    "no_owner": {"en": "not on the roster: graded on the class's common hidden data",
                 "zh": "不在名单上：按全班共同的隐藏数据评分"},
}


def _text(key: str, lang: str | None, **fields: str) -> str:
    return _TEXT[key]["zh" if lang == "zh" else "en"].format(**fields)


@dataclass(frozen=True)
class RosterStudent:
    """One student of the class list.

    Parameters
    ----------
    id : str
        The 学号, else the LMS id: it names the student's release folder and keys their data.
    name : str
        The name, for display.
    number : str
        The 学号 (empty when the roster has none).
    lms_id : str
        The LMS id (empty when the roster has none).

    Examples
    --------
    >>> RosterStudent("u77", lms_id="u77").display
    'u77'
    """

    id: str
    name: str = ""
    number: str = ""
    lms_id: str = ""

    @property
    def display(self) -> str:
        """The name and id, e.g. ``王丽 (20230101)`` (the id alone without a name)."""
        return f"{self.name} ({self.id})" if self.name else self.id


def _safe_student_id(student_id: str) -> bool:
    """True when the id can name a folder: letters (any script), digits, ``_ . @ -``; not ``.``-first.

    >>> _safe_student_id("王丽_1"), _safe_student_id("../x"), _safe_student_id("")
    (True, False, False)
    """
    return bool(_SAFE_ID.match(student_id or ""))


def read_class(path: str | Path) -> list[RosterStudent]:
    """The roster's students with their ids (the CSV formats of :func:`crmlab.grader.lms.read_roster`).

    Parameters
    ----------
    path : path
        Class list CSV (学号/student_number, 姓名/name, lms_id, email; UTF-8 or GBK).

    Returns
    -------
    list of RosterStudent
        In roster order.

    Raises
    ------
    CrmlabInputError
        A student without 学号 and LMS id, an id that cannot name a folder, or an id used twice.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> roster = pathlib.Path(tempfile.mkdtemp()) / "roster.csv"
    >>> _ = roster.write_text("学号,姓名\\n20230101,王丽\\n20230102,张伟\\n", encoding="utf-8")
    >>> [s.display for s in read_class(roster)]
    ['王丽 (20230101)', '张伟 (20230102)']
    """
    from crmlab.grader.lms import read_roster

    students, seen = [], {}
    for line, person in enumerate(read_roster(path), start=2):
        sid = person["number"] or person["lms_id"]
        where = f"{path}, line {line}"
        if not sid:
            raise CrmlabInputError(f"{where}: {person['name'] or 'a student'} has no 学号 (student number) or LMS id")
        if not _safe_student_id(sid):
            raise CrmlabInputError(f"{where}: the id {sid!r} cannot name a folder (use letters, digits, _ . @ -)")
        if sid in seen:
            raise CrmlabInputError(f"{where}: the id {sid} is used twice (also on line {seen[sid]})")
        seen[sid] = line
        students.append(RosterStudent(sid, person["name"], person["number"], person["lms_id"]))
    if not students:
        raise CrmlabInputError(f"{path}: the roster lists no students")
    return students


def personal_topics(nb: Any) -> list[str]:
    """The generator topics of the course tables the lab's code names (empty when it names none).

    Parameters
    ----------
    nb : notebook
        The source notebook (parsed by nbformat).

    Returns
    -------
    list of str
        Sorted topics, e.g. ``["b2b"]`` for a lab that loads ``b2b_customers``.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('c = load_dataset("b2b_customers")')])
    >>> personal_topics(nb)
    ['b2b']
    """
    from crmlab.datasets import table_specs
    from crmlab.grader.jobs import notebook_cells

    code = "\n".join(c["source"] for c in notebook_cells(nb))
    return sorted({topic for name, (topic, _) in table_specs().items() if name in code and topic != "cdnow"})


# -- release ----------------------------------------------------------------------------------------

def _personal_cell_source(student: RosterStudent, key: str, topics: list[str], fingerprint: str,
                         lang: str | None = None) -> str:
    """The first code cell of a personal release: it points ``load_dataset`` at the student's data."""
    return (f"{_text('cell', lang, who=student.display)}\n"
            "from crmlab.grader.personal import use_personal_data\n"
            f'use_personal_data("{student.id}", "{key}", topics={topics!r}, fingerprint="{fingerprint}")')


def personalise(released: Any, student: RosterStudent, key: str, topics: list[str], fingerprint: str,
                lang: str | None = None) -> Any:
    """Turn a release (:func:`crmlab.grader.release.release_notebook`) into the student's own notebook.

    The personal-data cell goes before the first code cell (before any ``load_dataset``), the note
    on checking says that the data is the student's own, and the notebook's metadata names the
    student (``crmlab.student``).

    Parameters
    ----------
    released : notebook
        The release of the source, changed in place.
    student : RosterStudent
        Whose notebook it becomes.
    key : str
        The student's data key (:func:`crmlab.grader.personal.student_key`).
    topics : list of str
        The generator topics the lab uses (:func:`personal_topics`).
    fingerprint : str
        :func:`crmlab.grader.personal.data_fingerprint` of the student's tables.
    lang : str, optional
        ``"zh"`` for Chinese texts, else English.

    Returns
    -------
    notebook
        ``released``.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")], metadata={"crmlab": {}})
    >>> nb = personalise(nb, RosterStudent("20230101", "王丽"), "p1-" + "0" * 32, ["b2b"], "abc")
    >>> nb.cells[0].id, nb.metadata["crmlab"]["student"]
    ('crmlab-personal-data', '20230101')
    """
    import nbformat

    cells = list(released["cells"])
    first_code = next((i for i, c in enumerate(cells) if c.get("cell_type") == "code"), len(cells))
    cell = nbformat.from_dict({"cell_type": "code", "execution_count": None, "id": PERSONAL_CELL_ID,
                               "metadata": {"crmlab": {"selfcheck": "personal"}}, "outputs": [],
                               "source": _personal_cell_source(student, key, topics, fingerprint, lang)})
    cells.insert(first_code, cell)
    for c in cells:
        if c.get("id") == "crmlab-about-checks":
            c["source"] = _text("about", lang, who=student.display)
    released["cells"] = cells
    released["metadata"]["crmlab"].update(student=student.id, personal=True)
    nbformat.validate(released)
    return released


def _release_one(source: Path, nb: Any, lab: Any, student: RosterStudent, key: str, topics: list[str],
                 variant: Path, expected: dict[str, Any], out: Path, lang: str | None) -> Path:
    import nbformat

    from crmlab.grader.authoring import cell_source
    from crmlab.grader.checks import solution_problems
    from crmlab.grader.jobs import atomic_write
    from crmlab.grader.release import checks_data, release_notebook, salt_for

    failing = solution_problems(lab, expected)
    if failing:
        raise CrmlabInputError(f"{source}: on the data of {student.display} the solution fails its own checks: "
                               + "; ".join(failing))
    folder = out / student.id
    examples = {qid: cell_source(nb["cells"][index]) for qid, index in lab.example_cells.items()}
    salt = hashlib.sha256(f"{salt_for(source)}\0{student.id}".encode()).hexdigest()[:32]
    text = json.dumps(checks_data(lab, expected, salt, source.stem, examples, lang or "en"), sort_keys=True,
                      ensure_ascii=False, indent=1) + "\n"
    atomic_write(folder / f"{source.stem}.checks.json", text)
    released = release_notebook(nb, lab, source.stem, hashlib.sha256(text.encode("utf-8")).hexdigest(),
                                lang or "en")
    personalise(released, student, key, topics, data_fingerprint(variant, topics), lang)
    notebook = folder / source.name
    atomic_write(notebook, nbformat.writes(released) + "\n")
    return notebook


def assign_roster(source: str | Path, roster: str | Path, out: str | Path, secret: str, *, limits: Any = None,
                  sandbox: bool = True, jobs: int | None = None, lang: str | None = None) -> list[Path]:
    """Release ``source`` once per roster student, each bound to the student's own data.

    Parameters
    ----------
    source : path
        The instructor's source notebook.
    roster : path
        The class list (:func:`read_class`).
    out : path
        Folder; each student gets ``out/<student id>/<lab>.ipynb`` and ``<lab>.checks.json``.
    secret : str
        The instructor's secret (at least 16 characters; never released): the same one that
        ``crmlab grade --variant-seed`` receives.
    limits : Limits, optional
        Limits for the source's runs (one per student).
    sandbox : bool
        Run the source in bubblewrap when it is installed.
    jobs : int, optional
        Students prepared at once (default: CPU cores).
    lang : str, optional
        Language of the added texts (default: the lab's ``crmlab.language`` metadata).

    Returns
    -------
    list of pathlib.Path
        The notebooks written, in roster order.

    Examples
    --------
    >>> assign_roster("exercises/lab02_pareto.ipynb", "roster.csv", "release/", secret)  # doctest: +SKIP
    """
    import os

    from crmlab.grader.jobs import compute_expected, load_source
    from crmlab.grader.sandbox import bwrap_path
    from crmlab.grader.variants import make_variant

    source, out = Path(source), Path(out)
    secret = check_secret(secret)
    students = read_class(roster)
    nb, lab = load_source(source)
    topics = personal_topics(nb)
    if not topics:
        raise CrmlabInputError(f"{source} names no course table (load_dataset(\"...\")), so a personal dataset "
                               "would change nothing: release it without --roster")
    lang = lang or (nb.get("metadata", {}).get("crmlab") or {}).get("language") or "en"
    from crmlab.grader.release import lab_edition

    nb = lab_edition(Path(source), nb, lab, lang)  # the Chinese release: a missing translation fails fast
    sandbox = sandbox and bwrap_path() is not None
    scratch = Path(tempfile.mkdtemp(prefix="crmlab-assign-"))
    pending: queue.Queue[RosterStudent] = queue.Queue()
    for student in students:
        pending.put(student)
    written: dict[str, Path] = {}
    errors: list[BaseException] = []

    def work() -> None:
        while not errors:
            try:
                student = pending.get_nowait()
            except queue.Empty:
                return
            try:
                key = student_key(secret, student.id)
                variant = make_variant(key, scratch, topics)
                expected = compute_expected(source, limits=limits, sandbox=sandbox, variant=variant)
                written[student.id] = _release_one(source, nb, lab, student, key, topics, variant, expected, out, lang)
                shutil.rmtree(variant, ignore_errors=True)
            except BaseException as exc:  # noqa: BLE001 - re-raised below, after the other threads stop
                errors.append(exc)

    try:
        threads = [threading.Thread(target=work, daemon=True)
                   for _ in range(max(1, min(jobs or os.cpu_count() or 1, len(students))))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if errors:
        raise errors[0]
    return [written[s.id] for s in students]


# -- grading ----------------------------------------------------------------------------------------

@dataclass
class Owner:
    """The roster student a submission belongs to, the key of their data and the grader's notes.

    Parameters
    ----------
    student : RosterStudent
        The owner.
    key : str
        The owner's data key.
    notes : list of str
        Notes for the gradebook (a notebook released for someone else).

    Examples
    --------
    >>> Owner(RosterStudent("20230101"), "p1-" + "0" * 32, []).student.id
    '20230101'
    """

    student: RosterStudent
    key: str
    notes: list[str]


def _released_for(path: Path) -> tuple[str, str]:
    """(student id in the notebook's metadata, data key in its personal-data line); '' when absent.

    >>> _released_for(Path("/no/such/notebook.ipynb"))
    ('', '')
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        meta = (data.get("metadata") or {}).get("crmlab") or {}
        code = "\n".join("".join(c.get("source", "")) if isinstance(c.get("source"), list) else str(c.get("source", ""))
                         for c in data.get("cells", []) if isinstance(c, dict) and c.get("cell_type") == "code")
    except (OSError, ValueError, AttributeError, TypeError):
        return "", ""
    found = _KEY_IN_CODE.search(code)
    return str(meta.get("student") or ""), (found["key"] if found else "")


def _owner_of(sub: Any, students: list[RosterStudent]) -> RosterStudent | None:
    """The roster student a submission was matched to (after :func:`crmlab.grader.lms.apply_roster`)."""
    from crmlab.grader.lms import _norm_name

    for student in students:
        if (sub.number and sub.number == student.number) or (sub.lms_id and sub.lms_id == student.lms_id):
            return student
    if not sub.lms_id and not sub.number:  # matched by name (a roster row with neither?) or by folder name
        same = [s for s in students if s.name and _norm_name(s.name) == _norm_name(sub.display)]
        by_id = [s for s in students if s.id == sub.student]
        return (by_id or same)[0] if len(by_id or same) == 1 else None
    return None


def owners(subs: list[Any], students: list[RosterStudent], secret: str,
           lang: str | None = None) -> dict[str, Owner | None]:
    """Submission key → its owner (None: not on the roster), with notes on notebooks of someone else.

    Parameters
    ----------
    subs : list of Submission
        The submissions, after :func:`crmlab.grader.lms.apply_roster`.
    students : list of RosterStudent
        The roster (:func:`read_class`).
    secret : str
        The instructor's secret.
    lang : str, optional
        Language of the notes.

    Returns
    -------
    dict
        ``Submission.student`` → :class:`Owner` or None.

    Examples
    --------
    >>> owners([], [RosterStudent("20230101")], "a long course secret, 2026 spring")
    {}
    """
    secret = check_secret(secret)
    keys = {student_key(secret, s.id): s for s in students}
    by_id = {s.id: s for s in students}
    result: dict[str, Owner | None] = {}
    for sub in subs:
        student = _owner_of(sub, students)
        if student is None:
            result[sub.student] = None
            continue
        key = student_key(secret, student.id)
        notes = []
        meta_id, found = _released_for(sub.path)
        if found and found != key:
            other = keys.get(found)
            notes.append(_text("other_owner", lang, other=other.display, owner=student.display) if other else
                         _text("changed_key", lang, owner=student.display))
        elif meta_id and meta_id != student.id:
            other = by_id.get(meta_id)
            notes.append(_text("other_owner", lang, other=other.display if other else meta_id, owner=student.display))
        result[sub.student] = Owner(student, key, notes)
    return result


def summary_line(plan: dict[str, Owner | None], lang: str | None = None) -> str:
    """The run summary's line on personal data: owners, submissions off the roster, notebooks of others.

    Parameters
    ----------
    plan : dict
        Submission key → :class:`Owner` or None (:func:`owners`).
    lang : str, optional
        ``"zh"`` for Chinese, else English.

    Returns
    -------
    str
        One line.

    Examples
    --------
    >>> summary_line({"a": Owner(RosterStudent("1"), "k", []), "b": None})
    "personal data: 1 submission(s) graded on their owner's data, 1 on the common hidden data (not on the roster); 0 notebook(s) of another student or with a changed key (see the gradebook's notes)"
    """
    owned = [o for o in plan.values() if o is not None]
    return _text("summary", lang, owned=str(len(owned)), common=str(len(plan) - len(owned)),
                 other=str(sum(bool(o.notes) for o in owned)))


def _no_owner_note(lang: str | None = None) -> str:
    """The gradebook note of a submission graded on the common variant (not on the roster)."""
    return _text("no_owner", lang)


def run_personal_batch(todo: list[Any], plan: dict[str, Owner | None], lab: Any, nb: Any, source: Path,
                       shared: dict[str, Any], out: Path, private: Path, limits: Any, jobs: int, sandbox: bool,
                       progress: bool, shared_variant: Path | None, topics: list[str],
                       lang: str | None = None) -> None:
    """Grade each submission on its owner's data: per owner a worker bound to the owner's variant
    runs the source (cached per variant) and then the submission, and is closed.

    No worker ever holds two students' data: the source's job and the submission's job are
    forked from the same clean worker, which never sees either's cells or answers. Each result
    is written to ``out/results/`` as it finishes (as :func:`crmlab.grader.grade.grade` does).

    Parameters
    ----------
    todo : list of Submission
        The submissions to grade.
    plan : dict
        Their owners (:func:`owners`).
    lab : Lab
        The parsed lab.
    nb : notebook
        The source notebook.
    source : pathlib.Path
        The source notebook's path.
    shared : dict
        The answer key on the common variant (for submissions without an owner).
    out : pathlib.Path
        The output folder.
    private : pathlib.Path
        Its private folder (variants, answer keys).
    limits : Limits
        Resource limits per submission.
    jobs : int
        Submissions graded at once.
    sandbox : bool
        Run in bubblewrap.
    progress : bool
        Show a progress bar.
    shared_variant : pathlib.Path or None
        The common variant's folder.
    topics : list of str
        The lab's generator topics.
    lang : str, optional
        Language of the notes.

    Returns
    -------
    None
        The results are files.

    Examples
    --------
    >>> run_personal_batch([], {}, None, {}, Path("lab.ipynb"), {}, Path("out"), Path("out/.private"), None, 1,
    ...                    True, False, None, ["b2b"])
    """
    from crmlab.grader.grade import Progress, _result_path, grade_submission
    from crmlab.grader.jobs import atomic_write, compute_expected, preload_modules
    from crmlab.grader.manual import model_answers
    from crmlab.grader.sandbox import Worker
    from crmlab.grader.variants import make_variant

    pending: queue.Queue[Any] = queue.Queue()
    for sub in todo:
        pending.put(sub)
    bar = Progress(len(todo)) if progress else None
    preload = preload_modules(nb)
    lock = threading.Lock()

    def one(sub: Any, index: int) -> dict[str, Any]:
        owner = plan.get(sub.student)
        with lock:  # generating a variant is CPU-bound Python: one at a time
            variant = make_variant(owner.key, private / "variants", topics) if owner else shared_variant
        worker = Worker(preload, limits, sandbox=sandbox, index=index, variant=variant)
        try:
            if owner is None:
                expected = shared
            else:
                cache = private / "expected" / f"{variant.name}.json" if sandbox else None
                expected = compute_expected(source, cache=cache, sandbox=sandbox, worker=worker, variant=variant)
            result = grade_submission(worker, lab, nb, expected, sub, limits, lang)
        finally:
            worker.close()
        result["data_owner"] = owner.student.id if owner else None
        result["notes"] = owner.notes if owner else [_no_owner_note(lang)]
        if owner is not None:  # the review page shows each written answer beside the model on its own data
            result["model_answers"] = model_answers(lab, expected)
        return result

    def work(index: int) -> None:
        while True:
            try:
                sub = pending.get_nowait()
            except queue.Empty:
                return
            try:
                result = one(sub, index)
            except Exception as exc:  # noqa: BLE001 - one failure never stops the batch
                result = {"student": sub.student, "lms_id": sub.lms_id, "submission": str(sub.path),
                          "status": "runner failure", "reason": f"{type(exc).__name__}: {exc}", "cell_errors": [],
                          "output": "", "seconds": None, "submission_sha256": None, "source_key": None,
                          "questions": {q.id: {"points": 0.0, "max": q.points, "ok": False,
                                               "message": "the grader could not run this submission"}
                                        for q in lab.questions}}
            atomic_write(_result_path(out, sub.student), json.dumps(result, ensure_ascii=False, indent=1))
            if bar:
                bar.step(result["status"] == "ok")

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(max(1, min(jobs, len(todo))))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def owner_source_key(source: Path, owner: Owner | None, shared_key: str, topics: list[str]) -> str:
    """The answer key's cache key for a submission's owner (what a current result must carry).

    Parameters
    ----------
    source : pathlib.Path
        The source notebook.
    owner : Owner or None
        The submission's owner (None: the common variant).
    shared_key : str
        The common variant's key.
    topics : list of str
        The lab's generator topics.

    Returns
    -------
    str
        ``<source sha256>:<crmlab version>:variant-<variant folder name>``.

    Examples
    --------
    >>> owner_source_key(Path("lab.ipynb"), None, "shared-key", ["b2b"])
    'shared-key'
    """
    if owner is None:
        return shared_key
    import crmlab
    from crmlab.grader.jobs import sha256_file
    from crmlab.grader.variants import variant_name

    return f"{sha256_file(source)}:{crmlab.__version__}:variant-{variant_name(owner.key, topics)}"
