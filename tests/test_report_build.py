"""crmlab report build: report notebooks → .docx (python-docx) and a self-contained HTML page."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import nbformat
import pytest

from crmlab._checks import CrmlabInputError
from crmlab.cli import main
from crmlab.report_build import build_report, html_table_rows, markdown_blocks

docx = pytest.importorskip("docx")

REPORTS = Path(__file__).resolve().parents[1] / "reports"
MODELS = ["model_report_supermarket.ipynb", "model_report_survey.ipynb"]


@pytest.fixture(scope="module", params=MODELS)
def built(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    assert main(["report", "build", str(REPORTS / request.param), "--out", str(out)]) == 0
    stem = Path(request.param).stem
    return out / f"{stem}.docx", out / f"{stem}.html"


def test_docx_has_cover_three_parts_tables_charts_and_page_numbers(built):
    path, _ = built
    doc = docx.Document(path)
    cover = doc.tables[0]
    cover_text = {(row.cells[0].text, row.cells[1].text) for row in cover.rows}
    assert ("班级", "市场营销 2301 班") in cover_text and ("项目负责人", "王明") in cover_text
    assert ("总纂", "李静") in cover_text
    title = doc.paragraphs[4]
    assert title.style.name == "Title" and "调查报告" in title.text
    parts = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert [p[:5] for p in parts] == ["一、开头：", "二、正文：", "三、结尾："]
    assert len(doc.tables) >= 3  # the cover and at least two findings tables, as real Word tables
    assert len(doc.inline_shapes) >= 1  # a chart, as a picture
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "load_dataset" not in body and "import" not in body  # code hidden
    footer = doc.sections[0].footer._element.xml
    assert "fldCharType=\"begin\"" in footer and ">PAGE<" in footer.replace(" PAGE ", "PAGE")
    xml = zipfile.ZipFile(path).read("word/document.xml").decode()
    assert 'w:eastAsia="黑体"' in xml and 'w:eastAsia="宋体"' in xml


def test_supermarket_findings_table_holds_the_numbers_of_the_data(tmp_path):
    # second computation of one table: revenue per store from the raw receipts
    from crmlab.datasets import load_dataset

    docx_path, _ = build_report(REPORTS / MODELS[0], tmp_path)
    table = docx.Document(docx_path).tables[1]
    assert [c.text for c in table.rows[0].cells] == ["门店", "会员数", "小票数", "销售额（万元）"]
    tx = load_dataset("retail_transactions")
    top = tx.groupby("store_id")["amount"].sum().max() / 1e4
    assert float(table.rows[1].cells[3].text) == pytest.approx(top, abs=0.05)


def test_html_is_self_contained(built):
    _, path = built
    page = path.read_text(encoding="utf-8")
    assert "<table>" in page and "data:image/png;base64," in page and "一、开头" in page
    assert not re.search(r"(src|href)=['\"](https?:|//)", page)
    assert "load_dataset" not in page


def test_markdown_blocks_and_cjk_line_joining():
    blocks = markdown_blocks("# 标题\n第一行\n第二行\n\n1. 建议一\n- 要点\n\n| 项 | 值 |\n|:--|--:|\n| a | 1 |")
    assert blocks == [("heading", 1, "标题"), ("para", "第一行第二行"), ("number", "建议一"), ("bullet", "要点"),
                      ("table", [["项", "值"], ["a", "1"]])]


def test_html_table_rows_folds_a_named_index_into_the_header():
    import pandas as pd

    frame = pd.DataFrame({"会员数": [3, 1]}, index=pd.Index(["S1", "S2"], name="门店"))
    assert html_table_rows(frame.to_html()) == [["门店", "会员数"], ["S1", "3"], ["S2", "1"]]


def test_a_notebook_without_front_matter_or_with_an_error_is_refused(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 报告")])
    nbformat.write(nb, tmp_path / "a.ipynb")
    with pytest.raises(CrmlabInputError, match="raw cell of YAML front matter"):
        build_report(tmp_path / "a.ipynb", tmp_path)
    front = "---\ntitle: T\nclass: C\ngroup: G\nmembers:\n  - {name: 张三, role: 项目负责人}\n---"
    code = nbformat.v4.new_code_cell("1/0")
    code.outputs = [nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=[])]
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_raw_cell(front), code]), tmp_path / "b.ipynb")
    with pytest.raises(CrmlabInputError, match="cell 1 stopped with an error"):
        build_report(tmp_path / "b.ipynb", tmp_path)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_raw_cell(front.replace("group: G\n", ""))]),
                   tmp_path / "c.ipynb")
    with pytest.raises(CrmlabInputError, match="lacks group"):
        build_report(tmp_path / "c.ipynb", tmp_path)


def test_the_template_has_the_three_parts_and_builds(tmp_path):
    docx_path, _ = build_report(REPORTS / "report_template.ipynb", tmp_path)
    parts = [p.text for p in docx.Document(docx_path).paragraphs if p.style.name == "Heading 1"]
    assert [p[:5] for p in parts][-3:] == ["一、开头：", "二、正文：", "三、结尾："]
