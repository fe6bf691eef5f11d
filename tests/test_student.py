"""The student edition (make student / crmlab student): the course without solutions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from crmlab._checks import CrmlabInputError
from crmlab.cli import main
from crmlab.student import build, leaks, solution_lines

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "exercises").glob("lab*.ipynb"))


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("course") / "student"
    assert main(["student", "--root", str(ROOT), "--out", str(out)]) == 0
    return out


def test_edition_has_chapters_released_labs_datasets_and_readme(edition):
    assert sorted(p.name for p in (edition / "notebooks").glob("*.ipynb")) == sorted(
        p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for source in SOURCES:
        lab = edition / "labs" / source.name
        checks = json.loads((edition / "labs" / f"{source.stem}.checks.json").read_text(encoding="utf-8"))
        cells = [c for c in json.loads(lab.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
        self_checks = [c for c in cells if "".join(c["source"]).startswith("check(")]
        assert len(self_checks) == len(checks["questions"]) > 0
    assert (edition / "datasets" / "retail_members.csv").read_bytes() == (ROOT / "datasets" / "retail_members.csv").read_bytes()
    readme = (edition / "README.md").read_text(encoding="utf-8")
    assert "labs/lab02_pareto.ipynb" in readme and ".venv/bin/crmlab" in readme and "!crmlab" in readme
    assert (edition / "reports" / "report_template.ipynb").is_file()
    assert not (edition / "reports" / "model_report_survey.ipynb").exists()


def test_no_solution_and_no_hidden_input_anywhere(edition):
    lines = set().union(*(solution_lines(s) for s in SOURCES))
    assert len(lines) > 20  # the scan has something to look for
    for path in edition.rglob("*"):
        if path.suffix not in (".ipynb", ".json", ".md", ".yaml"):
            continue
        text = path.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text, path
        assert "HIDDEN INPUTS" not in text, path
        if path.parent.name == "labs" and path.suffix == ".ipynb":
            nb_lines = {line.strip() for c in json.loads(text)["cells"] for line in "".join(c["source"]).split("\n")}
            assert not lines & nb_lines, (path, sorted(lines & nb_lines)[:3])
    assert not any("exercises/" in p.read_text(encoding="utf-8") for p in (edition / "notebooks").glob("*.ipynb"))
    assert leaks(edition, SOURCES) == {}


def test_the_scan_finds_a_planted_solution(edition, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(edition, copy)
    source = SOURCES[0]
    line = sorted(solution_lines(source))[0]
    lab = copy / "labs" / source.name
    nb = json.loads(lab.read_text(encoding="utf-8"))
    nb["cells"][-1]["source"] = line
    lab.write_text(json.dumps(nb), encoding="utf-8")
    (copy / "notebooks" / "extra.md").write_text("### BEGIN SOLUTION\n", encoding="utf-8")
    found = leaks(copy, SOURCES)
    assert found == {f"labs/{source.name}": [f"solution line `{line}`"],
                     "notebooks/extra.md": ["solution marker `### BEGIN SOLUTION`"]}


def test_refuses_to_write_over_the_course(tmp_path):
    with pytest.raises(CrmlabInputError, match="overwrite the course"):
        build(ROOT, ROOT)
    with pytest.raises(CrmlabInputError, match="not the course folder"):
        build(tmp_path, tmp_path / "student")
