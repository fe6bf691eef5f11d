"""Customer information quality: normalise records, find duplicates, merge golden records.

The course's argument (chapter 7): a CRM is only as good as its customer list. When one coal
firm is keyed as 山西煤业, 山西煤矿 and 山西煤产品总公司, it counts as three customers, its sales
are split three ways and nobody sees its full value. This module makes "complete, accurate,
timely" measurable and repairable:

* :func:`normalize_company_name`, :func:`parse_company_name`, :func:`normalize_phone`,
  :func:`normalize_address`, :func:`valid_credit_code` — pure functions for one value;
* :func:`candidate_pairs`, :func:`duplicate_pairs`, :func:`find_duplicates` — blocking, a
  transparent weighted similarity score and clustering with a guard against chaining;
* :func:`evaluate_duplicates` — pairwise precision, recall and F1 against a ground truth;
* :func:`golden_record` — one surviving record per cluster by documented survivorship rules;
* :func:`quality_score` — completeness, validity and uniqueness per column;
* :func:`first_time_buyers` — customers whose first purchase falls in a period.

Why rapidfuzz: it implements the Indel ratio, Levenshtein and Jaro–Winkler similarities in C
(about a microsecond per short pair), scores whole arrays of pairs in one call
(``process.cpdist``), and is maintained and MIT-licensed; hand-written Python edit distances
would be one to two orders of magnitude slower. What keeps large tables feasible is blocking:
100,000 records compare about half a million candidate pairs instead of five billion.
"""

from crmlab.quality.evaluation import evaluate_duplicates
from crmlab.quality.first_buyers import first_time_buyers
from crmlab.quality.golden import SURVIVORSHIP_RULES, golden_record
from crmlab.quality.linkage import (COMPANY_BLOCKING, COMPANY_FIELDS, COMPARATORS, candidate_pairs,
    duplicate_pairs, find_duplicates)
from crmlab.quality.normalize import (CITIES, CompanyName, LEGAL_SUFFIXES, PROVINCES,
    normalize_address, normalize_company_name, normalize_phone, parse_company_name, to_simplified,
    valid_credit_code)
from crmlab.quality.scores import VALIDATORS, quality_score

__all__ = [
    "LEGAL_SUFFIXES", "PROVINCES", "CITIES", "CompanyName", "parse_company_name",
    "normalize_company_name", "normalize_phone", "normalize_address", "valid_credit_code",
    "to_simplified", "COMPANY_FIELDS", "COMPANY_BLOCKING", "candidate_pairs",
    "duplicate_pairs", "find_duplicates", "evaluate_duplicates", "golden_record",
    "quality_score", "first_time_buyers",
]
