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

from crmlab.i18n import t

#: Modules that each define ``register(subparsers)``; a missing one is skipped.
SUBCOMMAND_MODULES = ("crmlab.cli.grader", "crmlab.cli.survey", "crmlab.cli.scorecard",
                      "crmlab.cli.course", "crmlab.cli.quiz")


def _datasets_command(args: argparse.Namespace) -> int:
    from crmlab import datasets

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
    parser = subparsers.add_parser("datasets", help=t("cli.help.list_describe_export_or_regenerate"))
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("list", help=t("cli.help.name_and_one_line_description"))
    describe = actions.add_parser("describe", help=t("cli.help.columns_types_and_size_of"))
    describe.add_argument("name")
    export = actions.add_parser("export", help=t("cli.help.write_one_table_to_a"))
    export.add_argument("name")
    export.add_argument("path")
    regen = actions.add_parser("regenerate", help=t("cli.help.regenerate_the_synthetic_tables_larger"))
    regen.add_argument("--out", type=Path, default=None, help=t("cli.help.folder_to_write_to_default"))
    regen.add_argument("--scale", type=float, default=1.0, help=t("cli.help.size_relative_to_the_shipped"))
    parser.set_defaults(handler=_datasets_command)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered."""
    from crmlab import __version__

    parser = argparse.ArgumentParser(
        prog="crmlab", description=t("cli.help.crm_analytics_course_toolkit_datasets")
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
