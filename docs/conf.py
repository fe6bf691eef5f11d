"""Sphinx configuration of crmlab's API reference (built by `make docs`, warnings as errors)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import crmlab

project = "crmlab"
author = "crmlab developers"
copyright = "crmlab developers, MIT licence"  # noqa: A001 - Sphinx's setting name
release = version = crmlab.__version__

extensions = ["sphinx.ext.autodoc", "numpydoc"]
exclude_patterns = ["_build"]
html_theme = "furo"
html_title = f"crmlab {release} API reference"

# autodoc: members in each module's __all__, in source order; type hints in the signature.
# scikit-learn's estimator plumbing (get_params, set_*_request …) is left to scikit-learn's docs.
autodoc_default_options = {
    "members": True,
    "member-order": "bysource",
    "exclude-members": "get_params, set_params, get_metadata_routing, set_fit_request, "
                       "set_predict_request, set_score_request, set_output, set_transform_request",
}
autodoc_typehints = "signature"

# numpydoc renders the docstrings and checks them: every public function and class has its
# Parameters, Returns (functions) and an example, or the build fails.
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
numpydoc_validation_checks = {"GL08", "PR01", "PR02", "RT01", "EX01"}
numpydoc_validation_exclude = {
    r"\.__\w+__$",  # dunder methods
    r"\._\w+$",  # private names
    r"\.[A-Z][A-Z0-9_]*$",  # constants (documented by their #: comment)
    r"\.[A-Z]\w*\.\w+$",  # methods and attributes: the class's own docstring has the example
}
# Docstrings that still lack a section, by full name: a to-do list that only shrinks. Each entry
# is a public function whose Parameters, Returns or Examples section is still to be written.
KNOWN_GAPS = Path(__file__).with_name("known_gaps.txt")
numpydoc_validation_exclude |= {
    "^" + re.escape(line.strip()) + "$"
    for line in KNOWN_GAPS.read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
    and not os.environ.get("CRMLAB_DOCS_IGNORE_KNOWN_GAPS")  # docs/known_gaps.py refreshes it
}


def _skip_imported(app, what, name, obj, skip, options):  # noqa: ANN001, ANN202 - Sphinx hook
    """Leave out names a module only imports (typing.Any, another module's helpers)."""
    module = getattr(app.env, "temp_data", {}).get("autodoc:module")
    if what == "module" and module and getattr(obj, "__module__", module) != module:
        all_names = getattr(__import__(module, fromlist=["_"]), "__all__", None)
        if all_names is None:  # without __all__, only the module's own definitions count
            return True
    return None


def setup(app):  # noqa: ANN001, ANN201 - Sphinx hook
    app.connect("autodoc-skip-member", _skip_imported)
