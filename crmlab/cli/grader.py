"""``crmlab assign``, ``crmlab grade`` and ``crmlab rubric score`` (registered by ``crmlab.cli``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _limits(args: argparse.Namespace):  # noqa: ANN202
    from crmlab.grader.sandbox import Limits

    return Limits(cell_timeout=args.cell_timeout, notebook_timeout=args.timeout, memory_mb=args.memory_mb,
                  disk_mb=args.disk_mb)


def _assign(args: argparse.Namespace) -> int:
    from crmlab.grader.release import assign
    from crmlab.i18n import t

    notebook, checks = assign(args.source, args.out, limits=_limits(args), sandbox=not args.no_sandbox,
                              lang=args.lang)
    print(t("cli.assign_wrote", notebook=notebook, checks=checks))
    return 0


def _grade(args: argparse.Namespace) -> int:
    import json
    import signal

    from crmlab.grader.grade import Policy, grade, parse_time
    from crmlab.grader.sandbox import NO_SANDBOX_NOTICE, SandboxUnavailable
    from crmlab.i18n import t

    policy = Policy(penalty_per_day=args.late_penalty, zero_after_days=args.zero_after_days,
                    times_from_files=args.times_from_files)
    if args.deadline:
        policy.deadline = parse_time(args.deadline, "--deadline")
    elif args.times or args.times_from_files:
        print(t("cli.times_need_deadline", args.lang), file=sys.stderr)
        return 2

    def stop(signum: int, frame: object) -> None:  # SIGTERM: unwind like Ctrl-C, so temporary folders go
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    secret = args.variant_seed
    if secret is None and args.variant_seed_file is not None:
        secret = args.variant_seed_file.read_text(encoding="utf-8").strip()
    try:
        rows = grade(args.source, args.submissions, args.out, jobs=args.jobs, force=args.force, student=args.student,
                     limits=_limits(args), policy=policy, overrides=args.overrides, sandbox=not args.no_sandbox,
                     progress=not args.quiet, variant_seed=secret, roster=args.roster, times=args.times,
                     times_partial=args.times_partial, merge_manual=args.merge_manual, lang=args.lang)
    except SandboxUnavailable as exc:
        print(t("cli.grade_refused", args.lang, error=exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(t("cli.grade_interrupted", args.lang), file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    meta = json.loads((Path(args.out) / "gradebook.meta.json").read_text(encoding="utf-8"))
    problems = [r for r in rows if r["status"] not in ("ok", "errors")]
    print(t("summary.graded", args.lang, count=meta["graded_this_run"], total=len(rows),
            path=Path(args.out) / "gradebook.csv")
          + ("; " + t("summary.problems", args.lang, count=len(problems)) if problems else "")
          + ("; " + t("summary.variant", args.lang) if meta["variant"] else ""))
    summary = (Path(args.out) / "summary.txt").read_text(encoding="utf-8")
    if summary:
        print(summary, end="")
    if not meta["isolated"]:
        print(t("cli.warning", args.lang, warning=NO_SANDBOX_NOTICE))
    return 0


def _rubric(args: argparse.Namespace) -> int:
    from crmlab.grader import rubric

    spec = rubric.load_rubric(args.rubric)
    weights = rubric.parse_weights(args.weights) if args.weights else None
    sheets = rubric.read_sheets(args.sheets, spec)
    groups = rubric.read_groups(args.groups) if args.groups else None
    assignments = rubric.read_assignments(args.assignments, groups) if args.assignments else None
    result = rubric.score(sheets, spec, weights=weights, groups=groups, assignments=assignments)
    from crmlab.i18n import t

    for warning in result.warnings:
        print(t("cli.warning", warning=warning), file=sys.stderr)
    if args.out:
        written = rubric.export(result, args.out)
        for path in written:
            print(t("cli.wrote", path=path))
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
    parser.add_argument("--disk-mb", type=int, default=256,
                        help="private /tmp (holding the job folder) per submission in MB (default 256)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run without bubblewrap (NOT isolated: only for code you trust; recorded in "
                             "gradebook.meta.json). Without it, grading refuses when bubblewrap is missing")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the grading sub-commands to the ``crmlab`` parser."""
    assign = subparsers.add_parser("assign", help="release a lab: strip solutions, add self-checks")
    assign.add_argument("source", type=Path, help="the instructor's source notebook")
    assign.add_argument("--out", type=Path, required=True, help="folder for the student version")
    assign.add_argument("--lang", default="en", choices=("en", "zh"),
                        help="release language: zh takes the markdown from <folder>/translations/<lab>.zh.yaml "
                             "and gives Chinese stubs, self-checks and check messages (default en)")
    _add_limits(assign)
    assign.set_defaults(handler=_assign)

    grade = subparsers.add_parser("grade", help="autograde submitted notebooks into a gradebook")
    grade.add_argument("source", type=Path, help="the instructor's source notebook")
    grade.add_argument("submissions", type=Path, help="folder or .zip: <student>.ipynb files, a Canvas or Moodle download")
    grade.add_argument("--out", type=Path, required=True, help="folder for gradebook, exports and feedback")
    grade.add_argument("--jobs", type=int, default=None, help="submissions graded at once (default: CPU cores)")
    grade.add_argument("--force", action="store_true", help="regrade submissions that already have a result")
    grade.add_argument("--student", default=None, help="(re)grade only this student (LMS id, 学号 or unique name)")
    grade.add_argument("--deadline", default=None, help="ISO date-time, e.g. 2026-03-01T23:59")
    grade.add_argument("--times", type=Path, default=None,
                       help="submission times: CSV student,submitted_at (LMS id, 学号 or name) or Moodle's grading "
                            "worksheet; every student must be listed (see --times-partial)")
    grade.add_argument("--times-partial", action="store_true",
                       help="students missing from --times count as on time")
    grade.add_argument("--times-from-files", action="store_true",
                       help="use the files' modification times for students without a time (wrong after copying)")
    grade.add_argument("--roster", type=Path, default=None, help="class list CSV: 学号, 姓名/name, lms_id, email")
    grade.add_argument("--merge-manual", type=Path, default=None,
                       help="merge a filled-in manual/scores.csv or .xlsx (hand-graded questions)")
    grade.add_argument("--lang", default=None, help="feedback language: en or zh (default: the lab's, CRMLAB_LANG, locale)")
    grade.add_argument("--late-penalty", type=float, default=0.10,
                       help="share of the total deducted per started day late (default 0.10)")
    grade.add_argument("--zero-after-days", type=int, default=None, help="zero points from this many days late")
    grade.add_argument("--overrides", type=Path, default=None, help="CSV student,question,points[,comment]")
    grade.add_argument("--quiet", action="store_true", help="no progress bar")
    grade.add_argument("--variant-seed", default=None,
                       help="secret: run the source and every submission on hidden data generated from it "
                            "(default: <out>/.private/variant-seed if present)")
    grade.add_argument("--variant-seed-file", type=Path, default=None, help="read the secret from this file")
    _add_limits(grade)
    grade.set_defaults(handler=_grade)

    rubric = subparsers.add_parser("rubric", help="score presentations with a rubric")
    actions = rubric.add_subparsers(dest="action", required=True, metavar="ACTION")
    score = actions.add_parser(
        "score", help="combine raters' score sheets (CSV or xlsx) into student and group scores",
        description="Exit status: 0 all scores present; 1 scores computed but some are missing (the warnings "
                    "say which, one line per problem); 2 unusable input (nothing written).")
    score.add_argument("sheets", nargs="+", type=Path,
                       help="score sheets: CSV (UTF-8 or GBK) or xlsx files (every sheet of a workbook is read)")
    score.add_argument("--rubric", type=Path, required=True, help="the rubric (YAML)")
    score.add_argument("--weights", default=None,
                       help="rater-role weights, e.g. teacher=0.6,student=0.4 (default: the rubric's)")
    score.add_argument("--groups", type=Path, default=None, help="CSV student,group to roll up group scores")
    score.add_argument("--assignments", type=Path, default=None,
                       help="CSV rater,student or rater,group: who scores whom (only missing assigned scores warn)")
    score.add_argument("--out", type=Path, default=None, help="folder for students.csv, groups.csv, details.csv")
    score.set_defaults(handler=_rubric)
