"""Submissions as they come from an LMS: Canvas and Moodle downloads, zips, rosters, times.

``discover_submissions(folder_or_zip, assignment="lab02_pareto")`` finds one :class:`Submission`
per student in any of these layouts:

- a plain folder of ``<student>.ipynb`` files (or one sub-folder per student);
- a Canvas "Download Submissions" zip or folder: ``<name>_<user id>_<submission id>_<file>``,
  where ``<name>`` is the student's sortable name in lower case without spaces or punctuation
  (any script: ``zhangwei`` or ``张伟``), ``_late_`` (or ``_LATE_``) after the name marks a
  late submission, and a ``-1``, ``-2`` … before the extension marks a re-uploaded file;
- a Moodle "Download all submissions" zip or folder: one folder per submission plugin,
  ``<Full Name>_<participant id>_assignsubmission_file_`` (files) and
  ``..._assignsubmission_onlinetext_`` (online text, ignored here), or the same prefixes on
  flat file names when the download was not split into folders;
- a ``.zip`` of any of these (extracted safely into the output folder).

Students are keyed by their LMS id when the file name carries one (names are only for
display), so two students called 张伟 stay two students. A roster (:func:`read_roster`: 学号,
name, LMS id, email; UTF-8 or GBK) adds student numbers and emails. When a student handed in
several notebooks, the one named like the assignment is graded (``lab02_pareto.ipynb`` over
``lab02_pareto-Copy1.ipynb``) and the others are listed in :attr:`Submission.others`.

Submission times come from :func:`read_times` (a CSV ``student,submitted_at`` or Moodle's
grading worksheet with its "Last modified (submission)" column) and are matched to the
discovered students with :func:`match_times`, which refuses a times file that misses students or
names unknown ones unless ``partial=True``.

Examples
--------
>>> parse_canvas_name("zhangwei_late_1234_98765_lab02_pareto-1.ipynb")
{'name': 'zhangwei', 'late': True, 'lms_id': '1234', 'file': 'lab02_pareto-1.ipynb'}
>>> assignment_rank("lab02_pareto-1.ipynb", "lab02_pareto"), assignment_rank("lab02_pareto-Copy1.ipynb", "lab02_pareto")
((0, -1), (1, 0))
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import time
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from crmlab._checks import CrmlabInputError
from crmlab.i18n import t

_CANVAS = re.compile(r"^(?P<name>[^_\s]+?)(?:_(?P<late>late))?_(?P<id>\d+)_(?P<sub>\d+)_(?P<file>.+)$", re.I)
_MOODLE = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.*)$")
_RESUBMITTED = re.compile(r"-(\d+)$")
MAX_UNZIPPED_BYTES = 2 * 2**30
MAX_ZIP_MEMBERS = 20_000


@dataclass
class Submission:
    """One student's graded notebook.

    ``student`` is the key (the LMS id when there is one, else the name from the file);
    ``name`` is for display; ``lms`` is ``canvas``, ``moodle`` or empty; ``others`` are further notebooks the student handed in that were
    not graded; ``late`` is the LMS's own late mark (Canvas ``_late_``).
    """

    student: str
    path: Path
    lms_id: str = ""
    name: str = ""
    number: str = ""
    email: str = ""
    late: bool = False
    lms: str = ""
    others: list[str] = field(default_factory=list)
    picked_by_name: bool = True

    @property
    def display(self) -> str:
        return self.name or self.student


def parse_canvas_name(filename: str) -> dict[str, Any] | None:
    """The parts of a Canvas download file name, or None when it is not one."""
    match = _CANVAS.match(filename)
    if not match:
        return None
    return {"name": match["name"], "late": bool(match["late"]), "lms_id": match["id"], "file": match["file"]}


def assignment_rank(filename: str, assignment: str) -> tuple[int, int]:
    """Sort key choosing the notebook to grade: named like the assignment first, newest re-upload first."""
    stem = Path(filename).stem
    resubmitted = _RESUBMITTED.search(stem)
    if stem == assignment:
        return (0, 0)
    if resubmitted and stem[:resubmitted.start()] == assignment:
        return (0, -int(resubmitted[1]))
    return (1, 0)


def _notebooks(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
                  and not any(part.startswith(".") or part == "__MACOSX" for part in p.relative_to(folder).parts))


def original_name(path: Path) -> str:
    """The file name the student uploaded (without Canvas's or Moodle's prefix)."""
    canvas = parse_canvas_name(path.name)
    if canvas:
        return canvas["file"]
    moodle = _MOODLE.match(path.name)
    return moodle["file"] if moodle and moodle["file"] else path.name


def _pick(student: str, files: list[Path], assignment: str | None, **info: Any) -> Submission:
    ranked = sorted(files, key=lambda p: (assignment_rank(original_name(p), assignment) if assignment else (0, 0),
                                          p.name))
    by_name = not assignment or len(files) == 1 or assignment_rank(original_name(ranked[0]), assignment)[0] == 0
    return Submission(student, ranked[0], others=[p.name for p in ranked[1:]], picked_by_name=by_name, **info)


def safe_extract(archive: Path, target: Path) -> Path:
    """Extract a zip into ``target`` refusing absolute paths, ``..``, links and zip bombs.

    Each file keeps the modification time stored in the zip (for ``--times-from-files``).
    Re-extracting the same archive (same size and time) reuses the earlier extraction.
    """
    stamp = f"{archive.stat().st_size}:{archive.stat().st_mtime_ns}"
    marker = target / ".crmlab-extracted"
    if marker.is_file() and marker.read_text(encoding="utf-8") == stamp:
        return target
    try:
        handle = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        raise CrmlabInputError(f"{archive} is not a readable zip file") from None
    with handle:
        members = handle.infolist()
        if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
            raise CrmlabInputError(f"{archive} unpacks to more than {MAX_ZIP_MEMBERS} files or "
                                   f"{MAX_UNZIPPED_BYTES // 2**30} GB: refused")
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for member in members:
            name = member.filename
            if not (member.flag_bits & 0x800):  # not flagged UTF-8: Windows zips store names in GBK
                try:
                    name = name.encode("cp437").decode("gb18030")
                except (UnicodeEncodeError, UnicodeDecodeError):
                    pass
            parts = Path(name).parts
            if name.startswith(("/", "\\")) or ".." in parts or (member.external_attr >> 28) == 0xA:
                raise CrmlabInputError(f"{archive}: unsafe member {member.filename!r} (absolute path, '..' or link)")
            if member.is_dir():
                continue
            path = target.joinpath(*parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            with handle.open(member) as source, open(path, "wb") as out:
                shutil.copyfileobj(source, out)
            stamp_time = time.mktime((*member.date_time, 0, 0, -1))
            os.utime(path, (stamp_time, stamp_time))
    marker.write_text(stamp, encoding="utf-8")
    return target


def _download_root(folder: Path) -> Path:
    """The folder itself, or its only sub-folder when that holds an LMS download (a zipped folder)."""
    entries = [p for p in folder.iterdir() if not p.name.startswith(".") and p.name != "__MACOSX"]
    if len(entries) == 1 and entries[0].is_dir():
        inner = list(entries[0].iterdir())
        if inner and any(_MOODLE.match(p.name) or parse_canvas_name(p.name) for p in inner):
            return entries[0]
    return folder


def discover_submissions(folder: str | Path, assignment: str | None = None,
                         unzip_to: str | Path | None = None) -> list[Submission]:
    """One :class:`Submission` per student from a plain folder, a Canvas or Moodle download, or a zip.

    Parameters
    ----------
    folder : path
        The folder or ``.zip`` file.
    assignment : str, optional
        The lab's name (the source notebook's stem): among several notebooks from one student,
        the one named like this is graded.
    unzip_to : path, optional
        Where a zip is extracted (default: next to it, in ``<zip name>_unzipped``).
    """
    folder = Path(folder)
    if folder.is_file() and folder.suffix.lower() == ".zip":
        folder = safe_extract(folder, Path(unzip_to) if unzip_to else folder.with_name(folder.stem + "_unzipped"))
    if not folder.is_dir():
        raise CrmlabInputError(f"submissions folder {folder} does not exist")
    folder = _download_root(folder)
    groups: dict[str, dict[str, Any]] = {}

    def add(key: str, path: Path, **info: Any) -> None:
        entry = groups.setdefault(key, {"files": [], "info": {}})
        entry["files"].append(path)
        for name, value in info.items():
            entry["info"][name] = entry["info"].get(name) or value

    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.name == "__MACOSX":
            continue
        moodle = _MOODLE.match(path.name)
        canvas = parse_canvas_name(path.name) if path.is_file() else None
        if moodle:
            files = _notebooks(path) if path.is_dir() else ([path] if path.suffix == ".ipynb" else [])
            for file in files:
                add(f"moodle:{moodle['id']}", file, lms_id=moodle["id"], name=moodle["name"], lms="moodle")
        elif canvas and path.suffix == ".ipynb":
            add(f"canvas:{canvas['lms_id']}", path, lms_id=canvas["lms_id"], name=canvas["name"],
                late=canvas["late"], lms="canvas")
        elif path.is_file() and path.suffix == ".ipynb":
            add(f"plain:{path.stem}", path)
        elif path.is_dir():
            for file in _notebooks(path):
                add(f"plain:{path.name}", file)
    subs = []
    for key, entry in groups.items():
        info = dict(entry["info"])
        student = info.get("lms_id") or key.split(":", 1)[1]
        subs.append(_pick(student, entry["files"], assignment, **info))
    seen: dict[str, Submission] = {}
    for sub in subs:
        if sub.student in seen:
            raise CrmlabInputError(f"two submissions with the key {sub.student!r} ({seen[sub.student].path} and "
                                   f"{sub.path}): a student folder named like another student's LMS id?")
        seen[sub.student] = sub
    return sorted(subs, key=lambda s: s.student)


# -- roster ---------------------------------------------------------------------------------------

_ROSTER_COLUMNS = {
    "number": ("学号", "student_number", "student number", "student_id", "sis user id", "sis_user_id"),
    "name": ("姓名", "name", "full name", "student", "student name"),
    "lms_id": ("lms_id", "lms id", "canvas_id", "canvas id", "moodle_id", "moodle id", "id", "participant"),
    "email": ("email", "e-mail", "email address", "邮箱", "电子邮件"),
}


def read_csv_rows(path: str | Path) -> list[dict[str, str]]:
    """Rows of a CSV saved by Excel or an LMS: UTF-8 (with or without BOM) or GBK/GB18030."""
    from crmlab.survey.reading import detect_encoding

    path = Path(path)
    if not path.is_file():
        raise CrmlabInputError(f"{path} does not exist")
    raw = path.read_bytes()
    try:
        codec, _ = detect_encoding(raw)
    except CrmlabInputError as exc:
        raise CrmlabInputError(f"{path}: {exc}") from None
    reader = csv.DictReader(io.StringIO(raw.decode(codec), newline=""))
    return [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]


def _column(rows: list[dict[str, str]], role: str) -> str | None:
    if not rows:
        return None
    wanted = _ROSTER_COLUMNS[role]
    for column in rows[0]:
        if column.strip().lower() in wanted:
            return column
    return None


def read_roster(path: str | Path) -> list[dict[str, str]]:
    """A class list: columns 学号 (or student_number), 姓名 (or name), lms_id, email; any order.

    Returns one dict per student with keys ``number``, ``name``, ``lms_id``, ``email``.
    """
    rows = read_csv_rows(path)
    columns = {role: _column(rows, role) for role in _ROSTER_COLUMNS}
    if not rows or not columns["name"] or not (columns["number"] or columns["lms_id"]):
        raise CrmlabInputError(f"{path}: a roster needs a name column (姓名 or name) and a student number (学号) "
                               "or LMS id (lms_id) column")
    people = [{role: row.get(col, "") if col else "" for role, col in columns.items()} for row in rows]
    for role in ("number", "lms_id"):
        values = [p[role] for p in people if p[role]]
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise CrmlabInputError(f"{path}: {role} {', '.join(repeated)} appears more than once")
    return people


def apply_roster(subs: list[Submission], roster: list[dict[str, str]],
                 lang: str | None = None) -> tuple[list[Submission], list[str]]:
    """Attach roster details (学号, name, email) to submissions; returns them and the problems.

    A submission matches a roster row by LMS id, else by a student number in its file or folder
    name, else by a name that only one roster row has. Problems (submissions not on the roster,
    roster students without a submission) are returned for the run summary, never dropped.
    """
    by_id = {p["lms_id"]: p for p in roster if p["lms_id"]}
    by_number = {p["number"]: p for p in roster if p["number"]}
    names: dict[str, list[dict[str, str]]] = {}
    for person in roster:
        names.setdefault(_norm_name(person["name"]), []).append(person)
    problems, matched = [], set()
    for sub in subs:
        person = by_id.get(sub.lms_id) if sub.lms_id else None
        if person is None:
            digits = re.findall(r"\d{5,}", sub.path.parent.name + " " + sub.path.stem + " " + sub.student)
            person = next((by_number[d] for d in digits if d in by_number), None)
        if person is None and not sub.lms_id:
            same = names.get(_norm_name(sub.display), [])
            if len(same) > 1:
                problems.append(t("summary.roster_ambiguous", lang, student=sub.display, count=len(same)))
            person = same[0] if len(same) == 1 else None
        if person is None:
            problems.append(t("summary.not_on_roster", lang, student=sub.display, file=sub.path.name))
            continue
        matched.add(id(person))
        sub.name, sub.number, sub.email = person["name"] or sub.name, person["number"], person["email"]
        if not sub.lms_id and person["number"]:
            sub.student = person["number"]
    missing = [p["name"] or p["number"] for p in roster if id(p) not in matched]
    if missing:
        problems.append(t("summary.no_submission", lang, count=len(missing), students=", ".join(missing)))
    return subs, problems


def _norm_name(name: str) -> str:
    return re.sub(r"[\s_.,·-]+", "", name).casefold()


# -- submission times -----------------------------------------------------------------------------

_MOODLE_TIME_FORMATS = ("%A, %d %B %Y, %I:%M %p", "%A, %d %B %Y, %H:%M", "%d %B %Y, %I:%M %p", "%Y年%m月%d日 %H:%M")


def parse_time(value: str | datetime, what: str) -> datetime:
    """An ISO date-time, or Moodle's "Monday, 2 March 2026, 10:05 AM" (errors name ``what``).

    A time with a zone (``2026-03-02T02:05:00Z``, as LMS APIs give it) is converted to this
    machine's local time, in which deadlines are given.
    """
    if isinstance(value, datetime):
        return value.astimezone().replace(tzinfo=None) if value.tzinfo else value
    text = str(value).strip()
    try:
        return parse_time(datetime.fromisoformat(text), what)
    except ValueError:
        pass
    for fmt in _MOODLE_TIME_FORMATS:
        try:
            return datetime.strptime(re.sub(r"\s+", " ", text), fmt)
        except ValueError:
            continue
    raise CrmlabInputError(f"{what}: {value!r} is not a date-time like 2026-03-01T23:59") from None


def read_times(path: str | Path) -> dict[str, datetime]:
    """Submission times: a CSV ``student,submitted_at`` or a Moodle grading worksheet.

    ``student`` may be the LMS id, the 学号 or the name. In a Moodle worksheet the student is the
    ``Identifier`` (``Participant 1234`` → ``1234``) and the time is "Last modified
    (submission)"; rows whose time is ``-`` (nothing submitted) are skipped.
    """
    rows = read_csv_rows(path)
    if rows and "Identifier" in rows[0] and "Last modified (submission)" in rows[0]:
        times = {}
        for number, row in enumerate(rows, start=2):
            value = row["Last modified (submission)"]
            if value in ("", "-"):
                continue
            key = re.sub(r"^Participant\s*", "", row["Identifier"])
            times[key] = parse_time(value, f"{path}, line {number}")
        return times
    if not rows or not {"student", "submitted_at"} <= set(rows[0]):
        raise CrmlabInputError(f"{path}: needs columns student,submitted_at (or a Moodle grading worksheet)")
    times = {}
    for number, row in enumerate(rows, start=2):
        if row["student"] in times:
            raise CrmlabInputError(f"{path}, line {number}: {row['student']!r} is listed twice")
        times[row["student"]] = parse_time(row["submitted_at"], f"{path}, line {number}")
    return times


def match_times(times: dict[str, datetime], subs: list[Submission], *, partial: bool = False,
                where: str = "times file") -> dict[str, datetime]:
    """Map a times file's students (LMS id, 学号 or unique name) onto submission keys.

    Raises when a name in the file matches no submission or several, and, unless ``partial``,
    when a submission has no time (with ``partial`` those students count as on time).
    """
    index: dict[str, set[str]] = {}
    for sub in subs:
        for alias in {sub.student, sub.lms_id, sub.number, _norm_name(sub.display)} - {""}:
            index.setdefault(alias, set()).add(sub.student)
    mapped: dict[str, datetime] = {}
    unknown, ambiguous = [], []
    for who, when in times.items():
        keys = index.get(who) or index.get(_norm_name(who), set())
        if len(keys) > 1:
            ambiguous.append(who)
        elif not keys:
            unknown.append(who)
        else:
            mapped[next(iter(keys))] = when
    if unknown or ambiguous:
        parts = [f"no submission from {', '.join(unknown)}"] if unknown else []
        parts += [f"{', '.join(ambiguous)} matches several students (use the LMS id or 学号)"] if ambiguous else []
        raise CrmlabInputError(f"{where}: " + "; ".join(parts))
    missing = [s.display for s in subs if s.student not in mapped]
    if missing and not partial:
        raise CrmlabInputError(f"{where} has no time for {len(missing)} student(s): {', '.join(missing[:10])}"
                               + (" …" if len(missing) > 10 else "")
                               + " (add them, or pass --times-partial to count students not listed as on time)")
    return mapped
