"""CRM in customer service: SLA deadlines (服务时限), ticket ageing (工单账龄), automatic
escalation (自动升级) of overdue tickets, resolution times, satisfaction after resolution
(回访满意度) and the complaint-category Pareto (投诉分类帕累托).

The course: "automatic escalation lets managers see at once the customer requests left unresolved
past their deadline". Two rule tables make that concrete, both plain DataFrames a user may
replace with their own:

* :data:`DEFAULT_SLA`: severity → hours to resolve (calendar hours from opening);
* :data:`DEFAULT_ESCALATION`: level → how far past the deadline (as a multiple of the SLA window)
  a ticket must be to reach it, and who is notified.

Conventions (chosen, documented, tested):

* a ticket is *late* when it is resolved (or still open at ``as_of``) strictly after its
  deadline; resolving exactly at the deadline meets the SLA;
* escalation level ``L`` is reached when the time past the deadline is strictly greater than
  ``overdue_ratio[L] × SLA hours``; a ticket's level is the highest it reached by its resolution
  (or by ``as_of`` when open); 0 = never escalated;
* ``as_of`` is always explicit (no "now"), so results are reproducible.

Examples
--------
>>> import crmlab
>>> tickets = crmlab.datasets.load_dataset("service_tickets")
>>> aged = ticket_ageing(tickets, as_of="2025-12-31 23:59:59")
>>> sorted(aged["sla_status"].unique())
['open in time', 'open overdue', 'resolved in time', 'resolved late']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmlab._checks import (CrmlabInputError, ExclusionReport, parse_as_of, require_columns,
                            require_not_empty, to_datetime)

__all__ = [
    "DEFAULT_SLA", "DEFAULT_ESCALATION", "SATISFIED_SCORES", "sla_deadlines", "ticket_ageing",
    "escalate", "escalation_queue", "resolution_times", "satisfaction_summary",
    "complaint_pareto",
]

#: Severity → hours allowed to resolve a ticket (calendar hours from opening).
DEFAULT_SLA = pd.DataFrame({
    "severity": ["P1", "P2", "P3", "P4"],
    "resolve_hours": [4.0, 24.0, 72.0, 168.0],
    "meaning": ["production stopped / safety", "serious impact", "normal", "question or wish"],
})

#: Escalation levels: reached when overdue by more than ``overdue_ratio`` × the SLA window.
DEFAULT_ESCALATION = pd.DataFrame({
    "level": [1, 2, 3],
    "overdue_ratio": [0.0, 0.5, 2.0],
    "notify": ["班组长 (team lead)", "服务经理 (service manager)", "分管副总 (vice president)"],
})

#: Satisfaction scores counted as "satisfied" for the CSAT share (4 and 5 on a 1–5 scale).
SATISFIED_SCORES: tuple[int, ...] = (4, 5)

_WHAT = "the tickets"


def _as_of(as_of) -> pd.Timestamp:
    """The report's moment (date and time), parsed as everywhere (:func:`~crmlab._checks.parse_as_of`)."""
    return parse_as_of(as_of, moment=True)


def _sla_hours(tickets: pd.DataFrame, severity: str, sla: pd.DataFrame) -> pd.Series:
    require_columns(sla, ["severity", "resolve_hours"], what="the SLA table")
    if sla["severity"].duplicated().any():
        raise CrmlabInputError("the SLA table lists a severity more than once")
    hours = tickets[severity].astype(object).map(dict(zip(sla["severity"], sla["resolve_hours"],
                                                          strict=True)))
    unknown = hours.isna()
    if unknown.any():
        examples = ", ".join(repr(v) for v in tickets.loc[unknown, severity].unique()[:4])
        raise CrmlabInputError(
            f"column {severity!r} of {_WHAT} holds severities with no SLA rule: {examples} "
            f"(rows {tickets.index[unknown][:5].tolist()}); the SLA table knows "
            f"{', '.join(map(str, sla['severity']))}")
    hours = hours.astype(float)
    if (hours <= 0).any():
        raise CrmlabInputError("the SLA table must give positive resolve_hours")
    return hours


def sla_deadlines(tickets: pd.DataFrame, *, severity: str = "severity", opened: str = "opened",
                  sla: pd.DataFrame = DEFAULT_SLA) -> pd.Series:
    """Deadline of each ticket: opened + the SLA hours of its severity.

    Parameters
    ----------
    tickets
        One row per service ticket.
    severity
        Column with the ticket's severity (``P1`` … ``P4``, as in ``sla``).
    opened
        Column with the moment the ticket was opened.
    sla
        The SLA rule table (``severity``, ``resolve_hours``).

    Returns
    -------
    Series
        The deadline (a timestamp) of each ticket, same index as ``tickets``.

    Examples
    --------
    >>> t = pd.DataFrame({"severity": ["P1", "P4"], "opened": ["2025-03-01 09:00", "2025-03-01 09:00"]})
    >>> sla_deadlines(t).dt.strftime("%m-%d %H:%M").tolist()
    ['03-01 13:00', '03-08 09:00']
    """
    require_columns(tickets, [severity, opened], what=_WHAT)
    start = to_datetime(tickets[opened], column=opened, what=_WHAT)
    if start.isna().any():
        raise CrmlabInputError(f"column {opened!r} of {_WHAT} is empty in rows "
                               f"{tickets.index[start.isna()][:5].tolist()}")
    hours = _sla_hours(tickets, severity, sla)
    return (start + pd.to_timedelta(hours, unit="h")).rename("deadline")


def ticket_ageing(tickets: pd.DataFrame, *, as_of, severity: str = "severity",
                  opened: str = "opened", resolved: str = "resolved", deadline: str | None = None,
                  sla: pd.DataFrame = DEFAULT_SLA) -> pd.DataFrame:
    """Age of every ticket against its SLA deadline, as of a given moment.

    Parameters
    ----------
    tickets
        One row per service ticket.
    as_of
        The moment of the report (required). Tickets opened at or after it are excluded
        (reported); a ticket resolved after it counts as open.
    severity, opened, resolved
        Columns of the severity, the opening moment and the resolution moment (missing while
        open).
    deadline
        Column with each ticket's deadline; ``None`` (default) computes it from ``sla``.
    sla
        The SLA rule table (``severity``, ``resolve_hours``).

    Returns
    -------
    A copy of the tickets with ``deadline``, ``is_open``, ``age_hours`` (opening to resolution,
    or to ``as_of`` when open), ``sla_hours`` (the window), ``overdue_hours`` (time past the
    deadline, 0 when in time), ``sla_met`` (False when late) and ``sla_status``: resolved in
    time · resolved late · open in time · open overdue.

    Examples
    --------
    >>> t = pd.DataFrame({"severity": ["P1", "P1", "P2"],
    ...                   "opened": ["2025-03-01 09:00"] * 3,
    ...                   "resolved": ["2025-03-01 13:00", "2025-03-01 15:00", None]})
    >>> aged = ticket_ageing(t, as_of="2025-03-02 15:00")
    >>> aged[["age_hours", "overdue_hours", "sla_status"]]
       age_hours  overdue_hours        sla_status
    0        4.0            0.0  resolved in time
    1        6.0            2.0     resolved late
    2       30.0            6.0      open overdue
    """
    stamp = _as_of(as_of)
    require_columns(tickets, [severity, opened, resolved, *([deadline] if deadline else [])],
                    what=_WHAT)
    require_not_empty(tickets, what=_WHAT)
    start = to_datetime(tickets[opened], column=opened, what=_WHAT)
    end = to_datetime(tickets[resolved], column=resolved, what=_WHAT)
    report = ExclusionReport(received=len(tickets))
    report.add("tickets without an opening time", tickets.index[start.isna()])
    report.add("tickets opened on or after the as-of moment", tickets.index[start >= stamp])
    keep = start.notna() & (start < stamp)
    backwards = keep & end.notna() & (end < start)
    if backwards.any():
        raise CrmlabInputError(
            f"tickets are resolved before they were opened in rows "
            f"{tickets.index[backwards][:5].tolist()}: check {opened!r} and {resolved!r}")
    out = tickets[keep].copy()
    start, end = start[keep], end[keep]
    hours = _sla_hours(out, severity, sla)
    if deadline:
        due = to_datetime(out[deadline], column=deadline, what=_WHAT)
    else:
        due = start + pd.to_timedelta(hours, unit="h")
    is_open = end.isna() | (end > stamp)
    finish = end.where(~is_open, stamp)
    out["deadline"] = due
    out["is_open"] = is_open
    out["age_hours"] = (finish - start).dt.total_seconds() / 3600
    out["sla_hours"] = hours
    out["overdue_hours"] = ((finish - due).dt.total_seconds() / 3600).clip(lower=0)
    out["sla_met"] = out["overdue_hours"] <= 0
    state = np.where(is_open, "open", "resolved")
    timing = np.where(out["sla_met"], "in time", np.where(is_open, "overdue", "late"))
    out["sla_status"] = pd.Series(state, index=out.index) + " " + timing
    out.attrs["excluded"] = report.brief()
    return out


def escalate(tickets: pd.DataFrame, *, as_of, rules: pd.DataFrame = DEFAULT_ESCALATION,
             **ageing) -> pd.DataFrame:
    """Automatic escalation: the level each ticket reached and who was notified.

    Parameters
    ----------
    tickets
        One row per service ticket.
    as_of
        The moment of the report (see :func:`ticket_ageing`).
    rules
        Escalation rule table: ``level`` (1, 2, …), ``overdue_ratio`` (a level is reached when the
        time past the deadline is strictly more than this multiple of the SLA window) and
        ``notify`` (who is told).
    **ageing
        Column names and the SLA table, passed to :func:`ticket_ageing`.

    Returns
    -------
    The :func:`ticket_ageing` result with ``escalation_level`` (0 = none) and ``notify``
    (empty string at level 0).

    Examples
    --------
    >>> t = pd.DataFrame({"severity": ["P2"] * 4, "opened": ["2025-03-01 00:00"] * 4,
    ...                   "resolved": ["2025-03-02 00:00", "2025-03-02 06:00",
    ...                                "2025-03-02 12:01", "2025-03-04 00:01"]})
    >>> escalate(t, as_of="2025-04-01")[["overdue_hours", "escalation_level"]].round(2)
       overdue_hours  escalation_level
    0           0.00                 0
    1           6.00                 1
    2          12.02                 2
    3          48.02                 3
    """
    require_columns(rules, ["level", "overdue_ratio", "notify"], what="the escalation rules")
    rules = rules.sort_values("level")
    if (rules["overdue_ratio"].diff().dropna() < 0).any():
        raise CrmlabInputError(
            "the escalation rules must need more overdue time for a higher level")
    out = ticket_ageing(tickets, as_of=as_of, **ageing)
    ratio = out["overdue_hours"] / out["sla_hours"]
    late = out["overdue_hours"] > 0
    level = pd.Series(0, index=out.index, dtype="int64")
    for lvl, threshold in zip(rules["level"], rules["overdue_ratio"], strict=True):
        level = level.where(~(late & (ratio > threshold)), int(lvl))
    out["escalation_level"] = level
    out["notify"] = level.map(dict(zip(rules["level"], rules["notify"], strict=True))).fillna("")
    return out


def escalation_queue(tickets: pd.DataFrame, *, as_of, **options) -> pd.DataFrame:
    """Open tickets past their deadline, highest escalation level and longest overdue first:
    the list the course's automatic escalation puts in front of managers.

    Parameters
    ----------
    tickets
        One row per service ticket.
    as_of
        The moment of the report (see :func:`ticket_ageing`).
    **options
        Escalation rules, column names and the SLA table, passed to :func:`escalate`.

    Returns
    -------
    DataFrame
        The :func:`escalate` rows of the tickets still open at ``as_of`` with an escalation
        level of at least 1, sorted by
        escalation level and hours overdue (both descending), with a fresh 0..n-1 index.

    Examples
    --------
    >>> t = pd.DataFrame({"ticket_id": ["a", "b", "c"], "severity": ["P1", "P3", "P1"],
    ...                   "opened": ["2025-03-01 08:00"] * 3, "resolved": [None, None, "2025-03-01 09:00"]})
    >>> escalation_queue(t, as_of="2025-03-01 20:01")[["ticket_id", "escalation_level"]]
      ticket_id  escalation_level
    0         a                 3
    """
    out = escalate(tickets, as_of=as_of, **options)
    queue = out[out["is_open"] & (out["escalation_level"] > 0)]
    return queue.sort_values(["escalation_level", "overdue_hours"], ascending=False,
                             kind="stable").reset_index(drop=True)


def _groups(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def resolution_times(tickets: pd.DataFrame, *, by: str | Sequence[str] | None = "channel",
                     as_of, **ageing) -> pd.DataFrame:
    """Resolution time (hours from opening to resolution) of resolved tickets, by group.

    Parameters
    ----------
    tickets
        One row per service ticket.
    by
        Grouping column(s) (default ``"channel"``); ``None`` for one row over all tickets.
    as_of
        The moment of the report (see :func:`ticket_ageing`): tickets resolved after it count
        as open and are not measured.
    **ageing
        Column names and the SLA table, passed to :func:`ticket_ageing`.

    Returns
    -------
    DataFrame with the group columns, ``resolved`` (tickets), ``mean_hours``,
    ``median_hours``, ``p90_hours`` and ``sla_met_rate`` (share resolved by the deadline), sorted
    by median hours.

    Examples
    --------
    >>> t = pd.DataFrame({"channel": ["微信", "微信", "邮件"], "severity": ["P2"] * 3,
    ...                   "opened": ["2025-03-01 00:00"] * 3,
    ...                   "resolved": ["2025-03-01 10:00", "2025-03-01 20:00", "2025-03-03 00:00"]})
    >>> resolution_times(t, as_of="2025-04-01")[["channel", "resolved", "median_hours", "sla_met_rate"]]
      channel  resolved  median_hours  sla_met_rate
    0      微信         2          15.0           1.0
    1      邮件         1          48.0           0.0
    """
    keys = _groups(by)
    require_columns(tickets, keys, what=_WHAT)
    aged = ticket_ageing(tickets, as_of=as_of, **ageing)
    done = aged[~aged["is_open"]]
    if done.empty:
        raise CrmlabInputError("no ticket is resolved yet: no resolution time to measure")
    grouped = done.groupby(keys, observed=True) if keys else done.assign(_g=0).groupby("_g")
    hours = grouped["age_hours"]
    out = pd.DataFrame({
        "resolved": hours.size(), "mean_hours": hours.mean(), "median_hours": hours.median(),
        "p90_hours": hours.quantile(0.9), "sla_met_rate": grouped["sla_met"].mean(),
    })
    out = out.sort_values("median_hours", kind="stable")
    return out.reset_index() if keys else out.reset_index(drop=True)


def satisfaction_summary(tickets: pd.DataFrame, *, satisfaction: str = "satisfaction",
                         by: str | Sequence[str] | None = None,
                         satisfied: Sequence[int] = SATISFIED_SCORES,
                         scale: tuple[int, int] = (1, 5)) -> pd.DataFrame:
    """Satisfaction after resolution (回访满意度): surveyed tickets, mean score and CSAT share.

    Tickets without a score (not surveyed) are left out and reported; scores outside ``scale``
    raise an error.

    Parameters
    ----------
    tickets
        One row per service ticket.
    satisfaction
        Column with the satisfaction score of the follow-up call (missing: not surveyed).
    by
        Optional grouping column(s).
    satisfied
        The scores that count as satisfied.
    scale
        The lowest and highest possible score.

    Returns
    -------
    DataFrame with the group columns, ``surveyed``, ``mean_score`` and ``csat`` (share of
    scores in ``satisfied``, i.e. 4 or 5).

    Examples
    --------
    >>> t = pd.DataFrame({"satisfaction": [5, 4, 2, None], "escalated": [0, 0, 1, 1]})
    >>> satisfaction_summary(t, by="escalated")
       escalated  surveyed  mean_score  csat
    0          0         2         4.5   1.0
    1          1         1         2.0   0.0
    """
    keys = _groups(by)
    require_columns(tickets, [satisfaction, *keys], what=_WHAT)
    require_not_empty(tickets, what=_WHAT)
    score = pd.to_numeric(tickets[satisfaction], errors="coerce")
    bad = (score.isna() & tickets[satisfaction].notna()) | (score.notna() & (
        (score < scale[0]) | (score > scale[1]) | (score != score.round())))
    if bad.any():
        examples = ", ".join(repr(v) for v in tickets.loc[bad, satisfaction].unique()[:3])
        raise CrmlabInputError(
            f"column {satisfaction!r} of {_WHAT} must hold whole scores {scale[0]}–{scale[1]}; "
            f"rows {tickets.index[bad][:5].tolist()} hold {examples}")
    report = ExclusionReport(received=len(tickets))
    report.add("tickets without a satisfaction score (not surveyed)", tickets.index[score.isna()])
    df = tickets.loc[score.notna(), keys].copy()
    df["_score"] = score[score.notna()].astype(float)
    df["_ok"] = df["_score"].isin([float(s) for s in satisfied])
    if df.empty:
        raise CrmlabInputError(f"no ticket has a {satisfaction!r} score: nothing to summarise")
    grouped = df.groupby(keys, observed=True) if keys else df.assign(_g=0).groupby("_g")
    out = pd.DataFrame({"surveyed": grouped.size(), "mean_score": grouped["_score"].mean(),
                        "csat": grouped["_ok"].mean()})
    out = out.reset_index() if keys else out.reset_index(drop=True)
    out.attrs["excluded"] = report.brief()
    return out


def complaint_pareto(tickets: pd.DataFrame, *, category: str = "category",
                     vital_share: float = 0.8) -> pd.DataFrame:
    """Complaint categories by count, with cumulative shares: the few categories that cause
    most complaints (二八法则 applied to complaints).

    Parameters
    ----------
    tickets
        One row per complaint (service ticket).
    category
        Column with the complaint category.
    vital_share
        A category belongs to the "vital few" when the cumulative share of the categories ranked
        before it is below this value (so the category that crosses 80 % is included).

    Returns
    -------
    DataFrame sorted by count: ``category``, ``tickets``, ``share``, ``cumulative_share`` and
    ``vital_few`` (bool). Ties are broken by category name.

    Examples
    --------
    >>> t = pd.DataFrame({"category": ["质量"] * 6 + ["交付"] * 3 + ["账单"]})
    >>> complaint_pareto(t)
      category  tickets  share  cumulative_share  vital_few
    0       质量        6    0.6               0.6       True
    1       交付        3    0.3               0.9       True
    2       账单        1    0.1               1.0      False
    """
    require_columns(tickets, [category], what=_WHAT)
    require_not_empty(tickets, what=_WHAT)
    if not 0 < vital_share <= 1:
        raise CrmlabInputError(f"vital_share must be in (0, 1], got {vital_share}")
    values = tickets[category]
    report = ExclusionReport(received=len(tickets))
    report.add("tickets without a category", tickets.index[values.isna()])
    counts = values.dropna().astype(str).value_counts()
    if counts.empty:
        raise CrmlabInputError(f"column {category!r} of {_WHAT} is empty")
    out = pd.DataFrame({"category": counts.index, "tickets": counts.to_numpy()})
    out = out.sort_values(["tickets", "category"], ascending=[False, True], kind="stable",
                          ignore_index=True)
    out["share"] = out["tickets"] / out["tickets"].sum()
    out["cumulative_share"] = out["share"].cumsum()
    before = out["cumulative_share"] - out["share"]
    out["vital_few"] = before < vital_share - 1e-12
    out.attrs["excluded"] = report.brief()
    return out
