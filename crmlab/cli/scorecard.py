"""``crmlab scorecard``: the month-end customer grading from the command line.

Examples (shell)::

    crmlab scorecard run --month-end 2025-12-31 --out grades.xlsx            # shipped B2B data
    crmlab scorecard run --month-end 2025-12-31 --data mydata/ --config card.yaml --out g.csv
    crmlab scorecard template card.yaml        # the course's scorecard, to edit
    crmlab scorecard explain C0042 --month-end 2025-12-31
    crmlab scorecard collections --month-end 2025-12-31 --age-basis invoice --out ageing.xlsx

``--data`` is a folder with ``b2b_customers.csv``, ``b2b_monthly_sales.csv`` and
``b2b_invoices.csv`` (columns as in the course's data card). ``run`` grades the last
``--history-months`` month ends (default 2) so that "two consecutive C → D" is applied to the
graded month; the file it writes holds that month, best first, marked confidential.
``collections`` prints the collections matrix (信用管理) at the month end, ageing receivables from
the invoice date (``--age-basis invoice``, the regulation's 账龄, default) or from the due date
(``--age-basis due``); receivables not yet due are reported apart, and ``--out`` writes the
receivables-ageing table (账龄分析表).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from crmlab.i18n import t

_FILES = ("b2b_customers", "b2b_monthly_sales", "b2b_invoices")


def _load(folder: Path | None, names: tuple[str, ...] = _FILES) -> dict[str, Any] | None:
    if folder is None:
        return None
    import pandas as pd

    tables = {}
    for name in names:
        path = folder / f"{name}.csv"
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing (--data needs {', '.join(names)} .csv)")
        tables[name] = pd.read_csv(path, dtype={"customer_id": str}, encoding="utf-8-sig")
    return tables


def _month_ends(month_end: str, count: int) -> list[Any]:
    import pandas as pd

    last = pd.Timestamp(month_end)
    return [last - pd.offsets.MonthEnd(k) if k else last for k in range(count - 1, -1, -1)]


def _run(args: argparse.Namespace) -> int:
    from crmlab._checks import CrmlabInputError
    from crmlab.scorecard import Scorecard, export_grade_table, grading_history

    try:
        card = Scorecard.load(args.config) if args.config else None
        data = _load(args.data)
        months = _month_ends(args.month_end, max(1, args.history_months))
        history = grading_history(data, months, scorecard=card, yoy_basis=args.yoy_basis)
    except CrmlabInputError as exc:
        print(t("cli.scorecard_input", error=exc), file=sys.stderr)
        return 1
    table = history[history["month_end"] == history["month_end"].max()]
    table = table.sort_values(["total", "customer_id"], ascending=[False, True])
    month = table["month_end"].iloc[0].date()
    counts = table["grade"].astype(str).value_counts().sort_index()
    print(t("cli.scorecard_graded", count=len(table), month=month, counts=", ".join(f"{g} {n}" for g, n in counts.items())))
    demoted = int(table["demoted"].sum())
    if demoted:
        print(t("cli.scorecard_demoted", count=demoted))
    if args.out:
        path = export_grade_table(table, args.out, title=f"客户分级表 {month}")
        print(t("cli.scorecard_wrote", path=path))
    return 0


def _template(args: argparse.Namespace) -> int:
    from crmlab.scorecard import default_scorecard

    path = default_scorecard().save(args.path)
    print(t("cli.scorecard_template", path=path))
    return 0


def _explain(args: argparse.Namespace) -> int:
    from crmlab._checks import CrmlabInputError
    from crmlab.scorecard import Scorecard, default_scorecard, monthly_grading

    card = Scorecard.load(args.config) if args.config else default_scorecard()
    try:
        monthly_grading(_load(args.data), args.month_end, scorecard=card)
        print(card.explain(args.customer))
        print(t("cli.scorecard_explain_note"))
    except CrmlabInputError as exc:
        print(t("cli.scorecard_error", error=exc), file=sys.stderr)
        return 1
    return 0


def _collections(args: argparse.Namespace) -> int:
    from crmlab._checks import CrmlabInputError
    from crmlab.datasets import load_dataset
    from crmlab.scorecard import collections_matrix, export_grade_table, receivables_ageing

    try:
        data = _load(args.data, ("b2b_invoices",))
        # dates are parsed (and bad ones refused, naming the rows) by receivables_ageing itself
        invoices = data["b2b_invoices"] if data else load_dataset("b2b_invoices")
        options = dict(as_of=args.month_end, amount_line=args.amount_line,
                       age_line_months=args.age_line_months, age_basis=args.age_basis)
        matrix = collections_matrix(invoices, **options)
        ageing = receivables_ageing(invoices, **options).round(
            {"months_overdue": 2, "age_months": 2, "customer_open_total": 2})
    except CrmlabInputError as exc:
        print(t("cli.scorecard_input", error=exc), file=sys.stderr)
        return 1
    print(t(f"cli.collections_heading_{args.age_basis}", month=args.month_end))
    print(matrix.to_string(index=False))
    waiting = ageing[ageing["not_due"]]
    print(t("cli.collections_not_due", count=len(waiting), customers=waiting["customer_id"].nunique(),
            amount=f"{waiting['amount'].sum():,.2f}"))
    if args.out:
        path = export_grade_table(ageing, args.out, title=f"账龄分析表 {args.month_end}", grade="action")
        print(t("cli.scorecard_wrote", path=path))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``crmlab scorecard run | template | explain``."""
    parser = subparsers.add_parser(
        "scorecard", help=t("cli.help.month_end_customer_grading_a"))
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--month-end", required=True, help=t("cli.help.last_day_of_the_graded"))
        p.add_argument("--data", type=Path, default=None,
                       help=t("cli.help.folder_with_the_three_b2b"))
        p.add_argument("--config", type=Path, default=None,
                       help=t("cli.help.scorecard_yaml_json_default_the"))

    run = actions.add_parser("run", help=t("cli.help.grade_every_customer_and_write"))
    common(run)
    run.add_argument("--out", type=Path, default=None, help=t("cli.help.write_the_table_xlsx_or"))
    run.add_argument("--history-months", type=int, default=2,
                     help=t("cli.help.month_ends_graded_ending_at"))
    run.add_argument("--yoy-basis", choices=("ytd", "trailing12"), default="ytd",
                     help=t("cli.help.year_on_year_basis_year"))
    run.set_defaults(handler=_run)

    collections = actions.add_parser("collections", help=t("cli.help.collections_command"))
    collections.add_argument("--month-end", required=True, help=t("cli.help.collections_month_end"))
    collections.add_argument("--data", type=Path, default=None, help=t("cli.help.collections_data"))
    collections.add_argument("--age-basis", choices=("invoice", "due"), default="invoice",
                             help=t("cli.help.collections_age_basis"))
    collections.add_argument("--amount-line", type=float, default=100_000,
                             help=t("cli.help.collections_amount_line"))
    collections.add_argument("--age-line-months", type=float, default=2,
                             help=t("cli.help.collections_age_line"))
    collections.add_argument("--out", type=Path, default=None, help=t("cli.help.collections_out"))
    collections.set_defaults(handler=_collections)

    template = actions.add_parser("template", help=t("cli.help.write_the_course_s_scorecard"))
    template.add_argument("path", type=Path, help=t("cli.help.a_yaml_or_json_file"))
    template.set_defaults(handler=_template)

    explain = actions.add_parser("explain", help=t("cli.help.why_a_customer_got_its"))
    explain.add_argument("customer")
    common(explain)
    explain.set_defaults(handler=_explain)
