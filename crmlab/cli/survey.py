"""``crmlab survey validate|tally|report RESPONSES --codebook CODEBOOK [--out DIR]``.

Exit codes: 0 every questionnaire is valid; 1 the command ran and rejected questionnaires (or
other problems) are reported; 2 the input could not be used (missing or unreadable file, bad
codebook) — the message says why.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``survey`` command and its actions to the ``crmlab`` parser."""
    parser = subparsers.add_parser(
        "survey", help="validate, tally and report a satisfaction survey",
        description="Check questionnaires (blank 白卷 / invalid 废卷), tally answers and write a "
                    "report. Exit status: 0 all valid, 1 rejected questionnaires reported, "
                    "2 unusable input.")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    helps = {
        "validate": "list rejected questionnaires with reasons; --out writes valid.csv, "
                    "rejected.csv, issues.csv",
        "tally": "the statistics table (counts and %% of valid questionnaires); --out writes "
                 "statistics.csv",
        "report": "write report.html (self-contained) and report.md to --out (default: ./survey_report)",
    }
    for action, text in helps.items():
        sub = actions.add_parser(action, help=text, description=text.replace("%%", "%"))
        sub.add_argument("responses", type=Path, help="survey export: .csv (UTF-8/GBK) or .xlsx")
        sub.add_argument("--codebook", type=Path, required=True,
                         help="questionnaire definition (.yaml/.yml or .json)")
        sub.add_argument("--out", type=Path, default=None, help="folder to write results to")
        sub.add_argument("--sheet", default=0, help="Excel sheet name or number (default: first)")
        sub.add_argument("--duplicates", choices=("keep_first", "reject_all"), default="keep_first",
                         help="questionnaires sharing a number: keep the first (default) or reject all")
        if action == "tally":
            sub.add_argument("--question", action="append", default=None,
                             help="tally only this question id (repeatable)")
            sub.add_argument("--by", default=None, help="tally per unit of this column (e.g. collector)")
        if action == "report":
            sub.add_argument("--by", default="company", help="column to compare units on")
            sub.add_argument("--title", default=None, help="report title")
        sub.set_defaults(handler=_run)


def _load(args: argparse.Namespace):
    from crmlab.survey.codebook import Codebook
    from crmlab.survey.reading import read_responses
    from crmlab.survey.validation import validate

    codebook = Codebook.read(args.codebook)
    sheet = int(args.sheet) if str(args.sheet).isdigit() else args.sheet
    responses = read_responses(args.responses, codebook, sheet=sheet)
    for note in responses.attrs.get("notes", []):
        print(f"note: {note}", file=sys.stderr)
    return codebook, validate(responses, codebook, duplicates=args.duplicates)


def _run(args: argparse.Namespace) -> int:
    import pandas as pd

    codebook, result = _load(args)
    print(result)
    status = 1 if len(result.rejected) else 0
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
            print(f"wrote {out / 'valid.csv'}, {out / 'rejected.csv'}, {out / 'issues.csv'}")
    elif args.action == "tally":
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
            print(f"wrote {out / 'statistics.csv'}")
    else:
        from crmlab.survey.report import survey_report

        import matplotlib

        matplotlib.use("Agg")
        target = out or Path("survey_report")
        report = survey_report(result, codebook, target, title=args.title, by=args.by)
        for finding in report.findings:
            print(f"- {finding}")
        print(f"wrote {report.html} and {report.markdown}")
    return status
