"""Print the public names whose docstrings fail the API reference's numpydoc checks.

``make docs`` fails (warnings are errors) when a documented function lacks Parameters, Returns
or an example, unless its name is in ``docs/known_gaps.txt``. After adding or fixing functions,
refresh the list and review the diff::

    .venv/bin/python docs/known_gaps.py > docs/known_gaps.txt

It builds the reference once with the list ignored and collects the names numpydoc reports,
so the list holds exactly what the build checks.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent

HEADER = """\
# Public names whose docstring still lacks Parameters, Returns or an example (numpydoc checks
# PR01, PR02, RT01, EX01, GL08). docs/conf.py skips their validation; fix one, delete its line.
# Regenerate: .venv/bin/python docs/known_gaps.py > docs/known_gaps.txt
"""


def gaps() -> list[str]:
    """Names numpydoc reports when the reference is built without the known-gaps list."""
    with tempfile.TemporaryDirectory() as out:
        build = subprocess.run(
            [sys.executable, "-m", "sphinx", "-q", "-b", "html", "-d", f"{out}/doctrees",
             str(DOCS), out],
            capture_output=True, text=True, env={**os.environ, "CRMLAB_DOCS_IGNORE_KNOWN_GAPS": "1"},
        )
    return sorted(set(re.findall(r"Validation warnings while processing docstring for '([^']+)'",
                                 build.stderr)))


if __name__ == "__main__":
    print(HEADER + "\n".join(gaps()))
