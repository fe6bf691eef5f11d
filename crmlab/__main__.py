"""``python -m crmlab``: the same as the ``crmlab`` command (:func:`crmlab.cli.main`)."""

from __future__ import annotations

import sys

from crmlab.cli import main

if __name__ == "__main__":  # pragma: no cover - run as `python -m crmlab`
    sys.exit(main())
