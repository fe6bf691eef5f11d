"""``crmlab assign``, ``crmlab grade`` and ``crmlab rubric score`` (registered by ``crmlab.cli``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crmlab.i18n import t


def _limits(args: argparse.Namespace):  # noqa: ANN202
    from crmlab.grader.sandbox import Limits

    return Limits(cell_timeout=args.cell_timeout, notebook_timeout=args.timeout, memory_mb=args.memory_mb,
                  disk_mb=args.disk_mb)


def _secret(args: argparse.Namespace) -> str | None:
    """The variant secret from --variant-seed or --variant-seed-file (None: neither given)."""
    if args.variant_seed is not None:
        return args.variant_seed
    if args.variant_seed_file is not None:
        return args.variant_seed_file.read_text(encoding="utf-8").strip()
    return None


def _assign_roster(args: argparse.Namespace) -> int:
    from crmlab.grader.roster import assign_roster

    secret = _secret(args)
    if secret is None:
        print(t("cli.assign_roster_needs_secret"), file=sys.stderr)
        return 2
    notebooks = assign_roster(args.source, args.roster, args.out, secret, limits=_limits(args),
                              sandbox=not args.no_sandbox, jobs=args.jobs, lang=args.lang)
    print(t("cli.assign_roster_wrote", count=len(notebooks), out=args.out, name=args.source.name,
            stem=args.source.stem))
    return 0


def _assign(args: argparse.Namespace) -> int:
    from crmlab.grader.release import assign

    if args.roster is not None:
        return _assign_roster(args)
    if _secret(args) is not None:
        print(t("cli.assign_seed_without_roster"), file=sys.stderr)
        return 2
    notebook, checks = assign(args.source, args.out, limits=_limits(args), sandbox=not args.no_sandbox,
                              lang=args.lang)
    print(t("cli.assign_wrote", notebook=notebook, checks=checks))
    return 0


def _grade(args: argparse.Namespace) -> int:
    import json
    import signal

    from crmlab.grader.grade import Policy, grade, parse_time
    from crmlab.grader.sandbox import NO_SANDBOX_NOTICE, SandboxUnavailable

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
    secret = _secret(args)
    try:
        rows = grade(args.source, args.submissions, args.out, jobs=args.jobs, force=args.force, student=args.student,
                     limits=_limits(args), policy=policy, overrides=args.overrides, sandbox=not args.no_sandbox,
                     progress=not args.quiet, variant_seed=secret, roster=args.roster, times=args.times,
                     times_partial=args.times_partial, merge_manual=args.merge_manual, lang=args.lang,
                     similarity=args.similarity)
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
    parser.add_argument("--timeout", type=float, default=300, help=t("cli.help.seconds_per_notebook_default_300"))
    parser.add_argument("--cell-timeout", type=float, default=30, help=t("cli.help.seconds_per_cell_default_30"))
    parser.add_argument("--memory-mb", type=int, default=2048, help=t("cli.help.memory_per_submission_in_mb"))
    parser.add_argument("--disk-mb", type=int, default=256,
                        help=t("cli.help.private_tmp_holding_the_job"))
    parser.add_argument("--no-sandbox", action="store_true",
                        help=t("cli.help.run_without_bubblewrap_not_isolated"))


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the grading sub-commands to the ``crmlab`` parser."""
    assign = subparsers.add_parser("assign", help=t("cli.help.release_a_lab_strip_solutions"))
    assign.add_argument("source", type=Path, help=t("cli.help.the_instructor_s_source_notebook"))
    assign.add_argument("--out", type=Path, required=True, help=t("cli.help.folder_for_the_student_version"))
    assign.add_argument("--lang", default="en", choices=("en", "zh"),
                        help=t("cli.help.release_language_zh_takes_the"))
    assign.add_argument("--roster", type=Path, default=None, help=t("cli.help.assign_roster"))
    assign.add_argument("--variant-seed", default=None, help=t("cli.help.assign_variant_seed"))
    assign.add_argument("--variant-seed-file", type=Path, default=None, help=t("cli.help.read_the_secret_from_this"))
    assign.add_argument("--jobs", type=int, default=None, help=t("cli.help.assign_jobs"))
    _add_limits(assign)
    assign.set_defaults(handler=_assign)

    grade = subparsers.add_parser("grade", help=t("cli.help.autograde_submitted_notebooks_into_a"))
    grade.add_argument("source", type=Path, help=t("cli.help.the_instructor_s_source_notebook"))
    grade.add_argument("submissions", type=Path, help=t("cli.help.folder_or_zip_student_ipynb"))
    grade.add_argument("--out", type=Path, required=True, help=t("cli.help.folder_for_gradebook_exports_and"))
    grade.add_argument("--jobs", type=int, default=None, help=t("cli.help.submissions_graded_at_once_default"))
    grade.add_argument("--force", action="store_true", help=t("cli.help.regrade_submissions_that_already_have"))
    grade.add_argument("--student", default=None, help=t("cli.help.re_grade_only_this_student"))
    grade.add_argument("--deadline", default=None, help=t("cli.help.iso_date_time_e_g"))
    grade.add_argument("--times", type=Path, default=None,
                       help=t("cli.help.submission_times_csv_student_submitted"))
    grade.add_argument("--times-partial", action="store_true",
                       help=t("cli.help.students_missing_from_times_count"))
    grade.add_argument("--times-from-files", action="store_true",
                       help=t("cli.help.use_the_files_modification_times"))
    grade.add_argument("--roster", type=Path, default=None, help=t("cli.help.class_list_csv_name_lms"))
    grade.add_argument("--merge-manual", type=Path, default=None,
                       help=t("cli.help.merge_a_filled_in_manual"))
    grade.add_argument("--lang", default=None, help=t("cli.help.feedback_language_en_or_zh"))
    grade.add_argument("--late-penalty", type=float, default=0.10,
                       help=t("cli.help.share_of_the_total_deducted"))
    grade.add_argument("--zero-after-days", type=int, default=None, help=t("cli.help.zero_points_from_this_many"))
    grade.add_argument("--overrides", type=Path, default=None, help=t("cli.help.csv_student_question_points_comment"))
    grade.add_argument("--quiet", action="store_true", help=t("cli.help.no_progress_bar"))
    grade.add_argument("--variant-seed", default=None,
                       help=t("cli.help.secret_run_the_source_and"))
    grade.add_argument("--variant-seed-file", type=Path, default=None, help=t("cli.help.read_the_secret_from_this"))
    grade.add_argument("--similarity", action="store_true", help=t("cli.help.grade_similarity"))
    _add_limits(grade)
    grade.set_defaults(handler=_grade)

    rubric = subparsers.add_parser("rubric", help=t("cli.help.score_presentations_with_a_rubric"))
    actions = rubric.add_subparsers(dest="action", required=True, metavar="ACTION")
    score = actions.add_parser(
        "score", help=t("cli.help.combine_raters_score_sheets_csv"),
        description=t("cli.help.exit_status_0_all_scores"))
    score.add_argument("sheets", nargs="+", type=Path,
                       help=t("cli.help.score_sheets_csv_utf_8"))
    score.add_argument("--rubric", type=Path, required=True, help=t("cli.help.the_rubric_yaml"))
    score.add_argument("--weights", default=None,
                       help=t("cli.help.rater_role_weights_e_g"))
    score.add_argument("--groups", type=Path, default=None, help=t("cli.help.csv_student_group_to_roll"))
    score.add_argument("--assignments", type=Path, default=None,
                       help=t("cli.help.csv_rater_student_or_rater"))
    score.add_argument("--out", type=Path, default=None, help=t("cli.help.folder_for_students_csv_groups"))
    score.set_defaults(handler=_rubric)
