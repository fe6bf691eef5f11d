"""crmlab scoresheet: printable score sheets (xlsx, docx) generated from a rubric YAML."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from crmlab.cli import main
from crmlab.grader import rubric

docx = pytest.importorskip("docx")

ROOT = Path(__file__).resolve().parents[1]
PRESENTATION = ROOT / "exercises" / "rubric_presentation.yaml"


@pytest.fixture(scope="module", params=[PRESENTATION, ROOT / "reports" / "rubric_report.yaml"], ids=["presentation", "report"])
def sheets(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("sheets")
    assert main(["scoresheet", str(request.param), "--out", str(out), "--students", "3", "--raters", "2"]) == 0
    return rubric.load_rubric(request.param), out / f"{request.param.stem}.xlsx", out / f"{request.param.stem}.docx"


def test_xlsx_columns_limits_and_round_trip_through_rubric_score(sheets, tmp_path):
    spec, xlsx, _ = sheets
    ws = load_workbook(xlsx)["scores"]
    header = [c.value for c in ws[1]]
    assert header == ["rater", "role", "student", *spec.parts["part"], "total"]
    limits = {str(dv.sqref).split(":")[0][:-1]: float(dv.formula2) for dv in ws.data_validations.dataValidation
              if dv.type == "decimal"}
    assert sorted(limits.values()) == sorted(spec.parts["max"])
    assert ws.max_row == 1 + 2 * 3
    # a filled-in sheet, saved as CSV, is what `crmlab rubric score` reads: full marks for one student
    row = {"rater": "t1", "role": "teacher", "student": "s1", **dict(zip(spec.parts["part"], spec.parts["max"]))}
    frame = pd.DataFrame([row])
    frame.to_csv(tmp_path / "t1.csv", index=False)
    result = rubric.score(rubric.read_sheets([tmp_path / "t1.csv"], spec), spec)
    assert result.students.set_index("student").loc["s1", "total"] == pytest.approx(100.0)


def test_docx_lists_every_part_with_its_maximum(sheets):
    spec, _, path = sheets
    table = docx.Document(path).tables[0]
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[0][-2:] == ["满分", "得分"]
    assert [r[1] for r in rows[1:-1]] == list(spec.parts["label"])
    assert [float(r[3]) for r in rows[1:-1]] == list(spec.parts["max"])
    assert rows[-1][1:4] == ["合计 (total)", rows[-1][2], "100"]


def test_presentation_rubric_uses_the_guides_wording_and_its_parts_split():
    spec = rubric.load_rubric(PRESENTATION)
    labels = " ".join(spec.parts["label"])
    for words in ("理论联系实践", "上升为自我认识", "表述清楚响亮", "语速善于控制", "表情自然舒展", "姿态大方得体", "具有感染力"):
        assert words in labels
    split = spec.parts.groupby("kind")["max"].sum()
    # the guide's parts: base 15+15, 15, 5, 5 = 55; distinction 10+10, 5+5+3+2, 3+2, 3+2 = 45
    assert split.to_dict() == {"base": 55.0, "distinction": 45.0}
