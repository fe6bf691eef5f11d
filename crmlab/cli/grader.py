"""``crmlab assign``, ``crmlab grade`` and ``crmlab rubric score`` (registered by ``crmlab.cli``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _limits(args: argparse.Namespace):  # noqa: ANN202
    from crmlab.grader.sandbox import Limits

    return Limits(cell_timeout=args.cell_timeout, notebook_timeout=args.timeout, memory_mb=args.memory_mb)


def _assign(args: argparse.Namespace) -> int:
    from crmlab.grader.release import assign

    notebook, checks = assign(args.source, args.out, limits=_limits(args), sandbox=not args.no_sandbox)
    print(f"wrote {notebook}\nwrote {checks}  (give students both files, in the same folder)")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from crmlab.grader.grade import Policy, _parse_time, grade, read_submission_times

    policy = Policy(penalty_per_day=args.late_penalty, zero_after_days=args.zero_after_days)
    if args.deadline:
        policy.deadline = _parse_time(args.deadline, "--deadline")
        if args.times:
            policy.submission_times = read_submission_times(args.times)
    rows = grade(args.source, args.submissions, args.out, jobs=args.jobs, force=args.force, student=args.student,
                 limits=_limits(args), policy=policy, overrides=args.overrides, sandbox=not args.no_sandbox,
                 progress=not args.quiet)
    problems = [r for r in rows if r["status"] not in ("ok", "errors")]
    print(f"graded {len(rows)} submission(s) into {Path(args.out) / 'gradebook.csv'}"
          + (f"; {len(problems)} with status timeout/crashed/invalid (see the gradebook)" if problems else ""))
    return 0


def _rubric(args: argparse.Namespace) -> int:
    from crmlab.grader import rubric

    spec = rubric.load_rubric(args.rubric)
    weights = rubric.parse_weights(args.weights) if args.weights else None
    sheets = rubric.read_sheets(args.sheets, spec)
    result = rubric.score(sheets, spec, weights=weights, groups=rubric.read_groups(args.groups) if args.groups else None)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.out:
        written = rubric.export(result, args.out)
        for path in written:
            print(f"wrote {path}")
    else:
        print(result.students.to_string(index=False))
        if result.groups is not None:
            print()
            print(result.groups.to_string(index=False))
    return 1 if result.warnings else 0


def _add_limits(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--timeout", type=float, default=300, help="seconds per notebook (default 300)")
    parser.add_argument("--cell-timeout", type=float, default=30, help="seconds per cell (default 30)")
    parser.add_argument("--memory-mb", type=int, default=2048, help="memory per submission in MB (default 2048)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run without bubblewrap even if it is installed (not isolated; for debugging)")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the grading sub-commands to the ``crmlab`` parser."""
    assign = subparsers.add_parser("assign", help="release a lab: strip solutions, add self-checks")
    assign.add_argument("source", type=Path, help="the instructor's source notebook")
    assign.add_argument("--out", type=Path, required=True, help="folder for the student version")
    _add_limits(assign)
    assign.set_defaults(handler=_assign)

    grade = subparsers.add_parser("grade", help="autograde submitted notebooks into a gradebook")
    grade.add_argument("source", type=Path, help="the instructor's source notebook")
    grade.add_argument("submissions", type=Path, help="folder of <student>.ipynb files or an LMS download")
    grade.add_argument("--out", type=Path, required=True, help="folder for gradebook, exports and feedback")
    grade.add_argument("--jobs", type=int, default=None, help="submissions graded at once (default: CPU cores)")
    grade.add_argument("--force", action="store_true", help="regrade submissions that already have a result")
    grade.add_argument("--student", default=None, help="(re)grade only this student")
    grade.add_argument("--deadline", default=None, help="ISO date-time, e.g. 2026-03-01T23:59")
    grade.add_argument("--times", type=Path, default=None,
                       help="CSV student,submitted_at (default: the files' modification times)")
    grade.add_argument("--late-penalty", type=float, default=0.10,
                       help="share of the total deducted per started day late (default 0.10)")
    grade.add_argument("--zero-after-days", type=int, default=None, help="zero points from this many days late")
    grade.add_argument("--overrides", type=Path, default=None, help="CSV student,question,points[,comment]")
    grade.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_limits(grade)
    grade.set_defaults(handler=_grade)

    rubric = subparsers.add_parser("rubric", help="score presentations with a rubric")
    actions = rubric.add_subparsers(dest="action", required=True, metavar="ACTION")
    score = actions.add_parser("score", help="combine raters' score sheets (CSV) into student and group scores")
    score.add_argument("sheets", nargs="+", type=Path, help="score sheets: CSV files, one per rater")
    score.add_argument("--rubric", type=Path, required=True, help="the rubric (YAML)")
    score.add_argument("--weights", default=None,
                       help="rater-role weights, e.g. teacher=0.6,student=0.4 (default: the rubric's)")
    score.add_argument("--groups", type=Path, default=None, help="CSV student,group to roll up group scores")
    score.add_argument("--out", type=Path, default=None, help="folder for students.csv, groups.csv, details.csv")
    score.set_defaults(handler=_rubric)
