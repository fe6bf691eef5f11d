"""Instructor grading: release labs, student self-checks, secure autograding, gradebook, rubric.

Students use ``from crmlab.grader import check, check_all`` in a released lab (see
``exercises/README.md``). Instructors use the ``crmlab assign`` / ``crmlab grade`` /
``crmlab rubric score`` commands, or :mod:`crmlab.grader.release`, :mod:`crmlab.grader.grade`
(with :mod:`~crmlab.grader.lms` for LMS downloads, rosters and times, :mod:`~crmlab.grader.manual`
for answers graded by hand, :mod:`~crmlab.grader.checks` for partial credit) and
:mod:`crmlab.grader.rubric`. Importing this package is light (no pandas, no nbclient).
"""

from __future__ import annotations

from typing import Any

__all__ = ["check", "check_all"]


def __getattr__(name: str) -> Any:
    if name in ("check", "check_all"):
        from crmlab.grader import selfcheck

        return getattr(selfcheck, name)
    raise AttributeError(f"module 'crmlab.grader' has no attribute {name!r}")
