"""Every lab in exercises/ releases, self-checks and autogrades with crmlab.grader.

For each ``exercises/lab*.ipynb`` (discovered at collection, so labs added later are covered),
one sandboxed worker runs the source once (its answers are the key) and then grades two
submissions: the source itself (must score full marks) and the blank release (must score zero).
The release is written twice and must be byte-identical, and its self-check data must accept the
source's answers.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from crmlab.grader.sandbox import Limits

EXERCISES = Path(__file__).resolve().parent.parent / "exercises"
LABS = sorted(EXERCISES.glob("lab*.ipynb"))
LIMITS = Limits(cell_timeout=120, notebook_timeout=300)


@pytest.fixture(scope="module", params=LABS or [None], ids=[p.stem for p in LABS] or ["no-labs"])
def lab_run(request, tmp_path_factory):
    source = request.param
    if source is None:
        pytest.skip("no exercises/lab*.ipynb yet")
    from crmlab.grader.grade import Submission, grade_submission
    from crmlab.grader.jobs import compute_expected, load_source, preload_modules
    from crmlab.grader.release import assign
    from crmlab.grader.sandbox import Worker

    root = tmp_path_factory.mktemp(source.stem)
    nb, lab = load_source(source)
    from crmlab.grader.sandbox import bwrap_path

    # the instructor's own source and its blank release: trusted code, sandboxed when possible
    worker = Worker(preload_modules(nb), LIMITS, sandbox=bwrap_path() is not None)
    try:
        expected = compute_expected(source, worker=worker)
        first = assign(source, root / "release1", expected=expected)
        second = assign(source, root / "release2", expected=expected)
        shutil.copy(source, root / "solution.ipynb")
        results = {name: grade_submission(worker, lab, nb, expected, Submission(name, path), LIMITS)
                   for name, path in (("solution", root / "solution.ipynb"), ("blank", first[0]))}
    finally:
        worker.close()
    return {"source": source, "lab": lab, "expected": expected, "first": first, "second": second,
            "results": results}


def _points(result):
    return sum(q["points"] for q in result["questions"].values())


def test_the_solutions_score_full_marks(lab_run):
    # full marks on the auto-graded questions; questions graded by hand (compare=manual) wait
    # for the teacher's scores, so they stay pending with 0 points
    result = lab_run["results"]["solution"]
    manual = {q.id for q in lab_run["lab"].questions if q.compare == "manual"}
    failing = {q: v["message"] for q, v in result["questions"].items() if not v["ok"] and q not in manual}
    auto_points = sum(q.points for q in lab_run["lab"].questions if q.id not in manual)
    assert _points(result) == auto_points > 0, failing
    assert all(result["questions"][q].get("manual") for q in manual)
    assert result["status"] == "ok", result["cell_errors"]


def test_the_blank_release_scores_zero(lab_run):
    result = lab_run["results"]["blank"]
    assert _points(result) == 0.0, {q: v["message"] for q, v in result["questions"].items()}
    assert result["status"] in ("ok", "errors")


def test_the_release_is_deterministic_and_has_no_solutions(lab_run):
    (nb1, checks1), (nb2, checks2) = lab_run["first"], lab_run["second"]
    assert nb1.read_bytes() == nb2.read_bytes() and checks1.read_bytes() == checks2.read_bytes()
    text = nb1.read_text(encoding="utf-8")
    assert "### BEGIN SOLUTION" not in text and "# HIDDEN INPUTS" not in text


def test_the_self_checks_accept_the_solutions(lab_run):
    from crmlab.grader.compare import check_digest

    data = json.loads(lab_run["first"][1].read_text(encoding="utf-8"))
    for q in lab_run["lab"].questions:
        if q.compare in ("function", "manual"):  # no stored answer digest for these
            continue
        for name in q.answer:
            plain = lab_run["expected"]["answers"][q.id][name]["value"]
            entry = data["questions"][q.id]
            verdict = check_digest(entry["digests"][name], plain, entry["options"], f"{data['salt']}:{q.id}:{name}")
            assert verdict.ok, (q.id, name, verdict.message)
