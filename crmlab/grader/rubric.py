"""Rubric scoring: several raters' score sheets → weighted student scores → group scores.

A rubric is YAML (``exercises/rubric_presentation.yaml`` is the course's 100-point presentation
score sheet): items made of parts, each with a maximum; rater-role ``weights`` (teacher 0.6,
student 0.4 in the course); ``required_roles`` whose absence is reported.

A score sheet is a CSV with one row per (rater, student): columns ``rater``, ``role``,
``student`` and one column per part id (``theory_practice``, ``own_insight`` …; ``item.part``
also works). Several sheets (one per rater, or one for everybody) are combined as:

1. per student, part and role: the mean over that role's raters;
2. per student and part: the weighted mean over the roles present, weights renormalised when a
   role is missing (and a warning says so);
3. the student's total is the sum of the parts; a group's score is the mean of its members'.

Validation raises :class:`~crmlab._checks.CrmlabInputError` for points above a part's maximum,
negative or non-numeric points, unknown columns (items the rubric does not have), missing part
columns and duplicate (rater, student) rows; missing raters are warnings.

Examples
--------
>>> spec = parse_rubric({"items": [
...     {"id": "content", "parts": [{"id": "theory", "max": 15}, {"id": "insight", "max": 15}]},
...     {"id": "delivery", "parts": [{"id": "audible", "max": 15}]}]})
>>> spec.total, spec.items
(45.0, ['content', 'delivery'])

The course's rubric ships as ``exercises/rubric_presentation.yaml`` (:func:`load_rubric`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from crmlab._checks import CrmlabInputError

ID_COLUMNS = ("rater", "role", "student")


@dataclass
class Rubric:
    """A parsed rubric: parts (id → item, label, max), item order, default weights.

    Built by :func:`parse_rubric` or :func:`load_rubric`; each parameter is the attribute of
    that name.

    Parameters
    ----------
    name
        The rubric's name (its file name).
    parts
        One row per part, in order: ``item``, ``part``, ``label``, ``max`` and ``kind``.
    weights
        Rater role → weight (``{"teacher": 0.6, "student": 0.4}`` in the course).
    required_roles
        Roles whose absence for a student is reported.

    Examples
    --------
    >>> spec = parse_rubric({"weights": {"teacher": 0.6, "student": 0.4}, "items": [
    ...     {"id": "content", "parts": [{"id": "theory", "max": 15}, {"id": "insight", "max": 15}]}]})
    >>> spec.parts[["item", "part", "max"]]
          item     part   max
    0  content   theory  15.0
    1  content  insight  15.0
    >>> spec.total, spec.weights
    (30.0, {'teacher': 0.6, 'student': 0.4})
    """

    name: str
    parts: pd.DataFrame  # columns item, part, label, max, kind (one row per part, in order)
    weights: dict[str, float]
    required_roles: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return float(self.parts["max"].sum())

    @property
    def items(self) -> list[str]:
        return list(dict.fromkeys(self.parts["item"]))


@dataclass
class RubricResult:
    """What :func:`score` computes; each parameter is the attribute of that name.

    Parameters
    ----------
    students
        One row per student: points per item, ``total`` and the number of raters per role
        (``raters_<role>``), with ``group`` when groups were given.
    groups
        One row per group (``members``, ``score`` = mean total, ``lowest``, ``highest``), or
        None without groups.
    details
        Every score given: ``rater``, ``role``, ``student``, ``item``, ``part``, ``points``.
    warnings
        One line per problem (missing roles, missing assigned scores, students without group).

    Examples
    --------
    >>> spec = parse_rubric({"weights": {"teacher": 0.6, "student": 0.4}, "items": [
    ...     {"id": "content", "parts": [{"id": "theory", "max": 15}, {"id": "insight", "max": 15}]}]})
    >>> sheet = pd.DataFrame({"rater": ["T1", "S1", "S2"], "role": ["teacher", "student", "student"],
    ...                       "student": ["al"] * 3, "theory": [12, 10, 14], "insight": [9, 15, 13]})
    >>> result = score(read_sheets([sheet], spec), spec)
    >>> result.students   # theory 0.6·12 + 0.4·12 = 12, insight 0.6·9 + 0.4·14 = 11
      student  content  total  raters_student  raters_teacher
    0      al     23.0   23.0               2               1
    >>> result.groups is None, result.warnings
    (True, [])
    """

    students: pd.DataFrame
    groups: pd.DataFrame | None
    details: pd.DataFrame
    warnings: list[str]


def _positive(value: Any, where: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise CrmlabInputError(f"{where}: {value!r} is not a number") from None
    if not number > 0:
        raise CrmlabInputError(f"{where}: must be positive, got {value!r}")
    return number


def parse_rubric(data: dict[str, Any], name: str = "rubric") -> Rubric:
    """Validate a rubric given as a dict (the YAML's content).

    Parameters
    ----------
    data
        ``items`` (each with ``id`` and ``parts``, each part with ``id`` and ``max``), and
        optionally ``weights`` and ``required_roles``.
    name
        The rubric's name, in error messages.

    Returns
    -------
    Rubric
        The checked rubric.

    Examples
    --------
    >>> spec = parse_rubric({"items": [{"id": "delivery", "parts": [{"id": "audible", "max": 15}]}]})
    >>> spec.items, spec.total
    (['delivery'], 15.0)
    """
    if not isinstance(data, dict) or not isinstance(data.get("items"), list) or not data["items"]:
        raise CrmlabInputError(f"{name}: a rubric needs a list of `items`")
    rows, seen = [], set()
    for i, item in enumerate(data["items"], start=1):
        if not isinstance(item, dict) or "id" not in item or not isinstance(item.get("parts"), list) or not item["parts"]:
            raise CrmlabInputError(f"{name}: item {i} needs an `id` and a list of `parts`")
        for part in item["parts"]:
            if not isinstance(part, dict) or "id" not in part or "max" not in part:
                raise CrmlabInputError(f"{name}: every part of item {item['id']!r} needs `id` and `max`")
            pid = str(part["id"])
            if pid in seen:
                raise CrmlabInputError(f"{name}: part id {pid!r} is used twice (part ids must be unique)")
            seen.add(pid)
            rows.append({"item": str(item["id"]), "part": pid, "label": str(part.get("label", pid)),
                         "max": _positive(part["max"], f"{name}: max of part {pid!r}"),
                         "kind": str(part.get("kind", "base"))})
    parts = pd.DataFrame(rows)
    if "total" in data and abs(float(data["total"]) - parts["max"].sum()) > 1e-9:
        raise CrmlabInputError(f"{name}: the parts add up to {parts['max'].sum():g}, not the stated total {data['total']}")
    weights = {str(k): _positive(v, f"{name}: weight of {k!r}") for k, v in (data.get("weights") or {}).items()}
    return Rubric(str(data.get("name", name)), parts, weights, [str(r) for r in data.get("required_roles", [])])


def load_rubric(path: str | Path) -> Rubric:
    """Read and validate a YAML rubric.

    Parameters
    ----------
    path
        The YAML file (``exercises/rubric_presentation.yaml`` is the course's).

    Returns
    -------
    Rubric
        The checked rubric, named after the file.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "talk.yaml"
    >>> _ = path.write_text("items:\\n  - id: delivery\\n    parts:\\n      - {id: audible, max: 15}\\n")
    >>> load_rubric(path).total
    15.0
    """
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CrmlabInputError(f"{path}: not valid YAML ({exc})") from None
    return parse_rubric(data, name=str(path))


def parse_weights(text: str) -> dict[str, float]:
    """``"teacher=0.6,student=0.4"`` → ``{"teacher": 0.6, "student": 0.4}``.

    Parameters
    ----------
    text
        ``role=weight`` pairs separated by commas (the command line's ``--weights``).

    Returns
    -------
    dict
        Role → weight.

    Examples
    --------
    >>> parse_weights("teacher=0.6,student=0.4")
    {'teacher': 0.6, 'student': 0.4}
    """
    weights = {}
    for pair in text.split(","):
        role, sep, value = pair.partition("=")
        if not sep:
            raise CrmlabInputError(f"weights: {pair!r} is not role=weight")
        weights[role.strip()] = _positive(value, f"weights: {role.strip()}")
    return weights


def _part_columns(frame: pd.DataFrame, spec: Rubric, where: str) -> pd.DataFrame:
    rename = {}
    for column in frame.columns:
        if column in ID_COLUMNS:
            continue
        item, dot, part = str(column).partition(".")
        key = part if dot else item
        if key not in set(spec.parts["part"]):
            known = ", ".join(spec.parts["part"])
            raise CrmlabInputError(f"{where}: unknown rubric item {column!r} (known parts: {known})")
        rename[column] = key
    frame = frame.rename(columns=rename)
    missing = [p for p in spec.parts["part"] if p not in frame.columns]
    if missing:
        raise CrmlabInputError(f"{where}: missing score column(s) {', '.join(missing)}")
    return frame


def _read_table(path: Path) -> list[tuple[str, pd.DataFrame]]:
    """(label, table) for a CSV (UTF-8 with or without BOM, GBK/GB18030) or each sheet of an xlsx."""
    import io

    from crmlab.survey.reading import detect_encoding

    if not path.is_file():
        raise CrmlabInputError(f"score sheet {path} does not exist")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            sheets = pd.read_excel(path, sheet_name=None, dtype={"rater": str, "student": str})
        except Exception as exc:  # noqa: BLE001 - a corrupt workbook: say so
            raise CrmlabInputError(f"{path} is not a readable Excel workbook ({exc})") from None
        return [(f"{path} [{name}]", frame) for name, frame in sheets.items() if not frame.dropna(how="all").empty]
    raw = path.read_bytes()
    try:
        codec, _ = detect_encoding(raw)
    except CrmlabInputError as exc:
        raise CrmlabInputError(f"{path}: {exc}") from None
    return [(str(path), pd.read_csv(io.StringIO(raw.decode(codec)), dtype={"rater": str, "student": str}))]


def read_sheets(paths: list[str | Path] | list[pd.DataFrame], spec: Rubric) -> pd.DataFrame:
    """Read and validate score sheets into one long table: rater, role, student, part, points.

    Each path is a CSV (UTF-8 with or without BOM, or GBK/GB18030 as Excel saves it on Chinese
    Windows) or an xlsx workbook whose every non-empty sheet is a score sheet. A missing file is
    an error.

    Parameters
    ----------
    paths
        The score sheets: files, or DataFrames already read.
    spec
        The rubric the sheets are checked against.

    Returns
    -------
    DataFrame
        One row per score: ``rater``, ``role``, ``student``, ``part``, ``points``, ``item`` and
        ``sheet`` (where it came from).

    Examples
    --------
    >>> spec = parse_rubric({"items": [{"id": "delivery", "parts": [{"id": "audible", "max": 15}]}]})
    >>> sheet = pd.DataFrame({"rater": ["T1"], "role": ["teacher"], "student": ["al"], "audible": [12]})
    >>> read_sheets([sheet], spec)[["rater", "student", "part", "points"]]
      rater student     part  points
    0    T1      al  audible      12
    """
    tables: list[tuple[str, pd.DataFrame]] = []
    for source in paths:
        if isinstance(source, pd.DataFrame):
            tables.append(("score sheet", source.copy()))
        else:
            tables += _read_table(Path(source))
    frames = []
    for where, frame in tables:
        frame.columns = [str(c).strip() for c in frame.columns]
        missing = [c for c in ID_COLUMNS if c not in frame.columns]
        if missing:
            raise CrmlabInputError(f"{where}: missing column(s) {', '.join(missing)}")
        frame = _part_columns(frame, spec, where)
        for column in ID_COLUMNS:
            frame[column] = frame[column].astype("string").str.strip()
        long = frame.melt(id_vars=list(ID_COLUMNS), value_vars=list(spec.parts["part"]),
                          var_name="part", value_name="raw")
        long["points"] = pd.to_numeric(long["raw"], errors="coerce")
        bad = long[long["points"].isna()]
        if len(bad):
            row = bad.iloc[0]
            raise CrmlabInputError(f"{where}: {len(bad)} score(s) missing or not numbers, e.g. rater "
                                   f"{row['rater']}, student {row['student']}, part {row['part']}: {row['raw']!r}")
        long = long.merge(spec.parts[["part", "item", "max"]], on="part")
        over = long[(long["points"] > long["max"]) | (long["points"] < 0)]
        if len(over):
            lines = [f"rater {r.rater}, student {r.student}, {r.part}: {r.points:g} (allowed 0–{r.max:g})"
                     for r in over.head(5).itertuples()]
            raise CrmlabInputError(f"{where}: {len(over)} score(s) outside the allowed range: " + "; ".join(lines))
        frames.append(long.drop(columns=["raw", "max"]).assign(sheet=where))
    sheets = pd.concat(frames, ignore_index=True)
    dup = sheets.duplicated(["rater", "student", "part"], keep=False)
    if dup.any():
        row = sheets[dup].iloc[0]
        raise CrmlabInputError(f"rater {row['rater']} scored student {row['student']} more than once "
                               f"(in {', '.join(sorted(set(sheets[dup]['sheet'])))})")
    return sheets


def _read_csv(path: str | Path, what: str) -> pd.DataFrame:
    tables = _read_table(Path(path)) if Path(path).is_file() else None
    if tables is None:
        raise CrmlabInputError(f"{what} {path} does not exist")
    frame = tables[0][1].astype("string")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.apply(lambda col: col.str.strip())


def read_groups(path: str | Path) -> pd.DataFrame:
    """A CSV with columns ``student,group`` (UTF-8 or GBK).

    Parameters
    ----------
    path
        The CSV file.

    Returns
    -------
    DataFrame
        ``student`` and ``group``, as text.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "groups.csv"
    >>> _ = path.write_text("student,group\\nal,1\\nbo,1\\n", encoding="gbk")
    >>> read_groups(path).values.tolist()
    [['al', '1'], ['bo', '1']]
    """
    frame = _read_csv(path, "groups file")
    missing = [c for c in ("student", "group") if c not in frame.columns]
    if missing:
        raise CrmlabInputError(f"{path}: missing column(s) {', '.join(missing)}")
    return frame[["student", "group"]]


def read_assignments(path: str | Path, groups: pd.DataFrame | None = None) -> pd.DataFrame:
    """Who scores whom: a CSV ``rater,student`` or ``rater,group`` (a group means all its members).

    With assignments, only missing *assigned* scores are reported (rotating peer raters no
    longer warn about the groups they were not asked to score).

    Parameters
    ----------
    path
        The CSV file.
    groups
        The groups (:func:`read_groups`); needed when the file names groups.

    Returns
    -------
    DataFrame
        ``rater`` and ``student``, one row per score expected.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "groups.csv").write_text("student,group\\nal,1\\nbo,1\\n")
    >>> _ = (folder / "raters.csv").write_text("rater,group\\nS1,1\\n")
    >>> read_assignments(folder / "raters.csv", read_groups(folder / "groups.csv"))
      rater student
    0    S1      al
    1    S1      bo
    """
    frame = _read_csv(path, "assignments file")
    if "rater" not in frame.columns or not ({"student", "group"} & set(frame.columns)):
        raise CrmlabInputError(f"{path}: needs columns rater,student or rater,group")
    if "student" in frame.columns:
        return frame[["rater", "student"]].drop_duplicates()
    if groups is None:
        raise CrmlabInputError(f"{path} assigns groups: give the groups file too (--groups)")
    unknown = sorted(set(frame["group"]) - set(groups["group"]))
    if unknown:
        raise CrmlabInputError(f"{path}: unknown group(s) {', '.join(unknown)} (not in the groups file)")
    return frame.merge(groups, on="group")[["rater", "student"]].drop_duplicates()


def _pairs_line(pairs: pd.DataFrame) -> str:
    """'S1 → li, wang; S2 → zhao' for a table of (rater, student) pairs."""
    by_rater = pairs.groupby("rater", sort=True)["student"].agg(lambda s: ", ".join(sorted(s)))
    return "; ".join(f"{rater} → {students}" for rater, students in by_rater.items())


def _coverage_warnings(sheets: pd.DataFrame, assignments: pd.DataFrame | None) -> list[str]:
    """One line per kind of gap: missing assigned scores, unassigned scores (or, with no
    assignments, raters who did not score every student their role scored)."""
    given = sheets[["rater", "student"]].drop_duplicates()
    if assignments is None:
        roles = sheets.drop_duplicates("rater").set_index("rater")["role"]
        role_students = sheets[["role", "student"]].drop_duplicates()
        expected = roles.rename("role").reset_index().merge(role_students, on="role")[["rater", "student"]]
        missing = expected.merge(given, how="left", indicator=True).query("_merge == 'left_only'")
        if missing.empty:
            return []
        return [f"{len(missing)} score(s) missing: a rater did not score every student their role scored "
                f"(declare who scores whom with --assignments if that is intended): {_pairs_line(missing)}"]
    absent = sorted(set(assignments["rater"]) - set(sheets["rater"]))
    if absent:
        raise CrmlabInputError(f"no scores at all from rater(s) {', '.join(absent)}, who have assignments: is a "
                               "score sheet missing? (remove them from the assignments to score without them)")
    warnings = []
    missing = assignments.merge(given, how="left", indicator=True).query("_merge == 'left_only'")
    if not missing.empty:
        warnings.append(f"{len(missing)} assigned score(s) missing: {_pairs_line(missing)}")
    raters = set(assignments["rater"])
    extra = given[given["rater"].isin(raters)].merge(assignments, how="left", indicator=True).query(
        "_merge == 'left_only'")
    if not extra.empty:
        warnings.append(f"{len(extra)} score(s) not in the assignments (kept): {_pairs_line(extra)}")
    return warnings


def score(sheets: pd.DataFrame, spec: Rubric, weights: dict[str, float] | None = None,
          groups: pd.DataFrame | None = None, assignments: pd.DataFrame | None = None) -> RubricResult:
    """Combine validated sheets (from :func:`read_sheets`) into student and group scores.

    ``assignments`` (from :func:`read_assignments`) declares who scores whom; the warnings then
    name only missing assigned scores. Each warning is one line per problem.

    Parameters
    ----------
    sheets
        The long table of :func:`read_sheets`.
    spec
        The rubric.
    weights
        Rater role → weight; default the rubric's (equal weights when it has none).
    groups
        ``student`` → ``group``, for group scores.
    assignments
        Who scores whom.

    Returns
    -------
    RubricResult
        Student scores, group scores, every score given and the warnings.

    Examples
    --------
    >>> spec = parse_rubric({"items": [{"id": "delivery", "parts": [{"id": "audible", "max": 15}]}]})
    >>> sheet = pd.DataFrame({"rater": ["T1", "T1"], "role": ["teacher"] * 2,
    ...                       "student": ["al", "bo"], "audible": [12, 9]})
    >>> result = score(read_sheets([sheet], spec), spec,
    ...                groups=pd.DataFrame({"student": ["al", "bo"], "group": ["1", "1"]}))
    >>> result.groups
      group  members  score  lowest  highest
    0     1        2   10.5     9.0     12.0
    """
    weights = weights or spec.weights
    warnings: list[str] = []
    roles = sorted(set(sheets["role"]))
    unweighted = [r for r in roles if r not in weights]
    if weights and unweighted:
        raise CrmlabInputError(f"no weight for rater role(s) {', '.join(unweighted)} (weights: {weights})")
    if not weights:
        weights = {r: 1.0 for r in roles}
    students = sorted(set(sheets["student"]))
    for role in spec.required_roles:
        lacking = sorted(set(students) - set(sheets.loc[sheets["role"] == role, "student"]))
        if lacking:
            warnings.append(f"no {role} score for {', '.join(lacking)} (weights renormalised over the roles present)")
    warnings += _coverage_warnings(sheets, assignments)
    by_role = sheets.groupby(["student", "part", "role"], as_index=False)["points"].mean()
    by_role["weight"] = by_role["role"].map(weights)
    by_role["weighted"] = by_role["points"] * by_role["weight"]
    combined = by_role.groupby(["student", "part"], as_index=False)[["weighted", "weight"]].sum()
    combined["points"] = combined["weighted"] / combined["weight"]
    combined = combined.merge(spec.parts[["part", "item"]], on="part")
    per_item = combined.pivot_table(index="student", columns="item", values="points", aggfunc="sum")[spec.items]
    table = per_item.reset_index()
    table["total"] = per_item.sum(axis=1).to_numpy().round(2)
    for item in spec.items:
        table[item] = table[item].round(2)
    counts = sheets.drop_duplicates(["rater", "student"]).pivot_table(index="student", columns="role",
                                                                      values="rater", aggfunc="count")
    counts = counts.reindex(columns=roles, fill_value=0).fillna(0).astype(int).add_prefix("raters_")
    table = table.merge(counts.reset_index(), on="student", how="left")
    group_table = None
    if groups is not None:
        unknown = sorted(set(table["student"]) - set(groups["student"]))
        if unknown:
            warnings.append(f"students without a group: {', '.join(unknown)}")
        absent = sorted(set(groups["student"]) - set(table["student"]))
        if absent:
            warnings.append(f"group members without any score: {', '.join(absent)}")
        table = table.merge(groups, on="student", how="left")
        group_table = (table.dropna(subset=["group"]).groupby("group")
                       .agg(members=("student", "count"), score=("total", "mean"), lowest=("total", "min"),
                            highest=("total", "max")).reset_index())
        group_table["score"] = group_table["score"].round(2)
    details = sheets[["rater", "role", "student", "item", "part", "points"]].sort_values(
        ["student", "role", "rater", "item"], kind="stable").reset_index(drop=True)
    return RubricResult(table, group_table, details, warnings)


def export(result: RubricResult, out: str | Path) -> list[Path]:
    """Write students.csv, groups.csv (when groups were given) and details.csv into ``out``.

    The files are for Excel: UTF-8 with BOM, and a name starting with ``=`` stays text.

    Parameters
    ----------
    result
        The result of :func:`score`.
    out
        The folder to write to (created).

    Returns
    -------
    list of Path
        The files written.

    Examples
    --------
    >>> import tempfile
    >>> spec = parse_rubric({"items": [{"id": "delivery", "parts": [{"id": "audible", "max": 15}]}]})
    >>> sheet = pd.DataFrame({"rater": ["T1"], "role": ["teacher"], "student": ["=cmd"], "audible": [12]})
    >>> files = export(score(read_sheets([sheet], spec), spec), tempfile.mkdtemp())
    >>> [f.name for f in files]
    ['students.csv', 'details.csv']
    >>> files[0].read_text(encoding="utf-8-sig").splitlines()[1]
    "'=cmd,12.0,12.0,1"
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    from crmlab._spreadsheet import write_frame_csv

    written = [write_frame_csv(result.students, out / "students.csv"),
               write_frame_csv(result.details, out / "details.csv")]
    if result.groups is not None:
        written.append(write_frame_csv(result.groups, out / "groups.csv"))
    return written
