"""Customer-satisfaction surveys (客户满意度调研, training 3): codebook, reading, validation, tallies,
statistics and a report.

The five steps of the training map onto this package: the questionnaire is a
:class:`Codebook`; survey-tool exports are read with :func:`read_responses`; checking
questionnaires (blank 白卷 and invalid 废卷) is :func:`validate`; the individual → group → class
tally is :func:`tally` and :func:`tally_hierarchy`; the analysis adds Likert summaries, CSAT,
NPS, Wilson intervals, Cronbach's alpha, SERVQUAL gaps, importance–performance analysis and
crosstabs (:mod:`crmlab.survey.stats`); :func:`compare_groups` compares groups with intervals and
tests; :func:`survey_report` writes HTML, Markdown and an Excel workbook; :func:`draft_codebook`
starts a codebook from an export.

Examples
--------
>>> from crmlab.survey import nps, wilson_interval, top_box
>>> nps([10, 9, 8, 6, 3]).nps
0.0
>>> round(top_box([5, 4, 3, 2, 1]), 2)
0.4
"""

from crmlab.survey.codebook import Codebook, CodebookError, Question, Scale, course_codebook
from crmlab.survey.reading import detect_encoding, read_responses
from crmlab.survey.draft import draft_codebook
from crmlab.survey.groups import compare_groups
from crmlab.survey.report import SurveyReport, key_findings, survey_report
from crmlab.survey.stats import (
    IPA_QUADRANTS, CronbachResult, CrosstabResult, CSATResult, NPSResult, apply_reverse_coding,
    bottom_box, crosstab, cronbach_alpha, csat, importance_performance, likert_summary, nps,
    reliability, reverse_code, servqual_gaps, top_box, wilson_interval,
)
from crmlab.survey.tally import (
    NO_ANSWER, factual_mode, multiple_choice_codes, statistics_table, tally, tally_hierarchy,
)
from crmlab.survey.validation import REASON_LABELS, REASONS, ValidationResult, validate

__all__ = [
    "Codebook", "CodebookError", "Question", "Scale", "course_codebook",
    "read_responses", "detect_encoding",
    "validate", "ValidationResult", "REASONS", "REASON_LABELS",
    "tally", "tally_hierarchy", "statistics_table", "factual_mode", "multiple_choice_codes",
    "NO_ANSWER",
    "wilson_interval", "top_box", "bottom_box", "likert_summary", "csat", "CSATResult", "nps",
    "NPSResult", "cronbach_alpha", "CronbachResult", "reliability", "reverse_code",
    "apply_reverse_coding", "servqual_gaps", "importance_performance", "IPA_QUADRANTS",
    "crosstab", "CrosstabResult", "survey_report", "SurveyReport", "key_findings",
    "compare_groups", "draft_codebook",
]
