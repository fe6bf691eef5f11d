"""Hints for common numeric slips, given by the grader when a number is outside the tolerance.

A hint is given only when the slip explains the student's value *and* the tolerance can tell
it apart from the right answer: a share written as a percentage (×100), a percentage written as
a share (÷100), a factor of 10, 1 000 or 1 000 000 (units, thousands), a value rounded too early
(it equals the expected value rounded to 0–3 decimals), or a value just outside the tolerance.
When two explanations fit, no hint is given (never a misleading one).

Examples
--------
>>> numeric_hint(0.25, 25.0, {"rtol": 1e-6, "atol": 0.0})
'looks like a percentage: the answer is a share (divide by 100)'
>>> numeric_hint(0.3333333, 0.33, {"rtol": 1e-6, "atol": 0.0})
'looks rounded to 2 decimals too early: keep full precision until the end'
>>> numeric_hint(0.25, 0.7, {"rtol": 1e-6, "atol": 0.0}) is None
True
"""

from __future__ import annotations

import math
from typing import Any

from crmlab.i18n import t, tn


def _close(a: float, b: float, options: dict[str, Any]) -> bool:
    return abs(a - b) <= options.get("atol", 0.0) + options.get("rtol", 0.0) * abs(b)


def numeric_hint(expected: float, got: float, options: dict[str, Any]) -> str | None:
    """A hint for ``got`` (wrong) against ``expected`` under the question's tolerance, or None."""
    if not all(map(math.isfinite, (expected, got))) or _close(got, expected, options) or expected == 0:
        return None
    found = []
    if _close(got, expected * 100, options):
        found.append(t("hint.percentage"))
    if _close(got, expected / 100, options):
        found.append(t("hint.share"))
    for factor, words in ((10, "10"), (1000, t("hint.factor_1000")), (1e6, t("hint.factor_1000000"))):
        if _close(got, expected * factor, options) or _close(got, expected / factor, options):
            found.append(t("hint.factor", factor=words))
    for decimals in range(4):
        rounded = round(expected, decimals)
        if rounded != expected and not _close(rounded, expected, options) and _close(got, rounded, {"atol": 1e-12}):
            found.append(tn("hint.rounded", decimals))
            break
    if not found:
        if abs(got - expected) <= 10 * (options.get("atol", 0.0) + options.get("rtol", 0.0) * abs(expected)):
            return t("hint.close")
        if math.copysign(1, got) != math.copysign(1, expected) and _close(-got, expected, options):
            return t("hint.sign")
    return found[0] if len(found) == 1 else None
