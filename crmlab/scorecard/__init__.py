"""Customer grading (客户分级管理): the month-end indicators, the 100-point scorecard, grade history.

This package implements section 5.2–5.3 of the course's customer-relationship regulation
(chapter 4, ``notebooks/04_customer_grading.ipynb``): the indicators a product manager's assistant computes every month from the
receivables-ageing table (账龄分析表), the six-item scorecard that grades every customer A–D, and
the rule "two consecutive C grades make a D".

Indicators
    :func:`yoy_class` / :func:`yoy_summary` (销量同比: increase / flat / decline / lost, plus new),
    :func:`dormancy` (未订货客户: short / medium / long-term not ordering),
    :func:`receivables_ageing` / :func:`collections_matrix` (信用管理: key / on-site / letter /
    defer collection), and the sales-rank classes I/II/III from
    :func:`crmlab.pareto.sales_rank_class`.
Scorecard
    :class:`Scorecard` (declarative items, YAML/JSON round trip), :func:`default_scorecard` (the
    course's six items), :func:`points_to_grade`.
Month-end run
    :func:`monthly_grading` (raw B2B tables → the customer grade table 客户分级表),
    :func:`grade_history` (two consecutive C → D), :func:`grading_history` (several month ends),
    :func:`export_grade_table` (Excel/CSV marked confidential, 机密).

Boundary conventions
--------------------
The regulation's bands overlap at their edges ("80 %–120 %" and "50 %–80 %" both contain 80 %).
Every band here is decided once, in the direction of the source's only unambiguous edge:

* YoY ratio (this period ÷ same period last year): increase ``r >= 1.20``; flat
  ``0.80 <= r < 1.20``; decline ``0.50 <= r < 0.80``; lost ``r < 0.50``. Exactly 120 % is an
  increase, exactly 80 % is flat, exactly 50 % is a decline (the source says "≥ 20 % more" and
  "below 50 %"). No sales last period and some this period: ``new``; none in either: ``inactive``.
* Dormancy, in calendar months since the last order: short ``m < 1``; medium ``1 <= m <= 3``;
  long-term ``m > 3`` (the source is explicit: "more than three months", "one to three months").
* Collections: a receivable is *aged* when it is ``>= 2`` months past its due date, and a
  customer is *large* when its open receivables total ``>= 100,000``: money exactly on a line is
  treated as the more urgent side (the source's "more than / less than" leaves the line open).
* Payment terms (账期): ``t < 1`` month or cash → 15; ``1 <= t < 2`` → 10; ``2 <= t < 4`` → 8;
  ``t >= 4`` → 5 (the source's explicit "≥ 4 months → 5" fixes the direction).
* Payment record (回款资信), worst delay ``d`` in months: ``d <= 0`` → 20; ``0 < d <= 1`` → 15;
  ``1 < d <= 2`` → 10; ``2 < d <= 4`` → 5; ``d > 4`` → 0 (the explicit "more than 4 months → 0"
  fixes this direction: at an overlapping edge the customer gets the milder band).
* Grades: A ``>= 80``; B ``60 <= p < 80``; C ``50 <= p < 60``; D ``< 50``.

Calendar months
---------------
Months are calendar months, not 30-day blocks: from a date to the same day of the month ``n``
months later is exactly ``n`` months (when that month is too short, its last day is used), and
a month's last day steps to the last day of each later month (end-of-month rule), so
31 Jan → 28 Feb → 31 Mar and 30 Sep → 31 Dec are whole months apart. Between those anniversaries
the fraction of the month elapsed is added. See :func:`calendar_months_between`.

Examples
--------
>>> import pandas as pd
>>> from crmlab.scorecard import default_scorecard
>>> customers = pd.DataFrame({
...     "customer_id": ["C1", "C2"], "sales": [900_000, 100_000], "yoy_ratio": [1.3, 0.7],
...     "payment_terms_months": [0, 3], "max_delay_months": [0, 1.5],
...     "brand_standing": ["global500", "other"], "outlook_points": [12, 6]})
>>> default_scorecard().score(customers)[["customer_id", "total", "grade"]]
  customer_id  total grade
0          C1   97.0     A
1          C2   42.0     D
"""

from crmlab.scorecard.export import CONFIDENTIAL, GRADE_COLOURS, export_grade_table
from crmlab.scorecard.indicators import (COLLECTION_ACTIONS, COLLECTION_ACTION_NAMES,
    DORMANCY_CLASSES, YOY_CLASSES, calendar_months_between, collections_matrix, dormancy,
    payment_delays, receivables_ageing, yoy_class, yoy_summary)
from crmlab.scorecard.monthly import grade_history, grading_history, monthly_grading
from crmlab.scorecard.rules import (BRAND_STANDINGS, BandRule, CategoryRule, DirectPointsRule,
    GRADES, RankClassRule, ScoreItem, Scorecard, default_scorecard, points_to_grade)

__all__ = [
    "YOY_CLASSES", "DORMANCY_CLASSES", "COLLECTION_ACTIONS", "GRADES", "BRAND_STANDINGS",
    "calendar_months_between", "yoy_class", "yoy_summary", "dormancy", "receivables_ageing",
    "collections_matrix", "payment_delays", "BandRule", "CategoryRule", "DirectPointsRule",
    "RankClassRule", "ScoreItem", "Scorecard", "default_scorecard", "points_to_grade",
    "grade_history", "monthly_grading", "grading_history", "export_grade_table",
]
