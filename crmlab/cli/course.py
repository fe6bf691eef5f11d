"""``crmlab student``, ``crmlab report build`` and ``crmlab scoresheet`` (registered by ``crmlab.cli``).

The course-running commands: the student edition (:mod:`crmlab.student`), investigation
reports to Word and HTML (:mod:`crmlab.report_build`), printable rubric score sheets
(:mod:`crmlab.scoresheet`).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def _student(args: argparse.Namespace) -> int:
    from crmlab.i18n import t
    from crmlab.student import build

    edition = build(args.root, args.out, sandbox=not args.no_sandbox)
    print(t("cli.student_wrote", out=edition.out, notebooks=len(edition.notebooks), labs=len(edition.labs) // 2,
            datasets=len(edition.datasets), reports=len(edition.reports)))
    return 0


def _report(args: argparse.Namespace) -> int:
    from crmlab.i18n import t
    from crmlab.report_build import build_report

    for path in build_report(args.notebook, args.out, execute=args.execute):
        print(t("cli.wrote", path=path))
    return 0


def _scoresheet(args: argparse.Namespace) -> int:
    from crmlab.i18n import t
    from crmlab.scoresheet import write_sheets

    for path in write_sheets(args.rubric, args.out, raters=args.raters, students=args.students):
        print(t("cli.wrote", path=path))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the course-running sub-commands to the ``crmlab`` parser."""
    student = subparsers.add_parser("student", help="write the student edition of the course (no solutions)")
    student.add_argument("--out", type=Path, default=Path("student"), help="folder to write (default: student/)")
    student.add_argument("--root", type=Path, default=Path("."), help="the course folder (default: here)")
    student.add_argument("--no-sandbox", action="store_true",
                         help="compute the labs' self-check data without bubblewrap (not isolated)")
    student.set_defaults(handler=_student)

    report = subparsers.add_parser("report", help="investigation reports (trainings 1 and 4)")
    actions = report.add_subparsers(dest="action", required=True, metavar="ACTION")
    build = actions.add_parser("build", help="turn a report notebook into a Word document (.docx) and an HTML page")
    build.add_argument("notebook", type=Path, help="the report notebook (see reports/report_template.ipynb)")
    build.add_argument("--out", type=Path, required=True, help="folder for <name>.docx and <name>.html")
    build.add_argument("--execute", action="store_true", help="run the notebook first (default: use its stored outputs)")
    build.set_defaults(handler=_report)

    sheet = subparsers.add_parser("scoresheet", help="printable score sheets (xlsx and docx) from a rubric YAML")
    sheet.add_argument("rubric", type=Path, help="the rubric, e.g. exercises/rubric_presentation.yaml")
    sheet.add_argument("--out", type=Path, required=True, help="folder for the .xlsx and .docx sheets")
    sheet.add_argument("--raters", type=int, default=1, help="rater rows per student in the xlsx (default 1)")
    sheet.add_argument("--students", type=int, default=30, help="blank rows in the xlsx (default 30)")
    sheet.set_defaults(handler=_scoresheet)
