"""``crmlab survey validate|tally|report RESPONSES --codebook CODEBOOK`` and
``crmlab survey codebook draft EXPORT --out codebook.yaml``.

Exit status: 0 the results were written (rejected questionnaires are normal and are listed);
1 only with ``--strict`` when any questionnaire was rejected; 2 nothing could be produced (a
missing or unreadable file, a bad codebook, no valid questionnaire) — the message says why.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crmlab.i18n import t

__all__ = ["register"]



class _Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Show each option's default, unless its help already says it or the option is required."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text or "默认" in text or action.required or not action.option_strings:
            return text
        return super()._get_help_string(action)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``survey`` command and its actions to the ``crmlab`` parser."""
    parser = subparsers.add_parser(
        "survey", help=t("cli.help.draft_a_codebook_validate_tally"),
        formatter_class=_Formatter,
        description=t("cli.help.survey_description") + " " + t("cli.help.survey_exit"))
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    _register_codebook(actions)
    for action in ("validate", "tally", "report"):
        text = t(f"cli.help.survey_{action}")
        sub = actions.add_parser(action, help=text, description=text.replace("%%", "%") + t("cli.help.sentence_end")
                                 + t("cli.help.survey_exit"),
                                 formatter_class=_Formatter)
        sub.add_argument("responses", type=Path,
                         help=t("cli.help.survey_export_csv_utf_8"))
        sub.add_argument("--codebook", type=Path, required=True,
                         help=t("cli.help.questionnaire_definition_yaml_yml_or"))
        sub.add_argument("--out", type=Path,
                         default=Path("survey_report") if action == "report" else None,
                         help=t("cli.help.out_report" if action == "report" else "cli.help.out_print"))
        sub.add_argument("--sheet", default="0", help=t("cli.help.excel_sheet_name_or_number"))
        sub.add_argument("--duplicates", choices=("keep_first", "reject_all"), default="keep_first",
                         help=t("cli.help.questionnaires_sharing_a_number_keep"))
        sub.add_argument("--strict", action="store_true",
                         help=t("cli.help.exit_with_status_1_when"))
        if action == "tally":
            sub.add_argument("--question", action="append", default=None,
                             help=t("cli.help.tally_only_this_question_id"))
            sub.add_argument("--by", default=None,
                             help=t("cli.help.tally_per_unit_of_this"))
        if action == "report":
            sub.add_argument("--by", default=None,
                             help=t("cli.help.question_or_column_whose_groups"))
            sub.add_argument("--crosstab", nargs=2, action="append", default=None,
                             metavar=("ROW", "COLUMN"),
                             help=t("cli.help.cross_tabulate_two_questions_with"))
            sub.add_argument("--lang", choices=("zh", "en"), default=None,
                             help=t("cli.help.language_of_headings_and_column"))
            sub.add_argument("--title", default=None, help=t("cli.help.report_title_default_the_codebook"))
        sub.set_defaults(handler=_run)


def _register_codebook(actions: argparse._SubParsersAction) -> None:
    codebook = actions.add_parser("codebook", help=t("cli.help.draft_a_codebook_from_a"),
                                  formatter_class=_Formatter,
                                  description=t("cli.help.codebook_tools_the_format_is"))
    tools = codebook.add_subparsers(dest="tool", required=True, metavar="TOOL")
    draft = tools.add_parser(
        "draft", formatter_class=_Formatter,
        help=t("cli.help.write_a_starting_codebook_numbers"),
        description=t("cli.help.read_an_export_best_s"))
    draft.add_argument("export", type=Path, help=t("cli.help.survey_export_csv_or_xlsx"))
    draft.add_argument("--out", type=Path, default=Path("codebook.yaml"),
                       help=t("cli.help.codebook_file_to_write_yaml"))
    draft.add_argument("--sheet", default="0", help=t("cli.help.excel_sheet_name_or_number"))
    draft.add_argument("--force", action="store_true", help=t("cli.help.overwrite_out_if_it_exists"))
    draft.set_defaults(handler=_draft)


def _sheet(value: str) -> int | str:
    return int(value) if str(value).isdigit() else value


def _draft(args: argparse.Namespace) -> int:
    from crmlab._checks import CrmlabInputError
    from crmlab.survey.draft import write_draft

    if args.out.exists() and not args.force:
        raise CrmlabInputError(t("cli.exists", path=args.out))
    for note in write_draft(args.export, args.out, sheet=_sheet(args.sheet)):
        print(t("cli.note", note=note), file=sys.stderr)
    print(t("cli.survey_draft", path=args.out))
    return 0


def _load(args: argparse.Namespace):
    from crmlab.survey.codebook import Codebook
    from crmlab.survey.reading import read_responses
    from crmlab.survey.validation import validate

    codebook = Codebook.read(args.codebook)
    responses = read_responses(args.responses, codebook, sheet=_sheet(args.sheet))
    for note in responses.attrs.get("notes", []):
        print(t("cli.note", note=note), file=sys.stderr)
    return codebook, validate(responses, codebook, duplicates=args.duplicates)


def _run(args: argparse.Namespace) -> int:
    import pandas as pd

    codebook, result = _load(args)
    print(result)
    out = args.out
    if args.action == "validate":
        if len(result.rejected):
            with pd.option_context("display.width", 160, "display.max_colwidth", 70,
                                   "display.max_rows", 60):
                print(result.rejected.drop(columns=["reasons"]).to_string(index=False))
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            from crmlab._spreadsheet import write_frame_csv  # BOM; free text never runs as a formula

            write_frame_csv(result.valid, out / "valid.csv", index=True)
            write_frame_csv(result.rejected, out / "rejected.csv")
            write_frame_csv(result.issues, out / "issues.csv")
            print(t("cli.wrote_files", paths=f"{out / 'valid.csv'}, {out / 'rejected.csv'}, {out / 'issues.csv'}"))
    elif args.action == "tally":
        _tally(args, codebook, result, out)
    else:
        from crmlab.survey.report import survey_report

        import matplotlib

        matplotlib.use("Agg")
        report = survey_report(result, codebook, out, title=args.title, by=args.by,
                               crosstabs=[tuple(p) for p in args.crosstab or []], lang=args.lang)
        for finding in report.findings:
            print(t("cli.finding", finding=finding))
        print(t("cli.wrote_files", paths=f"{report.html}, {report.markdown}, {report.workbook}"))
    return 1 if args.strict and len(result.rejected) else 0


def _tally(args, codebook, result, out) -> None:
    import pandas as pd

    from crmlab.survey.tally import statistics_table, tally

    if args.by or args.question:
        questions = args.question or [q.id for q in codebook.questions
                                      if q.type in ("single", "multiple", "likert", "rating")]
        parts = []
        for qid in questions:
            part = tally(result.valid, qid, codebook, by=args.by)
            part.insert(0, "question", qid)
            parts.append(part)
        table = pd.concat(parts, ignore_index=True)
    else:
        table = statistics_table(result.valid, codebook)
    with pd.option_context("display.width", 160, "display.max_rows", 100000,
                           "display.float_format", "{:.1f}".format):
        print(table.to_string(index=False))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        from crmlab._spreadsheet import write_frame_csv

        write_frame_csv(table, out / "statistics.csv")
        print(t("cli.wrote", path=out / "statistics.csv"))
