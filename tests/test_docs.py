"""The API reference (docs/, built by `make docs`) covers every topic module."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import crmlab

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _documented_modules() -> set[str]:
    text = "\n".join(p.read_text(encoding="utf-8") for p in (DOCS / "api").glob("*.rst"))
    return set(re.findall(r"^\.\. automodule:: (\S+)$", text, flags=re.M))


def test_every_topic_module_has_a_page():
    topics = {f"crmlab.{t}" for t in crmlab._TOPICS if t != "cli"}  # noqa: SLF001
    assert topics - _documented_modules() == set()


def test_every_chart_file_is_documented():
    from crmlab import plots

    charts = {f"crmlab.plots.{t}" for t in plots._TOPIC_FILES}  # noqa: SLF001
    assert charts - _documented_modules() == set()


def test_known_gaps_name_real_objects():
    """docs/known_gaps.txt only lists names that exist (a fixed or renamed one is deleted)."""
    stale = []
    for line in (DOCS / "known_gaps.txt").read_text(encoding="utf-8").splitlines():
        name = line.strip()
        if not name or name.startswith("#"):
            continue
        parts = name.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:cut]))
            except ImportError:
                continue
            for attr in parts[cut:]:
                obj = getattr(obj, attr, None)
            break
        if obj is None:
            stale.append(name)
    assert stale == []
