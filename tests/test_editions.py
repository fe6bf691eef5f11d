"""One source, two editions: the English chapter notebooks and their Chinese editions (中文版).

The whole-course tests check every `notebooks/NN_*.ipynb`: its translation exists and is current
(a stale English cell fails, naming the cell), and the committed `notebooks/zh/NN_*.ipynb` has
exactly the markdown `build_edition` produces and the source's code apart from the language line.
The unit tests run `crmlab.editions` on a fixture chapter (tests/data/i18n/chapter.ipynb).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from crmlab import editions
from crmlab.editions import (EditionError, build_edition, edition_differences, init, load_translation, problems,
                             source_hash, stamp, switch_language, translation_path)

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
FIXTURE = Path(__file__).parent / "data" / "i18n" / "chapter.ipynb"


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _course_problems(notebook: Path) -> list[str]:
    """Everything that keeps ``notebook``'s Chinese edition from being current (empty: current)."""
    path = translation_path(notebook)
    if not path.is_file():
        return [f"no translation file {path.relative_to(notebook.parent.parent)}: "
                f"python -m crmlab.editions init {notebook.name}"]
    found = problems(_read(notebook), load_translation(path))
    return found or edition_differences(notebook)


# -- the whole course (fails until every chapter is translated and built) --------------------------

def test_the_course_has_nine_chapters():
    assert [p.name[:2] for p in CHAPTERS] == [f"{n:02d}" for n in range(9)]


@pytest.mark.parametrize("notebook", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_chapter_has_a_current_chinese_edition(notebook):
    assert _course_problems(notebook) == []


def test_no_translation_without_its_notebook():
    folder = ROOT / "notebooks" / "translations"
    orphans = [p.name for p in folder.glob("*.zh.yaml")] if folder.is_dir() else []
    assert [name for name in orphans if not (ROOT / "notebooks" / name.replace(".zh.yaml", ".ipynb")).is_file()] == []
    editions_dir = ROOT / "notebooks" / "zh"
    built = [p.name for p in editions_dir.glob("*.ipynb")] if editions_dir.is_dir() else []
    assert [name for name in built if not (ROOT / "notebooks" / name).is_file()] == []


# -- the same checks on a fixture copy ---------------------------------------------------------------

@pytest.fixture
def chapter(tmp_path):
    """A copy of the fixture chapter with its translation and its built edition."""
    folder = tmp_path / "notebooks"
    (folder / "translations").mkdir(parents=True)
    (folder / "zh").mkdir()
    shutil.copy(FIXTURE, folder / "01_chapter.ipynb")
    text = translation_path(FIXTURE).read_text(encoding="utf-8").replace("chapter.ipynb", "01_chapter.ipynb")
    translation_path(folder / "01_chapter.ipynb").write_text(text, encoding="utf-8")
    shutil.copy(FIXTURE.parent / "zh" / FIXTURE.name, folder / "zh" / "01_chapter.ipynb")
    return folder / "01_chapter.ipynb"


def _edit_cell(notebook: Path, cell_id: str, text: str) -> None:
    nb = _read(notebook)
    next(c for c in nb["cells"] if c.get("id") == cell_id)["source"] = text
    notebook.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")


def test_a_current_fixture_passes_the_course_checks(chapter):
    assert _course_problems(chapter) == []
    assert editions.main(["status", str(chapter)]) == 0


def test_a_changed_english_cell_fails_naming_the_cell(chapter, capsys):
    _edit_cell(chapter, "customers", "## Customers\nThe table counts customers per segment (changed).")
    found = _course_problems(chapter)
    assert found == ["cell customers changed in English since its translation was reviewed ('## Customers'): "
                     "update the translation, then stamp it"]
    assert editions.main(["status", str(chapter)]) == 1
    assert "cell customers changed in English" in capsys.readouterr().out
    with pytest.raises(EditionError, match="cell customers changed in English"):
        build_edition(_read(chapter), load_translation(translation_path(chapter)))


def test_a_new_english_cell_without_translation_and_an_orphan_translation_fail(chapter):
    nb = _read(chapter)
    nb["cells"].append({"cell_type": "markdown", "id": "added", "metadata": {}, "source": "## A new section"})
    nb["cells"] = [c for c in nb["cells"] if c.get("id") != "exercise"]
    chapter.write_text(json.dumps(nb), encoding="utf-8")
    assert problems(nb, load_translation(translation_path(chapter))) == [
        "cell added has no translation ('## A new section')",
        "translation of cell exercise: no markdown cell with this id in the notebook"]


def test_an_edited_edition_and_code_that_differs_fail(chapter):
    zh = chapter.parent / "zh" / chapter.name
    nb = _read(zh)
    nb["cells"][3]["source"] = nb["cells"][3]["source"].replace("客户数", "顾客数")  # code changed in zh only
    nb["cells"][2]["source"] = "## 客户（改过）"                                       # markdown edited by hand
    zh.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    found = edition_differences(chapter)
    assert [line.split(": ", 1)[1] for line in found] == [
        "cell customers (markdown) is not what the source and its translation give: rebuild it",
        "cell counts (code) is not what the source and its translation give: rebuild it"]


def test_the_built_edition_has_the_translation_and_the_same_code_but_the_language_line(chapter):
    built = _read(chapter.parent / "zh" / chapter.name)
    source = _read(chapter)
    translation = load_translation(translation_path(chapter))
    for mine, theirs in zip(source["cells"], built["cells"], strict=True):
        text = "".join(theirs["source"])
        if mine["cell_type"] == "code":
            assert text == "".join(mine["source"]).replace('crmlab.set_language("en")', 'crmlab.set_language("zh")')
        elif mine.get("id") in translation.cells:
            assert text == translation.cells[mine["id"]][1]
    assert built["metadata"]["crmlab"]["language"] == "zh"
    assert 'crmlab.set_language("zh")' in "".join(built["cells"][1]["source"])


def test_stamp_records_the_reviewed_english_text(chapter):
    new = "## Customers\nThe table counts customers per segment (changed)."
    _edit_cell(chapter, "customers", new)
    assert stamp(chapter, ["customers"]) == ["customers"]
    translation = load_translation(translation_path(chapter))
    assert translation.cells["customers"][0] == source_hash(new)
    assert problems(_read(chapter), translation) == []
    with pytest.raises(EditionError, match="no translated markdown cell nope"):
        stamp(chapter, ["nope"])


def test_init_keeps_existing_texts_and_adds_empty_entries(chapter):
    nb = _read(chapter)
    nb["cells"].insert(3, {"cell_type": "markdown", "id": "added", "metadata": {}, "source": "## Added"})
    chapter.write_text(json.dumps(nb), encoding="utf-8")
    before = load_translation(translation_path(chapter))
    assert init(chapter) == 1  # one empty entry to fill
    after = load_translation(translation_path(chapter))
    assert list(after.cells) == ["title", "customers", "added", "exercise"]  # the notebook's order
    for cell_id, entry in before.cells.items():
        assert after.cells[cell_id] == entry
    assert after.cells["added"] == (source_hash("## Added"), "")
    assert problems(nb, after) == ["cell added has an empty translation ('## Added')"]


def test_switch_language_changes_only_the_language_line():
    code = 'import crmlab\ncrmlab.set_language("en")  # the edition\'s language\nx = "en"\nset_language("en")'
    assert switch_language(code, "zh") == ('import crmlab\ncrmlab.set_language("zh")  # the edition\'s language\n'
                                           'x = "en"\nset_language("en")')
    assert switch_language("crmlab.set_language('en')", "zh") == "crmlab.set_language('zh')"


def test_a_stale_translation_stops_the_command_line_build(chapter, capsys):
    _edit_cell(chapter, "exercise", "**Exercise.** Which segment is larger?")
    assert editions.main(["build", str(chapter)]) == 1
    assert "cell exercise changed in English" in capsys.readouterr().err


# -- make lab LANG=zh --------------------------------------------------------------------------------

@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize("args, first", [((), "notebooks/00_getting_started.ipynb"),
                                         (("LANG=zh",), "notebooks/zh/00_getting_started.ipynb")])
def test_make_lab_opens_the_edition_asked_for(args, first):
    out = subprocess.run(["make", "-n", "--no-print-directory", "lab", *args], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert f"--LabApp.default_url=/lab/tree/{first}" in out


def test_a_broken_translation_file_is_an_edition_error_naming_the_line(chapter):
    """A translator's unindented line inside a text block: a clear error, not a YAML traceback."""
    path = translation_path(chapter)
    lines = path.read_text(encoding="utf-8").split("\n")
    text_line = next(i for i, line in enumerate(lines) if line.strip() == "text: |-")
    lines.insert(text_line + 2, "这一行没有缩进: 破坏了 YAML")
    path.write_text("\n".join(lines), encoding="utf-8")
    # the block ends at the unindented line; YAML notices at the next indented key, and says so
    noticed = next(i for i, line in enumerate(lines) if line == "  customers:") + 1
    with pytest.raises(EditionError, match=rf"01_chapter.zh.yaml: not valid YAML \(line {noticed}\)"):
        load_translation(path)
