"""The instructor's answer numbers (docs/instructor/answer_numbers.md) are current.

``docs/instructor/answer_numbers.py`` computes the result of every chapter exercise with
``crmlab`` on the shipped datasets (and checks each against plain pandas). This test runs it
into a temporary folder and compares with the committed file, so a change to the datasets or the
package that moves a number fails here until the notes are regenerated::

    export PYTHONPATH=$PWD
    .venv/bin/python docs/instructor/answer_numbers.py

Review the diff (``git diff docs/instructor/answer_numbers.md``) before committing it.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "docs" / "instructor" / "answer_numbers.py"
COMMITTED = ROOT / "docs" / "instructor" / "answer_numbers.md"


def _load_script():
    spec = importlib.util.spec_from_file_location("answer_numbers", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _exercise_counts_in_notebooks() -> dict[int, int]:
    """Chapter → number of numbered items in the notebook's "Exercises" section."""
    counts = {}
    for path in sorted((ROOT / "notebooks").glob("0[1-8]_*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        section = re.search(r"^## Exercises.*?$(.*?)(?=^## )", text, flags=re.M | re.S)
        assert section, f"{path.name} has no '## Exercises' section"
        counts[int(path.name[:2])] = len(re.findall(r"^\d+\. ", section.group(1), flags=re.M))
    return counts


def test_answer_numbers_are_current(tmp_path):
    out = _load_script().main(tmp_path / "answer_numbers.md")
    fresh = out.read_text(encoding="utf-8")
    committed = COMMITTED.read_text(encoding="utf-8")
    if fresh != committed:
        diff = "".join(list(difflib.unified_diff(
            committed.splitlines(keepends=True), fresh.splitlines(keepends=True),
            "committed answer_numbers.md", "computed now", n=1))[:60])
        raise AssertionError(
            "docs/instructor/answer_numbers.md is out of date; regenerate it with "
            "`PYTHONPATH=$PWD .venv/bin/python docs/instructor/answer_numbers.py` and review "
            "the diff:\n" + diff)


def test_every_chapter_exercise_has_an_entry():
    """One numbered entry per exercise of each chapter notebook, in order."""
    text = COMMITTED.read_text(encoding="utf-8")
    chapters = re.split(r"^## Chapter (\d) ", text, flags=re.M)[1:]
    entries = {int(number): re.findall(r"^\*\*(\d+)\. ", body, flags=re.M)
               for number, body in zip(chapters[::2], chapters[1::2])}
    for chapter, count in _exercise_counts_in_notebooks().items():
        assert entries.get(chapter) == [str(i) for i in range(1, count + 1)], (
            f"chapter {chapter}: notebook has {count} exercises, answer_numbers.md lists "
            f"{entries.get(chapter)}")
