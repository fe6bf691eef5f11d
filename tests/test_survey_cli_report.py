"""`crmlab survey validate|tally|report` end to end, the HTML/Markdown report, and the charts."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from crmlab.plots import survey as plots  # noqa: E402
from crmlab.cli import main  # noqa: E402
from crmlab.datasets import data_dir, load_dataset  # noqa: E402
from crmlab.survey import (  # noqa: E402
    course_codebook, importance_performance, key_findings, likert_summary, nps, servqual_gaps,
    survey_report, tally, validate,
)

FILES = Path(__file__).parent / "data" / "survey"
CODEBOOK = str(data_dir() / "survey_codebook.yaml")
RESPONSES = str(data_dir() / "survey_responses.csv")


def test_validate_exit_codes_and_outputs(tmp_path, capsys):
    assert main(["survey", "validate", str(FILES / "utf8.csv"), "--codebook", CODEBOOK]) == 0
    assert "12 questionnaires received: 12 valid, 0 rejected" in capsys.readouterr().out
    code = main(["survey", "validate", RESPONSES, "--codebook", CODEBOOK, "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0  # rejected questionnaires are normal: listed, not an error
    assert main(["survey", "validate", RESPONSES, "--codebook", CODEBOOK, "--strict"]) == 1
    capsys.readouterr()
    assert "405 questionnaires received: 383 valid, 22 rejected" in out
    assert "straight_lining" in out and "2301-2-1-11" in out
    rejected = pd.read_csv(tmp_path / "rejected.csv", encoding="utf-8-sig")
    valid = pd.read_csv(tmp_path / "valid.csv", encoding="utf-8-sig")
    assert len(rejected) == 22 and len(valid) == 383
    assert (tmp_path / "issues.csv").exists()


def test_validate_outputs_keep_free_text_from_running_as_formulas(tmp_path):
    """A respondent's comment '=HYPERLINK(...)' is written as text (leading '), with a BOM."""
    frame = pd.read_csv(FILES / "utf8.csv", dtype=str, keep_default_na=False)
    frame.loc[0, "comment"] = '=HYPERLINK("http://x","点我")'
    frame.to_csv(tmp_path / "in.csv", index=False)
    assert main(["survey", "validate", str(tmp_path / "in.csv"), "--codebook", CODEBOOK,
                 "--out", str(tmp_path / "out")]) == 0
    raw = (tmp_path / "out" / "valid.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    valid = pd.read_csv(tmp_path / "out" / "valid.csv", encoding="utf-8-sig", dtype=str)
    assert '\'=HYPERLINK("http://x","点我")' in set(valid["comment"])
    assert not valid["comment"].fillna("").str.startswith("=").any()


@pytest.mark.parametrize("name, message", [
    ("empty.csv", "empty.csv is empty"),
    ("legacy.xls", "xlrd"),
    ("missing_required_columns.csv", "p_rel1, gender"),
    ("no_such_file.csv", "responses file not found"),
])
def test_unusable_input_exits_2(name, message, capsys):
    assert main(["survey", "validate", str(FILES / name), "--codebook", CODEBOOK]) == 2
    assert message in capsys.readouterr().err


def test_bad_codebook_exits_2(tmp_path, capsys):
    bad = tmp_path / "cb.yaml"
    bad.write_text("title: t\nquestions:\n  - {id: a, type: text}\n  - {id: a, type: text}\n",
                   encoding="utf-8")
    assert main(["survey", "tally", str(FILES / "utf8.csv"), "--codebook", str(bad)]) == 2
    assert "question id 'a' is used 2 times" in capsys.readouterr().err


def test_tally_command(tmp_path, capsys):
    code = main(["survey", "tally", str(FILES / "unknown_codes.csv"), "--codebook", CODEBOOK,
                 "--out", str(tmp_path)])
    assert code == 0  # three questionnaires rejected, reported (not an error without --strict)
    table = pd.read_csv(tmp_path / "statistics.csv", encoding="utf-8-sig")
    gender = table[table["question"] == "gender"]
    assert gender["count"].sum() == 9
    main(["survey", "tally", str(FILES / "utf8.csv"), "--codebook", CODEBOOK,
          "--question", "gender", "--by", "collector"])
    out = capsys.readouterr().out
    assert "collector" in out and "赵欣怡" in out


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """One report for the whole module, written by the command (charts are slow to draw)."""
    out = tmp_path_factory.mktemp("report")
    code = main(["survey", "report", RESPONSES, "--codebook", CODEBOOK, "--out", str(out),
                 "--lang", "en", "--by", "company"])
    assert code == 0  # 22 questionnaires rejected: listed, not an error
    return out


def charts_expected() -> int:
    """funnel, one per closed question, NPS, Likert, SERVQUAL gaps, IPA."""
    closed = [q for q in course_codebook().questions
              if q.type in ("single", "multiple", "likert", "rating")]
    return len(closed) + 5


def test_report_html_is_self_contained(report):
    html = (report / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    sources = re.findall(r'src="([^"]+)"', html)
    assert len(sources) == charts_expected()
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    assert "<link" not in html and "http" not in html.replace("http-equiv", "")
    for heading in ("Response funnel", "Statistics table", "CSAT", "Reliability", "SERVQUAL",
                    "Importance–performance", "Key findings"):
        assert heading in html
    assert "405" in html and "383" in html


def test_report_markdown_and_findings(report):
    md = (report / "report.md").read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert len(images) == charts_expected() and all((report / i).exists() for i in images)
    assert "| received | 405 | 100.0 |" in md
    findings = md.split("## Key findings")[1].split("##")[0]
    assert "405 questionnaires received, 383 valid" in findings
    assert "Largest shortfall: 响应性" in findings
    assert "捷安速递" in findings  # the best firm by NPS


def test_key_findings_function():
    cb = course_codebook()
    result = validate(load_dataset("survey_responses"), cb)
    found = key_findings(result.valid, cb, result, by="company")
    assert found[0].startswith("405 questionnaires received, 383 valid (94.6 %)")
    assert any(f.startswith("Improve first") and "可靠性" in f for f in found)


def test_report_needs_a_valid_questionnaire(tmp_path):
    cb = course_codebook()
    blank = load_dataset("survey_responses").head(3).copy()
    blank[cb.ids] = None
    with pytest.raises(Exception, match="no valid questionnaire"):
        survey_report(blank, cb, tmp_path)


def test_every_chart_returns_its_axes():
    cb = course_codebook()
    result = validate(load_dataset("survey_responses"), cb)
    valid = result.valid
    fig, axes = plt.subplots(2, 3)
    drawn = [
        plots.likert_bars(likert_summary(valid, cb.items(role="perception"), codebook=cb,
                                         reverse=True), ax=axes[0, 0]),
        plots.nps_bar(nps(valid["recommend"]), ax=axes[0, 1]),
        plots.gap_chart(servqual_gaps(valid, cb, level="dimension"), ax=axes[0, 2]),
        plots.ipa_chart(importance_performance(valid, cb), ax=axes[1, 0]),
        plots.tally_bar(tally(valid, "services", cb), ax=axes[1, 1]),
        plots.funnel_chart(result.funnel(), ax=axes[1, 2]),
    ]
    assert drawn == list(axes.flat)
    # the Likert bars centre the neutral answer on zero: bars span −x … 100 − x
    first = axes[0, 0].patches
    assert min(p.get_x() for p in first) < 0 < max(p.get_x() + p.get_width() for p in first)
    assert "NPS = " in axes[0, 1].get_title()
    plt.close(fig)
    with pytest.raises(Exception, match="missing column"):
        plots.gap_chart(pd.DataFrame({"x": [1]}))


@pytest.mark.parametrize("argv", [["survey", "--help"], ["survey", "tally", "--help"],
                                  ["survey", "validate", "--help"], ["survey", "report", "--help"]])
def test_help_texts(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 0
    assert "usage: crmlab survey" in capsys.readouterr().out


def test_report_workbook_keeps_free_text_from_running_as_formulas(tmp_path):
    """统计表.xlsx: a respondent's '=HYPERLINK(...)' comment is a text cell, not a formula."""
    from openpyxl import load_workbook

    cb = course_codebook()
    data = load_dataset("survey_responses")
    comment = '=HYPERLINK("http://x","点我")'
    data.loc[data.index[0], "comment"] = comment
    report = survey_report(validate(data, cb), cb, tmp_path, lang="zh")
    book = load_workbook(report.workbook)
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value == comment]
    assert cells and all(c.data_type == "s" for c in cells)
    assert not any(c.data_type == "f" for sheet in book.worksheets for row in sheet.iter_rows() for c in row)
