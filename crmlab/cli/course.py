"""``crmlab student``, ``crmlab report build`` and ``crmlab scoresheet`` (registered by ``crmlab.cli``).

The course-running commands: the student edition (:mod:`crmlab.student`), investigation
reports to Word and HTML (:mod:`crmlab.report_build`), printable rubric score sheets
(:mod:`crmlab.scoresheet`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from crmlab.i18n import t


def _student(args: argparse.Namespace) -> int:
    from crmlab.student import build

    edition = build(args.root, args.out, sandbox=not args.no_sandbox)
    print(t("cli.student_wrote", out=edition.out, notebooks=len(edition.notebooks), labs=len(edition.labs) // 2,
            datasets=len(edition.datasets), reports=len(edition.reports)))
    return 0


def _report(args: argparse.Namespace) -> int:
    from crmlab.report_build import build_report

    for path in build_report(args.notebook, args.out, execute=args.execute):
        print(t("cli.wrote", path=path))
    return 0


def _scoresheet(args: argparse.Namespace) -> int:
    from crmlab.scoresheet import write_sheets

    for path in write_sheets(args.rubric, args.out, raters=args.raters, students=args.students):
        print(t("cli.wrote", path=path))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the course-running sub-commands to the ``crmlab`` parser."""
    student = subparsers.add_parser("student", help=t("cli.help.write_the_student_edition_of"))
    student.add_argument("--out", type=Path, default=Path("student"), help=t("cli.help.folder_to_write_default_student"))
    student.add_argument("--root", type=Path, default=Path("."), help=t("cli.help.the_course_folder_default_here"))
    student.add_argument("--no-sandbox", action="store_true",
                         help=t("cli.help.compute_the_labs_self_check"))
    student.set_defaults(handler=_student)

    report = subparsers.add_parser("report", help=t("cli.help.investigation_reports_trainings_1_and"))
    actions = report.add_subparsers(dest="action", required=True, metavar="ACTION")
    build = actions.add_parser("build", help=t("cli.help.turn_a_report_notebook_into"))
    build.add_argument("notebook", type=Path, help=t("cli.help.the_report_notebook_see_reports"))
    build.add_argument("--out", type=Path, required=True, help=t("cli.help.folder_for_name_docx_and"))
    build.add_argument("--execute", action="store_true", help=t("cli.help.run_the_notebook_first_default"))
    build.set_defaults(handler=_report)

    sheet = subparsers.add_parser("scoresheet", help=t("cli.help.printable_score_sheets_xlsx_and"))
    sheet.add_argument("rubric", type=Path, help=t("cli.help.the_rubric_e_g_exercises"))
    sheet.add_argument("--out", type=Path, required=True, help=t("cli.help.folder_for_the_xlsx_and"))
    sheet.add_argument("--raters", type=int, default=1, help=t("cli.help.rater_rows_per_student_in"))
    sheet.add_argument("--students", type=int, default=30, help=t("cli.help.blank_rows_in_the_xlsx"))
    sheet.set_defaults(handler=_scoresheet)
