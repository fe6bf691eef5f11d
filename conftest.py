"""Shared pytest set-up for tests/, the docstring examples in crmlab/ and the notebooks."""

from __future__ import annotations

import sys

import pytest


@pytest.fixture(autouse=True)
def _close_figures():
    """Close matplotlib figures each test opened (docstring examples draw charts too)."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture(autouse=True)
def _no_data_variant_leaks():
    """A test (or a personal notebook's first cell run in-process) may point load_dataset at a
    data variant through $CRMLAB_DATA_VARIANT or set the language; whatever it set is undone, so
    the next test in this process sees the public data and the default language."""
    import os

    before = os.environ.get("CRMLAB_DATA_VARIANT")
    yield
    if before is None:
        os.environ.pop("CRMLAB_DATA_VARIANT", None)
    else:
        os.environ["CRMLAB_DATA_VARIANT"] = before
    if "crmlab.i18n" in sys.modules:
        sys.modules["crmlab.i18n"].set_language(None)
    if "crmlab.grader.selfcheck" in sys.modules:  # the lab a test bound check() to
        sys.modules["crmlab.grader.selfcheck"]._LOADED.clear()
