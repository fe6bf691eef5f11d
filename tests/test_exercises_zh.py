"""Every lab in exercises/ in its Chinese edition (crmlab assign --lang zh).

Like tests/test_exercises.py, for each ``exercises/lab*.ipynb``: one worker runs the source once,
then grades the Chinese edition of the source with its solutions (full marks) and the blank
Chinese release (zero). The release must be in Chinese (metadata, language line, no English
sentence in its markdown or in the blank release's feedback). These fail, naming the cells,
until the lab's translation (``exercises/translations/<lab>.zh.yaml``) is complete and current.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from crmlab.grader.sandbox import Limits

EXERCISES = Path(__file__).resolve().parent.parent / "exercises"
LABS = sorted(EXERCISES.glob("lab*.ipynb"))
LIMITS = Limits(cell_timeout=120, notebook_timeout=300)


@pytest.fixture(scope="module", params=LABS or [None], ids=[p.stem for p in LABS] or ["no-labs"])
def zh_run(request, tmp_path_factory):
    source = request.param
    if source is None:
        pytest.skip("no exercises/lab*.ipynb yet")
    from crmlab.grader.grade import Policy, Submission, feedback_markdown, grade_submission, gradebook_rows
    from crmlab.grader.jobs import compute_expected, load_source, preload_modules
    from crmlab.grader.release import assign, lab_edition
    from crmlab.grader.sandbox import Worker, bwrap_path

    root = tmp_path_factory.mktemp(f"{source.stem}-zh")
    nb, lab = load_source(source)
    edition = lab_edition(source, nb, lab, "zh")  # raises, naming the cells, when the translation is not ready
    solution = root / "solution.ipynb"
    edition.metadata.setdefault("crmlab", {})["language"] = "zh"
    nbformat.write(edition, solution)
    worker = Worker(preload_modules(nb), LIMITS, sandbox=bwrap_path() is not None)
    try:
        expected = compute_expected(source, worker=worker)
        notebook, checks = assign(source, root / "release", expected=expected, lang="zh")
        results = {name: grade_submission(worker, lab, nb, expected, Submission(name, path), LIMITS)
                   for name, path in (("solution", solution), ("blank", notebook))}
    finally:
        worker.close()
    rows = {r["student"]: r for r in gradebook_rows(list(results.values()), lab, Policy(), [])}
    feedback = feedback_markdown(results["blank"], rows["blank"], lab, source.stem, lang=results["blank"]["language"])
    return {"lab": lab, "notebook": notebook, "checks": checks, "results": results, "feedback": feedback}


def _points(result):
    return sum(q["points"] for q in result["questions"].values())


def test_the_chinese_edition_with_its_solutions_scores_full_marks(zh_run):
    result = zh_run["results"]["solution"]
    # as in test_exercises: questions graded by hand stay pending (0 points) until the teacher's scores
    manual = {q.id for q in zh_run["lab"].questions if q.compare == "manual"}
    failing = {q: v["message"] for q, v in result["questions"].items() if not v["ok"] and q not in manual}
    auto_points = sum(q.points for q in zh_run["lab"].questions if q.id not in manual)
    assert _points(result) == auto_points > 0, failing
    assert all(result["questions"][q].get("manual") for q in manual)
    assert result["status"] == "ok", result["cell_errors"]
    assert result["language"] == "zh"


def test_the_blank_chinese_release_scores_zero_with_chinese_feedback(zh_run):
    from test_chinese_release import english_sentences

    result = zh_run["results"]["blank"]
    assert _points(result) == 0.0, {q: v["message"] for q, v in result["questions"].items()}
    assert result["language"] == "zh"
    assert english_sentences(zh_run["feedback"]) == [], zh_run["feedback"]


def test_the_chinese_release_is_chinese(zh_run):
    from test_chinese_release import english_sentences

    nb = json.loads(zh_run["notebook"].read_text(encoding="utf-8"))
    assert nb["metadata"]["crmlab"]["language"] == "zh"
    assert json.loads(zh_run["checks"].read_text(encoding="utf-8"))["language"] == "zh"
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert 'crmlab.set_language("zh")' in code and 'crmlab.set_language("en")' not in code
    markdown = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert english_sentences(markdown) == []
