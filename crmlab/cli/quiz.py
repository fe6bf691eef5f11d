"""``crmlab quiz build`` and ``crmlab quiz check`` (registered by ``crmlab.cli``): concept quizzes from the
question bank in ``exercises/quizzes`` (see :mod:`crmlab.quiz`)."""

from __future__ import annotations

import argparse
from pathlib import Path


def _build(args: argparse.Namespace) -> int:
    from crmlab.quiz import build_quiz

    if args.version is not None and args.seed is not None:
        print("crmlab quiz build: error: give --version or --seed, not both")
        return 2
    quizzes = build_quiz(args.chapter, args.out, version=args.version, seed=args.seed, versions=args.versions,
                         lang=args.lang, bank_dir=args.bank_dir, count=args.questions)
    for quiz in quizzes:
        drawn = ", ".join(f"{i.question.id} v{i.version}" for i in quiz.items)
        print(f"wrote {Path(args.out) / quiz.stem}.ipynb (source: release it with crmlab assign), "
              f"{quiz.stem}_paper.md/.html, {quiz.stem}_key.md/.html (teacher only)\n  {drawn}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from crmlab._checks import CrmlabInputError
    from crmlab.quiz import bank_files, load_bank

    files = bank_files(args.bank_dir)
    failed = 0
    for chapter, path in sorted(files.items()):
        try:
            bank = load_bank(path)
        except CrmlabInputError as exc:
            failed += 1
            print(exc)
            continue
        versions = sum(len(q.versions) for q in bank.questions)
        print(f"{path.name}: {len(bank.questions)} questions, {versions} versions, en + zh")
    return 1 if failed else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``crmlab quiz`` to the ``crmlab`` parser."""
    quiz = subparsers.add_parser("quiz", help="concept quizzes per chapter from the bilingual question bank")
    actions = quiz.add_subparsers(dest="action", required=True, metavar="ACTION")
    build = actions.add_parser("build", help="write a quiz: a lab source notebook, a printable paper and an answer key")
    build.add_argument("--chapter", required=True, type=int, help="chapter number (0–8 have a bank)")
    build.add_argument("--out", required=True, type=Path, help="folder to write to")
    how = build.add_mutually_exclusive_group()
    how.add_argument("--version", type=int, default=None, help="take version N of every question (default 1)")
    how.add_argument("--seed", default=None, help="draw each question's version (and the questions) from this seed")
    build.add_argument("--versions", type=int, default=None, metavar="K",
                       help="write K papers A, B, C … (neighbouring papers differ on every question)")
    build.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the quiz (default en)")
    build.add_argument("--questions", type=int, default=10, help="questions per quiz (default 10)")
    build.add_argument("--bank-dir", type=Path, default=None, help="folder of the banks (default exercises/quizzes)")
    build.set_defaults(handler=_build)
    check = actions.add_parser("check", help="validate every bank file (both languages, answers, versions, ids)")
    check.add_argument("--bank-dir", type=Path, default=None, help="folder of the banks (default exercises/quizzes)")
    check.set_defaults(handler=_check)
