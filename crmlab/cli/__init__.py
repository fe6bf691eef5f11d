"""The ``crmlab`` command: datasets, exercises and grading, surveys.

Each topic adds its sub-commands from its own module of this package (``SUBCOMMAND_MODULES``),
which defines ``register(subparsers)``; handlers import their heavy dependencies only when run, so
``crmlab --help`` stays fast. A handler returns the process exit code: 0 success, 1 the input had
problems (reported), 2 the command could not run (bad arguments or files).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

#: Modules that each define ``register(subparsers)``; a missing one is skipped.
SUBCOMMAND_MODULES = ("crmlab.cli.grader", "crmlab.cli.survey", "crmlab.cli.scorecard",
                      "crmlab.cli.course")


def _datasets_command(args: argparse.Namespace) -> int:
    from crmlab import datasets
    from crmlab.i18n import t

    if args.action == "list":
        for name in datasets.list_datasets():
            print(f"{name:<28} {datasets.table_spec(name).description}")
    elif args.action == "describe":
        print(datasets.describe(args.name))
    elif args.action == "export":
        path = datasets.export(args.name, args.path)
        print(t("cli.wrote", path=path))
    elif args.action == "regenerate":
        written = datasets.regenerate(args.out, scale=args.scale)
        for name, rows in written.items():
            print(t("cli.rows", name=name, rows=rows))
    return 0


def _register_datasets(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("datasets", help="list, describe, export or regenerate the course datasets")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("list", help="name and one-line description of every table")
    describe = actions.add_parser("describe", help="columns, types and size of one table")
    describe.add_argument("name")
    export = actions.add_parser("export", help="write one table to a .csv (Excel-friendly) or .xlsx file")
    export.add_argument("name")
    export.add_argument("path")
    regen = actions.add_parser("regenerate", help="regenerate the synthetic tables (larger with --scale)")
    regen.add_argument("--out", type=Path, default=None, help="folder to write to (default: the shipped datasets)")
    regen.add_argument("--scale", type=float, default=1.0, help="size relative to the shipped data (default 1)")
    parser.set_defaults(handler=_datasets_command)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered."""
    from crmlab import __version__

    parser = argparse.ArgumentParser(
        prog="crmlab", description="CRM analytics course toolkit: datasets, exercises, grading, surveys."
    )
    parser.add_argument("--version", action="version", version=f"crmlab {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    _register_datasets(subparsers)
    for module_name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``crmlab`` command; returns the exit code."""
    from crmlab._checks import CrmlabInputError
    from crmlab._extras import missing_extra
    from crmlab.i18n import t

    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except (CrmlabInputError, FileNotFoundError) as exc:
        print(t("cli.error", error=exc), file=sys.stderr)
        return 2
    except ImportError as exc:
        message = missing_extra(exc)
        if message is None:
            raise
        print(t("cli.error", error=message), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(t("cli.interrupted"), file=sys.stderr)
        return 130
