"""A lab released in Chinese (crmlab assign --lang zh) and graded: no English sentence reaches
its students. The fixture lab (tests/data/i18n/lab_zh.ipynb) has its translation beside it and
`# CHECK ... zh="..."` messages."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from crmlab._checks import CrmlabInputError
from crmlab.editions import load_translation, save_translation, translation_path
from crmlab.grader.jobs import compute_expected
from crmlab.grader.release import assign

DATA = Path(__file__).parent / "data" / "i18n"
SOURCE = DATA / "lab_zh.ipynb"

#: Words that stay English in a Chinese release: identifiers and names students type or read in code.
ALLOWED = {"DataFrame", "Series", "True", "False", "None", "NaN", "True/False", "None/NaN", "RFM", "NPS", "CSAT",
           "CLV", "k", "check", "check.load", "path", "list", "dict", "set", "str", "os._exit", "JSON", "MB", "s"}

#: Three or more English words in a row (letters, apostrophes, hyphens) separated by spaces or punctuation.
_WORD = r"[A-Za-z][A-Za-z'’-]*"
_ENGLISH_RUN = re.compile(rf"{_WORD}(?:[ \t,;:()/]+{_WORD}){{2,}}")


def english_sentences(text: str) -> list[str]:
    """Runs of three or more English words outside code spans, quoted values and allowed words.

    >>> english_sentences("✗ q1：缺少列 `total`；the value is not correct")
    ['the value is not correct']
    >>> english_sentences("应为一个 DataFrame（表），实际得到 True/False 值")
    []
    """
    text = re.sub(r"`[^`]*`", " ", text)                       # code spans
    text = re.sub(r"'[^'\n]*'|\"[^\"\n]*\"", " ", text)        # quoted values (a student's answer)
    text = re.sub(r"\b\w+\.(?:ipynb|json|md|csv)\b|(?:/[\w.-]+)+", " ", text)  # file names and paths
    found = []
    for run in _ENGLISH_RUN.findall(text):
        words = [w for w in re.split(r"[ \t,;:()/]+", run) if w]
        if sum(w not in ALLOWED and not re.fullmatch(r"[A-Z]", w) for w in words) >= 3:  # A, B, C: choices
            found.append(run)
    return found


def test_the_scanner_finds_english_and_ignores_code(tmp_path):
    assert english_sentences("得分：2 / 7\n| q1 | 0 / 2 | ✗ 3 rows too many |") == ["rows too many"]
    assert english_sentences("✗ missing column `total`") == []  # two words: too short to call a sentence
    assert english_sentences("运行 `check(\"q1\", spend)` 看看 DataFrame 是否正确") == []


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    root = tmp_path_factory.mktemp("zh")
    expected = compute_expected(SOURCE, cache=root / "expected.json", sandbox=False)
    notebook, checks = assign(SOURCE, root / "zh", expected=expected, lang="zh")
    english = assign(SOURCE, root / "en", expected=expected)
    return {"root": root, "expected": expected, "notebook": notebook, "checks": checks, "english": english}


def test_the_chinese_release_has_the_translated_markdown_and_chinese_metadata(release):
    nb = nbformat.read(release["notebook"], as_version=4)
    english = nbformat.read(release["english"][0], as_version=4)
    assert nb.metadata["crmlab"]["language"] == "zh"
    assert "language" not in english.metadata["crmlab"]
    translation = load_translation(translation_path(SOURCE))
    texts = [c.source for c in nb.cells if c.cell_type == "markdown"]
    for _, text in translation.cells.values():
        assert text in texts
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert 'crmlab.set_language("zh")' in code and 'crmlab.set_language("en")' not in code
    assert 'raise NotImplementedError("q2：请把这一行换成你的代码")' in code
    assert '# CHECK 1 public "列应为 customer_id 和 total": sorted(spend.columns)' in code
    assert "the columns should be" not in code  # the public check shows its Chinese message only
    data = json.loads(release["checks"].read_text(encoding="utf-8"))
    assert data["language"] == "zh"
    assert data["questions"]["q1"]["checks"][0]["message"] == "列应为 customer_id 和 total"
    # the two editions ask the same questions with the same code apart from the language line
    assert [c.cell_type for c in nb.cells] == [c.cell_type for c in english.cells]


def test_a_stale_or_missing_translation_stops_the_release_naming_the_cells(tmp_path):
    shutil.copy(SOURCE, tmp_path / SOURCE.name)
    nb = json.loads(SOURCE.read_text(encoding="utf-8"))
    nb["cells"][2]["source"] = "**q1 (2 points)** Changed English text."
    (tmp_path / SOURCE.name).write_text(json.dumps(nb), encoding="utf-8")
    translation = load_translation(translation_path(SOURCE))
    del translation.cells["cell-04"]
    save_translation(translation, translation_path(tmp_path / SOURCE.name))
    with pytest.raises(CrmlabInputError) as error:
        assign(tmp_path / SOURCE.name, tmp_path / "out", expected={}, lang="zh")
    message = str(error.value)
    assert "cell cell-02 changed in English" in message and "cell cell-04 has no translation" in message
    assert not (tmp_path / "out").exists()


def test_a_check_without_its_chinese_message_stops_the_release(tmp_path):
    nb = json.loads(SOURCE.read_text(encoding="utf-8"))
    nb["cells"][3]["source"] = nb["cells"][3]["source"].replace(' zh="合计金额还不对"', "")
    (tmp_path / SOURCE.name).write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "translations").mkdir()
    shutil.copy(translation_path(SOURCE), translation_path(tmp_path / SOURCE.name))
    with pytest.raises(CrmlabInputError, match=r"q1 \('the totals are not right yet'\)"):
        assign(tmp_path / SOURCE.name, tmp_path / "out", expected={}, lang="zh")


WRONG = {  # question id → code replacing the stub: each answer wrong in another way
    "q1": 'spend = tx.groupby("customer_id", as_index=False)["amount"].count()',
    "q2": "top_share = 50.0",
    "q3": 'vip = "Z"',
    "q4": "    return 1.0",
    "q5": "big = {1}",
}


def _wrong_submission(released: Path, path: Path) -> None:
    nb = nbformat.read(released, as_version=4)
    for cell in nb.cells:
        qid = cell.metadata.get("crmlab", {}).get("question")
        if qid:
            lines = cell.source.split("\n")
            stub = next(i for i, line in enumerate(lines) if "NotImplementedError" in line)
            lines[stub - 1: stub + 1] = [WRONG[qid]]
            cell.source = "\n".join(lines)
    nbformat.write(nb, path)


def test_the_self_check_outputs_and_the_feedback_are_chinese(release, tmp_path, monkeypatch):
    # runs the released notebook in a kernel: needs the lab extra (not in the lowest-versions run,
    # which leaves notebooks to the pinned run)
    NotebookClient = pytest.importorskip("nbclient", reason="needs nbclient (crmlab[lab])").NotebookClient
    pytest.importorskip("ipykernel", reason="needs a Python kernel (crmlab[lab])")

    from crmlab.grader import sandbox
    from crmlab.grader.grade import grade

    # the unsandboxed runner imports crmlab from this checkout (not from wherever it is installed)
    monkeypatch.setitem(sandbox.JOB_ENVIRONMENT, "PYTHONPATH", str(Path(__file__).resolve().parents[1]))
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(release["checks"], work / release["checks"].name)
    _wrong_submission(release["notebook"], work / "lab_zh.ipynb")
    nb = nbformat.read(work / "lab_zh.ipynb", as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
    outputs = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                        and c.metadata.get("crmlab", {}).get("selfcheck") for o in c.get("outputs", []))
    assert outputs.count("✗") == 5, outputs
    assert "列应为 customer_id 和 total（1 分）" in outputs          # the public check, in Chinese
    assert "'Z' 不是选项 A, B, C 之一" in outputs
    assert "示例 1：repeat_rate(" in outputs and "实际返回 1.0" in outputs

    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(work / "lab_zh.ipynb", subs / "wang.ipynb")
    rows = grade(SOURCE, subs, tmp_path / "grades", sandbox=False, progress=False, jobs=1)
    assert rows[0]["total"] == 0  # every answer wrong: no point
    feedback = (tmp_path / "grades" / "feedback" / "wang.md").read_text(encoding="utf-8")
    assert "看起来是百分数：答案应是比例（除以 100）" in feedback  # the hint for 50 instead of 0.5
    assert "合计金额还不对" in feedback                         # the private check's Chinese message
    assert "隐藏测试 1–2" in feedback

    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    found = {"markdown": english_sentences(markdown), "self-check output": english_sentences(outputs),
             "feedback": english_sentences(feedback)}
    assert found == {"markdown": [], "self-check output": [], "feedback": []}, found


def test_rubric_lines_follow_the_release_language():
    from crmlab.grader.authoring import rubric_text
    from crmlab.grader.checks import public_source

    source = ("# QUESTION d1 points=2 answer=d1 compare=manual\n# RUBRIC: 2 points: two reasons\n"
              "# RUBRIC zh: 2 分：两条理由\n### BEGIN SOLUTION\nd1 = 'x'\n### END SOLUTION")
    assert public_source(source, "en").split("\n")[1:3] == ["# RUBRIC: 2 points: two reasons", "### BEGIN SOLUTION"]
    assert public_source(source, "zh").split("\n")[1:3] == ["# 评分标准：2 分：两条理由", "### BEGIN SOLUTION"]
    assert rubric_text(source) == "2 points: two reasons"  # the review pages keep the English rubric


def test_the_student_edition_needs_every_chinese_edition(tmp_path):
    from crmlab.student import build

    for folder in ("notebooks", "exercises"):
        (tmp_path / folder).mkdir()
    shutil.copy(DATA / "chapter.ipynb", tmp_path / "notebooks" / "01_chapter.ipynb")
    shutil.copy(SOURCE, tmp_path / "exercises" / "lab01_zh.ipynb")
    with pytest.raises(CrmlabInputError) as error:
        build(tmp_path, tmp_path / "student", sandbox=False)
    message = str(error.value)
    assert "no translation file" in message and "01_chapter.zh.yaml" in message and "lab01_zh.zh.yaml" in message
    assert not (tmp_path / "student").exists()


def _course(root: Path) -> None:
    """A two-notebook course: one chapter and one lab, each with its Chinese text."""
    for folder in ("notebooks/translations", "notebooks/zh", "exercises/translations", "datasets"):
        (root / folder).mkdir(parents=True)
    for name, folder in (("chapter.ipynb", "notebooks"), ("lab_zh.ipynb", "exercises")):
        new = "01_chapter.ipynb" if folder == "notebooks" else "lab01_zh.ipynb"
        text = (DATA / name).read_text(encoding="utf-8")
        (root / folder / new).write_text(text, encoding="utf-8")
        yaml = translation_path(DATA / name).read_text(encoding="utf-8").replace(name, new)
        translation_path(root / folder / new).write_text(yaml, encoding="utf-8")
    (root / "notebooks" / "zh" / "01_chapter.ipynb").write_text((DATA / "zh" / "chapter.ipynb").read_text(
        encoding="utf-8"), encoding="utf-8")
    (root / "datasets" / "README.md").write_text("# data\n", encoding="utf-8")


def test_the_student_edition_has_both_editions_of_chapters_and_labs(tmp_path, monkeypatch):
    from crmlab.grader import sandbox
    from crmlab.student import build

    monkeypatch.setitem(sandbox.JOB_ENVIRONMENT, "PYTHONPATH", str(Path(__file__).resolve().parents[1]))
    _course(tmp_path / "course")
    edition = build(tmp_path / "course", tmp_path / "student", sandbox=False)
    out = tmp_path / "student"
    assert sorted(p.relative_to(out).as_posix() for p in edition.labs) == [
        "labs/lab01_zh.checks.json", "labs/lab01_zh.ipynb", "labs/zh/lab01_zh.checks.json", "labs/zh/lab01_zh.ipynb"]
    zh_lab = json.loads((out / "labs" / "zh" / "lab01_zh.ipynb").read_text(encoding="utf-8"))
    assert zh_lab["metadata"]["crmlab"]["language"] == "zh"
    zh_chapter = (out / "notebooks" / "zh" / "01_chapter.ipynb").read_text(encoding="utf-8")
    assert "](../../labs/zh/lab01_zh.ipynb)" in zh_chapter and "exercises/" not in zh_chapter
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert ("| Chapter 1 · A fixture chapter · 第 1 章 · 测试用章节 | `notebooks/01_chapter.ipynb` | "
            "`notebooks/zh/01_chapter.ipynb` | `labs/lab01_zh.ipynb` | `labs/zh/lab01_zh.ipynb` |") in readme


def test_the_assign_command_releases_in_chinese_and_names_a_missing_translation(tmp_path, capsys, monkeypatch):
    from crmlab.cli import main
    from crmlab.grader import sandbox

    monkeypatch.setitem(sandbox.JOB_ENVIRONMENT, "PYTHONPATH", str(Path(__file__).resolve().parents[1]))
    monkeypatch.setenv("CRMLAB_LANG", "zh")
    assert main(["assign", str(SOURCE), "--lang", "zh", "--out", str(tmp_path / "zh"), "--no-sandbox"]) == 0
    out = capsys.readouterr().out
    assert "已写入" in out and "把这两个文件一起发给学生" in out
    assert json.loads((tmp_path / "zh" / "lab_zh.ipynb").read_text(encoding="utf-8"))["metadata"]["crmlab"][
        "language"] == "zh"
    shutil.copy(SOURCE, tmp_path / "lab_x.ipynb")  # no translations/lab_x.zh.yaml beside it
    assert main(["assign", str(tmp_path / "lab_x.ipynb"), "--lang", "zh", "--out", str(tmp_path / "x")]) == 2
    assert "crmlab：错误：无法发布 lab_x.ipynb 的 zh 版：no translation file" in capsys.readouterr().err
