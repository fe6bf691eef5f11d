"""CRM in sales and marketing: the sales funnel (销售漏斗), win rate (赢单率), sales-cycle length
(销售周期), pipeline by owner, big-deal alerts (大单预警) and campaign ROI (营销活动投资回报率).

The opportunity table follows the shipped ``sales_opportunities``: one row per opportunity with
its current ``stage`` (an open stage, ``"won"`` or ``"lost"``) and ``stage_reached``, the
furthest stage it got to (``"won"`` for won deals; for lost deals the stage where it was lost).

Conventions (chosen, documented, tested):

* an opportunity *reached* a funnel stage when its ``stage_reached`` is that stage or a later
  one; won deals reached every stage;
* win rate = won ÷ (won + lost): open opportunities are not yet decided and are left out (their
  number is reported in ``result.attrs["excluded"]``);
* sales-cycle length = days from ``created`` to ``closed``;
* campaign revenue is attributed through won opportunities (single-touch, lead-source
  attribution): a campaign earns the amounts of the won deals whose ``campaign_id`` it is;
  ROI = (attributed revenue × gross margin − cost) ÷ cost.

Examples
--------
>>> import crmlab
>>> opps = crmlab.datasets.load_dataset("sales_opportunities")
>>> funnel = sales_funnel(opps)
>>> funnel["stage"].tolist()
['lead', 'qualified', 'proposal', 'negotiation', 'won']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmlab._checks import (CrmlabInputError, ExclusionReport, require_columns, require_not_empty,
                            to_datetime, to_numeric)

__all__ = [
    "FUNNEL_STAGES", "BIG_DEAL_THRESHOLD", "sales_funnel", "win_rate", "sales_cycle",
    "pipeline_by_owner", "big_deal_alerts", "campaign_roi",
]

#: Funnel stages in order; the last one is the won deal. ``"lost"`` ends an opportunity early.
FUNNEL_STAGES: tuple[str, ...] = ("lead", "qualified", "proposal", "negotiation", "won")
#: An open opportunity of this amount (CNY) or more raises a big-deal alert (大单预警).
BIG_DEAL_THRESHOLD: float = 300_000
WON, LOST = "won", "lost"


def _groups(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _check_stages(values: pd.Series, allowed: Sequence[str], column: str) -> None:
    bad = values.notna() & ~values.isin(list(allowed))
    if bad.any():
        examples = ", ".join(repr(v) for v in values[bad].unique()[:4])
        raise CrmlabInputError(
            f"column {column!r} of the opportunities holds unknown stages {examples} "
            f"(rows {values.index[bad][:5].tolist()}); expected one of {', '.join(allowed)}")
    if values.isna().any():
        raise CrmlabInputError(
            f"column {column!r} of the opportunities is empty in rows "
            f"{values.index[values.isna()][:5].tolist()}: every opportunity needs a stage")


def _amounts(df: pd.DataFrame, column: str) -> pd.Series:
    values = to_numeric(df[column], column=column, what="the opportunities")
    negative = values < 0
    if negative.any():
        raise CrmlabInputError(
            f"column {column!r} of the opportunities has negative amounts in rows "
            f"{values.index[negative][:5].tolist()}")
    return values


def sales_funnel(opportunities: pd.DataFrame, *, stage_reached: str = "stage_reached",
                 stage: str = "stage", amount: str = "amount",
                 stages: Sequence[str] = FUNNEL_STAGES, include_open: bool = True,
                 by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """The sales funnel: how many opportunities (and how much value) reached each stage.

    Parameters
    ----------
    opportunities
        One row per opportunity (like ``sales_opportunities``).
    stage_reached
        Column with the furthest stage reached (one of ``stages``).
    stage
        Column with the current stage (``"won"``, ``"lost"`` or an open stage); used only when
        ``include_open`` is False.
    amount
        Column with the opportunity amount (value of the deal).
    stages
        Funnel stages in order, the won stage last.
    include_open
        Count open opportunities at the stage they have reached so far (default). False keeps
        only decided (won or lost) opportunities, which gives unbiased stage-to-stage conversion
        when many deals are still open.
    by
        Optional column(s) to compute one funnel per group (e.g. ``"owner"``).

    Returns
    -------
    DataFrame, one row per stage (per group): ``stage``, ``reached`` (opportunities that got at
    least this far), ``value`` (their total amount), ``conversion`` (reached ÷ reached at the
    previous stage; NaN for the first stage) and ``overall_conversion`` (reached ÷ reached at the
    first stage).

    Examples
    --------
    >>> opps = pd.DataFrame({"stage_reached": ["lead", "qualified", "won", "won"],
    ...                      "stage": ["lost", "lost", "won", "won"], "amount": [10, 20, 30, 40]})
    >>> sales_funnel(opps, stages=["lead", "qualified", "won"]).round(3)
           stage  reached  value  conversion  overall_conversion
    0       lead        4  100.0         NaN                1.00
    1  qualified        3   90.0       0.750                0.75
    2        won        2   70.0       0.667                0.50
    """
    keys = _groups(by)
    require_columns(opportunities, [stage_reached, amount, *keys, *([] if include_open else [stage])],
                    what="the opportunities")
    require_not_empty(opportunities, what="the opportunities")
    stages = list(stages)
    _check_stages(opportunities[stage_reached], stages, stage_reached)
    df = opportunities[[stage_reached, *keys]].copy()
    df["_amount"] = _amounts(opportunities, amount)
    report = ExclusionReport(received=len(df))
    if not include_open:
        _check_stages(opportunities[stage], [*stages, LOST], stage)
        decided = opportunities[stage].isin([stages[-1], LOST])
        report.add("open opportunities (include_open=False)", df.index[~decided])
        df = df[decided]
    df["_rank"] = df[stage_reached].map({s: i for i, s in enumerate(stages)}).astype(int)
    frames = []
    grouped = [((), df)] if not keys else df.groupby(keys, observed=True, sort=True)
    for key, part in grouped:
        reached = np.array([(part["_rank"] >= i).sum() for i in range(len(stages))])
        value = np.array([part.loc[part["_rank"] >= i, "_amount"].sum() for i in range(len(stages))])
        with np.errstate(divide="ignore", invalid="ignore"):
            conversion = np.concatenate([[np.nan], reached[1:] / reached[:-1]])
            overall = reached / reached[0] if reached[0] else np.full(len(stages), np.nan)
        frame = pd.DataFrame({"stage": stages, "reached": reached, "value": value,
                              "conversion": conversion, "overall_conversion": overall})
        key = key if isinstance(key, tuple) else (key,)
        for name, val in zip(keys, key, strict=True):
            frame.insert(keys.index(name), name, val)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out.attrs["excluded"] = report.brief()
    return out


def win_rate(opportunities: pd.DataFrame, *, stage: str = "stage",
             by: str | Sequence[str] | None = None, amount: str | None = None) -> pd.DataFrame:
    """Win rate (赢单率) = won ÷ (won + lost); open opportunities are left out and reported.

    Parameters
    ----------
    opportunities
        One row per sales opportunity.
    stage
        Column with the current stage; ``"won"`` and ``"lost"`` are decided deals.
    by
        Optional column(s) to compute the rate per group (owner, campaign, channel …).
    amount
        Optional amount column: adds ``value_win_rate`` = won amount ÷ decided amount.

    Returns
    -------
    DataFrame with the group columns, ``won``, ``lost``, ``decided``, ``open`` and ``win_rate``
    (NaN for a group with no decided deal).

    Examples
    --------
    >>> opps = pd.DataFrame({"stage": ["won", "lost", "lost", "lead", "won"],
    ...                      "owner": ["A", "A", "A", "A", "B"]})
    >>> win_rate(opps, by="owner")
      owner  won  lost  decided  open  win_rate
    0     A    1     2        3     1  0.333333
    1     B    1     0        1     0  1.000000
    """
    keys = _groups(by)
    require_columns(opportunities, [stage, *keys, *([amount] if amount else [])],
                    what="the opportunities")
    require_not_empty(opportunities, what="the opportunities")
    if opportunities[stage].isna().any():
        raise CrmlabInputError(
            f"column {stage!r} of the opportunities is empty in rows "
            f"{opportunities.index[opportunities[stage].isna()][:5].tolist()}")
    df = opportunities[keys].copy()
    df["won"] = (opportunities[stage] == WON).astype(int)
    df["lost"] = (opportunities[stage] == LOST).astype(int)
    df["open"] = 1 - df["won"] - df["lost"]
    if amount:
        value = _amounts(opportunities, amount)
        df["_won_value"] = value * df["won"]
        df["_decided_value"] = value * (df["won"] + df["lost"])
    report = ExclusionReport(received=len(df))
    report.add("open opportunities (not yet won or lost)", df.index[df["open"] == 1])
    sums = df.groupby(keys, observed=True).sum() if keys else df.sum().to_frame().T
    out = pd.DataFrame({"won": sums["won"], "lost": sums["lost"]})
    out["decided"] = out["won"] + out["lost"]
    out["open"] = sums["open"]
    out = out.astype("int64")
    out["win_rate"] = out["won"] / out["decided"].where(out["decided"] > 0)
    if amount:
        out["value_win_rate"] = sums["_won_value"] / sums["_decided_value"].where(
            sums["_decided_value"] > 0)
    out = out.reset_index() if keys else out.reset_index(drop=True)
    out.attrs["excluded"] = report.brief()
    return out


def sales_cycle(opportunities: pd.DataFrame, *, created: str = "created", closed: str = "closed",
                stage: str = "stage", outcomes: Sequence[str] = (WON,),
                by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Sales-cycle length (销售周期): days from ``created`` to ``closed`` of closed deals.

    Parameters
    ----------
    opportunities
        One row per sales opportunity.
    created, closed
        The columns of the date the opportunity was opened and the date it was closed.
    stage
        Column with the current stage (``"won"``, ``"lost"`` or an open stage).
    outcomes
        Which closed deals to measure: ``("won",)`` (default, the usual definition),
        ``("lost",)`` or both.
    by
        Optional grouping column(s).

    Returns
    -------
    DataFrame with the group columns, ``deals``, ``mean_days``, ``median_days``, ``p25_days``,
    ``p75_days`` and ``max_days``.

    Examples
    --------
    >>> opps = pd.DataFrame({"created": ["2025-01-01", "2025-01-01", "2025-02-01"],
    ...                      "closed": ["2025-01-11", "2025-01-31", None],
    ...                      "stage": ["won", "won", "lead"]})
    >>> sales_cycle(opps)[["deals", "mean_days", "median_days"]]
       deals  mean_days  median_days
    0      2       20.0         20.0
    """
    keys = _groups(by)
    require_columns(opportunities, [created, closed, stage, *keys], what="the opportunities")
    require_not_empty(opportunities, what="the opportunities")
    start = to_datetime(opportunities[created], column=created, what="the opportunities")
    end = to_datetime(opportunities[closed], column=closed, what="the opportunities")
    chosen = opportunities[stage].isin(list(outcomes))
    report = ExclusionReport(received=len(opportunities))
    report.add(f"opportunities not {' or '.join(outcomes)}", opportunities.index[~chosen])
    missing = chosen & (end.isna() | start.isna())
    report.add("closed opportunities without a created or closed date",
               opportunities.index[missing])
    use = chosen & ~missing
    days = (end[use] - start[use]).dt.total_seconds() / 86400
    backwards = days < 0
    if backwards.any():
        raise CrmlabInputError(
            f"opportunities close before they were created in rows "
            f"{days.index[backwards][:5].tolist()}: check columns {created!r} and {closed!r}")
    df = opportunities.loc[use, keys].copy()
    df["days"] = days
    if df.empty:
        raise CrmlabInputError(
            f"no {' or '.join(outcomes)} opportunity has both dates: no cycle to measure")
    grouped = df.groupby(keys, observed=True)["days"] if keys else df.assign(_g=0).groupby("_g")["days"]
    out = pd.DataFrame({
        "deals": grouped.size(), "mean_days": grouped.mean(), "median_days": grouped.median(),
        "p25_days": grouped.quantile(0.25), "p75_days": grouped.quantile(0.75),
        "max_days": grouped.max(),
    })
    out = out.reset_index() if keys else out.reset_index(drop=True)
    out.attrs["excluded"] = report.brief()
    return out


def pipeline_by_owner(opportunities: pd.DataFrame, *, owner: str = "owner", stage: str = "stage",
                      amount: str = "amount") -> pd.DataFrame:
    """Each owner's pipeline (销售管道) and results: open, won and lost deals with their amounts.

    Parameters
    ----------
    opportunities
        One row per sales opportunity.
    owner
        Column with the salesperson who owns the opportunity.
    stage
        Column with the current stage (``"won"``, ``"lost"`` or an open stage).
    amount
        Column with the opportunity's amount.

    Returns
    -------
    DataFrame, one row per owner sorted by open amount (descending): ``open_deals``,
    ``open_amount``, ``won_deals``, ``won_amount``, ``lost_deals`` and ``win_rate``
    (won ÷ decided).

    Examples
    --------
    >>> opps = pd.DataFrame({"owner": ["A", "A", "B"], "stage": ["won", "proposal", "lost"],
    ...                      "amount": [100.0, 50.0, 80.0]})
    >>> pipeline_by_owner(opps)
      owner  open_deals  open_amount  won_deals  won_amount  lost_deals  win_rate
    0     A           1         50.0          1       100.0           0       1.0
    1     B           0          0.0          0         0.0           1       0.0
    """
    require_columns(opportunities, [owner, stage, amount], what="the opportunities")
    require_not_empty(opportunities, what="the opportunities")
    value = _amounts(opportunities, amount)
    won = opportunities[stage] == WON
    lost = opportunities[stage] == LOST
    is_open = ~(won | lost)
    df = pd.DataFrame({
        owner: opportunities[owner], "open_deals": is_open.astype(int),
        "open_amount": value.where(is_open, 0.0), "won_deals": won.astype(int),
        "won_amount": value.where(won, 0.0), "lost_deals": lost.astype(int),
    })
    out = df.groupby(owner, observed=True).sum()
    decided = out["won_deals"] + out["lost_deals"]
    out["win_rate"] = out["won_deals"] / decided.where(decided > 0)
    out = out.sort_values(["open_amount", "won_amount"], ascending=False, kind="stable")
    return out.reset_index()


def big_deal_alerts(opportunities: pd.DataFrame, *, threshold: float = BIG_DEAL_THRESHOLD,
                    amount: str = "amount", stage: str = "stage",
                    open_only: bool = True) -> pd.DataFrame:
    """Opportunities of ``threshold`` or more (大单预警), largest first.

    Parameters
    ----------
    opportunities
        One row per sales opportunity.
    threshold
        Smallest amount that raises an alert (inclusive), CNY. Default 300,000 (about the top
        9 % of the shipped opportunities).
    amount
        Column with the opportunity's amount.
    stage
        Column with the current stage (``"won"``, ``"lost"`` or an open stage).
    open_only
        Only opportunities that are still open (default): the deals management must watch.

    Returns
    -------
    DataFrame
        The opportunities at or above the threshold, largest amount first (all columns kept).

    Examples
    --------
    >>> opps = pd.DataFrame({"opportunity_id": ["a", "b", "c"], "amount": [300_000, 299_999, 9e5],
    ...                      "stage": ["proposal", "lead", "won"]})
    >>> big_deal_alerts(opps)["opportunity_id"].tolist()
    ['a']
    """
    require_columns(opportunities, [amount, stage], what="the opportunities")
    value = _amounts(opportunities, amount)
    mask = value >= threshold
    if open_only:
        mask &= ~opportunities[stage].isin([WON, LOST])
    out = opportunities[mask].copy()
    out = out.iloc[np.argsort(-value[mask].to_numpy(), kind="stable")]
    return out.reset_index(drop=True)


def campaign_roi(campaigns: pd.DataFrame, opportunities: pd.DataFrame, *,
                 campaign_id: str = "campaign_id", cost: str = "cost",
                 contacts: str = "contacts", responses: str = "responses",
                 stage: str = "stage", amount: str = "amount",
                 gross_margin: float = 1.0) -> pd.DataFrame:
    """Return on each marketing campaign from its cost and the won deals it brought in.

    Revenue is attributed through won opportunities (single-touch): a campaign earns the amounts
    of the won opportunities with its ``campaign_id``. Opportunities naming a campaign that is
    not in ``campaigns`` are reported in ``result.attrs["excluded"]``.

    Parameters
    ----------
    campaigns
        One row per campaign with its cost, contacts and responses.
    opportunities
        One row per sales opportunity, naming the campaign that brought it in (or missing).
    campaign_id
        The campaign-id column, in both tables.
    cost, contacts, responses
        Columns of ``campaigns``: money spent, people reached, people who responded.
    stage, amount
        Columns of ``opportunities``: the current stage and the amount.
    gross_margin
        Share of revenue that is profit (1.0 = ROI on revenue, the default; 0.3 = on a 30 %
        margin, which is what actually pays back the campaign).

    Returns
    -------
    DataFrame, one row per campaign (the campaign columns first) with ``response_rate``
    (responses ÷ contacts), ``leads`` (opportunities), ``won_deals``, ``revenue``,
    ``cost_per_response``, ``cost_per_lead``, ``cost_per_win`` (NaN when the divisor is 0) and
    ``roi`` = (revenue × gross_margin − cost) ÷ cost; sorted by ROI (descending).

    Examples
    --------
    >>> camps = pd.DataFrame({"campaign_id": ["X"], "cost": [1000.0], "contacts": [500],
    ...                       "responses": [50]})
    >>> opps = pd.DataFrame({"campaign_id": ["X", "X", None], "stage": ["won", "lost", "won"],
    ...                      "amount": [3000.0, 999.0, 7.0]})
    >>> campaign_roi(camps, opps)[["cost_per_response", "leads", "revenue", "roi"]]
       cost_per_response  leads  revenue  roi
    0               20.0      2   3000.0  2.0
    """
    require_columns(campaigns, [campaign_id, cost, contacts, responses], what="the campaigns")
    require_columns(opportunities, [campaign_id, stage, amount], what="the opportunities")
    require_not_empty(campaigns, what="the campaigns")
    if not 0 < gross_margin <= 1:
        raise CrmlabInputError(f"gross_margin must be in (0, 1], got {gross_margin}")
    if campaigns[campaign_id].duplicated().any():
        dup = campaigns[campaign_id][campaigns[campaign_id].duplicated()].unique()[:5].tolist()
        raise CrmlabInputError(f"the campaigns table lists campaign ids more than once: {dup}")
    camp = campaigns.copy()
    for column in (cost, contacts, responses):
        if not pd.api.types.is_numeric_dtype(camp[column]):
            camp[column] = to_numeric(campaigns[column], column=column, what="the campaigns")
        if camp[column].isna().any():
            rows = camp.index[camp[column].isna()][:5].tolist()
            raise CrmlabInputError(f"column {column!r} of the campaigns is missing in rows {rows}")
        if (camp[column] < 0).any():
            rows = camp.index[camp[column] < 0][:5].tolist()
            raise CrmlabInputError(f"column {column!r} of the campaigns is negative in rows {rows}")
    too_many = camp[responses] > camp[contacts]
    if too_many.any():
        raise CrmlabInputError(
            f"campaigns have more responses than contacts in rows {camp.index[too_many][:5].tolist()}")
    value = _amounts(opportunities, amount)
    linked = opportunities[campaign_id].notna()
    known = opportunities[campaign_id].isin(set(camp[campaign_id]))
    report = ExclusionReport(received=len(opportunities))
    report.add("opportunities without a campaign (organic)", opportunities.index[~linked])
    report.add("opportunities naming an unknown campaign", opportunities.index[linked & ~known])
    opps = pd.DataFrame({"_cid": opportunities[campaign_id], "_won": opportunities[stage] == WON,
                         "_value": value})[known]
    per = opps.groupby("_cid").agg(leads=("_won", "size"), won_deals=("_won", "sum"))
    per["revenue"] = opps[opps["_won"]].groupby("_cid")["_value"].sum()
    out = camp.merge(per, left_on=campaign_id, right_index=True, how="left")
    out[["leads", "won_deals"]] = out[["leads", "won_deals"]].fillna(0).astype("int64")
    out["revenue"] = out["revenue"].fillna(0.0)
    positive = {c: out[c].where(out[c] > 0) for c in (contacts, responses, "leads", "won_deals")}
    out["response_rate"] = out[responses] / positive[contacts]
    out["cost_per_response"] = out[cost] / positive[responses]
    out["cost_per_lead"] = out[cost] / positive["leads"]
    out["cost_per_win"] = out[cost] / positive["won_deals"]
    out["roi"] = (out["revenue"] * gross_margin - out[cost]) / out[cost].where(out[cost] > 0)
    out = out.sort_values("roi", ascending=False, kind="stable").reset_index(drop=True)
    out.attrs["excluded"] = report.brief()
    return out
