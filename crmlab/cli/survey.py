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

_EXIT = ("Exit status: 0 results written (rejected questionnaires are listed, not an error); "
         "1 only with --strict when a questionnaire was rejected; 2 nothing could be produced.")


class _Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Show each option's default, unless its help already says it or the option is required."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text or action.required or not action.option_strings:
            return text
        return super()._get_help_string(action)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``survey`` command and its actions to the ``crmlab`` parser."""
    parser = subparsers.add_parser(
        "survey", help="draft a codebook, validate, tally and report a satisfaction survey",
        formatter_class=_Formatter,
        description="Start with `crmlab survey codebook draft EXPORT --out codebook.yaml`, edit "
                    "the codebook (docs/survey_codebook.md), then validate, tally and report. "
                    "Check questionnaires (blank 白卷 / invalid 废卷), tally answers and write a "
                    "report. " + _EXIT)
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    _register_codebook(actions)
    helps = {
        "validate": "list rejected questionnaires with reasons; --out writes valid.csv, "
                    "rejected.csv, issues.csv",
        "tally": "the statistics table (counts and %% of valid questionnaires); --out writes "
                 "statistics.csv",
        "report": "write report.html (self-contained), report.md and 统计表.xlsx to --out",
    }
    for action, text in helps.items():
        sub = actions.add_parser(action, help=text, description=text.replace("%%", "%") + ". " + _EXIT,
                                 formatter_class=_Formatter)
        sub.add_argument("responses", type=Path,
                         help="survey export: .csv (UTF-8/GBK) or .xlsx from 问卷星, 腾讯问卷, "
                              "Qualtrics, Google Forms, or typed in with the codebook's ids")
        sub.add_argument("--codebook", type=Path, required=True,
                         help="questionnaire definition (.yaml/.yml or .json)")
        sub.add_argument("--out", type=Path,
                         default=Path("survey_report") if action == "report" else None,
                         help="folder to write results to" + ("" if action == "report"
                                                              else " (none: print only)"))
        sub.add_argument("--sheet", default="0", help="Excel sheet name or number")
        sub.add_argument("--duplicates", choices=("keep_first", "reject_all"), default="keep_first",
                         help="questionnaires sharing a number: keep the first valid one, or "
                              "reject all")
        sub.add_argument("--strict", action="store_true",
                         help="exit with status 1 when any questionnaire was rejected")
        if action == "tally":
            sub.add_argument("--question", action="append", default=None,
                             help="tally only this question id (repeatable; default: every "
                                  "closed question)")
            sub.add_argument("--by", default=None,
                             help="tally per unit of this column or question (e.g. collector)")
        if action == "report":
            sub.add_argument("--by", default=None,
                             help="question (or column) whose groups are compared, e.g. the "
                                  "membership question: CSAT, NPS and Likert means per group "
                                  "with intervals and tests")
            sub.add_argument("--crosstab", nargs=2, action="append", default=None,
                             metavar=("ROW", "COLUMN"),
                             help="cross-tabulate two questions with chi-square and Cramér's V "
                                  "(repeatable)")
            sub.add_argument("--lang", choices=("zh", "en"), default=None,
                             help="language of headings and column names (default: zh when the "
                                  "codebook's texts are Chinese, else en)")
            sub.add_argument("--title", default=None, help="report title (default: the codebook's)")
        sub.set_defaults(handler=_run)


def _register_codebook(actions: argparse._SubParsersAction) -> None:
    codebook = actions.add_parser("codebook", help="draft a codebook from a survey export",
                                  formatter_class=_Formatter,
                                  description="Codebook tools. The format is documented in "
                                              "docs/survey_codebook.md.")
    tools = codebook.add_subparsers(dest="tool", required=True, metavar="TOOL")
    draft = tools.add_parser(
        "draft", formatter_class=_Formatter,
        help="write a starting codebook (numbers, texts, guessed types, options found)",
        description="Read an export (best: 问卷星's by-option-text export) and write a codebook "
                    "to edit: question numbers and texts, types guessed (single, multiple with "
                    "options, matrix with rows, 0–10 rating, number, free text) and the option "
                    "labels found. Then add dimensions, roles, reverse rows and required flags.")
    draft.add_argument("export", type=Path, help="survey export (.csv or .xlsx)")
    draft.add_argument("--out", type=Path, default=Path("codebook.yaml"),
                       help="codebook file to write (YAML)")
    draft.add_argument("--sheet", default="0", help="Excel sheet name or number")
    draft.add_argument("--force", action="store_true", help="overwrite --out if it exists")
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
            result.valid.to_csv(out / "valid.csv", encoding="utf-8-sig")
            result.rejected.to_csv(out / "rejected.csv", index=False, encoding="utf-8-sig")
            result.issues.to_csv(out / "issues.csv", index=False, encoding="utf-8-sig")
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
        table.to_csv(out / "statistics.csv", index=False, encoding="utf-8-sig")
        print(t("cli.wrote", path=out / "statistics.csv"))
