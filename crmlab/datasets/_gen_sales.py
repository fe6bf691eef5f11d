"""Sales and marketing: the B2B manufacturer's opportunity pipeline and marketing campaigns.

Story: the manufacturer of the ``b2b_*`` tables (customers ``C0001`` … ``C0300``) tracks every
sales opportunity in its CRM from first lead to a won or lost deal, over 2024–2025 (the data is
as of 2025-12-31). About 60 % of the leads came from one of 14 marketing campaigns (trade fairs,
e-mail, WeChat, search ads, tele-marketing, seminars); the rest are organic.

Revenue is attributed to campaigns *through won opportunities* (single-touch, lead-source
attribution): a campaign's revenue is the sum of the amounts of the won opportunities whose
``campaign_id`` is that campaign. The ``campaigns`` table therefore has no revenue column;
:func:`crmlab.sales.campaign_roi` joins the two tables.

Patterns planted for the lessons:

* a funnel lead → qualified → proposal → negotiation → won with stage-to-stage conversion of
  about 60 %, 65 %, 70 % and 60 % for organic leads;
* lead quality differs by channel: trade fairs and seminars convert far better than search ads
  and e-mail, so the cheapest cost per response is not the best return on investment;
* owners differ: 王芳 wins noticeably more often than the others, 赵磊 less often;
* big deals (amount ≥ 300,000 CNY, about 9 %) are rare and take longer to close (a small
  win-rate penalty is planted too, but at this size it is lost in the noise);
* the sales cycle lengthens with every stage reached (about three weeks a stage).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from crmlab.datasets._spec import TableSpec

AS_OF = pd.Timestamp("2025-12-31")
START = pd.Timestamp("2024-01-01")

#: Pipeline stages in order; an opportunity ends as won or lost.
STAGES = ("lead", "qualified", "proposal", "negotiation")
OWNERS = ("张伟", "王芳", "李娜", "刘洋", "陈静", "赵磊", "孙丽", "周强")
_OWNER_SKILL = np.array([0.0, 0.55, 0.1, 0.0, 0.15, -0.5, -0.1, 0.05])

# channel name (Chinese), campaign names, cost range (CNY), contacts range, response rate,
# lead-quality shift on the logit scale of every stage conversion, share of responses that
# become sales leads (opportunities)
_CHANNELS = {
    "展会": (("华东工业博览会", "深圳智能制造展", "北京机床展"), (180_000, 320_000), (800, 1500), 0.20, 0.7, 0.45),
    "行业研讨会": (("华南客户研讨会", "数字化转型沙龙"), (40_000, 80_000), (150, 300), 0.35, 0.9, 0.5),
    "邮件营销": (("春季新品邮件", "年终促销邮件", "老客户回访邮件"), (8_000, 20_000), (8000, 15000), 0.025, -0.6, 0.05),
    "微信公众号": (("公众号技术专栏", "微信小程序推广"), (25_000, 50_000), (12000, 25000), 0.015, -0.3, 0.08),
    "搜索广告": (("百度搜索推广", "行业门户广告"), (90_000, 150_000), (20000, 40000), 0.01, -0.8, 0.15),
    "电话营销": (("沉睡客户电话回访", "新区域电话拓展"), (30_000, 60_000), (1500, 3000), 0.08, 0.0, 0.3),
}
_BASE_CONVERSION = np.array([0.60, 0.65, 0.70, 0.60])  # lead→qualified … negotiation→won
_DAYS_PER_STAGE = 21.0
BIG_DEAL = 300_000

TABLES = [
    TableSpec(
        name="campaigns",
        description="One row per marketing campaign: channel, dates, cost, contacts and responses",
        columns={"campaign_id": "str", "name": "str", "channel": "category", "start": "date",
                 "end": "date", "cost": "float", "contacts": "int", "responses": "int"},
        primary_key=("campaign_id",),
    ),
    TableSpec(
        name="sales_opportunities",
        description="One row per sales opportunity: owner, stage reached, amount, dates, campaign",
        columns={"opportunity_id": "str", "customer_id": "str", "owner": "category",
                 "created": "date", "stage": "category", "stage_reached": "category",
                 "amount": "float", "closed": "date", "campaign_id": "str"},
        primary_key=("opportunity_id",),
        foreign_keys={"customer_id": "b2b_customers.customer_id",
                      "campaign_id": "campaigns.campaign_id"},
    ),
]


def _campaigns(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for channel, (names, cost, contacts, rate, *_) in _CHANNELS.items():
        for name in names:
            rows.append((name, channel, cost, contacts, rate))
    starts = np.sort(rng.integers(0, 640, size=len(rows)))
    out = []
    for i, ((name, channel, cost, contacts, rate), start) in enumerate(zip(rows, starts, strict=True)):
        n_contacts = int(rng.integers(*contacts))
        begin = START + pd.Timedelta(days=int(start))
        length = int(rng.integers(3, 6)) if channel in ("展会", "行业研讨会") else int(rng.integers(14, 46))
        out.append({
            "campaign_id": f"CMP{i + 1:02d}", "name": name, "channel": channel, "start": begin,
            "end": begin + pd.Timedelta(days=length - 1),
            "cost": float(round(rng.uniform(*cost), -2)), "contacts": n_contacts,
            "responses": int(rng.binomial(n_contacts, rate)),
        })
    return pd.DataFrame(out)


def _opportunities(rng: np.random.Generator, campaigns: pd.DataFrame, n: int) -> pd.DataFrame:
    quality = {ch: spec[4] for ch, spec in _CHANNELS.items()}
    # leads per campaign: a share of its responses (leads are qualified responders' deals)
    lead_share = campaigns["channel"].map({ch: spec[5] for ch, spec in _CHANNELS.items()})
    campaign_leads = np.maximum(1, (campaigns["responses"].to_numpy() * lead_share.to_numpy()))
    campaign_leads = np.round(campaign_leads * (0.6 * n) / campaign_leads.sum()).astype(int)
    n_campaign = int(campaign_leads.sum())
    n_organic = max(n - n_campaign, 0)
    camp_idx = np.repeat(np.arange(len(campaigns)), campaign_leads)
    starts = campaigns["start"].to_numpy()[camp_idx]
    created_camp = starts + (rng.gamma(1.5, 10, size=n_campaign)).astype(int).astype("timedelta64[D]")
    created_org = START.to_datetime64() + rng.integers(0, 730, size=n_organic).astype("timedelta64[D]")
    created = np.concatenate([created_camp, created_org]).astype("datetime64[D]")
    campaign_id = np.concatenate([campaigns["campaign_id"].to_numpy()[camp_idx],
                                  np.full(n_organic, None, dtype=object)])
    shift = np.concatenate([
        campaigns["channel"].map(quality).to_numpy(dtype=float)[camp_idx], np.zeros(n_organic)])
    order = np.argsort(created, kind="stable")
    created, campaign_id, shift = created[order], campaign_id[order], shift[order]
    n = len(created)

    owner_idx = rng.integers(0, len(OWNERS), size=n)
    customer = rng.integers(1, 301, size=n)
    amount = np.round(np.exp(rng.normal(11.4, 0.9, size=n)), -2)
    amount = np.clip(amount, 5_000, 3_000_000)
    big = amount >= BIG_DEAL

    logit = np.log(_BASE_CONVERSION / (1 - _BASE_CONVERSION))
    # how many of the four conversions each opportunity passes (stops at the first failure)
    z = logit[None, :] + shift[:, None] + _OWNER_SKILL[owner_idx][:, None] - 0.3 * big[:, None]
    passes = rng.random((n, 4)) < 1 / (1 + np.exp(-z))
    reached = np.where(passes.all(axis=1), 4, np.argmin(passes, axis=1))  # 4 = won
    # time spent in each stage before moving on (or being lost)
    stage_days = rng.gamma(2.0, _DAYS_PER_STAGE / 2.0, size=(n, 5)) * np.where(big, 1.6, 1.0)[:, None]
    elapsed = np.cumsum(stage_days, axis=1)
    close_days = elapsed[np.arange(n), np.minimum(reached, 3)].round().astype(int) + 1
    closed = created + close_days.astype("timedelta64[D]")
    age = (AS_OF.to_datetime64().astype("datetime64[D]") - created).astype(int)
    open_ = closed > AS_OF.to_datetime64()
    # an open opportunity sits in the stage it had reached by the as-of date
    current = (elapsed < age[:, None]).sum(axis=1)
    current = np.minimum(current, np.minimum(reached, 3))

    stage_names = np.array([*STAGES, "won"], dtype=object)
    final = np.where(reached == 4, "won", "lost").astype(object)
    stage = np.where(open_, stage_names[current], final)
    stage_reached = np.where(open_, stage_names[current], stage_names[reached])
    return pd.DataFrame({
        "opportunity_id": [f"OPP{i + 1:05d}" for i in range(n)],
        "customer_id": [f"C{c:04d}" for c in customer],
        "owner": np.array(OWNERS, dtype=object)[owner_idx],
        "created": pd.to_datetime(created),
        "stage": stage,
        "stage_reached": stage_reached,
        "amount": amount,
        "closed": pd.Series(pd.to_datetime(closed)).where(~open_),
        "campaign_id": campaign_id,
    })


def generate(seed: int, scale: float = 1.0) -> Iterator[tuple[str, pd.DataFrame]]:
    """Yield the ``campaigns`` and ``sales_opportunities`` tables (opportunities scale with
    ``scale``; the 14 campaigns do not)."""
    rng = np.random.default_rng(seed)
    campaigns = _campaigns(rng)
    yield "campaigns", campaigns
    total = max(int(round(1500 * scale)), 20)
    chunk = 200_000
    done = 0
    while done < total:
        size = min(chunk, total - done)
        part = _opportunities(rng, campaigns, size)
        if done:
            part["opportunity_id"] = [f"OPP{i + 1 + done:05d}" for i in range(len(part))]
        done += len(part)
        yield "sales_opportunities", part
