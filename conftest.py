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
