"""Service tickets: complaints and requests from the B2B manufacturer's customers in 2025.

Story: every complaint or service request from a customer (``C0001`` … ``C0300`` of the
``b2b_*`` tables) enters one complaint centre (the course's "one entry point") through one of
five channels. Each ticket gets a severity P1–P4 and a deadline from the SLA rule table
(:data:`crmlab.service.DEFAULT_SLA`: 4, 24, 72 and 168 hours after opening, calendar time). A
ticket still unresolved past its deadline is escalated automatically by the rule table
:data:`crmlab.service.DEFAULT_ESCALATION`; ``escalation_level`` is the highest level it reached
(by its resolution, or by the as-of time 2025-12-31 23:59:59 when still open). About 60 % of
resolved tickets were followed by a 1–5 satisfaction survey.

Patterns planted for the lessons:

* complaint categories follow a Pareto shape: the top 3 of 10 categories hold about 70 % of the
  tickets (产品质量, 交付延迟, 账单错误);
* WeChat and phone tickets are resolved fastest, e-mail and web-form tickets slowest;
* 安装调试 (installation) tickets take longest to fix;
* tickets resolved after their deadline, and escalated ones, get clearly lower satisfaction;
* December has a backlog of open tickets, a few of them already overdue and escalated.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from crmlab.datasets._spec import TableSpec

AS_OF = pd.Timestamp("2025-12-31 23:59:59")
START = pd.Timestamp("2025-01-01")

#: Severity → hours to resolve (calendar hours); the same table as crmlab.service.DEFAULT_SLA.
SLA_HOURS = {"P1": 4, "P2": 24, "P3": 72, "P4": 168}
#: (escalation level, overdue time as a multiple of the SLA window); mirrors DEFAULT_ESCALATION.
ESCALATION_STEPS = ((1, 0.0), (2, 0.5), (3, 2.0))

_CHANNELS = {"电话": (0.30, 0.8), "微信": (0.28, 0.7), "邮件": (0.17, 1.4), "门店": (0.10, 1.0),
             "网站": (0.15, 1.3)}  # share, resolution-time factor
_CATEGORIES = {"产品质量": (0.34, 1.0), "交付延迟": (0.21, 0.9), "账单错误": (0.14, 0.6),
               "安装调试": (0.08, 1.8), "服务态度": (0.06, 0.7), "配件缺失": (0.05, 1.1),
               "技术咨询": (0.04, 0.5), "退换货": (0.04, 1.2), "包装破损": (0.02, 0.8),
               "其他": (0.02, 1.0)}
_SEVERITY = {"P1": 0.06, "P2": 0.19, "P3": 0.45, "P4": 0.30}

TABLES = [
    TableSpec(
        name="service_tickets",
        description="One row per service ticket: channel, category, severity, SLA deadline, "
                    "resolution, escalation level and satisfaction",
        columns={"ticket_id": "str", "customer_id": "str", "channel": "category",
                 "category": "category", "severity": "category", "opened": "datetime",
                 "deadline": "datetime", "resolved": "datetime", "escalation_level": "int",
                 "satisfaction": "int"},
        primary_key=("ticket_id",),
        foreign_keys={"customer_id": "b2b_customers.customer_id"},
    ),
]


def _tickets(rng: np.random.Generator, n: int, first_id: int) -> pd.DataFrame:
    channels = np.array(list(_CHANNELS), dtype=object)
    categories = np.array(list(_CATEGORIES), dtype=object)
    severities = np.array(list(_SEVERITY), dtype=object)
    ch = rng.choice(len(channels), size=n, p=[v[0] for v in _CHANNELS.values()])
    cat = rng.choice(len(categories), size=n, p=[v[0] for v in _CATEGORIES.values()])
    sev = rng.choice(len(severities), size=n, p=list(_SEVERITY.values()))
    seconds = np.sort(rng.integers(0, 365 * 86400, size=n))
    # office hours are busier: move 70 % of tickets into 08:00–18:00
    day = seconds // 86400
    office = rng.random(n) < 0.7
    seconds = np.where(office, day * 86400 + rng.integers(8 * 3600, 18 * 3600, size=n), seconds)
    seconds = np.sort(seconds)
    opened = START.to_datetime64() + seconds.astype("timedelta64[s]")
    sla = np.array([SLA_HOURS[s] for s in severities], dtype=float)[sev]
    deadline = opened + (sla * 3600).astype("int64").astype("timedelta64[s]")
    # resolution time: about 55 % of the SLA window, times channel and category factors
    factor = (np.array([v[1] for v in _CHANNELS.values()])[ch]
              * np.array([v[1] for v in _CATEGORIES.values()])[cat])
    hours = sla * 0.55 * factor * rng.lognormal(0.0, 0.6, size=n)
    resolved = opened + (hours * 3600).astype("int64").astype("timedelta64[s]")
    open_ = resolved > AS_OF.to_datetime64()
    # escalation: highest level reached by resolution (or by the as-of time when open)
    end = np.where(open_, AS_OF.to_datetime64(), resolved)
    overdue_ratio = (end - deadline).astype("timedelta64[s]").astype(float) / (sla * 3600)
    level = np.zeros(n, dtype=int)
    for lvl, ratio in ESCALATION_STEPS:
        level = np.where(overdue_ratio > ratio, lvl, level)
    # satisfaction: lower when late or escalated; surveyed for about 60 % of resolved tickets
    late = (~open_) & (resolved > deadline)
    mean = 4.3 - 1.1 * late - 0.4 * level - 0.3 * (categories[cat] == "服务态度")
    score = np.clip(np.rint(mean + rng.normal(0, 0.8, size=n)), 1, 5).astype(int)
    surveyed = (~open_) & (rng.random(n) < 0.6)
    return pd.DataFrame({
        "ticket_id": [f"T{first_id + i:06d}" for i in range(n)],
        "customer_id": [f"C{c:04d}" for c in rng.integers(1, 301, size=n)],
        "channel": channels[ch],
        "category": categories[cat],
        "severity": severities[sev],
        "opened": pd.to_datetime(opened),
        "deadline": pd.to_datetime(deadline),
        "resolved": pd.Series(pd.to_datetime(resolved)).where(~open_),
        "escalation_level": level,
        "satisfaction": pd.Series(score, dtype="Int64").where(surveyed),
    })


def generate(seed: int, scale: float = 1.0) -> Iterator[tuple[str, pd.DataFrame]]:
    """Yield ``service_tickets`` (about 3,000 tickets at ``scale=1``; larger scales stream in
    chunks of 200,000 tickets, each chunk covering the whole year)."""
    rng = np.random.default_rng(seed)
    total = max(int(round(3000 * scale)), 10)
    done = 0
    while done < total:
        size = min(200_000, total - done)
        yield "service_tickets", _tickets(rng, size, done + 1)
        done += size
